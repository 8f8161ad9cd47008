/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for the zone store (core/zone.c, core/zone_tree.c) and QSBR
 * reclamation (core/qsbr.c): lookups, canonical order, transactions,
 * semantic checks, incremental commits against full builds, concurrent
 * readers, and a 200k-name bulk load.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "grow.h"
#include "qsbr.h"
#include "zone_tree.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *origin_text = "example.com.";
static uint8_t origin[SL_NAME_MAXLEN];

/* ---- helpers -------------------------------------------------------------- */

/* Parses a test name (relative to example.com.) into a rotating buffer. */
static const uint8_t *N(const char *text)
{
	static __thread uint8_t bufs[16][SL_NAME_MAXLEN];
	static __thread unsigned next;
	uint8_t *out = bufs[next++ % 16];
	size_t len;

	ck_assert_msg(sl_name_from_text(text, strlen(text), origin, out, &len) == SL_OK,
		      "bad test name %s", text);
	return out;
}

static const char *T(const uint8_t *name)
{
	static __thread char bufs[8][SL_NAME_TEXT_MAX];
	static __thread unsigned next;
	char *out = bufs[next++ % 8];

	ck_assert_int_gt(sl_name_to_text(name, out, SL_NAME_TEXT_MAX), 0);
	return out;
}

static sl_zone_t *mkzone(void)
{
	size_t len;
	sl_zone_t *z;

	ck_assert_int_eq(sl_name_from_text(origin_text, strlen(origin_text), NULL, origin, &len),
			 SL_OK);
	z = sl_zone_get(origin);
	ck_assert_ptr_nonnull(z);
	return z;
}

/* Parses "owner ttl type rdata" and calls sl_zone_txn_add(). */
static int add_rr(sl_zone_txn_t *txn, const char *line, const char *where)
{
	static __thread tu_rr_t rr;

	tu_parse_rr(line, origin, &rr);
	return sl_zone_txn_add(txn, rr.owner, rr.type, rr.ttl, rr.rdata, rr.rdlen, where);
}

static int rem_rr(sl_zone_txn_t *txn, const char *line)
{
	static __thread tu_rr_t rr;

	tu_parse_rr(line, origin, &rr);
	return sl_zone_txn_remove(txn, rr.owner, rr.type, rr.rdata, rr.rdlen);
}

static const char *base_zone[] = {
	"@ 3600 SOA ns1 host 1 7200 3600 1209600 300",
	"@ 3600 NS ns1",
	"@ 3600 NS ns2",
	"ns1 3600 A 192.0.2.1",
	"ns2 3600 A 192.0.2.2",
	"www 3600 A 192.0.2.10",
	"www 3600 AAAA 2001:db8::10",
	"a.b.c 3600 A 192.0.2.11",
	"*.wild 3600 TXT \"wild\"",
	"wild 3600 TXT \"w\"",
	"sub 3600 NS ns.sub",
	"sub 3600 NS ns.other.net.",
	"sub 3600 DS 12345 8 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC",
	"ns.sub 3600 A 192.0.2.20",
	"deep.below.sub 3600 A 192.0.2.21",
	"inner.sub 3600 NS ns.other.net.",
	"dn 3600 DNAME target.example.net.",
	"mail 3600 MX 10 www",
};

/* Commits @p lines as a full load (SL_TXN_EMPTY); returns the rc, error text in @p err. */
static int load_lines(sl_zone_t *z, const char *const *lines, size_t n, char *err, size_t errlen)
{
	sl_zone_txn_t *txn;
	char where[64];

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "zone.db:%zu", i + 1);
		ck_assert_int_eq(add_rr(txn, lines[i], where), SL_OK);
	}
	return sl_zone_txn_commit(txn, NULL, err, errlen);
}

static sl_zone_t *base(void)
{
	sl_zone_t *z = mkzone();
	char err[1024];
	int rc = load_lines(z, base_zone, ARRAY_SIZE(base_zone), err, sizeof(err));

	ck_assert_msg(rc == SL_OK, "base zone: %s", err);
	return z;
}

static bool has_type(const sl_node_t *n, uint16_t type)
{
	return n && sl_node_rrset(n, type) != NULL;
}

/*
 * Checks every structural invariant of a version: strict canonical order,
 * each non-apex node's parent present, ENTs have descendants and no data,
 * and every flag equal to a from-scratch computation.
 */
static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_invariants(const sl_zone_version_t *v)
{
	sl_zone_iter_t it;
	const sl_node_t *n, *prev = NULL;
	size_t count = 0;
	uint64_t rrs = 0;

	sl_zone_iter_init(&it, v);
	while ((n = sl_zone_iter_next(&it)) != NULL) {
		bool apex = sl_name_equal(n->owner, origin);
		uint16_t want = 0;

		count++;
		for (unsigned i = 0; i < n->nrrsets; i++) {
			rrs += n->rrsets[i].count;
			/* By type; RRSIGs one RRset per covered type, by it. */
			if (i && n->rrsets[i].type == SL_TYPE_RRSIG &&
			    n->rrsets[i - 1].type == SL_TYPE_RRSIG)
				ck_assert_uint_lt(rd16(n->rrsets[i - 1].data + 2),
						  rd16(n->rrsets[i].data + 2));
			else if (i)
				ck_assert_uint_lt(n->rrsets[i - 1].type, n->rrsets[i].type);
		}
		if (prev)
			ck_assert_msg(sl_name_compare(prev->owner, n->owner) < 0, "order %s %s",
				      T(prev->owner), T(n->owner));
		else
			ck_assert_msg(apex, "first node %s is not the apex", T(n->owner));
		ck_assert_ptr_eq(sl_zone_find(v, n->owner), n);
		if (apex) {
			want |= SL_NODE_APEX;
		} else {
			const uint8_t *p = sl_name_parent(n->owner);
			const sl_node_t *pn = sl_zone_find(v, p);

			ck_assert_msg(pn != NULL, "parent of %s missing", T(n->owner));
			if (has_type(n, SL_TYPE_NS))
				want |= SL_NODE_DELEG;
			if (n->nrrsets == 0)
				want |= SL_NODE_ENT;
			/* Walk every strict ancestor below (and for DNAME at) the apex. */
			for (const uint8_t *a = p; a; a = sl_name_parent(a)) {
				const sl_node_t *an = sl_zone_find(v, a);
				bool aapex = sl_name_equal(a, origin);

				ck_assert_ptr_nonnull(an);
				if (!aapex && has_type(an, SL_TYPE_NS))
					want |= SL_NODE_NONAUTH;
				if (has_type(an, SL_TYPE_DNAME))
					want |= SL_NODE_DNAME_BELOW;
				if (aapex)
					break;
			}
		}
		{
			uint8_t wc[SL_NAME_MAXLEN];
			size_t ol = sl_name_len(n->owner);

			if (ol + 2 <= SL_NAME_MAXLEN) {
				wc[0] = 1;
				wc[1] = '*';
				memcpy(wc + 2, n->owner, ol);
				if (sl_zone_find(v, wc))
					want |= SL_NODE_WILDCARD;
			}
		}
		ck_assert_msg(n->flags == want, "%s flags %#x, want %#x", T(n->owner), n->flags,
			      want);
		prev = n;
	}
	ck_assert_uint_eq(rrs, sl_zone_rr_count(v));
	/* ENTs have a descendant: the next node in order lies below them. */
	sl_zone_iter_init(&it, v);
	prev = NULL;
	while ((n = sl_zone_iter_next(&it)) != NULL) {
		if (prev && prev->nrrsets == 0)
			ck_assert_msg(sl_name_is_subdomain(n->owner, prev->owner),
				      "ENT %s without descendant", T(prev->owner));
		prev = n;
	}
	if (prev)
		ck_assert_msg(prev->nrrsets > 0, "last node %s is an ENT", T(prev->owner));
	ck_assert_uint_gt(count, 0);
}

/* Brute-force canonical predecessor: the greatest existing name <= @p name. */
static const sl_node_t *brute_prev(const sl_zone_version_t *v, const uint8_t *name)
{
	sl_zone_iter_t it;
	const sl_node_t *n, *best = NULL;

	sl_zone_iter_init(&it, v);
	while ((n = sl_zone_iter_next(&it)) != NULL) {
		if (sl_name_compare(n->owner, name) <= 0)
			best = n;
	}
	return best;
}

/* Brute-force closest encloser. */
static const sl_node_t *brute_encloser(const sl_zone_version_t *v, const uint8_t *name)
{
	for (const uint8_t *a = name; a; a = sl_name_parent(a)) {
		const sl_node_t *n = sl_zone_find(v, a);

		if (n)
			return n;
	}
	return NULL;
}

/* Equal names once each zone's two-label apex is dropped. */
static bool same_relative(const uint8_t *a, const uint8_t *b)
{
	unsigned la = sl_name_labels(a), lb = sl_name_labels(b);

	if (la != lb)
		return false;
	for (unsigned i = 0; i + 2 < la; i++) {
		if (a[0] != b[0] || strncasecmp((const char *)a + 1, (const char *)b + 1, a[0]))
			return false;
		a += a[0] + 1;
		b += b[0] + 1;
	}
	return true;
}

/* Compares two versions node by node (owner, flags, RRsets, RDATA). */
static void assert_same(const sl_zone_version_t *a, const sl_zone_version_t *b)
{
	sl_zone_iter_t ia, ib;
	const sl_node_t *x, *y;

	sl_zone_iter_init(&ia, a);
	sl_zone_iter_init(&ib, b);
	for (;;) {
		x = sl_zone_iter_next(&ia);
		y = sl_zone_iter_next(&ib);
		if (!x || !y)
			break;
		ck_assert_msg(same_relative(x->owner, y->owner), "%s vs %s", T(x->owner),
			      T(y->owner));
		ck_assert_msg(x->flags == y->flags, "%s flags %#x vs %#x", T(x->owner), x->flags,
			      y->flags);
		ck_assert_uint_eq(x->nrrsets, y->nrrsets);
		for (unsigned i = 0; i < x->nrrsets; i++) {
			const sl_rrset_t *rx = &x->rrsets[i], *ry = &y->rrsets[i];

			ck_assert_uint_eq(rx->type, ry->type);
			ck_assert_uint_eq(rx->count, ry->count);
			ck_assert_uint_eq(rx->ttl, ry->ttl);
			if (rx->type != SL_TYPE_NS) {
				ck_assert_uint_eq(rx->data_len, ry->data_len);
				ck_assert(memcmp(rx->data, ry->data, rx->data_len) == 0);
				continue;
			}
			/* NS targets inside each zone differ by the apex only. */
			const uint8_t *dx = NULL, *dy = NULL;
			uint16_t lx, ly;

			while ((dx = sl_rrset_next(rx, dx, &lx)) != NULL) {
				dy = sl_rrset_next(ry, dy, &ly);
				ck_assert_ptr_nonnull(dy);
				ck_assert(same_relative(dx, dy) ||
					  (lx == ly && memcmp(dx, dy, lx) == 0));
			}
		}
	}
	ck_assert_msg(!x && !y, "different node counts (%s left)", T((x ? x : y)->owner));
	ck_assert_uint_eq(sl_zone_rr_count(a), sl_zone_rr_count(b));
}

/* ---- lookups -------------------------------------------------------------- */

