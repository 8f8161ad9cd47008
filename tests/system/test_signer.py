# The dnssec-signer plugin: sluiced signs a zone it loads from a master file.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# For ECDSAP256SHA256, ED25519 and RSASHA256, each with NSEC and NSEC3 (RFC
# 9276 defaults), and once NSEC3 with opt-out, a salt and iterations:
#  1. Keys are made on first start (PEM files mode 0600, a state file, the DS
#     written to key_dir/<zone>ds and logged).
#  2. The AXFR of the signed zone passes ldns-verify-zone and dnssec-verify
#     (bind9-utils), independent validators of every RRSIG and the NSEC or
#     NSEC3 chain (hashes and empty non-terminals included).
#  3. delv, with the KSK (from the served DNSKEY RRset) as trust anchor,
#     validates a positive answer, NXDOMAIN, NODATA, a wildcard, an ENT and
#     the proof that an insecure delegation has no DS.
#  4. A reload that adds a record: the new record validates.
#  5. A restart reuses the keys: the DNSKEY RRset is unchanged.
#  6. A key file that others may read is refused: sluiced does not start,
#     with a clear message.
#  7. CDS/CDNSKEY match the DS file and validate.
# Also: bad options are refused at --check; signatures with a short
# lifetime are refreshed in the background (serial raised, queries
# answered throughout); a dynamic update is signed.

import os
import shutil
import stat
import subprocess

import dns.dnssec
import dns.message
import dns.rdata
import dns.serial
import dns.query
import dns.rdatatype
import dns.zone
import pytest

from conftest import PLUGINS_DIR, TEST_PLUGINS, ServerFactory, _check_binaries, run_sluiced
from daemon import HAVE_IPV6, free_port, write_config
from knot_peer import wait_soa

ORIGIN = "signed.example."
ZONE = """$ORIGIN signed.example.
$TTL 300
@       SOA ns1 hostmaster %d 3600 900 604800 300
@       NS  ns1
ns1     A   192.0.2.1
www     A   192.0.2.10
www     AAAA 2001:db8::10
Mixed   TXT "Upper case owner"
mail    MX  10 WWW
*.wild  TXT "wildcard"
sub     NS  ns.sub
ns.sub  A   192.0.2.53
a.b.ent TXT "below an empty non-terminal"
%s
"""

SIGNER_SO = os.path.join(PLUGINS_DIR, "dnssec-signer.so")
pytestmark = pytest.mark.skipif(not os.path.exists(SIGNER_SO),
                                reason="dnssec-signer plugin not built")


def config(port, zonefile, key_dir, **signer):
    listen = ["127.0.0.1:%d" % port]
    if HAVE_IPV6:
        listen.append("[::1]:%d" % port)
    opts = {"plugin": "dnssec-signer", "key_dir": key_dir}
    opts.update(signer)
    return {
        "server": {"listen": listen, "workers": 2, "plugin_path": [PLUGINS_DIR, TEST_PLUGINS],
                   "log_level": "info"},
        "zones": [{"name": ORIGIN, "allow_transfer": ["127.0.0.1"],
                   "plugins": [{"plugin": "zonefile", "file": zonefile}, opts]}],
    }


def write_zone(path, serial, extra=""):
    with open(path + ".tmp", "w") as f:
        f.write(ZONE % (serial, extra))
    os.replace(path + ".tmp", path)


class Setup:
    pass


ALGORITHMS = {"ecdsap256sha256": 13, "ed25519": 15, "rsasha256": 8}
NSEC3_OPT_OUT = {"denial": "nsec3", "nsec3_opt_out": True, "nsec3_salt": "AABBCCDD",
                 "nsec3_iterations": 5, "cds_digest": "sha384",
                 "ds_digests": ["sha256", "sha384"]}
VARIANTS = [(alg, "nsec", {"cds": False} if alg == "ed25519" else {})
            for alg in sorted(ALGORITHMS)] + \
    [(alg, "nsec3", {"denial": "nsec3"}) for alg in sorted(ALGORITHMS)] + \
    [("ecdsap256sha256", "nsec3-optout", NSEC3_OPT_OUT)]


