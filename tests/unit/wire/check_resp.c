/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for the response builder: compression bytes, all-or-nothing
 * adds, mark/rollback, OPT assembly, and that every message we produce
 * parses back to what went in.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/msg.h>
#include <sluice/resp.h>
#include <sluice/rr.h>
#include "testutil.h"

/* Converts a dotted name ("www.example.com.") to wire form; no escapes. */
static size_t wname(const char *dotted, uint8_t *out)
{
	const char *s = dotted;
	size_t n = 0;

	while (*s != '\0' && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		ck_assert_uint_le(n + l + 2, SL_NAME_MAXLEN);
		out[n++] = (uint8_t)l;
		memcpy(out + n, s, l);
		n += l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[n++] = 0;
	return n;
}

/* Static: sl_resp_t is too big to put on the stack comfortably in every test. */
static sl_resp_t resp;
static sl_msg_t query;
static sl_msg_t parsed;
static uint8_t qwire[512];
static uint8_t out[SL_MSG_MAXLEN];

/* Parses a query "qname qtype IN" with @p flags, optionally with a plain OPT. */
static void make_query(const char *qname, uint16_t qtype, uint16_t flags, bool edns)
{
	size_t n = 0;

	memset(qwire, 0, SL_HEADER_LEN);
	qwire[0] = 0xAB;
	qwire[1] = 0xCD;
	qwire[2] = (uint8_t)(flags >> 8);
	qwire[3] = (uint8_t)flags;
	qwire[5] = 1;
	qwire[11] = edns ? 1 : 0;
	n = SL_HEADER_LEN;
	n += wname(qname, qwire + n);
	qwire[n++] = (uint8_t)(qtype >> 8);
	qwire[n++] = (uint8_t)qtype;
	qwire[n++] = 0;
	qwire[n++] = SL_CLASS_IN;
	if (edns) {
		static const uint8_t opt[] = {0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0};

		memcpy(qwire + n, opt, sizeof(opt));
		n += sizeof(opt);
	}
	ck_assert_int_eq(sl_msg_parse(qwire, n, &query), SL_OK);
}

static void start(size_t limit, size_t reserve)
{
	ck_assert_int_eq(sl_resp_init(&resp, out, sizeof(out), limit, reserve, &query), SL_OK);
}

static void add(const char *owner, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t o[SL_NAME_MAXLEN];

	wname(owner, o);
	ck_assert_int_eq(sl_resp_add_rr(&resp, o, type, SL_CLASS_IN, 300, rdata, rdlen), SL_OK);
}

static int try_add_a(const char *owner, uint32_t addr)
{
	uint8_t o[SL_NAME_MAXLEN];
	uint8_t rd[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			 (uint8_t)addr};

	wname(owner, o);
	return sl_resp_add_rr(&resp, o, SL_TYPE_A, SL_CLASS_IN, 300, rd, sizeof(rd));
}

static void add_a(const char *owner, uint32_t addr)
{
	ck_assert_int_eq(try_add_a(owner, addr), SL_OK);
}

/* Storage-form RDATA of a name-only type (CNAME, NS, PTR). */
static uint16_t rd_name(const char *name, uint8_t *rd)
{
	return (uint16_t)wname(name, rd);
}

/*
 * Finishes the message and checks it parses, that the counts agree and that
 * every RR's RDATA decodes (the decoder undoes our compression).
 * @return the message length
 */
static size_t finish_and_parse(const sl_resp_opt_t *opt)
{
	int len = sl_resp_finish(&resp, opt);
	size_t pos;
	uint8_t rd[SL_RDATA_MAXLEN];
	size_t rdlen;
	unsigned total;

	ck_assert_int_gt(len, 0);
	ck_assert_uint_le((size_t)len, resp.limit);
	ck_assert_int_eq(sl_msg_parse(out, (size_t)len, &parsed), SL_OK);
	ck_assert_uint_eq(parsed.hdr.qdcount, resp.count[0]);
	ck_assert_uint_eq(parsed.hdr.ancount, resp.count[1]);
	ck_assert_uint_eq(parsed.hdr.nscount, resp.count[2]);
	ck_assert_uint_eq(parsed.hdr.arcount, resp.count[3]);
	ck_assert_uint_eq(parsed.hdr.id, 0xABCD);
	ck_assert(parsed.hdr.flags & SL_FLAG_QR);
	total = resp.count[1] + resp.count[2] + resp.count[3];
	pos = parsed.section_pos[SL_SECTION_ANSWER];
	for (unsigned i = 0; i < total; i++) {
		sl_rr_t rr;

		ck_assert_int_eq(sl_msg_rr_next(out, (size_t)len, &pos, &rr), SL_OK);
		if (rr.type == SL_TYPE_OPT)
			continue;
		ck_assert_int_eq(sl_rdata_unpack(rr.type, out, (size_t)len, rr.rdata_pos, rr.rdlen,
						 rd, sizeof(rd), &rdlen),
				 SL_OK);
	}
	ck_assert_uint_eq(pos, (size_t)len);
	return (size_t)len;
}

/* Hand-checked: question, A at the qname, CNAME from www to the qname. */
START_TEST(test_compression_bytes)
{
	static const uint8_t expect[] = {
		0xAB, 0xCD, 0x85, 0x00, 0, 1, 0, 2, 0, 0, 0, 0,
		/* 12: question example.com. A IN */
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		/* 29: example.com. A -> pointer to 12 */
		0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 1,
		/* 45: www.example.com. CNAME example.com. */
		3, 'w', 'w', 'w', 0xC0, 12, 0, 5, 0, 1, 0, 0, 1, 0x2C, 0, 2, 0xC0, 12,
	};
	uint8_t rd[SL_NAME_MAXLEN];
	uint16_t n;
	size_t len;

	make_query("example.com.", SL_TYPE_A, SL_FLAG_RD, false);
	start(512, 0);
	sl_resp_set_flags(&resp, SL_FLAG_AA);
	add_a("example.com.", 0xC0000201);
	n = rd_name("example.com.", rd);
	add("www.example.com.", SL_TYPE_CNAME, rd, n);
	len = finish_and_parse(NULL);
	ck_assert_uint_eq(len, sizeof(expect));
	ck_assert_mem_eq(out, expect, sizeof(expect));
}
END_TEST

START_TEST(test_mx_compressed_srv_not)
{
	static const uint8_t mx_rdata_wire[] = {0, 10, 4, 'm', 'a', 'i', 'l', 0xC0, 12};
	uint8_t rd[64];
	uint16_t n;
	size_t at, srv_rd;

	make_query("example.com.", SL_TYPE_MX, 0, false);
	start(512, 0);
	rd[0] = 0;
	rd[1] = 10;
	n = (uint16_t)(2 + wname("mail.example.com.", rd + 2));
	at = resp.len;
	add("example.com.", SL_TYPE_MX, rd, n);
	/* owner pointer, fixed part, then RDLENGTH 9 and the compressed RDATA. */
	ck_assert_uint_eq(out[at + 10], 0);
	ck_assert_uint_eq(out[at + 11], sizeof(mx_rdata_wire));
	ck_assert_mem_eq(out + at + 12, mx_rdata_wire, sizeof(mx_rdata_wire));

	/* A later name compresses against the MX exchange. */
	at = resp.len;
	add_a("mail.example.com.", 1);
	ck_assert_uint_eq(out[at], 0xC0);
	ck_assert_uint_eq(out[at + 1], 12 + 17 + 12 + 2);

	/* SRV target goes out verbatim (RFC 2782) ... */
	sl_resp_section(&resp, SL_SECTION_ADDITIONAL);
	memcpy(rd, "\0\0\0\0\x01\xBB", 6);
	n = (uint16_t)(6 + wname("www.example.com.", rd + 6));
	at = resp.len;
	add("_sip._tcp.example.com.", SL_TYPE_SRV, rd, n);
	ck_assert_mem_eq(out + at, "\4_sip\4_tcp\xC0\x0C", 12);
	srv_rd = at + 12 + 10;
	ck_assert_uint_eq(out[srv_rd - 1], n);
	ck_assert_mem_eq(out + srv_rd, rd, n);

	/* ... and is not offered as a pointer target. */
	at = resp.len;
	add_a("www.example.com.", 2);
	ck_assert_mem_eq(out + at, "\3www\xC0\x0C", 6);
	finish_and_parse(NULL);
}
END_TEST

START_TEST(test_case_insensitive_suffix)
{
	uint8_t rd[SL_NAME_MAXLEN];
	uint16_t n;
	size_t at;

	make_query("ExAmple.COM.", SL_TYPE_A, 0, false);
	start(512, 0);
	/* The question keeps the query's case. */
	ck_assert_mem_eq(out + 12, "\7ExAmple\3COM\0", 13);

	at = resp.len;
	add_a("example.com.", 1);
	ck_assert_mem_eq(out + at, "\xC0\x0C", 2);

	/* The literal part keeps its case; the suffix is shared. */
	at = resp.len;
	add_a("WwW.EXAMPLE.com.", 2);
	ck_assert_mem_eq(out + at, "\3WwW\xC0\x0C", 6);

	/* Deeper names reuse the longest written suffix, whatever its case. */
	at = resp.len;
	n = rd_name("a.www.example.COM.", rd);
	add("x.Www.Example.Com.", SL_TYPE_CNAME, rd, n);
	ck_assert_mem_eq(out + at, "\1x\xC0", 3);
	ck_assert_uint_eq(out[at + 3], 29 + 16);
	/* CNAME target "a" + pointer to the www entry. */
	ck_assert_mem_eq(out + at + 4 + 10, "\1a\xC0", 3);
	ck_assert_uint_eq(out[at + 4 + 10 + 3], 29 + 16);

	/* A different name with the same length does not match. */
	at = resp.len;
	add_a("example.net.", 3);
	ck_assert_mem_eq(out + at, "\7example\3net\0", 13);
	finish_and_parse(NULL);
}
END_TEST

/* The owner-is-the-question shortcut: exact octets only, never the root. */
START_TEST(test_qname_shortcut)
{
	size_t at;

	make_query("www.example.com.", SL_TYPE_A, 0, true);
	start(1232, SL_RESP_OPT_RESERVE);
	at = resp.len;
	add_a("www.example.com.", 1);
	ck_assert_mem_eq(out + at, "\xC0\x0C", 2);
	/* Longer than the question, same first octets: only the suffix is shared. */
	at = resp.len;
	add_a("www.example.com.au.", 2);
	ck_assert_mem_eq(out + at, "\3www\7example\3com\2au\0", 19);
	/* Shorter: a suffix of the question. */
	at = resp.len;
	add_a("example.com.", 3);
	ck_assert_mem_eq(out + at, "\xC0\x10", 2);
	finish_and_parse(NULL);

	/* A root question: the root owner stays one octet, not a pointer. */
	make_query(".", SL_TYPE_NS, 0, false);
	start(512, 0);
	at = resp.len;
	add_a(".", 4);
	ck_assert_uint_eq(out[at], 0);
	ck_assert_uint_eq(out[at + 1], 0);
	ck_assert_uint_eq(out[at + 2], SL_TYPE_A);
	finish_and_parse(NULL);
}
END_TEST

static uint8_t snap_buf[SL_MSG_MAXLEN];
static uint16_t snap_comp[SL_RESP_COMP_SLOTS];

typedef struct snapshot {
	size_t len;
	uint16_t count[4];
	unsigned comp_used;
	int section;
} snapshot_t;

static void take(snapshot_t *s)
{
	s->len = resp.len;
	memcpy(s->count, resp.count, sizeof(s->count));
	s->comp_used = resp.comp_used;
	s->section = resp.section;
	memcpy(snap_buf, out, resp.len);
	memcpy(snap_comp, resp.comp_off, sizeof(snap_comp));
}

static void same(const snapshot_t *s)
{
	ck_assert_uint_eq(resp.len, s->len);
	ck_assert_mem_eq(resp.count, s->count, sizeof(s->count));
	ck_assert_uint_eq(resp.comp_used, s->comp_used);
	ck_assert_int_eq(resp.section, s->section);
	ck_assert_mem_eq(out, snap_buf, s->len);
	ck_assert_mem_eq(resp.comp_off, snap_comp, sizeof(snap_comp));
}

/* Loop test over a few reserve sizes. */
START_TEST(test_truncation_all_or_nothing)
{
	static const size_t reserves[] = {0, SL_RESP_OPT_RESERVE, 40};
	char name[64];
	unsigned added = 0;
	snapshot_t s;
	int rc;

	make_query("example.com.", SL_TYPE_A, 0, true);
	start(512, reserves[_i]);
	for (;;) {
		snprintf(name, sizeof(name), "host%u.example.com.", added);
		take(&s);
		rc = try_add_a(name, added);
		if (rc != SL_OK)
			break;
		added++;
	}
	ck_assert_int_eq(rc, SL_ESPACE);
	same(&s);
	ck_assert_uint_le(resp.len, 512 - reserves[_i]);
	/* A record with a compressible name in RDATA fails just as cleanly. */
	{
		uint8_t rd[SL_NAME_MAXLEN];
		uint8_t o[SL_NAME_MAXLEN];
		uint16_t n = rd_name("a-fresh-target.example.org.", rd);

		wname("fresh-owner.example.org.", o);
		ck_assert_int_eq(sl_resp_add_rr(&resp, o, SL_TYPE_CNAME, SL_CLASS_IN, 1, rd, n),
				 SL_ESPACE);
		same(&s);
	}
	ck_assert_uint_eq(resp.count[SL_SECTION_ANSWER], added);
	sl_resp_set_flags(&resp, SL_FLAG_TC);
	finish_and_parse(reserves[_i] != 0 ? &(sl_resp_opt_t){.payload = 1232, .keepalive = -1,
								 .ede_code = -1}
				   : NULL);
	ck_assert(parsed.hdr.flags & SL_FLAG_TC);
	ck_assert_uint_eq(parsed.hdr.ancount, added);
}
END_TEST

START_TEST(test_mark_rollback)
{
	uint8_t rd[SL_NAME_MAXLEN];
	uint16_t n;
	sl_resp_mark_t m;
	snapshot_t s;
	size_t len1;
	uint8_t first[1024];

	make_query("example.com.", SL_TYPE_A, 0, false);
	start(4096, 0);
	add_a("a.example.com.", 1);
	sl_resp_mark(&resp, &m);
	take(&s);

	n = rd_name("target.example.net.", rd);
	add("b.example.com.", SL_TYPE_CNAME, rd, n);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_AUTHORITY), SL_OK);
	add_a("c.d.example.org.", 2);
	ck_assert_uint_gt(resp.comp_used, s.comp_used);
	len1 = resp.len;
	memcpy(first, out, len1);

	sl_resp_rollback(&resp, &m);
	same(&s);

	/* Replaying the same records yields the same bytes: the table is as before. */
	add("b.example.com.", SL_TYPE_CNAME, rd, n);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_AUTHORITY), SL_OK);
	add_a("c.d.example.org.", 2);
	ck_assert_uint_eq(resp.len, len1);
	ck_assert_mem_eq(out, first, len1);

	/* After a rollback, names from the dropped records are not pointer targets. */
	sl_resp_rollback(&resp, &m);
	add_a("target.example.net.", 3);
	ck_assert_mem_eq(out + s.len, "\6target\7example\3net\0", 20);
	finish_and_parse(NULL);
}
END_TEST

