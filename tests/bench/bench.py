#!/usr/bin/env python3
"""Sluice benchmark: sluiced vs knotd vs nsd on the same generated zones.

Run through tests/bench/run.sh; see tests/bench/README.md for the method.
Python 3 standard library only.
"""

import argparse
import hashlib
import json
import os
import platform
import random
import re
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
# tests/lib/daemon.py: the process launcher shared with the system tests.
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import daemon  # noqa: E402
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "0"
CLIENT_CPU = "1"

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16,
          "AAAA": 28, "SRV": 33, "OPT": 41}
QTYPE_NAMES = {v: k for k, v in QTYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Minimal DNS wire client (queries, and parsing of what we need to check).

def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def build_query(name, qtype, qid, edns=True):
    hdr = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1 if edns else 0)
    q = encode_name(name) + struct.pack("!HH", QTYPES[qtype], 1)
    if edns:
        q += b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    return hdr + q


def _read_name(buf, off):
    labels = []
    jumped = False
    end = None
    for _ in range(128):
        ln = buf[off]
        if ln & 0xC0 == 0xC0:
            ptr = ((ln & 0x3F) << 8) | buf[off + 1]
            if not jumped:
                end = off + 2
            jumped = True
            off = ptr
            continue
        if ln == 0:
            if not jumped:
                end = off + 1
            return ".".join(labels).lower() + ".", end
        labels.append(buf[off + 1:off + 1 + ln].decode("ascii", "replace"))
        off += 1 + ln
    raise ValueError("name loop")


def parse_response(buf):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", buf[:12])
    off = 12
    for _ in range(qd):
        _, off = _read_name(buf, off)
        off += 4
    sections = []
    for count in (an, ns, ar):
        rrs = []
        for _ in range(count):
            owner, off = _read_name(buf, off)
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", buf[off:off + 10])
            off += 10
            rdata = buf[off:off + rdlen]
            value = None
            if rtype == 1 and rdlen == 4:
                value = socket.inet_ntop(socket.AF_INET, rdata)
            elif rtype == 28 and rdlen == 16:
                value = socket.inet_ntop(socket.AF_INET6, rdata)
            elif rtype in (2, 5):
                value, _ = _read_name(buf, off)
            rrs.append((owner, QTYPE_NAMES.get(rtype, str(rtype)), value))
            off += rdlen
        sections.append(rrs)
    return {"id": qid, "rcode": flags & 0xF, "aa": bool(flags & 0x400),
            "tc": bool(flags & 0x200), "qr": bool(flags & 0x8000),
            "answer": sections[0], "authority": sections[1], "additional": sections[2]}


