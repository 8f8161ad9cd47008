# TSIG (RFC 8945) against real clients:
#  1. dig -y and kdig -y queries over UDP and TCP for every algorithm: the
#     response is signed and both tools verify it (they say so otherwise);
#  2. dnspython queries (its own TSIG code verifies the response);
#  3. a multi-message AXFR (a zone of several 64 KiB messages), and IXFR, signed with
#     dig -y, kdig -y and dnspython: each verifies every message's MAC,
#     chained as §5.3.1 says;
#  4. the error answers: BADKEY for an unknown key and BADSIG for a wrong
#     secret (unsigned, MAC size 0, §5.3.2), BADTIME for a skewed clock
#     (signed: the MAC recomputed here with Python's hmac over request MAC,
#     response and variables; the client's time in Time Signed, ours in
#     Other Data, §5.2.3), FORMERR for a mangled TSIG;
#  5. allow_transfer "key:NAME" (the keyed client transfers, unsigned and
#     other-key clients are REFUSED, a prefix and key must both match);
#  6. secret_file with a BIND key file from tsig-keygen, used by dig -k;
#  7. a signed UDP answer too big for the client's buffer: TC set, still
#     signed and verified, the TSIG RR always fits;
#  8. sluiced --check refuses a short secret with the key's JSON path;
#  9. knotd as a secondary signing with a key: it verifies every message of a
#     six-message AXFR and a key-only ACL zone; with a wrong secret it gets
#     BADSIG and loads nothing; UPDATE (nsupdate -y) and NOTIFY are verified
#     and signed like queries;
# 10. a reload that changes a secret: new requests need the new one at once,
#     a transfer already running finishes signed with the key it started with.
# SPDX-License-Identifier: MIT OR Apache-2.0

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
from unittest import mock

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import pytest

from conftest import (HAVE_IPV6, PLUGINS_DIR, SANITIZER_MARKERS, SLUICED, ServerFactory,
                      _check_binaries, free_port, run_sluiced, tcp_exchange, tcp_frame,
                      tcp_read_msg, udp_exchange)
from knot_peer import KnotPeer, SecondaryZone, check_zonefile_built, have_knotd, wait_soa

SECRET = base64.b64encode(b"sluice-tsig-test-secret-32-bytes").decode()
OTHER = base64.b64encode(b"another-secret-of-thirty-two-by!").decode()
ALGS = ["hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"]
ZONE = "tsig.test."
BIG = "big.tsig.test."
ACL_ZONE = "acl.tsig.test."
PREFIX_ZONE = "prefix.tsig.test."
BIG_RECORDS = 3000  # ~350 KB: six or more messages of up to 64 KiB


def key_name(alg):
    return alg + "-key."


def write_zones(d):
    files = {}
    for zone, extra in ((ZONE, ["www A 192.0.2.1", "large TXT " + " ".join(
                            '"%s"' % ("t%02d" % i * 40) for i in range(20))]),
                        (BIG, ['h%d TXT "%s"' % (i, "x" * 100) for i in range(BIG_RECORDS)]),
                        (ACL_ZONE, ["www A 192.0.2.3"]),
                        (PREFIX_ZONE, ["www A 192.0.2.4"])):
        path = os.path.join(d, zone + "zone")
        with open(path, "w") as f:
            f.write("$ORIGIN %s\n$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n"
                    "@ NS ns1\nns1 A 192.0.2.53\n" % zone)
            f.write("\n".join(extra) + "\n")
        files[zone] = path
    return files