START_TEST(test_reset)
{
	size_t qend;

	make_query("Example.com.", SL_TYPE_A, SL_FLAG_RD | SL_FLAG_CD, false);
	start(512, 0);
	qend = resp.len;
	sl_resp_set_flags(&resp, SL_FLAG_AA | SL_FLAG_TC | SL_FLAG_AD);
	add_a("www.example.com.", 1);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_ADDITIONAL), SL_OK);
	add_a("other.example.org.", 2);
	sl_resp_set_rcode(&resp, SL_RCODE_SERVFAIL);
	sl_resp_reset(&resp);
	ck_assert_uint_eq(resp.len, qend);
	ck_assert_uint_eq(resp.count[0], 1);
	ck_assert_uint_eq(resp.count[1] + resp.count[2] + resp.count[3], 0);
	ck_assert_int_eq(resp.section, SL_SECTION_ANSWER);
	ck_assert_uint_eq(resp.comp_used, resp.comp_base);
	/* The question is still a pointer target; the dropped names are not. */
	add_a("other.example.org.", 2);
	ck_assert_mem_eq(out + qend, "\5other\7example\3org\0", 19);
	finish_and_parse(NULL);
	ck_assert_uint_eq(parsed.hdr.flags & (SL_FLAG_AA | SL_FLAG_TC), 0);
	ck_assert(parsed.hdr.flags & SL_FLAG_RD);
	ck_assert(parsed.hdr.flags & SL_FLAG_CD);
	ck_assert(parsed.hdr.flags & SL_FLAG_AD);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parsed.hdr.flags), SL_RCODE_SERVFAIL);
}
END_TEST

