/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* JSON configuration: validation errors with their places, zones, chains. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "acl.h"
#include "config.h"
#include "loader.h"
#include "testutil.h"

#define SERVER "\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 2, " \
	       "\"plugin_path\": [\"@PLUGINS@\"]}"

/* Loads @p json; returns the runtime (NULL on errors) and fills @p el. */
static sl_runtime_t *load(const char *json, sl_errlist_t *el)
{
	memset(el, 0, sizeof(*el));
	const char *path = tu_write_config(json);
	ck_assert_ptr_nonnull(path);
	sl_runtime_t *rt = sl_runtime_load(path, true, 0, el);
	unlink(path);
	return rt;
}

/* True when some error line contains every one of the given fragments. */
static bool has_error(const sl_errlist_t *el, const char *a, const char *b)
{
	for (unsigned i = 0; i < el->count; i++)
		if (strstr(el->msg[i], a) && (!b || strstr(el->msg[i], b)))
			return true;
	return false;
}

static void dump(const sl_errlist_t *el)
{
	for (unsigned i = 0; i < el->count; i++)
		fprintf(stderr, "  error: %s\n", el->msg[i]);
}

START_TEST(test_good_config)
{
	sl_errlist_t el;
	sl_runtime_t *rt = load("{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", "
				"\"tag\": \"s\"}], \"zones\": [{\"name\": \"example.com\", "
				"\"plugins\": [{\"plugin\": \"recorder\", \"result\": \"done\"}]},"
				"{\"name\": \"Sub.Example.COM.\", \"plugins\": []}]}",
				&el);
	dump(&el);
	ck_assert_ptr_nonnull(rt);
	ck_assert_uint_eq(el.count, 0);
	ck_assert_uint_eq(rt->conf.workers, 2);
	ck_assert_uint_eq(rt->conf.nlisten, 1);
	ck_assert_uint_eq(rt->conf.udp_payload, 1232);
	ck_assert_uint_eq(rt->server_chain.n, 1);
	ck_assert_uint_eq(rt->nzones, 2);
	ck_assert_str_eq(rt->zones[0].chain.inst[0]->label, "recorder@example.com.");
	sl_runtime_free(rt);
}
END_TEST

START_TEST(test_closest_zone)
{
	sl_errlist_t el;
	uint8_t name[SL_NAME_MAXLEN];
	size_t len;
	sl_runtime_t *rt = load("{" SERVER ", \"zones\": [{\"name\": \"example.com.\", "
				"\"plugins\": []}, {\"name\": \"sub.example.com.\", \"plugins\": "
				"[]}, {\"name\": \".\", \"plugins\": []}]}",
				&el);
	dump(&el);
	ck_assert_ptr_nonnull(rt);
	static const struct {
		const char *q, *zone;
	} cases[] = {
		{ "a.b.sub.example.com.", "sub.example.com." },
		{ "SUB.EXAMPLE.COM.", "sub.example.com." },
		{ "xsub.example.com.", "example.com." },
		{ "example.com.", "example.com." },
		{ "com.", "." },
		{ "org.", "." },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(sl_name_from_text(cases[i].q, strlen(cases[i].q), NULL, name, &len),
				 SL_OK);
		const sl_zone_entry_t *z = sl_runtime_find_zone(rt, name);
		ck_assert_ptr_nonnull(z);
		char text[SL_NAME_TEXT_MAX];
		sl_name_to_text(z->name, text, sizeof(text));
		ck_assert_str_eq(text, cases[i].zone);
	}
	sl_runtime_free(rt);

	rt = load("{" SERVER ", \"zones\": [{\"name\": \"example.com.\", \"plugins\": []}]}", &el);
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(sl_name_from_text("example.org.", 12, NULL, name, &len), SL_OK);
	ck_assert_ptr_null(sl_runtime_find_zone(rt, name));
	ck_assert_int_eq(sl_name_from_text("com.", 4, NULL, name, &len), SL_OK);
	ck_assert_ptr_null(sl_runtime_find_zone(rt, name));
	sl_runtime_free(rt);
}
END_TEST

/* Each bad config must fail with an error naming the place. */
static const struct bad_case {
	const char *json;
	const char *expect_a, *expect_b;
} bad_cases[] = {
	{ "{" SERVER ", \"bogus\": 1}", "bogus: unknown key", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"colour\": \"red\"}}",
	  "server.colour: unknown key", NULL },
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", \"bogus\": true}]}",
	  "plugins[0].bogus: unknown key", NULL },
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"nosuch\"}]}", "plugins[0].plugin",
	  "\"nosuch\" not found" },
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"badabi\"}]}", "plugins[0].plugin",
	  "built against sluice ABI" },
	{ "{" SERVER ", \"plugins\": [{\"tag\": \"x\"}]}", "plugins[0].plugin", "missing" },
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", \"result\": \"maybe\"}]}",
	  "plugins[0].result", "maybe" },
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", \"txt_size\": 300}]}",
	  "plugins[0].txt_size", "out of range" },
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", \"txt_size\": \"big\"}]}",
	  "plugins[0].txt_size", "expected an integer" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:99999\"]}}", "server.listen[0]",
	  "127.0.0.1:99999" },
	{ "{\"server\": {\"listen\": [\"localhost\"]}}", "server.listen[0]", NULL },
	{ "{\"server\": {\"listen\": []}}", "server.listen", "at least one" },
	{ "{\"server\": {}}", "server.listen", "missing" },
	{ "{}", "server", "missing" },
	{ "[]", "must be a JSON object", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"workers\": 0}}", "server.workers",
	  "out of range" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"log_level\": \"loud\"}}",
	  "server.log_level", "loud" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"tcp\": {\"idle\": 1}}}",
	  "server.tcp.idle: unknown key", NULL },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a..b.\", \"plugins\": []}]}", "zones[0].name",
	  "not a valid domain name" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", \"plugins\": []}, {\"name\": \"A.\", "
	  "\"plugins\": []}]}",
	  "zones[1].name", "twice" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\"}]}", "zones[0].plugins", "missing" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", \"plugins\": [{\"plugin\": \"recorder\", "
	  "\"oops\": 1}]}]}",
	  "zones[0].plugins[0].oops: unknown key", NULL },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", \"plugins\": [], \"allow_transfer\": "
	  "[\"10.1.2.3/8\"]}]}",
	  "zones[0].allow_transfer[0]", "not an address or prefix" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", \"plugins\": [], \"allow_transfer\": "
	  "[\"::1/129\"]}]}",
	  "zones[0].allow_transfer[0]", NULL },
	/* Order check: an egress plugin before a data plugin. */
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"observer\"}, {\"plugin\": \"recorder\"}]}",
	  "plugins[1]", "cannot run after observer" },
	{ "{\n  \"server\": {\n    \"listen\": [\"127.0.0.1:53\",]\n  }\n}", ":3:", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"]}, \"server\": {}}", "duplicate", NULL },
};

