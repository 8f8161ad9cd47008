# Message-level behaviour: rcodes, opcodes, malformed headers, EDNS, cookies.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import socket
import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import pytest

from conftest import (answer_rrs, edns_option, header_counts, kdig_status,
                      make_query, option_bytes, parse, txt_strings)

QUESTION_WHOAMI_A = b"\x06whoami\x04test\x00" + struct.pack("!HH", 1, 1)
OPT_RR = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)


def header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


# ---- rcodes -----------------------------------------------------------------

def test_refused_outside_zones(server):
    q = make_query("nowhere.invalid.", "A")
    r = server.udp(q)
    assert r.id == q.id
    assert r.flags & dns.flags.QR
    assert r.rcode() == dns.rcode.REFUSED
    assert r.answer == [] and r.authority == []
    assert [str(x.name) for x in r.question] == ["nowhere.invalid."]


def test_refused_over_tcp(server):
    r = server.tcp(make_query("nowhere.invalid.", "A"))
    assert r.rcode() == dns.rcode.REFUSED
    assert r.answer == []


def test_kdig_refused(server):
    p = server.kdig("nowhere.invalid.", "A")
    assert kdig_status(p.stdout) == "REFUSED", p.stdout + p.stderr


@pytest.mark.parametrize("opcode", [dns.opcode.STATUS, 3, 15])
def test_unknown_opcode_notimp(server, opcode):
    q = make_query("whoami.test.", "A")
    q.set_opcode(opcode)
    raw = server.udp_raw(q.to_wire())
    assert raw is not None, "no response to opcode %d" % opcode
    (qid, flags) = struct.unpack("!HH", raw[:4])
    assert qid == q.id
    assert flags & 0x8000, "QR must be set"
    assert (flags >> 11) & 0xF == opcode, "opcode must be copied into the response"
    assert flags & 0xF == dns.rcode.NOTIMP


def test_qdcount_zero_formerr(server):
    raw = server.udp_raw(header(qid=0x4242, qd=0))
    assert raw is not None
    qid, flags, qd, an, ns, ar = header_counts(raw)
    assert qid == 0x4242
    assert flags & 0x8000
    assert flags & 0xF == dns.rcode.FORMERR
    assert an == 0


def test_qdcount_two_formerr(server):
    wire = header(qid=0x4343, qd=2) + QUESTION_WHOAMI_A + QUESTION_WHOAMI_A
    raw = server.udp_raw(wire)
    assert raw is not None
    qid, flags, qd, an, ns, ar = header_counts(raw)
    assert qid == 0x4343
    assert flags & 0x8000
    assert flags & 0xF == dns.rcode.FORMERR
    assert an == 0


def test_two_opt_records_formerr(server):
    wire = header(qid=0x4444, ar=2) + QUESTION_WHOAMI_A + OPT_RR + OPT_RR
    raw = server.udp_raw(wire)
    assert raw is not None
    qid, flags, qd, an, ns, ar = header_counts(raw)
    assert qid == 0x4444
    assert flags & 0x8000
    assert flags & 0xF == dns.rcode.FORMERR
    assert an == 0


def test_qr_set_gets_no_response(server):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        q = make_query("whoami.test.", "A")
        q.flags |= dns.flags.QR
        assert server.udp_raw(q.to_wire(), sock=s, timeout=0.7) is None
        # The same socket still gets answers to a real query.
        q2 = make_query("whoami.test.", "A")
        raw = server.udp_raw(q2.to_wire(), sock=s)
        assert raw is not None and struct.unpack("!H", raw[:2])[0] == q2.id


def test_qr_set_over_tcp_gets_no_response(server):
    # A QR=1 message on TCP is ignored; the following query is answered.
    q = make_query("whoami.test.", "A")
    q.id = 0x1111
    q.flags |= dns.flags.QR
    q2 = make_query("whoami.test.", "A")
    q2.id = 0x2222
    from conftest import tcp_frame, tcp_read_msg
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as s:
        s.sendall(tcp_frame(q.to_wire()) + tcp_frame(q2.to_wire()))
        raw = tcp_read_msg(s)
    assert struct.unpack("!H", raw[:2])[0] == 0x2222


