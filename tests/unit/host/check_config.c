/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* JSON configuration: validation errors with their places, zones, chains. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "acl.h"
#include "conf.h"
#include "config.h"
#include "cookie.h"
#include "loader.h"
#include "testutil.h"

#define SERVER "\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 2, " \
	       "\"plugin_path\": [\"@PLUGINS@\"]}"
/* One valid TSIG key, "k.". */
#define KEY "\"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\", \"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}]"
/* A zone's smallest valid chain (an empty one is an error). */
#define CHAIN "\"plugins\": [{\"plugin\": \"recorder\"}]"

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


/* Problem @p i of @p el as the line --check prints (four buffers in turn). */
static const char *err_line(const sl_errlist_t *el, unsigned i)
{
	static char buf[4][SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
	static unsigned next;
	return sl_errlist_line(el, i, buf[next++ % 4], sizeof(buf[0]));
}

/* True when some error line contains every one of the given fragments. */
static bool has_error(const sl_errlist_t *el, const char *a, const char *b)
{
	for (unsigned i = 0; i < el->count; i++)
		if (strstr(err_line(el, i), a) && (!b || strstr(err_line(el, i), b)))
			return true;
	return false;
}

static void dump(const sl_errlist_t *el)
{
	for (unsigned i = 0; i < el->count; i++)
		fprintf(stderr, "  error: %s\n", err_line(el, i));
}

START_TEST(test_good_config)
{
	sl_errlist_t el;
	sl_runtime_t *rt = load("{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", "
				"\"tag\": \"s\"}], \"zones\": [{\"name\": \"example.com\", "
				"\"plugins\": [{\"plugin\": \"recorder\", \"result\": \"done\"}]},"
				"{\"name\": \"Sub.Example.COM.\", " CHAIN "}]}",
				&el);
	dump(&el);
	ck_assert_ptr_nonnull(rt);
	ck_assert_uint_eq(el.count, 0);
	ck_assert_uint_eq(rt->conf.workers, 2);
	ck_assert_uint_eq(rt->conf.nlisten, 1);
	ck_assert_uint_eq(rt->conf.udp_payload, 1232);
	/* TCP defaults (README.md documents them). */
	ck_assert(rt->conf.tcp.request_timeout == 5 && rt->conf.tcp.max_lifetime == 120);
	ck_assert_uint_eq(rt->conf.tcp.max_clients, 1024);
	ck_assert_uint_eq(rt->conf.tcp.reserve, 64);
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
				CHAIN "}, {\"name\": \"sub.example.com.\", " CHAIN
				"}, {\"name\": \".\", " CHAIN "}]}",
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

	rt = load("{" SERVER ", \"zones\": [{\"name\": \"example.com.\", " CHAIN "}]}", &el);
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
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"cookie_secret\": \"e5e9\"}}",
	  "server.cookie_secret: must be 32 hex digits (16 bytes), not 4 characters", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"cookie_secret\": "
	  "\"e5e973e5a6b2a43f48e7dc849e37bfcf00\"}}",
	  "server.cookie_secret", "not 34 characters" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"cookie_secret\": "
	  "\"e5e973e5a6b2a43f48e7dc849e37bfcg\"}}",
	  "server.cookie_secret", "character 32 is not a hex digit" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"cookie_secret\": "
	  "\"e5e973e5a6b2a43f 8e7dc849e37bfcf\"}}",
	  "server.cookie_secret", "character 17 is not a hex digit" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"cookie_secret\": 12}}",
	  "server.cookie_secret", "expected a string" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"tcp\": {\"idle\": 1}}}",
	  "server.tcp.idle: unknown key", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"tcp\": {\"max_lifetime\": 0.5}}}",
	  "server.tcp.max_lifetime", "out of range" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"tcp\": {\"reserve\": -1}}}",
	  "server.tcp.reserve", "out of range" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a..b.\", " CHAIN "}]}", "zones[0].name",
	  "not a valid domain name" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", " CHAIN "}, {\"name\": \"A.\", "
	  CHAIN "}]}",
	  "zones[1].name", "twice" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\"}]}", "zones[0].plugins", "missing" },
	/* An empty chain could only answer SERVFAIL. */
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", \"plugins\": []}]}",
	  "zones[0].plugins: must not be empty", NULL },
	/* The wrong scope is one error, not one more per option of the plugin. */
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"zoneonly\", \"a\": 1, \"b\": 2}]}",
	  "plugins[0].plugin: plugin \"zoneonly\" cannot be used in the server-wide chain",
	  NULL },
	/* A zone whose name is bad: its plugins are not loaded, nor reported as unknown. */
	{ "{" SERVER ", \"zones\": [{\"name\": \"a..b.\", \"plugins\": [{\"plugin\": "
	  "\"nosuch\"}], \"allow_transfer\": [\"bad\"]}]}",
	  "zones[0].name", "not a valid domain name" },
	{ "{" SERVER ", \"zones\": [{" CHAIN "}]}", "zones[0].name", "missing" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", \"plugins\": [{\"plugin\": \"recorder\", "
	  "\"oops\": 1}]}]}",
	  "zones[0].plugins[0].oops: unknown key", NULL },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", " CHAIN ", \"allow_transfer\": "
	  "[\"10.1.2.3/8\"]}]}",
	  "zones[0].allow_transfer[0]", "not an address or prefix" },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", " CHAIN ", \"allow_transfer\": "
	  "[\"::1/129\"]}]}",
	  "zones[0].allow_transfer[0]", NULL },
	/* TSIG keys: every refusal names the key's field. */
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\", "
	  "\"secret\": \"c2hvcnQ=\"}]}",
	  "tsig_keys[0].secret", "at least 16" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\", "
	  "\"secret\": \"%%%\"}]}",
	  "tsig_keys[0].secret", "not valid base64" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-md5\", "
	  "\"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}]}",
	  "tsig_keys[0].algorithm", "not supported" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", "
	  "\"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}]}",
	  "tsig_keys[0].algorithm", "required" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\"}]}",
	  "tsig_keys[0]", "either \"secret\" or \"secret_file\"" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\", "
	  "\"secret_file\": \"/nonexistent/k.key\"}]}",
	  "tsig_keys[0].secret_file", "cannot open" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\", "
	  "\"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}, {\"name\": \"K\", "
	  "\"algorithm\": \"hmac-sha512\", "
	  "\"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\"}]}",
	  "tsig_keys[1].name", "defined twice" },
	{ "{" SERVER ", \"tsig_keys\": {}}", "tsig_keys", "expected an array" },
	{ "{" SERVER ", \"tsig_keys\": [{\"name\": \"k.\", \"algorithm\": \"hmac-sha256\", "
	  "\"secret\": \"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\", \"typo\": 1}]}",
	  "tsig_keys[0].typo: unknown key", NULL },
	{ "{" SERVER ", \"zones\": [{\"name\": \"a.\", " CHAIN ", \"allow_transfer\": "
	  "[\"key:nosuch.\"]}]}",
	  "zones[0].allow_transfer[0]", "no such key in tsig_keys" },
	{ "{" SERVER ", " KEY ", \"zones\": [{\"name\": \"a.\", " CHAIN ", \"allow_transfer\": "
	  "[\"10.0.0.0/8 key:\"]}]}",
	  "zones[0].allow_transfer[0]", "key:NAME" },
	/* Order check: an egress plugin before a data plugin. */
	{ "{" SERVER ", \"plugins\": [{\"plugin\": \"observer\"}, {\"plugin\": \"recorder\"}]}",
	  "plugins[1]", "cannot run after observer" },
	{ "{\n  \"server\": {\n    \"listen\": [\"127.0.0.1:53\",]\n  }\n}", ":3:", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"]}, \"server\": {}}", "duplicate", NULL },
	/* Port 0 would bind a different random port per worker and protocol. */
	{ "{\"server\": {\"listen\": [\"127.0.0.1:0\"]}}",
	  "server.listen: \"127.0.0.1:0\": port 0 is not allowed", NULL },
	{ "{\"server\": {\"listen\": [\"[::1]:0\"]}}", "server.listen", "\"[::1]:0\": port 0" },
	/* --check validates what the daemon only meets after binding. */
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"user\": \"no-such-sluice-user\"}}",
	  "server.user: no such user \"no-such-sluice-user\"", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"user\": \"\"}}", "server.user",
	  "empty" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"pid_file\": "
	  "\"/nonexistent-sluice-dir/sluiced.pid\"}}",
	  "server.pid_file: directory /nonexistent-sluice-dir: No such file or directory", NULL },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"pid_file\": \"/tmp\"}}",
	  "server.pid_file", "\"/tmp\" exists and is not a regular file" },
	{ "{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"pid_file\": \"/etc/passwd/x.pid\"}}",
	  "server.pid_file", "/etc/passwd is not a directory" },
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
	/* One mistake, one message: nothing it causes elsewhere is reported again. */
	ck_assert_msg(el.count == 1 && el.dropped == 0, "case %d: %u errors, want 1", _i,
		      el.count);
	sl_errlist_free(&el);
}
END_TEST