@pytest.fixture(scope="module", params=VARIANTS, ids=["%s-%s" % v[:2] for v in VARIANTS])
def signed(request, tmp_path_factory):
    _check_binaries()
    s = Setup()
    s.alg, s.variant, opts = request.param
    s.opts = dict(opts, algorithm=s.alg)
    s.dir = str(tmp_path_factory.mktemp("signer-%s-%s" % (s.alg, s.variant)))
    s.keys = os.path.join(s.dir, "keys")
    os.mkdir(s.keys, 0o700)
    s.zonefile = os.path.join(s.dir, "signed.example.zone")
    write_zone(s.zonefile, 1)
    s.factory = ServerFactory(tmp_path_factory)
    s.port = free_port()
    s.cfg = config(s.port, s.zonefile, s.keys, **s.opts)
    s.srv = s.factory(cfg=s.cfg, port=s.port, name="sluiced-signer")
    wait_soa(s.srv, ORIGIN, 1)
    yield s
    s.factory.cleanup()


def axfr(port):
    return dns.zone.from_xfr(dns.query.xfr("127.0.0.1", ORIGIN, port=port, timeout=5,
                                             relativize=False),
                             relativize=False)


def verify_axfr(port):
    """The served zone, by AXFR, passes ldns-verify-zone."""
    out = subprocess.run(["ldns-verify-zone", "/dev/stdin"], capture_output=True, text=True,
                         timeout=30, input=axfr(port).to_text(relativize=False))
    assert out.returncode == 0, out.stdout + out.stderr


def dnskeys_or_none(port):
    """The served DNSKEYs (text, sorted), or [] while there are none."""
    q = dns.message.make_query(ORIGIN, "DNSKEY", want_dnssec=True)
    r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=3)
    rrs = [rs for rs in r.answer if rs.rdtype == dns.rdatatype.DNSKEY]
    return sorted(rd.to_text() for rd in rrs[0]) if rrs else []


def dnskeys(port):
    keys = dnskeys_or_none(port)
    assert keys, "no DNSKEY served"
    return keys


def anchor_file(s):
    """A delv trust anchor with the served KSK (flags 257)."""
    ksk = [k for k in dnskeys(s.port) if k.startswith("257 ")]
    assert len(ksk) == 1, ksk
    flags, proto, alg, key = ksk[0].split(" ", 3)
    path = os.path.join(s.dir, "anchor.conf")
    with open(path, "w") as f:
        f.write('trust-anchors {\n %s static-key %s %s %s "%s";\n};\n' % (
            ORIGIN, flags, proto, alg, key.replace(" ", "")))
    return path


def delv(s, name, qtype):
    out = subprocess.run(["delv", "@127.0.0.1", "-p", str(s.port), "-a", anchor_file(s),
                          "+root=" + ORIGIN, name, qtype],
                         capture_output=True, text=True, timeout=20)
    return (out.stdout + out.stderr).splitlines()


def test_keys_created(signed):
    names = sorted(os.listdir(signed.keys))
    assert names == ["signed.example.ds", "signed.example.ksk.pem",
                     "signed.example.state.json", "signed.example.zsk.pem"], names
    for n in ("signed.example.ksk.pem", "signed.example.zsk.pem"):
        mode = stat.S_IMODE(os.stat(os.path.join(signed.keys, n)).st_mode)
        assert mode == 0o600, (n, oct(mode))
    with open(os.path.join(signed.keys, "signed.example.ds")) as f:
        lines = f.read().splitlines()
    # owner IN DS tag alg digest-type digest: the KSK's, SHA-256 (and SHA-384 on request)
    alg = str(ALGORITHMS[signed.alg])
    digests = {"sha256": "2", "sha384": "4"}
    want = [digests[d] for d in signed.opts.get("ds_digests", ["sha256"])]
    assert len(lines) == len(want), lines
    for line, dtype in zip(lines, want):
        ds = line.split()
        assert ds[:3] == [ORIGIN, "IN", "DS"] and ds[4:6] == [alg, dtype], ds
        assert len(ds[6]) == (64 if dtype == "2" else 96), ds
        assert "DS for the parent: %s IN DS %s %s %s %s" % (ORIGIN, ds[3], alg, dtype, ds[6]) \
            in signed.srv.stderr()


