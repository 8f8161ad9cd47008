/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Plugin loader: finding, ABI checks, descriptor checks; host services. */
#include <arpa/inet.h>
#include <check.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "loader.h"
#include "process.h"
#include "services.h"
#include "worker.h"
#include "testutil.h"

/* Opens @p name from the test plugin directory, expecting SL_EABI; the error
 * goes to @p err. */
static void open_refused(const char *name, char *err, size_t errlen)
{
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	sl_error_t e;
	sl_error_clear(&e);
	ck_assert_int_eq(sl_module_open(name, dirs, 1, &mod, &e), SL_EABI);
	ck_assert_msg(strstr(e.file, name) != NULL, "the error's place is the file: %s", e.file);
	sl_error_format(&e, err, errlen);
	ck_assert_ptr_null(mod.handle);
	ck_assert_ptr_null(mod.api);
	char file[80];
	snprintf(file, sizeof(file), "/%s.so: ", name);
	ck_assert_msg(strstr(err, file) != NULL, "error names the file: %s", err);
}

START_TEST(test_load_ok)
{
	const char *dirs[] = { "/nonexistent", tu_plugin_dir() };
	sl_module_t mod;
	sl_error_t e;
	ck_assert_int_eq(sl_module_open("recorder", dirs, 2, &mod, &e), SL_OK);
	ck_assert_str_eq(mod.api->name, "recorder");
	ck_assert_uint_eq(mod.api->abi_version, SL_PLUGIN_ABI_VERSION);
	ck_assert_ptr_nonnull(strstr(mod.path, "recorder.so"));
	sl_module_close(&mod);
}
END_TEST

START_TEST(test_abi_versions)
{
	/* The packing keeps 1.0's plain 1 meaning 1.0. */
	ck_assert_uint_eq(SL_PLUGIN_ABI(1, 0), 1);
	ck_assert_uint_eq(SL_PLUGIN_ABI_MAJOR_OF(SL_PLUGIN_ABI(7, 3)), 7);
	ck_assert_uint_eq(SL_PLUGIN_ABI_MINOR_OF(SL_PLUGIN_ABI(7, 3)), 3);
	ck_assert_uint_eq(SL_PLUGIN_ABI_VERSION,
			  SL_PLUGIN_ABI(SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR));
}
END_TEST

START_TEST(test_other_major_refused)
{
	char err[512], want[160];
	open_refused("badabi", err, sizeof(err));
	snprintf(want, sizeof(want),
		 "built against sluice ABI %u.0, this sluiced provides %u.%u; rebuild the plugin",
		 SL_PLUGIN_ABI_MAJOR + 1, SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR);
	ck_assert_msg(strstr(err, want) != NULL, "want \"%s\" in: %s", want, err);
}
END_TEST

START_TEST(test_frozen_1_0_plugin_refused)
{
	/* A real plugin built against the 1.0 headers: 2.0 moved request fields. */
	char err[512], want[160];
	open_refused("abi-1-0", err, sizeof(err));
	snprintf(want, sizeof(want),
		 "built against sluice ABI 1.0, this sluiced provides %u.%u; rebuild the plugin",
		 SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR);
	ck_assert_msg(strstr(err, want) != NULL, "want \"%s\" in: %s", want, err);
	ck_assert_msg(strstr(err, "abi-1-0.so") != NULL, "no file name in: %s", err);
}
END_TEST

START_TEST(test_newer_minor_refused)
{
	char err[512], want[160];
	open_refused("newminor", err, sizeof(err));
	snprintf(want, sizeof(want),
		 "built against sluice ABI %u.%u, this sluiced provides %u.%u; upgrade sluiced",
		 SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR + 1, SL_PLUGIN_ABI_MAJOR,
		 SL_PLUGIN_ABI_MINOR);
	ck_assert_msg(strstr(err, want) != NULL, "want \"%s\" in: %s", want, err);
}
END_TEST

