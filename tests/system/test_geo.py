# geo-loadbalance: answers per client location (EDNS Client Subnet from
# dnspython and kdig, MaxMind's test databases), ECS scopes, 3:1 weights,
# NODATA, and health-checked failover against real HTTP and TCP servers the
# test runs on loopback addresses (127.0.1.x) and flips between healthy and
# unhealthy, with the timing the check parameters promise.
# SPDX-License-Identifier: MIT OR Apache-2.0

import http.server
import json
import os
import re
import shutil
import socket
import threading
import time

import dns.edns
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import SRCDIR, base_config, free_port, make_query, needs_ipv6, run_sluiced

PLUGIN = os.path.join(os.environ.get("SLUICE_BUILDDIR") or SRCDIR, "plugins",
                      "geo-loadbalance.so")
pytestmark = pytest.mark.skipif(not os.path.exists(PLUGIN),
                                reason="geo-loadbalance not built (libmaxminddb-dev missing)")

DATA = os.path.join(SRCDIR, "tests", "data", "geoip")
CITY = os.path.join(DATA, "GeoIP2-City-Test.mmdb")
ASN = os.path.join(DATA, "GeoLite2-ASN-Test.mmdb")

ZONE = """$ORIGIN geo.test.
$TTL 3600
@ SOA ns hostmaster 1 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
www A 192.0.2.99
loc A 192.0.2.99
w A 192.0.2.99
d A 192.0.2.99
t A 192.0.2.99
"""

# Health-check timing: members go down after FALL failed probes, up after RISE good ones.
INTERVAL, TIMEOUT, RISE, FALL = 0.5, 0.4, 2, 2


# ---- health-check targets -------------------------------------------------------

