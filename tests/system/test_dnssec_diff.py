# Differential test of signed answers: sluiced's zonefile plugin against
# knotd and NSD serving the same offline-signed zone, signed here with
# ldns-keygen / ldns-signzone in three variants (NSEC, NSEC3, NSEC3 with
# the opt-out flag) and with dnssec-signzone -A (NSEC3 with real opt-out). Every name of the zone (owners, empty non-terminals, names
# below the wildcard, the DNAME and the cuts, nonexistent names) x the
# relevant types is asked with DO set (with a 1232 and a 512 octet payload),
# and without DO, over UDP and TCP.
# Each answer of sluiced must equal knotd's or NSD's section by section,
# RRSIGs included (knot_peer.compare(), two argued exceptions added here:
# the order of RRSIG RRsets in the answer section, and what a truncated
# answer still holds, checked against RFC 4035 §3.1.1 instead). A validation check
# (ldns-verify-zone on the AXFR sluiced serves, and every positive and
# negative answer's RRSIGs checked by dnspython against the zone's keys)
# completes it.
# SPDX-License-Identifier: MIT OR Apache-2.0

import os
import shutil
import subprocess

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

from conftest import SANITIZER_MARKERS, ServerFactory, _check_binaries, free_port
from knot_peer import (KnotPeer, NsdPeer, PrimaryZone, Query, check_zonefile_built, compare,
                       diff_report, exchange, have_knotd, wait_soa, zonefile_config)

ORIGIN = "sig.example."
TRANSPORTS = ("udp", "tcp")

ZONE = """$ORIGIN sig.example.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
@ NS ns2
@ MX 10 mail
@ A 192.0.2.1
ns1 A 192.0.2.53
ns2 AAAA 2001:db8::53
mail A 192.0.2.25
www A 192.0.2.80
www 300 TXT "short ttl"
*.wild A 192.0.2.99
*.wild TXT "wild"
x.y.ent A 192.0.2.7
sub NS ns.sub
sub NS ns.elsewhere.test.
sub DS 12345 13 2 0000000000000000000000000000000000000000000000000000000000000001
ns.sub A 192.0.2.60
nods NS ns.nods
ns.nods A 192.0.2.61
alias CNAME www
walias CNAME foo.wild
dangling CNAME nx-target
wcname CNAME nx.wild
dn DNAME target.test.
srv._tcp SRV 0 0 80 www
x.insec NS ns.elsewhere.test.
svc HTTPS 1 web
web A 192.0.2.70
svc2 SVCB 1 www
"""

# variant -> (signer, extra arguments). ldns-signzone -p only sets the
# opt-out flag (every delegation keeps its NSEC3); dnssec-signzone -A really
# opts out (no NSEC3 for unsigned delegations and the empty non-terminals
# above them), which is what exercises the opt-out proofs.
VARIANTS = {
    "nsec": ("ldns", []),
    "nsec3": ("ldns", ["-n", "-t", "0"]),
    "nsec3-optout": ("ldns", ["-n", "-t", "0", "-p", "-s", "aabbccdd"]),
    "nsec3-optout-bind": ("bind", ["-3", "aabbccdd", "-H", "0", "-A"]),
}

TYPES = ("A", "AAAA", "TXT", "MX", "NS", "SOA", "CNAME", "DS", "DNSKEY", "RRSIG", "NSEC",
         "NSEC3", "NSEC3PARAM", "SRV", "HTTPS", "SVCB", "ANY")

HAVE_LDNS = shutil.which("ldns-signzone") and shutil.which("ldns-keygen")
HAVE_BIND_SIGNER = shutil.which("dnssec-signzone") and shutil.which("dnssec-keygen")
HAVE_NSD = os.path.exists(shutil.which("nsd") or "/usr/sbin/nsd")