START_TEST(test_small_size_refused)
{
	char err[512], want[160];
	open_refused("smallsize", err, sizeof(err));
	snprintf(want, sizeof(want), "descriptor size %zu is smaller than the %zu bytes sluice ABI %u.%u defines",
		 offsetof(sl_plugin_t, create), offsetof(sl_plugin_t, response) + sizeof(void *),
		 SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR);
	ck_assert_msg(strstr(err, want) != NULL, "want \"%s\" in: %s", want, err);
}
END_TEST

START_TEST(test_size_beyond_symbol_refused)
{
	/* A size field larger than the object it sits in is never trusted. */
	char err[512], want[160];
	open_refused("bigsize", err, sizeof(err));
	snprintf(want, sizeof(want), "descriptor size %zu exceeds its symbol's %zu bytes",
		 sizeof(sl_plugin_t) + 64, sizeof(sl_plugin_t));
	ck_assert_msg(strstr(err, want) != NULL, "want \"%s\" in: %s", want, err);
}
END_TEST

START_TEST(test_no_descriptor_symbol)
{
	/* A real shared object that loads but exports no descriptor. */
	char err[512];
	open_refused("nosymbol", err, sizeof(err));
	ck_assert_msg(strstr(err, "no \"sluice_plugin\" symbol: not a Sluice plugin") != NULL, "%s",
		      err);
}
END_TEST

START_TEST(test_missing_core_function)
{
	/* dlopen() fails before the descriptor can be read: say why it likely did. */
	char err[512];
	open_refused("newfunc", err, sizeof(err));
	ck_assert_msg(strstr(err, "cannot load: ") && strstr(err, "sl_function_from_the_future") &&
			      strstr(err, "built against another sluice?"),
		      "%s", err);
}
END_TEST

START_TEST(test_descriptor_is_copied)
{
	/* The module holds its own full-size copy, not the plugin's object. */
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	sl_error_t e;
	ck_assert_int_eq(sl_module_open("abi-2-0", dirs, 1, &mod, &e), SL_OK);
	const void *sym = dlsym(mod.handle, SL_PLUGIN_SYMBOL);
	ck_assert_ptr_nonnull(sym);
	ck_assert_ptr_ne(mod.api, sym);
	ck_assert_int_eq(memcmp(mod.api, sym, offsetof(sl_plugin_t, response) + sizeof(void *)), 0);
	ck_assert_uint_eq(mod.api->abi_version, SL_PLUGIN_ABI(2, 0)); /* as 2.0 wrote it */
	ck_assert_str_eq(mod.api->name, "abi-2-0");
	ck_assert_ptr_nonnull(mod.api->response);
	sl_module_close(&mod);
}
END_TEST

/* ---- a plugin built against the frozen 2.0 headers, through the pipeline - */

static uint8_t out[4096];

/* Sends a TXT query for @p qname through @p rt; returns the response length. */
static size_t ask_txt(const sl_runtime_t *rt, const char *qname)
{
	static uint8_t block[65536];
	sl_arena_t arena;
	uint8_t q[512];
	struct sockaddr_in client = { .sin_family = AF_INET, .sin_port = htons(40000) };

	client.sin_addr.s_addr = htonl(0x7f000001);
	sl_arena_init(&arena, block, sizeof(block));
	size_t qlen = tu_query(q, sizeof(q), qname, SL_TYPE_TXT, NULL);
	ck_assert_uint_gt(qlen, 0);
	sl_query_in_t in = {
		.transport = SL_TRANSPORT_UDP, .wire = q, .len = qlen,
		.remote = (struct sockaddr *)&client, .remote_len = sizeof(client),
		.local = (struct sockaddr *)&client, .local_len = sizeof(client),
		.now = 1700000000,
	};
	return sl_process(rt, &in, &arena, out, sizeof(out));
}

