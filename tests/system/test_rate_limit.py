# The rate-limit plugin under a real flood: dnsperf sends ~20k qps from one
# /24 (sources in 127.0.0.0/8 are separate clients on loopback) while
# dnspython clients check that the flooded prefix gets about
# responses_per_second full answers per second and TC slips, that a client
# in another /24 loses nothing, that a client in the flooded /24 echoing its
# server cookie is answered, and that TCP from the flooded prefix works.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import pytest

from conftest import HAVE_IPV6, PLUGINS_DIR, free_port, make_query, needs_ipv6

ZONE = """$ORIGIN example.com.
$TTL 3600
@       SOA ns hostmaster 1 7200 3600 1209600 300
@       NS  ns
ns      A   192.0.2.1
www     A   192.0.2.10
*.wild  A   192.0.2.20
"""

RATE = 20
FLOOD_QPS = 20000
FLOOD_SECONDS = 4
FLOOD_SRC = "127.0.10.1"      # the flooded /24: 127.0.10.0/24
PROBE_SRC = "127.0.10.4"      # a spoofable client inside it
COOKIE_SRC = "127.0.10.2"     # a cookie-echoing client inside it
TCP_SRC = "127.0.10.3"
OTHER_SRC = "127.0.20.1"      # a client in another /24

needs_dnsperf = pytest.mark.skipif(shutil.which("dnsperf") is None,
                                   reason="dnsperf not installed (Debian: apt-get install dnsperf)")


def config(port, zone_file, **plugin):
    rl = {"plugin": "rate-limit", "responses_per_second": RATE, "slip": 2,
          "ipv4_prefix": 24, "ipv6_prefix": 56}
    rl.update(plugin)
    return {
        "server": {"listen": ["127.0.0.1:%d" % port] + (["[::1]:%d" % port]
                                                       if HAVE_IPV6 else []),
                   "workers": 2, "plugin_path": [PLUGINS_DIR], "log_level": "info",
                   "cookies": True},
        "plugins": [rl],
        "zones": [{"name": "example.com.",
                   "plugins": [{"plugin": "zonefile", "file": zone_file}]}],
    }


@pytest.fixture
def rrl_server(start_server, tmp_path):
    def start(**plugin):
        zone = tmp_path / "example.com.zone"
        zone.write_text(ZONE)
        port = free_port()
        srv = start_server(cfg=config(port, str(zone), **plugin), port=port)
        # Until the zone is loaded (the readiness probe only proves the socket).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r = srv.tcp(make_query("www.example.com.", "A"))
            if r.rcode() == dns.rcode.NOERROR and r.answer:
                return srv
            time.sleep(0.05)
        pytest.fail("zone not loaded:\n" + srv.stderr())
    return start


