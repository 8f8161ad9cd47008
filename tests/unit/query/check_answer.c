/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for core/query/answer.c and xfr.c: sl_answer_query(),
 * sl_answer_axfr() and sl_answer_ixfr() against a zone built through the
 * transaction API.
 *
 * Each query case is the question, the response size limit, and the whole
 * expected response: rcode, AA/TC, answer kind and every RR of every
 * section in order, printed as "owner TTL TYPE rdata" from the parsed wire
 * message. The expected sections are what knotd 3.2 answers for the same
 * zone (kdig against a scratch knotd), except where the comments say why
 * Sluice deliberately differs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/answer.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include "request.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Most RRs one expected section lists. */
#define MAXRR 40
/* Longest RDATA text the tests print. */
#define RDTEXT_MAX 2048
/* A printed RR: owner, TTL (10 digits), type, RDATA text, three blanks. */
#define RRTEXT_MAX (SL_NAME_TEXT_MAX + 10 + 32 + RDTEXT_MAX + 3)

/* ---- the test zone ------------------------------------------------------ */

static const char origin_text[] = "example.com.";

/*
 * "owner ttl type rdata", owner relative to example.com. ("@" = apex).
 * Generated parts (the fat delegation, mxmany, the ch chain, big) are
 * added by build_zone().
 */
static const char *const zone_lines[] = {
	"@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300",
	"@ 3600 NS ns1",
	"@ 3600 NS ns2",
	"@ 3600 MX 10 mail",
	"@ 3600 MX 20 mail.other.net.",
	"@ 3600 A 192.0.2.1",
	"@ 3600 TXT \"apex\"",
	"ns1 3600 A 192.0.2.53",
	"ns1 3600 AAAA 2001:db8::53",
	"ns2 3600 A 192.0.2.54",
	"mail 3600 A 192.0.2.25",
	"mail 3600 AAAA 2001:db8::25",
	"www 3600 A 192.0.2.80",
	"www 3600 AAAA 2001:db8::80",
	"www 3600 TXT \"hello\"",
	/* ANY: the lowest type wins */
	"t1 3600 TXT \"x\"",
	"t1 3600 MX 10 mail",
	"t4 3600 TXT \"y\"",
	"t4 3600 AAAA ::2",
	/* CNAMEs */
	"c1 3600 CNAME c2",
	"c2 3600 CNAME www",
	"loop1 3600 CNAME loop2",
	"loop2 3600 CNAME loop1",
	"out 3600 CNAME www.other.net.",
	"dangling 3600 CNAME nothere",
	"cbig 3600 CNAME big",
	"csub 3600 CNAME x.sub",
	/* DNAMEs: out of zone, in zone, and one whose target makes names too long */
	"dn 600 DNAME example.net.",
	"dn2 3600 DNAME tgt",
	"a.tgt 3600 A 192.0.2.77",
	/* DNAMEs that loop: onto themselves, below themselves, and through each other */
	"self 3600 DNAME self",
	"grow 3600 DNAME x.grow",
	"ping 3600 DNAME pong",
	"pong 3600 DNAME ping",
	"y 3600 DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.net.",
	/* wildcards */
	"*.wild 3600 A 192.0.2.100",
	"*.wild 3600 TXT \"wild\"",
	"explicit.wild 3600 A 192.0.2.101",
	"*.wc 3600 CNAME www",
	"*.wcn 3600 CNAME nothere",
	"wcloop 3600 CNAME x.wl",
	"*.wl 3600 CNAME y.wl",
	/* an empty non-terminal: ent and b.ent */
	"a.b.ent 3600 A 192.0.2.9",
	/* a delegation with in-domain glue, an out-of-zone NS and a DS */
	"sub 3600 NS ns.sub",
	"sub 3600 NS ns.other.net.",
	"sub 3600 DS 12345 8 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
	"ns.sub 3600 A 192.0.2.200",
	"ns.sub 3600 AAAA 2001:db8::200",
	"deep.sub 3600 A 192.0.2.201",
	/* a delegation without DS */
	"nods 3600 NS ns.nods",
	"ns.nods 3600 A 192.0.2.210",
	/* sibling glue: one NS below the cut, one below another cut, one authoritative */
	"sib 3600 NS ns1.example.com.",
	"sib 3600 NS ns.sub.example.com.",
	"sib 3600 NS ns.sib",
	"ns.sib 3600 A 192.0.2.99",
	/* additional-section sources */
	"_sip._udp 3600 SRV 0 5 5060 sip",
	"sip 3600 A 192.0.2.60",
	"mx2 3600 MX 10 mail",
	"mx2 3600 MX 20 mail",
	"mx2 3600 MX 30 ns1",
	"mxw 3600 MX 10 foo.wild",
	"svc 3600 HTTPS 1 web",
	"web 3600 A 192.0.2.70",
	"web 3600 HTTPS 1 . alpn=\"h2\"",
	"big 3600 A 192.0.2.250",
};

static sl_zone_t *zone;
static uint8_t origin[SL_NAME_MAXLEN];
static unsigned zone_rrs;            /* RRs added (the SOA counted once) */
static char *zone_text[512];         /* every RR as printed, for the AXFR check */

/* 98 octets of TXT; two digits make the 100 of each "big" record. */
#define BIG98 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/*
 * Checks that also run in main() while the zone is built, outside any
 * Check test (where ck_assert cannot report): print and exit.
 */
static void must(bool ok, const char *what, const char *detail)
{
	if (!ok) {
		fprintf(stderr, "check_answer: %s: %s\n", what, detail ? detail : "failed");
		exit(EXIT_FAILURE);
	}
}

static void wire_name(const char *text, uint8_t *out)
{
	size_t len;

	must(sl_name_from_text(text, strlen(text), origin, out, &len) == SL_OK, "bad test name",
	     text);
}

static void print_rr(char *buf, size_t size, const uint8_t *owner, uint32_t ttl, uint16_t type,
		     const uint8_t *rdata, size_t rdlen)
{
	char name[SL_NAME_TEXT_MAX], tname[32], rd[RDTEXT_MAX];

	must(sl_name_to_text(owner, name, sizeof(name)) > 0, "print owner", NULL);
	must(sl_rrtype_to_text(type, tname, sizeof(tname)) > 0, "print type", NULL);
	must(sl_rdata_to_text(type, rdata, rdlen, rd, sizeof(rd)) >= 0, "print rdata", NULL);
	must(snprintf(buf, size, "%s %u %s %s", name, (unsigned)ttl, tname, rd) < (int)size,
	     "print_rr", "truncated");
}

/* Adds one "owner ttl type rdata" line and remembers how it prints. */
static void add_line(sl_zone_txn_t *txn, const char *line)
{
	const char *sp1 = strchr(line, ' ');
	const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	const char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;
	uint8_t owner[SL_NAME_MAXLEN], rdata[SL_RDATA_MAXLEN];
	char owner_text[SL_NAME_TEXT_MAX], err[256] = "", printed[RRTEXT_MAX];
	size_t olen, rdlen;
	uint16_t type;
	unsigned long ttl;

	must(sp3 != NULL, "bad zone line", line);
	snprintf(owner_text, sizeof(owner_text), "%.*s", (int)(sp1 - line), line);
	must(sl_name_from_text(owner_text, strlen(owner_text), origin, owner, &olen) == SL_OK,
	     "bad owner", line);
	ttl = strtoul(sp1 + 1, NULL, 10);
	must(sl_rrtype_from_text(sp2 + 1, (size_t)(sp3 - sp2 - 1), &type) == SL_OK, "bad type",
	     line);
	must(sl_rdata_from_text(type, sp3 + 1, strlen(sp3 + 1), origin, rdata, sizeof(rdata),
				&rdlen, err, sizeof(err)) == SL_OK,
	     line, err);
	must(sl_zone_txn_add(txn, owner, type, (uint32_t)ttl, rdata, (uint16_t)rdlen, line) ==
		     SL_OK,
	     "sl_zone_txn_add", line);

	print_rr(printed, sizeof(printed), owner, (uint32_t)ttl, type, rdata, rdlen);
	must(zone_rrs < ARRAY_SIZE(zone_text), "zone_text", "too small");
	zone_text[zone_rrs++] = strdup(printed);
}

static void build_zone(void)
{
	sl_zone_txn_t *txn;
	sl_zone_limits_t limits;
	char err[4096] = "", line[512];
	size_t len;

	must(sl_name_from_text(origin_text, strlen(origin_text), NULL, origin, &len) == SL_OK,
	     "origin", NULL);
	zone = sl_zone_get(origin);
	must(zone != NULL, "sl_zone_get", NULL);
	must(sl_zone_txn_begin(zone, SL_TXN_EMPTY, &txn) == SL_OK, "sl_zone_txn_begin", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(zone_lines); i++)
		add_line(txn, zone_lines[i]);
	/* Twelve in-domain name servers: their glue overflows 512 octets, not 1232. */
	for (unsigned i = 1; i <= 12; i++) {
		snprintf(line, sizeof(line), "fat 3600 NS ns%u.fat", i);
		add_line(txn, line);
		snprintf(line, sizeof(line), "ns%u.fat 3600 A 192.0.2.%u", i, i);
		add_line(txn, line);
		snprintf(line, sizeof(line), "ns%u.fat 3600 AAAA 2001:db8::%u", i, i);
		add_line(txn, line);
	}
	/* Fifteen in-zone MX targets: more than SL_ANSWER_MAX_ADDITIONAL. */
	for (unsigned i = 1; i <= 15; i++) {
		snprintf(line, sizeof(line), "mxmany 3600 MX %u h%u.many", i, i);
		add_line(txn, line);
		snprintf(line, sizeof(line), "h%u.many 3600 A 10.0.0.%u", i, i);
		add_line(txn, line);
	}
	/* A chain longer than SL_ANSWER_MAX_CNAME. */
	for (unsigned i = 1; i <= 11; i++) {
		snprintf(line, sizeof(line), "ch%u 3600 CNAME ch%u", i, i + 1);
		add_line(txn, line);
	}
	add_line(txn, "ch12 3600 CNAME www");
	/* Six 100-octet TXT records: more than 512 octets together. */
	for (unsigned i = 1; i <= 6; i++) {
		snprintf(line, sizeof(line), "big 3600 TXT \"%s%02u\"", BIG98, i);
		add_line(txn, line);
	}

	sl_zone_limits_default(&limits);
	must(sl_zone_txn_commit(txn, &limits, err, sizeof(err)) == SL_OK, "commit", err);
	must(sl_zone_current(zone) != NULL, "no current version", NULL);
	must(sl_zone_rr_count(sl_zone_current(zone)) == zone_rrs, "sl_zone_rr_count", NULL);
}

