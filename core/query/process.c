/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The query pipeline (see <sluice/plugin.h> for the contract plugins see):
 * admission (parse, opcode/class/qtype checks, cookies), the server-wide
 * chain, zone selection and the zone chain (with FOLLOW across zones), the
 * response hooks, then finalisation (OPT, EDE, TC, the TSIG signature).
 * Everything lives on the stack or in the worker's arena: the UDP path
 * allocates nothing (a TSIG-signed message costs OpenSSL its HMAC contexts).
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <sluice/log.h>
#include "acl.h"
#include "cookie.h"
#include "runtime.h"
#include "process.h"
#include "request.h"
#include "tsig.h"

/* Notes that @p count instances of @p chain ran (a chain run again keeps its longest prefix). */
static void record_ran(sl_ran_chains_t *ran, const sl_chain_t *chain, size_t count)
{
	if (!count)
		return;
	for (unsigned c = 0; c < ran->n; c++) {
		if (ran->chain[c] == chain) {
			if (count > ran->ran[c])
				ran->ran[c] = count;
			return;
		}
	}
	if (ran->n < SL_MAX_FOLLOW + 2) {
		ran->chain[ran->n] = chain;
		ran->ran[ran->n++] = count;
	}
}

/* Runs instances [0, end) of a chain until one returns something other than PASS. */
static sl_result_t run_chain(const sl_chain_t *chain, size_t end, sl_request_core_t *rc)
{
	sl_result_t result = SL_RESULT_PASS;
	size_t i;

	rc->chain = chain;
	for (i = 0; i < end && result == SL_RESULT_PASS; i++) {
		sl_instance_t *inst = chain->inst[i];
		rc->index = i;
		if (inst->api->query)
			result = inst->api->query(inst->state, &rc->pub);
	}
	record_ran(rc->ran, chain, i);
	return result;
}

static sl_result_t run_response_hooks(const sl_ran_chains_t *ran, sl_request_t *req)
{
	for (unsigned c = 0; c < ran->n; c++) {
		for (size_t i = 0; i < ran->ran[c]; i++) {
			sl_instance_t *inst = ran->chain[c]->inst[i];
			if (inst->api->response &&
			    inst->api->response(inst->state, req) == SL_RESULT_DROP)
				return SL_RESULT_DROP;
		}
	}
	return SL_RESULT_PASS;
}

/*
 * The zone that answers @p name: the closest enclosing one, except that DS
 * lives on the parent side of a cut — when we host both the child and its
 * parent, a DS query for the child's apex belongs to the parent
 * (RFC 4035 §3.1.4.1).
 */
static inline const sl_zone_entry_t *select_zone(const sl_runtime_t *rt, const uint8_t *name,
					  uint16_t qtype)
{
	const sl_zone_entry_t *zone = sl_runtime_find_zone(rt, name);

	if (zone && qtype == SL_TYPE_DS && zone->name_len > 1 && sl_name_equal(zone->name, name)) {
		const sl_zone_entry_t *parent = sl_runtime_find_zone(rt, sl_name_parent(name));
		if (parent)
			zone = parent;
	}
	return zone;
}

/* Sets an error outcome the core itself decided. */
static sl_result_t fail(sl_request_t *req, uint16_t rcode, int ede, const char *text)
{
	req->rcode = rcode;
	req->ede_code = ede;
	req->ede_text = text;
	req->kind = SL_ANSWER_ERROR;
	return SL_RESULT_ERROR;
}

/* CH-class identity queries (RFC 4892): id.server. and hostname.bind. */
static sl_result_t answer_chaos(const sl_runtime_t *rt, sl_request_t *req)
{
	static const uint8_t id_server[] = "\x02id\x06" "server";
	static const uint8_t hostname_bind[] = "\x08hostname\x04" "bind";
	const char *identity = rt->conf.identity;

	if (!identity || (req->qtype != SL_TYPE_TXT && req->qtype != SL_TYPE_ANY) ||
	    !(sl_name_equal(req->qname, id_server) || sl_name_equal(req->qname, hostname_bind)))
		return fail(req, SL_RCODE_REFUSED, 20, NULL);
	uint8_t rdata[256];
	size_t len = strlen(identity);
	if (len > 255)
		len = 255;
	rdata[0] = (uint8_t)len;
	memcpy(rdata + 1, identity, len);
	sl_resp_section(req->resp, SL_SECTION_ANSWER);
	if (sl_resp_add_rr(req->resp, req->qname, SL_TYPE_TXT, SL_CLASS_CH, 0, rdata,
			   (uint16_t)(len + 1)) != SL_OK)
		sl_resp_set_flags(req->resp, SL_FLAG_TC);
	sl_resp_set_flags(req->resp, SL_FLAG_AA);
	req->kind = SL_ANSWER_POSITIVE;
	return SL_RESULT_DONE;
}