START_TEST(test_init_header)
{
	static uint8_t small[40];
	/* NOTIFY with AA, TC, RD, Z, AD, CD and rcode 5: only opcode, RD, CD carry over. */
	uint8_t wire[] = {0x12, 0x34, (SL_OPCODE_NOTIFY << 3) | 0x07, 0x75, 0, 0, 0, 0, 0, 0, 0, 0};
	int len;

	ck_assert_int_eq(sl_msg_parse(wire, sizeof(wire), &query), SL_OK);
	start(512, 0);
	ck_assert_uint_eq(resp.len, SL_HEADER_LEN);
	ck_assert_uint_eq(resp.count[0], 0);
	len = sl_resp_finish(&resp, NULL);
	ck_assert_int_eq(len, SL_HEADER_LEN);
	ck_assert_uint_eq(out[0], 0x12);
	ck_assert_uint_eq(out[1], 0x34);
	ck_assert_uint_eq(out[2], 0x80 | (SL_OPCODE_NOTIFY << 3) | 0x01);
	ck_assert_uint_eq(out[3], 0x10);

	/* QDCOUNT 2: no question copied. */
	{
		uint8_t two[64];
		size_t n = SL_HEADER_LEN;

		memset(two, 0, sizeof(two));
		two[5] = 2;
		n += wname("a.", two + n);
		two[n + 1] = 1;
		two[n + 3] = 1;
		n += 4;
		n += wname("b.", two + n);
		two[n + 1] = 1;
		two[n + 3] = 1;
		n += 4;
		ck_assert_int_eq(sl_msg_parse(two, n, &query), SL_OK);
		start(512, 0);
		ck_assert_uint_eq(resp.len, SL_HEADER_LEN);
		ck_assert_uint_eq(resp.count[0], 0);
	}

	/* Question larger than the limit: SL_ESPACE, header-only still usable. */
	make_query("a-rather-long-label-that-will-not-fit.example.com.", SL_TYPE_A, 0, false);
	ck_assert_int_eq(sl_resp_init(&resp, small, sizeof(small), 512, 0, &query), SL_ESPACE);
	ck_assert_uint_eq(resp.len, SL_HEADER_LEN);
	ck_assert_uint_eq(resp.comp_used, 0);
	ck_assert_int_eq(try_add_a("another-long-name.example.com.", 1), SL_ESPACE);
	add_a("x.", 1);
	ck_assert_int_eq(sl_resp_finish(&resp, NULL), SL_HEADER_LEN + 3 + 10 + 4);

	/* Buffer too small for a header: inert. */
	ck_assert_int_eq(sl_resp_init(&resp, small, 8, 512, 0, &query), SL_ESPACE);
	ck_assert_int_eq(try_add_a("x.", 1), SL_ESPACE);
	ck_assert_int_eq(sl_resp_finish(&resp, NULL), SL_ESPACE);
	sl_resp_reset(&resp);
	ck_assert_uint_eq(resp.len, 0);
}
END_TEST

