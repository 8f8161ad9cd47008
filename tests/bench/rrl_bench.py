#!/usr/bin/env python3
"""Benchmark of the rate-limit plugin (issue 11); see tests/bench/README.md.

1. Cost: sluiced serving the 100K bench zone without any server-wide plugin,
   and with rate-limit loaded but not limiting (rates of 1,000,000/s, so
   every response is classified, hashed and accounted in the shared table,
   and none is dropped). UDP qps and qps per server CPU-second, rounds
   interleaved A B A B, medians.
2. Flood: the same flood against sluiced's rate-limit and knotd's mod-rrl
   (with mod-cookies before it), both at 20 responses/s per /24 and slip 0:
   dnsperf sends 20k qps of one question from 127.0.10.1 for 10 s while a
   10 qps client in another /24 and a 10 qps cookie-echoing client inside
   the flooded /24 (its server cookie learned over TCP first) ask the same
   question. Printed: flood answers, and the share of each client's queries
   answered in full.

Servers are pinned to CPU 0 with one worker, dnsperf and the clients to
CPU 1, as in bench.py. Python 3 standard library only.
"""

import argparse
import re
import signal
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
from bench import log  # noqa: E402

NOT_LIMITING = {"plugin": "rate-limit", "responses_per_second": 1000000, "burst": 1000000}
FLOOD_ZONE = """$ORIGIN example.com.
$TTL 3600
@       SOA ns hostmaster 1 7200 3600 1209600 300
@       NS  ns
ns      A   192.0.2.1
www     A   192.0.2.10
"""
RATE = 20
FLOOD_SRC, COOKIE_SRC, OTHER_SRC = "127.0.10.1", "127.0.10.2", "127.0.20.1"


class SluicedPlain(bench.Sluiced):
    name = "sluiced-plain"


class SluicedRRL(bench.Sluiced):
    name = "sluiced-rrl"
    server_plugins = [NOT_LIMITING]


class SluicedFlood(bench.Sluiced):
    name = "sluiced-flood"
    log_level = "notice"  # for the statistics (SIGUSR1)
    server_plugins = [{"plugin": "rate-limit", "responses_per_second": RATE, "slip": 0,
                       "ipv4_prefix": 24}]


class KnotdFlood(bench.Knotd):
    name = "knotd-flood"
    modules = """mod-cookies:
  - id: default

mod-rrl:
  - id: default
    rate-limit: %d
    slip: 0
""" % RATE
    global_modules = ["mod-cookies/default", "mod-rrl/default"]


# ---- part 1: what the plugin costs when it does not limit ------------------------

def overhead(args, workdir):
    zone, qfile, meta = bench.ensure_zone(workdir, "100k", 100000, 200000, 1)
    servers = [SluicedPlain(workdir, zone, meta["origin"], args),
               SluicedRRL(workdir, zone, meta["origin"], args)]
    runs = {s.name: [] for s in servers}
    for s in servers:
        s.start()
        deadline = time.monotonic() + 60
        while not _answers(s, meta):
            if time.monotonic() > deadline:
                sys.exit("%s did not load the zone:\n%s" % (s.name, s.log_tail()))
            time.sleep(0.05)
        bench.run_dnsperf(s, qfile, 1, "udp", args.clients, args.outstanding)  # warm-up
    try:
        for r in range(args.rounds):
            for s in servers:
                waited = bench.wait_quiet(args.quiet_wait)
                res = bench.run_dnsperf(s, qfile, args.seconds, "udp", args.clients,
                                        args.outstanding)
                res["quiet"] = waited is not None
                runs[s.name].append(res)
                log("round %d %s: %.0f qps, %.0f qps/CPU-s, server %.0f%% of its core, "
                    "lost %d%s" % (r + 1, s.name, res["qps"], res["qps_per_cpu"],
                                   100 * res["server_util"], res["lost"],
                                   "" if res["quiet"] else " (cores were busy)"))
    finally:
        for s in servers:
            s.stop()
    return runs


def _answers(server, meta):
    try:
        r = bench.query(server.port, meta["last"]["name"], "A", timeout=0.2)
    except (OSError, socket.timeout, KeyError):
        return False
    return r["rcode"] == 0 and r["answer"]


