# SIGHUP reload: new config goes live without losing queries; a broken config
# leaves the old one serving and logs why.
# SPDX-License-Identifier: MIT OR Apache-2.0

import signal
import socket
import threading
import time

import dns.message
import dns.rcode

from conftest import base_config, free_port, make_query, answer_rrs, txt_strings


def reload_config(port, whoami_name, extra_zone=False):
    cfg = base_config(port)
    cfg["plugins"] = [
        {"plugin": "whoami", "name": whoami_name},
        {"plugin": "whoami", "name": "stable.test."},
        {"plugin": "whoami", "name": "whoami.test."},
    ]
    cfg["zones"] = [
        {"name": "example.com.",
         "plugins": [{"plugin": "recorder", "result": "done", "txt_count": 3}]},
    ]
    if extra_zone:
        cfg["zones"].append(
            {"name": "new.test.",
             "plugins": [{"plugin": "recorder", "tag": "new", "result": "done"}]})
    return cfg


class Prober(threading.Thread):
    """Queries stable.test. A over UDP at ~50 qps; counts failures."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop_evt = threading.Event()
        self.sent = 0
        self.failures = []

    def one(self, sock):
        q = make_query("stable.test.", "A")
        wire = q.to_wire()
        for attempt in range(2):  # one try + one retry
            sock.sendto(wire, ("127.0.0.1", self.port))
            deadline = time.monotonic() + 0.5
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sock.settimeout(left)
                try:
                    data = sock.recv(65535)
                except socket.timeout:
                    break
                try:
                    r = dns.message.from_wire(data)
                except Exception as e:  # noqa: BLE001
                    return "unparsable response: %r" % e
                if r.id != q.id:
                    continue  # late reply to an earlier try
                if r.rcode() != dns.rcode.NOERROR:
                    return "rcode %s" % dns.rcode.to_text(r.rcode())
                got = [rd.to_text() for _, _, rd in answer_rrs(r)]
                if got != ["127.0.0.1"]:
                    return "answer %r" % got
                return None
        return "no response after one retry"

    def run(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            while not self.stop_evt.is_set():
                t0 = time.monotonic()
                err = self.one(s)
                self.sent += 1
                if err:
                    self.failures.append((time.monotonic(), err))
                time.sleep(max(0.0, 0.02 - (time.monotonic() - t0)))

    def stop(self):
        self.stop_evt.set()
        self.join(timeout=5)


def rcode_of(srv, qname, rdtype="A"):
    return srv.udp(make_query(qname, rdtype)).rcode()


def wait_for(pred, timeout=5.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def wait_log(srv, needle, timeout=5.0):
    return wait_for(lambda: needle in srv.stderr(), timeout)


def test_reload_under_load(start_server):
    port = free_port()
    srv = start_server(cfg=reload_config(port, "a.test."), port=port)
    assert rcode_of(srv, "a.test.") == dns.rcode.NOERROR
    assert rcode_of(srv, "b.test.") == dns.rcode.REFUSED
    assert rcode_of(srv, "new.test.", "TXT") == dns.rcode.REFUSED

    prober = Prober(port)
    prober.start()
    try:
        time.sleep(0.5)
        srv.reload(reload_config(port, "b.test.", extra_zone=True))
        assert wait_for(lambda: rcode_of(srv, "b.test.") == dns.rcode.NOERROR), \
            "b.test. not served 5 s after SIGHUP; stderr:\n" + srv.stderr()
        time.sleep(0.5)
        # A second reload while under load (back and forth).
        srv.reload(reload_config(port, "a.test."))
        assert wait_for(lambda: rcode_of(srv, "a.test.") == dns.rcode.NOERROR)
        srv.reload(reload_config(port, "b.test.", extra_zone=True))
        assert wait_for(lambda: rcode_of(srv, "b.test.") == dns.rcode.NOERROR)
        time.sleep(0.5)
    finally:
        prober.stop()

    assert srv.running(), srv.stderr()
    assert prober.sent >= 40, "prober only managed %d queries" % prober.sent
    assert prober.failures == [], "queries for stable.test. failed during reload: %r" % (
        prober.failures[:10],)

    r = srv.udp(make_query("b.test.", "A"))
    assert [rd.to_text() for _, _, rd in answer_rrs(r)] == ["127.0.0.1"]
    assert rcode_of(srv, "a.test.") == dns.rcode.REFUSED
    r = srv.udp(make_query("new.test.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR
    assert [txt_strings([rd])[0] for _, _, rd in answer_rrs(r)] == [b"new", b"x" * 10]
    # TCP sees the new config too.
    assert srv.tcp(make_query("b.test.", "A")).rcode() == dns.rcode.NOERROR


def broken_configs(port):
    unknown_key = reload_config(port, "c.test.")
    unknown_key["server"]["bogus_reload_key"] = 1
    missing_plugin = reload_config(port, "c.test.")
    missing_plugin["zones"][0]["plugins"].append({"plugin": "nosuchplugin_reload"})
    bad_option = reload_config(port, "c.test.")
    bad_option["zones"][0]["plugins"][0]["result"] = "bogus_result_value"
    syntax = '{ "server": { "listen": [ }\n'
    return [("unknown-key", unknown_key, "bogus_reload_key"),
            ("missing-plugin", missing_plugin, "nosuchplugin_reload"),
            ("bad-option", bad_option, "zones[0].plugins[0].result"),
            ("json-syntax", syntax, "sluiced.json:1:")]


def test_broken_reload_keeps_old_config(start_server):
    port = free_port()
    srv = start_server(cfg=reload_config(port, "b.test."), port=port)
    prober = Prober(port)
    prober.start()
    try:
        assert wait_for(lambda: prober.sent >= 5), "prober sent no queries"
        for label, cfg, needle in broken_configs(port):
            srv.reload(cfg)
            assert wait_log(srv, needle), \
                "%s: error naming %r not logged after SIGHUP; stderr:\n%s" % (
                    label, needle, srv.stderr())
            assert srv.running(), "%s: sluiced died on a bad reload:\n%s" % (label, srv.stderr())
            assert rcode_of(srv, "b.test.") == dns.rcode.NOERROR, label
            assert rcode_of(srv, "c.test.") == dns.rcode.REFUSED, label
            assert srv.udp(make_query("example.com.", "TXT")).rcode() == dns.rcode.NOERROR
        sent = prober.sent
        assert wait_for(lambda: prober.sent >= sent + 5), "prober stalled"
    finally:
        prober.stop()
    assert prober.failures == [], prober.failures[:10]
    # A good config after the bad ones is taken.
    srv.reload(reload_config(port, "c.test."))
    assert wait_for(lambda: rcode_of(srv, "c.test.") == dns.rcode.NOERROR), srv.stderr()
    assert rcode_of(srv, "b.test.") == dns.rcode.REFUSED
    srv.assert_healthy()


def test_log_is_quiet_per_query(start_server):
    # Logs one line per problem, never per query by default (log_level info).
    srv = start_server()
    time.sleep(0.2)
    before = srv.stderr().count("\n")
    for _ in range(100):
        srv.udp(make_query("whoami.test.", "A"))
        srv.udp(make_query("nowhere.invalid.", "A"))
    time.sleep(0.2)
    after = srv.stderr().count("\n")
    assert after - before < 10, "stderr grew by %d lines for 200 queries:\n%s" % (
        after - before, srv.stderr())


def test_sighup_same_config_keeps_serving(start_server):
    srv = start_server()
    for i in range(3):
        srv.signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while srv.stderr().count("reload complete") < i + 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert srv.stderr().count("reload complete") == 3, srv.stderr()
    srv.assert_healthy()
    assert srv.udp(make_query("order.test.", "TXT")).rcode() == dns.rcode.NOERROR