class Backend:
    """An HTTP server on one loopback address: /health answers 200 while
    healthy, 503 otherwise; stop() closes the socket (connection refused)."""

    def __init__(self, addr, port):
        self.addr, self.port, self.healthy, self.hits = addr, port, True, 0
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                backend.hits += 1
                ok = backend.healthy and self.path == "/health"
                self.send_response(200 if ok else 503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((addr, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def common_port(addrs):
    """A TCP port free on every address in @addrs."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((addrs[0], 0))
            port = s.getsockname()[1]
        try:
            for a in addrs:
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((a, port))
            return port
        except OSError:
            continue
    pytest.fail("no port free on %r" % (addrs,))


@pytest.fixture
def backends():
    addrs = ["127.0.1.1", "127.0.1.2"]
    port = common_port(addrs)
    made = [Backend(a, port) for a in addrs]
    yield made
    for b in made:
        b.stop()


# ---- the server ------------------------------------------------------------------

def geo_config(port, zone_file, http_port=None, tcp_port=None, **geo_overrides):
    cfg = base_config(port)
    geo = {
        "plugin": "geo-loadbalance",
        "database": CITY,
        "asn_database": ASN,
        "ecs": True,
        "pools": {
            "eu": {"A": [{"address": "192.0.2.10", "weight": 3},
                         {"address": "192.0.2.11", "weight": 1}],
                   "AAAA": ["2001:db8::10"]},
            "se": {"A": ["192.0.2.20"]},
            "us": {"A": ["198.51.100.10"]},
            "asia": {"A": ["203.0.113.10"], "AAAA": ["2001:db8::30"]},
            "telstra": {"A": ["203.0.113.20"]},
            "other": {"CNAME": "www.cdn.example.net."},
        },
        "names": {
            "loc": {"ttl": 30, "map": [
                {"match": "country:SE", "pools": ["se"]},
                {"match": "continent:EU", "pools": ["eu"]},
                {"match": "continent:NA", "pools": ["us"]},
                {"match": "continent:AS", "pools": ["asia"]},
                {"match": "asn:1221", "pools": ["telstra"]},
                {"match": "default", "pools": ["other"]}]},
            "w": {"answers": 1, "map": [{"match": "default", "pools": ["eu"]}]},
        },
    }
    if http_port:
        geo["checks"] = {"web": {"type": "http", "port": http_port, "path": "/health",
                                 "interval": INTERVAL, "timeout": TIMEOUT,
                                 "rise": RISE, "fall": FALL}}
        geo["pools"]["dc1"] = {"check": "web", "A": ["127.0.1.1"]}
        geo["pools"]["dc2"] = {"check": "web", "A": ["127.0.1.2"]}
        geo["pools"]["both"] = {"check": "web", "A": ["127.0.1.1", "127.0.1.2"]}
        geo["names"]["both"] = {"map": [{"match": "default", "pools": ["both"]}]}
        geo["names"]["www"] = {"ttl": 5, "map": [
            {"match": "continent:EU", "pools": ["dc1", "dc2"]},
            {"match": "default", "pools": ["dc2", "dc1"]}]}
    if tcp_port:
        geo.setdefault("checks", {})["tcp"] = {
            "type": "tcp", "port": tcp_port, "interval": INTERVAL, "timeout": TIMEOUT,
            "rise": RISE, "fall": FALL}
        geo["pools"]["tcpdc"] = {"check": "tcp", "A": ["127.0.1.3"]}
        geo["pools"]["spare"] = {"A": ["192.0.2.50"]}
        geo["names"]["t"] = {"map": [{"match": "default", "pools": ["tcpdc", "spare"]}]}
    geo.update(geo_overrides)
    cfg["zones"] = [{"name": "geo.test.", "plugins": [
        geo, {"plugin": "zonefile", "file": str(zone_file)}]}]
    return cfg


@pytest.fixture
def zone_file(tmp_path):
    p = tmp_path / "geo.test.zone"
    p.write_text(ZONE)
    return p


def ask(srv, name, subnet=None, rdtype="A"):
    """Queries @name with ECS @subnet ("a.b.c.d/n"); returns (response, data list, scope)."""
    opts = []
    if subnet:
        addr, plen = subnet.split("/")
        opts.append(dns.edns.ECSOption(addr, int(plen)))
    r = srv.udp(make_query(name, rdtype, use_edns=0, options=opts))
    data = [rd.to_text() for rrset in r.answer for rd in rrset]
    scope = None
    for o in r.options:
        if isinstance(o, dns.edns.ECSOption):
            scope = o.scopelen
    return r, data, scope


def wait_until(pred, timeout, step=0.05):
    """Polls @pred; returns the seconds it took, or None on timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(step)
    return None


def wait_log(srv, needle, timeout=5.0):
    return wait_until(lambda: needle in srv.stderr(), timeout) is not None


# ---- location -------------------------------------------------------------------

# (ECS subnet, rdtype, expected answer, expected scope): the README of
# tests/data/geoip lists the networks.
LOCATIONS = [
    pytest.param("81.2.69.142/32", "A", ["192.0.2.10", "192.0.2.11"], 31, id="GB"),
    pytest.param("89.160.20.112/32", "A", ["192.0.2.20"], 28, id="SE"),
    pytest.param("216.160.83.56/32", "A", ["198.51.100.10"], 29, id="US"),
    pytest.param("175.16.199.1/24", "A", ["203.0.113.10"], 24, id="CN"),
    pytest.param("2001:218::1/56", "AAAA", ["2001:db8::30"], 32, id="JP-v6"),
    pytest.param("1.128.0.1/32", "A", ["203.0.113.20"], 11, id="ASN-1221"),
    pytest.param("198.18.0.1/32", "A", ["www.cdn.example.net."], None, id="unknown"),
]


@pytest.mark.parametrize("subnet,rdtype,want,scope", LOCATIONS)
def test_answers_per_location(start_server, zone_file, subnet, rdtype, want, scope):
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file), port=port)
    r, data, got_scope = ask(srv, "loc.geo.test.", subnet, rdtype)
    assert r.rcode() == dns.rcode.NOERROR
    assert sorted(data) == sorted(want)
    assert r.answer[0].ttl == 30
    if scope is not None:
        assert got_scope == scope
    else:
        assert got_scope is not None and got_scope > 0
    srv.assert_healthy()


def test_kdig_subnet_and_scope(start_server, zone_file):
    """The real client: kdig +subnet sees the Swedish answer and the /28 scope."""
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file), port=port)
    out = srv.kdig("loc.geo.test.", "A", "+subnet=89.160.20.112/32").stdout
    assert re.search(r"loc\.geo\.test\.\s+30\s+IN\s+A\s+192\.0\.2\.20", out), out
    assert "CLIENT-SUBNET: 89.160.20.112/32/28" in out, out
    # A source prefix of 0 ("do not locate me"): the default rule, scope 0.
    out = srv.kdig("loc.geo.test.", "A", "+subnet=0.0.0.0/0").stdout
    assert "www.cdn.example.net." in out, out
    assert "CLIENT-SUBNET: 0.0.0.0/0/0" in out, out


