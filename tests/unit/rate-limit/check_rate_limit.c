/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The rate-limit plugin: its bucket arithmetic, table, keys, log limiter and
 * classification driven directly with a fake clock (plugins/rate-limit/rrl.c
 * is compiled into this test), then the real rate-limit.so in the query
 * pipeline (sl_process(), no sockets) in front of zonefile: what is dropped,
 * what slips, what is never limited, the request budgets and the counters.
 */
#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "cookie.h"
#include "loader.h"
#include "process.h"
#include "rrl.h"
#include "testutil.h"
#include <sluice/zone.h>

#define MS 1000000ULL
#define SEC 1000000000ULL
#define T0 (1000 * SEC)

static uint8_t *wire(const char *text, uint8_t *buf)
{
	size_t len;
	ck_assert_int_eq(sl_name_from_text(text, strlen(text), NULL, buf, &len), SL_OK);
	return buf;
}

/* ---- bucket arithmetic (fake clock) ------------------------------------------ */

START_TEST(test_burst_then_rate)
{
	rrl_table_t *t = rrl_table_new(1024, 1, 2);
	rrl_limit_t lim;
	uint32_t streak = 0;
	unsigned ok = 0;

	rrl_limit_init(&lim, 10, 5);
	ck_assert_uint_eq(lim.interval_ns, 100 * MS);
	ck_assert_uint_eq(lim.tolerance_ns, 400 * MS);
	/* A query every millisecond for 10 s: the burst of 5, then one per 100 ms. */
	for (uint64_t ms = 0; ms < 10000; ms++)
		ok += rrl_account(t, 42, &lim, T0 + ms * MS, &streak);
	ck_assert_uint_eq(ok, 5 + 99);
	rrl_table_unref(t);
}
END_TEST

START_TEST(test_streak_and_refill)
{
	rrl_table_t *t = rrl_table_new(1024, 1, 2);
	rrl_limit_t lim;
	uint32_t streak = 0;

	rrl_limit_init(&lim, 2, 2);
	ck_assert(rrl_account(t, 7, &lim, T0, &streak));
	ck_assert(rrl_account(t, 7, &lim, T0, &streak));
	for (uint32_t i = 1; i <= 5; i++) {
		ck_assert(!rrl_account(t, 7, &lim, T0 + i * MS, &streak));
		ck_assert_uint_eq(streak, i);
	}
	/* Half a second later one token is back; the streak starts again after it. */
	ck_assert(rrl_account(t, 7, &lim, T0 + 500 * MS, &streak));
	ck_assert(!rrl_account(t, 7, &lim, T0 + 501 * MS, &streak));
	ck_assert_uint_eq(streak, 1);
	/* An hour of silence refills no more than the burst. */
	ck_assert(rrl_account(t, 7, &lim, T0 + 3600 * SEC, &streak));
	ck_assert(rrl_account(t, 7, &lim, T0 + 3600 * SEC, &streak));
	ck_assert(!rrl_account(t, 7, &lim, T0 + 3600 * SEC, &streak));
	/* Another key has its own bucket. */
	ck_assert(rrl_account(t, 8, &lim, T0 + 3600 * SEC, &streak));
	/* Rate 0: never limited. */
	rrl_limit_init(&lim, 0, 5);
	for (int i = 0; i < 100; i++)
		ck_assert(rrl_account(t, 7, &lim, T0 + 3600 * SEC, &streak));
	rrl_table_unref(t);
}
END_TEST

START_TEST(test_slip_every_nth)
{
	ck_assert(!rrl_slips(1, 0));
	ck_assert(!rrl_slips(2, 0));
	ck_assert(rrl_slips(1, 1));
	ck_assert(rrl_slips(2, 1));
	ck_assert(!rrl_slips(1, 2));
	ck_assert(rrl_slips(2, 2));
	ck_assert(!rrl_slips(3, 2));
	ck_assert(rrl_slips(4, 2));
	ck_assert(rrl_slips(3, 3));
	ck_assert(!rrl_slips(4, 3));
	/* The streak wraps at 2520 = lcm(1..10): every slip value stays regular across it. */
	rrl_table_t *t = rrl_table_new(1024, 1, 2);
	rrl_limit_t lim;
	uint32_t streak = 0, last = 0;
	rrl_limit_init(&lim, 1, 1);
	ck_assert(rrl_account(t, 9, &lim, T0, &streak));
	for (unsigned i = 0; i < 2 * 2520 + 5; i++) {
		ck_assert(!rrl_account(t, 9, &lim, T0, &streak));
		ck_assert_uint_eq(streak, last % 2520 + 1);
		last = streak;
	}
	rrl_table_unref(t);
}
END_TEST

