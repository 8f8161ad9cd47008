# sluice-keys, the key tool, against BIND's and ldns's tools and the real daemon.
# SPDX-License-Identifier: MIT OR Apache-2.0
#
#  - sig0: a key pair made by `sluice-keys sig0` is BIND's format: `nsupdate -k
#    K....private` signs with it, and sluiced (sig0-auth + update) accepts the
#    update once the printed KEY record is in the zone - for each algorithm.
#  - show: keys made by `dnssec-keygen -T KEY` are read as BIND reads them
#    (the record, and the key tag of the file name).
#  - import: KSK + ZSK made by dnssec-keygen and by ldns-keygen become the
#    signer's keys; the tag the tool prints is the tag in the K-file name; the
#    dnssec-signer plugin signs with them (the served DNSKEYs carry those tags)
#    and dnssec-verify / ldns-verify-zone accept the AXFR; `ds` prints what
#    ldns-keygen's .ds file holds and what the signer writes to <zone>.ds.
#  - generate + list: a CSK the plugin uses as it is; a key file others may
#    read is reported as an error, and so is hostile input, with exit 1.

import glob
import os
import shutil
import stat
import subprocess

import dns.dnssec
import dns.query
import dns.rdatatype
import dns.zone
import pytest

from conftest import BUILDDIR, PLUGINS_DIR, ServerFactory, _check_binaries, base_config, \
    free_port, make_query
from knot_peer import wait_soa

TOOL = os.path.join(BUILDDIR, "plugins", "dnssec-signer", "sluice-keys")
ZONE = "keys.example."
pytestmark = pytest.mark.skipif(not os.path.exists(TOOL), reason="sluice-keys not built")
need_bind = pytest.mark.skipif(not shutil.which("nsupdate") or not shutil.which("dnssec-keygen"),
                               reason="BIND's nsupdate / dnssec-keygen not installed "
                                      "(Debian: bind9-dnsutils, bind9-utils)")
need_ldns = pytest.mark.skipif(not shutil.which("ldns-keygen"), reason="ldns-keygen missing")


