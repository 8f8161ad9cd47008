# Sluice test harness: the one place that starts and stops daemons (sluiced,
# knotd, nsd) for the system tests, the differential tests against knotd and
# NSD (tests/system) and the benchmark (tests/bench).
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Python 3 standard library only: the benchmark runs without third-party
# packages. Importers put this directory on sys.path.
#
#     p = Process(["knotd", "-c", conf], cwd=workdir, log_path=log).start()
#     p.wait_ready(udp_probe(port, query_wire(".", QTYPE_SOA)))
#     ...
#     p.stop()               # SIGTERM, then SIGKILL after the timeout
#
#     s = Sluiced(binary, workdir, cfg_dict, port).start()   # waits for UDP
#     s.reload(new_cfg)      # rewrites the config, SIGHUP
#     s.stderr()
#
# Every process started here stays registered until it is stopped;
# stop_all() stops whatever is left. It runs at interpreter exit, on SIGTERM
# and SIGHUP once stop_all_on_signals() was called, and when the system
# tests' session ends, so no daemon outlives the run that started it. Servers only ever listen on loopback, on ports
# free_port() finds at run time.

import atexit
import json
import os
import random
import select
import signal
import socket
import struct
import subprocess
import time

START_TIMEOUT = 10.0  # seconds until a started server must be ready
STOP_TIMEOUT = 5.0    # seconds after the stop signal before SIGKILL

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error", "LeakSanitizer")

QTYPE_A = 1
QTYPE_SOA = 6


class DaemonError(RuntimeError):
    """A daemon exited too early or did not become ready; the message
    carries the end of its log."""


class DaemonExited(DaemonError):
    pass


class DaemonTimeout(DaemonError):
    pass


# ---- the registry -------------------------------------------------------------

_live = {}  # id(handle) -> handle of every started, not yet stopped process


def _register(handle):
    _live[id(handle)] = handle


def _unregister(handle):
    _live.pop(id(handle), None)


def live():
    """The handles of all processes started here and not yet stopped."""
    return list(_live.values())


def stop_all():
    """Stops every registered process; returns the names of those that
    were still registered (a caller that stops what it starts sees [])."""
    left = live()
    for handle in left:
        try:
            handle.stop()
        except Exception:  # noqa: BLE001 - keep stopping the others
            pass
    return [h.name for h in left]


atexit.register(stop_all)


def stop_all_on_signals(signals=(signal.SIGTERM, signal.SIGHUP)):
    """Makes @signals (where they still have their default action, which
    skips atexit) stop every registered process first, then act as before.
    Call from the main thread."""
    def handler(signum, frame):
        stop_all()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in signals:
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, handler)


# ---- loopback ports -----------------------------------------------------------

def _have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = _have_ipv6()


