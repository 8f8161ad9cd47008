# Sluice system tests: reference name servers (knotd, and NSD as a second
# opinion) run on free loopback ports, and the machinery that compares their
# answers with sluiced's (test_zone_diff.py, test_axfr.py).
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Everything lives in a temporary directory: config, rundir, control socket,
# databases, secondary zone files. The servers run in the foreground as the
# current user, are only ever bound to 127.0.0.1 / ::1, and are started and
# stopped (by their own process id) through tests/lib/daemon.py. System
# services and /etc are never touched.
#
# Usage:
#     peer = KnotPeer(tmpdir, zones=[PrimaryZone("diff.example.", path)])
#     peer.start()            # waits until every primary zone answers its SOA
#     ...  peer.udp(msg) / peer.tcp(msg) / peer.kdig(...) ...
#     peer.stop()
#
# or, in a test module that imports it (`from knot_peer import knot_peer`),
# the `knot_peer` fixture: knot_peer(zones=[...]) -> KnotPeer, stopped at
# teardown. NsdPeer is the same for NSD (primary zones only).

import os
import shutil
import subprocess
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from conftest import (HAVE_IPV6, PLUGINS_DIR, TEST_PLUGINS, free_port, run_kdig,
                      tcp_exchange, udp_exchange)
from daemon import DaemonError, Process, QTYPE_SOA, query_wire, udp_probe

KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
KNOTC = shutil.which("knotc") or "/usr/sbin/knotc"
NSD = shutil.which("nsd") or "/usr/sbin/nsd"

PEER_START_TIMEOUT = 10.0
PEER_STOP_TIMEOUT = 5.0


class PrimaryZone:
    """A zone a peer serves from a master file.

    @allow_transfer: list of address prefixes allowed to AXFR (knot `acl`).
    """

    def __init__(self, name, file, allow_transfer=("127.0.0.0/8", "::1/128")):
        self.name = name if name.endswith(".") else name + "."
        self.file = os.path.abspath(file)
        self.allow_transfer = list(allow_transfer or ())


class SecondaryZone:
    """A zone a peer transfers (AXFR) from a primary at @master = (addr, port),
    signing its requests with @key = (name, algorithm, base64 secret) if given."""

    def __init__(self, name, master, key=None):
        self.name = name if name.endswith(".") else name + "."
        self.master = master
        self.key = key


def _addr_port(addr, port):
    # knot's address@port syntax; IPv6 literals stay bare.
    return "%s@%d" % (addr, port)