def tsig_config(port, files, keyfile):
    listen = ["127.0.0.1:%d" % port] + (["[::1]:%d" % port] if HAVE_IPV6 else [])
    keys = [{"name": key_name(a), "algorithm": a, "secret": SECRET} for a in ALGS]
    keys.append({"name": "xfr-key.", "algorithm": "hmac-sha256", "secret": OTHER})
    keys.append({"name": "file-key.", "secret_file": keyfile})
    plain = os.path.join(os.path.dirname(keyfile), "plain.secret")
    with open(plain, "w") as f:
        f.write(OTHER + "\n")
    keys.append({"name": "plain-file-key.", "algorithm": "hmac-sha256", "secret_file": plain})
    loop = ["127.0.0.0/8", "::1/128"]
    return {
        "server": {"listen": listen, "workers": 2, "plugin_path": [PLUGINS_DIR],
                   "log_level": "info", "udp_payload": 1232},
        "tsig_keys": keys,
        "zones": [
            {"name": ZONE, "allow_transfer": loop,
             "plugins": [{"plugin": "zonefile", "file": files[ZONE]}]},
            {"name": BIG, "allow_transfer": loop,
             "plugins": [{"plugin": "zonefile", "file": files[BIG]}]},
            {"name": ACL_ZONE, "allow_transfer": ["key:xfr-key.", "key:File-Key"],
             "plugins": [{"plugin": "zonefile", "file": files[ACL_ZONE]}]},
            {"name": PREFIX_ZONE, "allow_transfer": ["10.0.0.0/8 key:xfr-key."],
             "plugins": [{"plugin": "zonefile", "file": files[PREFIX_ZONE]}]},
        ],
    }


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    _check_binaries()
    check_zonefile_built()
    if not shutil.which("tsig-keygen"):
        pytest.fail("tsig-keygen (bind9-utils) is needed: pkg/install-deps.sh --test")
    d = str(tmp_path_factory.mktemp("tsig-zones"))
    files = write_zones(d)
    keyfile = os.path.join(d, "file-key.key")
    out = subprocess.run(["tsig-keygen", "-a", "hmac-sha384", "file-key."], check=True,
                         capture_output=True, text=True).stdout
    with open(keyfile, "w") as f:
        f.write(out)
    factory = ServerFactory(tmp_path_factory)
    port = free_port()
    s = factory(cfg=tsig_config(port, files, keyfile), port=port, name="sluiced-tsig")
    for z in (ZONE, BIG, ACL_ZONE, PREFIX_ZONE):
        wait_soa(s, z)
    s.keyfile = keyfile
    s.file_secret = re.search(r'secret "([^"]+)"', out).group(1)
    yield s
    factory.cleanup()  # first: LeakSanitizer reports at exit
    log = s.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log


def run(args, timeout=30, stdin=None):
    res = subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=stdin)
    return res.stdout + res.stderr


def dig(srv, *args, addr="127.0.0.1"):
    return run(["dig", "@" + addr, "-p", str(srv.port), "+norec"] + list(args))


def kdig(srv, *args, addr="127.0.0.1"):
    return run(["kdig", "@" + addr, "-p", str(srv.port), "+norec"] + list(args))


def keyring(name, alg, secret=SECRET):
    return dns.tsigkeyring.from_text({name: (alg, secret)})


DIG_BAD = ("Couldn't verify", "could not be validated", "tsig verify failure",
           "BADSIG", "BADKEY", "BADTIME", "expected a TSIG")
KDIG_BAD = ("failed to verify", "WARNING", "BADSIG", "BADKEY", "BADTIME")


def assert_clean(out, bad):
    for b in bad:
        assert b not in out, "%r in output:\n%s" % (b, out)


def tsig_line(out):
    lines = [l for l in out.splitlines()
             if not l.startswith(";") and re.search(r"\sANY\s+TSIG\s", l)]
    assert lines, "no TSIG record in the answer:\n" + out
    return lines


# ---- 1. dig -y / kdig -y ---------------------------------------------------------

@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("tcp", [False, True])
def test_dig_y_every_algorithm(srv, alg, tcp):
    y = "%s:%s:%s" % (alg, key_name(alg), SECRET)
    out = dig(srv, "-y", y, "+tcp" if tcp else "+notcp", "www." + ZONE, "A")
    assert "status: NOERROR" in out, out
    assert re.search(r"www\.tsig\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1", out), out
    assert_clean(out, DIG_BAD)
    # the signature dig verified: ours, with the full MAC and no error
    line = tsig_line(out)[0]
    assert key_name(alg) in line and alg + "." in line and "NOERROR" in line, line


@pytest.mark.parametrize("alg", ["hmac-sha1", "hmac-sha256", "hmac-sha512"])
@pytest.mark.parametrize("tcp", [False, True])
def test_kdig_y(srv, alg, tcp):
    y = "%s:%s:%s" % (alg, key_name(alg), SECRET)
    out = kdig(srv, "-y", y, "+tcp" if tcp else "+notcp", "www." + ZONE, "A")
    assert "status: NOERROR" in out, out
    assert "192.0.2.1" in out, out
    assert_clean(out, KDIG_BAD)
    assert key_name(alg) in tsig_line(out)[0]


# ---- 2. dnspython --------------------------------------------------------------------