/* ---- asking ------------------------------------------------------------- */

static sl_msg_t qmsg;
static uint8_t qwire[SL_MSG_MAXLEN];
static sl_resp_t resp;
static uint8_t rbuf[SL_MSG_MAXLEN];
/* The request, built as the pipeline builds it; plugins see rcore.pub. */
static sl_request_core_t rcore;
static sl_msg_t rmsg;
static size_t rlen;

/* Builds and parses "qname qtype qclass" and prepares req/resp for it. */
static void prepare(const char *qname, uint16_t qtype, uint16_t qclass, size_t limit,
		    sl_transport_t transport)
{
	uint8_t name[SL_NAME_MAXLEN];
	size_t n = SL_HEADER_LEN, len;

	ck_assert_int_eq(sl_name_from_text(qname, strlen(qname), NULL, name, &len), SL_OK);
	memset(qwire, 0, SL_HEADER_LEN);
	qwire[0] = 0x12;
	qwire[1] = 0x34;
	qwire[5] = 1;
	memcpy(qwire + n, name, len);
	n += len;
	qwire[n++] = (uint8_t)(qtype >> 8);
	qwire[n++] = (uint8_t)qtype;
	qwire[n++] = (uint8_t)(qclass >> 8);
	qwire[n++] = (uint8_t)qclass;
	ck_assert_int_eq(sl_msg_parse(qwire, n, &qmsg), SL_OK);
	ck_assert_int_eq(sl_resp_init(&resp, rbuf, sizeof(rbuf), limit, 0, &qmsg), SL_OK);

	sl_request_core_init(&rcore);
	rcore.pub.query = &qmsg;
	rcore.pub.transport = transport;
	rcore.pub.qname = qmsg.qname;
	rcore.pub.qtype = qmsg.qtype;
	rcore.pub.qclass = qmsg.qclass;
	rcore.pub.zone_name = origin;
	rcore.pub.zone = zone;
	rcore.pub.resp = &resp;
	rcore.pub.ede_code = -1;
}

static void finish_and_parse(void)
{
	int n = sl_resp_finish(&resp, NULL);

	ck_assert_int_gt(n, 0);
	rlen = (size_t)n;
	ck_assert_uint_le(rlen, resp.limit);
	ck_assert_int_eq(sl_msg_parse(rbuf, rlen, &rmsg), SL_OK);
}

static void ask(const char *qname, uint16_t qtype, size_t limit)
{
	prepare(qname, qtype, SL_CLASS_IN, limit, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_query(&rcore.pub, sl_zone_current(zone)), SL_RESULT_DONE);
	finish_and_parse();
}

/* Prints the RR at *pos of @p wire and advances; checks class IN. */
static void read_rr(const uint8_t *wire, size_t len, size_t *pos, char *out, size_t size)
{
	sl_rr_t rr;
	uint8_t rdata[SL_RDATA_MAXLEN];
	size_t rdlen;

	ck_assert_int_eq(sl_msg_rr_next(wire, len, pos, &rr), SL_OK);
	ck_assert_uint_eq(rr.rclass, SL_CLASS_IN);
	ck_assert_int_eq(sl_rdata_unpack(rr.type, wire, len, rr.rdata_pos, rr.rdlen, rdata,
					 sizeof(rdata), &rdlen),
			 SL_OK);
	print_rr(out, size, rr.owner, rr.ttl, rr.type, rdata, rdlen);
}

static unsigned count_of(const char *const *rrs)
{
	unsigned n = 0;

	while (n < MAXRR && rrs[n] != NULL)
		n++;
	return n;
}

static const char *const section_names[] = { "question", "answer", "authority", "additional" };

/* Compares every section with the expected lists, RR by RR. */
static void expect_sections(const char *what, const char *const *an, const char *const *ns,
			    const char *const *ar)
{
	const char *const *want[4] = { NULL, an, ns, ar };
	uint16_t counts[4] = { rmsg.hdr.qdcount, rmsg.hdr.ancount, rmsg.hdr.nscount,
			       rmsg.hdr.arcount };
	size_t pos = rmsg.section_pos[SL_SECTION_ANSWER];

	for (int s = SL_SECTION_ANSWER; s <= SL_SECTION_ADDITIONAL; s++) {
		unsigned n = count_of(want[s]);

		for (unsigned i = 0; i < counts[s]; i++) {
			char got[RRTEXT_MAX];

			read_rr(rbuf, rlen, &pos, got, sizeof(got));
			ck_assert_msg(i < n, "%s: unexpected %s RR #%u: %s", what, section_names[s],
				      i, got);
			ck_assert_msg(strcmp(got, want[s][i]) == 0,
				      "%s: %s RR #%u:\n  got  %s\n  want %s", what,
				      section_names[s], i, got, want[s][i]);
		}
		ck_assert_msg(counts[s] == n, "%s: %s has %u RRs, want %u", what, section_names[s],
			      counts[s], n);
	}
}

/* ---- the query table ---------------------------------------------------- */

#define AA SL_FLAG_AA
#define TC SL_FLAG_TC
#define NOERROR SL_RCODE_NOERROR
#define NXDOMAIN SL_RCODE_NXDOMAIN
#define TCP_MAX SL_MSG_MAXLEN

/* Negative answers: SOA TTL 3600, MINIMUM 300 → 300 (RFC 2308 §5). */
#define SOA_NEG \
	"example.com. 300 SOA ns1.example.com. hostmaster.example.com. " \
	"2024010101 7200 3600 1209600 300"
#define SUB_NS "sub.example.com. 3600 NS ns.sub.example.com.", \
	"sub.example.com. 3600 NS ns.other.net."
#define SUB_GLUE "ns.sub.example.com. 3600 A 192.0.2.200", \
	"ns.sub.example.com. 3600 AAAA 2001:db8::200"
#define LONG_TARGET \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa." \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa." \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa." \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.net."
#define L40 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BIG_TXT(n) "big.example.com. 3600 TXT \"" BIG98 n "\""

struct qcase {
	const char *qname;
	uint16_t qtype;
	size_t limit;
	uint16_t rcode;
	uint16_t flags;          /* expected AA and TC bits */
	sl_answer_kind_t kind;
	const char *an[MAXRR];
	const char *ns[MAXRR];
	const char *ar[MAXRR];
};