def tcp_exchange(port, msg, timeout=1.0, src="127.0.0.1"):
    """Sends @msg over a new TCP connection from @src; returns the raw reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(struct.pack("!H", len(msg)) + msg)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("connection closed")
            data += chunk
        return data[2:2 + struct.unpack("!H", data[:2])[0]]


def query(port, name, qtype, tcp=False, timeout=1.0):
    qid = random.randrange(65536)
    msg = build_query(name, qtype, qid)
    if tcp:
        buf = tcp_exchange(port, msg, timeout)
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.connect(("127.0.0.1", port))
            s.send(msg)
            while True:
                buf = s.recv(65535)
                if buf[:2] == msg[:2]:
                    break
    return parse_response(buf)


# --------------------------------------------------------------------------
# /proc helpers.

def cpu_seconds(pids):
    """utime+stime of each process (all its threads), summed."""
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def memory_kb(pids):
    """(sum of VmRSS, sum of Pss) over the processes, in kB."""
    rss = pss = 0
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def cpu_busy():
    """Busy seconds per CPU from /proc/stat (everything but idle and iowait,
    including time stolen by the hypervisor); key "stealN" holds CPU N's
    steal time alone."""
    busy = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                cpu = line.split()[0][3:]
                v = [int(x) for x in line.split()[1:]]
                busy[cpu] = (sum(v[:8]) - v[3] - v[4]) / CLK_TCK
                busy["steal" + cpu] = v[7] / CLK_TCK
    return busy


def wait_quiet(max_wait, threshold=0.10):
    """Wait (up to max_wait s) until neither core is busier than threshold
    over a 0.5 s window: other work on this shared machine (builds, tests)
    would otherwise steal the server's or dnsperf's core.  Returns the
    seconds waited, or None if it never got quiet."""
    t = time.monotonic()
    while True:
        b0 = cpu_busy()
        time.sleep(0.5)
        b1 = cpu_busy()
        busiest = max((b1[c] - b0[c]) / 0.5 for c in (SERVER_CPU, CLIENT_CPU))
        if busiest <= threshold:
            return time.monotonic() - t
        if time.monotonic() - t > max_wait:
            return None


# --------------------------------------------------------------------------
# Servers.

class Server:
    """One server under test, started through tests/lib/daemon.py pinned to
    SERVER_CPU, in a fresh run directory each start."""

    name = "?"

    def __init__(self, workdir, zone_path, origin, args):
        self.workdir = os.path.join(workdir, "run", self.name)
        self.zone_path = zone_path
        self.origin = origin
        self.args = args
        self.proc = None  # the running daemon.Process
        self.port = None

    def available(self):
        return None  # or a reason string why it is skipped

    def prepare(self):
        """Writes the config; returns (argv, env)."""
        raise NotImplementedError

    def launch(self):
        """Starts the server; returns its daemon.Process."""
        argv, env = self.prepare()
        return daemon.Process(["taskset", "-c", SERVER_CPU] + argv, name=self.name,
                              cwd=self.workdir, env=env,
                              log_path=os.path.join(self.workdir, "server.log"),
                              stop_timeout=30).start()

    def start(self):
        """Starts the server on a new free port; returns time.monotonic()
        just before it was spawned."""
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.makedirs(self.workdir)
        self.port = daemon.free_port()
        self.proc = self.launch()
        return self.proc.started_at

    def pids(self):
        return daemon.process_tree(self.proc.pid) if self.proc else []

    def alive(self):
        return self.proc is not None and self.proc.running()

    def stop(self):
        # Children (nsd's server and xfrd processes) normally exit with it;
        # the launcher makes sure, by their own pids.
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def log_tail(self, n=20):
        return self.proc.log_tail(n) if self.proc else ""


class Sluiced(Server):
    name = "sluiced"
    server_plugins = []  # the server-wide chain (tests/bench/rrl_bench.py adds rate-limit)
    log_level = "warning"

    def available(self):
        if not os.path.exists(self.args.sluiced):
            return "skipped: not built (%s missing)" % self.args.sluiced
        plugin = os.path.join(self.args.plugin_path, "zonefile.so")
        if not os.path.exists(plugin):
            return "skipped: not built (%s missing)" % plugin
        return None

    def launch(self):
        conf = {
            "server": {"listen": ["127.0.0.1:%d" % self.port], "workers": 1,
                       "plugin_path": [self.args.plugin_path], "log_level": self.log_level},
            "plugins": self.server_plugins,
            "zones": [{"name": self.origin,
                       "plugins": [{"plugin": "zonefile", "file": self.zone_path}]}],
        }
        # Without the libtool wrapper: no shell start in the timed start.
        binary, env = daemon.libtool_direct(self.args.sluiced)
        srv = daemon.Sluiced(binary, self.workdir, conf, self.port,
                             prefix=["taskset", "-c", SERVER_CPU], env=env, stop_timeout=30)
        return srv.start(wait=False).process


class Knotd(Server):
    name = "knotd"
    modules = ""         # extra top-level sections (mod-rrl, mod-cookies for rrl_bench.py)
    global_modules = []  # their ids, run for every zone

    def available(self):
        return None if shutil.which("knotd") else "skipped: knotd not installed"

    def prepare(self):
        conf = knot_conf(self.workdir, self.port, self.origin, self.zone_path,
                         sections=self.modules, global_modules=self.global_modules)
        path = os.path.join(self.workdir, "knot.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["knotd", "-c", path, "-s", os.path.join(self.workdir, "knot.sock")], dict(os.environ)


def knot_conf(w, port, origin, zone, journal="none", sections="", global_modules=(),
              zone_extra=""):
    """knotd's configuration for one zone in run directory @w: one UDP, TCP
    and background worker, warnings to stderr, no zone-file writes;
    @sections: more top-level sections (keys, ACLs, modules); @zone_extra:
    more lines for the zone (4-space indented)."""
    return """server:
    rundir: "{w}"
    pidfile: "{w}/knot.pid"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

database:
    storage: "{w}/db"

log:
  - target: stderr
    any: warning

{sections}
template:
  - id: default
    storage: "{w}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: {journal}
{global_modules}
zone:
  - domain: {origin}
    file: "{zone}"
{zone_extra}""".format(w=w, port=port, origin=origin, zone=zone, sections=sections, journal=journal,
                       global_modules=("    global-module: [%s]\n" % ", ".join(global_modules)
                                       if global_modules else ""), zone_extra=zone_extra)


class Nsd(Server):
    name = "nsd"

    def available(self):
        return None if shutil.which("nsd") else "skipped: nsd not installed"

    def prepare(self):
        w = self.workdir
        conf = """server:
    ip-address: 127.0.0.1@{port}
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{w}"
    database: ""
    zonelistfile: "{w}/zone.list"
    pidfile: "{w}/nsd.pid"
    xfrdfile: "{w}/xfrd.state"
    xfrdir: "{w}"
    logfile: "{w}/nsd.log"
    verbosity: 0
    tcp-count: 256
    zonefiles-write: 0
    # Debian builds NSD with response rate limiting on by default (200 qps
    # per source), which would drop most benchmark traffic from 127.0.0.1.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0

remote-control:
    control-enable: no

zone:
    name: "{origin}"
    zonefile: "{zone}"