def sign_zone(workdir, variant):
    """Signs ZONE in @workdir with a fresh KSK and ZSK (ECDSAP256SHA256) by
    the variant's signer; writes the KSK as a delv trust anchor to
    anchor.conf; returns the path of the signed master file."""
    src = os.path.join(workdir, "sig.example.zone")
    with open(src, "w") as f:
        f.write(ZONE)
    signer, args = VARIANTS[variant]
    signed = os.path.join(workdir, "sig.example.signed")
    keys = []
    if signer == "ldns":
        for extra in (["-k"], []):
            out = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256"] + extra + [ORIGIN],
                                 cwd=workdir, capture_output=True, text=True, check=True)
            keys.append(out.stdout.strip())
        subprocess.run(["ldns-signzone"] + args + ["-f", signed, src] + keys,
                       cwd=workdir, capture_output=True, text=True, check=True)
    else:
        for extra in (["-f", "KSK"], []):
            out = subprocess.run(["dnssec-keygen", "-q", "-a", "ECDSAP256SHA256"] + extra +
                                 [ORIGIN], cwd=workdir, capture_output=True, text=True,
                                 check=True)
            keys.append(out.stdout.strip())
        subprocess.run(["dnssec-signzone", "-S", "-K", workdir, "-o", ORIGIN, "-f", signed] +
                       args + [src], cwd=workdir, capture_output=True, text=True, check=True)
    # The KSK as a delv trust anchor (comment lines start with ";").
    with open(os.path.join(workdir, keys[0] + ".key")) as f:
        line = [l for l in f if l.strip() and not l.startswith(";")][0]
    fields = line.split(";")[0].split()        # owner [ttl] [IN] DNSKEY flags proto alg key
    owner, i = fields[0], fields.index("DNSKEY")
    flags, proto, alg, key = fields[i + 1], fields[i + 2], fields[i + 3], fields[i + 4:]
    with open(os.path.join(workdir, "anchor.conf"), "w") as f:
        f.write('trust-anchors {\n %s static-key %s %s %s "%s";\n};\n' % (
            owner, flags, proto, alg, "".join(key)))
    return signed


def generated_queries(path):
    """Every name of the signed zone and some beside it x TYPES, with and
    without DO."""
    apex = dns.name.from_text(ORIGIN)
    z = dns.zone.from_file(path, origin=ORIGIN, relativize=False, check_origin=True)
    names = set()
    for name, node in z.nodes.items():
        types = {dns.rdatatype.to_text(rds.rdtype) for rds in node.rdatasets}
        names.add(name.to_text())
        parent = name.parent()
        while parent != apex and parent.is_subdomain(apex):
            names.add(parent.to_text())
            parent = parent.parent()
        if name.labels[0] == b"*":
            names.add("gen-wc." + name.parent().to_text())
            names.add("a.b." + name.parent().to_text())
        if "DNAME" in types or ("NS" in types and name != apex):
            names.add("gen." + name.to_text())
        if "NSEC3" in types:
            names.add("gen." + name.to_text())       # below an NSEC3 owner
    names |= {"gen-nx." + ORIGIN, "zzz." + ORIGIN, "gen-nx.y.ent." + ORIGIN,
              "gen-nx.ent." + ORIGIN, "*." + ORIGIN}
    out = []
    for name in sorted(names):
        for t in TYPES:
            out.append(Query(name, t, do=True))
            out.append(Query(name, t, do=False))
            # 512 octets: signed answers truncate (RFC 4035 §3.1.1)
            out.append(Query(name, t, do=True, edns=512))
        # CD is copied (RFC 4035 §3.1.6), AD never set
        out.append(Query(name, "A", do=True, cd=True))
    return out


def _rrsets(msg, section):
    """{(owner, type, covered): set of RR texts} of one section."""
    out = {}
    for rrset in getattr(msg, section):
        cov = rrset.covers if rrset.rdtype == dns.rdatatype.RRSIG else 0
        key = (rrset.name.to_text().lower(), rrset.rdtype, cov)
        out.setdefault(key, set()).update(rd.to_text() for rd in rrset)
    return out