/* server.cookie_secret: configured bytes, else the process's random secret on every load. */
START_TEST(test_cookie_secret)
{
	static const uint8_t rfc9018[SL_COOKIE_SECRET_LEN] = {
		0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f,
		0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf,
	};
	uint8_t fallback[SL_COOKIE_SECRET_LEN];
	sl_errlist_t el;

	sl_runtime_t *rt = load("{\"server\": {\"listen\": [\"127.0.0.1:53\"], "
				"\"cookie_secret\": \"E5E973E5A6B2A43F48e7dc849e37bfcf\"}}",
				&el);
	dump(&el);
	ck_assert_ptr_nonnull(rt);
	ck_assert(rt->conf.cookie_secret_set);
	ck_assert_mem_eq(rt->conf.cookie_secret, rfc9018, sizeof(rfc9018));
	sl_runtime_free(rt);

	/* Absent: the random secret, the same for a reload (a second load). */
	ck_assert_int_eq(sl_cookie_random_secret(fallback), SL_OK);
	for (int i = 0; i < 2; i++) {
		rt = load("{\"server\": {\"listen\": [\"127.0.0.1:53\"]}}", &el);
		ck_assert_ptr_nonnull(rt);
		ck_assert(!rt->conf.cookie_secret_set);
		ck_assert_mem_eq(rt->conf.cookie_secret, fallback, sizeof(fallback));
		sl_runtime_free(rt);
	}

	/* A rejected secret is not repeated in the error: it is a secret. */
	rt = load("{\"server\": {\"listen\": [\"127.0.0.1:53\"], \"cookie_secret\": "
		  "\"0123456789abcdef0123456789abcdefff\"}}",
		  &el);
	ck_assert_ptr_null(rt);
	ck_assert_uint_eq(el.count, 1);
	ck_assert_ptr_null(strstr(err_line(&el, 0), "0123456789"));
	sl_errlist_free(&el);
}
END_TEST

