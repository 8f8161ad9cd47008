/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for the zone master-file parser (plugins/zonefile/zparser.c).
 *
 * Records are compared as "owner TTL class type RDATA" lines printed with the
 * core codec. The expected lines for the files under
 * tests/data/zonefile/good were checked against named-checkzone -D (BIND
 * 9.18): the record sets are identical. Every file in
 * tests/data/zonefile/bad must fail at the place and with the message its
 * first line announces ("; expect: [file:]line:column: text").
 *
 * Data is found under $SLUICE_SRCDIR (default ".").
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sluice/name.h>
#include <sluice/rr.h>

#include <sluice/zscan.h>
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers --------------------------------------------------------------------- */

/* Records collected by the callback, one printed line each. */
struct recs {
	char **line;
	size_t n;
	size_t cap;
	size_t stop_after; /* non-zero: return SL_EEXIST for record number stop_after */
};

static int collect(void *arg, const sl_zscan_record_t *rr)
{
	struct recs *r = arg;
	char owner[SL_NAME_TEXT_MAX], type[16], cls[16], *rd, *line;
	size_t len;

	ck_assert_ptr_nonnull(rr->file);
	ck_assert_uint_gt(rr->line, 0);
	ck_assert_int_ge(sl_name_check(rr->owner, SL_NAME_MAXLEN), 1);
	ck_assert_int_eq(sl_rdata_check(rr->type, rr->rdata, rr->rdlen), SL_OK);
	if (r->stop_after && r->n + 1 == r->stop_after)
		return SL_EEXIST;
	rd = malloc(5 * SL_RDATA_MAXLEN + 64);
	ck_assert_ptr_nonnull(rd);
	ck_assert_int_ge(sl_name_to_text(rr->owner, owner, sizeof(owner)), 1);
	ck_assert_int_ge(sl_rrtype_to_text(rr->type, type, sizeof(type)), 1);
	ck_assert_int_ge(sl_rrclass_to_text(rr->rclass, cls, sizeof(cls)), 1);
	ck_assert_int_ge(
		sl_rdata_to_text(rr->type, rr->rdata, rr->rdlen, rd, 5 * SL_RDATA_MAXLEN + 64), 0);
	len = strlen(owner) + strlen(rd) + 64;
	line = malloc(len);
	ck_assert_ptr_nonnull(line);
	snprintf(line, len, "%s %u %s %s %s", owner, (unsigned)rr->ttl, cls, type, rd);
	free(rd);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->line = realloc(r->line, r->cap * sizeof(*r->line));
		ck_assert_ptr_nonnull(r->line);
	}
	r->line[r->n++] = line;
	return 0;
}

static void recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->line[i]);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

/* Compares collected records with a NULL-terminated list of expected lines. */
static void expect_records(const struct recs *r, const char *const *want, const char *what)
{
	size_t n = 0;

	while (want[n])
		n++;
	for (size_t i = 0; i < r->n && i < n; i++)
		ck_assert_msg(strcmp(r->line[i], want[i]) == 0,
			      "%s: record %zu\n  got  %s\n  want %s", what, i + 1, r->line[i],
			      want[i]);
	ck_assert_msg(r->n == n, "%s: %zu records, want %zu (first extra/missing: %s)", what, r->n,
		      n, r->n > n ? r->line[n] : want[r->n]);
}

static const char *srcdir(void)
{
	const char *d = getenv("SLUICE_SRCDIR");

	return d && *d ? d : ".";
}

/* $SLUICE_SRCDIR/tests/data/zonefile/<rel>, in a static buffer. */
static const char *data_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/tests/data/zonefile/%s", srcdir(), rel);
	return buf;
}

/* Wire form of a presentation name (absolute), in a static buffer. */
static const uint8_t *wire(const char *text)
{
	static uint8_t buf[4][SL_NAME_MAXLEN];
	static unsigned next;
	static const uint8_t root[1] = { 0 };
	uint8_t *out = buf[next++ % 4];
	size_t len;

	ck_assert_int_eq(sl_name_from_text(text, strlen(text), root, out, &len), SL_OK);
	return out;
}

static int parse_text(const char *text, const char *origin, const sl_zscan_options_t *base,
		      struct recs *r, sl_zscan_error_t *err)
{
	sl_zscan_options_t opt;

	if (base)
		opt = *base;
	else
		sl_zscan_options_init(&opt);
	if (origin)
		opt.origin = wire(origin);
	return sl_zscan_parse_string(text, strlen(text), "test.zone", &opt, collect, r, err);
}

/* ---- good files ------------------------------------------------------------------------ */

static const char *const realistic_expect[] = {
	"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024061501 7200 1800 "
	"1209600 300",
	"example.com. 3600 IN NS ns1.example.com.",
	"example.com. 3600 IN NS ns2.example.net.",
	"example.com. 3600 IN MX 10 mail.example.com.",
	"example.com. 3600 IN MX 20 mail.example.net.",
	"example.com. 86400 IN TXT \"v=spf1 mx -all\"",
	"txt.example.com. 88200 IN TXT \"class before TTL\" \"second; string (with specials)\"",
	"ns1.example.com. 3600 IN A 192.0.2.1",
	"ns1.example.com. 3600 IN AAAA 2001:db8::1",
	"mail.example.com. 3600 IN A 192.0.2.25",
	"www.example.com. 3600 IN CNAME example.com.",
	"ftp.example.com. 300 IN CNAME www.example.com.",
	"a\\.b.example.com. 3600 IN TXT \"quote \\\" and backslash \\\\ and ABC\"",
	"\\032spc.example.com. 3600 IN TXT \"semi;colon\"",
	"escA.example.com. 3600 IN A 192.0.2.65",
	"*.wild.example.com. 3600 IN A 192.0.2.99",
	"_sip._tcp.example.com. 3600 IN SRV 0 5 5060 sip.example.com.",
	"sip.example.com. 3600 IN AAAA 2001:db8::5060",
	"sip.example.com. 3600 IN HINFO \"PC-Intel-2GHz\" \"Linux\"",
	"unk.example.com. 3600 IN TYPE65280 \\# 4 0A000001",
	"unk.example.com. 3600 IN A 192.0.2.2",
	"unk.example.com. 3600 IN TXT \"typed by number\"",
	"empty.example.com. 3600 IN TYPE65281 \\# 0",
	"caa.example.com. 3600 IN CAA 0 issue \"ca.example.net; account=123\"",
	"caa.example.com. 3600 IN CAA 128 iodef \"mailto:security@example.com\"",
	"_443._tcp.www.example.com. 3600 IN TLSA 3 1 1 "
	"0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
	"sshfp.example.com. 3600 IN SSHFP 4 2 "
	"123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789",
	"svc.example.com. 3600 IN HTTPS 1 . alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.7",
	"svc.example.com. 3600 IN SVCB 0 svc.example.net.",
	"_srv.example.com. 3600 IN NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
	"rev.example.com. 3600 IN PTR www.example.com.",
	"dn.example.com. 3600 IN DNAME example.net.",
	"child.example.com. 3600 IN NS ns.child.example.com.",
	"ns.child.example.com. 3600 IN A 192.0.2.130",
	"child.example.com. 3600 IN DS 12345 13 2 "
	"3490A6806D47F17A34C29E2CE80E8A999FFBE4BEE09C64D3A2F6E9D1A8F2B1D4",
	"example.com. 3600 IN DNSKEY 257 3 13 "
	"mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
	"example.com. 3600 IN NSEC3PARAM 1 0 0 -",
	"host.sub.example.com. 3600 IN A 192.0.2.129",
	"dyn1.example.com. 3600 IN A 198.51.100.1",
	"dyn2.example.com. 3600 IN A 198.51.100.2",
	"dyn3.example.com. 3600 IN A 198.51.100.3",
	"last.example.com. 3600 IN A 192.0.2.200",
	NULL
};