/* Admission checks the core makes for every message before any plugin. */
static sl_result_t admit(const sl_msg_t *msg, sl_request_t *req)
{
	unsigned opcode = SL_FLAGS_OPCODE(msg->hdr.flags);

	/* RFC 6891 §6.1.3: an unknown EDNS version is answered before anything else. */
	if (msg->edns.present && msg->rcode == SL_RCODE_BADVERS)
		return fail(req, SL_RCODE_BADVERS, -1, NULL);
	if (opcode != SL_OPCODE_QUERY && opcode != SL_OPCODE_NOTIFY &&
	    opcode != SL_OPCODE_UPDATE)
		return fail(req, SL_RCODE_NOTIMP, -1, NULL);
	if (msg->hdr.qdcount != 1 || !msg->qname_len)
		return fail(req, SL_RCODE_FORMERR, -1, "exactly one question required");
	switch (msg->qtype) {
	case SL_TYPE_OPT:
	case SL_TYPE_TSIG:
		return fail(req, SL_RCODE_FORMERR, -1, "meta type in question");
	case 249: /* TKEY */
	case 253: /* MAILB */
	case 254: /* MAILA */
		return fail(req, SL_RCODE_NOTIMP, -1, NULL);
	default:
		break;
	}
	/* RFC 2136 §3.1.1: the zone section is one entry of type SOA. */
	if (opcode == SL_OPCODE_UPDATE && msg->qtype != SL_TYPE_SOA)
		return fail(req, SL_RCODE_FORMERR, -1, "zone section must be of type SOA");
	/* RFC 5936 §4.2: AXFR is defined over TCP only. */
	if (msg->qtype == SL_TYPE_AXFR && req->transport == SL_TRANSPORT_UDP)
		return fail(req, SL_RCODE_REFUSED, 21, "AXFR is TCP only");
	return SL_RESULT_PASS;
}

static sl_result_t run_pipeline(const sl_runtime_t *rt, sl_request_core_t *rc)
{
	sl_request_t *req = &rc->pub;
	const sl_msg_t *msg = req->query;
	sl_result_t result = admit(msg, req);

	if (result != SL_RESULT_PASS)
		return result;
	if (msg->qclass == SL_CLASS_CH && SL_FLAGS_OPCODE(msg->hdr.flags) == SL_OPCODE_QUERY)
		return answer_chaos(rt, req);
	result = run_chain(&rt->server_chain, rt->server_chain.n, rc);
	if (result != SL_RESULT_PASS)
		return result;
	if (msg->qclass != SL_CLASS_IN && msg->qclass != SL_CLASS_ANY &&
	    SL_FLAGS_OPCODE(msg->hdr.flags) == SL_OPCODE_QUERY)
		return fail(req, SL_RCODE_REFUSED, 20, NULL);
	for (;;) {
		const sl_zone_entry_t *zone = select_zone(rt, req->qname, req->qtype);
		if (!zone) {
			if (rc->follows)
				return SL_RESULT_DONE; /* chain leaves our zones: done */
			if (SL_FLAGS_OPCODE(msg->hdr.flags) == SL_OPCODE_UPDATE)
				return fail(req, SL_RCODE_NOTAUTH, 20, NULL);
			return fail(req, SL_RCODE_REFUSED, 20, NULL);
		}
		/* RFC 2136 §3.1.2: an update names the zone itself, in its class. */
		if (SL_FLAGS_OPCODE(msg->hdr.flags) == SL_OPCODE_UPDATE &&
		    (!sl_name_equal(zone->name, req->qname) ||
		     (msg->qclass != SL_CLASS_IN && msg->qclass != SL_CLASS_ANY)))
			return fail(req, SL_RCODE_NOTAUTH, 20, NULL);
		req->zone_name = zone->name;
		req->zone = zone->zone;
		rc->zone_entry = zone;
		/* Zone transfers only for the addresses and keys in the zone's allow_transfer. */
		if ((req->qtype == SL_TYPE_AXFR || req->qtype == SL_TYPE_IXFR) && !rc->follows &&
		    !sl_acl_match(zone->allow_transfer, req->remote,
				  req->auth == SL_AUTH_TSIG ? req->auth_name : NULL))
			return fail(req, SL_RCODE_REFUSED, 18, "transfer not allowed");
		result = run_chain(&zone->chain, zone->chain.n, rc);
		if (result == SL_RESULT_PASS) {
			if (rc->follows)
				return SL_RESULT_DONE;
			/* As BIND: a zone that takes no updates refuses them. */
			if (SL_FLAGS_OPCODE(msg->hdr.flags) == SL_OPCODE_UPDATE)
				return fail(req, SL_RCODE_REFUSED, 18, "updates not enabled for the zone");
			if (SL_FLAGS_OPCODE(msg->hdr.flags) != SL_OPCODE_QUERY)
				return fail(req, SL_RCODE_NOTIMP, -1, NULL);
			return fail(req, SL_RCODE_SERVFAIL, 0, "no plugin in the zone answered");
		}
		if (result != SL_RESULT_FOLLOW)
			return result;
		if (++rc->follows > SL_MAX_FOLLOW || sl_name_check(req->follow, SL_NAME_MAXLEN) < 0)
			return SL_RESULT_DONE;
		req->qname = req->follow;
	}
}

