# TCP under abuse (issue 13): each attack at small scale, with short timeouts,
# while a legitimate client (127.0.0.1, a new connection per query) measures
# what service is left. Attackers use other 127.0.0.0/8 source addresses
# (tests/lib/abuse.py). The larger-scale form is tests/bench/tcp_abuse.py.
# SPDX-License-Identifier: MIT OR Apache-2.0

import re
import socket
import time

import pytest

from conftest import free_port, make_query, run_kdig, tcp_ask, tcp_connect, tcp_frame
from knot_peer import PrimaryZone, check_zonefile_built, wait_soa, zonefile_config
from abuse import Attack, legit_tcp, legit_udp, p99, source_addr


connect = tcp_connect
ask = tcp_ask


def closed_within(s, limit):
    """True if the peer closes within @limit seconds (whatever it sent first)."""
    s.settimeout(limit)
    end = time.monotonic() + limit
    try:
        while time.monotonic() < end:
            if s.recv(65536) == b"":
                return True
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    return False


def newcomer_served(port, while_open=None):
    """1 if a new connection from 127.0.0.1 gets its query answered, else 0;
    @while_open() runs after the answer, before the connection is closed."""
    try:
        with connect(port, src="127.0.0.1") as s:
            ask(s)
            if while_open:
                while_open()
        return 1
    except (EOFError, OSError):
        return 0


def assert_closed(s, what):
    assert closed_within(s, 2.0), "%s connection not evicted" % what


def rate(result):
    ok, asked, _ = result
    return ok / asked if asked else 0.0


def test_request_deadline_spans_held_partial_input(start_server):
    # A connection that completes each query with the first byte of the next
    # holds unfinished input all the time: request_timeout (1.5 s) bounds that
    # whole stretch, not each query, so it is closed although every single
    # query arrived within 0.4 s.
    srv = start_server(tcp={"request_timeout": 1.5, "idle_timeout": 10})
    q = tcp_frame(make_query("whoami.test.", "A").to_wire())
    s = connect(srv.port)
    t0 = time.monotonic()
    closed_at = None
    try:
        s.sendall(q[:1])
        for _ in range(10):  # 4 s of the pattern if nothing stops it
            time.sleep(0.4)
            try:
                s.sendall(q[1:] + q[:1])
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic() - t0
                break
        if closed_at is None and closed_within(s, 0.5):
            closed_at = time.monotonic() - t0
    finally:
        s.close()
    assert closed_at is not None, "connection holding a partial query was never closed"
    assert closed_at < 3.0, "closed only after %.1f s" % closed_at
    srv.assert_healthy()


def test_max_lifetime_closes_gracefully(start_server):
    # max_lifetime 1 s: an idle keep-alive is closed after ~1 s; a busy one
    # gets the answers it asked for before its close.
    srv = start_server(tcp={"max_lifetime": 1, "idle_timeout": 10})
    idle = connect(srv.port)
    busy = connect(srv.port)
    try:
        ask(idle)
        answered = 0
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < 3:
                ask(busy)
                answered += 1
                time.sleep(0.05)
        except (EOFError, ConnectionResetError, BrokenPipeError):
            pass
        took = time.monotonic() - t0
        assert 0.8 < took < 2.0, "busy connection lived %.1f s" % took
        assert answered >= 5
        assert closed_within(idle, 1.0), "idle connection outlived max_lifetime"
    finally:
        idle.close()
        busy.close()
    srv.assert_healthy()


