# The update plugin (RFC 2136 dynamic updates, RFC 3007 policy) against real
# clients: nsupdate -y and knsupdate -y over UDP and TCP (add, delete one RR,
# delete an RRset, delete a name, prerequisites failing with the RFC's
# rcode), every change verified by querying the zone afterwards; dnspython
# for the exact rcodes (NOTZONE, FORMERR, NOTAUTH, BADKEY, policy refusals,
# unsigned updates) and for 16 clients updating in parallel, where every
# update acknowledged NOERROR must be in the zone. The RFC's special rules
# (SOA serial, apex NS, CNAME exclusivity, DNSSEC records) are checked
# through the served zone too.
# SPDX-License-Identifier: MIT OR Apache-2.0

import base64
import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import time

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update
import pytest

from conftest import HAVE_IPV6, PLUGINS_DIR, SANITIZER_MARKERS, ServerFactory, _check_binaries, \
    free_port
from knot_peer import check_zonefile_built, wait_soa

ZONE = "upd.test."
PLAIN = "plain.test."
SECRET = base64.b64encode(b"sluice-update-test-secret-32-byt").decode()
OTHER = base64.b64encode(b"another-secret-of-thirty-two-by!").decode()
KEYS = {"ddns-key.": SECRET, "limited-key.": SECRET, "host1.upd.test.": SECRET}

POLICY = [
    {"key": "limited-key.", "match": "subdomain", "name": "dyn.upd.test.",
     "types": ["A", "AAAA", "TXT"]},
    {"key": "ddns-key.", "action": "deny", "match": "subdomain", "name": "locked.upd.test."},
    {"key": "ddns-key.", "match": "subdomain", "name": "upd.test.", "types": ["ANY"]},
    {"key": "host1.upd.test.", "match": "self", "types": ["A"]},
    {"key": None, "match": "name", "name": "open.upd.test.", "types": ["TXT"]},
]


def write_zone(d, zone, extra):
    path = os.path.join(d, zone + "zone")
    with open(path, "w") as f:
        f.write("$ORIGIN %s\n$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n"
                "@ NS ns1\n@ NS ns2\nns1 A 192.0.2.53\nns2 A 192.0.2.54\n" % zone)
        f.write("\n".join(extra) + "\n")
    return path


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    _check_binaries()
    check_zonefile_built()
    if not os.path.exists(os.path.join(PLUGINS_DIR, "update.so")):
        pytest.fail("update.so not built")
    d = str(tmp_path_factory.mktemp("update-zones"))
    zfile = write_zone(d, ZONE, ["www A 192.0.2.1", "www A 192.0.2.2", "mail MX 10 www",
                                 "alias CNAME www", "locked A 192.0.2.7"])
    pfile = write_zone(d, PLAIN, ["www A 192.0.2.1"])
    port = free_port()
    listen = ["127.0.0.1:%d" % port] + (["[::1]:%d" % port] if HAVE_IPV6 else [])
    cfg = {
        "server": {"listen": listen, "workers": 2, "plugin_path": [PLUGINS_DIR],
                   "log_level": "info"},
        "tsig_keys": [{"name": k, "algorithm": "hmac-sha256", "secret": s}
                      for k, s in KEYS.items()],
        "zones": [
            {"name": ZONE, "plugins": [{"plugin": "zonefile", "file": zfile},
                                       {"plugin": "update", "policy": POLICY}]},
            {"name": PLAIN, "plugins": [{"plugin": "zonefile", "file": pfile}]},
        ],
    }
    factory = ServerFactory(tmp_path_factory)
    s = factory(cfg=cfg, port=port, name="sluiced-update")
    wait_soa(s, ZONE)
    wait_soa(s, PLAIN)
    yield s
    factory.cleanup()
    log = s.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log


def keyring(name="ddns-key.", secret=SECRET):
    return dns.tsigkeyring.from_text({name: ("hmac-sha256", secret)})


def query(srv, name, rdtype="A"):
    """The RDATA texts of an RRset as served (sorted), or None for NXDOMAIN."""
    q = dns.message.make_query(name, rdtype)
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=5)
    if r.rcode() == dns.rcode.NXDOMAIN:
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rdtype) and rrset.name == dns.name.from_text(name):
            return sorted(rd.to_text() for rd in rrset)
    return []


