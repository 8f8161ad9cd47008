# The zonefile plugin's failure modes: a zone that never loaded answers
# SERVFAIL (EDE "Not Ready"), a broken file on reload leaves the previous
# version serving, and --check reports zone-file and zone-check errors with
# their places.
# SPDX-License-Identifier: MIT OR Apache-2.0

import signal
import time

import dns.edns
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from conftest import base_config, free_port, make_query, run_sluiced, write_config

GOOD = """$ORIGIN zf.test.
$TTL 300
@    SOA ns.zf.test. host.zf.test. {serial} 3600 600 86400 60
@    NS  ns
ns   A   192.0.2.1
www  A   192.0.2.{last}
"""


def zone_config(port, path, **zf):
    cfg = base_config(port)
    cfg["zones"].append({"name": "zf.test.",
                         "plugins": [dict({"plugin": "zonefile", "file": str(path)}, **zf)]})
    return cfg


def www(srv):
    r = srv.udp(make_query("www.zf.test.", "A"))
    return r.rcode(), [rd.to_text() for rrset in r.answer for rd in rrset]


def wait_log(srv, text, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in srv.stderr():
            return True
        time.sleep(0.02)
    return False


def test_unloadable_zone_is_servfail_not_wrong(start_server, tmp_path):
    zone = tmp_path / "zf.zone"
    zone.write_text(GOOD.format(serial=1, last=10) + "bad  A   192.0.2.300\n")
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone), port=port)
    assert wait_log(srv, "not loaded"), srv.stderr()
    assert "zf.zone:7:" in srv.stderr(), srv.stderr()
    r = srv.udp(make_query("www.zf.test.", "A", use_edns=0))
    assert r.rcode() == dns.rcode.SERVFAIL
    assert not r.answer
    ede = [o for o in r.options if o.otype == dns.edns.EDE]
    assert ede and ede[0].code == 14, r.options  # Not Ready
    srv.assert_healthy()


def test_broken_reload_keeps_previous_version(start_server, tmp_path):
    zone = tmp_path / "zf.zone"
    zone.write_text(GOOD.format(serial=1, last=10))
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone), port=port)
    assert wait_log(srv, "loaded " + str(zone)), srv.stderr()
    assert www(srv) == (dns.rcode.NOERROR, ["192.0.2.10"])
    # A semantic error (CNAME beside other data) must not replace the zone.
    zone.write_text(GOOD.format(serial=2, last=20) + "www CNAME ns\n")
    srv.signal(signal.SIGHUP)
    assert wait_log(srv, "still serving the previous version"), srv.stderr()
    assert "CNAME" in srv.stderr()
    assert www(srv) == (dns.rcode.NOERROR, ["192.0.2.10"])
    # Fixed file: the new version goes live.
    zone.write_text(GOOD.format(serial=3, last=30))
    srv.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while www(srv) != (dns.rcode.NOERROR, ["192.0.2.30"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert www(srv) == (dns.rcode.NOERROR, ["192.0.2.30"])
    soa = srv.udp(make_query("zf.test.", "SOA")).answer[0][0]
    assert soa.serial == 3
    srv.assert_healthy()


def test_unchanged_file_is_not_reparsed_on_reload(start_server, tmp_path):
    zone = tmp_path / "zf.zone"
    zone.write_text(GOOD.format(serial=1, last=10))
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone), port=port)
    assert wait_log(srv, "loaded " + str(zone)), srv.stderr()
    srv.signal(signal.SIGHUP)
    assert wait_log(srv, "reload complete"), srv.stderr()
    time.sleep(0.3)
    assert srv.stderr().count("loaded " + str(zone)) == 1, srv.stderr()
    assert www(srv) == (dns.rcode.NOERROR, ["192.0.2.10"])


def check(tmp_path, zone_text):
    zone = tmp_path / "zf.zone"
    zone.write_text(zone_text)
    conf = write_config(tmp_path / "c.json", zone_config(free_port(), zone))
    return run_sluiced(["--config", conf, "--check"], cwd=tmp_path, timeout=30)