# (mode, attack period, request_timeout, connections, required legit rate)
ATTACKS = {
    # One whole query plus the first byte of the next every 0.5 s, never
    # reading: before, these held every slot and legit TCP got 0%.
    "slot-holding": ("hold", 0.5, 2, 60, 0.99),
    # One byte every 0.3 s, each closed connection replaced at once.
    "slowloris": ("slowloris", 0.3, 1, 80, 0.95),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_legit_client_served_under_attack(start_server, attack):
    mode, period, request_timeout, conns, want = ATTACKS[attack]
    srv = start_server(tcp={"max_clients": 40, "max_per_client": 16,
                            "request_timeout": request_timeout})
    with Attack(srv.port, mode, sources=conns // 10, per_source=10, period=period) as a:
        time.sleep(1.0)
        # dig's 5 s per query, as in the fd-limit and AXFR tests: under a
        # sanitizer build a newcomer may queue behind the attackers for more
        # than 2 s and still be answered.
        errors = []
        res = legit_tcp(srv.port, duration=6.0, timeout=5.0, pause=0.01, errors=errors)
        assert a.connects > conns, "the attack never had a connection closed"
    print("%s: legit %d/%d, p99 %.3f s, failures %s" % (attack, res[0], res[1], p99(res[2]),
                                                       errors))
    # ~25 samples: one connection lost to scheduling on a loaded 2-core CI
    # machine is tolerated here (before the fix: 0-32% answered); the full-
    # scale run in tests/bench/tcp_abuse.py is where 100% is required.
    lost = res[1] - res[0]
    assert rate(res) >= want or lost <= 1, \
        "legit TCP answered %d/%d under %s: %s\n%s" % (res[0], res[1], attack, errors,
                                                     srv.log_tail(40))
    srv.assert_healthy()


def test_eviction_across_workers_idle(start_server):
    # 2 workers, max_clients 2, both slots held by idle connections: every
    # newcomer is served by evicting the oldest idle one, whichever worker
    # owns it (before: refused whenever it was the other worker's).
    srv = start_server(workers=2, tcp={"max_clients": 2, "max_per_client": 16,
                                       "reserve": 0})
    held = []
    served = 0
    try:
        for i in range(30):
            while len(held) < 2:
                s = connect(srv.port, src=source_addr(len(held) + i))
                ask(s)
                held.append(s)
            # While the newcomer stays, the oldest idle connection is closed.
            served += newcomer_served(srv.port, lambda: assert_closed(held[0], "oldest idle"))
            held.pop(0).close()
    finally:
        for s in held:
            s.close()
    assert served == 30, "newcomer refused %d times in 30" % (30 - served)
    srv.assert_healthy()


def test_eviction_across_workers_stalled_first(start_server):
    # One idle keep-alive and one connection stalled on a partial query:
    # the stalled one is evicted first, from either worker.
    srv = start_server(workers=2, tcp={"max_clients": 2, "max_per_client": 16})
    served = 0
    idle = connect(srv.port, src=source_addr(0))
    ask(idle)
    try:
        for i in range(15):
            stalled = connect(srv.port, src=source_addr(1 + i))
            stalled.sendall(b"\x00")
            time.sleep(0.3)  # > the 0.2 s grace: it now counts as stalled
            served += newcomer_served(srv.port, lambda: assert_closed(stalled, "stalled"))
            stalled.close()
            ask(idle)  # the idle keep-alive survived
    finally:
        idle.close()
    assert served == 15, "newcomer refused %d times in 15" % (15 - served)
    srv.assert_healthy()


def test_open_file_limit_raised_toward_hard_limit(start_server):
    # Soft 64, hard 4096: the soft limit is raised as far as max_clients needs.
    srv = start_server(prefix=("prlimit", "--nofile=64:4096"), tcp={"max_clients": 300})
    with open("/proc/%d/limits" % srv.pid) as f:
        line = [ln for ln in f if ln.startswith("Max open files")][0]
    soft = int(line.split()[3])
    assert 300 < soft <= 4096, line
    assert "open-file limit raised from 64 to %d" % soft in srv.stderr()
    assert "capping" not in srv.stderr() and "serving at most" not in srv.stderr()
    srv.assert_healthy()


def test_open_file_limit_caps_max_clients(start_server):
    # A hard limit of 128 cannot hold max_clients 1024: sluiced says so and
    # serves fewer connections, evicting as at the cap, instead of running out
    # of descriptors (where accept() fails for everyone: legit TCP was 75%).
    srv = start_server(prefix=("prlimit", "--nofile=128:128"), workers=2,
                       tcp={"max_clients": 1024, "max_per_client": 16})
    m = re.search(r"tcp.max_clients 1024 needs (\d+) open files but the limit is 128 "
                  r"\(hard limit 128\): serving at most (\d+) TCP connections", srv.stderr())
    assert m, srv.stderr()
    cap = int(m.group(2))
    assert 1 <= cap < 128 - 2 * 2 * 2
    # 130 idle holders, more than the limit has descriptors for, each replaced
    # when closed; newcomers queue behind them (~0.4 s, seconds under a
    # sanitizer build), hence a 5 s timeout as dig's.
    with Attack(srv.port, "idle", sources=13, per_source=10, period=1.0) as a:
        time.sleep(1.0)
        res = legit_tcp(srv.port, duration=3.0, timeout=5.0, pause=0.01)
        assert a.closed > 0
    print("fd limit (cap %d): legit %d/%d, p99 %.3f s" % (cap, res[0], res[1], p99(res[2])))
    assert rate(res) >= 0.99, "legit TCP answered %d/%d at the fd limit" % res[:2]
    assert "Too many open files" not in srv.stderr()
    srv.assert_healthy()


NBIG = 150000


def big_zone(path, n):
    """A master file for big.abuse. with @n A records (www0 ... www{n-1})."""
    with open(path, "w") as f:
        f.write("$ORIGIN big.abuse.\n$TTL 300\n"
                "@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 192.0.2.1\n")
        for i in range(n):
            f.write("www%d A 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))


def test_non_reading_axfr_clients(start_server, tmp_path):
    # 100 clients start an AXFR of a 150,000-record zone (~2.4 MB) and never read (a
    # 4 KB receive buffer), each replaced once write_timeout (1 s) closes it.
    # Transfers are produced a few messages per loop pass across connections,
    # so UDP and a legitimate TCP client on the same workers keep answering
    # fast, a reading transfer completes, and stalled writers are evicted
    # first when the table fills (max_clients 80).
    check_zonefile_built()
    zfile = tmp_path / "big.abuse.zone"
    big_zone(zfile, NBIG)
    port = free_port()
    cfg = zonefile_config(port, [PrimaryZone("big.abuse.", str(zfile))],
                          tcp={"max_clients": 80, "max_per_client": 16, "write_timeout": 1})
    srv = start_server(cfg=cfg, port=port)
    wait_soa(srv, "big.abuse.")
    with Attack(srv.port, "axfr", sources=10, per_source=10, period=0.2,
                qname="big.abuse.") as a:
        time.sleep(1.5)
        udp = legit_udp(srv.port, n=300, qname="www7.big.abuse.", pause=0.002)
        tcp = legit_tcp(srv.port, n=100, qname="www7.big.abuse.", timeout=5.0)
        res = run_kdig(["@127.0.0.1", "-p", str(srv.port), "+tcp", "+noall", "+answer",
                        "big.abuse.", "AXFR"], timeout=30)
        assert a.closed > 0, "no non-reading transfer was ever closed"
    rrs = [ln for ln in res.stdout.splitlines() if ln.strip() and not ln.startswith(";")]
    print("axfr: udp %d/%d p99 %.1f ms, tcp %d/%d p99 %.1f ms, kdig %d RRs" % (
        udp[0], udp[1], p99(udp[2]) * 1e3, tcp[0], tcp[1], p99(tcp[2]) * 1e3, len(rrs)))
    assert len(rrs) == NBIG + 4, "the reading transfer did not complete:\n" + res.stderr
    assert rate(udp) >= 0.99, "UDP answered %d/%d" % udp[:2]
    assert p99(udp[2]) < 0.25, "UDP p99 %.3f s" % p99(udp[2])
    assert rate(tcp) >= 0.99, "legit TCP answered %d/%d" % tcp[:2]
    assert not srv.sanitizer_reports()