def truncation_problems(got, full):
    """RFC 4035 §3.1.1 for a truncated answer @got, given the complete one
    @full (over TCP): every RRset in answer and authority is whole and comes
    with all its RRSIGs (an RRset is never split from its signatures), and
    nothing is there that the complete answer lacks."""
    probs = []
    for sec in ("answer", "authority"):
        g, f = _rrsets(got, sec), _rrsets(full, sec)
        for key, rrs in g.items():
            if key not in f or rrs != f[key]:
                probs.append("%s: %s %s not as in the full answer" % (
                    sec, key[0], dns.rdatatype.to_text(key[1])))
                continue
            if key[1] == dns.rdatatype.RRSIG:
                continue
            sig = (key[0], dns.rdatatype.RRSIG, key[1])
            if sig in f and g.get(sig) != f[sig]:
                probs.append("%s: %s %s without all its RRSIGs" % (
                    sec, key[0], dns.rdatatype.to_text(key[1])))
    return probs


# Octets sluiced keeps free for an EDE option (core/query/process.c).
EDE_RESERVE = 6


def signed_compare(query, transport, ref, got, port, ref_name):
    """compare(), with two more exceptions for signed answers.

    RRSIG order: RRSIG RRsets may sit anywhere in the answer section (RFC
    4035 §3.1.1 only asks that they be there; knotd appends them after the
    section's RRsets, sluiced and NSD put each right after the RRset it
    covers). The answer's RRSIG-free order is still compared, and the RRSIGs
    themselves as part of the section's multiset.

    Truncation: with TC set, what still fitted differs by design: knotd keeps
    an RRset whose RRSIGs did not fit (RFC 4035 §3.1.1 says not to), sluiced
    leaves the pair out. Both set TC (or sluiced alone, when the reference's
    answer came within EDE_RESERVE octets of the limit): then sluiced's
    sections must pass truncation_problems() against the complete TCP
    answer, and the rcode and other flags are still compared."""
    d = compare(query, transport, ref, got, port, ref_name=ref_name)
    ref_msg, got_msg = ref[0], got[0]
    if not d or ref_msg is None or got_msg is None:
        return d
    got_tc = bool(got_msg.flags & dns.flags.TC)
    ref_tc = bool(ref_msg.flags & dns.flags.TC)
    near = (not ref_tc and query.edns is not None
            and len(ref_msg.to_wire()) + EDE_RESERVE > query.edns)
    if got_tc and (ref_tc or near):
        full, err = exchange(port, query, "tcp")
        probs = truncation_problems(got_msg, full) if full is not None else [err]
        rest = [p for p in d.problems if p not in (
            "answer differs", "answer order differs", "authority differs",
            "additional differs") and not (near and p == "flags differs")]
        if near and (ref_msg.flags ^ got_msg.flags) & ~(dns.flags.TC | dns.flags.CD):
            rest.append("flags other than TC differ")
        d.problems = rest + probs
        d.notes.append("TC: compared with the complete answer (RFC 4035 §3.1.1)")
        return d
    if d.problems == ["answer order differs"]:
        def order(msg):
            return [r.name.to_text().lower() + " " + dns.rdatatype.to_text(r.rdtype)
                    for r in msg.answer if r.rdtype != dns.rdatatype.RRSIG]
        if list(dict.fromkeys(order(ref_msg))) == list(dict.fromkeys(order(got_msg))):
            d.problems = []
    return d


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def servers(request, tmp_path_factory):
    """(variant, signed zone path, knotd, nsd or None, sluiced)."""
    if not have_knotd():
        pytest.skip("knotd not installed")
    if not HAVE_LDNS:
        pytest.skip("ldns-keygen/ldns-signzone not installed (Debian: ldnsutils)")
    if VARIANTS[request.param][0] == "bind" and not HAVE_BIND_SIGNER:
        pytest.skip("dnssec-keygen/dnssec-signzone not installed (Debian: bind9-utils)")
    _check_binaries()
    check_zonefile_built()
    variant = request.param
    workdir = str(tmp_path_factory.mktemp("signed-" + variant))
    path = sign_zone(workdir, variant)
    zones = [PrimaryZone(ORIGIN, path)]
    knot = KnotPeer(tmp_path_factory.mktemp("knotd"), zones=zones)
    nsd = NsdPeer(tmp_path_factory.mktemp("nsd"), zones=zones) if HAVE_NSD else None
    factory = ServerFactory(tmp_path_factory)
    try:
        knot.start()
        if nsd is not None:
            nsd.start()
        port = free_port()
        srv = factory(cfg=zonefile_config(port, zones), port=port, name="sluiced-" + variant)
        wait_soa(srv, ORIGIN)
        yield variant, path, knot, nsd, srv
    finally:
        factory.cleanup()
        if nsd is not None:
            nsd.stop()
        knot.stop()


