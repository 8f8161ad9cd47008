/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * recorder — a test plugin (never installed). Each instance appends a TXT
 * "trace" record carrying its tag, so tests can see which instances ran and
 * in which order, then returns the configured result. With result "done" it
 * adds txt_count TXT records of txt_size bytes (for truncation tests). With
 * result "defer" it defers the request and finishes it at once with "rcode".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sluice/sluice.h>

struct recorder {
	sl_instance_t *inst;
	char tag[64];
	sl_result_t result;
	uint16_t rcode;
	long long txt_count, txt_size;
	uint8_t follow[SL_NAME_MAXLEN];
	uint8_t match[SL_NAME_MAXLEN];
	bool has_match;
	bool drop_response;
	int counter;
};

static int recorder_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	struct recorder *r = calloc(1, sizeof(*r));
	const char *tag, *result, *follow, *match;
	long long rcode;
	size_t len;
	static const uint8_t root[1] = { 0 };

	if (!r)
		return SL_ENOMEM;
	r->inst = inst;
	*state = r;
	sl_conf_string(conf, "tag", false, "rec", &tag);
	snprintf(r->tag, sizeof(r->tag), "%s", tag ? tag : "rec");
	sl_conf_string(conf, "result", false, "pass", &result);
	if (!result || strcmp(result, "pass") == 0)
		r->result = SL_RESULT_PASS;
	else if (strcmp(result, "done") == 0)
		r->result = SL_RESULT_DONE;
	else if (strcmp(result, "drop") == 0)
		r->result = SL_RESULT_DROP;
	else if (strcmp(result, "error") == 0)
		r->result = SL_RESULT_ERROR;
	else if (strcmp(result, "follow") == 0)
		r->result = SL_RESULT_FOLLOW;
	else if (strcmp(result, "defer") == 0)
		r->result = SL_RESULT_ASYNC;
	else
		sl_conf_error(conf, "result", "\"%s\" is not pass, done, drop, error, follow or defer",
			      result);
	sl_conf_int(conf, "rcode", 0, 4095, 2, &rcode);
	r->rcode = (uint16_t)rcode;
	sl_conf_int(conf, "txt_count", 0, 10000, 1, &r->txt_count);
	sl_conf_int(conf, "txt_size", 0, 255, 10, &r->txt_size);
	sl_conf_bool(conf, "drop_response", false, &r->drop_response);
	sl_conf_string(conf, "follow", r->result == SL_RESULT_FOLLOW, NULL, &follow);
	if (follow && sl_name_from_text(follow, strlen(follow), root, r->follow, &len) != SL_OK)
		sl_conf_error(conf, "follow", "not a domain name");
	sl_conf_string(conf, "match", false, NULL, &match);
	if (match) {
		if (sl_name_from_text(match, strlen(match), root, r->match, &len) != SL_OK)
			sl_conf_error(conf, "match", "not a domain name");
		r->has_match = true;
	}
	r->counter = sl_stats_counter(inst, "queries");
	return SL_OK;
}

static void recorder_destroy(void *state)
{
	struct recorder *r = state;

	/* For the tests of teardown order (last instance of a chain first). */
	if (r)
		sl_instance_log(r->inst, SL_LOG_INFO, "destroyed (tag %s)", r->tag);
	free(state);
}

static bool add_txt(sl_request_t *req, const char *text, size_t len)
{
	uint8_t rdata[256];
	if (len > 255)
		len = 255;
	rdata[0] = (uint8_t)len;
	memcpy(rdata + 1, text, len);
	if (sl_resp_add_rr(req->resp, req->qname, SL_TYPE_TXT, SL_CLASS_IN, 60, rdata,
			   (uint16_t)(len + 1)) == SL_OK)
		return true;
	sl_resp_set_flags(req->resp, SL_FLAG_TC);
	return false;
}

static sl_result_t recorder_query(void *state, sl_request_t *req)
{
	struct recorder *r = state;
	char filler[256];

	if (r->has_match && !sl_name_equal(req->qname, r->match))
		return SL_RESULT_PASS;
	sl_stats_add(r->inst, req, r->counter, 1);
	sl_resp_section(req->resp, SL_SECTION_ANSWER);
	if (!add_txt(req, r->tag, strlen(r->tag)))
		return SL_RESULT_DONE;
	switch (r->result) {
	case SL_RESULT_DONE:
		memset(filler, 'x', sizeof(filler));
		for (long long i = 0; i < r->txt_count; i++)
			if (!add_txt(req, filler, (size_t)r->txt_size))
				break;
		sl_resp_set_flags(req->resp, SL_FLAG_AA);
		req->kind = SL_ANSWER_POSITIVE;
		return SL_RESULT_DONE;
	case SL_RESULT_ERROR:
		req->rcode = r->rcode;
		req->kind = SL_ANSWER_ERROR;
		return SL_RESULT_ERROR;
	case SL_RESULT_ASYNC: {
		/* Deferred, then finished at once with "rcode" (the route posts it). */
		sl_deferred_t *d = sl_request_defer(req);
		if (!d) {
			req->rcode = SL_RCODE_SERVFAIL;
			return SL_RESULT_ERROR;
		}
		sl_deferred_finish(d, r->rcode);
		return SL_RESULT_ASYNC;
	}
	case SL_RESULT_FOLLOW: {
		size_t len = sl_name_len(r->follow);
		if (sl_resp_add_rr(req->resp, req->qname, SL_TYPE_CNAME, SL_CLASS_IN, 60, r->follow,
				   (uint16_t)len) != SL_OK) {
			sl_resp_set_flags(req->resp, SL_FLAG_TC);
			return SL_RESULT_DONE;
		}
		memcpy(req->follow, r->follow, len);
		sl_resp_set_flags(req->resp, SL_FLAG_AA);
		req->kind = SL_ANSWER_POSITIVE;
		return SL_RESULT_FOLLOW;
	}
	default:
		return r->result;
	}
}

static sl_result_t recorder_response(void *state, sl_request_t *req)
{
	struct recorder *r = state;
	return r->drop_response ? SL_RESULT_DROP : SL_RESULT_PASS;
}

SL_PLUGIN_DEFINE(.name = "recorder", .version = "1", .summary = "test plugin: records order",
		 .scope = SL_SCOPE_ANY, .phase = SL_PHASE_DATA, .create = recorder_create,
		 .destroy = recorder_destroy, .query = recorder_query,
		 .response = recorder_response);