START_TEST(test_all_errors_reported)
{
	sl_errlist_t el;
	sl_runtime_t *rt = load("{" SERVER ", \"plugins\": [{\"plugin\": \"recorder\", \"a\": 1}, "
				"{\"plugin\": \"recorder\", \"b\": 2}], \"zones\": [{\"name\": "
				"\"x.\", " CHAIN ", \"c\": 3}]}",
				&el);
	ck_assert_ptr_null(rt);
	ck_assert_msg(has_error(&el, "plugins[0].a", NULL), "first");
	ck_assert_msg(has_error(&el, "plugins[1].b", NULL), "second");
	ck_assert_msg(has_error(&el, "zones[0].c", NULL), "third");
	ck_assert_uint_eq(el.count, 3);
	sl_errlist_free(&el);
}
END_TEST

/* Exactly these errors, in this order. */
static void expect_errors(const sl_errlist_t *el, const char *const *want, size_t n)
{
	if (el->count != n)
		dump(el);
	ck_assert_uint_eq(el->dropped, 0);
	ck_assert_msg(el->count == n, "%u errors, want %zu", el->count, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(err_line(el, i), want[i]);
}

/* A bad server object does not hide what is wrong in the plugins and zones. */
START_TEST(test_server_errors_do_not_hide_the_rest)
{
	sl_errlist_t el;
	sl_runtime_t *rt = load(
		"{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 0, \"colour\": 1, "
		"\"plugin_path\": [\"@PLUGINS@\"]}, \"plugins\": [{\"plugin\": \"recorder\", "
		"\"result\": \"maybe\"}], \"zones\": [{\"name\": \"a..b.\", " CHAIN "}, "
		"{\"name\": \"c.\", \"plugins\": []}, {\"name\": \"d.\", \"plugins\": "
		"[{\"plugin\": \"recorder\", \"oops\": 1}]}]}",
		&el);
	static const char *const want[] = {
		"server.workers: 0 is out of range [1, 256]",
		"server.colour: unknown key",
		"plugins[0].result: \"maybe\" is not pass, done, drop, error, follow or defer",
		"zones[0].name: \"a..b.\" is not a valid domain name",
		"zones[1].plugins: must not be empty (a zone needs a data source such as zonefile)",
		"zones[2].plugins[0].oops: unknown key",
	};
	ck_assert_ptr_null(rt);
	expect_errors(&el, want, sizeof(want) / sizeof(want[0]));
	sl_errlist_free(&el);

	/*
	 * No usable plugin_path (or no server object): plugins are not looked up,
	 * since each would fail the same way, but the zones are still checked.
	 */
	rt = load("{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"plugin_path\": 5}, "
		  "\"plugins\": [{\"plugin\": \"recorder\"}], \"zones\": [{\"name\": \"a.\", "
		  "\"plugins\": []}, {\"name\": \"b.\", " CHAIN "}]}",
		  &el);
	static const char *const want_path[] = {
		"server.plugin_path: expected an array of strings",
		"zones[0].plugins: must not be empty (a zone needs a data source such as zonefile)",
	};
	ck_assert_ptr_null(rt);
	expect_errors(&el, want_path, 2);
	sl_errlist_free(&el);

	rt = load("{\"plugins\": [{\"plugin\": \"recorder\"}], \"zones\": [{\"name\": \"a.\", "
		  "\"plugins\": []}], \"bogus\": 1}",
		  &el);
	static const char *const want_none[] = {
		"server: required object is missing",
		"zones[0].plugins: must not be empty (a zone needs a data source such as zonefile)",
		"bogus: unknown key",
	};
	ck_assert_ptr_null(rt);
	expect_errors(&el, want_none, 3);
	sl_errlist_free(&el);
}
END_TEST

/* The file's path is named once, in one message. */
START_TEST(test_missing_file)
{
	sl_errlist_t el = { .count = 0 };
	const char *path = "/nonexistent-sluice-dir/sluiced.json";

	ck_assert_ptr_null(sl_runtime_load(path, true, 0, &el));
	ck_assert_uint_eq(el.count, 1);
	ck_assert_str_eq(err_line(&el, 0), "/nonexistent-sluice-dir/sluiced.json: cannot open: No such "
				    "file or directory");
	sl_errlist_free(&el);
}
END_TEST

/* A plugin allowed in zones only works there, with its options. */
START_TEST(test_zone_scope_plugin)
{
	sl_errlist_t el;
	sl_runtime_t *rt = load("{" SERVER ", \"plugins\": [], \"zones\": [{\"name\": \"a.\", "
				"\"plugins\": [{\"plugin\": \"zoneonly\", \"a\": 1, \"b\": 2}]}]}",
				&el);
	dump(&el);
	ck_assert_ptr_nonnull(rt);
	ck_assert_uint_eq(el.count, 0);
	ck_assert_uint_eq(rt->server_chain.n, 0);
	ck_assert_uint_eq(rt->zones[0].chain.n, 1);
	sl_runtime_free(rt);
}
END_TEST

/* Any number of keys is tracked: none of 300 valid ones is "unknown", each bad one is. */
START_TEST(test_many_keys)
{
	sl_strpool_t pool = { 0 };
	sl_errlist_t el = { .count = 0 };
	json_t *obj = json_object();
	char key[16];
	long long v;
	sl_conf_t c;

	ck_assert_ptr_nonnull(obj);
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(json_object_set_new(obj, key, json_integer(i)), 0);
	}
	sl_conf_init(&c, obj, "obj", &el, true, &pool);
	for (int i = 299; i >= 0; i--) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(sl_conf_int(&c, key, 0, 1000, -1, &v), SL_OK);
		ck_assert_int_eq(v, i);
	}
	sl_conf_mark(&c, "k0"); /* a key read twice is fine */
	ck_assert_uint_eq(sl_conf_finish(&c), 0);
	ck_assert_uint_eq(el.count, 0);

	ck_assert_int_eq(json_object_set_new(obj, "zz", json_true()), 0);
	ck_assert_int_eq(json_object_set_new(obj, "k300", json_true()), 0);
	sl_conf_init(&c, obj, "obj", &el, true, &pool);
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(sl_conf_int(&c, key, 0, 1000, -1, &v), SL_OK);
	}
	ck_assert_uint_eq(sl_conf_finish(&c), 2);
	ck_assert_uint_eq(el.count, 2);
	ck_assert(has_error(&el, "obj.zz: unknown key", NULL));
	ck_assert(has_error(&el, "obj.k300: unknown key", NULL));
	sl_errlist_free(&el);

	/* sl_conf_mark_all: nothing is unknown. */
	sl_conf_init(&c, obj, "obj", &el, true, &pool);
	sl_conf_mark_all(&c);
	ck_assert_uint_eq(sl_conf_finish(&c), 0);
	ck_assert_uint_eq(el.count, 0);
	json_decref(obj);
	sl_strpool_free(&pool);
}
END_TEST

