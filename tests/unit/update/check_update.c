/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The update plugin's RFC 2136 rules, table by table: hand-built UPDATE
 * messages (header, zone section, prerequisite and update RRs from
 * presentation text) go through upd_prescan() and upd_apply() against a real
 * zone-store transaction, as the writer runs them, and the committed zone
 * is read back. Also the SOA serial policies (RFC 1982 arithmetic) and the
 * RFC 3007 policy matcher.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include "qsbr.h"
#include "update.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *origin_text = "upd.test.";
static uint8_t origin[SL_NAME_MAXLEN];
static sl_zone_t *zone;

static const char *base_zone[] = {
	"@ 300 SOA ns1 host 10 3600 600 86400 300",
	"@ 300 NS ns1",
	"@ 300 NS ns2",
	"ns1 300 A 192.0.2.53",
	"ns2 300 A 192.0.2.54",
	"www 300 A 192.0.2.1",
	"www 300 A 192.0.2.2",
	"mail 300 MX 10 www",
	"alias 300 CNAME www",
	"txt 300 TXT \"a\"",
};

static void setup(void)
{
	static tu_rr_t rr;
	size_t len;
	sl_zone_txn_t *txn;
	char err[512];

	ck_assert_int_eq(sl_name_from_text(origin_text, strlen(origin_text), NULL, origin, &len),
			 SL_OK);
	zone = sl_zone_get(origin);
	ck_assert_ptr_nonnull(zone);
	ck_assert_int_eq(sl_zone_txn_begin(zone, SL_TXN_EMPTY, &txn), SL_OK);
	for (size_t i = 0; i < ARRAY_SIZE(base_zone); i++) {
		tu_parse_rr(base_zone[i], origin, &rr);
		ck_assert_int_eq(sl_zone_txn_add(txn, rr.owner, rr.type, rr.ttl, rr.rdata,
						 rr.rdlen, NULL), SL_OK);
	}
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
}

static void teardown(void)
{
	sl_zone_put(zone);
	sl_qsbr_barrier();
}

/* ---- building UPDATE messages ------------------------------------------- */

typedef struct msgb {
	uint8_t buf[8192];
	size_t len;
	uint16_t count[4];
} msgb_t;

static void put16(msgb_t *m, uint16_t v)
{
	m->buf[m->len++] = (uint8_t)(v >> 8);
	m->buf[m->len++] = (uint8_t)v;
}

static void put_name(msgb_t *m, const uint8_t *name)
{
	size_t n = sl_name_len(name);
	memcpy(m->buf + m->len, name, n);
	m->len += n;
}

/* Header and zone section ZNAME/SOA/IN. */
static void mb_init(msgb_t *m, uint16_t ztype)
{
	memset(m, 0, sizeof(*m));
	m->len = SL_HEADER_LEN;
	m->buf[0] = 0x12;
	m->buf[1] = 0x34;
	m->buf[2] = (uint8_t)(SL_OPCODE_UPDATE << 3);
	put_name(m, origin);
	put16(m, ztype);
	put16(m, SL_CLASS_IN);
	m->count[0] = 1;
}

/* One RR in @p section: "owner ttl TYPE [rdata]" with an explicit class. */
static void mb_rr(msgb_t *m, int section, uint16_t rclass, const char *line)
{
	static tu_rr_t rr;
	char owner[256], type[32];
	unsigned ttl;
	int used = 0;

	/* No RDATA (deletions, existence prerequisites): parse the header fields here. */
	if (sscanf(line, "%255s %u %31s %n", owner, &ttl, type, &used) == 3 && !line[used]) {
		size_t len;
		ck_assert_int_eq(sl_name_from_text(owner, strlen(owner), origin, rr.owner, &len),
				 SL_OK);
		if (!strcmp(type, "ANY"))
			rr.type = SL_TYPE_ANY;
		else
			ck_assert_int_eq(sl_rrtype_from_text(type, strlen(type), &rr.type), SL_OK);
		rr.ttl = ttl;
		rr.rdlen = 0;
	} else {
		tu_parse_rr(line, origin, &rr);
	}
	put_name(m, rr.owner);
	put16(m, rr.type);
	put16(m, rclass);
	put16(m, (uint16_t)(rr.ttl >> 16));
	put16(m, (uint16_t)rr.ttl);
	put16(m, rr.rdlen);
	memcpy(m->buf + m->len, rr.rdata, rr.rdlen);
	m->len += rr.rdlen;
	m->count[section]++;
}

