# Running as a daemon: detaching, the pid file, privilege drop.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import pwd
import time

import dns.message
import dns.rcode
import pytest

import daemon
from conftest import base_config, free_port, make_query, run_sluiced, udp_exchange, write_config


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


def wait_pid_file(path, timeout=10.0):
    """The pid in @path once the daemon has written it, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            time.sleep(0.02)
    return None


def test_daemon_mode_and_pid_file(tmp_path):
    port = free_port()
    pid_file = tmp_path / "sluiced.pid"
    cfg = base_config(port, pid_file=str(pid_file))
    conf = write_config(tmp_path / "sluiced.json", cfg)
    # Without --foreground the command returns once the daemon has detached.
    run = run_sluiced(["--config", conf], cwd=tmp_path, timeout=20)
    assert run.returncode == 0, run.stderr
    # The daemon writes its pid file after detaching: registered with the
    # launcher as soon as it is known, so it is stopped whatever fails below.
    pid = wait_pid_file(pid_file)
    assert pid is not None, "no pid file %s" % pid_file
    proc = daemon.Detached(pid, "sluiced daemon")
    try:
        assert wait_answer(port)
        assert proc.running()
        assert os.getsid(pid) == pid, "the daemon leads its own session"
    finally:
        exited = proc.stop(timeout=5)
    assert exited, "the daemon did not exit within 5 s of SIGTERM"
    assert not pid_file.exists(), "pid file removed at exit"


@pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop needs root")
def test_privilege_drop(start_server):
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")
    port = free_port()
    srv = start_server(cfg=base_config(port, user="nobody"), port=port)
    status = open("/proc/%d/status" % srv.pid).read()
    uids = [l for l in status.splitlines() if l.startswith("Uid:")][0].split()[1:]
    assert all(int(u) == nobody.pw_uid for u in uids), status
    assert "running as user nobody" in srv.stderr()
    srv.assert_healthy()


def test_unknown_user_refuses_to_start(tmp_path):
    port = free_port()
    conf = write_config(tmp_path / "s.json", base_config(port, user="no-such-user-xyz"))
    run = run_sluiced(["--config", conf, "--foreground"], cwd=tmp_path, timeout=20)
    assert run.returncode == 1, run.stderr
    assert "no such user" in run.stderr