START_TEST(test_bad_config)
{
	const struct bad_case *bc = &bad_cases[_i];
	sl_errlist_t el;
	sl_runtime_t *rt = load(bc->json, &el);
	if (rt || !has_error(&el, bc->expect_a, bc->expect_b)) {
		fprintf(stderr, "case %d: %s\n", _i, bc->json);
		dump(&el);
	}
	ck_assert_ptr_null(rt);
	ck_assert_msg(has_error(&el, bc->expect_a, bc->expect_b), "case %d: expected '%s' / '%s'",
		      _i, bc->expect_a, bc->expect_b ? bc->expect_b : "");
	sl_errlist_free(&el);
}
END_TEST

START_TEST(test_all_errors_reported)
{
	sl_errlist_t el;
	sl_runtime_t *rt = load("{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", \"a\": 1}, "
				"{\"plugin\": \"recorder\", \"b\": 2}], \"zones\": [{\"name\": "
				"\"x.\", \"plugins\": [], \"c\": 3}]}",
				&el);
	ck_assert_ptr_null(rt);
	ck_assert_msg(has_error(&el, "plugins[0].a", NULL), "first");
	ck_assert_msg(has_error(&el, "plugins[1].b", NULL), "second");
	ck_assert_msg(has_error(&el, "zones[0].c", NULL), "third");
	ck_assert_uint_eq(el.count, 3);
	sl_errlist_free(&el);
}
END_TEST

START_TEST(test_acl)
{
	sl_acl_entry_t e[3];
	ck_assert_int_eq(sl_acl_parse_prefix("127.0.0.0/8", &e[0]), SL_OK);
	ck_assert_int_eq(sl_acl_parse_prefix("2001:db8::/32", &e[1]), SL_OK);
	ck_assert_int_eq(sl_acl_parse_prefix("192.0.2.7", &e[2]), SL_OK);
	ck_assert_uint_eq(e[2].prefix, 32);
	sl_acl_t acl = { .entry = e, .n = 3 };
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET, "127.9.9.9", &v4.sin_addr);
	ck_assert(sl_acl_match(&acl, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "192.0.2.8", &v4.sin_addr);
	ck_assert(!sl_acl_match(&acl, (struct sockaddr *)&v4));
	inet_pton(AF_INET6, "2001:db8:ffff::1", &v6.sin6_addr);
	ck_assert(sl_acl_match(&acl, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "2001:db9::1", &v6.sin6_addr);
	ck_assert(!sl_acl_match(&acl, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr); /* v4-mapped */
	ck_assert(sl_acl_match(&acl, (struct sockaddr *)&v6));
	static const char *const bad[] = { "", "/8", "127.0.0.0/", "127.0.0.0/33", "10.0.0.1/8",
					   "::/x", "host/24", "1.2.3.4/08x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sl_acl_parse_prefix(bad[i], &e[0]) == SL_ESYNTAX, "%s", bad[i]);
}
END_TEST

START_TEST(test_listen_parse)
{
	sl_listen_t l;
	ck_assert_int_eq(sl_listen_parse("127.0.0.1:5353", &l), SL_OK);
	ck_assert_int_eq(l.addr.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&l.addr)->sin_port), 5353);
	ck_assert_int_eq(sl_listen_parse("[::1]:53", &l), SL_OK);
	ck_assert_int_eq(l.addr.ss_family, AF_INET6);
	ck_assert_int_eq(sl_listen_parse("::1", &l), SL_OK);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&l.addr)->sin6_port), 53);
	ck_assert_int_eq(sl_listen_parse("10.0.0.1", &l), SL_OK);
	ck_assert_int_eq(sl_listen_parse("[::1]", &l), SL_OK);
	static const char *const bad[] = { "", "host:53", "1.2.3.4:", "1.2.3.4:-1", "[::1]x",
					   "[::1:53", "1.2.3.4:65536", "1.2.3.4:5x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sl_listen_parse(bad[i], &l) == SL_ESYNTAX, "%s", bad[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, test_good_config);
	tcase_add_test(tc, test_closest_zone);
	tcase_add_loop_test(tc, test_bad_config, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_acl);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