/* Checks the one TXT record of an answer holds exactly @p want (n strings). */
static void expect_txt(size_t len, const char *const *want, unsigned n)
{
	sl_msg_t msg;
	sl_rr_t rr;

	ck_assert_int_eq(sl_msg_parse(out, len, &msg), SL_OK);
	ck_assert_uint_eq(SL_FLAGS_RCODE(msg.hdr.flags), SL_RCODE_NOERROR);
	ck_assert(msg.hdr.flags & SL_FLAG_AA);
	ck_assert_uint_eq(msg.hdr.ancount, 1);
	size_t pos = msg.section_pos[SL_SECTION_ANSWER];
	ck_assert_int_eq(sl_msg_rr_next(out, len, &pos, &rr), SL_OK);
	ck_assert_uint_eq(rr.type, SL_TYPE_TXT);
	ck_assert_uint_eq(rr.ttl, 60);
	size_t at = rr.rdata_pos, end = rr.rdata_pos + rr.rdlen;
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_lt(at, end);
		size_t slen = out[at];
		ck_assert_uint_le(at + 1 + slen, end);
		ck_assert_msg(slen == strlen(want[i]) && memcmp(out + at + 1, want[i], slen) == 0,
			      "string %u: want \"%s\", got \"%.*s\"", i, want[i], (int)slen,
			      (const char *)out + at + 1);
		at += 1 + slen;
	}
	ck_assert_uint_eq(at, end);
}


/* Problem @p i of @p el as the line --check prints (four buffers in turn). */
static const char *err_line(const sl_errlist_t *el, unsigned i)
{
	static char buf[4][SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
	static unsigned next;
	return sl_errlist_line(el, i, buf[next++ % 4], sizeof(buf[0]));
}

START_TEST(test_frozen_2_0_plugin_answers)
{
	sl_errlist_t el = { .count = 0 };
	const char *path = tu_write_config(
		"{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1,"
		" \"plugin_path\": [\"@PLUGINS@\"]},"
		" \"zones\": [{\"name\": \"abi.test.\", \"plugins\": ["
		"  {\"plugin\": \"abi-2-0\", \"text\": \"built for 2.0\", \"ttl\": 60}]}]}");
	ck_assert_ptr_nonnull(path);
	sl_runtime_t *rt = sl_runtime_load(path, false, 0, &el);
	unlink(path);
	for (unsigned i = 0; i < el.count; i++)
		fprintf(stderr, "config error: %s\n", err_line(&el, i));
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(sl_runtime_start(rt, NULL, &el), SL_OK);

	/* Counters, the response hook and the label all work across the ABI. */
	static const char *const first[] = { "built for 2.0", "abi-2-0@abi.test.", "answers=1",
					     "hooks=0" };
	expect_txt(ask_txt(rt, "abi.test."), first, 4);
	static const char *const second[] = { "built for 2.0", "abi-2-0@abi.test.", "answers=2",
					      "hooks=1" };
	expect_txt(ask_txt(rt, "abi.test."), second, 4);

	/* Below the apex it passes, and the zone has no other data source. */
	sl_msg_t msg;
	size_t len = ask_txt(rt, "www.abi.test.");
	ck_assert_int_eq(sl_msg_parse(out, len, &msg), SL_OK);
	ck_assert_uint_eq(SL_FLAGS_RCODE(msg.hdr.flags), SL_RCODE_SERVFAIL);
	sl_runtime_free(rt);
}
END_TEST

START_TEST(test_frozen_2_0_plugin_options_checked)
{
	/* Its create() runs with the 2.0 conf API: a missing option is reported. */
	sl_errlist_t el = { .count = 0 };
	const char *path = tu_write_config(
		"{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1,"
		" \"plugin_path\": [\"@PLUGINS@\"]},"
		" \"zones\": [{\"name\": \"abi.test.\", \"plugins\": ["
		"  {\"plugin\": \"abi-2-0\", \"ttl\": 100000}]}]}");
	ck_assert_ptr_nonnull(path);
	sl_runtime_t *rt = sl_runtime_load(path, true, 0, &el);
	unlink(path);
	ck_assert_ptr_null(rt);
	ck_assert_uint_eq(el.count, 2);
	ck_assert_msg(strstr(err_line(&el, 0), "zones[0].plugins[0].text") != NULL, "%s", err_line(&el, 0));
	ck_assert_msg(strstr(err_line(&el, 1), "zones[0].plugins[0].ttl") != NULL, "%s", err_line(&el, 1));
	sl_errlist_free(&el);
}
END_TEST

START_TEST(test_name_mismatch)
{
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	sl_error_t e;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("misnamed", dirs, 1, &mod, &e), SL_EABI);
	sl_error_format(&e, err, sizeof(err));
	ck_assert_msg(strstr(err, "something-else") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "misnamed.so") != NULL, "%s", err);
}
END_TEST