START_TEST(test_exact)
{
	sl_zone_t *z = base();
	const sl_zone_version_t *v = sl_zone_current(z);
	sl_zone_lookup_t lk;
	const sl_rrset_t *rs;
	const uint8_t *rd;
	uint16_t len;

	ck_assert_ptr_nonnull(v);
	check_invariants(v);
	ck_assert_uint_eq(sl_zone_serial(v), 1);
	ck_assert_uint_eq(sl_zone_rr_count(v), ARRAY_SIZE(base_zone));
	ck_assert(sl_name_equal(sl_zone_apex(v)->owner, origin));
	ck_assert_uint_eq(sl_zone_apex(v)->flags, SL_NODE_APEX);

	ck_assert_int_eq(sl_zone_lookup(v, N("WWW"), &lk), SL_OK);
	ck_assert_ptr_eq(lk.node, sl_zone_find(v, N("www")));
	ck_assert_ptr_eq(lk.encloser, lk.node);
	ck_assert_ptr_eq(lk.previous, lk.node);
	ck_assert_ptr_null(lk.cut);
	ck_assert_ptr_null(lk.dname);
	rs = sl_node_rrset(lk.node, SL_TYPE_A);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->count, 1);
	rd = sl_rrset_next(rs, NULL, &len);
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(rd[3], 10);
	ck_assert_ptr_null(sl_rrset_next(rs, rd, &len));
	ck_assert_ptr_null(sl_node_rrset(lk.node, SL_TYPE_MX));

	/* The apex itself: its own predecessor. */
	ck_assert_int_eq(sl_zone_lookup(v, origin, &lk), SL_OK);
	ck_assert_ptr_eq(lk.node, sl_zone_apex(v));
	ck_assert_ptr_eq(lk.previous, sl_zone_apex(v));

	/* Out of zone. */
	ck_assert_int_eq(sl_zone_lookup(v, N("www.example.net."), &lk), SL_EINVAL);
	ck_assert_int_eq(sl_zone_lookup(v, N("com."), &lk), SL_EINVAL);
	ck_assert_ptr_null(sl_zone_find(v, N("com.")));
	ck_assert_ptr_null(sl_zone_find(v, N("nope")));
	sl_zone_put(z);
}
END_TEST

