/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * abi-1-0 — a test plugin compiled against tests/abi/frozen-1.0/ (the public
 * headers as ABI 1.0 shipped them), never against include/. The loader test
 * loads it with the current loader and runs queries through it: a sluiced
 * of a newer minor must keep running plugins built for 1.0, unchanged.
 *
 * It uses a broad slice of the 1.0 API — options, counters, logging, the
 * request fields, the arena, the response builder, the response hook — and
 * answers TXT at the zone apex with
 *   "<text option>" "<instance label>" "answers=<count>" "hooks=<count>"
 * so the test can see each of them work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sluice/plugin.h>

/* Fails to build if the include path reaches the current headers. */
_Static_assert(SL_PLUGIN_ABI_VERSION == 1, "must be built against tests/abi/frozen-1.0");

struct abi10 {
	sl_instance_t *inst;
	char text[128];
	uint32_t ttl;
	int answers; /* counter ids */
	int hooks;
};

static int abi10_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	const char *text;
	long long ttl;
	int ret = SL_OK;

	if (!sl_instance_zone(inst))
		return sl_conf_error(conf, NULL, "abi-1-0 answers at its zone's apex");
	struct abi10 *p = calloc(1, sizeof(*p));
	if (!p)
		return SL_ENOMEM;
	p->inst = inst;
	if (sl_conf_string(conf, "text", true, NULL, &text) != SL_OK)
		ret = SL_ECONFIG;
	if (sl_conf_int(conf, "ttl", 0, 86400, 300, &ttl) != SL_OK)
		ret = SL_ECONFIG;
	if (ret != SL_OK) {
		free(p);
		return ret;
	}
	snprintf(p->text, sizeof(p->text), "%s", text);
	p->ttl = (uint32_t)ttl;
	p->answers = sl_stats_counter(inst, "answers");
	p->hooks = sl_stats_counter(inst, "hooks");
	if (p->answers < 0 || p->hooks < 0) {
		free(p);
		return SL_ENOMEM;
	}
	sl_instance_log(inst, SL_LOG_INFO, "built against ABI 1.0, answering \"%s\"", p->text);
	*state = p;
	return SL_OK;
}

static void abi10_destroy(void *state)
{
	free(state);
}

/* Appends one character-string to TXT RDATA at @p rdata + *len. */
static void add_string(uint8_t *rdata, uint16_t *len, const char *s)
{
	size_t n = strlen(s);
	if (n > 255)
		n = 255;
	rdata[(*len)++] = (uint8_t)n;
	memcpy(rdata + *len, s, n);
	*len = (uint16_t)(*len + n);
}

static sl_result_t abi10_query(void *state, sl_request_t *req)
{
	struct abi10 *p = state;
	char count[64];

	if (req->qtype != SL_TYPE_TXT || req->qclass != SL_CLASS_IN ||
	    !sl_name_equal(req->qname, req->zone_name))
		return SL_RESULT_PASS;
	sl_stats_add(p->inst, req, p->answers, 1);
	/* 4 strings of at most 256 bytes each: arena memory, freed by the core. */
	uint8_t *rdata = sl_arena_alloc(req->arena, 4 * 256);
	if (!rdata) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	uint16_t len = 0;
	add_string(rdata, &len, p->text);
	add_string(rdata, &len, sl_instance_label(p->inst));
	snprintf(count, sizeof(count), "answers=%llu",
		 (unsigned long long)sl_stats_get(p->inst, p->answers));
	add_string(rdata, &len, count);
	snprintf(count, sizeof(count), "hooks=%llu",
		 (unsigned long long)sl_stats_get(p->inst, p->hooks));
	add_string(rdata, &len, count);
	if (sl_resp_section(req->resp, SL_SECTION_ANSWER) != SL_OK ||
	    sl_resp_add_rr(req->resp, req->qname, SL_TYPE_TXT, SL_CLASS_IN, p->ttl, rdata, len) !=
		    SL_OK) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	sl_resp_set_flags(req->resp, SL_FLAG_AA);
	req->kind = SL_ANSWER_POSITIVE;
	return SL_RESULT_DONE;
}

/* Counts the answers the core saw as final, with their kind. */
static sl_result_t abi10_response(void *state, sl_request_t *req)
{
	struct abi10 *p = state;
	if (req->result == SL_RESULT_DONE && req->kind == SL_ANSWER_POSITIVE)
		sl_stats_add(p->inst, req, p->hooks, 1);
	return SL_RESULT_PASS;
}

SL_PLUGIN_DEFINE(.name = "abi-1-0", .version = "1.0.0",
		 .summary = "test plugin built against the frozen ABI 1.0 headers",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_DATA, .create = abi10_create,
		 .destroy = abi10_destroy, .query = abi10_query, .response = abi10_response);