static const char *const include_expect[] = {
	"example.org. 600 IN SOA ns.example.org. hostmaster.example.org. 1 3600 900 604800 60",
	"example.org. 600 IN NS ns.example.org.",
	"ns.example.org. 600 IN A 192.0.2.53",
	"before.example.org. 600 IN A 192.0.2.1",
	/* sub/part.inc, origin lab.example.org., owner inherited */
	"before.example.org. 600 IN TXT \"owner inherited from the includer\"",
	"lab.example.org. 600 IN A 192.0.2.10",
	"box.lab.example.org. 600 IN A 192.0.2.11",
	"leaf.deep.lab.example.org. 600 IN A 192.0.2.12",
	/* back: owner and origin restored, the included $TTL 900 stays */
	"before.example.org. 900 IN AAAA 2001:db8::2",
	"after.example.org. 900 IN A 192.0.2.3",
	/* sub/part2.inc, no origin given: example.org. */
	"plain.example.org. 900 IN A 192.0.2.20",
	"plain.example.org. 120 IN AAAA 2001:db8::21",
	"after.example.org. 900 IN A 192.0.2.4",
	NULL
};

static const char *const generate_expect[] = {
	"2.0.192.in-addr.arpa. 300 IN SOA ns.example.com. hostmaster.example.com. 1 3600 900 "
	"604800 60",
	"2.0.192.in-addr.arpa. 300 IN NS ns.example.com.",
	"1.2.0.192.in-addr.arpa. 300 IN PTR host1.example.com.",
	"2.2.0.192.in-addr.arpa. 300 IN PTR host2.example.com.",
	"3.2.0.192.in-addr.arpa. 300 IN PTR host3.example.com.",
	"008.2.0.192.in-addr.arpa. 60 IN PTR pad8.example.com.",
	"010.2.0.192.in-addr.arpa. 60 IN PTR pad10.example.com.",
	"012.2.0.192.in-addr.arpa. 60 IN PTR pad12.example.com.",
	"x0b.2.0.192.in-addr.arpa. 300 IN CNAME 0000.example.com.",
	"x0c.2.0.192.in-addr.arpa. 300 IN CNAME 0001.example.com.",
	"377.oct.2.0.192.in-addr.arpa. 300 IN PTR o0.example.com.",
	"400.oct.2.0.192.in-addr.arpa. 300 IN PTR o1.example.com.",
	"1.1.0.0.nib.2.0.192.in-addr.arpa. 300 IN PTR nib17-\\$.example.com.",
	"2.1.0.0.nib.2.0.192.in-addr.arpa. 300 IN PTR nib18-\\$.example.com.",
	"txt1.2.0.192.in-addr.arpa. 300 IN TXT \"count\" \"$\" \"is\" \"1\"",
	NULL
};

static const char *const crlf_expect[] = {
	"example.net. 60 IN SOA ns.example.net. hm.example.net. 1 2 3 4 5",
	"example.net. 60 IN NS ns.example.net.",
	"ns.example.net. 60 IN A 192.0.2.1",
	"txt.example.net. 60 IN TXT \"crlf\" \"two\"",
	NULL
};

struct file_case {
	const char *file;
	const char *const *want;
};

static const struct file_case file_cases[] = {
	{ "good/realistic.zone", realistic_expect },
	{ "good/include-main.zone", include_expect },
	{ "good/generate.zone", generate_expect },
	{ "good/crlf.zone", crlf_expect },
};

START_TEST(test_good_file)
{
	const struct file_case *tc = &file_cases[_i];
	struct recs r = { 0 };
	sl_zscan_error_t err;
	int rc = sl_zscan_parse_file(data_path(tc->file), NULL, collect, &r, &err);

	ck_assert_msg(rc == SL_OK, "%s: %s:%u:%u: %s", tc->file, err.file, err.line, err.column,
		      err.msg);
	expect_records(&r, tc->want, tc->file);
	recs_free(&r);
}
END_TEST

/* Records report the file and line they came from, included files too. */
struct places {
	char file[16][64];
	unsigned line[16];
	size_t n;
};

static int places_cb(void *arg, const sl_zscan_record_t *rr)
{
	struct places *pl = arg;
	const char *slash = strrchr(rr->file, '/');

	ck_assert_uint_lt(pl->n, 16);
	snprintf(pl->file[pl->n], sizeof(pl->file[0]), "%s", slash ? slash + 1 : rr->file);
	pl->line[pl->n++] = rr->line;
	return 0;
}

START_TEST(test_record_places)
{
	static const struct { const char *file; unsigned line; } want[] = {
		{ "include-main.zone", 4 }, { "include-main.zone", 5 }, { "include-main.zone", 6 },
		{ "include-main.zone", 7 }, { "part.inc", 2 }, { "part.inc", 3 },
		{ "part.inc", 4 }, { "part.inc", 6 }, { "include-main.zone", 9 },
		{ "include-main.zone", 10 }, { "part2.inc", 2 }, { "part2.inc", 3 },
		{ "include-main.zone", 12 },
	};
	struct places pl = { .n = 0 };
	sl_zscan_error_t err;

	ck_assert_int_eq(sl_zscan_parse_file(data_path("good/include-main.zone"), NULL, places_cb, &pl,
				       &err),
			 SL_OK);
	ck_assert_uint_eq(pl.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < pl.n; i++) {
		ck_assert_str_eq(pl.file[i], want[i].file);
		ck_assert_uint_eq(pl.line[i], want[i].line);
	}
}
END_TEST

/* ---- string cases: features, TTL rules, $GENERATE ---------------------------------------- */