static const struct qcase qcases[] = {
	/* exact matches; the question's case is kept for its owner */
	{ "www.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "www.example.com. 3600 A 192.0.2.80" }, { NULL }, { NULL } },
	{ "WwW.ExAmPle.CoM.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "WwW.ExAmPle.CoM. 3600 A 192.0.2.80" }, { NULL }, { NULL } },
	{ "www.example.com.", SL_TYPE_AAAA, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "www.example.com. 3600 AAAA 2001:db8::80" }, { NULL }, { NULL } },
	{ "example.com.", SL_TYPE_TXT, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "example.com. 3600 TXT \"apex\"" }, { NULL }, { NULL } },

	/* NODATA and NXDOMAIN: SOA with min(TTL, MINIMUM) */
	{ "www.example.com.", SL_TYPE_MX, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "nothere.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { NULL }, { SOA_NEG }, { NULL } },
	/* Compression against the question carries its case into the SOA, as in knotd. */
	{ "NoThere.ExAmPle.CoM.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { NULL },
	  { "ExAmPle.CoM. 300 SOA ns1.ExAmPle.CoM. hostmaster.ExAmPle.CoM. "
	    "2024010101 7200 3600 1209600 300" },
	  { NULL } },
	{ "example.com.", SL_TYPE_DS, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },

	/* ANY (RFC 8482): one RRset, the lowest type, like knotd */
	{ "example.com.", SL_TYPE_ANY, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "example.com. 3600 A 192.0.2.1" }, { NULL }, { NULL } },
	{ "t4.example.com.", SL_TYPE_ANY, TCP_MAX, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "t4.example.com. 3600 TXT \"y\"" }, { NULL }, { NULL } },
	{ "t1.example.com.", SL_TYPE_ANY, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "t1.example.com. 3600 MX 10 mail.example.com." }, { NULL },
	  { "mail.example.com. 3600 A 192.0.2.25", "mail.example.com. 3600 AAAA 2001:db8::25" } },
	{ "c1.example.com.", SL_TYPE_ANY, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "c1.example.com. 3600 CNAME c2.example.com." }, { NULL }, { NULL } },
	{ "ent.example.com.", SL_TYPE_ANY, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "big.example.com.", SL_TYPE_ANY, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "big.example.com. 3600 A 192.0.2.250" }, { NULL }, { NULL } },

	/* additional A/AAAA for MX, NS, SRV, HTTPS targets; none for out-of-zone ones */
	{ "example.com.", SL_TYPE_MX, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "example.com. 3600 MX 10 mail.example.com.",
	    "example.com. 3600 MX 20 mail.other.net." },
	  { NULL },
	  { "mail.example.com. 3600 A 192.0.2.25", "mail.example.com. 3600 AAAA 2001:db8::25" } },
	{ "example.com.", SL_TYPE_NS, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "example.com. 3600 NS ns1.example.com.", "example.com. 3600 NS ns2.example.com." },
	  { NULL },
	  { "ns1.example.com. 3600 A 192.0.2.53", "ns1.example.com. 3600 AAAA 2001:db8::53",
	    "ns2.example.com. 3600 A 192.0.2.54" } },
	{ "_sip._udp.example.com.", SL_TYPE_SRV, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "_sip._udp.example.com. 3600 SRV 0 5 5060 sip.example.com." }, { NULL },
	  { "sip.example.com. 3600 A 192.0.2.60" } },
	/* knotd repeats mail's addresses for the second MX; we add each name once */
	{ "mx2.example.com.", SL_TYPE_MX, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "mx2.example.com. 3600 MX 10 mail.example.com.",
	    "mx2.example.com. 3600 MX 20 mail.example.com.",
	    "mx2.example.com. 3600 MX 30 ns1.example.com." },
	  { NULL },
	  { "mail.example.com. 3600 A 192.0.2.25", "mail.example.com. 3600 AAAA 2001:db8::25",
	    "ns1.example.com. 3600 A 192.0.2.53", "ns1.example.com. 3600 AAAA 2001:db8::53" } },
	/* a target covered by a wildcard gets the wildcard's addresses under its own name */
	{ "mxw.example.com.", SL_TYPE_MX, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "mxw.example.com. 3600 MX 10 foo.wild.example.com." }, { NULL },
	  { "foo.wild.example.com. 3600 A 192.0.2.100" } },
	{ "svc.example.com.", SL_TYPE_HTTPS, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "svc.example.com. 3600 HTTPS 1 web.example.com." }, { NULL },
	  { "web.example.com. 3600 A 192.0.2.70", "web.example.com. 3600 HTTPS 1 . alpn=\"h2\"" } },
	{ "web.example.com.", SL_TYPE_HTTPS, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "web.example.com. 3600 HTTPS 1 . alpn=\"h2\"" }, { NULL }, { NULL } },

	/* CNAME chains */
	{ "c1.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "c1.example.com. 3600 CNAME c2.example.com.",
	    "c2.example.com. 3600 CNAME www.example.com.", "www.example.com. 3600 A 192.0.2.80" },
	  { NULL }, { NULL } },
	{ "C1.ExAmPle.CoM.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "C1.ExAmPle.CoM. 3600 CNAME c2.ExAmPle.CoM.",
	    "c2.ExAmPle.CoM. 3600 CNAME www.ExAmPle.CoM.",
	    "www.ExAmPle.CoM. 3600 A 192.0.2.80" },
	  { NULL }, { NULL } },
	{ "c1.example.com.", SL_TYPE_CNAME, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "c1.example.com. 3600 CNAME c2.example.com." }, { NULL }, { NULL } },
	/* the chain ends in NODATA: SOA, still a positive answer for the question */
	{ "c1.example.com.", SL_TYPE_MX, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "c1.example.com. 3600 CNAME c2.example.com.",
	    "c2.example.com. 3600 CNAME www.example.com." },
	  { SOA_NEG }, { NULL } },
	{ "loop1.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "loop1.example.com. 3600 CNAME loop2.example.com.",
	    "loop2.example.com. 3600 CNAME loop1.example.com." },
	  { NULL }, { NULL } },
	{ "out.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "out.example.com. 3600 CNAME www.other.net." }, { NULL }, { NULL } },
	/* knotd: the rcode of the chain's end, NXDOMAIN */
	{ "dangling.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { "dangling.example.com. 3600 CNAME nothere.example.com." }, { SOA_NEG }, { NULL } },
	{ "dangling.example.com.", SL_TYPE_CNAME, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "dangling.example.com. 3600 CNAME nothere.example.com." }, { NULL }, { NULL } },
	/*
	 * At most SL_ANSWER_MAX_CNAME (8) CNAMEs are followed: a ninth stops the
	 * chain with NOERROR (knotd's limit is 5); eight are followed to the end.
	 */
	{ "ch1.example.com.", SL_TYPE_A, TCP_MAX, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "ch1.example.com. 3600 CNAME ch2.example.com.",
	    "ch2.example.com. 3600 CNAME ch3.example.com.",
	    "ch3.example.com. 3600 CNAME ch4.example.com.",
	    "ch4.example.com. 3600 CNAME ch5.example.com.",
	    "ch5.example.com. 3600 CNAME ch6.example.com.",
	    "ch6.example.com. 3600 CNAME ch7.example.com.",
	    "ch7.example.com. 3600 CNAME ch8.example.com.",
	    "ch8.example.com. 3600 CNAME ch9.example.com." },
	  { NULL }, { NULL } },
	{ "ch5.example.com.", SL_TYPE_A, TCP_MAX, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "ch5.example.com. 3600 CNAME ch6.example.com.",
	    "ch6.example.com. 3600 CNAME ch7.example.com.",
	    "ch7.example.com. 3600 CNAME ch8.example.com.",
	    "ch8.example.com. 3600 CNAME ch9.example.com.",
	    "ch9.example.com. 3600 CNAME ch10.example.com.",
	    "ch10.example.com. 3600 CNAME ch11.example.com.",
	    "ch11.example.com. 3600 CNAME ch12.example.com.",
	    "ch12.example.com. 3600 CNAME www.example.com.",
	    "www.example.com. 3600 A 192.0.2.80" },
	  { NULL }, { NULL } },
	{ "ch6.example.com.", SL_TYPE_A, TCP_MAX, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "ch6.example.com. 3600 CNAME ch7.example.com.",
	    "ch7.example.com. 3600 CNAME ch8.example.com.",
	    "ch8.example.com. 3600 CNAME ch9.example.com.",
	    "ch9.example.com. 3600 CNAME ch10.example.com.",
	    "ch10.example.com. 3600 CNAME ch11.example.com.",
	    "ch11.example.com. 3600 CNAME ch12.example.com.",
	    "ch12.example.com. 3600 CNAME www.example.com.",
	    "www.example.com. 3600 A 192.0.2.80" },
	  { NULL }, { NULL } },
	/* a chain into a delegation: AA (decided at the question), then the referral */
	{ "csub.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "csub.example.com. 3600 CNAME x.sub.example.com." }, { SUB_NS }, { SUB_GLUE } },

	/* DNAME (RFC 6672) */
	{ "x.dn.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "dn.example.com. 600 DNAME example.net.",
	    "x.dn.example.com. 600 CNAME x.example.net." },
	  { NULL }, { NULL } },
	{ "dn.example.com.", SL_TYPE_DNAME, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "dn.example.com. 600 DNAME example.net." }, { NULL }, { NULL } },
	{ "dn.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "a.dn2.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "dn2.example.com. 3600 DNAME tgt.example.com.",
	    "a.dn2.example.com. 3600 CNAME a.tgt.example.com.",
	    "a.tgt.example.com. 3600 A 192.0.2.77" },
	  { NULL }, { NULL } },
	/* the synthesised target's own labels are lower-cased, as knotd writes them */
	{ "A.Dn2.ExAmple.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "Dn2.ExAmple.com. 3600 DNAME tgt.example.com.",
	    "A.Dn2.ExAmple.com. 3600 CNAME a.tgt.ExAmple.com.",
	    "a.tgt.ExAmple.com. 3600 A 192.0.2.77" },
	  { NULL }, { NULL } },
	{ "b.dn2.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { "dn2.example.com. 3600 DNAME tgt.example.com.",
	    "b.dn2.example.com. 3600 CNAME b.tgt.example.com." },
	  { SOA_NEG }, { NULL } },
	/* below a DNAME every name is rewritten (the store refuses data there, RFC 6672 §2.4) */
	{ "occluded.dn2.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { "dn2.example.com. 3600 DNAME tgt.example.com.",
	    "occluded.dn2.example.com. 3600 CNAME occluded.tgt.example.com." },
	  { SOA_NEG }, { NULL } },
	/* a DNAME is applied once per answer: no repeated or ever-longer CNAMEs */
	{ "a.self.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "self.example.com. 3600 DNAME self.example.com.",
	    "a.self.example.com. 3600 CNAME a.self.example.com." },
	  { NULL }, { NULL } },
	{ "a.grow.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "grow.example.com. 3600 DNAME x.grow.example.com.",
	    "a.grow.example.com. 3600 CNAME a.x.grow.example.com." },
	  { NULL }, { NULL } },
	{ "a.ping.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "ping.example.com. 3600 DNAME pong.example.com.",
	    "a.ping.example.com. 3600 CNAME a.pong.example.com.",
	    "pong.example.com. 3600 DNAME ping.example.com.",
	    "a.pong.example.com. 3600 CNAME a.ping.example.com." },
	  { NULL }, { NULL } },
	/* a synthesised CNAME is itself the answer to a CNAME question */
	{ "a.dn2.example.com.", SL_TYPE_CNAME, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "dn2.example.com. 3600 DNAME tgt.example.com.",
	    "a.dn2.example.com. 3600 CNAME a.tgt.example.com." },
	  { NULL }, { NULL } },
	{ "a.dn2.example.com.", SL_TYPE_DNAME, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "dn2.example.com. 3600 DNAME tgt.example.com.",
	    "a.dn2.example.com. 3600 CNAME a.tgt.example.com." },
	  { SOA_NEG }, { NULL } },
	{ "a.y.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "y.example.com. 3600 DNAME " LONG_TARGET,
	    "a.y.example.com. 3600 CNAME a." LONG_TARGET },
	  { NULL }, { NULL } },
	/* 41 + 217 octets > 255: YXDOMAIN with the DNAME alone */
	{ L40 ".y.example.com.", SL_TYPE_A, 512, SL_RCODE_YXDOMAIN, AA, SL_ANSWER_ERROR,
	  { "y.example.com. 3600 DNAME " LONG_TARGET }, { NULL }, { NULL } },

	/* wildcards (RFC 4592) */
	{ "x.wild.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "x.wild.example.com. 3600 A 192.0.2.100" }, { NULL }, { NULL } },
	{ "X.WILD.example.com.", SL_TYPE_TXT, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "X.WILD.example.com. 3600 TXT \"wild\"" }, { NULL }, { NULL } },
	{ "x.y.wild.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "x.y.wild.example.com. 3600 A 192.0.2.100" }, { NULL }, { NULL } },
	{ "x.wild.example.com.", SL_TYPE_MX, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "x.wild.example.com.", SL_TYPE_ANY, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "x.wild.example.com. 3600 A 192.0.2.100" }, { NULL }, { NULL } },
	/* an existing name blocks the wildcard, and so does an empty non-terminal */
	{ "explicit.wild.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "explicit.wild.example.com. 3600 A 192.0.2.101" }, { NULL }, { NULL } },
	{ "explicit.wild.example.com.", SL_TYPE_TXT, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "x.explicit.wild.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "wild.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "*.wild.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "*.wild.example.com. 3600 A 192.0.2.100" }, { NULL }, { NULL } },
	/* wildcard CNAMEs are followed */
	{ "Foo.wc.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "Foo.wc.example.com. 3600 CNAME www.example.com.",
	    "www.example.com. 3600 A 192.0.2.80" },
	  { NULL }, { NULL } },
	{ "foo.wc.example.com.", SL_TYPE_CNAME, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "foo.wc.example.com. 3600 CNAME www.example.com." }, { NULL }, { NULL } },
	{ "foo.wcn.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { "foo.wcn.example.com. 3600 CNAME nothere.example.com." }, { SOA_NEG }, { NULL } },
	/* a wildcard CNAME loop: the wildcard is used once more under a new owner, then stop */
	{ "wcloop.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_WILDCARD,
	  { "wcloop.example.com. 3600 CNAME x.wl.example.com.",
	    "x.wl.example.com. 3600 CNAME y.wl.example.com.",
	    "y.wl.example.com. 3600 CNAME y.wl.example.com." },
	  { NULL }, { NULL } },

	/* empty non-terminals */
	{ "b.ent.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "x.ent.example.com.", SL_TYPE_A, 512, NXDOMAIN, AA, SL_ANSWER_NXDOMAIN,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "a.b.ent.example.com.", SL_TYPE_A, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "a.b.ent.example.com. 3600 A 192.0.2.9" }, { NULL }, { NULL } },

	/* referrals: no AA, NS in authority, in-domain glue in additional */
	{ "sub.example.com.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	{ "Sub.ExAmPle.CoM.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL },
	  { "Sub.ExAmPle.CoM. 3600 NS ns.Sub.ExAmPle.CoM.",
	    "Sub.ExAmPle.CoM. 3600 NS ns.other.net." },
	  { "ns.Sub.ExAmPle.CoM. 3600 A 192.0.2.200",
	    "ns.Sub.ExAmPle.CoM. 3600 AAAA 2001:db8::200" } },
	{ "sub.example.com.", SL_TYPE_NS, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	{ "sub.example.com.", SL_TYPE_ANY, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	{ "x.sub.example.com.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	/* glue and occluded data below the cut are never answers */
	{ "ns.sub.example.com.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	{ "deep.sub.example.com.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	{ "x.deep.sub.example.com.", SL_TYPE_DS, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	{ "ns.sub.example.com.", SL_TYPE_DS, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { SUB_NS }, { SUB_GLUE } },
	/* DS at the cut comes from the parent side, authoritatively */
	{ "sub.example.com.", SL_TYPE_DS, 512, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { "sub.example.com. 3600 DS 12345 8 2 "
	    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" },
	  { NULL }, { NULL } },
	{ "nods.example.com.", SL_TYPE_DS, 512, NOERROR, AA, SL_ANSWER_NODATA,
	  { NULL }, { SOA_NEG }, { NULL } },
	{ "nods.example.com.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL }, { "nods.example.com. 3600 NS ns.nods.example.com." },
	  { "ns.nods.example.com. 3600 A 192.0.2.210" } },
	/* required glue first, then sibling glue (also from another cut) in RDATA order */
	{ "sib.example.com.", SL_TYPE_A, 512, NOERROR, 0, SL_ANSWER_REFERRAL,
	  { NULL },
	  { "sib.example.com. 3600 NS ns.sib.example.com.",
	    "sib.example.com. 3600 NS ns.sub.example.com.",
	    "sib.example.com. 3600 NS ns1.example.com." },
	  { "ns.sib.example.com. 3600 A 192.0.2.99", SUB_GLUE,
	    "ns1.example.com. 3600 A 192.0.2.53", "ns1.example.com. 3600 AAAA 2001:db8::53" } },

	/* truncation: an RRset that does not fit is left out whole, TC, nothing after it */
	{ "big.example.com.", SL_TYPE_TXT, 512, NOERROR, AA | TC, SL_ANSWER_POSITIVE,
	  { NULL }, { NULL }, { NULL } },
	{ "cbig.example.com.", SL_TYPE_TXT, 512, NOERROR, AA | TC, SL_ANSWER_POSITIVE,
	  { "cbig.example.com. 3600 CNAME big.example.com." }, { NULL }, { NULL } },
	{ "big.example.com.", SL_TYPE_TXT, 1232, NOERROR, AA, SL_ANSWER_POSITIVE,
	  { BIG_TXT("01"), BIG_TXT("02"), BIG_TXT("03"), BIG_TXT("04"), BIG_TXT("05"),
	    BIG_TXT("06") },
	  { NULL }, { NULL } },
	/*
	 * Limits below 512 only to force the case. A SOA that does not fit sets
	 * TC (knotd drops it silently; a negative answer without its SOA cannot
	 * be cached, RFC 2308 §5, so the client had better retry over TCP).
	 */
	{ "www.example.com.", SL_TYPE_MX, 80, NOERROR, AA | TC, SL_ANSWER_NODATA,
	  { NULL }, { NULL }, { NULL } },
	/* a referral whose NS RRset does not fit: TC, nothing else */
	{ "sub.example.com.", SL_TYPE_A, 60, NOERROR, TC, SL_ANSWER_REFERRAL,
	  { NULL }, { NULL }, { NULL } },
	/*
	 * Required glue that does not fit: TC, and every glue RRset that fits is
	 * kept (knotd: the same twelve, ns6 AAAA skipped but ns7 A added).
	 */
	{ "fat.example.com.", SL_TYPE_A, 512, NOERROR, TC, SL_ANSWER_REFERRAL,
	  { NULL },
	  {
	    "fat.example.com. 3600 NS ns1.fat.example.com.",
	    "fat.example.com. 3600 NS ns2.fat.example.com.",
	    "fat.example.com. 3600 NS ns3.fat.example.com.",
	    "fat.example.com. 3600 NS ns4.fat.example.com.",
	    "fat.example.com. 3600 NS ns5.fat.example.com.",
	    "fat.example.com. 3600 NS ns6.fat.example.com.",
	    "fat.example.com. 3600 NS ns7.fat.example.com.",
	    "fat.example.com. 3600 NS ns8.fat.example.com.",
	    "fat.example.com. 3600 NS ns9.fat.example.com.",
	    "fat.example.com. 3600 NS ns10.fat.example.com.",
	    "fat.example.com. 3600 NS ns11.fat.example.com.",
	    "fat.example.com. 3600 NS ns12.fat.example.com." },
	  { "ns1.fat.example.com. 3600 A 192.0.2.1", "ns1.fat.example.com. 3600 AAAA 2001:db8::1",
	    "ns2.fat.example.com. 3600 A 192.0.2.2", "ns2.fat.example.com. 3600 AAAA 2001:db8::2",
	    "ns3.fat.example.com. 3600 A 192.0.2.3", "ns3.fat.example.com. 3600 AAAA 2001:db8::3",
	    "ns4.fat.example.com. 3600 A 192.0.2.4", "ns4.fat.example.com. 3600 AAAA 2001:db8::4",
	    "ns5.fat.example.com. 3600 A 192.0.2.5", "ns5.fat.example.com. 3600 AAAA 2001:db8::5",
	    "ns6.fat.example.com. 3600 A 192.0.2.6", "ns7.fat.example.com. 3600 A 192.0.2.7" } },
};

/* req->kind_name (ABI 2.1): what rate limiting accounts the answer by. */
static void expect_kind_name(const char *what, const struct qcase *c)
{
	const uint8_t *kn = rcore.pub.kind_name;
	uint8_t apex[SL_NAME_MAXLEN], qname[SL_NAME_MAXLEN], deleg[SL_NAME_MAXLEN];
	size_t len;

	ck_assert_int_eq(sl_name_from_text("example.com.", 12, NULL, apex, &len), SL_OK);
	ck_assert_int_eq(sl_name_from_text(c->qname, strlen(c->qname), NULL, qname, &len), SL_OK);
	switch (c->kind) {
	case SL_ANSWER_NXDOMAIN:
	case SL_ANSWER_NODATA:
		ck_assert_msg(kn != NULL && sl_name_equal(kn, apex), "%s: kind_name is not the apex",
			      what);
		break;
	case SL_ANSWER_WILDCARD:
		/* The wildcard that matched: the question's or a CNAME target's. */
		ck_assert_msg(kn != NULL && kn[0] == 1 && kn[1] == '*' &&
				      sl_name_is_subdomain(kn, apex),
			      "%s: kind_name is not the wildcard", what);
		break;
	case SL_ANSWER_REFERRAL:
		/* The delegation point: the owner of the authority section's NS
		 * RRset, or (when it did not fit) the question, asked at the cut. */
		if (c->ns[0] != NULL)
			ck_assert_int_eq(sl_name_from_text(c->ns[0], strcspn(c->ns[0], " "), NULL,
							   deleg, &len),
					 SL_OK);
		else
			memcpy(deleg, qname, sizeof(deleg));
		ck_assert_msg(kn != NULL && sl_name_equal(kn, deleg),
			      "%s: kind_name is not the delegation point", what);
		break;
	case SL_ANSWER_POSITIVE:
		ck_assert_msg(kn == NULL, "%s: kind_name set for a positive answer", what);
		break;
	default:
		break;
	}
}

START_TEST(test_query)
{
	const struct qcase *c = &qcases[_i];
	int i = _i;
	char what[512];

	snprintf(what, sizeof(what), "case %d: %s/%u @%zu", i, c->qname, c->qtype, c->limit);
	ask(c->qname, c->qtype, c->limit);
	ck_assert_msg(SL_FLAGS_RCODE(rmsg.hdr.flags) == c->rcode, "%s: rcode %u, want %u", what,
		      SL_FLAGS_RCODE(rmsg.hdr.flags), c->rcode);
	ck_assert_msg((rmsg.hdr.flags & (AA | TC)) == c->flags, "%s: flags %#x, want %#x", what,
		      rmsg.hdr.flags & (AA | TC), c->flags);
	ck_assert_msg(rcore.pub.kind == c->kind, "%s: kind %d, want %d", what, rcore.pub.kind, c->kind);
	expect_kind_name(what, c);
	expect_sections(what, c->an, c->ns, c->ar);
}
END_TEST

/* ---- other query tests -------------------------------------------------- */

/* All twelve in-domain glue names fit in 1232 octets: no TC. */
START_TEST(test_fat_referral_1232)
{
	size_t pos;
	unsigned a = 0, aaaa = 0;

	ask("fat.example.com.", SL_TYPE_A, 1232);
	ck_assert_uint_eq(rmsg.hdr.flags & (AA | TC), 0);
	ck_assert_uint_eq(rmsg.hdr.ancount, 0);
	ck_assert_uint_eq(rmsg.hdr.nscount, 12);
	ck_assert_uint_eq(rmsg.hdr.arcount, 24);
	pos = rmsg.section_pos[SL_SECTION_ADDITIONAL];
	for (unsigned i = 0; i < 24; i++) {
		sl_rr_t rr;

		ck_assert_int_eq(sl_msg_rr_next(rbuf, rlen, &pos, &rr), SL_OK);
		a += rr.type == SL_TYPE_A;
		aaaa += rr.type == SL_TYPE_AAAA;
	}
	ck_assert_uint_eq(a, 12);
	ck_assert_uint_eq(aaaa, 12);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_REFERRAL);
}
END_TEST

/* Additional data is capped at SL_ANSWER_MAX_ADDITIONAL names; over 512 it is cut silently. */
START_TEST(test_additional_cap)
{
	static const size_t limits[] = { TCP_MAX, 512 };

	for (size_t l = 0; l < ARRAY_SIZE(limits); l++) {
		size_t pos;

		ask("mxmany.example.com.", SL_TYPE_MX, limits[l]);
		ck_assert_uint_eq(rmsg.hdr.flags & (AA | TC), AA);
		ck_assert_uint_eq(rmsg.hdr.ancount, 15);
		if (limits[l] == TCP_MAX)
			ck_assert_uint_eq(rmsg.hdr.arcount, SL_ANSWER_MAX_ADDITIONAL);
		else
			/* What knotd fits too: 11 of the 15. */
			ck_assert_uint_eq(rmsg.hdr.arcount, 11);
		pos = rmsg.section_pos[SL_SECTION_ADDITIONAL];
		for (unsigned i = 0; i < rmsg.hdr.arcount; i++) {
			char got[RRTEXT_MAX], want[RRTEXT_MAX];

			read_rr(rbuf, rlen, &pos, got, sizeof(got));
			snprintf(want, sizeof(want), "h%u.many.example.com. 3600 A 10.0.0.%u",
				 i + 1, i + 1);
			ck_assert_str_eq(got, want);
		}
	}
}
END_TEST

/* QCLASS * is answered as IN (and the answer's class is IN). */
START_TEST(test_qclass_any)
{
	prepare("www.example.com.", SL_TYPE_A, SL_CLASS_ANY, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_query(&rcore.pub, sl_zone_current(zone)), SL_RESULT_DONE);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), NOERROR);
	expect_sections("class ANY", (const char *const[]){ "www.example.com. 3600 A 192.0.2.80",
							    NULL },
			(const char *const[]){ NULL }, (const char *const[]){ NULL });
}
END_TEST

START_TEST(test_qclass_chaos_refused)
{
	prepare("www.example.com.", SL_TYPE_A, SL_CLASS_CH, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_query(&rcore.pub, sl_zone_current(zone)), SL_RESULT_DONE);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), SL_RCODE_REFUSED);
	ck_assert_uint_eq(rmsg.hdr.flags & AA, 0);
	ck_assert_uint_eq(rmsg.hdr.ancount + rmsg.hdr.nscount + rmsg.hdr.arcount, 0);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_ERROR);
}
END_TEST

