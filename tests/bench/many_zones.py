#!/usr/bin/env python3
"""Many small zones (issue 12): a hosting provider's load.

Generates N zones of about 20 records each, serves them with sluiced and
knotd (same files, one worker each, pinned like run.sh), and reports per
server:
  start    seconds from spawn until the last zone answers, and its CPU
  RSS      of the process tree once every zone is served
  reload   one zone file changed, reload asked (SIGHUP / knotc reload):
           seconds until the change is served, and the CPU it cost
Ratios are sluiced / knotd. Python 3 standard library only; see
tests/bench/README.md ("Many zones").
"""

import argparse
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from bench import daemon  # noqa: E402


def zone_name(i):
    return "z%06d.example." % i


def zone_text(origin, serial, www):
    return """$ORIGIN {o}
$TTL 3600
@ IN SOA ns1 hostmaster {s} 7200 3600 1209600 3600
@ IN NS ns1.hosting.example.
@ IN NS ns2.hosting.example.
@ IN A 192.0.2.10
@ IN AAAA 2001:db8::10
@ IN MX 10 mail
@ IN TXT "v=spf1 mx -all"
www IN A {www}
www IN AAAA 2001:db8::11
mail IN A 192.0.2.12
mail IN AAAA 2001:db8::12
ftp IN CNAME www
blog IN CNAME www
shop IN A 192.0.2.13
api IN A 192.0.2.14
api IN A 192.0.2.15
dev IN A 192.0.2.16
_sip._tcp IN SRV 10 60 5060 sip
sip IN A 192.0.2.17
""".format(o=origin, s=serial, www=www)