START_TEST(test_not_found)
{
	const char *dirs[] = { "/nonexistent-a", "/nonexistent-b" };
	sl_module_t mod;
	sl_error_t e;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("nosuch", dirs, 2, &mod, &e), SL_ENOTFOUND);
	sl_error_format(&e, err, sizeof(err));
	ck_assert_msg(strstr(err, "nosuch") && strstr(err, "/nonexistent-a") &&
			      strstr(err, "/nonexistent-b"),
		      "error names plugin and searched paths: %s", err);
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad[] = { "", "../recorder", "a/b", "Recorder", "x.so" };
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	sl_error_t e;
	char err[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(sl_module_open(bad[i], dirs, 1, &mod, &e),
				 SL_ENOTFOUND);
		sl_error_format(&e, err, sizeof(err));
		ck_assert_msg(strstr(err, "invalid plugin name") != NULL, "%s: %s", bad[i], err);
	}
}
END_TEST

START_TEST(test_not_a_plugin)
{
	/* A file that is not a shared object at all. */
	char dir[] = "/tmp/sluice-loader-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600];
	snprintf(path, sizeof(path), "%s/notplugin.so", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an ELF file", f);
	fclose(f);
	const char *dirs[] = { dir };
	sl_module_t mod;
	sl_error_t e;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("notplugin", dirs, 1, &mod, &e), SL_EABI);
	sl_error_format(&e, err, sizeof(err));
	ck_assert_msg(strstr(err, "cannot load") != NULL, "%s", err);
	unlink(path);
	rmdir(dir);
}
END_TEST

static void count_fire(sl_timer_t *timer, void *arg)
{
	(*(int *)arg)++;
}

/* The host services reach a server worker through its host view only. */
START_TEST(test_host_worker_view_and_timers)
{
	struct sl_worker w;
	int fired = 0;

	memset(&w, 0, sizeof(w));
	w.host.id = 3;
	w.host.loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(w.host.loop);
	ck_assert_uint_eq(sl_worker_id(&w), 3);

	sl_timer_t *t = sl_timer_start(&w, 0, 0, count_fire, &fired);
	ck_assert_ptr_nonnull(t);
	ev_run(w.host.loop, 0); /* returns once the one-shot timer has fired */
	ck_assert_int_eq(fired, 1);
	sl_timer_stop(t);

	/* No control loop registered: a control-loop timer cannot start. */
	sl_host_set_control_loop(NULL);
	ck_assert_ptr_null(sl_timer_start(NULL, 0, 0, count_fire, &fired));
	sl_host_set_control_loop(w.host.loop);
	t = sl_timer_start(NULL, 0, 0, count_fire, &fired);
	ck_assert_ptr_nonnull(t);
	ev_run(w.host.loop, 0);
	ck_assert_int_eq(fired, 2);
	sl_timer_stop(t);
	sl_host_set_control_loop(NULL);
	ev_loop_destroy(w.host.loop);
}
END_TEST

