/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * rate-limit — response rate limiting (RRL) for UDP, and optional per-client
 * budgets for expensive requests (ANY, AXFR/IXFR, UPDATE).
 *
 * Placed first in the server-wide chain (or before the data source in a
 * zone's chain), it runs at the admission phase, so that its response()
 * hook sees every response the chains produce: it classifies the response
 * as RRL does (positive by QNAME+QTYPE, NXDOMAIN/NODATA by zone, referrals
 * by delegation, wildcards by the wildcard, errors by rcode), accounts it
 * to the token bucket of (client prefix, class, name) and, over the limit,
 * drops it or — every `slip`-th time — replaces it with an empty TC=1 reply
 * so a real resolver retries over TCP. TCP, exempt prefixes and clients
 * echoing a valid server cookie (they cannot be spoofed) are never limited.
 *
 * The budgets (max_qps_per_client) are checked in query(), before any
 * answer is built, per client address: over budget is REFUSED with an EDE.
 *
 * The bucket table lives in rrl.c: fixed size, allocated in create(),
 * shared by all workers, carried across reloads by adopt().
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sluice/plugin.h>

#include "rrl.h"

#define EXEMPT_MAX 256
#define TABLE_MIN 1024
#define TABLE_MAX (1LL << 28)
#define TABLE_DEFAULT 250000
#define SLIP_MAX 10

/* Counters, in the order they are registered (at most 16 per instance). */
enum {
	C_LIMITED,
	C_SLIPPED,
	C_DROPPED,
	C_EXEMPTED,
	C_COOKIE,
	C_CLASS, /* limited_<class> for each response class, then refused_<budget> */
	C_COUNT = C_CLASS + RRL_CLASSES,
};

struct rate_limit {
	sl_instance_t *inst;
	rrl_table_t *table; /* NULL in --check */
	rrl_limit_t limit[RRL_CLASSES];
	uint32_t rate[RRL_CLASSES]; /* for log lines */
	bool budgets;               /* any max_qps_per_client budget set */
	unsigned slip;
	unsigned v4, v6;
	bool log_only;
	uint32_t log_interval;
	size_t nexempt;
	sl_prefix_t exempt[EXEMPT_MAX];
	int ctr[C_COUNT];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- configuration ------------------------------------------------------------ */

static int read_rate(sl_conf_t *conf, const char *key, long long def, uint32_t *out)
{
	long long v;
	int ret = sl_conf_int(conf, key, 0, RRL_RATE_MAX, def, &v);
	*out = (uint32_t)v;
	return ret;
}

/*
 * max_qps_per_client: a number (the same budget for ANY, transfers and
 * UPDATE, each counted apart) or an object {"any", "transfer", "update"}.
 */
static int read_budgets(sl_conf_t *conf, uint32_t *rate)
{
	static const char *const keys[3] = { "any", "transfer", "update" };
	json_t *j = sl_conf_json(conf, "max_qps_per_client");
	char path[64];
	int ret = SL_OK;

	for (int i = 0; i < 3; i++)
		rate[RRL_Q_ANY + i] = 0;
	if (!j)
		return SL_OK;
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);
		if (v < 0 || v > RRL_RATE_MAX)
			return sl_conf_error(conf, "max_qps_per_client",
					     "must be between 0 and %d", RRL_RATE_MAX);
		for (int i = 0; i < 3; i++)
			rate[RRL_Q_ANY + i] = (uint32_t)v;
		return SL_OK;
	}
	if (!json_is_object(j))
		return sl_conf_error(conf, "max_qps_per_client",
				     "expected an integer or an object with \"any\", \"transfer\", "
				     "\"update\"");
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		int which = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(key, keys[i]) == 0)
				which = i;
		snprintf(path, sizeof(path), "max_qps_per_client.%.30s", key);
		if (which < 0) {
			ret = sl_conf_error(conf, path, "unknown key (expected any, transfer, update)");
			continue;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > RRL_RATE_MAX) {
			ret = sl_conf_error(conf, path, "expected an integer between 0 and %d",
					    RRL_RATE_MAX);
			continue;
		}
		rate[RRL_Q_ANY + which] = (uint32_t)json_integer_value(v);
	}
	return ret;
}

