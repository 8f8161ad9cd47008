# The sqlite-journal plugin with zonefile: a raised serial in the zone file
# is journaled and served as a real IXFR (kdig and dnspython read exactly
# the change), the journal's version survives a restart with an older zone
# file, the database is readable with the sqlite3 shell, and a damaged
# journal keeps its zone out of service with a clear error while the rest
# of the server works.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import signal
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from conftest import base_config, free_port, make_query, run_sluiced, write_config
from knot_peer import KnotPeer, SecondaryZone, have_knotd

ZONE = """$ORIGIN jr.test.
$TTL 300
@     SOA ns.jr.test. host.jr.test. {serial} 3600 600 86400 60
@     NS  ns
ns    A   192.0.2.1
www   A   192.0.2.{www}
{extra}
"""

V1 = ZONE.format(serial=1, www=10, extra="old TXT \"going\"\nmail MX 10 ns")
V2 = ZONE.format(serial=2, www=20, extra="new TXT \"arrived\"\nmail MX 10 ns")
V3 = ZONE.format(serial=3, www=20, extra="new TXT \"arrived\"\nmail MX 20 ns")


def journal_config(port, zone, db, order=("sqlite-journal", "zonefile"), **journal):
    cfg = base_config(port)
    plugins = {"sqlite-journal": dict({"plugin": "sqlite-journal", "file": str(db)}, **journal),
               "zonefile": {"plugin": "zonefile", "file": str(zone)}}
    cfg["zones"].append({"name": "jr.test.", "allow_transfer": ["127.0.0.0/8", "::1/128"],
                         "plugins": [plugins[name] for name in order]})
    return cfg


def wait_for(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.03)
    return cond()


def serial(srv):
    r = srv.udp(make_query("jr.test.", "SOA"))
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return None
    return r.answer[0][0].serial


def rr_line(name, ttl, rd):
    return "%s %d %s %s" % (name.to_text(), ttl, dns.rdatatype.to_text(rd.rdtype),
                            rd.to_text())


def ixfr(port, client_serial, udp=False):
    """Every RR of the IXFR reply in order, as 'owner ttl TYPE rdata' lines."""
    q = dns.message.make_query("jr.test.", "IXFR")
    q.authority.append(dns.rrset.from_text(
        "jr.test.", 0, "IN", "SOA",
        "ns.jr.test. host.jr.test. %d 3600 600 86400 60" % client_serial))
    if udp:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=3,
                          ignore_trailing=True, one_rr_per_rrset=True)
        assert r.rcode() == dns.rcode.NOERROR
        return [rr_line(rrset.name, rrset.ttl, rd) for rrset in r.answer for rd in rrset], r
    lines = []
    for msg in dns.query.xfr("127.0.0.1", "jr.test.", rdtype=dns.rdatatype.IXFR,
                             serial=client_serial, port=port, timeout=5, lifetime=10,
                             relativize=False):
        lines += [rr_line(rrset.name, rrset.ttl, rd) for rrset in msg.answer for rd in rrset]
    return lines


def soa(n):
    return "jr.test. 300 SOA ns.jr.test. host.jr.test. %d 3600 600 86400 60" % n


# The exact difference sequences (RFC 1995 §4), canonical order within each half.
DIFF_1_2 = [soa(1),
            'old.jr.test. 300 TXT "going"',
            "www.jr.test. 300 A 192.0.2.10",
            soa(2),
            'new.jr.test. 300 TXT "arrived"',
            "www.jr.test. 300 A 192.0.2.20"]
DIFF_2_3 = [soa(2), "mail.jr.test. 300 MX 10 ns.jr.test.",
            soa(3), "mail.jr.test. 300 MX 20 ns.jr.test."]


def kdig_ixfr(srv, client_serial):
    out = srv.kdig("IXFR=%d" % client_serial, "jr.test.", "+noall", "+answer")
    assert out.returncode == 0, out.stderr
    lines = []
    for line in out.stdout.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        rrset = dns.rrset.from_text_list(*_split(line))
        lines.append(rr_line(rrset.name, rrset.ttl, rrset[0]))
    return lines