/* Keys with the same bits 20.. share a set (rrl.c picks the set from them). */
START_TEST(test_set_replacement)
{
	rrl_table_t *t = rrl_table_new(1024, 1, 2);
	const uint64_t base = (uint64_t)5 << 20;
	rrl_limit_t lim;
	uint32_t streak;

	ck_assert_uint_eq(rrl_table_entries(t), 3 * 512);
	rrl_limit_init(&lim, 1, 1);
	/* a: deep in debt does not matter, limited; b: limited; c: used once, refills first. */
	ck_assert(rrl_account(t, base + 1, &lim, T0, &streak));
	ck_assert(rrl_account(t, base + 2, &lim, T0 + 100 * MS, &streak));
	ck_assert(rrl_account(t, base + 3, &lim, T0 + 200 * MS, &streak));
	/* A fourth key in the full set replaces the bucket that refills first (a). */
	ck_assert(rrl_account(t, base + 4, &lim, T0 + 300 * MS, &streak));
	ck_assert(!rrl_account(t, base + 2, &lim, T0 + 300 * MS, &streak));
	ck_assert(!rrl_account(t, base + 3, &lim, T0 + 300 * MS, &streak));
	ck_assert(!rrl_account(t, base + 4, &lim, T0 + 300 * MS, &streak));
	/* a was evicted: it comes back with a full bucket. */
	ck_assert(rrl_account(t, base + 1, &lim, T0 + 300 * MS, &streak));
	/* ... having pushed out b, the oldest; c and d are still held. */
	ck_assert(!rrl_account(t, base + 3, &lim, T0 + 300 * MS, &streak));
	ck_assert(rrl_account(t, base + 2, &lim, T0 + 300 * MS, &streak));
	rrl_table_unref(t);
}
END_TEST

struct hammer {
	rrl_table_t *t;
	rrl_limit_t lim;
	unsigned ok;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	uint32_t streak;
	for (int i = 0; i < 200000; i++)
		h->ok += rrl_account(h->t, 77, &h->lim, T0, &streak);
	return NULL;
}

START_TEST(test_shared_between_threads)
{
	struct hammer h[2];
	pthread_t th[2];
	rrl_table_t *t = rrl_table_new(4096, 3, 4);

	for (int i = 0; i < 2; i++) {
		h[i].t = t;
		h[i].ok = 0;
		rrl_limit_init(&h[i].lim, 1000, 1000);
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/* At one instant, exactly the burst conforms, however the threads interleave. */
	ck_assert_uint_eq(h[0].ok + h[1].ok, 1000);
	rrl_table_unref(t);
}
END_TEST

/* ---- prefixes and keys -------------------------------------------------------------- */

static void v4(const char *a, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin->sin_addr), 1);
}

static void v6(const char *a, struct sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
}

static void prefix_of(const void *sa, socklen_t len, sl_prefix_t *p, char *text)
{
	ck_assert(rrl_prefix(sa, len, 24, 56, p));
	rrl_prefix_text(p, text, 64);
}

START_TEST(test_prefixes)
{
	struct sockaddr_in a;
	struct sockaddr_in6 b;
	sl_prefix_t p;
	char text[64];

	v4("192.0.2.77", &a);
	prefix_of(&a, sizeof(a), &p, text);
	ck_assert_str_eq(text, "192.0.2.0/24");
	v6("2001:db8:aa:bbcc::1", &b);
	prefix_of(&b, sizeof(b), &p, text);
	ck_assert_str_eq(text, "2001:db8:aa:bb00::/56");
	v6("::ffff:198.51.100.9", &b);
	prefix_of(&b, sizeof(b), &p, text);
	ck_assert_str_eq(text, "198.51.100.0/24");
	ck_assert(rrl_prefix((struct sockaddr *)&a, sizeof(a), 20, 56, &p));
	rrl_prefix_text(&p, text, sizeof(text));
	ck_assert_str_eq(text, "192.0.0.0/20");
	ck_assert(rrl_prefix((struct sockaddr *)&a, sizeof(a), 32, 128, &p));
	rrl_prefix_text(&p, text, sizeof(text));
	ck_assert_str_eq(text, "192.0.2.77/32");
	/* Short lengths and other families are refused. */
	ck_assert(!rrl_prefix((struct sockaddr *)&a, sizeof(a) - 1, 24, 56, &p));
	ck_assert(!rrl_prefix((struct sockaddr *)&b, sizeof(b) - 1, 24, 56, &p));
	ck_assert(!rrl_prefix(NULL, 0, 24, 56, &p));
	struct sockaddr un = { .sa_family = AF_UNIX };
	ck_assert(!rrl_prefix(&un, sizeof(un), 24, 56, &p));
}
END_TEST