static void mb_finish(msgb_t *m, sl_msg_t *msg)
{
	for (int i = 0; i < 4; i++) {
		m->buf[4 + 2 * i] = (uint8_t)(m->count[i] >> 8);
		m->buf[5 + 2 * i] = (uint8_t)m->count[i];
	}
	ck_assert_int_eq(sl_msg_parse(m->buf, m->len, msg), SL_OK);
}

#define PRE(m, cls, line) mb_rr(m, SL_SECTION_ANSWER, cls, line)
#define UPD(m, cls, line) mb_rr(m, SL_SECTION_AUTHORITY, cls, line)

/* Runs a message as the plugin does: prescan, then apply + serial + commit. */
static uint16_t run(msgb_t *m, unsigned *changes)
{
	sl_msg_t msg;
	const char *why;
	sl_zone_txn_t *txn;
	upd_outcome_t o;
	uint32_t old;
	char err[512];

	mb_finish(m, &msg);
	uint16_t rcode = upd_prescan(&msg, origin, &why, NULL);
	if (changes)
		*changes = 0;
	if (rcode != SL_RCODE_NOERROR)
		return rcode;
	ck_assert_int_eq(sl_zone_txn_begin(zone, 0, &txn), SL_OK);
	ck_assert(upd_txn_serial(txn, origin, &old));
	upd_apply(txn, origin, &msg, &o);
	if (changes)
		*changes = o.changes;
	if (o.rcode != SL_RCODE_NOERROR || !o.changes) {
		sl_zone_txn_abort(txn);
		return o.rcode;
	}
	ck_assert_int_eq(upd_bump_serial(txn, origin, old, UPD_SERIAL_INCREMENT, 0), SL_OK);
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
	return SL_RCODE_NOERROR;
}

/* The served RRset of @p name / @p type: its RR count, -1 when absent. */
static int count(const char *name, uint16_t type)
{
	uint8_t wire[SL_NAME_MAXLEN];
	size_t len;
	ck_assert_int_eq(sl_name_from_text(name, strlen(name), origin, wire, &len), SL_OK);
	const sl_node_t *node = sl_zone_find(sl_zone_current(zone), wire);
	const sl_rrset_t *set = node ? sl_node_rrset(node, type) : NULL;
	return set ? set->count : -1;
}

static uint32_t ttl_of(const char *name, uint16_t type)
{
	uint8_t wire[SL_NAME_MAXLEN];
	size_t len;
	ck_assert_int_eq(sl_name_from_text(name, strlen(name), origin, wire, &len), SL_OK);
	const sl_node_t *node = sl_zone_find(sl_zone_current(zone), wire);
	const sl_rrset_t *set = node ? sl_node_rrset(node, type) : NULL;
	ck_assert_ptr_nonnull(set);
	return set->ttl;
}

static uint32_t serial(void)
{
	return sl_zone_serial(sl_zone_current(zone));
}

/* ---- prerequisites (RFC 2136 §3.2) ---------------------------------------- */

static const struct {
	uint16_t rclass;
	const char *line;
	uint16_t rcode;
} prereq_cases[] = {
	{ SL_CLASS_ANY, "www 0 ANY", SL_RCODE_NOERROR },           /* name in use */
	{ SL_CLASS_ANY, "nowhere 0 ANY", SL_RCODE_NXDOMAIN },
	{ SL_CLASS_ANY, "www 0 A", SL_RCODE_NOERROR },             /* RRset exists */
	{ SL_CLASS_ANY, "www 0 TXT", SL_RCODE_NXRRSET },
	{ SL_CLASS_NONE, "nowhere 0 ANY", SL_RCODE_NOERROR },      /* name not in use */
	{ SL_CLASS_NONE, "www 0 ANY", SL_RCODE_YXDOMAIN },
	{ SL_CLASS_NONE, "www 0 TXT", SL_RCODE_NOERROR },          /* RRset does not exist */
	{ SL_CLASS_NONE, "www 0 A", SL_RCODE_YXRRSET },
	{ SL_CLASS_IN, "www 0 A 192.0.2.1", SL_RCODE_NXRRSET },   /* value-dependent: only part */
	{ SL_CLASS_IN, "www 0 A 192.0.2.9", SL_RCODE_NXRRSET },
	{ SL_CLASS_IN, "mail 0 MX 10 WWW", SL_RCODE_NOERROR },    /* names without case */
	{ SL_CLASS_ANY, "www 300 A", SL_RCODE_FORMERR },          /* TTL must be 0 */
	{ SL_CLASS_ANY, "www 0 A 192.0.2.1", SL_RCODE_FORMERR },  /* ANY with RDATA */
	{ SL_CLASS_NONE, "www 0 A 192.0.2.1", SL_RCODE_FORMERR }, /* NONE with RDATA */
	{ SL_CLASS_CH, "www 0 A", SL_RCODE_FORMERR },             /* another class */
	{ SL_CLASS_ANY, "www 0 AXFR", SL_RCODE_FORMERR },         /* meta type */
	{ SL_CLASS_ANY, "www.example.net. 0 A", SL_RCODE_NOTZONE },
};

