#!/usr/bin/env python3
"""Geo benchmark: sluiced's geo-loadbalance vs knotd's geoip module.

Both servers answer the same map (continent/country views, MaxMind's test
City database) for the same name; dnsperf sends the same A queries with an
EDNS Client Subnet option per location (GB, SE, US, CN, an unlocated
address), one run per location, the server pinned to CPU 0 and dnsperf to
CPU 1, servers alternating (A B A B ...). Reported: queries per second and
queries per CPU-second of the server (median over rounds of the per-round
totals). Then the cost of health checks: sluiced with N members checked by
tcp connect every second, idle, its CPU time over a window as a share of one
core. Python 3 standard library only; see tests/bench/README.md.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (its Server classes, CPU accounting and dnsperf parsing)
from bench import CLIENT_CPU, SERVER_CPU, cpu_seconds, daemon, log, parse_dnsperf  # noqa: E402

CITY = os.path.join(TOP, "tests", "data", "geoip", "GeoIP2-City-Test.mmdb")
ZONE = """$ORIGIN geo.test.
$TTL 3600
@ SOA ns hostmaster 1 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
loc A 192.0.2.99
"""
KNOT_VIEWS = """loc.geo.test:
  - geo: "EU;SE"
    A: 192.0.2.20
  - geo: "EU;*"
    A: [ 192.0.2.10, 192.0.2.11 ]
  - geo: "NA;*"
    A: 198.51.100.10
  - geo: "AS;*"
    A: 203.0.113.10
