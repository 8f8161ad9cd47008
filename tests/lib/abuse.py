# TCP connection abuse against a DNS server, and a legitimate client that
# measures what service is left: shared by tests/system/test_tcp_abuse.py (small
# scale, seconds) and tests/bench/tcp_abuse.py (the scale).
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Python 3 standard library only. Attack connections come from 127.0.0.0/8
# source addresses other than 127.0.0.1 (which the legitimate client uses), a
# fixed number per address, and are driven by one thread with poll():
#
#     a = Attack(port, "hold", sources=8, per_source=10, period=0.5).start()
#     ok, lat = legit_tcp(port, n=100)
#     a.stop()
#
# Modes (none ever reads what the server sends):
#   hold       one whole query plus the first byte of the next, every period
#   slowloris  the query one byte per period
#   idle       connect, send nothing
#   axfr       one AXFR query for `qname`, then nothing
# With reconnect=True a connection the server closes is replaced at once.

import select
import socket
import struct
import threading
import time

from daemon import query_wire

QTYPE_AXFR = 252


def frame(wire):
    return struct.pack("!H", len(wire)) + wire


def source_addr(i):
    """The i-th attack source: 127.0.1.x, 127.0.2.x ... (never 127.0.0.1)."""
    return "127.0.%d.%d" % (1 + i // 250, 1 + i % 250)


class Attack:
    def __init__(self, port, mode, sources=4, per_source=4, period=1.0, qname="whoami.test.",
                 reconnect=True, rcvbuf=4096, addr="127.0.0.1"):
        self.port, self.mode, self.period, self.addr = port, mode, period, addr
        self.qname, self.reconnect, self.rcvbuf = qname, reconnect, rcvbuf
        self.slots = [source_addr(i) for i in range(sources) for _ in range(per_source)]
        self.socks = {}       # fd -> [socket, slot index, bytes sent of the current frame]
        self.connects = 0     # connections opened (reconnects included)
        self.closed = 0       # connections the server closed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._poll = select.poll()
        qtype = QTYPE_AXFR if mode == "axfr" else 1
        self.query = frame(query_wire(qname, qtype))

    # -- connections --
    def _open(self, slot):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setblocking(False)
        try:
            s.bind((self.slots[slot], 0))
            s.connect((self.addr, self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        self.connects += 1
        self.socks[s.fileno()] = [s, slot, 0]
        # No POLLIN: data from the server stays unread; only its close wakes us.
        self._poll.register(s.fileno(), select.POLLRDHUP | select.POLLHUP | select.POLLERR)

    def _drop(self, fd):
        s, slot, _ = self.socks.pop(fd)
        self._poll.unregister(fd)
        s.close()
        self.closed += 1
        if self.reconnect and not self._stop.is_set():
            self._open(slot)

    def _tick(self, fd):
        """One period's worth of bytes on connection @fd."""
        ent = self.socks[fd]
        s, _, sent = ent
        q = self.query
        if self.mode == "hold":
            data = q[:1] if sent == 0 else q[1:] + q[:1]
            ent[2] = 1
        elif self.mode == "slowloris":
            data = q[sent % len(q):sent % len(q) + 1]
            ent[2] = sent + 1
        elif self.mode == "axfr":
            if sent:
                return
            data, ent[2] = q, 1
        else:
            return
        try:
            s.send(data)
        except BlockingIOError:
            pass
        except OSError:
            self._drop(fd)

    def _run(self):
        for slot in range(len(self.slots)):
            self._open(slot)
        next_tick = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_tick:
                for fd in list(self.socks):
                    if fd in self.socks:
                        self._tick(fd)
                next_tick = now + self.period
            for fd, ev in self._poll.poll(max(0, (next_tick - time.monotonic()) * 1000)):
                if fd in self.socks:
                    self._drop(fd)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        for s, _, _ in self.socks.values():
            s.close()
        self.socks.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def legit_tcp(port, n=100, timeout=2.0, addr="127.0.0.1", qname="whoami.test.", pause=0.0,
              duration=None, errors=None):
    """A legitimate client: @n queries (or as many as fit in @duration
    seconds), each on a new connection, each waiting up to @timeout for its
    answer. Each failure is appended to the list @errors (when given) as
    "<exception> after <seconds>". @return (answered, asked, sorted latencies
    of the answered)"""
    ok, asked, lat = 0, 0, []
    end = time.monotonic() + duration if duration else None
    while (asked < n) if end is None else (time.monotonic() < end):
        asked += 1
        q = query_wire(qname, 1)
        t0 = time.monotonic()
        try:
            with socket.create_connection((addr, port), timeout=timeout) as s:
                s.settimeout(max(0.01, timeout - (time.monotonic() - t0)))
                s.sendall(frame(q))
                buf = b""
                while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                    d = s.recv(4096)
                    if not d:
                        raise EOFError
                    buf += d
                if buf[2:4] == q[:2]:
                    ok += 1
                    lat.append(time.monotonic() - t0)
        except (OSError, EOFError) as e:
            if errors is not None:
                errors.append("%s after %.3f s" % (type(e).__name__, time.monotonic() - t0))
        if pause:
            time.sleep(pause)
    return ok, asked, sorted(lat)


def legit_udp(port, n=100, timeout=1.0, addr="127.0.0.1", qname="whoami.test.", pause=0.0):
    """Like legit_tcp() over UDP, one socket. @return (answered, asked, sorted latencies)"""
    ok, lat = 0, []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        for _ in range(n):
            q = query_wire(qname, 1)
            t0 = time.monotonic()
            try:
                s.sendto(q, (addr, port))
                while True:
                    d = s.recv(65535)
                    if d[:2] == q[:2]:
                        ok += 1
                        lat.append(time.monotonic() - t0)
                        break
            except OSError:
                pass
            if pause:
                time.sleep(pause)
    return ok, n, sorted(lat)


def p99(lat):
    return lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("inf")
