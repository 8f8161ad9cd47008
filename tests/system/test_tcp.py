# TCP (RFC 7766): pipelining, framing across odd write boundaries, timeouts.
# SPDX-License-Identifier: MIT OR Apache-2.0

import socket
import time

import dns.rcode
import dns.rdatatype
import pytest

from conftest import (answer_rrs, make_query, needs_ipv6, parse, tcp_frame,
                      tcp_read_msg, txt_strings)


def connect(server, addr="127.0.0.1", timeout=5.0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, server.port))
    return s


def mixed_queries(n):
    """n queries with distinct ids and what each must get back."""
    kinds = [("whoami.test.", "A", dns.rcode.NOERROR),
             ("example.com.", "TXT", dns.rcode.NOERROR),
             ("nowhere.invalid.", "A", dns.rcode.REFUSED),
             ("pass.test.", "A", dns.rcode.SERVFAIL)]
    out = []
    for i in range(n):
        name, rdtype, rcode = kinds[i % len(kinds)]
        q = make_query(name, rdtype)
        q.id = (i * 7 + 1) & 0xFFFF
        out.append((q, rcode))
    return out


def check_answer(q, rcode, r, addr="127.0.0.1"):
    assert r.id == q.id
    assert r.rcode() == rcode
    assert [str(x.name) for x in r.question] == [str(q.question[0].name)]
    if str(q.question[0].name) == "whoami.test.":
        # A query: the address over IPv4, NODATA over IPv6.
        want = [addr] if ":" not in addr else []
        assert [rd.to_text() for _, _, rd in answer_rrs(r)] == want
    elif str(q.question[0].name) == "example.com.":
        assert len(answer_rrs(r)) == 4


@pytest.mark.parametrize("addr", ["127.0.0.1", pytest.param("::1", marks=needs_ipv6)])
def test_pipelining_200(server, addr):
    qs = mixed_queries(200)
    with connect(server, addr) as s:
        s.sendall(b"".join(tcp_frame(q.to_wire()) for q, _ in qs))
        got = {}
        for _ in range(len(qs)):
            r = parse(tcp_read_msg(s))
            assert r.id not in got, "duplicate response for id %d" % r.id
            got[r.id] = r
    for q, rcode in qs:
        assert q.id in got, "no response for id %d" % q.id
        check_answer(q, rcode, got[q.id], addr)


def test_pipelined_large_answers(server):
    # 50 answers of ~3.6 KB each queued on one connection: output backlog.
    qs = []
    for i in range(50):
        q = make_query("big.test.", "TXT")
        q.id = 1000 + i
        qs.append(q)
    with connect(server) as s:
        s.sendall(b"".join(tcp_frame(q.to_wire()) for q in qs))
        ids = set()
        for _ in qs:
            r = parse(tcp_read_msg(s))
            assert len(answer_rrs(r)) == 31
            ids.add(r.id)
    assert ids == {q.id for q in qs}


def test_one_byte_at_a_time(server):
    q = make_query("whoami.test.", "TXT")
    frame = tcp_frame(q.to_wire())
    with connect(server) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in frame:
            s.sendall(bytes([b]))
            time.sleep(0.005)
        r = parse(tcp_read_msg(s))
        port = s.getsockname()[1]
    assert r.id == q.id
    assert txt_strings([answer_rrs(r)[0][2]]) == [str(port).encode()]


def test_odd_boundaries(server):
    # Three queries written in chunks that split length prefixes and bodies.
    qs = mixed_queries(3)
    stream = b"".join(tcp_frame(q.to_wire()) for q, _ in qs)
    f0 = len(tcp_frame(qs[0][0].to_wire()))
    cuts = [1, 2, 7, f0 - 1, f0 + 1, f0 + 2, len(stream) - 3, len(stream)]
    with connect(server) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        prev = 0
        for c in cuts:
            s.sendall(stream[prev:c])
            prev = c
            time.sleep(0.02)
        got = {}
        for _ in qs:
            r = parse(tcp_read_msg(s))
            got[r.id] = r
    for q, rcode in qs:
        check_answer(q, rcode, got[q.id])


def test_connection_reused_sequentially(server):
    with connect(server) as s:
        for i in range(20):
            q = make_query("whoami.test.", "A")
            s.sendall(tcp_frame(q.to_wire()))
            r = parse(tcp_read_msg(s))
            assert r.id == q.id and r.rcode() == dns.rcode.NOERROR


def test_zero_length_frame_closes_or_is_ignored(server):
    # A zero-length message is not DNS; the server must not answer it with
    # garbage. Either it closes the connection or it answers nothing for it.
    q = make_query("whoami.test.", "A")
    with connect(server, timeout=3) as s:
        s.sendall(b"\x00\x00" + tcp_frame(q.to_wire()))
        try:
            r = parse(tcp_read_msg(s))
            assert r.id == q.id
        except (EOFError, ConnectionResetError):
            pass  # closed: allowed, unless the server crashed (below)
    server.assert_healthy()


# ---- timeouts ----------------------------------------------------------------

@pytest.fixture(scope="module")
def short_timeouts(tmp_path_factory):
    from conftest import ServerFactory, _check_binaries
    _check_binaries()
    f = ServerFactory(tmp_path_factory)
    srv = f(name="tcptimeouts", tcp={"idle_timeout": 1, "request_timeout": 1})
    yield srv
    f.cleanup()


def wait_closed(s, limit):
    """Seconds until the peer closes @s (EOF or reset), or None if not within @limit."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                break
    except socket.timeout:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - t0


def test_idle_connection_closed(short_timeouts):
    with connect(short_timeouts) as s:
        dt = wait_closed(s, 4.0)
    assert dt is not None, "idle connection not closed within 4 s (idle_timeout 1 s)"
    assert dt >= 0.7, "closed after %.2f s, before idle_timeout" % dt


def test_idle_after_answer_closed(short_timeouts):
    with connect(short_timeouts) as s:
        s.sendall(tcp_frame(make_query("whoami.test.", "A").to_wire()))
        tcp_read_msg(s)
        dt = wait_closed(s, 4.0)
    assert dt is not None, "connection idle after an answer not closed within 4 s"
    assert dt >= 0.7


def test_active_connection_kept(short_timeouts):
    # A query every 0.4 s keeps the connection past several idle timeouts.
    with connect(short_timeouts) as s:
        for _ in range(7):
            q = make_query("whoami.test.", "A")
            s.sendall(tcp_frame(q.to_wire()))
            r = parse(tcp_read_msg(s))
            assert r.id == q.id
            time.sleep(0.4)


def test_partial_query_closed(short_timeouts):
    wire = make_query("whoami.test.", "A").to_wire()
    with connect(short_timeouts) as s:
        s.sendall(tcp_frame(wire)[:7])
        dt = wait_closed(s, 4.0)
    assert dt is not None, "partial query not closed within 4 s (request_timeout 1 s)"


def test_trickled_query_hits_request_deadline(short_timeouts):
    # One byte every 0.3 s: each byte would reset an idle timer, but the whole
    # query must arrive within request_timeout (1 s).
    frame = tcp_frame(make_query("whoami.test.", "A").to_wire())
    with connect(short_timeouts) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.monotonic()
        closed = False
        for b in frame[:-1]:
            try:
                s.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            s.settimeout(0.3)
            try:
                if s.recv(4096) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
            if time.monotonic() - t0 > 4.0:
                break
        dt = time.monotonic() - t0
    assert closed, "trickling connection still open after %.1f s (request_timeout 1 s)" % dt
    assert dt < 3.5


def test_server_fine_after_timeouts(short_timeouts):
    short_timeouts.assert_healthy()