""".format(w=w, port=self.port, origin=self.origin, zone=self.zone_path)
        path = os.path.join(w, "nsd.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["nsd", "-d", "-c", path], dict(os.environ)


SERVER_CLASSES = {"sluiced": Sluiced, "knotd": Knotd, "nsd": Nsd}


# --------------------------------------------------------------------------
# Load time and correctness guard.

def wait_first_answer(server, t0, meta, timeout):
    """Poll the last record of the zone over UDP until the right answer comes.

    Each try sends the query, waits up to 1 ms for answers, reads every
    queued answer, and sleeps 1 ms; so one query every 1-2 ms, fine enough
    for the load times measured and too few to slow the loading server.
    Returns seconds from just before the server was spawned to the receipt
    of the first right answer (NOERROR with the expected A record). Raises
    daemon.DaemonError (a RuntimeError; the server stopped) if it exits
    first or does not answer so within @timeout of @t0.
    """
    name, addr = meta["last"]["name"], meta["last"]["addr"]
    msg_tail = build_query(name, "A", 0)[2:]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", server.port))
    s.setblocking(False)
    qid = [0]

    def probe():
        """One try: the receipt time of a right answer, or None."""
        qid[0] = (qid[0] + 1) & 0xFFFF
        try:
            s.send(struct.pack("!H", qid[0]) + msg_tail)
        except (ConnectionRefusedError, BlockingIOError):
            return None
        select.select([s], [], [], 0.001)
        # Drain everything queued: any right answer to this question
        # (also a late one to an earlier try) proves the zone is served.
        while True:
            try:
                buf = s.recv(65535)
            except BlockingIOError:
                return None
            except ConnectionRefusedError:  # ICMP port unreachable: not bound yet
                continue
            t = time.monotonic()
            try:
                resp = parse_response(buf)
            except (ValueError, IndexError, struct.error):
                continue
            if resp["rcode"] == 0 and any(o == name and t_ == "A" and v == addr
                                          for o, t_, v in resp["answer"]):
                return t

    try:
        t = server.proc.wait_ready(probe, timeout=max(0.0, t0 + timeout - time.monotonic()),
                                   interval=0.001,
                                   what="give the correct answer for %s" % name)
    finally:
        s.close()
    return t - t0


def guard(server, meta):
    """Check rcodes/flags for a few queries of each class; return problems."""
    problems = []
    origin = meta["origin"]
    sub = "sub." + origin

    def check(name, qtype, what, tcp=False):
        try:
            r = query(server.port, name, qtype, tcp=tcp)
        except Exception as e:  # noqa: BLE001 - anything is a failure here
            problems.append("%s %s %s: no answer (%s)" % (what, name, qtype, e))
            return
        bad = []
        ans = r["answer"]
        if what in ("hit", "cname", "wildcard", "last"):
            if r["rcode"] != 0:
                bad.append("rcode %s" % RCODES.get(r["rcode"], r["rcode"]))
            if not r["aa"]:
                bad.append("AA not set")
            if what == "hit" and not any(o == name.lower() and t == qtype for o, t, _ in ans):
                bad.append("no %s in answer" % qtype)
            if what == "cname" and not any(o == name.lower() and t == "CNAME" for o, t, _ in ans):
                bad.append("no CNAME in answer")
            if what == "wildcard" and not any(o == name.lower() and t == "A" and
                                              v == meta["wild_addr"] for o, t, v in ans):
                bad.append("no synthesized A in answer")
            if what == "last" and not any(v == meta["last"]["addr"] for _, _, v in ans):
                bad.append("wrong address")
        elif what == "nxdomain":
            if r["rcode"] != 3:
                bad.append("rcode %s" % RCODES.get(r["rcode"], r["rcode"]))
            if not r["aa"]:
                bad.append("AA not set")
            if not any(t == "SOA" for _, t, _ in r["authority"]):
                bad.append("no SOA in authority")
        elif what == "referral":
            if r["rcode"] != 0:
                bad.append("rcode %s" % RCODES.get(r["rcode"], r["rcode"]))
            if r["aa"]:
                bad.append("AA set on a referral")
            if ans:
                bad.append("answer section not empty")
            if not any(o == sub and t == "NS" for o, t, _ in r["authority"]):
                bad.append("no NS %s in authority" % sub)
            if not any(t in ("A", "AAAA") and o.endswith(sub) for o, t, _ in r["additional"]):
                bad.append("no glue in additional")
        if bad:
            problems.append("%s %s %s%s: %s" % (what, name, qtype, " (tcp)" if tcp else "",
                                                 ", ".join(bad)))

    s = meta["samples"]
    for n in s["A"]:
        check(n, "A", "hit")
    for n in s["AAAA"]:
        check(n, "AAAA", "hit")
    for n in s["MX"]:
        check(n, "MX", "hit")
    for n in s["TXT"]:
        check(n, "TXT", "hit")
    for n in s["CNAME"]:
        check(n, "A", "cname")
    for n in s["NXDOMAIN"]:
        check(n, "A", "nxdomain")
    for n in s["referral"]:
        check(n, "A", "referral")
    for n in s["wildcard"]:
        check(n, "A", "wildcard")
    check(meta["last"]["name"], "A", "last")
    check(s["A"][0], "A", "hit", tcp=True)
    check(s["NXDOMAIN"][0], "A", "nxdomain", tcp=True)
    check(s["referral"][0], "A", "referral", tcp=True)
    return problems


# --------------------------------------------------------------------------
# dnsperf.

def parse_dnsperf(out):
    res = {}
    m = re.search(r"Queries sent:\s+(\d+)", out)
    res["sent"] = int(m.group(1)) if m else 0
    m = re.search(r"Queries completed:\s+(\d+)", out)
    res["completed"] = int(m.group(1)) if m else 0
    m = re.search(r"Queries lost:\s+(\d+)", out)
    res["lost"] = int(m.group(1)) if m else 0
    m = re.search(r"Run time \(s\):\s+([\d.]+)", out)
    res["runtime"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Queries per second:\s+([\d.]+)", out)
    res["qps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Average packet size:\s+request (\d+), response (\d+)", out)
    res["resp_size"] = int(m.group(2)) if m else 0
    codes = {}
    m = re.search(r"Response codes:\s+(.*)", out)
    if m:
        for code, n in re.findall(r"([A-Z]+) (\d+) \(", m.group(1)):
            codes[code] = int(n)
    res["rcodes"] = codes
    return res


def run_dnsperf(server, qfile, seconds, mode, clients, outstanding, timeout=2):
    argv = ["taskset", "-c", CLIENT_CPU, "dnsperf", "-s", "127.0.0.1", "-p", str(server.port),
            "-d", qfile, "-l", str(seconds), "-c", str(clients), "-q", str(outstanding),
            "-t", str(timeout), "-e", "-m", mode]
    pids = server.pids()
    c0 = cpu_seconds(pids)
    b0 = cpu_busy()
    w0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = p.communicate(timeout=seconds + 60)
    wall = time.monotonic() - w0
    c1 = cpu_seconds(pids)
    b1 = cpu_busy()
    text = out.decode("utf-8", "replace")
    res = parse_dnsperf(text)
    if p.returncode != 0 or res["completed"] == 0:
        raise RuntimeError("dnsperf against %s failed (rc %s):\n%s" %
                           (server.name, p.returncode, text[-2000:]))
    res["server_cpu"] = c1 - c0
    # Whole-core busy fractions over the dnsperf process's wall time: the
    # server core's busy time beyond the server's own shows other load
    # (or softirq work charged to no process).
    res["cpu0_busy"] = (b1[SERVER_CPU] - b0[SERVER_CPU]) / wall
    res["cpu1_busy"] = (b1[CLIENT_CPU] - b0[CLIENT_CPU]) / wall
    res["steal"] = max(b1["steal" + c] - b0["steal" + c] for c in (SERVER_CPU, CLIENT_CPU)) / wall
    res["wall"] = wall
    res["server_util"] = res["server_cpu"] / res["runtime"] if res["runtime"] else 0.0
    res["qps_per_cpu"] = res["completed"] / res["server_cpu"] if res["server_cpu"] else 0.0
    res["mode"] = mode
    return res


def client_cpu_seconds():
    ru = os.times()
    return ru.children_user + ru.children_system


# --------------------------------------------------------------------------
# Zones.

def ensure_zone(workdir, label, names, nqueries, seed):
    """Generate (or reuse, when generator and parameters are unchanged)."""
    zdir = os.path.join(workdir, "zones")
    os.makedirs(zdir, exist_ok=True)
    gen = os.path.join(HERE, "genzone.py")
    with open(gen, "rb") as f:
        key = hashlib.sha256(f.read() + ("%d/%d/%d" % (names, nqueries, seed)).encode()).hexdigest()
    zone = os.path.join(zdir, "%s.zone" % label)
    qf = os.path.join(zdir, "%s.queries" % label)
    meta = os.path.join(zdir, "%s.json" % label)
    stamp = os.path.join(zdir, "%s.stamp" % label)
    try:
        with open(stamp) as f:
            if f.read().strip() == key and all(os.path.exists(p) for p in (zone, qf, meta)):
                log("zone %s: reusing %s (generator and parameters unchanged)" % (label, zone))
                with open(meta) as mf:
                    return zone, qf, json.load(mf)
    except OSError:
        pass
    log("zone %s: generating %d names, %d queries" % (label, names, nqueries))
    t = time.monotonic()
    subprocess.run([sys.executable, gen, "--names", str(names), "--nqueries", str(nqueries),
                    "--seed", str(seed), "--zone", zone, "--queries", qf, "--meta", meta],
                   check=True)
    with open(stamp, "w") as f:
        f.write(key + "\n")
    log("zone %s: generated in %.1fs" % (label, time.monotonic() - t))
    with open(meta) as mf:
        return zone, qf, json.load(mf)


# --------------------------------------------------------------------------
# Orchestration.

def median(xs):
    return statistics.median(xs) if xs else None


def bench_zone(label, names, args, workdir):
    zone, qfile, meta = ensure_zone(workdir, label, names, max(names, 200000), args.seed)
    origin = meta["origin"]
    servers, skipped = [], {}
    for nm in args.servers:
        s = SERVER_CLASSES[nm](workdir, zone, origin, args)
        why = s.available()
        if why:
            skipped[nm] = why
            log("%s: %s" % (nm, why))
        else:
            servers.append(s)
    res = {nm: {"skipped": why} for nm, why in skipped.items()}
    for s in servers:
        res[s.name] = {"load": [], "udp": [], "tcp": [], "guard": None}
    try:
        # Read the zone file once so every server's first load finds it in
        # the page cache, like its later ones.
        with open(zone, "rb") as f:
            while f.read(1 << 20):
                pass
        # Load time: interleaved restarts; the last start of each server
        # stays up for the throughput runs.
        for rnd in range(args.load_trials):
            for s in list(servers):
                if s.name in skipped:
                    continue
                t_w = time.monotonic()
                wait_quiet(min(args.quiet_wait, max(args.noise_budget - NOISE["spent"], 0.5)))
                NOISE["spent"] += time.monotonic() - t_w
                b0 = cpu_busy()
                t0 = s.start()
                try:
                    lt = wait_first_answer(s, t0, meta, args.load_timeout)
                    b1 = cpu_busy()
                    # CPU 0 busy beyond the server's own CPU time: other load.
                    foreign = (b1[SERVER_CPU] - b0[SERVER_CPU] - cpu_seconds(s.pids())) / lt
                    if foreign > args.foreign_max:
                        res[s.name].setdefault("load_contended", 0)
                        res[s.name]["load_contended"] += 1
                        log("%s %s: load trial %d had other load on CPU %s (%.0f%%)" % (
                            label, s.name, rnd + 1, SERVER_CPU, 100 * foreign))
                except RuntimeError as e:
                    log(str(e))
                    s.stop()
                    skipped[s.name] = "failed: no correct answer at load (%s)" % \
                        str(e).splitlines()[0]
                    res[s.name]["skipped"] = skipped[s.name]
                    continue
                res[s.name]["load"].append(lt)
                log("%s %s: load %.3fs (trial %d)" % (label, s.name, lt, rnd + 1))
                if rnd < args.load_trials - 1:
                    s.stop()
        servers = [s for s in servers if s.name not in skipped]
        time.sleep(1)
        for s in servers:
            res[s.name]["pids"] = s.pids()
            rss, pss = memory_kb(s.pids())
            res[s.name]["rss_loaded_kb"], res[s.name]["pss_loaded_kb"] = rss, pss
            problems = guard(s, meta)
            res[s.name]["guard"] = problems
            if problems:
                log("%s %s: CORRECTNESS GUARD FAILED:\n  %s" % (label, s.name,
                                                                 "\n  ".join(problems)))
            else:
                log("%s %s: guard ok" % (label, s.name))
        if not args.force:
            for s in servers:
                if res[s.name]["guard"]:
                    res[s.name]["skipped"] = "failed correctness guard: " + res[s.name]["guard"][0]
            servers = [s for s in servers if not res[s.name]["guard"]]
        # Warm-up (not recorded).
        for s in servers:
            run_dnsperf(s, qfile, args.warmup, "udp", args.udp_clients, args.udp_outstanding)
        for mode, secs, clients, outstanding in (
                ("udp", args.udp_seconds, args.udp_clients, args.udp_outstanding),
                ("tcp", args.tcp_seconds, args.tcp_clients, args.tcp_outstanding)):
            for rnd in range(args.rounds):
                for s in servers:
                    for attempt in range(args.retries + 1):
                        # Waiting and retrying for quiet cores stop once the
                        # noise budget is spent, so a busy machine cannot
                        # stretch the run without bound.
                        left = args.noise_budget - NOISE["spent"]
                        t_w = time.monotonic()
                        waited = wait_quiet(min(args.quiet_wait, max(left, 0.5)))
                        NOISE["spent"] += time.monotonic() - t_w
                        cc0 = client_cpu_seconds()
                        r = run_dnsperf(s, qfile, secs, mode, clients, outstanding)
                        # dnsperf's CPU over its whole life (this includes
                        # reading the query file before the timed run).
                        r["client_util"] = (client_cpu_seconds() - cc0) / r["wall"]
                        # Busy time on either core beyond what the server and
                        # dnsperf were charged: somebody else ran there.
                        r["foreign"] = max(r["cpu0_busy"] - r["server_cpu"] / r["wall"],
                                           r["cpu1_busy"] - r["client_util"], 0.0)
                        r["contended"] = r["foreign"] > args.foreign_max
                        if not r["contended"]:
                            break
                        if attempt < args.retries and NOISE["spent"] < args.noise_budget:
                            NOISE["spent"] += r["wall"]
                        else:
                            attempt = args.retries
                        log("%s %s %s round %d: other load on the cores (%.0f%% foreign"
                            "%s), %s" % (label, s.name, mode, rnd + 1, 100 * r["foreign"],
                                        ", never quiet before" if waited is None else "",
                                        "retrying" if attempt < args.retries else "kept"))
                        if attempt >= args.retries:
                            break
                    res[s.name][mode].append(r)
                    log("%s %s %s round %d: %.0f qps, server cpu %.0f%%, dnsperf cpu %.0f%%, "
                        "core0 busy %.0f%%, core1 busy %.0f%%, steal %.0f%%, %.0f q/cpu-s, lost %d, "
                        "resp %dB, rcodes %s%s"
                        % (label, s.name, mode, rnd + 1, r["qps"], 100 * r["server_util"],
                           100 * r["client_util"], 100 * r["cpu0_busy"], 100 * r["cpu1_busy"],
                           100 * r["steal"],
                           r["qps_per_cpu"], r["lost"], r["resp_size"], r["rcodes"],
                           " CONTENDED" if r["contended"] else ""))
        for s in servers:
            rss, pss = memory_kb(s.pids())
            res[s.name]["rss_kb"], res[s.name]["pss_kb"] = rss, pss
            res[s.name]["procs"] = len(s.pids())
        if args.profile and any(s.name == "sluiced" for s in servers):
            s = next(s for s in servers if s.name == "sluiced")
            res["sluiced"]["profile"] = profile(s, qfile, args, workdir, label)
    finally:
        for s in servers:
            s.stop()
    return summarize(res, meta)


def profile(server, qfile, args, workdir, label):
    """perf record/stat on sluiced during an extra (unrecorded) UDP run."""
    if not shutil.which("perf"):
        return {"error": "perf not installed"}
    out = {}
    data = os.path.join(workdir, "perf-%s.data" % label)
    for stale in (data, data + ".old"):
        if os.path.exists(stale):
            os.unlink(stale)
    secs = max(5, min(args.udp_seconds, 10))
    pid = str(server.proc.pid)
    rec = subprocess.Popen(["taskset", "-c", CLIENT_CPU, "perf", "record", "-F", "1999", "-g",
                            "-o", data, "-p", pid, "--", "sleep", str(secs + 1)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    run_dnsperf(server, qfile, secs, "udp", args.udp_clients, args.udp_outstanding)
    rec_out = rec.communicate()[0].decode("utf-8", "replace")
    if rec.returncode != 0:
        return {"error": "perf record failed: " + rec_out[-500:]}
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                          "--sort", "dso,symbol", "--percent-limit", "0.7", "-g", "none"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines = [re.sub(r"(\s+-)+\s*$", "", ln).rstrip()
             for ln in rep.stdout.decode("utf-8", "replace").splitlines()
             if ln.strip() and not ln.startswith("#")]
    out["top"] = lines[:30]
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                          "--sort", "dso", "-g", "none"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out["dso"] = [re.sub(r"(\s+-)+\s*$", "", ln).strip()
                  for ln in rep.stdout.decode("utf-8", "replace").splitlines()
                  if ln.strip() and not ln.startswith("#")][:8]
    st = subprocess.Popen(["taskset", "-c", CLIENT_CPU, "perf", "stat", "-p", pid, "--",
                           "sleep", str(secs)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.2)
    run_dnsperf(server, qfile, max(1, secs - 1), "udp", args.udp_clients, args.udp_outstanding)
    out["stat"] = st.communicate()[0].decode("utf-8", "replace").strip().splitlines()
    with open(os.path.join(workdir, "profile-%s.txt" % label), "w") as f:
        f.write("\n".join(out["dso"]) + "\n\n" + "\n".join(out["top"]) + "\n\n" +
                "\n".join(out["stat"]) + "\n")
    return out


def summarize(res, meta):
    summary = {"zone": meta, "servers": {}}
    for nm, r in res.items():
        if r.get("skipped"):
            summary["servers"][nm] = {"skipped": r["skipped"]}
            continue
        udp, tcp = r["udp"], r["tcp"]
        codes = {}
        for run in udp + tcp:
            for c, n in run["rcodes"].items():
                codes[c] = codes.get(c, 0) + n
        total = sum(codes.values()) or 1
        summary["servers"][nm] = {
            "udp_qps": median([x["qps"] for x in udp]),
            "tcp_qps": median([x["qps"] for x in tcp]),
            "udp_qps_per_cpu": median([x["qps_per_cpu"] for x in udp]),
            "tcp_qps_per_cpu": median([x["qps_per_cpu"] for x in tcp]),
            "udp_server_util": median([x["server_util"] for x in udp]),
            "tcp_server_util": median([x["server_util"] for x in tcp]),
            "udp_client_util": median([x["client_util"] for x in udp]),
            "tcp_client_util": median([x["client_util"] for x in tcp]),
            "udp_qps_all": [round(x["qps"]) for x in udp],
            "tcp_qps_all": [round(x["qps"]) for x in tcp],
            "udp_lost": sum(x["lost"] for x in udp),
            "udp_sent": sum(x["sent"] for x in udp),
            "tcp_lost": sum(x["lost"] for x in tcp),
            "contended": sum(1 for x in udp + tcp if x["contended"]),
            "runs": len(udp + tcp),
            "resp_size": median([x["resp_size"] for x in udp]),
            "rss_mb": r["rss_kb"] / 1024.0,
            "pss_mb": r["pss_kb"] / 1024.0,
            "rss_loaded_mb": r["rss_loaded_kb"] / 1024.0,
            "procs": r["procs"],
            "load_s": median(r["load"]),
            "load_all": [round(x, 3) for x in r["load"]],
            "load_contended": r.get("load_contended", 0),
            "rcode_pct": {c: 100.0 * n / total for c, n in sorted(codes.items())},
            "expected_nx_pct": 100.0 * meta["query_mix"]["NXDOMAIN"] / meta["queries"],
            "guard": r["guard"],
            "profile": r.get("profile"),
        }
    # rcode distribution vs knotd.
    base = summary["servers"].get("knotd", {})
    for nm, s in summary["servers"].items():
        if "rcode_pct" not in s or "rcode_pct" not in base:
            continue
        keys = set(s["rcode_pct"]) | set(base["rcode_pct"])
        diff = max(abs(s["rcode_pct"].get(k, 0) - base["rcode_pct"].get(k, 0)) for k in keys)
        s["rcode_diff_vs_knotd_pp"] = diff
        s["rcode_match"] = diff <= 0.5
    return summary


COLS = [("UDP qps", "udp_qps", "%.0f"), ("TCP qps", "tcp_qps", "%.0f"),
        ("UDP qps/CPU-s", "udp_qps_per_cpu", "%.0f"), ("TCP qps/CPU-s", "tcp_qps_per_cpu", "%.0f"),
        ("RSS MB", "rss_mb", "%.1f"),
        ("PSS MB", "pss_mb", "%.1f"), ("load s", "load_s", "%.3f")]


NOISE = {"spent": 0.0}  # seconds spent waiting for / retrying around other load
SATURATED = 0.90  # server CPU share of a core below which qps is marked "*"


def table_rows(summary):
    base = summary["servers"].get("knotd")
    rows = []
    for nm in ("sluiced", "knotd", "nsd"):
        s = summary["servers"].get(nm)
        if s is None:
            continue
        if "skipped" in s:
            rows.append([nm, s["skipped"]])
            continue
        row = [nm]
        for _, key, fmt in COLS:
            v = s.get(key)
            cell = fmt % v if v is not None else "-"
            if key in ("udp_qps", "tcp_qps") and s[key[:3] + "_server_util"] < SATURATED:
                cell += "*"
            if base and "skipped" not in base and base.get(key) and v is not None:
                cell += " (%.2f×)" % (v / base[key])
            row.append(cell)
        rows.append(row)
    return rows


def details(summary):
    lines = []
    for nm in ("sluiced", "knotd", "nsd"):
        s = summary["servers"].get(nm)
        if not s or "skipped" in s:
            continue
        flags = []
        if not s.get("rcode_match", True):
            flags.append("**rcode distribution differs from knotd by %.2f pp**"
                         % s["rcode_diff_vs_knotd_pp"])
        if abs(s["rcode_pct"].get("NXDOMAIN", 0) - s["expected_nx_pct"]) > 0.5:
            flags.append("**NXDOMAIN share %.2f%%, expected %.2f%%**"
                         % (s["rcode_pct"].get("NXDOMAIN", 0), s["expected_nx_pct"]))
        if s["contended"]:
            flags.append("**%d of %d runs had other load on the cores**"
                         % (s["contended"], s["runs"]))
        if s["load_contended"]:
            flags.append("**%d of %d load trials had other load on CPU %s**"
                         % (s["load_contended"], len(s["load_all"]), SERVER_CPU))
        lines.append(
            "- %s: UDP qps %s, server CPU %.0f%%, dnsperf CPU %.0f%% of a core, lost %d of %d; "
            "TCP qps %s, server CPU %.0f%%, dnsperf CPU %.0f%%, lost %d; "
            "avg UDP response %d B; load s %s; RSS right after load %.1f MB; "
            "%d process(es); rcodes %s%s" % (
                nm, s["udp_qps_all"], 100 * s["udp_server_util"], 100 * s["udp_client_util"],
                s["udp_lost"], s["udp_sent"], s["tcp_qps_all"], 100 * s["tcp_server_util"],
                100 * s["tcp_client_util"], s["tcp_lost"], s["resp_size"], s["load_all"],
                s["rss_loaded_mb"], s["procs"],
                ", ".join("%s %.2f%%" % kv for kv in s["rcode_pct"].items()),
                "" if not flags else "; " + "; ".join(flags)))
    return lines


FOOTNOTE = ("* the server used less than %d%% of its core (median over the rounds): "
            "that qps is bounded by something else: the client, or other load on the machine "
            "(see the details)." % (100 * SATURATED))


def render_text(title, summary):
    hdr = ["server"] + [c[0] for c in COLS]
    rows = table_rows(summary)
    full = [r for r in rows if not r[1].startswith(("skipped", "failed"))]
    widths = [max(len(str(r[i])) for r in [hdr] + full) for i in range(len(hdr))]
    out = [title, "  ".join(h.ljust(w) for h, w in zip(hdr, widths))]
    for r in rows:
        if r in full:
            out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
        else:
            out.append("%s  %s" % (r[0].ljust(widths[0]), r[1]))
    out.append(FOOTNOTE)
    out.extend(details(summary))
    return "\n".join(out)


def render_md(title, summary):
    hdr = ["server"] + [c[0] for c in COLS]
    out = ["### " + title, "", "| " + " | ".join(hdr) + " |",
           "|" + "|".join([" --- "] + [" ---: "] * len(COLS)) + "|"]
    for r in table_rows(summary):
        if r[1].startswith(("skipped", "failed")):
            r = [r[0], r[1]] + [""] * (len(COLS) - 1)
        out.append("| " + " | ".join(r) + " |")
    out += ["", "\\" + FOOTNOTE, "", "Details (medians; every round in brackets):", ""]
    out.extend(details(summary))
    return "\n".join(out)


def build_identity(args):
    """What sluiced build is measured: git HEAD, local changes, and the
    modification times of the binary, libsluice-wire and the zonefile plugin."""
    ident = {}
    try:
        ident["git"] = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                                      ).stdout.decode().strip()
        ident["git_changed_files"] = len(subprocess.run(
            ["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.splitlines())
    except OSError:
        pass
    real = os.path.join(os.path.dirname(args.sluiced), ".libs", os.path.basename(args.sluiced))
    for key, path in (("sluiced", real if os.path.exists(real) else args.sluiced),
                      ("libsluice", os.path.join(TOP, ".libs", "libsluice-wire.so")),
                      ("zonefile", os.path.join(args.plugin_path, "zonefile.so"))):
        try:
            ident[key] = time.strftime("%Y-%m-%d %H:%M:%S",
                                       time.gmtime(os.stat(path).st_mtime))
        except OSError:
            ident[key] = None
    return ident


def machine_info():
    cpu = "?"
    try:
        out = subprocess.run(["lscpu"], stdout=subprocess.PIPE).stdout.decode()
        m = re.search(r"Model name:\s+(.*)", out)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    return {"date": subprocess.run(["date"], stdout=subprocess.PIPE).stdout.decode().strip(),
            "cpu": cpu, "ncpu": os.cpu_count(), "kernel": platform.release(),
            "knotd": subprocess.run(["knotd", "-V"], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT).stdout.decode().strip()
            if shutil.which("knotd") else None,
            "nsd": (subprocess.run(["nsd", "-v"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT).stdout.decode().splitlines()
                    or ["?"])[0] if shutil.which("nsd") else None,
            "dnsperf": "dnsperf " + (subprocess.run(
                ["dnsperf", "-h"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            ).stdout.decode().strip().splitlines() or ["?"])[-1].replace("Version ", "")}


def main(argv=None):
    ap = argparse.ArgumentParser(description="sluiced vs knotd vs nsd benchmark")
    ap.add_argument("--quick", action="store_true",
                    help="100k zone only, short runs (smoke check)")
    ap.add_argument("--workdir", default=os.environ.get("SLUICE_BENCH_DIR", "/tmp/sluice-bench"))
    ap.add_argument("--servers", default="sluiced,knotd,nsd")
    ap.add_argument("--zones", default=None, help="comma list of 100k,1m (default both; "
                    "--quick: 100k)")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--load-trials", type=int, default=None)
    ap.add_argument("--udp-seconds", type=int, default=None)
    ap.add_argument("--tcp-seconds", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--udp-clients", type=int, default=8)
    ap.add_argument("--udp-outstanding", type=int, default=200)
    ap.add_argument("--tcp-clients", type=int, default=8)
    ap.add_argument("--tcp-outstanding", type=int, default=200)
    ap.add_argument("--load-timeout", type=int, default=300)
    ap.add_argument("--quiet-wait", type=float, default=30,
                    help="max seconds to wait for both cores to be idle before each run")
    ap.add_argument("--foreign-max", type=float, default=0.10,
                    help="busy fraction of a core not charged to server/dnsperf above "
                    "which a run counts as contended and is retried")
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--noise-budget", type=float, default=90,
                    help="total seconds the whole run may spend waiting for quiet cores "
                    "and re-running contended runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sluiced", default=os.path.join(TOP, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(TOP, "plugins"))
    ap.add_argument("--profile", action="store_true",
                    help="perf record/stat sluiced during an extra UDP run")
    ap.add_argument("--force", action="store_true",
                    help="time servers even if they fail the correctness guard")
    args = ap.parse_args(argv)
    q = args.quick
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    for s in args.servers:
        if s not in SERVER_CLASSES:
            ap.error("unknown server %s" % s)
    zones = args.zones.split(",") if args.zones else (["100k"] if q else ["100k", "1m"])
    if args.rounds is None:
        args.rounds = 2 if q else 5
    if args.load_trials is None:
        args.load_trials = 1 if q else 3
    if args.udp_seconds is None:
        args.udp_seconds = 3 if q else 6
    if args.tcp_seconds is None:
        args.tcp_seconds = 3 if q else 5
    if args.warmup is None:
        args.warmup = 1 if q else 2
    sizes = {"100k": 100000, "1m": 1000000}
    for z in zones:
        if z not in sizes:
            ap.error("unknown zone %s" % z)
    for tool in ("dnsperf", "taskset"):
        if not shutil.which(tool):
            sys.exit("bench: %s not found (Debian: apt-get install dnsperf util-linux)" % tool)
    if os.cpu_count() < 2:
        log("warning: fewer than 2 CPUs; server and dnsperf will share a core")
    os.makedirs(args.workdir, exist_ok=True)
    daemon.stop_all_on_signals()  # no server outlives a terminated run
    # The harness (load-time poller, guard) runs next to dnsperf, not the server.
    try:
        os.sched_setaffinity(0, {int(CLIENT_CPU)})
    except OSError:
        pass
    info = machine_info()
    log("machine: %s" % info)
    build = build_identity(args)
    log("sluiced build: %s" % build)
    started = time.monotonic()
    results = {"machine": info, "args": vars(args), "zones": {}}
    texts, mds = [], []
    for z in zones:
        summary = bench_zone(z, sizes[z], args, args.workdir)
        results["zones"][z] = summary
        with open(os.path.join(args.workdir, "zones", z + ".zone")) as zf:
            nrec = sum(1 for line in zf if not line.startswith("$"))
        title = "%s zone (%s names, %s records), 1 worker per server%s" % (
            z.upper(), format(sizes[z], ","), format(nrec, ","), ", quick" if q else "")
        texts.append(render_text(title, summary))
        mds.append(render_md(title, summary))
        for nm, s in summary["servers"].items():
            if s.get("profile"):
                prof = s["profile"]
                texts.append("sluiced profile (%s zone, extra UDP run, perf cpu-clock):\n  %s" % (
                    z, "\n  ".join(prof.get("dso", []) + [""] +
                                   prof.get("top", [prof.get("error", "")]))))
    elapsed = time.monotonic() - started
    build_after = build_identity(args)
    results["build"] = build
    rebuilt = [k for k in ("sluiced", "libsluice", "zonefile") if build_after[k] != build[k]]
    if rebuilt:
        log("WARNING: %s changed on disk during the run; running servers kept the old "
            "build, later starts used the new one" % ", ".join(rebuilt))
        results["rebuilt_during_run"] = rebuilt
    head = ("Measured %s on %s (%d CPUs), kernel %s; %s; %s; %s. "
            "Servers pinned to CPU %s, dnsperf to CPU %s; %d interleaved rounds, medians; "
            "UDP %ds (-c %d -q %d), TCP %ds (-c %d -q %d); total %.0fs (%.0fs of it waiting for "
            "or re-running around other load on the machine)." % (
                info["date"], info["cpu"], info["ncpu"], info["kernel"], info["knotd"],
                info["nsd"], info["dnsperf"], SERVER_CPU, CLIENT_CPU, args.rounds,
                args.udp_seconds, args.udp_clients, args.udp_outstanding, args.tcp_seconds,
                args.tcp_clients, args.tcp_outstanding, elapsed, NOISE["spent"]))
    head += " sluiced: git %s%s, binary/libsluice/zonefile.so built %s / %s / %s (UTC)%s." % (
        build.get("git"), " + %d changed files" % build["git_changed_files"]
        if build.get("git_changed_files") else "", build["sluiced"], build["libsluice"],
        build["zonefile"], "; **rebuilt during the run: %s**" % ", ".join(rebuilt)
        if rebuilt else "")
    print()
    print(head)
    print()
    print("\n\n".join(texts))
    md = head + "\n\n" + "\n\n".join(mds) + "\n"
    with open(os.path.join(args.workdir, "results.md"), "w") as f:
        f.write(md)
    with open(os.path.join(args.workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    print("\nwrote %s and %s" % (os.path.join(args.workdir, "results.md"),
                                 os.path.join(args.workdir, "results.json")))


if __name__ == "__main__":
    main()