START_TEST(test_sections_forward_only)
{
	make_query("example.com.", SL_TYPE_A, 0, false);
	start(512, 0);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_QUESTION), SL_EINVAL);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_AUTHORITY), SL_OK);
	add_a("ns.example.com.", 1);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_ANSWER), SL_EINVAL);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_AUTHORITY), SL_OK);
	ck_assert_int_eq(sl_resp_section(&resp, SL_SECTION_ADDITIONAL), SL_OK);
	ck_assert_int_eq(sl_resp_section(&resp, 4), SL_EINVAL);
	add_a("ns.example.com.", 1);
	finish_and_parse(NULL);
	ck_assert_uint_eq(parsed.hdr.nscount, 1);
	ck_assert_uint_eq(parsed.hdr.arcount, 1);
}
END_TEST

/* 2000 distinct names, many labels each: must finish (linear) and parse. */
START_TEST(test_many_names)
{
	char name[128], target[128];
	uint8_t rd[SL_NAME_MAXLEN];
	unsigned added = 0;

	make_query("example.com.", SL_TYPE_ANY, 0, false);
	start(SL_MSG_MAXLEN, 0);
	for (unsigned i = 0; i < 2000; i++) {
		uint16_t n;

		snprintf(name, sizeof(name), "n%u.z%u.example.com.", i, i % 37);
		if (i % 2 == 0) {
			if (try_add_a(name, i) != SL_OK)
				break;
		} else {
			uint8_t o[SL_NAME_MAXLEN];

			snprintf(target, sizeof(target), "t%u.z%u.example.net.", i, i % 11);
			n = rd_name(target, rd);
			wname(name, o);
			if (sl_resp_add_rr(&resp, o, SL_TYPE_CNAME, SL_CLASS_IN, 60, rd, n))
				break;
		}
		added++;
	}
	ck_assert_uint_eq(added, 2000);
	ck_assert_uint_le(resp.comp_used, SL_RESP_COMP_SLOTS);
	/* Past 0x4000 nothing can be a pointer target; the table must cope. */
	ck_assert_uint_gt(resp.len, 0x4000);
	finish_and_parse(NULL);
	ck_assert_uint_eq(parsed.hdr.ancount, 2000);
}
END_TEST

