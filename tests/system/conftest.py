# Sluice system tests: harness.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Starts the real sluiced on free loopback ports with configs written into
# pytest's tmp_path, waits until it answers, and always stops what it started
# (the launcher is tests/lib/daemon.py, shared with tests/bench).
#
# Environment (set by `make check`, see tests/Makefile.inc):
#   SLUICE_BUILDDIR      absolute build dir   (default: the repo root)
#   SLUICE_SRCDIR        absolute source dir  (default: the repo root)
#   SLUICE_TEST_PLUGINS  dir with recorder.so (default: tests/unit/plugins/.libs)

import os
import re
import socket
import struct
import subprocess
import sys
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))
# tests/lib/daemon.py: the process launcher shared with tests/bench.
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "lib"))

import daemon  # noqa: E402
from daemon import HAVE_IPV6, START_TIMEOUT, DaemonError, free_port  # noqa: E402

SANITIZER_MARKERS = daemon.SANITIZER_MARKERS
write_config = daemon.write_config

SRCDIR = os.environ.get("SLUICE_SRCDIR") or _REPO
BUILDDIR = os.environ.get("SLUICE_BUILDDIR") or _REPO
TEST_PLUGINS = os.environ.get("SLUICE_TEST_PLUGINS") or os.path.join(
    BUILDDIR, "tests", "unit", "plugins", ".libs")
SLUICED = os.path.join(BUILDDIR, "core", "sluiced")
PLUGINS_DIR = os.path.join(BUILDDIR, "plugins")

needs_ipv6 = pytest.mark.skipif(not HAVE_IPV6, reason="no IPv6 loopback (::1) here")


# ---- configs ----------------------------------------------------------------

def base_config(port, **server_overrides):
    """The default test configuration (see the zones used across the suite)."""
    listen = ["127.0.0.1:%d" % port]
    if HAVE_IPV6:
        listen.append("[::1]:%d" % port)
    server = {
        "listen": listen,
        "workers": 2,
        "plugin_path": [PLUGINS_DIR, TEST_PLUGINS],
        "log_level": "info",
        "nsid": "test-ns",
        "identity": "ns1.test",
        "udp_payload": 1232,
        "cookies": True,
        "tcp": {"idle_timeout": 10, "request_timeout": 5, "write_timeout": 5,
                "max_clients": 1024, "max_per_client": 64},
    }
    for k, v in server_overrides.items():
        if k == "tcp":
            server["tcp"].update(v)
        else:
            server[k] = v
    return {
        "server": server,
        "plugins": [
            {"plugin": "whoami", "name": "whoami.test."},
            {"plugin": "recorder", "tag": "srv", "match": "order.test."},
        ],
        "zones": [
            {"name": "example.com.",
             "plugins": [{"plugin": "recorder", "result": "done", "txt_count": 3}]},
            {"name": "deep.example.com.",
             "plugins": [{"plugin": "recorder", "tag": "deep", "result": "done"}]},
            {"name": "big.test.",
             "plugins": [{"plugin": "recorder", "result": "done",
                          "txt_count": 30, "txt_size": 100}]},
            {"name": "order.test.",
             "plugins": [{"plugin": "recorder", "tag": "one"},
                         {"plugin": "recorder", "tag": "two"},
                         {"plugin": "recorder", "tag": "three", "result": "done"}]},
            {"name": "drop.test.",
             "plugins": [{"plugin": "recorder", "result": "drop"}]},
            {"name": "err.test.",
             "plugins": [{"plugin": "recorder", "result": "error", "rcode": 3}]},
            {"name": "pass.test.",
             "plugins": [{"plugin": "recorder", "result": "pass"}]},
            {"name": "who.zone.",
             "plugins": [{"plugin": "whoami", "ttl": 60}]},
            {"name": "follow.test.",
             "plugins": [{"plugin": "recorder", "tag": "hop", "result": "follow",
                          "follow": "target.example.com."}]},
        ],
    }


# ---- DNS helpers --------------------------------------------------------------

def make_query(qname, rdtype="A", rdclass="IN", **kw):
    q = dns.message.make_query(qname, rdtype, rdclass, **kw)
    return q


def udp_exchange(wire, addr, port, timeout=2.0, family=None, sock=None):
    """Sends raw @wire over UDP; returns the raw reply or None on timeout."""
    own = sock is None
    if own:
        family = family or (socket.AF_INET6 if ":" in addr else socket.AF_INET)
        sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout)
        sock.sendto(wire, (addr, port))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(left)
            try:
                data, src = sock.recvfrom(65535)
            except socket.timeout:
                return None
            if src[1] == port:
                return data
    finally:
        if own:
            sock.close()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def tcp_frame(wire):
    return struct.pack("!H", len(wire)) + wire


def tcp_read_msg(sock):
    (n,) = struct.unpack("!H", recv_exact(sock, 2))
    return recv_exact(sock, n)


def tcp_connect(port, src=None, timeout=3.0, rcvbuf=None, addr="127.0.0.1"):
    """A TCP connection to sluiced at @addr, from source address @src if given."""
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def tcp_ask(s):
    """whoami.test. A on the open connection @s; asserts a matching NOERROR answer."""
    q = make_query("whoami.test.", "A")
    s.sendall(tcp_frame(q.to_wire()))
    r = parse(tcp_read_msg(s))
    assert r.id == q.id and r.rcode() == dns.rcode.NOERROR
    return r


def tcp_exchange(wire, addr, port, timeout=3.0):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((addr, port))
        s.sendall(tcp_frame(wire))
        return tcp_read_msg(s)


def txt_strings(rrset):
    return [b"".join(rd.strings) for rd in rrset]