@pytest.mark.parametrize("alg", ALGS)
def test_dnspython_verifies_response(srv, alg):
    kr = keyring(key_name(alg), alg)
    for send in (dns.query.udp, dns.query.tcp):
        q = dns.message.make_query("www." + ZONE, "A")
        q.use_tsig(kr, key_name(alg), algorithm=alg)
        r = send(q, "127.0.0.1", port=srv.port, timeout=3)  # raises unless verified
        assert r.had_tsig and r.rcode() == dns.rcode.NOERROR
        assert r.tsig_error == 0
        assert [rd.to_text() for rrs in r.answer for rd in rrs] == ["192.0.2.1"]


def test_unsigned_queries_unaffected(srv):
    q = dns.message.make_query("www." + ZONE, "A")
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=2)
    assert r.rcode() == dns.rcode.NOERROR and not r.had_tsig and r.answer


# ---- 3. multi-message AXFR -----------------------------------------------------------

def test_axfr_dig_verifies_every_message(srv):
    y = "hmac-sha256:%s:%s" % (key_name("hmac-sha256"), SECRET)
    out = dig(srv, "-y", y, BIG, "AXFR")
    assert_clean(out, DIG_BAD)
    m = re.search(r"XFR size: (\d+) records \(messages (\d+)", out)
    assert m, out[-2000:]
    assert int(m.group(1)) == BIG_RECORDS + 4  # SOA, NS, ns1 A, the TXTs, SOA again
    messages = int(m.group(2))
    assert messages >= 5, out[-2000:]
    # every message carried a TSIG (dig prints one per message)
    assert len(tsig_line(out)) == messages, out[-3000:]


def test_ixfr_signed(srv):
    y = "hmac-sha256:%s:%s" % (key_name("hmac-sha256"), SECRET)
    # an older serial: the whole zone, AXFR-style, every message signed
    out = dig(srv, "-y", y, BIG, "IXFR=0")
    assert_clean(out, DIG_BAD)
    m = re.search(r"XFR size: (\d+) records \(messages (\d+)", out)
    assert m and int(m.group(1)) == BIG_RECORDS + 4 and int(m.group(2)) >= 5, out[-2000:]
    assert len(tsig_line(out)) == int(m.group(2)), out[-3000:]
    # the current serial: one SOA, signed
    out = dig(srv, "-y", y, "+tcp", BIG, "IXFR=1")
    assert_clean(out, DIG_BAD)
    assert len(tsig_line(out)) == 1, out


def test_axfr_kdig_verifies_every_message(srv):
    y = "hmac-sha512:%s:%s" % (key_name("hmac-sha512"), SECRET)
    out = kdig(srv, "-y", y, BIG, "AXFR")
    assert_clean(out, KDIG_BAD)
    m = re.search(r"Received \d+ B \((\d+) messages, (\d+) records\)", out)
    assert m, out[-2000:]
    assert int(m.group(1)) >= 5 and int(m.group(2)) == BIG_RECORDS + 4, out[-2000:]


def test_axfr_dnspython_verifies_every_message(srv):
    alg = "hmac-sha384"
    kr = keyring(key_name(alg), alg)
    n, records = 0, 0
    # dns.query.xfr() verifies each message's TSIG, chained (a failure raises)
    for r in dns.query.xfr("127.0.0.1", BIG, port=srv.port, keyring=kr,
                           keyname=key_name(alg), keyalgorithm=alg, timeout=10, lifetime=30):
        n += 1
        assert r.had_tsig, "message %d unsigned" % n
        records += sum(len(rrs) for rrs in r.answer)
    assert n >= 5 and records == BIG_RECORDS + 4


# ---- 4. error answers ----------------------------------------------------------------

def signed_wire(name, alg, secret, skew=0, qname="www." + ZONE, rdtype="A"):
    kr = keyring(name, alg, secret)
    q = dns.message.make_query(qname, rdtype)
    q.use_tsig(kr, name, algorithm=alg)
    with mock.patch("time.time", return_value=time.time() + skew):
        wire = q.to_wire()
    return q, wire, kr


