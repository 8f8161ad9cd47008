#!/usr/bin/env python3
"""Deterministic benchmark zone and dnsperf query-file generator.

    genzone.py --names 100000 --zone OUT.zone --queries OUT.queries
               [--nqueries N] [--seed 1] [--origin bench.example.]
               [--meta OUT.json]

The zone has NAMES owner names directly or two levels below the apex, with
a mix of A, AAAA, MX, TXT, CNAME and a few SRV; one delegation
(sub.ORIGIN, NS with A and AAAA glue) and one wildcard (*.wild.ORIGIN).  The
very last record of the file is `zzzz-last-record.ORIGIN A 198.51.100.77`,
which the harness polls to time zone loading.

The query file mixes, by count:
    70% existing A/AAAA   (A for names with A, AAAA for names with AAAA)
    10% MX/TXT            (half each, on names that have them)
    10% NXDOMAIN          (names that cannot exist: they contain "-nx-")
     5% CNAME             (type A on an alias whose target is in the zone)
     5% referral          (names below sub.ORIGIN)
Queries are shuffled with the same seed.  --meta writes a JSON file with a
few sample names of each class for the harness's correctness guard.

Python 3 standard library only; the same arguments always give byte-for-byte
the same files.
"""

import argparse
import json
import random
import sys

LAST_NAME = "zzzz-last-record"
LAST_ADDR = "198.51.100.77"
WILD_ADDR = "192.0.2.42"
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def b36(n):
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = B36[r] + s
        if n == 0:
            return s


def make_label(rng, i):
    # A random word of 3..9 letters followed by the decimal index: unique
    # (the letters/digits split is unambiguous) and never equal to a fixed
    # label (ns1, ns2, sub, wild, _svc*, zzzz-last-record).
    word = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 9)))
    return word + str(i)


