# Hostile input: thousands of random and mutated packets over UDP and TCP
# (fixed seed, bounded time); the server must never answer a response
# (QR=1), never send something that is not a response, keep running, keep
# answering correctly, and its stderr must show no sanitizer report.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import random
import select
import socket
import struct
import threading
import time

import dns.exception
import dns.message
import dns.rcode

from conftest import (HAVE_IPV6, SANITIZER_MARKERS, SRCDIR, base_config, free_port,
                      make_query)

SEED = 20240611
UDP_PACKETS = 6000
TCP_CONNECTIONS = 80
TCP_FRAMES_PER_CONN = 8     # 640 frames
TIME_BUDGET = 60.0

NAMES = ["whoami.test.", "WhoAmI.Test.", "example.com.", "a.b.example.com.", "big.test.",
         "order.test.", "err.test.", "pass.test.", "nowhere.invalid.", "who.zone.",
         "follow.test.", "deep.example.com.", ".",
         # served by zonefile from tests/data/zones/diff.example.zone
         "diff.example.", "cname1.diff.example.", "loop1.diff.example.",
         "x.dname.diff.example.", "q.wild.diff.example.", "a.b.ent.diff.example.",
         "deep.child.diff.example.", "big.diff.example.", "nx.diff.example."]
TYPES = ["A", "AAAA", "TXT", "ANY", "MX", "SOA", "NS", "CNAME", "AXFR", "IXFR", "OPT",
         "TYPE0", "TYPE65535", "RRSIG"]


def rand_option(rng):
    code = rng.choice([3, 8, 10, 11, 12, 15, rng.randrange(65536)])
    if code == 8:
        data = rand_ecs(rng)
    elif code == 10:
        data = rng.randbytes(rng.choice([0, 1, 7, 8, 9, 16, 24, 40, 41, 64]))
    else:
        data = rng.randbytes(rng.choice([0, 1, 2, 4, 20, 100]))
    return code, data


