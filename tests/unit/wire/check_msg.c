/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for sl_msg_parse() and sl_msg_rr_next().
 *
 * Messages are assembled with a tiny builder so every test states exactly
 * which bytes it feeds the parser.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/msg.h>
#include <sluice/rr.h>
#include "testutil.h"

typedef struct pkt {
	uint8_t b[4096];
	size_t n;
} pkt_t;

static void p8(pkt_t *p, unsigned v)
{
	ck_assert_uint_lt(p->n, sizeof(p->b));
	p->b[p->n++] = (uint8_t)v;
}

static void p16(pkt_t *p, unsigned v)
{
	p8(p, v >> 8);
	p8(p, v & 0xFF);
}

static void p32(pkt_t *p, uint32_t v)
{
	p16(p, v >> 16);
	p16(p, v & 0xFFFF);
}

static void pbytes(pkt_t *p, const void *src, size_t n)
{
	ck_assert_uint_le(p->n + n, sizeof(p->b));
	memcpy(p->b + p->n, src, n);
	p->n += n;
}

/* Appends a dotted name ("www.example.com." or "."); no escapes needed here. */
static void pname(pkt_t *p, const char *dotted)
{
	const char *s = dotted;

	while (*s != '\0' && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		p8(p, (unsigned)l);
		pbytes(p, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	p8(p, 0);
}

static void phdr(pkt_t *p, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	p->n = 0;
	p16(p, 0x1234);
	p16(p, flags);
	p16(p, qd);
	p16(p, an);
	p16(p, ns);
	p16(p, ar);
}

static void pquestion(pkt_t *p, const char *name, unsigned type)
{
	pname(p, name);
	p16(p, type);
	p16(p, SL_CLASS_IN);
}

/* An OPT RR with the given class (payload), TTL word and option bytes. */
static void popt(pkt_t *p, unsigned payload, uint32_t ttl, const uint8_t *opts, size_t optlen)
{
	p8(p, 0);
	p16(p, SL_TYPE_OPT);
	p16(p, payload);
	p32(p, ttl);
	p16(p, (unsigned)optlen);
	if (optlen > 0)
		pbytes(p, opts, optlen);
}

static void pa(pkt_t *p, const char *owner, uint32_t addr)
{
	pname(p, owner);
	p16(p, SL_TYPE_A);
	p16(p, SL_CLASS_IN);
	p32(p, 300);
	p16(p, 4);
	p32(p, addr);
}

/* A minimal TSIG-shaped RR: the parser only cares about its type and place. */
static void ptsig(pkt_t *p)
{
	static const uint8_t rdata[] = {8, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', 0};

	pname(p, "key.");
	p16(p, SL_TYPE_TSIG);
	p16(p, SL_CLASS_ANY);
	p32(p, 0);
	p16(p, sizeof(rdata));
	pbytes(p, rdata, sizeof(rdata));
}

/* Query "example.com. A" with one OPT carrying @p opts. */
static void query_with_opts(pkt_t *p, const uint8_t *opts, size_t optlen)
{
	phdr(p, SL_FLAG_RD, 1, 0, 0, 1);
	pquestion(p, "example.com.", SL_TYPE_A);
	popt(p, 1232, 0, opts, optlen);
}

static sl_msg_t msg;

START_TEST(test_good_query_full_edns)
{
	static const uint8_t opts[] = {
		0, 3, 0, 0,                                     /* NSID, empty */
		0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2,             /* ECS 192.0.2.0/24 */
		0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8,           /* COOKIE client+server */
		9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
		0, 11, 0, 0,                                    /* keepalive */
		0, 12, 0, 3, 0, 0, 0,                           /* padding */
		0xFD, 0xE9, 0, 1, 0xAA,                         /* unknown option 65001 */
	};
	static const uint8_t qname[] = {7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
	pkt_t p;

	phdr(&p, SL_FLAG_RD | SL_FLAG_CD, 1, 0, 0, 1);
	pquestion(&p, "Example.com.", SL_TYPE_AAAA);
	popt(&p, 4096, 0x00008000, opts, sizeof(opts));
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.rcode, 0);
	ck_assert_uint_eq(msg.hdr.id, 0x1234);
	ck_assert_uint_eq(msg.hdr.flags, SL_FLAG_RD | SL_FLAG_CD);
	ck_assert_uint_eq(msg.qname_len, sizeof(qname));
	ck_assert_mem_eq(msg.qname, qname, sizeof(qname));
	ck_assert_uint_eq(msg.qtype, SL_TYPE_AAAA);
	ck_assert_uint_eq(msg.qclass, SL_CLASS_IN);
	ck_assert_uint_eq(msg.section_pos[SL_SECTION_QUESTION], 12);
	ck_assert_uint_eq(msg.section_pos[SL_SECTION_ANSWER], 12 + sizeof(qname) + 4);
	ck_assert_uint_eq(msg.section_pos[SL_SECTION_ADDITIONAL], 12 + sizeof(qname) + 4);
	ck_assert_uint_eq(msg.end_pos, p.n);
	ck_assert_uint_eq(msg.tsig_pos, 0);
	ck_assert(msg.edns.present);
	ck_assert_uint_eq(msg.edns.opt_pos, 12 + sizeof(qname) + 4);
	ck_assert_uint_eq(msg.edns.payload, 4096);
	ck_assert_uint_eq(msg.edns.version, 0);
	ck_assert(msg.edns.do_bit);
	ck_assert_uint_eq(msg.edns.flags, 0x8000);
	ck_assert_uint_eq(msg.edns.ext_rcode, 0);
	ck_assert(msg.edns.nsid);
	ck_assert(msg.edns.keepalive);
	ck_assert(msg.edns.ecs.present);
	ck_assert_uint_eq(msg.edns.ecs.family, 1);
	ck_assert_uint_eq(msg.edns.ecs.source_prefix, 24);
	ck_assert_uint_eq(msg.edns.ecs.scope_prefix, 0);
	ck_assert_uint_eq(msg.edns.ecs.addr[0], 192);
	ck_assert_uint_eq(msg.edns.ecs.addr[1], 0);
	ck_assert_uint_eq(msg.edns.ecs.addr[2], 2);
	ck_assert_uint_eq(msg.edns.ecs.addr[3], 0);
	ck_assert(msg.edns.cookie.present);
	ck_assert_mem_eq(msg.edns.cookie.client, opts + 19, 8);
	ck_assert_uint_eq(msg.edns.cookie.server_len, 16);
	ck_assert_mem_eq(msg.edns.cookie.server, opts + 27, 16);
	ck_assert(!msg.edns.cookie.server_valid);
}
END_TEST

START_TEST(test_no_edns)
{
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 0);
	pquestion(&p, "example.com.", SL_TYPE_MX);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert(!msg.edns.present);
	ck_assert(!msg.edns.do_bit);
	ck_assert(!msg.edns.ecs.present);
	ck_assert(!msg.edns.cookie.present);
	ck_assert_uint_eq(msg.qtype, SL_TYPE_MX);
	ck_assert_uint_eq(msg.qname_len, 13);
	ck_assert_ptr_null(msg.error);
}
END_TEST

/* Loop test: 0..11 bytes can never hold a header, so no reply is possible. */
START_TEST(test_short_header)
{
	static const uint8_t zeros[SL_HEADER_LEN];

	ck_assert_int_eq(sl_msg_parse(zeros, (size_t)_i, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, 0);
	ck_assert_ptr_nonnull(msg.error);
}
END_TEST

START_TEST(test_header_only)
{
	pkt_t p;

	phdr(&p, 0, 0, 0, 0, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.qname_len, 0);
	ck_assert_uint_eq(msg.end_pos, 12);
}
END_TEST

/* Absurd counts in a small packet are refused before anything is walked. */
static const struct {
	unsigned qd, an, ns, ar;
} absurd_counts[] = {
	{65535, 0, 0, 0},
	{0, 65535, 0, 0},
	{0, 0, 65535, 0},
	{0, 0, 0, 65535},
	{65535, 65535, 65535, 65535},
	{1, 0, 0, 0},
};

START_TEST(test_absurd_counts)
{
	pkt_t p;

	phdr(&p, 0, absurd_counts[_i].qd, absurd_counts[_i].an, absurd_counts[_i].ns,
	     absurd_counts[_i].ar);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_str_eq(msg.error, "section counts exceed message length");
	ck_assert_uint_eq(msg.hdr.id, 0x1234);
}
END_TEST

/* Counts that pass the quick check but still overrun are caught by the walk. */
START_TEST(test_counts_overrun_walk)
{
	pkt_t p;

	phdr(&p, 0, 1, 2, 0, 0);
	pquestion(&p, "example.com.", SL_TYPE_A);
	pa(&p, "a.example.com.", 1);
	pbytes(&p, "\0\0\0\0\0\0\0\0\0\0\0", 11 - 1);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	/* The question parsed, so it is available for the FORMERR reply. */
	ck_assert_uint_eq(msg.qname_len, 13);
}
END_TEST

START_TEST(test_qdcount_zero_and_two)
{
	pkt_t p;

	phdr(&p, 0, 0, 0, 0, 1);
	popt(&p, 1232, 0, NULL, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.qname_len, 0);
	ck_assert(msg.edns.present);

	phdr(&p, 0, 2, 0, 0, 0);
	pquestion(&p, "one.example.", SL_TYPE_A);
	pquestion(&p, "two.example.", SL_TYPE_TXT);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.hdr.qdcount, 2);
	ck_assert_uint_eq(msg.qtype, SL_TYPE_A);
	ck_assert_uint_eq(msg.qname_len, 13);
	ck_assert_mem_eq(msg.qname, "\3one\7example", 12);

	/* The second question is still bounds-checked. */
	phdr(&p, 0, 2, 0, 0, 0);
	pquestion(&p, "one.example.", SL_TYPE_A);
	pname(&p, "two.example.");
	p16(&p, SL_TYPE_A);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
}
END_TEST

START_TEST(test_truncated_question)
{
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 0);
	pname(&p, "example.com.");
	p16(&p, SL_TYPE_A);
	p8(&p, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_uint_eq(msg.qname_len, 0);
}
END_TEST

START_TEST(test_two_opts)
{
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 2);
	pquestion(&p, "example.com.", SL_TYPE_A);
	popt(&p, 1232, 0, NULL, 0);
	popt(&p, 1232, 0, NULL, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_str_eq(msg.error, "more than one OPT record");
}
END_TEST

START_TEST(test_opt_not_root)
{
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 1);
	pquestion(&p, "example.com.", SL_TYPE_A);
	pname(&p, "example.com.");
	p16(&p, SL_TYPE_OPT);
	p16(&p, 1232);
	p32(&p, 0);
	p16(&p, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_str_eq(msg.error, "OPT owner is not the root");
}
END_TEST

/* Loop test over the answer (1) and authority (2) sections. */
START_TEST(test_opt_wrong_section)
{
	pkt_t p;

	phdr(&p, 0, 1, _i == 1, _i == 2, 0);
	pquestion(&p, "example.com.", SL_TYPE_A);
	popt(&p, 1232, 0, NULL, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_str_eq(msg.error, "OPT outside the additional section");
}
END_TEST

START_TEST(test_tsig_placement)
{
	pkt_t p;
	size_t tsig_at;

	/* Last in additional, after the OPT: fine. */
	phdr(&p, 0, 1, 0, 0, 2);
	pquestion(&p, "example.com.", SL_TYPE_A);
	popt(&p, 1232, 0, NULL, 0);
	tsig_at = p.n;
	ptsig(&p);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.tsig_pos, tsig_at);
	ck_assert(msg.edns.present);

	/* Followed by the OPT: not last. */
	phdr(&p, 0, 1, 0, 0, 2);
	pquestion(&p, "example.com.", SL_TYPE_A);
	ptsig(&p);
	popt(&p, 1232, 0, NULL, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_str_eq(msg.error, "TSIG is not the last record");

	/* In the answer section. */
	phdr(&p, 0, 1, 1, 0, 0);
	pquestion(&p, "example.com.", SL_TYPE_A);
	ptsig(&p);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);

	/* Two TSIGs. */
	phdr(&p, 0, 1, 0, 0, 2);
	pquestion(&p, "example.com.", SL_TYPE_A);
	ptsig(&p);
	ptsig(&p);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
}
END_TEST

START_TEST(test_badvers)
{
	static const uint8_t opts[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 1);
	pquestion(&p, "example.com.", SL_TYPE_A);
	popt(&p, 1232, 0x00018000, opts, sizeof(opts));
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_BADVERS);
	ck_assert_uint_eq(msg.edns.version, 1);
	ck_assert(msg.edns.do_bit);
	/* Options are still decoded so the BADVERS reply can carry the cookie. */
	ck_assert(msg.edns.cookie.present);
	ck_assert_uint_eq(msg.edns.cookie.server_len, 0);
	ck_assert_uint_eq(msg.qname_len, 13);
}
END_TEST

START_TEST(test_small_payload)
{
	pkt_t p;

	query_with_opts(&p, NULL, 0);
	p.b[p.n - 8] = 0;
	p.b[p.n - 7] = 100;
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.edns.payload, 512);

	p.b[p.n - 8] = 0x02;
	p.b[p.n - 7] = 0x01;
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.edns.payload, 513);
}
END_TEST