def generate(names, nqueries, seed, origin, zone_path, query_path, meta_path):
    rng = random.Random(seed)
    if not origin.endswith("."):
        origin += "."

    a_names, aaaa_names, mx_names, txt_names, cname_names = [], [], [], [], []
    out = open(zone_path, "w", encoding="ascii", newline="\n")
    w = out.write
    w("$ORIGIN %s\n$TTL 3600\n" % origin)
    w("@ IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 3600\n")
    w("@ IN NS ns1\n@ IN NS ns2\n")
    w("ns1 IN A 192.0.2.1\nns1 IN AAAA 2001:db8::1\n")
    w("ns2 IN A 192.0.2.2\nns2 IN AAAA 2001:db8::2\n")
    # One delegation with glue.
    w("sub IN NS ns1.sub\nsub IN NS ns2.sub\n")
    w("ns1.sub IN A 192.0.2.53\nns2.sub IN AAAA 2001:db8::53\n")
    # One wildcard.
    w("*.wild IN A %s\n*.wild IN TXT \"wildcard\"\n" % WILD_ADDR)
    mail_hosts = []  # in-zone mail exchangers (they have A records)
    # The apex itself has MX/TXT so apex queries are realistic too.

    fixed = 4  # names above that count toward NAMES: ns1, ns2, sub, *.wild
    n_body = max(names - fixed - 1, 1)  # minus the last-record marker
    for i in range(n_body):
        label = make_label(rng, i)
        if rng.random() < 0.10:
            # Two-level name: its parent is an empty non-terminal.
            label = "%s.%s" % (
                "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 5))),
                label)
        r = rng.random()
        if r < 0.55:  # A (some also AAAA)
            n = rng.randint(1, 2)
            for _ in range(n):
                w("%s IN A 10.%d.%d.%d\n" % (label, rng.randrange(256),
                                             rng.randrange(256), rng.randrange(1, 255)))
            a_names.append(label)
            if rng.random() < 0.3:
                w("%s IN AAAA 2001:db8:%x:%x::%x\n" % (
                    label, rng.randrange(65536), rng.randrange(65536), rng.randrange(1, 65536)))
                aaaa_names.append(label)
            if len(mail_hosts) < 64 and rng.random() < 0.01:
                mail_hosts.append(label)
        elif r < 0.70:  # AAAA only
            w("%s IN AAAA 2001:db8:%x:%x::%x\n" % (
                label, rng.randrange(65536), rng.randrange(65536), rng.randrange(1, 65536)))
            aaaa_names.append(label)
        elif r < 0.80:  # MX
            pref = 10
            for _ in range(rng.randint(1, 2)):
                if mail_hosts and rng.random() < 0.8:
                    tgt = rng.choice(mail_hosts)
                else:
                    tgt = "mx%d.example.net." % rng.randrange(100)
                w("%s IN MX %d %s\n" % (label, pref, tgt))
                pref += 10
            mx_names.append(label)
        elif r < 0.90:  # TXT
            n = rng.randint(1, 2)
            for _ in range(n):
                w('%s IN TXT "v=spf1 ip4:10.%d.%d.0/24 -all" "k%s"\n' % (
                    label, rng.randrange(256), rng.randrange(256),
                    "".join(rng.choice(ALPHABET) for _ in range(rng.randint(4, 40)))))
            txt_names.append(label)
        elif r < 0.99:  # CNAME to an earlier in-zone A name (or out of zone)
            if a_names and rng.random() < 0.9:
                tgt = rng.choice(a_names)
                cname_names.append(label)
            else:
                tgt = "cdn%d.example.net." % rng.randrange(1000)
            w("%s IN CNAME %s\n" % (label, tgt))
        else:  # a few SRV
            port = rng.choice((5060, 5061, 389, 443))
            tgt = rng.choice(a_names) if a_names else "ns1"
            w("_svc%s._tcp IN SRV 10 %d %d %s\n" % (b36(i), rng.randint(0, 100), port, tgt))
    w("@ IN MX 10 %s\n" % (mail_hosts[0] if mail_hosts else "ns1"))
    w('@ IN TXT "sluice benchmark zone, seed %d, %d names"\n' % (seed, names))
    w("%s IN A %s\n" % (LAST_NAME, LAST_ADDR))
    out.close()

    def fq(label):
        return "%s.%s" % (label, origin) if label != "@" else origin

    # Query mix.
    counts = {
        "A/AAAA": int(nqueries * 0.70),
        "MX/TXT": int(nqueries * 0.10),
        "NXDOMAIN": int(nqueries * 0.10),
        "CNAME": int(nqueries * 0.05),
    }
    counts["referral"] = nqueries - sum(counts.values())
    qs = []
    n_a = len(a_names)
    n_aaaa = len(aaaa_names)
    for _ in range(counts["A/AAAA"]):
        # A vs AAAA in proportion to how many names carry each.
        if rng.randrange(n_a + n_aaaa) < n_a:
            qs.append("%s A" % fq(rng.choice(a_names)))
        else:
            qs.append("%s AAAA" % fq(rng.choice(aaaa_names)))
    for k in range(counts["MX/TXT"]):
        if k % 2 == 0:
            qs.append("%s MX" % fq(rng.choice(mx_names)))
        else:
            qs.append("%s TXT" % fq(rng.choice(txt_names)))
    for k in range(counts["NXDOMAIN"]):
        qs.append("q%s-nx-%s.%s A" % (b36(k), b36(rng.randrange(36 ** 5)), origin))
    for _ in range(counts["CNAME"]):
        qs.append("%s A" % fq(rng.choice(cname_names)))
    for k in range(counts["referral"]):
        qs.append("h%s.sub.%s %s" % (b36(k), origin, rng.choice(("A", "AAAA", "MX"))))
    rng.shuffle(qs)
    with open(query_path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(qs))
        f.write("\n")

    if meta_path:
        srng = random.Random(seed + 1)
        meta = {
            "origin": origin,
            "names": names,
            "seed": seed,
            "queries": nqueries,
            "query_mix": counts,
            "last": {"name": fq(LAST_NAME), "addr": LAST_ADDR},
            "samples": {
                "A": [fq(x) for x in srng.sample(a_names, 5)],
                "AAAA": [fq(x) for x in srng.sample(aaaa_names, 3)],
                "MX": [fq(x) for x in srng.sample(mx_names, 3)],
                "TXT": [fq(x) for x in srng.sample(txt_names, 3)],
                "CNAME": [fq(x) for x in srng.sample(cname_names, 3)],
                "NXDOMAIN": ["guard%d-nx-check.%s" % (k, origin) for k in range(3)],
                "referral": ["h%d.sub.%s" % (k, origin) for k in range(3)],
                "wildcard": ["w%d.wild.%s" % (k, origin) for k in range(2)],
            },
            "wild_addr": WILD_ADDR,
        }
        with open(meta_path, "w") as f:
            json.dump(meta, f, indent=1)
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", type=int, required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--nqueries", type=int, default=None,
                    help="query lines (default: max(names, 200000))")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--origin", default="bench.example.")
    ap.add_argument("--meta", default=None)
    a = ap.parse_args(argv)
    nq = a.nqueries if a.nqueries else max(a.names, 200000)
    counts = generate(a.names, nq, a.seed, a.origin, a.zone, a.queries, a.meta)
    print("zone %s: %d names; queries %s: %s" % (a.zone, a.names, a.queries, counts),
          file=sys.stderr)


if __name__ == "__main__":
    main()