START_TEST(test_prerequisite)
{
	msgb_t m;
	unsigned changes;

	mb_init(&m, SL_TYPE_SOA);
	PRE(&m, prereq_cases[_i].rclass, prereq_cases[_i].line);
	UPD(&m, SL_CLASS_IN, "pre 300 TXT \"x\"");
	uint16_t rcode = run(&m, &changes);
	ck_assert_msg(rcode == prereq_cases[_i].rcode, "%s: rcode %u, want %u",
		      prereq_cases[_i].line, rcode, prereq_cases[_i].rcode);
	ck_assert_int_eq(count("pre", SL_TYPE_TXT), rcode == SL_RCODE_NOERROR ? 1 : -1);
}
END_TEST

START_TEST(test_prerequisite_whole_rrset)
{
	msgb_t m;

	/* The whole RRset, in another order, one RR repeated: holds. */
	mb_init(&m, SL_TYPE_SOA);
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.2");
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.1");
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.2");
	PRE(&m, SL_CLASS_IN, "txt 0 TXT \"a\"");
	UPD(&m, SL_CLASS_IN, "pre 300 A 192.0.2.3");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	/* ... one more than the zone has: NXRRSET */
	mb_init(&m, SL_TYPE_SOA);
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.2");
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.1");
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.7");
	UPD(&m, SL_CLASS_IN, "pre2 300 A 192.0.2.3");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NXRRSET);
	ck_assert_int_eq(count("pre2", SL_TYPE_A), -1);
	/* Existence prerequisites are judged before value-dependent ones (§3.2.5). */
	mb_init(&m, SL_TYPE_SOA);
	PRE(&m, SL_CLASS_IN, "www 0 A 192.0.2.7");
	PRE(&m, SL_CLASS_NONE, "www 0 ANY");
	UPD(&m, SL_CLASS_IN, "pre2 300 A 192.0.2.3");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_YXDOMAIN);
}
END_TEST

/* ---- the update section prescan (§3.4.1) ---------------------------------- */

static const struct {
	uint16_t rclass;
	const char *line;
	uint16_t rcode;
} prescan_cases[] = {
	{ SL_CLASS_ANY, "www 300 A", SL_RCODE_FORMERR },          /* delete with a TTL */
	{ SL_CLASS_ANY, "www 0 A 192.0.2.1", SL_RCODE_FORMERR },  /* delete RRset with RDATA */
	{ SL_CLASS_NONE, "www 300 A 192.0.2.1", SL_RCODE_FORMERR },
	{ SL_CLASS_NONE, "www 0 ANY", SL_RCODE_FORMERR },         /* NONE of a meta type */
	{ SL_CLASS_IN, "www 0 ANY", SL_RCODE_FORMERR },           /* add of a meta type */
	{ SL_CLASS_ANY, "www 0 IXFR", SL_RCODE_FORMERR },
	{ SL_CLASS_CH, "www 300 A 192.0.2.1", SL_RCODE_FORMERR },
	{ SL_CLASS_IN, "www.example.net. 300 A 192.0.2.1", SL_RCODE_NOTZONE },
	{ SL_CLASS_IN, "upd.test.example. 300 A 192.0.2.1", SL_RCODE_NOTZONE },
	{ SL_CLASS_IN, "www 300 NSEC zz A", SL_RCODE_REFUSED },  /* the signer's */
	{ SL_CLASS_ANY, "www 0 RRSIG", SL_RCODE_REFUSED },
	{ SL_CLASS_ANY, "www 0 NSEC3", SL_RCODE_REFUSED },
};