/* 127 one-octet labels: the longest name by label count, twice over. */
START_TEST(test_max_labels)
{
	static const uint8_t four[4] = {192, 0, 2, 1};
	uint8_t name[SL_NAME_MAXLEN];
	size_t n = 0, at;

	for (int i = 0; i < SL_NAME_MAXLABELS; i++) {
		name[n++] = 1;
		name[n++] = (uint8_t)('a' + i % 26);
	}
	name[n++] = 0;
	ck_assert_uint_eq(n, SL_NAME_MAXLEN);
	make_query("example.com.", SL_TYPE_A, 0, false);
	start(4096, 0);
	ck_assert_int_eq(sl_resp_add_rr(&resp, name, SL_TYPE_A, SL_CLASS_IN, 1, four, 4), SL_OK);
	at = resp.len;
	/* The same name again is one pointer; its parent is a pointer one label in. */
	ck_assert_int_eq(sl_resp_add_rr(&resp, name, SL_TYPE_A, SL_CLASS_IN, 1, four, 4), SL_OK);
	ck_assert_uint_eq(resp.len - at, 2 + 10 + 4);
	ck_assert_int_eq(sl_resp_add_rr(&resp, name + 2, SL_TYPE_A, SL_CLASS_IN, 1, four, 4),
			 SL_OK);
	ck_assert_uint_eq(resp.len - at, 2 * (2 + 10 + 4));
	finish_and_parse(NULL);
}
END_TEST