START_TEST(test_no_version)
{
	prepare("www.example.com.", SL_TYPE_A, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_query(&rcore.pub, NULL), SL_RESULT_DONE);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), SL_RCODE_SERVFAIL);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_ERROR);
}
END_TEST

/* A question outside the zone is not ours to answer. */
START_TEST(test_out_of_zone)
{
	ask("www.example.net.", SL_TYPE_A, 512);
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), SL_RCODE_REFUSED);
	ck_assert_uint_eq(rmsg.hdr.flags & AA, 0);
	ck_assert_uint_eq(rmsg.hdr.ancount + rmsg.hdr.nscount + rmsg.hdr.arcount, 0);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_ERROR);
}
END_TEST

/*
 * After a FOLLOW from another zone, req->qname is the CNAME target while the
 * question (and the answer section) already hold the earlier chain.
 */
START_TEST(test_follow_target)
{
	static const uint8_t rd[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				      3, 'c', 'o', 'm', 0 };

	prepare("alias.example.org.", SL_TYPE_A, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_resp_add_rr(&resp, qmsg.qname, SL_TYPE_CNAME, SL_CLASS_IN, 60, rd,
					sizeof(rd)),
			 SL_OK);
	memcpy(rcore.pub.follow, rd, sizeof(rd));
	rcore.pub.qname = rcore.pub.follow;
	rcore.follows = 1;
	ck_assert_int_eq(sl_answer_query(&rcore.pub, sl_zone_current(zone)), SL_RESULT_DONE);
	finish_and_parse();
	expect_sections("follow",
			(const char *const[]){ "alias.example.org. 60 CNAME www.example.com.",
					       "www.example.com. 3600 A 192.0.2.80", NULL },
			(const char *const[]){ NULL }, (const char *const[]){ NULL });
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_POSITIVE);
}
END_TEST

