/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The query pipeline end to end without sockets: a runtime built from JSON
 * with test plugins, hand-built queries through sl_process(), and exact
 * checks of rcode, flags and sections.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "cookie.h"
#include "loader.h"
#include "process.h"
#include "testutil.h"
#include <sluice/zone.h>

#define SERVER "\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1, " \
	       "\"nsid\": \"unit-ns\", \"identity\": \"ns.unit\", " \
	       "\"plugin_path\": [\"@PLUGINS@\"]}"

static sl_runtime_t *rt;
static uint8_t arena_block[65536];
static sl_arena_t arena;
static uint8_t out[65535];
static struct sockaddr_in client;
static sl_cookie_mac_t cookie_mac;
static uint32_t now = 1700000000;

static void setup_runtime(const char *json)
{
	sl_errlist_t el = { .count = 0 };
	const char *path = tu_write_config(json);
	rt = sl_runtime_load(path, false, 0, &el);
	unlink(path);
	sl_errlist_log(&el);
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(sl_runtime_start(rt, NULL, &el), SL_OK);
	ck_assert_int_eq(sl_cookie_mac_init(&cookie_mac), SL_OK);
	now = 1700000000;
	sl_arena_init(&arena, arena_block, sizeof(arena_block));
	client.sin_family = AF_INET;
	client.sin_port = htons(40000);
	client.sin_addr.s_addr = htonl(0x7f000001);
}

static void teardown_runtime(void)
{
	sl_runtime_free(rt);
	rt = NULL;
	sl_cookie_mac_free(&cookie_mac);
}

static size_t ask(sl_transport_t t, const uint8_t *q, size_t qlen)
{
	sl_query_in_t in = {
		.transport = t, .wire = q, .len = qlen,
		.remote = (struct sockaddr *)&client, .remote_len = sizeof(client),
		.local = (struct sockaddr *)&client, .local_len = sizeof(client),
		.now = now, .cookie_mac = &cookie_mac,
	};
	return sl_process(rt, &in, &arena, out, sizeof(out));
}

/* A deferred answer's route (sl_request_defer()): keeps what was posted. */
static uint8_t posted[4096];
static size_t posted_len;
static unsigned posts;

static void test_post(sl_reply_route_t *route, uint8_t *msg, size_t len)
{
	posts++;
	posted_len = 0;
	if (msg && len <= sizeof(posted)) {
		memcpy(posted, msg, len);
		posted_len = len;
	}
	free(msg);
}

static sl_reply_route_t test_route_obj = { .post = test_post };

static sl_reply_route_t *test_route(const sl_query_in_t *in)
{
	return &test_route_obj;
}

/* ask() with a transport that can answer later. */
static size_t ask_deferrable(sl_transport_t t, const uint8_t *q, size_t qlen)
{
	sl_query_in_t in = {
		.transport = t, .wire = q, .len = qlen,
		.remote = (struct sockaddr *)&client, .remote_len = sizeof(client),
		.local = (struct sockaddr *)&client, .local_len = sizeof(client),
		.now = now, .cookie_mac = &cookie_mac, .route = test_route,
	};
	return sl_process(rt, &in, &arena, out, sizeof(out));
}

/* A parsed response with its answer-section TXT strings. */
typedef struct parsed {
	sl_msg_t msg;
	unsigned rcode;      /* header rcode | ext << 4 */
	char txt[64][256];   /* first string of each TXT in the answer */
	unsigned ntxt;
	unsigned ncname;
	uint16_t types[64];  /* answer-section types, in order */
	uint16_t ntypes;
	uint16_t ns_types[8];/* authority-section types, in order */
	uint16_t nns;
	uint32_t soa_ttl;    /* TTL of an authority SOA */
} parsed_t;

static void parse(size_t len, parsed_t *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert_uint_ge(len, 12);
	ck_assert_int_eq(sl_msg_parse(out, len, &p->msg), SL_OK);
	ck_assert(p->msg.hdr.flags & SL_FLAG_QR);
	p->rcode = SL_FLAGS_RCODE(p->msg.hdr.flags) | (unsigned)p->msg.edns.ext_rcode << 4;
	size_t pos = p->msg.section_pos[SL_SECTION_ANSWER];
	for (unsigned i = 0; i < p->msg.hdr.ancount; i++) {
		sl_rr_t rr;
		ck_assert_int_eq(sl_msg_rr_next(out, len, &pos, &rr), SL_OK);
		pos = rr.rdata_pos + rr.rdlen;
		if (rr.type == SL_TYPE_TXT && p->ntxt < 64) {
			uint8_t n = out[rr.rdata_pos];
			memcpy(p->txt[p->ntxt], out + rr.rdata_pos + 1, n);
			p->txt[p->ntxt++][n] = '\0';
		}
		if (rr.type == SL_TYPE_CNAME)
			p->ncname++;
		if (p->ntypes < 64)
			p->types[p->ntypes++] = rr.type;
	}
	for (unsigned i = 0; i < p->msg.hdr.nscount; i++) {
		sl_rr_t rr;
		ck_assert_int_eq(sl_msg_rr_next(out, len, &pos, &rr), SL_OK);
		pos = rr.rdata_pos + rr.rdlen;
		if (p->nns < 8)
			p->ns_types[p->nns++] = rr.type;
		if (rr.type == SL_TYPE_SOA)
			p->soa_ttl = rr.ttl;
	}
}