START_TEST(test_ent_and_nxdomain)
{
	sl_zone_t *z = base();
	const sl_zone_version_t *v = sl_zone_current(z);
	sl_zone_lookup_t lk;

	/* b.c and c are empty non-terminals. */
	ck_assert_int_eq(sl_zone_lookup(v, N("c"), &lk), SL_OK);
	ck_assert_uint_eq(lk.node->nrrsets, 0);
	ck_assert_uint_eq(lk.node->flags, SL_NODE_ENT);
	ck_assert_int_eq(sl_zone_lookup(v, N("B.c"), &lk), SL_OK);
	ck_assert(lk.node->flags & SL_NODE_ENT);

	/* Below an existing name. */
	ck_assert_int_eq(sl_zone_lookup(v, N("q.a.b.c"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_null(lk.node);
	ck_assert_ptr_eq(lk.encloser, sl_zone_find(v, N("a.b.c")));
	ck_assert_ptr_eq(lk.previous, sl_zone_find(v, N("a.b.c")));
	/* Beside: the encloser is an ENT. */
	ck_assert_int_eq(sl_zone_lookup(v, N("zz.b.c"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.encloser, sl_zone_find(v, N("b.c")));
	ck_assert_ptr_eq(lk.previous, sl_zone_find(v, N("a.b.c")));
	/* After everything: predecessor is the last name, encloser the apex. */
	ck_assert_int_eq(sl_zone_lookup(v, N("zzzz"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.encloser, sl_zone_apex(v));
	ck_assert_ptr_eq(lk.previous, brute_prev(v, N("zzzz")));
	ck_assert_ptr_eq(lk.previous, sl_zone_find(v, N("www")));
	/* Before every child of the apex: predecessor is the apex. */
	ck_assert_int_eq(sl_zone_lookup(v, N("0"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.previous, sl_zone_apex(v));
	ck_assert_ptr_eq(lk.encloser, sl_zone_apex(v));

	/* Brute force over a set of names. */
	static const char *names[] = {
		"a", "a.a", "b", "b.b", "c", "d.c", "a.c", "0.a.b.c", "z.a.b.c", "mail", "mail0",
		"mai", "ns1", "ns1.ns1", "ns", "ns3", "sub", "a.sub", "zz.deep.below.sub",
		"below.sub", "x.y.z", "wild", "*.wild", "x.wild", "a.*.wild", "-", "\\000",
		"\\001.c", "\\255", "www.www", "WWW", "xn--bcher-kva",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const uint8_t *nm = N(names[i]);
		int rc = sl_zone_lookup(v, nm, &lk);

		ck_assert_int_eq(rc, sl_zone_find(v, nm) ? SL_OK : SL_ENOTFOUND);
		ck_assert_msg(lk.previous == brute_prev(v, nm), "previous of %s", names[i]);
		ck_assert_msg(lk.encloser == brute_encloser(v, nm), "encloser of %s", names[i]);
	}
	sl_zone_put(z);
}
END_TEST

START_TEST(test_cut_and_dname)
{
	sl_zone_t *z = base();
	const sl_zone_version_t *v = sl_zone_current(z);
	const sl_node_t *sub = sl_zone_find(v, N("sub"));
	const sl_node_t *dn = sl_zone_find(v, N("dn"));
	sl_zone_lookup_t lk;

	ck_assert_uint_eq(sub->flags, SL_NODE_DELEG);
	ck_assert_int_eq(sl_zone_lookup(v, N("sub"), &lk), SL_OK);
	ck_assert_ptr_eq(lk.cut, sub);
	ck_assert_int_eq(sl_zone_lookup(v, N("ns.sub"), &lk), SL_OK);
	ck_assert_ptr_eq(lk.cut, sub);
	ck_assert_uint_eq(lk.node->flags, SL_NODE_NONAUTH);
	ck_assert_int_eq(sl_zone_lookup(v, N("nothere.sub"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.cut, sub);
	ck_assert_ptr_eq(lk.encloser, sub);
	ck_assert_int_eq(sl_zone_lookup(v, N("x.deep.below.sub"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.cut, sub);
	ck_assert_uint_eq(sl_zone_find(v, N("below.sub"))->flags, SL_NODE_ENT | SL_NODE_NONAUTH);
	/* A cut below a cut: the topmost one is reported. */
	ck_assert_uint_eq(sl_zone_find(v, N("inner.sub"))->flags,
			  SL_NODE_DELEG | SL_NODE_NONAUTH);
	ck_assert_int_eq(sl_zone_lookup(v, N("a.inner.sub"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.cut, sub);
	ck_assert_int_eq(sl_zone_lookup(v, N("www"), &lk), SL_OK);
	ck_assert_ptr_null(lk.cut);

	/* DNAME: strictly above only. */
	ck_assert_int_eq(sl_zone_lookup(v, N("dn"), &lk), SL_OK);
	ck_assert_ptr_null(lk.dname);
	ck_assert_int_eq(sl_zone_lookup(v, N("x.dn"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.dname, dn);
	ck_assert_int_eq(sl_zone_lookup(v, N("y.x.dn"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.dname, dn);
	ck_assert_int_eq(sl_zone_lookup(v, N("y.dn"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.dname, dn);
	ck_assert_ptr_eq(lk.encloser, dn);

	/* Wildcard flag. */
	ck_assert_uint_eq(sl_zone_find(v, N("wild"))->flags, SL_NODE_WILDCARD);
	ck_assert_uint_eq(sl_zone_find(v, N("*.wild"))->flags, 0);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_dname_at_apex)
{
	static const char *lines[] = {
		"@ 3600 SOA ns1.example.net. host 1 7200 3600 1209600 300",
		"@ 3600 NS ns1.example.net.",
		"@ 3600 DNAME example.org.",
		"a.b 3600 A 192.0.2.1",
	};
	sl_zone_t *z = mkzone();
	char err[512];
	sl_zone_lookup_t lk;

	/* An apex DNAME leaves no room for other names (RFC 6672 §2.4). */
	ck_assert_int_eq(load_lines(z, lines, ARRAY_SIZE(lines), err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "a.b.example.com.: data below the DNAME at example.com. is not "
			      "allowed (RFC 6672 section 2.4)");
	ck_assert_int_eq(load_lines(z, lines, ARRAY_SIZE(lines) - 1, err, sizeof(err)), SL_OK);
	const sl_zone_version_t *v = sl_zone_current(z);

	check_invariants(v);
	ck_assert_int_eq(sl_zone_lookup(v, N("x.a.b"), &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.dname, sl_zone_apex(v));
	ck_assert_int_eq(sl_zone_lookup(v, origin, &lk), SL_OK);
	ck_assert_ptr_null(lk.dname);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_root_zone)
{
	static const uint8_t root[] = { 0 };
	sl_zone_t *z = sl_zone_get(root);
	sl_zone_txn_t *txn;
	char err[512];
	sl_zone_lookup_t lk;
	uint8_t name[SL_NAME_MAXLEN];
	size_t len;
	static const char *lines[][2] = {
		{ ".", "a.root-servers.net. nstld.verisign-grs.com. 1 2 3 4 5" },
		{ "com.", "a.gtld-servers.net." },
		{ "a.root-servers.net.", "198.41.0.4" },
		{ "root-servers.net.", "a.root-servers.net." },
	};
	static const uint16_t types[] = { SL_TYPE_SOA, SL_TYPE_NS, SL_TYPE_A, SL_TYPE_NS };

	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		uint8_t rd[512];
		size_t rdlen;

		ck_assert_int_eq(sl_name_from_text(lines[i][0], strlen(lines[i][0]), NULL, name,
						   &len), SL_OK);
		const char *rt = lines[i][1];

		ck_assert_int_eq(sl_rdata_from_text(types[i], rt, strlen(rt), NULL, rd, sizeof(rd),
						    &rdlen, err, sizeof(err)),
				 SL_OK);
		ck_assert_int_eq(sl_zone_txn_add(txn, name, types[i], 60, rd, (uint16_t)rdlen,
						 NULL),
				 SL_OK);
	}
	/* The root NS: its target is below the cut root-servers.net., glue present. */
	ck_assert_int_eq(sl_zone_txn_add(txn, root, SL_TYPE_NS, 60,
					 (const uint8_t *)"\001a\014root-servers\003net", 20,
					 NULL),
			 SL_OK);
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
	const sl_zone_version_t *v = sl_zone_current(z);

	ck_assert_uint_eq(sl_zone_apex(v)->flags, SL_NODE_APEX);
	ck_assert_int_eq(sl_name_from_text("www.example.com.", 16, NULL, name, &len), SL_OK);
	ck_assert_int_eq(sl_zone_lookup(v, name, &lk), SL_ENOTFOUND);
	ck_assert_ptr_eq(lk.cut, sl_zone_find(v, (const uint8_t *)"\003com"));
	ck_assert_ptr_eq(lk.encloser, lk.cut);
	ck_assert_int_eq(sl_name_from_text("a.root-servers.net.", 19, NULL, name, &len), SL_OK);
	ck_assert_int_eq(sl_zone_lookup(v, name, &lk), SL_OK);
	ck_assert_uint_eq(lk.node->flags, SL_NODE_NONAUTH);
	ck_assert_int_eq(sl_name_from_text("net.", 4, NULL, name, &len), SL_OK);
	ck_assert_uint_eq(sl_zone_find(v, name)->flags, SL_NODE_ENT);
	sl_zone_put(z);
}
END_TEST

/* ---- canonical order ------------------------------------------------------ */

/* A random label: letters of both cases, digits, '-', '*', and odd octets. */
static size_t rand_label(unsigned *seed, uint8_t *out)
{
	static const char alpha[] = "abcXYZ09-_*";
	size_t len = 1 + (size_t)(rand_r(seed) % 4);

	out[0] = (uint8_t)len;
	for (size_t i = 1; i <= len; i++) {
		unsigned r = (unsigned)rand_r(seed) % 20;

		if (r == 0)
			out[i] = 0;
		else if (r == 1)
			out[i] = 1;
		else if (r == 2)
			out[i] = (uint8_t)(0x80 + rand_r(seed) % 128);
		else
			out[i] = (uint8_t)alpha[(unsigned)rand_r(seed) % (sizeof(alpha) - 1)];
	}
	return len + 1;
}

/* A random name of 1-3 labels below example.com. */
static void rand_name(unsigned *seed, uint8_t *out)
{
	size_t o = 0;
	unsigned labels = 1 + (unsigned)rand_r(seed) % 3;

	for (unsigned i = 0; i < labels; i++)
		o += rand_label(seed, out + o);
	memcpy(out + o, origin, sl_name_len(origin));
}

static const uint8_t a_rdata[4] = { 192, 0, 2, 1 };

/* SOA "ns1.example.net. h. 1 2 3 4 5" and NS "ns1.example.net." RDATA. */
static const uint8_t soa_rd[] = { 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
				  'n', 'e', 't', 0, 1, 'h', 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
				  0, 0, 0, 4, 0, 0, 0, 5 };
static const uint8_t ns_rd[] = { 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
				 'n', 'e', 't', 0 };

static void add_soa_ns(sl_zone_txn_t *txn)
{
	ck_assert_int_eq(sl_zone_txn_add(txn, origin, SL_TYPE_SOA, 3600, soa_rd, sizeof(soa_rd),
					 NULL),
			 SL_OK);
	ck_assert_int_eq(sl_zone_txn_add(txn, origin, SL_TYPE_NS, 3600, ns_rd, sizeof(ns_rd), NULL),
			 SL_OK);
}

static int cmp_names(const void *a, const void *b)
{
	return sl_name_compare(a, b);
}

START_TEST(test_canonical_order)
{
	enum { COUNT = 400 };
	static uint8_t names[COUNT][SL_NAME_MAXLEN];
	unsigned seed = 12345;
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[512];

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	for (unsigned i = 0; i < COUNT; i++) {
		rand_name(&seed, names[i]);
		ck_assert_int_eq(sl_zone_txn_add(txn, names[i], SL_TYPE_A, 60, a_rdata, 4, NULL),
				 SL_OK);
	}
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	const sl_zone_version_t *v = sl_zone_current(z);

	check_invariants(v);
	/* Data nodes in iteration order == the sorted, deduplicated input. */
	qsort(names, COUNT, SL_NAME_MAXLEN, cmp_names);
	sl_zone_iter_t it;
	const sl_node_t *n;
	unsigned i = 0;

	sl_zone_iter_init(&it, v);
	ck_assert_ptr_eq(sl_zone_iter_next(&it), sl_zone_apex(v));
	while ((n = sl_zone_iter_next(&it)) != NULL) {
		if (n->nrrsets == 0)
			continue;
		while (i > 0 && i < COUNT && sl_name_compare(names[i], names[i - 1]) == 0)
			i++;
		ck_assert_uint_lt(i, COUNT);
		ck_assert_msg(sl_name_equal(n->owner, names[i]), "%s vs %s", T(n->owner),
			      T(names[i]));
		i++;
	}
	while (i > 0 && i < COUNT && sl_name_compare(names[i], names[i - 1]) == 0)
		i++;
	ck_assert_uint_eq(i, COUNT);
	/* Lookups agree with brute force for names present and absent. */
	for (unsigned k = 0; k < 200; k++) {
		uint8_t q[SL_NAME_MAXLEN];
		sl_zone_lookup_t lk;

		rand_name(&seed, q);
		sl_zone_lookup(v, q, &lk);
		ck_assert_ptr_eq(lk.previous, brute_prev(v, q));
		ck_assert_ptr_eq(lk.encloser, brute_encloser(v, q));
	}
	sl_zone_put(z);
}
END_TEST

/* ---- incremental commits vs full builds ------------------------------------ */

/*
 * Random transactions on one zone, mirrored into a plain list; after each
 * commit the version must equal a full build of the list and satisfy every
 * invariant. Exercises ENT creation/removal, wildcard, cut and DNAME flags
 * appearing and disappearing above existing names, and tree splits/merges.
 */
typedef struct mrr {
	uint8_t owner[SL_NAME_MAXLEN];   /* below example.com. */
	uint16_t type;
	uint8_t rd[SL_NAME_MAXLEN];
	uint16_t rdlen;
} mrr_t;

static void random_rr(unsigned *seed, mrr_t *r, bool in_zone_ns)
{
	static const char *const labels[] = { "a", "b", "c", "*", "d", "e" };
	size_t o = 0;
	unsigned depth = 1 + (unsigned)rand_r(seed) % 4;

	for (unsigned i = 0; i < depth; i++) {
		const char *l = labels[(unsigned)rand_r(seed) % ARRAY_SIZE(labels)];

		r->owner[o++] = (uint8_t)strlen(l);
		memcpy(r->owner + o, l, strlen(l));
		o += strlen(l);
	}
	memcpy(r->owner + o, origin, sl_name_len(origin));
	unsigned k = (unsigned)rand_r(seed) % 10;

	if (k < 6) {
		r->type = SL_TYPE_A;
		r->rdlen = 4;
		r->rd[0] = 10;
		r->rd[1] = 0;
		r->rd[2] = 0;
		r->rd[3] = (uint8_t)(rand_r(seed) % 4);
	} else if (k < 8) {
		static const uint8_t ns[] = { 2, 'n', 's', 5, 'o', 't', 'h', 'e', 'r', 0 };

		r->type = SL_TYPE_NS;
		if (!in_zone_ns || rand_r(seed) % 2) {
			/* Out-of-zone target: no glue needed. */
			r->rdlen = sizeof(ns);
			memcpy(r->rd, ns, sizeof(ns));
			r->rd[2] = (uint8_t)('0' + rand_r(seed) % 2);
		} else {
			/* In-zone target, glue there or not. */
			size_t t = 0;
			unsigned td = 1 + (unsigned)rand_r(seed) % 3;

			for (unsigned i = 0; i < td; i++) {
				const char *l = labels[(unsigned)rand_r(seed) % ARRAY_SIZE(labels)];

				r->rd[t++] = (uint8_t)strlen(l);
				memcpy(r->rd + t, l, strlen(l));
				t += strlen(l);
			}
			memcpy(r->rd + t, origin, sl_name_len(origin));
			r->rdlen = (uint16_t)(t + sl_name_len(origin));
		}
	} else if (k < 9) {
		static const uint8_t t[] = { 3, 'o', 'r', 'g', 0 };

		r->type = SL_TYPE_DNAME;
		r->rdlen = sizeof(t);
		memcpy(r->rd, t, sizeof(t));
	} else {
		r->type = SL_TYPE_TXT;
		r->rdlen = 2;
		r->rd[0] = 1;
		r->rd[1] = (uint8_t)('a' + rand_r(seed) % 3);
	}
}

static bool mrr_eq(const mrr_t *a, const mrr_t *b)
{
	return sl_name_equal(a->owner, b->owner) && a->type == b->type && a->rdlen == b->rdlen &&
	       memcmp(a->rd, b->rd, a->rdlen) == 0;
}

/* Error texts with the same lines (any order) once "ref.test." reads "example.com.". */
static bool same_errors(const char *a, const char *b)
{
	char na[2048], nb[2048], *la[64], *lb[64];
	size_t o = 0, ca = 0, cb = 0;

	for (const char *p = b; *p && o + 16 < sizeof(nb);) {
		if (strncmp(p, "ref.test.", 9) == 0) {
			memcpy(nb + o, "example.com.", 12);
			o += 12;
			p += 9;
		} else {
			nb[o++] = *p++;
		}
	}
	nb[o] = '\0';
	snprintf(na, sizeof(na), "%s", a);
	for (char *t = strtok(na, "\n"); t && ca < 64; t = strtok(NULL, "\n"))
		la[ca++] = t;
	for (char *t = strtok(nb, "\n"); t && cb < 64; t = strtok(NULL, "\n"))
		lb[cb++] = t;
	if (ca != cb)
		return false;
	for (size_t i = 0; i < ca; i++) {
		bool found = false;

		for (size_t j = 0; j < cb && !found; j++)
			found = lb[j] && strcmp(la[i], lb[j]) == 0 && (lb[j] = NULL, true);
		if (!found)
			return false;
	}
	return true;
}

START_TEST(test_incremental_random)
{
	enum { MAXRR = 600, ROUNDS = 60 };
	static mrr_t model[MAXRR];
	size_t nmodel = 0;
	unsigned seed = (unsigned)_i * 7919 + 1;
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[2048];

	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	add_soa_ns(txn);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);

	static mrr_t saved[MAXRR];
	unsigned failures = 0;

	for (unsigned round = 0; round < ROUNDS; round++) {
		size_t nsaved = nmodel;

		memcpy(saved, model, nmodel * sizeof(model[0]));
		ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
		unsigned ops = 1 + (unsigned)rand_r(&seed) % (round % 7 == 0 ? 60 : 6);

		for (unsigned k = 0; k < ops; k++) {
			if (nmodel > 0 && (rand_r(&seed) % 3 == 0 || nmodel >= MAXRR - 1)) {
				size_t victim = (size_t)rand_r(&seed) % nmodel;

				ck_assert_int_eq(sl_zone_txn_remove(txn, model[victim].owner,
								    model[victim].type,
								    model[victim].rd,
								    model[victim].rdlen),
						 SL_OK);
				model[victim] = model[--nmodel];
				continue;
			}
			mrr_t r;
			bool skip = false;

			random_rr(&seed, &r, _i >= 2);
			/* Keep the zone valid: one DNAME per name (no CNAMEs here). */
			for (size_t m = 0; m < nmodel; m++) {
				if (mrr_eq(&model[m], &r) ||
				    (r.type == SL_TYPE_DNAME && model[m].type == SL_TYPE_DNAME &&
				     sl_name_equal(model[m].owner, r.owner)))
					skip = true;
			}
			if (skip)
				continue;
			ck_assert_int_eq(sl_zone_txn_add(txn, r.owner, r.type, 300, r.rd, r.rdlen,
							 NULL),
					 SL_OK);
			model[nmodel++] = r;
		}
		const sl_zone_version_t *before = sl_zone_current(z);
		int rc = sl_zone_txn_commit(txn, NULL, err, sizeof(err));
		const sl_zone_version_t *v = sl_zone_current(z);

		ck_assert(rc == SL_OK || rc == SL_ECONFIG);
		check_invariants(v);
		/* A full build of the model under another apex must agree. */
		static const uint8_t ref[] = { 3, 'r', 'e', 'f', 4, 't', 'e', 's', 't', 0 };
		sl_zone_t *z2 = sl_zone_get(ref);
		char err2[2048];

		ck_assert_int_eq(sl_zone_txn_begin(z2, SL_TXN_EMPTY, &txn), SL_OK);
		ck_assert_int_eq(sl_zone_txn_add(txn, ref, SL_TYPE_SOA, 3600, soa_rd,
						 sizeof(soa_rd), NULL),
				 SL_OK);
		ck_assert_int_eq(sl_zone_txn_add(txn, ref, SL_TYPE_NS, 3600, ns_rd, sizeof(ns_rd),
						 NULL),
				 SL_OK);
		for (size_t m = 0; m < nmodel; m++) {
			uint8_t o2[SL_NAME_MAXLEN], rd2[SL_NAME_MAXLEN];
			size_t rl = sl_name_len(model[m].owner) - sl_name_len(origin);
			const uint8_t *rd = model[m].rd;
			uint16_t rdlen = model[m].rdlen;

			memcpy(o2, model[m].owner, rl);
			memcpy(o2 + rl, ref, sizeof(ref));
			if (model[m].type == SL_TYPE_NS && sl_name_is_subdomain(rd, origin)) {
				size_t tl = sl_name_len(rd) - sl_name_len(origin);

				memcpy(rd2, rd, tl);
				memcpy(rd2 + tl, ref, sizeof(ref));
				rd = rd2;
				rdlen = (uint16_t)(tl + sizeof(ref));
			}
			int arc = sl_zone_txn_add(txn, o2, model[m].type, 300, rd, rdlen, NULL);

			ck_assert_int_eq(arc, SL_OK);
		}
		int rc2 = sl_zone_txn_commit(txn, NULL, err2, sizeof(err2));

		ck_assert_msg(rc == rc2, "round %u: incremental %d (%s), full %d (%s)", round, rc,
			      err, rc2, err2);
		if (rc != SL_OK) {
			/* The same errors, apex names aside. */
			ck_assert_msg(same_errors(err, err2), "round %u:\n%s\nvs\n%s", round, err,
				      err2);
			ck_assert_ptr_eq(sl_zone_current(z), before);
			failures++;
			memcpy(model, saved, nsaved * sizeof(model[0]));
			nmodel = nsaved;
			sl_zone_put(z2);
			continue;
		}
		assert_same(v, sl_zone_current(z2));
		sl_zone_put(z2);
	}
	if (_i >= 2)
		ck_assert_uint_gt(failures, 0);
	sl_zone_put(z);
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 0);
}
END_TEST

/* ---- the persistent tree directly ------------------------------------------ */

enum { POOL = 3000, SNAPS = 12 };

struct pool_key {
	uint8_t key[SL_ZKEY_MAX];
	size_t len;
	uint8_t owner[SL_NAME_MAXLEN];
};

static int pool_cmp(const void *a, const void *b)
{
	const struct pool_key *x = a, *y = b;

	return sl_zkey_cmp(x->key, x->len, y->key, y->len);
}

/* Iteration, exact and predecessor lookups of @p root agree with @p present. */
static void check_tree(const sl_bt_t *root, const struct pool_key *pool, const bool *present)
{
	const void *st[2 * SL_BT_MAXH];
	unsigned depth;
	sl_zn_t *z, *ex, *pr;
	int last = -1;

	sl_bt_iter_seek(st, &depth, root, NULL, 0);
	for (int i = 0; i < POOL; i++) {
		if (!present[i]) {
			ck_assert_ptr_null(sl_bt_find(root, pool[i].key, pool[i].len));
		} else {
			z = sl_bt_iter_next(st, &depth);
			ck_assert_ptr_nonnull(z);
			ck_assert(z->keylen == pool[i].len &&
				  !memcmp(z->key, pool[i].key, z->keylen));
			ck_assert_ptr_eq(sl_bt_find(root, pool[i].key, pool[i].len), z);
		}
		sl_bt_search(root, pool[i].key, pool[i].len, &ex, &pr, NULL);
		ck_assert_int_eq(ex != NULL, present[i]);
		if (present[i])
			last = i;
		if (last < 0) {
			ck_assert_ptr_null(pr);
		} else {
			ck_assert_ptr_nonnull(pr);
			ck_assert(pr->keylen == pool[last].len &&
				  !memcmp(pr->key, pool[last].key, pr->keylen));
		}
		/* Seek lands on the first present key >= this one. */
		const void *st2[2 * SL_BT_MAXH];
		unsigned d2;
		int nx = i;

		while (nx < POOL && !present[nx])
			nx++;
		sl_bt_iter_seek(st2, &d2, root, pool[i].key, pool[i].len);
		z = sl_bt_iter_next(st2, &d2);
		if (nx == POOL)
			ck_assert_ptr_null(z);
		else
			ck_assert(z && z->keylen == pool[nx].len &&
				  !memcmp(z->key, pool[nx].key, z->keylen));
	}
	ck_assert_ptr_null(sl_bt_iter_next(st, &depth));
}

START_TEST(test_tree_persistent)
{
	static struct pool_key pool[POOL];
	static bool present[POOL], snap_present[SNAPS][POOL];
	sl_bt_t *snap[SNAPS] = { 0 };
	sl_bt_t *root = NULL;
	unsigned seed = 99;

	/* Keys with a long shared part (deep common suffix) and short ones. */
	for (int i = 0; i < POOL; i++) {
		uint8_t name[SL_NAME_MAXLEN];
		size_t o = 0;

		o += rand_label(&seed, name + o);
		if (i % 3) {
			o += rand_label(&seed, name + o);
			static const uint8_t tail[] = "\036longlonglonglonglonglonglongxy";

			memcpy(name + o, tail, sizeof(tail) - 1);
			o += sizeof(tail) - 1;
		}
		name[o++] = 0;
		memcpy(pool[i].owner, name, o);
		pool[i].len = sl_zkey_make(name, 0, pool[i].key);
	}
	qsort(pool, POOL, sizeof(pool[0]), pool_cmp);
	/* Duplicates: replace each by a unique key sorting just after its twin. */
	for (int i = 1; i < POOL; i++) {
		if (pool_cmp(&pool[i], &pool[i - 1]) <= 0) {
			pool[i] = pool[i - 1];
			pool[i].owner[0]++;   /* not used for ordering; keep it a valid name */
			pool[i].owner[0]--;
			pool[i].key[pool[i].len++] = 'z';
			pool[i].key[pool[i].len++] = 0;
		}
	}
	for (int round = 0; round < 60; round++) {
		uint64_t gen = 1000 + (uint64_t)round;
		int ops = round < 5 ? 600 : 150;

		for (int k = 0; k < ops; k++) {
			int i = rand_r(&seed) % POOL;

			if (present[i] && rand_r(&seed) % 2) {
				int drc = sl_bt_del(&root, gen, pool[i].key, pool[i].len);

				ck_assert_int_eq(drc, SL_OK);
				present[i] = false;
			} else {
				sl_zn_t *z = sl_zn_alloc(pool[i].key, pool[i].len, pool[i].owner,
							 sl_name_len(pool[i].owner), 0, 0);

				ck_assert_ptr_nonnull(z);
				ck_assert_int_eq(sl_bt_put(&root, gen, z), SL_OK);
				sl_zn_unref(z);
				present[i] = true;
			}
			ck_assert_int_eq(sl_bt_del(&root, gen, (const uint8_t *)"\xff", 1),
					 SL_ENOTFOUND);
		}
		/* Emptying now and then exercises merges down to an empty tree. */
		if (round == 30) {
			for (int i = 0; i < POOL; i++) {
				if (present[i]) {
					ck_assert_int_eq(sl_bt_del(&root, gen, pool[i].key,
								   pool[i].len), SL_OK);
					present[i] = false;
				}
			}
			ck_assert_ptr_null(root);
		}
		check_tree(root, pool, present);
		int si = round % SNAPS;

		if (snap[si])
			check_tree(snap[si], pool, snap_present[si]);
		sl_bt_unref(snap[si]);
		sl_bt_ref(root);
		snap[si] = root;
		memcpy(snap_present[si], present, sizeof(present));
	}
	for (int si = 0; si < SNAPS; si++) {
		check_tree(snap[si], pool, snap_present[si]);
		sl_bt_unref(snap[si]);
	}
	/* A bulk build of the same keys answers identically. */
	sl_zn_t **zns = malloc(POOL * sizeof(*zns));
	size_t n = 0;

	for (int i = 0; i < POOL; i++) {
		if (present[i])
			zns[n++] = sl_zn_alloc(pool[i].key, pool[i].len, pool[i].owner,
					       sl_name_len(pool[i].owner), 0, 0);
	}
	sl_bt_t *built;

	ck_assert_int_eq(sl_bt_build(zns, n, 5000, &built), SL_OK);
	check_tree(built, pool, present);
	sl_bt_unref(built);
	free(zns);
	sl_bt_unref(root);
}
END_TEST

/* ---- transactions ---------------------------------------------------------- */

START_TEST(test_txn_isolation)
{
	sl_zone_t *z = base();
	const sl_zone_version_t *v1 = sl_zone_current(z);
	sl_zone_txn_t *txn;
	char err[1024];
	const sl_rrset_t *rs;

	sl_zone_version_ref(v1);
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "new.x 60 A 192.0.2.99", "upd:1"), SL_OK);
	ck_assert_int_eq(rem_rr(txn, "www 3600 A 192.0.2.10"), SL_OK);
	ck_assert_int_eq(rem_rr(txn, "www 3600 A 192.0.2.10"), SL_ENOTFOUND);
	ck_assert_int_eq(rem_rr(txn, "nope 3600 A 192.0.2.10"), SL_ENOTFOUND);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("mail"), SL_TYPE_ANY), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("mail"), SL_TYPE_ANY), SL_ENOTFOUND);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("wild"), SL_TYPE_A), SL_ENOTFOUND);
	/* The txn sees its own changes; readers do not. */
	ck_assert_ptr_null(sl_zone_txn_rrset(txn, N("www"), SL_TYPE_A));
	rs = sl_zone_txn_rrset(txn, N("www"), SL_TYPE_AAAA);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->count, 1);
	rs = sl_zone_txn_rrset(txn, N("new.x"), SL_TYPE_A);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->ttl, 60);
	ck_assert_ptr_eq(sl_zone_current(z), v1);
	ck_assert_ptr_nonnull(sl_node_rrset(sl_zone_find(v1, N("www")), SL_TYPE_A));
	ck_assert_ptr_null(sl_zone_find(v1, N("new.x")));
	ck_assert_int_eq(add_rr(txn, "x.y.example.net. 60 A 192.0.2.99", NULL), SL_EINVAL);

	/* Abort: nothing changes. */
	sl_zone_txn_abort(txn);
	ck_assert_ptr_eq(sl_zone_current(z), v1);
	check_invariants(v1);

	/* A transaction that changes nothing publishes nothing. */
	sl_zone_txn_t *noop;
	char nerr[64];

	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &noop), SL_OK);
	ck_assert_int_eq(rem_rr(noop, "www 3600 A 192.0.2.99"), SL_ENOTFOUND);
	ck_assert_int_eq(sl_zone_txn_commit(noop, NULL, nerr, sizeof(nerr)), SL_OK);
	ck_assert_ptr_eq(sl_zone_current(z), v1);


	/* Commit: a new version; the old one is still whole. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "new.x 60 A 192.0.2.99", "upd:1"), SL_OK);
	ck_assert_int_eq(rem_rr(txn, "www 3600 A 192.0.2.10"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("mail"), SL_TYPE_ANY), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("a.b.c"), SL_TYPE_A), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	const sl_zone_version_t *v2 = sl_zone_current(z);

	ck_assert_ptr_ne(v1, v2);
	check_invariants(v1);
	check_invariants(v2);
	ck_assert_ptr_nonnull(sl_zone_find(v2, N("x")));
	ck_assert(sl_zone_find(v2, N("x"))->flags & SL_NODE_ENT);
	ck_assert_ptr_null(sl_zone_find(v2, N("mail")));
	ck_assert_ptr_null(sl_zone_find(v2, N("c")));   /* ENTs went with a.b.c */
	ck_assert_ptr_null(sl_zone_find(v2, N("b.c")));
	ck_assert_ptr_nonnull(sl_zone_find(v1, N("b.c")));
	ck_assert_uint_eq(sl_zone_rr_count(v2), sl_zone_rr_count(v1) + 1 - 3);
	ck_assert_ptr_null(sl_node_rrset(sl_zone_find(v2, N("www")), SL_TYPE_A));
	ck_assert_ptr_nonnull(sl_node_rrset(sl_zone_find(v1, N("www")), SL_TYPE_A));

	/* The referenced old version survives reclamation until unreferenced. */
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 2);
	check_invariants(v1);
	sl_zone_version_unref(v1);
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 1);
	sl_zone_put(z);
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 0);
}
END_TEST

START_TEST(test_failed_commit_changes_nothing)
{
	sl_zone_t *z = base();
	const sl_zone_version_t *v1 = sl_zone_current(z);
	sl_zone_txn_t *txn;
	char err[1024];

	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "new 60 A 192.0.2.99", "upd:1"), SL_OK);
	ck_assert_int_eq(add_rr(txn, "www 60 CNAME new", "upd:2"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "upd:2: www.example.com. CNAME: other data exists at this name "
			      "(A, AAAA)");
	ck_assert_ptr_eq(sl_zone_current(z), v1);
	ck_assert_ptr_null(sl_zone_find(v1, N("new")));
	check_invariants(v1);

	/* Failing a full load keeps the previous version too. */
	static const char *bad[] = { "www 60 A 192.0.2.1" };

	ck_assert_int_eq(load_lines(z, bad, 1, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "example.com.: no SOA record at the zone apex");
	ck_assert_ptr_eq(sl_zone_current(z), v1);
	sl_zone_put(z);
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 0);
}
END_TEST

START_TEST(test_empty_zone_and_no_version)
{
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[256];

	ck_assert_ptr_null(sl_zone_current(z));
	/* A normal transaction on a zone with no version starts from nothing. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "example.com.: no SOA record at the zone apex");
	ck_assert_ptr_null(sl_zone_current(z));
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	add_soa_ns(txn);
	ck_assert_int_eq(add_rr(txn, "a.b 60 A 192.0.2.1", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	check_invariants(sl_zone_current(z));
	ck_assert_uint_eq(sl_zone_rr_count(sl_zone_current(z)), 3);
	/* Registry: same zone for the same apex in any case. */
	sl_zone_t *again = sl_zone_get(N("EXAMPLE.com."));

	ck_assert_ptr_eq(again, z);
	ck_assert(sl_name_equal(sl_zone_name(z), origin));
	sl_zone_put(again);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_bulk_then_read_and_remove)
{
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[256];

	/* An EMPTY txn that reads and removes leaves the log mode correctly. */
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	ck_assert_int_eq(add_rr(txn, "a 60 A 192.0.2.1", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, "a 60 A 192.0.2.2", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, "a 60 A 192.0.2.1", NULL), SL_OK);
	const sl_rrset_t *rs = sl_zone_txn_rrset(txn, N("A"), SL_TYPE_A);

	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->count, 2);
	ck_assert_int_eq(rem_rr(txn, "a 60 A 192.0.2.1"), SL_OK);
	ck_assert_int_eq(add_rr(txn, "b 60 A 192.0.2.3", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	const sl_zone_version_t *v = sl_zone_current(z);

	check_invariants(v);
	ck_assert_uint_eq(sl_zone_rr_count(v), 4);
	ck_assert_uint_eq(sl_node_rrset(sl_zone_find(v, N("a")), SL_TYPE_A)->count, 1);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_ttl_and_duplicates)
{
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[256];

	for (int bulk = 0; bulk < 2; bulk++) {
		ck_assert_int_eq(sl_zone_txn_begin(z, bulk ? SL_TXN_EMPTY : 0, &txn), SL_OK);
		if (bulk || !sl_zone_current(z))
			add_soa_ns(txn);
		ck_assert_int_eq(add_rr(txn, "t 300 A 192.0.2.2", "f:1"), SL_OK);
		ck_assert_int_eq(add_rr(txn, "t 600 A 192.0.2.1", "f:2"), SL_OK);
		ck_assert_int_eq(add_rr(txn, "t 900 A 192.0.2.3", "f:3"), SL_OK);
		ck_assert_int_eq(add_rr(txn, "t 900 A 192.0.2.3", "f:4"), SL_OK);
		ck_assert_int_eq(add_rr(txn, "T 900 TXT \"x\"", "f:5"), SL_OK);
		/* Embedded names compare case-insensitively: one RR. */
		ck_assert_int_eq(add_rr(txn, "m 60 MX 10 Mail.Example.NET.", NULL), SL_OK);
		ck_assert_int_eq(add_rr(txn, "m 60 MX 10 mail.example.net.", NULL), SL_OK);
		ck_assert_int_eq(add_rr(txn, "m 60 MX 5 mail.example.net.", NULL), SL_OK);
		ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
		const sl_zone_version_t *v = sl_zone_current(z);
		const sl_rrset_t *rs = sl_node_rrset(sl_zone_find(v, N("t")), SL_TYPE_A);
		const uint8_t *rd = NULL;
		uint16_t len;
		uint8_t last = 0;

		ck_assert_uint_eq(rs->ttl, 300);
		ck_assert_uint_eq(rs->count, 3);
		/* Canonical order. */
		while ((rd = sl_rrset_next(rs, rd, &len)) != NULL) {
			ck_assert_uint_gt(rd[3], last);
			last = rd[3];
		}
		ck_assert_uint_eq(sl_node_rrset(sl_zone_find(v, N("t")), SL_TYPE_TXT)->ttl, 900);
		rs = sl_node_rrset(sl_zone_find(v, N("m")), SL_TYPE_MX);
		ck_assert_uint_eq(rs->count, 2);
		rd = sl_rrset_next(rs, NULL, &len);
		ck_assert_uint_eq(rd[1], 5);
		/* The first-added case is kept. */
		rd = sl_rrset_next(rs, rd, &len);
		ck_assert_uint_eq(rd[3], 'M');
		check_invariants(v);
	}
	sl_zone_put(z);
}
END_TEST

/*
 * RRSIGs are stored per covered type, each RRset with its own TTL (RFC 4034
 * §3), after a full load and after incremental changes alike, and without
 * the TTL warning other types get.
 */
#define SIG(cov, ttl, tag) \
	"s " #ttl " RRSIG " cov " 13 3 " #ttl " 20270101000000 20260101000000 " #tag \
	" example.com. AAAA"

static void check_sigs(const sl_zone_version_t *v, bool with_txt)
{
	const sl_node_t *n = sl_zone_find(v, N("s"));
	const sl_rrset_t *first, *a, *nsec, *txt;

	ck_assert_ptr_nonnull(n);
	first = sl_node_rrset(n, SL_TYPE_RRSIG);
	a = sl_node_rrsig(n, SL_TYPE_A);
	nsec = sl_node_rrsig(n, SL_TYPE_NSEC);
	txt = sl_node_rrsig(n, SL_TYPE_TXT);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(nsec);
	ck_assert_ptr_eq(first, a);
	ck_assert_uint_eq(a->type, SL_TYPE_RRSIG);
	ck_assert_uint_eq(a->count, 2);
	ck_assert_uint_eq(a->ttl, 3600);
	ck_assert_uint_eq(nsec->count, 1);
	ck_assert_uint_eq(nsec->ttl, 300);
	ck_assert_ptr_null(sl_node_rrsig(n, SL_TYPE_AAAA));
	if (with_txt) {
		ck_assert_ptr_nonnull(txt);
		ck_assert_uint_eq(txt->ttl, 60);
		ck_assert_uint_eq(n->nrrsets, 6); /* A TXT RRSIG(A) RRSIG(TXT) RRSIG(NSEC) NSEC */
	} else {
		ck_assert_ptr_null(txt);
		ck_assert_uint_eq(n->nrrsets, 4);
	}
	check_invariants(v);
}

START_TEST(test_rrsig_per_type)
{
	static const char *lines[] = {
		SIG("NSEC", 300, 1), SIG("A", 3600, 1), "s 3600 A 192.0.2.1", SIG("A", 3600, 2),
		"s 300 NSEC t.example.com. A RRSIG NSEC",
	};
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[512];

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		ck_assert_int_eq(add_rr(txn, lines[i], "f:1"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	check_sigs(sl_zone_current(z), false);

	/* Incremental: a new signed RRset; the others keep their TTLs. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "s 60 TXT \"t\"", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, SIG("TXT", 60, 3), NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	check_sigs(sl_zone_current(z), true);

	/* Removing the TXT and its signature gives the first state back. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(rem_rr(txn, "s 60 TXT \"t\""), SL_OK);
	ck_assert_int_eq(rem_rr(txn, SIG("TXT", 60, 3)), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	check_sigs(sl_zone_current(z), false);

	/* A bulk load that reads (log -> overlay) keeps them apart too. */
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		ck_assert_int_eq(add_rr(txn, lines[i], NULL), SL_OK);
	ck_assert_ptr_nonnull(sl_zone_txn_rrset(txn, N("s"), SL_TYPE_RRSIG));
	ck_assert_int_eq(add_rr(txn, "s 60 TXT \"t\"", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, SIG("TXT", 60, 3), NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	check_sigs(sl_zone_current(z), true);
	sl_zone_put(z);
}
END_TEST

/* ---- denial lookups (NSEC walk, NSEC3 index) ------------------------------- */

/* Brute force: the greatest authoritative node <= name with an NSEC. */
static const sl_node_t *brute_nsec_prev(const sl_zone_version_t *v, const uint8_t *name)
{
	sl_zone_iter_t it;
	const sl_node_t *n, *best = NULL;

	sl_zone_iter_init(&it, v);
	while ((n = sl_zone_iter_next(&it)) != NULL && sl_name_compare(n->owner, name) <= 0) {
		if (!(n->flags & SL_NODE_NONAUTH) && sl_node_rrset(n, SL_TYPE_NSEC))
			best = n;
	}
	return best;
}

/* Brute force for sl_zone_nsec3_find(): match, or the greatest NSEC3 owner below (wrapping). */
static int brute_nsec3(const sl_zone_version_t *v, const uint8_t *owner, const sl_node_t **m,
		       const sl_node_t **c)
{
	sl_zone_iter_t it;
	const sl_node_t *n, *last = NULL, *below = NULL;
	unsigned apex_labels = sl_name_labels(origin);

	*m = *c = NULL;
	sl_zone_iter_init(&it, v);
	while ((n = sl_zone_iter_next(&it)) != NULL) {
		if (sl_name_labels(n->owner) != apex_labels + 1 || !sl_node_rrset(n, SL_TYPE_NSEC3))
			continue;
		last = n;
		int cmp = sl_name_compare(n->owner, owner);

		if (cmp == 0)
			*m = n;
		else if (cmp < 0)
			below = n;
	}
	if (!last)
		return SL_EINVAL;
	if (*m)
		return SL_OK;
	*c = below ? below : last;
	return SL_ENOTFOUND;
}

static void hash_label(unsigned *seed, uint8_t *out)
{
	static const char b32[] = "0123456789abcdefghijklmnopqrstuv";

	out[0] = 32;
	for (int i = 1; i <= 32; i++)
		out[i] = (uint8_t)b32[(unsigned)rand_r(seed) % 32];
	memcpy(out + 33, origin, sl_name_len(origin));
}

static void check_denial(const sl_zone_version_t *v, unsigned seed,
			 const uint8_t (*h)[SL_NAME_MAXLEN], size_t nh)
{
	uint8_t name[SL_NAME_MAXLEN];

	for (int q = 0; q < 400; q++) {
		const sl_node_t *want, *got;

		rand_name(&seed, name);
		want = brute_nsec_prev(v, name);
		got = sl_zone_nsec_previous(v, name);
		ck_assert_msg(got == want, "nsec_previous(%s): %s, want %s", T(name),
			      got ? T(got->owner) : "NULL", want ? T(want->owner) : "NULL");
	}
	for (int q = 0; q < 400; q++) {
		const sl_node_t *m1, *c1, *m2, *c2;

		if (q % 4 == 0 && nh)
			memcpy(name, h[(unsigned)rand_r(&seed) % nh], SL_NAME_MAXLEN);
		else
			hash_label(&seed, name);
		int r1 = sl_zone_nsec3_find(v, name, &m1, &c1);
		int r2 = brute_nsec3(v, name, &m2, &c2);

		ck_assert_int_eq(r1, r2);
		ck_assert_ptr_eq(m1, m2);
		ck_assert_ptr_eq(c1, c2);
	}
}

START_TEST(test_denial_lookups)
{
	static const uint8_t nsec_rd[] = { 1, 'x', 0, 0, 1, 0x40 };   /* "x." A */
	static const uint8_t nsec3_rd[] = { 1, 0, 0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					    11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	static uint8_t hashes[120][SL_NAME_MAXLEN];
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	uint8_t name[SL_NAME_MAXLEN];
	unsigned seed = 7;
	char err[4096];

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	ck_assert_int_eq(sl_zone_txn_add(txn, origin, SL_TYPE_NSEC, 300, nsec_rd, sizeof(nsec_rd),
					 NULL), SL_OK);
	for (int i = 0; i < 300; i++) {
		rand_name(&seed, name);
		unsigned r = (unsigned)rand_r(&seed) % 10;

		if (r == 0 && sl_name_labels(name) == sl_name_labels(origin) + 1) {
			/* A cut with glue below it, signed only on its NSEC. */
			uint8_t glue[SL_NAME_MAXLEN] = { 2, 'n', 's' };

			memcpy(glue + 3, name, sl_name_len(name));
			ck_assert_int_eq(sl_zone_txn_add(txn, name, SL_TYPE_NS, 3600, glue,
							 (uint16_t)sl_name_len(glue), NULL), SL_OK);
			ck_assert_int_eq(sl_zone_txn_add(txn, glue, SL_TYPE_A, 3600, a_rdata, 4,
							 NULL), SL_OK);
		} else {
			ck_assert_int_eq(sl_zone_txn_add(txn, name, SL_TYPE_A, 3600, a_rdata, 4,
							 NULL), SL_OK);
		}
		/* Most names get an NSEC, some not (an unsigned cut, a sparse chain). */
		if (r != 1)
			ck_assert_int_eq(sl_zone_txn_add(txn, name, SL_TYPE_NSEC, 300, nsec_rd,
							 sizeof(nsec_rd), NULL), SL_OK);
	}
	for (size_t i = 0; i < ARRAY_SIZE(hashes); i++) {
		hash_label(&seed, hashes[i]);
		if (i < 80)
			ck_assert_int_eq(sl_zone_txn_add(txn, hashes[i], SL_TYPE_NSEC3, 300, nsec3_rd,
							 sizeof(nsec3_rd), NULL), SL_OK);
	}
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
	ck_assert(sl_zone_has_nsec3(sl_zone_current(z)));
	check_denial(sl_zone_current(z), 11, hashes, 80);

	/* Incremental: 20 NSEC3 go, 40 come, one name loses its NSEC3 but keeps data. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, hashes[i], SL_TYPE_NSEC3), SL_OK);
	for (int i = 80; i < 120; i++)
		ck_assert_int_eq(sl_zone_txn_add(txn, hashes[i], SL_TYPE_NSEC3, 300, nsec3_rd,
						 sizeof(nsec3_rd), NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_add(txn, hashes[20], SL_TYPE_A, 300, a_rdata, 4, NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, hashes[20], SL_TYPE_NSEC3), SL_OK);
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
	check_denial(sl_zone_current(z), 12, hashes + 20, 100);
	check_invariants(sl_zone_current(z));

	/* Every NSEC3 gone: no chain. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	for (int i = 21; i < 120; i++)
		ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, hashes[i], SL_TYPE_NSEC3), SL_OK);
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
	ck_assert(!sl_zone_has_nsec3(sl_zone_current(z)));
	check_denial(sl_zone_current(z), 13, NULL, 0);
	sl_zone_put(z);
}
END_TEST

/* ---- semantic checks ------------------------------------------------------ */

struct check_case {
	const char *what;
	const char *lines[8];
	const char *expect;   /* substring of the error text */
};

#define SOA "@ 3600 SOA ns1 host 1 7200 3600 1209600 300"
#define NS "@ 3600 NS ns1.example.net."

static const struct check_case check_cases[] = {
	{ "NSEC3 iterations over 100 (RFC 9276)",
	  { SOA, NS, "@ 0 NSEC3PARAM 1 0 101 aabbccdd" },
	  "NSEC3PARAM: NSEC3 iterations 101 exceed the limit of 100" },
	{ "NSEC3 record iterations over 100",
	  { SOA, NS,
	    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom 300 NSEC3 1 1 500 - "
	    "2t7b4g4vsa5smi47k61mv5bv1a22bojr A" },
	  "NSEC3 iterations 500 exceed the limit of 100" },
	{ "no SOA", { NS }, "example.com.: no SOA record at the zone apex" },
	{ "two SOAs", { SOA, "@ 3600 SOA ns1 host 2 7200 3600 1209600 300", NS },
	  "zone.db:1: example.com. SOA: 2 SOA records, exactly one is allowed" },
	{ "SOA not at apex", { SOA, NS, "x 3600 SOA ns1 host 1 7200 3600 1209600 300" },
	  "zone.db:3: x.example.com. SOA: SOA record not at the zone apex" },
	{ "no apex NS", { SOA, "www 60 A 192.0.2.1" },
	  "example.com.: no NS records at the zone apex" },
	{ "CNAME and A", { SOA, NS, "www 60 A 192.0.2.1", "www 60 CNAME other" },
	  "zone.db:4: www.example.com. CNAME: other data exists at this name (A)" },
	{ "CNAME and RRSIG", { SOA, NS, "www 60 CNAME other",
			       "www 60 RRSIG CNAME 8 3 60 20300101000000 20200101000000 1 "
			       "example.com. AAAA" },
	  NULL },
	{ "two CNAMEs", { SOA, NS, "www 60 CNAME a", "www 60 CNAME b" },
	  "zone.db:3: www.example.com. CNAME: 2 CNAME records, at most one is allowed" },
	{ "DNAME and CNAME", { SOA, NS, "www 60 CNAME a", "www 60 DNAME b" },
	  "zone.db:4: www.example.com. DNAME: a CNAME exists at this name" },
	{ "two DNAMEs", { SOA, NS, "www 60 DNAME a", "www 60 DNAME b" },
	  "www.example.com. DNAME: 2 DNAME records, at most one is allowed" },
	{ "data below a DNAME", { SOA, NS, "www 60 DNAME a", "x.www 60 A 192.0.2.1" },
	  "x.www.example.com.: data below the DNAME at www.example.com. is not allowed "
	  "(RFC 6672 section 2.4)" },
	{ "a DNAME below a DNAME", { SOA, NS, "www 60 DNAME a", "a.b.www 60 DNAME b" },
	  "a.b.www.example.com.: data below the DNAME at www.example.com." },
	{ "a DNAME below a cut", { SOA, NS, "sub 60 NS ns.other.net.", "d.sub 60 DNAME a",
				   "x.d.sub 60 A 192.0.2.1" },
	  NULL },
	{ "missing glue", { SOA, NS, "sub 60 NS ns.sub", "sub 60 NS ns.other.net." },
	  "zone.db:3: sub.example.com. NS: no glue (A/AAAA) for ns.sub.example.com., which is "
	  "at or below the zone cut sub.example.com." },
	{ "missing glue from the apex", { SOA, "@ 60 NS ns.sub", "sub 60 NS ns.other.net." },
	  "zone.db:2: example.com. NS: no glue (A/AAAA) for ns.sub.example.com." },
	{ "glue present", { SOA, NS, "sub 60 NS ns.sub", "ns.sub 60 AAAA 2001:db8::1" }, NULL },
	{ "in-zone authoritative target needs no glue", { SOA, NS, "sub 60 NS www",
							   "sub2 60 NS ns.other.net." },
	  NULL },
};

START_TEST(test_checks)
{
	const struct check_case *tc = &check_cases[_i];
	size_t n = 0;
	char err[1024];
	sl_zone_t *z = mkzone();

	while (n < ARRAY_SIZE(tc->lines) && tc->lines[n])
		n++;
	int rc = load_lines(z, tc->lines, n, err, sizeof(err));

	if (!tc->expect) {
		ck_assert_msg(rc == SL_OK, "%s: %s", tc->what, err);
	} else {
		ck_assert_msg(rc == SL_ECONFIG, "%s: rc %d", tc->what, rc);
		ck_assert_msg(strstr(err, tc->expect), "%s: got \"%s\"", tc->what, err);
		ck_assert_ptr_null(sl_zone_current(z));
	}
	sl_zone_put(z);
}
END_TEST

/* Collects what sl_zone_txn_commit_report() reports. */
struct reports {
	sl_error_t e[4];
	unsigned n;
};

static void collect(void *arg, const sl_error_t *e)
{
	struct reports *r = arg;
	if (r->n < ARRAY_SIZE(r->e))
		r->e[r->n] = *e;
	r->n++;
}

START_TEST(test_commit_report)
{
	/* Two problems: each reported on its own, with the record's place and a running count. */
	static const char *lines[] = { SOA, NS, "www 60 A 192.0.2.1", "www 60 CNAME other",
				       "x 3600 SOA ns1 host 1 7200 3600 1209600 300" };
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	struct reports r = { .n = 0 };
	char where[64], err[1024], line[600];

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		snprintf(where, sizeof(where), "zone.db:%zu", i + 1);
		ck_assert_int_eq(add_rr(txn, lines[i], where), SL_OK);
	}
	ck_assert_int_eq(sl_zone_txn_commit_report(txn, NULL, collect, &r), SL_ECONFIG);
	ck_assert_uint_eq(r.n, 2);
	for (unsigned i = 0; i < r.n; i++)
		ck_assert_uint_eq(r.e[i].count, i + 1);
	ck_assert_ptr_null(sl_zone_current(z));
	/* The buffer form of ABI 2.0 writes the same problems, one sl_error_format() line each. */
	int rc = load_lines(z, lines, ARRAY_SIZE(lines), err, sizeof(err));
	ck_assert_int_eq(rc, SL_ECONFIG);
	char want[1300] = "";
	for (unsigned i = 0; i < r.n; i++) {
		sl_error_format(&r.e[i], line, sizeof(line));
		strcat(want, i ? "\n" : "");
		strcat(want, line);
		ck_assert_msg(strstr(r.e[i].file, "zone.db:") == r.e[i].file, "%s", r.e[i].file);
	}
	ck_assert_str_eq(err, want);
	ck_assert_ptr_nonnull(strstr(err, "zone.db:4: www.example.com. CNAME: other data exists"));
	ck_assert_ptr_nonnull(strstr(err, "zone.db:5: x.example.com. SOA: SOA record not at"));
	/* Too small a buffer keeps whole lines only; no callback at all still fails the commit. */
	rc = load_lines(z, lines, ARRAY_SIZE(lines), err, 70);
	ck_assert_int_eq(rc, SL_ECONFIG);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(strncmp(err, want, strlen(err)), 0);
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "www 60 A 192.0.2.1", "w"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit_report(txn, NULL, NULL, NULL), SL_ECONFIG);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_checks_incremental)
{
	sl_zone_t *z = base();
	const sl_zone_version_t *v1 = sl_zone_current(z);
	sl_zone_txn_t *txn;
	char err[1024];

	/* Removing glue still referenced by a delegation. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(rem_rr(txn, "ns.sub 3600 A 192.0.2.20"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "sub.example.com. NS: no glue (A/AAAA) for ns.sub.example.com., "
			      "which is at or below the zone cut sub.example.com.");
	ck_assert_ptr_eq(sl_zone_current(z), v1);
	/* A new cut above an existing NS target (no address there). */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "x 3600 NS zz.b.c", "u:1"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	const sl_zone_version_t *v2 = sl_zone_current(z);

	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "c 3600 NS ns.other.net.", "u:2"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "x.example.com. NS: no glue (A/AAAA) for zz.b.c.example.com., "
			      "which is at or below the zone cut c.example.com.");
	ck_assert_ptr_eq(sl_zone_current(z), v2);
	/* A new cut at a name that is itself an NS target. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "y 3600 NS zz", "u:4"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "zz 3600 NS ns.other.net.", "u:5"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "y.example.com. NS: no glue (A/AAAA) for zz.example.com., "
			      "which is at or below the zone cut zz.example.com.");
	/* A new cut (at a new name) above a target that does not exist. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "y 3600 NS q.r.s", "u:6"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "s 3600 NS ns.other.net.", "u:7"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "y.example.com. NS: no glue (A/AAAA) for q.r.s.example.com., "
			      "which is at or below the zone cut s.example.com.");
	/* ... fine with the glue in the same transaction. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "s 3600 NS ns.other.net.", "u:7"), SL_OK);
	ck_assert_int_eq(add_rr(txn, "q.r.s 3600 A 192.0.2.9", "u:8"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	/* No data below a DNAME (RFC 6672 §2.4): added there, with its place... */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "w.dn 3600 NS ns.w.dn", "u:9"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "u:9: w.dn.example.com.: data below the DNAME at dn.example.com. is "
			      "not allowed (RFC 6672 section 2.4)");
	/* ... or a DNAME added above existing data (each name once, nested DNAMEs too) */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "b.c 3600 DNAME example.org.", "u:10"), SL_OK);
	ck_assert_int_eq(add_rr(txn, "c 3600 DNAME example.org.", "u:11"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_msg(same_errors(err, "u:10: b.c.example.com.: data below the DNAME at "
				       "c.example.com. is not allowed (RFC 6672 section 2.4)\n"
				       "a.b.c.example.com.: data below the DNAME at b.c.example.com. "
				       "is not allowed (RFC 6672 section 2.4)"),
		      "%s", err);
	/* ... but a DNAME below a zone cut is not authoritative, nor is what is below it. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "d.sub 3600 DNAME example.org.", "u:12"), SL_OK);
	ck_assert_int_eq(add_rr(txn, "e.d.sub 3600 A 192.0.2.5", "u:13"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	/* Removing that cut makes the DNAME authoritative: refused. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("sub"), SL_TYPE_NS), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("sub"), SL_TYPE_DS), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_msg(strstr(err, "e.d.sub.example.com.: data below the DNAME at d.sub.example.com. "
				  "is not allowed") != NULL, "%s", err);
	/* Occluded NS (below a cut) are not checked. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "x.sub 3600 NS nowhere.sub", "u:3"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_uint_eq(sl_zone_find(sl_zone_current(z), N("x.sub"))->flags,
			  SL_NODE_DELEG | SL_NODE_NONAUTH);
	check_invariants(sl_zone_current(z));
	/* Deleting the SOA; a second SOA; data beside a CNAME. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, origin, SL_TYPE_SOA), SL_OK);
	ck_assert_int_eq(add_rr(txn, "www 60 CNAME x", "u:3"), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "example.com.: no SOA record at the zone apex\n"
			      "u:3: www.example.com. CNAME: other data exists at this name "
			      "(A, AAAA)");
	check_invariants(sl_zone_current(z));
	sl_zone_put(z);
}
END_TEST

START_TEST(test_limits)
{
	sl_zone_t *z = mkzone();
	sl_zone_limits_t lim;
	sl_zone_txn_t *txn;
	char err[1024], line[128];

	sl_zone_limits_default(&lim);
	ck_assert_uint_eq(lim.max_rrset_rrs, 1000);
	ck_assert_uint_eq(lim.max_types_per_name, 100);
	ck_assert_uint_eq(lim.max_zone_rrs, 10000000);

	/* RRset over the cap. */
	lim.max_rrset_rrs = 5;
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	for (int i = 0; i < 6; i++) {
		snprintf(line, sizeof(line), "big 60 A 192.0.2.%d", i);
		ck_assert_int_eq(add_rr(txn, line, "l:9"), SL_OK);
	}
	ck_assert_int_eq(sl_zone_txn_commit(txn, &lim, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "l:9: big.example.com. A: RRset has 6 records, over the limit of 5");

	/* Too many types at one name. */
	sl_zone_limits_default(&lim);
	lim.max_types_per_name = 3;
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	ck_assert_int_eq(add_rr(txn, "m 60 A 192.0.2.1", "l:1"), SL_OK);
	ck_assert_int_eq(add_rr(txn, "m 60 AAAA ::1", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, "m 60 TXT x", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, "m 60 MX 1 m", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, &lim, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "l:1: m.example.com.: 4 RRsets at this name, over the limit of 3");

	/* Zone over the cap, on a full load and on an update. */
	sl_zone_limits_default(&lim);
	lim.max_zone_rrs = 4;
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	ck_assert_int_eq(add_rr(txn, "a 60 A 192.0.2.1", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, "b 60 A 192.0.2.1", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, &lim, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "c 60 A 192.0.2.1", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, &lim, err, sizeof(err)), SL_ECONFIG);
	ck_assert_str_eq(err, "example.com.: 5 records in the zone, over the limit of 4");
	ck_assert_uint_eq(sl_zone_rr_count(sl_zone_current(z)), 4);

	/* Hostile input rejected at add. */
	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(sl_zone_txn_add(txn, N("x"), SL_TYPE_A, 60, a_rdata, 3, NULL), SL_EINVAL);
	ck_assert_int_eq(sl_zone_txn_add(txn, N("x"), SL_TYPE_OPT, 60, a_rdata, 4, NULL),
			 SL_EINVAL);
	ck_assert_int_eq(sl_zone_txn_add(txn, N("x"), SL_TYPE_ANY, 60, a_rdata, 4, NULL),
			 SL_EINVAL);
	/* 63-octet labels all the way: longer than 255 octets. */
	static uint8_t badname[SL_NAME_MAXLEN];

	memset(badname, 63, sizeof(badname));
	ck_assert_int_eq(sl_zone_txn_add(txn, badname, SL_TYPE_A, 60, a_rdata, 4, NULL),
			 SL_EINVAL);
	static const uint8_t badrd[] = { 5, 'a', 0 };

	ck_assert_int_eq(sl_zone_txn_add(txn, N("x"), SL_TYPE_NS, 60, badrd, 3, NULL),
			 SL_EINVAL);
	/* Tiny error buffers truncate whole lines only. */
	ck_assert_int_eq(add_rr(txn, "www 60 CNAME a", NULL), SL_OK);
	ck_assert_int_eq(add_rr(txn, "www 60 A 192.0.2.1", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, 8), SL_ECONFIG);
	ck_assert_str_eq(err, "");
	sl_zone_put(z);
}
END_TEST

/* ---- allocation failures ----------------------------------------------------- */

/* An update touching ENTs, a new cut with glue, a wildcard, deletions. */
static int scenario_update(sl_zone_t *z)
{
	static const char *adds[] = {
		"n1.n2.n3 60 A 192.0.2.1", "*.n3 60 TXT star", "cut2 60 NS ns.cut2",
		"ns.cut2 60 A 192.0.2.2", "www 60 TXT \"hello\"", "dn 60 TXT beside",
		"@ 60 SOA ns1 host 2 7200 3600 1209600 300",
	};
	static const char *rems[] = {
		"@ 3600 SOA ns1 host 1 7200 3600 1209600 300", "a.b.c 3600 A 192.0.2.11",
		"mail 3600 MX 10 www",
	};
	sl_zone_txn_t *txn;
	char err[512];
	int rc = sl_zone_txn_begin(z, 0, &txn);

	if (rc != SL_OK)
		return rc;
	for (size_t i = 0; i < ARRAY_SIZE(rems) && rc == SL_OK; i++)
		rc = rem_rr(txn, rems[i]);
	for (size_t i = 0; i < ARRAY_SIZE(adds) && rc == SL_OK; i++)
		rc = add_rr(txn, adds[i], "f:1");
	if (rc == SL_OK)
		rc = sl_zone_txn_remove_rrset(txn, N("sub"), SL_TYPE_NS);
	if (rc == SL_OK && !sl_zone_txn_rrset(txn, N("www"), SL_TYPE_TXT))
		rc = SL_ENOMEM;   /* the only way a present RRset is not returned */
	if (rc != SL_OK) {
		sl_zone_txn_abort(txn);
		return rc;
	}
	return sl_zone_txn_commit(txn, NULL, err, sizeof(err));
}

/* A full load (base zone plus names split over several fragments). */
static int scenario_load(sl_zone_t *z)
{
	sl_zone_txn_t *txn = NULL;
	char err[512], where[32];
	int rc = sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn);

	for (size_t i = 0; i < ARRAY_SIZE(base_zone) && rc == SL_OK; i++) {
		snprintf(where, sizeof(where), "zone.db:%zu", i + 1);
		rc = add_rr(txn, base_zone[i], where);
	}
	if (rc == SL_OK)
		rc = add_rr(txn, "www 60 TXT again", "other.db:7");
	if (rc != SL_OK) {
		if (txn)
			sl_zone_txn_abort(txn);
		return rc;
	}
	return sl_zone_txn_commit(txn, NULL, err, sizeof(err));
}

START_TEST(test_alloc_failures)
{
	bool sticky = _i & 1;
	int (*scenario)(sl_zone_t *) = (_i & 2) ? scenario_load : scenario_update;
	long names0, nodes0, names1, nodes1;
	sl_zone_t *z;

	/* The expected result, computed without failures. */
	z = base();
	ck_assert_int_eq(scenario(z), SL_OK);
	const sl_zone_version_t *want = sl_zone_current(z);

	sl_zone_version_ref(want);
	check_invariants(want);
	sl_zone_put(z);
	sl_qsbr_barrier();
	sl_zone_tree_live(&names0, &nodes0);

	unsigned long k, failed = 0;

	sl_zone_fail_after(0, false);
	for (k = 1; k < 5000; k++) {
		z = base();
		const sl_zone_version_t *before = sl_zone_current(z);

		sl_zone_fail_after(k, sticky);
		int rc = scenario(z);
		bool fired = sl_zone_fail_after(0, false);

		if (!fired) {
			/* Allocation k was never reached: every failure point is covered. */
			ck_assert_int_eq(rc, SL_OK);
			assert_same(sl_zone_current(z), want);
			sl_zone_put(z);
			break;
		}
		if (rc == SL_OK) {
			/* Failures that degrade gracefully (a lost "where"). */
			assert_same(sl_zone_current(z), want);
		} else {
			ck_assert_msg(rc == SL_ENOMEM, "k=%lu: rc %d", k, rc);
			ck_assert_ptr_eq(sl_zone_current(z), before);
			check_invariants(before);
			failed++;
			/* Still usable afterwards. */
			ck_assert_int_eq(scenario(z), SL_OK);
			assert_same(sl_zone_current(z), want);
		}
		sl_zone_put(z);
		sl_qsbr_barrier();
		sl_zone_tree_live(&names1, &nodes1);
		ck_assert_msg(names1 == names0 && nodes1 == nodes0,
			      "k=%lu: leaked %ld names, %ld tree nodes", k, names1 - names0,
			      nodes1 - nodes0);
	}
	ck_assert_uint_gt(failed, 5);
	ck_assert_uint_lt(k, 5000);
	fprintf(stderr, "%s, %s: %lu allocation points, %lu failed cleanly\n",
		(_i & 2) ? "load" : "update", sticky ? "sticky" : "one-shot", k - 1, failed);
	sl_zone_version_unref(want);
	sl_qsbr_barrier();
	sl_zone_tree_live(&names1, &nodes1);
	ck_assert_int_eq(names1, 0);
	ck_assert_int_eq(nodes1, 0);
	ck_assert_uint_eq(sl_zone_versions_live(), 0);
}
END_TEST

/* ---- concurrency ------------------------------------------------------------ */

struct reader_arg {
	sl_zone_t *zone;
	unsigned id;
	atomic_bool *stop;
	unsigned long lookups;
	unsigned versions_seen;
};

/* Reads "v=<n>" from a one-string TXT RRset. */
static long txt_version(const sl_node_t *n)
{
	const sl_rrset_t *rs = sl_node_rrset(n, SL_TYPE_TXT);
	const uint8_t *rd;
	uint16_t len;
	char buf[64];

	if (!rs || rs->count != 1 || !(rd = sl_rrset_next(rs, NULL, &len)) || len < 1 ||
	    rd[0] + 1 != len || rd[0] >= sizeof(buf))
		return -1;
	memcpy(buf, rd + 1, rd[0]);
	buf[rd[0]] = '\0';
	return strncmp(buf, "v=", 2) == 0 ? strtol(buf + 2, NULL, 10) : -1;
}

static void *reader(void *p)
{
	struct reader_arg *a = p;
	long last = -1;

	sl_qsbr_online(a->id);
	while (!atomic_load(a->stop)) {
		for (int k = 0; k < 50; k++) {
			const sl_zone_version_t *v = sl_zone_current(a->zone);
			sl_zone_lookup_t lk;

			if (!v)
				continue;
			/* Two records, one version number: never torn. */
			long x = txt_version(sl_zone_find(v, N("v1")));
			int rc = sl_zone_lookup(v, N("v2.deep"), &lk);

			ck_assert_int_eq(rc, SL_OK);
			ck_assert_int_eq(txt_version(lk.node), x);
			ck_assert_int_ge(x, last);
			ck_assert_uint_eq(sl_zone_serial(v), (uint32_t)x);
			if (x != last)
				a->versions_seen++;
			last = x;
			/* The name added in version x is there, the older ones gone. */
			char nm[32];

			snprintf(nm, sizeof(nm), "n%ld", x);
			ck_assert_ptr_nonnull(sl_zone_find(v, N(nm)));
			snprintf(nm, sizeof(nm), "n%ld", x - 1);
			ck_assert_ptr_null(sl_zone_find(v, N(nm)));
			a->lookups++;
		}
		sl_qsbr_quiescent(a->id);
		if (a->lookups % 1000 == 0) {
			/* An idle spell: offline, then back. */
			sl_qsbr_offline(a->id);
			sl_qsbr_online(a->id);
		}
	}
	sl_qsbr_offline(a->id);
	return NULL;
}

static void commit_version(sl_zone_t *z, long n, bool first)
{
	sl_zone_txn_t *txn;
	char line[128], err[512];

	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	if (first) {
		ck_assert_int_eq(add_rr(txn, NS, NULL), SL_OK);
		for (int i = 0; i < 300; i++) {
			snprintf(line, sizeof(line), "filler%d.f 60 A 192.0.2.1", i);
			ck_assert_int_eq(add_rr(txn, line, NULL), SL_OK);
		}
	} else {
		ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, origin, SL_TYPE_SOA), SL_OK);
		ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("v1"), SL_TYPE_TXT), SL_OK);
		ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N("v2.deep"), SL_TYPE_TXT), SL_OK);
		snprintf(line, sizeof(line), "n%ld", n - 1);
		ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, N(line), SL_TYPE_ANY), SL_OK);
	}
	snprintf(line, sizeof(line), "@ 60 SOA ns host %ld 1 2 3 4", n);
	ck_assert_int_eq(add_rr(txn, line, NULL), SL_OK);
	snprintf(line, sizeof(line), "v1 60 TXT v=%ld", n);
	ck_assert_int_eq(add_rr(txn, line, NULL), SL_OK);
	snprintf(line, sizeof(line), "v2.deep 60 TXT v=%ld", n);
	ck_assert_int_eq(add_rr(txn, line, NULL), SL_OK);
	snprintf(line, sizeof(line), "n%ld 60 A 192.0.2.1", n);
	ck_assert_int_eq(add_rr(txn, line, NULL), SL_OK);
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
}

START_TEST(test_concurrent_readers)
{
	enum { READERS = 2, VERSIONS = 200 };
	sl_zone_t *z = mkzone();
	pthread_t th[READERS];
	struct reader_arg args[READERS];
	atomic_bool stop = false;
	uint64_t freed0 = sl_qsbr_freed();

	ck_assert_int_eq(sl_qsbr_init(READERS), SL_OK);
	commit_version(z, 1, true);
	for (unsigned i = 0; i < READERS; i++) {
		args[i] = (struct reader_arg){ .zone = z, .id = i, .stop = &stop };
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader, &args[i]), 0);
	}
	for (long n = 2; n <= VERSIONS; n++) {
		commit_version(z, n, false);
		if (n % 10 == 0) {
			struct timespec ts = { 0, 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < READERS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_uint_gt(args[i].lookups, 0);
	}
	check_invariants(sl_zone_current(z));
	sl_qsbr_barrier();
	/* Every replaced version has been freed; only the current one lives. */
	ck_assert_uint_eq(sl_zone_versions_live(), 1);
	ck_assert_uint_ge(sl_qsbr_freed() - freed0, VERSIONS - 1);
	sl_zone_put(z);
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 0);
	ck_assert_int_eq(sl_qsbr_init(0), SL_OK);
}
END_TEST