def _q(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


class _Peer:
    """Common lifecycle of a foreground name server process."""

    prog = "peer"

    def __init__(self, workdir, port=None, zones=(), udp_payload=1232):
        self.workdir = os.path.abspath(str(workdir))
        self.port = port or free_port()
        self.zones = list(zones)
        self.udp_payload = udp_payload
        self.proc = None  # a daemon.Process once started
        self.log_path = os.path.join(self.workdir, self.prog + ".log")
        self.listen = ["127.0.0.1"] + (["::1"] if HAVE_IPV6 else [])

    # -- to be provided --
    def write_config(self):
        raise NotImplementedError

    def command(self):
        raise NotImplementedError

    # -- lifecycle --
    def start(self, wait=True):
        os.makedirs(self.workdir, exist_ok=True)
        self.write_config()
        self.proc = Process(self.command(), name=self.prog, cwd=self.workdir,
                            log_path=self.log_path, stop_timeout=PEER_STOP_TIMEOUT).start()
        if wait:
            self.wait_ready()
        return self

    def running(self):
        return self.proc is not None and self.proc.running()

    def stop(self, timeout=PEER_STOP_TIMEOUT):
        if self.proc is not None:
            self.proc.stop(timeout=timeout)

    def log(self):
        return self.proc.log_text() if self.proc else ""

    def _wait(self, probe, timeout, what):
        """Process.wait_ready(), failing the test (the peer stopped) if it
        exits or times out."""
        try:
            return self.proc.wait_ready(probe, timeout, interval=0.05, what=what)
        except DaemonError as e:
            pytest.fail(str(e))

    def soa_serial(self, zone, timeout=0.3):
        """The SOA serial @zone is served with (authoritatively), or None."""
        return soa_serial_at(self.port, zone, timeout=timeout)

    def wait_zone(self, zone, serial=None, timeout=PEER_START_TIMEOUT):
        """Polls until @zone is served (with @serial when given)."""
        def probe():
            got = self.soa_serial(zone)
            return got if got is not None and (serial is None or got == serial) else None
        return self._wait(probe, timeout, "serve %s%s" % (
            zone, "" if serial is None else " serial %d" % serial))

    def wait_ready(self, timeout=PEER_START_TIMEOUT):
        deadline = time.monotonic() + timeout
        for z in self.zones:
            if isinstance(z, PrimaryZone):
                self.wait_zone(z.name, timeout=max(0.5, deadline - time.monotonic()))
        if not any(isinstance(z, PrimaryZone) for z in self.zones):
            # Only secondaries (or nothing): wait for any answer at all.
            self._wait(udp_probe(self.port, query_wire(".", QTYPE_SOA)), timeout, "answer")

    # -- queries (same shape as conftest.Sluiced) --
    def udp(self, msg, addr="127.0.0.1", timeout=2.0, **kw):
        kw.setdefault("one_rr_per_rrset", True)
        return dns.query.udp(msg, addr, port=self.port, timeout=timeout,
                             ignore_unexpected=True, **kw)

    def tcp(self, msg, addr="127.0.0.1", timeout=3.0, **kw):
        kw.setdefault("one_rr_per_rrset", True)
        return dns.query.tcp(msg, addr, port=self.port, timeout=timeout, **kw)

    def kdig(self, *args, addr="127.0.0.1"):
        return run_kdig(["@" + addr, "-p", str(self.port)] + list(args))


class KnotPeer(_Peer):
    """knotd (Knot DNS 3.x) as a primary and/or secondary on a free port."""

    prog = "knotd"

    def __init__(self, workdir, port=None, zones=(), udp_payload=1232):
        super().__init__(workdir, port, zones, udp_payload)
        self.conf_path = os.path.join(self.workdir, "knot.conf")
        self.sock_path = os.path.join(self.workdir, "knot.sock")

    def config_text(self):
        w = self.workdir
        out = []
        out.append("server:")
        out.append("    rundir: %s" % _q(w))
        out.append("    pidfile: %s" % _q(os.path.join(w, "knot.pid")))
        out.append("    listen: [ %s ]" % ", ".join(
            _addr_port(a, self.port) for a in self.listen))
        out.append("    udp-max-payload: %d" % self.udp_payload)
        out.append("    udp-workers: 1")
        out.append("    tcp-workers: 1")
        out.append("    background-workers: 1")
        # No identity/version/NSID answers (knotd's defaults are the hostname
        # and its version): nothing sluiced is not configured to add either.
        out.append('    identity: ""')
        out.append('    version: ""')
        out.append('    nsid: ""')
        out.append("")
        out.append("database:")
        out.append("    storage: %s" % _q(os.path.join(w, "db")))
        out.append("")
        out.append("control:")
        out.append("    listen: %s" % _q(self.sock_path))
        out.append("")
        out.append("log:")
        out.append("  - target: stderr")
        out.append("    any: info")
        out.append("")

        remotes, acls = [], []
        for i, z in enumerate(self.zones):
            if isinstance(z, SecondaryZone):
                remotes.append((i, z))
            elif z.allow_transfer:
                acls.append((i, z))
        keys = {z.key[0]: z.key for _, z in remotes if z.key}
        if keys:
            out.append("key:")
            for name, alg, secret in keys.values():
                out.append("  - id: %s" % _q(name))
                out.append("    algorithm: %s" % alg)
                out.append("    secret: %s" % secret)
            out.append("")
        if remotes:
            out.append("remote:")
            for i, z in remotes:
                out.append("  - id: primary%d" % i)
                out.append("    address: %s" % _addr_port(*z.master))
                if z.key:
                    out.append("    key: %s" % _q(z.key[0]))
            out.append("")
        if acls or remotes:
            out.append("acl:")
            for i, z in acls:
                out.append("  - id: xfr%d" % i)
                out.append("    address: [ %s ]" % ", ".join(z.allow_transfer))
                out.append("    action: transfer")
            # A secondary takes NOTIFY from its primary (RFC 1996).
            # With a key, the NOTIFY must be signed with it.
            for i, z in remotes:
                out.append("  - id: notify%d" % i)
                out.append("    address: [ %s ]" % z.master[0])
                if z.key:
                    out.append("    key: %s" % _q(z.key[0]))
                out.append("    action: notify")
            out.append("")

        out.append("template:")
        out.append("  - id: default")
        out.append("    storage: %s" % _q(os.path.join(w, "zones")))
        # Never write back into the test data, keep secondaries in memory.
        out.append("    zonefile-sync: -1")
        out.append("    journal-content: none")
        out.append("    semantic-checks: on")
        out.append("")
        out.append("zone:")
        for i, z in enumerate(self.zones):
            out.append("  - domain: %s" % _q(z.name))
            if isinstance(z, SecondaryZone):
                out.append("    master: primary%d" % i)
                out.append("    acl: notify%d" % i)
                out.append("    file: %s" % _q(os.path.join(
                    w, "zones", z.name.rstrip(".") + ".zone")))
                out.append("    zonefile-load: none")
            else:
                out.append("    file: %s" % _q(z.file))
                if z.allow_transfer:
                    out.append("    acl: xfr%d" % i)
        return "\n".join(out) + "\n"

    def write_config(self):
        for sub in ("db", "zones"):
            os.makedirs(os.path.join(self.workdir, sub), exist_ok=True)
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())

    def command(self):
        # Foreground (no -d); the config check happens at start.
        return [KNOTD, "-c", self.conf_path]

    def knotc(self, *args, timeout=10):
        return subprocess.run([KNOTC, "-c", self.conf_path, "-s", self.sock_path] +
                              list(args), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


class NsdPeer(_Peer):
    """NSD as a primary (second opinion on knotd's choices); no secondaries."""

    prog = "nsd"

    def __init__(self, workdir, port=None, zones=(), udp_payload=1232):
        super().__init__(workdir, port, zones, udp_payload)
        self.conf_path = os.path.join(self.workdir, "nsd.conf")

    def write_config(self):
        w = self.workdir
        out = ["server:",
               "    port: %d" % self.port,
               "    zonesdir: %s" % _q(w),
               "    pidfile: %s" % _q(os.path.join(w, "nsd.pid")),
               "    database: \"\"",
               "    zonelistfile: %s" % _q(os.path.join(w, "zone.list")),
               "    xfrdfile: %s" % _q(os.path.join(w, "xfrd.state")),
               "    xfrdir: %s" % _q(w),
               "    username: \"\"",
               "    chroot: \"\"",
               "    hide-version: yes",
               "    hide-identity: yes",
               "    ipv4-edns-size: %d" % self.udp_payload,
               "    ipv6-edns-size: %d" % self.udp_payload,
               "    server-count: 1",
               "    verbosity: 1",
               "    logfile: %s" % _q(os.path.join(w, "nsd.messages"))]
        out += ["    ip-address: %s" % a for a in self.listen]
        out += ["remote-control:", "    control-enable: no"]
        for z in self.zones:
            if not isinstance(z, PrimaryZone):
                raise ValueError("NsdPeer serves primary zones only")
            out += ["zone:", "    name: %s" % _q(z.name), "    zonefile: %s" % _q(z.file)]
            for a in z.allow_transfer:
                out.append("    provide-xfr: %s NOKEY" % a)
        with open(self.conf_path, "w") as f:
            f.write("\n".join(out) + "\n")

    def command(self):
        return [NSD, "-d", "-c", self.conf_path]


class PeerFactory:
    def __init__(self, cls, tmp_path_factory):
        self.cls = cls
        self._tmp = tmp_path_factory
        self.peers = []

    def __call__(self, zones=(), port=None, wait=True, name=None, **kw):
        workdir = self._tmp.mktemp(name or self.cls.prog)
        peer = self.cls(workdir, port=port, zones=zones, **kw)
        self.peers.append(peer)
        return peer.start(wait=wait)

    def cleanup(self):
        for p in self.peers:
            p.stop()


def have_knotd():
    return os.path.exists(KNOTD)


needs_knotd = pytest.mark.skipif(not have_knotd(),
                                 reason="knotd not installed (Debian: apt-get install knot)")


@pytest.fixture
def knot_peer(tmp_path_factory):
    """Factory: knot_peer(zones=[PrimaryZone|SecondaryZone...]) -> KnotPeer."""
    if not have_knotd():
        pytest.skip("knotd not installed")
    f = PeerFactory(KnotPeer, tmp_path_factory)
    yield f
    f.cleanup()


# ---- sluiced serving master files -------------------------------------------

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZONES_DIR = os.path.join(os.environ.get("SLUICE_SRCDIR") or _REPO, "tests", "data", "zones")
ZONEFILE_SO = os.path.join(PLUGINS_DIR, "zonefile.so")
LOOPBACK_ACL = ["127.0.0.0/8", "::1/128"]


def zone_path(name):
    """tests/data/zones/<name> (absolute)."""
    return os.path.join(ZONES_DIR, name)


def zonefile_config(port, zones, udp_payload=1232, **server):
    """A sluiced config serving @zones, a list of PrimaryZone, with the
    zonefile plugin and nothing else (no NSID, no identity, no whoami)."""
    listen = ["127.0.0.1:%d" % port]
    if HAVE_IPV6:
        listen.append("[::1]:%d" % port)
    srv = {"listen": listen, "workers": 2, "plugin_path": [PLUGINS_DIR, TEST_PLUGINS],
           "log_level": "info", "udp_payload": udp_payload}
    srv.update(server)
    out = []
    for z in zones:
        zc = {"name": z.name, "plugins": [{"plugin": "zonefile", "file": z.file}]}
        if z.allow_transfer is not None:
            zc["allow_transfer"] = list(z.allow_transfer)
        out.append(zc)
    return {"server": srv, "zones": out}


def check_zonefile_built():
    if not os.path.exists(ZONEFILE_SO):
        pytest.fail("zonefile plugin not built (run make first): " + ZONEFILE_SO)


def soa_serial_at(port, zone, addr="127.0.0.1", timeout=0.3):
    """The SOA serial @zone is served with authoritatively at @port, or None."""
    q = dns.message.make_query(zone, "SOA", use_edns=False)
    wire = udp_exchange(q.to_wire(), addr, port, timeout=timeout)
    if wire is None:
        return None
    try:
        r = dns.message.from_wire(wire)
    except Exception:
        return None
    if r.rcode() != dns.rcode.NOERROR or not (r.flags & dns.flags.AA):
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def wait_soa(server, zone, serial=None, timeout=PEER_START_TIMEOUT):
    """Polls @server (a conftest.Sluiced) until it serves @zone (at @serial);
    returns the serial. The server is left running if it does not."""
    last = []

    def probe():
        got = soa_serial_at(server.port, zone)
        last.append(got)
        return got if got is not None and (serial is None or got == serial) else None
    try:
        return server.process.wait_for(probe, timeout, interval=0.05, what="serve %s%s" % (
            zone, "" if serial is None else " serial %d" % serial))
    except DaemonError as e:
        pytest.fail("%s\n(last serial seen: %s)" % (e, last[-1] if last else None))


# ---- queries and their normalised answers ------------------------------------

class Query:
    """One query of a differential test.

    @edns: None (no OPT) or the advertised UDP payload size.
    @case: the qname's case is under test: every RR owned by the qname must
           carry it exactly (RFC 1034 §3.1, RFC 4343 §4.1); elsewhere names
           are compared case-insensitively (compression may copy any case).
    @expect: checks on the reference server's answer that prove the zone
           really exercises the case (see Expect); None for generated queries.
    """

    def __init__(self, qname, qtype, edns=1232, do=False, rd=False, cd=False, case=False,
                 expect=None, label=None):
        self.qname = qname if qname.endswith(".") else qname + "."
        self.qtype = qtype
        self.edns = edns
        self.do = do
        self.rd = rd
        self.cd = cd
        self.case = case
        self.expect = expect
        self.label = label

    def message(self):
        if self.edns is None:
            m = dns.message.make_query(self.qname, self.qtype, use_edns=False)
        else:
            m = dns.message.make_query(self.qname, self.qtype, use_edns=0,
                                       payload=self.edns, want_dnssec=self.do)
        # RD off, as a resolver asks an authoritative server; some cases set
        # it, to check it is echoed (RFC 1035 §4.1.1).
        if not self.rd:
            m.flags &= ~dns.flags.RD
        if self.cd:
            m.flags |= dns.flags.CD
        return m

    def __str__(self):
        opts = "noedns" if self.edns is None else "bufsize=%d" % self.edns
        if self.do:
            opts += ",do"
        if self.rd:
            opts += ",rd"
        if self.cd:
            opts += ",cd"
        return "%s %s (%s)%s" % (self.qname, self.qtype, opts,
                                 " [%s]" % self.label if self.label else "")


def exchange(port, query, transport, addr="127.0.0.1", timeout=2.0):
    """Sends @query; returns (message or None, error text or None)."""
    msg = query.message()
    wire = msg.to_wire()
    try:
        if transport == "udp":
            reply = None
            for _ in range(2):      # loopback; one retry against a lost datagram
                reply = udp_exchange(wire, addr, port, timeout=timeout)
                if reply is not None:
                    break
            if reply is None:
                return None, "no UDP reply (timeout)"
        else:
            reply = tcp_exchange(wire, addr, port, timeout=timeout + 1)
    except (OSError, EOFError) as e:
        return None, "%s error: %s" % (transport.upper(), e)
    try:
        resp = dns.message.from_wire(reply, one_rr_per_rrset=True)
    except Exception as e:
        return None, "unparseable reply (%s): %s" % (e, reply.hex())
    if resp.id != msg.id:
        return None, "reply id %d != query id %d" % (resp.id, msg.id)
    return resp, None


def _rr_text(name, ttl, rd, keep_case):
    owner = name.to_text() if keep_case else name.to_text().lower()
    # RDATA in canonical form (RFC 4034 §6.2: embedded names lower-cased for
    # the types that compress them), so that compression artefacts (a pointer
    # into a mixed-case question) do not count.
    canon = dns.rdata.from_wire(rd.rdclass, rd.rdtype, rd.to_digestable(), 0,
                                len(rd.to_digestable()))
    return "%s %d %s %s %s" % (owner, ttl, dns.rdataclass.to_text(rd.rdclass),
                               dns.rdatatype.to_text(rd.rdtype), canon.to_text())


def _section(rrsets):
    out = []
    for rrset in rrsets:
        for rd in rrset:
            out.append(_rr_text(rrset.name, rrset.ttl, rd, False))
    return sorted(out)


def _rrset_order(rrsets):
    seen = []
    for rrset in rrsets:
        k = "%s %s" % (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype))
        if k not in seen:
            seen.append(k)
    return seen