/*
 * The negative-answer helper plugins use: rcode, AA, kind, and the SOA with
 * TTL min(SOA TTL, MINIMUM) — the same record sl_answer_query() writes.
 */
START_TEST(test_negative_helper)
{
	/* A name a plugin synthesises does not exist: NXDOMAIN, SOA from req->zone. */
	prepare("gone.example.com.", SL_TYPE_A, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NXDOMAIN), SL_OK);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_NXDOMAIN);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), NXDOMAIN);
	ck_assert_uint_eq(rmsg.hdr.flags & AA, AA);
	expect_sections("nxdomain", (const char *const[]){ NULL },
			(const char *const[]){ SOA_NEG, NULL }, (const char *const[]){ NULL });

	/* NODATA with an explicit version, after a CNAME another step wrote. */
	static const uint8_t target[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
					  3, 'c', 'o', 'm', 0 };
	prepare("alias.example.com.", SL_TYPE_AAAA, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_resp_add_rr(&resp, qmsg.qname, SL_TYPE_CNAME, SL_CLASS_IN, 60, target,
					sizeof(target)),
			 SL_OK);
	rcore.pub.zone = NULL;
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, sl_zone_current(zone), SL_ANSWER_NODATA),
			 SL_OK);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_NODATA);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), NOERROR);
	expect_sections("nodata",
			(const char *const[]){ "alias.example.com. 60 CNAME www.example.com.", NULL },
			(const char *const[]){ SOA_NEG, NULL }, (const char *const[]){ NULL });

	/* No zone data to take a SOA from: still negative, without SOA. */
	prepare("who.example.com.", SL_TYPE_A, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	rcore.pub.zone = NULL;
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NODATA), SL_ENOTFOUND);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_NODATA);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), NOERROR);
	ck_assert_uint_eq(rmsg.hdr.flags & AA, AA);
	ck_assert_uint_eq(rmsg.hdr.ancount + rmsg.hdr.nscount + rmsg.hdr.arcount, 0);

	/* Only NXDOMAIN and NODATA are negative answers; anything else changes nothing. */
	prepare("x.example.com.", SL_TYPE_A, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_POSITIVE), SL_EINVAL);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_NONE);
	finish_and_parse();
	ck_assert_uint_eq(rmsg.hdr.flags & AA, 0);
	ck_assert_uint_eq(rmsg.hdr.nscount, 0);

	/* A SOA that does not fit sets TC: the negative answer must not go without it. */
	prepare("gone.example.com.", SL_TYPE_A, SL_CLASS_IN, 40, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NXDOMAIN), SL_OK);
	finish_and_parse();
	ck_assert_uint_eq(rmsg.hdr.flags & TC, TC);
	ck_assert_uint_eq(rmsg.hdr.nscount, 0);
}
END_TEST