static int grace_freed;

static void grace_cb(sl_qsbr_head_t *h)
{
	(void)h;
	grace_freed++;
}

START_TEST(test_qsbr_grace)
{
	static sl_qsbr_head_t h1, h2;

	/* No readers: immediate. */
	ck_assert_int_eq(sl_qsbr_init(0), SL_OK);
	sl_qsbr_retire(&h1, grace_cb);
	ck_assert_uint_eq(sl_qsbr_pending(), 1);
	sl_qsbr_reclaim();
	ck_assert_int_eq(grace_freed, 1);

	/* An online reader holds it until its next quiescent state. */
	ck_assert_int_eq(sl_qsbr_init(2), SL_OK);
	sl_qsbr_online(0);
	sl_qsbr_retire(&h1, grace_cb);
	sl_qsbr_reclaim();
	ck_assert_int_eq(grace_freed, 1);
	sl_qsbr_quiescent(0);
	sl_qsbr_retire(&h2, grace_cb);   /* retired after reader 0's quiescent point */
	sl_qsbr_reclaim();
	ck_assert_int_eq(grace_freed, 2);
	ck_assert_uint_eq(sl_qsbr_pending(), 1);
	/* Offline readers never delay anything. */
	sl_qsbr_offline(0);
	sl_qsbr_reclaim();
	ck_assert_int_eq(grace_freed, 3);
	ck_assert_uint_eq(sl_qsbr_pending(), 0);
	/* Out-of-range reader ids are ignored. */
	sl_qsbr_quiescent(7);
	sl_qsbr_online(7);
	ck_assert_int_eq(sl_qsbr_init(SL_QSBR_MAX_READERS + 1), SL_EINVAL);
	ck_assert_int_eq(sl_qsbr_init(0), SL_OK);
}
END_TEST

