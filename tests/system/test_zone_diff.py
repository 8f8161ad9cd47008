# Differential test: sluiced's zonefile plugin against knotd, serving the same
# master files (tests/data/zones/diff.example.zone and its hosted child
# child.diff.example.zone). The same queries go to both, over UDP and TCP,
# and the answers must match section by section (knot_peer.compare() says
# exactly what is compared, and argues each of its three exceptions).
#
# Two sets of queries:
#  - CASES: one named case per behaviour (apex, CNAME chains, DNAME,
#    wildcards, ENTs, NXDOMAIN/NODATA, referrals, DS at the cut, the hosted
#    child, case preservation, TC...). Each carries an Expect that knotd's
#    answer must satisfy, so a case cannot silently stop testing what its
#    name says (zone file edited, say). One test per case and transport.
#  - generated_queries(): every name of both zones (owners, empty
#    non-terminals, names below wildcards, DNAMEs and cuts, nonexistent
#    names) x the relevant types; compared in one test that reports every
#    mismatch at once.
# SPDX-License-Identifier: MIT OR Apache-2.0

import re

import dns.name
import dns.rdatatype
import dns.zone
import pytest

from conftest import SANITIZER_MARKERS, ServerFactory, _check_binaries, free_port
from knot_peer import (Expect, KnotPeer, PrimaryZone, Query, case_problems,
                       check_zonefile_built, compare, diff_report, exchange, have_knotd, wait_soa,
                       zone_path, zonefile_config)

PARENT = "diff.example."
CHILD = "child.diff.example."
PARENT_NEG_TTL = 300    # min(SOA TTL 3600, MINIMUM 300)
CHILD_NEG_TTL = 120     # min(SOA TTL 120, MINIMUM 900)

TRANSPORTS = ("udp", "tcp")


def diff_zones():
    """The zones both servers host, with transfers allowed from loopback."""
    return [PrimaryZone(PARENT, zone_path("diff.example.zone")),
            PrimaryZone(CHILD, zone_path("child.diff.example.zone"))]


# ---- the named cases ----------------------------------------------------------

def E(**kw):
    return Expect(**kw)


def nodata(neg=PARENT_NEG_TTL, **kw):
    return Expect(an="", ns="SOA", ar="", neg_ttl=neg, **kw)


def nxdomain(neg=PARENT_NEG_TTL, an="", **kw):
    return Expect(rcode="NXDOMAIN", an=an, ns="SOA", ar="", neg_ttl=neg, **kw)


def referral(ar, **kw):
    # RFC 1034 §4.3.2 step 3b: no AA, the cut's NS in authority, glue in
    # additional.
    return Expect(aa=False, an="", ns="NS", ar=ar, **kw)


SUB_GLUE = "A A AAAA"     # ns1.sub A, ns2.sub A + AAAA; ns.elsewhere.test has none
GLUEHEAVY_GLUE = " ".join(["A", "AAAA"] * 12)