static int stream_frees;
static int stream_next(void *state, sl_resp_t *r)
{
	return 0;
}
static void stream_free(void *state)
{
	stream_frees++;
}

/* What the core keeps for itself, as plugins read and set it. */
START_TEST(test_request_accessors)
{
	sl_stream_t st = { .next = stream_next, .free = stream_free, .state = NULL };
	sl_stream_t half = { .next = stream_next };

	prepare("example.com.", SL_TYPE_AXFR, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_request_result(&rcore.pub), SL_RESULT_PASS);
	ck_assert_uint_eq(sl_request_follows(&rcore.pub), 0);
	ck_assert_ptr_null(sl_request_worker(&rcore.pub));
	rcore.follows = 3;
	rcore.result = SL_RESULT_DONE;
	ck_assert_uint_eq(sl_request_follows(&rcore.pub), 3);
	ck_assert_int_eq(sl_request_result(&rcore.pub), SL_RESULT_DONE);
	/* Streams are TCP only; the caller keeps its state when refused. */
	ck_assert_int_eq(sl_request_set_stream(&rcore.pub, &st), SL_ENOTSUP);
	ck_assert_ptr_null(rcore.stream.next);
	rcore.pub.transport = SL_TRANSPORT_TCP;
	ck_assert_int_eq(sl_request_set_stream(&rcore.pub, &half), SL_EINVAL);
	ck_assert_int_eq(sl_request_set_stream(&rcore.pub, NULL), SL_EINVAL);
	stream_frees = 0;
	ck_assert_int_eq(sl_request_set_stream(&rcore.pub, &st), SL_OK);
	ck_assert_ptr_eq(rcore.stream.next, stream_next);
	/* A second stream releases the first. */
	ck_assert_int_eq(sl_request_set_stream(&rcore.pub, &st), SL_OK);
	ck_assert_int_eq(stream_frees, 1);
	rcore.stream.free(rcore.stream.state);
}
END_TEST

/* Longest possible names: wildcard owners and DNAME results of exactly 255 octets. */
static void long_name(char *out, size_t size, unsigned last, const char *suffix)
{
	char l63[64], lx[64];

	memset(l63, 'w', 63);
	l63[63] = '\0';
	memset(lx, 'v', last);
	lx[last] = '\0';
	snprintf(out, size, "%s.%s.%s.%s.%s", l63, l63, l63, lx, suffix);
}

START_TEST(test_long_names)
{
	char q[400];
	uint8_t w[SL_NAME_MAXLEN];
	size_t len;

	/* 3 x 64 + 45 + "wild.example.com." (18) = 255 octets */
	long_name(q, sizeof(q), 44, "wild.example.com.");
	ck_assert_int_eq(sl_name_from_text(q, strlen(q), NULL, w, &len), SL_OK);
	ck_assert_uint_eq(len, SL_NAME_MAXLEN);
	ask(q, SL_TYPE_A, 1232);
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), NOERROR);
	ck_assert_uint_eq(rmsg.hdr.ancount, 1);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_WILDCARD);

	/* dn2 -> tgt keeps the length: a 255-octet CNAME target, then NXDOMAIN there. */
	long_name(q, sizeof(q), 45, "dn2.example.com.");
	ck_assert_int_eq(sl_name_from_text(q, strlen(q), NULL, w, &len), SL_OK);
	ck_assert_uint_eq(len, SL_NAME_MAXLEN);
	ask(q, SL_TYPE_A, 1232);
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), NXDOMAIN);
	ck_assert_uint_eq(rmsg.hdr.ancount, 2);
	ck_assert_uint_eq(rmsg.hdr.nscount, 1);

	/* One octet more after substitution would not be a name: YXDOMAIN. */
	long_name(q, sizeof(q), 47, "y.example.com.");
	ask(q, SL_TYPE_A, 1232);
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), SL_RCODE_YXDOMAIN);
	ck_assert_uint_eq(rmsg.hdr.ancount, 1);
}
END_TEST

/* Every AA answer carries exactly one question, echoed with its case. */
START_TEST(test_question_echo)
{
	ask("WwW.ExAmPle.CoM.", SL_TYPE_A, 512);
	ck_assert_uint_eq(rmsg.hdr.qdcount, 1);
	ck_assert_mem_eq(rmsg.qname, qmsg.qname, qmsg.qname_len);
	ck_assert_uint_eq(rmsg.hdr.flags & SL_FLAG_QR, SL_FLAG_QR);
}
END_TEST

/* ---- AXFR --------------------------------------------------------------- */

/* Streams a whole AXFR with every message limited to @p limit; returns RR texts. */
static unsigned run_axfr(size_t limit, char **rrs, unsigned cap, unsigned *messages,
			 bool commit_midway)
{
	static uint8_t mbuf[SL_MSG_MAXLEN];
	sl_msg_t m;
	unsigned n = 0;
	int more;
	sl_resp_t *r = &resp;

	prepare("example.com.", SL_TYPE_AXFR, SL_CLASS_IN, limit, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_axfr(&rcore.pub, zone), SL_RESULT_DONE);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_TRANSFER);
	more = rcore.stream.next != NULL;
	*messages = 0;
	for (;;) {
		int len = sl_resp_finish(r, NULL);
		size_t pos;

		ck_assert_int_gt(len, 0);
		ck_assert_uint_le((size_t)len, limit);
		memcpy(mbuf, r->buf, (size_t)len);
		ck_assert_int_eq(sl_msg_parse(mbuf, (size_t)len, &m), SL_OK);
		ck_assert_uint_eq(m.hdr.flags & AA, AA);
		ck_assert_uint_eq(SL_FLAGS_RCODE(m.hdr.flags), NOERROR);
		ck_assert_uint_gt(m.hdr.ancount, 0);
		ck_assert_uint_eq(m.hdr.nscount + m.hdr.arcount, 0);
		(*messages)++;
		pos = m.section_pos[SL_SECTION_ANSWER];
		for (unsigned i = 0; i < m.hdr.ancount; i++) {
			char got[RRTEXT_MAX];

			read_rr(mbuf, (size_t)len, &pos, got, sizeof(got));
			ck_assert_uint_lt(n, cap);
			rrs[n++] = strdup(got);
		}
		if (!more)
			break;
		if (commit_midway && *messages == 1) {
			/* A new version must not disturb the stream: it holds a reference. */
			sl_zone_txn_t *txn;
			sl_zone_limits_t limits;
			char err[256];
			uint8_t owner[SL_NAME_MAXLEN];

			wire_name("www", owner);
			sl_zone_limits_default(&limits);
			ck_assert_int_eq(sl_zone_txn_begin(zone, 0, &txn), SL_OK);
			ck_assert_int_eq(sl_zone_txn_remove_rrset(txn, owner, SL_TYPE_ANY), SL_OK);
			ck_assert_int_eq(sl_zone_txn_commit(txn, &limits, err, sizeof(err)), SL_OK);
		}
		ck_assert_int_eq(sl_resp_init(r, rbuf, sizeof(rbuf), limit, 0, &qmsg), SL_OK);
		more = rcore.stream.next(rcore.stream.state, r);
		ck_assert_int_ge(more, 0);
	}
	if (rcore.stream.free != NULL)
		rcore.stream.free(rcore.stream.state);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Owner of a printed RR, as a wire name. */
static void owner_of(const char *rr, uint8_t *out)
{
	const char *sp = strchr(rr, ' ');
	size_t len;

	ck_assert_ptr_nonnull(sp);
	ck_assert_int_eq(sl_name_from_text(rr, (size_t)(sp - rr), NULL, out, &len), SL_OK);
}

static void check_axfr(size_t limit, unsigned min_messages, bool commit_midway)
{
	char *got[1024], *sorted[1024], *want[1024];
	unsigned n, messages, nsoa = 0;

	n = run_axfr(limit, got, ARRAY_SIZE(got), &messages, commit_midway);
	ck_assert_uint_ge(messages, min_messages);
	/* SOA first and last, nowhere else. */
	ck_assert_uint_eq(n, zone_rrs + 1);
	ck_assert_str_eq(got[0], zone_text[0]);
	ck_assert_str_eq(got[n - 1], zone_text[0]);
	for (unsigned i = 0; i < n; i++)
		nsoa += strstr(got[i], " SOA ") != NULL;
	ck_assert_uint_eq(nsoa, 2);
	/* Owners in canonical order, so each owner's RRs come together. */
	for (unsigned i = 2; i < n - 1; i++) {
		uint8_t a[SL_NAME_MAXLEN], b[SL_NAME_MAXLEN];

		owner_of(got[i - 1], a);
		owner_of(got[i], b);
		ck_assert_msg(sl_name_compare(a, b) <= 0, "order: %s before %s", got[i - 1],
			      got[i]);
	}
	/* Every RR of the zone exactly once: all but the closing SOA, as multisets. */
	memcpy(sorted, got, (n - 1) * sizeof(got[0]));
	memcpy(want, zone_text, zone_rrs * sizeof(want[0]));
	qsort(sorted, n - 1, sizeof(sorted[0]), cmp_str);
	qsort(want, zone_rrs, sizeof(want[0]), cmp_str);
	for (unsigned i = 0; i < zone_rrs; i++)
		ck_assert_msg(strcmp(sorted[i], want[i]) == 0, "AXFR RR %u: got %s want %s", i,
			      sorted[i], want[i]);
	for (unsigned i = 0; i < n; i++)
		free(got[i]);
}