static size_t query(sl_transport_t t, const char *name, uint16_t type, const tu_qopt_t *opt)
{
	uint8_t q[1024];
	size_t qlen = tu_query(q, sizeof(q), name, type, opt);
	ck_assert_uint_gt(qlen, 0);
	return ask(t, q, qlen);
}

/* ---- chains ------------------------------------------------------------- */

static void setup_chains(void)
{
	setup_runtime("{" SERVER ","
		      "\"plugins\": [{\"plugin\": \"recorder\", \"tag\": \"s1\"},"
		      "  {\"plugin\": \"recorder\", \"tag\": \"s2\"},"
		      "  {\"plugin\": \"recorder\", \"tag\": \"dropper\", \"result\": \"drop\","
		      "   \"match\": \"drop.test.\"},"
		      "  {\"plugin\": \"observer\"}],"
		      "\"zones\": ["
		      " {\"name\": \"test.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"z1\"},"
		      "  {\"plugin\": \"recorder\", \"tag\": \"z2\", \"result\": \"done\", "
		      "   \"txt_count\": 2, \"txt_size\": 3}]},"
		      " {\"name\": \"empty.test.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"e1\"}]},"
		      " {\"name\": \"err.test.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"x\", \"result\": \"error\", "
		      "   \"rcode\": 5}]},"
		      " {\"name\": \"big.test.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"b\", \"result\": \"done\", "
		      "   \"txt_count\": 30, \"txt_size\": 100}]},"
		      " {\"name\": \"a.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"fa\", \"result\": \"follow\", "
		      "   \"follow\": \"www.b.\"}]},"
		      " {\"name\": \"b.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"fb\", \"result\": \"done\", "
		      "   \"txt_count\": 0}]},"
		      " {\"name\": \"loop.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"l\", \"result\": \"follow\", "
		      "   \"follow\": \"again.loop.\"}]},"
		      " {\"name\": \"xfr.\", \"allow_transfer\": [\"127.0.0.0/8\"], \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"x\", \"result\": \"done\"}]},"
		      " {\"name\": \"noxfr.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"n\", \"result\": \"done\"}]},"
		      " {\"name\": \"p.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"parent\", \"result\": \"done\"}]},"
		      " {\"name\": \"c.p.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"child\", \"result\": \"done\"}]},"
		      " {\"name\": \"defer.test.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"d\", \"result\": \"defer\", "
		      "   \"rcode\": 8}]},"
		      " {\"name\": \"hook.\", \"plugins\": ["
		      "  {\"plugin\": \"recorder\", \"tag\": \"h\", \"result\": \"done\", "
		      "   \"drop_response\": true}]}"
		      "]}");
}

START_TEST(test_chain_order)
{
	parsed_t p;
	parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	ck_assert_uint_eq(p.ntxt, 6);
	static const char *const want[] = { "s1", "s2", "z1", "z2", "xxx", "xxx" };
	for (unsigned i = 0; i < 6; i++)
		ck_assert_str_eq(p.txt[i], want[i]);
	ck_assert_uint_eq(p.msg.hdr.id, 0x1234);
	ck_assert_str_eq((const char *)p.msg.qname + 1, "\003www\004test" + 1);
}
END_TEST