/* ---- growing arrays ------------------------------------------------------- */

START_TEST(test_grow)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	/* Doubling from the first size, or straight to a larger need. */
	ck_assert_uint_eq(sl_grow_cap(0, 1, 4, 16), 16);
	ck_assert_uint_eq(sl_grow_cap(16, 17, 4, 16), 32);
	ck_assert_uint_eq(sl_grow_cap(16, 100, 4, 16), 100);
	/* Sizes that would overflow a size_t are refused, not wrapped. */
	ck_assert_uint_eq(sl_grow_cap(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, 2, 16), 0);
	ck_assert_uint_eq(sl_grow_cap(0, SIZE_MAX / 8 + 1, 8, 16), 0);
	ck_assert_uint_eq(sl_grow_cap(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, 1, 16), SIZE_MAX);

	ck_assert_int_eq(sl_zgrow((void **)&a, &cap, 3, sizeof(*a), 4), SL_OK);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(cap, 4);
	a[3] = 7;
	/* Enough room already: nothing allocated (an injected failure is not hit). */
	sl_zone_fail_after(1, false);
	ck_assert_int_eq(sl_zgrow((void **)&a, &cap, 4, sizeof(*a), 4), SL_OK);
	ck_assert(!sl_zone_fail_after(0, false));
	/* A failed allocation and an overflowing size leave the array as it was. */
	sl_zone_fail_after(1, false);
	ck_assert_int_eq(sl_zgrow((void **)&a, &cap, 5, sizeof(*a), 4), SL_ENOMEM);
	ck_assert(sl_zone_fail_after(0, false));
	ck_assert_int_eq(sl_zgrow((void **)&a, &cap, SIZE_MAX / 2, sizeof(*a), 4), SL_ENOMEM);
	ck_assert_uint_eq(cap, 4);
	ck_assert_uint_eq(a[3], 7);
	ck_assert_int_eq(sl_zgrow((void **)&a, &cap, 5, sizeof(*a), 4), SL_OK);
	ck_assert_uint_eq(cap, 8);
	ck_assert_uint_eq(a[3], 7);
	free(a);
}
END_TEST