def _split(line):
    owner, ttl, cls, rtype, rdata = line.split(None, 4)
    return owner, int(ttl), cls, rtype, [rdata]


def reload_to(srv, zone, text, want_serial):
    zone.write_text(text)
    srv.signal(signal.SIGHUP)
    assert wait_for(lambda: serial(srv) == want_serial), srv.stderr()


def start_journaled(start_server, tmp_path, **journal):
    """sluiced serving jr.test. from V1 with a journal; (srv, zone, db, port, cfg)."""
    zone, db = tmp_path / "jr.zone", tmp_path / "jr.db"
    zone.write_text(V1)
    port = free_port()
    cfg = journal_config(port, zone, db, **journal)
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: serial(srv) == 1), srv.stderr()
    return srv, zone, db, port, cfg


def sqlite3_rows(db, sql):
    out = subprocess.run(["sqlite3", "-separator", "|", str(db), sql], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [line.split("|") for line in out.stdout.splitlines()]


def test_ixfr_from_journal_and_restart(start_server, tmp_path):
    srv, zone, db, port, cfg = start_journaled(start_server, tmp_path)
    assert "new journal, snapshot at serial 1" in srv.stderr()

    reload_to(srv, zone, V2, 2)
    reload_to(srv, zone, V3, 3)

    # Incremental replies, from each serial the journal holds.
    assert ixfr(port, 2) == [soa(3)] + DIFF_2_3 + [soa(3)]
    assert ixfr(port, 1) == [soa(3)] + DIFF_1_2 + DIFF_2_3 + [soa(3)]
    # kdig (Knot's own IXFR client) reads the same sequence.
    assert kdig_ixfr(srv, 1) == [soa(3)] + DIFF_1_2 + DIFF_2_3 + [soa(3)]
    # Current: the SOA alone. Unknown (older than the history): the whole zone.
    assert ixfr(port, 3) == [soa(3)]
    full = ixfr(port, 0)
    assert full[0] == soa(3) and full[-1] == soa(3) and len(full) == 7, full
    # Over UDP a reply that fits comes whole (RFC 1995 §2).
    lines, _ = ixfr(port, 2, udp=True)
    assert lines == [soa(3)] + DIFF_2_3 + [soa(3)]

    # The journal is readable with the sqlite3 shell.
    rows = sqlite3_rows(db, "SELECT change, serial_from, serial_to, op, owner, type, rdata "
                            "FROM history WHERE type != 'SOA'")
    assert ["1", "1", "2", "-", "www.jr.test.", "A", "192.0.2.10"] in rows, rows
    assert ["2", "2", "3", "+", "mail.jr.test.", "MX", "20 ns.jr.test."] in rows, rows
    assert sqlite3_rows(db, "SELECT value FROM meta WHERE key = 'snapshot_serial'") == [["1"]]

    # Restart with the zone file back at serial 1: the journal's version serves.
    srv.stop()
    # The counters at exit: 4 incremental replies, the SOA alone and a full one.
    stats = [l.split("stats ", 1)[1] for l in srv.stderr().splitlines()
             if "stats sqlite-journal@jr.test." in l]
    assert stats == ["sqlite-journal@jr.test. ixfr_incremental=4",
                     "sqlite-journal@jr.test. ixfr_other=2"], stats
    zone.write_text(V1)
    srv2 = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: "not newer than the journal's 3" in srv2.stderr()), srv2.stderr()
    assert serial(srv2) == 3
    r = srv2.udp(make_query("www.jr.test.", "A"))
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["192.0.2.20"]
    assert "not loaded: still serving" not in srv2.stderr()
    # The history came back with it.
    assert ixfr(port, 1) == [soa(3)] + DIFF_1_2 + DIFF_2_3 + [soa(3)]

    # Same serial, other content (a hand edit without a serial bump): refused.
    zone.write_text(V3.replace("192.0.2.20", "192.0.2.99"))
    srv2.signal(signal.SIGHUP)
    assert wait_for(lambda: srv2.stderr().count("not newer than the journal's 3") >= 2)
    assert serial(srv2) == 3
    r = srv2.udp(make_query("www.jr.test.", "A"))
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["192.0.2.20"]
    srv2.assert_healthy()
    # --check replays the journal (read-only) and finds nothing wrong.
    conf = write_config(tmp_path / "check.json", cfg)
    out = run_sluiced(["--config", conf, "--check"], cwd=tmp_path, timeout=30)
    assert out.returncode == 0, out.stderr


