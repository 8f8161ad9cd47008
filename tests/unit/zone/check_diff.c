/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for sl_zone_diff() and the journal hook (core/zone/diff.c):
 * the exact IXFR-ordered difference of hand-made changes, random changes
 * checked against a brute-force set difference and by replaying the
 * difference onto the old version, a journal that records, refuses or
 * is removed, and the signer hook (core/zone/sign.c) amending, refusing or
 * breaking a version before the journal and publication.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "testutil.h"

static uint8_t origin[SL_NAME_MAXLEN];

static sl_zone_t *mkzone(const char *apex)
{
	size_t len;
	sl_zone_t *z;

	ck_assert_int_eq(sl_name_from_text(apex, strlen(apex), NULL, origin, &len), SL_OK);
	z = sl_zone_get(origin);
	ck_assert_ptr_nonnull(z);
	return z;
}

/* "owner ttl TYPE rdata" → sl_zone_txn_add() (add) or sl_zone_txn_remove(). */
static int change(sl_zone_txn_t *txn, const char *line, bool add)
{
	static tu_rr_t rr;

	tu_parse_rr(line, origin, &rr);
	if (add)
		return sl_zone_txn_add(txn, rr.owner, rr.type, rr.ttl, rr.rdata, rr.rdlen, NULL);
	return sl_zone_txn_remove(txn, rr.owner, rr.type, rr.rdata, rr.rdlen);
}

/* Commits: lines starting with '-' are removed, the others added. */
static int commit_lines(sl_zone_t *z, unsigned flags, const char *const *lines, size_t n)
{
	sl_zone_txn_t *txn;
	char err[1024];
	int rc;

	ck_assert_int_eq(sl_zone_txn_begin(z, flags, &txn), SL_OK);
	for (size_t i = 0; i < n; i++) {
		if (lines[i][0] == '-')
			ck_assert_int_eq(change(txn, lines[i] + 1, false), SL_OK);
		else
			ck_assert_int_eq(change(txn, lines[i], true), SL_OK);
	}
	rc = sl_zone_txn_commit(txn, NULL, err, sizeof(err));
	ck_assert_msg(rc == SL_OK || rc == SL_EIO, "commit: %s", err);
	return rc;
}

/* ---- collecting a difference as text -------------------------------------- */

#define MAXOUT 4096

struct out {
	char *line[MAXOUT];
	size_t n;
	int stop_after; /* return SL_ELIMIT after this many calls, 0 = never */
};

static int collect(void *arg, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
		   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct out *o = arg;
	char name[SL_NAME_TEXT_MAX], tname[32], rd[8192], *line;

	if (o->stop_after && (int)o->n >= o->stop_after)
		return SL_ELIMIT;
	ck_assert_int_lt(o->n, MAXOUT);
	ck_assert_int_gt(sl_name_to_text(owner, name, sizeof(name)), 0);
	ck_assert_int_gt(sl_rrtype_to_text(type, tname, sizeof(tname)), 0);
	ck_assert_int_ge(sl_rdata_to_text(type, rdata, rdlen, rd, sizeof(rd)), 0);
	line = malloc(strlen(name) + strlen(tname) + strlen(rd) + 32);
	ck_assert_ptr_nonnull(line);
	sprintf(line, "%c%s %u %s %s", op == SL_DIFF_ADD ? '+' : '-', name, ttl, tname, rd);
	o->line[o->n++] = line;
	return SL_OK;
}

static void out_free(struct out *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->line[i]);
	o->n = 0;
}

