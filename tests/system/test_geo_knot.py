# geo-loadbalance against knotd's geoip module (Debian knot-module-geoip,
# geodb mode, continent/country keys) answering the same map from the same
# MaxMind test database: the same ECS subnets must get the same answers and,
# where knotd locates the client, the same ECS scope.
#
# Two documented differences, asserted as such:
#  - a client no view matches gets the zone's own record from both, but knotd
#    says scope 0 (valid for every client) where sluiced gives the prefix the
#    decision depended on: a resolver caching knotd's scope-0 answer serves
#    it to clients the map sends elsewhere (RFC 7871 §7.3.1);
#  - NODATA from a view without the type: knotd scope 0, sluiced the scope
#    of the location that chose the view, for the same reason.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os

import dns.edns
import dns.rcode
import pytest

from conftest import SRCDIR, base_config, free_port, make_query
from knot_peer import KnotPeer, PrimaryZone, PeerFactory, have_knotd

PLUGIN = os.path.join(os.environ.get("SLUICE_BUILDDIR") or SRCDIR, "plugins",
                      "geo-loadbalance.so")
KNOT_GEOIP = "/usr/lib/x86_64-linux-gnu/knot/modules-3.2/geoip.so"
CITY = os.path.join(SRCDIR, "tests", "data", "geoip", "GeoIP2-City-Test.mmdb")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(PLUGIN), reason="geo-loadbalance not built"),
    pytest.mark.skipif(not have_knotd(), reason="knotd not installed (Debian: knot)"),
    pytest.mark.skipif(not os.path.exists(KNOT_GEOIP),
                       reason="knotd's geoip module not installed (Debian: knot-module-geoip)"),
]

ZONE = """$ORIGIN geo.test.
$TTL 3600
@ SOA ns hostmaster 1 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
loc A 192.0.2.99
"""

# The map, once per server. Views and rules agree: knotd picks the most
# specific geo tuple, sluiced the first rule, and SE is listed first.
KNOT_VIEWS = """loc.geo.test:
  - geo: "EU;SE"
    A: 192.0.2.20
  - geo: "EU;*"
    A: [ 192.0.2.10, 192.0.2.11 ]
    AAAA: 2001:db8::10
  - geo: "NA;*"
    A: 198.51.100.10
  - geo: "AS;*"
    A: 203.0.113.10
    AAAA: 2001:db8::30
"""

GEO = {
    "plugin": "geo-loadbalance", "database": CITY, "ecs": True,
    "pools": {"se": {"A": ["192.0.2.20"]},
              "eu": {"A": ["192.0.2.10", "192.0.2.11"], "AAAA": ["2001:db8::10"]},
              "na": {"A": ["198.51.100.10"]},
              "as": {"A": ["203.0.113.10"], "AAAA": ["2001:db8::30"]}},
    "names": {"loc": {"ttl": 30, "map": [
        {"match": "country:SE", "pools": ["se"]},
        {"match": "continent:EU", "pools": ["eu"]},
        {"match": "continent:NA", "pools": ["na"]},
        {"match": "continent:AS", "pools": ["as"]}]}},
}


class GeoKnotPeer(KnotPeer):
    """knotd with mod-geoip (geodb mode) on its zones and ECS on."""

    def config_text(self):
        text = super().config_text()
        views = os.path.join(self.workdir, "geo.conf")
        with open(views, "w") as f:
            f.write(KNOT_VIEWS)
        text = text.replace("server:\n", "server:\n    edns-client-subnet: on\n", 1)
        module = ("mod-geoip:\n  - id: geo\n    config-file: \"%s\"\n    ttl: 30\n"
                  "    mode: geodb\n    geodb-file: \"%s\"\n"
                  "    geodb-key: [ continent/code, country/iso_code ]\n\n" % (views, CITY))
        text = text.replace("template:\n", module + "template:\n", 1)
        return text.replace("    file: ", "    module: mod-geoip/geo\n    file: ")


@pytest.fixture
def servers(start_server, tmp_path, tmp_path_factory):
    zone = tmp_path / "geo.test.zone"
    zone.write_text(ZONE)
    port = free_port()
    cfg = base_config(port)
    cfg["zones"] = [{"name": "geo.test.", "plugins": [
        GEO, {"plugin": "zonefile", "file": str(zone)}]}]
    srv = start_server(cfg=cfg, port=port)
    factory = PeerFactory(GeoKnotPeer, tmp_path_factory)
    knot = factory(zones=[PrimaryZone("geo.test.", str(zone), allow_transfer=())])
    yield srv, knot
    factory.cleanup()


def answer(server, subnet, rdtype):
    addr, plen = subnet.split("/")
    q = make_query("loc.geo.test.", rdtype, use_edns=0,
                   options=[dns.edns.ECSOption(addr, int(plen))])
    r = server.udp(q)
    data = sorted(rd.to_text() for rrset in r.answer for rd in rrset)
    ttls = sorted({rrset.ttl for rrset in r.answer})
    scope = [o.scopelen for o in r.options if isinstance(o, dns.edns.ECSOption)]
    return r.rcode(), data, ttls, len(r.authority), scope[0] if scope else None


SUBNETS = ["81.2.69.142/32", "2.125.160.216/32", "89.160.20.112/32", "89.160.20.128/25",
           "216.160.83.56/32", "149.101.100.1/32", "175.16.199.1/24", "67.43.156.1/24",
           "2001:218::1/56", "2001:220::1/48", "1.128.0.1/32", "198.18.0.1/24",
           "0.0.0.0/0"]


@pytest.mark.parametrize("rdtype", ["A", "AAAA"])
def test_same_answers_as_knotd(servers, rdtype):
    srv, knot = servers
    compared = 0
    for subnet in SUBNETS:
        s_rcode, s_data, s_ttl, s_auth, s_scope = answer(srv, subnet, rdtype)
        k_rcode, k_data, k_ttl, k_auth, k_scope = answer(knot, subnet, rdtype)
        where = "%s %s: sluiced %r, knotd %r" % (subnet, rdtype, (s_data, s_scope),
                                                 (k_data, k_scope))
        assert s_rcode == k_rcode == dns.rcode.NOERROR, where
        assert s_data == k_data, where
        assert s_ttl == k_ttl, where
        assert s_auth == k_auth, where
        if k_scope:
            assert s_scope == k_scope, where
        elif s_data and s_ttl == [30]:
            pytest.fail("knotd gave scope 0 to a geo answer: " + where)
        compared += 1
    assert compared == len(SUBNETS)


def test_scope_differences_are_the_documented_ones(servers):
    srv, knot = servers
    # No view matches (1.128.0.1 has no City entry): both serve the zone's record.
    s = answer(srv, "1.128.0.1/32", "A")
    k = answer(knot, "1.128.0.1/32", "A")
    assert s[1] == k[1] == ["192.0.2.99"]
    assert k[4] == 0 and s[4] == 8  # the database's empty /8 around the address
    # NODATA from the SE view (no AAAA): knotd scope 0, sluiced the /28 that chose it.
    s = answer(srv, "89.160.20.112/32", "AAAA")
    k = answer(knot, "89.160.20.112/32", "AAAA")
    assert s[1] == k[1] == [] and s[3] == k[3] == 1
    assert k[4] == 0 and s[4] == 28
    # Source prefix 0: both answer without locating, scope 0.
    assert answer(srv, "0.0.0.0/0", "A")[4] == answer(knot, "0.0.0.0/0", "A")[4] == 0