def test_compaction_keeps_recent_history(start_server, tmp_path):
    srv, zone, db, port, _ = start_journaled(start_server, tmp_path, max_changes=1)
    reload_to(srv, zone, V2, 2)
    reload_to(srv, zone, V3, 3)
    # Only 2 → 3 is kept: from 1 the reply is the whole zone.
    assert ixfr(port, 2) == [soa(3)] + DIFF_2_3 + [soa(3)]
    assert len(ixfr(port, 1)) == 7
    assert sqlite3_rows(db, "SELECT count(*) FROM changes") == [["1"]]
    assert sqlite3_rows(db, "SELECT value FROM meta WHERE key = 'snapshot_serial'") == [["2"]]
    # Lowered on reload, the limit applies at once (database and memory).
    srv.reload(journal_config(port, zone, db, max_changes=0))
    assert wait_for(lambda: "1 change folded into the snapshot" in srv.stderr()), srv.stderr()
    assert sqlite3_rows(db, "SELECT count(*) FROM changes") == [["0"]]
    assert len(ixfr(port, 2)) == 7
    assert ixfr(port, 3) == [soa(3)]


def test_large_ixfr_streams_and_udp_falls_back(start_server, tmp_path):
    many = "\n".join("h%d A 198.51.100.%d" % (i, i % 250 + 1) for i in range(3000))
    srv, zone, db, port, _ = start_journaled(start_server, tmp_path)
    reload_to(srv, zone, V1.replace(" 1 3600", " 2 3600") + many + "\n", 2)
    lines = ixfr(port, 1)
    assert len(lines) == 3000 + 4, len(lines)
    assert lines[0] == soa(2) and lines[1] == soa(1) and lines[2] == soa(2)
    assert lines[-1] == soa(2)
    # Too big for UDP: the current SOA alone, "use TCP" (RFC 1995 §2).
    udp_lines, r = ixfr(port, 1, udp=True)
    assert udp_lines == [soa(2)]


def test_wrong_order_and_check(tmp_path):
    zone, db = tmp_path / "jr.zone", tmp_path / "jr.db"
    zone.write_text(V1)
    bad = write_config(tmp_path / "bad.json", journal_config(
        free_port(), zone, db, order=("zonefile", "sqlite-journal")))
    out = run_sluiced(["--config", bad, "--check"], cwd=tmp_path, timeout=30)
    assert out.returncode == 1, out.stderr
    assert "sqlite-journal" in out.stderr and "reorder the chain" in out.stderr, out.stderr
    good = write_config(tmp_path / "good.json", journal_config(free_port(), zone, db))
    out = run_sluiced(["--config", good, "--check"], cwd=tmp_path, timeout=30)
    assert out.returncode == 0, out.stderr
    # --check reads an existing journal and reports what is wrong with it.
    db.write_text("not a database at all, just text" * 100)
    out = run_sluiced(["--config", good, "--check"], cwd=tmp_path, timeout=30)
    assert out.returncode == 1, out.stderr
    assert "jr.db" in out.stderr and "not a database" in out.stderr, out.stderr