def answer_rrs(resp):
    """The answer section as a flat list of (owner, type, rdata) in wire order.
    Parse with one_rr_per_rrset=True to keep order and duplicates."""
    out = []
    for rrset in resp.answer:
        for rd in rrset:
            out.append((rrset.name, rrset.rdtype, rd))
    return out


def parse(wire):
    return dns.message.from_wire(wire, one_rr_per_rrset=True)


def header_counts(wire):
    return struct.unpack("!HHHHHH", wire[:12])


def edns_option(resp, code):
    for opt in resp.options:
        if opt.otype == code:
            return opt
    return None


def option_bytes(opt):
    return opt.to_wire() if hasattr(opt, "to_wire") else opt.data


def run_kdig(args, timeout=15):
    """Runs kdig with @args (list); returns CompletedProcess (text)."""
    cmd = ["kdig", "+timeout=2", "+retry=1"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def kdig_status(out):
    m = re.search(r"status:\s*([A-Z0-9]+)", out)
    return m.group(1) if m else None


def kdig_flags(out):
    m = re.search(r";; Flags:\s*([a-z ]*);", out)
    return set(m.group(1).split()) if m else None


# ---- the server -------------------------------------------------------------

class Sluiced(daemon.Sluiced):
    """One running sluiced (tests/lib/daemon.py) with the queries and checks
    the tests use; start-up failures fail the test with its stderr."""

    def __init__(self, workdir, cfg, port, name="sluiced", binary=None, prefix=()):
        super().__init__(binary or SLUICED, workdir, cfg, port, name=name, prefix=prefix)

    def wait_ready(self, timeout=START_TIMEOUT):
        try:
            super().wait_ready(timeout)
        except DaemonError as e:
            pytest.fail(str(e))

    # -- queries --
    def udp(self, msg, addr="127.0.0.1", timeout=2.0, sock=None, **kw):
        kw.setdefault("one_rr_per_rrset", True)
        return dns.query.udp(msg, addr, port=self.port, timeout=timeout, sock=sock,
                             ignore_unexpected=True, **kw)

    def tcp(self, msg, addr="127.0.0.1", timeout=3.0, sock=None, **kw):
        kw.setdefault("one_rr_per_rrset", True)
        return dns.query.tcp(msg, addr, port=self.port, timeout=timeout, sock=sock, **kw)

    def udp_raw(self, wire, addr="127.0.0.1", timeout=2.0, sock=None):
        return udp_exchange(wire, addr, self.port, timeout=timeout, sock=sock)

    def tcp_raw(self, wire, addr="127.0.0.1", timeout=3.0):
        return tcp_exchange(wire, addr, self.port, timeout=timeout)

    def kdig(self, *args, addr="127.0.0.1"):
        return run_kdig(["@" + addr, "-p", str(self.port)] + list(args))

    def assert_healthy(self):
        """Running, answering whoami over UDP and TCP, no sanitizer reports."""
        assert self.running(), "sluiced died (rc=%s); stderr:\n%s" % (
            self.returncode, self.stderr())
        for transport in (self.udp, self.tcp):
            r = transport(make_query("whoami.test.", "A"))
            assert r.rcode() == dns.rcode.NOERROR
            assert [(str(n), t, rd.to_text()) for n, t, rd in answer_rrs(r)] == \
                [("whoami.test.", dns.rdatatype.A, "127.0.0.1")]
        assert not self.sanitizer_reports(), "sanitizer report in stderr:\n" + self.stderr()


class ServerFactory:
    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self.servers = []

    def __call__(self, cfg=None, port=None, wait=True, name="sluiced", prefix=(),
                 **server_overrides):
        """@prefix: words before the binary, e.g. ("prlimit", "--nofile=64")."""
        port = port or free_port()
        if cfg is None:
            cfg = base_config(port, **server_overrides)
        workdir = self._tmp.mktemp(name)
        srv = Sluiced(workdir, cfg, port, name=name, prefix=prefix)
        self.servers.append(srv)
        return srv.start(wait=wait)

    def cleanup(self):
        for srv in self.servers:
            srv.stop()


def _check_binaries():
    missing = [p for p in (SLUICED, os.path.join(PLUGINS_DIR, "whoami.so"),
                           os.path.join(TEST_PLUGINS, "recorder.so"))
               if not os.path.exists(p)]
    if missing:
        pytest.fail("not built (run make first): " + ", ".join(missing))


@pytest.fixture
def start_server(tmp_path_factory):
    """Factory: start_server(cfg=None, port=None, **server_overrides) -> Sluiced."""
    _check_binaries()
    f = ServerFactory(tmp_path_factory)
    yield f
    f.cleanup()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One sluiced with base_config(), shared by a test module."""
    _check_binaries()
    f = ServerFactory(tmp_path_factory)
    srv = f(name="shared")
    yield srv
    f.cleanup()
    assert not srv.sanitizer_reports(), "sanitizer report in stderr:\n" + srv.stderr()


@pytest.fixture(scope="session", autouse=True)
def no_daemon_outlives_the_session():
    """Stops whatever a test or fixture left running (tests/lib/daemon.py
    registers every process it starts), also if the run is terminated."""
    daemon.stop_all_on_signals()
    yield
    daemon.stop_all()


def run_sluiced(args, timeout=30, cwd=None):
    """Runs sluiced to completion (--check, --version, --help, a start that
    must fail, or one that detaches); stdout and stderr as text. On timeout
    the process is killed and subprocess.TimeoutExpired raised."""
    _check_binaries()
    return subprocess.run([SLUICED] + list(args), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)