static uint64_t key_for(const rrl_table_t *t, const char *addr, rrl_class_t cls,
			const char *name, uint16_t qtype, uint16_t rcode)
{
	struct sockaddr_in a;
	sl_prefix_t p;
	uint8_t buf[SL_NAME_MAXLEN];
	rrl_what_t w = { .cls = cls, .name = name ? wire(name, buf) : NULL, .qtype = qtype,
			 .rcode = rcode };
	v4(addr, &a);
	ck_assert(rrl_prefix((struct sockaddr *)&a, sizeof(a), 24, 56, &p));
	return rrl_key(t, &p, &w);
}

START_TEST(test_keys)
{
	rrl_table_t *t = rrl_table_new(1024, 11, 12);
	rrl_table_t *u = rrl_table_new(1024, 13, 14);
	uint64_t k = key_for(t, "192.0.2.1", RRL_POSITIVE, "www.example.", 1, 0);

	ck_assert_uint_ne(k, 0);
	/* Same /24, any case of the name: one bucket. */
	ck_assert_uint_eq(key_for(t, "192.0.2.200", RRL_POSITIVE, "WwW.ExAmple.", 1, 0), k);
	/* Everything else that RRL tells apart, apart. */
	ck_assert_uint_ne(key_for(t, "192.0.3.1", RRL_POSITIVE, "www.example.", 1, 0), k);
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_POSITIVE, "www.example.", 28, 0), k);
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_POSITIVE, "ww.example.", 1, 0), k);
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_WILDCARD, "www.example.", 1, 0), k);
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_ERROR, NULL, 0, 5),
			  key_for(t, "192.0.2.1", RRL_ERROR, NULL, 0, 2));
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_ERROR, "example.", 0, 5),
			  key_for(t, "192.0.2.1", RRL_ERROR, NULL, 0, 5));
	/* Folding covers every octet of long names, and only A-Z. */
	ck_assert_uint_eq(key_for(t, "192.0.2.1", RRL_NXDOMAIN, "ABCDEFGHIJKLMNOPQRSTUVWXYZ.Example.",
				  0, 0),
			  key_for(t, "192.0.2.1", RRL_NXDOMAIN, "abcdefghijklmnopqrstuvwxyz.example.",
				  0, 0));
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_NXDOMAIN, "x\\@.example.", 0, 0),
			  key_for(t, "192.0.2.1", RRL_NXDOMAIN, "x`.example.", 0, 0));
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_NXDOMAIN, "x[.example.", 0, 0),
			  key_for(t, "192.0.2.1", RRL_NXDOMAIN, "x{.example.", 0, 0));
	ck_assert_uint_ne(key_for(t, "192.0.2.1", RRL_NXDOMAIN, "x\\193.example.", 0, 0),
			  key_for(t, "192.0.2.1", RRL_NXDOMAIN, "x\\225.example.", 0, 0));
	/* The key depends on the table's secret. */
	ck_assert_uint_ne(key_for(u, "192.0.2.1", RRL_POSITIVE, "www.example.", 1, 0), k);
	rrl_table_unref(t);
	rrl_table_unref(u);
}
END_TEST

START_TEST(test_log_limiter)
{
	rrl_table_t *t = rrl_table_new(1024, 1, 2);
	struct sockaddr_in a;
	sl_prefix_t p;
	char addr[32];

	v4("192.0.2.1", &a);
	ck_assert(rrl_prefix((struct sockaddr *)&a, sizeof(a), 24, 56, &p));
	ck_assert_int_eq(rrl_log_permit(t, &p, 100, 30), RRL_LOG_YES);
	ck_assert_int_eq(rrl_log_permit(t, &p, 100, 30), RRL_LOG_NO);
	ck_assert_int_eq(rrl_log_permit(t, &p, 129, 30), RRL_LOG_NO);
	ck_assert_int_eq(rrl_log_permit(t, &p, 130, 30), RRL_LOG_YES);
	/* Many prefixes in one interval: at most RRL_LOG_MAX lines, the last one says so. */
	unsigned yes = 0, last = 0;
	for (unsigned i = 0; i < 200; i++) {
		snprintf(addr, sizeof(addr), "10.%u.%u.1", i / 256, i % 256);
		v4(addr, &a);
		ck_assert(rrl_prefix((struct sockaddr *)&a, sizeof(a), 24, 56, &p));
		rrl_log_verdict_t v = rrl_log_permit(t, &p, 140, 30);
		yes += v != RRL_LOG_NO;
		last += v == RRL_LOG_LAST;
	}
	ck_assert_uint_eq(yes, RRL_LOG_MAX - 1); /* the first prefix used one line of this window */
	ck_assert_uint_eq(last, 1);
	/* The next interval logs again. */
	ck_assert_int_eq(rrl_log_permit(t, &p, 181, 30), RRL_LOG_YES);
	rrl_table_unref(t);
}
END_TEST