def test_damaged_journal_keeps_zone_out_then_recovers(start_server, tmp_path):
    zone, db = tmp_path / "jr.zone", tmp_path / "jr.db"
    zone.write_text(V1)
    db.write_bytes(b"SQLite format 3\x00" + b"\xa5" * 8000)
    port = free_port()
    srv = start_server(cfg=journal_config(port, zone, db), port=port)
    assert wait_for(lambda: "journal: unusable (" in srv.stderr()), srv.stderr()
    assert "moved aside" in srv.stderr(), srv.stderr()
    # The zone is not served from the file behind the journal's back...
    r = srv.udp(make_query("www.jr.test.", "A"))
    assert r.rcode() == dns.rcode.SERVFAIL
    # ...while the rest of the server works.
    r = srv.udp(make_query("example.com.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR
    # Moved aside and reloaded: a new journal starts from the zone file.
    os.rename(db, tmp_path / "jr.db.damaged")
    srv.signal(signal.SIGHUP)
    assert wait_for(lambda: serial(srv) == 1), srv.stderr()
    assert "new journal, snapshot at serial 1" in srv.stderr()
    srv.assert_healthy()


def test_transfer_acl_applies_to_ixfr(start_server, tmp_path):
    zone, db = tmp_path / "jr.zone", tmp_path / "jr.db"
    zone.write_text(V1)
    port = free_port()
    cfg = journal_config(port, zone, db)
    cfg["zones"][-1]["allow_transfer"] = ["192.0.2.0/24"]
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: serial(srv) == 1), srv.stderr()
    reload_to(srv, zone, V2, 2)
    q = dns.message.make_query("jr.test.", "IXFR")
    q.authority.append(dns.rrset.from_text("jr.test.", 0, "IN", "SOA",
                                           "ns.jr.test. host.jr.test. 1 3600 600 86400 60"))
    r = srv.tcp(q)
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.answer


# ---- knotd as a secondary: it fetches the change by IXFR ------------------------

@pytest.mark.skipif(not have_knotd(), reason="knotd not installed")
def test_knotd_secondary_fetches_ixfr(start_server, tmp_path, tmp_path_factory):
    srv, zone, db, port, _ = start_journaled(start_server, tmp_path)
    knot = KnotPeer(tmp_path_factory.mktemp("knot-secondary"),
                    zones=[SecondaryZone("jr.test.", ("127.0.0.1", port))])
    try:
        knot.start(wait=False)
        assert knot.wait_zone("jr.test.", serial=1, timeout=15) == 1
        assert "AXFR, incoming" in knot.log(), knot.log()[-3000:]
        reload_to(srv, zone, V2, 2)
        reload_to(srv, zone, V3, 3)
        out = knot.knotc("zone-refresh", "jr.test.")
        assert out.returncode == 0, out.stdout + out.stderr
        assert knot.wait_zone("jr.test.", serial=3, timeout=15) == 3
        log = knot.log()
        assert "IXFR, incoming" in log, log[-3000:]
        # Incremental, not a full transfer in IXFR form.
        assert "fallback to AXFR" not in log and "AXFR-style" not in log, log[-3000:]
        assert log.count("AXFR, incoming") == 2, log[-3000:]  # the first load only
        assert "IXFR, incoming" in log.split("finished")[-2], log[-3000:]
        # knotd applied exactly the change.
        r = knot.udp(make_query("www.jr.test.", "A"))
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["192.0.2.20"]
        r = knot.udp(make_query("old.jr.test.", "TXT"))
        assert r.rcode() == dns.rcode.NXDOMAIN
        r = knot.udp(make_query("mail.jr.test.", "MX"))
        assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["20 ns.jr.test."]
    finally:
        knot.stop()


def zone_rrs(text, origin="jr.test."):
    """The RRs of a master file as a sorted list of 'owner ttl TYPE rdata'."""
    import dns.zone
    z = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=True)
    return sorted(rr_line(name, rdataset.ttl, rd)
                  for name, rdataset in z.iterate_rdatasets() for rd in rdataset)