def generate(zdir, n):
    os.makedirs(zdir, exist_ok=True)
    stamp = os.path.join(zdir, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == str(n):
        return
    for i in range(n):
        with open(os.path.join(zdir, "%s.zone" % zone_name(i)[:-1]), "w") as f:
            f.write(zone_text(zone_name(i), 1, "192.0.2.11"))
    with open(stamp, "w") as f:
        f.write(str(n))


def ask_a(port, name, timeout=0.05):
    """The A addresses answered for @name, or None without an answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        qid = random.randrange(65536)
        s.sendto(struct.pack("!H", qid) + bench.build_query(name, "A", 0)[2:],
                 ("127.0.0.1", port))
        buf = s.recv(65535)
        r = bench.parse_response(buf)
        return [v for o, t, v in r["answer"] if t == "A"]
    except (OSError, ValueError, IndexError, struct.error):
        return None
    finally:
        s.close()


def wait_answer(port, name, want, proc, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not proc.running():
            raise RuntimeError("server exited:\n" + proc.log_tail(20))
        got = ask_a(port, name)
        if got is not None and want in got:
            return time.monotonic()
        time.sleep(0.002)
    raise RuntimeError("%s never answered %s" % (name, want))


def sluiced_conf(w, port, zdir, n, plugin_path):
    return {
        "server": {"listen": ["127.0.0.1:%d" % port], "workers": 1,
                   "plugin_path": [plugin_path], "log_level": "warning"},
        "zones": [{"name": zone_name(i), "plugins": [
            {"plugin": "zonefile",
             "file": os.path.join(zdir, "%s.zone" % zone_name(i)[:-1])}]}
                  for i in range(n)],
    }


def knot_conf(w, port, zdir, n):
    lines = ["server:", '    rundir: "%s"' % w, "    listen: 127.0.0.1@%d" % port,
             "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1",
             "database:", '    storage: "%s/db"' % w,
             "log:", "  - target: stderr", "    any: warning",
             "template:", "  - id: default", '    storage: "%s"' % zdir,
             '    file: "%s/%%s.zone"' % zdir,
             "    zonefile-sync: -1", "    zonefile-load: whole", "    journal-content: none",
             "zone:"]
    lines += ["  - domain: %s" % zone_name(i) for i in range(n)]
    return "\n".join(lines) + "\n"


def run(server, args, zdir, workdir):
    n = args.zones
    w = os.path.join(workdir, "run-" + server)
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    port = daemon.free_port()
    if server == "sluiced":
        binary, env = daemon.libtool_direct(args.sluiced)
        srv = daemon.Sluiced(binary, w, sluiced_conf(w, port, zdir, n, args.plugin_path), port,
                             prefix=["taskset", "-c", bench.SERVER_CPU], env=env,
                             stop_timeout=60)
        proc = srv.start(wait=False).process
        reload_cmd = lambda: os.kill(proc.pid, signal.SIGHUP)  # noqa: E731
    else:
        conf = os.path.join(w, "knot.conf")
        with open(conf, "w") as f:
            f.write(knot_conf(w, port, zdir, n))
        sock = os.path.join(w, "knot.sock")
        proc = daemon.Process(["taskset", "-c", bench.SERVER_CPU, "knotd", "-c", conf, "-s", sock],
                              name="knotd", cwd=w, log_path=os.path.join(w, "server.log"),
                              stop_timeout=60).start()
        reload_cmd = lambda: subprocess.run(["knotc", "-s", sock, "reload"],  # noqa: E731
                                            check=True, stdout=subprocess.DEVNULL)
    path = None
    try:
        t0 = proc.started_at
        last = "www." + zone_name(n - 1)
        t = wait_answer(port, last, "192.0.2.11", proc, args.timeout)
        start = t - t0
        pids = daemon.process_tree(proc.pid)
        start_cpu = bench.cpu_seconds(pids)
        # Every zone, not just the last, is served (a sample).
        for i in random.Random(1).sample(range(n), min(n, 200)):
            got = ask_a(port, "www." + zone_name(i), timeout=1.0)
            if got != ["192.0.2.11"]:
                raise RuntimeError("%s: www.%s answered %r" % (server, zone_name(i), got))
        time.sleep(1.0)
        rss, pss = bench.memory_kb(pids)
        # Reload with one zone changed.
        k = n // 2
        path = os.path.join(zdir, "%s.zone" % zone_name(k)[:-1])
        with open(path, "w") as f:
            f.write(zone_text(zone_name(k), 2, "192.0.2.99"))
        # Make sure the mtime differs from the first write at coarse resolutions.
        st = os.stat(path)
        os.utime(path, (st.st_atime, st.st_mtime + 2))
        c0 = bench.cpu_seconds(pids)
        r0 = time.monotonic()
        reload_cmd()
        r1 = wait_answer(port, "www." + zone_name(k), "192.0.2.99", proc, args.timeout)
        # The CPU a reload costs: wait until the server is idle again.
        prev = -1.0
        while True:
            time.sleep(0.5)
            c = bench.cpu_seconds(pids)
            if c - prev < 0.02:
                break
            prev = c
        reload_cpu = bench.cpu_seconds(pids) - c0
        rss2, _ = bench.memory_kb(pids)
        return {"start": start, "start_cpu": start_cpu, "rss_mb": rss / 1024.0,
                "pss_mb": pss / 1024.0, "reload": r1 - r0, "reload_cpu": reload_cpu,
                "rss_after_reload_mb": rss2 / 1024.0}
    finally:
        proc.stop()
        if path is not None:  # the next server starts from the same files
            with open(path, "w") as f:
                f.write(zone_text(zone_name(n // 2), 1, "192.0.2.11"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zones", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workdir", default="/tmp/sluice-bench-zones")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--servers", default="sluiced,knotd")
    ap.add_argument("--sluiced", default=os.path.join(bench.TOP, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(bench.TOP, "plugins", "zonefile",
                                                          ".libs"))
    args = ap.parse_args()
    zdir = os.path.join(args.workdir, "zones-%d" % args.zones)
    bench.log("generating %d zones in %s" % (args.zones, zdir))
    generate(zdir, args.zones)
    results = {}
    for r in range(args.rounds):
        for server in args.servers.split(","):
            bench.log("round %d: %s" % (r + 1, server))
            res = run(server, args, zdir, args.workdir)
            bench.log("%s: %s" % (server, " ".join("%s=%.2f" % kv for kv in sorted(res.items()))))
            results.setdefault(server, []).append(res)
    print("| %d zones | %s |" % (args.zones, " | ".join(args.servers.split(","))) +
          (" sluiced/knotd |" if "knotd" in results and "sluiced" in results else ""))
    print("| --- |" + " ---: |" * (len(results) + ("knotd" in results and "sluiced" in results)))
    for key in ("start", "start_cpu", "rss_mb", "pss_mb", "reload", "reload_cpu",
                "rss_after_reload_mb"):
        vals = {s: bench.median([x[key] for x in results[s]]) for s in results}
        row = "| %s | %s |" % (key, " | ".join("%.2f" % vals[s] for s in results))
        if "knotd" in vals and "sluiced" in vals and vals["knotd"]:
            row += " %.2f× |" % (vals["sluiced"] / vals["knotd"])
        print(row)


if __name__ == "__main__":
    main()