START_TEST(test_update_prescan)
{
	msgb_t m;
	uint32_t before = serial();

	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_IN, "ok 300 A 192.0.2.100");
	UPD(&m, prescan_cases[_i].rclass, prescan_cases[_i].line);
	uint16_t rcode = run(&m, NULL);
	ck_assert_msg(rcode == prescan_cases[_i].rcode, "%s: rcode %u, want %u",
		      prescan_cases[_i].line, rcode, prescan_cases[_i].rcode);
	ck_assert_int_eq(count("ok", SL_TYPE_A), -1); /* nothing applied */
	ck_assert_uint_eq(serial(), before);
}
END_TEST

/* ---- adding and deleting (§3.4.2) ----------------------------------------- */

START_TEST(test_add_delete)
{
	msgb_t m;
	unsigned changes;
	uint32_t s0 = serial();

	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_IN, "new 300 A 192.0.2.10");
	UPD(&m, SL_CLASS_IN, "new 300 A 192.0.2.11");
	UPD(&m, SL_CLASS_IN, "new 300 TXT \"t\"");
	UPD(&m, SL_CLASS_IN, "new 300 A 192.0.2.11"); /* already there: no change */
	ck_assert_uint_eq(run(&m, &changes), SL_RCODE_NOERROR);
	ck_assert_uint_eq(changes, 3);
	ck_assert_int_eq(count("new", SL_TYPE_A), 2);
	ck_assert_uint_eq(serial(), s0 + 1);
	/* delete one RR */
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_NONE, "new 0 A 192.0.2.10");
	UPD(&m, SL_CLASS_NONE, "new 0 A 192.0.2.99"); /* absent: no error */
	ck_assert_uint_eq(run(&m, &changes), SL_RCODE_NOERROR);
	ck_assert_uint_eq(changes, 1);
	ck_assert_int_eq(count("new", SL_TYPE_A), 1);
	/* delete an RRset */
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_ANY, "new 0 TXT");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("new", SL_TYPE_TXT), -1);
	ck_assert_int_eq(count("new", SL_TYPE_A), 1);
	/* delete the name */
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_IN, "new 300 AAAA 2001:db8::1");
	UPD(&m, SL_CLASS_ANY, "new 0 ANY");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_ptr_null(sl_zone_find(sl_zone_current(zone), (const uint8_t *)"\x03new\x03upd\x04test"));
	ck_assert_uint_eq(serial(), s0 + 4);
	/* nothing to do: NOERROR, no new serial */
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_ANY, "new 0 ANY");
	ck_assert_uint_eq(run(&m, &changes), SL_RCODE_NOERROR);
	ck_assert_uint_eq(changes, 0);
	ck_assert_uint_eq(serial(), s0 + 4);
}
END_TEST

START_TEST(test_soa_rules)
{
	msgb_t m;
	uint32_t s0 = serial();

	mb_init(&m, SL_TYPE_SOA); /* lower or equal serial: ignored */
	UPD(&m, SL_CLASS_IN, "@ 300 SOA ns1 host 10 1 1 1 1");
	UPD(&m, SL_CLASS_IN, "@ 300 SOA ns1 host 9 1 1 1 1");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_uint_eq(serial(), s0);
	mb_init(&m, SL_TYPE_SOA); /* SOA elsewhere than the apex: ignored */
	UPD(&m, SL_CLASS_IN, "www 300 SOA ns1 host 50 1 1 1 1");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("www", SL_TYPE_SOA), -1);
	mb_init(&m, SL_TYPE_SOA); /* higher: replaces, not bumped again */
	UPD(&m, SL_CLASS_IN, "@ 300 SOA ns1 host 100 1 1 1 1");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_uint_eq(serial(), 100);
	ck_assert_int_eq(count("@", SL_TYPE_SOA), 1);
	mb_init(&m, SL_TYPE_SOA); /* never deleted, by either class */
	UPD(&m, SL_CLASS_ANY, "@ 0 SOA");
	UPD(&m, SL_CLASS_NONE, "@ 0 SOA ns1 host 100 1 1 1 1");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("@", SL_TYPE_SOA), 1);
	ck_assert_uint_eq(serial(), 100);
}
END_TEST