def test_axfr_verifies(signed):
    z = axfr(signed.port)
    path = os.path.join(signed.dir, "axfr.zone")
    z.to_file(path, relativize=False)
    types = {rds.rdtype for node in z.nodes.values() for rds in node.rdatasets}
    if signed.variant == "nsec":
        assert {dns.rdatatype.DNSKEY, dns.rdatatype.RRSIG, dns.rdatatype.NSEC} <= types
        assert dns.rdatatype.NSEC3 not in types
    else:
        assert {dns.rdatatype.DNSKEY, dns.rdatatype.RRSIG, dns.rdatatype.NSEC3,
                dns.rdatatype.NSEC3PARAM} <= types
        assert dns.rdatatype.NSEC not in types
        check_nsec3(signed, z)
    out = subprocess.run(["ldns-verify-zone", "-V", "2", path], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    if shutil.which("dnssec-verify"):
        out = subprocess.run(["dnssec-verify", "-o", ORIGIN, path], capture_output=True,
                             text=True, timeout=30)
        assert out.returncode == 0, out.stdout + out.stderr


def check_nsec3(s, z):
    """The NSEC3 chain, checked with dnspython's own hash: one NSEC3 per
    authoritative name and empty non-terminal (opt-out: no insecure
    delegation), the parameters configured, the NSEC3PARAM alike."""
    salt = s.opts.get("nsec3_salt", "")
    iters = s.opts.get("nsec3_iterations", 0)
    optout = s.opts.get("nsec3_opt_out", False)
    origin = dns.name.from_text(ORIGIN)
    param = z.find_rdataset(origin, dns.rdatatype.NSEC3PARAM)
    assert len(param) == 1
    p = param[0]
    assert (p.algorithm, p.flags, p.iterations, p.salt.hex()) == (1, 0, iters, salt.lower())
    names = ["", "ns1", "www", "mixed", "mail", "*.wild", "wild", "a.b.ent", "b.ent", "ent"]
    if not optout:
        names.append("sub")
    want = {dns.dnssec.nsec3_hash(n + "." + ORIGIN if n else ORIGIN, salt or None, iters,
                                  "SHA1").lower() for n in names}
    got = {}
    for name, node in z.nodes.items():
        rds = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC3)
        if rds:
            assert len(rds) == 1
            got[name.labels[0].decode().lower()] = rds[0]
    assert set(got) == want, (sorted(got), sorted(want))
    for rd in got.values():
        assert (rd.algorithm, rd.flags, rd.iterations, rd.salt.hex()) == \
            (1, 1 if optout else 0, iters, salt.lower())
    # The apex's types, and an empty non-terminal owns an empty bitmap.
    apex = got[dns.dnssec.nsec3_hash(ORIGIN, salt or None, iters, "SHA1").lower()]
    assert "SOA RRSIG DNSKEY NSEC3PARAM" in apex.to_text() or \
        {"SOA", "NS", "RRSIG", "DNSKEY", "NSEC3PARAM"} <= set(apex.to_text().split()), \
        apex.to_text()
    ent = got[dns.dnssec.nsec3_hash("ent." + ORIGIN, salt or None, iters, "SHA1").lower()]
    assert ent.windows == [] or list(ent.windows) == [], ent.to_text()


def query(s, name, qtype):
    q = dns.message.make_query(name, qtype, want_dnssec=True)
    return dns.query.tcp(q, "127.0.0.1", port=s.port, timeout=3)