/* ---- bulk load ------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_bulk_200k)
{
	enum { NAMES = 200000 };
	sl_zone_t *z = mkzone();
	sl_zone_txn_t *txn;
	char err[512];
	uint8_t name[SL_NAME_MAXLEN];
	double t0 = now_s();

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	add_soa_ns(txn);
	for (unsigned i = 0; i < NAMES; i++) {
		char text[64];
		size_t len;
		uint8_t rd[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		snprintf(text, sizeof(text), "host%u.g%u", i, i % 100);
		ck_assert_int_eq(sl_name_from_text(text, strlen(text), origin, name, &len), SL_OK);
		ck_assert_int_eq(sl_zone_txn_add(txn, name, SL_TYPE_A, 300, rd, 4, "bulk"), SL_OK);
	}
	double t1 = now_s();

	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	double t2 = now_s();
	const sl_zone_version_t *v = sl_zone_current(z);

	ck_assert_uint_eq(sl_zone_rr_count(v), NAMES + 2);
	/* Spot checks, including ENTs "gN". */
	for (unsigned i = 0; i < NAMES; i += 997) {
		char text[64];
		sl_zone_lookup_t lk;

		snprintf(text, sizeof(text), "host%u.g%u", i, i % 100);
		ck_assert_int_eq(sl_zone_lookup(v, N(text), &lk), SL_OK);
		ck_assert_uint_eq(sl_node_rrset(lk.node, SL_TYPE_A)->count, 1);
		snprintf(text, sizeof(text), "g%u", i % 100);
		ck_assert_int_eq(sl_zone_lookup(v, N(text), &lk), SL_OK);
		ck_assert(lk.node->flags & SL_NODE_ENT);
		snprintf(text, sizeof(text), "nohost%u.g%u", i, i % 100);
		ck_assert_int_eq(sl_zone_lookup(v, N(text), &lk), SL_ENOTFOUND);
		ck_assert(sl_name_equal(lk.encloser->owner, sl_name_parent(N(text))));
	}
	/* A single-RR update on the big zone. */
	double t3 = now_s();

	ck_assert_int_eq(sl_zone_txn_begin(z, 0, &txn), SL_OK);
	ck_assert_int_eq(add_rr(txn, "newhost.g7 60 A 192.0.2.7", NULL), SL_OK);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	double t4 = now_s();

	ck_assert_ptr_nonnull(sl_zone_find(sl_zone_current(z), N("newhost.g7")));
	/* Memory accounting for the report. */
	size_t nodes = 0, names = 0;

	{
		sl_zone_iter_t it;
		const sl_node_t *n;

		sl_zone_iter_init(&it, sl_zone_current(z));
		while ((n = sl_zone_iter_next(&it)) != NULL) {
			nodes += sl_zn_size(sl_zn_of(n));
			names++;
		}
	}
	fprintf(stderr,
		"bulk %u names: add %.3f s, commit %.3f s, one-RR update %.3f ms, "
		"%zu nodes, %.1f B/name in name nodes\n",
		NAMES, t1 - t0, t2 - t1, (t4 - t3) * 1e3, names, (double)nodes / (double)names);
	sl_zone_put(z);
	sl_qsbr_barrier();
	ck_assert_uint_eq(sl_zone_versions_live(), 0);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("zone");
	TCase *tc;

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_exact);
	tcase_add_test(tc, test_ent_and_nxdomain);
	tcase_add_test(tc, test_rrsig_per_type);
	tcase_add_test(tc, test_denial_lookups);
	tcase_add_test(tc, test_cut_and_dname);
	tcase_add_test(tc, test_dname_at_apex);
	tcase_add_test(tc, test_root_zone);
	tcase_add_test(tc, test_canonical_order);
	tcase_add_test(tc, test_tree_persistent);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("txn");
	tcase_add_test(tc, test_txn_isolation);
	tcase_add_test(tc, test_failed_commit_changes_nothing);
	tcase_add_test(tc, test_empty_zone_and_no_version);
	tcase_add_test(tc, test_bulk_then_read_and_remove);
	tcase_add_test(tc, test_ttl_and_duplicates);
	tcase_add_loop_test(tc, test_incremental_random, 0, 6);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("checks");
	tcase_add_loop_test(tc, test_checks, 0, ARRAY_SIZE(check_cases));
	tcase_add_test(tc, test_checks_incremental);
	tcase_add_test(tc, test_commit_report);
	tcase_add_test(tc, test_limits);
	tcase_add_loop_test(tc, test_alloc_failures, 0, 4);
	tcase_add_test(tc, test_grow);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_add_test(tc, test_concurrent_readers);
	tcase_add_test(tc, test_qsbr_grace);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("bulk");
	tcase_add_test(tc, test_bulk_200k);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