START_TEST(test_trailing_bytes)
{
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 0);
	pquestion(&p, "example.com.", SL_TYPE_A);
	p8(&p, 0);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_str_eq(msg.error, "trailing data after the last record");
	ck_assert_uint_eq(msg.qname_len, 13);
	ck_assert_uint_eq(msg.end_pos, p.n - 1);
}
END_TEST

/* Bad compression in the question: self pointer, forward pointer, 2-cycle. */
static const struct {
	const char *what;
	uint8_t name[8];
	size_t len;
} bad_qnames[] = {
	{"pointer to itself", {0xC0, 12}, 2},
	{"forward pointer", {0xC0, 14, 0}, 3},
	{"pointer cycle", {1, 'a', 0xC0, 12}, 4},
	{"reserved label type", {0x40, 0}, 2},
	{"pointer past the end", {0xC0, 0xFF}, 2},
};

START_TEST(test_bad_qname)
{
	pkt_t p;

	phdr(&p, 0, 1, 0, 0, 0);
	pbytes(&p, bad_qnames[_i].name, bad_qnames[_i].len);
	p16(&p, SL_TYPE_A);
	p16(&p, SL_CLASS_IN);
	ck_assert_msg(sl_msg_parse(p.b, p.n, &msg) == SL_EMALFORMED, "%s", bad_qnames[_i].what);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
	ck_assert_uint_eq(msg.qname_len, 0);
}
END_TEST

