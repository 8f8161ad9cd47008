#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""IXFR from the sqlite-journal plugin: what 1,000 journaled versions cost.

Starts sluiced with sqlite-journal + zonefile on a zone of --names names,
makes --versions new versions by rewriting the zone file (serial + 1, one A
record changed) and reloading (SIGHUP), then restarts sluiced and measures:

  record   versions journaled per second through zone-file reloads (each a
           full parse of the file, the diff, one durable SQLite transaction)
  replay   seconds from process start until the journal's version answers
  ixfr     seconds to receive an IXFR over TCP from the oldest serial the
           journal holds (--versions difference sequences) and from 10
           versions back; median of --rounds
  size     the database file

Standard library only; needs a built tree (core/sluiced,
plugins/sqlite-journal.so, plugins/zonefile.so). Not part of make check.

    tests/bench/ixfr_journal.py [--versions 1000] [--names 10000] [--rounds 5]
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))

from daemon import QTYPE_SOA, Sluiced, free_port, query_wire, udp_probe  # noqa: E402

ZONE = "jr.bench."
QTYPE_IXFR = 251


def zone_text(serial, names):
    out = ["$ORIGIN %s" % ZONE, "$TTL 300",
           "@ SOA ns host %d 3600 600 86400 60" % serial, "@ NS ns", "ns A 192.0.2.1",
           # the record every version changes
           "v A 10.%d.%d.%d" % (serial >> 16 & 255, serial >> 8 & 255, serial & 255)]
    out += ["n%d A 198.51.%d.%d" % (i, i >> 8 & 255, i & 255) for i in range(names)]
    return "\n".join(out) + "\n"


def write_atomic(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def serial_of(port):
    reply = udp_probe(port, query_wire(ZONE, QTYPE_SOA), timeout=0.05)()
    if not reply or (reply[3] & 15) != 0 or struct.unpack("!H", reply[6:8])[0] < 1:
        return None
    # Question (one name), then the SOA RR: skip to its RDATA's serial.
    pos = 12
    while reply[pos]:
        pos += 1 + reply[pos]
    pos += 5
    pos += 2 if reply[pos] & 0xc0 == 0xc0 else len(ZONE) + 1
    pos += 10  # type, class, ttl, rdlength
    for _ in range(2):  # MNAME, RNAME (maybe compressed)
        while reply[pos] and reply[pos] & 0xc0 != 0xc0:
            pos += 1 + reply[pos]
        pos += 2 if reply[pos] & 0xc0 == 0xc0 else 1
    return struct.unpack("!I", reply[pos:pos + 4])[0]


def wait_serial(port, want, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serial_of(port) == want:
            return
        time.sleep(0.002)
    raise SystemExit("serial %d not served within %d s" % (want, timeout))


def ixfr_seconds(port, client_serial):
    """Wall time of one IXFR over TCP; returns (seconds, RRs received)."""
    qname = b"".join(bytes([len(label)]) + label.encode() for label in ZONE.split(".") if label)
    qname += b"\0"
    soa_rdata = b"\2ns" + qname + b"\4host" + qname + struct.pack("!IIIII", client_serial, 0, 0,
                                                                   0, 0)
    msg = struct.pack("!HHHHHH", 0x4242, 0, 1, 0, 1, 0) + qname + struct.pack("!HH", QTYPE_IXFR, 1)
    msg += qname + struct.pack("!HHIH", 6, 1, 0, len(soa_rdata)) + soa_rdata
    t0 = time.perf_counter()
    rrs = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(struct.pack("!H", len(msg)) + msg)
        buf = b""
        while True:
            while len(buf) < 2:
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("connection closed early")
                buf += chunk
            length = struct.unpack("!H", buf[:2])[0]
            while len(buf) < 2 + length:
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("connection closed early")
                buf += chunk
            m, buf = buf[2:2 + length], buf[2 + length:]
            if m[3] & 15:
                raise SystemExit("rcode %d" % (m[3] & 15))
            rrs += struct.unpack("!H", m[6:8])[0]
            # The reply ends with the message whose RR count completes it;
            # the caller knows how many RRs to expect.
            if rrs >= ixfr_seconds.expect:
                break
    return time.perf_counter() - t0, rrs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--builddir", default=os.environ.get("SLUICE_BUILDDIR", TOP))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    sluiced = os.path.join(args.builddir, "core", "sluiced")
    plugins = os.path.join(args.builddir, "plugins")
    work = tempfile.mkdtemp(prefix="sluice-ixfr-bench-")
    zone = os.path.join(work, "jr.zone")
    db = os.path.join(work, "jr.jrnl")
    port = free_port(ipv6=False)
    cfg = {"server": {"listen": ["127.0.0.1:%d" % port], "workers": 1,
                      "plugin_path": [plugins], "log_level": "notice"},
           "zones": [{"name": ZONE, "allow_transfer": ["127.0.0.0/8"],
                      "plugins": [{"plugin": "sqlite-journal", "file": db,
                                   "max_changes": args.versions,
                                   "max_size": 1 << 30},
                                  {"plugin": "zonefile", "file": zone}]}]}
    write_atomic(zone, zone_text(1, args.names))
    srv = Sluiced(sluiced, work, cfg, port).start()
    try:
        wait_serial(port, 1)
        t0 = time.monotonic()
        for n in range(2, args.versions + 2):
            write_atomic(zone, zone_text(n, args.names))
            srv.process.signal(signal.SIGHUP)
            wait_serial(port, n)
        record = time.monotonic() - t0
    finally:
        srv.stop()
    last = args.versions + 1
    t0 = time.monotonic()
    srv = Sluiced(sluiced, work, cfg, port).start(wait=False)
    try:
        wait_serial(port, last)
        replay = time.monotonic() - t0
        results = {}
        for back in sorted({args.versions, min(10, args.versions)}, reverse=True):
            # SOA, then per version: old SOA, old A, new SOA, new A; then SOA.
            ixfr_seconds.expect = 2 + 4 * back
            times = []
            for _ in range(args.rounds):
                secs, rrs = ixfr_seconds(port, last - back)
                if rrs != ixfr_seconds.expect:
                    raise SystemExit("IXFR of %d versions: %d RRs, expected %d" % (
                        back, rrs, ixfr_seconds.expect))
                times.append(secs)
            results[back] = statistics.median(times)
    finally:
        srv.stop()
    size = sum(os.path.getsize(os.path.join(work, f)) for f in os.listdir(work)
               if f.startswith("jr.jrnl"))
    print("zone: %d names; %d versions journaled" % (args.names + 3, args.versions))
    print("record: %.1f versions/s through zone-file reloads (%.1f s)" % (
        args.versions / record, record))
    print("replay at start (snapshot + %d changes) until served: %.3f s" % (
        args.versions, replay))
    for back, secs in results.items():
        print("IXFR over TCP, %d versions (%d RRs): median %.4f s of %d" % (
            back, 2 + 4 * back, secs, args.rounds))
    print("database: %.1f MiB" % (size / 1048576))
    if args.keep:
        print("work directory: " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
