# DNS Cookies across servers (RFC 9018): sluiced instances that share
# server.cookie_secret accept each other's server cookies, instances with
# different secrets do not, a reload switches the secret as configured, and
# knotd (a real peer) configured with the same secret interoperates both ways.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# A server cookie is Version 1 | Reserved 0 0 0 | Timestamp | Hash. sluiced
# sends a valid cookie under half an hour old back unchanged and otherwise
# issues a fresh one stamped with the current second; so after waiting past
# the cookie's own second, "the same bytes came back" proves the server
# validated it, and "a newer timestamp came back" proves it did not.

import os
import socket
import struct
import time

import dns.edns
import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import HAVE_IPV6, edns_option, make_query, option_bytes
from knot_peer import KnotPeer, PeerFactory, PrimaryZone, have_knotd, zone_path

RFC_SECRET = "e5e973e5a6b2a43f48e7dc849e37bfcf"    # RFC 9018 Appendix A.1-A.3
OTHER_SECRET = "445536bcd2513298075a5d379663c962"  # RFC 9018 Appendix A.4 (new)


# ---- an independent SipHash-2-4, to check what sluiced puts on the wire ------

def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & 0xFFFFFFFFFFFFFFFF


def siphash24(key, data):
    """SipHash-2-4 with 64-bit output, as bytes in the reference order."""
    mask = 0xFFFFFFFFFFFFFFFF
    k0, k1 = struct.unpack("<QQ", key)
    v = [0x736F6D6570736575 ^ k0, 0x646F72616E646F6D ^ k1,
         0x6C7967656E657261 ^ k0, 0x7465646279746573 ^ k1]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & mask; v[1] = _rotl(v[1], 13) ^ v[0]; v[0] = _rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & mask; v[3] = _rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & mask; v[3] = _rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & mask; v[1] = _rotl(v[1], 17) ^ v[2]; v[2] = _rotl(v[2], 32)

    tail = len(data) % 8
    last = data[len(data) - tail:] + bytes(7 - tail) + bytes([len(data) & 0xFF])
    for i in range(0, len(data) - tail, 8):
        (m,) = struct.unpack("<Q", data[i:i + 8])
        v[3] ^= m; rounds(2); v[0] ^= m
    (m,) = struct.unpack("<Q", last)
    v[3] ^= m; rounds(2); v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return struct.pack("<Q", v[0] ^ v[1] ^ v[2] ^ v[3])


def expected_hash(secret_hex, client, head, ip):
    """RFC 9018 §4.4: Hash over Client Cookie | Version | Reserved | Timestamp | Client-IP."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    return siphash24(bytes.fromhex(secret_hex), client + head + socket.inet_pton(family, ip))


def test_oracle_matches_rfc9018_a1():
    # The oracle itself against Appendix A.1, so the checks below mean something.
    head = bytes.fromhex("010000005cf79f11")
    assert expected_hash(RFC_SECRET, bytes.fromhex("2464c4abcf10c957"), head,
                         "198.51.100.100") == bytes.fromhex("1f8130c3eee29480")


# ---- helpers -----------------------------------------------------------------

def ask(port, cookie, addr="127.0.0.1", tcp=False, qname="whoami.test."):
    """Sends @cookie (client cookie [+ server cookie]); returns (rcode, client, server)."""
    q = make_query(qname, "A", use_edns=0,
                   options=[dns.edns.GenericOption(dns.edns.COOKIE, cookie)])
    if tcp:
        r = dns.query.tcp(q, addr, port=port, timeout=3.0)
    else:
        r = dns.query.udp(q, addr, port=port, timeout=2.0, ignore_unexpected=True)
    opt = edns_option(r, dns.edns.COOKIE)
    assert opt is not None, "no COOKIE option in the answer from port %d" % port
    data = option_bytes(opt)
    assert len(data) == 24, data.hex()
    assert data[:8] == cookie[:8], "client cookie not echoed"
    return r.rcode(), data[:8], data[8:]


def stamp(server_cookie):
    return struct.unpack("!I", server_cookie[4:8])[0]


def wait_past(ts):
    """Waits until the clock is past second @ts: a fresh cookie then differs.
    A margin past the boundary: sluiced reads time(2), which on Linux is the
    coarse clock and may lag time.time() by a few milliseconds."""
    while time.time() < ts + 1.05:
        time.sleep(0.05)


def assert_rfc9018(server_cookie, secret_hex, client, ip):
    """A cookie freshly made by the server: our format, current time, the RFC's hash."""
    assert server_cookie[:4] == b"\x01\x00\x00\x00", server_cookie.hex()
    assert abs(stamp(server_cookie) - time.time()) < 5, server_cookie.hex()
    assert server_cookie[8:] == expected_hash(secret_hex, client, server_cookie[:8], ip), \
        "hash is not SipHash-2-4(secret, client | head | %s): %s" % (ip, server_cookie.hex())


def assert_accepted(port, client, server_cookie, addr="127.0.0.1", tcp=False):
    rcode, _, back = ask(port, client + server_cookie, addr=addr, tcp=tcp)
    assert rcode == dns.rcode.NOERROR, dns.rcode.to_text(rcode)
    assert back == server_cookie, "valid cookie not kept: sent %s, got %s" % (
        server_cookie.hex(), back.hex())


def assert_refreshed(port, client, server_cookie, secret_hex=None, addr="127.0.0.1"):
    """Not validated: answered normally (no BADCOOKIE) with a fresh cookie."""
    rcode, _, back = ask(port, client + server_cookie, addr=addr)
    assert rcode == dns.rcode.NOERROR, dns.rcode.to_text(rcode)
    assert stamp(back) > stamp(server_cookie), "cookie %s was accepted" % server_cookie.hex()
    if secret_hex:
        assert_rfc9018(back, secret_hex, client, addr)
    return back