# (id, qname, qtype, Expect, Query keyword arguments)
CASES = [
    # -- apex
    ("apex-soa", "diff.example", "SOA", E(an="SOA", ns="", ar=""), {}),
    ("apex-ns", "diff.example", "NS", E(an="NS", ns="", ar="A AAAA A"), {}),
    ("apex-mx", "diff.example", "MX", E(an="MX", ns="", ar="A AAAA A"), {}),
    ("apex-a", "diff.example", "A", E(an="A", ns="", ar=""), {}),
    ("apex-aaaa", "diff.example", "AAAA", E(an="AAAA"), {}),
    ("apex-txt", "diff.example", "TXT", E(an="TXT"), {}),
    ("apex-caa", "diff.example", "CAA", E(an="CAA"), {}),
    # RFC 8482: one RRset (knotd: the lowest type, A), over UDP and TCP.
    ("apex-any", "diff.example", "ANY", E(an="A", ns="", ar=""), {}),
    ("apex-srv-nodata", "diff.example", "SRV", nodata(), {}),
    # the parent (example.) is not hosted: DS at the apex is NODATA
    ("apex-ds-nodata", "diff.example", "DS", nodata(), {}),
    # -- hosts and assorted types
    ("www-a", "www.diff.example", "A", E(an="A", ns="", ar=""), {}),
    ("www-aaaa", "www.diff.example", "AAAA", E(an="AAAA"), {}),
    ("www-txt-quoted", "www.diff.example", "TXT", E(an="TXT"), {}),
    ("a-only-aaaa-nodata", "host-only-a.diff.example", "AAAA", nodata(), {}),
    ("v6only-aaaa", "v6only.diff.example", "AAAA", E(an="AAAA"), {}),
    ("v6only-a-nodata", "v6only.diff.example", "A", nodata(), {}),
    ("txt-escapes", "txt.diff.example", "TXT", E(an="TXT"), {}),
    ("hinfo", "misc.diff.example", "HINFO", E(an="HINFO"), {}),
    ("sshfp", "misc.diff.example", "SSHFP", E(an="SSHFP"), {}),
    ("ptr", "misc.diff.example", "PTR", E(an="PTR", ar=""), {}),
    ("naptr", "misc.diff.example", "NAPTR", E(an="NAPTR"), {}),
    ("unknown-type", "misc.diff.example", "TYPE65280", E(an="TYPE65280"), {}),
    ("misc-any", "misc.diff.example", "ANY", E(an="PTR"), {}),
    ("ns1-a", "ns1.diff.example", "A", E(an="A"), {}),
    ("ns2-a-ttl600", "ns2.diff.example", "A", E(an="A"), {}),
    # -- MX / SRV additional processing
    ("mail-a", "mail.diff.example", "A", E(an="A"), {}),
    ("srv-tcp", "_sip._tcp.diff.example", "SRV", E(an="SRV", ar="A AAAA"), {}),
    ("srv-udp", "_sip._udp.diff.example", "SRV", E(an="SRV", ar="A AAAA"), {}),
    ("srv-ent", "_tcp.diff.example", "SRV", nodata(), {}),
    # -- CNAME
    ("cname-1hop", "cname1.diff.example", "A", E(an="CNAME A", ns=""), {}),
    ("cname-2hop", "cname2.diff.example", "A", E(an="CNAME CNAME A", ns=""), {}),
    ("cname-2hop-aaaa", "cname2.diff.example", "AAAA", E(an="CNAME CNAME AAAA"), {}),
    ("cname-qtype-cname", "cname2.diff.example", "CNAME", E(an="CNAME"), {}),
    ("cname-any", "cname1.diff.example", "ANY", E(an="CNAME"), {}),
    ("cname-out-of-zone", "cname-out.diff.example", "A", E(an="CNAME", ns="", ar=""), {}),
    ("cname-to-nxdomain", "cname-nx.diff.example", "A", nxdomain(an="CNAME"), {}),
    ("cname-loop", "loop1.diff.example", "A", E(an="CNAME CNAME", ns=""), {}),
    ("cname-target-aaaa", "cname-mx.diff.example", "AAAA", E(an="CNAME AAAA"), {}),
    # MX at a CNAME's target that has no MX: CNAME, then NODATA there
    ("cname-target-nodata", "cname-mx.diff.example", "MX",
     E(an="CNAME", ns="SOA", neg_ttl=PARENT_NEG_TTL), {}),
    ("cname-to-wildcard", "cname-wild.diff.example", "A", E(an="CNAME A"), {}),
    # CNAME into a delegation: the chain ends in a referral (AA stays set
    # for the authoritative CNAME)
    ("cname-to-delegation", "cname-deleg.diff.example", "A",
     E(an="CNAME", ns="NS", ar=SUB_GLUE), {}),
    # CNAME to the hosted child: inside the parent zone that is a delegation
    ("cname-to-child", "cname-child.diff.example", "A", E(an="CNAME", ns="NS", ar="A"), {}),
    ("cname-to-dname", "cname-dname.diff.example", "A", E(an="CNAME DNAME CNAME A"), {}),
    # -- DNAME (RFC 6672)
    ("dname-below", "www.dname.diff.example", "A", E(an="DNAME CNAME A", ns=""), {}),
    ("dname-below-nx", "x.dname.diff.example", "A", nxdomain(an="DNAME CNAME"), {}),
    ("dname-below-deep-nx", "a.b.dname.diff.example", "A", nxdomain(an="DNAME CNAME"), {}),
    ("dname-below-mx", "mail.dname.diff.example", "MX",
     E(an="DNAME CNAME MX", ar="A AAAA"), {}),
    ("dname-owner-dname", "dname.diff.example", "DNAME", E(an="DNAME"), {}),
    ("dname-owner-a-nodata", "dname.diff.example", "A", nodata(), {}),
    ("dname-out-of-zone", "foo.dname-out.diff.example", "A", E(an="DNAME CNAME", ns=""), {}),
    ("dname-target-ent", "target.diff.example", "A", nodata(), {}),
    # -- wildcards (RFC 4592)
    ("wild-a", "foo.wild.diff.example", "A", E(an="A", owners=["foo.wild.diff.example."]), {}),
    ("wild-two-labels", "x.y.wild.diff.example", "TXT",
     E(an="TXT", owners=["x.y.wild.diff.example."]), {}),
    ("wild-nodata", "foo.wild.diff.example", "AAAA", nodata(), {}),
    ("wild-any", "foo.wild.diff.example", "ANY", E(an="A"), {}),
    ("wild-blocked-nodata", "blocked.wild.diff.example", "A", nodata(), {}),
    ("wild-blocked-exact", "blocked.wild.diff.example", "TXT", E(an="TXT"), {}),
    ("wild-blocked-below-nx", "x.blocked.wild.diff.example", "A", nxdomain(), {}),
    ("wild-owner-literal", "*.wild.diff.example", "A", E(an="A"), {}),
    ("wild-parent-ent", "wild.diff.example", "A", nodata(), {}),
    ("wild-cname", "foo.wcname.diff.example", "A",
     E(an="CNAME A", owners=["foo.wcname.diff.example."]), {}),
    ("wild-cname-aaaa", "foo.wcname.diff.example", "AAAA", E(an="CNAME AAAA"), {}),
    ("wild-mx", "foo.wcmx.diff.example", "MX", E(an="MX", ar="A AAAA"), {}),
    # -- empty non-terminals
    ("ent", "ent.diff.example", "A", nodata(), {}),
    ("ent-deeper", "b.ent.diff.example", "TXT", nodata(), {}),
    ("ent-leaf", "a.b.ent.diff.example", "A", E(an="A"), {}),
    ("ent-below-nx", "x.ent.diff.example", "A", nxdomain(), {}),
    ("ent-below-nx2", "x.b.ent.diff.example", "A", nxdomain(), {}),
    # -- NXDOMAIN / NODATA (RFC 2308)
    ("nxdomain", "nx.diff.example", "A", nxdomain(), {}),
    ("nxdomain-deep", "a.b.c.nx.diff.example", "AAAA", nxdomain(), {}),
    ("nodata-www-mx", "www.diff.example", "MX", nodata(), {}),
    ("nodata-mail-txt", "mail.diff.example", "TXT", nodata(), {}),
    # -- delegations
    ("deleg-a", "sub.diff.example", "A", referral(SUB_GLUE), {}),
    ("deleg-ns", "sub.diff.example", "NS", referral(SUB_GLUE), {}),
    ("deleg-soa", "sub.diff.example", "SOA", referral(SUB_GLUE), {}),
    ("deleg-any", "sub.diff.example", "ANY", referral(SUB_GLUE), {}),
    ("deleg-below", "host.sub.diff.example", "A", referral(SUB_GLUE), {}),
    ("deleg-below-deep", "a.b.host.sub.diff.example", "AAAA", referral(SUB_GLUE), {}),
    ("deleg-glue-name", "ns1.sub.diff.example", "A", referral(SUB_GLUE), {}),
    # DS is the parent's data (RFC 4035 §3.1.4.1): authoritative answer
    ("deleg-ds", "sub.diff.example", "DS", E(an="DS", ns="", ar=""), {}),
    ("deleg-ds-below", "host.sub.diff.example", "DS", referral(SUB_GLUE), {}),
    ("deleg-ds-nodata", "sub3.diff.example", "DS", nodata(), {}),
    # sibling glue: ns1.sub is glue of another delegation; knotd includes it
    ("deleg-sibling-glue", "sub2.diff.example", "A", referral("A A"), {}),
    ("deleg-no-glue", "sub3.diff.example", "A", referral(""), {}),
    ("deleg-glue-heavy", "glueheavy.diff.example", "A", referral(GLUEHEAVY_GLUE), {}),
    # -- the hosted child zone: answered from the child, not as a referral
    ("child-soa", "child.diff.example", "SOA", E(an="SOA", ns=""), {}),
    ("child-ns", "child.diff.example", "NS", E(an="NS", ns="", ar="A"), {}),
    ("child-a", "child.diff.example", "A", E(an="A"), {}),
    ("child-mx", "child.diff.example", "MX", E(an="MX", ar="A AAAA"), {}),
    ("child-any", "child.diff.example", "ANY", E(an="A"), {}),
    # DS for the hosted child comes from the parent (RFC 4035 §3.1.4.1)
    ("child-ds-from-parent", "child.diff.example", "DS", E(an="DS", ns="", ar=""), {}),
    ("child-www", "www.child.diff.example", "A", E(an="A"), {}),
    ("child-glue-name", "ns1.child.diff.example", "A", E(an="A"), {}),
    ("child-nxdomain", "nx.child.diff.example", "A", nxdomain(neg=CHILD_NEG_TTL), {}),
    ("child-nodata", "www.child.diff.example", "TXT", nodata(neg=CHILD_NEG_TTL), {}),
    # a CNAME from the child back into the parent zone is not chased
    ("child-cname-to-parent", "alias.child.diff.example", "A", E(an="CNAME", ns=""), {}),
    ("child-wildcard", "x.wild.child.diff.example", "TXT", E(an="TXT"), {}),
    ("child-referral", "x.grandchild.child.diff.example", "A", referral("A"), {}),
    ("child-grandchild-ds-nodata", "grandchild.child.diff.example", "DS",
     nodata(neg=CHILD_NEG_TTL), {}),
    # -- case preservation (RFC 1034 §3.1, RFC 4343): owners that are the
    #    qname carry the question's case
    ("case-www", "WwW.DiFf.ExAmPlE", "A", E(an="A", owners=["WwW.DiFf.ExAmPlE."]),
     {"case": True}),
    ("case-wildcard", "FoO.WiLd.DIFF.example", "A",
     E(an="A", owners=["FoO.WiLd.DIFF.example."]), {"case": True}),
    ("case-nxdomain", "NX.Diff.Example", "A", nxdomain(), {"case": True}),
    ("case-cname", "CnAmE2.Diff.Example", "A",
     E(an="CNAME CNAME A", owners=["CnAmE2.Diff.Example."]), {"case": True}),
    ("case-dname", "X.DName.diff.example", "A",
     nxdomain(an="DNAME CNAME", owners=["X.DName.diff.example."]), {"case": True}),
    ("case-referral", "SUB.diff.example", "NS", referral(SUB_GLUE), {"case": True}),
    # the zone file spells it "MixedCase": the answer follows the question
    ("case-zone-spelling-upper", "MIXEDCASE.diff.example", "A",
     E(an="A", owners=["MIXEDCASE.diff.example."]), {"case": True}),
    ("case-zone-spelling-lower", "mixedcase.diff.example", "A",
     E(an="A", owners=["mixedcase.diff.example."]), {"case": True}),
    ("case-child-apex", "CHILD.Diff.Example", "SOA",
     E(an="SOA", owners=["CHILD.Diff.Example."]), {"case": True}),
    ("case-any", "WWW.diff.example", "ANY", E(an="A", owners=["WWW.diff.example."]),
     {"case": True}),
    # -- truncation: 40 TXT of 200 octets; TC over UDP, whole over TCP
    ("big-noedns", "big.diff.example", "TXT",
     E(an="TXT", udp=dict(tc=True, an="", ns="", ar="")), {"edns": None}),
    ("big-bufsize-512", "big.diff.example", "TXT",
     E(an="TXT", udp=dict(tc=True, an="", ns="", ar="")), {"edns": 512}),
    ("big-bufsize-1232", "big.diff.example", "TXT",
     E(an="TXT", udp=dict(tc=True, an="")), {}),
    # the server's own limit (1232 both) caps a client's 4096
    ("big-bufsize-4096", "big.diff.example", "TXT",
     E(an="TXT", udp=dict(tc=True, an="")), {"edns": 4096}),
    ("big-any", "big.diff.example", "ANY", E(an="TXT", udp=dict(tc=True, an="")),
     {"edns": None}),
    # RFC 9471: in-domain glue that does not fit sets TC (512 without EDNS)
    ("glue-heavy-noedns", "glueheavy.diff.example", "A",
     referral(GLUEHEAVY_GLUE, udp=dict(tc=True, ar=None)), {"edns": None}),
    # -- header and EDNS
    ("noedns-www", "www.diff.example", "A", E(an="A"), {"edns": None}),
    ("noedns-nxdomain", "nx.diff.example", "A", nxdomain(), {"edns": None}),
    ("do-bit", "www.diff.example", "A", E(an="A"), {"do": True}),
    ("do-bit-nxdomain", "nx.diff.example", "A", nxdomain(), {"do": True}),
    ("rd-echoed", "www.diff.example", "A", E(an="A"), {"rd": True}),
    ("rd-echoed-referral", "sub.diff.example", "A", referral(SUB_GLUE), {"rd": True}),
    # CD must be copied (RFC 4035 §3.1.6); knotd clears it: see compare()
    ("cd-copied", "www.diff.example", "A", E(an="A"), {"cd": True}),
    ("cd-copied-nxdomain", "nx.diff.example", "A", nxdomain(), {"cd": True}),
    # -- not ours
    ("not-hosted", "example.org", "A", E(rcode="REFUSED", aa=False, an="", ns="", ar=""), {}),
    ("not-hosted-parent", "example", "SOA",
     E(rcode="REFUSED", aa=False, an="", ns="", ar=""), {}),
]