/* A well-formed backwards pointer in an answer owner is fine. */
START_TEST(test_compressed_answer_walk)
{
	pkt_t p;
	sl_rr_t rr;
	size_t pos;

	phdr(&p, SL_FLAG_QR, 1, 2, 0, 0);
	pquestion(&p, "example.com.", SL_TYPE_A);
	p16(&p, 0xC00C);
	p16(&p, SL_TYPE_A);
	p16(&p, SL_CLASS_IN);
	p32(&p, 3600);
	p16(&p, 4);
	p32(&p, 0xC0000201);
	p8(&p, 3);
	pbytes(&p, "www", 3);
	p16(&p, 0xC00C);
	p16(&p, SL_TYPE_A);
	p16(&p, SL_CLASS_IN);
	p32(&p, 60);
	p16(&p, 4);
	p32(&p, 0xC0000202);
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);

	pos = msg.section_pos[SL_SECTION_ANSWER];
	ck_assert_int_eq(sl_msg_rr_next(p.b, p.n, &pos, &rr), SL_OK);
	ck_assert_uint_eq(rr.owner_len, 13);
	ck_assert_uint_eq(rr.type, SL_TYPE_A);
	ck_assert_uint_eq(rr.ttl, 3600);
	ck_assert_uint_eq(rr.rdlen, 4);
	ck_assert_uint_eq(p.b[rr.rdata_pos + 3], 1);
	ck_assert_int_eq(sl_msg_rr_next(p.b, p.n, &pos, &rr), SL_OK);
	ck_assert_uint_eq(rr.owner_len, 17);
	ck_assert_mem_eq(rr.owner, "\3www\7example\3com", 17);
	ck_assert_uint_eq(rr.ttl, 60);
	ck_assert_uint_eq(pos, p.n);
	ck_assert_int_eq(sl_msg_rr_next(p.b, p.n, &pos, &rr), SL_EMALFORMED);

	/* RDLENGTH past the end. */
	pos = msg.section_pos[SL_SECTION_ANSWER];
	ck_assert_int_eq(sl_msg_rr_next(p.b, p.n - 1, &pos, &rr), SL_OK);
	ck_assert_int_eq(sl_msg_rr_next(p.b, p.n - 1, &pos, &rr), SL_EMALFORMED);
}
END_TEST