static int register_counters(sl_instance_t *inst, sl_conf_t *conf, int *ctr)
{
	static const char *const fixed[C_CLASS] = { "limited", "slipped", "dropped", "exempted",
						    "cookie" };
	char name[32];

	for (int i = 0; i < C_COUNT; i++) {
		if (i < C_CLASS)
			snprintf(name, sizeof(name), "%s", fixed[i]);
		else
			snprintf(name, sizeof(name), "%s_%s",
				 i - C_CLASS < RRL_RESPONSE_CLASSES ? "limited" : "refused",
				 rrl_class_name((rrl_class_t)(i - C_CLASS)));
		ctr[i] = sl_stats_counter(inst, name);
		if (ctr[i] < 0)
			return sl_conf_error(conf, NULL, "cannot register counter %s: %s", name,
					     sl_strerror(ctr[i]));
	}
	return SL_OK;
}

static int rl_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	static const char *const class_keys[RRL_RESPONSE_CLASSES] = {
		[RRL_NODATA] = "nodata_per_second",
		[RRL_NXDOMAIN] = "nxdomains_per_second",
		[RRL_REFERRAL] = "referrals_per_second",
		[RRL_ERROR] = "errors_per_second",
	};
	struct rate_limit *rl = calloc(1, sizeof(*rl));
	long long v, burst, table_size;
	const sl_prefix_t *exempt = NULL;
	uint32_t base;
	bool b;
	int ret = SL_OK;

	if (!rl)
		return SL_ENOMEM;
	rl->inst = inst;

	/* Read every option, even after an error, so one --check shows them all. */
	if (read_rate(conf, "responses_per_second", 20, &base) != SL_OK)
		ret = SL_ECONFIG;
	for (int c = 0; c < RRL_RESPONSE_CLASSES; c++) {
		rl->rate[c] = base;
		if (class_keys[c] && read_rate(conf, class_keys[c], base, &rl->rate[c]) != SL_OK)
			ret = SL_ECONFIG;
	}
	if (sl_conf_int(conf, "burst", 1, RRL_BURST_MAX, base ? base : 1, &burst) != SL_OK)
		ret = SL_ECONFIG;
	if (sl_conf_int(conf, "slip", 0, SLIP_MAX, 2, &v) != SL_OK)
		ret = SL_ECONFIG;
	rl->slip = (unsigned)v;
	if (sl_conf_int(conf, "ipv4_prefix", 0, 32, 24, &v) != SL_OK)
		ret = SL_ECONFIG;
	rl->v4 = (unsigned)v;
	if (sl_conf_int(conf, "ipv6_prefix", 0, 128, 56, &v) != SL_OK)
		ret = SL_ECONFIG;
	rl->v6 = (unsigned)v;
	if (sl_conf_int(conf, "table_size", TABLE_MIN, TABLE_MAX, TABLE_DEFAULT, &table_size) !=
	    SL_OK)
		ret = SL_ECONFIG;
	if (sl_conf_prefixes(conf, "exempt", false, &exempt, &rl->nexempt) != SL_OK)
		ret = SL_ECONFIG;
	if (rl->nexempt > EXEMPT_MAX) {
		ret = sl_conf_error(conf, "exempt", "at most %d prefixes", EXEMPT_MAX);
		rl->nexempt = 0;
	}
	if (rl->nexempt)
		memcpy(rl->exempt, exempt, rl->nexempt * sizeof(*exempt));
	if (sl_conf_bool(conf, "log_only", false, &b) != SL_OK)
		ret = SL_ECONFIG;
	rl->log_only = b;
	if (sl_conf_int(conf, "log_interval", 1, 86400, 30, &v) != SL_OK)
		ret = SL_ECONFIG;
	rl->log_interval = (uint32_t)v;
	if (read_budgets(conf, rl->rate) != SL_OK)
		ret = SL_ECONFIG;
	if (ret != SL_OK)
		goto fail;

	/*
	 * The bucket of every class holds `burst` responses of the base rate's
	 * worth of time: a class with twice the rate gets twice the burst.
	 */
	for (int c = 0; c < RRL_CLASSES; c++) {
		uint64_t cap = (uint64_t)rl->rate[c];
		if (c < RRL_RESPONSE_CLASSES && base)
			cap = ((uint64_t)burst * rl->rate[c] + base - 1) / base;
		if (cap > RRL_BURST_MAX)
			cap = RRL_BURST_MAX;
		rrl_limit_init(&rl->limit[c], rl->rate[c], (uint32_t)cap);
		if (c >= RRL_Q_ANY && rl->rate[c])
			rl->budgets = true;
	}
	ret = register_counters(inst, conf, rl->ctr);
	if (ret != SL_OK)
		goto fail;

	if (!sl_conf_dry_run(conf)) {
		uint64_t seed[2];
		if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
			ret = sl_conf_error(conf, NULL, "getrandom: %s", strerror(errno));
			goto fail;
		}
		rl->table = rrl_table_new((size_t)table_size, seed[0], seed[1]);
		if (!rl->table) {
			ret = sl_conf_error(conf, "table_size", "cannot allocate %lld buckets",
					    table_size);
			goto fail;
		}
		sl_instance_log(inst, SL_LOG_INFO,
				"%" PRIu32 " responses/s per /%u (IPv4) or /%u (IPv6) prefix, "
				"burst %lld, slip %u, %zu buckets (%zu KiB)%s",
				base, rl->v4, rl->v6, burst, rl->slip,
				rrl_table_entries(rl->table), rrl_table_bytes(rl->table) / 1024,
				rl->log_only ? ", log only" : "");
	}
	*state = rl;
	return SL_OK;