def test_cds_cdnskey(signed):
    """RFC 7344/8078: CDS and CDNSKEY at the apex for the KSK, signed by it;
    the CDS is the DS of the DS file (dnspython computes it again from the
    served KSK), and delv validates both RRsets."""
    r = query(signed, ORIGIN, "CDS")
    cds = [rs for rs in r.answer if rs.rdtype == dns.rdatatype.CDS]
    r2 = query(signed, ORIGIN, "CDNSKEY")
    cdnskey = [rs for rs in r2.answer if rs.rdtype == dns.rdatatype.CDNSKEY]
    if signed.opts.get("cds", True) is False:
        assert not cds and not cdnskey, (r, r2)
        assert r.rcode() == 0 and not r.answer, r
        return
    assert len(cds) == 1 and len(cds[0]) == 1, r
    assert len(cdnskey) == 1 and len(cdnskey[0]) == 1, r2
    ksk = [k for k in dnskeys(signed.port) if k.startswith("257 ")]
    assert cdnskey[0][0].to_text() == ksk[0] or \
        cdnskey[0][0].to_text().replace(" ", "") == ksk[0].replace(" ", ""), (cdnskey, ksk)
    key = dns.rdata.from_text("IN", "DNSKEY", ksk[0])
    dtype = {"sha256": "SHA256", "sha384": "SHA384"}[signed.opts.get("cds_digest", "sha256")]
    want = dns.dnssec.make_ds(ORIGIN, key, dtype)
    assert cds[0][0].to_text() == want.to_text(), (cds[0][0], want)
    with open(os.path.join(signed.keys, "signed.example.ds")) as f:
        assert want.to_text().upper() in [" ".join(line.split()[3:]).upper()
                                          for line in f.read().splitlines()]
    # Signed by the KSK (RFC 7344 §4.1).
    tag = dns.dnssec.key_id(key)
    for resp, rdtype in ((r, dns.rdatatype.CDS), (r2, dns.rdatatype.CDNSKEY)):
        sigs = [rs for rs in resp.answer if rs.rdtype == dns.rdatatype.RRSIG and
                rs.covers == rdtype]
        assert sigs and {sig.key_tag for sig in sigs[0]} == {tag}, resp
    # The apex's NSEC/NSEC3 lists them (ldns-verify-zone in test_axfr_verifies
    # checks the bitmap against the data).
    if shutil.which("kdig"):
        out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(signed.port), "+dnssec",
                              "+short", ORIGIN, "CDS"], capture_output=True, text=True,
                             timeout=10)
        assert want.to_text().split()[0] in out.stdout, out.stdout + out.stderr
    if shutil.which("delv"):
        for qtype in ("CDS", "CDNSKEY"):
            text = delv(signed, ORIGIN, qtype)
            assert "; fully validated" in text, "\n".join(text)


DELV_CASES = [
    ("www", "A", "; fully validated"),
    ("mixed", "TXT", "; fully validated"),
    ("nx", "A", "; negative response, fully validated"),          # NXDOMAIN
    ("www", "MX", "; negative response, fully validated"),        # NODATA
    ("foo.wild", "TXT", "; fully validated"),                     # wildcard
    ("b.ent", "A", "; negative response, fully validated"),       # ENT
    ("sub", "DS", "; negative response, fully validated"),        # no DS at a cut
]


@pytest.mark.skipif(not shutil.which("delv"), reason="delv not installed (bind9-dnsutils)")
@pytest.mark.parametrize("case", DELV_CASES, ids=["%s-%s" % c[:2] for c in DELV_CASES])
def test_delv_validates(signed, case):
    name, qtype, want = case
    if signed.variant == "nsec3-optout" and name == "foo.wild":
        # The proof that foo.wild does not exist is an NSEC3 with the
        # opt-out flag: an unsigned delegation may hide there, so BIND
        # treats the wildcard answer as insecure (the RRSIG is still served).
        want = "; unsigned answer"
    text = delv(signed, name + "." + ORIGIN, qtype)
    assert want in text, "delv %s %s:\n%s" % (name, qtype, "\n".join(text))


@pytest.mark.skipif(not shutil.which("delv"), reason="delv not installed (bind9-dnsutils)")
def test_reload_new_record_validates(signed):
    write_zone(signed.zonefile, 2, "new     A   192.0.2.99")
    signed.srv.reload(signed.cfg)
    wait_soa(signed.srv, ORIGIN, 2)
    text = delv(signed, "new." + ORIGIN, "A")
    assert "; fully validated" in text, "\n".join(text)
    assert any("192.0.2.99" in line for line in text), "\n".join(text)
    verify_axfr(signed.port)


