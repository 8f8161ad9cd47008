/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The update plugin: RFC 2136 dynamic updates with an RFC 3007 policy.
 * On the worker, an UPDATE is checked as far as the message alone allows
 * (form, zone, policy) and answered at once when it fails; otherwise it is
 * deferred (sl_request_defer()) and queued for the zone's writer thread
 * (writer.c), which judges the prerequisites, applies the changes, commits
 * and only then answers. Queries and NOTIFY pass untouched.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "update.h"

typedef struct upd_state {
	sl_instance_t *inst;
	uint8_t apex[SL_NAME_MAXLEN];
	upd_policy_t policy;
	upd_writer_conf_t wconf;
	upd_writer_t *writer;
	int c_queued, c_refused, c_malformed, c_full;
} upd_state_t;

static void client_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		port = ntohs(in->sin_port);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "%s#%u", addr, port);
}

static sl_result_t refuse(upd_state_t *s, sl_request_t *req, uint16_t rcode, const char *client,
			  const char *key, const char *why)
{
	const char *name = sl_rcode_name(rcode);

	sl_instance_log(s->inst, SL_LOG_INFO, "update from %s key %s: %s (%s)", client, key,
			name ? name : "error", why);
	req->rcode = rcode;
	return SL_RESULT_ERROR;
}

static sl_result_t upd_query(void *state, sl_request_t *req)
{
	upd_state_t *s = state;
	const sl_msg_t *msg = req->query;
	char client[64], key[SL_NAME_TEXT_MAX] = "-", why[SL_NAME_TEXT_MAX + 64];
	const char *reason;

	if (SL_FLAGS_OPCODE(msg->hdr.flags) != SL_OPCODE_UPDATE)
		return SL_RESULT_PASS;
	client_text(req->remote, client, sizeof(client));
	if (req->auth_name && sl_name_to_text(req->auth_name, key, sizeof(key)) < 0)
		snprintf(key, sizeof(key), "?");
	sl_rr_t where;
	uint16_t rcode = upd_prescan(msg, s->apex, &reason, &where);
	if (rcode != SL_RCODE_NOERROR) {
		char owner[SL_NAME_TEXT_MAX], type[16];
		sl_stats_add(s->inst, req, rcode == SL_RCODE_REFUSED ? s->c_refused : s->c_malformed,
			     1);
		if (where.owner_len && sl_name_check(where.owner, where.owner_len) > 0 &&
		    sl_name_to_text(where.owner, owner, sizeof(owner)) >= 0) {
			if (sl_rrtype_to_text(where.type, type, sizeof(type)) < 0)
				snprintf(type, sizeof(type), "TYPE%u", where.type);
			snprintf(why, sizeof(why), "%s: %s %s", reason, owner, type);
			reason = why;
		}
		return refuse(s, req, rcode, client, key, reason);
	}
	if (!upd_policy_allows(&s->policy, msg, req->auth_name, why, sizeof(why))) {
		sl_stats_add(s->inst, req, s->c_refused, 1);
		if (!req->auth_name)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "; unsigned");
		return refuse(s, req, SL_RCODE_REFUSED, client, key, why);
	}
	if (!s->writer) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	sl_deferred_t *d = sl_request_defer(req);
	if (!d) {
		sl_instance_log(s->inst, SL_LOG_WARNING, "update from %s: cannot defer it", client);
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	if (upd_writer_submit(s->writer, d, client, key) != SL_OK) {
		sl_stats_add(s->inst, req, s->c_full, 1);
		sl_instance_log(s->inst, SL_LOG_WARNING,
				"update from %s key %s: SERVFAIL (queue full, %zu waiting)", client,
				key, s->wconf.queue_max);
		sl_deferred_finish(d, SL_RCODE_SERVFAIL);
		return SL_RESULT_ASYNC;
	}
	sl_stats_add(s->inst, req, s->c_queued, 1);
	return SL_RESULT_ASYNC;
}

static int upd_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	upd_state_t *s = calloc(1, sizeof(*s));
	const uint8_t *apex = sl_instance_zone(inst);
	const char *serial = NULL;
	long long queue = 0, batch = 0;
	int ret = SL_OK;

	if (!s)
		return SL_ENOMEM;
	s->inst = inst;
	*state = s;
	if (!apex) {
		sl_conf_error(conf, NULL, "the update plugin belongs in a zone's chain");
		return SL_ECONFIG;
	}
	memcpy(s->apex, apex, sl_name_len(apex));
	sl_name_tolower(s->apex);
	if (sl_conf_int(conf, "queue", 1, 65536, 256, &queue) != SL_OK)
		ret = SL_ECONFIG;
	if (sl_conf_int(conf, "batch", 1, 4096, 64, &batch) != SL_OK)
		ret = SL_ECONFIG;
	if (sl_conf_string(conf, "serial", false, "increment", &serial) != SL_OK) {
		ret = SL_ECONFIG;
	} else if (!strcmp(serial, "increment")) {
		s->wconf.serial = UPD_SERIAL_INCREMENT;
	} else if (!strcmp(serial, "unixtime")) {
		s->wconf.serial = UPD_SERIAL_UNIXTIME;
	} else if (!strcmp(serial, "dateserial")) {
		s->wconf.serial = UPD_SERIAL_DATESERIAL;
	} else {
		ret = sl_conf_error(conf, "serial",
				    "must be \"increment\", \"unixtime\" or \"dateserial\"");
	}
	int p = upd_policy_parse(conf, sl_conf_json(conf, "policy"), &s->policy);
	if (p == SL_ENOMEM)
		return SL_ENOMEM;
	if (p != SL_OK)
		ret = SL_ECONFIG;
	/* Every policy rule must be about this zone: a name outside it can never match. */
	for (size_t i = 0; i < s->policy.nrules; i++) {
		const upd_rule_t *r = &s->policy.rules[i];
		char path[48];
		snprintf(path, sizeof(path), "policy[%zu].name", i);
		if (r->match != UPD_MATCH_SELF && !sl_name_is_subdomain(r->name, s->apex) &&
		    !sl_name_is_subdomain(s->apex, r->name))
			ret = sl_conf_error(conf, path, "lies outside the zone");
	}
	s->wconf.apex = s->apex;
	s->wconf.inst = inst;
	s->wconf.queue_max = (size_t)queue;
	s->wconf.batch_max = (size_t)batch;
	s->c_queued = sl_stats_counter(inst, "queued");
	s->c_refused = sl_stats_counter(inst, "refused");
	s->c_malformed = sl_stats_counter(inst, "malformed");
	s->c_full = sl_stats_counter(inst, "queue_full");
	if (s->policy.nrules == 0 && ret == SL_OK)
		sl_instance_log(inst, SL_LOG_WARNING, "no \"policy\": every update is refused");
	return ret;
}

static int upd_start(void *state)
{
	upd_state_t *s = state;

	s->writer = upd_writer_start(&s->wconf);
	return s->writer ? SL_OK : SL_ENOMEM;
}

static void upd_destroy(void *state)
{
	upd_state_t *s = state;

	if (!s)
		return;
	upd_writer_stop(s->writer);
	upd_policy_free(&s->policy);
	free(s);
}

SL_PLUGIN_DEFINE(.name = "update", .version = "1.0",
		 .summary = "RFC 2136 dynamic updates with an RFC 3007 policy",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_DATA, .create = upd_create,
		 .destroy = upd_destroy, .start = upd_start, .query = upd_query);