# ---- sluiced and sluiced -------------------------------------------------------

def test_shared_secret_accepts_each_others_cookies(start_server):
    a = start_server(name="a", cookie_secret=RFC_SECRET)
    b = start_server(name="b", cookie_secret=RFC_SECRET)
    client = os.urandom(8)

    rcode, _, from_a = ask(a.port, client)
    assert rcode == dns.rcode.NOERROR
    assert_rfc9018(from_a, RFC_SECRET, client, "127.0.0.1")
    wait_past(stamp(from_a))
    assert_accepted(b.port, client, from_a)
    assert_accepted(b.port, client, from_a, tcp=True)

    # And the other way round, with a cookie B issued.
    _, _, from_b = ask(b.port, client)
    wait_past(stamp(from_b))
    assert_accepted(a.port, client, from_b)

    # The cookie is bound to the client address: from ::1 it is not valid.
    if HAVE_IPV6:
        assert_refreshed(b.port, client, from_a, RFC_SECRET, addr="::1")
        _, _, v6 = ask(a.port, client, addr="::1")
        assert_rfc9018(v6, RFC_SECRET, client, "::1")
        wait_past(stamp(v6))
        assert_accepted(b.port, client, v6, addr="::1")


def test_different_secrets_do_not(start_server):
    a = start_server(name="a", cookie_secret=RFC_SECRET)
    b = start_server(name="b", cookie_secret=OTHER_SECRET)
    c = start_server(name="c")  # no secret: a random one
    client = os.urandom(8)

    _, _, from_a = ask(a.port, client)
    wait_past(stamp(from_a))
    from_b = assert_refreshed(b.port, client, from_a, OTHER_SECRET)
    assert_refreshed(c.port, client, from_a)
    # What B issued is good at B only.
    wait_past(stamp(from_b))
    assert_accepted(b.port, client, from_b)
    assert_refreshed(a.port, client, from_b, RFC_SECRET)


def reloads(srv):
    return srv.stderr().count("reload complete")


def reload_and_wait(srv, cfg):
    before = reloads(srv)
    srv.reload(cfg)
    deadline = time.monotonic() + 10
    while reloads(srv) <= before:
        assert time.monotonic() < deadline, "reload did not complete:\n" + srv.stderr()
        assert srv.running(), srv.stderr()
        time.sleep(0.05)


def test_reload_keeps_or_switches_secret(start_server):
    srv = start_server(name="r")
    plain = srv.cfg
    client = os.urandom(8)
    _, _, random_cookie = ask(srv.port, client)
    wait_past(stamp(random_cookie))

    # Without cookie_secret, a reload keeps the process's random secret.
    reload_and_wait(srv, plain)
    assert_accepted(srv.port, client, random_cookie)

    # Configuring a secret switches to it...
    shared = dict(plain, server=dict(plain["server"], cookie_secret=RFC_SECRET))
    reload_and_wait(srv, shared)
    from_shared = assert_refreshed(srv.port, client, random_cookie, RFC_SECRET)
    wait_past(stamp(from_shared))
    assert_accepted(srv.port, client, from_shared)

    # ...and removing it goes back to the random one.
    reload_and_wait(srv, plain)
    assert_refreshed(srv.port, client, from_shared)
    assert_accepted(srv.port, client, random_cookie)


# ---- sluiced and knotd ------------------------------------------------------------

class CookieKnot(KnotPeer):
    """knotd with mod-cookies (RFC 9018 server cookies) and a given secret."""

    secret = RFC_SECRET

    def config_text(self):
        text = super().config_text()
        module = "mod-cookies:\n  - id: sluice\n    secret: 0x%s\n\n" % self.secret
        text = text.replace("template:\n", module + "template:\n", 1)
        return text.replace("  - id: default\n",
                            "  - id: default\n    global-module: mod-cookies/sluice\n", 1)


@pytest.fixture
def cookie_knot(tmp_path_factory):
    if not have_knotd():
        pytest.skip("knotd not installed")
    f = PeerFactory(CookieKnot, tmp_path_factory)
    yield f(zones=[PrimaryZone("diff.example.", zone_path("diff.example.zone"))])
    f.cleanup()


def test_knotd_shares_cookies(start_server, cookie_knot):
    srv = start_server(name="k", cookie_secret=RFC_SECRET)
    other = start_server(name="other", cookie_secret=OTHER_SECRET)
    client = os.urandom(8)
    kq = "diff.example."

    # knotd validates sluiced's cookie (it answers BADCOOKIE to any it cannot).
    _, _, from_sluiced = ask(srv.port, client)
    wait_past(stamp(from_sluiced))
    rcode, _, back = ask(cookie_knot.port, client + from_sluiced, qname=kq)
    assert rcode == dns.rcode.NOERROR, dns.rcode.to_text(rcode)
    assert back == from_sluiced, "knotd renewed a valid cookie: %s" % back.hex()

    # sluiced validates knotd's (knotd issues one with BADCOOKIE to a new client).
    rcode, _, from_knot = ask(cookie_knot.port, client, qname=kq)
    assert rcode == dns.rcode.BADCOOKIE, dns.rcode.to_text(rcode)
    assert_rfc9018(from_knot, RFC_SECRET, client, "127.0.0.1")
    wait_past(stamp(from_knot))
    assert_accepted(srv.port, client, from_knot)

    # The negative control: a sluiced with another secret is refused by knotd.
    _, _, from_other = ask(other.port, client)
    rcode, _, _ = ask(cookie_knot.port, client + from_other, qname=kq)
    assert rcode == dns.rcode.BADCOOKIE, dns.rcode.to_text(rcode)