/* Why a signed message was refused, at debug level only: the log is no amplifier. */
static void log_tsig_failure(const sl_tsig_ctx_t *tsig, uint16_t rcode, const sl_query_in_t *in)
{
	static const char *const errors[] = { [SL_TSIG_BADSIG] = "BADSIG", [SL_TSIG_BADKEY] = "BADKEY",
					      [SL_TSIG_BADTIME] = "BADTIME",
					      [SL_TSIG_BADTRUNC] = "BADTRUNC" };
	char key[SL_NAME_TEXT_MAX], addr[INET6_ADDRSTRLEN] = "?";
	const void *a = NULL;

	if (!sl_log_enabled(SL_LOG_DEBUG))
		return;
	if (in->remote && in->remote->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)in->remote)->sin_addr;
	else if (in->remote && in->remote->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)in->remote)->sin6_addr;
	if (a)
		inet_ntop(in->remote->sa_family, a, addr, sizeof(addr));
	if (sl_name_to_text(tsig->key_name, key, sizeof(key)) < 0)
		key[0] = '\0';
	sl_log(SL_LOG_DEBUG, "TSIG from %s, key \"%s\": %s", addr, key,
	       rcode == SL_RCODE_FORMERR ? "malformed (FORMERR)"
	       : tsig->error < sizeof(errors) / sizeof(errors[0]) && errors[tsig->error]
		       ? errors[tsig->error] : "refused");
}

static uint16_t udp_limit(const sl_runtime_t *rt, const sl_msg_t *msg)
{
	if (!msg->edns.present)
		return SL_UDP_CLASSIC_MAX;
	/* sl_msg_parse() already raised payloads below 512 (RFC 6891 §6.2.5). */
	uint16_t payload = msg->edns.payload;
	return payload < rt->conf.udp_payload ? payload : rt->conf.udp_payload;
}

/*
 * Checks the query's server cookie (setting server_valid for the plugins)
 * and writes the COOKIE option to answer with into @p out. A valid cookie
 * under half an hour old goes back unchanged, as RFC 9018 §4.3 allows, so a
 * client keeps one cookie across the servers that share our secret.
 * @return the option length, 0 to send none (no hash for this address)
 */
static uint8_t answer_cookie(const sl_runtime_t *rt, const sl_query_in_t *in, sl_cookie_t *c,
			     uint8_t out[8 + SL_SERVER_COOKIE_LEN])
{
	sl_cookie_verdict_t verdict = SL_COOKIE_INVALID;

	if (c->server_len)
		verdict = sl_cookie_check(in->cookie_mac, rt->conf.cookie_secret, c, in->remote,
					  in->now);
	c->server_valid = verdict != SL_COOKIE_INVALID;
	memcpy(out, c->client, 8);
	if (verdict == SL_COOKIE_VALID)
		memcpy(out + 8, c->server, SL_SERVER_COOKIE_LEN);
	else if (sl_cookie_make(in->cookie_mac, rt->conf.cookie_secret, c->client, in->remote,
				in->now, out + 8) != SL_OK)
		return 0;
	return 8 + SL_SERVER_COOKIE_LEN;
}