/* ---- classification --------------------------------------------------------------- */

static sl_msg_t cmsg;
static sl_resp_t cresp;
static sl_request_t creq;
static uint8_t qname[SL_NAME_MAXLEN], apex[SL_NAME_MAXLEN], other[SL_NAME_MAXLEN];

static void setup_classify(void)
{
	memset(&cmsg, 0, sizeof(cmsg));
	memset(&cresp, 0, sizeof(cresp));
	memset(&creq, 0, sizeof(creq));
	wire("Www.Example.", cmsg.qname);
	cmsg.qtype = SL_TYPE_A;
	wire("example.", apex);
	wire("target.other.", qname);
	creq.query = &cmsg;
	creq.resp = &cresp;
	creq.qname = qname; /* a CNAME target: positive answers are still by the QNAME */
	creq.qtype = SL_TYPE_A;
	creq.zone_name = apex;
	creq.ede_code = -1;
}

static rrl_what_t classify(sl_answer_kind_t kind, const char *kind_name, sl_result_t result)
{
	rrl_what_t w;
	creq.kind = kind;
	creq.kind_name = kind_name ? wire(kind_name, other) : NULL;
	ck_assert(rrl_classify(&creq, result, &w));
	return w;
}

START_TEST(test_classify_kinds)
{
	rrl_what_t w = classify(SL_ANSWER_POSITIVE, NULL, SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_POSITIVE);
	ck_assert_ptr_eq(w.name, cmsg.qname);
	ck_assert_uint_eq(w.qtype, SL_TYPE_A);

	w = classify(SL_ANSWER_WILDCARD, "*.w.example.", SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_WILDCARD);
	ck_assert_ptr_eq(w.name, other);
	ck_assert_uint_eq(w.qtype, 0);

	w = classify(SL_ANSWER_NXDOMAIN, "example.", SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_NXDOMAIN);
	ck_assert_ptr_eq(w.name, other);
	w = classify(SL_ANSWER_NXDOMAIN, NULL, SL_RESULT_DONE); /* not reported: the zone */
	ck_assert_ptr_eq(w.name, apex);

	w = classify(SL_ANSWER_NODATA, "example.", SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_NODATA);
	ck_assert_ptr_eq(w.name, other);

	w = classify(SL_ANSWER_REFERRAL, "sub.example.", SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_REFERRAL);
	ck_assert_ptr_eq(w.name, other);

	/* Errors by rcode: an ERROR result carries it in req->rcode ... */
	creq.rcode = SL_RCODE_REFUSED;
	creq.zone_name = NULL;
	w = classify(SL_ANSWER_ERROR, NULL, SL_RESULT_ERROR);
	ck_assert_int_eq(w.cls, RRL_ERROR);
	ck_assert_uint_eq(w.rcode, SL_RCODE_REFUSED);
	ck_assert_ptr_null(w.name);
	/* ... a plugin's own error answer in the response. */
	creq.zone_name = apex;
	cresp.rcode = SL_RCODE_SERVFAIL;
	w = classify(SL_ANSWER_ERROR, NULL, SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_ERROR);
	ck_assert_uint_eq(w.rcode, SL_RCODE_SERVFAIL);
	ck_assert_ptr_eq(w.name, apex);

	/* Transfers are never rate limited. */
	creq.kind = SL_ANSWER_TRANSFER;
	ck_assert(!rrl_classify(&creq, SL_RESULT_DONE, &w));
}
END_TEST