"""
GEO = {
    "plugin": "geo-loadbalance", "database": CITY, "ecs": True,
    "pools": {"se": {"A": ["192.0.2.20"]}, "eu": {"A": ["192.0.2.10", "192.0.2.11"]},
              "na": {"A": ["198.51.100.10"]}, "as": {"A": ["203.0.113.10"]}},
    "names": {"loc": {"ttl": 30, "map": [
        {"match": "country:SE", "pools": ["se"]},
        {"match": "continent:EU", "pools": ["eu"]},
        {"match": "continent:NA", "pools": ["na"]},
        {"match": "continent:AS", "pools": ["as"]}]}},
}
# ECS options as dnsperf's -E code:hex (family 1, source /32, scope 0, address).
LOCATIONS = {"GB": "81.2.69.142", "SE": "89.160.20.112", "US": "216.160.83.56",
             "CN": "175.16.199.1", "none": "1.128.0.1"}


def ecs_hex(addr):
    return "8:" + "0001" + "20" + "00" + socket.inet_aton(addr).hex()


class GeoSluiced(bench.Sluiced):
    def available(self):
        so = os.path.join(self.args.plugin_path, "geo-loadbalance.so")
        return None if os.path.exists(so) else "skipped: geo-loadbalance not built"

    def launch(self):
        conf = {
            "server": {"listen": ["127.0.0.1:%d" % self.port], "workers": 1,
                       "plugin_path": [self.args.plugin_path], "log_level": "warning"},
            "zones": [{"name": "geo.test.", "plugins": [
                self.args.geo, {"plugin": "zonefile", "file": self.zone_path}]}],
        }
        binary, env = daemon.libtool_direct(self.args.sluiced)
        srv = daemon.Sluiced(binary, self.workdir, conf, self.port,
                             prefix=["taskset", "-c", SERVER_CPU], env=env, stop_timeout=30)
        return srv.start(wait=False).process


class GeoKnotd(bench.Knotd):
    def available(self):
        if not os.path.exists("/usr/lib/x86_64-linux-gnu/knot/modules-3.2/geoip.so"):
            return "skipped: knot-module-geoip not installed"
        return super().available()

    def prepare(self):
        argv, env = super().prepare()
        views = os.path.join(self.workdir, "geo.conf")
        with open(views, "w") as f:
            f.write(KNOT_VIEWS)
        path = argv[2]
        with open(path) as f:
            conf = f.read()
        conf = conf.replace("server:\n", "server:\n    edns-client-subnet: on\n", 1)
        conf = conf.replace("template:\n", (
            "mod-geoip:\n  - id: geo\n    config-file: \"%s\"\n    ttl: 30\n    mode: geodb\n"
            "    geodb-file: \"%s\"\n    geodb-key: [ continent/code, country/iso_code ]\n\n"
            "template:\n") % (views, CITY), 1)
        conf = conf.replace("    file: ", "    module: mod-geoip/geo\n    file: ")
        with open(path, "w") as f:
            f.write(conf)
        return argv, env


def wait_answering(server, timeout=10):
    wire = daemon.query_wire("loc.geo.test.")
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if daemon.udp_probe(server.port, wire)():
            return True
        time.sleep(0.05)
    return False


def run_location(server, qfile, ecs, seconds):
    argv = ["taskset", "-c", CLIENT_CPU, "dnsperf", "-s", "127.0.0.1", "-p", str(server.port),
            "-d", qfile, "-l", str(seconds), "-c", "1", "-q", "64", "-t", "2", "-e",
            "-E", ecs]
    c0 = cpu_seconds(server.pids())
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60).stdout
    c1 = cpu_seconds(server.pids())
    res = parse_dnsperf(out)
    if res["completed"] == 0 or res["rcodes"].get("NOERROR", 0) != res["completed"]:
        raise RuntimeError("dnsperf against %s: %s" % (server.name, out[-1500:]))
    return res["completed"], res["runtime"], c1 - c0


def throughput(args, workdir, qfile):
    servers = [GeoSluiced(workdir, args.zone, "geo.test.", args),
               GeoKnotd(workdir, args.zone, "geo.test.", args)]
    rows = {}
    for s in servers:
        why = s.available()
        if why:
            rows[s.name] = why
    live = [s for s in servers if s.name not in rows]
    per = {s.name: [] for s in live}
    for rnd in range(args.rounds):
        for s in live:
            s.start()
            if not wait_answering(s):
                raise RuntimeError("%s does not answer: %s" % (s.name, s.log_tail()))
            done = wall = cpu = 0
            for loc, addr in LOCATIONS.items():
                d, w, c = run_location(s, qfile, ecs_hex(addr), args.seconds)
                done, wall, cpu = done + d, wall + w, cpu + c
            s.stop()
            per[s.name].append((done / wall, done / cpu if cpu else 0.0))
            log("round %d %s: %.0f qps, %.0f q/CPU-s" % (rnd + 1, s.name, done / wall,
                                                           done / cpu if cpu else 0))
    for name, vals in per.items():
        rows[name] = (statistics.median(v[0] for v in vals),
                      statistics.median(v[1] for v in vals))
    return rows


def health_cost(args, workdir, interval):
    """sluiced with N tcp-checked members (127.1.x.y) probed every @interval s, idle."""
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("0.0.0.0", 0))
    lst.listen(4096)
    port = lst.getsockname()[1]
    stop = threading.Event()

    def accept():
        lst.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = lst.accept()
                c.close()
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    members = ["127.1.%d.%d" % (i // 250, i % 250 + 1) for i in range(args.members)]
    # A pool holds at most 64 addresses: spread the members over pools.
    pools = {}
    for i in range(0, len(members), 64):
        pools["big%d" % (i // 64)] = {"check": "c", "A": members[i:i + 64]}
    checks = {"c": {"type": "tcp", "port": port, "interval": interval, "timeout": 0.5}}
    args.geo = dict(GEO, checks=checks, pools=dict(GEO["pools"], **pools))
    args.geo["names"] = dict(GEO["names"], big={"map": [
        {"match": "default", "pools": sorted(pools)[:16]}]})
    s = GeoSluiced(workdir, args.zone, "geo.test.", args)
    s.start()
    try:
        if not wait_answering(s):
            raise RuntimeError("sluiced does not answer: %s" % s.log_tail())
        time.sleep(3)  # first round spread over a second, then steady state
        c0, w0 = cpu_seconds(s.pids()), time.monotonic()
        time.sleep(args.health_seconds)
        c1, w1 = cpu_seconds(s.pids()), time.monotonic()
    finally:
        s.stop()
        stop.set()
        t.join()
        lst.close()
    args.geo = GEO
    return (c1 - c0) / (w1 - w0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default=os.environ.get("SLUICE_BENCH_DIR",
                                                        "/tmp/sluice-geo-bench"))
    ap.add_argument("--sluiced", default=os.path.join(TOP, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(TOP, "plugins"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4, help="dnsperf run per location")
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--health-seconds", type=float, default=20)
    ap.add_argument("--health-intervals", default="5,1",
                    help="check intervals to measure, comma-separated seconds")
    ap.add_argument("--no-throughput", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    args.zone = os.path.join(args.workdir, "geo.test.zone")
    with open(args.zone, "w") as f:
        f.write(ZONE)
    qfile = os.path.join(args.workdir, "geo.queries")
    with open(qfile, "w") as f:
        f.write("loc.geo.test A\n")
    args.geo = GEO
    rows = {} if args.no_throughput else throughput(args, args.workdir, qfile)
    print("| server | qps | queries per server CPU-second |")
    print("| --- | --- | --- |")
    for name, v in rows.items():
        if isinstance(v, str):
            print("| %s | %s | |" % (name, v))
        else:
            print("| %s | %.0f | %.0f |" % (name, v[0], v[1]))
    if "sluiced" in rows and "knotd" in rows and not isinstance(rows["knotd"], str) \
            and not isinstance(rows["sluiced"], str):
        print("\nsluiced/knotd per CPU-second: %.2fx" % (rows["sluiced"][1] / rows["knotd"][1]))
    if not isinstance(rows.get("sluiced"), str):
        print()
        for iv in args.health_intervals.split(","):
            share = health_cost(args, args.workdir, float(iv))
            print("health checks, %d tcp members every %s s, idle: %.2f%% of one core"
                  % (args.members, iv, share * 100))


if __name__ == "__main__":
    main()