def callgrind(args, workdir):
    """User-space instructions per UDP query (callgrind, collection on only
    while dnsperf runs): a count that other load on the machine cannot move."""
    zone, qfile, meta = bench.ensure_zone(workdir, "100k", 100000, 200000, 1)
    q20k = os.path.join(workdir, "100k-20k.queries")
    with open(qfile) as f, open(q20k, "w") as out:
        for i, line in enumerate(f):
            if i >= args.callgrind_queries:
                break
            out.write(line)
    result = {}
    for cls in (SluicedPlain, SluicedRRL):
        s = cls(workdir, zone, meta["origin"], args)
        out_file = os.path.join(workdir, "callgrind.%s.out" % cls.name)
        binary, env = bench.daemon.libtool_direct(args.sluiced)
        s.workdir = os.path.join(workdir, "run", cls.name + "-callgrind")
        bench.shutil.rmtree(s.workdir, ignore_errors=True)
        os.makedirs(s.workdir)
        s.port = bench.daemon.free_port()
        conf = {"server": {"listen": ["127.0.0.1:%d" % s.port], "workers": 1,
                           "plugin_path": [args.plugin_path], "log_level": "warning"},
                "plugins": cls.server_plugins,
                "zones": [{"name": meta["origin"],
                           "plugins": [{"plugin": "zonefile", "file": zone}]}]}
        d = bench.daemon.Sluiced(binary, s.workdir, conf, s.port, env=env, stop_timeout=120,
                                 prefix=["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                         "--callgrind-out-file=" + out_file])
        d.start(wait=False)
        s.proc = d.process
        try:
            deadline = time.monotonic() + 300
            while not _answers(s, meta):
                if time.monotonic() > deadline or not d.running():
                    sys.exit("%s under callgrind did not load:\n%s" % (cls.name, s.log_tail()))
                time.sleep(0.2)
            subprocess.run(["callgrind_control", "-i", "on", str(d.pid)], check=True,
                           stdout=subprocess.DEVNULL)
            out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(s.port), "-d", q20k,
                                  "-n", "1", "-c", "8", "-q", "50", "-t", "10", "-e"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 check=True).stdout.decode()
            subprocess.run(["callgrind_control", "-i", "off", str(d.pid)], check=True,
                           stdout=subprocess.DEVNULL)
        finally:
            d.stop()
        res = bench.parse_dnsperf(out)
        with open(out_file) as f:
            ir = sum(int(v) for v in re.findall(r"^totals:\s+(\d+)", f.read(), re.M))
        result[cls.name] = (ir, res["completed"], res["lost"])
        log("%s: %d Ir for %d queries (%d lost): %.0f Ir/query" % (
            cls.name, ir, res["completed"], res["lost"], ir / max(1, res["completed"])))
    return result


# ---- part 2: one flood, two servers ---------------------------------------------------

def cookie_query(name, qid, client, server=b""):
    """A query with EDNS and a COOKIE option."""
    cookie = client + server
    opt = struct.pack("!HH", 10, len(cookie)) + cookie
    hdr = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1)
    return (hdr + bench.encode_name(name) + struct.pack("!HH", 1, 1) +
            b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opt)) + opt)


def find_cookie(buf):
    """The COOKIE option's data in a response's OPT, or None."""
    i = buf.find(b"\x00\x0a", 12)
    while i >= 0:
        (ln,) = struct.unpack("!H", buf[i + 2:i + 4])
        if 16 <= ln <= 40 and i + 4 + ln <= len(buf):
            return buf[i + 4:i + 4 + ln]
        i = buf.find(b"\x00\x0a", i + 1)
    return None


def full_answer(buf, qid):
    qid2, flags, _, an, _, _ = struct.unpack("!HHHHHH", buf[:12])
    return qid2 == qid and flags & 0x8000 and not flags & 0x200 and flags & 0xF == 0 and an > 0


def tcp_from(src, port, wire):
    return bench.tcp_exchange(port, wire, timeout=2, src=src)