def test_restart_keeps_keys(signed):
    before = dnskeys(signed.port)
    assert len(before) == 2
    signed.srv.stop()
    assert not signed.srv.sanitizer_reports(), signed.srv.stderr()
    signed.port = free_port()
    signed.cfg = config(signed.port, signed.zonefile, signed.keys, **signed.opts)
    signed.srv = signed.factory(cfg=signed.cfg, port=signed.port, name="sluiced-restart")
    wait_soa(signed.srv, ORIGIN, 2)
    assert dnskeys(signed.port) == before
    assert "loaded KSK" in signed.srv.stderr()


def test_readable_key_refused(signed):
    signed.srv.stop()
    assert not signed.srv.sanitizer_reports(), signed.srv.stderr()
    key = os.path.join(signed.keys, "signed.example.zsk.pem")
    os.chmod(key, 0o644)
    port = free_port()
    # --check says so too.
    conf = os.path.join(signed.dir, "check.json")
    write_config(conf, config(port, signed.zonefile, signed.keys, **signed.opts))
    out = run_sluiced(["--config", conf, "--check"])
    assert out.returncode != 0
    assert "key file is accessible by group or others (mode 0644)" in out.stderr + out.stdout, \
        out.stderr + out.stdout
    cfg = config(port, signed.zonefile, signed.keys, **signed.opts)
    srv = signed.factory(cfg=cfg, port=port,
                         name="sluiced-badkey", wait=False)
    srv.wait(timeout=10)
    assert srv.returncode not in (0, None)
    text = srv.stderr()
    assert "signed.example.zsk.pem: key file is accessible by group or others (mode 0644)" \
        in text, text


def new_setup(tmp_path_factory, name):
    """A directory with a key directory and the zone file at serial 1, a free port."""
    _check_binaries()
    s = Setup()
    s.dir = str(tmp_path_factory.mktemp(name))
    s.keys = os.path.join(s.dir, "keys")
    os.mkdir(s.keys, 0o700)
    s.zonefile = os.path.join(s.dir, "signed.example.zone")
    write_zone(s.zonefile, 1)
    s.port = free_port()
    return s


UPDATE_SO = os.path.join(PLUGINS_DIR, "update.so")
TSIG = ("ddns-key.", "hmac-sha256", "c2x1aWNlLXNpZ25lZC11cGRhdGUta2V5LTMyYnl0ZSE=")


@pytest.mark.skipif(not os.path.exists(UPDATE_SO) or not shutil.which("delv") or
                    not shutil.which("nsupdate"),
                    reason="update plugin, delv or nsupdate missing")
