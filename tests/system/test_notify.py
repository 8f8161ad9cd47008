# NOTIFY out (RFC 1996): every new version of a zone with a "notify" list is
# announced to each secondary over UDP, resent until answered, and a real
# secondary (knotd) fetches the new version because of it.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import signal
import socket
import time

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import pytest

from conftest import free_port, run_sluiced, write_config
from knot_peer import (PrimaryZone, SecondaryZone, check_zonefile_built, have_knotd,  # noqa: F401
                       knot_peer, wait_soa, zonefile_config)

ZONE = "notify.example."

ZONE_TEXT = """$ORIGIN notify.example.
$TTL 300
@   IN SOA ns1 hostmaster %d 3600 600 604800 300
@   IN NS  ns1
ns1 IN A   192.0.2.1
www IN A   192.0.2.%d
"""


def write_zone(path, serial):
    with open(path, "w") as f:
        f.write(ZONE_TEXT % (serial, serial % 250))
    # A new mtime even within the same second: the zonefile plugin reloads on change.
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + serial * 1000000))


class FakeSecondary:
    """A UDP socket on a free loopback port that records NOTIFY messages."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def receive(self, timeout, keyring=None):
        """The next NOTIFY (message, sender) within @timeout s, or (None, None).
        With @keyring its TSIG must verify (dnspython raises otherwise)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            self.sock.settimeout(left)
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                return None, None
            return dns.message.from_wire(data, keyring=keyring), peer

    def answer(self, msg, peer, rcode=dns.rcode.NOERROR):
        r = dns.message.make_response(msg)
        r.set_rcode(rcode)
        self.sock.sendto(r.to_wire(), peer)

    def close(self):
        self.sock.close()


@pytest.fixture
def secondary():
    s = FakeSecondary()
    yield s
    s.close()


KEY = ("notify-key.", "hmac-sha256", "c2x1aWNlLW5vdGlmeS10ZXN0LWtleS0zMmJ5dGVzIQ==")


def notify_config(port, zone_file, targets, key=None):
    check_zonefile_built()
    cfg = zonefile_config(port, [PrimaryZone(ZONE, zone_file)])
    cfg["zones"][0]["notify"] = targets
    if key:
        cfg["tsig_keys"] = [{"name": key[0], "algorithm": key[1], "secret": key[2]}]
        cfg["zones"][0]["notify_key"] = key[0]
        cfg["zones"][0]["allow_transfer"] = ["127.0.0.0/8 key:" + key[0]]
    return cfg


def wait_log(srv, text, timeout=3.0):
    """True once @text appears in the daemon's log (its writes are not instant)."""
    deadline = time.monotonic() + timeout
    while text not in srv.stderr():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def assert_notify(msg):
    assert msg.opcode() == dns.opcode.NOTIFY
    assert not (msg.flags & dns.flags.QR)
    assert msg.flags & dns.flags.AA
    assert len(msg.question) == 1
    q = msg.question[0]
    assert (str(q.name), q.rdtype) == (ZONE, dns.rdatatype.SOA)


def test_notify_sent_resent_and_acknowledged(start_server, secondary, tmp_path):
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 1)
    port = free_port()
    srv = start_server(cfg=notify_config(port, zone_file, ["127.0.0.1:%d" % secondary.port]),
                       port=port)
    wait_soa(srv, ZONE, 1)

    # The first version is announced; unanswered, it comes again with the same ID.
    first, peer = secondary.receive(5)
    assert first is not None, "no NOTIFY after the zone loaded; stderr:\n" + srv.stderr()
    assert_notify(first)
    t0 = time.monotonic()
    again, peer = secondary.receive(4)
    assert again is not None, "NOTIFY not resent"
    assert again.id == first.id
    assert time.monotonic() - t0 >= 0.5, "resent without waiting"

    # Answered: no more sends for this version.
    secondary.answer(again, peer)
    late, _ = secondary.receive(2.5)
    assert late is None, "NOTIFY resent after it was acknowledged"

    # A reload that changes nothing announces nothing.
    srv.signal(signal.SIGHUP)
    late, _ = secondary.receive(1.5)
    assert late is None, "NOTIFY for a reload that published no version"

    # A new version is announced with a new ID.
    write_zone(zone_file, 2)
    srv.signal(signal.SIGHUP)
    wait_soa(srv, ZONE, 2)
    second, peer = secondary.receive(5)
    assert second is not None, "no NOTIFY for serial 2; stderr:\n" + srv.stderr()
    assert_notify(second)
    assert second.id != first.id
    secondary.answer(second, peer)
    assert wait_log(srv, "NOTIFY notify.example. serial 2 to 127.0.0.1:%d: acknowledged" %
                    secondary.port), srv.stderr()
    assert not srv.sanitizer_reports(), srv.stderr()


def test_notify_error_answer_and_giving_up(start_server, secondary, tmp_path):
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 7)
    silent = FakeSecondary()
    try:
        port = free_port()
        cfg = notify_config(port, zone_file, ["127.0.0.1:%d" % secondary.port,
                                              "127.0.0.1:%d" % silent.port])
        srv = start_server(cfg=cfg, port=port)
        msg, peer = secondary.receive(5)
        assert msg is not None
        secondary.answer(msg, peer, dns.rcode.NOTAUTH)
        # The silent one gets 5 sends at 0, 1, 3, 7, 15 s; then a warning at 31 s.
        # Only the first two here: the schedule is the unit of interest, not the wait.
        a, _ = silent.receive(5)
        b, _ = silent.receive(3)
        assert a is not None and b is not None and a.id == b.id
        assert wait_log(srv, "NOTIFY notify.example. serial 7 to 127.0.0.1:%d: answered NOTAUTH "
                        "(rcode 9)" % secondary.port), srv.stderr()
        # An error answer ends that secondary's NOTIFY too.
        late, _ = secondary.receive(2.5)
        assert late is None
    finally:
        silent.close()