static void expect_lines(const struct out *o, const char *const *want, size_t n)
{
	for (size_t i = 0; i < o->n && i < n; i++)
		ck_assert_msg(strcmp(o->line[i], want[i]) == 0, "line %zu:\n  got  %s\n  want %s",
			      i, o->line[i], want[i]);
	ck_assert_msg(o->n == n, "%zu lines, want %zu (first extra: %s)", o->n, n,
		      o->n > n ? o->line[n] : want[o->n]);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const v1[] = {
	"@ 3600 SOA ns1 host 1 7200 3600 1209600 300",
	"@ 3600 NS ns1",
	"ns1 3600 A 192.0.2.1",
	"www 3600 A 192.0.2.10",
	"www 3600 A 192.0.2.11",
	"www 3600 AAAA 2001:db8::10",
	"gone 3600 TXT \"bye\"",
	"ttl 3600 TXT \"a\"",
	"ttl 3600 TXT \"b\"",
	"Case 3600 MX 10 Mail.Example.Com.",
	"same 3600 TXT \"unchanged\"",
};

/* v1 → v2: SOA serial, one A out, one in, a name gone, a name new, a TTL change. */
static const char *const v1_to_v2[] = {
	"-@ 3600 SOA ns1 host 1 7200 3600 1209600 300",
	"@ 3600 SOA ns1 host 2 7200 3600 1209600 300",
	"-www 3600 A 192.0.2.11",
	"www 3600 A 192.0.2.12",
	"-gone 3600 TXT \"bye\"",
	"new 3600 A 192.0.2.99",
	"-ttl 3600 TXT \"a\"",
	"-ttl 3600 TXT \"b\"",
	"ttl 60 TXT \"a\"",
	"ttl 60 TXT \"b\"",
	/* same RDATA in other case: the store keeps the first, nothing changes */
	"case 3600 MX 10 mail.example.com.",
};

START_TEST(test_diff_exact)
{
	sl_zone_t *z = mkzone("example.com.");
	const sl_zone_version_t *a, *b;
	struct out o = { 0 };
	static const char *const want[] = {
		"-example.com. 3600 SOA ns1.example.com. host.example.com. 1 7200 3600 1209600 300",
		"-gone.example.com. 3600 TXT \"bye\"",
		"-ttl.example.com. 3600 TXT \"a\"",
		"-ttl.example.com. 3600 TXT \"b\"",
		"-www.example.com. 3600 A 192.0.2.11",
		"+example.com. 3600 SOA ns1.example.com. host.example.com. 2 7200 3600 1209600 300",
		"+new.example.com. 3600 A 192.0.2.99",
		"+ttl.example.com. 60 TXT \"a\"",
		"+ttl.example.com. 60 TXT \"b\"",
		"+www.example.com. 3600 A 192.0.2.12",
	};

	ck_assert_int_eq(commit_lines(z, SL_TXN_EMPTY, v1, ARRAY_SIZE(v1)), SL_OK);
	a = sl_zone_current(z);
	sl_zone_version_ref(a);
	ck_assert_int_eq(commit_lines(z, 0, v1_to_v2, ARRAY_SIZE(v1_to_v2)), SL_OK);
	b = sl_zone_current(z);
	ck_assert_ptr_ne(a, b);

	ck_assert_int_eq(sl_zone_diff(a, b, collect, &o), SL_OK);
	expect_lines(&o, want, ARRAY_SIZE(want));
	out_free(&o);

	/* The reverse difference is the mirror image. */
	ck_assert_int_eq(sl_zone_diff(b, a, collect, &o), SL_OK);
	ck_assert_uint_eq(o.n, ARRAY_SIZE(want));
	ck_assert_str_eq(o.line[0], "-example.com. 3600 SOA ns1.example.com. host.example.com. 2 "
				    "7200 3600 1209600 300");
	ck_assert_str_eq(o.line[5], "+example.com. 3600 SOA ns1.example.com. host.example.com. 1 "
				    "7200 3600 1209600 300");
	out_free(&o);

	/* Same version: nothing; from NULL: everything added, SOA first. */
	ck_assert_int_eq(sl_zone_diff(b, b, collect, &o), SL_OK);
	ck_assert_uint_eq(o.n, 0);
	ck_assert_int_eq(sl_zone_diff(NULL, a, collect, &o), SL_OK);
	ck_assert_uint_eq(o.n, ARRAY_SIZE(v1));
	ck_assert_msg(strncmp(o.line[0], "+example.com. 3600 SOA", 22) == 0, "%s", o.line[0]);
	for (size_t i = 0; i < o.n; i++)
		ck_assert_int_eq(o.line[i][0], '+');
	out_free(&o);
	ck_assert_int_eq(sl_zone_diff(a, NULL, collect, &o), SL_OK);
	ck_assert_uint_eq(o.n, ARRAY_SIZE(v1));
	out_free(&o);

	/* The callback's error stops the walk and comes back. */
	o.stop_after = 3;
	ck_assert_int_eq(sl_zone_diff(a, b, collect, &o), SL_ELIMIT);
	ck_assert_uint_eq(o.n, 3);
	out_free(&o);
	ck_assert_int_eq(sl_zone_diff(a, b, NULL, NULL), SL_EINVAL);

	sl_zone_version_unref(a);
	sl_zone_put(z);
}
END_TEST

/* ---- random changes against a brute-force difference ---------------------- */

/* Every RR of a version as "owner ttl TYPE rdata" text, sorted. */
static size_t all_rrs(const sl_zone_version_t *v, char **lines, size_t cap)
{
	struct out o = { 0 };
	size_t n;

	ck_assert_int_eq(sl_zone_diff(NULL, v, collect, &o), SL_OK);
	n = o.n;
	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++)
		lines[i] = o.line[i] + 1; /* drop the '+' (freed via line - 1) */
	return n;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_sorted(char **v, size_t n, const char *s)
{
	return bsearch(&s, v, n, sizeof(*v), strp_cmp) != NULL;
}

START_TEST(test_diff_random)
{
	unsigned seed = 4242u + (unsigned)_i;
	sl_zone_t *z = mkzone("rand.example.");
	static char *old_rrs[MAXOUT], *new_rrs[MAXOUT];
	static const char *lines[64];
	static char buf[64][128];
	const sl_zone_version_t *a, *b;
	struct out o = { 0 };
	size_t no, nn, nl = 0, removes = 0, adds = 0;

	/* Base: SOA, NS, 40 names with one to three A records. */
	lines[nl++] = "@ 3600 SOA ns host 1 7200 3600 1209600 300";
	lines[nl++] = "@ 3600 NS ns";
	lines[nl++] = "ns 3600 A 192.0.2.1";
	for (int i = 0; i < 40; i++) {
		snprintf(buf[i], sizeof(buf[i]), "h%d 3600 A 192.0.2.%d", i, 10 + i);
		lines[nl++] = buf[i];
	}
	ck_assert_int_eq(commit_lines(z, SL_TXN_EMPTY, lines, nl), SL_OK);
	a = sl_zone_current(z);
	sl_zone_version_ref(a);

	/* Random change: a new serial, some adds, some removals. */
	nl = 0;
	lines[nl++] = "-@ 3600 SOA ns host 1 7200 3600 1209600 300";
	lines[nl++] = "@ 3600 SOA ns host 2 7200 3600 1209600 300";
	for (int i = 0; i < 20; i++) {
		int k = rand_r(&seed) % 40, m = rand_r(&seed) % 3;
		char *l = buf[i];

		if (m == 0 && i % 2 == 0)
			snprintf(l, 128, "-h%d 3600 A 192.0.2.%d", k, 10 + k);
		else if (m == 1)
			snprintf(l, 128, "h%d 3600 A 198.51.100.%d", k, i);
		else
			snprintf(l, 128, "n%d.h%d 3600 TXT \"t%d\"", i, k, i);
		/* Skip a removal of a record already removed in this change. */
		bool dup = false;

		for (size_t j = 2; j < nl; j++)
			dup |= strcmp(lines[j], l) == 0;
		if (!dup)
			lines[nl++] = l;
	}
	ck_assert_int_eq(commit_lines(z, 0, lines, nl), SL_OK);
	b = sl_zone_current(z);

	no = all_rrs(a, old_rrs, MAXOUT);
	nn = all_rrs(b, new_rrs, MAXOUT);
	qsort(old_rrs, no, sizeof(char *), strp_cmp);
	qsort(new_rrs, nn, sizeof(char *), strp_cmp);

	ck_assert_int_eq(sl_zone_diff(a, b, collect, &o), SL_OK);
	for (size_t i = 0; i < o.n; i++) {
		const char *rr = o.line[i] + 1;

		if (o.line[i][0] == '-') {
			ck_assert_msg(adds == 0, "a removal after an addition: %s", o.line[i]);
			ck_assert_msg(in_sorted(old_rrs, no, rr) && !in_sorted(new_rrs, nn, rr),
				      "wrong removal %s", rr);
			removes++;
		} else {
			ck_assert_msg(!in_sorted(old_rrs, no, rr) && in_sorted(new_rrs, nn, rr),
				      "wrong addition %s", rr);
			adds++;
		}
	}
	/* Complete: the brute-force set differences have the same sizes. */
	size_t want_rem = 0, want_add = 0;

	for (size_t i = 0; i < no; i++)
		want_rem += !in_sorted(new_rrs, nn, old_rrs[i]);
	for (size_t i = 0; i < nn; i++)
		want_add += !in_sorted(old_rrs, no, new_rrs[i]);
	ck_assert_uint_eq(removes, want_rem);
	ck_assert_uint_eq(adds, want_add);
	ck_assert(strstr(o.line[0], " SOA ") != NULL);
	ck_assert(strstr(o.line[removes], " SOA ") != NULL);

	out_free(&o);
	for (size_t i = 0; i < no; i++)
		free(old_rrs[i] - 1);
	for (size_t i = 0; i < nn; i++)
		free(new_rrs[i] - 1);
	sl_zone_version_unref(a);
	sl_zone_put(z);
}
END_TEST

/* ---- the journal hook ----------------------------------------------------- */

struct fake_journal {
	int calls;
	int refuse;            /* SL_E* to return, SL_OK to accept */
	bool had_from;
	struct out diff;
};

static int journal_write(void *arg, const sl_zone_t *zone, const sl_zone_version_t *from,
			 const sl_zone_version_t *to, sl_error_t *err)
{
	struct fake_journal *j = arg;

	ck_assert_ptr_nonnull(zone);
	ck_assert_ptr_nonnull(to);
	/* Not yet visible to readers. */
	ck_assert_ptr_ne(sl_zone_current(zone), to);
	ck_assert_ptr_eq(sl_zone_current(zone), from);
	j->calls++;
	j->had_from = from != NULL;
	if (j->refuse != SL_OK) {
		return sl_error_set(err, j->refuse, "disk full (test)");
	}
	out_free(&j->diff);
	return sl_zone_diff(from, to, collect, &j->diff);
}

START_TEST(test_journal_hook)
{
	sl_zone_t *z = mkzone("journal.example.");
	struct fake_journal j = { 0 };
	sl_zone_journal_t hook = { .write = journal_write, .arg = &j };
	const sl_zone_version_t *before;
	static const char *const base[] = { "@ 300 SOA ns host 1 1 1 1 1", "@ 300 NS ns",
					    "ns 300 A 192.0.2.1" };
	static const char *const upd[] = { "-@ 300 SOA ns host 1 1 1 1 1",
					   "@ 300 SOA ns host 2 1 1 1 1", "www 300 A 192.0.2.2" };
	static const char *const upd3[] = { "-@ 300 SOA ns host 2 1 1 1 1",
					    "@ 300 SOA ns host 3 1 1 1 1", "www 300 A 192.0.2.3" };
	sl_zone_txn_t *txn;
	char err[256];
	uint32_t serial;

	ck_assert_int_eq(sl_zone_set_journal(z, &hook), SL_OK);
	ck_assert_int_eq(sl_zone_set_journal(z, &hook), SL_EEXIST);
	ck_assert_int_eq(sl_zone_set_journal(NULL, &hook), SL_EINVAL);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 0);

	/* First load: from is NULL, the whole zone is added. */
	ck_assert_int_eq(commit_lines(z, SL_TXN_EMPTY, base, ARRAY_SIZE(base)), SL_OK);
	ck_assert_int_eq(j.calls, 1);
	ck_assert(!j.had_from);
	ck_assert_uint_eq(j.diff.n, 3);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 1);
	ck_assert_uint_eq(serial, 1);

	/* An update: the journal sees exactly the change. */
	ck_assert_int_eq(commit_lines(z, 0, upd, ARRAY_SIZE(upd)), SL_OK);
	ck_assert_int_eq(j.calls, 2);
	ck_assert(j.had_from);
	ck_assert_uint_eq(j.diff.n, 3);
	ck_assert_str_eq(j.diff.line[2], "+www.journal.example. 300 A 192.0.2.2");
	ck_assert_uint_eq(sl_zone_serial(sl_zone_current(z)), 2);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 2);
	ck_assert_uint_eq(serial, 2);

	/* A refusing journal fails the commit; the zone keeps serving serial 2. */
	before = sl_zone_current(z);
	j.refuse = SL_EIO;
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(change(txn, upd3[0] + 1, false), SL_OK);
	ck_assert_int_eq(change(txn, upd3[1], true), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_EIO);
	ck_assert_msg(strstr(err, "journal: disk full (test)") != NULL, "%s", err);
	ck_assert_int_eq(j.calls, 3);
	ck_assert_ptr_eq(sl_zone_current(z), before);
	ck_assert_uint_eq(sl_zone_serial(sl_zone_current(z)), 2);

	/* A stale refusal (SL_EEXIST) passes through; any other code is SL_EIO. */
	for (int k = 0; k < 2; k++) {
		j.refuse = k == 0 ? SL_EEXIST : SL_ELIMIT;
		ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
		ck_assert_int_eq(change(txn, upd3[0] + 1, false), SL_OK);
		ck_assert_int_eq(change(txn, upd3[1], true), SL_OK);
		ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)),
				 k == 0 ? SL_EEXIST : SL_EIO);
		ck_assert_ptr_eq(sl_zone_current(z), before);
	}
	ck_assert_int_eq(j.calls, 5);

	/* A commit that changes nothing does not reach the journal. */
	j.refuse = SL_OK;
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(j.calls, 5);
	/* Neither the refused nor the empty commits published anything. */
	ck_assert_uint_eq(sl_zone_published(z, &serial), 2);

	/* Removed: later commits go straight through. */
	ck_assert_int_eq(sl_zone_set_journal(z, NULL), SL_OK);
	ck_assert_int_eq(commit_lines(z, 0, upd3, ARRAY_SIZE(upd3)), SL_OK);
	ck_assert_int_eq(j.calls, 5);
	ck_assert_uint_eq(sl_zone_serial(sl_zone_current(z)), 3);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 3);
	ck_assert_uint_eq(serial, 3);
	ck_assert_uint_eq(sl_zone_published(NULL, NULL), 0);

	out_free(&j.diff);
	sl_zone_put(z);
}
END_TEST