/* Table of single-option OPTs: the parser's verdict on each. */
typedef struct opt_case {
	const char *what;
	uint8_t opt[48];
	size_t len;
	bool ok;
} opt_case_t;

static const opt_case_t ecs_cases[] = {
	{"source 0, no address", {0, 8, 0, 4, 0, 1, 0, 0}, 8, true},
	{"v4 /24, 3 octets", {0, 8, 0, 7, 0, 1, 24, 0, 10, 1, 2}, 11, true},
	{"v4 /32, 4 octets", {0, 8, 0, 8, 0, 1, 32, 0, 10, 1, 2, 3}, 12, true},
	{"v4 /20, last octet masked", {0, 8, 0, 7, 0, 1, 20, 0, 10, 1, 0xF0}, 11, true},
	{"v6 /56, 7 octets", {0, 8, 0, 11, 0, 2, 56, 0, 0x20, 1, 0xD, 0xB8, 0, 0, 1}, 15, true},
	{"v6 /128", {0, 8, 0, 20, 0, 2, 128, 0, 0x20, 1, 0xD, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8,
		     9, 10, 11, 12}, 24, true},
	{"v4 /24 with 4 octets", {0, 8, 0, 8, 0, 1, 24, 0, 10, 1, 2, 0}, 12, false},
	{"v4 /24 with 2 octets", {0, 8, 0, 6, 0, 1, 24, 0, 10, 1}, 10, false},
	{"v4 source 33", {0, 8, 0, 9, 0, 1, 33, 0, 10, 1, 2, 3, 0}, 13, false},
	{"v6 source 129", {0, 8, 0, 21, 0, 2, 129, 0, 0x20, 1, 0xD, 0xB8, 1, 2, 3, 4, 5, 6, 7,
			   8, 9, 10, 11, 12, 0}, 25, false},
	{"bits beyond prefix", {0, 8, 0, 7, 0, 1, 20, 0, 10, 1, 0xF8}, 11, false},
	{"bit beyond /1", {0, 8, 0, 5, 0, 1, 1, 0, 0x40}, 9, false},
	{"scope non-zero in query", {0, 8, 0, 7, 0, 1, 24, 24, 10, 1, 2}, 11, false},
	{"family 3", {0, 8, 0, 4, 0, 3, 0, 0}, 8, false},
	{"family 0", {0, 8, 0, 4, 0, 0, 0, 0}, 8, false},
	{"option shorter than fixed part", {0, 8, 0, 3, 0, 1, 0}, 7, false},
	{"option length past OPT RDATA", {0, 8, 0, 9, 0, 1, 24, 0, 10, 1, 2}, 11, false},
	{"truncated option header", {0, 8, 0}, 3, false},
	{"duplicate ECS", {0, 8, 0, 4, 0, 1, 0, 0, 0, 8, 0, 4, 0, 1, 0, 0}, 16, false},
};