def test_sync_zone_file_writes_back(start_server, tmp_path):
    srv, zone, db, port, _ = start_journaled(start_server, tmp_path)
    reload_to(srv, zone, V2, 2)
    srv.stop()
    # The file goes back to serial 1; the journal holds 2.
    zone.write_text(V1)
    cfg = journal_config(port, zone, db, sync_zone_file=1, zone_file=str(zone))
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: "wrote %s: serial 2" % zone in srv.stderr()), srv.stderr()
    assert serial(srv) == 2
    assert zone_rrs(zone.read_text()) == zone_rrs(V2)
    assert not [p for p in os.listdir(tmp_path) if ".tmp." in p]
    # The written file loads back as the same version (nothing new journaled).
    srv.signal(signal.SIGHUP)
    assert wait_for(lambda: "loaded %s" % zone in srv.stderr()), srv.stderr()
    assert sqlite3_rows(db, "SELECT count(*) FROM changes") == [["1"]]
    # Written once: the file is current now.
    time.sleep(1.5)
    assert srv.stderr().count("wrote %s" % zone) == 1, srv.stderr()
    # A file that does not parse (an edit in progress) is never overwritten.
    zone.write_text("@ SOA broken\n")
    srv.stop()
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: "not overwritten" in srv.stderr(), timeout=5), srv.stderr()
    assert zone.read_text() == "@ SOA broken\n"
    assert serial(srv) == 2
    # --check wants the file to write.
    cfg["zones"][-1]["plugins"][0].pop("zone_file")
    out = run_sluiced(["--config", write_config(tmp_path / "c.json", cfg), "--check"],
                      cwd=tmp_path, timeout=30)
    assert out.returncode == 1 and "zone_file" in out.stderr, out.stderr


def test_reload_keeps_journal_and_refuses_a_new_file(start_server, tmp_path):
    srv, zone, db, port, cfg = start_journaled(start_server, tmp_path)
    # New limits on reload: the open journal is kept (no second replay).
    srv.reload(journal_config(port, zone, db, max_changes=5))
    assert wait_for(lambda: "reload complete" in srv.stderr()), srv.stderr()
    reload_to(srv, zone, V2, 2)
    assert "replayed" not in srv.stderr()
    assert ixfr(port, 1) == [soa(2)] + DIFF_1_2 + [soa(2)]
    # Another file for the running zone: the reload is refused before
    # anything is opened or published.
    other = tmp_path / "other.db"
    srv.reload(journal_config(port, zone, other))
    assert wait_for(lambda: "needs a restart" in srv.stderr()), srv.stderr()
    assert wait_for(lambda: "reload failed" in srv.stderr()), srv.stderr()
    assert not other.exists()
    assert serial(srv) == 2
    assert ixfr(port, 1) == [soa(2)] + DIFF_1_2 + [soa(2)]
    # Without the plugin the zone keeps serving, no longer journaled.
    cfg = journal_config(port, zone, db)
    cfg["zones"][-1]["plugins"].pop(0)
    srv.reload(cfg)
    assert wait_for(lambda: srv.stderr().count("reload complete") >= 3), srv.stderr()
    reload_to(srv, zone, V3, 3)
    assert sqlite3_rows(db, "SELECT max(serial_to) FROM changes") == [["2"]]
    srv.assert_healthy()


def test_default_file_and_kill9(start_server, tmp_path):
    """Without "file" the journal is the zone file's path plus .jrnl; a
    version served before kill -9 is served after the restart."""
    zone = tmp_path / "jr.zone"
    zone.write_text(V1)
    port = free_port()
    cfg = journal_config(port, zone, "unused")
    cfg["zones"][-1]["plugins"][0] = {"plugin": "sqlite-journal", "zone_file": str(zone)}
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: serial(srv) == 1), srv.stderr()
    assert (tmp_path / "jr.zone.jrnl").exists()
    reload_to(srv, zone, V2, 2)
    # Served means journaled: killed now, the restart still serves serial 2.
    srv.stop(signal.SIGKILL)
    zone.write_text(V1)
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: serial(srv) == 2), srv.stderr()
    assert ixfr(port, 1) == [soa(2)] + DIFF_1_2 + [soa(2)]