START_TEST(test_acl)
{
	sl_prefix_t e[3];
	ck_assert_int_eq(sl_prefix_parse("127.0.0.0/8", &e[0]), SL_OK);
	ck_assert_int_eq(sl_prefix_parse("2001:db8::/32", &e[1]), SL_OK);
	ck_assert_int_eq(sl_prefix_parse("192.0.2.7", &e[2]), SL_OK);
	ck_assert_uint_eq(e[2].len, 32);
	sl_acl_t acl = { .entry = e, .n = 3 };
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET, "127.9.9.9", &v4.sin_addr);
	ck_assert(sl_acl_match(&acl, (struct sockaddr *)&v4, NULL));
	inet_pton(AF_INET, "192.0.2.8", &v4.sin_addr);
	ck_assert(!sl_acl_match(&acl, (struct sockaddr *)&v4, NULL));
	inet_pton(AF_INET6, "2001:db8:ffff::1", &v6.sin6_addr);
	ck_assert(sl_acl_match(&acl, (struct sockaddr *)&v6, NULL));
	inet_pton(AF_INET6, "2001:db9::1", &v6.sin6_addr);
	ck_assert(!sl_acl_match(&acl, (struct sockaddr *)&v6, NULL));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr); /* v4-mapped */
	ck_assert(sl_acl_match(&acl, (struct sockaddr *)&v6, NULL));
	/* Entries naming TSIG keys: alone (any address), or with a prefix (both must match). */
	sl_prefix_t ke[2];
	uint8_t k1[SL_NAME_MAXLEN], k2[SL_NAME_MAXLEN];
	bool has_key;
	ck_assert_int_eq(sl_acl_entry_parse("key:XFR-Key", &ke[0], k1, &has_key), SL_OK);
	ck_assert(has_key);
	ck_assert_uint_eq(ke[0].family, 0);
	ck_assert_mem_eq(k1, "\x07xfr-key", 9);
	ck_assert_int_eq(sl_acl_entry_parse("192.0.2.0/24 key:other.", &ke[1], k2, &has_key),
			 SL_OK);
	ck_assert(has_key);
	ck_assert_uint_eq(ke[1].family, AF_INET);
	ck_assert_int_eq(sl_acl_entry_parse("127.0.0.1", &e[0], k2, &has_key), SL_OK);
	ck_assert(!has_key);
	const uint8_t *keys[2] = { k1, k2 };
	sl_acl_t kacl = { .entry = ke, .key = keys, .n = 2 };
	inet_pton(AF_INET, "10.1.1.1", &v4.sin_addr);
	ck_assert(!sl_acl_match(&kacl, (struct sockaddr *)&v4, NULL));
	ck_assert(sl_acl_match(&kacl, (struct sockaddr *)&v4, (const uint8_t *)"\x07xfr-key"));
	ck_assert(!sl_acl_match(&kacl, (struct sockaddr *)&v4, (const uint8_t *)"\x05other"));
	inet_pton(AF_INET, "192.0.2.9", &v4.sin_addr);
	ck_assert(sl_acl_match(&kacl, (struct sockaddr *)&v4, (const uint8_t *)"\x05other"));
	ck_assert(!sl_acl_match(&kacl, (struct sockaddr *)&v4, NULL));
	ck_assert(!sl_acl_match(&kacl, (struct sockaddr *)&v4, (const uint8_t *)"\x05third"));
	static const char *const kbad[] = { "key:", "key:a..b", "10.0.0.0/8 key:", "bad key:k",
					    "key:a b", "10.0.0.0/8  key:k" };
	for (size_t i = 0; i < sizeof(kbad) / sizeof(kbad[0]); i++)
		ck_assert_msg(sl_acl_entry_parse(kbad[i], &ke[0], k1, &has_key) == SL_ESYNTAX, "%s",
			      kbad[i]);
	static const char *const bad[] = { "", "/8", "127.0.0.0/", "127.0.0.0/33", "10.0.0.1/8",
					   "::/x", "host/24", "1.2.3.4/08x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sl_prefix_parse(bad[i], &e[0]) == SL_ESYNTAX, "%s", bad[i]);
}
END_TEST