def split_tsig(wire):
    """(message without its TSIG, with ARCOUNT decremented; the TSIG fields)."""
    # walk the message by its section counts: the TSIG RR is the last one
    qd, an, ns, ar = struct.unpack("!4H", wire[4:12])
    pos = 12

    def skip_name(p):
        while True:
            l = wire[p]
            if l == 0:
                return p + 1
            if l & 0xC0 == 0xC0:
                return p + 2
            p += l + 1
    for _ in range(qd):
        pos = skip_name(pos) + 4
    for _ in range(an + ns + ar - 1):
        pos = skip_name(pos) + 8
        pos += 2 + struct.unpack("!H", wire[pos:pos + 2])[0]
    start = pos
    p = skip_name(pos)
    rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", wire[p:p + 10])
    assert rtype == 250 and rclass == 255 and ttl == 0
    rd = p + 10
    assert rd + rdlen == len(wire)
    a = skip_name(rd)
    alg = wire[rd:a]
    t_hi, t_lo, fudge, maclen = struct.unpack("!HIHH", wire[a:a + 10])
    mac = wire[a + 10:a + 10 + maclen]
    o = a + 10 + maclen
    orig, err, olen = struct.unpack("!HHH", wire[o:o + 6])
    other = wire[o + 6:o + 6 + olen]
    body = bytearray(wire[:start])
    struct.pack_into("!H", body, 10, ar - 1)
    return bytes(body), dict(owner=wire[start:p], alg=alg, time=(t_hi << 32) | t_lo,
                             fudge=fudge, mac=mac, orig=orig, error=err, other=other,
                             raw_timers=wire[a:a + 8])


def exchange(srv, wire, tcp):
    if tcp:
        return tcp_exchange(wire, "127.0.0.1", srv.port)
    return udp_exchange(wire, "127.0.0.1", srv.port)


@pytest.mark.parametrize("tcp", [False, True])
def test_badkey_unknown_key(srv, tcp):
    q, wire, kr = signed_wire("nosuch-key.", "hmac-sha256", SECRET)
    resp = exchange(srv, wire, tcp)
    assert resp is not None
    assert resp[3] & 0x0F == dns.rcode.NOTAUTH
    _, t = split_tsig(resp)
    assert t["error"] == dns.rcode.BADKEY and t["mac"] == b""  # unsigned (§5.3.2)
    assert t["owner"] == b"\x0anosuch-key\x00" and t["orig"] == q.id
    with pytest.raises(dns.tsig.PeerBadKey):
        dns.message.from_wire(resp, keyring=kr, request_mac=q.mac)
    # a known key name with another algorithm is just as unknown
    q, wire, kr = signed_wire(key_name("hmac-sha256"), "hmac-sha512", SECRET)
    resp = exchange(srv, wire, tcp)
    assert resp[3] & 0x0F == dns.rcode.NOTAUTH and split_tsig(resp)[1]["error"] == 17


@pytest.mark.parametrize("tcp", [False, True])
def test_badsig_wrong_secret(srv, tcp):
    q, wire, kr = signed_wire(key_name("hmac-sha256"), "hmac-sha256", OTHER)
    resp = exchange(srv, wire, tcp)
    assert resp[3] & 0x0F == dns.rcode.NOTAUTH
    body, t = split_tsig(resp)
    assert t["error"] == dns.rcode.BADSIG and t["mac"] == b""
    assert dns.message.from_wire(body).answer == []  # nothing answered
    with pytest.raises(dns.tsig.PeerBadSignature):
        dns.message.from_wire(resp, keyring=kr, request_mac=q.mac)
    # dig agrees
    out = dig(srv, "-y", "hmac-sha256:%s:%s" % (key_name("hmac-sha256"), OTHER),
              "www." + ZONE, "A")
    assert "BADSIG" in out and "192.0.2.1" not in out, out


@pytest.mark.parametrize("skew", [-1000, 1000])
def test_badtime_skewed_clock(srv, skew):
    alg = "hmac-sha256"
    q, wire, kr = signed_wire(key_name(alg), alg, SECRET, skew=skew)
    before = int(time.time())
    resp = exchange(srv, wire, False)
    after = int(time.time())
    assert resp[3] & 0x0F == dns.rcode.NOTAUTH
    body, t = split_tsig(resp)
    assert t["error"] == dns.rcode.BADTIME
    # §5.2.3: the client's time and fudge back, the server's time in Other Data
    assert t["time"] == q.tsig[0].time_signed and t["fudge"] == q.tsig[0].fudge
    assert len(t["other"]) == 6
    server_time = int.from_bytes(t["other"], "big")
    assert before - 1 <= server_time <= after + 1
    # signed with the request's key: request MAC, response, TSIG variables (§5.3)
    variables = (t["owner"] + struct.pack("!HI", 255, 0) + t["alg"] + t["raw_timers"] +
                 struct.pack("!HH", t["error"], len(t["other"])) + t["other"])
    data = struct.pack("!H", len(q.mac)) + q.mac + body + variables
    want = hmac.new(base64.b64decode(SECRET), data, hashlib.sha256).digest()
    assert t["mac"] == want, "BADTIME answer's MAC does not verify"
    with pytest.raises(dns.tsig.PeerBadTime):
        dns.message.from_wire(resp, keyring=kr, request_mac=q.mac)