def stats(srv):
    """SIGUSR1, then the latest value of every counter logged."""
    before = srv.stderr().count("refused_update=")
    srv.signal(signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while srv.stderr().count("refused_update=") == before:
        assert time.monotonic() < deadline, "no stats logged:\n" + srv.stderr()
        time.sleep(0.05)
    out = {}
    for line in srv.stderr().splitlines():
        if " stats " in line:
            for k, v in re.findall(r"(\w+)=(\d+)", line):
                out[k] = int(v)
    return out


def udp_from(src, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((src, 0))
    return s


def ask(srv, sock, q, timeout=1.0, addr="127.0.0.1"):
    """One UDP exchange from @sock; the parsed reply or None when dropped."""
    sock.setblocking(False)  # dnspython waits with select() itself
    try:
        return srv.udp(q, addr, timeout=timeout, sock=sock)
    except dns.exception.Timeout:
        return None


def burst(srv, sock, queries, wait=1.0, addr="127.0.0.1"):
    """Sends all @queries at once, then collects replies for @wait seconds:
    the replies in query order (None for the dropped ones)."""
    for q in queries:
        sock.sendto(q.to_wire(), (addr, srv.port))
    byid = {}
    deadline = time.monotonic() + wait
    while len(byid) < len(queries):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            break
        r = dns.message.from_wire(data)
        byid[r.id] = r
    return [byid.get(q.id) for q in queries]


def distinct(queries):
    """Gives @queries distinct message ids."""
    for i, q in enumerate(queries):
        q.id = i + 1
    return queries


def is_full(r):
    return (r is not None and r.rcode() == dns.rcode.NOERROR and
            not r.flags & dns.flags.TC and len(r.answer) == 1)


def is_slip(r):
    return (r is not None and r.flags & dns.flags.TC and r.rcode() == dns.rcode.NOERROR and
            not r.answer and not r.authority and len(r.question) == 1)


class Paced(threading.Thread):
    """Runs @fn(i) @qps times a second for @seconds, collecting its results."""

    def __init__(self, fn, qps, seconds):
        super().__init__(daemon=True)
        self.fn, self.qps, self.seconds = fn, qps, seconds
        self.results = []
        self.error = None

    def run(self):
        try:
            start = time.monotonic()
            for i in range(int(self.qps * self.seconds)):
                delay = start + i / self.qps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.results.append(self.fn(i))
        except Exception as e:  # reported by the test
            self.error = e


def cookie_opt(client, server=b""):
    return dns.edns.GenericOption(dns.edns.COOKIE, client + server)


def server_cookie(r, client):
    for opt in (r.options if r is not None else []):
        if opt.otype == dns.edns.COOKIE:
            data = opt.to_wire() if hasattr(opt, "to_wire") else opt.data
            assert data[:8] == client
            return data[8:]
    return None


@needs_dnsperf
def test_flood_from_one_prefix(rrl_server, tmp_path):
    srv = rrl_server()
    qfile = tmp_path / "queries.txt"
    qfile.write_text("www.example.com A\n")
    flood = subprocess.Popen(
        ["dnsperf", "-s", "127.0.0.1", "-p", str(srv.port), "-a", FLOOD_SRC,
         "-d", str(qfile), "-Q", str(FLOOD_QPS), "-l", str(FLOOD_SECONDS),
         "-t", "1", "-q", "30000", "-c", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(0.5)  # the flood is on and the prefix's bucket empty

        # A client in another /24: 10 qps, full answers.
        other_sock = udp_from(OTHER_SRC)
        other = Paced(lambda i: ask(srv, other_sock, make_query("www.example.com.", "A")),
                      10, 3)

        # A resolver inside the flooded /24 that does cookies: it learns its
        # server cookie (from a slip, or retries), then echoes it.
        client = os.urandom(8)
        cookie_sock = udp_from(COOKIE_SRC)
        learned = None
        for _ in range(20):
            q = make_query("www.example.com.", "A", use_edns=0, options=[cookie_opt(client)])
            learned = server_cookie(ask(srv, cookie_sock, q, timeout=0.3), client)
            if learned:
                break
        assert learned, "never got a server cookie from a slip or an answer"

        def cookie_query(i):
            q = make_query("www.example.com.", "A", use_edns=0,
                           options=[cookie_opt(client, learned)])
            return ask(srv, cookie_sock, q)
        cookie = Paced(cookie_query, 50, 3)

        for t in (other, cookie):
            t.start()
        # A spoofable client inside the flooded /24 shares the flood's bucket:
        # of a burst of 60, at most the bucket's RATE are full answers, every
        # other limited one slips (TC, no data), the rest are dropped.
        with udp_from(PROBE_SRC) as sock:
            probe = burst(srv, sock, distinct([make_query("www.example.com.", "A")
                                               for _ in range(60)]))

        # TCP from the flooded prefix works meanwhile.
        tcp_ok = 0
        for _ in range(5):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((TCP_SRC, 0))
                s.settimeout(3)
                s.connect(("127.0.0.1", srv.port))
                tcp_ok += is_full(srv.tcp(make_query("www.example.com.", "A"), sock=s))
            time.sleep(0.2)
        for t in (other, cookie):
            t.join(10)
            assert t.error is None, t.error
        for s in (other_sock, cookie_sock):
            s.close()
        out, _ = flood.communicate(timeout=FLOOD_SECONDS + 15)
    finally:
        if flood.poll() is None:
            flood.kill()
            flood.wait()

    sent = int(re.search(r"Queries sent:\s+(\d+)", out).group(1))
    st = stats(srv)
    print("dnsperf:", out)
    print("stats:", st)

    assert tcp_ok == 5
    # Another /24 loses at most 1% (here: nothing).
    got = sum(is_full(r) for r in other.results)
    assert got >= 0.99 * len(other.results), "other /24: %d of %d" % (got, len(other.results))
    # The cookie client inside the flooded /24 is answered in full >= 99%.
    got = sum(is_full(r) for r in cookie.results)
    assert got >= 0.99 * len(cookie.results), "cookie client: %d of %d" % (
        got, len(cookie.results))
    assert st["cookie"] >= got
    # The spoofable client: slips and a few full answers.
    replies = [r for r in probe if r is not None]
    assert all(is_slip(r) or is_full(r) for r in replies)
    assert sum(is_full(r) for r in replies) <= RATE + 2
    assert sum(is_slip(r) for r in replies) >= (60 - RATE - 2) // 2 - 1

    # The flood really happened: 20k qps asked; on a loaded 2-core machine
    # dnsperf may reach much less, but it must stay far above the limit ...
    assert sent >= 50 * RATE * FLOOD_SECONDS, out
    # ... and got about RATE full answers per second (burst RATE, then RATE/s):
    # everything else from the prefix was limited, half of it slipped as TC.
    # Counted at the server: on a loaded machine the kernel drops part of the
    # flood before sluiced reads it, so dnsperf's "sent" overstates it.
    limited = st["limited"]
    received = st["udp"] - len(other.results) - len(cookie.results)
    full = received - limited
    assert full <= RATE + RATE * (FLOOD_SECONDS + 1) * 1.2, (full, st)
    assert full >= RATE * FLOOD_SECONDS * 0.5, (full, st)
    # Every other limited response of a streak slips (a streak ends at each
    # full answer, so each may leave one unpaired).
    assert 0 <= limited - 2 * st["slipped"] <= full + 5, st
    assert st["slipped"] + st["dropped"] == limited
    assert st["truncated"] >= st["slipped"]
    assert st["limited_positive"] == limited
    assert srv.running()
    assert not srv.sanitizer_reports(), srv.stderr()
    assert "limiting 127.0.10.0/24: positive responses for www.example.com. over 20/s" in \
        srv.stderr()


def test_random_names_under_a_wildcard_and_nxdomain(rrl_server):
    """A flood of random names is one bucket: the wildcard's, or the zone's
    NXDOMAIN bucket. slip 1: every limited response is a TC slip."""
    srv = rrl_server(slip=1)
    sock = udp_from("127.0.30.1")
    try:
        wild = burst(srv, sock, distinct([make_query("r%d.wild.example.com." % i, "A")
                                          for i in range(60)]))
        nx = burst(srv, sock, distinct([make_query("r%d.nx.example.com." % i, "A")
                                        for i in range(60)]))
    finally:
        sock.close()
    assert all(r is not None for r in wild + nx)  # slip 1: nothing dropped
    full_wild = sum(is_full(r) for r in wild)
    assert RATE <= full_wild <= RATE + 5
    assert all(is_full(r) or is_slip(r) for r in wild)
    full_nx = sum(r.rcode() == dns.rcode.NXDOMAIN and not r.flags & dns.flags.TC
                  and len(r.authority) == 1 for r in nx)
    assert RATE <= full_nx <= RATE + 5
    slipped_nx = [r for r in nx if r.flags & dns.flags.TC]
    assert slipped_nx and all(r.rcode() == dns.rcode.NXDOMAIN and not r.authority
                              for r in slipped_nx)
    st = stats(srv)
    assert st["limited_wildcard"] == 60 - full_wild
    assert st["limited_nxdomain"] == 60 - full_nx


def test_exempt_and_slip_0(rrl_server):
    srv = rrl_server(exempt=["127.0.40.0/24"], slip=0)
    ex = udp_from("127.0.40.9")
    lim = udp_from("127.0.41.9")
    try:
        ex_full = sum(is_full(ask(srv, ex, make_query("www.example.com.", "A")))
                      for _ in range(50))
        lim_res = burst(srv, lim, distinct([make_query("www.example.com.", "A")
                                            for _ in range(50)]))
    finally:
        ex.close()
        lim.close()
    assert ex_full == 50
    # slip 0: limited responses are all dropped.
    assert all(r is None or is_full(r) for r in lim_res)
    assert RATE <= sum(is_full(r) for r in lim_res) <= RATE + 5
    st = stats(srv)
    assert st["exempted"] == 50
    assert st["slipped"] == 0


def test_log_only_answers_everything(rrl_server):
    srv = rrl_server(log_only=True)
    sock = udp_from("127.0.50.1")
    try:
        res = burst(srv, sock, distinct([make_query("www.example.com.", "A")
                                         for _ in range(50)]))
    finally:
        sock.close()
    assert all(is_full(r) for r in res)
    st = stats(srv)
    assert 50 - RATE - 5 <= st["limited"] <= 50 - RATE
    assert st["dropped"] == 0 and st["slipped"] == 0
    assert "would limit 127.0.50.0/24" in srv.stderr()


@needs_ipv6
def test_ipv6_prefix(rrl_server):
    srv = rrl_server(slip=0)
    sock = udp_from("::1", socket.AF_INET6)
    try:
        res = burst(srv, sock, distinct([make_query("www.example.com.", "A")
                                         for _ in range(50)]), addr="::1")
    finally:
        sock.close()
    assert RATE <= sum(is_full(r) for r in res) <= RATE + 5
    assert "limiting ::/56" in srv.stderr()


def test_budgets_refused_with_ede(rrl_server):
    srv = rrl_server(max_qps_per_client={"any": 2})
    res = []
    for _ in range(5):
        res.append(srv.tcp(make_query("example.com.", "ANY", use_edns=0)))
    refused = [r for r in res if r.rcode() == dns.rcode.REFUSED]
    assert 2 <= len(refused) <= 3
    for r in refused:
        ede = [o for o in r.options if o.otype == dns.edns.EDE]
        assert ede and ede[0].code == 0 and "too many ANY queries" in ede[0].text
    # Other queries from the same client are not affected.
    assert is_full(srv.tcp(make_query("www.example.com.", "A")))
    st = stats(srv)
    assert st["refused_any"] == len(refused)
    assert "refusing 127.0.0.1/32: ANY queries over 2/s" in srv.stderr()


def test_buckets_survive_reload(rrl_server, tmp_path):
    """SIGHUP hands the table to the new instance (unless table_size
    changed): a reload gives a limited client no fresh burst."""
    srv = rrl_server(responses_per_second=1, slip=0)
    sock = udp_from("127.0.60.1")

    def reload(**plugin):
        cfg = dict(srv.cfg)
        cfg["plugins"] = [dict(srv.cfg["plugins"][0], **plugin)]
        before = srv.stderr().count("reload complete")
        srv.reload(cfg)
        deadline = time.monotonic() + 10
        while srv.stderr().count("reload complete") == before:
            assert time.monotonic() < deadline, srv.stderr()
            time.sleep(0.01)

    def one():
        return ask(srv, sock, make_query("www.example.com.", "A"), timeout=0.3)

    try:
        t0 = time.monotonic()
        assert is_full(one())
        assert one() is None
        reload(log_interval=10)
        if time.monotonic() - t0 > 0.8:
            pytest.skip("reload took longer than the bucket's 1 s refill")
        assert one() is None, "a reload refilled the bucket"
        time.sleep(1.1)
        t0 = time.monotonic()
        assert is_full(one())
        reload(table_size=4096)  # another table: starts empty
        if time.monotonic() - t0 > 0.8:
            pytest.skip("reload took longer than the bucket's 1 s refill")
        assert is_full(one())
    finally:
        sock.close()
    assert "table_size changed: starting with empty buckets" in srv.stderr()
