# Zone transfers (RFC 5936) and reloads of the zonefile plugin:
#  1. kdig AXFR over TCP: SOA first and last, and the records in between are
#     exactly the master file's (as dnspython parses it);
#  2. AXFR over UDP is refused (or not answered as a transfer);
#  3. AXFR from an address outside allow_transfer is REFUSED;
#  4. knotd as a real secondary of sluiced: it bootstraps by AXFR, then its
#     answers equal sluiced's for the whole query list of test_zone_diff;
#  5. SIGHUP reload under continuous UDP load: the new serial and record
#     appear, old records keep being answered, no query fails;
#  6. the `reload` option alone (mtime polling, no signal) picks up a change;
#  7. IXFR over TCP (RFC 1995 §2): an older client serial gets the whole zone,
#     a current (or newer) one a single SOA.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import shutil
import signal
import socket
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

from conftest import (HAVE_IPV6, SANITIZER_MARKERS, ServerFactory, _check_binaries,
                      free_port, make_query, parse, run_kdig, tcp_exchange, tcp_frame,
                      tcp_read_msg, udp_exchange)
from knot_peer import (KnotPeer, PrimaryZone, SecondaryZone, check_zonefile_built,
                       compare, diff_report, exchange, have_knotd, wait_soa, zone_path,
                       zonefile_config)
from test_zone_diff import (CASES, CHILD, PARENT, TRANSPORTS, case_query, diff_zones,
                            generated_queries, load_zone)

ZONE_FILES = {PARENT: "diff.example.zone", CHILD: "child.diff.example.zone"}
SECONDARY_TIMEOUT = 30.0


# ---- helpers ------------------------------------------------------------------

def rr_line(name, ttl, rdclass, rdtype, rdata):
    """One RR as comparable text: owner lower-cased, canonical RDATA."""
    wire = rdata.to_digestable()
    canon = dns.rdata.from_wire(rdclass, rdtype, wire, 0, len(wire))
    return "%s %d %s %s %s" % (name.to_text().lower(), ttl,
                               dns.rdataclass.to_text(rdclass),
                               dns.rdatatype.to_text(rdtype), canon.to_text())


def zone_file_rrs(origin, fname):
    """The master file's RRs (sorted comparable lines) and its SOA line."""
    z = load_zone(origin, zone_path(fname))
    out, soa = [], None
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            for rd in rds:
                line = rr_line(name, rds.ttl, rds.rdclass, rds.rdtype, rd)
                out.append(line)
                if rds.rdtype == dns.rdatatype.SOA:
                    soa = line
    return sorted(out), soa


def kdig_axfr(port, zone, addr="127.0.0.1"):
    """AXFR with kdig over TCP; returns (RR lines in order, kdig output)."""
    res = run_kdig(["@" + addr, "-p", str(port), "+tcp", "+noall", "+answer",
                    zone, "AXFR"], timeout=20)
    out = res.stdout + res.stderr
    lines = []
    for raw in res.stdout.splitlines():
        raw = raw.strip()
        if not raw or raw.startswith(";"):
            continue
        owner, ttl, cls, rtype, rdata = raw.split(None, 4)
        rdclass = dns.rdataclass.from_text(cls)
        rdtype = dns.rdatatype.from_text(rtype)
        rd = dns.rdata.from_text(rdclass, rdtype, rdata)
        lines.append(rr_line(dns.name.from_text(owner), int(ttl), rdclass, rdtype, rd))
    return lines, out


def axfr_first_message(port, zone, addr="127.0.0.1", transport="tcp", timeout=3.0):
    """Sends an AXFR query; returns the first reply message (or None on UDP timeout)."""
    q = dns.message.make_query(zone, "AXFR", use_edns=False)
    q.flags &= ~dns.flags.RD
    wire = q.to_wire()
    if transport == "udp":
        reply = udp_exchange(wire, addr, port, timeout=timeout)
        return None if reply is None else parse(reply)
    return parse(tcp_exchange(wire, addr, port, timeout=timeout))