def test_time_within_fudge_accepted(srv):
    alg = "hmac-sha256"
    for skew in (-250, 250):
        q, wire, kr = signed_wire(key_name(alg), alg, SECRET, skew=skew)
        resp = exchange(srv, wire, False)
        r = dns.message.from_wire(resp, keyring=kr, request_mac=q.mac)
        assert r.rcode() == dns.rcode.NOERROR and r.answer


def test_malformed_tsig_is_formerr(srv):
    q, wire, kr = signed_wire(key_name("hmac-sha256"), "hmac-sha256", SECRET)
    bad = bytearray(wire)
    bad[-2:] = b"\x00\x01"  # Other Len 1, but no Other Data follows
    resp = exchange(srv, bytes(bad), False)
    assert resp is not None and resp[3] & 0x0F == dns.rcode.FORMERR
    r = dns.message.from_wire(resp)
    assert not r.had_tsig  # answered unsigned


# ---- every opcode: UPDATE (nsupdate -y) and NOTIFY ---------------------------------

def nsupdate(srv, key, tcp):
    script = ("server 127.0.0.1 %d\nzone %s\nupdate add new.%s 300 A 192.0.2.9\nsend\n"
              % (srv.port, ZONE, ZONE))
    return run(["nsupdate", "-d"] + (["-v"] if tcp else []) + ["-y", key], stdin=script)


@pytest.mark.parametrize("tcp", [False, True])
def test_update_opcode_verified_and_signed(srv, tcp):
    if not shutil.which("nsupdate"):
        pytest.fail("nsupdate (bind9-dnsutils) is needed")
    # No update plugin serves this zone: REFUSED (as BIND), signed with the client's key (nsupdate
    # checks the answer's TSIG and would print "TSIG error" otherwise).
    out = nsupdate(srv, "hmac-sha256:%s:%s" % (key_name("hmac-sha256"), SECRET), tcp)
    assert "TSIG error" not in out and "tsig verify failure" not in out, out
    reply = out.split("Reply from update query:")[1]
    assert "status: REFUSED" in reply, out
    assert re.search(r"ANY\s+TSIG\s+hmac-sha256\. \d+ 300 32 \S+ \d+ NOERROR 0", reply), out
    # the wrong secret never reaches the zone: BADSIG
    out = nsupdate(srv, "hmac-sha256:%s:%s" % (key_name("hmac-sha256"), OTHER), tcp)
    reply = out.split("Reply from update query:")[1]
    assert "status: NOTAUTH" in reply and re.search(r"TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADSIG",
                                                   reply), out


def test_notify_opcode_signed(srv):
    alg = "hmac-sha256"
    kr = keyring(key_name(alg), alg)
    q = dns.message.make_query(ZONE, "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags |= dns.flags.AA
    q.flags &= ~dns.flags.RD
    q.use_tsig(kr, key_name(alg), algorithm=alg)
    r = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=2)  # raises unless verified
    assert r.had_tsig and r.opcode() == dns.opcode.NOTIFY


# ---- 5. allow_transfer with keys -----------------------------------------------------

def axfr_rcode(srv, zone, name=None, alg="hmac-sha256", secret=SECRET):
    q = dns.message.make_query(zone, "AXFR")
    kr = None
    if name:
        kr = keyring(name, alg, secret)
        q.use_tsig(kr, name, algorithm=alg)
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    try:
        dns.query.send_tcp(sock, q, time.time() + 5)
        r, _ = dns.query.receive_tcp(sock, time.time() + 5, keyring=kr, request_mac=q.mac)
    finally:
        sock.close()
    return r


