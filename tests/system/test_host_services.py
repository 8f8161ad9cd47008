# Host services a plugin relies on, seen from outside: start(), timers on the
# control loop and on each worker loop, worker_start/worker_stop across a
# reload, per-instance statistics logged on SIGUSR1.
# SPDX-License-Identifier: MIT OR Apache-2.0

import signal
import time

import dns.rcode

from conftest import base_config, free_port, make_query


def wait_for(srv, text, timeout=5.0, count=1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if srv.stderr().count(text) >= count:
            return True
        time.sleep(0.02)
    return False


def observer_config(port):
    cfg = base_config(port)
    cfg["plugins"].append({"plugin": "observer", "timers": True})
    return cfg


def test_timers_and_worker_hooks(start_server):
    port = free_port()
    srv = start_server(cfg=observer_config(port), port=port)
    assert wait_for(srv, "observer: control timer fired 3 times"), srv.stderr()
    for worker in (0, 1):
        assert wait_for(srv, "worker timer fired on worker %d" % worker), srv.stderr()
    # A reload stops the old instance on every worker and starts the new one.
    srv.signal(signal.SIGHUP)
    assert wait_for(srv, "reload complete"), srv.stderr()
    for worker in (0, 1):
        assert wait_for(srv, "worker_stop on worker %d" % worker), srv.stderr()
        assert wait_for(srv, "worker timer fired on worker %d" % worker, count=2), srv.stderr()
    assert wait_for(srv, "control timer fired 3 times", count=2), srv.stderr()
    srv.assert_healthy()


def test_stats_on_sigusr1(start_server):
    port = free_port()
    srv = start_server(cfg=observer_config(port), port=port)
    for _ in range(5):
        assert srv.udp(make_query("whoami.test.", "A")).rcode() == dns.rcode.NOERROR
    for _ in range(3):
        assert srv.udp(make_query("nowhere.invalid.", "A")).rcode() == dns.rcode.REFUSED
    srv.signal(signal.SIGUSR1)
    assert wait_for(srv, "stats observer error="), srv.stderr()
    log = srv.stderr()
    # The whoami answers happen in the server-wide chain before the observer
    # runs, so only the refusals (zone selection, after the chain) reach it.
    line = [l for l in log.splitlines() if "stats observer error=" in l][-1]
    assert int(line.rsplit("=", 1)[1]) == 3, line
    line = [l for l in log.splitlines() if "] stats udp=" in l][-1]
    fields = dict(kv.split("=") for kv in line.split("stats ", 1)[1].split())
    assert int(fields["udp"]) >= 8
    assert int(fields["refused"]) == 3
    srv.assert_healthy()