def case_query(case):
    cid, qname, qtype, expect, kw = case
    return Query(qname, qtype, expect=expect, label=cid, **kw)


# ---- the generated matrix ---------------------------------------------------

BASE_TYPES = ("A", "AAAA", "TXT", "MX", "NS", "CNAME", "DS", "ANY")


def load_zone(origin, path):
    return dns.zone.from_file(path, origin=origin, relativize=False, check_origin=True)


def generated_queries():
    """Every name of both zones (and some beside them) x the relevant types."""
    names = {}     # name -> set of types present

    def add(name, types=()):
        names.setdefault(name, set()).update(types)

    for origin, fname in ((PARENT, "diff.example.zone"), (CHILD, "child.diff.example.zone")):
        apex = dns.name.from_text(origin)
        z = load_zone(origin, zone_path(fname))
        for name, node in z.nodes.items():
            text = name.to_text()
            # one of twelve similar glue names is enough
            if re.match(r"ns(0[2-9]|1[0-2])\.glueheavy\.", text):
                continue
            types = {dns.rdatatype.to_text(rds.rdtype) for rds in node.rdatasets}
            add(text, types)
            # empty non-terminals between the name and the apex
            parent = name.parent()
            while parent != apex and parent.is_subdomain(apex):
                add(parent.to_text())
                parent = parent.parent()
            if name.labels[0] == b"*":
                add("gen-wc." + name.parent().to_text())        # wildcard match
            if "DNAME" in types:
                add("gen." + text)                              # DNAME substitution
            if "NS" in types and name != apex:
                add("gen." + text)                              # below a cut
        add("gen-nx." + origin, ())                            # NXDOMAIN
        add(origin, {"SOA"})
    for ent in [n for n, t in names.items() if not t and not n.startswith("gen")]:
        add("gen-nx." + ent)                                    # NXDOMAIN below an ENT
    out = []
    for name in sorted(names):
        for t in sorted(set(BASE_TYPES) | names[name]):
            out.append(Query(name, t))
    return out