def sluiced_for(factory, zones, name, **server):
    port = free_port()
    srv = factory(cfg=zonefile_config(port, zones, **server), port=port, name=name)
    for z in zones:
        wait_soa(srv, z.name)
    return srv


def assert_no_sanitizer(srv):
    log = srv.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log


@pytest.fixture(scope="module")
def factory(tmp_path_factory):
    _check_binaries()
    check_zonefile_built()
    f = ServerFactory(tmp_path_factory)
    yield f
    f.cleanup()


@pytest.fixture(scope="module")
def primary(factory):
    """sluiced serving both zones, transfers allowed from loopback."""
    srv = sluiced_for(factory, diff_zones(), "sluiced-axfr")
    yield srv
    assert_no_sanitizer(srv)


# ---- 1. AXFR content -----------------------------------------------------------

@pytest.mark.parametrize("zone", [PARENT, CHILD])
def test_axfr_kdig_matches_zone_file(primary, zone):
    lines, out = kdig_axfr(primary.port, zone)
    want, soa = zone_file_rrs(zone, ZONE_FILES[zone])
    assert "ERROR" not in out and "REFUSED" not in out, out[-3000:]
    assert len(lines) >= 3, "AXFR of %s returned %d records:\n%s" % (zone, len(lines), out)
    # RFC 5936 §2.2: the transfer starts and ends with the zone's SOA
    assert lines[0] == soa, "first record %r, expected the SOA %r" % (lines[0], soa)
    assert lines[-1] == soa, "last record %r, expected the SOA %r" % (lines[-1], soa)
    body = sorted(lines[1:-1])
    # the SOA appears exactly twice, the rest exactly as in the master file
    want_body = sorted(l for l in want if l != soa)
    missing = sorted(set(want_body) - set(body))
    extra = sorted(set(body) - set(want_body))
    dups = sorted({l for l in body if body.count(l) > 1})
    assert not (missing or extra or dups), (
        "AXFR of %s differs from %s:\n missing: %s\n extra: %s\n duplicated: %s"
        % (zone, ZONE_FILES[zone], missing, extra, dups))
    assert body == want_body


@pytest.mark.skipif(not HAVE_IPV6, reason="no IPv6 loopback")
def test_axfr_over_ipv6(primary):
    lines, out = kdig_axfr(primary.port, CHILD, addr="::1")
    want, soa = zone_file_rrs(CHILD, ZONE_FILES[CHILD])
    assert lines and lines[0] == soa and lines[-1] == soa, out[-3000:]
    assert sorted(lines[1:-1]) == sorted(l for l in want if l != soa)


# ---- 2. no AXFR over UDP ----------------------------------------------------------

def test_axfr_over_udp_is_not_a_transfer(primary):
    # RFC 5936 §4.2: AXFR is TCP-only; sluiced answers REFUSED (query/process.c),
    # with no records at all.
    r = axfr_first_message(primary.port, PARENT, transport="udp", timeout=1.0)
    assert r is not None, "no answer to AXFR over UDP"
    assert r.rcode() == dns.rcode.REFUSED, (
        "AXFR over UDP answered with rcode %s:\n%s" % (dns.rcode.to_text(r.rcode()), r))
    assert not r.answer and not r.authority, "records in the refusal:\n%s" % r
    # still serving
    assert wait_soa(primary, PARENT, timeout=2)


# ---- 3. allow_transfer ------------------------------------------------------------