struct str_case {
	const char *name;
	const char *origin;     /* NULL: none */
	uint32_t default_ttl;   /* 0: the default */
	const char *text;
	const char *const *want; /* NULL-terminated */
};

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct str_case str_cases[] = {
	/* TTL inference (RFC 1035 §5.1, RFC 2308 §4, BIND). */
	{ "ttl: nothing known -> default", "example.", 0, "www A 192.0.2.1\n",
	  W("www.example. 3600 IN A 192.0.2.1") },
	{ "ttl: default from options", "example.", 120, "www A 192.0.2.1\n",
	  W("www.example. 120 IN A 192.0.2.1") },
	{ "ttl: last explicit without $TTL", "example.", 0,
	  "a 300 A 192.0.2.1\nb A 192.0.2.2\nc 60 A 192.0.2.3\nd A 192.0.2.4\n",
	  W("a.example. 300 IN A 192.0.2.1", "b.example. 300 IN A 192.0.2.2",
	    "c.example. 60 IN A 192.0.2.3", "d.example. 60 IN A 192.0.2.4") },
	{ "ttl: $TTL beats last explicit", "example.", 0,
	  "$TTL 100\na 300 A 192.0.2.1\nb A 192.0.2.2\n$TTL 200\nc A 192.0.2.3\n",
	  W("a.example. 300 IN A 192.0.2.1", "b.example. 100 IN A 192.0.2.2",
	    "c.example. 200 IN A 192.0.2.3") },
	{ "ttl: SOA without TTL takes MINIMUM, then it is the default", "example.", 0,
	  "@ SOA ns host 1 2 3 4 1h\nwww A 192.0.2.1\nx 60 A 192.0.2.2\ny A 192.0.2.3\n",
	  W("example. 3600 IN SOA ns.example. host.example. 1 2 3 4 3600",
	    "www.example. 3600 IN A 192.0.2.1", "x.example. 60 IN A 192.0.2.2",
	    "y.example. 3600 IN A 192.0.2.3") },
	{ "ttl: SOA after an explicit TTL takes that TTL", "example.", 0,
	  "ns 77 A 192.0.2.1\n@ SOA ns host 1 2 3 4 5\nwww A 192.0.2.2\n",
	  W("ns.example. 77 IN A 192.0.2.1",
	    "example. 77 IN SOA ns.example. host.example. 1 2 3 4 5",
	    "www.example. 77 IN A 192.0.2.2") },
	{ "ttl: SOA after $TTL takes $TTL", "example.", 0,
	  "$TTL 99\n@ SOA ns host 1 2 3 4 5\n",
	  W("example. 99 IN SOA ns.example. host.example. 1 2 3 4 5") },
	{ "ttl: units, any case, and limits", "example.", 0,
	  "a 1W2d3H4m5S A 192.0.2.1\nb 0 A 192.0.2.2\nc 2147483647 A 192.0.2.3\n"
	  "d 1h30m A 192.0.2.4\ne 3550w A 192.0.2.5\n$TTL 2D\nf A 192.0.2.6\n",
	  W("a.example. 788645 IN A 192.0.2.1", "b.example. 0 IN A 192.0.2.2",
	    "c.example. 2147483647 IN A 192.0.2.3", "d.example. 5400 IN A 192.0.2.4",
	    "e.example. 2147040000 IN A 192.0.2.5", "f.example. 172800 IN A 192.0.2.6") },
	{ "ttl: $GENERATE TTL does not become the last explicit TTL", "example.", 0,
	  "a 50 A 192.0.2.1\n$GENERATE 1-1 g$ 70 A 192.0.2.$\nb A 192.0.2.2\n",
	  W("a.example. 50 IN A 192.0.2.1", "g1.example. 70 IN A 192.0.2.1",
	    "b.example. 50 IN A 192.0.2.2") },
	/* TTL and class in either order, generic class and type. */
	{ "ttl and class order", "example.", 0,
	  "a 60 IN A 192.0.2.1\nb IN 60 A 192.0.2.2\nc CLASS1 TYPE1 192.0.2.3\n"
	  "d in a 192.0.2.4\n",
	  W("a.example. 60 IN A 192.0.2.1", "b.example. 60 IN A 192.0.2.2",
	    "c.example. 60 IN A 192.0.2.3", "d.example. 60 IN A 192.0.2.4") },
	/* Owners. */
	{ "owner: @, relative, absolute, omitted", "example.", 0,
	  "@ 1 A 192.0.2.1\n  AAAA ::1\nrel TXT x\nabs.other. TXT y\n\tTXT z\n",
	  W("example. 1 IN A 192.0.2.1", "example. 1 IN AAAA ::1", "rel.example. 1 IN TXT \"x\"",
	    "abs.other. 1 IN TXT \"y\"", "abs.other. 1 IN TXT \"z\"") },
	{ "owner: blank lines and comments keep the previous owner", "example.", 0,
	  "www 1 A 192.0.2.1\n\n   \n; comment\n   ; indented comment\n A 192.0.2.2\n",
	  W("www.example. 1 IN A 192.0.2.1", "www.example. 1 IN A 192.0.2.2") },
	/* $ORIGIN */
	{ "$ORIGIN absolute and relative, case-insensitive directive", NULL, 0,
	  "$ORIGIN example.\na 1 A 192.0.2.1\n$origin sub\nb A 192.0.2.2\n@ A 192.0.2.3\n"
	  "$ORIGIN .\nc. A 192.0.2.4\n",
	  W("a.example. 1 IN A 192.0.2.1", "b.sub.example. 1 IN A 192.0.2.2",
	    "sub.example. 1 IN A 192.0.2.3", "c. 1 IN A 192.0.2.4") },
	/* Parentheses, comments and quotes. */
	{ "parentheses: nested, touching tokens, several lines", "example.", 0,
	  "@ 1 SOA ns host (1 2\n (3) 4 ; comment (\n 5)\nt TXT (\"a\")(\"b\")\n"
	  "u(TXT c)\n",
	  W("example. 1 IN SOA ns.example. host.example. 1 2 3 4 5",
	    "t.example. 1 IN TXT \"a\" \"b\"", "u.example. 1 IN TXT \"c\"") },
	{ "quotes: specials inside, adjacent strings, escapes", "example.", 0,
	  "t 1 TXT \"a;b(c)d\" \"e\"\"f\" \"g\\\"h\" \"\\059\" \"\"\n",
	  W("t.example. 1 IN TXT \"a;b(c)d\" \"e\" \"f\" \"g\\\"h\" \";\" \"\"") },
	{ "quotes: quoted tail of a token (SvcParam values)", "example.", 0,
	  "s 1 HTTPS 1 . alpn=\"h3,h2\" mandatory=\"alpn\"\n",
	  W("s.example. 1 IN HTTPS 1 . mandatory=alpn alpn=\"h3,h2\"") },
	{ "escapes in owner names", "example.", 0,
	  "a\\046b 1 A 192.0.2.1\n\\@ A 192.0.2.2\n\\$x A 192.0.2.3\nsp\\ ace A 192.0.2.4\n",
	  W("a\\.b.example. 1 IN A 192.0.2.1", "\\@.example. 1 IN A 192.0.2.2",
	    "\\$x.example. 1 IN A 192.0.2.3", "sp\\032ace.example. 1 IN A 192.0.2.4") },
	{ "no final newline, tabs, CR without LF is a blank", "example.", 0,
	  "a\t1\tA\t192.0.2.1\r\nb 2 A 192.0.2.2",
	  W("a.example. 1 IN A 192.0.2.1", "b.example. 2 IN A 192.0.2.2") },
	{ "CRLF with parentheses and comments", "example.", 0,
	  "@ 1 SOA ns host (\r\n 1 2 3 ; c\r\n 4 5 )\r\n\r\nx TXT \"q\"\r\n",
	  W("example. 1 IN SOA ns.example. host.example. 1 2 3 4 5", "x.example. 1 IN TXT \"q\"") },
	{ "RFC 3597 for known and unknown types", "example.", 0,
	  "a 1 TYPE65534 \\# 2 ABCD\nb A \\# 4 C0000201\nc TYPE16 \\# 3 02 6869\n",
	  W("a.example. 1 IN TYPE65534 \\# 2 ABCD", "b.example. 1 IN A 192.0.2.1",
	    "c.example. 1 IN TXT \"hi\"") },
	{ "empty text and comments only", "example.", 0, "; nothing\n\n   \n", W(NULL) },
	/* $GENERATE, as BIND 9.18 expands it (named-checkzone -D). */
	{ "$GENERATE basic", "example.", 0, "$TTL 1\n$GENERATE 1-3 host$ A 10.0.0.$\n",
	  W("host1.example. 1 IN A 10.0.0.1", "host2.example. 1 IN A 10.0.0.2",
	    "host3.example. 1 IN A 10.0.0.3") },
	{ "$GENERATE ${0,3,d} and ${1,2,x}", "example.", 0,
	  "$TTL 1\n$GENERATE 9-10 h${0,3,d} CNAME x${1,2,x}\n",
	  W("h009.example. 1 IN CNAME x0a.example.", "h010.example. 1 IN CNAME x0b.example.") },
	{ "$GENERATE step", "example.", 0, "$TTL 1\n$GENERATE 0-10/5 s$ A 10.0.1.$\n",
	  W("s0.example. 1 IN A 10.0.1.0", "s5.example. 1 IN A 10.0.1.5",
	    "s10.example. 1 IN A 10.0.1.10") },
	{ "$GENERATE step past stop", "example.", 0, "$TTL 1\n$GENERATE 1-4/3 s$ A 10.0.1.$\n",
	  W("s1.example. 1 IN A 10.0.1.1", "s4.example. 1 IN A 10.0.1.4") },
	{ "$GENERATE offsets, widths, bases", "example.", 0,
	  "$TTL 1\n$GENERATE 30-30 a${-30}.b${+5,4}.c${0,0,o}.d${0,3,X}.e${0,1,x} A 10.0.0.1\n",
	  W("a0.b0035.c36.d01E.e1e.example. 1 IN A 10.0.0.1") },
	{ "$GENERATE nibbles", "ip6.arpa.", 0,
	  "$TTL 1\n$GENERATE 171-171 ${0,1,n}.${0,3,N}.${0,4,n}x.${0,8,n}y PTR h.\n",
	  W("b.a.B.A.b.a.x.b.a.0.0.y.ip6.arpa. 1 IN PTR h.") },
	{ "$GENERATE literal dollars", "example.", 0,
	  "$TTL 1\n$GENERATE 7-7 a$$b\\$c TXT \"$$ \\$ $\"\n",
	  W("a\\$b\\$c.example. 1 IN TXT \"$\" \"$\" \"7\"") },
	{ "$GENERATE TTL and class, several rhs tokens", "example.", 0,
	  "$GENERATE 1-2 m$ IN 60 MX $0 mail$\n",
	  W("m1.example. 60 IN MX 10 mail1.example.", "m2.example. 60 IN MX 20 mail2.example.") },
	{ "$GENERATE keeps the previous owner", "example.", 0,
	  "$TTL 1\nkeep A 10.0.0.1\n$GENERATE 1-1 g$ A 10.0.0.$\n A 10.0.0.2\n",
	  W("keep.example. 1 IN A 10.0.0.1", "g1.example. 1 IN A 10.0.0.1",
	    "keep.example. 1 IN A 10.0.0.2") },
	{ "$GENERATE negative value in decimal and hex", "example.", 0,
	  "$TTL 1\n$GENERATE 0-0 n${-1}.h${-1,0,x} A 10.0.0.1\n",
	  W("n-1.hffffffff.example. 1 IN A 10.0.0.1") },
};