fail:
	free(rl);
	return ret == SL_OK ? SL_ECONFIG : ret;
}

static void rl_destroy(void *state)
{
	struct rate_limit *rl = state;
	rrl_table_unref(rl->table);
	free(rl);
}

/*
 * Reload: keep the old instance's buckets (a flood does not get a fresh
 * burst because the operator reloaded). The old instance may still be
 * answering while the new one starts, so both hold a reference.
 */
static void rl_adopt(void *state, void *old_state)
{
	struct rate_limit *rl = state;
	struct rate_limit *old = old_state;

	if (!rl->table || !old->table || rl->table == old->table)
		return;
	if (rrl_table_entries(rl->table) != rrl_table_entries(old->table)) {
		sl_instance_log(rl->inst, SL_LOG_INFO,
				"table_size changed: starting with empty buckets");
		return;
	}
	rrl_table_unref(rl->table);
	rrl_table_ref(old->table);
	rl->table = old->table;
}

/* ---- the hooks ---------------------------------------------------------------------- */

static bool is_exempt(const struct rate_limit *rl, const sl_request_t *req)
{
	for (size_t i = 0; i < rl->nexempt; i++)
		if (sl_prefix_match(&rl->exempt[i], req->remote))
			return true;
	return false;
}

/* One line per prefix per log_interval, RRL_LOG_MAX lines per interval in all. */
static void log_limited(const struct rate_limit *rl, const sl_prefix_t *prefix,
			const rrl_what_t *what, uint64_t now)
{
	static const char *const budget_names[3] = { "ANY queries", "AXFR/IXFR requests",
						     "UPDATE requests" };
	char pfx[64], name[SL_NAME_TEXT_MAX];
	rrl_log_verdict_t v = rrl_log_permit(rl->table, prefix, (uint32_t)(now / 1000000000ULL),
					     rl->log_interval);

	if (v == RRL_LOG_NO)
		return;
	rrl_prefix_text(prefix, pfx, sizeof(pfx));
	if (what->name)
		sl_name_to_text(what->name, name, sizeof(name));
	else
		snprintf(name, sizeof(name), ".");
	const char *more = v == RRL_LOG_LAST ? "; further prefixes are not logged until the "
					       "next interval" : "";
	if (what->cls >= RRL_Q_ANY)
		sl_instance_log(rl->inst, SL_LOG_NOTICE, "%s %s: %s over %" PRIu32 "/s%s",
				rl->log_only ? "would refuse" : "refusing", pfx,
				budget_names[what->cls - RRL_Q_ANY], rl->rate[what->cls], more);
	else
		sl_instance_log(rl->inst, SL_LOG_NOTICE, "%s %s: %s responses for %s over %" PRIu32
				"/s (slip %u)%s", rl->log_only ? "would limit" : "limiting", pfx,
				rrl_class_name(what->cls), name, rl->rate[what->cls], rl->slip,
				more);
}