def test_generated_matrix(servers):
    """Every query matches knotd's or NSD's answer, section by section."""
    variant, path, knot, nsd, srv = servers
    diffs = []
    truncated = 0
    for q in generated_queries(path):
        for transport in TRANSPORTS:
            got = exchange(srv.port, q, transport)
            if got[0] is not None and got[0].flags & dns.flags.TC:
                truncated += 1
            ref = exchange(knot.port, q, transport)
            d = signed_compare(q, transport, ref, got, knot.port, "knotd")
            if d and nsd is not None:
                ref2 = exchange(nsd.port, q, transport)
                if not signed_compare(q, transport, ref2, got, nsd.port, "nsd"):
                    d.problems = []
            diffs.append(d)
    assert not any(diffs), variant + ": " + diff_report(diffs, len(diffs))
    # The 512-octet DO queries really exercise truncation.
    assert truncated >= 20, "only %d truncated answers" % truncated


def test_no_do_no_dnssec(servers):
    """Without DO nothing DNSSEC appears unless asked for by type."""
    variant, path, knot, nsd, srv = servers
    for name, qtype in (("www", "A"), ("nx", "A"), ("www", "MX"), ("foo.wild", "A"),
                        ("sub", "A"), ("alias", "A")):
        msg, err = exchange(srv.port, Query(name + "." + ORIGIN, qtype), "udp")
        assert err is None, err
        for sec in (msg.answer, msg.authority, msg.additional):
            for rrset in sec:
                assert rrset.rdtype not in (dns.rdatatype.RRSIG, dns.rdatatype.NSEC,
                                            dns.rdatatype.NSEC3), msg


def _keys(path):
    z = dns.zone.from_file(path, origin=ORIGIN, relativize=False, check_origin=True)
    return {dns.name.from_text(ORIGIN): z.find_rdataset(ORIGIN, "DNSKEY")}