START_TEST(test_apex_ns)
{
	msgb_t m;

	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_ANY, "@ 0 NS");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("@", SL_TYPE_NS), 2);
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_NONE, "@ 0 NS ns1");
	UPD(&m, SL_CLASS_NONE, "@ 0 NS ns2");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("@", SL_TYPE_NS), 1);
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_IN, "@ 300 TXT \"apex\"");
	UPD(&m, SL_CLASS_ANY, "@ 0 ANY");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("@", SL_TYPE_NS), 1);
	ck_assert_int_eq(count("@", SL_TYPE_SOA), 1);
	ck_assert_int_eq(count("@", SL_TYPE_TXT), -1);
	/* NS elsewhere is ordinary data */
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_IN, "sub 300 NS ns.example.net.");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_ANY, "sub 0 NS");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("sub", SL_TYPE_NS), -1);
}
END_TEST

START_TEST(test_cname)
{
	msgb_t m;
	unsigned changes;

	mb_init(&m, SL_TYPE_SOA); /* CNAME beside data: ignored */
	UPD(&m, SL_CLASS_IN, "www 300 CNAME mail");
	ck_assert_uint_eq(run(&m, &changes), SL_RCODE_NOERROR);
	ck_assert_uint_eq(changes, 0);
	ck_assert_int_eq(count("www", SL_TYPE_CNAME), -1);
	mb_init(&m, SL_TYPE_SOA); /* data beside a CNAME: ignored */
	UPD(&m, SL_CLASS_IN, "alias 300 TXT \"x\"");
	ck_assert_uint_eq(run(&m, &changes), SL_RCODE_NOERROR);
	ck_assert_uint_eq(changes, 0);
	ck_assert_int_eq(count("alias", SL_TYPE_TXT), -1);
	mb_init(&m, SL_TYPE_SOA); /* a CNAME replaces a CNAME */
	UPD(&m, SL_CLASS_IN, "alias 300 CNAME mail");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("alias", SL_TYPE_CNAME), 1);
	mb_init(&m, SL_TYPE_SOA); /* at the apex: never */
	UPD(&m, SL_CLASS_IN, "@ 300 CNAME mail");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("@", SL_TYPE_CNAME), -1);
	mb_init(&m, SL_TYPE_SOA); /* delete the CNAME, then data may come, in one update */
	UPD(&m, SL_CLASS_ANY, "alias 0 CNAME");
	UPD(&m, SL_CLASS_IN, "alias 300 TXT \"x\"");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("alias", SL_TYPE_TXT), 1);
}
END_TEST

START_TEST(test_ttl)
{
	msgb_t m;

	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, SL_CLASS_IN, "www 600 A 192.0.2.3");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_int_eq(count("www", SL_TYPE_A), 3);
	ck_assert_uint_eq(ttl_of("www", SL_TYPE_A), 600);
	mb_init(&m, SL_TYPE_SOA); /* same RDATA, new TTL: a change */
	UPD(&m, SL_CLASS_IN, "www 60 A 192.0.2.3");
	ck_assert_uint_eq(run(&m, NULL), SL_RCODE_NOERROR);
	ck_assert_uint_eq(ttl_of("www", SL_TYPE_A), 60);
	ck_assert_int_eq(count("www", SL_TYPE_A), 3);
}
END_TEST

/* Requests applied one after another in one transaction see each other (batching). */
START_TEST(test_batch_view)
{
	msgb_t m1, m2;
	sl_msg_t a, b;
	sl_zone_txn_t *txn;
	upd_outcome_t o;
	char err[256];

	mb_init(&m1, SL_TYPE_SOA);
	PRE(&m1, SL_CLASS_NONE, "batch 0 ANY");
	UPD(&m1, SL_CLASS_IN, "batch 300 A 192.0.2.1");
	mb_finish(&m1, &a);
	mb_init(&m2, SL_TYPE_SOA); /* the same again: the first one took the name */
	PRE(&m2, SL_CLASS_NONE, "batch 0 ANY");
	UPD(&m2, SL_CLASS_IN, "batch 300 A 192.0.2.2");
	mb_finish(&m2, &b);
	ck_assert_int_eq(sl_zone_txn_begin(zone, 0, &txn), SL_OK);
	upd_apply(txn, origin, &a, &o);
	ck_assert_uint_eq(o.rcode, SL_RCODE_NOERROR);
	upd_apply(txn, origin, &b, &o);
	ck_assert_uint_eq(o.rcode, SL_RCODE_YXDOMAIN);
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(count("batch", SL_TYPE_A), 1);
}
END_TEST