START_TEST(test_classify_unreported)
{
	/* A plugin that left kind unset is judged by what it built. */
	rrl_what_t w;
	cresp.rcode = SL_RCODE_NXDOMAIN;
	w = classify(SL_ANSWER_NONE, NULL, SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_NXDOMAIN);
	ck_assert_ptr_eq(w.name, apex);
	cresp.rcode = SL_RCODE_NOERROR;
	w = classify(SL_ANSWER_NONE, NULL, SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_NODATA);
	cresp.count[SL_SECTION_ANSWER] = 1;
	w = classify(SL_ANSWER_NONE, NULL, SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_POSITIVE);
	cresp.rcode = SL_RCODE_FORMERR;
	w = classify(SL_ANSWER_NONE, NULL, SL_RESULT_DONE);
	ck_assert_int_eq(w.cls, RRL_ERROR);
	ck_assert_uint_eq(w.rcode, SL_RCODE_FORMERR);
}
END_TEST

/* ---- the plugin in the pipeline ------------------------------------------------------ */

static sl_runtime_t *rt;
static uint8_t arena_block[65536];
static sl_arena_t arena;
static uint8_t out[65535];
static struct sockaddr_in client;
static sl_cookie_mac_t cookie_mac;
static char zone_path[64];

static const char ZONE[] =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns hostmaster 1 7200 3600 1209600 300\n@ NS ns\nns A 192.0.2.1\n"
	"www A 192.0.2.10\nwww2 A 192.0.2.11\n*.wild A 192.0.2.20\n"
	"sub NS ns.sub\nns.sub A 192.0.2.30\n";

/* Server-wide: 1 response/s, burst 1, slip 2, budgets of 1/s, 10/8 exempt. */
static const char PLUGIN[] =
	"{\"plugin\": \"rate-limit\", \"responses_per_second\": 1, \"slip\": 2,"
	" \"exempt\": [\"10.0.0.0/8\"], \"log_only\": %s,"
	" \"max_qps_per_client\": {\"any\": 1, \"transfer\": 1, \"update\": 1}}";

static void start_runtime(bool zone_chain, bool log_only)
{
	char plugin[512], json[2048];
	sl_errlist_t el = { .count = 0 };

	snprintf(zone_path, sizeof(zone_path), "/tmp/sluice-rrl-XXXXXX");
	int fd = mkstemp(zone_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, ZONE, strlen(ZONE)), (ssize_t)strlen(ZONE));
	close(fd);
	snprintf(plugin, sizeof(plugin), PLUGIN, log_only ? "true" : "false");
	snprintf(json, sizeof(json),
		 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1,"
		 " \"plugin_path\": [\"@BUILT_PLUGINS@\"]},"
		 "\"plugins\": [%s],"
		 "\"zones\": [{\"name\": \"example.com.\", \"allow_transfer\": [\"0.0.0.0/0\"],"
		 " \"plugins\": [%s%s{\"plugin\": \"zonefile\", \"file\": \"%s\"}]}]}",
		 zone_chain ? "" : plugin, zone_chain ? plugin : "", zone_chain ? "," : "",
		 zone_path);
	const char *path = tu_write_config(json);
	rt = sl_runtime_load(path, false, 0, &el);
	unlink(path);
	fputs(tu_errlist_text(&el), stderr);
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(sl_runtime_start(rt, NULL, &el), SL_OK);
	sl_errlist_free(&el);
	ck_assert_int_eq(sl_cookie_mac_init(&cookie_mac), SL_OK);
	sl_arena_init(&arena, arena_block, sizeof(arena_block));
	v4("127.0.0.1", &client);
	client.sin_port = htons(40000);
	for (int i = 0; i < 500 && !sl_zone_current(rt->zones[0].zone); i++)
		usleep(10000);
	ck_assert_ptr_nonnull(sl_zone_current(rt->zones[0].zone));
}

static void setup_server(void)
{
	start_runtime(false, false);
}

static void setup_zone(void)
{
	start_runtime(true, false);
}

static void setup_log_only(void)
{
	start_runtime(false, true);
}

static void teardown_runtime(void)
{
	sl_runtime_free(rt);
	rt = NULL;
	sl_cookie_mac_free(&cookie_mac);
	unlink(zone_path);
}

static sl_instance_t *plugin_inst(void)
{
	return rt->server_chain.n ? rt->server_chain.inst[0] : rt->zones[0].chain.inst[0];
}

/* Counter ids in registration order (rate_limit.c). */
enum { LIMITED, SLIPPED, DROPPED, EXEMPTED, COOKIE, L_POSITIVE, L_WILDCARD, L_NODATA,
       L_NXDOMAIN, L_REFERRAL, L_ERROR, R_ANY, R_TRANSFER, R_UPDATE };

static uint64_t counter(int id)
{
	return sl_stats_get(plugin_inst(), id);
}