def test_weights_and_nodata(start_server, zone_file):
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file), port=port)
    n = 800
    first = 0
    for _ in range(n):
        _, data, scope = ask(srv, "w.geo.test.", "81.2.69.142/32")
        assert len(data) == 1 and data[0] in ("192.0.2.10", "192.0.2.11")
        assert scope == 0  # a map of only "default" does not depend on the address
        first += data[0] == "192.0.2.10"
    # 3:1 -> 75%; 5 standard deviations at n=800 is about 7.7%.
    assert 0.67 * n <= first <= 0.83 * n, first
    # The se pool has no AAAA: NODATA with the zone's SOA.
    r, data, scope = ask(srv, "loc.geo.test.", "89.160.20.112/32", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and data == []
    assert [rr.rdtype for rr in r.authority] == [dns.rdatatype.SOA]
    assert scope == 28
    # Other types and names come from the zone file.
    r, data, _ = ask(srv, "ns.geo.test.", "89.160.20.112/32")
    assert data == ["192.0.2.1"]
    r = srv.udp(make_query("nx.geo.test.", "A"))
    assert r.rcode() == dns.rcode.NXDOMAIN


# ---- health checks -----------------------------------------------------------

DOWN_MAX = FALL * INTERVAL + TIMEOUT + 1.0  # probes + slack for a loaded machine
UP_MAX = RISE * INTERVAL + 1.0


def www(srv):
    return ask(srv, "www.geo.test.", "81.2.69.142/32")[1]  # a client in GB (EU)


def test_http_failover_and_return(start_server, zone_file, backends, tmp_path):
    port = free_port()
    status = tmp_path / "status.json"
    srv = start_server(cfg=geo_config(port, zone_file, http_port=backends[0].port,
                                      status_file=str(status)), port=port)
    assert wait_until(lambda: backends[0].hits >= 2 and backends[1].hits >= 2, 5)
    assert www(srv) == ["127.0.1.1"]
    # dc1 starts failing: answers move to dc2 after FALL probes, not before.
    backends[0].healthy = False
    took = wait_until(lambda: www(srv) == ["127.0.1.2"], 10)
    assert took is not None, srv.stderr()
    assert took <= DOWN_MAX, took
    assert took >= (FALL - 1) * INTERVAL - 0.2, took
    assert wait_log(srv, "member 127.0.1.1 is down (http check \"web\"")
    assert "HTTP status 503" in srv.stderr()
    assert wait_log(srv, 'pool "dc1" is down')
    # The status file says so too.
    st = json.loads(status.read_text())
    assert st["pools"]["dc1"]["up"] is False and st["pools"]["dc2"]["up"] is True
    assert st["pools"]["dc1"]["A"] == [{"address": "127.0.1.1", "weight": 1, "check": "web",
                                        "up": False}]
    assert st["pools"]["other"] == {"up": True, "CNAME": "www.cdn.example.net."}
    # It recovers: back within RISE probes.
    backends[0].healthy = True
    took = wait_until(lambda: www(srv) == ["127.0.1.1"], 10)
    assert took is not None and took <= UP_MAX, (took, srv.stderr())
    assert wait_log(srv, "member 127.0.1.1 is up")
    assert json.loads(status.read_text())["pools"]["dc1"]["up"] is True
    # Clients elsewhere (default rule) prefer dc2 throughout.
    assert ask(srv, "www.geo.test.", "216.160.83.56/32")[1] == ["127.0.1.2"]
    srv.assert_healthy()


def test_members_down_are_left_out(start_server, zone_file, backends):
    """In one pool, a member that is down is not answered; all down: fail open with all."""
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file, http_port=backends[0].port), port=port)
    both = lambda: sorted(ask(srv, "both.geo.test.")[1])  # noqa: E731
    assert both() == ["127.0.1.1", "127.0.1.2"]
    backends[1].healthy = False
    assert wait_until(lambda: both() == ["127.0.1.1"], DOWN_MAX), srv.stderr()
    backends[0].healthy = False
    assert wait_log(srv, 'both.geo.test., rule "default": every pool is down',
                    timeout=DOWN_MAX + 1), srv.stderr()
    assert both() == ["127.0.1.1", "127.0.1.2"]
    backends[1].healthy = True
    assert wait_until(lambda: both() == ["127.0.1.2"], UP_MAX), srv.stderr()