static const opt_case_t cookie_cases[] = {
	{"7 octets", {0, 10, 0, 7, 1, 2, 3, 4, 5, 6, 7}, 11, false},
	{"8 octets", {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}, 12, true},
	{"9 octets", {0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 13, false},
	{"15 octets", {0, 10, 0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 19,
	 false},
	{"16 octets", {0, 10, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 20,
	 true},
	{"40 octets", {0, 10, 0, 40}, 44, true},
	{"41 octets", {0, 10, 0, 41}, 45, false},
	{"0 octets", {0, 10, 0, 0}, 4, false},
	{"duplicate", {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8},
	 24, false},
};

static const opt_case_t misc_cases[] = {
	{"keepalive empty", {0, 11, 0, 0}, 4, true},
	{"keepalive with timeout in a query", {0, 11, 0, 2, 0, 100}, 6, false},
	{"keepalive with 1 octet", {0, 11, 0, 1, 0}, 5, false},
	{"NSID with payload (lenient)", {0, 3, 0, 2, 'h', 'i'}, 6, true},
	{"padding", {0, 12, 0, 4, 0, 0, 0, 0}, 8, true},
	{"EDE in a query (ignored)", {0, 15, 0, 2, 0, 0}, 6, true},
	{"unknown option", {0x12, 0x34, 0, 1, 9}, 5, true},
	{"lone option code", {0, 12}, 2, false},
	{"padding longer than RDATA", {0, 12, 0, 5, 0, 0, 0, 0}, 8, false},
};

static void check_opt_case(const opt_case_t *c)
{
	pkt_t p;
	int rc;

	query_with_opts(&p, c->opt, c->len);
	rc = sl_msg_parse(p.b, p.n, &msg);
	if (c->ok) {
		ck_assert_msg(rc == SL_OK, "%s: expected OK, got %d (%s)", c->what, rc,
			      msg.error != NULL ? msg.error : "");
		ck_assert_uint_eq(msg.rcode, 0);
	} else {
		ck_assert_msg(rc == SL_EMALFORMED, "%s: expected FORMERR, got %d", c->what, rc);
		ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
		ck_assert_ptr_nonnull(msg.error);
		/* The question is still there for the FORMERR reply. */
		ck_assert_uint_eq(msg.qname_len, 13);
	}
}

START_TEST(test_ecs_cases)
{
	check_opt_case(&ecs_cases[_i]);
	if (ecs_cases[_i].ok) {
		const uint8_t *o = ecs_cases[_i].opt;

		ck_assert(msg.edns.ecs.present);
		ck_assert_uint_eq(msg.edns.ecs.family, o[5]);
		ck_assert_uint_eq(msg.edns.ecs.source_prefix, o[6]);
		ck_assert_mem_eq(msg.edns.ecs.addr, o + 8, ecs_cases[_i].len - 8);
	}
}
END_TEST

START_TEST(test_cookie_cases)
{
	check_opt_case(&cookie_cases[_i]);
	if (cookie_cases[_i].ok) {
		ck_assert(msg.edns.cookie.present);
		ck_assert_uint_eq(msg.edns.cookie.server_len, cookie_cases[_i].len - 4 - 8);
		ck_assert_mem_eq(msg.edns.cookie.client, cookie_cases[_i].opt + 4, 8);
	}
}
END_TEST

START_TEST(test_misc_option_cases)
{
	check_opt_case(&misc_cases[_i]);
}
END_TEST

/* Rules that only bind queries: responses may carry scope and a timeout. */
START_TEST(test_response_options)
{
	static const uint8_t opts[] = {
		0, 8, 0, 7, 0, 1, 24, 16, 10, 1, 2,  /* ECS with scope 16 */
		0, 11, 0, 2, 0, 100,                 /* keepalive 10 s */
	};
	pkt_t p;

	phdr(&p, SL_FLAG_QR, 1, 0, 0, 1);
	pquestion(&p, "example.com.", SL_TYPE_A);
	popt(&p, 1232, 0, opts, sizeof(opts));
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_OK);
	ck_assert_uint_eq(msg.edns.ecs.scope_prefix, 16);
	ck_assert(msg.edns.keepalive);

	/* Scope beyond the family's width is wrong even in a response. */
	p.n = 0;
	phdr(&p, SL_FLAG_QR, 1, 0, 0, 1);
	pquestion(&p, "example.com.", SL_TYPE_A);
	popt(&p, 1232, 0, opts, sizeof(opts));
	p.b[p.n - 17 + 7] = 33;
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
}
END_TEST

START_TEST(test_opt_rdlen_overrun)
{
	pkt_t p;

	query_with_opts(&p, NULL, 0);
	p.b[p.n - 1] = 4;
	ck_assert_int_eq(sl_msg_parse(p.b, p.n, &msg), SL_EMALFORMED);
	ck_assert_uint_eq(msg.rcode, SL_RCODE_FORMERR);
}
END_TEST

/* The byte-order helpers of sluice/common.h, at odd addresses and with the top bits set. */
START_TEST(test_byte_order)
{
	uint8_t b[7];

	memset(b, 0xAA, sizeof(b));
	sl_write_u16(b + 1, 0xFE01);
	ck_assert_uint_eq(b[0], 0xAA);
	ck_assert_uint_eq(b[1], 0xFE);
	ck_assert_uint_eq(b[2], 0x01);
	ck_assert_uint_eq(b[3], 0xAA);
	ck_assert_uint_eq(sl_read_u16(b + 1), 0xFE01);

	sl_write_u32(b + 3, 0xF1E2D3C4u);
	ck_assert_uint_eq(b[2], 0x01);
	ck_assert_uint_eq(b[3], 0xF1);
	ck_assert_uint_eq(b[4], 0xE2);
	ck_assert_uint_eq(b[5], 0xD3);
	ck_assert_uint_eq(b[6], 0xC4);
	ck_assert_uint_eq(sl_read_u32(b + 3), 0xF1E2D3C4u);
	/* Bytes straddling both writes read as one big-endian value. */
	ck_assert_uint_eq(sl_read_u32(b + 1), 0xFE01F1E2u);
	ck_assert_uint_eq(sl_read_u16(b + 5), 0xD3C4);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_good_query_full_edns);
	tcase_add_test(tc, test_no_edns);
	tcase_add_loop_test(tc, test_short_header, 0, SL_HEADER_LEN);
	tcase_add_test(tc, test_header_only);
	tcase_add_loop_test(tc, test_absurd_counts, 0,
			    (int)(sizeof(absurd_counts) / sizeof(absurd_counts[0])));
	tcase_add_test(tc, test_counts_overrun_walk);
	tcase_add_test(tc, test_qdcount_zero_and_two);
	tcase_add_test(tc, test_truncated_question);
	tcase_add_test(tc, test_two_opts);
	tcase_add_test(tc, test_opt_not_root);
	tcase_add_loop_test(tc, test_opt_wrong_section, 1, 3);
	tcase_add_test(tc, test_tsig_placement);
	tcase_add_test(tc, test_badvers);
	tcase_add_test(tc, test_small_payload);
	tcase_add_test(tc, test_trailing_bytes);
	tcase_add_loop_test(tc, test_bad_qname, 0,
			    (int)(sizeof(bad_qnames) / sizeof(bad_qnames[0])));
	tcase_add_test(tc, test_compressed_answer_walk);
	tcase_add_loop_test(tc, test_ecs_cases, 0, (int)(sizeof(ecs_cases) / sizeof(ecs_cases[0])));
	tcase_add_loop_test(tc, test_cookie_cases, 0,
			    (int)(sizeof(cookie_cases) / sizeof(cookie_cases[0])));
	tcase_add_loop_test(tc, test_misc_option_cases, 0,
			    (int)(sizeof(misc_cases) / sizeof(misc_cases[0])));
	tcase_add_test(tc, test_response_options);
	tcase_add_test(tc, test_opt_rdlen_overrun);
	tcase_add_test(tc, test_byte_order);
	suite_add_tcase(s, tc);
	return s;
}