START_TEST(test_axfr_one_message)
{
	check_axfr(TCP_MAX, 1, false);
	/* The whole zone fits one message: no stream is left behind. */
	ck_assert_ptr_null(rcore.stream.next);
}
END_TEST

START_TEST(test_axfr_many_messages)
{
	check_axfr(512, 5, false);
}
END_TEST

START_TEST(test_axfr_version_pinned)
{
	check_axfr(512, 5, true);
	/* The new version is what a new transfer sees. */
	ck_assert_uint_eq(sl_zone_rr_count(sl_zone_current(zone)), zone_rrs - 3);
}
END_TEST

START_TEST(test_axfr_udp_refused)
{
	prepare("example.com.", SL_TYPE_AXFR, SL_CLASS_IN, 512, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_axfr(&rcore.pub, zone), SL_RESULT_ERROR);
	ck_assert_uint_eq(rcore.pub.rcode, SL_RCODE_REFUSED);
	ck_assert_ptr_null(rcore.stream.next);
}
END_TEST

START_TEST(test_axfr_not_apex)
{
	prepare("www.example.com.", SL_TYPE_AXFR, SL_CLASS_IN, TCP_MAX, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_axfr(&rcore.pub, zone), SL_RESULT_ERROR);
	ck_assert_uint_eq(rcore.pub.rcode, SL_RCODE_NOTAUTH);
	ck_assert_ptr_null(rcore.stream.next);
}
END_TEST

START_TEST(test_axfr_no_version)
{
	uint8_t apex[SL_NAME_MAXLEN];
	size_t len;
	sl_zone_t *empty;

	ck_assert_int_eq(sl_name_from_text("empty.test.", 11, NULL, apex, &len), SL_OK);
	empty = sl_zone_get(apex);
	ck_assert_ptr_nonnull(empty);
	prepare("empty.test.", SL_TYPE_AXFR, SL_CLASS_IN, TCP_MAX, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_axfr(&rcore.pub, empty), SL_RESULT_ERROR);
	ck_assert_uint_eq(rcore.pub.rcode, SL_RCODE_SERVFAIL);
	ck_assert_ptr_null(rcore.stream.next);
	sl_zone_put(empty);
}
END_TEST

/* ---- IXFR --------------------------------------------------------------- */

/*
 * Prepares an IXFR of @p qname whose authority section carries a SOA with
 * @p serial (RFC 1995 §3), or no authority section when @p with_soa is false.
 */
static void prepare_ixfr(const char *qname, uint32_t serial, bool with_soa,
			 sl_transport_t transport)
{
	size_t n;

	prepare(qname, SL_TYPE_IXFR, SL_CLASS_IN, TCP_MAX, transport);
	if (!with_soa)
		return;
	n = SL_HEADER_LEN + sl_name_len(qmsg.qname) + 4;
	/* owner: a pointer to the question's name; SOA IN, TTL 0, RDATA ". . serial 0 0 0 0" */
	static const uint8_t head[] = { 0xc0, 0x0c, 0, SL_TYPE_SOA, 0, SL_CLASS_IN, 0, 0, 0, 0, 0, 22,
					0, 0 };
	memcpy(qwire + n, head, sizeof(head));
	n += sizeof(head);
	sl_write_u32(qwire + n, serial);
	memset(qwire + n + 4, 0, 16);
	n += 20;
	qwire[9] = 1; /* NSCOUNT */
	ck_assert_int_eq(sl_msg_parse(qwire, n, &qmsg), SL_OK);
	ck_assert_int_eq(sl_resp_init(&resp, rbuf, sizeof(rbuf), TCP_MAX, 0, &qmsg), SL_OK);
	rcore.pub.qname = qmsg.qname;
}

static uint32_t zone_serial(void)
{
	return sl_zone_serial(sl_zone_current(zone));
}

/* The answer is the zone's SOA alone, AA, no stream. */
static void expect_soa_only(void)
{
	char rr[512];
	size_t pos;

	ck_assert_ptr_null(rcore.stream.next);
	finish_and_parse();
	ck_assert_uint_eq(SL_FLAGS_RCODE(rmsg.hdr.flags), SL_RCODE_NOERROR);
	ck_assert_uint_eq(rmsg.hdr.flags & SL_FLAG_AA, SL_FLAG_AA);
	ck_assert_uint_eq(rmsg.hdr.ancount, 1);
	ck_assert_uint_eq(rmsg.hdr.nscount + rmsg.hdr.arcount, 0);
	pos = rmsg.section_pos[SL_SECTION_ANSWER];
	read_rr(rbuf, rlen, &pos, rr, sizeof(rr));
	ck_assert_str_eq(rr, "example.com. 3600 SOA ns1.example.com. hostmaster.example.com. "
			     "2024010101 7200 3600 1209600 300");
}

START_TEST(test_ixfr_current)
{
	/* Equal, and newer in RFC 1982 arithmetic (also across the wrap): "you are current". */
	static const uint32_t ahead[] = { 0, 1, 0x7fffffff };

	for (unsigned i = 0; i < ARRAY_SIZE(ahead); i++) {
		prepare_ixfr("example.com.", zone_serial() + ahead[i], true, SL_TRANSPORT_TCP);
		ck_assert_int_eq(sl_answer_ixfr(&rcore.pub, zone), SL_RESULT_DONE);
		ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_POSITIVE);
		expect_soa_only();
	}
}
END_TEST

START_TEST(test_ixfr_behind_udp)
{
	/* RFC 1995 §2: over UDP a client that is behind gets the SOA, and retries over TCP. */
	prepare_ixfr("example.com.", zone_serial() - 1, true, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_ixfr(&rcore.pub, zone), SL_RESULT_DONE);
	expect_soa_only();
}
END_TEST

START_TEST(test_ixfr_behind_tcp)
{
	/* No journal: the whole zone, as AXFR sends it (RFC 1995 §4). */
	prepare_ixfr("example.com.", zone_serial() - 0x7fffffff, true, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_ixfr(&rcore.pub, zone), SL_RESULT_DONE);
	ck_assert_int_eq(rcore.pub.kind, SL_ANSWER_TRANSFER);
	finish_and_parse();
	ck_assert_uint_gt(rmsg.hdr.ancount, 1);
	if (rcore.stream.free != NULL)
		rcore.stream.free(rcore.stream.state);
}
END_TEST

START_TEST(test_ixfr_errors)
{
	/* RFC 1995 §3: the client's SOA is required. */
	prepare_ixfr("example.com.", 0, false, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_ixfr(&rcore.pub, zone), SL_RESULT_ERROR);
	ck_assert_uint_eq(rcore.pub.rcode, SL_RCODE_FORMERR);
	ck_assert_ptr_nonnull(rcore.pub.ede_text);
	/* Only the apex names a zone to transfer. */
	prepare_ixfr("www.example.com.", 1, true, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_ixfr(&rcore.pub, zone), SL_RESULT_ERROR);
	ck_assert_uint_eq(rcore.pub.rcode, SL_RCODE_NOTAUTH);
	/* No zone data: SERVFAIL. */
	prepare_ixfr("example.com.", 1, true, SL_TRANSPORT_TCP);
	ck_assert_int_eq(sl_answer_ixfr(&rcore.pub, NULL), SL_RESULT_ERROR);
	ck_assert_uint_eq(rcore.pub.rcode, SL_RCODE_SERVFAIL);
	ck_assert_ptr_null(rcore.stream.next);
}
END_TEST

/* ---- suite ------------------------------------------------------------- */

/*
 * The zone is built in the parent process, before Check forks the tests of a
 * case (an unchecked fixture), so that every test sees the same committed
 * version; it is dropped once the case has run.
 */
/* RFC 5155 Appendix A: salt aabbccdd, 12 iterations. */
START_TEST(test_nsec3_hash_vectors)
{
	static const struct {
		const char *name, *hashed;
	} v[] = {
		{ "example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example." },
		{ "a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl.example." },
		{ "ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr.example." },
		{ "*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en.example." },
		{ "x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s.example." },
		{ "X.Y.W.EXAMPLE.", "2vptu5timamqttgl4luu9kg21e0aor3s.example." },
		{ "y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc.example." },
		{ "xx.example.", "t644ebqk9bibcna874givr6joj62mlhv.example." },
	};
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t apex[SL_NAME_MAXLEN], name[SL_NAME_MAXLEN], want[SL_NAME_MAXLEN];
	uint8_t hash[SL_NSEC3_HASH_LEN], owner[SL_NAME_MAXLEN];

	wire_name("example.", apex);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		wire_name(v[i].name, name);
		wire_name(v[i].hashed, want);
		ck_assert_int_eq(sl_nsec3_hash(name, salt, sizeof(salt), 12, hash), SL_OK);
		ck_assert_int_eq(sl_nsec3_owner(hash, sizeof(hash), apex, owner), SL_OK);
		ck_assert_msg(sl_name_equal(owner, want), "%s", v[i].name);
		ck_assert_mem_eq(owner, want, sl_name_len(want));
	}
	ck_assert_int_eq(sl_nsec3_owner(hash, 40, apex, owner), SL_EINVAL);
}
END_TEST

/* ---- DNSSEC: a small zone with (unverifiable) signatures ------------------ */

/* 64 octets of signature, as ECDSA P-256 has. */
#define SIG64 \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
#define RRSIG(cov, ttl, labels) \
	"RRSIG " cov " 13 " #labels " " #ttl " 20270101000000 20260101000000 4242 signed.test. " SIG64