def test_answers_validate(servers):
    """Every RRset in the answer and authority sections of DO answers
    carries RRSIGs that verify against the zone's DNSKEYs (dnspython), and
    the AXFR of the zone sluiced serves passes ldns-verify-zone."""
    variant, path, knot, nsd, srv = servers
    keys = _keys(path)
    cases = [("www", "A"), ("nx", "A"), ("www", "SRV"), ("foo.wild", "A"), ("foo.wild", "MX"),
             ("alias", "A"), ("y.ent", "A"), ("sub", "A"), ("nods", "A"), ("sub", "DS"),
             ("nods", "DS"), ("dangling", "A"), ("x.dn", "A")]
    import time
    now = time.time()
    for name, qtype in cases:
        msg, err = exchange(srv.port, Query(name + "." + ORIGIN, qtype, do=True), "tcp")
        assert err is None, err
        for sec in (msg.answer, msg.authority):
            sigs = [r for r in sec if r.rdtype == dns.rdatatype.RRSIG]
            for rrset in sec:
                if rrset.rdtype == dns.rdatatype.RRSIG:
                    continue
                if rrset.rdtype == dns.rdatatype.NS and rrset.name != dns.name.from_text(ORIGIN):
                    continue                      # delegation NS: not signed
                if rrset.rdtype == dns.rdatatype.CNAME and name == "x.dn":
                    continue                      # synthesised from the DNAME
                cover = [s for s in sigs if s.name == rrset.name and
                         s[0].type_covered == rrset.rdtype]
                assert cover, "%s %s: no RRSIG for %s in\n%s" % (name, qtype, rrset, msg)
                full = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
                for r in sec:
                    if r.name == rrset.name and r.rdtype == rrset.rdtype:
                        full.update(r)
                sig = dns.rrset.RRset(cover[0].name, cover[0].rdclass, dns.rdatatype.RRSIG,
                                      covers=rrset.rdtype)
                for s in cover:
                    sig.update(s)
                dns.dnssec.validate(full, sig, keys, now=now)
    if shutil.which("ldns-verify-zone"):
        axfr = os.path.join(os.path.dirname(path), "axfr-%s.zone" % variant)
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(srv.port), "+nocmd", "+nostats",
                              "+onesoa", "AXFR", ORIGIN], capture_output=True, text=True,
                             timeout=20)
        assert "SOA" in out.stdout, out.stdout + out.stderr
        with open(axfr, "w") as f:
            f.write(out.stdout)
        v = subprocess.run(["ldns-verify-zone", axfr], capture_output=True, text=True,
                           timeout=60)
        assert v.returncode == 0, v.stdout + v.stderr


DELV_CASES = [
    # (name, type, what delv must say)
    ("www", "A", "; fully validated"),
    ("nx", "A", "; negative response, fully validated"),           # NXDOMAIN
    ("www", "MX", "; negative response, fully validated"),         # NODATA
    ("foo.wild", "A", "; fully validated"),                        # wildcard
    ("foo.wild", "MX", "; negative response, fully validated"),    # wildcard NODATA
    ("y.ent", "A", "; negative response, fully validated"),        # ENT
    ("alias", "A", "; fully validated"),                           # CNAME
    ("walias", "A", "; fully validated"),                          # CNAME to a wildcard
    ("dangling", "A", "; fully validated"),                        # CNAME to nothing
    ("sub", "DS", "; fully validated"),                            # DS at a cut
    ("nods", "DS", "; negative response, fully validated"),        # no DS at a cut
]


@pytest.mark.skipif(not shutil.which("delv"), reason="delv not installed (bind9-dnsutils)")
@pytest.mark.parametrize("case", DELV_CASES, ids=["%s-%s" % c[:2] for c in DELV_CASES])
def test_delv_validates(servers, case):
    """delv, with the zone's KSK as its trust anchor, validates positive,
    NXDOMAIN, NODATA, wildcard, ENT, CNAME and DS answers from sluiced."""
    variant, path, knot, nsd, srv = servers
    name, qtype, want = case
    if variant.startswith("nsec3-optout") and name == "foo.wild" and qtype == "A":
        # The NSEC3 covering the next closer name has the opt-out flag: an
        # unsigned delegation could exist there, so validators call the
        # wildcard answer insecure (RFC 5155 §7.2.6, §9.2); knotd and NSD
        # give the same answer (test_generated_matrix).
        want = "; unsigned answer"
    anchor = os.path.join(os.path.dirname(path), "anchor.conf")
    out = subprocess.run(["delv", "@127.0.0.1", "-p", str(srv.port), "-a", anchor,
                          "+root=" + ORIGIN, name + "." + ORIGIN, qtype],
                         capture_output=True, text=True, timeout=20)
    text = out.stdout + out.stderr
    assert want in text.splitlines(), "%s: delv %s %s:\n%s" % (variant, name, qtype, text)


def test_sluiced_survived(servers):
    variant, path, knot, nsd, srv = servers
    assert srv.running(), "sluiced died; stderr:\n" + srv.stderr()
    log = srv.stderr()
    assert "differs from the RRset's TTL" not in log, log
    for marker in SANITIZER_MARKERS:
        assert marker not in log, "sanitizer report in stderr:\n" + log