def normalize(resp):
    """A response as a dict of comparable parts (see compare())."""
    edns = None
    if resp.edns >= 0:
        edns = {"version": resp.edns,
                "flags": dns.flags.edns_to_text(resp.ednsflags & 0xffff) or "-",
                "payload": resp.payload,
                "options": sorted("%d:%s" % (o.otype, o.to_wire().hex())
                                  for o in resp.options)}
    return {
        "rcode": dns.rcode.to_text(resp.rcode()),
        "opcode": dns.opcode.to_text(resp.opcode()),
        "flags": dns.flags.to_text(resp.flags) or "-",
        "question": ["%s %s %s" % (q.name.to_text(), dns.rdataclass.to_text(q.rdclass),
                                   dns.rdatatype.to_text(q.rdtype)) for q in resp.question],
        "answer": _section(resp.answer),
        "answer_order": _rrset_order(resp.answer),
        "authority": _section(resp.authority),
        "additional": _section(resp.additional),
        "edns": edns,
    }


def render(norm, notes=()):
    """A normalised response as text lines (for diffs)."""
    lines = ["rcode %s  opcode %s  flags %s" % (norm["rcode"], norm["opcode"], norm["flags"])]
    lines += ["question: " + q for q in norm["question"]]
    e = norm["edns"]
    lines.append("edns: none" if e is None else
                 "edns: version %d flags %s payload %d options %s" % (
                     e["version"], e["flags"], e["payload"], e["options"] or "none"))
    lines.append("answer rrset order: " + (" | ".join(norm["answer_order"]) or "-"))
    for sec in ("answer", "authority", "additional"):
        lines.append(";; %s (%d)" % (sec, len(norm[sec])))
        lines += ["  " + rr for rr in norm[sec]]
    lines += ["note: " + n for n in notes]
    return lines