START_TEST(test_strings)
{
	const struct str_case *tc = &str_cases[_i];
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	int rc;

	sl_zscan_options_init(&opt);
	if (tc->default_ttl)
		opt.default_ttl = tc->default_ttl;
	rc = parse_text(tc->text, tc->origin, &opt, &r, &err);
	ck_assert_msg(rc == SL_OK, "%s: %u:%u: %s", tc->name, err.line, err.column, err.msg);
	expect_records(&r, tc->want, tc->name);
	recs_free(&r);
}
END_TEST

/* ---- errors from strings and options ------------------------------------------------------- */

struct err_case {
	const char *name;
	const char *text;
	int rc;
	unsigned line, column;
	const char *msg; /* substring */
};

static const struct err_case err_cases[] = {
	{ "class other than the zone's", "www CH A 1.2.3.4\n", SL_ESYNTAX, 1, 5,
	  "class CH does not match the zone's class IN" },
	{ "unknown type", "www IN FOO 1.2.3.4\n", SL_ESYNTAX, 1, 8, "unknown type FOO" },
	{ "TTL overflow", "www 99999999999 A 1.2.3.4\n", SL_ESYNTAX, 1, 5,
	  "TTL 99999999999 out of range" },
	{ "TTL unit overflow", "$TTL 1000000000h\n", SL_ESYNTAX, 1, 6, "out of range" },
	{ "error after a good record", "a A 1.2.3.4\nb A 1.2.3\n", SL_ESYNTAX, 2, 5,
	  "A address: bad IPv4 address" },
	{ "RDATA error inside parentheses is placed on its line",
	  "s SOA ns host (\n 1 2\n 3 x 5 )\n", SL_ESYNTAX, 3, 4, "SOA expire" },
	{ "long token in a message is cut",
	  "www IN AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 1\n", SL_ESYNTAX, 1, 8,
	  "unknown type AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA..." },
	{ "control octets in a message are masked", "www IN A\x01 1\n", SL_ESYNTAX, 1, 8,
	  "unknown type A?" },
	{ "$INCLUDE without a file", "$INCLUDE\n", SL_ESYNTAX, 1, 1, "$INCLUDE needs a file name" },
	{ "$INCLUDE with too much", "$INCLUDE a b. c\n", SL_ESYNTAX, 1, 15, "unexpected c" },
	{ "$GENERATE without range", "$GENERATE\n", SL_ESYNTAX, 1, 1, "$GENERATE needs a range" },
	{ "$GENERATE without lhs", "$GENERATE 1-2\n", SL_ESYNTAX, 1, 11,
	  "$GENERATE needs a left-hand side" },
	{ "$GENERATE width too large", "$GENERATE 1-2 a${0,128} A 1.2.3.$\n", SL_ESYNTAX, 1, 16,
	  "width above 127" },
	{ "$GENERATE value overflow", "$GENERATE 2147483647-2147483647 a${1} A 1.2.3.4\n",
	  SL_ESYNTAX, 1, 34, "value out of range" },
	{ "$GENERATE negative nibble", "$GENERATE 0-0 a${-1,1,n} A 1.2.3.4\n", SL_ESYNTAX, 1, 16,
	  "nibble value is negative" },
	{ "$GENERATE bad generated owner", "$GENERATE 0-0 a$..b A 1.2.3.4\n", SL_ESYNTAX, 1, 15,
	  "bad generated owner name a0..b" },
	{ "$GENERATE error in the second rhs token", "$GENERATE 0-0 m$ MX 10 x${1,2\n",
	  SL_ESYNTAX, 1, 25, "bad $GENERATE modifier" },
	{ "SOA MINIMUM as TTL out of range", "@ SOA ns host 1 2 3 4 4294967295\n", SL_ESYNTAX, 1, 1,
	  "SOA MINIMUM 4294967295 is out of range" },
	{ "NUL on the first line", "\0", SL_ESYNTAX, 1, 1, "NUL byte" },
	{ "quote spanning lines", "t TXT \"a\nb\"\n", SL_ESYNTAX, 1, 7,
	  "unterminated quoted string" },
	{ "garbage after RDATA of a name type", "w CNAME a b\n", SL_ESYNTAX, 1, 11,
	  "CNAME: unexpected trailing data" },
};

START_TEST(test_errors)
{
	const struct err_case *tc = &err_cases[_i];
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	size_t len = strlen(tc->text);
	int rc;

	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	if (len == 0)
		len = 1; /* the NUL case */
	rc = sl_zscan_parse_string(tc->text, len, "err.zone", &opt, collect, &r, &err);
	ck_assert_msg(rc == tc->rc, "%s: rc %d, want %d (%u:%u: %s)", tc->name, rc, tc->rc,
		      err.line, err.column, err.msg);
	ck_assert_str_eq(err.file, "err.zone");
	ck_assert_msg(err.line == tc->line && err.column == tc->column,
		      "%s: at %u:%u, want %u:%u (%s)", tc->name, err.line, err.column, tc->line,
		      tc->column, err.msg);
	ck_assert_msg(strstr(err.msg, tc->msg) != NULL, "%s: message \"%s\" lacks \"%s\"", tc->name,
		      err.msg, tc->msg);
	recs_free(&r);
}
END_TEST