def serial(srv):
    return int(query(srv, ZONE, "SOA")[0].split()[2])


def send(srv, upd, tcp=False):
    f = dns.query.tcp if tcp else dns.query.udp
    return f(upd, "127.0.0.1", port=srv.port, timeout=10).rcode()


def raw_rcode(srv, wire):
    """Sends @wire as it is over UDP; the answer's rcode."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(bytes(wire), ("127.0.0.1", srv.port))
        data = sock.recv(65535)
    assert data[:2] == bytes(wire[:2]) and data[2] & 0x80
    return data[3] & 0x0F


def update(key="ddns-key.", secret=SECRET, zone=ZONE):
    if key is None:
        return dns.update.UpdateMessage(zone)
    return dns.update.UpdateMessage(zone, keyring=keyring(key, secret), keyname=key,
                                    keyalgorithm="hmac-sha256")


def run(args, stdin):
    res = subprocess.run(args, capture_output=True, text=True, timeout=30, input=stdin)
    return res.returncode, res.stdout + res.stderr


def nsupdate(srv, commands, tcp=False, key="ddns-key.", secret=SECRET):
    script = "server 127.0.0.1 %d\nzone %s\n%s\nsend\n" % (srv.port, ZONE, commands)
    args = ["nsupdate"] + (["-v"] if tcp else []) + ["-y", "hmac-sha256:%s:%s" % (key, secret)]
    return run(args, script)


def knsupdate(srv, commands, tcp=False, key="ddns-key.", secret=SECRET):
    script = "server 127.0.0.1 %d\nzone %s\n%s\nsend\n" % (srv.port, ZONE, commands)
    args = ["knsupdate"] + (["-v"] if tcp else []) + ["-y", "hmac-sha256:%s:%s" % (key, secret)]
    return run(args, script)


def need(tool):
    if not shutil.which(tool):
        pytest.fail("%s is needed: pkg/install-deps.sh --test" % tool)


# ---- real clients ------------------------------------------------------------------

@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_nsupdate_add_and_delete(srv, tcp):
    need("nsupdate")
    name = "ns-%s.upd.test." % ("tcp" if tcp else "udp")
    before = serial(srv)
    rc, out = nsupdate(srv, "update add %s 300 A 192.0.2.10\nupdate add %s 300 A 192.0.2.11\n"
                       "update add %s 300 TXT \"hello\"" % (name, name, name), tcp)
    assert rc == 0, out
    assert query(srv, name) == ["192.0.2.10", "192.0.2.11"]
    assert query(srv, name, "TXT") == ['"hello"']
    assert serial(srv) == before + 1  # raised once, by the server
    # delete one RR
    rc, out = nsupdate(srv, "update delete %s A 192.0.2.10" % name, tcp)
    assert rc == 0, out
    assert query(srv, name) == ["192.0.2.11"]
    # delete an RRset
    rc, out = nsupdate(srv, "update delete %s TXT" % name, tcp)
    assert rc == 0, out
    assert query(srv, name, "TXT") == []
    assert query(srv, name) == ["192.0.2.11"]
    # delete the name
    rc, out = nsupdate(srv, "update delete %s" % name, tcp)
    assert rc == 0, out
    assert query(srv, name) is None
    assert serial(srv) == before + 4


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_knsupdate_add_and_delete(srv, tcp):
    need("knsupdate")
    name = "kn-%s.upd.test." % ("tcp" if tcp else "udp")
    rc, out = knsupdate(srv, "update add %s 300 AAAA 2001:db8::1" % name, tcp)
    assert rc == 0, out
    assert query(srv, name, "AAAA") == ["2001:db8::1"]
    rc, out = knsupdate(srv, "update delete %s AAAA" % name, tcp)
    assert rc == 0, out
    assert query(srv, name, "AAAA") is None


@pytest.mark.parametrize("prereq,status", [
    ("prereq nxdomain www.upd.test.", "YXDOMAIN"),
    ("prereq yxdomain nowhere.upd.test.", "NXDOMAIN"),
    ("prereq yxrrset www.upd.test. TXT", "NXRRSET"),
    ("prereq nxrrset www.upd.test. A", "YXRRSET"),
    ("prereq yxrrset www.upd.test. A 192.0.2.1", "NXRRSET"),  # value-dependent: not all of it
])
def test_nsupdate_prerequisite_fails(srv, prereq, status):
    need("nsupdate")
    before = serial(srv)
    rc, out = nsupdate(srv, "%s\nupdate add pre.upd.test. 300 A 192.0.2.20" % prereq)
    assert rc != 0 and status in out, out
    assert query(srv, "pre.upd.test.") is None
    assert serial(srv) == before


def test_knsupdate_prerequisite_fails(srv):
    need("knsupdate")
    rc, out = knsupdate(srv, "prereq nxdomain www.upd.test.\n"
                        "update add pre.upd.test. 300 A 192.0.2.20")
    assert "YXDOMAIN" in out, out
    assert query(srv, "pre.upd.test.") is None
    assert re.search(r"key ddns-key\.: YXDOMAIN \(prerequisite not satisfied: www\.upd\.test\. "
                     r"ANY\)", srv.stderr()), srv.stderr()[-2000:]


def test_prerequisites_hold(srv):
    need("nsupdate")
    rc, out = nsupdate(srv, "prereq yxrrset www.upd.test. A 192.0.2.1\n"
                       "prereq yxrrset www.upd.test. A 192.0.2.2\n"
                       "prereq yxdomain www.upd.test.\nprereq nxdomain held.upd.test.\n"
                       "prereq nxrrset www.upd.test. TXT\nprereq yxrrset mail.upd.test. MX\n"
                       "update add held.upd.test. 300 A 192.0.2.21")
    assert rc == 0, out
    assert query(srv, "held.upd.test.") == ["192.0.2.21"]


# ---- policy (RFC 3007) -----------------------------------------------------------------

def test_policy(srv):
    u = update("limited-key.")
    u.add("a.dyn.upd.test.", 300, "A", "192.0.2.30")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, "a.dyn.upd.test.") == ["192.0.2.30"]
    u = update("limited-key.")
    u.add("a.dyn.upd.test.", 300, "MX", "10 www.upd.test.")  # type not granted
    assert send(srv, u) == dns.rcode.REFUSED
    u = update("limited-key.")
    u.add("elsewhere.upd.test.", 300, "A", "192.0.2.31")  # name not granted
    assert send(srv, u) == dns.rcode.REFUSED
    assert query(srv, "elsewhere.upd.test.") is None
    # one RR not granted refuses the whole update
    u = update("limited-key.")
    u.add("b.dyn.upd.test.", 300, "A", "192.0.2.32")
    u.add("www.upd.test.", 300, "A", "192.0.2.33")
    assert send(srv, u) == dns.rcode.REFUSED
    assert query(srv, "b.dyn.upd.test.") is None
    # an explicit deny before a broader grant: first match wins
    u = update()
    u.delete("locked.upd.test.")
    assert send(srv, u) == dns.rcode.REFUSED
    assert query(srv, "locked.upd.test.") == ["192.0.2.7"]
    # nsupdate sees the refusal
    rc, out = nsupdate(srv, "update add x.upd.test. 300 MX 10 www.upd.test.",
                       key="limited-key.")
    assert rc != 0 and "REFUSED" in out, out
    log = srv.stderr()
    assert re.search(r"update from 127\.0\.0\.1#\d+ key limited-key\.: REFUSED \(www\.upd\.test\. "
                     r"A matches no rule granting it\)", log), log


def test_policy_self(srv):
    u = update("host1.upd.test.")
    u.replace("host1.upd.test.", 300, "A", "192.0.2.40")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, "host1.upd.test.") == ["192.0.2.40"]
    u = update("host1.upd.test.")
    u.add("host2.upd.test.", 300, "A", "192.0.2.41")
    assert send(srv, u) == dns.rcode.REFUSED
    assert query(srv, "host2.upd.test.") is None


def test_unsigned(srv):
    u = update(None)
    u.add("www.upd.test.", 300, "A", "192.0.2.50")
    assert send(srv, u) == dns.rcode.REFUSED
    assert query(srv, "www.upd.test.") == ["192.0.2.1", "192.0.2.2"]
    # the explicit opt-in: unsigned TXT at open.upd.test. only
    u = update(None)
    u.add("open.upd.test.", 300, "TXT", "open")
    assert send(srv, u, tcp=True) == dns.rcode.NOERROR
    assert query(srv, "open.upd.test.", "TXT") == ['"open"']
    need("nsupdate")
    rc, out = run(["nsupdate"], "server 127.0.0.1 %d\nzone %s\n"
                  "update add www.upd.test. 300 A 192.0.2.51\nsend\n" % (srv.port, ZONE))
    assert rc != 0 and "REFUSED" in out, out


def test_bad_key(srv):
    # unknown key: NOTAUTH with TSIG error BADKEY, unsigned (dnspython says so)
    u = update("nokey.", SECRET)
    u.add("bad.upd.test.", 300, "A", "192.0.2.60")
    with pytest.raises(dns.tsig.PeerBadKey):
        send(srv, u)
    u = update("ddns-key.", OTHER)
    u.add("bad.upd.test.", 300, "A", "192.0.2.60")
    with pytest.raises(dns.tsig.PeerBadSignature):
        send(srv, u)
    assert query(srv, "bad.upd.test.") is None
    need("nsupdate")
    rc, out = nsupdate(srv, "update add bad.upd.test. 300 A 192.0.2.60", key="nokey.")
    assert rc != 0 and ("NOTAUTH" in out or "BADKEY" in out), out


# ---- routing and the message prescan ----------------------------------------------------

def test_routing(srv):
    u = update(zone=PLAIN)  # served, no update plugin: REFUSED, as BIND
    u.add("new.plain.test.", 300, "A", "192.0.2.70")
    assert send(srv, u) == dns.rcode.REFUSED
    u = update(zone="other.test.")  # not ours
    u.add("new.other.test.", 300, "A", "192.0.2.70")
    assert send(srv, u) == dns.rcode.NOTAUTH
    u = update(zone="sub.upd.test.")  # not a zone apex
    u.add("new.sub.upd.test.", 300, "A", "192.0.2.70")
    assert send(srv, u) == dns.rcode.NOTAUTH
    # ZTYPE must be SOA (RFC 2136 §3.1.1): FORMERR
    u = update(None)
    u.add("new.upd.test.", 300, "A", "192.0.2.70")
    wire = bytearray(u.to_wire())
    off = 12 + len(dns.name.from_text(ZONE).to_wire())
    wire[off:off + 2] = b"\x00\x01"
    assert raw_rcode(srv, wire) == dns.rcode.FORMERR
    assert query(srv, "new.upd.test.") is None


def test_notzone_and_formerr(srv):
    u = update()
    u.add("www.elsewhere.test.", 300, "A", "192.0.2.80")
    assert send(srv, u) == dns.rcode.NOTZONE
    assert re.search(r"NOTZONE \(update name outside the zone: www\.elsewhere\.test\. A\)",
                     srv.stderr()), srv.stderr()[-2000:]
    u = update()
    u.present("www.elsewhere.test.")
    assert send(srv, u) == dns.rcode.NOTZONE
    # a prerequisite with a TTL is malformed (judged before the policy: unsigned here)
    u = update(None)
    u.present("www.upd.test.")
    wire = bytearray(u.to_wire())
    wire[-6:-2] = b"\x00\x00\x01\x2c"
    assert raw_rcode(srv, wire) == dns.rcode.FORMERR
    # RRSIG/NSEC/NSEC3 belong to the signer
    u = update()
    u.add("www.upd.test.", 300, "NSEC", "zz.upd.test. A")
    assert send(srv, u) == dns.rcode.REFUSED


# ---- the special rules ------------------------------------------------------------------

def test_soa_rules(srv):
    cur = serial(srv)
    u = update()  # a lower serial is ignored
    u.replace(ZONE, 300, "SOA", "ns1.upd.test. host.upd.test. %d 3600 600 86400 300" % (cur - 1))
    assert send(srv, u) == dns.rcode.NOERROR
    assert serial(srv) == cur
    u = update()  # a higher one replaces it, and is not bumped again
    u.add(ZONE, 300, "SOA", "ns1.upd.test. host.upd.test. %d 7200 600 86400 300" % (cur + 10))
    assert send(srv, u) == dns.rcode.NOERROR
    assert serial(srv) == cur + 10
    assert query(srv, ZONE, "SOA")[0].split()[3] == "7200"
    u = update()  # the SOA is never deleted
    u.delete(ZONE, "SOA")
    assert send(srv, u) == dns.rcode.NOERROR
    assert serial(srv) == cur + 10


def test_apex_ns_never_emptied(srv):
    u = update()
    u.delete(ZONE, "NS")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, ZONE, "NS") == ["ns1.upd.test.", "ns2.upd.test."]
    u = update()
    u.delete(ZONE, "NS", "ns1.upd.test.")
    u.delete(ZONE, "NS", "ns2.upd.test.")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, ZONE, "NS") == ["ns2.upd.test."]
    u = update()  # the delete-all at the apex keeps SOA and NS
    u.add(ZONE, 300, "NS", "ns1.upd.test.")
    u.add(ZONE, 300, "TXT", "apex")
    assert send(srv, u) == dns.rcode.NOERROR
    u = update()
    u.delete(ZONE)
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, ZONE, "NS") == ["ns1.upd.test.", "ns2.upd.test."]
    assert query(srv, ZONE, "TXT") == []
    assert query(srv, ZONE, "SOA")


def test_cname_exclusivity(srv):
    u = update()  # CNAME where other data is: ignored
    u.add("www.upd.test.", 300, "CNAME", "mail.upd.test.")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, "www.upd.test.", "CNAME") == []
    assert query(srv, "www.upd.test.") == ["192.0.2.1", "192.0.2.2"]
    u = update()  # other data beside a CNAME: ignored
    u.add("alias.upd.test.", 300, "TXT", "x")
    assert send(srv, u) == dns.rcode.NOERROR
    q = dns.message.make_query("alias.upd.test.", "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=5)
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.CNAME]
    u = update()  # a CNAME replaces the CNAME
    u.add("alias.upd.test.", 300, "CNAME", "mail.upd.test.")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, "alias.upd.test.", "CNAME") == ["mail.upd.test."]


def test_ttl_applies_to_rrset(srv):
    u = update()
    u.add("ttl.upd.test.", 300, "A", "192.0.2.90")
    u.add("ttl.upd.test.", 600, "A", "192.0.2.91")
    assert send(srv, u) == dns.rcode.NOERROR
    q = dns.message.make_query("ttl.upd.test.", "A")
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=5)
    assert r.answer[0].ttl == 600 and len(r.answer[0]) == 2


# ---- concurrency ------------------------------------------------------------------------

def test_concurrent_clients(srv):
    acked, errors = [], []
    lock = threading.Lock()

    def client(n):
        for i in range(10):
            name = "c%d-%d.upd.test." % (n, i)
            u = update()
            u.add(name, 300, "A", "192.0.2.%d" % (i + 1))
            try:
                rcode = send(srv, u, tcp=bool(n % 2))
            except Exception as e:  # a lost UDP datagram is no acknowledgement
                with lock:
                    errors.append(repr(e))
                continue
            if rcode == dns.rcode.NOERROR:
                with lock:
                    acked.append((name, "192.0.2.%d" % (i + 1)))
    before = serial(srv)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(acked) >= 150, (len(acked), errors)
    for name, addr in acked:
        assert query(srv, name) == [addr], name
    assert serial(srv) > before


# ---- the deferred answer's way back ----------------------------------------------------

def test_tcp_client_gone_before_answer(srv):
    """A client that closes its connection before the answer: the change is applied, the
    answer dropped quietly; the server goes on (the next update on a new connection works)."""
    u = update()
    u.add("gone.upd.test.", 300, "A", "192.0.2.95")
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    wire = u.to_wire()
    s.sendall(struct.pack("!H", len(wire)) + wire)
    s.close()
    for _ in range(100):
        if query(srv, "gone.upd.test.") == ["192.0.2.95"]:
            break
        time.sleep(0.05)
    assert query(srv, "gone.upd.test.") == ["192.0.2.95"]
    u = update()
    u.add("after.upd.test.", 300, "A", "192.0.2.96")
    assert send(srv, u, tcp=True) == dns.rcode.NOERROR
    # several updates pipelined on one connection: one answer each, ids matched
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    ids = []
    for i in range(5):
        u = update()
        u.add("pipe%d.upd.test." % i, 300, "A", "192.0.2.%d" % (100 + i))
        ids.append(u.id)
        wire = u.to_wire()
        s.sendall(struct.pack("!H", len(wire)) + wire)
    got = []
    for _ in ids:
        n = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))[0]
        data = s.recv(n, socket.MSG_WAITALL)
        got.append(struct.unpack("!H", data[:2])[0])
        assert data[3] & 0x0F == dns.rcode.NOERROR
    s.close()
    assert sorted(got) == sorted(ids)


def test_reload_with_updates_in_flight(srv):
    """SIGHUP while clients update: every update gets an answer (NOERROR, or SERVFAIL for
    one refused in the hand-over), none hangs, every acknowledged one is in the zone, and
    updates work after the reload."""
    results, errors = [], []

    def client(n):
        for i in range(20):
            u = update()
            u.add("rl%d-%d.upd.test." % (n, i), 300, "A", "192.0.2.1")
            try:
                results.append(("rl%d-%d.upd.test." % (n, i), send(srv, u, tcp=True)))
            except Exception as e:
                errors.append(repr(e))
    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    srv.reload(srv.cfg)
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 80
    assert {rc for _, rc in results} <= {dns.rcode.NOERROR, dns.rcode.SERVFAIL}, results
    # the zone file did not change: the reload keeps the zone, and every acknowledged update
    for name, rc in results:
        if rc == dns.rcode.NOERROR:
            assert query(srv, name) == ["192.0.2.1"], name
    u = update()
    u.add("post-reload.upd.test.", 300, "A", "192.0.2.97")
    assert send(srv, u) == dns.rcode.NOERROR
    assert query(srv, "post-reload.upd.test.") == ["192.0.2.97"]


def test_too_many_prerequisites(srv):
    u = update()
    for i in range(1001):
        u.present("p%d.upd.test." % i)
    u.add("many.upd.test.", 300, "A", "192.0.2.98")
    assert send(srv, u, tcp=True) == dns.rcode.REFUSED


def test_invalid_result_refused_alone(srv):
    """An update whose result the zone store refuses (a delegation without its in-zone glue)
    is REFUSED with the reason logged, nothing of it applied; updates sent at the same
    time (possibly in the same batch, then redone one by one) are applied."""
    results, lock = {}, threading.Lock()

    def good(n):
        for i in range(5):
            u = update()
            u.add("ok%d-%d.upd.test." % (n, i), 300, "A", "192.0.2.1")
            rc = send(srv, u, tcp=True)
            with lock:
                results["ok%d-%d.upd.test." % (n, i)] = rc

    threads = [threading.Thread(target=good, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    u = update()
    u.add("deleg.upd.test.", 300, "NS", "ns.deleg.upd.test.")
    u.add("extra.upd.test.", 300, "A", "192.0.2.2")
    bad = send(srv, u, tcp=True)
    for t in threads:
        t.join()
    assert bad == dns.rcode.REFUSED
    assert query(srv, "extra.upd.test.") is None
    q = dns.message.make_query("deleg.upd.test.", "NS")
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=5)
    assert not r.answer and not any(rr.rdtype == dns.rdatatype.NS for rr in r.authority)
    assert len(results) == 30
    for name, rc in results.items():
        assert rc == dns.rcode.NOERROR, name
        assert query(srv, name) == ["192.0.2.1"], name
    assert re.search(r"key ddns-key\.: REFUSED \(the zone would be invalid: .*deleg\.upd\.test\.",
                     srv.stderr()), srv.stderr()[-2000:]