START_TEST(test_refused_outside_zones)
{
	parsed_t p;
	parse(query(SL_TRANSPORT_UDP, "example.org.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	ck_assert_uint_eq(p.msg.hdr.ancount, 0);
	ck_assert(!(p.msg.hdr.flags & SL_FLAG_AA));
	ck_assert_uint_eq(p.msg.hdr.qdcount, 1);
}
END_TEST

START_TEST(test_servfail_without_data)
{
	parsed_t p;
	tu_qopt_t o = { .id = 7, .edns_version = 0 };
	parse(query(SL_TRANSPORT_UDP, "x.empty.test.", SL_TYPE_A, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_SERVFAIL);
	ck_assert_uint_eq(p.msg.hdr.ancount, 0); /* partial traces are discarded */
	ck_assert(p.msg.edns.present);
}
END_TEST

START_TEST(test_error_result)
{
	parsed_t p;
	parse(query(SL_TRANSPORT_UDP, "err.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	ck_assert_uint_eq(p.msg.hdr.ancount, 0);
}
END_TEST

START_TEST(test_drop_results)
{
	ck_assert_uint_eq(query(SL_TRANSPORT_UDP, "drop.test.", SL_TYPE_A, NULL), 0);
	ck_assert_uint_eq(query(SL_TRANSPORT_TCP, "drop.test.", SL_TYPE_A, NULL), 0);
	/* A response hook can drop an answer a data plugin produced. */
	ck_assert_uint_eq(query(SL_TRANSPORT_UDP, "hook.", SL_TYPE_A, NULL), 0);
}
END_TEST

START_TEST(test_follow)
{
	parsed_t p;
	parse(query(SL_TRANSPORT_UDP, "www.a.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(p.ncname, 1);
	/* server chain once, then zone a., then zone b. */
	ck_assert_uint_eq(p.ntxt, 4);
	ck_assert_str_eq(p.txt[2], "fa");
	ck_assert_str_eq(p.txt[3], "fb");
}
END_TEST

START_TEST(test_follow_loop_is_bounded)
{
	parsed_t p;
	parse(query(SL_TRANSPORT_TCP, "x.loop.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(p.ncname, SL_MAX_FOLLOW + 1);
}
END_TEST

START_TEST(test_truncation)
{
	parsed_t p;
	/* 30 x 100-byte TXT records do not fit 512 bytes without EDNS. */
	size_t len = query(SL_TRANSPORT_UDP, "big.test.", SL_TYPE_TXT, NULL);
	ck_assert_uint_le(len, 512);
	parse(len, &p);
	ck_assert(p.msg.hdr.flags & SL_FLAG_TC);
	/* With EDNS the client's payload is the limit. */
	tu_qopt_t o = { .id = 9, .edns_version = 0, .payload = 1232 };
	len = query(SL_TRANSPORT_UDP, "big.test.", SL_TYPE_TXT, &o);
	ck_assert_uint_le(len, 1232);
	ck_assert_uint_gt(len, 512);
	parse(len, &p);
	ck_assert(p.msg.hdr.flags & SL_FLAG_TC);
	ck_assert(p.msg.edns.present);
	/* Payloads below 512 are treated as 512. */
	o.payload = 100;
	len = query(SL_TRANSPORT_UDP, "big.test.", SL_TYPE_TXT, &o);
	ck_assert_uint_le(len, 512);
	ck_assert_uint_gt(len, 400);
	parse(len, &p);
	ck_assert(p.msg.hdr.flags & SL_FLAG_TC);
	/* TCP carries everything. */
	len = query(SL_TRANSPORT_TCP, "big.test.", SL_TYPE_TXT, NULL);
	parse(len, &p);
	ck_assert(!(p.msg.hdr.flags & SL_FLAG_TC));
	ck_assert_uint_eq(p.ntxt, 2 + 1 + 30);
}
END_TEST

START_TEST(test_response_hooks_see_kind)
{
	sl_instance_t *obs = rt->server_chain.inst[3];
	/* The instance handle the observer registered its counters on. */
	uint64_t pos = sl_stats_get(obs, SL_ANSWER_POSITIVE);
	uint64_t err = sl_stats_get(obs, SL_ANSWER_ERROR);
	query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, NULL);
	query(SL_TRANSPORT_UDP, "err.test.", SL_TYPE_A, NULL);
	query(SL_TRANSPORT_UDP, "nowhere.", SL_TYPE_A, NULL);
	ck_assert_uint_eq(sl_stats_get(obs, SL_ANSWER_POSITIVE), pos + 1);
	ck_assert_uint_eq(sl_stats_get(obs, SL_ANSWER_ERROR), err + 2);
}
END_TEST

/* ---- admission ---------------------------------------------------------- */

START_TEST(test_never_answer_responses)
{
	tu_qopt_t o = { .id = 1, .flags = SL_FLAG_QR, .edns_version = -1 };
	ck_assert_uint_eq(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, &o), 0);
	uint8_t shortq[11] = { 0 };
	for (size_t n = 0; n <= sizeof(shortq); n++)
		ck_assert_uint_eq(ask(SL_TRANSPORT_UDP, shortq, n), 0);
}
END_TEST

START_TEST(test_formerr_qdcount)
{
	parsed_t p;
	tu_qopt_t o = { .id = 2, .qdcount = 2, .edns_version = -1 };
	parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_FORMERR);
	uint8_t q[12] = { 0, 3, 0, 0 };
	parse(ask(SL_TRANSPORT_UDP, q, sizeof(q)), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_FORMERR);
	ck_assert_uint_eq(p.msg.hdr.id, 3);
	ck_assert_uint_eq(p.msg.hdr.qdcount, 0);
}
END_TEST

/* UPDATE is routed by its zone section (RFC 2136 §3.1). */
START_TEST(test_update_routing)
{
	parsed_t p;
	tu_qopt_t o = { .id = 7, .flags = SL_OPCODE_UPDATE << 11, .edns_version = -1 };

	/* ZTYPE must be SOA */
	parse(query(SL_TRANSPORT_UDP, "empty.test.", SL_TYPE_A, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_FORMERR);
	ck_assert_uint_eq(SL_FLAGS_OPCODE(p.msg.hdr.flags), SL_OPCODE_UPDATE);
	/* not a zone we serve, or not its apex: NOTAUTH */
	parse(query(SL_TRANSPORT_UDP, "nowhere.", SL_TYPE_SOA, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOTAUTH);
	parse(query(SL_TRANSPORT_UDP, "www.empty.test.", SL_TYPE_SOA, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOTAUTH);
	/* a served zone nobody updates: REFUSED, as BIND */
	parse(query(SL_TRANSPORT_TCP, "empty.test.", SL_TYPE_SOA, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	ck_assert_uint_eq(p.msg.hdr.qdcount, 1);
}
END_TEST

/* A deferred request: nothing sent now, the late answer through the route. */
START_TEST(test_deferred_answer)
{
	parsed_t p;
	uint8_t q[512];
	tu_qopt_t o = { .id = 0x4242, .flags = SL_OPCODE_UPDATE << 11, .edns_version = 0,
			.payload = 1232 };
	size_t qlen = tu_query(q, sizeof(q), "defer.test.", SL_TYPE_SOA, &o);

	posts = 0;
	ck_assert_uint_eq(ask_deferrable(SL_TRANSPORT_UDP, q, qlen), 0);
	ck_assert_uint_eq(posts, 1);
	ck_assert_uint_gt(posted_len, 0);
	memcpy(out, posted, posted_len);
	parse(posted_len, &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NXRRSET);
	ck_assert_uint_eq(p.msg.hdr.id, 0x4242);
	ck_assert_uint_eq(SL_FLAGS_OPCODE(p.msg.hdr.flags), SL_OPCODE_UPDATE);
	ck_assert_uint_eq(p.msg.hdr.qdcount, 1);             /* the zone section echoed */
	ck_assert_uint_eq(p.msg.qtype, SL_TYPE_SOA);
	ck_assert(p.msg.edns.present);                       /* OPT as for any answer */
	ck_assert_uint_eq(p.msg.hdr.ancount + p.msg.hdr.nscount, 0);
	/* a transport that cannot answer later: the plugin answers now */
	posts = 0;
	parse(ask(SL_TRANSPORT_UDP, q, qlen), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_SERVFAIL);
	ck_assert_uint_eq(posts, 0);
}
END_TEST

START_TEST(test_notimp_opcodes)
{
	parsed_t p;
	static const unsigned opcodes[] = { SL_OPCODE_IQUERY, SL_OPCODE_STATUS, 3, 6, 15 };
	for (unsigned i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
		tu_qopt_t o = { .id = 4, .flags = (uint16_t)(opcodes[i] << 11), .edns_version = -1 };
		parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, &o), &p);
		ck_assert_uint_eq(p.rcode, SL_RCODE_NOTIMP);
		ck_assert_uint_eq(SL_FLAGS_OPCODE(p.msg.hdr.flags), opcodes[i]);
	}
}
END_TEST

START_TEST(test_badvers)
{
	parsed_t p;
	tu_qopt_t o = { .id = 5, .edns_version = 1 };
	parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_BADVERS);
	ck_assert(p.msg.edns.present);
	ck_assert_uint_eq(p.msg.edns.version, 0);
	ck_assert_uint_eq(p.msg.hdr.ancount, 0);
}
END_TEST

START_TEST(test_edns_options)
{
	parsed_t p;
	/* NSID request + client cookie. */
	uint8_t opts[] = { 0, 3, 0, 0, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	tu_qopt_t o = { .id = 6, .edns_version = 0, .do_bit = true, .opts = opts,
			.opts_len = sizeof(opts) };
	size_t len = query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, &o);
	parse(len, &p);
	ck_assert(p.msg.edns.present);
	ck_assert(p.msg.edns.do_bit);
	ck_assert_uint_eq(p.msg.edns.payload, 1232);
	ck_assert(p.msg.edns.cookie.present);
	ck_assert_uint_eq(p.msg.edns.cookie.server_len, SL_SERVER_COOKIE_LEN);
	ck_assert_mem_eq(p.msg.edns.cookie.client, opts + 8, 8);
	ck_assert_ptr_nonnull(memmem(out, len, "unit-ns", 7));
	/* The server cookie we issued validates on the next query. */
	const uint8_t *secret = rt->conf.cookie_secret;
	sl_cookie_t *c = &p.msg.edns.cookie;
	ck_assert_int_eq(sl_cookie_check(&cookie_mac, secret, c, (struct sockaddr *)&client, now),
			 SL_COOKIE_VALID);
	ck_assert_int_eq(sl_cookie_check(&cookie_mac, secret, c, (struct sockaddr *)&client,
					 now + 7200),
			 SL_COOKIE_INVALID);
	struct sockaddr_in other = client;
	other.sin_addr.s_addr = htonl(0x7f000002);
	ck_assert_int_eq(sl_cookie_check(&cookie_mac, secret, c, (struct sockaddr *)&other, now),
			 SL_COOKIE_INVALID);
}
END_TEST

/* Sends client cookie 1..8 plus @p server (NULL: none); returns the answer's cookie. */
static void cookie_round(const uint8_t *server, uint8_t server_len, parsed_t *p)
{
	uint8_t opts[4 + 8 + 32] = { 0, 10, 0, (uint8_t)(8 + server_len), 1, 2, 3, 4, 5, 6, 7, 8 };
	if (server)
		memcpy(opts + 12, server, server_len);
	tu_qopt_t o = { .id = 7, .edns_version = 0, .opts = opts,
			.opts_len = 12 + (size_t)server_len };
	parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_A, &o), p);
	ck_assert_uint_eq(p->rcode, SL_RCODE_NOERROR);
	ck_assert(p->msg.edns.cookie.present);
	ck_assert_mem_eq(p->msg.edns.cookie.client, opts + 4, 8);
	ck_assert_uint_eq(p->msg.edns.cookie.server_len, SL_SERVER_COOKIE_LEN);
}

/* Timestamp field of a server cookie. */
static uint32_t cookie_time(const uint8_t *sc)
{
	return (uint32_t)sc[4] << 24 | (uint32_t)sc[5] << 16 | (uint32_t)sc[6] << 8 | sc[7];
}

START_TEST(test_cookie_echo_and_renew)
{
	parsed_t p;
	uint8_t issued[SL_SERVER_COOKIE_LEN], forged[SL_SERVER_COOKIE_LEN];

	cookie_round(NULL, 0, &p);
	memcpy(issued, p.msg.edns.cookie.server, sizeof(issued));
	ck_assert_uint_eq(cookie_time(issued), now);

	/* 29 minutes on, the valid cookie comes back unchanged. */
	now += 29 * 60;
	cookie_round(issued, sizeof(issued), &p);
	ck_assert_mem_eq(p.msg.edns.cookie.server, issued, sizeof(issued));

	/* 31 minutes on it is still valid but renewed: a fresh timestamp. */
	now += 2 * 60;
	cookie_round(issued, sizeof(issued), &p);
	ck_assert_uint_eq(cookie_time(p.msg.edns.cookie.server), now);
	ck_assert_mem_ne(p.msg.edns.cookie.server, issued, sizeof(issued));

	/* A wrong hash is answered (no BADCOOKIE) with a fresh cookie. */
	memcpy(forged, issued, sizeof(forged));
	forged[15] ^= 1;
	now = cookie_time(issued) + 10;
	cookie_round(forged, sizeof(forged), &p);
	ck_assert_uint_eq(cookie_time(p.msg.edns.cookie.server), now);
	ck_assert_mem_ne(p.msg.edns.cookie.server + 8, issued + 8, 8);

	/* An unknown-format 8-byte server cookie: a fresh 16-byte one. */
	cookie_round(issued, 8, &p);
	ck_assert_uint_eq(cookie_time(p.msg.edns.cookie.server), now);
}
END_TEST

START_TEST(test_chaos_identity)
{
	parsed_t p;
	tu_qopt_t o = { .id = 8, .edns_version = -1, .qclass = SL_CLASS_CH };
	parse(query(SL_TRANSPORT_UDP, "id.server.", SL_TYPE_TXT, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(p.ntxt, 1);
	ck_assert_str_eq(p.txt[0], "ns.unit");
	parse(query(SL_TRANSPORT_UDP, "version.bind.", SL_TYPE_TXT, &o), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
}
END_TEST

START_TEST(test_meta_qtypes)
{
	parsed_t p;
	parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_OPT, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_FORMERR);
	parse(query(SL_TRANSPORT_UDP, "www.test.", SL_TYPE_AXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
}
END_TEST

START_TEST(test_ds_from_parent_zone)
{
	parsed_t p;
	/* DS at a hosted child's apex is the parent's data (RFC 4035 §3.1.4.1)... */
	parse(query(SL_TRANSPORT_UDP, "C.p.", SL_TYPE_DS, NULL), &p);
	ck_assert_str_eq(p.txt[2], "parent");
	/* ...every other type there, and DS below the apex, are the child's. */
	parse(query(SL_TRANSPORT_UDP, "c.p.", SL_TYPE_A, NULL), &p);
	ck_assert_str_eq(p.txt[2], "child");
	parse(query(SL_TRANSPORT_UDP, "x.c.p.", SL_TYPE_DS, NULL), &p);
	ck_assert_str_eq(p.txt[2], "child");
}
END_TEST

START_TEST(test_transfer_acl)
{
	parsed_t p;
	/* 127.0.0.1 is in xfr.'s ACL: the chain runs (over TCP). */
	parse(query(SL_TRANSPORT_TCP, "xfr.", SL_TYPE_AXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	/* traces s1, s2, x, then one 10-byte filler record */
	ck_assert_uint_eq(p.ntxt, 4);
	ck_assert_str_eq(p.txt[2], "x");
	/* A zone without allow_transfer refuses everyone. */
	parse(query(SL_TRANSPORT_TCP, "noxfr.", SL_TYPE_AXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	parse(query(SL_TRANSPORT_TCP, "noxfr.", SL_TYPE_IXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	/* A client outside the ACL is refused. */
	client.sin_addr.s_addr = htonl(0xc0000201);
	parse(query(SL_TRANSPORT_TCP, "xfr.", SL_TYPE_AXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	/* AXFR never over UDP, even from an allowed address. */
	client.sin_addr.s_addr = htonl(0x7f000001);
	parse(query(SL_TRANSPORT_UDP, "xfr.", SL_TYPE_AXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
}
END_TEST

START_TEST(test_mutated_queries_never_crash)
{
	uint8_t q[512];
	tu_qopt_t o = { .id = 10, .edns_version = 0, .do_bit = true };
	size_t qlen = tu_query(q, sizeof(q), "www.test.", SL_TYPE_A, &o);
	unsigned seed = 12345, answered = 0;
	for (int round = 0; round < 20000; round++) {
		uint8_t m[512];
		memcpy(m, q, qlen);
		size_t mlen = qlen;
		int flips = 1 + (int)(rand_r(&seed) % 4);
		for (int f = 0; f < flips; f++)
			m[rand_r(&seed) % mlen] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
		if (rand_r(&seed) % 4 == 0)
			mlen = rand_r(&seed) % (mlen + 1);
		size_t len = ask(rand_r(&seed) % 2 ? SL_TRANSPORT_UDP : SL_TRANSPORT_TCP, m, mlen);
		if (len) {
			sl_msg_t r;
			answered++;
			ck_assert_int_eq(sl_msg_parse(out, len, &r), SL_OK);
			ck_assert(r.hdr.flags & SL_FLAG_QR);
			ck_assert(mlen >= 12 && !(m[2] & 0x80));
		}
	}
	/* Most mutations leave an answerable query: the loop must have checked many. */
	ck_assert_uint_gt(answered, 5000);
}
END_TEST

/* ---- names answered by plugins, reached through zone data --------------- */

/*
 * chase.test. has a recorder answering pool.chase.test. placed before its
 * zonefile; other.test. a recorder answering pool.other.test. before its
 * own zonefile, then an observer; err.test. only refuses. Both zone files
 * keep a placeholder at the plugin-answered names (the documented rule).
 */
static char chase_zone[64], other_zone[64];

static const char CHASE_ZONE[] =
	"$ORIGIN chase.test.\n$TTL 3600\n"
	"@ SOA ns hostmaster 1 7200 3600 1209600 300\n@ NS ns\nns A 192.0.2.1\n"
	"pool TXT \"placeholder\"\n"
	"alias CNAME pool\nalias2 CNAME alias\n"
	"*.w CNAME pool\n"
	"other CNAME pool.other.test.\nd DNAME other.test.\n"
	"plain CNAME ns.other.test.\nrefused CNAME x.err.test.\n"
	"nx CNAME missing\nout CNAME www.example.org.\n"
	"loop CNAME bounce\n";
static const char OTHER_ZONE[] =
	"$ORIGIN other.test.\n$TTL 3600\n"
	"@ SOA ns hostmaster 1 7200 3600 1209600 600\n@ NS ns\nns A 192.0.2.2\n"
	"pool TXT \"placeholder\"\n";

static void write_zone(char *path, size_t size, const char *text)
{
	snprintf(path, size, "/tmp/sluice-zone-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void setup_chase(void)
{
	char json[4096];

	write_zone(chase_zone, sizeof(chase_zone), CHASE_ZONE);
	write_zone(other_zone, sizeof(other_zone), OTHER_ZONE);
	snprintf(json, sizeof(json),
		 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1, "
		 " \"plugin_path\": [\"@PLUGINS@\", \"@BUILT_PLUGINS@\"]},"
		 "\"plugins\": [{\"plugin\": \"observer\"}],"
		 "\"zones\": ["
		 " {\"name\": \"chase.test.\", \"plugins\": ["
		 "  {\"plugin\": \"recorder\", \"tag\": \"pool\", \"match\": \"pool.chase.test.\","
		 "   \"result\": \"done\", \"txt_count\": 0},"
		 "  {\"plugin\": \"recorder\", \"tag\": \"bounce\", \"match\": \"bounce.chase.test.\","
		 "   \"result\": \"follow\", \"follow\": \"loop.chase.test.\"},"
		 "  {\"plugin\": \"zonefile\", \"file\": \"%s\"}]},"
		 " {\"name\": \"other.test.\", \"plugins\": ["
		 "  {\"plugin\": \"recorder\", \"tag\": \"opool\", \"match\": \"pool.other.test.\","
		 "   \"result\": \"done\", \"txt_count\": 0},"
		 "  {\"plugin\": \"zonefile\", \"file\": \"%s\"},"
		 "  {\"plugin\": \"observer\"}]},"
		 " {\"name\": \"err.test.\", \"plugins\": ["
		 "  {\"plugin\": \"recorder\", \"tag\": \"err\", \"result\": \"error\", \"rcode\": 5}]}"
		 "]}",
		 chase_zone, other_zone);
	setup_runtime(json);
	/* zonefile loads on a background thread once started. */
	for (int i = 0; i < 500; i++) {
		if (sl_zone_current(rt->zones[0].zone) && sl_zone_current(rt->zones[1].zone))
			break;
		usleep(10000);
	}
	ck_assert_ptr_nonnull(sl_zone_current(rt->zones[0].zone));
	ck_assert_ptr_nonnull(sl_zone_current(rt->zones[1].zone));
}

static void teardown_chase(void)
{
	teardown_runtime();
	unlink(chase_zone);
	unlink(other_zone);
}

static void expect_types(const parsed_t *p, const uint16_t *want, unsigned n)
{
	ck_assert_uint_eq(p->ntypes, n);
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(p->types[i], want[i]);
}

START_TEST(test_chase_same_zone)
{
	parsed_t p;
	sl_instance_t *obs = rt->server_chain.inst[0];
	uint64_t pos = sl_stats_get(obs, SL_ANSWER_POSITIVE);

	/* alias CNAME pool: the recorder placed before zonefile answers pool, not the placeholder. */
	parse(query(SL_TRANSPORT_UDP, "alias.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME, SL_TYPE_TXT }, 2);
	ck_assert_str_eq(p.txt[0], "pool");
	ck_assert_uint_eq(p.msg.hdr.nscount, 0);
	ck_assert_uint_eq(sl_stats_get(obs, SL_ANSWER_POSITIVE), pos + 1);
	/* Two hops in the zone, then the plugin. */
	parse(query(SL_TRANSPORT_UDP, "alias2.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME, SL_TYPE_CNAME, SL_TYPE_TXT }, 3);
	ck_assert_str_eq(p.txt[0], "pool");
	/* Asked directly, the name is the plugin's too: the placeholder never shows. */
	parse(query(SL_TRANSPORT_UDP, "pool.chase.test.", SL_TYPE_TXT, NULL), &p);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_TXT }, 1);
	ck_assert_str_eq(p.txt[0], "pool");
}
END_TEST

START_TEST(test_chase_wildcard_kind)
{
	parsed_t p;
	sl_instance_t *obs = rt->server_chain.inst[0];
	uint64_t wild = sl_stats_get(obs, SL_ANSWER_WILDCARD);

	parse(query(SL_TRANSPORT_UDP, "x.w.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME, SL_TYPE_TXT }, 2);
	ck_assert_uint_eq(sl_stats_get(obs, SL_ANSWER_WILDCARD), wild + 1);
}
END_TEST

START_TEST(test_chase_other_zone)
{
	parsed_t p;
	sl_instance_t *zobs = rt->zones[1].chain.inst[2];
	uint64_t seen = sl_stats_get(zobs, SL_ANSWER_POSITIVE);

	/* A CNAME into another served zone whose plugin answers the target. */
	parse(query(SL_TRANSPORT_UDP, "other.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME, SL_TYPE_TXT }, 2);
	ck_assert_str_eq(p.txt[0], "opool");
	/* DNAME substitution into that zone: DNAME, synthesised CNAME, the plugin's record. */
	parse(query(SL_TRANSPORT_UDP, "pool.d.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_DNAME, SL_TYPE_CNAME, SL_TYPE_TXT }, 3);
	ck_assert_str_eq(p.txt[0], "opool");
	/*
	 * Another zone's own data is not served for our CNAME (as knotd): the
	 * chain ends at the CNAME, NOERROR. The other chain ran to its end, so
	 * its observer saw the response.
	 */
	parse(query(SL_TRANSPORT_UDP, "plain.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME }, 1);
	ck_assert_uint_eq(p.msg.hdr.nscount, 0);
	ck_assert_uint_eq(sl_stats_get(zobs, SL_ANSWER_POSITIVE), seen + 1);
	/* Asked directly, other.test.'s zonefile answers its own name. */
	parse(query(SL_TRANSPORT_UDP, "ns.other.test.", SL_TYPE_A, NULL), &p);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_A }, 1);
}
END_TEST

START_TEST(test_chase_refusing_zone)
{
	parsed_t p;

	/* A zone that refuses the target leaves it unanswered; its trace is taken back. */
	parse(query(SL_TRANSPORT_UDP, "refused.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME }, 1);
	ck_assert_uint_eq(p.msg.hdr.arcount, 0);
}
END_TEST

START_TEST(test_chase_negative_and_outside)
{
	parsed_t p;

	/* Nobody answers "missing": the store's NXDOMAIN, SOA TTL min(3600, 300). */
	parse(query(SL_TRANSPORT_UDP, "nx.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NXDOMAIN);
	ck_assert(p.msg.hdr.flags & SL_FLAG_AA);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME }, 1);
	ck_assert_uint_eq(p.nns, 1);
	ck_assert_uint_eq(p.ns_types[0], SL_TYPE_SOA);
	ck_assert_uint_eq(p.soa_ttl, 300);
	/* A target in no zone of ours: NOERROR with the CNAME alone. */
	parse(query(SL_TRANSPORT_UDP, "out.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	expect_types(&p, (const uint16_t[]){ SL_TYPE_CNAME }, 1);
	ck_assert_uint_eq(p.msg.hdr.nscount, 0);
}
END_TEST

START_TEST(test_chase_loop_is_bounded)
{
	parsed_t p;

	/*
	 * loop CNAME bounce (zone data), bounce answered by a plugin with a
	 * CNAME back to loop (FOLLOW): each round adds both CNAMEs and a
	 * trace; the core stops after SL_MAX_FOLLOW follows.
	 */
	parse(query(SL_TRANSPORT_TCP, "loop.chase.test.", SL_TYPE_A, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(p.ncname, 2 * (SL_MAX_FOLLOW + 1));
	ck_assert_uint_eq(p.ntxt, SL_MAX_FOLLOW + 1);
	ck_assert_uint_eq(p.types[0], SL_TYPE_CNAME);
	ck_assert_uint_eq(p.types[1], SL_TYPE_TXT);
	ck_assert_uint_eq(p.types[2], SL_TYPE_CNAME);
}
END_TEST

/* ---- TSIG in the pipeline ------------------------------------------------ */

/* dnspython 2.3: AXFR for xfr. (id 0x4321) signed with test-key. (hmac-sha256) at 1700000000. */
static const char signed_axfr_hex[] =
	"432101000001000000000001037866720000fc000108746573742d6b65790000fa00ff00000000003d0b686d"
	"61632d7368613235360000006553f100012c0020e2715f2593d2ae9e4048f5f19eddb4210eada676b670ba"
	"f4f7fc4e3acad7b8a1432100000000";

static void setup_tsig(void)
{
	setup_runtime("{" SERVER ", \"tsig_keys\": [{\"name\": \"Test-Key\", "
		      "\"algorithm\": \"hmac-sha256\", "
		      "\"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}],"
		      "\"zones\": [{\"name\": \"xfr.\", \"allow_transfer\": [\"key:test-key.\"], "
		      "\"plugins\": [{\"plugin\": \"recorder\", \"tag\": \"x\", \"result\": \"done\"}]}]}");
}

static size_t signed_axfr(uint8_t *q)
{
	size_t n = strlen(signed_axfr_hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(signed_axfr_hex + 2 * i, "%2x", &v), 1);
		q[i] = (uint8_t)v;
	}
	return n;
}

START_TEST(test_tsig_key_acl_and_no_stale_key)
{
	uint8_t q[512];
	size_t qlen = signed_axfr(q);
	parsed_t p;

	/* Signed with the ACL's key: the chain runs, the answer is signed. */
	parse(ask(SL_TRANSPORT_TCP, q, qlen), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOERROR);
	ck_assert_str_eq(p.txt[0], "x"); /* the zone's recorder ran */
	ck_assert_uint_ne(p.msg.tsig_pos, 0);
	/* The next request, unsigned, on the same thread: refused, and not signed. */
	parse(query(SL_TRANSPORT_TCP, "xfr.", SL_TYPE_AXFR, NULL), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	ck_assert_uint_eq(p.msg.tsig_pos, 0);
	/* Out of the time window: NOTAUTH (BADTIME), the chain never runs. */
	now += 301;
	parse(ask(SL_TRANSPORT_TCP, q, qlen), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOTAUTH);
	ck_assert_uint_eq(p.ntxt, 0);
	ck_assert_uint_ne(p.msg.tsig_pos, 0);
	now -= 301;
	/* Over UDP the transfer is refused before any zone work, but the refusal is signed. */
	parse(ask(SL_TRANSPORT_UDP, q, qlen), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_REFUSED);
	ck_assert_uint_ne(p.msg.tsig_pos, 0);
	/* A tampered request: BADSIG, unsigned TSIG, no answer. */
	q[qlen - 10] ^= 1;
	parse(ask(SL_TRANSPORT_TCP, q, qlen), &p);
	ck_assert_uint_eq(p.rcode, SL_RCODE_NOTAUTH);
	ck_assert_uint_eq(p.ntxt, 0);
	ck_assert_uint_ne(p.msg.tsig_pos, 0);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");
	tcase_add_checked_fixture(tc, setup_chains, teardown_runtime);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_chain_order);
	tcase_add_test(tc, test_refused_outside_zones);
	tcase_add_test(tc, test_servfail_without_data);
	tcase_add_test(tc, test_error_result);
	tcase_add_test(tc, test_drop_results);
	tcase_add_test(tc, test_follow);
	tcase_add_test(tc, test_follow_loop_is_bounded);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_response_hooks_see_kind);
	tcase_add_test(tc, test_never_answer_responses);
	tcase_add_test(tc, test_formerr_qdcount);
	tcase_add_test(tc, test_notimp_opcodes);
	tcase_add_test(tc, test_update_routing);
	tcase_add_test(tc, test_deferred_answer);
	tcase_add_test(tc, test_badvers);
	tcase_add_test(tc, test_edns_options);
	tcase_add_test(tc, test_cookie_echo_and_renew);
	tcase_add_test(tc, test_chaos_identity);
	tcase_add_test(tc, test_meta_qtypes);
	tcase_add_test(tc, test_transfer_acl);
	tcase_add_test(tc, test_ds_from_parent_zone);
	tcase_add_test(tc, test_mutated_queries_never_crash);
	suite_add_tcase(s, tc);
	TCase *tc_chase = tcase_create("chase");
	tcase_add_checked_fixture(tc_chase, setup_chase, teardown_chase);
	tcase_set_timeout(tc_chase, 60);
	tcase_add_test(tc_chase, test_chase_same_zone);
	tcase_add_test(tc_chase, test_chase_wildcard_kind);
	tcase_add_test(tc_chase, test_chase_other_zone);
	tcase_add_test(tc_chase, test_chase_refusing_zone);
	tcase_add_test(tc_chase, test_chase_negative_and_outside);
	tcase_add_test(tc_chase, test_chase_loop_is_bounded);
	suite_add_tcase(s, tc_chase);
	TCase *tc_tsig = tcase_create("tsig");
	tcase_add_checked_fixture(tc_tsig, setup_tsig, teardown_runtime);
	tcase_add_test(tc_tsig, test_tsig_key_acl_and_no_stale_key);
	suite_add_tcase(s, tc_tsig);
	return s;
}
