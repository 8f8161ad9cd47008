#!/usr/bin/env python3
# TCP under abuse at the scale of issue 13: ~1,100 attack connections from
# 127.0.0.0/8 sources (16 per address, the default per-client cap) against a
# server with its default TCP settings, while a legitimate client measures
# what is left: TCP answers (a new connection per query) and UDP latency.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
#   tests/bench/tcp_abuse.py [--servers sluiced,knotd,nsd] [--attacks hold,...]
#                            [--seconds 15] [--axfr-records 200000]
#
# Attacks (tests/lib/abuse.py):
#   hold       one whole query plus the first byte of the next every 4 s, never read
#   slowloris  one byte every 3 s, reconnecting at once when closed
#   fdlimit    `hold`, with the server under an open-file limit of 1,024 (prlimit)
#   axfr       1,000 clients start an AXFR of a big zone and never read
# Needs a built tree, Python 3 (standard library), prlimit; knotd and nsd
# rows when they are installed. Results go to stdout (a Markdown table).

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
sys.path.insert(0, HERE)

import daemon  # noqa: E402
from abuse import Attack, legit_tcp, legit_udp, p99  # noqa: E402
import bench  # noqa: E402  (the Knotd and Nsd launchers)

ORIGIN = "abuse.example."
ATTACKS = {
    # mode, period, sources x per_source, limit the server runs under
    "hold": ("hold", 4.0, (69, 16), None),
    "slowloris": ("slowloris", 3.0, (69, 16), None),
    "fdlimit": ("hold", 4.0, (69, 16), 1024),
    "axfr": ("axfr", 1.0, (63, 16), None),
}


