# UDP truncation (TC) and full answers over TCP.
# big.test. answers 1 trace + 30 TXT of 100 bytes (~3.6 KB) > 1232;
# mid.test. (own server below) 1 trace + 3 TXT of 138 bytes: 506 bytes, the
# largest answer sent whole at payload 512 (room for a 6-byte EDE option
# stays reserved).
# SPDX-License-Identifier: MIT OR Apache-2.0

import re

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import (ServerFactory, _check_binaries, answer_rrs, base_config, free_port,
                      header_counts, kdig_flags, kdig_status, make_query, parse, txt_strings)

FULL = 31  # trace + txt_count
MID_TXT = [b"rec"] + [b"x" * 138] * 3


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


@pytest.mark.parametrize("payload", [0, 100])
def test_payload_below_512_truncates_at_512(server, payload):
    # RFC 6891 6.2.5: values below 512 are treated as 512: the truncated
    # answer is the one a client advertising 512 gets (as many records as
    # fit, not fewer).
    def ask(p):
        q = make_query("big.test.", "TXT", use_edns=0, payload=p)
        q.id = 0x5120
        return server.udp_raw(q.to_wire())
    raw = ask(payload)
    r = check_truncated(raw, 512)
    want = ask(512)
    assert (len(raw), header_counts(raw)[3]) == (len(want), header_counts(want)[3]), \
        "payload %d: %d bytes, %d answers; payload 512: %d bytes, %d answers" % (
            payload, len(raw), header_counts(raw)[3], len(want), header_counts(want)[3])
    assert raw == want
    assert len(answer_rrs(r)) > 0


@pytest.fixture(scope="module")
def mid_server(tmp_path_factory):
    """A sluiced whose mid.test. TXT answer is the largest that fits 512."""
    _check_binaries()
    port = free_port()
    cfg = base_config(port)
    cfg["zones"].append({"name": "mid.test.", "plugins": [
        {"plugin": "recorder", "result": "done", "txt_count": 3, "txt_size": 138}]})
    f = ServerFactory(tmp_path_factory)
    yield f(cfg=cfg, port=port, name="mid")
    f.cleanup()


@pytest.mark.parametrize("payload", [0, 1, 100, 511])
def test_payload_below_512_treated_as_512(mid_server, payload):
    # RFC 6891 6.2.5: values below 512 are treated as 512. An answer that
    # fits 512 bytes but not @payload must come whole, without TC, exactly
    # as to a client advertising 512.
    def ask(p):
        q = make_query("mid.test.", "TXT", use_edns=0, payload=p)
        q.id = 0x5121
        return mid_server.udp_raw(q.to_wire())
    raw = ask(payload)
    assert raw is not None, "no UDP response"
    assert 100 < len(raw) <= 512, "answer of %d bytes: mid.test. no longer tests this" % len(raw)
    r = parse(raw)
    assert not r.flags & dns.flags.TC, "TC set on a %d-byte answer (payload %d)" % (
        len(raw), payload)
    assert raw == ask(512)
    assert r.rcode() == dns.rcode.NOERROR
    assert [txt_strings([rd])[0] for _, _, rd in answer_rrs(r)] == MID_TXT
    assert r.edns == 0 and r.payload == 1232


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