def case_problems(resp, query):
    """RRs owned by the qname whose owner does not carry the qname's case."""
    if not query.case or resp is None:
        return []
    want = dns.name.from_text(query.qname).to_text()
    bad = []
    for sec_name, sec in (("question", None), ("answer", resp.answer),
                          ("authority", resp.authority), ("additional", resp.additional)):
        if sec is None:
            for q in resp.question:
                if q.name.to_text() != want:
                    bad.append("question name %s, sent %s" % (q.name.to_text(), want))
            continue
        for rrset in sec:
            t = rrset.name.to_text()
            if t.lower() == want.lower() and t != want:
                bad.append("%s owner %s, question %s" % (sec_name, t, want))
    return bad


class Diff:
    """The outcome of comparing one answer with the reference's."""

    def __init__(self, query, transport, ref_name, got_name):
        self.query = query
        self.transport = transport
        self.ref_name = ref_name
        self.got_name = got_name
        self.problems = []
        self.notes = []
        self.ref_lines = []
        self.got_lines = []

    def __bool__(self):
        return bool(self.problems)

    def text(self):
        import difflib
        out = ["%s over %s: %s" % (self.query, self.transport.upper(), "; ".join(self.problems))]
        if self.ref_lines or self.got_lines:
            out += ["    " + l.rstrip("\n") for l in difflib.unified_diff(
                self.ref_lines, self.got_lines, self.ref_name, self.got_name, n=50,
                lineterm="")]
        return "\n".join(out)