/* Names that break the contract are refused, not followed off the end. */
START_TEST(test_invalid_owner)
{
	static const uint8_t long_label[] = {64, 'a'};
	uint8_t too_long[SL_NAME_MAXLEN + 2];
	snapshot_t s;

	memset(too_long, 1, sizeof(too_long));
	make_query("example.com.", SL_TYPE_A, 0, false);
	start(4096, 0);
	take(&s);
	ck_assert_int_eq(sl_resp_add_rr(&resp, long_label, SL_TYPE_A, SL_CLASS_IN, 1,
					(const uint8_t *)"abcd", 4), SL_EINVAL);
	ck_assert_int_eq(sl_resp_add_rr(&resp, too_long, SL_TYPE_A, SL_CLASS_IN, 1,
					(const uint8_t *)"abcd", 4), SL_EINVAL);
	same(&s);
}
END_TEST

/* Collects the option codes of the OPT RR in the parsed message @p out. */
static unsigned opt_codes(size_t len, uint16_t *codes, unsigned max)
{
	size_t p = parsed.edns.opt_pos + 11, end;
	unsigned n = 0;

	end = p + ((size_t)out[p - 2] << 8 | out[p - 1]);
	ck_assert_uint_le(end, len);
	while (p < end && n < max) {
		codes[n++] = (uint16_t)(out[p] << 8 | out[p + 1]);
		p += 4 + ((size_t)out[p + 2] << 8 | out[p + 3]);
	}
	return n;
}