/* The public address helpers plugins use for their own options. */
START_TEST(test_prefix_helpers)
{
	sl_prefix_t p;
	static const uint8_t v4[4] = { 192, 0, 2, 0 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };

	ck_assert_int_eq(sl_prefix_parse("192.0.2.0/24", &p), SL_OK);
	ck_assert_uint_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.len, 24);
	ck_assert_mem_eq(p.addr, v4, 4);
	inet_pton(AF_INET, "192.0.2.200", &a4.sin_addr);
	ck_assert(sl_prefix_match(&p, (struct sockaddr *)&a4));
	inet_pton(AF_INET, "192.0.3.1", &a4.sin_addr);
	ck_assert(!sl_prefix_match(&p, (struct sockaddr *)&a4));
	inet_pton(AF_INET6, "::ffff:192.0.2.9", &a6.sin6_addr); /* v4-mapped counts as IPv4 */
	ck_assert(sl_prefix_match(&p, (struct sockaddr *)&a6));
	ck_assert(!sl_prefix_match(&p, NULL));
	ck_assert(!sl_prefix_match(NULL, (struct sockaddr *)&a4));

	ck_assert_int_eq(sl_prefix_parse("2001:db8::1", &p), SL_OK);
	ck_assert_uint_eq(p.family, AF_INET6);
	ck_assert_uint_eq(p.len, 128);
	inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
	ck_assert(sl_prefix_match(&p, (struct sockaddr *)&a6));
	inet_pton(AF_INET6, "2001:db8::2", &a6.sin6_addr);
	ck_assert(!sl_prefix_match(&p, (struct sockaddr *)&a6));
	ck_assert_int_eq(sl_prefix_parse("::/0", &p), SL_OK);
	ck_assert(sl_prefix_match(&p, (struct sockaddr *)&a6));
	ck_assert(!sl_prefix_match(&p, (struct sockaddr *)&a4)); /* families never cross */

	/* A failed parse leaves nothing behind that could match. */
	ck_assert_int_eq(sl_prefix_parse("10.1.2.3/8", &p), SL_ESYNTAX);
	ck_assert_uint_eq(p.family, 0);
	ck_assert_uint_eq(p.len, 0);
	ck_assert_int_eq(sl_prefix_parse(NULL, &p), SL_ESYNTAX);
	ck_assert_int_eq(sl_prefix_parse("192.0.2.1/24x", &p), SL_ESYNTAX);
	ck_assert_int_eq(sl_prefix_parse("192.0.2.1 ", &p), SL_ESYNTAX);
	ck_assert_int_eq(sl_prefix_parse("192.0.2.0/99999999999999999999", &p), SL_ESYNTAX);
}
END_TEST