START_TEST(test_max_records)
{
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;

	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	opt.max_records = 3;
	ck_assert_int_eq(parse_text("a A 1.2.3.4\nb A 1.2.3.4\n$GENERATE 1-5 g$ A 1.2.3.$\n", NULL,
				    &opt, &r, &err),
			 SL_ELIMIT);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 3 records"));
	recs_free(&r);
}
END_TEST

START_TEST(test_max_generate)
{
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;

	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	opt.max_generate = 10;
	ck_assert_int_eq(parse_text("$GENERATE 1-10 g$ A 1.2.3.$\n", NULL, &opt, &r, &err), SL_OK);
	ck_assert_uint_eq(r.n, 10);
	ck_assert_int_eq(parse_text("$GENERATE 0-10 g$ A 1.2.3.$\n", NULL, &opt, &r, &err),
			 SL_ELIMIT);
	ck_assert_uint_eq(err.column, 11);
	ck_assert_ptr_nonnull(strstr(err.msg, "makes 11 records (limit 10)"));
	recs_free(&r);
}
END_TEST

START_TEST(test_zone_class)
{
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;

	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	opt.rclass = SL_CLASS_CH;
	ck_assert_int_eq(
		parse_text("a 1 TXT x\nb CH TXT y\nc CLASS3 TXT z\n", NULL, &opt, &r, &err), SL_OK);
	expect_records(&r, W("a.example. 1 CH TXT \"x\"", "b.example. 1 CH TXT \"y\"",
			     "c.example. 1 CH TXT \"z\""), "CH zone");
	ck_assert_int_eq(parse_text("d IN TXT x\n", NULL, &opt, &r, &err), SL_ESYNTAX);
	ck_assert_str_eq(err.msg, "class IN does not match the zone's class CH");
	recs_free(&r);
}
END_TEST

START_TEST(test_callback_stops)
{
	struct recs r = { .stop_after = 2 };
	sl_zscan_error_t err;

	ck_assert_int_eq(parse_text("a 1 A 1.2.3.4\nb A 1.2.3.4\nc A 1.2.3.4\n", "example.", NULL,
				    &r, &err),
			 SL_EEXIST);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.column, 1);
	recs_free(&r);
}
END_TEST

START_TEST(test_no_include_flag)
{
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;

	sl_zscan_options_init(&opt);
	opt.flags = SL_ZSCAN_NO_INCLUDE;
	ck_assert_int_eq(parse_text("$INCLUDE /etc/passwd\n", NULL, &opt, &r, &err), SL_ESYNTAX);
	ck_assert_str_eq(err.msg, "$INCLUDE is not allowed here");
	recs_free(&r);
}
END_TEST

/* sl_zscan_parse_string resolves $INCLUDE against the directory of its name. */
START_TEST(test_string_include)
{
	char name[4096];
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	const char *text = "$TTL 5\n$INCLUDE sub/part2.inc example.\n";

	sl_zscan_options_init(&opt);
	snprintf(name, sizeof(name), "%s", data_path("good/virtual.zone"));
	ck_assert_int_eq(sl_zscan_parse_string(text, strlen(text), name, &opt, collect, &r, &err), SL_OK);
	expect_records(&r,
		       W("plain.example. 5 IN A 192.0.2.20",
			 "plain.example. 120 IN AAAA 2001:db8::21"),
		       "string include");
	recs_free(&r);
}
END_TEST

START_TEST(test_file_errors)
{
	struct recs r = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;

	ck_assert_int_eq(sl_zscan_parse_file(data_path("good/no-such.zone"), NULL, collect, &r, &err),
			 SL_EIO);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file"));
	ck_assert_int_eq(sl_zscan_parse_file(data_path("good"), NULL, collect, &r, &err), SL_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
	sl_zscan_options_init(&opt);
	opt.max_file_size = 100;
	ck_assert_int_eq(sl_zscan_parse_file(data_path("good/realistic.zone"), &opt, collect, &r, &err),
			 SL_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "limit of 100 octets"));
	ck_assert_int_eq(sl_zscan_parse_string("a A 1.2.3.4\n", 12, NULL, &opt, collect, &r, &err),
			 SL_ESYNTAX);
	ck_assert_str_eq(err.file, "<string>");
	ck_assert_uint_eq(r.n, 0);
	recs_free(&r);
}
END_TEST

/* $INCLUDE of what is not a regular file says what it is; a FIFO does not block. */
START_TEST(test_include_not_regular)
{
	static const struct {
		const char *target;
		const char *want;
	} cases[] = {
		{ "/proc/self/status", "has more data than its size of 0 octets says (a /proc or /sys" },
		{ "/dev/null", "not a regular file (a character device)" },
		{ "/", "not a regular file (a directory)" },
		{ "FIFO", "not a regular file (a FIFO)" },
	};
	char fifo[64], text[160];
	snprintf(fifo, sizeof(fifo), "/tmp/sl-zscan-fifo-%ld", (long)getpid());
	unlink(fifo);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *target = strcmp(cases[i].target, "FIFO") == 0 ? fifo : cases[i].target;
		struct recs r = { 0 };
		sl_zscan_options_t opt;
		sl_error_t err;
		sl_zscan_options_init(&opt);
		snprintf(text, sizeof(text), "$INCLUDE %s\n", target);
		ck_assert_int_eq(sl_zscan_parse_string(text, strlen(text), "z", &opt, collect, &r, &err),
				 SL_EIO);
		ck_assert_msg(strstr(err.msg, "cannot read $INCLUDE file") && strstr(err.msg, cases[i].want),
			      "%s: %s", target, err.msg);
		ck_assert_uint_eq(err.line, 1);
		ck_assert_uint_eq(r.n, 0);
		recs_free(&r);
	}
	/* The zone file itself, too. */
	sl_error_t err;
	struct recs r = { 0 };
	ck_assert_int_eq(sl_zscan_parse_file(fifo, NULL, collect, &r, &err), SL_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "(a FIFO)"));
	unlink(fifo);
}
END_TEST

/* Long paths keep their tail in the error. */
START_TEST(test_long_name)
{
	char name[600];
	struct recs r = { 0 };
	sl_zscan_error_t err;

	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name + sizeof(name) - 7, "/x.zon", 6);
	ck_assert_int_eq(sl_zscan_parse_string("bad", 3, name, NULL, collect, &r, &err), SL_ESYNTAX);
	ck_assert_uint_eq(strlen(err.file), sizeof(err.file) - 1);
	ck_assert_str_eq(err.file + strlen(err.file) - 6, "/x.zon");
	ck_assert(strncmp(err.file, "...", 3) == 0);
	recs_free(&r);
}
END_TEST