def test_acl_key_allows_keyed_client_only(srv):
    r = axfr_rcode(srv, ACL_ZONE, "xfr-key.", secret=OTHER)
    assert r.rcode() == dns.rcode.NOERROR and r.had_tsig
    assert r.answer[0].rdtype == dns.rdatatype.SOA
    # unsigned: REFUSED
    r = axfr_rcode(srv, ACL_ZONE)
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # signed with a valid key that the ACL does not name: REFUSED, and signed
    r = axfr_rcode(srv, ACL_ZONE, key_name("hmac-sha256"))
    assert r.rcode() == dns.rcode.REFUSED and r.had_tsig and not r.answer
    # dig with the key transfers; without it, it fails
    out = dig(srv, "-y", "hmac-sha256:xfr-key.:" + OTHER, ACL_ZONE, "AXFR")
    assert "XFR size: 5 records" in out, out
    assert_clean(out, DIG_BAD)
    out = dig(srv, ACL_ZONE, "AXFR")
    assert "Transfer failed" in out, out


def test_acl_prefix_and_key_both_required(srv):
    # loopback is outside 10.0.0.0/8: the right key alone is not enough
    r = axfr_rcode(srv, PREFIX_ZONE, "xfr-key.", secret=OTHER)
    assert r.rcode() == dns.rcode.REFUSED and r.had_tsig


# ---- knotd as a TSIG-signing secondary -------------------------------------------------

def test_knotd_secondary_with_tsig(srv, tmp_path_factory):
    if not have_knotd():
        pytest.fail("knotd is needed: pkg/install-deps.sh --test")
    master = ("127.0.0.1", srv.port)
    key = ("xfr-key.", "hmac-sha256", OTHER)
    wrong = ("file-key.", "hmac-sha384", SECRET)  # a key we know, with the wrong secret
    zones = [SecondaryZone(BIG, master, key=key), SecondaryZone(ACL_ZONE, master, key=key),
             SecondaryZone(ZONE, master, key=wrong)]
    knot = KnotPeer(tmp_path_factory.mktemp("knot-tsig"), zones=zones)
    knot.start(wait=False)
    try:
        # ACL_ZONE admits only signed requests; knotd verifies the MAC of every
        # message it gets back (six for BIG) and fails the transfer otherwise
        for z in (BIG, ACL_ZONE):
            knot.wait_zone(z, serial=1, timeout=20)
        r = knot.udp(dns.message.make_query("h%d.%s" % (BIG_RECORDS - 1, BIG), "TXT"))
        assert r.rcode() == dns.rcode.NOERROR and r.answer, r
        r = knot.udp(dns.message.make_query("www." + ACL_ZONE, "A"))
        assert [rd.to_text() for rrs in r.answer for rd in rrs] == ["192.0.2.3"]
        log = knot.log()
        m = re.search(r"\[%s\] AXFR, incoming, .* finished, .* (\d+) messages" % re.escape(BIG),
                      log)
        assert m and int(m.group(1)) >= 5, log[-3000:]
        # the wrong secret gets BADSIG (unsigned), which knotd refuses: no zone
        bad = re.compile(r"\[%s\] refresh, .*failed \((failed to verify TSIG|.*BADSIG)"
                         % re.escape(ZONE))
        deadline = time.time() + 10
        while time.time() < deadline and not bad.search(knot.log()):
            time.sleep(0.1)
        log = knot.log()
        assert bad.search(log), log[-3000:]
        assert knot.soa_serial(ZONE) is None
    finally:
        knot.stop()


# ---- reload: new secrets for new requests, a running transfer keeps its key ----------