static size_t ask_from(const char *addr, sl_transport_t t, const char *name, uint16_t type,
		       const tu_qopt_t *opt)
{
	uint8_t q[512];
	struct sockaddr_in from = client;
	size_t qlen = tu_query(q, sizeof(q), name, type, opt);
	ck_assert_uint_gt(qlen, 0);
	if (addr)
		v4(addr, &from);
	sl_query_in_t in = {
		.transport = t, .wire = q, .len = qlen,
		.remote = (struct sockaddr *)&from, .remote_len = sizeof(from),
		.local = (struct sockaddr *)&client, .local_len = sizeof(client),
		.now = (uint32_t)time(NULL), .cookie_mac = &cookie_mac,
	};
	return sl_process(rt, &in, &arena, out, sizeof(out));
}

static size_t ask(const char *name, uint16_t type)
{
	return ask_from(NULL, SL_TRANSPORT_UDP, name, type, NULL);
}

static sl_msg_t parsed;

static const sl_msg_t *parse(size_t len)
{
	ck_assert_uint_ge(len, 12);
	ck_assert_int_eq(sl_msg_parse(out, len, &parsed), SL_OK);
	return &parsed;
}

static void expect_full(size_t len, unsigned rcode, unsigned min_records)
{
	const sl_msg_t *m = parse(len);
	ck_assert_uint_eq(SL_FLAGS_RCODE(m->hdr.flags), rcode);
	ck_assert(!(m->hdr.flags & SL_FLAG_TC));
	ck_assert_uint_ge((unsigned)m->hdr.ancount + m->hdr.nscount, min_records);
}

static void expect_slip(size_t len, unsigned rcode)
{
	const sl_msg_t *m = parse(len);
	ck_assert(m->hdr.flags & SL_FLAG_TC);
	ck_assert_uint_eq(SL_FLAGS_RCODE(m->hdr.flags), rcode);
	ck_assert_uint_eq(m->hdr.qdcount, 1);
	ck_assert_uint_eq(m->hdr.ancount, 0);
	ck_assert_uint_eq(m->hdr.nscount, 0);
	ck_assert_uint_eq(m->hdr.arcount, 0);
}

/*
 * At 1 response/s with a burst of 1 (and queries microseconds apart), each
 * bucket answers once, then drops, slips, drops, slips.
 */
static void expect_limited_sequence(const char *name, uint16_t type, unsigned rcode)
{
	expect_full(ask(name, type), rcode, 1);
	ck_assert_uint_eq(ask(name, type), 0);
	expect_slip(ask(name, type), rcode);
	ck_assert_uint_eq(ask(name, type), 0);
	expect_slip(ask(name, type), rcode);
}

