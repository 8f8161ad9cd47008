# Sluice system tests: reference name servers (knotd, and NSD as a second
# opinion) run on free loopback ports, for differential tests against sluiced.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Everything lives in a temporary directory: config, rundir, control socket,
# databases, secondary zone files. The servers run in the foreground as the
# current user, are only ever bound to 127.0.0.1 / ::1, and are stopped by
# their own process id. System services and /etc are never touched.
#
# Usage:
#     peer = KnotPeer(tmpdir, zones=[PrimaryZone("diff.example.", path)])
#     peer.start()            # waits until every primary zone answers its SOA
#     ...  peer.udp(msg) / peer.tcp(msg) / peer.kdig(...) ...
#     peer.stop()
#
# or, in a test, the `knot_peer` fixture: knot_peer(zones=[...]) -> KnotPeer,
# stopped at teardown.

import os
import shutil
import signal
import subprocess
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import HAVE_IPV6, free_port, run_kdig, udp_exchange

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
    """A zone a peer transfers (AXFR) from a primary at @master = (addr, port)."""

    def __init__(self, name, master):
        self.name = name if name.endswith(".") else name + "."
        self.master = master


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
        self.proc = None
        self._log = None
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
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log,
                                     cwd=self.workdir)
        if wait:
            self.wait_ready()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=PEER_STOP_TIMEOUT):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self._log:
            self._log.close()
            self._log = None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _fail(self, what):
        log = self.log()
        self.stop()
        pytest.fail("%s %s; log:\n%s" % (self.prog, what, log[-4000:]))

    def soa_serial(self, zone, timeout=0.3):
        """The SOA serial @zone is served with (authoritatively), or None."""
        q = dns.message.make_query(zone, "SOA", use_edns=False)
        wire = udp_exchange(q.to_wire(), "127.0.0.1", self.port, timeout=timeout)
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

    def wait_zone(self, zone, serial=None, timeout=PEER_START_TIMEOUT):
        """Polls until @zone is served (with @serial when given)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                self._fail("exited with %s" % self.proc.returncode)
            got = self.soa_serial(zone)
            if got is not None and (serial is None or got == serial):
                return got
            time.sleep(0.05)
        self._fail("did not serve %s%s within %.0f s" % (
            zone, "" if serial is None else " serial %d" % serial, timeout))

    def wait_ready(self, timeout=PEER_START_TIMEOUT):
        deadline = time.monotonic() + timeout
        for z in self.zones:
            if isinstance(z, PrimaryZone):
                self.wait_zone(z.name, timeout=max(0.5, deadline - time.monotonic()))
        if not any(isinstance(z, PrimaryZone) for z in self.zones):
            # Only secondaries (or nothing): wait for any answer at all.
            probe = dns.message.make_query(".", "SOA", use_edns=False).to_wire()
            while time.monotonic() < deadline:
                if not self.running():
                    self._fail("exited with %s" % self.proc.returncode)
                if udp_exchange(probe, "127.0.0.1", self.port, timeout=0.2) is not None:
                    return
            self._fail("did not answer within %.0f s" % timeout)

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
        # No identity/version/NSID answers: nothing sluiced is not told to add.
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
        if remotes:
            out.append("remote:")
            for i, z in remotes:
                out.append("  - id: primary%d" % i)
                out.append("    address: %s" % _addr_port(*z.master))
            out.append("")
        if acls:
            out.append("acl:")
            for i, z in acls:
                out.append("  - id: xfr%d" % i)
                out.append("    address: [ %s ]" % ", ".join(z.allow_transfer))
                out.append("    action: transfer")
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