def test_server_that_stops_answering(start_server, zone_file, backends):
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file, http_port=backends[0].port), port=port)
    assert wait_until(lambda: backends[0].hits >= 1, 5)
    backends[0].stop()  # connection refused from now on
    took = wait_until(lambda: www(srv) == ["127.0.1.2"], 10)
    assert took is not None and took <= DOWN_MAX, (took, srv.stderr())
    assert wait_log(srv, "member 127.0.1.1 is down")


def test_fail_open(start_server, zone_file, backends):
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file, http_port=backends[0].port), port=port)
    for b in backends:
        b.healthy = False
    assert wait_log(srv, 'www.geo.test., rule "continent:EU": every pool is down; '
                    'failing open to pool "dc1"', timeout=DOWN_MAX + 2), srv.stderr()
    # Every pool down: the first pool of the rule answers anyway.
    assert www(srv) == ["127.0.1.1"]
    assert ask(srv, "www.geo.test.", "216.160.83.56/32")[1] == ["127.0.1.2"]
    backends[1].healthy = True
    assert wait_until(lambda: www(srv) == ["127.0.1.2"], UP_MAX + 1), srv.stderr()
    assert wait_log(srv, "a pool is up again")


def test_tcp_check(start_server, zone_file):
    tcp_port = common_port(["127.0.1.3"])
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file, tcp_port=tcp_port), port=port)
    # Nothing listens yet: the member goes down, the spare pool answers.
    assert wait_until(lambda: ask(srv, "t.geo.test.")[1] == ["192.0.2.50"], DOWN_MAX + 1), \
        srv.stderr()
    assert wait_log(srv, "member 127.0.1.3 is down (tcp check \"tcp\"")
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.1.3", tcp_port))
        listener.listen(64)
        assert wait_until(lambda: ask(srv, "t.geo.test.")[1] == ["127.0.1.3"], UP_MAX + 1), \
            srv.stderr()


class DnsBackend:
    """A UDP DNS responder on one loopback address: NOERROR while healthy,
    SERVFAIL otherwise, with the query's id; it records the questions."""

    def __init__(self, addr):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.healthy, self.questions, self.running = True, [], True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                wire, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            q = dns.message.from_wire(wire)
            self.questions.append((str(q.question[0].name), q.question[0].rdtype))
            r = dns.message.make_response(q)
            r.set_rcode(dns.rcode.NOERROR if self.healthy else dns.rcode.SERVFAIL)
            self.sock.sendto(r.to_wire(), peer)

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def test_dns_check(start_server, zone_file):
    backend = DnsBackend("127.0.1.4")
    try:
        port = free_port()
        cfg = geo_config(port, zone_file)
        geo = cfg["zones"][0]["plugins"][0]
        geo["checks"] = {"ns": {"type": "dns", "port": backend.port, "query": "health.test.",
                                "qtype": "TXT", "interval": INTERVAL, "timeout": TIMEOUT,
                                "rise": RISE, "fall": FALL}}
        geo["pools"]["dnsdc"] = {"check": "ns", "A": ["127.0.1.4"]}
        geo["pools"]["spare"] = {"A": ["192.0.2.50"]}
        geo["names"]["d"] = {"map": [{"match": "default", "pools": ["dnsdc", "spare"]}]}
        srv = start_server(cfg=cfg, port=port)
        assert wait_until(lambda: len(backend.questions) >= 2, 5)
        assert backend.questions[0] == ("health.test.", dns.rdatatype.TXT)
        assert ask(srv, "d.geo.test.")[1] == ["127.0.1.4"]
        backend.healthy = False
        assert wait_until(lambda: ask(srv, "d.geo.test.")[1] == ["192.0.2.50"], DOWN_MAX), \
            srv.stderr()
        assert wait_log(srv, "member 127.0.1.4 is down (dns check \"ns\"")
        assert "last: rcode 2" in srv.stderr()
        backend.healthy = True
        assert wait_until(lambda: ask(srv, "d.geo.test.")[1] == ["127.0.1.4"], UP_MAX)
    finally:
        backend.stop()