def rand_ecs(rng):
    family = rng.choice([0, 1, 2, 3, 0xFFFF])
    src = rng.choice([0, 1, 8, 24, 32, 33, 48, 56, 64, 128, 129, 255])
    scope = rng.choice([0, 0, 24, 255])
    alen = rng.choice([0, 1, 3, 4, 8, 16, 17, (src + 7) // 8])
    return struct.pack("!HBB", family, src, scope) + rng.randbytes(alen)


def opt_rr(rng, options=None, version=0, payload=1232):
    rdata = b""
    for code, data in options or []:
        length = len(data)
        if rng.random() < 0.1:
            length = rng.randrange(65536)  # lie about the option length
        rdata += struct.pack("!HH", code, length) + data
    rdlen = len(rdata)
    if rng.random() < 0.05:
        rdlen = rng.randrange(65536)  # lie about RDLENGTH
    ttl = (version << 16) | (rng.choice([0, 0x8000, 0xFFFF]) if rng.random() < 0.2 else 0)
    return b"\x00" + struct.pack("!HHIH", 41, payload, ttl, rdlen) + rdata


def valid_query(rng):
    name = rng.choice(NAMES)
    q = make_query(name, rng.choice(TYPES), rng.choice(["IN", "IN", "IN", "CH", "ANY"]),
                   use_edns=rng.choice([False, 0, 0]))
    q.id = rng.randrange(65536)
    wire = bytearray(q.to_wire())
    if rng.random() < 0.5 and wire[11] == 0:
        # Append our own OPT with random options (ECS, cookies, NSID, junk).
        opts = [rand_option(rng) for _ in range(rng.randrange(4))]
        wire += opt_rr(rng, opts, version=rng.choice([0, 0, 0, 1, 255]),
                       payload=rng.choice([0, 1, 511, 512, 1232, 4096, 65535]))
        struct.pack_into("!H", wire, 10, 1)
    return bytes(wire)


def bit_flips(rng, w):
    if not w:
        return w
    w = bytearray(w)
    for _ in range(rng.randrange(1, 9)):
        i = rng.randrange(len(w))
        w[i] ^= 1 << rng.randrange(8)
    return bytes(w)


def truncate(rng, w):
    return w[:rng.randrange(len(w))] if w else w


def huge_counts(rng, w):
    w = bytearray(w.ljust(12, b"\0"))
    for off in rng.sample([4, 6, 8, 10], rng.randrange(1, 5)):
        struct.pack_into("!H", w, off, rng.choice([0, 2, 3, 0x100, 0x7FFF, 0xFFFF]))
    return bytes(w)


def compression(rng, w):
    """A question whose name uses bad compression pointers."""
    hdr = bytearray(w[:12].ljust(12, b"\0"))
    struct.pack_into("!H", hdr, 4, 1)
    kind = rng.randrange(6)
    if kind == 0:    # pointer to itself
        name = b"\xc0\x0c"
    elif kind == 1:  # forward pointer past the end
        name = b"\xc0" + bytes([rng.randrange(14, 256)])
    elif kind == 2:  # two pointers pointing at each other
        name = b"\x01a\xc0\x10" + b"\xc0\x0c"
    elif kind == 3:  # pointer into the header
        name = b"\x03abc\xc0" + bytes([rng.randrange(0, 12)])
    elif kind == 4:  # reserved label types 0x40 / 0x80
        name = bytes([rng.choice([0x40, 0x80, 0x41, 0xBF])]) + b"abc\x00"
    else:            # name longer than 255 octets, or a label overrunning
        name = b"\x01a" * rng.choice([128, 130, 200]) + b"\x00" if rng.random() < 0.5 \
            else b"\x3fabc\x00"
    tail = struct.pack("!HH", rng.choice([1, 16, 255]), 1)
    out = bytes(hdr) + name + tail
    if rng.random() < 0.3:
        # And an OPT whose owner is a looping pointer.
        out += b"\xc0" + bytes([len(hdr)]) + struct.pack("!HHIH", 41, 1232, 0, 0)
        out = out[:10] + struct.pack("!H", 1) + out[12:]
    return out


def qr_set(rng, w):
    w = bytearray(w.ljust(3, b"\0"))
    w[2] |= 0x80
    return bytes(w)


def random_bytes(rng, _w):
    return rng.randbytes(rng.choice([0, 1, 2, 3, 11, 12, 13, rng.randrange(600)]))


def random_flags(rng, w):
    w = bytearray(w.ljust(4, b"\0"))
    w[2] = rng.randrange(256) & 0x7F  # opcode, AA, TC, RD — QR stays 0
    w[3] = rng.randrange(256)
    return bytes(w)


def trailing(rng, w):
    return w + rng.randbytes(rng.randrange(1, 64))


MUTATORS = [bit_flips, truncate, huge_counts, compression, qr_set, random_bytes,
            random_flags, trailing]


def packet(rng):
    w = valid_query(rng)
    if rng.random() < 0.08:
        return w  # some valid ones keep the server on its answering paths
    for _ in range(rng.choice([1, 1, 1, 2])):
        w = rng.choice(MUTATORS)(rng, w)
    return w


class Tracker:
    """Unique IDs per UDP packet; checks what each reply may be."""

    def __init__(self):
        self.next_id = 1
        self.sent = {}         # id -> set of QR bits of messages sent with that id
        self.problems = []
        self.responses = 0

    def stamp(self, w):
        if len(w) < 2:
            return w
        qid = self.next_id
        self.next_id += 1
        assert qid < 65536
        w = struct.pack("!H", qid) + w[2:]
        self.sent[qid] = {bool(len(w) >= 3 and w[2] & 0x80)}
        return w

    def check_response(self, data, where, sent=None):
        sent = self.sent if sent is None else sent
        self.responses += 1
        if len(data) < 12:
            self.problems.append("%s: %d-byte reply %r" % (where, len(data), data[:16]))
            return
        qid, flags = struct.unpack("!HH", data[:4])
        if not flags & 0x8000:
            self.problems.append("%s: reply with QR=0 (id %d)" % (where, qid))
        if qid not in sent:
            self.problems.append("%s: reply with an id no message had (%d)" % (where, qid))
        elif False not in sent[qid]:
            self.problems.append("%s: answered a QR=1 message (id %d)" % (where, qid))
        # The reply must be a well-formed message. (Opcodes are copied from
        # the query; dnspython cannot represent unassigned ones, so parse a
        # copy with opcode QUERY.)
        try:
            dns.message.from_wire(data[:2] + bytes([data[2] & 0x87]) + data[3:])
        except (dns.exception.DNSException, ValueError) as e:
            self.problems.append("%s: malformed reply to id %d: %s: %s: %s" % (
                where, qid, type(e).__name__, e, data.hex()))


def drain(sock, tracker, quiet=0.05):
    while True:
        r, _, _ = select.select([sock], [], [], quiet)
        if not r:
            return
        data, _ = sock.recvfrom(65535)
        tracker.check_response(data, "udp")


def fuzz_udp(port, rng, tracker, n, addr="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
        batch = 100
        for i in range(0, n, batch):
            for _ in range(min(batch, n - i)):
                w = tracker.stamp(packet(rng))
                try:
                    s.sendto(w, (addr, port))
                except BlockingIOError:
                    drain(s, tracker, 0.01)
                    s.sendto(w, (addr, port))
            drain(s, tracker, 0.02)
        drain(s, tracker, 0.3)


def tcp_frames(rng):
    out = b""
    for _ in range(TCP_FRAMES_PER_CONN):
        kind = rng.randrange(7)
        w = packet(rng)
        if kind == 0:    # honest frame around a mutated message
            out += struct.pack("!H", len(w)) + w
        elif kind == 1:  # zero-length frame
            out += b"\x00\x00"
        elif kind == 2:  # length says less than follows
            out += struct.pack("!H", max(0, len(w) - rng.randrange(1, 8))) + w
        elif kind == 3:  # length says more than follows
            out += struct.pack("!H", len(w) + rng.randrange(1, 300)) + w
        elif kind == 4:  # random bytes
            out += rng.randbytes(rng.randrange(1, 100))
        elif kind == 5:  # huge length
            out += b"\xff\xff" + w
        else:            # valid query frame
            v = valid_query(rng)
            out += struct.pack("!H", len(v)) + v
    if rng.random() < 0.5:
        out = out[:rng.randrange(len(out) + 1)]  # truncated mid-stream
    return out


def messages_in(stream):
    """The complete messages a server framing @stream per RFC 7766 sees:
    id -> set of their QR bits."""
    seen = {}
    i = 0
    while i + 2 <= len(stream):
        (n,) = struct.unpack("!H", stream[i:i + 2])
        if i + 2 + n > len(stream):
            break
        m = stream[i + 2:i + 2 + n]
        if len(m) >= 2:
            qid = struct.unpack("!H", m[:2])[0]
            seen.setdefault(qid, set()).add(bool(len(m) >= 3 and m[2] & 0x80))
        i += 2 + n
    return seen


def fuzz_tcp_conn(port, stream, tracker, lock, addr, abort):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2.0)
    try:
        s.connect((addr, port))
        try:
            s.sendall(stream)
        except (BrokenPipeError, ConnectionResetError):
            return
        if abort:
            # RST instead of FIN.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        s.shutdown(socket.SHUT_WR)
        buf = b""
        eof = False
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                d = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not d:
                eof = True
                break
            buf += d
        sent = messages_in(stream)
        while len(buf) >= 2:
            (n,) = struct.unpack("!H", buf[:2])
            if len(buf) < 2 + n:
                if eof:
                    with lock:
                        tracker.problems.append("tcp: server closed mid-reply")
                break
            with lock:
                tracker.check_response(buf[2:2 + n], "tcp", sent)
            buf = buf[2 + n:]
    finally:
        s.close()


def fuzz_tcp(port, rng, tracker, addrs):
    lock = threading.Lock()
    jobs = [(tcp_frames(rng), rng.random() < 0.2, addrs[i % len(addrs)])
            for i in range(TCP_CONNECTIONS)]
    errors = []

    def worker(part):
        try:
            for stream, abort, addr in part:
                fuzz_tcp_conn(port, stream, tracker, lock, addr, abort)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(jobs[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=40)
    assert not any(t.is_alive() for t in threads), "TCP fuzz connections hung"
    assert not errors, errors


def test_hostile_input(start_server):
    t0 = time.monotonic()
    port = free_port()
    cfg = base_config(port, tcp={"request_timeout": 2, "idle_timeout": 2})
    cfg["zones"].append({
        "name": "diff.example.", "allow_transfer": ["127.0.0.0/8", "::1/128"],
        "plugins": [{"plugin": "zonefile",
                     "file": os.path.join(SRCDIR, "tests", "data", "zones",
                                          "diff.example.zone")}]})
    srv = start_server(cfg=cfg, port=port, name="hostile")
    # The zone loads in the background: wait until it answers.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if srv.udp(make_query("diff.example.", "SOA")).answer:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("zone did not load:\n" + srv.stderr())
    rng = random.Random(SEED)
    tracker = Tracker()

    fuzz_udp(srv.port, rng, tracker, UDP_PACKETS)
    assert srv.running(), "sluiced died during UDP fuzzing:\n" + srv.stderr()[-5000:]
    if HAVE_IPV6:
        fuzz_udp(srv.port, rng, tracker, 500, addr="::1")
    udp_replies = tracker.responses

    addrs = ["127.0.0.1"] + (["::1"] if HAVE_IPV6 else [])
    fuzz_tcp(srv.port, rng, tracker, addrs)
    assert srv.running(), "sluiced died during TCP fuzzing:\n" + srv.stderr()[-5000:]
    tcp_replies = tracker.responses - udp_replies

    elapsed = time.monotonic() - t0
    assert elapsed < TIME_BUDGET, "hostile test took %.1f s" % elapsed
    assert udp_replies > UDP_PACKETS // 10, "suspiciously few UDP replies: %d" % udp_replies
    # Most streams are cut short or desynchronised on purpose; the seed gives
    # a couple of dozen complete replies. None would mean TCP was not tested.
    assert tcp_replies >= 10, "suspiciously few TCP replies: %d" % tcp_replies
    assert tracker.problems == [], "%d bad replies, first ones:\n%s" % (
        len(tracker.problems), "\n".join(tracker.problems[:15]))

    # Still answering correctly on both transports and families.
    srv.assert_healthy()
    if HAVE_IPV6:
        r = srv.udp(make_query("whoami.test.", "AAAA"), addr="::1")
        assert r.rcode() == dns.rcode.NOERROR
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["::1"]
        r = srv.tcp(make_query("whoami.test.", "AAAA"), addr="::1")
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["::1"]

    # A clean shutdown, with no sanitizer report (leaks show at exit).
    rc = srv.stop()
    log = srv.stderr()
    assert rc == 0, "exit status %r after fuzzing; stderr tail:\n%s" % (rc, log[-5000:])
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report:\n" + log[-10000:]