def test_id_and_question_case_echoed(server):
    q = make_query("WhoAmI.TEST.", "A")
    q.id = 0xBEEF
    raw = server.udp_raw(q.to_wire())
    assert raw is not None
    r = parse(raw)
    assert r.id == 0xBEEF
    assert r.rcode() == dns.rcode.NOERROR
    assert [str(x.name) for x in r.question] == ["WhoAmI.TEST."]
    assert b"\x06WhoAmI\x04TEST\x00" in raw
    assert [(str(n), rd.to_text()) for n, _, rd in answer_rrs(r)] == [("WhoAmI.TEST.", "127.0.0.1")]


def test_question_case_echoed_tcp(server):
    q = make_query("eXaMpLe.CoM.", "TXT")
    q.id = 0x0A0B
    r = parse(server.tcp_raw(q.to_wire()))
    assert r.id == 0x0A0B
    assert [str(x.name) for x in r.question] == ["eXaMpLe.CoM."]
    assert r.rcode() == dns.rcode.NOERROR
    assert {str(n) for n, _, _ in answer_rrs(r)} == {"eXaMpLe.CoM."}


def test_rd_copied(server):
    q = make_query("whoami.test.", "A")
    q.flags |= dns.flags.RD
    r = server.udp(q)
    assert r.flags & dns.flags.RD
    assert not r.flags & dns.flags.RA
    q.flags &= ~dns.flags.RD
    r = server.udp(q)
    assert not r.flags & dns.flags.RD


# ---- EDNS -------------------------------------------------------------------

def test_no_opt_in_no_opt_out(server):
    r = server.udp(make_query("whoami.test.", "A", use_edns=False))
    assert r.edns == -1
    assert r.rcode() == dns.rcode.NOERROR


@pytest.mark.parametrize("payload", [512, 1232, 4096])
def test_opt_in_opt_out_with_our_payload(server, payload):
    r = server.udp(make_query("whoami.test.", "A", use_edns=0, payload=payload))
    assert r.edns == 0
    assert r.payload == 1232
    assert r.rcode() == dns.rcode.NOERROR


def test_opt_over_tcp(server):
    r = server.tcp(make_query("whoami.test.", "A", use_edns=0))
    assert r.edns == 0
    r = server.tcp(make_query("whoami.test.", "A", use_edns=False))
    assert r.edns == -1


def edns_version_query(qname, version):
    """A query whose OPT has @version (dnspython 2.3 treats use_edns=1 as True)."""
    q = make_query(qname, "A", use_edns=0)
    wire = bytearray(q.to_wire())
    assert wire[-11:-8] == b"\x00\x00\x29" and wire[-2:] == b"\x00\x00"
    wire[-5] = version  # OPT TTL = ext-rcode, version, flags (2)
    return q, bytes(wire)


@pytest.mark.parametrize("version", [1, 255])
def test_badvers(server, version):
    q, wire = edns_version_query("whoami.test.", version)
    raw = server.udp_raw(wire)
    assert raw is not None
    r = parse(raw)
    assert r.rcode() == dns.rcode.BADVERS
    assert r.edns == 0, "BADVERS response must carry OPT version 0"
    assert r.answer == []
    assert r.id == q.id


def test_kdig_badvers(server):
    p = server.kdig("+edns=1", "whoami.test.", "A")
    assert kdig_status(p.stdout) == "BADVERS", p.stdout + p.stderr
    assert "Version: 0;" in p.stdout, p.stdout


def test_do_bit_echoed(server):
    r = server.udp(make_query("whoami.test.", "A", want_dnssec=True))
    assert r.ednsflags & dns.flags.DO
    r = server.udp(make_query("whoami.test.", "A", use_edns=0))
    assert not r.ednsflags & dns.flags.DO


def test_nsid(server):
    q = make_query("whoami.test.", "A", use_edns=0,
                   options=[dns.edns.GenericOption(dns.edns.NSID, b"")])
    r = server.udp(q)
    opt = edns_option(r, dns.edns.NSID)
    assert opt is not None, "NSID requested but not returned"
    assert option_bytes(opt) == b"test-ns"
    assert r.rcode() == dns.rcode.NOERROR


def test_nsid_not_sent_unasked(server):
    r = server.udp(make_query("whoami.test.", "A", use_edns=0))
    assert edns_option(r, dns.edns.NSID) is None


