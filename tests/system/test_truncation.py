# UDP truncation (TC) and full answers over TCP.
# big.test. answers 1 trace + 30 TXT of 100 bytes (~3.6 KB) > 1232.
# SPDX-License-Identifier: MIT OR Apache-2.0

import re

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import answer_rrs, header_counts, kdig_flags, kdig_status, make_query, parse

FULL = 31  # trace + txt_count


def check_truncated(raw, limit):
    assert raw is not None, "no UDP response"
    assert len(raw) <= limit, "UDP response of %d bytes exceeds %d" % (len(raw), limit)
    r = parse(raw)  # what remains must parse (counts match the records present)
    assert r.flags & dns.flags.TC, "TC must be set"
    assert r.flags & dns.flags.QR
    assert r.rcode() == dns.rcode.NOERROR
    assert [str(q.name) for q in r.question] == ["big.test."]
    assert len(answer_rrs(r)) < FULL
    assert header_counts(raw)[3] == len(answer_rrs(r))
    return r


def test_udp_no_edns_truncated(server):
    raw = server.udp_raw(make_query("big.test.", "TXT", use_edns=False).to_wire())
    r = check_truncated(raw, 512)
    assert r.edns == -1


@pytest.mark.parametrize("payload,limit", [(512, 512), (1232, 1232), (4096, 1232)])
def test_udp_edns_truncated(server, payload, limit):
    raw = server.udp_raw(make_query("big.test.", "TXT", use_edns=0, payload=payload).to_wire())
    r = check_truncated(raw, limit)
    assert r.edns == 0, "truncated response keeps its OPT"
    assert r.payload == 1232


def test_payload_below_512_treated_as_512(server):
    # RFC 6891 6.2.5: values below 512 are treated as 512.
    raw = server.udp_raw(make_query("big.test.", "TXT", use_edns=0, payload=100).to_wire())
    check_truncated(raw, 512)


def test_small_answer_not_truncated(server):
    r = server.udp(make_query("example.com.", "TXT", use_edns=False))
    assert not r.flags & dns.flags.TC
    assert len(answer_rrs(r)) == 4


@pytest.mark.parametrize("edns", [False, 0])
def test_tcp_full_answer(server, edns):
    raw = server.tcp_raw(make_query("big.test.", "TXT", use_edns=edns).to_wire())
    r = parse(raw)
    assert not r.flags & dns.flags.TC
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    rrs = answer_rrs(r)
    assert len(rrs) == FULL
    assert header_counts(raw)[3] == FULL
    strings = [b"".join(rd.strings) for _, _, rd in rrs]
    assert strings == [b"rec"] + [b"x" * 100] * 30


def test_kdig_bufsize_512_tc(server):
    p = server.kdig("+bufsize=512", "+ignore", "big.test.", "TXT")
    assert kdig_status(p.stdout) == "NOERROR", p.stdout + p.stderr
    assert "tc" in kdig_flags(p.stdout), p.stdout
    m = re.search(r"Received (\d+) B", p.stdout)
    assert m and int(m.group(1)) <= 512, p.stdout


def test_kdig_noedns_tc(server):
    p = server.kdig("+noedns", "+ignore", "big.test.", "TXT")
    assert "tc" in kdig_flags(p.stdout), p.stdout


def test_kdig_tcp_full(server):
    p = server.kdig("+tcp", "+noall", "+answer", "big.test.", "TXT")
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l.startswith("big.test.")]
    assert len(lines) == FULL, p.stdout


def test_kdig_falls_back_to_tcp(server):
    # Default kdig retries over TCP on TC: the full answer arrives.
    p = server.kdig("+noedns", "+noall", "+answer", "big.test.", "TXT")
    lines = [l for l in p.stdout.splitlines() if l.startswith("big.test.")]
    assert len(lines) == FULL, p.stdout