def write_zone(path, n):
    with open(path, "w") as f:
        f.write("$ORIGIN %s\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n"
                "@ NS ns\nns A 192.0.2.1\n" % ORIGIN)
        for i in range(n):
            f.write("www%d A 10.%d.%d.%d\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))


class SluicedDefaults(bench.Server):
    """sluiced with its default TCP settings and 2 workers."""
    name = "sluiced"

    def available(self):
        return None if os.path.exists(self.args.sluiced) else "not built"

    def launch(self):
        conf = {"server": {"listen": ["127.0.0.1:%d" % self.port], "workers": 2,
                           "plugin_path": [self.args.plugin_path], "log_level": "notice"},
                "zones": [{"name": ORIGIN, "allow_transfer": ["127.0.0.0/8"],
                           "plugins": [{"plugin": "zonefile", "file": self.zone_path}]}]}
        binary, env = daemon.libtool_direct(self.args.sluiced)
        return daemon.Sluiced(binary, self.workdir, conf, self.port, prefix=self.prefix,
                              env=env, stop_timeout=30).start(wait=False).process


class Unpinned:
    """Starts the server without bench.py's CPU pinning, with self.prefix."""

    def launch(self):
        argv, env = self.prepare()
        return daemon.Process(argv, name=self.name, cwd=self.workdir, env=env,
                              log_path=os.path.join(self.workdir, "server.log"),
                              stop_timeout=30).start()


class KnotdXfr(Unpinned, bench.Knotd):
    def prepare(self):
        argv, env = super().prepare()
        path = argv[2]
        with open(path) as f:
            conf = f.read()
        conf = conf.replace("    udp-workers: 1\n    tcp-workers: 1\n", "")
        conf = conf.replace("zone:\n", "acl:\n  - id: xfr\n    address: 127.0.0.0/8\n"
                            "    action: transfer\n\nzone:\n")
        conf += "    acl: xfr\n"
        with open(path, "w") as f:
            f.write(conf)
        return self.prefix + argv, env


class NsdXfr(Unpinned, bench.Nsd):
    def prepare(self):
        argv, env = super().prepare()
        path = argv[3]
        with open(path) as f:
            conf = f.read()
        conf = conf.replace("    server-count: 1\n", "    server-count: 2\n")
        conf = conf.replace("    tcp-count: 256\n", "")
        conf += "    provide-xfr: 127.0.0.0/8 NOKEY\n"
        with open(path, "w") as f:
            f.write(conf)
        return self.prefix + argv, env


SERVERS = {"sluiced": SluicedDefaults, "knotd": KnotdXfr, "nsd": NsdXfr}


def wait_ready(port, timeout=120):
    probe = daemon.udp_probe(port, daemon.query_wire("www7." + ORIGIN), timeout=0.5)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if probe():
            return True
        time.sleep(0.2)
    return False


def run_one(cls, attack, zone, args, workdir):
    mode, period, (sources, per), nofile = ATTACKS[attack]
    srv = cls(workdir, zone, ORIGIN, args)
    reason = srv.available()
    if reason:
        return {"server": srv.name, "attack": attack, "skipped": reason}
    srv.prefix = ["prlimit", "--nofile=%d:%d" % (nofile, nofile)] if nofile else []
    srv.start()
    try:
        if not wait_ready(srv.port):
            return {"server": srv.name, "attack": attack,
                    "skipped": "did not start: " + srv.log_tail(5).replace("\n", " ")}
        base_tcp = legit_tcp(srv.port, n=50, qname="www7." + ORIGIN)
        with Attack(srv.port, mode, sources=sources, per_source=per, period=period,
                    qname=ORIGIN if mode == "axfr" else "www7." + ORIGIN) as a:
            time.sleep(args.warmup)
            tcp = legit_tcp(srv.port, duration=args.seconds, timeout=2.0, pause=0.02,
                            qname="www7." + ORIGIN)
            udp = legit_udp(srv.port, n=500, timeout=1.0, pause=0.002, qname="www7." + ORIGIN)
            rss = bench.memory_kb(srv.pids())[0]
            held = len(a.socks)
            connects = a.connects
        return {"server": srv.name, "attack": attack, "baseline_tcp": base_tcp[0] / base_tcp[1],
                "tcp_ok": tcp[0], "tcp_asked": tcp[1], "tcp_p99": p99(tcp[2]),
                "udp_ok": udp[0], "udp_asked": udp[1], "udp_p99": p99(udp[2]),
                "rss_mb": rss / 1024.0, "attack_conns": held, "attack_connects": connects,
                "alive": srv.alive()}
    finally:
        srv.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--servers", default="sluiced,knotd,nsd")
    ap.add_argument("--attacks", default=",".join(ATTACKS))
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--warmup", type=float, default=6.0)
    ap.add_argument("--axfr-records", type=int, default=200000)
    ap.add_argument("--sluiced", default=os.path.join(REPO, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(REPO, "plugins"))
    args = ap.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    workdir = tempfile.mkdtemp(prefix="sluice-tcp-abuse-")
    zone = os.path.join(workdir, "abuse.zone")
    write_zone(zone, args.axfr_records)
    rows = []
    try:
        for attack in args.attacks.split(","):
            for name in args.servers.split(","):
                r = run_one(SERVERS[name], attack, zone, args, workdir)
                rows.append(r)
                print(r, file=sys.stderr, flush=True)
    finally:
        daemon.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    print("| attack | server | legit TCP answered | TCP p99 | UDP answered | UDP p99 | RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        if "skipped" in r:
            print("| %s | %s | skipped: %s | | | | |" % (r["attack"], r["server"], r["skipped"]))
            continue
        print("| %s | %s | %d/%d (%.1f%%) | %.0f ms | %d/%d | %.1f ms | %.0f MB |" % (
            r["attack"], r["server"], r["tcp_ok"], r["tcp_asked"],
            100.0 * r["tcp_ok"] / max(1, r["tcp_asked"]), r["tcp_p99"] * 1e3,
            r["udp_ok"], r["udp_asked"], r["udp_p99"] * 1e3, r["rss_mb"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