def test_kdig_nsid(server):
    p = server.kdig("+nsid", "whoami.test.", "A")
    assert kdig_status(p.stdout) == "NOERROR", p.stdout + p.stderr
    assert '"test-ns"' in p.stdout, p.stdout


def test_nsid_on_refused(server):
    q = make_query("nowhere.invalid.", "A", use_edns=0,
                   options=[dns.edns.GenericOption(dns.edns.NSID, b"")])
    r = server.udp(q)
    assert r.rcode() == dns.rcode.REFUSED
    opt = edns_option(r, dns.edns.NSID)
    assert opt is not None and option_bytes(opt) == b"test-ns"


def cookie_query(cookie, qname="whoami.test."):
    return make_query(qname, "A", use_edns=0,
                      options=[dns.edns.GenericOption(dns.edns.COOKIE, cookie)])


def test_cookie_client_only(server):
    client = os.urandom(8)
    r = server.udp(cookie_query(client))
    assert r.rcode() == dns.rcode.NOERROR
    opt = edns_option(r, dns.edns.COOKIE)
    assert opt is not None, "server cookie expected"
    data = option_bytes(opt)
    assert len(data) == 24
    assert data[:8] == client


def test_cookie_roundtrip(server):
    client = os.urandom(8)
    r = server.udp(cookie_query(client))
    full = option_bytes(edns_option(r, dns.edns.COOKIE))
    assert len(full) == 24
    r2 = server.udp(cookie_query(full))
    assert r2.rcode() == dns.rcode.NOERROR
    assert [rd.to_text() for _, _, rd in answer_rrs(r2)] == ["127.0.0.1"]
    data2 = option_bytes(edns_option(r2, dns.edns.COOKIE))
    assert len(data2) == 24 and data2[:8] == client
    # Also over TCP.
    r3 = server.tcp(cookie_query(full))
    assert r3.rcode() == dns.rcode.NOERROR
    assert option_bytes(edns_option(r3, dns.edns.COOKIE))[:8] == client


def test_cookie_wrong_server_part_still_answered(server):
    # A stale/forged server cookie: RFC 7873 5.2.3 - answer normally (or
    # BADCOOKIE); never drop, and hand out a fresh valid cookie.
    client = os.urandom(8)
    r = server.udp(cookie_query(client + b"\x01\x00\x00\x00" + os.urandom(12)))
    assert r.rcode() in (dns.rcode.NOERROR, dns.rcode.BADCOOKIE)
    data = option_bytes(edns_option(r, dns.edns.COOKIE))
    assert len(data) == 24 and data[:8] == client


@pytest.mark.parametrize("length", [1, 7, 9, 15, 41])
def test_cookie_bad_length_formerr(server, length):
    r = server.udp(cookie_query(os.urandom(length)))
    assert r.rcode() == dns.rcode.FORMERR


def test_kdig_cookie(server):
    p = server.kdig("+cookie", "whoami.test.", "A")
    assert kdig_status(p.stdout) == "NOERROR", p.stdout + p.stderr
    line = [l for l in p.stdout.splitlines() if "COOKIE:" in l]
    assert line, p.stdout
    hexes = line[0].split("COOKIE:")[1].split()
    # kdig prints the client and server parts: 8 + 16 bytes.
    assert len("".join(hexes)) == 48, line[0]
    full = "".join(hexes)
    p2 = server.kdig("+cookie=" + full, "whoami.test.", "A")
    assert kdig_status(p2.stdout) == "NOERROR", p2.stdout + p2.stderr


def test_cookies_disabled(start_server):
    srv = start_server(cookies=False)
    r = srv.udp(cookie_query(os.urandom(8)))
    assert r.rcode() == dns.rcode.NOERROR
    opt = edns_option(r, dns.edns.COOKIE)
    assert opt is None or len(option_bytes(opt)) == 8


# ---- chaos identity ---------------------------------------------------------

@pytest.mark.parametrize("qname", ["id.server.", "hostname.bind."])
def test_identity_chaos_txt(server, qname):
    r = server.udp(make_query(qname, "TXT", "CH"))
    assert r.rcode() == dns.rcode.NOERROR
    rrs = answer_rrs(r)
    assert len(rrs) == 1
    assert str(rrs[0][0]) == qname
    assert txt_strings([rrs[0][2]]) == [b"ns1.test"]