def test_check_reports_zone_errors(tmp_path):
    ok = check(tmp_path, GOOD.format(serial=1, last=10))
    assert ok.returncode == 0, ok.stderr
    # Exactly 1 ("problems found"): a sanitizer's own exit code must not pass.
    syntax = check(tmp_path, GOOD.format(serial=1, last=10) + "x  IN  FOO bar\n")
    assert syntax.returncode == 1, syntax.stderr
    assert "zf.zone:7:" in syntax.stderr and "FOO" in syntax.stderr, syntax.stderr
    assert "zones[" in syntax.stderr and ".file" in syntax.stderr, syntax.stderr
    nosoa = check(tmp_path, "$ORIGIN zf.test.\n@ 300 NS ns\nns 300 A 192.0.2.1\n")
    assert nosoa.returncode == 1, nosoa.stderr
    assert "SOA" in nosoa.stderr, nosoa.stderr
    outside = check(tmp_path, GOOD.format(serial=1, last=10) + "www.other.test. A 192.0.2.9\n")
    assert outside.returncode == 1, outside.stderr
    assert "zf.zone:7" in outside.stderr and "outside the zone" in outside.stderr, outside.stderr


# Four bad records between good ones: each reported, with its place.
BROKEN = GOOD + """bad  A   192.0.2.300
two  FOO 1
www.other.test. A 192.0.2.9
txt  TXT ( "never closed
          on this line )
ok   A   192.0.2.11
""" + "\tA\t192.0.2.12\n" + "far.other.test.  A 192.0.2.13\n"

BROKEN_ERRORS = [
    "zf.zone:7:10: A address: bad IPv4 address",
    "zf.zone:8:6: unknown type FOO",
    "zf.zone:9:1: www.other.test.: outside the zone",
    "zf.zone:10:12: unterminated quoted string",
    "zf.zone:14:1: far.other.test.: outside the zone",
]


def zone_errors(out, zone):
    """The zone file's error lines, without the instance prefix and directory."""
    prefix = "zonefile@zf.test.: %s/" % zone.parent
    return [line.split(prefix, 1)[1] for line in out.splitlines() if prefix in line]


def test_check_reports_every_zone_error(tmp_path):
    p = check(tmp_path, BROKEN.format(serial=1, last=10))
    zone = tmp_path / "zf.zone"
    assert p.returncode == 1, p.stderr
    assert p.stdout == "", p.stdout
    assert zone_errors(p.stderr, zone) == BROKEN_ERRORS, p.stderr
    lines = p.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), p.stderr
    assert lines[-1] == "error: zones[9].plugins[0].file: %s: 5 errors (see above)" % zone, \
        p.stderr
    assert len(lines) == 6, p.stderr


def test_check_caps_zone_errors(tmp_path):
    # 150 bad records: the first 100 are listed, then how many more there are.
    bad = "".join("bad%d A 192.0.2.%d\n" % (i, 300 + i) for i in range(150))
    p = check(tmp_path, GOOD.format(serial=1, last=10) + bad)
    zone = tmp_path / "zf.zone"
    assert p.returncode == 1, p.stderr
    errors = zone_errors(p.stderr, zone)
    assert len(errors) == 101, p.stderr
    assert errors[0] == "zf.zone:7:8: A address: bad IPv4 address", errors[0]
    assert errors[99] == "zf.zone:106:9: A address: bad IPv4 address", errors[99]
    assert errors[100] == "zf.zone: ... and 50 more errors", errors[100]
    assert p.stderr.splitlines()[-1] == \
        "error: zones[9].plugins[0].file: %s: 150 errors (see above)" % zone, p.stderr