/* Big RDATA and long records go through; limits hold. */
START_TEST(test_sizes)
{
	size_t cap = 4 * 65536 + 256, o;
	char *text = malloc(cap);
	struct recs r = { 0 };
	sl_zscan_error_t err;

	ck_assert_ptr_nonnull(text);
	/* 65535 octets of RDATA as one hex token after "\# 65535", in parentheses. */
	o = (size_t)snprintf(text, cap, "big. 1 TYPE65280 ( \\# 65535\n ");
	for (size_t i = 0; i < 65535; i++)
		o += (size_t)snprintf(text + o, cap - o, "%02X", (unsigned)(i & 0xff));
	o += (size_t)snprintf(text + o, cap - o, " )\n");
	ck_assert_int_eq(sl_zscan_parse_string(text, o, "big", NULL, collect, &r, &err), SL_OK);
	ck_assert_uint_eq(r.n, 1);
	text[o - 3] = '0'; /* one hex digit too many */
	ck_assert_int_eq(sl_zscan_parse_string(text, o, "big", NULL, collect, &r, &err), SL_ESYNTAX);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.column, 2);
	/* A token just over the cap. */
	memset(text, 'a', cap);
	ck_assert_int_eq(sl_zscan_parse_string(text, SL_ZSCAN_MAX_TOKEN + 1, "big", NULL, collect, &r, &err),
			 SL_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "token longer than"));
	free(text);
	recs_free(&r);
}
END_TEST

static int count_records(void *arg, const sl_zscan_record_t *rr)
{
	(*(size_t *)arg)++;
	return rr->rdlen ? 0 : SL_EINVAL;
}

/* $GENERATE cannot be made to expand without bound. */
START_TEST(test_generate_budget)
{
	size_t cap = 16384, o, n = 0;
	char *text = malloc(cap);
	sl_zscan_options_t opt;
	sl_zscan_error_t err;

	ck_assert_ptr_nonnull(text);
	/* 550 strings of 100 digits: 55 KB of RDATA text per record, valid TXT. */
	o = (size_t)snprintf(text, cap, "$GENERATE 0-65535 a$ TXT");
	for (int i = 0; i < 550; i++)
		o += (size_t)snprintf(text + o, cap - o, " ${0,100}");
	text[o++] = '\n';
	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	ck_assert_int_eq(sl_zscan_parse_string(text, o, "gen", &opt, count_records, &n, &err), SL_ELIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "$GENERATE expands to more than"));
	ck_assert_uint_eq(err.column, 11);
	ck_assert_uint_gt(n, 250);
	ck_assert_uint_lt(n, 320);
	/* One expansion over 64 KiB. */
	o = (size_t)snprintf(text, cap, "$GENERATE 0-0 a$ TXT");
	for (int i = 0; i < 700; i++)
		o += (size_t)snprintf(text + o, cap - o, " ${0,100}");
	text[o++] = '\n';
	ck_assert_int_eq(sl_zscan_parse_string(text, o, "gen", &opt, count_records, &n, &err),
			 SL_ESYNTAX);
	ck_assert_ptr_nonnull(strstr(err.msg, "$GENERATE expansion too long"));
	free(text);
}
END_TEST

/* ---- going on after errors (sl_zscan_options_t.on_error) ------------------------------------------ */

/* Errors collected by on_error, each as "file:line:column: message". */
struct errs {
	char line[64][600];
	size_t n;
	unsigned last_count; /* sl_zscan_error_t.count of the last one */
};

static void collect_error(void *arg, const sl_zscan_error_t *e)
{
	struct errs *es = arg;
	const char *slash = strrchr(e->file, '/');

	ck_assert_uint_eq(e->count, es->n + 1);
	ck_assert_ptr_nonnull(memchr(e->msg, '\0', sizeof(e->msg)));
	es->last_count = e->count;
	if (es->n < ARRAY_SIZE(es->line))
		snprintf(es->line[es->n], sizeof(es->line[0]), "%s:%u:%u: %s",
			 slash ? slash + 1 : e->file, e->line, e->column, e->msg);
	es->n++;
}

static void expect_errors(const struct errs *es, const char *const *want, const char *what)
{
	size_t n = 0;

	while (want[n])
		n++;
	for (size_t i = 0; i < es->n && i < n && i < ARRAY_SIZE(es->line); i++)
		ck_assert_msg(strcmp(es->line[i], want[i]) == 0,
			      "%s: error %zu\n  got  %s\n  want %s", what, i + 1, es->line[i],
			      want[i]);
	ck_assert_msg(es->n == n, "%s: %zu errors, want %zu", what, es->n, n);
}

/* Parses @p text from memory as "multi.zone" at origin example., going on after errors. */
static int parse_all(const char *text, size_t len, const sl_zscan_options_t *base, struct recs *r,
		     struct errs *es, sl_zscan_error_t *err)
{
	sl_zscan_options_t opt;

	if (base)
		opt = *base;
	else
		sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	opt.on_error = collect_error;
	opt.error_arg = es;
	memset(es, 0, sizeof(*es));
	return sl_zscan_parse_string(text, len, "multi.zone", &opt, collect, r, err);
}

/*
 * Every bad entry is reported with its place, and parsing picks up again
 * after it: the next line, or past the closing parenthesis of a broken
 * multi-line record, whatever the quote, escape or comment it stopped in.
 */
START_TEST(test_every_error_reported)
{
	static const char text[] =
		"$TTL 60\n"
		"a      A     192.0.2.1\n"
		"bad    A     192.0.2.300\n"                 /* 3: RDATA */
		"b      FOO   1\n"                           /* 4: type */
		"t      TXT   ( \"open\n"                     /* 5: quote, in parentheses */
		"             \"x\" ; ) \"comment\n"
		"             \") y\" )\n"
		"c      A     192.0.2.3\n"
		"e      TXT   x\\\n"                          /* 9: escape at line end */
		"d      A     192.0.2.4 )\n"                 /* 10: stray ')' */
		"$TTL   1x\n"                                /* 11: bad $TTL: 60 stays */
		"$BOGUS 1\n"                                 /* 12: directive */
		"f..g   A     192.0.2.5\n"                   /* 13: owner */
		"       A     192.0.2.6\n"                   /* previous owner c */
		"$GENERATE 5-1 h$ A 192.0.2.$\n"             /* 15: range */
		"m      MX    ( 10\n"
		"              ex..ample )\n"                /* 17: RDATA on a later line */
		"z      A     192.0.2.26\n"
		"u      A     ( 192.0.2.27\n";               /* 19: never closed */
	static const char *const want_errors[] = {
		"multi.zone:3:14: A address: bad IPv4 address",
		"multi.zone:4:8: unknown type FOO",
		"multi.zone:5:16: unterminated quoted string",
		"multi.zone:9:15: bad escape: backslash at end of line",
		"multi.zone:10:24: unbalanced parenthesis: ')' without '('",
		"multi.zone:11:8: bad TTL 1x",
		"multi.zone:12:1: unknown directive $BOGUS",
		"multi.zone:13:1: bad owner name f..g",
		"multi.zone:15:11: $GENERATE range 5-1 is inverted",
		"multi.zone:17:15: MX exchange: bad domain name",
		"multi.zone:19:14: unbalanced parenthesis: '(' is never closed",
		NULL,
	};
	struct recs r = { 0 };
	struct errs es;
	sl_zscan_error_t err;

	ck_assert_int_eq(parse_all(text, sizeof(text) - 1, NULL, &r, &es, &err), SL_ESYNTAX);
	expect_errors(&es, want_errors, "every error");
	expect_records(&r,
		       W("a.example. 60 IN A 192.0.2.1", "c.example. 60 IN A 192.0.2.3",
			 "c.example. 60 IN A 192.0.2.6", "z.example. 60 IN A 192.0.2.26"),
		       "records around the errors");
	/* err describes the first error and counts them all. */
	ck_assert_str_eq(err.file, "multi.zone");
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, 14);
	ck_assert_str_eq(err.msg, "A address: bad IPv4 address");
	ck_assert_uint_eq(err.count, 11);
	ck_assert_uint_eq(es.last_count, 11);
	recs_free(&r);

	/* Without on_error, the first error still stops parsing, as it always did. */
	ck_assert_int_eq(parse_text(text, "example.", NULL, &r, &err), SL_ESYNTAX);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, 14);
	ck_assert_uint_eq(err.count, 1);
	expect_records(&r, W("a.example. 60 IN A 192.0.2.1"), "stop at the first error");
	recs_free(&r);
}
END_TEST