size_t sl_process(const sl_runtime_t *rt, const sl_query_in_t *in, sl_arena_t *arena,
		  uint8_t *out, size_t outcap)
{
	sl_msg_t msg;
	sl_resp_t resp;
	sl_request_core_t rc;
	sl_request_t *req = &rc.pub;
	sl_ran_chains_t ran;
	uint8_t cookie[8 + SL_SERVER_COOKIE_LEN];
	sl_resp_opt_t opt;
	sl_tsig_ctx_t tsig;
	uint16_t tsig_rcode = SL_RCODE_NOERROR;

	/* Never answer a response (QR=1) or something without a header. */
	if (in->len < SL_HEADER_LEN || (in->wire[2] & 0x80))
		return 0;
	int parsed = sl_msg_parse(in->wire, in->len, &msg);
	if (parsed != SL_OK && msg.rcode == 0)
		return 0;
	sl_arena_reset(arena);

	sl_request_core_init(&rc);
	ran.n = 0;
	rc.rt = rt;
	rc.ran = &ran;
	rc.worker = in->worker;
	rc.in = in;
	rc.opt = &opt;
	rc.tsig = &tsig;
	req->query = &msg;
	req->transport = in->transport;
	req->remote = in->remote;
	req->remote_len = in->remote_len;
	req->local = in->local;
	req->local_len = in->local_len;
	req->worker_id = in->worker_id;
	req->qname = msg.qname;
	req->qtype = msg.qtype;
	req->qclass = msg.qclass;
	req->resp = &resp;
	req->arena = arena;

	/* What the OPT will carry decides how much room to reserve for it. */
	memset(&opt, 0, sizeof(opt));
	opt.payload = rt->conf.udp_payload;
	opt.do_bit = msg.edns.do_bit;
	opt.keepalive = -1;
	opt.ede_code = -1;
	if (msg.edns.present && msg.edns.nsid && rt->nsid_len) {
		opt.nsid = rt->nsid;
		opt.nsid_len = rt->nsid_len;
	}
	if (msg.edns.present && msg.edns.ecs.present)
		opt.ecs = &msg.edns.ecs;
	if (msg.edns.present && msg.edns.cookie.present && rt->conf.cookies && in->cookie_mac) {
		opt.cookie_len = answer_cookie(rt, in, &msg.edns.cookie, cookie);
		opt.cookie = opt.cookie_len ? cookie : NULL;
	}
	if (msg.edns.present && msg.edns.keepalive && in->transport == SL_TRANSPORT_TCP) {
		double t = rt->conf.tcp.idle_timeout * 10;
		opt.keepalive = t > 65535 ? 65535 : (int)t;
	}
	/* Reserve the OPT and a short EDE so an error explanation always fits. */
	size_t reserve = 0;
	if (msg.edns.present) {
		opt.ede_code = 0;
		opt.ede_text = NULL;
		reserve = sl_resp_opt_size(&opt);
		opt.ede_code = -1;
	}
	size_t limit = in->transport == SL_TRANSPORT_UDP ? udp_limit(rt, &msg) : SL_MSG_MAXLEN;
	if (limit > outcap)
		limit = outcap;
	/*
	 * TSIG (RFC 8945) is verified before anything else looks at the
	 * message, for every opcode and transport; the signed answer's TSIG RR
	 * is kept out of the builder's room so that it always fits.
	 */
	tsig.present = false;
	tsig.key = NULL;
	if (parsed == SL_OK && msg.tsig_pos) {
		tsig_rcode = sl_tsig_verify(rt->tsig_keys, rt->ntsig_keys, &msg, in->now, &tsig);
		if (tsig_rcode == SL_RCODE_FORMERR)
			tsig.present = false; /* a malformed TSIG is answered unsigned */
	}
	size_t tsig_room = tsig.present ? sl_tsig_size(&tsig) : 0;
	rc.limit = limit;
	if (tsig_room >= limit ||
	    sl_resp_init(&resp, out, outcap, limit - tsig_room, reserve, &msg) != SL_OK)
		return 0;

	sl_result_t result;
	if (parsed != SL_OK) {
		result = fail(req, SL_RCODE_FORMERR, msg.ede ? msg.ede : -1, msg.error);
	} else if (tsig_rcode != SL_RCODE_NOERROR) {
		log_tsig_failure(&tsig, tsig_rcode, in);
		result = fail(req, tsig_rcode, -1, NULL);
	} else {
		if (tsig.present && tsig.key) {
			req->auth = SL_AUTH_TSIG;
			req->auth_name = tsig.key->name;
		}
		result = run_pipeline(rt, &rc);
	}
	/* A deferred request is answered later (sl_deferred_finish()), hooks aside. */
	if (result == SL_RESULT_ASYNC && rc.deferred) {
		sl_stream_release(&rc.stream);
		if (in->deferred_out)
			*in->deferred_out = true;
		return 0;
	}
	if (result == SL_RESULT_ASYNC)
		result = fail(req, SL_RCODE_SERVFAIL, 0, "plugin deferred no request");
	rc.result = result;
	/* An error is header-only; shaped before the response hooks, which see it as sent
	 * (so that, e.g., a rate limiter's slip can set TC on it). */
	if (result == SL_RESULT_ERROR) {
		sl_resp_reset(&resp); /* also clears AA and TC */
		sl_resp_set_rcode(&resp, req->rcode);
	}
	if (result != SL_RESULT_DROP && run_response_hooks(&ran, req) == SL_RESULT_DROP)
		result = SL_RESULT_DROP;
	if (result == SL_RESULT_DROP) {
		sl_stream_release(&rc.stream);
		return 0;
	}
	if (result == SL_RESULT_ERROR) {
		opt.ede_code = req->ede_code;
		opt.ede_text = req->ede_text;
	} else if (req->ede_code >= 0) {
		opt.ede_code = req->ede_code;
		opt.ede_text = req->ede_text;
	}
	if (opt.ecs) {
		/* The scope is the plugins' to raise; never beyond the source prefix. */
		msg.edns.ecs.scope_prefix = req->ecs_scope < msg.edns.ecs.source_prefix
						    ? req->ecs_scope : msg.edns.ecs.source_prefix;
	}
	int len = sl_resp_finish(&resp, msg.edns.present ? &opt : NULL);
	if (len > 0 && tsig.present)
		len = sl_tsig_sign(&tsig, out, (size_t)len, limit, in->now);
	/* Only a successful TCP answer may continue as a stream; a signed one signs every message. */
	if (rc.stream.next) {
		if (len > 0 && result == SL_RESULT_DONE && in->transport == SL_TRANSPORT_TCP &&
		    in->stream_out && (!tsig.present || sl_tsig_stream_wrap(&rc.stream, &tsig) == SL_OK))
			*in->stream_out = rc.stream;
		else
			sl_stream_release(&rc.stream);
	}
	return len > 0 ? (size_t)len : 0;
}

