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



def last_stats(srv, prefix, count):
    """The fields of the count-th log line containing prefix ("stats NAME k=v ...")."""
    assert wait_for(srv, prefix, count=count), srv.stderr()
    line = [l for l in srv.stderr().splitlines() if prefix in l][-1]
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split("stats ", 1)[1].split()
                                   if "=" in kv)}


def test_plugin_counters_restart_on_reload(start_server):
    # A reload creates new instances, and with them new counters at zero
    # (documented in plugin.h and the plugin guide); the core's own
    # counters belong to the workers and keep counting.
    port = free_port()
    srv = start_server(cfg=base_config(port), port=port)
    for _ in range(4):
        assert srv.udp(make_query("whoami.test.", "A")).rcode() == dns.rcode.NOERROR
    srv.signal(signal.SIGUSR1)
    before = last_stats(srv, "stats whoami answers=", 1)["answers"]
    udp_before = last_stats(srv, "] stats udp=", 1)["udp"]
    assert before >= 4  # and the start-up probe's answer
    srv.signal(signal.SIGHUP)
    assert wait_for(srv, "reload complete"), srv.stderr()
    for _ in range(2):
        assert srv.udp(make_query("whoami.test.", "A")).rcode() == dns.rcode.NOERROR
    srv.signal(signal.SIGUSR1)
    assert last_stats(srv, "stats whoami answers=", 2)["answers"] == 2
    assert last_stats(srv, "] stats udp=", 2)["udp"] == udp_before + 2
    srv.assert_healthy()