def test_bad_zone_at_startup(start_server, tmp_path):
    # A zone with errors does not stop sluiced: it is not served (SERVFAIL,
    # EDE Not Ready), every error is logged with its place, the other zones
    # answer, and once the file is fixed a SIGHUP brings it in.
    zone = tmp_path / "zf.zone"
    zone.write_text(BROKEN.format(serial=1, last=10))
    good = tmp_path / "good.zone"
    good.write_text(GOOD.format(serial=1, last=10).replace("zf.test.", "good.test."))
    port = free_port()
    cfg = zone_config(port, zone)
    cfg["zones"].append({"name": "good.test.",
                         "plugins": [{"plugin": "zonefile", "file": str(good)}]})
    srv = start_server(cfg=cfg, port=port)
    assert wait_log(srv, "the zone answers SERVFAIL until it is fixed"), srv.stderr()
    assert wait_log(srv, "loaded " + str(good)), srv.stderr()
    log = srv.stderr()
    assert zone_errors(log, zone) == BROKEN_ERRORS + [
        "zf.zone not loaded: the zone answers SERVFAIL until it is fixed"], log
    assert all("[error] zonefile@zf.test.: " in line
               for line in log.splitlines() if "zonefile@zf.test." in line), log
    r = srv.udp(make_query("www.zf.test.", "A", use_edns=0))
    assert r.rcode() == dns.rcode.SERVFAIL and not r.answer
    assert [(o.otype, o.code) for o in r.options] == [(dns.edns.EDE, 14)], r.options
    r = srv.udp(make_query("www.good.test.", "A"))
    assert r.rcode() == dns.rcode.NOERROR
    assert [rd.to_text() for rrset in r.answer for rd in rrset] == ["192.0.2.10"]
    srv.assert_healthy()
    zone.write_text(GOOD.format(serial=2, last=20))
    srv.signal(signal.SIGHUP)
    assert wait_log(srv, "loaded " + str(zone)), srv.stderr()
    assert www(srv) == (dns.rcode.NOERROR, ["192.0.2.20"])


def test_zone_size_cap_stops_parsing(start_server, tmp_path):
    # 100 generated records against a cap of 20: refused while parsing,
    # before the records are held in memory, and the zone is not served.
    zone = tmp_path / "zf.zone"
    zone.write_text(GOOD.format(serial=1, last=10) + "$GENERATE 1-100 h$ A 192.0.2.1\n")
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone, max_zone_records=20), port=port)
    assert wait_log(srv, "not loaded"), srv.stderr()
    assert "zf.zone:7:" in srv.stderr(), srv.stderr()
    assert srv.udp(make_query("www.zf.test.", "A")).rcode() == dns.rcode.SERVFAIL


def test_referral_glue_lookups_are_capped(start_server, tmp_path):
    # A delegation with 100 in-bailiwick name servers: each referral looks up
    # glue for at most 32 of them (lookups per query stay bounded).
    zone = tmp_path / "zf.zone"
    zone.write_text(GOOD.format(serial=1, last=10) +
                    "$GENERATE 1-100 sub NS ns$.sub\n"
                    "$GENERATE 1-100 ns$.sub A 192.0.2.$\n")
    port = free_port()
    srv = start_server(cfg=zone_config(port, zone), port=port)
    assert wait_log(srv, "loaded " + str(zone)), srv.stderr()
    r = srv.tcp(make_query("x.sub.zf.test.", "A"))
    assert r.rcode() == dns.rcode.NOERROR
    assert sum(len(rrset) for rrset in r.authority) == 100
    glue = [rrset for rrset in r.additional if rrset.rdtype == dns.rdatatype.A]
    assert len(glue) == 32, [str(g.name) for g in glue]


def test_ixfr_only_at_the_apex(start_server, tmp_path):
    zone = tmp_path / "zf.zone"
    zone.write_text(GOOD.format(serial=5, last=10))
    port = free_port()
    cfg = zone_config(port, zone)
    cfg["zones"][-1]["allow_transfer"] = ["127.0.0.0/8"]
    srv = start_server(cfg=cfg, port=port)
    assert wait_log(srv, "loaded " + str(zone)), srv.stderr()
    for qname, rcode in (("www.zf.test.", dns.rcode.NOTAUTH), ("zf.test.", dns.rcode.NOERROR)):
        q = dns.message.make_query(qname, "IXFR")
        q.authority.append(dns.rrset.from_text(
            qname, 0, "IN", "SOA", "ns.zf.test. host.zf.test. 5 3600 600 86400 60"))
        r = srv.udp(q)
        assert r.rcode() == rcode, (qname, r)
        if rcode == dns.rcode.NOERROR:
            assert [rrset.rdtype for rrset in r.answer] == [dns.rdatatype.SOA]
            assert str(r.answer[0].name) == "zf.test."