void sl_stream_release(sl_stream_t *stream)
{
	if (stream->free)
		stream->free(stream->state);
	memset(stream, 0, sizeof(*stream));
}

bool sl_process_stream(sl_stream_t *stream, const uint8_t *query, size_t qlen, uint8_t *out,
		       size_t outcap, size_t *outlen)
{
	sl_msg_t msg;
	sl_resp_t resp;
	size_t limit = outcap < SL_MSG_MAXLEN ? outcap : SL_MSG_MAXLEN;

	*outlen = 0;
	if (!stream->next)
		return false;
	/* A signed transfer signs every message, each MAC chaining the last (RFC 8945 §5.3.1). */
	sl_tsig_ctx_t *tsig = sl_tsig_stream_ctx(stream);
	size_t tsig_room = tsig ? sl_tsig_size(tsig) : 0;
	/* The query parsed when the stream started; it is our own copy. */
	if (sl_msg_parse(query, qlen, &msg) != SL_OK || tsig_room >= limit ||
	    sl_resp_init(&resp, out, outcap, limit - tsig_room, 0, &msg) != SL_OK) {
		sl_stream_release(stream);
		return false;
	}
	sl_resp_set_flags(&resp, SL_FLAG_AA);
	int more = stream->next(stream->state, &resp);
	if (more < 0) {
		sl_stream_release(stream);
		return false;
	}
	int len = sl_resp_finish(&resp, NULL);
	if (len > 0 && tsig)
		len = sl_tsig_sign(tsig, out, (size_t)len, limit, (uint64_t)time(NULL));
	*outlen = len > 0 ? (size_t)len : 0;
	if (more == 0 || len <= 0) {
		sl_stream_release(stream);
		return false;
	}
	return true;
}