/* ---- the SOA serial --------------------------------------------------------- */

START_TEST(test_serial_arithmetic)
{
	ck_assert(upd_serial_gt(1, 0));
	ck_assert(!upd_serial_gt(0, 0));
	ck_assert(upd_serial_gt(0, 0xffffffffu));          /* wraps */
	ck_assert(!upd_serial_gt(0x80000000u, 0));          /* undefined: not greater */
	ck_assert(upd_serial_gt(0x7fffffffu, 0));
	ck_assert(!upd_serial_gt(5, 10));
}
END_TEST

static uint32_t bump(uint32_t old, upd_serial_t policy, uint64_t now)
{
	sl_zone_txn_t *txn;
	uint32_t s;

	ck_assert_int_eq(sl_zone_txn_begin(zone, 0, &txn), SL_OK);
	ck_assert_int_eq(upd_bump_serial(txn, origin, old, policy, now), SL_OK);
	ck_assert(upd_txn_serial(txn, origin, &s));
	sl_zone_txn_abort(txn);
	return s;
}

START_TEST(test_serial_policies)
{
	/* The zone's serial is 10; "old" says what it was before the transaction. */
	ck_assert_uint_eq(bump(10, UPD_SERIAL_INCREMENT, 0), 11);
	ck_assert_uint_eq(bump(9, UPD_SERIAL_INCREMENT, 0), 10);     /* already raised: kept */
	ck_assert_uint_eq(bump(10, UPD_SERIAL_UNIXTIME, 1764900000), 1764900000u);
	ck_assert_uint_eq(bump(10, UPD_SERIAL_UNIXTIME, 5), 11);     /* time not higher: +1 */
	/* 2026-12-05 07:00 UTC */
	ck_assert_uint_eq(bump(10, UPD_SERIAL_DATESERIAL, 1796454000), 2026120500u);
	ck_assert_uint_eq(bump(10, UPD_SERIAL_DATESERIAL, 0), 1970010100u);
}
END_TEST

/* ---- policy (RFC 3007) ------------------------------------------------------- */

static bool allows(const upd_policy_t *p, const char *key, uint16_t rclass, const char *line)
{
	msgb_t m;
	sl_msg_t msg;
	uint8_t k[SL_NAME_MAXLEN];
	size_t len;
	char why[300];

	mb_init(&m, SL_TYPE_SOA);
	UPD(&m, rclass, line);
	mb_finish(&m, &msg);
	if (key)
		ck_assert_int_eq(sl_name_from_text(key, strlen(key), NULL, k, &len), SL_OK);
	return upd_policy_allows(p, &msg, key ? k : NULL, why, sizeof(why));
}

static void rule(upd_rule_t *r, const char *key, upd_match_t match, const char *name)
{
	size_t len;

	memset(r, 0, sizeof(*r));
	r->match = match;
	if (key)
		ck_assert_int_eq(sl_name_from_text(key, strlen(key), NULL, r->key, &len), SL_OK);
	else
		r->unsigned_only = true;
	if (name)
		ck_assert_int_eq(sl_name_from_text(name, strlen(name), NULL, r->name, &len), SL_OK);
}

