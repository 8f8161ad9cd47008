# Sluice system tests: harness.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Starts the real sluiced on free loopback ports with configs written into
# pytest's tmp_path, waits until it answers, and always stops what it started.
#
# Environment (set by `make check`, see tests/Makefile.inc):
#   SLUICE_BUILDDIR      absolute build dir   (default: the repo root)
#   SLUICE_SRCDIR        absolute source dir  (default: the repo root)
#   SLUICE_TEST_PLUGINS  dir with recorder.so (default: tests/unit/plugins/.libs)

import json
import os
import re
import signal
import socket
import struct
import subprocess
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

SRCDIR = os.environ.get("SLUICE_SRCDIR") or _REPO
BUILDDIR = os.environ.get("SLUICE_BUILDDIR") or _REPO
TEST_PLUGINS = os.environ.get("SLUICE_TEST_PLUGINS") or os.path.join(
    BUILDDIR, "tests", "unit", "plugins", ".libs")
SLUICED = os.path.join(BUILDDIR, "core", "sluiced")
PLUGINS_DIR = os.path.join(BUILDDIR, "plugins")

START_TIMEOUT = 10.0   # seconds until a started server must answer
STOP_TIMEOUT = 5.0     # seconds after SIGTERM before SIGKILL

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error", "LeakSanitizer")


def _have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            s.bind(("::1", 0))
        finally:
            s.close()
        return True
    except OSError:
        return False


HAVE_IPV6 = _have_ipv6()
needs_ipv6 = pytest.mark.skipif(not HAVE_IPV6, reason="no IPv6 loopback (::1) here")


# ---- ports ------------------------------------------------------------------

def free_port():
    """A port currently free for UDP and TCP on 127.0.0.1 (and ::1 when present)."""
    for _ in range(200):
        held = []
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            held.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            binds = [(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")]
            if HAVE_IPV6:
                binds += [(socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                          (socket.AF_INET6, socket.SOCK_STREAM, "::1")]
            for fam, typ, addr in binds:
                t = socket.socket(fam, typ)
                held.append(t)
                t.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no free port found on loopback")


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


def write_config(path, cfg):
    with open(path, "w") as f:
        if isinstance(cfg, str):
            f.write(cfg)
        else:
            json.dump(cfg, f, indent=2)
            f.write("\n")
    return str(path)


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

class Sluiced:
    """One running sluiced with its config file and stderr log."""

    def __init__(self, workdir, cfg, port, name="sluiced", binary=None):
        self.binary = binary or SLUICED
        self.workdir = str(workdir)
        self.cfg = cfg
        self.port = port
        self.name = name
        self.config_path = os.path.join(self.workdir, name + ".json")
        self.log_path = os.path.join(self.workdir, name + ".stderr")
        self.proc = None
        self._log = None

    # -- lifecycle --
    def start(self, wait=True):
        write_config(self.config_path, self.cfg)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "--config", self.config_path, "--foreground"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            cwd=self.workdir)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        probe = make_query("whoami.test.", "A", use_edns=False).to_wire()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("sluiced exited with %s during startup; stderr:\n%s"
                            % (self.proc.returncode, self.stderr()))
            if udp_exchange(probe, "127.0.0.1", self.port, timeout=0.2) is not None:
                return
        self.stop()
        pytest.fail("sluiced did not answer within %.0f s; stderr:\n%s"
                    % (timeout, self.stderr()))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def reload(self, cfg):
        """Rewrites the config file (atomically) and sends SIGHUP."""
        self.cfg = cfg
        tmp = self.config_path + ".new"
        write_config(tmp, cfg)
        os.replace(tmp, self.config_path)
        self.signal(signal.SIGHUP)

    def stop(self, sig=None, timeout=STOP_TIMEOUT):
        """Stops the process; returns its exit status (None if it had to be killed)."""
        sig = signal.SIGTERM if sig is None else sig
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            try:
                self.proc.send_signal(sig)
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
                rc = None
        if self._log:
            self._log.close()
            self._log = None
        return rc

    def stderr(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

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
            self.proc.returncode, self.stderr())
        for transport in (self.udp, self.tcp):
            r = transport(make_query("whoami.test.", "A"))
            assert r.rcode() == dns.rcode.NOERROR
            assert [(str(n), t, rd.to_text()) for n, t, rd in answer_rrs(r)] == \
                [("whoami.test.", dns.rdatatype.A, "127.0.0.1")]
        log = self.stderr()
        for marker in SANITIZER_MARKERS:
            assert marker not in log, "sanitizer report in stderr:\n" + log


class ServerFactory:
    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self.servers = []

    def __call__(self, cfg=None, port=None, wait=True, name="sluiced", **server_overrides):
        port = port or free_port()
        if cfg is None:
            cfg = base_config(port, **server_overrides)
        workdir = self._tmp.mktemp(name)
        srv = Sluiced(workdir, cfg, port, name=name)
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
    log = srv.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log


def run_sluiced(args, timeout=30, cwd=None):
    """Runs sluiced to completion (--check, --version, --help)."""
    _check_binaries()
    return subprocess.run([SLUICED] + list(args), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)