/* ---- the request: core state and what plugins may ask of it ------------- */

void sl_request_core_init(sl_request_core_t *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->pub.ede_code = -1;
}

sl_worker_t *sl_request_worker(const sl_request_t *req)
{
	return sl_request_core_const(req)->worker;
}

unsigned sl_request_follows(const sl_request_t *req)
{
	return sl_request_core_const(req)->follows;
}

sl_result_t sl_request_result(const sl_request_t *req)
{
	return sl_request_core_const(req)->result;
}

int sl_request_set_stream(sl_request_t *req, const sl_stream_t *stream)
{
	sl_request_core_t *rc = sl_request_core(req);

	if (!stream || !stream->next || !stream->free)
		return SL_EINVAL;
	if (req->transport != SL_TRANSPORT_TCP)
		return SL_ENOTSUP;
	sl_stream_release(&rc->stream);
	rc->stream = *stream;
	return SL_OK;
}

/* What a foreign chain may change and must give back when it does not answer. */
struct chase_undo {
	sl_resp_mark_t mark;
	uint16_t flags, rcode;
	uint16_t req_rcode;
	int ede_code;
	const char *ede_text;
	sl_answer_kind_t kind;
	const uint8_t *kind_name;
	uint8_t ecs_scope;
};

static void chase_save(const sl_request_t *req, struct chase_undo *u)
{
	sl_resp_mark(req->resp, &u->mark);
	u->flags = req->resp->flags;
	u->rcode = req->resp->rcode;
	u->req_rcode = req->rcode;
	u->ede_code = req->ede_code;
	u->ede_text = req->ede_text;
	u->kind = req->kind;
	u->kind_name = req->kind_name;
	u->ecs_scope = req->ecs_scope;
}

static void chase_restore(sl_request_t *req, const struct chase_undo *u)
{
	sl_resp_rollback(req->resp, &u->mark);
	req->resp->flags = u->flags;
	req->resp->rcode = u->rcode;
	req->rcode = u->req_rcode;
	req->ede_code = u->ede_code;
	req->ede_text = u->ede_text;
	req->kind = u->kind;
	req->kind_name = u->kind_name;
	req->ecs_scope = u->ecs_scope;
}

sl_result_t sl_request_chase(sl_request_t *req, const uint8_t *target, bool in_zone)
{
	sl_request_core_t *rc = sl_request_core(req);
	const sl_zone_entry_t *zone;
	const sl_chain_t *chain;
	size_t end;
	bool foreign;

	/* Another zone's chain never chases further: its zone data is not ours to serve. */
	if (!rc->rt || rc->foreign)
		return SL_RESULT_PASS;
	if (in_zone && rc->zone_entry && !rc->zone_entry->has_subzones)
		zone = rc->zone_entry;
	else
		zone = select_zone(rc->rt, target, req->qtype);
	if (!zone)
		return SL_RESULT_PASS; /* outside our zones: the resolver asks elsewhere */
	foreign = zone != rc->zone_entry;
	/* Same zone: only the instances placed before the data source have not seen it. */
	chain = foreign ? &zone->chain : rc->chain;
	end = foreign ? zone->chain.n : rc->index;
	if (!end)
		return SL_RESULT_PASS;

	const uint8_t *qname = req->qname, *zone_name = req->zone_name;
	const struct sl_zone *zstore = req->zone;
	const sl_zone_entry_t *zone_entry = rc->zone_entry;
	const sl_chain_t *running = rc->chain;
	size_t index = rc->index;
	struct chase_undo undo;

	if (foreign)
		chase_save(req, &undo);
	req->qname = target;
	req->zone_name = zone->name;
	req->zone = zone->zone;
	rc->zone_entry = zone;
	rc->foreign = foreign;
	sl_result_t result = run_chain(chain, end, rc);
	rc->foreign = false;
	rc->chain = running;
	rc->index = index;
	rc->zone_entry = zone_entry;
	req->qname = qname;
	req->zone_name = zone_name;
	req->zone = zstore;
	/* Another zone that refuses or drops the target only leaves it unanswered here. */
	if (foreign && (result == SL_RESULT_ERROR || result == SL_RESULT_DROP)) {
		chase_restore(req, &undo);
		result = SL_RESULT_PASS;
	}
	return result;
}