START_TEST(test_policy)
{
	upd_rule_t rules[5];
	uint16_t a_txt[] = { SL_TYPE_A, SL_TYPE_TXT };
	upd_policy_t p = { rules, 5 };

	rule(&rules[0], "k1.", UPD_MATCH_SUBDOMAIN, "dyn.upd.test.");
	rules[0].types = a_txt;
	rules[0].ntypes = 2;
	rule(&rules[1], "k2.", UPD_MATCH_NAME, "locked.upd.test.");
	rules[1].deny = true; /* no types: a deny covers every type */
	rule(&rules[2], "k2.", UPD_MATCH_WILDCARD, "upd.test."); /* "*.upd.test." */
	rule(&rules[3], "host.upd.test.", UPD_MATCH_SELF, NULL);
	rule(&rules[4], NULL, UPD_MATCH_NAME, "open.upd.test.");
	rules[4].any_type = true;

	ck_assert(allows(&p, "k1.", SL_CLASS_IN, "a.dyn 300 A 192.0.2.1"));
	ck_assert(allows(&p, "K1.", SL_CLASS_IN, "dyn 300 TXT \"x\""));     /* key without case */
	ck_assert(!allows(&p, "k1.", SL_CLASS_IN, "a.dyn 300 MX 1 x"));     /* type */
	ck_assert(!allows(&p, "k1.", SL_CLASS_IN, "www 300 A 192.0.2.1"));  /* name */
	ck_assert(!allows(&p, "k1.", SL_CLASS_ANY, "a.dyn 0 ANY"));         /* ANY needs ANY */
	ck_assert(!allows(&p, "k2.", SL_CLASS_IN, "locked 300 A 192.0.2.1"));/* deny first */
	ck_assert(!allows(&p, "k2.", SL_CLASS_ANY, "locked 0 ANY"));
	ck_assert(allows(&p, "k2.", SL_CLASS_IN, "other 300 A 192.0.2.1"));
	ck_assert(!allows(&p, "k2.", SL_CLASS_IN, "@ 300 A 192.0.2.1"));    /* wildcard: below only */
	ck_assert(!allows(&p, "k2.", SL_CLASS_IN, "other 300 NS ns1"));     /* no list: not NS */
	ck_assert(!allows(&p, "k2.", SL_CLASS_ANY, "other 0 ANY"));
	ck_assert(allows(&p, "host.upd.test.", SL_CLASS_IN, "host 300 A 192.0.2.1"));
	ck_assert(!allows(&p, "host.upd.test.", SL_CLASS_IN, "host2 300 A 192.0.2.1"));
	ck_assert(!allows(&p, NULL, SL_CLASS_IN, "www 300 A 192.0.2.1"));   /* unsigned */
	ck_assert(allows(&p, NULL, SL_CLASS_IN, "open 300 TXT \"x\""));
	ck_assert(allows(&p, NULL, SL_CLASS_ANY, "open 0 ANY"));
	ck_assert(!allows(&p, "k1.", SL_CLASS_IN, "open 300 TXT \"x\""));   /* signed is not unsigned */
	/* An update without changes (prerequisites only) needs an identity some rule grants. */
	msgb_t m;
	sl_msg_t msg;
	char why[300];
	mb_init(&m, SL_TYPE_SOA);
	PRE(&m, SL_CLASS_ANY, "www 0 ANY");
	mb_finish(&m, &msg);
	ck_assert(upd_policy_allows(&p, &msg, (const uint8_t *)"\002k1", why, sizeof(why)));
	ck_assert(!upd_policy_allows(&p, &msg, (const uint8_t *)"\002k9", why, sizeof(why)));
	rules[4].unsigned_only = false; /* no rule for unsigned requests left */
	memcpy(rules[4].key, "\002k8", 4);
	ck_assert(!upd_policy_allows(&p, &msg, NULL, why, sizeof(why)));
	upd_policy_t none = { NULL, 0 };
	ck_assert(!allows(&none, "k1.", SL_CLASS_IN, "a.dyn 300 A 192.0.2.1")); /* deny by default */
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("update");
	TCase *tc = tcase_create("rfc2136");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_prerequisite, 0, ARRAY_SIZE(prereq_cases));
	tcase_add_test(tc, test_prerequisite_whole_rrset);
	tcase_add_loop_test(tc, test_update_prescan, 0, ARRAY_SIZE(prescan_cases));
	tcase_add_test(tc, test_add_delete);
	tcase_add_test(tc, test_soa_rules);
	tcase_add_test(tc, test_apex_ns);
	tcase_add_test(tc, test_cname);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_batch_view);
	tcase_add_test(tc, test_serial_arithmetic);
	tcase_add_test(tc, test_serial_policies);
	tcase_add_test(tc, test_policy);
	suite_add_tcase(s, tc);
	return s;
}