/* ---- the signer hook ------------------------------------------------------ */

struct fake_signer {
	int calls;
	int mode;              /* 0 add a TXT at the apex, 1 refuse, 2 add a CNAME at the apex, 3 nothing */
	bool had_from;
};

static int signer_sign(void *arg, sl_zone_t *zone, const sl_zone_version_t *from,
		       const sl_zone_version_t *to, sl_zone_txn_t *amend, sl_error_t *err)
{
	struct fake_signer *f = arg;
	static const uint8_t txt[] = "\x06signed";

	ck_assert_ptr_nonnull(to);
	ck_assert_ptr_eq(sl_zone_current(zone), from);
	ck_assert_ptr_ne(sl_zone_current(zone), to);
	/* The version to sign is readable, and the amendment sees it. */
	ck_assert_ptr_nonnull(sl_zone_find(to, sl_zone_name(zone)));
	ck_assert_ptr_nonnull(sl_zone_txn_rrset(amend, sl_zone_name(zone), SL_TYPE_SOA));
	f->calls++;
	f->had_from = from != NULL;
	switch (f->mode) {
	case 0:
		sl_zone_txn_remove_rrset(amend, sl_zone_name(zone), SL_TYPE_TXT);
		return sl_zone_txn_add(amend, sl_zone_name(zone), SL_TYPE_TXT, 300, txt,
				       sizeof(txt) - 1, NULL);
	case 1:
		return sl_error_set(err, SL_EIO, "no key (test)");
	case 2: {
		static const uint8_t target[] = "\x03www\x07" "example\x00";

		return sl_zone_txn_add(amend, sl_zone_name(zone), SL_TYPE_CNAME, 300, target,
				       sizeof(target) - 1, NULL);
	}
	default:
		return SL_OK;
	}
}

