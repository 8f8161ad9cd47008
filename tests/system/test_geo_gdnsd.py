# geo-loadbalance against gdnsd's geoip plugin (Debian gdnsd 3.x) on the same
# map and MaxMind test City database: the same ECS subnets must get the same
# addresses. Scopes differ by design: gdnsd merges neighbouring networks
# with the same answer into the widest supernet (fewer cache entries), while
# sluiced gives the prefix its rules needed for this address; both are valid
# (RFC 7871 §7.2.1), and sluiced's is never the wider of the two, i.e. it
# never claims an answer for addresses gdnsd would answer differently.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import shutil
import time

import dns.edns
import dns.rcode
import pytest

from conftest import SRCDIR, base_config, free_port, make_query, udp_exchange
from daemon import Process

PLUGIN = os.path.join(os.environ.get("SLUICE_BUILDDIR") or SRCDIR, "plugins",
                      "geo-loadbalance.so")
GDNSD = shutil.which("gdnsd") or "/usr/sbin/gdnsd"
CITY = os.path.join(SRCDIR, "tests", "data", "geoip", "GeoIP2-City-Test.mmdb")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(PLUGIN), reason="geo-loadbalance not built"),
    pytest.mark.skipif(not os.path.exists(GDNSD), reason="gdnsd not installed (Debian: gdnsd)"),
]

ZONE = """$TTL 3600
@ SOA ns hostmaster 1 7200 3600 1209600 300
@ NS ns
ns A 192.0.2.1
"""

GDNSD_CONFIG = """options => {
  listen => [ 127.0.0.1:%(port)d ]
  run_dir => "%(dir)s/run"
  state_dir => "%(dir)s/state"
}
plugins => {
  geoip => {
    maps => {
      m => {
        geoip2_db => GeoIP2-City-Test.mmdb
        datacenters => [na, se, eu, as]
        map => {
          EU => { SE => [se], default => [eu] }
          NA => [na]
          AS => [as]
          default => [na]
        }
      }
    }
    resources => {
      loc => {
        map => m
        service_types => up
        dcmap => {
          se => 192.0.2.20
          eu => [ 192.0.2.10, 192.0.2.11 ]
          na => 198.51.100.10
          as => 203.0.113.10
        }
      }
    }
  }
}
"""

GEO = {
    "plugin": "geo-loadbalance", "database": CITY, "ecs": True,
    "pools": {"se": {"A": ["192.0.2.20"]},
              "eu": {"A": ["192.0.2.10", "192.0.2.11"]},
              "na": {"A": ["198.51.100.10"]},
              "as": {"A": ["203.0.113.10"]}},
    "names": {"loc": {"ttl": 30, "map": [
        {"match": "country:SE", "pools": ["se"]},
        {"match": "continent:EU", "pools": ["eu"]},
        {"match": "continent:NA", "pools": ["na"]},
        {"match": "continent:AS", "pools": ["as"]},
        {"match": "default", "pools": ["na"]}]}},
}


class Gdnsd:
    def __init__(self, workdir):
        self.dir = str(workdir)
        self.port = free_port(ipv6=False)
        for sub in ("zones", "geoip", "run", "state"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        shutil.copyfile(CITY, os.path.join(self.dir, "geoip", "GeoIP2-City-Test.mmdb"))
        with open(os.path.join(self.dir, "zones", "geo.test"), "w") as f:
            f.write(ZONE + "loc 30 DYNA geoip!loc\n")
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(GDNSD_CONFIG % {"port": self.port, "dir": self.dir})
        self.proc = Process([GDNSD, "-c", self.dir, "start"], name="gdnsd",
                            log_path=os.path.join(self.dir, "gdnsd.log")).start()
        wire = make_query("ns.geo.test.", "A").to_wire()
        for _ in range(100):
            try:
                if udp_exchange(wire, "127.0.0.1", self.port, timeout=0.2):
                    return
            except OSError:
                pass
            if not self.proc.running():
                break
            time.sleep(0.1)
        self.proc.stop()
        pytest.fail("gdnsd did not start:\n" + self.proc.log_text())

    def udp(self, msg):
        import dns.query
        return dns.query.udp(msg, "127.0.0.1", port=self.port, timeout=2)

    def stop(self):
        self.proc.stop()


@pytest.fixture
def servers(start_server, tmp_path):
    zone = tmp_path / "geo.test.zone"
    zone.write_text("$ORIGIN geo.test.\n" + ZONE + "loc A 192.0.2.99\n")
    port = free_port()
    cfg = base_config(port)
    cfg["zones"] = [{"name": "geo.test.", "plugins": [
        GEO, {"plugin": "zonefile", "file": str(zone)}]}]
    srv = start_server(cfg=cfg, port=port)
    gd = Gdnsd(tmp_path / "gdnsd")
    yield srv, gd
    gd.stop()


def answer(server, subnet):
    addr, plen = subnet.split("/")
    q = make_query("loc.geo.test.", "A", use_edns=0,
                   options=[dns.edns.ECSOption(addr, int(plen))])
    r = server.udp(q)
    data = sorted(rd.to_text() for rrset in r.answer for rd in rrset)
    scope = [o.scopelen for o in r.options if isinstance(o, dns.edns.ECSOption)]
    return r.rcode(), data, sorted({rrset.ttl for rrset in r.answer}), scope[0] if scope else None


SUBNETS = ["81.2.69.142/32", "2.125.160.216/32", "89.160.20.112/32", "89.160.20.128/25",
           "216.160.83.56/32", "149.101.100.1/32", "175.16.199.1/24", "67.43.156.1/24",
           "202.196.224.1/32", "2001:218::1/56", "2001:220::1/48", "1.128.0.1/32",
           "198.18.0.1/24", "0.0.0.0/0"]


def test_same_answers_as_gdnsd(servers):
    srv, gd = servers
    for subnet in SUBNETS:
        s = answer(srv, subnet)
        g = answer(gd, subnet)
        where = "%s: sluiced %r, gdnsd %r" % (subnet, s, g)
        assert s[0] == g[0] == dns.rcode.NOERROR, where
        assert s[1] == g[1] and s[1], where
        assert s[2] == g[2] == [30], where
        # Same validity or narrower, never wider than gdnsd's merged supernet.
        assert s[3] is not None and g[3] is not None, where
        assert s[3] >= g[3], where