START_TEST(test_opt_full)
{
	static const uint8_t cookie[24] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
					   13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
	sl_ecs_t ecs = {.present = true, .family = 1, .source_prefix = 20, .scope_prefix = 16,
			.addr = {10, 1, 0xF0}};
	sl_resp_opt_t opt = {
		.payload = 1232, .do_bit = true, .nsid = (const uint8_t *)"ns1", .nsid_len = 3,
		.ecs = &ecs, .cookie = cookie, .cookie_len = 24, .keepalive = 300,
		.ede_code = 18, .ede_text = "prohibited",
	};
	static const uint8_t expect_opts[] = {
		0, 3, 0, 3, 'n', 's', '1',
		0, 8, 0, 7, 0, 1, 20, 16, 10, 1, 0xF0,
		0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		21, 22, 23, 24,
		0, 11, 0, 2, 0x01, 0x2C,
		0, 15, 0, 12, 0, 18, 'p', 'r', 'o', 'h', 'i', 'b', 'i', 't', 'e', 'd',
	};
	size_t size = sl_resp_opt_size(&opt), len, at;

	ck_assert_uint_eq(size, 11 + sizeof(expect_opts));
	make_query("example.com.", SL_TYPE_A, 0, true);
	start(1232, size);
	add_a("example.com.", 1);
	at = resp.len;
	len = finish_and_parse(&opt);
	ck_assert_uint_eq(len, at + size);
	ck_assert_mem_eq(out + at, "\0\0\x29\x04\xD0\0\0\x80\0", 9);
	ck_assert_uint_eq(out[at + 9], 0);
	ck_assert_uint_eq(out[at + 10], sizeof(expect_opts));
	ck_assert_mem_eq(out + at + 11, expect_opts, sizeof(expect_opts));
	ck_assert(parsed.edns.present);
	ck_assert(parsed.edns.do_bit);
	ck_assert_uint_eq(parsed.edns.payload, 1232);
	ck_assert_uint_eq(parsed.edns.ecs.scope_prefix, 16);
	ck_assert_uint_eq(parsed.edns.cookie.server_len, 16);
	ck_assert(parsed.edns.nsid);
	ck_assert(parsed.edns.keepalive);
}
END_TEST

/* How much room the OPT gets, and which options survive. */
static const struct {
	size_t room;
	uint16_t codes[5];
	unsigned n;
} shed_cases[] = {
	{200, {3, 8, 10, 15}, 4},
	{11 + 7 + 11 + 20 + 6 + 5, {3, 8, 10, 15}, 4},   /* EDE text dropped */
	{11 + 7 + 11 + 20 + 5, {3, 8, 10}, 3},           /* EDE dropped */
	{11 + 11 + 20, {8, 10}, 2},                      /* NSID dropped */
};

START_TEST(test_opt_shedding)
{
	sl_ecs_t ecs = {.present = true, .family = 1, .source_prefix = 20, .scope_prefix = 20,
			.addr = {10, 1, 0xF0}};
	static const uint8_t cookie[16] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	sl_resp_opt_t opt = {
		.payload = 100, .nsid = (const uint8_t *)"ns1", .nsid_len = 3, .ecs = &ecs,
		.cookie = cookie, .cookie_len = 16, .keepalive = -1, .ede_code = 0,
		.ede_text = "a long explanation of the failure",
	};
	uint16_t codes[8];
	size_t at, len;
	unsigned n;

	make_query("example.com.", SL_TYPE_A, 0, true);
	start(512, 0);
	add_a("example.com.", 1);
	/* Pretend the records filled the message up to the room under test. */
	at = resp.len;
	resp.limit = at + shed_cases[_i].room;
	sl_resp_set_rcode(&resp, SL_RCODE_REFUSED);
	len = finish_and_parse(&opt);
	ck_assert_uint_le(len, resp.limit);
	n = opt_codes(len, codes, 8);
	ck_assert_uint_eq(n, shed_cases[_i].n);
	ck_assert_mem_eq(codes, shed_cases[_i].codes, n * sizeof(codes[0]));
	/* The payload is never advertised below 512. */
	ck_assert_uint_eq(out[at + 3], 0x02);
	ck_assert_uint_eq(out[at + 4], 0x00);
	if (_i == 1) {
		/* EDE kept without text: OPTION-LENGTH 2. */
		ck_assert_uint_eq(out[len - 3], 2);
		ck_assert_uint_eq(out[len - 4], 0);
	}
	ck_assert_uint_eq(SL_FLAGS_RCODE(parsed.hdr.flags), SL_RCODE_REFUSED);
}
END_TEST

START_TEST(test_opt_no_room)
{
	sl_resp_opt_t opt = {.payload = 1232, .keepalive = -1, .ede_code = -1};
	snapshot_t s;

	make_query("example.com.", SL_TYPE_A, 0, true);
	start(512, 0);
	add_a("example.com.", 1);
	resp.limit = resp.len + 10;
	take(&s);
	ck_assert_int_eq(sl_resp_finish(&resp, &opt), SL_ESPACE);
	same(&s);
	resp.limit = resp.len + 11;
	ck_assert_uint_eq(finish_and_parse(&opt), resp.limit);
}
END_TEST