def test_reload_keeps_health_state(start_server, zone_file, backends):
    port = free_port()
    cfg = geo_config(port, zone_file, http_port=backends[0].port)
    srv = start_server(cfg=cfg, port=port)
    backends[0].healthy = False
    assert wait_until(lambda: www(srv) == ["127.0.1.2"], DOWN_MAX + 1), srv.stderr()
    # Reload with a changed TTL: dc1 must stay down, with no window where it is served.
    cfg["zones"][0]["plugins"][0]["names"]["www"]["ttl"] = 7
    srv.reload(cfg)
    assert wait_log(srv, "kept the health state of 2 of 2 members across the reload")
    assert wait_log(srv, "reload complete")
    r, data, _ = ask(srv, "www.geo.test.", "81.2.69.142/32")
    assert data == ["127.0.1.2"] and r.answer[0].ttl == 7
    srv.assert_healthy()


# ---- databases ----------------------------------------------------------------

@pytest.mark.parametrize("bad", ["bad-libmaxminddb-corrupt-search-tree.mmdb",
                                 "bad-libmaxminddb-offset-integer-overflow.mmdb"])
def test_corrupt_database_is_refused(start_server, zone_file, tmp_path, bad):
    port = free_port()
    cfg = geo_config(port, zone_file)
    cfg["zones"][0]["plugins"][0]["database"] = os.path.join(DATA, bad)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(cfg))
    res = run_sluiced(["--check", "-c", str(path)])
    assert res.returncode != 0
    assert "zones[0].plugins[0].database: " + os.path.join(DATA, bad) in res.stderr, res.stderr
    # A running server keeps its good database when a reload brings a corrupt one.
    good = geo_config(port, zone_file)
    srv = start_server(cfg=good, port=port)
    srv.reload(cfg)
    assert wait_log(srv, bad)
    assert srv.running()
    assert ask(srv, "loc.geo.test.", "89.160.20.112/32")[1] == ["192.0.2.20"]
    srv.assert_healthy()


def replace_file(src, dst):
    """Replaces @dst by a copy of @src the way an updater should: rename over it."""
    tmp = str(dst) + ".tmp"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def test_database_reloaded_when_it_changes(start_server, zone_file, tmp_path):
    """The file changes: the new database serves within "reload" seconds,
    no query fails meanwhile; a corrupt replacement keeps the old one."""
    db = tmp_path / "geo.mmdb"
    shutil.copyfile(ASN, db)  # no locations at all: everyone gets the default
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file, database=str(db), reload=0.2),
                       port=port)
    assert ask(srv, "loc.geo.test.", "89.160.20.112/32")[1] == ["www.cdn.example.net."]
    answers, stop = [], threading.Event()

    def prober():
        while not stop.is_set():
            try:
                r, data, _ = ask(srv, "loc.geo.test.", "89.160.20.112/32")
                answers.append((r.rcode(), tuple(data)))
            except Exception as e:  # a timeout is a dropped query
                answers.append(("error", repr(e)))

    t = threading.Thread(target=prober)
    t.start()
    try:
        time.sleep(0.3)
        replace_file(CITY, db)
        assert wait_log(srv, "reloaded database " + str(db)), srv.stderr()
        assert wait_until(lambda: answers and answers[-1][1] == ("192.0.2.20",), 3)
        time.sleep(0.3)
    finally:
        stop.set()
        t.join()
    assert len(answers) > 20
    assert {a for a in answers} <= {(0, ("www.cdn.example.net.",)), (0, ("192.0.2.20",))}, \
        [a for a in answers if a[1] not in (("www.cdn.example.net.",), ("192.0.2.20",))][:5]
    # A corrupt file is refused once, and the database read before keeps serving.
    replace_file(os.path.join(DATA, "bad-libmaxminddb-corrupt-search-tree.mmdb"), db)
    assert wait_log(srv, "database not reloaded: " + str(db) + ": corrupt MaxMind database")
    time.sleep(0.5)
    assert srv.stderr().count("database not reloaded") == 1
    assert ask(srv, "loc.geo.test.", "89.160.20.112/32")[1] == ["192.0.2.20"]
    # Fixed again: taken.
    replace_file(CITY, db)
    assert wait_until(lambda: srv.stderr().count("reloaded database") == 2, 3), srv.stderr()
    srv.assert_healthy()


@needs_ipv6
def test_ipv6_transport_source_address(start_server, zone_file):
    """Without ECS the source address decides: ::1 is in no database network."""
    port = free_port()
    srv = start_server(cfg=geo_config(port, zone_file), port=port)
    r = srv.udp(make_query("loc.geo.test.", "A"), addr="::1")
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["www.cdn.example.net."]