def test_reload_changes_secret_running_stream_keeps_key(tmp_path_factory):
    _check_binaries()
    check_zonefile_built()
    d = str(tmp_path_factory.mktemp("tsig-reload"))
    files = write_zones(d)
    keyfile = os.path.join(d, "k.key")
    with open(keyfile, "w") as f:
        f.write('key "file-key." { algorithm hmac-sha384; secret "%s"; };\n' % SECRET)
    factory = ServerFactory(tmp_path_factory)
    port = free_port()
    cfg = tsig_config(port, files, keyfile)
    # Little queued output and a small client window: most of the transfer is
    # produced after the reload, while the client reads.
    cfg["server"]["tcp"] = {"max_pending_out": 4096}
    s = factory(cfg=cfg, port=port, name="sluiced-tsig-reload")
    try:
        wait_soa(s, BIG)
        alg, name = "hmac-sha256", key_name("hmac-sha256")
        kr = keyring(name, alg)
        q = dns.message.make_query(BIG, "AXFR")
        q.use_tsig(kr, name, algorithm=alg)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        sock.sendall(tcp_frame(q.to_wire()))
        first = dns.message.from_wire(tcp_read_msg(sock), keyring=kr, request_mac=q.mac,
                                      xfr=True, origin=dns.name.from_text(BIG), multi=True,
                                      one_rr_per_rrset=True)
        # the key's secret changes under the running transfer
        new = dict(cfg, tsig_keys=[dict(k, secret=OTHER) if k["name"] == name else k
                                   for k in cfg["tsig_keys"]])
        s.reload(new)
        deadline = time.time() + 10
        while True:
            out = dig(s, "-y", "%s:%s:%s" % (alg, name, OTHER), "www." + ZONE, "A")
            if "status: NOERROR" in out and "192.0.2.1" in out:
                break
            assert time.time() < deadline, "new secret not live 10 s after SIGHUP:\n" + out
            time.sleep(0.1)
        out = dig(s, "-y", "%s:%s:%s" % (alg, name, SECRET), "www." + ZONE, "A")
        assert "BADSIG" in out, out
        # the rest of the transfer is still signed with the secret it started with
        ctx, mac, n = first.tsig_ctx, first.mac, 1
        records = sum(len(rrs) for rrs in first.answer)
        while True:
            r = dns.message.from_wire(tcp_read_msg(sock), keyring=kr, request_mac=mac,
                                      xfr=True, origin=dns.name.from_text(BIG),
                                      tsig_ctx=ctx, multi=True, one_rr_per_rrset=True)
            ctx, mac, n = r.tsig_ctx, r.mac, n + 1
            assert r.had_tsig
            records += sum(len(rrs) for rrs in r.answer)
            if any(rrs.rdtype == dns.rdatatype.SOA for rrs in r.answer):
                break
        sock.close()
        assert n >= 5 and records == BIG_RECORDS + 4
    finally:
        factory.cleanup()
    log = s.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log


# ---- 6. a BIND key file --------------------------------------------------------------

def test_secret_file_bind_key(srv):
    out = dig(srv, "-k", srv.keyfile, "www." + ZONE, "A")
    assert "status: NOERROR" in out and "192.0.2.1" in out, out
    assert_clean(out, DIG_BAD)
    assert "file-key." in tsig_line(out)[0] and "hmac-sha384." in tsig_line(out)[0]
    # the file key is also in the ACL (written "key:File-Key": names compare without case)
    out = dig(srv, "-k", srv.keyfile, ACL_ZONE, "AXFR")
    assert "XFR size: 5 records" in out, out
    assert_clean(out, DIG_BAD)


def test_secret_file_plain_base64(srv):
    out = dig(srv, "-y", "hmac-sha256:plain-file-key.:" + OTHER, "www." + ZONE, "A")
    assert "status: NOERROR" in out and "192.0.2.1" in out, out
    assert_clean(out, DIG_BAD)


# ---- 7. truncation ---------------------------------------------------------------------

def test_signed_udp_truncation(srv):
    alg = "hmac-sha512"
    y = "%s:%s:%s" % (alg, key_name(alg), SECRET)
    # 20 strings of 120 octets do not fit a 1232-octet answer... nor 512
    out = dig(srv, "-y", y, "+ignore", "+bufsize=512", "large." + ZONE, "TXT")
    assert "flags: qr aa tc" in out, out
    assert_clean(out, DIG_BAD)
    tsig_line(out)
    out = dig(srv, "-y", y, "+ignore", "+noedns", "large." + ZONE, "TXT")
    assert " tc" in out.split("flags:")[1].split(";")[0], out
    assert_clean(out, DIG_BAD)
    # over TCP it all fits, signed
    out = dig(srv, "-y", y, "+tcp", "large." + ZONE, "TXT")
    assert "ANSWER: 1" in out and " tc" not in out.split("flags:")[1].split(";")[0], out
    assert_clean(out, DIG_BAD)


# ---- 8. the configuration check --------------------------------------------------------

def test_check_refuses_short_secret(tmp_path):
    cfg = {"server": {"listen": ["127.0.0.1:%d" % free_port()], "plugin_path": [PLUGINS_DIR]},
           "tsig_keys": [{"name": "k.", "algorithm": "hmac-sha256",
                          "secret": base64.b64encode(b"too short").decode()}]}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cfg))
    res = run_sluiced(["--check", "-c", str(path)])
    assert res.returncode != 0
    assert "tsig_keys[0].secret" in res.stderr and "at least 16" in res.stderr, res.stderr