/* The request budgets: ANY, AXFR/IXFR and UPDATE per client address. */
static sl_result_t rl_query(void *state, sl_request_t *req)
{
	static const char *const texts[3] = { "rate limited: too many ANY queries",
					      "rate limited: too many transfer requests",
					      "rate limited: too many UPDATE requests" };
	struct rate_limit *rl = state;
	rrl_what_t what = { .cls = RRL_CLASSES };
	sl_prefix_t client;
	uint32_t streak;

	if (!rl->budgets || !rl->table || sl_request_follows(req) != 0)
		return SL_RESULT_PASS;
	if (SL_FLAGS_OPCODE(req->query->hdr.flags) == SL_OPCODE_UPDATE)
		what.cls = RRL_Q_UPDATE;
	else if (req->qtype == SL_TYPE_ANY)
		what.cls = RRL_Q_ANY;
	else if (req->qtype == SL_TYPE_AXFR || req->qtype == SL_TYPE_IXFR)
		what.cls = RRL_Q_TRANSFER;
	if (what.cls == RRL_CLASSES || rl->limit[what.cls].interval_ns == 0)
		return SL_RESULT_PASS;
	if (!rrl_prefix(req->remote, req->remote_len, 32, 128, &client) || is_exempt(rl, req))
		return SL_RESULT_PASS;
	uint64_t now = now_ns();
	if (rrl_account(rl->table, rrl_key(rl->table, &client, &what), &rl->limit[what.cls], now,
			&streak))
		return SL_RESULT_PASS;
	sl_stats_add(rl->inst, req, rl->ctr[C_CLASS + what.cls], 1);
	log_limited(rl, &client, &what, now);
	if (rl->log_only)
		return SL_RESULT_PASS;
	req->rcode = SL_RCODE_REFUSED;
	req->ede_code = 0; /* Other Error: RFC 8914 has no rate-limit code */
	req->ede_text = texts[what.cls - RRL_Q_ANY];
	return SL_RESULT_ERROR;
}

/* Response rate limiting: sees every final response of the chains it ran in. */
static sl_result_t rl_response(void *state, sl_request_t *req)
{
	struct rate_limit *rl = state;
	sl_result_t result = sl_request_result(req);
	sl_prefix_t prefix;
	rrl_what_t what;
	uint32_t streak = 0;

	if (req->transport != SL_TRANSPORT_UDP || !rl->table)
		return SL_RESULT_PASS;
	if (req->query->edns.cookie.server_valid) {
		sl_stats_add(rl->inst, req, rl->ctr[C_COOKIE], 1);
		return SL_RESULT_PASS;
	}
	if (is_exempt(rl, req)) {
		sl_stats_add(rl->inst, req, rl->ctr[C_EXEMPTED], 1);
		return SL_RESULT_PASS;
	}
	if (!rrl_classify(req, result, &what) || rl->limit[what.cls].interval_ns == 0 ||
	    !rrl_prefix(req->remote, req->remote_len, rl->v4, rl->v6, &prefix))
		return SL_RESULT_PASS;
	uint64_t now = now_ns();
	if (rrl_account(rl->table, rrl_key(rl->table, &prefix, &what), &rl->limit[what.cls], now,
			&streak))
		return SL_RESULT_PASS;

	sl_stats_add(rl->inst, req, rl->ctr[C_LIMITED], 1);
	sl_stats_add(rl->inst, req, rl->ctr[C_CLASS + what.cls], 1);
	log_limited(rl, &prefix, &what, now);
	if (rl->log_only)
		return SL_RESULT_PASS;
	if (!rrl_slips(streak, rl->slip)) {
		sl_stats_add(rl->inst, req, rl->ctr[C_DROPPED], 1);
		return SL_RESULT_DROP;
	}
	/*
	 * Slip: header and question only, TC=1, the rcode kept (as BIND does for
	 * NXDOMAIN), so a real resolver retries over TCP, which is never limited.
	 * An error result is rebuilt header-only by the core anyway.
	 */
	sl_stats_add(rl->inst, req, rl->ctr[C_SLIPPED], 1);
	uint16_t aa = req->resp->flags & SL_FLAG_AA;
	sl_resp_reset(req->resp);
	sl_resp_set_flags(req->resp, (uint16_t)(SL_FLAG_TC | aa));
	return SL_RESULT_PASS;
}

SL_PLUGIN_DEFINE(.name = "rate-limit", .version = "1.0",
		 .summary = "response rate limiting (RRL) with slip, cookie-aware, and per-client "
			    "budgets for ANY, transfers and UPDATE",
		 .scope = SL_SCOPE_ANY, .phase = SL_PHASE_ADMISSION, .create = rl_create,
		 .destroy = rl_destroy, .adopt = rl_adopt, .query = rl_query,
		 .response = rl_response);
