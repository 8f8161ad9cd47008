#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""SIG(0) garbage flood: sluiced (sig0-auth + update) vs named 9.18 vs knotd.

Issue 9's comparison. The zone example.com. publishes the test KEYs of
tests/data/sig0 (host1: ECDSA P-256; host2: Ed25519, plus --candidates - 1
other KEYs at host2 with the same key tag and algorithm, so a message naming
host2's key selects --candidates keys). Each server serves it with one
worker on CPU 0, with updates allowed for the SIG(0) signers where it can:

  sluiced  sig0-auth (defaults: max_candidate_keys 2, 1000 verifications per
           second and worker) + update ("self" for host1, host2) + zonefile
  named    update-policy { grant host1.example.com. self host1.example.com. A; ... }
  knotd    an update ACL for a TSIG key (knotd has no SIG(0))

Two floods, each a real UPDATE signed by BIND's nsupdate -k a moment before
(inside its time window) with one signature byte flipped, sent as fast as one
Python process can on CPU 1:

  badsig      signed by host1: one P-256 verification each (until the budget
              is spent)
  candidates  signed by host2: --candidates keys match, refused before any
              verification by sluiced

Meanwhile a legitimate client on CPU 1 asks www.example.com./A every
--interval ms over UDP (0.5 s timeout). Per server and phase (no flood,
badsig and candidates at each --rates): legit queries answered, their latency (median, p99),
flood messages sent, answers received and their rcodes, the server's CPU
share (utime+stime from /proc over the phase). Then, without a flood and with
each paced flood, dnsperf's legit UDP queries per second (--qps-seconds, 8
clients x 100 outstanding, CPU 1, shared with the flooder). Rounds interleave
servers.

    python3 tests/bench/sig0_flood.py [--rounds 3] [--seconds 5]
"""

import argparse
import base64
import importlib.util
import json
import os
import select
import socket
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import upd_bench  # noqa: E402  (server start/stop, queries)
from bench import CLIENT_CPU, SERVER_CPU, cpu_busy, cpu_seconds, log, run_dnsperf  # noqa: E402

DATA = os.path.join(TOP, "tests", "data", "sig0")
KEY1 = os.path.join(DATA, "Khost1.example.com.+013+44579")
KEY2 = os.path.join(DATA, "Khost2.example.com.+015+63283")
ORIGIN = "example.com."
RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
               5: "REFUSED", 9: "NOTAUTH", 10: "NOTZONE"}


def key_tag(rdata):
    ac = 0
    for i, b in enumerate(rdata):
        ac += b if i & 1 else b << 8
    ac += ac >> 16 & 0xFFFF
    return ac & 0xFFFF


def same_tag_variants(key_line, count):
    """@count KEY lines for host2: the real one and count-1 others with its tag."""
    f = key_line.split()
    flags, proto, alg, b64 = int(f[3]), int(f[4]), int(f[5]), "".join(f[6:])
    rd = bytearray(struct.pack("!HBB", flags, proto, alg) + base64.b64decode(b64))
    tag = key_tag(rd)
    out = [key_line]
    for k in range(1, count):
        v = bytearray(rd)
        a = 4 + 2 * k
        while v[a] == 255 or v[a + 2] == 0:
            a += 2
        v[a] += 1
        v[a + 2] -= 1  # same parity: the checksum (the tag) is unchanged
        assert key_tag(v) == tag
        out.append("%s %s %s %d %d %d %s" % (f[0], f[1], f[2], flags, proto, alg,
                                                base64.b64encode(bytes(v[4:])).decode()))
    return out


def zone_text(candidates):
    with open(os.path.join(DATA, "keys.zone")) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    keys = []
    for l in lines:
        keys += same_tag_variants(l, candidates) if l.startswith("host2.") else [l]
    return ("$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\n"
            "ns1 A 192.0.2.53\nwww A 192.0.2.80\n" + "\n".join(keys) + "\n")


def capture_signed(key, name):
    """The UPDATE nsupdate -k sends now (tests/data/sig0/make-fixtures.py's
    capture), with one signature byte flipped."""
    spec = importlib.util.spec_from_file_location("make_fixtures",
                                                  os.path.join(DATA, "make-fixtures.py"))
    fixtures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixtures)
    wire = bytearray(fixtures.capture(key, "update add %s 300 A 192.0.2.9" % name))
    wire[-3] ^= 0x40
    return bytes(wire)


class Sluiced(upd_bench.Sluiced):
    origin = ORIGIN
    log_level = "info"  # the refusals (10 lines a second at most) and the counters

    def zone_plugins(self):
        return [{"plugin": "sig0-auth"},
                {"plugin": "update", "policy": [
                    {"key": h, "match": "self", "types": ["A"]}
                    for h in ("host1.example.com.", "host2.example.com.")]},
                {"plugin": "zonefile", "file": self.zone}]


class Named(upd_bench.Named):
    origin = ORIGIN

    def zone_clause(self):
        return ("    update-policy { grant host1.example.com. self host1.example.com. A;\n"
                "                    grant host2.example.com. self host2.example.com. A; };\n")


class Knotd(upd_bench.Knotd):
    """Updates allowed for a TSIG key only: knotd has no SIG(0)."""
    origin = ORIGIN


SERVERS = {"sluiced": Sluiced, "named": Named, "knotd": Knotd}

FLOODER = r"""
import json, os, socket, sys, time
os.sched_setaffinity(0, {int(sys.argv[4])})
msg = bytes.fromhex(sys.argv[1]); port = int(sys.argv[2]); secs = float(sys.argv[3])
rate = float(sys.argv[5])  # messages per second, 0: as fast as possible
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False)
s.connect(("127.0.0.1", port))
sent = recv = 0; rcodes = {}
t0 = time.monotonic(); end = t0 + secs
while True:
    now = time.monotonic()
    if now >= end:
        break
    burst = 64 if not rate else min(64, int((now - t0) * rate) - sent)
    for _ in range(burst):
        try:
            s.send(msg); sent += 1
        except (BlockingIOError, ConnectionRefusedError):
            sent += 1
    try:
        while True:
            d = s.recv(4096); recv += 1
            rc = str(d[3] & 15); rcodes[rc] = rcodes.get(rc, 0) + 1
    except (BlockingIOError, ConnectionRefusedError):
        pass
    if rate and burst <= 0:
        time.sleep(0.0005)