def test_dynamic_update_is_signed(tmp_path_factory):
    """Issue 8 with issue 7: an nsupdate through the update plugin is signed
    before it is published — the new record validates, the zone still passes
    ldns-verify-zone (its NSEC chain now includes the new name)."""
    s = new_setup(tmp_path_factory, "signer-update")
    cfg = config(s.port, s.zonefile, s.keys)
    cfg["tsig_keys"] = [{"name": TSIG[0], "algorithm": TSIG[1], "secret": TSIG[2]}]
    cfg["zones"][0]["plugins"].insert(0, {"plugin": "update", "policy": [
        {"key": TSIG[0], "match": "subdomain", "name": ORIGIN, "types": ["A", "TXT"]}]})
    factory = ServerFactory(tmp_path_factory)
    try:
        s.srv = factory(cfg=cfg, port=s.port, name="sluiced-signer-update")
        wait_soa(s.srv, ORIGIN, 1)
        script = ("server 127.0.0.1 %d\nzone %s\nupdate add dyn.%s 300 A 192.0.2.77\nsend\n"
                  % (s.port, ORIGIN, ORIGIN))
        out = subprocess.run(["nsupdate", "-y", "%s:%s:%s" % (TSIG[1], TSIG[0], TSIG[2])],
                             input=script, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stdout + out.stderr
        text = delv(s, "dyn." + ORIGIN, "A")
        assert "; fully validated" in text, "\n".join(text)
        assert any("192.0.2.77" in line for line in text), "\n".join(text)
        # NXDOMAIN next to the new name still validates (the NSEC chain was redone).
        text = delv(s, "dyn0." + ORIGIN, "A")
        assert "; negative response, fully validated" in text, "\n".join(text)
        verify_axfr(s.port)
        assert not s.srv.sanitizer_reports(), s.srv.stderr()
    finally:
        factory.cleanup()


BAD_OPTIONS = [
    ({"denial": "nsec5"}, 'denial: must be "nsec" or "nsec3"'),
    ({"denial": "nsec3", "nsec3_iterations": 101}, "nsec3_iterations"),
    ({"denial": "nsec3", "nsec3_iterations": -1}, "nsec3_iterations"),
    ({"denial": "nsec3", "nsec3_salt": "xyz"}, "nsec3_salt: must be hex digits"),
    ({"denial": "nsec3", "nsec3_salt": "abc"}, "nsec3_salt: must be an even number"),
    ({"denial": "nsec3", "nsec3_salt": "ab" * 256}, "nsec3_salt: must be an even number"),
    ({"denial": "nsec3", "nsec3_opt_out": "yes"}, "nsec3_opt_out"),
    ({"nsec3_opt_out": True}, 'nsec3_opt_out: only with "denial": "nsec3"'),
    ({"nsec3_salt": "-"}, 'nsec3_salt: only with "denial": "nsec3"'),
    ({"cds_digest": "sha1"}, 'cds_digest: must be "sha256" or "sha384"'),
    ({"cds": "no"}, "cds"),
    ({"ds_digests": ["sha1"]}, "ds_digests: must list"),
    ({"ds_digests": ["sha256", "sha256"]}, "ds_digests: must list"),
    ({"ds_digests": ["sha256", "sha384", "sha256"]}, "ds_digests: must list"),
    ({"ds_digests": "sha256"}, "ds_digests"),
    ({"signature_lifetime": 59}, "signature_lifetime"),
    ({"signature_lifetime": 86400, "signature_jitter": 43201}, "signature_jitter"),
    ({"signature_lifetime": 86400, "refresh_before": 86401}, "refresh_before"),
    ({"signature_lifetime": 86400, "refresh_before": 80000, "signature_jitter": 6400},
     "refresh_before: 80000 s plus signature_jitter (6400 s) must be less than "
     "signature_lifetime (86400 s)"),
    ({"signature_lifetime": 3600}, None),   # defaults that fit: refresh 1800, jitter 360
    ({"serial": "random"}, 'serial: must be "increment", "unixtime" or "dateserial"'),
]


@pytest.mark.parametrize("opts,want", BAD_OPTIONS, ids=[(w or "ok").split(":")[0] + "-%d" % i
                                                        for i, (_, w) in
                                                        enumerate(BAD_OPTIONS)])
def test_bad_options_refused(tmp_path, opts, want):
    """Hostile signer options: --check names the option and the problem."""
    _check_binaries()
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    zonefile = str(tmp_path / "z.zone")
    write_zone(zonefile, 1)
    conf = str(tmp_path / "check.json")
    write_config(conf, config(free_port(), zonefile, str(keys), **opts))
    out = run_sluiced(["--config", conf, "--check"])
    text = out.stderr + out.stdout
    if want is None:
        assert out.returncode == 0, text
        return
    assert out.returncode != 0, text
    assert want in text, text


def rrsig_expirations(zone):
    """(owner, covered type) -> expiration of every RRSIG in @zone."""
    out = {}
    for name, node in zone.nodes.items():
        for rds in node.rdatasets:
            if rds.rdtype == dns.rdatatype.RRSIG:
                for sig in rds:
                    out[(name.to_text(), sig.type_covered)] = sig.expiration
    return out


def soa_rrsig_expiration(port):
    r = dns.query.udp(dns.message.make_query(ORIGIN, "SOA", want_dnssec=True), "127.0.0.1",
                      port=port, timeout=3)
    sigs = [rs for rs in r.answer if rs.rdtype == dns.rdatatype.RRSIG]
    assert sigs, r
    return sigs[0][0].expiration


@pytest.mark.skipif(not shutil.which("delv"), reason="delv not installed (bind9-dnsutils)")
def test_background_refresh(tmp_path_factory):
    """Signatures with a short lifetime (60 s), spread by a 5 s jitter, are
    refreshed in the background 50 s before they expire: the SOA serial is
    raised (serial policy "increment") through a normal commit, the new
    signatures validate, and queries are answered all along. A reload that
    switches the denial to NSEC3 re-signs the zone at once."""
    import threading
    import time
    s = new_setup(tmp_path_factory, "signer-refresh")
    opts = {"signature_lifetime": 60, "signature_jitter": 5, "refresh_before": 50}
    cfg = config(s.port, s.zonefile, s.keys, **opts)
    factory = ServerFactory(tmp_path_factory)
    try:
        s.srv = factory(cfg=cfg, port=s.port, name="sluiced-signer-refresh")
        wait_soa(s.srv, ORIGIN, 1)
        start = time.time()
        z = axfr(s.port)
        exps = rrsig_expirations(z)
        # The jitter spreads the expirations over [now + 55, now + 60].
        assert len(set(exps.values())) > 1, exps
        for key, exp in exps.items():
            assert start + 60 - 5 - 3 <= exp <= start + 60 + 3, (key, exp, start)
        first = soa_rrsig_expiration(s.port)

        failures, answered = [], [0]
        stop = threading.Event()

        def ask():
            while not stop.is_set():
                try:
                    r = dns.query.udp(dns.message.make_query("www." + ORIGIN, "A",
                                                             want_dnssec=True),
                                      "127.0.0.1", port=s.port, timeout=2)
                    if r.rcode() != 0 or not any(rs.rdtype == dns.rdatatype.RRSIG
                                                 for rs in r.answer):
                        failures.append(r.to_text())
                    answered[0] += 1
                except Exception as e:  # noqa: BLE001 - a lost answer is a failure too
                    failures.append(repr(e))
                time.sleep(0.02)

        asker = threading.Thread(target=ask)
        asker.start()
        try:
            # Two refreshes: serial 1 -> 2 -> 3.
            wait_soa(s.srv, ORIGIN, 3, timeout=60)
        finally:
            stop.set()
            asker.join()
        assert not failures, failures[:3]
        assert answered[0] > 100, answered
        assert "refreshing signatures" in s.srv.stderr()
        assert "serial 2 -> 3" in s.srv.stderr(), s.srv.stderr()
        assert soa_rrsig_expiration(s.port) > first
        text = delv(s, "www." + ORIGIN, "A")
        assert "; fully validated" in text, "\n".join(text)
        verify_axfr(s.port)

        # A reload that changes the records the signer makes: re-signed at once.
        serial = wait_soa(s.srv, ORIGIN)
        opts.update(denial="nsec3", refresh_before=40)
        s.srv.reload(config(s.port, s.zonefile, s.keys, **opts))
        deadline = time.time() + 10
        while time.time() < deadline:
            r = query(s, ORIGIN, "NSEC3PARAM")
            if any(rs.rdtype == dns.rdatatype.NSEC3PARAM for rs in r.answer):
                break
            time.sleep(0.1)
        else:
            pytest.fail("no NSEC3PARAM 10 s after the reload:\n" + s.srv.stderr())
        assert wait_soa(s.srv, ORIGIN) != serial
        text = delv(s, "nx." + ORIGIN, "A")
        assert "; negative response, fully validated" in text, "\n".join(text)
        # A clean stop: the timer and the refresher thread end, nothing leaks.
        s.srv.stop()
        assert not s.srv.sanitizer_reports(), s.srv.stderr()
    finally:
        factory.cleanup()


def test_csk_nsec3(tmp_path_factory):
    """One combined key (flags 257) signing everything, NSEC3: the AXFR
    passes ldns-verify-zone and dnssec-verify, and the CDS is the CSK's."""
    s = new_setup(tmp_path_factory, "signer-csk")
    cfg = config(s.port, s.zonefile, s.keys, csk=True, denial="nsec3")
    factory = ServerFactory(tmp_path_factory)
    try:
        s.srv = factory(cfg=cfg, port=s.port, name="sluiced-signer-csk")
        wait_soa(s.srv, ORIGIN, 1)
        keys = dnskeys(s.port)
        assert len(keys) == 1 and keys[0].startswith("257 "), keys
        z = axfr(s.port)
        path = os.path.join(s.dir, "axfr.zone")
        z.to_file(path, relativize=False)
        verify_axfr(s.port)
        if shutil.which("dnssec-verify"):
            # -z: the one key has the SEP flag and signs everything (a CSK).
            out = subprocess.run(["dnssec-verify", "-z", "-o", ORIGIN, path],
                                 capture_output=True, text=True, timeout=30)
            assert out.returncode == 0, out.stdout + out.stderr
        cds = z.find_rdataset(ORIGIN, dns.rdatatype.CDS)
        key = dns.rdata.from_text("IN", "DNSKEY", keys[0])
        assert [rd.to_text() for rd in cds] == [dns.dnssec.make_ds(ORIGIN, key,
                                                                    "SHA256").to_text()]
        assert not s.srv.sanitizer_reports(), s.srv.stderr()
    finally:
        factory.cleanup()


JOURNAL_SO = os.path.join(PLUGINS_DIR, "sqlite-journal.so")


@pytest.mark.skipif(not os.path.exists(JOURNAL_SO) or not shutil.which("delv"),
                    reason="sqlite-journal plugin or delv missing")
def test_journal_restart_signed(tmp_path_factory):
    """With sqlite-journal: the version published before the signer starts
    (the journal's replay, or the zone file loaded unsigned) already has its
    serial in the journal, so the signed zone is published under a raised
    serial — served signed after the first start and after a restart that
    keeps the journal's version — and the refresh check then stays quiet."""
    import time
    s = new_setup(tmp_path_factory, "signer-journal")
    write_zone(s.zonefile, 2)
    db = os.path.join(s.dir, "zone.db")
    opts = {"signature_lifetime": 3600, "refresh_before": 1800}

    def cfg():
        c = config(s.port, s.zonefile, s.keys, **opts)
        c["zones"][0]["plugins"].insert(0, {"plugin": "sqlite-journal", "file": db})
        return c

    def signed_and_valid():
        deadline = time.time() + 10
        while time.time() < deadline and len(dnskeys_or_none(s.port)) < 2:
            time.sleep(0.1)
        assert len(dnskeys(s.port)) == 2, s.srv.stderr()
        text = delv(s, "www." + ORIGIN, "A")
        assert "; fully validated" in text, "\n".join(text) + s.srv.stderr()
        verify_axfr(s.port)

    factory = ServerFactory(tmp_path_factory)
    try:
        s.srv = factory(cfg=cfg(), port=s.port, name="sluiced-signer-journal")
        wait_soa(s.srv, ORIGIN)
        signed_and_valid()
        first = wait_soa(s.srv, ORIGIN)
        assert first >= 2
        s.srv.stop()
        assert not s.srv.sanitizer_reports(), s.srv.stderr()

        write_zone(s.zonefile, 1)   # older than the journal's: refused as stale
        s.port = free_port()
        s.srv = factory(cfg=cfg(), port=s.port, name="sluiced-signer-journal2")
        wait_soa(s.srv, ORIGIN)
        signed_and_valid()
        second = wait_soa(s.srv, ORIGIN)
        assert dns.serial.Serial(second) > dns.serial.Serial(first), (first, second)
        time.sleep(2.5)   # the refresh timer checks after 1 s: nothing to do
        assert wait_soa(s.srv, ORIGIN) == second
        assert "re-signing (new signing options" not in s.srv.stderr(), s.srv.stderr()
        assert "cannot publish the signed zone" not in s.srv.stderr(), s.srv.stderr()
        s.srv.stop()
        assert not s.srv.sanitizer_reports(), s.srv.stderr()
    finally:
        factory.cleanup()