def compare(query, transport, ref, got, ref_port, ref_name="knotd", got_name="sluiced"):
    """Compares @got (sluiced's answer, a (message, error) pair) with @ref.

    Equal means: rcode, opcode, every header flag (QR AA TC RD RA AD CD),
    the question exactly, the answer, authority and additional sections as
    multisets of RRs (owner lower-cased, TTL, class, type, canonical RDATA),
    the order of RRsets in the answer (a CNAME/DNAME chain is read in order),
    and the OPT record (presence, version, flags, payload, options).
    Three exceptions, each argued where it is applied: ANY (RFC 8482), the
    additional section of truncated answers, and the CD bit.
    """
    d = Diff(query, transport, ref_name, got_name)
    ref_msg, ref_err = ref
    got_msg, got_err = got
    if ref_err:
        d.problems.append("%s failed: %s" % (ref_name, ref_err))
        return d
    if got_err:
        d.problems.append("%s failed: %s" % (got_name, got_err))
        d.ref_lines = render(normalize(ref_msg))
        return d
    a, b = normalize(ref_msg), normalize(got_msg)

    if got_msg.flags & dns.flags.RA:
        d.problems.append("%s sets RA (authoritative only)" % got_name)
    d.problems += ["%s: %s" % (got_name, p) for p in case_problems(got_msg, query)]

    # Exception 1 — ANY (RFC 8482 §4.1): a responder answers with one RRset
    # "of its choosing". knotd returns the RRset with the lowest type; another
    # choice is as correct, so if both give exactly one RRset of the qname and
    # sluiced's is complete and exact (equal to the reference's answer to a
    # query for that type), the answers count as equal. Everything else
    # (rcode, flags, authority, additional, OPT) is still compared.
    if (query.qtype == "ANY" and a["answer_order"] != b["answer_order"]
            and len(a["answer_order"]) == 1 and len(b["answer_order"]) == 1):
        owner, rtype = b["answer_order"][0].rsplit(" ", 1)
        if owner == query.qname.lower():
            sub = Query(query.qname, rtype, edns=query.edns, do=query.do, rd=query.rd,
                        cd=query.cd)
            sub_msg, sub_err = exchange(ref_port, sub, "tcp")
            if sub_msg is not None and _section(sub_msg.answer) == b["answer"]:
                d.notes.append("ANY: %s chose %s, %s chose %s (RFC 8482 lets the "
                               "server choose)" % (ref_name, a["answer_order"][0],
                                                   got_name, rtype))
                b["answer"], b["answer_order"] = a["answer"], a["answer_order"]

    # Exception 2 — truncated answers (RFC 2181 §9, RFC 9471 §3): with TC set
    # the client retries over TCP and ignores the content. Which glue records
    # still fitted depends on name compression and the order the server adds
    # them in, so with TC on both sides the additional sections need not be
    # equal: each must only be a subset of the reference's complete (TCP)
    # additional section. Answer and authority are still compared.
    if (ref_msg.flags & dns.flags.TC) and (got_msg.flags & dns.flags.TC) \
            and a["additional"] != b["additional"]:
        full_msg, full_err = exchange(ref_port, query, "tcp")
        full = _section(full_msg.additional) if full_msg is not None else []
        extra = [rr for rr in b["additional"] if rr not in full]
        if extra:
            d.problems.append("TC answer's additional has records not in the full "
                              "answer: %s" % extra)
        d.notes.append("TC: additional sections differ in which glue fitted "
                       "(%s %d RRs, %s %d RRs)" % (ref_name, len(a["additional"]),
                                                   got_name, len(b["additional"])))
        b["additional"] = a["additional"]

    # Exception 3 — CD (RFC 4035 §3.1.6: "The name server side MUST copy the
    # setting of the CD bit from a query to the corresponding response").
    # knotd 3.2 clears CD in its answers. sluiced is held to the RFC instead:
    # its CD must be the query's, and CD is then left out of the flags
    # comparison (every other flag still compared).
    got_cd = bool(got_msg.flags & dns.flags.CD)
    if got_cd != query.cd:
        d.problems.append("%s: CD %s, the query's was %s (RFC 4035 §3.1.6: copy CD)"
                          % (got_name, got_cd, query.cd))
    if bool(ref_msg.flags & dns.flags.CD) != got_cd:
        d.notes.append("CD: %s %s, %s %s (RFC 4035 §3.1.6 says copy it)" % (
            ref_name, bool(ref_msg.flags & dns.flags.CD), got_name, got_cd))
        a["flags"] = dns.flags.to_text(ref_msg.flags & ~dns.flags.CD) or "-"
        b["flags"] = dns.flags.to_text(got_msg.flags & ~dns.flags.CD) or "-"

    for key in ("rcode", "opcode", "flags", "question", "answer", "answer_order",
                "authority", "additional", "edns"):
        if a[key] != b[key]:
            d.problems.append("%s differs" % key.replace("_", " "))
    if d.problems:
        d.ref_lines = render(a)
        d.got_lines = render(b, d.notes)
    return d