START_TEST(test_pipeline_drop_and_slip)
{
	expect_limited_sequence("www.example.com.", SL_TYPE_A, SL_RCODE_NOERROR);
	ck_assert_uint_eq(counter(LIMITED), 4);
	ck_assert_uint_eq(counter(SLIPPED), 2);
	ck_assert_uint_eq(counter(DROPPED), 2);
	ck_assert_uint_eq(counter(L_POSITIVE), 4);
	/* Another name, or another type, is another bucket. */
	expect_full(ask("www2.example.com.", SL_TYPE_A), SL_RCODE_NOERROR, 1);
	expect_full(ask("www.example.com.", SL_TYPE_AAAA), SL_RCODE_NOERROR, 1);
	/* Another /24 is another client; the same /24 is the same one. */
	expect_full(ask_from("127.0.1.1", SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A, NULL),
		    SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(ask_from("127.0.0.99", SL_TRANSPORT_UDP, "www.example.com.",
				   SL_TYPE_A, NULL), 0);
	/* TCP is never limited. */
	for (int i = 0; i < 5; i++)
		expect_full(ask_from(NULL, SL_TRANSPORT_TCP, "www.example.com.", SL_TYPE_A, NULL),
			    SL_RCODE_NOERROR, 1);
	/* Exempt prefixes are never limited, and counted. */
	for (int i = 0; i < 5; i++)
		expect_full(ask_from("10.1.2.3", SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A,
				     NULL), SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(counter(EXEMPTED), 5);
}
END_TEST

START_TEST(test_pipeline_classes)
{
	/* NXDOMAIN by zone: two different missing names share one bucket. */
	expect_full(ask("nx1.example.com.", SL_TYPE_A), SL_RCODE_NXDOMAIN, 1);
	ck_assert_uint_eq(ask("nx2.example.com.", SL_TYPE_A), 0);
	expect_slip(ask("nx3.example.com.", SL_TYPE_A), SL_RCODE_NXDOMAIN);
	ck_assert_uint_eq(counter(L_NXDOMAIN), 2);
	/* NODATA by zone. */
	expect_full(ask("www.example.com.", SL_TYPE_TXT), SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(ask("www2.example.com.", SL_TYPE_TXT), 0);
	ck_assert_uint_eq(counter(L_NODATA), 1);
	/* Wildcards by the wildcard. */
	expect_full(ask("a.wild.example.com.", SL_TYPE_A), SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(ask("b.wild.example.com.", SL_TYPE_A), 0);
	ck_assert_uint_eq(counter(L_WILDCARD), 1);
	/* Referrals by the delegation. */
	expect_full(ask("a.sub.example.com.", SL_TYPE_A), SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(ask("b.sub.example.com.", SL_TYPE_A), 0);
	ck_assert_uint_eq(counter(L_REFERRAL), 1);
	/* Errors by rcode: REFUSED outside our zones (server-wide only). */
	if (rt->server_chain.n) {
		expect_full(ask("www.example.org.", SL_TYPE_A), SL_RCODE_REFUSED, 0);
		ck_assert_uint_eq(ask("www.example.net.", SL_TYPE_A), 0);
		/* The core's header-only error keeps the slip's TC. */
		expect_slip(ask("www.example.info.", SL_TYPE_A), SL_RCODE_REFUSED);
		ck_assert_uint_eq(counter(L_ERROR), 2);
	}
	/* Nothing was counted as positive. */
	ck_assert_uint_eq(counter(L_POSITIVE), 0);
}
END_TEST

START_TEST(test_pipeline_cookie_clients)
{
	uint8_t opts[4 + 8 + 32] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	tu_qopt_t o = { .id = 7, .edns_version = 0, .opts = opts, .opts_len = 12 };

	/* Without a server cookie: limited like anyone. */
	expect_full(ask_from(NULL, SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A, &o),
		    SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(ask_from(NULL, SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A, &o),
			  0);
	size_t len = ask_from(NULL, SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A, &o);
	const sl_msg_t *m = parse(len);
	ck_assert(m->hdr.flags & SL_FLAG_TC);
	/* The slip still carries a fresh server cookie: echoing it lifts the limit. */
	ck_assert(m->edns.cookie.present);
	ck_assert_uint_eq(m->edns.cookie.server_len, SL_SERVER_COOKIE_LEN);
	memcpy(opts + 12, m->edns.cookie.server, SL_SERVER_COOKIE_LEN);
	opts[3] = 8 + SL_SERVER_COOKIE_LEN;
	o.opts_len = 12 + SL_SERVER_COOKIE_LEN;
	for (int i = 0; i < 20; i++)
		expect_full(ask_from(NULL, SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A, &o),
			    SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(counter(COOKIE), 20);
	/* A forged server cookie does not. */
	opts[12 + 10] ^= 0xff;
	ck_assert_uint_eq(ask_from(NULL, SL_TRANSPORT_UDP, "www.example.com.", SL_TYPE_A, &o),
			  0);
}
END_TEST

static bool has_text(size_t len, const char *text)
{
	return memmem(out, len, text, strlen(text)) != NULL;
}

START_TEST(test_pipeline_budgets)
{
	size_t len;

	/* ANY: one a second per client address, then REFUSED with an EDE saying why. */
	expect_full(ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_ANY, NULL),
		    SL_RCODE_NOERROR, 1);
	tu_qopt_t edns = { .id = 9, .edns_version = 0 };
	len = ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_ANY, &edns);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parse(len)->hdr.flags), SL_RCODE_REFUSED);
	ck_assert(has_text(len, "too many ANY queries"));
	ck_assert_uint_eq(counter(R_ANY), 1);
	/* Per address, not per prefix. */
	expect_full(ask_from("127.0.0.2", SL_TRANSPORT_TCP, "example.com.", SL_TYPE_ANY, NULL),
		    SL_RCODE_NOERROR, 1);
	/* Transfers: a budget of their own. */
	len = ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_AXFR, &edns);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parse(len)->hdr.flags), SL_RCODE_NOERROR);
	len = ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_AXFR, &edns);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parse(len)->hdr.flags), SL_RCODE_REFUSED);
	ck_assert(has_text(len, "too many transfer requests"));
	ck_assert_uint_eq(counter(R_TRANSFER), 1);
	/* UPDATE: the first is answered by the core (REFUSED: no update plugin), the next
	 * refused by the budget. */
	tu_qopt_t upd = { .id = 10, .edns_version = 0,
			  .flags = (uint16_t)(SL_OPCODE_UPDATE << 11) };
	len = ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_SOA, &upd);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parse(len)->hdr.flags), SL_RCODE_REFUSED);
	ck_assert(!has_text(len, "too many UPDATE requests"));
	len = ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_SOA, &upd);
	ck_assert_uint_eq(SL_FLAGS_RCODE(parse(len)->hdr.flags), SL_RCODE_REFUSED);
	ck_assert(has_text(len, "too many UPDATE requests"));
	ck_assert_uint_eq(counter(R_UPDATE), 1);
	/* Exempt prefixes have no budget. */
	for (int i = 0; i < 3; i++)
		expect_full(ask_from("10.0.0.1", SL_TRANSPORT_TCP, "example.com.", SL_TYPE_ANY,
				     NULL), SL_RCODE_NOERROR, 1);
}
END_TEST

