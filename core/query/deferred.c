/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Deferred answers (sl_request_defer(), <sluice/plugin.h>): a handler hands
 * a request to another thread (the update plugin's zone writer), which
 * answers it later. The handle keeps its own copy of everything the answer
 * needs — the query, the client, the OPT to send, the TSIG context and key —
 * so the answer is built and signed on the finishing thread, independent of
 * the worker's arena and of configuration reloads; the transport's route
 * carries the message back to the worker that received the query.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "process.h"
#include "request.h"
#include "tsig.h"

struct sl_deferred {
	uint8_t *wire;                       /* own copy of the query */
	size_t len;
	sl_msg_t msg;                        /* parsed from @p wire */
	struct sockaddr_storage remote;
	socklen_t remote_len;
	sl_auth_t auth;
	uint8_t auth_name[SL_NAME_MAXLEN];
	bool has_auth_name;
	size_t limit;                        /* response size limit */
	bool edns;                           /* answer with an OPT */
	sl_resp_opt_t opt;                   /* its pointers point into this struct */
	uint8_t cookie[40];
	uint8_t nsid[256];
	sl_tsig_ctx_t tsig;                  /* key points at @p key */
	sl_tsig_key_t key;
	sl_reply_route_t *route;
};

sl_deferred_t *sl_request_defer(sl_request_t *req)
{
	sl_request_core_t *rc;
	sl_deferred_t *d;

	if (!req)
		return NULL;
	rc = sl_request_core(req);
	if (!rc->in || !rc->in->route || rc->deferred || !rc->opt || !rc->tsig)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->wire = malloc(req->query->len);
	if (!d->wire)
		goto fail;
	memcpy(d->wire, req->query->wire, req->query->len);
	d->len = req->query->len;
	if (sl_msg_parse(d->wire, d->len, &d->msg) != SL_OK)
		goto fail;
	if (req->remote_len > 0 && req->remote_len <= sizeof(d->remote)) {
		memcpy(&d->remote, req->remote, req->remote_len);
		d->remote_len = req->remote_len;
	}
	d->auth = req->auth;
	if (req->auth_name && sl_name_check(req->auth_name, SL_NAME_MAXLEN) > 0) {
		memcpy(d->auth_name, req->auth_name, (size_t)sl_name_check(req->auth_name,
									   SL_NAME_MAXLEN));
		d->has_auth_name = true;
	}
	d->limit = rc->limit;
	d->edns = d->msg.edns.present;
	d->opt = *rc->opt;
	d->opt.ede_code = -1;
	d->opt.ede_text = NULL;
	d->opt.ecs = rc->opt->ecs ? &d->msg.edns.ecs : NULL;
	if (d->opt.ecs)
		d->msg.edns.ecs.scope_prefix = 0;
	if (rc->opt->cookie && rc->opt->cookie_len <= sizeof(d->cookie)) {
		memcpy(d->cookie, rc->opt->cookie, rc->opt->cookie_len);
		d->opt.cookie = d->cookie;
	} else {
		d->opt.cookie = NULL;
		d->opt.cookie_len = 0;
	}
	if (rc->opt->nsid && rc->opt->nsid_len <= sizeof(d->nsid)) {
		memcpy(d->nsid, rc->opt->nsid, rc->opt->nsid_len);
		d->opt.nsid = d->nsid;
	} else {
		d->opt.nsid = NULL;
		d->opt.nsid_len = 0;
	}
	d->tsig = *rc->tsig;
	if (d->tsig.key) {
		d->key = *d->tsig.key;
		d->tsig.key = &d->key;
	}
	d->route = rc->in->route(rc->in);
	if (!d->route)
		goto fail;
	rc->deferred = d;
	return d;
fail:
	free(d->wire);
	free(d);
	return NULL;
}

const sl_msg_t *sl_deferred_query(const sl_deferred_t *d)
{
	return &d->msg;
}

const struct sockaddr *sl_deferred_remote(const sl_deferred_t *d, socklen_t *len)
{
	if (len)
		*len = d->remote_len;
	return d->remote_len ? (const struct sockaddr *)&d->remote : NULL;
}

sl_auth_t sl_deferred_auth(const sl_deferred_t *d)
{
	return d->auth;
}

const uint8_t *sl_deferred_auth_name(const sl_deferred_t *d)
{
	return d->has_auth_name ? d->auth_name : NULL;
}

static void deferred_free(sl_deferred_t *d)
{
	free(d->wire);
	/* The copy of the key's secret goes with the handle. */
	memset(&d->key, 0, sizeof(d->key));
	free(d);
}

/* Builds the header-only answer: the question echoed, OPT, then TSIG. */
static size_t deferred_build(sl_deferred_t *d, uint16_t rcode, uint8_t *buf, size_t cap)
{
	size_t limit = d->limit && d->limit < cap ? d->limit : cap;
	size_t tsig_room = d->tsig.present ? sl_tsig_size(&d->tsig) : 0;
	size_t reserve = d->edns ? sl_resp_opt_size(&d->opt) : 0;
	sl_resp_t resp;

	if (tsig_room >= limit ||
	    sl_resp_init(&resp, buf, cap, limit - tsig_room, reserve, &d->msg) != SL_OK)
		return 0;
	sl_resp_set_rcode(&resp, d->edns ? rcode : (uint16_t)(rcode & 0x0F));
	int len = sl_resp_finish(&resp, d->edns ? &d->opt : NULL);
	if (len > 0 && d->tsig.present)
		len = sl_tsig_sign(&d->tsig, buf, (size_t)len, limit, (uint64_t)time(NULL));
	return len > 0 ? (size_t)len : 0;
}

void sl_deferred_finish(sl_deferred_t *d, uint16_t rcode)
{
	/* Header, question, OPT (cookie, NSID, ECS) and TSIG: well under 4 KiB. */
	size_t cap = 4096;
	uint8_t *buf;
	size_t len = 0;

	if (!d)
		return;
	buf = malloc(cap);
	if (buf)
		len = deferred_build(d, rcode, buf, cap);
	if (!len) {
		free(buf);
		buf = NULL;
	}
	d->route->post(d->route, buf, len);
	deferred_free(d);
}

void sl_deferred_cancel(sl_deferred_t *d)
{
	if (!d)
		return;
	d->route->post(d->route, NULL, 0);
	deferred_free(d);
}
