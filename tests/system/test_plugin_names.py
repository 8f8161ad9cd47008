# Names a plugin answers work like zone data: a CNAME or DNAME in a zone
# file whose target whoami answers — in the same zone or in another served
# zone — is followed through that zone's plugin chain. Exact sections, AA,
# rcode and negative-caching SOA are checked; the placeholder record that
# keeps NXDOMAIN/NSEC/AXFR consistent is in the transfer but never answered.
# SPDX-License-Identifier: MIT OR Apache-2.0

import time

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import ServerFactory, _check_binaries, base_config, free_port, make_query

ZW = """$ORIGIN zw.test.
$TTL 3600
@       SOA ns hostmaster 1 7200 3600 1209600 300
@       NS  ns
ns      A   192.0.2.1
; whoami answers who.zw.test.; this placeholder keeps the name in the zone
; data (NXDOMAIN, NSEC and AXFR stay consistent with what is answered).
who     TXT "answered by whoami"
alias   CNAME who
alias2  CNAME alias
cross   CNAME pool.zo.test.
apex    CNAME wz.test.
moved   DNAME zo.test.
loop1   CNAME loop2
loop2   CNAME loop1
"""

ZO = """$ORIGIN zo.test.
$TTL 3600
@       SOA ns hostmaster 7 7200 3600 1209600 600
@       NS  ns
ns      A   192.0.2.2
pool    TXT "answered by whoami"
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    d = tmp_path_factory.mktemp("zones")
    (d / "zw.zone").write_text(ZW)
    (d / "zo.zone").write_text(ZO)
    port = free_port()
    cfg = base_config(port)
    cfg["zones"] += [
        {"name": "zw.test.", "allow_transfer": ["127.0.0.0/8"],
         "plugins": [{"plugin": "whoami", "name": "who"},
                     {"plugin": "zonefile", "file": str(d / "zw.zone")}]},
        {"name": "zo.test.",
         "plugins": [{"plugin": "whoami", "name": "pool"},
                     {"plugin": "zonefile", "file": str(d / "zo.zone")}]},
        {"name": "wz.test.", "plugins": [{"plugin": "whoami"}]},
    ]
    _check_binaries()
    factory = ServerFactory(tmp_path_factory)
    s = factory(cfg=cfg, port=port, name="plugin-names")
    # zonefile loads in the background: wait until both zones answer.
    for name in ("ns.zw.test.", "ns.zo.test."):
        for _ in range(200):
            if s.udp(make_query(name, "A")).rcode() == dns.rcode.NOERROR:
                break
            time.sleep(0.01)
    yield s
    s.assert_healthy()
    factory.cleanup()


def sections(r):
    """(answer, authority) as lists of (owner, ttl, type, rdata) text."""
    def rows(section):
        return [(str(rrset.name), rrset.ttl, dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
                for rrset in section for rd in rrset]
    return rows(r.answer), rows(r.authority)


def ask(srv, name, rdtype):
    r = srv.udp(make_query(name, rdtype, want_dnssec=False))
    assert r.flags & dns.flags.AA, "AA must be set"
    assert not r.flags & dns.flags.TC
    assert r.additional == []
    return r


ZW_SOA = ("zw.test.", 300, "SOA", "ns.zw.test. hostmaster.zw.test. 1 7200 3600 1209600 300")
ZO_SOA = ("zo.test.", 600, "SOA", "ns.zo.test. hostmaster.zo.test. 7 7200 3600 1209600 600")


def test_cname_to_plugin_name_in_same_zone(srv):
    r = ask(srv, "alias.zw.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert sections(r) == ([("alias.zw.test.", 3600, "CNAME", "who.zw.test."),
                            ("who.zw.test.", 0, "A", "127.0.0.1")], [])


def test_two_cnames_then_plugin(srv):
    r = ask(srv, "alias2.zw.test.", "TXT")
    assert r.rcode() == dns.rcode.NOERROR
    answer, authority = sections(r)
    assert answer[:2] == [("alias2.zw.test.", 3600, "CNAME", "alias.zw.test."),
                          ("alias.zw.test.", 3600, "CNAME", "who.zw.test.")]
    assert len(answer) == 3 and answer[2][:3] == ("who.zw.test.", 0, "TXT")
    assert answer[2][3].strip('"').isdigit()  # the source port, not the placeholder
    assert authority == []


def test_plugin_nodata_after_cname_carries_the_soa(srv):
    # whoami has no AAAA for an IPv4 client: NODATA, with the zone's SOA at
    # TTL min(SOA TTL, MINIMUM) from the core's negative-answer helper.
    r = ask(srv, "alias.zw.test.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR
    assert sections(r) == ([("alias.zw.test.", 3600, "CNAME", "who.zw.test.")], [ZW_SOA])


def test_plugin_nodata_asked_directly(srv):
    r = ask(srv, "who.zw.test.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR
    assert sections(r) == ([], [ZW_SOA])


def test_cname_to_plugin_name_in_other_zone(srv):
    r = ask(srv, "cross.zw.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert sections(r) == ([("cross.zw.test.", 3600, "CNAME", "pool.zo.test."),
                            ("pool.zo.test.", 0, "A", "127.0.0.1")], [])
    # The negative answer there is the other zone's, with its SOA.
    r = ask(srv, "cross.zw.test.", "AAAA")
    assert sections(r) == ([("cross.zw.test.", 3600, "CNAME", "pool.zo.test.")], [ZO_SOA])


def test_dname_to_plugin_name_in_other_zone(srv):
    r = ask(srv, "pool.moved.zw.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert sections(r) == ([("moved.zw.test.", 3600, "DNAME", "zo.test."),
                            ("pool.moved.zw.test.", 3600, "CNAME", "pool.zo.test."),
                            ("pool.zo.test.", 0, "A", "127.0.0.1")], [])


def test_other_zone_data_is_not_served_for_our_cname(srv):
    # As knotd: a chain that leaves the zone for another zone's data ends
    # at the CNAME (only plugins there are asked).
    r = ask(srv, "moved.zw.test.", "A")  # the DNAME owner itself: NODATA
    assert r.rcode() == dns.rcode.NOERROR
    r = ask(srv, "ns.moved.zw.test.", "A")
    assert sections(r) == ([("moved.zw.test.", 3600, "DNAME", "zo.test."),
                            ("ns.moved.zw.test.", 3600, "CNAME", "ns.zo.test.")], [])


def test_cname_to_zone_served_by_whoami_alone(srv):
    r = ask(srv, "apex.zw.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR
    # wz.test. has no zone data: whoami's TTL there is its default, 0.
    assert sections(r) == ([("apex.zw.test.", 3600, "CNAME", "wz.test."),
                            ("wz.test.", 0, "A", "127.0.0.1")], [])


def test_nxdomain_and_loops_stay_zone_data(srv):
    r = ask(srv, "below.who.zw.test.", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert sections(r) == ([], [ZW_SOA])
    r = ask(srv, "loop1.zw.test.", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert sections(r) == ([("loop1.zw.test.", 3600, "CNAME", "loop2.zw.test."),
                            ("loop2.zw.test.", 3600, "CNAME", "loop1.zw.test.")], [])


def test_axfr_keeps_the_placeholder(srv):
    r = srv.tcp(make_query("zw.test.", "AXFR"))
    assert r.rcode() == dns.rcode.NOERROR
    answer, _ = sections(r)
    assert ("who.zw.test.", 3600, "TXT", '"answered by whoami"') in answer
    assert answer[0][2] == "SOA" and answer[-1][2] == "SOA"