/* A clean parse with on_error set reports nothing and counts nothing. */
START_TEST(test_on_error_clean)
{
	struct recs r = { 0 };
	struct errs es;
	sl_zscan_error_t err;
	const char *text = "a 1 A 192.0.2.1\nb 1 TXT ( \"x\"\n \"y\" )\n";

	ck_assert_int_eq(parse_all(text, strlen(text), NULL, &r, &es, &err), SL_OK);
	ck_assert_uint_eq(es.n, 0);
	ck_assert_uint_eq(err.count, 0);
	ck_assert_uint_eq(r.n, 2);
	recs_free(&r);
}
END_TEST

/* Errors in an $INCLUDEd file carry its name; the includer goes on after the $INCLUDE. */
START_TEST(test_errors_in_include)
{
	char name[4096];
	struct recs r = { 0 };
	struct errs es;
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	const char *text = "$TTL 5\n$INCLUDE inc/broken.inc\nafter A 192.0.2.9\n"
			   "$INCLUDE no-such.inc\nlast A 192.0.2.10\n";

	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	opt.on_error = collect_error;
	opt.error_arg = &es;
	memset(&es, 0, sizeof(es));
	snprintf(name, sizeof(name), "%s", data_path("bad/virtual.zone"));
	ck_assert_int_eq(sl_zscan_parse_string(text, strlen(text), name, &opt, collect, &r, &err),
			 SL_ESYNTAX);
	ck_assert_uint_eq(es.n, 2);
	ck_assert_str_eq(es.line[0], "broken.inc:3:9: A address: bad IPv4 address");
	ck_assert(strncmp(es.line[1], "virtual.zone:4:10: cannot read $INCLUDE file ", 45) == 0);
	expect_records(&r,
		       W("ok.example. 5 IN A 192.0.2.1", "after.example. 5 IN A 192.0.2.9",
			 "last.example. 5 IN A 192.0.2.10"),
		       "includer goes on");
	recs_free(&r);
}
END_TEST

/* A bad owner leaves the previous owner in place for the lines that follow it. */
START_TEST(test_bad_owner_keeps_previous)
{
	struct recs r = { 0 };
	struct errs es;
	sl_zscan_error_t err;
	const char *text = "a 1 A 192.0.2.1\nb..c 1 A 192.0.2.2\n 1 A 192.0.2.3\n";
	static const char *const want[] = { "multi.zone:2:1: bad owner name b..c", NULL };

	ck_assert_int_eq(parse_all(text, strlen(text), NULL, &r, &es, &err), SL_ESYNTAX);
	expect_errors(&es, want, "bad owner");
	expect_records(&r, W("a.example. 1 IN A 192.0.2.1", "a.example. 1 IN A 192.0.2.3"),
		       "bad owner");
	recs_free(&r);
}
END_TEST

/* Some errors end parsing even with on_error: the record cap and a callback's "stop". */
START_TEST(test_errors_that_stop)
{
	struct recs r = { .stop_after = 2 };
	struct errs es;
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	const char *text = "a 1 A 192.0.2.1\nb FOO x\nc 1 A 192.0.2.3\nd 1 A 192.0.2.4\n"
			   "e BAR x\n";

	/* The callback refuses c: parsing ends there, e is never seen. */
	ck_assert_int_eq(parse_all(text, strlen(text), NULL, &r, &es, &err), SL_ESYNTAX);
	ck_assert_uint_eq(es.n, 2);
	ck_assert_str_eq(es.line[0], "multi.zone:2:3: unknown type FOO");
	ck_assert_str_eq(es.line[1], "multi.zone:3:1: record rejected (already exists)");
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(err.count, 2);
	recs_free(&r);

	/* Over max_records: one error, then nothing more (every later record would fail too). */
	sl_zscan_options_init(&opt);
	opt.max_records = 1;
	ck_assert_int_eq(parse_all(text, strlen(text), &opt, &r, &es, &err), SL_ESYNTAX);
	ck_assert_uint_eq(es.n, 2);
	ck_assert_str_eq(es.line[1], "multi.zone:3:1: more than 1 records");
	ck_assert_uint_eq(r.n, 1);
	recs_free(&r);
}
END_TEST

/* A NUL byte: one error for the text, which is not read at all. */
START_TEST(test_nul_with_on_error)
{
	static const char text[] = "a 1 A 192.0.2.1\nb 1 A 192.0.\0.2\nc FOO 1\n";
	struct recs r = { 0 };
	struct errs es;
	sl_zscan_error_t err;
	static const char *const want[] = { "multi.zone:2:13: NUL byte in the zone text", NULL };

	ck_assert_int_eq(parse_all(text, sizeof(text) - 1, NULL, &r, &es, &err), SL_ESYNTAX);
	expect_errors(&es, want, "NUL");
	ck_assert_uint_eq(r.n, 0);
	recs_free(&r);
}
END_TEST

/* Records say where they start: line and column of their first token. */
static int column_cb(void *arg, const sl_zscan_record_t *rr)
{
	unsigned *cols = arg;

	cols[cols[0] + 1] = rr->line * 100 + rr->column;
	cols[0]++;
	return 0;
}

START_TEST(test_record_columns)
{
	unsigned cols[8] = { 0 };
	sl_zscan_options_t opt;
	sl_zscan_error_t err;
	const char *text = "a 1 A 192.0.2.1\n   1 A 192.0.2.2\n\tTXT x\n";

	sl_zscan_options_init(&opt);
	opt.origin = wire("example.");
	ck_assert_int_eq(sl_zscan_parse_string(text, strlen(text), "c", &opt, column_cb, cols, &err),
			 SL_OK);
	ck_assert_uint_eq(cols[0], 3);
	ck_assert_uint_eq(cols[1], 101);
	ck_assert_uint_eq(cols[2], 204);
	ck_assert_uint_eq(cols[3], 302);
}
END_TEST

/* ---- the bad corpus ------------------------------------------------------------------------ */

static char *bad_files[256];
static size_t n_bad;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_bad_list(void)
{
	DIR *d = opendir(data_path("bad"));
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL && n_bad < ARRAY_SIZE(bad_files)) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".zone") == 0)
			bad_files[n_bad++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(bad_files, n_bad, sizeof(bad_files[0]), cmp_str);
}

static void free_bad_list(void)
{
	for (size_t i = 0; i < n_bad; i++)
		free(bad_files[i]);
	n_bad = 0;
}

START_TEST(test_bad_corpus_size)
{
	ck_assert_msg(n_bad >= 30, "only %zu files in %s", n_bad, data_path("bad"));
}
END_TEST