def test_kill9_during_reloads_never_loses_a_served_version(start_server, tmp_path):
    """kill -9 lands at random points of reloads: after each restart the
    serial is at least the last one served, and the journal replays."""
    import random
    rnd = random.Random(7)
    srv, zone, db, port, cfg = start_journaled(start_server, tmp_path)
    served = 1
    for n in range(2, 12):
        zone.write_text(ZONE.format(serial=n, www=n, extra=""))
        srv.signal(signal.SIGHUP)
        deadline = time.monotonic() + rnd.uniform(0.0, 0.05)
        while time.monotonic() < deadline:
            got = serial(srv)
            if got is not None:
                served = max(served, got)
        srv.stop(signal.SIGKILL)
        srv = start_server(cfg=cfg, port=port)
        assert wait_for(lambda: serial(srv) is not None and serial(srv) >= served), \
            (served, srv.stderr())
        assert "replayed" in srv.stderr(), srv.stderr()
        served = serial(srv)
    srv.assert_healthy()


UPD_KEY = ("ddns-key.", "hmac-sha256", "c2x1aWNlLWNyYXNoLXRlc3Qta2V5LTMyLWJ5dGVzIQ==")


def test_kill9_keeps_every_acknowledged_update(start_server, tmp_path):
    """Issue 8's crash test: four clients stream TSIG-signed updates through
    the update plugin, kill -9 lands in the middle, and after the restart
    every update answered NOERROR is served and the serial never went back."""
    import threading
    import dns.tsigkeyring
    import dns.update

    from conftest import PLUGINS_DIR
    if not os.path.exists(os.path.join(PLUGINS_DIR, "update.so")):
        pytest.skip("update plugin not built")
    zone, db = tmp_path / "jr.zone", tmp_path / "jr.db"
    zone.write_text(V1)
    port = free_port()
    cfg = journal_config(port, zone, db)
    cfg["tsig_keys"] = [{"name": UPD_KEY[0], "algorithm": UPD_KEY[1], "secret": UPD_KEY[2]}]
    cfg["zones"][-1]["plugins"].insert(1, {"plugin": "update", "policy": [
        {"key": UPD_KEY[0], "match": "subdomain", "name": "jr.test.", "types": ["A"]}]})
    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: serial(srv) == 1), srv.stderr()
    keyring = dns.tsigkeyring.from_text({UPD_KEY[0]: (UPD_KEY[1], UPD_KEY[2])})
    acked, stop = [], threading.Event()
    lock = threading.Lock()
    max_serial = [1]

    def client(c):
        for i in range(100000):
            if stop.is_set():
                return
            name = "c%d-u%d" % (c, i)
            u = dns.update.Update("jr.test.", keyring=keyring, keyname=UPD_KEY[0],
                                  keyalgorithm=dns.tsig.HMAC_SHA256)
            u.add(name, 300, "A", "198.51.100.%d" % (i % 250 + 1))
            try:
                r = dns.query.tcp(u, "127.0.0.1", port=port, timeout=2)
            except Exception:
                return  # the server is gone
            if r.rcode() == dns.rcode.NOERROR:
                with lock:
                    acked.append(name)

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(4)]
    for t in threads:
        t.start()
    time.sleep(3.0)  # a few thousand updates
    got = serial(srv)
    if got:
        max_serial[0] = max(max_serial[0], got)
    srv.stop(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join(5)
    assert len(acked) >= 200, "only %d updates acknowledged before the kill" % len(acked)

    srv = start_server(cfg=cfg, port=port)
    assert wait_for(lambda: serial(srv) is not None and serial(srv) >= max_serial[0]), \
        (max_serial[0], srv.stderr())
    missing = []
    for name in acked:
        r = srv.udp(make_query(name + ".jr.test.", "A"))
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            missing.append(name)
    assert not missing, "%d of %d acknowledged updates lost: %s" % (
        len(missing), len(acked), missing[:10])
    print("kill -9 after %d acknowledged updates: all served after the restart" % len(acked))
    srv.assert_healthy()