def test_axfr_refused_outside_acl(factory):
    zones = [PrimaryZone(PARENT, zone_path("diff.example.zone"),
                         allow_transfer=["10.0.0.0/8"]),
             PrimaryZone(CHILD, zone_path("child.diff.example.zone"))]
    srv = sluiced_for(factory, zones, "sluiced-acl")
    addrs = ["127.0.0.1"] + (["::1"] if HAVE_IPV6 else [])
    for addr in addrs:
        r = axfr_first_message(srv.port, PARENT, addr=addr)
        assert r.rcode() == dns.rcode.REFUSED, (
            "AXFR of %s from %s (not in 10.0.0.0/8) got %s:\n%s"
            % (PARENT, addr, dns.rcode.to_text(r.rcode()), r))
        assert not r.answer, "records sent despite the ACL:\n%s" % r
        # kdig agrees, and gets nothing
        lines, out = kdig_axfr(srv.port, PARENT, addr=addr)
        assert not lines, "kdig got %d records despite the ACL:\n%s" % (len(lines), out)
    # the other zone keeps its (loopback) ACL and still transfers
    lines, out = kdig_axfr(srv.port, CHILD)
    assert lines and lines[0] == lines[-1], out[-3000:]
    # and normal queries for the ACL'd zone are unaffected
    r = srv.udp(make_query("www.diff.example.", "A"))
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    assert srv.running()
    assert_no_sanitizer(srv)


# ---- 4. knotd as a secondary of sluiced --------------------------------------

@pytest.mark.skipif(not have_knotd(), reason="knotd not installed")
def test_knotd_secondary_of_sluiced(primary, tmp_path_factory):
    zones = [SecondaryZone(z, ("127.0.0.1", primary.port)) for z in (PARENT, CHILD)]
    knot = KnotPeer(tmp_path_factory.mktemp("knot-secondary"), zones=zones)
    try:
        knot.start(wait=False)
        for z in (PARENT, CHILD):
            want_serial = load_zone(z, zone_path(ZONE_FILES[z])).get_soa().serial
            # knotd bootstraps (AXFR) right after start; no NOTIFY needed
            assert knot.wait_zone(z, serial=want_serial, timeout=SECONDARY_TIMEOUT) \
                == want_serial
        queries = [case_query(c) for c in CASES] + generated_queries()
        diffs = []
        for q in queries:
            for transport in TRANSPORTS:
                ref = exchange(knot.port, q, transport)
                got = exchange(primary.port, q, transport)
                diffs.append(compare(q, transport, ref, got, knot.port,
                                     ref_name="knotd-secondary", got_name="sluiced"))
        assert not any(diffs), diff_report(diffs, len(diffs))
        assert "AXFR, incoming" in knot.log(), knot.log()[-3000:]
    finally:
        knot.stop()


# ---- 5. reload under load --------------------------------------------------------

NEW_SERIAL = 2024010102
NEW_RECORD = "reload-new.diff.example."
NEW_ADDR = "192.0.2.222"


def new_zone_text(path):
    """The master file with the next serial and one more record."""
    with open(path) as f:
        text = f.read()
    assert "2024010101 ; serial" in text
    text = text.replace("2024010101 ; serial", "%d ; serial" % NEW_SERIAL)
    return text + "\nreload-new\tIN\tA\t%s\n" % NEW_ADDR