static const char *const signed_lines[] = {
	"@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300",
	"@ 3600 " RRSIG("SOA", 3600, 2),
	"@ 3600 NS ns1",
	"@ 3600 " RRSIG("NS", 3600, 2),
	"@ 300 NSEC ns1 NS SOA RRSIG NSEC",
	"@ 300 " RRSIG("NSEC", 300, 2),
	"ns1 3600 A 192.0.2.53",
	"ns1 3600 " RRSIG("A", 3600, 3),
	"ns1 300 NSEC txt NSEC RRSIG A",
	"ns1 300 " RRSIG("NSEC", 300, 3),
	"txt 60 TXT \"" BIG98 "01\"",
	"txt 60 TXT \"" BIG98 "02\"",
	"txt 60 TXT \"" BIG98 "03\"",
	"txt 60 " RRSIG("TXT", 60, 3),
	"txt 60 RRSIG TXT 13 3 60 20270101000000 20260101000000 4243 signed.test. " SIG64,
	"txt 300 NSEC signed.test. TXT RRSIG NSEC",
	"txt 300 " RRSIG("NSEC", 300, 3),
};

static void build_signed_zone(void)
{
	sl_zone_txn_t *txn;
	char err[1024] = "";
	size_t len;

	must(sl_name_from_text("signed.test.", 12, NULL, origin, &len) == SL_OK, "origin", NULL);
	zone = sl_zone_get(origin);
	must(zone != NULL, "sl_zone_get", NULL);
	must(sl_zone_txn_begin(zone, SL_TXN_EMPTY, &txn) == SL_OK, "sl_zone_txn_begin", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(signed_lines); i++)
		add_line(txn, signed_lines[i]);
	must(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "commit", err);
}

/* Asks with DO set (the EDNS state the pipeline would have parsed). */
static void ask_do(const char *qname, uint16_t qtype, size_t limit, bool dnssec)
{
	prepare(qname, qtype, SL_CLASS_IN, limit, SL_TRANSPORT_UDP);
	qmsg.edns.present = true;
	qmsg.edns.do_bit = dnssec;
	ck_assert_int_eq(sl_answer_query(&rcore.pub, sl_zone_current(zone)), SL_RESULT_DONE);
	finish_and_parse();
}

START_TEST(test_do_signed_answer)
{
	static const char *const an[] = {
		"ns1.signed.test. 3600 A 192.0.2.53",
		"ns1.signed.test. 3600 RRSIG A 13 3 3600 20270101000000 20260101000000 4242 "
		"signed.test. " SIG64,
		NULL,
	};
	static const char *const plain[] = { "ns1.signed.test. 3600 A 192.0.2.53", NULL };
	static const char *const none[] = { NULL };

	ask_do("ns1.signed.test.", SL_TYPE_A, 1232, true);
	expect_sections("DO", an, none, none);
	ck_assert(!(resp.flags & SL_FLAG_TC));
	ask_do("ns1.signed.test.", SL_TYPE_A, 1232, false);
	expect_sections("no DO", plain, none, none);
}
END_TEST

START_TEST(test_do_nxdomain_proof)
{
	static const char *const ns[] = {
		"signed.test. 300 SOA ns1.signed.test. hostmaster.signed.test. 1 7200 3600 1209600 300",
		"signed.test. 300 RRSIG SOA 13 2 3600 20270101000000 20260101000000 4242 "
		"signed.test. " SIG64,
		"ns1.signed.test. 300 NSEC txt.signed.test. A RRSIG NSEC",
		"ns1.signed.test. 300 RRSIG NSEC 13 3 300 20270101000000 20260101000000 4242 "
		"signed.test. " SIG64,
		"signed.test. 300 NSEC ns1.signed.test. NS SOA RRSIG NSEC",
		"signed.test. 300 RRSIG NSEC 13 2 300 20270101000000 20260101000000 4242 "
		"signed.test. " SIG64,
		NULL,
	};
	static const char *const none[] = { NULL };

	/* nx sorts between ns1 and txt; its wildcard *.signed.test. before ns1. */
	ask_do("nx.signed.test.", SL_TYPE_A, 1232, true);
	ck_assert_uint_eq(resp.rcode, SL_RCODE_NXDOMAIN);
	expect_sections("NXDOMAIN", none, ns, none);
}
END_TEST

/*
 * RFC 4035 §3.1.1: the TXT RRset fits 512 octets alone, not with its two
 * RRSIGs: nothing of it goes in, TC is set.
 */
START_TEST(test_do_never_split)
{
	static const char *const none[] = { NULL };

	ask_do("txt.signed.test.", SL_TYPE_TXT, 512, false);
	ck_assert(!(resp.flags & SL_FLAG_TC));
	ck_assert_uint_eq(rmsg.hdr.ancount, 3);
	ask_do("txt.signed.test.", SL_TYPE_TXT, 512, true);
	ck_assert(resp.flags & SL_FLAG_TC);
	expect_sections("TC", none, none, none);
}
END_TEST


/* sl_answer_negative() with DO: signed SOA, and the zone's proof where it agrees. */
START_TEST(test_do_negative_helper)
{
	static const char *const soa[] = {
		"signed.test. 300 SOA ns1.signed.test. hostmaster.signed.test. 1 7200 3600 1209600 300",
		"signed.test. 300 RRSIG SOA 13 2 3600 20270101000000 20260101000000 4242 "
		"signed.test. " SIG64,
	};
	const char *const nodata[] = {
		soa[0], soa[1],
		"ns1.signed.test. 300 NSEC txt.signed.test. A RRSIG NSEC",
		"ns1.signed.test. 300 RRSIG NSEC 13 3 300 20270101000000 20260101000000 4242 "
		"signed.test. " SIG64,
		NULL,
	};
	const char *const soa_only[] = { soa[0], soa[1], NULL };
	static const char *const none[] = { NULL };
	uint16_t nxdomain_ns = 0;

	/* NXDOMAIN: the same authority section as the store's own answer. */
	ask_do("nx.signed.test.", SL_TYPE_A, 1232, true);
	nxdomain_ns = rmsg.hdr.nscount;
	ck_assert_uint_eq(nxdomain_ns, 6);
	prepare("nx.signed.test.", SL_TYPE_A, SL_CLASS_IN, 1232, SL_TRANSPORT_UDP);
	qmsg.edns.present = true;
	qmsg.edns.do_bit = true;
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NXDOMAIN), SL_OK);
	finish_and_parse();
	ck_assert_uint_eq(resp.rcode, SL_RCODE_NXDOMAIN);
	ck_assert_uint_eq(rmsg.hdr.nscount, nxdomain_ns);

	/* NODATA at a name the zone has: its NSEC. */
	prepare("ns1.signed.test.", SL_TYPE_TXT, SL_CLASS_IN, 1232, SL_TRANSPORT_UDP);
	qmsg.edns.present = true;
	qmsg.edns.do_bit = true;
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NODATA), SL_OK);
	finish_and_parse();
	expect_sections("NODATA helper", none, nodata, none);

	/* NODATA for a name only a plugin knows: no proof the zone could give. */
	prepare("plugin.signed.test.", SL_TYPE_TXT, SL_CLASS_IN, 1232, SL_TRANSPORT_UDP);
	qmsg.edns.present = true;
	qmsg.edns.do_bit = true;
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NODATA), SL_OK);
	finish_and_parse();
	expect_sections("NODATA helper, unknown name", none, soa_only, none);

	/* Without DO: the SOA alone, as before. */
	prepare("nx.signed.test.", SL_TYPE_A, SL_CLASS_IN, 1232, SL_TRANSPORT_UDP);
	ck_assert_int_eq(sl_answer_negative(&rcore.pub, NULL, SL_ANSWER_NXDOMAIN), SL_OK);
	finish_and_parse();
	ck_assert_uint_eq(rmsg.hdr.nscount, 1);
}
END_TEST

static void drop_zone(void)
{
	sl_zone_put(zone);
	zone = NULL;
	for (unsigned i = 0; i < zone_rrs; i++)
		free(zone_text[i]);
	zone_rrs = 0;
}

Suite *tu_suite(void)
{
	Suite *s = suite_create("answer");
	TCase *tc = tcase_create("query");

	tcase_add_unchecked_fixture(tc, build_zone, drop_zone);

	tcase_add_loop_test(tc, test_query, 0, (int)ARRAY_SIZE(qcases));
	tcase_add_test(tc, test_fat_referral_1232);
	tcase_add_test(tc, test_additional_cap);
	tcase_add_test(tc, test_qclass_any);
	tcase_add_test(tc, test_qclass_chaos_refused);
	tcase_add_test(tc, test_no_version);
	tcase_add_test(tc, test_negative_helper);
	tcase_add_test(tc, test_request_accessors);
	tcase_add_test(tc, test_out_of_zone);
	tcase_add_test(tc, test_follow_target);
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_question_echo);
	suite_add_tcase(s, tc);

	tc = tcase_create("axfr");
	tcase_add_unchecked_fixture(tc, build_zone, drop_zone);
	tcase_add_test(tc, test_axfr_one_message);
	tcase_add_test(tc, test_axfr_many_messages);
	tcase_add_test(tc, test_axfr_version_pinned);
	tcase_add_test(tc, test_axfr_udp_refused);
	tcase_add_test(tc, test_axfr_not_apex);
	tcase_add_test(tc, test_axfr_no_version);
	tcase_add_test(tc, test_ixfr_current);
	tcase_add_test(tc, test_ixfr_behind_udp);
	tcase_add_test(tc, test_ixfr_behind_tcp);
	tcase_add_test(tc, test_ixfr_errors);
	tcase_add_test(tc, test_nsec3_hash_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("dnssec");
	tcase_add_unchecked_fixture(tc, build_signed_zone, drop_zone);
	tcase_add_test(tc, test_do_signed_answer);
	tcase_add_test(tc, test_do_nxdomain_proof);
	tcase_add_test(tc, test_do_never_split);
	tcase_add_test(tc, test_do_negative_helper);
	suite_add_tcase(s, tc);
	return s;
}