START_TEST(test_pipeline_log_only)
{
	/* Counted and logged as limited, but everything is answered in full. */
	for (int i = 0; i < 5; i++)
		expect_full(ask("www.example.com.", SL_TYPE_A), SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(counter(LIMITED), 4);
	ck_assert_uint_eq(counter(SLIPPED), 0);
	ck_assert_uint_eq(counter(DROPPED), 0);
	for (int i = 0; i < 3; i++)
		expect_full(ask_from(NULL, SL_TRANSPORT_TCP, "example.com.", SL_TYPE_ANY, NULL),
			    SL_RCODE_NOERROR, 1);
	ck_assert_uint_eq(counter(R_ANY), 2);
}
END_TEST

START_TEST(test_config_errors)
{
	static const char *const bad[] = {
		"\"responses_per_second\": -1", "\"slip\": 11", "\"ipv4_prefix\": 33",
		"\"ipv6_prefix\": 129", "\"table_size\": 10", "\"exempt\": [\"10.1.2.3/8\"]",
		"\"max_qps_per_client\": {\"anything\": 1}", "\"max_qps_per_client\": \"x\"",
		"\"max_qps_per_client\": {\"any\": -1}", "\"burst\": 0", "\"log_interval\": 0",
		"\"rate\": 5",
	};
	char json[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_errlist_t el = { .count = 0 };
		snprintf(json, sizeof(json),
			 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"],"
			 " \"plugin_path\": [\"@BUILT_PLUGINS@\"]},"
			 "\"plugins\": [{\"plugin\": \"rate-limit\", %s}]}", bad[i]);
		const char *path = tu_write_config(json);
		sl_runtime_t *r = sl_runtime_load(path, true, 0, &el);
		unlink(path);
		ck_assert_msg(r == NULL, "accepted: %s", bad[i]);
		ck_assert_uint_ge(el.count, 1);
		ck_assert_ptr_nonnull(strstr(tu_errlist_text(&el), "plugins[0]"));
		sl_errlist_free(&el);
	}
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("rate-limit");
	TCase *tc = tcase_create("buckets");
	tcase_add_test(tc, test_burst_then_rate);
	tcase_add_test(tc, test_streak_and_refill);
	tcase_add_test(tc, test_slip_every_nth);
	tcase_add_test(tc, test_set_replacement);
	tcase_add_test(tc, test_shared_between_threads);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_log_limiter);
	suite_add_tcase(s, tc);

	tc = tcase_create("classify");
	tcase_add_checked_fixture(tc, setup_classify, NULL);
	tcase_add_test(tc, test_classify_kinds);
	tcase_add_test(tc, test_classify_unreported);
	suite_add_tcase(s, tc);

	tc = tcase_create("server-chain");
	tcase_add_checked_fixture(tc, setup_server, teardown_runtime);
	tcase_add_test(tc, test_pipeline_drop_and_slip);
	tcase_add_test(tc, test_pipeline_classes);
	tcase_add_test(tc, test_pipeline_cookie_clients);
	tcase_add_test(tc, test_pipeline_budgets);
	suite_add_tcase(s, tc);

	tc = tcase_create("zone-chain");
	tcase_add_checked_fixture(tc, setup_zone, teardown_runtime);
	tcase_add_test(tc, test_pipeline_drop_and_slip);
	tcase_add_test(tc, test_pipeline_classes);
	suite_add_tcase(s, tc);

	tc = tcase_create("log-only");
	tcase_add_checked_fixture(tc, setup_log_only, teardown_runtime);
	tcase_add_test(tc, test_pipeline_log_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, test_config_errors);
	suite_add_tcase(s, tc);
	return s;
}
