/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * authprobe — a test plugin (never installed). Answers every UPDATE with one
 * TXT record "auth=<N> <name>" telling how earlier instances left
 * req->auth and req->auth_name (what the update plugin would see); passes
 * every other message.
 */
#include <stdio.h>
#include <string.h>
#include <sluice/sluice.h>

static int probe_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	(void)conf;
	*state = inst;
	return SL_OK;
}

static sl_result_t probe_query(void *state, sl_request_t *req)
{
	char name[SL_NAME_TEXT_MAX] = "-", text[SL_NAME_TEXT_MAX + 16];
	uint8_t rdata[256];

	(void)state;
	if (SL_FLAGS_OPCODE(req->query->hdr.flags) != SL_OPCODE_UPDATE)
		return SL_RESULT_PASS;
	if (req->auth_name && sl_name_to_text(req->auth_name, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	int len = snprintf(text, sizeof(text), "auth=%d %s", (int)req->auth, name);
	if (len < 0 || len > 255)
		len = 255;
	rdata[0] = (uint8_t)len;
	memcpy(rdata + 1, text, (size_t)len);
	sl_resp_section(req->resp, SL_SECTION_ANSWER);
	if (sl_resp_add_rr(req->resp, req->qname, SL_TYPE_TXT, SL_CLASS_IN, 0, rdata,
			   (uint16_t)(len + 1)) != SL_OK)
		return SL_RESULT_DROP;
	req->kind = SL_ANSWER_POSITIVE;
	return SL_RESULT_DONE;
}

SL_PLUGIN_DEFINE(.name = "authprobe", .version = "1",
		 .summary = "test plugin: answers UPDATE with the request's auth state",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_DATA, .create = probe_create,
		 .query = probe_query);