static bool apex_has_txt(const sl_zone_version_t *v)
{
	return sl_node_rrset(sl_zone_apex(v), SL_TYPE_TXT) != NULL;
}

START_TEST(test_signer_hook)
{
	sl_zone_t *z = mkzone("signer.example.");
	struct fake_signer f = { 0 };
	struct fake_journal j = { 0 };
	sl_zone_signer_t hook = { .sign = signer_sign, .arg = &f };
	static const char *const base[] = { "@ 300 SOA ns host 1 1 1 1 1", "@ 300 NS ns",
					    "ns 300 A 192.0.2.1" };
	static const char *const upd[] = { "-@ 300 SOA ns host 1 1 1 1 1",
					   "@ 300 SOA ns host 2 1 1 1 1", "www 300 A 192.0.2.2" };
	const sl_zone_version_t *before;
	sl_zone_txn_t *txn;
	char err[256];
	uint32_t serial;

	ck_assert_int_eq(sl_zone_set_signer(z, &hook), SL_OK);
	ck_assert_int_eq(sl_zone_set_signer(z, &hook), SL_EEXIST);
	ck_assert_int_eq(sl_zone_set_signer(NULL, &hook), SL_EINVAL);
	ck_assert_int_eq(sl_zone_set_signer(z, &(sl_zone_signer_t){ NULL, NULL }), SL_EINVAL);
	ck_assert_int_eq(sl_zone_set_journal(z, &(sl_zone_journal_t){ journal_write, &j }), SL_OK);

	/* First load: signed before the journal sees it and before publication. */
	ck_assert_int_eq(commit_lines(z, SL_TXN_EMPTY, base, ARRAY_SIZE(base)), SL_OK);
	ck_assert_int_eq(f.calls, 1);
	ck_assert(!f.had_from);
	ck_assert(apex_has_txt(sl_zone_current(z)));
	ck_assert_uint_eq(sl_zone_rr_count(sl_zone_current(z)), 4);
	ck_assert_int_eq(j.calls, 1);
	ck_assert_uint_eq(j.diff.n, 4);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 1);

	/* An update: signed again; the journal sees the update only (the TXT is unchanged). */
	ck_assert_int_eq(commit_lines(z, 0, upd, ARRAY_SIZE(upd)), SL_OK);
	ck_assert_int_eq(f.calls, 2);
	ck_assert(f.had_from);
	ck_assert(apex_has_txt(sl_zone_current(z)));
	ck_assert_ptr_nonnull(sl_zone_find(sl_zone_current(z),
					   (const uint8_t *)"\x03www\x06signer\x07" "example"));
	ck_assert_int_eq(j.calls, 2);
	ck_assert_uint_eq(j.diff.n, 3);

	/* A refusing signer fails the commit: nothing published, its message reported. */
	before = sl_zone_current(z);
	f.mode = 1;
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(change(txn, "www 300 A 192.0.2.9", true), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_msg(strstr(err, "signer: no key (test)") != NULL, "%s", err);
	ck_assert_ptr_eq(sl_zone_current(z), before);
	ck_assert_int_eq(j.calls, 2);

	/* A signer whose amendment breaks the checks fails the commit too. */
	f.mode = 2;
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(change(txn, "www 300 A 192.0.2.9", true), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_msg(strstr(err, "CNAME") != NULL, "%s", err);
	ck_assert_ptr_eq(sl_zone_current(z), before);
	ck_assert_int_eq(j.calls, 2);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 2);

	/* A signer that changes nothing: the checked version itself is published. */
	f.mode = 3;
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(change(txn, "www 300 A 192.0.2.9", true), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_uint_eq(sl_zone_rr_count(sl_zone_current(z)), 6);
	ck_assert_uint_eq(sl_zone_published(z, &serial), 3);

	/* Removed: not called any more. */
	ck_assert_int_eq(sl_zone_set_signer(z, NULL), SL_OK);
	ck_assert_int_eq(sl_zone_set_journal(z, NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(change(txn, "www 300 A 192.0.2.10", true), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(f.calls, 5);

	out_free(&j.diff);
	sl_zone_put(z);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("zone_diff");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, test_diff_exact);
	tcase_add_loop_test(tc, test_diff_random, 0, 8);
	tcase_add_test(tc, test_journal_hook);
	tcase_add_test(tc, test_signer_hook);
	suite_add_tcase(s, tc);
	return s;
}