/* Error paths name the element: object keys joined by '.', array elements as [i]. */
START_TEST(test_conf_error_paths)
{
	sl_errlist_t el = { .count = 0 };
	sl_strpool_t pool = { 0 };
	sl_conf_t c;
	json_error_t jerr;
	json_t *obj = json_loads("{\"allow\": [\"192.0.2.0/24\", \"bogus\", \"10.1.2.3/8\", "
				 "\"::1\"], \"names\": [\"a\", 7], \"one\": [\"x\"]}",
				 0, &jerr);
	const sl_prefix_t *allow;
	const char *const *names;
	size_t n;

	ck_assert_ptr_nonnull(obj);
	sl_conf_init(&c, obj, "zones[0].plugins[1]", &el, true, &pool);
	ck_assert_int_eq(sl_conf_prefixes(&c, "allow", false, &allow, &n), SL_ECONFIG);
	ck_assert_uint_eq(n, 2); /* the good ones are kept, in order */
	ck_assert_uint_eq(allow[0].len, 24);
	ck_assert_uint_eq(allow[1].family, AF_INET6);
	ck_assert_int_eq(sl_conf_strings(&c, "names", false, &names, &n), SL_ECONFIG);
	/* A plugin reporting deep inside a structured option, and at an array index. */
	sl_conf_error(&c, "pools.eu.A[2].address", "bad address");
	sl_conf_error(&c, "[3]", "bad element");
	sl_conf_error(&c, NULL, "the object itself");
	ck_assert_int_eq(sl_conf_prefixes(&c, "missing", true, &allow, &n), SL_ECONFIG);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sl_conf_prefixes(&c, "one", false, &allow, &n), SL_ECONFIG);
	dump(&el);
	static const char *const want[] = {
		"zones[0].plugins[1].allow[1]: \"bogus\" is not an address or prefix "
		"(use 192.0.2.0/24 or 2001:db8::/32)",
		"zones[0].plugins[1].allow[2]: \"10.1.2.3/8\" is not an address or prefix "
		"(use 192.0.2.0/24 or 2001:db8::/32)",
		"zones[0].plugins[1].names[1]: expected a string without NUL characters",
		"zones[0].plugins[1].pools.eu.A[2].address: bad address",
		"zones[0].plugins[1][3]: bad element",
		"zones[0].plugins[1]: the object itself",
		"zones[0].plugins[1].missing: required array of strings is missing",
		"zones[0].plugins[1].one[0]: \"x\" is not an address or prefix "
		"(use 192.0.2.0/24 or 2001:db8::/32)",
	};
	ck_assert_uint_eq(el.count, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < el.count; i++)
		ck_assert_str_eq(err_line(&el, i), want[i]);
	sl_errlist_free(&el);
	sl_strpool_free(&pool);
	json_decref(obj);
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