@pytest.mark.parametrize("entry,message", [
    ("0.0.0.0", "a NOTIFY needs a secondary's address, not a wildcard"),
    ("[::]:53", "a NOTIFY needs a secondary's address, not a wildcard"),
    ("192.0.2.1:0", "port 0 is not a port"),
    ("ns1.example.net", "is not an address"),
    ("192.0.2.1:99999", "is not an address"),
])
def test_notify_config_errors(tmp_path, entry, message):
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 1)
    cfg = notify_config(free_port(), zone_file, [entry])
    path = write_config(str(tmp_path / "sluiced.json"), cfg)
    r = run_sluiced(["--check", "--config", path])
    assert r.returncode != 0
    assert "zones[0].notify[0]" in r.stderr and message in r.stderr, r.stderr


def test_notify_duplicate_is_an_error(tmp_path):
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 1)
    cfg = notify_config(free_port(), zone_file, ["192.0.2.1", "192.0.2.1:53"])
    path = write_config(str(tmp_path / "sluiced.json"), cfg)
    r = run_sluiced(["--check", "--config", path])
    assert r.returncode != 0 and "is listed twice" in r.stderr, r.stderr


def test_signed_notify(start_server, secondary, tmp_path):
    """notify_key: the NOTIFY carries a TSIG dnspython verifies; an unsigned
    answer is not taken as an acknowledgement, a signed one is."""
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 3)
    keyring = dns.tsigkeyring.from_text({KEY[0]: (KEY[1], KEY[2])})
    port = free_port()
    srv = start_server(cfg=notify_config(port, zone_file, ["127.0.0.1:%d" % secondary.port],
                                         key=KEY), port=port)
    msg, peer = secondary.receive(5, keyring=keyring)
    assert msg is not None, srv.stderr()
    assert_notify(msg)
    assert msg.had_tsig and str(msg.keyname) == KEY[0]
    # Unsigned answer: refused, the NOTIFY keeps coming.
    r = dns.message.Message(id=msg.id)
    r.flags = dns.flags.QR | dns.flags.AA
    r.set_opcode(dns.opcode.NOTIFY)
    r.question = list(msg.question)
    secondary.sock.sendto(r.to_wire(), peer)
    assert wait_log(srv, "an answer failed TSIG verification"), srv.stderr()
    again, peer = secondary.receive(4, keyring=keyring)
    assert again is not None and again.id == msg.id
    # A signed answer (dnspython signs responses to signed queries) ends it.
    secondary.answer(again, peer)
    assert wait_log(srv, "serial 3 to 127.0.0.1:%d: acknowledged" % secondary.port), \
        srv.stderr()
    late, _ = secondary.receive(2.5, keyring=keyring)
    assert late is None


def test_notify_key_errors(tmp_path):
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 1)
    cfg = notify_config(free_port(), zone_file, ["192.0.2.1"], key=KEY)
    cfg["zones"][0]["notify_key"] = "nosuch."
    path = write_config(str(tmp_path / "sluiced.json"), cfg)
    r = run_sluiced(["--check", "--config", path])
    assert r.returncode != 0 and "zones[0].notify_key" in r.stderr and \
        "no such key in tsig_keys" in r.stderr, r.stderr


@pytest.mark.skipif(not have_knotd(), reason="knotd not installed")
def test_knotd_secondary_takes_signed_notify(start_server, knot_peer, tmp_path):
    """knotd only accepts NOTIFY signed with the key (its acl), and transfers
    with it: serial 2 arrives because of our signed NOTIFY."""
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 1)
    port, kport = free_port(), free_port()
    srv = start_server(cfg=notify_config(port, zone_file, ["127.0.0.1:%d" % kport], key=KEY),
                       port=port)
    wait_soa(srv, ZONE, 1)
    peer = knot_peer(zones=[SecondaryZone(ZONE, ("127.0.0.1", port), key=KEY)], port=kport,
                     wait=False)
    peer.wait_zone(ZONE, serial=1)
    write_zone(zone_file, 2)
    srv.signal(signal.SIGHUP)
    wait_soa(srv, ZONE, 2)
    peer.wait_zone(ZONE, serial=2, timeout=10)
    assert wait_log(srv, "serial 2 to 127.0.0.1:%d: acknowledged" % kport), srv.stderr()


@pytest.mark.skipif(not have_knotd(), reason="knotd not installed")
def test_knotd_secondary_follows_notify(start_server, knot_peer, tmp_path):
    """knotd as a real secondary: it only learns of serial 2 from our NOTIFY
    (the SOA refresh is an hour)."""
    zone_file = str(tmp_path / "notify.zone")
    write_zone(zone_file, 1)
    port, kport = free_port(), free_port()
    srv = start_server(cfg=notify_config(port, zone_file, ["127.0.0.1:%d" % kport]), port=port)
    wait_soa(srv, ZONE, 1)
    peer = knot_peer(zones=[SecondaryZone(ZONE, ("127.0.0.1", port))], port=kport, wait=False)
    peer.wait_zone(ZONE, serial=1)

    write_zone(zone_file, 2)
    srv.signal(signal.SIGHUP)
    wait_soa(srv, ZONE, 2)
    t0 = time.monotonic()
    peer.wait_zone(ZONE, serial=2, timeout=10)
    assert time.monotonic() - t0 < 10
    assert "notify" in peer.log().lower(), peer.log()
    r = peer.udp(dns.message.make_query("www." + ZONE, "A"))
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["192.0.2.2"]