# ---- fixtures -----------------------------------------------------------------

@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(knotd, sluiced), both serving diff_zones()."""
    if not have_knotd():
        pytest.skip("knotd not installed")
    _check_binaries()
    check_zonefile_built()
    knot = KnotPeer(tmp_path_factory.mktemp("knotd"), zones=diff_zones())
    factory = ServerFactory(tmp_path_factory)
    try:
        knot.start()
        port = free_port()
        srv = factory(cfg=zonefile_config(port, diff_zones()), port=port, name="sluiced-diff")
        for z in diff_zones():
            wait_soa(srv, z.name)
        yield knot, srv
    finally:
        factory.cleanup()
        knot.stop()


def run_and_compare(query, transport, ref_port, got_port, ref_name="knotd",
                    got_name="sluiced"):
    ref = exchange(ref_port, query, transport)
    got = exchange(got_port, query, transport)
    return ref, got, compare(query, transport, ref, got, ref_port, ref_name, got_name)


# ---- tests --------------------------------------------------------------------

def test_query_list_size():
    """The brief asks for at least 80 distinct queries; we have far more."""
    assert len(CASES) >= 80
    assert len(generated_queries()) >= 300
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_case(servers, case, transport):
    knot, srv = servers
    q = case_query(case)
    ref, got, d = run_and_compare(q, transport, knot.port, srv.port)
    # First: knotd's answer shows the case tests what it says (else the zone
    # file or the case list drifted; that is a test bug, not a server bug).
    assert ref[0] is not None, "knotd did not answer %s: %s" % (q, ref[1])
    probs = q.expect.problems(ref[0], transport) + case_problems(ref[0], q)
    assert not probs, "knotd's answer to %s over %s is not what the case expects: %s\n%s" % (
        q, transport, probs, ref[0])
    assert not d, d.text()


def test_generated_matrix(servers):
    """Every name x type of both zones, UDP and TCP; all mismatches reported."""
    knot, srv = servers
    diffs = []
    for q in generated_queries():
        for transport in TRANSPORTS:
            diffs.append(run_and_compare(q, transport, knot.port, srv.port)[2])
    assert not any(diffs), diff_report(diffs, len(diffs))


def test_sluiced_survived(servers):
    """After everything above sluiced still runs, serves both zones, and
    logged no sanitizer report."""
    knot, srv = servers
    assert srv.running(), "sluiced died; stderr:\n" + srv.stderr()
    for z in diff_zones():
        wait_soa(srv, z.name, timeout=2)
    log = srv.stderr()
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log
