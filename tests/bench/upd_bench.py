#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Dynamic updates per second: sluiced (update + sqlite-journal) vs knotd vs named.

Issue 8's benchmark. The same zone (--names A records under upd.bench.), the
same stream of single-record TSIG-signed (hmac-sha256) UPDATEs over UDP, each
adding one new A record, sent by one client (one update outstanding) and by
--conc clients (one outstanding each). Every server keeps a durable journal
and acknowledges an update only after committing it:

  sluiced  update + sqlite-journal (WAL, synchronous=FULL) + zonefile, 1 worker
  knotd    its LMDB journal (journal-db-mode robust, journal-content changes),
           zonefile-sync -1, 1 UDP, 1 TCP, 1 background worker
  named    allow-update { key ddns-key.; }, its .jnl journal, -n 1

With --signed the zone is also signed on every change: sluiced's
dnssec-signer plugin (without sqlite-journal: the two do not start together
yet, see the README), knotd's automatic signing (dnssec-signing: on, default
policy: ECDSA P-256, NSEC), named's dnssec-policy default (ECDSA P-256, NSEC).

Servers run on CPU 0, the client (this process) on CPU 1; each round starts
every server fresh on a copy of the zone (rounds interleaved, server order
rotated), waits until its CPU is idle, then runs 1 client and --conc clients
for --seconds each. Reported: acknowledged (NOERROR) updates per second and
per server CPU-second (utime+stime from /proc of the server's processes over
the run), medians and range over rounds; the client's own CPU share, so a
client-bound run is visible; and a check that the last acknowledged name of
each run is served. Messages are built and TSIG-signed here (standard library
hmac), not by dnspython: the client costs ~35 us per update.

    python3 tests/bench/upd_bench.py [--names 10000] [--rounds 5] [--seconds 5]
    python3 tests/bench/upd_bench.py --signed --names 1000
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import select
import shutil
import socket
import statistics
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import bench  # noqa: E402  (CPU accounting, quiet-core wait, the process launcher)
from bench import CLIENT_CPU, SERVER_CPU, cpu_busy, cpu_seconds, daemon, log  # noqa: E402

ORIGIN = "upd.bench."
KEY_NAME = "ddns-key."
SECRET_B64 = base64.b64encode(hashlib.sha256(b"sluice upd_bench key").digest()).decode()
SECRET = base64.b64decode(SECRET_B64)


# ---- wire ------------------------------------------------------------------------

def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


ORIGIN_WIRE = name_wire(ORIGIN)
KEY_WIRE = name_wire(KEY_NAME)
ALG_WIRE = name_wire("hmac-sha256.")


def tsig_sign(msg, now):
    """@msg (ARCOUNT 0) with a TSIG RR (RFC 8945 §4.3.3) appended."""
    t48 = struct.pack("!HI", now >> 32, now & 0xFFFFFFFF)
    variables = KEY_WIRE + struct.pack("!HI", 255, 0) + ALG_WIRE + t48 + struct.pack("!HHH", 300, 0, 0)
    mac = hmac.new(SECRET, msg + variables, hashlib.sha256).digest()
    rdata = ALG_WIRE + t48 + struct.pack("!HH", 300, len(mac)) + mac + msg[:2] + b"\0\0\0\0"
    rr = KEY_WIRE + struct.pack("!HHIH", 250, 255, 0, len(rdata)) + rdata
    return msg[:10] + b"\0\1" + msg[12:] + rr


def update_wire(qid, owner, addr, now):
    """UPDATE for ORIGIN adding "owner 300 A addr", TSIG-signed."""
    msg = (struct.pack("!HHHHHH", qid, 5 << 11, 1, 0, 1, 0) + ORIGIN_WIRE + struct.pack("!HH", 6, 1)
           + name_wire(owner) + struct.pack("!HHIH", 1, 1, 300, 4) + addr)
    return tsig_sign(msg, now)


def query_wire(qid, name, qtype, do=False):
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000 if do else 0, 0)
    return (struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + name_wire(name)
            + struct.pack("!HH", qtype, 1) + opt)