/* Stops the loop after 50 ms. */
static void stop_loop(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* A tiny or NaN repeat cannot make a loop spin: at most one firing per SL_TIMER_MIN_REPEAT. */
START_TEST(test_timer_repeat_floor)
{
	struct sl_worker w;
	ev_timer stop;
	int fired = 0;

	memset(&w, 0, sizeof(w));
	w.host.loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(w.host.loop);
	sl_timer_t *t = sl_timer_start(&w, 0, 1e-300, count_fire, &fired);
	ck_assert_ptr_nonnull(t);
	ev_timer_init(&stop, stop_loop, 0.05, 0);
	ev_timer_start(w.host.loop, &stop);
	ev_run(w.host.loop, 0);
	sl_timer_stop(t);
	/* 50 ms at one per millisecond: about 50 (unbounded without the floor). */
	ck_assert_int_ge(fired, 1);
	ck_assert_int_le(fired, 60);
	/* NaN and negative repeats mean "once". */
	fired = 0;
	t = sl_timer_start(&w, 0, 0.0 / 0.0, count_fire, &fired);
	ck_assert_ptr_nonnull(t);
	ev_run(w.host.loop, 0);
	ck_assert_int_eq(fired, 1);
	sl_timer_stop(t);
	ev_loop_destroy(w.host.loop);
}
END_TEST

/* Counters are per worker, summed on read; bad ids and workers are ignored. */
START_TEST(test_stats_counters)
{
	sl_instance_t inst;
	memset(&inst, 0, sizeof(inst));
	inst.workers = 2;
	ck_assert_int_eq(sl_instance_counters_init(&inst), SL_OK);
	int a = sl_stats_counter(&inst, "a"), b = sl_stats_counter(&inst, "b");
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(b, 1);
	sl_request_t r0 = { .worker_id = 0 }, r1 = { .worker_id = 1 }, bad = { .worker_id = 2 };
	sl_stats_add(&inst, &r0, a, 5);
	sl_stats_add(&inst, &r1, a, 7);
	sl_stats_add(&inst, &r1, b, 1);
	sl_stats_add(&inst, &bad, a, 100);
	sl_stats_add(&inst, &r0, 2, 100);
	sl_stats_add(&inst, &r0, -1, 100);
	ck_assert_uint_eq(sl_stats_get(&inst, a), 12);
	ck_assert_uint_eq(sl_stats_get(&inst, b), 1);
	ck_assert_uint_eq(sl_stats_get(&inst, 2), 0);
	for (int i = 2; i < SL_MAX_COUNTERS; i++)
		ck_assert_int_ge(sl_stats_counter(&inst, "more"), 0);
	ck_assert_int_eq(sl_stats_counter(&inst, "one too many"), SL_ELIMIT);
	sl_instance_counters_free(&inst);
	ck_assert_ptr_null(inst.counters);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");
	tcase_add_test(tc, test_load_ok);
	tcase_add_test(tc, test_abi_versions);
	tcase_add_test(tc, test_other_major_refused);
	tcase_add_test(tc, test_newer_minor_refused);
	tcase_add_test(tc, test_small_size_refused);
	tcase_add_test(tc, test_size_beyond_symbol_refused);
	tcase_add_test(tc, test_no_descriptor_symbol);
	tcase_add_test(tc, test_missing_core_function);
	tcase_add_test(tc, test_descriptor_is_copied);
	tcase_add_test(tc, test_frozen_1_0_plugin_refused);
	tcase_add_test(tc, test_frozen_2_0_plugin_answers);
	tcase_add_test(tc, test_frozen_2_0_plugin_options_checked);
	tcase_add_test(tc, test_name_mismatch);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_not_a_plugin);
	tcase_add_test(tc, test_host_worker_view_and_timers);
	tcase_add_test(tc, test_timer_repeat_floor);
	tcase_add_test(tc, test_stats_counters);
	suite_add_tcase(s, tc);
	return s;
}