START_TEST(test_badvers)
{
	sl_resp_opt_t opt = {.payload = 1232, .keepalive = -1, .ede_code = -1};
	size_t len;

	make_query("example.com.", SL_TYPE_A, 0, true);
	start(512, SL_RESP_OPT_RESERVE);
	sl_resp_set_rcode(&resp, SL_RCODE_BADVERS);
	len = finish_and_parse(&opt);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parsed.hdr.flags), 0);
	ck_assert_uint_eq(parsed.edns.ext_rcode, 1);
	ck_assert_uint_eq(parsed.edns.version, 0);
	ck_assert_uint_eq(out[len - 6], 1);

	/* BADCOOKIE (23): header 7, OPT 1. */
	start(512, SL_RESP_OPT_RESERVE);
	sl_resp_set_rcode(&resp, SL_RCODE_BADCOOKIE);
	finish_and_parse(&opt);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parsed.hdr.flags), 7);
	ck_assert_uint_eq(parsed.edns.ext_rcode, 1);

	/* Without OPT an extended rcode cannot be expressed: SERVFAIL. */
	start(512, 0);
	sl_resp_set_rcode(&resp, SL_RCODE_BADVERS);
	finish_and_parse(NULL);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parsed.hdr.flags), SL_RCODE_SERVFAIL);
	ck_assert(!parsed.edns.present);
}
END_TEST

/* Flag setters leave opcode and rcode alone. */
START_TEST(test_flags)
{
	make_query("example.com.", SL_TYPE_A, SL_OPCODE_NOTIFY << 11, false);
	start(512, 0);
	sl_resp_set_flags(&resp, 0xFFFF);
	sl_resp_clear_flags(&resp, SL_FLAG_Z | SL_FLAG_RA);
	sl_resp_set_rcode(&resp, SL_RCODE_NXDOMAIN);
	finish_and_parse(NULL);
	ck_assert_uint_eq(SL_FLAGS_OPCODE(parsed.hdr.flags), SL_OPCODE_NOTIFY);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parsed.hdr.flags), SL_RCODE_NXDOMAIN);
	ck_assert_uint_eq(parsed.hdr.flags & (SL_FLAG_Z | SL_FLAG_RA), 0);
	ck_assert(parsed.hdr.flags & SL_FLAG_AA);
}
END_TEST

/* Every RDATA shape the builder handles parses back to the storage form given. */
START_TEST(test_roundtrip_rdata)
{
	uint8_t soa[128], rd[SL_RDATA_MAXLEN];
	size_t n = 0, rdlen, pos;
	sl_rr_t rr;
	size_t len;

	make_query("example.com.", SL_TYPE_SOA, 0, false);
	start(512, 0);
	n += wname("ns1.example.com.", soa + n);
	n += wname("hostmaster.example.com.", soa + n);
	memcpy(soa + n, "\0\0\0\1\0\0\x1C\x20\0\0\x0E\x10\0\x12\x75\0\0\0\x0E\x10", 20);
	n += 20;
	add("example.com.", SL_TYPE_SOA, soa, (uint16_t)n);
	len = finish_and_parse(NULL);
	/* Both SOA names were compressed against the question. */
	ck_assert_uint_lt(len, 29 + 12 + n);
	pos = parsed.section_pos[SL_SECTION_ANSWER];
	ck_assert_int_eq(sl_msg_rr_next(out, len, &pos, &rr), SL_OK);
	ck_assert_int_eq(sl_rdata_unpack(rr.type, out, len, rr.rdata_pos, rr.rdlen, rd, sizeof(rd),
					 &rdlen),
			 SL_OK);
	ck_assert_uint_eq(rdlen, n);
	ck_assert_mem_eq(rd, soa, n);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("resp");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, test_compression_bytes);
	tcase_add_test(tc, test_mx_compressed_srv_not);
	tcase_add_test(tc, test_case_insensitive_suffix);
	tcase_add_test(tc, test_qname_shortcut);
	tcase_add_loop_test(tc, test_truncation_all_or_nothing, 0, 3);
	tcase_add_test(tc, test_mark_rollback);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_init_header);
	tcase_add_test(tc, test_sections_forward_only);
	tcase_add_test(tc, test_many_names);
	tcase_add_test(tc, test_max_labels);
	tcase_add_test(tc, test_invalid_owner);
	tcase_add_test(tc, test_opt_full);
	tcase_add_loop_test(tc, test_opt_shedding, 0,
			    (int)(sizeof(shed_cases) / sizeof(shed_cases[0])));
	tcase_add_test(tc, test_opt_no_room);
	tcase_add_test(tc, test_badvers);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_roundtrip_rdata);
	suite_add_tcase(s, tc);
	return s;
}