START_TEST(test_bad_file)
{
	char rel[512], path[4096], first[512], want_file[256] = "", *p, *msg;
	unsigned line, col;
	struct recs r = { 0 };
	sl_zscan_error_t err;
	FILE *f;
	int rc;

	snprintf(rel, sizeof(rel), "bad/%s", bad_files[_i]);
	snprintf(path, sizeof(path), "%s", data_path(rel));
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	ck_assert_ptr_nonnull(fgets(first, sizeof(first), f));
	fclose(f);
	first[strcspn(first, "\r\n")] = '\0';
	ck_assert_msg(strncmp(first, "; expect: ", 10) == 0, "%s: no '; expect:' line", rel);
	p = first + 10;
	/* Optional "file:" before "line:column:", for errors inside included files. */
	if (!(*p >= '0' && *p <= '9')) {
		char *c = strchr(p, ':');

		ck_assert_ptr_nonnull(c);
		snprintf(want_file, sizeof(want_file), "%.*s", (int)(c - p), p);
		p = c + 1;
	}
	ck_assert_msg(sscanf(p, "%u:%u:", &line, &col) == 2, "%s: bad expect line", rel);
	msg = strchr(strchr(p, ':') + 1, ':') + 1;
	while (*msg == ' ')
		msg++;

	rc = sl_zscan_parse_file(path, NULL, collect, &r, &err);
	ck_assert_msg(rc != SL_OK, "%s: parsed without error", rel);
	ck_assert_msg(err.line == line && err.column == col, "%s: error at %u:%u, want %u:%u (%s)",
		      rel, err.line, err.column, line, col, err.msg);
	ck_assert_msg(strstr(err.msg, msg) != NULL, "%s: message \"%s\" lacks \"%s\"", rel, err.msg,
		      msg);
	if (want_file[0]) {
		size_t a = strlen(err.file), b = strlen(want_file);

		ck_assert_msg(a >= b && strcmp(err.file + a - b, want_file) == 0 &&
				      (a == b || err.file[a - b - 1] == '/'),
			      "%s: error in %s, want %s", rel, err.file, want_file);
	} else {
		ck_assert_str_eq(err.file, path);
	}
	recs_free(&r);

	/* Going on after errors: the same first error, and no record lost before it. */
	{
		struct errs es = { .n = 0 };
		sl_zscan_options_t opt;
		sl_zscan_error_t all;
		struct recs r2 = { 0 };
		size_t before;

		sl_zscan_options_init(&opt);
		opt.on_error = collect_error;
		opt.error_arg = &es;
		ck_assert_int_eq(sl_zscan_parse_file(path, NULL, collect, &r, &err), rc);
		before = r.n;
		ck_assert_int_eq(sl_zscan_parse_file(path, &opt, collect, &r2, &all), rc);
		ck_assert_str_eq(all.file, err.file);
		ck_assert_uint_eq(all.line, err.line);
		ck_assert_uint_eq(all.column, err.column);
		ck_assert_str_eq(all.msg, err.msg);
		ck_assert_uint_ge(all.count, 1);
		ck_assert_uint_eq(all.count, es.n);
		ck_assert_uint_ge(r2.n, before);
		for (size_t i = 0; i < before; i++)
			ck_assert_str_eq(r2.line[i], r.line[i]);
		recs_free(&r);
		recs_free(&r2);
	}
}
END_TEST

/* ---- hostile input smoke test ------------------------------------------------------------- */

static int count_only(void *arg, const sl_zscan_record_t *rr)
{
	(*(size_t *)arg)++;
	ck_assert_int_eq(sl_rdata_check(rr->type, rr->rdata, rr->rdlen), SL_OK);
	return 0;
}

/*
 * Mutates the realistic zone at random (deterministically) and parses the
 * result; under ASan this finds reads past the end. The fuzz target does this
 * at depth; this keeps a cheap version in every test run.
 */
START_TEST(test_mutations)
{
	static const char specials[] = "\\\"();$\n\r\t @.0123456789{},-/";
	FILE *f = fopen(data_path("good/realistic.zone"), "rb");
	char *orig, *buf;
	size_t len, n;
	unsigned seed = 12345;
	sl_zscan_options_t opt;

	ck_assert_ptr_nonnull(f);
	orig = malloc(1 << 16);
	ck_assert_ptr_nonnull(orig);
	len = fread(orig, 1, 1 << 16, f);
	fclose(f);
	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	sl_zscan_options_init(&opt);
	opt.flags = SL_ZSCAN_NO_INCLUDE;
	opt.origin = wire("example.");
	for (unsigned round = 0; round < 3000; round++) {
		size_t cut = len;
		sl_zscan_error_t err;

		memcpy(buf, orig, len);
		for (unsigned k = 0; k < 1 + round % 5; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;

			seed = seed * 1103515245u + 12345u;
			buf[at] = specials[(seed >> 8) % (sizeof(specials) - 1)];
		}
		if (round % 7 == 0) {
			seed = seed * 1103515245u + 12345u;
			cut = (seed >> 8) % len; /* truncated anywhere */
		}
		n = 0;
		int rc = sl_zscan_parse_string(buf, cut, "mut", &opt, count_only, &n, &err);
		ck_assert(strlen(err.msg) < sizeof(err.msg));

		/* Going on after errors: same first error, no fewer records, exact count. */
		sl_zscan_options_t all_opt = opt;
		struct errs es = { .n = 0 };
		sl_zscan_error_t all;
		size_t n_all = 0;

		all_opt.on_error = collect_error;
		all_opt.error_arg = &es;
		ck_assert_int_eq(
			sl_zscan_parse_string(buf, cut, "mut", &all_opt, count_only, &n_all, &all), rc);
		ck_assert_uint_ge(n_all, n);
		ck_assert_uint_eq(all.count, es.n);
		if (rc != SL_OK) {
			ck_assert_uint_eq(all.line, err.line);
			ck_assert_uint_eq(all.column, err.column);
			ck_assert_str_eq(all.msg, err.msg);
		}
	}
	free(buf);
	free(orig);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("zparser");
	TCase *tc;

	/* The corpus listing sizes the "bad corpus" loop test, so it is read before
	 * the suite is built; freed at exit (in the forked tests too, harmlessly). */
	load_bad_list();
	atexit(free_bad_list);

	tc = tcase_create("good");
	tcase_add_loop_test(tc, test_good_file, 0, ARRAY_SIZE(file_cases));
	tcase_add_test(tc, test_record_places);
	tcase_add_loop_test(tc, test_strings, 0, ARRAY_SIZE(str_cases));
	tcase_add_test(tc, test_zone_class);
	tcase_add_test(tc, test_string_include);
	tcase_add_test(tc, test_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_errors, 0, ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_max_records);
	tcase_add_test(tc, test_max_generate);
	tcase_add_test(tc, test_callback_stops);
	tcase_add_test(tc, test_no_include_flag);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_include_not_regular);
	tcase_add_test(tc, test_long_name);
	tcase_add_test(tc, test_generate_budget);
	suite_add_tcase(s, tc);

	tc = tcase_create("all errors");
	tcase_add_test(tc, test_every_error_reported);
	tcase_add_test(tc, test_on_error_clean);
	tcase_add_test(tc, test_errors_in_include);
	tcase_add_test(tc, test_bad_owner_keeps_previous);
	tcase_add_test(tc, test_errors_that_stop);
	tcase_add_test(tc, test_nul_with_on_error);
	tcase_add_test(tc, test_record_columns);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad corpus");
	tcase_add_test(tc, test_bad_corpus_size);
	tcase_add_loop_test(tc, test_bad_file, 0, (int)n_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}