def ask(port, name, qtype, do=False, timeout=0.5):
    """(rcode, ancount) of a UDP query, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(query_wire(0x4242, name, qtype, do), ("127.0.0.1", port))
        data = s.recv(65535)
        return data[3] & 15, struct.unpack("!H", data[6:8])[0]
    except OSError:
        return None
    finally:
        s.close()


# ---- servers -----------------------------------------------------------------------

def zone_text(names):
    out = ["$ORIGIN %s" % ORIGIN, "$TTL 300", "@ SOA ns hostmaster 1 3600 600 86400 300",
           "@ NS ns", "ns A 192.0.2.1"]
    out += ["n%d A 198.51.%d.%d" % (i, i >> 8 & 255, i & 255) for i in range(names)]
    return "\n".join(out) + "\n"


class Server:
    name = "?"
    origin = ORIGIN

    def __init__(self, args, workdir, zone_src):
        self.args = args
        self.dir = os.path.join(workdir, self.name)
        self.zone_src = zone_src
        self.proc = None
        self.port = None

    def start(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.zone = os.path.join(self.dir, "zone")
        shutil.copy(self.zone_src, self.zone)
        self.port = daemon.free_port(ipv6=False)
        argv, env = self.prepare()
        self.proc = daemon.Process(["taskset", "-c", SERVER_CPU] + argv, name=self.name,
                                   cwd=self.dir, env=env,
                                   log_path=os.path.join(self.dir, "server.log"),
                                   stop_timeout=30).start()
        deadline = time.monotonic() + 120
        while True:
            if not self.proc.running():
                raise RuntimeError("%s exited:\n%s" % (self.name, self.proc.log_tail(30)))
            if self.ready():
                break
            if time.monotonic() > deadline:
                raise RuntimeError("%s not ready:\n%s" % (self.name, self.proc.log_tail(30)))
            time.sleep(0.1)
        # Until the server's CPU is idle (initial signing, journal set-up).
        prev = cpu_seconds(self.pids())
        while time.monotonic() < deadline:
            time.sleep(0.5)
            cur = cpu_seconds(self.pids())
            if cur - prev < 0.02:
                break
            prev = cur

    def ready(self):
        r = ask(self.port, self.origin, 6)
        if not r or r[0] != 0 or r[1] < 1:
            return False
        if getattr(self.args, "signed", False):
            r = ask(self.port, self.origin, 48, do=True)  # DNSKEY + RRSIG
            return bool(r and r[0] == 0 and r[1] >= 2)
        return True

    def pids(self):
        return daemon.process_tree(self.proc.pid) if self.proc else []

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


class Sluiced(Server):
    name = "sluiced"
    log_level = "warning"

    def zone_plugins(self):
        # With dnssec-signer, no journal: on a fresh start the signed version has the
        # loaded version's serial, which sqlite-journal refuses ("serial 1 is not newer
        # than the journal's 1"), so the zone is never published (found 2026-12-05).
        plugins = ([] if self.args.signed else
                   [{"plugin": "sqlite-journal", "file": os.path.join(self.dir, "zone.jrnl")}])
        plugins += [{"plugin": "zonefile", "file": self.zone},
                    {"plugin": "update", "policy": [
                        {"key": KEY_NAME, "match": "subdomain", "name": ORIGIN, "types": ["A"]}]}]
        if self.args.signed:
            os.makedirs(os.path.join(self.dir, "keys"), mode=0o700)
            plugins.append({"plugin": "dnssec-signer", "key_dir": os.path.join(self.dir, "keys")})
        return plugins

    def prepare(self):
        cfg = {"server": {"listen": ["127.0.0.1:%d" % self.port], "workers": 1,
                          "plugin_path": [self.args.plugin_path], "log_level": self.log_level},
               "tsig_keys": [{"name": KEY_NAME, "algorithm": "hmac-sha256", "secret": SECRET_B64}],
               "zones": [{"name": self.origin, "plugins": self.zone_plugins()}]}
        path = os.path.join(self.dir, "sluiced.json")
        with open(path, "w") as f:
            json.dump(cfg, f, indent=1)
        binary, env = daemon.libtool_direct(self.args.sluiced)
        return [binary, "--config", path, "--foreground"], env


class Knotd(Server):
    """Updates with the TSIG key; journal-db-mode is knotd's default, robust
    (the journal is synced at each commit)."""
    name = "knotd"

    def prepare(self):
        w = self.dir
        os.makedirs(os.path.join(w, "db"))  # knotd makes db/journal, db/timers, not db/
        keys = ("key:\n  - id: {key}\n    algorithm: hmac-sha256\n    secret: {secret}\n"
                "acl:\n  - id: upd\n    key: {key}\n    action: update\n"
                .format(key=KEY_NAME, secret=SECRET_B64))
        conf = bench.knot_conf(w, self.port, self.origin, self.zone, journal="changes",
                               sections=keys,
                               zone_extra="    acl: upd\n" + ("    dnssec-signing: on\n"
                                                             if getattr(self.args, "signed", False)
                                                             else ""))
        path = os.path.join(w, "knot.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["knotd", "-c", path, "-s", os.path.join(w, "knot.sock")], dict(os.environ)


class Named(Server):
    name = "named"

    def zone_clause(self):
        """The zone statement's update (and signing) lines."""
        return ('    allow-update {{ key {key}; }};\n'.format(key=KEY_NAME)
                + ('    dnssec-policy default;\n    key-directory "%s";\n' % self.dir
                   if self.args.signed else ""))

    def prepare(self):
        w = self.dir
        conf = """options {{
    directory "{w}";
    pid-file none;
    session-keyfile none;
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
}};
key "{key}" {{ algorithm hmac-sha256; secret "{secret}"; }};
zone "{origin}" {{
    type primary;
    file "{zone}";
{clause}}};
logging {{ category default {{ default_stderr; }}; category update {{ null; }};
          category update-security {{ null; }}; category security {{ null; }}; }};
""".format(w=w, port=self.port, key=KEY_NAME, secret=SECRET_B64, origin=self.origin,
           zone=self.zone, clause=self.zone_clause())
        path = os.path.join(w, "named.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["named", "-f", "-n", "1", "-c", path], dict(os.environ)


SERVERS = {"sluiced": Sluiced, "knotd": Knotd, "named": Named}


# ---- the load ------------------------------------------------------------------------

def run_load(port, conc, seconds, prefix, timeout=2.0):
    """@conc UDP clients, one TSIG-signed UPDATE outstanding each, for @seconds.
    Returns a dict: acked (NOERROR received in the window), other rcodes,
    lost (no answer within @timeout), latencies, last acked owner, client CPU."""
    socks, pending = [], {}
    ep = select.epoll()
    seq = [0]
    now_signed = int(time.time())

    def send(i):
        seq[0] += 1
        n = seq[0]
        owner = "%s-%d.%s" % (prefix, n, ORIGIN)
        qid = n & 0xFFFF
        wire = update_wire(qid, owner, bytes([10, n >> 16 & 255, n >> 8 & 255, n & 255]),
                           now_signed)
        socks[i].send(wire)
        pending[i] = (qid, owner, time.monotonic())

    for i in range(conc):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        socks.append(s)
        ep.register(s.fileno(), select.EPOLLIN)
    fd_index = {s.fileno(): i for i, s in enumerate(socks)}
    res = {"acked": 0, "rcodes": {}, "lost": 0, "lat": [], "last": None}
    cpu0 = time.process_time()
    t0 = time.monotonic()
    end = t0 + seconds
    for i in range(conc):
        send(i)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        for fd, _ in ep.poll(min(0.05, end - now)):
            i = fd_index[fd]
            try:
                data = socks[i].recv(65535)
            except BlockingIOError:
                continue
            qid, owner, sent = pending[i]
            if len(data) < 12 or struct.unpack("!H", data[:2])[0] != qid:
                continue  # a late answer to a message given up on
            t = time.monotonic()
            if t > end:
                break
            rc = data[3] & 15
            if rc == 0:
                res["acked"] += 1
                res["lat"].append(t - sent)
                res["last"] = owner
            else:
                res["rcodes"][rc] = res["rcodes"].get(rc, 0) + 1
            now_signed = int(time.time())
            send(i)
        now = time.monotonic()
        for i, (qid, owner, sent) in list(pending.items()):
            if now - sent > timeout:
                res["lost"] += 1
                send(i)
    res["wall"] = time.monotonic() - t0
    res["client_cpu"] = time.process_time() - cpu0
    for s in socks:
        ep.unregister(s.fileno())
        s.close()
    ep.close()
    return res


def measure(server, conc, seconds, prefix):
    pids = server.pids()
    b0, c0 = cpu_busy(), cpu_seconds(pids)
    r = run_load(server.port, conc, seconds, prefix)
    c1, b1 = cpu_seconds(pids), cpu_busy()
    r["server_cpu"] = c1 - c0
    r["ups"] = r["acked"] / r["wall"]
    r["per_cpu"] = r["acked"] / r["server_cpu"] if r["server_cpu"] > 0 else float("nan")
    r["server_share"] = r["server_cpu"] / r["wall"]
    r["client_share"] = r["client_cpu"] / r["wall"]
    # Other load on the machine: busy time not charged to the server or this client.
    busy = sum(b1[c] - b0[c] for c in (SERVER_CPU, CLIENT_CPU))
    r["other"] = max(0.0, busy - r["server_cpu"] - r["client_cpu"]) / r["wall"]
    r["lat_ms"] = (statistics.median(r["lat"]) * 1000) if r["lat"] else float("nan")
    r["p99_ms"] = (sorted(r["lat"])[int(0.99 * (len(r["lat"]) - 1))] * 1000
                   if r["lat"] else float("nan"))
    served = ask(server.port, r["last"], 1) if r["last"] else None
    r["last_served"] = bool(served and served[0] == 0 and served[1] >= 1)
    del r["lat"]
    return r


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="sluiced,knotd,named")
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--conc", type=int, default=16)
    ap.add_argument("--signed", action="store_true")
    ap.add_argument("--workdir", default="/var/tmp/sluice-bench-upd")
    ap.add_argument("--sluiced", default=os.path.join(TOP, "core", "sluiced"))
    ap.add_argument("--plugin-path", default=os.path.join(TOP, "plugins"))
    ap.add_argument("--json", help="write every measurement here")
    args = ap.parse_args(argv)

    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    os.makedirs(args.workdir, exist_ok=True)
    zone_src = os.path.join(args.workdir, "zone-%d.src" % args.names)
    with open(zone_src, "w") as f:
        f.write(zone_text(args.names))
    names = args.servers.split(",")
    servers = [SERVERS[n](args, args.workdir, zone_src) for n in names]
    results = {n: {1: [], args.conc: []} for n in names}
    log("zone %s: %d names%s; %d rounds of %.0f s at 1 and %d clients; load average %s"
        % (ORIGIN, args.names, ", signed" if args.signed else "", args.rounds, args.seconds,
           args.conc, loadavg()))
    try:
        for rnd in range(args.rounds):
            order = servers[rnd % len(servers):] + servers[:rnd % len(servers)]
            for srv in order:
                srv.start()
                for conc in (1, args.conc):
                    r = measure(srv, conc, args.seconds, "r%dc%d" % (rnd, conc))
                    r["load"] = loadavg()
                    results[srv.name][conc].append(r)
                    log("round %d %-7s c=%-2d %7.1f upd/s %8.1f upd/CPU-s  server %3.0f%% "
                        "client %3.0f%% other %3.0f%%  lat %.2f/%.2f ms  lost %d  rcodes %s "
                        "last served %s  load %s"
                        % (rnd + 1, srv.name, conc, r["ups"], r["per_cpu"],
                           100 * r["server_share"], 100 * r["client_share"], 100 * r["other"],
                           r["lat_ms"], r["p99_ms"], r["lost"], r["rcodes"] or "-",
                           r["last_served"], r["load"]))
                srv.stop()
    finally:
        for srv in servers:
            srv.stop()
    print()
    print("| server | clients | upd/s median (range) | upd per server CPU-s median (range) "
          "| server CPU share | client CPU share | latency median / p99 ms | lost | last served |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for n in names:
        for conc in (1, args.conc):
            rs = results[n][conc]
            if not rs:
                continue
            ups = [r["ups"] for r in rs]
            pc = [r["per_cpu"] for r in rs]
            print("| %s | %d | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %.0f%% | %.0f%% | %.2f / %.2f "
                  "| %d | %d/%d |"
                  % (n, conc, statistics.median(ups), min(ups), max(ups), statistics.median(pc),
                     min(pc), max(pc), 100 * statistics.median(r["server_share"] for r in rs),
                     100 * statistics.median(r["client_share"] for r in rs),
                     statistics.median(r["lat_ms"] for r in rs),
                     statistics.median(r["p99_ms"] for r in rs), sum(r["lost"] for r in rs),
                     sum(r["last_served"] for r in rs), len(rs)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
