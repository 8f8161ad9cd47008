# TCP connection caps and the write timeout (RFC 7766 6.2).
# SPDX-License-Identifier: MIT OR Apache-2.0

import socket
import time

from conftest import make_query, tcp_ask, tcp_connect, tcp_frame


connect = tcp_connect
ask = tcp_ask


def closed_within(s, limit):
    """True if the peer closes (EOF/reset) within @limit seconds without
    sending anything first; data means the connection was served."""
    s.settimeout(limit)
    try:
        return s.recv(65536) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_per_client_cap(start_server):
    srv = start_server(tcp={"max_per_client": 3})
    held = [connect(srv.port) for _ in range(3)]
    try:
        for s in held:
            ask(s)
        extra = connect(srv.port)
        try:
            # The 4th connection from the same address is refused: closed
            # without an answer.
            try:
                extra.sendall(tcp_frame(make_query("whoami.test.", "A").to_wire()))
            except (ConnectionResetError, BrokenPipeError):
                pass
            assert closed_within(extra, 2.0), "4th connection from one client was served"
        finally:
            extra.close()
        # The held ones still work.
        for s in held:
            ask(s)
    finally:
        for s in held:
            s.close()
    # Once they are closed, new connections are accepted again.
    deadline = time.monotonic() + 3
    while True:
        s = connect(srv.port)
        try:
            ask(s)
            break
        except (EOFError, ConnectionResetError):
            assert time.monotonic() < deadline, "slots not released after close"
            time.sleep(0.1)
        finally:
            s.close()


def test_global_cap_evicts_oldest_idle(start_server):
    srv = start_server(workers=1, tcp={"max_clients": 3, "max_per_client": 16})
    old = [connect(srv.port) for _ in range(3)]
    try:
        for s in old:
            ask(s)
        time.sleep(0.1)
        new = connect(srv.port)
        try:
            ask(new)  # served: a newcomer is not starved by idle connections
        finally:
            new.close()
        # The oldest idle connection was evicted to make room.
        assert closed_within(old[0], 2.0), "oldest idle connection not evicted at max_clients"
        # Only the oldest: the next one still answers.
        ask(old[1])
    finally:
        for s in old:
            s.close()
    srv.assert_healthy()


def test_write_timeout_closes_non_reader(start_server):
    # A client that pipelines queries for ~3.6 KB answers and never reads:
    # the server stops reading once its output queue is full, and closes the
    # connection when nothing drains for write_timeout (1 s).
    srv = start_server(tcp={"write_timeout": 1})
    n = 4000
    wire = b"".join(tcp_frame(make_query("big.test.", "TXT").to_wire()) for _ in range(n))
    s = connect(srv.port, rcvbuf=4096)
    try:
        s.settimeout(2.0)
        try:
            s.sendall(wire)
        except socket.timeout:
            pass  # the server stopped reading: expected
        except (ConnectionResetError, BrokenPipeError):
            pass
        time.sleep(2.0)  # write_timeout (1 s) + margin, without reading
        got = 0
        buf = b""
        eof = False
        s.settimeout(3.0)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                d = s.recv(1 << 20)
                if not d:
                    eof = True
                    break
                buf += d
        except socket.timeout:
            pass
        except ConnectionResetError:
            eof = True
        while len(buf) >= 2 and len(buf) >= 2 + int.from_bytes(buf[:2], "big"):
            buf = buf[2 + int.from_bytes(buf[:2], "big"):]
            got += 1
    finally:
        s.close()
    assert eof, "connection of a client that never reads was not closed"
    assert got < n, "all %d answers were delivered; nothing was cut" % n
    srv.assert_healthy()