def keys(*args, check=True):
    p = subprocess.run([TOOL] + list(args), capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def keygen(tool, d, *args):
    out = subprocess.run([tool] + list(args), cwd=d, check=True, capture_output=True,
                         text=True, timeout=60).stdout.strip().splitlines()[-1]
    return os.path.join(d, out)


# ---- SIG(0) keys made by sluice-keys, used by nsupdate --------------------------------

SIG0_ALGS = ["ecdsap256sha256", "ed25519", "ecdsap384sha384", "ed448", "rsasha256"]


@pytest.fixture(scope="module")
def sig0_srv(tmp_path_factory):
    _check_binaries()
    d = str(tmp_path_factory.mktemp("keys-sig0"))
    made = {}
    records = []
    for i, alg in enumerate(SIG0_ALGS):
        name = "host%d.%s" % (i, ZONE)
        out = keys("sig0", name, "--algorithm", alg, "--out", d).stdout
        lines = out.splitlines()
        assert lines[0].startswith("; key files: ") and lines[1].startswith(name + " IN KEY 512 3 ")
        base = glob.glob(os.path.join(d, "K%s+*.private" % name))
        assert len(base) == 1, base
        made[alg] = (name, base[0])
        records.append(out)   # the comment line and the record: zone file syntax
    zone = os.path.join(d, "zone")
    with open(zone, "w") as f:
        f.write("$ORIGIN %s\n$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\n"
                "ns1 A 192.0.2.53\n%s" % (ZONE, "".join(records)))
    port = free_port()
    cfg = base_config(port, workers=1, log_level="info")
    cfg["zones"] = [{"name": ZONE, "plugins": [
        {"plugin": "sig0-auth"},
        {"plugin": "update", "policy": [{"key": made[a][0], "match": "self", "types": ["A"]}
                                        for a in SIG0_ALGS]},
        {"plugin": "zonefile", "file": zone}]}]
    f = ServerFactory(tmp_path_factory)
    s = f(cfg=cfg, port=port)
    wait_soa(s, ZONE, 1)
    s.made = made
    s.dir = d
    yield s
    f.cleanup()
    assert not s.sanitizer_reports(), s.stderr()


@need_bind
@pytest.mark.parametrize("alg", SIG0_ALGS)
def test_sig0_key_signs_nsupdate(sig0_srv, alg):
    name, private = sig0_srv.made[alg]
    mode = stat.S_IMODE(os.stat(private).st_mode)
    assert mode == 0o600, oct(mode)
    script = "server 127.0.0.1 %d\nzone %s\nupdate add %s 300 A 192.0.2.77\nsend\n" % (
        sig0_srv.port, ZONE, name)
    p = subprocess.run(["nsupdate", "-k", private], input=script, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0 and "REFUSED" not in p.stdout + p.stderr, p.stdout + p.stderr
    r = sig0_srv.udp(make_query(name, "A"))
    assert [rd.address for rs in r.answer for rd in rs] == ["192.0.2.77"], r
    # The same name signed by another name's key is refused (the policy is "self").
    other = sig0_srv.made[SIG0_ALGS[(SIG0_ALGS.index(alg) + 1) % len(SIG0_ALGS)]][1]
    p = subprocess.run(["nsupdate", "-k", other], input=script.replace("192.0.2.77", "192.0.2.78"),
                       capture_output=True, text=True, timeout=30)
    assert "REFUSED" in p.stdout + p.stderr, p.stdout + p.stderr


def test_sig0_refuses_overwrite(sig0_srv):
    name, private = sig0_srv.made["ed25519"]
    before = sorted(os.listdir(sig0_srv.dir))
    p = keys("sig0", "x.example.", "--algorithm", "md5", "--out", sig0_srv.dir, check=False)
    assert p.returncode == 2 and "algorithm md5" in p.stderr, p.stderr
    p = keys("sig0", "x.example.", "--algorithm", "ed25519", "--out",
             os.path.join(sig0_srv.dir, "missing"), check=False)
    assert p.returncode == 1 and "No such file" in p.stderr, p.stderr
    assert sorted(os.listdir(sig0_srv.dir)) == before


# ---- BIND's SIG(0) keys read by sluice-keys ---------------------------------------------

@need_bind
@pytest.mark.parametrize("alg", ["ECDSAP256SHA256", "ED25519", "RSASHA256", "ECDSAP384SHA384",
                                 "ED448"])
def test_show_reads_bind_sig0_key(tmp_path, alg):
    base = keygen("dnssec-keygen", str(tmp_path), "-q", "-a", alg, "-T", "KEY", "-n", "HOST",
                  "host.example.com.")
    tag = int(base.rsplit("+", 1)[1])
    with open(base + ".key") as f:
        record = [line for line in f if not line.startswith(";")][0].split()
    out = keys("show", base + ".private").stdout
    assert "KEY record of host.example.com., flags 512" in out and "key tag %d" % tag in out, out
    shown = [line for line in out.splitlines() if not line.startswith(";")][0].split()
    # Same owner, type, flags, protocol, algorithm and key (BIND splits long keys).
    assert shown[:2] == record[:2] and shown[2:] == [record[2]] + record[3:6] + \
        ["".join(record[6:])], (shown, record)
    assert "the matching private key" in out, out


def test_show_refuses_mismatch(tmp_path):
    d = str(tmp_path)
    a = keys("sig0", "a.example.", "--algorithm", "ed25519", "--out", d).stdout
    keys("sig0", "b.example.", "--algorithm", "ed25519", "--out", d)
    pa = glob.glob(os.path.join(d, "Ka.example.+*.private"))[0]
    pb = glob.glob(os.path.join(d, "Kb.example.+*.private"))[0]
    shutil.copy(pb, pa)
    p = keys("show", pa, check=False)
    assert p.returncode == 1 and "does not hold the private key" in p.stderr, p.stderr
    assert a


# ---- DNSSEC keys imported from dnssec-keygen and ldns-keygen, signed with by sluiced --------

IMPORT_CASES = [
    ("dnssec-keygen", 13, ["-a", "ECDSAP256SHA256"], "ecdsap256sha256"),
    ("dnssec-keygen", 8, ["-a", "RSASHA256", "-b", "2048"], "rsasha256"),
    ("dnssec-keygen", 15, ["-a", "ED25519"], "ed25519"),
    ("dnssec-keygen", 14, ["-a", "ECDSAP384SHA384"], "ecdsap384sha384"),
    ("dnssec-keygen", 16, ["-a", "ED448"], "ed448"),
    ("ldns-keygen", 13, ["-a", "ECDSAP256SHA256"], "ecdsap256sha256"),
    ("ldns-keygen", 15, ["-a", "ED25519"], "ed25519"),
    ("ldns-keygen", 8, ["-a", "RSASHA256", "-b", "2048"], "rsasha256"),
]


def signer_cfg(port, zonefile, key_dir, alg, **more):
    opts = {"plugin": "dnssec-signer", "key_dir": key_dir, "algorithm": alg}
    opts.update(more)
    cfg = base_config(port, workers=1, log_level="info")
    cfg["zones"] = [{"name": ZONE, "allow_transfer": ["127.0.0.1"],
                     "plugins": [{"plugin": "zonefile", "file": zonefile}, opts]}]
    return cfg


def write_zone(path):
    with open(path, "w") as f:
        f.write("$ORIGIN %s\n$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\n"
                "ns1 A 192.0.2.1\nwww A 192.0.2.10\n*.wild TXT \"w\"\nsub NS ns.sub\n"
                "ns.sub A 192.0.2.53\n" % ZONE)


def served_tags(port):
    q = make_query(ZONE, "DNSKEY", want_dnssec=True)
    r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=3)
    return sorted(dns.dnssec.key_id(rd) for rs in r.answer if rs.rdtype == dns.rdatatype.DNSKEY
                  for rd in rs)


def verify_axfr(port, d, csk=False):
    z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", ZONE, port=port, timeout=5,
                                          relativize=False), relativize=False)
    path = os.path.join(d, "axfr.zone")
    z.to_file(path, relativize=False)
    if shutil.which("dnssec-verify"):
        # -z: a CSK (flags 257) also signs the zone's data.
        p = subprocess.run(["dnssec-verify"] + (["-z"] if csk else []) + ["-o", ZONE, path],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr
    if shutil.which("ldns-verify-zone"):
        p = subprocess.run(["ldns-verify-zone", path], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("case", IMPORT_CASES, ids=["%s-%d" % c[:2] for c in IMPORT_CASES])
def test_import_and_sign(tmp_path_factory, case):
    tool, num, args, alg = case
    if not shutil.which(tool):
        pytest.skip("%s not installed" % tool)
    _check_binaries()
    d = str(tmp_path_factory.mktemp("keys-import"))
    src = os.path.join(d, "src")
    key_dir = os.path.join(d, "keys")
    os.mkdir(src)
    os.mkdir(key_dir, 0o700)
    if tool == "dnssec-keygen":
        ksk = keygen(tool, src, "-q", "-f", "KSK", *args, ZONE)
        zsk = keygen(tool, src, "-q", *args, ZONE)
    else:
        ksk = keygen(tool, src, "-k", *args, ZONE)
        zsk = keygen(tool, src, *args, ZONE)
    tags = []
    for role, base in (("ksk", ksk), ("zsk", zsk)):
        tag = int(base.rsplit("+", 1)[1])
        tags.append(tag)
        out = keys("import", key_dir, ZONE, base + ".private", "--role", role).stdout
        assert "imported" in out and "as the %s, algorithm %s, key tag %d\n" % (role, alg, tag) \
            in out, out
        assert "note:" not in out, out
        pem = os.path.join(key_dir, "%s%s.pem" % (ZONE, role))
        assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    listed = keys("list", key_dir, ZONE).stdout
    for role, tag in zip(("ksk", "zsk"), tags):
        assert any(line.split()[:3] == [role, alg, str(tag)] and line.endswith("ok")
                   for line in listed.splitlines()), listed
    # Importing again is refused and changes nothing.
    p = keys("import", key_dir, ZONE, ksk + ".private", "--role", "ksk", check=False)
    assert p.returncode == 1 and "already has a ksk" in p.stderr, p.stderr
    ds = keys("ds", key_dir, ZONE).stdout
    assert ds.split()[:6] == [ZONE, "IN", "DS", str(tags[0]), str(num), "2"], ds
    if tool == "ldns-keygen":
        with open(ksk + ".ds") as f:   # ldns-keygen's own DS of its KSK (SHA-256)
            theirs = f.read().split()
        assert theirs[-4:-1] == [str(tags[0]), str(num), "2"], theirs
        assert theirs[-1].upper() == ds.split()[6], (theirs, ds)
    zonefile = os.path.join(d, "zone")
    write_zone(zonefile)
    port = free_port()
    f = ServerFactory(tmp_path_factory)
    try:
        s = f(cfg=signer_cfg(port, zonefile, key_dir, alg), port=port)
        wait_soa(s, ZONE, None)
        assert served_tags(port) == sorted(tags)
        verify_axfr(port, d)
        with open(os.path.join(key_dir, ZONE + "ds")) as fh:
            assert fh.read() == ds
        assert not s.sanitizer_reports(), s.stderr()
    finally:
        f.cleanup()


@need_bind
def test_import_checks(tmp_path):
    d = str(tmp_path)
    key_dir = os.path.join(d, "keys")
    os.mkdir(key_dir, 0o700)
    zsk = keygen("dnssec-keygen", d, "-q", "-a", "ED25519", ZONE)
    other = keygen("dnssec-keygen", d, "-q", "-a", "ED25519", "other.example.")
    sig0 = keygen("dnssec-keygen", d, "-q", "-a", "ED25519", "-T", "KEY", "-n", "HOST", ZONE)
    # A ZSK (flags 256) imported as KSK: accepted, its tag differs from BIND's, said so.
    out = keys("import", key_dir, ZONE, zsk + ".private", "--role", "ksk").stdout
    assert "note: BIND's key tag was %s" % int(zsk.rsplit("+", 1)[1]) in out, out
    cases = [
        ([other + ".private", "--role", "zsk"], "belongs to another zone"),
        ([sig0 + ".private", "--role", "zsk"], "a KEY record (a SIG(0) key)"),
        ([zsk + ".private", "--role", "xsk"], "--role xsk"),
        ([os.path.join(d, "nothing.private"), "--role", "zsk"], "No such file"),
        ([zsk + ".private", "--role", "csk"], "already has a ksk"),
    ]
    for args, msg in cases:
        p = keys("import", key_dir, ZONE, *args, check=False)
        assert p.returncode in (1, 2) and msg in p.stderr, (args, p.stderr)
    # Hostile files: truncated, garbage, huge.
    bad = os.path.join(d, "Kkeys.example.+015+00001")
    with open(zsk + ".private") as f:
        good = f.read()
    for text in (good[:40], "\x00\x01garbage", "Private-key-format: v1.3\n" + "A" * 70000,
                 good.replace("Algorithm: 15", "Algorithm: 3")):
        with open(bad + ".private", "w") as f:
            f.write(text)
        p = keys("import", key_dir, ZONE, bad + ".private", "--role", "zsk", check=False)
        assert p.returncode == 1 and p.stderr.startswith("sluice-keys: "), p.stderr
        assert "Traceback" not in p.stderr and len(p.stderr) < 400


# ---- generate + list --------------------------------------------------------------------

def test_generate_csk_used_by_signer(tmp_path_factory):
    _check_binaries()
    d = str(tmp_path_factory.mktemp("keys-gen"))
    key_dir = os.path.join(d, "keys")
    os.mkdir(key_dir, 0o700)
    out = keys("generate", key_dir, ZONE, "--role", "csk", "--algorithm", "ed25519").stdout
    tag = int(out.split("key tag ")[1].split(":")[0])
    p = keys("generate", key_dir, ZONE, "--role", "zsk", "--algorithm", "ed25519", check=False)
    assert p.returncode == 1 and "already has a csk" in p.stderr, p.stderr
    zonefile = os.path.join(d, "zone")
    write_zone(zonefile)
    port = free_port()
    f = ServerFactory(tmp_path_factory)
    try:
        s = f(cfg=signer_cfg(port, zonefile, key_dir, "ed25519", csk=True), port=port)
        wait_soa(s, ZONE, None)
        assert served_tags(port) == [tag]
        verify_axfr(port, d, csk=True)
        with open(os.path.join(key_dir, ZONE + "ds")) as fh:
            assert fh.read() == keys("ds", key_dir, ZONE).stdout
    finally:
        f.cleanup()
    listed = keys("list", key_dir, ZONE).stdout
    assert "csk  ed25519" in listed and listed.rstrip().endswith("ok"), listed
    os.chmod(os.path.join(key_dir, ZONE + "csk.pem"), 0o640)
    p = keys("list", key_dir, ZONE, check=False)
    assert p.returncode == 1 and "accessible by group or others (mode 0640)" in p.stdout, p.stdout
    p = keys("ds", key_dir, ZONE, check=False)
    assert p.returncode == 1 and "chmod 600" in p.stderr, p.stderr


def test_usage_and_help():
    p = keys("--help")
    assert "SYNOPSIS" in p.stdout and "sluice-keys sig0 <name>" in p.stdout
    for args in (["frobnicate"], ["list"], ["ds", "a", "b", "--digest", "md5"],
                 ["generate", "a", "b", "--role", "ksk"], ["list", "a", "b", "--bogus"]):
        p = keys(*args, check=False)
        assert p.returncode == 2 and p.stderr.startswith("sluice-keys: "), (args, p.stderr)
