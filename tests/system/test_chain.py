# Plugin chains: server-wide before zones, order within a chain, zone
# selection, and what each plugin result (done/drop/error/pass/follow) sends.
# SPDX-License-Identifier: MIT OR Apache-2.0

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import answer_rrs, make_query, txt_strings


def traces(resp):
    return [(str(n), txt_strings([rd])[0].decode()) for n, t, rd in answer_rrs(resp)
            if t == dns.rdatatype.TXT]


def test_done_zone_answer(server):
    r = server.udp(make_query("example.com.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert traces(r) == [("example.com.", "rec")] + [("example.com.", "x" * 10)] * 3


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_chain_order(server, transport):
    # Server-wide recorder "srv" (match order.test.) runs before the zone's
    # chain; the zone's instances run in array order.
    r = getattr(server, transport)(make_query("order.test.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert [s for _, s in traces(r)] == ["srv", "one", "two", "three", "x" * 10]


def test_match_limits_server_wide_recorder(server):
    r = server.udp(make_query("sub.order.test.", "TXT"))
    assert [s for _, s in traces(r)] == ["one", "two", "three", "x" * 10]
    assert {n for n, _ in traces(r)} == {"sub.order.test."}


def test_closest_enclosing_zone(server):
    r = server.udp(make_query("a.b.example.com.", "TXT"))
    assert traces(r) == [("a.b.example.com.", "rec")] + [("a.b.example.com.", "x" * 10)] * 3
    r = server.udp(make_query("x.deep.example.com.", "TXT"))
    assert traces(r) == [("x.deep.example.com.", "deep"), ("x.deep.example.com.", "x" * 10)]
    r = server.udp(make_query("deep.example.com.", "TXT"))
    assert [s for _, s in traces(r)] == ["deep", "x" * 10]


def test_zone_match_case_insensitive(server):
    r = server.udp(make_query("DEEP.Example.COM.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR
    assert [s for _, s in traces(r)] == ["deep", "x" * 10]


def test_parent_of_zone_refused(server):
    r = server.udp(make_query("com.", "TXT"))
    assert r.rcode() == dns.rcode.REFUSED
    r = server.udp(make_query("notexample.com.", "TXT"))
    assert r.rcode() == dns.rcode.REFUSED


def test_drop_sends_nothing(server):
    q = make_query("drop.test.", "A")
    assert server.udp_raw(q.to_wire(), timeout=0.7) is None
    # ... and the server is fine afterwards.
    r = server.udp(make_query("example.com.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR


def test_error_is_header_only(server):
    q = make_query("err.test.", "A")
    r = server.udp(q)
    assert r.id == q.id
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.answer == [] and r.authority == []
    assert [str(x.name) for x in r.question] == ["err.test."]


def test_zone_without_answer_servfail(server):
    r = server.udp(make_query("pass.test.", "A"))
    assert r.rcode() == dns.rcode.SERVFAIL
    assert r.answer == []
    r = server.tcp(make_query("x.pass.test.", "TXT"))
    assert r.rcode() == dns.rcode.SERVFAIL


def test_follow_continues_in_target_zone(server):
    r = server.udp(make_query("follow.test.", "TXT"))
    assert r.rcode() == dns.rcode.NOERROR
    t = traces(r)
    assert ("follow.test.", "hop") in t
    assert ("target.example.com.", "rec") in t
    assert t.count(("target.example.com.", "x" * 10)) == 3
    # The hop's trace comes first.
    assert t.index(("follow.test.", "hop")) < t.index(("target.example.com.", "rec"))


def test_teardown_last_instance_first(start_server):
    """Instances of a chain are destroyed last first, so a writer placed after
    a journal stops before the journal's hook goes (core/host/config.c)."""
    from conftest import base_config, free_port
    port = free_port()
    cfg = base_config(port)
    cfg["zones"] = [{"name": "order.test.", "plugins": [
        {"plugin": "recorder", "tag": "first", "result": "pass"},
        {"plugin": "recorder", "tag": "second", "result": "done"}]}]
    srv = start_server(cfg=cfg, port=port)
    srv.stop()
    log = srv.stderr()
    a = log.find("destroyed (tag second)")
    b = log.find("destroyed (tag first)")
    assert a >= 0 and b >= 0 and a < b, log
