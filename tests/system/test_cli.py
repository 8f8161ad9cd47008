# Command line: --check, --version, --help; port in use; signals.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import re
import signal
import socket
import time

import pytest

from conftest import (HAVE_IPV6, PLUGINS_DIR, SANITIZER_MARKERS, SRCDIR, TEST_PLUGINS,
                      base_config, free_port, make_query, run_sluiced, write_config)


def check(tmp_path, cfg, *extra, name="cfg.json"):
    path = write_config(tmp_path / name, cfg)
    p = run_sluiced(["--config", path, "--check"] + list(extra))
    return p, p.stdout + p.stderr


def assert_rejected(p, out):
    assert p.returncode != 0, "--check accepted a bad config:\n" + out
    assert p.returncode > 0, "--check crashed (signal %d):\n%s" % (-p.returncode, out)
    # Exactly 1 ("problems found"), and no sanitizer report: a sanitizer
    # abort also exits non-zero.
    assert p.returncode == 1, "--check exit status %d:\n%s" % (p.returncode, out)
    for marker in SANITIZER_MARKERS:
        assert marker not in out, out


# ---- --check ---------------------------------------------------------------

def error_lines(out):
    return [line for line in out.splitlines() if line.startswith("error: ")]


def test_check_good(tmp_path):
    p, out = check(tmp_path, base_config(free_port()), "--verbose")
    assert p.returncode == 0, out
    # --verbose: every plugin the configuration loads, once, with its version, file and summary.
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("plugin ")]
    assert lines == [
        "plugin whoami 1.0.0 (%s/whoami.so): answers with the client's address (A/AAAA) "
        "and source port (TXT)" % PLUGINS_DIR,
        "plugin recorder 1 (%s/recorder.so): test plugin: records order" % TEST_PLUGINS,
    ], p.stdout