def diff_report(diffs, total, limit=40):
    """A readable summary of the failed comparisons (first @limit in full)."""
    bad = [x for x in diffs if x]
    head = "%d of %d comparisons differ" % (len(bad), total)
    body = [x.text() for x in bad[:limit]]
    if len(bad) > limit:
        body.append("... and %d more: %s" % (len(bad) - limit, ", ".join(
            "%s/%s" % (x.query, x.transport) for x in bad[limit:])))
    return head + "\n\n" + "\n\n".join(body)


# ---- what the reference answer must look like --------------------------------

class Expect:
    """Checks a reference answer proves what a case is about (e.g. that a
    "wildcard" query really matched the wildcard). Fields left None are not
    checked. Section specs are space-separated RR types in order of RRsets
    ("CNAME CNAME A"), or "" for an empty section.

    @udp: overrides for UDP (dict of the same fields), e.g. TC.
    @neg_ttl: the SOA TTL in authority (negative caching TTL).
    @owners: exact owner names (case-sensitive) that must appear in answer.
    """

    def __init__(self, rcode="NOERROR", aa=True, tc=False, an=None, ns=None, ar=None,
                 neg_ttl=None, owners=None, udp=None):
        self.fields = dict(rcode=rcode, aa=aa, tc=tc, an=an, ns=ns, ar=ar,
                           neg_ttl=neg_ttl, owners=owners)
        self.udp = udp or {}

    def problems(self, resp, transport):
        f = dict(self.fields)
        if transport == "udp":
            f.update(self.udp)
        out = []
        if f["rcode"] is not None and dns.rcode.to_text(resp.rcode()) != f["rcode"]:
            out.append("rcode %s, expected %s" % (dns.rcode.to_text(resp.rcode()), f["rcode"]))
        if f["aa"] is not None and bool(resp.flags & dns.flags.AA) != f["aa"]:
            out.append("AA %s, expected %s" % (bool(resp.flags & dns.flags.AA), f["aa"]))
        if f["tc"] is not None and bool(resp.flags & dns.flags.TC) != f["tc"]:
            out.append("TC %s, expected %s" % (bool(resp.flags & dns.flags.TC), f["tc"]))
        for key, sec in (("an", resp.answer), ("ns", resp.authority)):
            if f[key] is not None:
                got = " ".join(dns.rdatatype.to_text(t) for t in _types_in_order(sec))
                if got != f[key]:
                    out.append("%s types '%s', expected '%s'" % (key, got, f[key]))
        if f["ar"] is not None:
            got = sorted(dns.rdatatype.to_text(t) for t in _types_in_order(resp.additional))
            if got != sorted(f["ar"].split()):
                out.append("ar types %s, expected %s" % (got, sorted(f["ar"].split())))
        if f["neg_ttl"] is not None:
            ttls = [r.ttl for r in resp.authority if r.rdtype == dns.rdatatype.SOA]
            if ttls != [f["neg_ttl"]]:
                out.append("SOA TTLs in authority %s, expected [%d]" % (ttls, f["neg_ttl"]))
        if f["owners"] is not None:
            got = {r.name.to_text() for r in resp.answer}
            miss = [o for o in f["owners"] if o not in got]
            if miss:
                out.append("answer lacks owners %s (has %s)" % (miss, sorted(got)))
        return out


def _types_in_order(rrsets):
    out, seen = [], set()
    for rrset in rrsets:
        k = (rrset.name.to_text().lower(), rrset.rdtype)
        if k not in seen:
            seen.add(k)
            out.append(rrset.rdtype)
    return out