class Prober(threading.Thread):
    """Queries sluiced over UDP at ~100 qps (timeout 0.5 s, 3 tries each):
    www (old data, must always be there), the new name, and the SOA."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop_evt = threading.Event()
        self.failures = []
        self.answered = 0
        self.serials = []          # SOA serials in the order seen
        self.new_seen_at = None    # monotonic time the new record first appeared
        self.lock = threading.Lock()

    def ask(self, sock, qname, qtype):
        q = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
        for _ in range(3):
            wire = udp_exchange(q.to_wire(), "127.0.0.1", self.port, timeout=0.5, sock=sock)
            if wire is None:
                continue
            r = dns.message.from_wire(wire)
            if r.id != q.id:
                continue
            return r
        self.failures.append("%s %s: no answer after 3 tries" % (qname, qtype))
        return None

    def check(self, sock, i):
        kind = i % 3
        if kind == 0:
            r = self.ask(sock, "www.diff.example.", "A")
            if r is None:
                return
            got = sorted(rd.address for rrset in r.answer for rd in rrset
                         if rrset.rdtype == dns.rdatatype.A)
            if r.rcode() != dns.rcode.NOERROR or not (r.flags & dns.flags.AA) \
                    or got != ["192.0.2.80", "192.0.2.81"]:
                self.failures.append("www A: rcode %s, A %s" % (
                    dns.rcode.to_text(r.rcode()), got))
        elif kind == 1:
            r = self.ask(sock, NEW_RECORD, "A")
            if r is None:
                return
            if r.rcode() == dns.rcode.NOERROR and r.answer:
                got = [rd.address for rrset in r.answer for rd in rrset]
                if got != [NEW_ADDR]:
                    self.failures.append("new record: %s" % got)
                if self.new_seen_at is None:
                    self.new_seen_at = time.monotonic()
            elif r.rcode() == dns.rcode.NXDOMAIN:
                if self.new_seen_at is not None:
                    self.failures.append("new record vanished again (NXDOMAIN)")
            else:
                self.failures.append("new record: rcode %s" % dns.rcode.to_text(r.rcode()))
        else:
            r = self.ask(sock, PARENT, "SOA")
            if r is None:
                return
            serials = [rd.serial for rrset in r.answer for rd in rrset
                       if rrset.rdtype == dns.rdatatype.SOA]
            if r.rcode() != dns.rcode.NOERROR or len(serials) != 1:
                self.failures.append("SOA: rcode %s, serials %s" % (
                    dns.rcode.to_text(r.rcode()), serials))
                return
            if self.serials and serials[0] < self.serials[-1]:
                self.failures.append("serial went back: %d after %d" % (
                    serials[0], self.serials[-1]))
            self.serials.append(serials[0])
        with self.lock:
            self.answered += 1

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            i = 0
            deadline = time.monotonic() + 60      # bounded whatever happens
            while not self.stop_evt.is_set() and time.monotonic() < deadline:
                t0 = time.monotonic()
                try:
                    self.check(sock, i)
                except Exception as e:               # unparseable reply etc.
                    self.failures.append("query %d: %r" % (i, e))
                i += 1
                left = 0.01 - (time.monotonic() - t0)
                if left > 0:
                    time.sleep(left)
        finally:
            sock.close()

    def count(self):
        with self.lock:
            return self.answered

    def wait_count(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.count() < n and time.monotonic() < deadline and self.is_alive():
            time.sleep(0.02)
        return self.count() >= n


def copy_zone(tmp_path):
    path = os.path.join(str(tmp_path), "diff.example.zone")
    shutil.copyfile(zone_path("diff.example.zone"), path)
    return path


def test_reload_sighup_under_load(factory, tmp_path):
    path = copy_zone(tmp_path)
    srv = sluiced_for(factory, [PrimaryZone(PARENT, path)], "sluiced-reload")
    prober = Prober(srv.port)
    prober.start()
    try:
        assert prober.wait_count(30), "prober got no answers: %s" % prober.failures[:5]
        assert prober.new_seen_at is None, "new record served before the change"
        # rewrite in place, as an operator would, then SIGHUP
        text = new_zone_text(path)
        with open(path, "w") as f:
            f.write(text)
        t_hup = time.monotonic()
        srv.signal(signal.SIGHUP)
        deadline = t_hup + 10
        while prober.new_seen_at is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert prober.new_seen_at is not None, (
            "new record not served %.0f s after SIGHUP; stderr:\n%s"
            % (10, srv.stderr()[-3000:]))
        n = prober.count()
        assert prober.wait_count(n + 30), "prober stalled after the reload"
    finally:
        prober.stop_evt.set()
        prober.join(timeout=5)
    assert not prober.failures, "%d failed queries of %d, first ones:\n%s" % (
        len(prober.failures), prober.count(), "\n".join(prober.failures[:20]))
    assert prober.serials[0] == 2024010101 and prober.serials[-1] == NEW_SERIAL, \
        prober.serials
    assert srv.running()
    # and the transfer shows the new version too
    lines, out = kdig_axfr(srv.port, PARENT)
    assert any(l.startswith(NEW_RECORD + " ") for l in lines), out[-2000:]
    assert lines and (" %d " % NEW_SERIAL) in lines[0], lines[:1]
    assert_no_sanitizer(srv)


# ---- 6. the reload option (mtime polling) ------------------------------------

def test_reload_option_polls_mtime(factory, tmp_path):
    path = copy_zone(tmp_path)
    zones = [PrimaryZone(PARENT, path)]
    port = free_port()
    cfg = zonefile_config(port, zones)
    cfg["zones"][0]["plugins"][0]["reload"] = 1
    srv = factory(cfg=cfg, port=port, name="sluiced-mtime")
    wait_soa(srv, PARENT)
    st = os.stat(path)
    text = new_zone_text(path)
    with open(path, "w") as f:
        f.write(text)
    # The rewrite may land within the same second as the initial load; move
    # the mtime clearly forward so the test does not depend on the plugin
    # comparing sub-second timestamps (this test is about the polling).
    os.utime(path, (st.st_atime + 5, st.st_mtime + 5))
    assert wait_soa(srv, PARENT, serial=NEW_SERIAL, timeout=10) == NEW_SERIAL
    r = srv.udp(make_query(NEW_RECORD, "A"))
    assert r.rcode() == dns.rcode.NOERROR and \
        [rd.address for rrset in r.answer for rd in rrset] == [NEW_ADDR]
    assert_no_sanitizer(srv)


# ---- 7. IXFR -------------------------------------------------------------------

def ixfr_over_tcp(port, zone, client_serial, timeout=5.0):
    """Sends IXFR with @client_serial in authority (RFC 1995 §3); returns
    (rcode of the first message, the answer RRs as (type, serial) in order)."""
    q = dns.message.make_query(zone, "IXFR", use_edns=False)
    q.flags &= ~dns.flags.RD
    q.authority.append(dns.rrset.from_text(
        zone, 0, "IN", "SOA", "ns1.%s hostmaster.%s %d 0 0 0 0" % (zone, zone, client_serial)))
    rrs, rcode = [], None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(tcp_frame(q.to_wire()))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = parse(tcp_read_msg(s))
            if rcode is None:
                rcode = m.rcode()
            if m.rcode() != dns.rcode.NOERROR:
                break
            for rr in m.answer:
                rrs.append((rr.rdtype, rr[0].serial if rr.rdtype == dns.rdatatype.SOA else None))
            soas = [x for x in rrs if x[0] == dns.rdatatype.SOA]
            # done: a lone SOA (up to date), or a transfer closed by its SOA
            if len(rrs) == 1 and rrs[0][1] is not None and rrs[0][1] <= client_serial:
                break
            if len(soas) >= 2 and rrs[-1][0] == dns.rdatatype.SOA:
                break
    return rcode, rrs


@pytest.mark.parametrize("client_serial,want", [
    (2024010100, "zone"),      # older: the whole zone, AXFR-style (no journal)
    (2024010101, "soa"),       # current: "a single SOA record of the server's
    (2024010200, "soa"),       #  current version" (RFC 1995 §2), also if newer
], ids=["older", "current", "newer"])
def test_ixfr_over_tcp(primary, client_serial, want):
    rcode, rrs = ixfr_over_tcp(primary.port, PARENT, client_serial)
    assert rcode == dns.rcode.NOERROR, dns.rcode.to_text(rcode)
    current = 2024010101
    if want == "soa":
        assert rrs == [(dns.rdatatype.SOA, current)], (
            "IXFR from serial %d (server at %d): expected a single SOA (RFC 1995 §2), "
            "got %d records, first %s" % (client_serial, current, len(rrs), rrs[:2]))
    else:
        body, _ = zone_file_rrs(PARENT, ZONE_FILES[PARENT])
        assert rrs[0] == rrs[-1] == (dns.rdatatype.SOA, current), rrs[:2] + rrs[-1:]
        assert len(rrs) == len(body) + 1, (len(rrs), len(body))