def free_port(ipv6=HAVE_IPV6):
    """A port free at this moment for UDP and TCP on 127.0.0.1 (and on ::1
    when @ipv6). The kernel picks it; the caller binds it soon after."""
    binds = [(socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1")]
    if ipv6:
        binds += [(socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                  (socket.AF_INET6, socket.SOCK_STREAM, "::1")]
    for _ in range(200):
        held = []
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            held.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
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


# ---- /proc --------------------------------------------------------------------

def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name, or None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return None
    return st[st.rfind(")") + 2:].split()


def pid_alive(pid):
    """True while @pid exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            fields = _stat_fields(int(d))
            if fields is not None and int(fields[1]) == pid:
                kids.append(int(d))
    return kids


def process_tree(pid):
    """@pid and all its descendants (nsd forks its servers, for example)."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children_of(p))
    return tree


def _kill_leftovers(pids, deadline):
    """Waits until @deadline for @pids (descendants of a stopped process,
    which normally exit with it) to go; SIGKILLs the rest, by their own pid,
    and waits (briefly) until they are gone."""
    for p in pids:
        while pid_alive(p) and time.monotonic() < deadline:
            time.sleep(0.02)
    killed = []
    for p in pids:
        if pid_alive(p):
            try:
                os.kill(p, signal.SIGKILL)
                killed.append(p)
            except OSError:
                pass
    end = time.monotonic() + 2.0
    while any(pid_alive(p) for p in killed) and time.monotonic() < end:
        time.sleep(0.01)


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


# ---- readiness probes -----------------------------------------------------------

def query_wire(qname, qtype=QTYPE_A, qid=None):
    """A plain query (class IN, RD set, no EDNS) for readiness probes."""
    qid = random.randrange(65536) if qid is None else qid
    name = b"".join(bytes([len(label)]) + label.encode("ascii")
                    for label in qname.rstrip(".").split(".") if label) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", qtype, 1)


def udp_probe(port, wire, addr="127.0.0.1", timeout=0.2, accept=None):
    """A probe for Process.wait_for(): sends @wire to @addr:@port over UDP and
    returns the reply (a response with the query's id from that port, and
    for which @accept(reply) is true when given), else None after @timeout."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    def probe():
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            try:
                s.sendto(wire, (addr, port))
            except OSError:
                return None
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([s], [], [], left)[0]:
                    return None
                try:
                    data, src = s.recvfrom(65535)
                except OSError:  # ICMP port unreachable: not bound yet
                    return None
                if (src[1] == port and len(data) >= 12 and data[:2] == wire[:2]
                        and data[2] & 0x80 and (accept is None or accept(data))):
                    return data

    return probe


# ---- processes --------------------------------------------------------------------

class Process:
    """One child process: its command line, environment, working directory
    and log file (stdout and stderr together), started, probed until
    ready, signalled and stopped.

    @append_log: append to the log instead of starting it afresh.
    @stop_signal, @stop_timeout: how stop() asks it to exit, and how long it
    waits before SIGKILL.
    """

    def __init__(self, argv, name=None, cwd=None, env=None, log_path=None, append_log=False,
                 stop_signal=signal.SIGTERM, stop_timeout=STOP_TIMEOUT):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self.cwd = None if cwd is None else str(cwd)
        self.env = env
        self.log_path = None if log_path is None else str(log_path)
        self.append_log = append_log
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.popen = None
        self.started_at = None  # time.monotonic() just before the spawn
        self._log = None

    def start(self):
        if self.running():
            raise DaemonError("%s is already running (pid %d)" % (self.name, self.pid))
        self._close_log()
        out = subprocess.DEVNULL
        if self.log_path:
            self._log = open(self.log_path, "ab" if self.append_log else "wb")
            out = self._log
        self.started_at = time.monotonic()
        try:
            self.popen = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env,
                                          stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.STDOUT)
        except BaseException:
            self._close_log()
            raise
        _register(self)
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    @property
    def returncode(self):
        """Exit status once it has exited (negative: killed by that signal)."""
        return self.popen.poll() if self.popen else None

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def signal(self, sig):
        self.popen.send_signal(sig)

    def wait(self, timeout=None):
        """Exit status, or None if still running after @timeout seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=None, timeout=None):
        """Sends @sig (default: the stop signal), waits up to @timeout, then
        SIGKILLs it; descendants it leaves behind are killed by their pid.
        Returns its exit status, or None if it had to be killed."""
        if self.popen is None:
            return None
        sig = self.stop_signal if sig is None else sig
        timeout = self.stop_timeout if timeout is None else timeout
        rc = self.popen.poll()
        descendants = []
        if rc is None:
            descendants = process_tree(self.popen.pid)[1:]
            try:
                self.popen.send_signal(sig)
                rc = self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=timeout)
                rc = None
        _kill_leftovers(descendants, time.monotonic() + timeout)
        self._close_log()
        _unregister(self)
        return rc

    def _close_log(self):
        if self._log:
            self._log.close()
            self._log = None

    # -- its log --
    def log_text(self):
        return read_text(self.log_path) if self.log_path else ""

    def log_tail(self, lines=20):
        return "\n".join(self.log_text().splitlines()[-lines:])

    # -- readiness --
    def wait_for(self, probe, timeout=START_TIMEOUT, interval=0.05, what="become ready"):
        """Calls @probe() every @interval seconds until it returns something
        other than None or False, and returns that. Raises DaemonExited if
        the process exits first, DaemonTimeout after @timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running():
                raise DaemonExited("%s exited with status %s before it could %s; log:\n%s" % (
                    self.name, self.returncode, what, self.log_text()[-4000:]))
            value = probe()
            if value is not None and value is not False:
                return value
            if time.monotonic() >= deadline:
                raise DaemonTimeout("%s did not %s within %g s; log:\n%s" % (
                    self.name, what, timeout, self.log_text()[-4000:]))
            if interval:
                time.sleep(interval)

    def wait_ready(self, probe, timeout=START_TIMEOUT, interval=0.05, what="become ready"):
        """wait_for(), but a process that does not get ready is stopped."""
        try:
            return self.wait_for(probe, timeout, interval, what)
        except DaemonError:
            self.stop()
            raise


class Detached:
    """A daemon that detached from its parent (sluiced without --foreground),
    known by its pid only; registered like a Process so it is stopped too."""

    def __init__(self, pid, name="daemon", stop_timeout=STOP_TIMEOUT):
        self.pid = pid
        self.name = name
        self.stop_timeout = stop_timeout
        _register(self)

    def running(self):
        return pid_alive(self.pid)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, sig=None, timeout=None):
        """Sends @sig (default SIGTERM) and waits up to @timeout; SIGKILLs it
        if it is still there. True if it exited on @sig (or was already gone)."""
        sig = signal.SIGTERM if sig is None else sig
        timeout = self.stop_timeout if timeout is None else timeout
        exited = True
        if self.running():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + timeout
            while self.running() and time.monotonic() < deadline:
                time.sleep(0.02)
            if self.running():
                exited = False
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        _unregister(self)
        return exited


# ---- sluiced --------------------------------------------------------------------

def write_config(path, cfg):
    """Writes @cfg (a dict as JSON, or a str as is) to @path; returns the path."""
    with open(path, "w") as f:
        if isinstance(cfg, str):
            f.write(cfg)
        else:
            json.dump(cfg, f, indent=2)
            f.write("\n")
    return str(path)


def libtool_direct(binary, env=None):
    """(program, environment) to run @binary without its libtool wrapper.

    In a build tree core/sluiced is a shell script that execs
    core/.libs/sluiced with LD_LIBRARY_PATH set; doing the same directly
    keeps a shell start out of timed starts."""
    env = dict(os.environ if env is None else env)
    real = os.path.join(os.path.dirname(binary), ".libs", os.path.basename(binary))
    try:
        with open(binary, "rb") as f:
            is_script = f.read(2) == b"#!"
    except OSError:
        return binary, env
    if not (is_script and os.path.exists(real)):
        return binary, env
    libdir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary))), ".libs")
    env["LD_LIBRARY_PATH"] = libdir + (":" + env["LD_LIBRARY_PATH"]
                                       if env.get("LD_LIBRARY_PATH") else "")
    return real, env


class Sluiced:
    """One sluiced in the foreground: its config file (workdir/NAME.json)
    and its stdout+stderr (workdir/NAME.stderr).

    @cfg: the configuration, a dict (written as JSON) or a str (as is).
    @port: the UDP/TCP port it listens on at 127.0.0.1 (readiness probe).
    @prefix: words before the binary (e.g. taskset -c 0).
    """

    def __init__(self, binary, workdir, cfg, port, name="sluiced", prefix=(), env=None,
                 stop_timeout=STOP_TIMEOUT):
        self.binary = binary
        self.workdir = str(workdir)
        self.cfg = cfg
        self.port = port
        self.name = name
        self.config_path = os.path.join(self.workdir, name + ".json")
        self.log_path = os.path.join(self.workdir, name + ".stderr")
        self.process = Process(
            list(prefix) + [binary, "--config", self.config_path, "--foreground"],
            name="sluiced" if name == "sluiced" else "sluiced (%s)" % name,
            cwd=self.workdir, env=env, log_path=self.log_path, stop_timeout=stop_timeout)

    # -- lifecycle --
    def start(self, wait=True, timeout=START_TIMEOUT):
        write_config(self.config_path, self.cfg)
        self.process.start()
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        """Until it answers a query on UDP (any answer: whoami.test. may not
        be configured); stopped and DaemonError if it does not."""
        probe = udp_probe(self.port, query_wire("whoami.test.", QTYPE_A))
        self.process.wait_ready(probe, timeout, interval=0,
                                what="answer on UDP port %d" % self.port)

    @property
    def pid(self):
        return self.process.pid

    @property
    def returncode(self):
        return self.process.returncode

    def running(self):
        return self.process.running()

    def signal(self, sig):
        self.process.signal(sig)

    def wait(self, timeout=None):
        return self.process.wait(timeout)

    def stop(self, sig=None, timeout=None):
        """Stops the process; returns its exit status (None if it had to be killed)."""
        return self.process.stop(sig, timeout)

    def reload(self, cfg):
        """Rewrites the config file (atomically) and sends SIGHUP."""
        self.cfg = cfg
        tmp = self.config_path + ".new"
        write_config(tmp, cfg)
        os.replace(tmp, self.config_path)
        self.signal(signal.SIGHUP)

    # -- its output --
    def stderr(self):
        return self.process.log_text()

    def sanitizer_reports(self):
        """The sanitizer markers found in its output."""
        log = self.stderr()
        return [m for m in SANITIZER_MARKERS if m in log]