/* ---- the string pool behind a runtime's derived strings and arrays -------------------------- */

/*
 * The pool-failure test asks for more memory than exists. AddressSanitizer
 * treats that as a fatal error unless allocator_may_return_null is set; the
 * environment (ASAN_OPTIONS) still overrides anything given here.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_ASAN 1
#endif
#endif
#ifdef TU_ASAN
__attribute__((visibility("default"))) const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

/* Many strings and arrays, each still intact after all the others were added. */
START_TEST(test_strpool_keeps_everything)
{
	enum { N = 500 };
	sl_strpool_t pool = { 0 };
	char *str[N], want[32];
	uint32_t *arr[N];

	for (unsigned i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "string %u", i);
		str[i] = sl_strpool_add(&pool, want);
		ck_assert_ptr_nonnull(str[i]);
		ck_assert_ptr_ne(str[i], want); /* a copy */
		arr[i] = sl_strpool_alloc(&pool, (i % 7 + 1) * sizeof(*arr[i]));
		ck_assert_ptr_nonnull(arr[i]);
		/* Suitably aligned for any type, and zeroed. */
		ck_assert_uint_eq((uintptr_t)arr[i] % _Alignof(max_align_t), 0);
		for (unsigned k = 0; k < i % 7 + 1; k++) {
			ck_assert_uint_eq(arr[i][k], 0);
			arr[i][k] = i * 10 + k;
		}
	}
	for (unsigned i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "string %u", i);
		ck_assert_str_eq(str[i], want);
		for (unsigned k = 0; k < i % 7 + 1; k++)
			ck_assert_uint_eq(arr[i][k], i * 10 + k);
	}
	/* The empty string and a zero-size block are real, distinct allocations. */
	char *empty = sl_strpool_add(&pool, "");
	ck_assert_ptr_nonnull(empty);
	ck_assert_str_eq(empty, "");
	void *none = sl_strpool_alloc(&pool, 0);
	ck_assert_ptr_nonnull(none);
	ck_assert_ptr_ne(none, empty);
	/* All freed together (valgrind / LeakSanitizer see no leak); freeing again is harmless. */
	sl_strpool_free(&pool);
	ck_assert_ptr_null(pool.head);
	sl_strpool_free(&pool);
	ck_assert_ptr_null(pool.head);
	/* A freed pool is empty and usable again. */
	ck_assert_str_eq(sl_strpool_add(&pool, "again"), "again");
	sl_strpool_free(&pool);
}
END_TEST