print(json.dumps({"sent": sent, "recv": recv, "rcodes": rcodes, "secs": time.monotonic() - t0}))
"""


def legit(port, seconds, interval, timeout=0.5):
    """www.example.com./A every @interval s, whatever the answers do; an answer
    (NOERROR with the A record) counts when it comes within @timeout.
    Returns (answered, asked, latencies)."""
    q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    q.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    q.connect(("127.0.0.1", port))
    sent = {}
    lat, asked = [], 0
    t0 = time.monotonic()
    end = t0 + seconds
    nxt = t0
    while True:
        now = time.monotonic()
        if now >= end + timeout:
            break
        if now >= nxt and now < end:
            asked += 1
            qid = asked & 0xFFFF
            q.send(upd_bench.query_wire(qid, "www.example.com.", 1))
            sent[qid] = now
            nxt += interval
        r, _, _ = select.select([q], [], [], max(0.0, min(nxt, end + timeout) - now))
        if r:
            d = q.recv(4096)
            qid = struct.unpack("!H", d[:2])[0]
            t = sent.pop(qid, None)
            if (t is not None and time.monotonic() - t <= timeout and d[3] & 15 == 0
                    and struct.unpack("!H", d[6:8])[0] >= 1):
                lat.append(time.monotonic() - t)
    q.close()
    return len(lat), asked, lat


def phase(srv, flood, rate, args):
    pids = srv.pids()
    c0, b0, t0 = cpu_seconds(pids), cpu_busy(), time.monotonic()
    fl = None
    if flood is not None:
        fl = subprocess.Popen([sys.executable, "-c", FLOODER, flood.hex(), str(srv.port),
                               str(args.seconds + 0.4), CLIENT_CPU, str(rate)],
                              stdout=subprocess.PIPE, text=True)
        time.sleep(0.2)
    answered, asked, lat = legit(srv.port, args.seconds, args.interval / 1000.0)
    out = {"sent": 0, "recv": 0, "rcodes": {}, "secs": 1.0}
    if fl:
        out = json.loads(fl.communicate(timeout=args.seconds + 30)[0])
    wall = time.monotonic() - t0
    c1, b1 = cpu_seconds(pids), cpu_busy()
    lat.sort()
    return {"answered": answered, "asked": asked,
            "lat_ms": statistics.median(lat) * 1000 if lat else float("nan"),
            "p99_ms": lat[int(0.99 * (len(lat) - 1))] * 1000 if lat else float("nan"),
            "flood_sent": out["sent"], "flood_recv": out["recv"],
            "flood_rcodes": {RCODE_NAMES.get(int(k), k): v for k, v in out["rcodes"].items()},
            "flood_rate": out["sent"] / out["secs"],
            "server_share": (c1 - c0) / wall,
            "server_cpu": c1 - c0,
            # CPU 0's busy time not charged to the server: other work on the machine (and
            # the kernel's share of delivering the flood there)
            "other": max(0.0, b1[SERVER_CPU] - b0[SERVER_CPU] - (c1 - c0)) / wall,
            "load": open("/proc/loadavg").read().split()[0],
            "alive": srv.proc.running()}


def qps_phase(srv, flood, rate, qfile, args):
    """dnsperf's legit UDP queries per second (www.example.com. A, 8 clients x 100
    outstanding, on CPU 1) while @flood is sent at @rate, also from CPU 1."""
    fl = None
    if flood is not None:
        fl = subprocess.Popen([sys.executable, "-c", FLOODER, flood.hex(), str(srv.port),
                               str(args.qps_seconds + 0.6), CLIENT_CPU, str(rate)],
                              stdout=subprocess.PIPE, text=True)
        time.sleep(0.2)
    r = run_dnsperf(srv, qfile, args.qps_seconds, "udp", 8, 100)
    out = json.loads(fl.communicate(timeout=args.qps_seconds + 30)[0]) if fl else {"recv": 0}
    return {"qps": r["qps"], "lost": r["lost"], "server_util": r["server_util"],
            "cpu0_busy": r["cpu0_busy"], "flood_recv": out["recv"]}


def sluiced_stats(srv):
    import re
    import signal
    marker = "stats sig0-auth@example.com. too_many_keys="
    before = srv.proc.log_text().count(marker)
    srv.proc.signal(signal.SIGUSR1)
    deadline = time.monotonic() + 5
    while srv.proc.log_text().count(marker) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    return {k: int(v) for k, v in
            re.findall(r"stats sig0-auth@example\.com\. (\w+)=(\d+)", srv.proc.log_text())}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="sluiced,named,knotd")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--interval", type=float, default=2.0, help="legit query interval, ms")
    ap.add_argument("--candidates", type=int, default=3)
    ap.add_argument("--qps-seconds", type=float, default=3.0,
                    help="dnsperf run per server without and with each paced flood (0: none)")
    ap.add_argument("--rates", default="20000,0",
                    help="flood rates in messages/s, 0 = as fast as one process can")
    ap.add_argument("--workdir", default="/var/tmp/sluice-bench-sig0")
    ap.add_argument("--sluiced", default=os.path.join(TOP, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(TOP, "plugins"))
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    os.makedirs(args.workdir, exist_ok=True)
    zone_src = os.path.join(args.workdir, "example.com.zone")
    with open(zone_src, "w") as f:
        f.write(zone_text(args.candidates))
    qfile = os.path.join(args.workdir, "queries.txt")
    with open(qfile, "w") as f:
        f.write("www.example.com. A\n" * 1000)
    names = args.servers.split(",")
    servers = [SERVERS[n](args, args.workdir, zone_src) for n in names]
    qps = {n: {} for n in names}
    rates = [float(x) for x in args.rates.split(",")]
    phases = ["none"] + ["%s@%s" % (k, "%dk" % (r / 1000) if r else "max")
                         for r in rates for k in ("badsig", "candidates")]
    phase_rate = {p: rates[(i - 1) // 2] if i else 0 for i, p in enumerate(phases)}
    results = {n: {p: [] for p in phases} for n in names}
    stats = {}
    try:
        for rnd in range(args.rounds):
            floods = {"none": None, "badsig": capture_signed(KEY1, "host1.example.com."),
                      "candidates": capture_signed(KEY2, "host2.example.com.")}
            order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
            for srv in order:
                srv.start()
                for p in phases:
                    r = phase(srv, floods[p.split("@")[0]], phase_rate[p], args)
                    results[srv.name][p].append(r)
                    log("round %d %-7s %-10s legit %d/%d lat %.2f/%.2f ms  flood %.0f/s sent, "
                        "%d answers %s  server %3.0f%%  other on its core %3.0f%%  load %s"
                        % (rnd + 1, srv.name, p, r["answered"], r["asked"], r["lat_ms"],
                           r["p99_ms"], r["flood_rate"], r["flood_recv"], r["flood_rcodes"],
                           100 * r["server_share"], 100 * r["other"], r["load"]))
                for p in phases if args.qps_seconds > 0 else ():
                    if phase_rate[p] == 0 and p != "none":
                        continue  # an unpaced flood and dnsperf on one core measure nothing
                    q = qps_phase(srv, floods[p.split("@")[0]], phase_rate[p], qfile, args)
                    qps[srv.name].setdefault(p, []).append(q)
                    log("round %d %-7s %-10s dnsperf %.0f qps (lost %d), server %3.0f%% of its "
                        "core, core busy %3.0f%%, flood answers %d"
                        % (rnd + 1, srv.name, p, q["qps"], q["lost"], 100 * q["server_util"],
                           100 * q["cpu0_busy"], q["flood_recv"]))
                if srv.name == "sluiced":
                    st = sluiced_stats(srv)
                    for k, v in st.items():
                        stats[k] = stats.get(k, 0) + v
                    log("sluiced sig0-auth counters this round: %s" % st)
                # nothing was applied: host1 and host2 have no A record
                for h in ("host1.example.com.", "host2.example.com."):
                    r = upd_bench.ask(srv.port, h, 1)
                    if not r or r[1] != 0:
                        log("WARNING: %s on %s answered %s" % (h, srv.name, r))
                srv.stop()
    finally:
        for srv in servers:
            srv.stop()
    print()
    print("| server | flood | flood sent/s | flood answered | flood rcodes | legit answered "
          "| legit latency median / p99 ms | server CPU share | other on its core | server CPU us per answer |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for n in names:
        for p in phases:
            rs = results[n][p]
            rc = {}
            for r in rs:
                for k, v in r["flood_rcodes"].items():
                    rc[k] = rc.get(k, 0) + v
            sent = sum(r["flood_sent"] for r in rs)
            answers = sum(r["flood_recv"] + r["answered"] for r in rs)
            print("| %s | %s | %s | %s | %s | %d/%d | %.2f / %.2f | %.0f%% | %.0f%% | %.1f |"
                  % (n, p, "%.0f" % statistics.median(r["flood_rate"] for r in rs) if sent else "-",
                     "%.1f%%" % (100.0 * sum(r["flood_recv"] for r in rs) / sent) if sent else "-",
                     ", ".join("%s %d" % kv for kv in sorted(rc.items())) or "-",
                     sum(r["answered"] for r in rs), sum(r["asked"] for r in rs),
                     statistics.median(r["lat_ms"] for r in rs),
                     statistics.median(r["p99_ms"] for r in rs),
                     100 * statistics.median(r["server_share"] for r in rs),
                     100 * statistics.median(r["other"] for r in rs),
                     1e6 * sum(r["server_cpu"] for r in rs) / answers if answers else 0))
    if args.qps_seconds > 0:
        print("\n| server | flood | legit qps (dnsperf), median (range) | lost | server CPU "
              "share | its core busy |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for n in names:
            for p, qs in qps[n].items():
                v = [q["qps"] for q in qs]
                print("| %s | %s | %.0f (%.0f-%.0f) | %d | %.0f%% | %.0f%% |"
                      % (n, p, statistics.median(v), min(v), max(v), sum(q["lost"] for q in qs),
                         100 * statistics.median(q["server_util"] for q in qs),
                         100 * statistics.median(q["cpu0_busy"] for q in qs)))
    if stats:
        print("\nsluiced sig0-auth counters, all rounds: %s" % stats)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results, "qps": qps,
                       "sluiced_stats": stats}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
