# Running as a daemon: detaching, the pid file, privilege drop.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import pwd
import signal
import subprocess
import time

import dns.message
import dns.rcode
import pytest

from conftest import SLUICED, base_config, free_port, make_query, write_config, udp_exchange


def wait_answer(port, timeout=10.0):
    probe = make_query("whoami.test.", "A", use_edns=False).to_wire()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wire = udp_exchange(probe, "127.0.0.1", port, timeout=0.2)
        if wire is not None:
            r = dns.message.from_wire(wire)
            return r.rcode() == dns.rcode.NOERROR and \
                [rd.to_text() for rrset in r.answer for rd in rrset] == ["127.0.0.1"]
    return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_daemon_mode_and_pid_file(tmp_path):
    port = free_port()
    pid_file = tmp_path / "sluiced.pid"
    cfg = base_config(port, pid_file=str(pid_file))
    conf = write_config(tmp_path / "sluiced.json", cfg)
    # Without --foreground the command returns once the daemon has detached.
    run = subprocess.run([SLUICED, "--config", conf], cwd=tmp_path, timeout=20,
                         stdin=subprocess.DEVNULL, capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    assert wait_answer(port)
    pid = int(pid_file.read_text().strip())
    try:
        assert pid_alive(pid)
        assert os.getsid(pid) == pid, "the daemon leads its own session"
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_alive(pid)
    assert not pid_file.exists(), "pid file removed at exit"


@pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop needs root")
def test_privilege_drop(start_server):
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")
    port = free_port()
    srv = start_server(cfg=base_config(port, user="nobody"), port=port)
    status = open("/proc/%d/status" % srv.proc.pid).read()
    uids = [l for l in status.splitlines() if l.startswith("Uid:")][0].split()[1:]
    assert all(int(u) == nobody.pw_uid for u in uids), status
    assert "running as user nobody" in srv.stderr()
    srv.assert_healthy()


def test_unknown_user_refuses_to_start(tmp_path):
    port = free_port()
    conf = write_config(tmp_path / "s.json", base_config(port, user="no-such-user-xyz"))
    run = subprocess.run([SLUICED, "--config", conf, "--foreground"], cwd=tmp_path,
                         timeout=20, stdin=subprocess.DEVNULL, capture_output=True)
    assert run.returncode == 1, run.stderr
    assert b"no such user" in run.stderr
