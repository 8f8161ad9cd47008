# Bounded inputs (issue 13): zone files that are huge, sparse or amplified by
# $GENERATE stop at max_zone_bytes with a clear error and bounded memory;
# interval options have a minimum; $INCLUDE of what is not a regular file
# says why; SIGTERM during a long zone load exits promptly.
# SPDX-License-Identifier: MIT OR Apache-2.0

import json
import re
import signal
import subprocess
import sys
import time

from conftest import SANITIZER_MARKERS, SLUICED, base_config, free_port, run_sluiced, write_config

HEADER = """$ORIGIN zb.test.
$TTL 300
@    SOA ns.zb.test. host.zb.test. 1 3600 600 86400 60
@    NS  ns
ns   A   192.0.2.1
"""

# Runs sluiced in a fresh python whose only children are sluiced (and its
# libtool wrapper): their peak RSS, in KiB, is then sluiced's.
_MEASURE = r"""
import json, resource, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                   timeout=120)
print(json.dumps({"rc": p.returncode, "out": p.stdout + p.stderr,
                  "secs": time.monotonic() - t0,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def zone_config(port, path, **zf):
    cfg = base_config(port)
    cfg["zones"].append({"name": "zb.test.",
                         "plugins": [dict({"plugin": "zonefile", "file": str(path)}, **zf)]})
    return cfg


def check_zone(tmp_path, zone, want_rc, **zf):
    """--check of the test config plus zone @zone (zonefile options @zf): its stderr."""
    path = write_config(tmp_path / "cfg.json", zone_config(free_port(), zone, **zf))
    p = run_sluiced(["--config", path, "--check"])
    assert p.returncode == want_rc, p.stdout + p.stderr
    return p.stderr


def check_measured(tmp_path, cfg):
    path = write_config(tmp_path / "cfg.json", cfg)
    p = subprocess.run([sys.executable, "-c", _MEASURE, SLUICED, "--config", path, "--check"],
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def assert_rejected(res):
    assert res["rc"] == 1, "exit status %d:\n%s" % (res["rc"], res["out"])
    for marker in SANITIZER_MARKERS:
        assert marker not in res["out"], res["out"]


def test_huge_sparse_zone_file_is_not_read(tmp_path):
    # 3 GiB, sparse, with a valid header: refused by its size before any read.
    zone = tmp_path / "huge.zone"
    with open(zone, "w") as f:
        f.write(HEADER)
        f.truncate(3 << 30)
    res = check_measured(tmp_path, zone_config(free_port(), zone))
    assert_rejected(res)
    assert "%s: 3221225472 octets, larger than max_zone_bytes (1073741824): not read" % zone \
        in res["out"], res["out"]
    assert res["maxrss_kib"] < 100 * 1024, res
    assert res["secs"] < 10, res


def test_huge_included_file_is_not_read(tmp_path):
    # The same cap holds for each $INCLUDEd file.
    inc = tmp_path / "big.inc"
    with open(inc, "w") as f:
        f.truncate(4 << 20)
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + "$INCLUDE big.inc\n")
    res = check_measured(tmp_path, zone_config(free_port(), zone, max_zone_bytes=1 << 20))
    assert_rejected(res)
    assert "zb.zone:6:10: cannot read $INCLUDE file" in res["out"], res["out"]
    assert "larger than the limit of 1048576 octets" in res["out"], res["out"]


def test_generate_amplification_stops_at_the_cap(tmp_path):
    # 40 lines (0.8 MB) that expand to 200 MB of TXT data (over 500 MB of
    # memory when loaded whole): the load stops at max_zone_bytes, with
    # memory bounded by the cap, not by the expansion.
    txt = " ".join('"%s"' % ("x" * 250) for _ in range(80))
    lines = ["$GENERATE 0-250 g%d-$ TXT %s" % (i, txt) for i in range(40)]
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + "\n".join(lines) + "\n")
    assert zone.stat().st_size < 1 << 20
    cap = 8 << 20
    res = check_measured(tmp_path, zone_config(free_port(), zone, max_zone_bytes=cap))
    assert_rejected(res)
    assert re.search(r"zb\.zone:\d+: the zone is larger than max_zone_bytes \(%d octets in "
                     r"wire form\): raise the limit or split the zone" % cap, res["out"]), res["out"]
    # One error for the cap, not also the parser's "record rejected".
    assert "record rejected" not in res["out"], res["out"]
    # Loaded whole it peaks at about 200 MB.
    assert res["maxrss_kib"] < 100 * 1024, res


def test_generate_within_the_cap_loads(tmp_path):
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + '$GENERATE 1-100 h$ TXT "%s"\n' % ("y" * 200))
    res = check_measured(tmp_path, zone_config(free_port(), zone, max_zone_bytes=64 << 10))
    assert res["rc"] == 0, res["out"]


def test_max_zone_bytes_minimum(tmp_path):
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER)
    err = check_zone(tmp_path, zone, 1, max_zone_bytes=0)
    assert "zones[9].plugins[0].max_zone_bytes" in err, err


def test_reload_interval_has_a_minimum(tmp_path):
    # "reload": 1e-300 used to pass --check and spin the control thread.
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER)
    for bad in (1e-300, 0.5):
        err = check_zone(tmp_path, zone, 1, reload=bad)
        assert "zones[9].plugins[0].reload: %g is too short: 0 (off) or at least 1 seconds" \
            % bad in err, err
    for good in (0, 1, 60):
        check_zone(tmp_path, zone, 0, reload=good)


def test_include_of_a_pseudo_file_says_why(tmp_path):
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + "$INCLUDE /proc/self/status\n$INCLUDE /dev/null\n$INCLUDE /tmp\n")
    err = check_zone(tmp_path, zone, 1)
    assert "zb.zone:6:10: cannot read $INCLUDE file /proc/self/status: has more data than " \
        "its size of 0 octets says" in err, err
    assert "zb.zone:7:10: cannot read $INCLUDE file /dev/null: not a regular file " \
        "(a character device)" in err, err
    assert "zb.zone:8:10: cannot read $INCLUDE file /tmp: not a regular file (a directory)" \
        in err, err


def test_sigterm_during_a_long_load_exits_promptly(start_server, tmp_path):
    # ~2.6M records: a load of several seconds (8 s here), cancelled at its next record.
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + "".join("$GENERATE 0-65535 n%d-$ A 192.0.2.1\n" % i
                                     for i in range(40)))
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone), port=port)
    time.sleep(0.5)
    assert "loaded " + str(zone) not in srv.stderr(), "the load was over too soon"
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    rc = srv.wait(timeout=10)
    dt = time.monotonic() - t0
    assert rc == 0, "exit status %r; stderr:\n%s" % (rc, srv.stderr())
    print("stopped in %.2f s" % dt)
    assert dt < 1.5, "took %.1f s to stop during a zone load" % dt
    assert "load cancelled" in srv.stderr() or "loaded " + str(zone) in srv.stderr(), \
        srv.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in srv.stderr()


def test_data_below_a_dname_is_refused(tmp_path):
    # RFC 6672 §2.4: no data below a DNAME owner (knotd refuses such a zone too).
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + "d    DNAME  elsewhere.test.\nx.d  A      192.0.2.7\n")
    err = check_zone(tmp_path, zone, 1)
    assert "x.d.zb.test.: data below the DNAME at d.zb.test. is not allowed " \
        "(RFC 6672 section 2.4)" in err, err


def test_dname_loops_are_not_repeated(start_server, tmp_path):
    # A DNAME onto itself or below itself used to give 8 CNAMEs (identical
    # ones for the first); the DNAME is applied once per answer.
    zone = tmp_path / "zb.zone"
    zone.write_text(HEADER + "self DNAME self.zb.test.\ngrow DNAME x.grow.zb.test.\n")
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone), port=port)
    deadline = time.monotonic() + 5
    while "loaded " + str(zone) not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.02)
    for qname, target in (("a.self.zb.test.", "a.self.zb.test."),
                          ("a.grow.zb.test.", "a.x.grow.zb.test.")):
        out = srv.kdig(qname, "A", "+noall", "+answer").stdout
        rrs = [ln.split() for ln in out.splitlines() if ln and not ln.startswith(";")]
        assert [(r[0], r[3]) for r in rrs] == [(qname.split(".", 1)[1], "DNAME"),
                                               (qname, "CNAME")], out
        assert rrs[1][4] == target, out
    srv.assert_healthy()