def test_check_good_prints_one_line(tmp_path):
    # log_level "info" in the config, and plugins that log at info when
    # created: --check still prints its verdict and nothing else.
    cfg = base_config(free_port())
    assert cfg["server"]["log_level"] == "info"
    path = write_config(tmp_path / "cfg.json", cfg)
    p = run_sluiced(["--config", path, "--check"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stderr == "", p.stderr
    assert p.stdout == "%s: configuration OK (%d zones)\n" % (path, len(cfg["zones"])), p.stdout


def test_check_does_not_bind(tmp_path):
    # --check opens no sockets: the port being taken does not matter.
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
        u.bind(("127.0.0.1", port))
        t.bind(("127.0.0.1", port))
        t.listen(1)
        p, out = check(tmp_path, base_config(port))
    assert p.returncode == 0, out


def bad(mutate):
    cfg = base_config(free_port())
    mutate(cfg)
    return cfg


def _set(path_fn, value):
    def m(cfg):
        obj, key = path_fn(cfg)
        obj[key] = value
    return m


CASES = {
    "unknown-top-level-key": (
        _set(lambda c: (c, "bogus_top"), 1), ["bogus_top"]),
    "unknown-server-key": (
        _set(lambda c: (c["server"], "bogus_srv"), 1), ["server.bogus_srv"]),
    "unknown-tcp-key": (
        _set(lambda c: (c["server"]["tcp"], "bogus_tcp"), 1), ["server.tcp.bogus_tcp"]),
    "unknown-plugin-key": (
        _set(lambda c: (c["plugins"][0], "bogus"), 1), ["plugins[0].bogus"]),
    "unknown-zone-plugin-key": (
        _set(lambda c: (c["zones"][2]["plugins"][0], "bogus_opt"), True),
        ["zones[2].plugins[0].bogus_opt"]),
    "unknown-zone-key": (
        _set(lambda c: (c["zones"][1], "bogus_zone_key"), "x"), ["zones[1].bogus_zone_key"]),
    "bad-listen-port": (
        _set(lambda c: (c["server"]["listen"], 0), "127.0.0.1:99999"), ["server.listen[0]"]),
    "bad-listen-addr": (
        _set(lambda c: (c["server"]["listen"], 0), "999.1.1.1:53"), ["server.listen[0]"]),
    "bad-listen-v6": (
        _set(lambda c: (c["server"]["listen"], 0), "[::1:53"), ["server.listen[0]"]),
    "zone-name-empty-label": (
        _set(lambda c: (c["zones"][0], "name"), "bad..name."), ["zones[0].name"]),
    "zone-name-long-label": (
        _set(lambda c: (c["zones"][3], "name"), "a" * 64 + ".test."), ["zones[3].name"]),
    "whoami-without-name": (
        lambda c: c["plugins"][0].pop("name"), ["plugins[0]", "name"]),
    "recorder-bad-result": (
        _set(lambda c: (c["zones"][0]["plugins"][0], "result"), "bogus"),
        ["zones[0].plugins[0].result"]),
    "recorder-txt-size-too-big": (
        _set(lambda c: (c["zones"][0]["plugins"][0], "txt_size"), 256),
        ["zones[0].plugins[0].txt_size"]),
    "workers-wrong-type": (
        _set(lambda c: (c["server"], "workers"), "two"), ["server.workers"]),
    "log-level-bad": (
        _set(lambda c: (c["server"], "log_level"), "chatty"), ["server.log_level"]),
    "cookie-secret-short": (
        _set(lambda c: (c["server"], "cookie_secret"), "e5e973e5a6b2a43f"),
        ["server.cookie_secret: must be 32 hex digits (16 bytes), not 16 characters"]),
    "cookie-secret-not-hex": (
        _set(lambda c: (c["server"], "cookie_secret"), "e5e973e5a6b2a43f48e7dc849e37bfcx"),
        ["server.cookie_secret", "character 32 is not a hex digit"]),
    "listen-port-zero": (
        _set(lambda c: (c["server"]["listen"], 0), "127.0.0.1:0"),
        ["server.listen: \"127.0.0.1:0\": port 0 is not allowed"]),
    "user-unknown": (
        _set(lambda c: (c["server"], "user"), "no-such-sluice-user"),
        ["server.user: no such user \"no-such-sluice-user\""]),
    "pid-file-dir-missing": (
        _set(lambda c: (c["server"], "pid_file"), "/nonexistent-sluice-dir/s.pid"),
        ["server.pid_file: directory /nonexistent-sluice-dir: No such file or directory"]),
    "plugin-key-missing": (
        lambda c: c["zones"][1]["plugins"][0].pop("plugin"), ["zones[1].plugins[0]"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_bad(tmp_path, case):
    mutate, needles = CASES[case]
    p, out = check(tmp_path, bad(mutate))
    assert_rejected(p, out)
    for n in needles:
        assert n in out, "%s: %r not in output:\n%s" % (case, n, out)


def test_check_plugin_not_found(tmp_path):
    cfg = bad(lambda c: c["zones"][1]["plugins"].append({"plugin": "nosuchplugin"}))
    p, out = check(tmp_path, cfg)
    assert_rejected(p, out)
    assert "nosuchplugin" in out, out
    assert "zones[1].plugins[1]" in out, out
    assert PLUGINS_DIR in out and TEST_PLUGINS in out, \
        "the searched plugin_path directories must be named:\n" + out


def test_check_json_syntax_error(tmp_path):
    text = ('{\n'
            '  "server": {\n'
            '    "listen": ["127.0.0.1:5300",, ]\n'
            '  }\n'
            '}\n')
    p, out = check(tmp_path, text, name="syntax.json")
    assert_rejected(p, out)
    assert re.search(r"syntax\.json:3:\d+", out), "expected file:line:column:\n" + out


def test_check_two_errors_both_reported(tmp_path):
    def m(c):
        c["bogus_one"] = 1
        c["zones"][0]["plugins"][0]["result"] = "bogus"
    p, out = check(tmp_path, bad(m))
    assert_rejected(p, out)
    assert "bogus_one" in out, out
    assert "zones[0].plugins[0].result" in out, out


def test_check_missing_file(tmp_path):
    missing = str(tmp_path / "does-not-exist.json")
    p = run_sluiced(["--config", missing, "--check"])
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    # One message, naming the path once.
    assert p.stdout == "", out
    assert p.stderr == "error: %s: cannot open: No such file or directory\n" % missing, out


def test_start_missing_file(tmp_path):
    # Without --check: the same one error, then why sluiced stops (path not repeated).
    missing = str(tmp_path / "does-not-exist.json")
    p = run_sluiced(["--config", missing, "--foreground"])
    assert p.returncode == 1, p.stderr
    assert p.stderr.count(missing) == 1, p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 2, p.stderr
    assert lines[0].endswith("[error] %s: cannot open: No such file or directory" % missing)
    assert lines[1].endswith("[error] not starting: the configuration has errors")


def test_check_server_error_does_not_hide_the_rest(tmp_path):
    def m(c):
        c["server"]["workers"] = 0
        c["server"]["colour"] = "red"
        c["plugins"][1]["bogus_srv_chain"] = 1
        c["zones"][1]["plugins"][0]["result"] = "bogus"
        c["zones"][3]["plugins"] = []
        del c["zones"][4]["plugins"]
    p, out = check(tmp_path, bad(m))
    assert p.returncode == 1, out
    assert p.stdout == "", out
    assert error_lines(out) == [
        "error: server.workers: 0 is out of range [1, 256]",
        "error: server.colour: unknown key",
        "error: plugins[1].bogus_srv_chain: unknown key",
        'error: zones[1].plugins[0].result: "bogus" is not pass, done, drop, error, follow or defer',
        "error: zones[3].plugins: must not be empty (a zone needs a data source such as "
        "zonefile)",
        "error: zones[4].plugins: required array is missing (a zone needs a data source such "
        "as zonefile)",
    ], out
    assert len(out.splitlines()) == 6, out


@pytest.mark.parametrize("chain", [[], None])
def test_check_zone_without_plugins(tmp_path, chain):
    def m(c):
        if chain is None:
            del c["zones"][2]["plugins"]
        else:
            c["zones"][2]["plugins"] = chain
    p, out = check(tmp_path, bad(m))
    assert p.returncode == 1, out
    want = "must not be empty" if chain is not None else "required array is missing"
    assert error_lines(out) == [
        "error: zones[2].plugins: %s (a zone needs a data source such as zonefile)" % want], out


def test_check_server_chain_may_be_empty(tmp_path):
    cfg = base_config(free_port())
    cfg["plugins"] = []
    p, out = check(tmp_path, cfg)
    assert p.returncode == 0, out


def test_check_plugin_in_wrong_scope(tmp_path):
    # zonefile serves one zone: in the server-wide chain it is one error,
    # not one more "unknown key" per option it would have read.
    cfg = bad(lambda c: c["plugins"].append(
        {"plugin": "zonefile", "file": "x.zone", "reload": 5, "origin": "x."}))
    p, out = check(tmp_path, cfg)
    assert p.returncode == 1, out
    assert out.splitlines() == [
        'error: plugins[2].plugin: plugin "zonefile" cannot be used in the server-wide chain '
        "(per-zone only)"], out


def test_messages_name_sluiced_not_the_wrapper(tmp_path):
    # From the build tree the binary runs as .libs/lt-sluiced: messages say "sluiced".
    for args, first in ((["--bogus-option"], "sluiced: unknown option --bogus-option"),
                        (["-x"], "sluiced: unknown option -x"),
                        (["--config"], "sluiced: option --config needs an argument"),
                        (["--check=yes"], "sluiced: option --check takes no argument"),
                        (["extra"], 'sluiced: unexpected argument "extra"')):
        p = run_sluiced(args)
        assert p.returncode == 2, (args, p.stderr)
        lines = p.stderr.splitlines()
        assert lines[0] == first, (args, p.stderr)
        assert lines[1].startswith("Usage: sluiced [--config FILE]"), (args, p.stderr)
        assert "lt-" not in p.stderr and ".libs" not in p.stderr, (args, p.stderr)
    p = run_sluiced(["--help"])
    assert p.stdout.startswith("Usage: sluiced "), p.stdout
    assert "lt-" not in p.stdout and ".libs" not in p.stdout, p.stdout


# ---- --version / --help ------------------------------------------------------

def project_version():
    with open(os.path.join(SRCDIR, "configure.ac")) as f:
        m = re.search(r"AC_INIT\(\[sluice\],\s*\[([^\]]+)\]", f.read())
    return m.group(1) if m else None


def test_version():
    p = run_sluiced(["--version"])
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    v = project_version()
    assert v and v in out, "version %r not printed:\n%s" % (v, out)
    for lib in ("libev", "openssl", "jansson"):
        assert lib in out.lower(), "%s version not printed:\n%s" % (lib, out)


def test_help():
    p = run_sluiced(["--help"])
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "--config" in out and "--check" in out, out


def test_unknown_option_fails():
    p = run_sluiced(["--bogus-option"])
    out = p.stdout + p.stderr
    assert p.returncode == 2, out  # usage error
    assert "--config" in p.stderr, "usage not printed on stderr:\n" + out


# ---- port in use -------------------------------------------------------------

def start_unwaited(start_server, port, name):
    """A sluiced on @port that is expected to exit at start (port taken)."""
    return start_server(cfg=base_config(port), port=port, wait=False, name=name)


def wait_exit(srv, timeout=10):
    rc = srv.wait(timeout)
    if rc is None:
        srv.stop()
        pytest.fail("sluiced kept running although its port was taken")
    return rc


def test_port_in_use_by_sluiced(start_server):
    first = start_server()
    second = start_unwaited(start_server, first.port, "second")
    rc = wait_exit(second)
    out = second.stderr()
    assert rc == 1, out
    assert "in use" in out, out
    assert not second.sanitizer_reports(), out
    first.assert_healthy()


@pytest.mark.parametrize("holder", ["udp4", "tcp4", pytest.param(
    "tcp6", marks=pytest.mark.skipif(not HAVE_IPV6, reason="no ::1"))])
def test_port_in_use_by_other(start_server, holder):
    port = free_port()
    fam = socket.AF_INET6 if holder.endswith("6") else socket.AF_INET
    typ = socket.SOCK_DGRAM if holder.startswith("udp") else socket.SOCK_STREAM
    with socket.socket(fam, typ) as s:
        s.bind(("::1" if fam == socket.AF_INET6 else "127.0.0.1", port))
        if typ == socket.SOCK_STREAM:
            s.listen(1)
        srv = start_unwaited(start_server, port, "taken")
        rc = wait_exit(srv)
    out = srv.stderr()
    assert rc == 1, out
    assert "in use" in out, out
    assert not srv.sanitizer_reports(), out


# ---- signals -----------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly(start_server, sig):
    srv = start_server()
    # Some state to tear down: an open TCP connection and a few UDP queries.
    c = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
    try:
        for _ in range(20):
            srv.udp(make_query("whoami.test.", "A"))
        t0 = time.monotonic()
        srv.signal(sig)
        rc = srv.wait(timeout=5)
        dt = time.monotonic() - t0
    finally:
        c.close()
    assert rc == 0, "exit status %r on %s; stderr:\n%s" % (rc, sig.name, srv.stderr())
    assert dt < 3.0, "took %.1f s to stop" % dt
    for marker in SANITIZER_MARKERS:
        assert marker not in srv.stderr()
    # The port is free again.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", srv.port))
