# whoami over UDP and TCP, IPv4 and IPv6, with dnspython and kdig.
# SPDX-License-Identifier: MIT OR Apache-2.0

import socket

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import answer_rrs, kdig_flags, kdig_status, make_query, needs_ipv6, txt_strings

V4 = ("127.0.0.1", socket.AF_INET)
V6 = pytest.param(("::1", socket.AF_INET6), marks=needs_ipv6, id="v6")
FAMILIES = [pytest.param(V4, id="v4"), V6]


def bound_udp(addr, family):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    return s


def bound_tcp(addr, family, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.settimeout(3)
    s.connect((addr, port))
    return s


def query(server, transport, addr, family, qname, rdtype):
    """Sends from a socket whose source port we know; returns (response, port)."""
    q = make_query(qname, rdtype)
    if transport == "udp":
        with bound_udp(addr, family) as s:
            return server.udp(q, addr, sock=s), s.getsockname()[1]
    with bound_tcp(addr, family, server.port) as s:
        return server.tcp(q, addr, sock=s), s.getsockname()[1]


def rrs(resp):
    return [(str(n), dns.rdatatype.to_text(t), rd.to_text()) for n, t, rd in answer_rrs(resp)]


def assert_auth_noerror(resp):
    assert resp.rcode() == dns.rcode.NOERROR
    assert resp.flags & dns.flags.QR
    assert resp.flags & dns.flags.AA, "AA must be set"
    assert not resp.flags & dns.flags.TC


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("fam", FAMILIES)
def test_address_of_own_family(server, transport, fam):
    addr, family = fam
    rdtype = "A" if family == socket.AF_INET else "AAAA"
    r, _ = query(server, transport, addr, family, "whoami.test.", rdtype)
    assert_auth_noerror(r)
    assert rrs(r) == [("whoami.test.", rdtype, addr)]
    assert r.answer[0].ttl == 0
    assert r.authority == []


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("fam", FAMILIES)
def test_other_family_is_nodata(server, transport, fam):
    addr, family = fam
    rdtype = "AAAA" if family == socket.AF_INET else "A"
    r, _ = query(server, transport, addr, family, "whoami.test.", rdtype)
    assert_auth_noerror(r)
    assert r.answer == []


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("fam", FAMILIES)
def test_txt_is_source_port(server, transport, fam):
    addr, family = fam
    r, port = query(server, transport, addr, family, "whoami.test.", "TXT")
    assert_auth_noerror(r)
    assert len(r.answer) == 1
    assert str(r.answer[0].name) == "whoami.test."
    assert r.answer[0].rdtype == dns.rdatatype.TXT
    assert txt_strings(r.answer[0]) == [str(port).encode()]


@pytest.mark.parametrize("fam", FAMILIES)
def test_any_gives_own_family(server, fam):
    addr, family = fam
    r, _ = query(server, "udp", addr, family, "whoami.test.", "ANY")
    assert_auth_noerror(r)
    rdtype = "A" if family == socket.AF_INET else "AAAA"
    assert rrs(r) == [("whoami.test.", rdtype, addr)]


@pytest.mark.parametrize("rdtype", ["MX", "NS", "SOA", "CNAME"])
def test_other_types_nodata(server, rdtype):
    r, _ = query(server, "udp", "127.0.0.1", socket.AF_INET, "whoami.test.", rdtype)
    assert_auth_noerror(r)
    assert r.answer == []


def test_other_class_not_answered_by_whoami(server):
    # CH is not whoami's class: it passes on; whoami.test. is in no zone.
    r = server.udp(make_query("whoami.test.", "A", "CH"))
    assert r.rcode() == dns.rcode.REFUSED
    assert r.answer == []


def test_subdomain_not_answered(server):
    # Only exactly the configured name; x.whoami.test. is in no zone.
    r = server.udp(make_query("x.whoami.test.", "A"))
    assert r.rcode() == dns.rcode.REFUSED
    assert r.answer == []


def test_zone_instance_defaults_to_apex_with_ttl(server):
    r = server.udp(make_query("who.zone.", "A"))
    assert_auth_noerror(r)
    assert rrs(r) == [("who.zone.", "A", "127.0.0.1")]
    assert r.answer[0].ttl == 60


def test_zone_instance_other_names_servfail(server):
    # Inside the zone, whoami passes on other names and nothing else answers.
    r = server.udp(make_query("other.who.zone.", "A"))
    assert r.rcode() == dns.rcode.SERVFAIL
    assert r.answer == []


def test_many_source_ports(server):
    # Every reply reflects its own query's source port (no cross-talk).
    socks = [bound_udp("127.0.0.1", socket.AF_INET) for _ in range(20)]
    try:
        for s in socks:
            r = server.udp(make_query("whoami.test.", "TXT"), sock=s)
            assert txt_strings(r.answer[0]) == [str(s.getsockname()[1]).encode()]
    finally:
        for s in socks:
            s.close()


# ---- kdig ------------------------------------------------------------------

def kdig_answer_lines(out):
    return [l.split() for l in out.splitlines() if l.strip() and not l.startswith(";")]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_kdig_a_v4(server, tcp):
    args = ["+noall", "+answer", "whoami.test.", "A"] + (["+tcp"] if tcp else [])
    p = server.kdig(*args)
    assert p.returncode == 0, p.stderr
    assert kdig_answer_lines(p.stdout) == [["whoami.test.", "0", "IN", "A", "127.0.0.1"]]


@needs_ipv6
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_kdig_aaaa_v6(server, tcp):
    args = ["-6", "+noall", "+answer", "whoami.test.", "AAAA"] + (["+tcp"] if tcp else [])
    p = server.kdig(*args, addr="::1")
    assert p.returncode == 0, p.stderr
    assert kdig_answer_lines(p.stdout) == [["whoami.test.", "0", "IN", "AAAA", "::1"]]


def test_kdig_txt_is_a_port(server):
    p = server.kdig("+noall", "+answer", "whoami.test.", "TXT")
    assert p.returncode == 0, p.stderr
    lines = kdig_answer_lines(p.stdout)
    assert len(lines) == 1
    assert lines[0][:4] == ["whoami.test.", "0", "IN", "TXT"]
    port = lines[0][4].strip('"')
    assert port.isdigit() and 1 <= int(port) <= 65535


def test_kdig_flags_aa(server):
    p = server.kdig("whoami.test.", "A")
    assert p.returncode == 0, p.stderr
    assert kdig_status(p.stdout) == "NOERROR"
    assert {"qr", "aa"} <= kdig_flags(p.stdout)