class Client(threading.Thread):
    """@qps queries a second for @seconds from @src; counts full answers."""

    def __init__(self, port, src, qps, seconds, cookie=False):
        super().__init__(daemon=True)
        self.port, self.src, self.qps, self.seconds = port, src, qps, seconds
        self.client = os.urandom(8) if cookie else None
        self.server_cookie = b""
        if cookie:
            # Learn the server cookie over TCP, which neither server limits.
            reply = tcp_from(src, port, cookie_query("www.example.com.", 1, self.client))
            data = find_cookie(reply)
            if not data or data[:8] != self.client:
                raise RuntimeError("no server cookie over TCP")
            self.server_cookie = data[8:]
        self.sent = self.answered = 0

    def run(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((self.src, 0))
            start = time.monotonic()
            for i in range(int(self.qps * self.seconds)):
                delay = start + i / self.qps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                qid = random.randrange(65536)
                if self.client:
                    wire = cookie_query("www.example.com.", qid, self.client, self.server_cookie)
                else:
                    wire = bench.build_query("www.example.com.", "A", qid)  # no cookie
                s.sendto(wire, ("127.0.0.1", self.port))
                self.sent += 1
                # A late answer still counts (the machine may be busy); the
                # schedule catches up by sending the next query at once.
                deadline = time.monotonic() + 0.5
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    s.settimeout(left)
                    try:
                        buf, _ = s.recvfrom(65535)
                    except socket.timeout:
                        break
                    if full_answer(buf, qid):
                        self.answered += 1
                        break


def flood(args, workdir):
    zone = os.path.join(workdir, "flood.zone")
    os.makedirs(workdir, exist_ok=True)
    with open(zone, "w") as f:
        f.write(FLOOD_ZONE)
    qfile = os.path.join(workdir, "flood.queries")
    with open(qfile, "w") as f:
        f.write("www.example.com A\n")
    results = {}
    for cls in (SluicedFlood, KnotdFlood):
        s = cls(workdir, zone, "example.com.", args)
        reason = s.available()
        if reason:
            log("%s %s" % (cls.name, reason))
            continue
        s.start()
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    r = bench.parse_response(tcp_from("127.0.0.1", s.port, bench.build_query(
                        "www.example.com.", "A", 7)))
                    if r["rcode"] == 0 and r["answer"]:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("%s did not start:\n%s" % (s.name, s.log_tail()))
                time.sleep(0.1)
            bench.wait_quiet(args.quiet_wait)
            cpu0 = bench.cpu_seconds(s.pids())
            p = subprocess.Popen(["taskset", "-c", bench.CLIENT_CPU, "dnsperf", "-s", "127.0.0.1",
                                  "-p", str(s.port), "-a", FLOOD_SRC, "-d", qfile,
                                  "-Q", str(args.flood_qps), "-l", str(args.flood_seconds),
                                  "-t", "1", "-q", "30000", "-c", "1"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            time.sleep(1)
            clients = [Client(s.port, OTHER_SRC, 10, args.flood_seconds - 2),
                       Client(s.port, COOKIE_SRC, 10, args.flood_seconds - 2, cookie=True)]
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            out, _ = p.communicate(timeout=args.flood_seconds + 30)
            cpu = bench.cpu_seconds(s.pids()) - cpu0
            counts = sluiced_counts(s) if isinstance(s, SluicedFlood) else None
        finally:
            s.stop()
        d = bench.parse_dnsperf(out.decode("utf-8", "replace"))
        results[cls.name] = {
            "sent": d["sent"], "answered": d["completed"], "runtime": d["runtime"],
            "other": (clients[0].answered, clients[0].sent),
            "cookie": (clients[1].answered, clients[1].sent), "cpu": cpu,
            # sluiced's own count: UDP queries received from the flood (all
            # but the clients'), less those the plugin limited
            "server_answered": (counts[0] - clients[0].sent - clients[1].sent - counts[1]
                                if counts else None),
            "server_received": (counts[0] - clients[0].sent - clients[1].sent
                                if counts else None),
        }
        log("%s: flood %d sent, %d answered; other /24 %d/%d; cookie client %d/%d" % (
            cls.name, d["sent"], d["completed"], clients[0].answered, clients[0].sent,
            clients[1].answered, clients[1].sent))
    return results


def sluiced_counts(server):
    """(UDP queries received, responses the plugin limited), from the
    statistics SIGUSR1 logs."""
    server.proc.signal(signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        log_text = server.proc.log_text()
        udp = re.findall(r"stats udp=(\d+)", log_text)
        limited = re.findall(r"stats rate-limit limited=(\d+)", log_text)
        if udp and limited:
            return int(udp[-1]), int(limited[-1])
        time.sleep(0.05)
    return None


def pct(a, b):
    return "%.1f%% (%d/%d)" % (100.0 * a / b, a, b) if b else "-"


def main(argv=None):
    ap = argparse.ArgumentParser(description="rate-limit plugin benchmark")
    ap.add_argument("--workdir", default="/tmp/sluice-bench-rrl")
    ap.add_argument("--sluiced", default=os.path.join(bench.TOP, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(bench.TOP, "plugins"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--outstanding", type=int, default=200)
    ap.add_argument("--quiet-wait", type=float, default=20)
    ap.add_argument("--flood-qps", type=int, default=20000)
    ap.add_argument("--flood-seconds", type=int, default=10)
    ap.add_argument("--skip-overhead", action="store_true")
    ap.add_argument("--callgrind", action="store_true",
                    help="also count instructions per query with valgrind's callgrind")
    ap.add_argument("--callgrind-queries", type=int, default=20000)
    ap.add_argument("--skip-flood", action="store_true")
    args = ap.parse_args(argv)
    for tool in ("dnsperf", "taskset"):
        if not bench.shutil.which(tool):
            sys.exit("rrl_bench: %s not found" % tool)

    print("# rate-limit benchmark, %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("sluiced %s; %s" % (bench.build_identity(args), bench.machine_info()))
    if not args.skip_overhead:
        runs = overhead(args, args.workdir)
        print("\n## Cost when not limiting (100K zone, UDP, 1 worker, %d rounds of %d s)\n" % (
            args.rounds, args.seconds))
        print("| sluiced | UDP qps (median) | qps per CPU-s (median) | rounds (qps/CPU-s) |")
        print("| --- | ---: | ---: | --- |")
        med = {}
        for name, rs in runs.items():
            q = bench.median([r["qps"] for r in rs])
            c = bench.median([r["qps_per_cpu"] for r in rs])
            med[name] = (q, c)
            print("| %s | %.0f | %.0f | %s |" % (
                name, q, c, ", ".join("%.0f%s" % (r["qps_per_cpu"], "" if r["quiet"] else "*")
                                      for r in rs)))
        (q0, c0), (q1, c1) = med["sluiced-plain"], med["sluiced-rrl"]
        print("\nwith rate-limit / without: qps %.3f, qps per CPU-s %.3f (cost %.1f%%)" % (
            q1 / q0, c1 / c0, 100 * (1 - c1 / c0)))
        print("(* rounds started before the cores were quiet)")
    if args.callgrind:
        cg = callgrind(args, args.workdir)
        print("\n## Instructions per UDP query (callgrind, 100K zone query mix, %d queries)\n"
              % args.callgrind_queries)
        print("| sluiced | Ir | queries answered | lost | Ir per query |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, (ir, n, lost) in cg.items():
            print("| %s | %d | %d | %d | %.0f |" % (name, ir, n, lost, ir / max(1, n)))
        (i0, n0, _), (i1, n1, _) = cg["sluiced-plain"], cg["sluiced-rrl"]
        print("\nrate-limit adds %.0f Ir per query (%.1f%%)" % (
            i1 / n1 - i0 / n0, 100 * ((i1 / n1) / (i0 / n0) - 1)))
    if not args.skip_flood:
        res = flood(args, args.workdir)
        print("\n## Flood: %d qps of one question from one /24 for %d s, 20/s per /24, slip 0\n"
              % (args.flood_qps, args.flood_seconds))
        print("| server | flood sent | flood answered (dnsperf) | sluiced: received / answered | "
              "answered/s | "
              "other /24 (10 qps) | cookie client in the flooded /24 (10 qps) | server CPU s |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, r in res.items():
            print("| %s | %d | %d | %s | %.1f | %s | %s | %.2f |" % (
                name, r["sent"], r["answered"], "-" if r["server_answered"] is None
                else "%d / %d" % (r["server_received"], r["server_answered"]), r["answered"] / r["runtime"] if r["runtime"] else 0,
                pct(*r["other"]), pct(*r["cookie"]), r["cpu"]))


if __name__ == "__main__":
    main()