/* An allocation that fails reports NULL and leaves what the pool holds alone. */
START_TEST(test_strpool_allocation_failure)
{
	sl_strpool_t pool = { 0 };
	char *kept = sl_strpool_add(&pool, "kept");
	struct sl_strpool_item *head = pool.head;

	ck_assert_ptr_nonnull(kept);
	ck_assert_ptr_null(sl_strpool_alloc(&pool, SIZE_MAX / 2));
	/* Sizes that would wrap the item header round fail too (no tiny block). */
	ck_assert_ptr_null(sl_strpool_alloc(&pool, SIZE_MAX));
	ck_assert_ptr_null(sl_strpool_alloc(&pool, SIZE_MAX - 4));
	ck_assert_ptr_eq(pool.head, head);
	ck_assert_str_eq(kept, "kept");
	/* The pool still works after the failure. */
	ck_assert_str_eq(sl_strpool_add(&pool, "more"), "more");
	sl_strpool_free(&pool);
	ck_assert_ptr_null(pool.head);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, test_good_config);
	tcase_add_test(tc, test_closest_zone);
	tcase_add_loop_test(tc, test_bad_config, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_cookie_secret);
	tcase_add_test(tc, test_server_errors_do_not_hide_the_rest);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_zone_scope_plugin);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_listen_parse);
	tcase_add_test(tc, test_acl);
	tcase_add_test(tc, test_prefix_helpers);
	tcase_add_test(tc, test_conf_error_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("strpool");
	tcase_add_test(tc, test_strpool_keeps_everything);
	tcase_add_test(tc, test_strpool_allocation_failure);
	suite_add_tcase(s, tc);
	return s;
}
