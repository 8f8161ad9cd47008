/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sig0-auth — verifies SIG(0)-signed messages (RFC 2931, RFC 3007) in a
 * zone's chain, before `update`. A verified message gets req->auth =
 * SL_AUTH_SIG0 and req->auth_name = the signer; a SIG(0) that fails any
 * check is REFUSED before anything else sees it; messages without SIG(0)
 * pass untouched. Keys come only from this server: the KEY RRset at the
 * signer name in the zone of the chain, K*.key files, and (zone_key) the
 * zone's DNSKEYs for the apex. Work is capped per message (candidate keys)
 * and per worker (verifications per second); see README.md.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sig0.h"

/** Most keys loaded from files per instance. */
#define MAX_FILE_KEYS 256
/** Log lines per second and worker about refused messages (the rest are counted). */
#define LOG_PER_SECOND 10

/** A key loaded from a K*.key file. */
typedef struct file_key {
	uint8_t owner[SL_NAME_MAXLEN]; /**< lower-cased owner */
	uint8_t *rdata;                /**< KEY RDATA (malloc) */
	uint16_t rdlen;                /**< its length */
} file_key_t;

/** Per-worker state, one cache line each. */
typedef struct worker_state {
	sig0_budget_t verify;   /**< verifications (max_verifications_per_second) */
	sig0_budget_t log;      /**< log lines (LOG_PER_SECOND) */
	uint64_t suppressed;    /**< log lines not written since the last one */
	sig0_keycache_t keys;   /**< keys this worker imported */
	uint8_t pad[64 - (sizeof(uint64_t) + sizeof(sig0_keycache_t)) % 64]; /**< to a cache line */
} worker_state_t;
_Static_assert(sizeof(worker_state_t) % 64 == 0, "worker_state_t: whole cache lines");

enum { C_VERIFIED, C_FAILED, C_OVER_BUDGET, C_REPLAY, C_TOO_MANY_KEYS, C_COUNT };
static const char *const counter_names[C_COUNT] = { "verified", "failed", "over_budget", "replay",
						     "too_many_keys" };

typedef struct sig0_state {
	sl_instance_t *inst;
	uint32_t fudge;
	uint32_t max_candidates;
	uint32_t max_per_second;
	bool zone_key;
	file_key_t *keys;
	size_t nkeys;
	sig0_replay_t replay;
	worker_state_t *workers;
	unsigned nworkers;
	int ctr[C_COUNT];
} sig0_state_t;

/* ---- configuration ------------------------------------------------------------ */

typedef struct key_load {
	sig0_state_t *st;
	sl_conf_t *conf;
	char key[32];
	int bad;
} key_load_t;

static int load_key_record(void *arg, const sl_zscan_record_t *rr)
{
	key_load_t *kl = arg;
	sig0_state_t *st = kl->st;

	if (rr->type != SL_TYPE_KEY) {
		kl->bad++;
		sl_conf_error(kl->conf, kl->key, "%s line %u: not a KEY record (make SIG(0) keys "
			      "with dnssec-keygen -T KEY or sluice-keys)", rr->file, rr->line);
		return 0;
	}
	if (rr->rdlen < 5 || !sig0_alg_supported(rr->rdata[3]) || rr->rdata[2] != 3 ||
	    (rr->rdata[0] & 0x80)) {
		kl->bad++;
		sl_conf_error(kl->conf, kl->key, "%s line %u: KEY unusable for SIG(0) (protocol "
			      "must be 3, flags must allow authentication, algorithm one of 8, 13, "
			      "14, 15, 16)", rr->file, rr->line);
		return 0;
	}
	if (st->nkeys >= MAX_FILE_KEYS) {
		kl->bad++;
		sl_conf_error(kl->conf, kl->key, "more than %d keys", MAX_FILE_KEYS);
		return SL_ELIMIT;
	}
	file_key_t *k = &st->keys[st->nkeys];
	k->rdata = malloc(rr->rdlen);
	if (!k->rdata)
		return SL_ENOMEM;
	memcpy(k->rdata, rr->rdata, rr->rdlen);
	k->rdlen = rr->rdlen;
	memcpy(k->owner, rr->owner, sl_name_len(rr->owner));
	sl_name_tolower(k->owner);
	st->nkeys++;
	return 0;
}

static void load_key_files(sig0_state_t *st, sl_conf_t *conf)
{
	const char *const *files;
	size_t n = 0;
	static const uint8_t root[1] = { 0 };

	if (sl_conf_strings(conf, "keys", false, &files, &n) != SL_OK || !n)
		return;
	st->keys = calloc(MAX_FILE_KEYS, sizeof(*st->keys));
	if (!st->keys) {
		sl_conf_error(conf, "keys", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		key_load_t kl = { .st = st, .conf = conf };
		sl_zscan_options_t opt;
		sl_error_t err;
		snprintf(kl.key, sizeof(kl.key), "keys[%zu]", i);
		const char *path = sl_conf_resolve_path(conf, files[i]);
		if (!path) {
			sl_conf_error(conf, kl.key, "out of memory");
			continue;
		}
		sl_zscan_options_init(&opt);
		opt.origin = root;
		opt.flags = SL_ZSCAN_NO_INCLUDE;
		opt.max_file_size = 64 * 1024;
		opt.max_records = MAX_FILE_KEYS;
		memset(&err, 0, sizeof(err));
		int rc = sl_zscan_parse_file(path, &opt, load_key_record, &kl, &err);
		if (rc != SL_OK && !kl.bad)
			sl_conf_error(conf, kl.key, "%s: %s", path,
				      err.msg[0] ? err.msg : sl_strerror(rc));
	}
}

static void sig0_destroy(void *state)
{
	sig0_state_t *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->nkeys; i++)
		free(st->keys[i].rdata);
	free(st->keys);
	sig0_replay_free(&st->replay);
	for (unsigned i = 0; st->workers && i < st->nworkers; i++)
		sig0_keycache_clear(&st->workers[i].keys);
	free(st->workers);
	free(st);
}

static int sig0_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	sig0_state_t *st = calloc(1, sizeof(*st));
	long long fudge, cand, rate, cache;
	int rc = SL_OK;

	if (!st)
		return SL_ENOMEM;
	st->inst = inst;
	*state = st;
	sl_conf_int(conf, "fudge", 0, 0x3FFFFFFF, 300, &fudge);
	sl_conf_int(conf, "max_candidate_keys", 1, 16, 2, &cand);
	sl_conf_int(conf, "max_verifications_per_second", 0, 1000000, 1000, &rate);
	sl_conf_int(conf, "replay_cache_size", 64, 1 << 24, 8192, &cache);
	sl_conf_bool(conf, "zone_key", false, &st->zone_key);
	st->fudge = (uint32_t)fudge;
	st->max_candidates = (uint32_t)cand;
	st->max_per_second = (uint32_t)rate;
	load_key_files(st, conf);
	for (int i = 0; i < C_COUNT && rc == SL_OK; i++) {
		st->ctr[i] = sl_stats_counter(inst, counter_names[i]);
		if (st->ctr[i] < 0)
			rc = sl_conf_error(conf, NULL, "cannot register counter %s: %s",
					   counter_names[i], sl_strerror(st->ctr[i]));
	}
	st->nworkers = sl_instance_workers(inst);
	if (!st->nworkers)
		st->nworkers = 1;
	st->workers = aligned_alloc(64, st->nworkers * sizeof(worker_state_t));
	if (!st->workers || sig0_replay_init(&st->replay, (uint32_t)cache) != SL_OK)
		rc = sl_conf_error(conf, NULL, "out of memory");
	else
		memset(st->workers, 0, st->nworkers * sizeof(worker_state_t));
	if (rc != SL_OK) {
		sig0_destroy(st); /* destroy() is not called after a failed create() */
		*state = NULL;
	}
	return rc;
}

/* ---- the handler ------------------------------------------------------------------- */

typedef struct candidates {
	const uint8_t *rdata[17];
	uint16_t rdlen[17];
	uint32_t n;
} candidates_t;

static void add_candidates(candidates_t *c, const sl_rrset_t *set, bool dnskey,
			   const sig0_sig_t *sig, uint32_t max)
{
	const uint8_t *rd = NULL;
	uint16_t len;

	if (!set)
		return;
	while ((rd = sl_rrset_next(set, rd, &len)) && c->n <= max) {
		if (!sig0_key_matches(rd, len, dnskey, sig->alg, sig->key_tag))
			continue;
		c->rdata[c->n] = rd;
		c->rdlen[c->n++] = len;
	}
}

/* The keys that may have made @p sig, at most max + 1 (enough to know there are too many). */
static void find_candidates(const sig0_state_t *st, const sl_request_t *req,
			    const sig0_sig_t *sig, candidates_t *c)
{
	const sl_zone_version_t *v = req->zone ? sl_zone_current(req->zone) : NULL;

	c->n = 0;
	if (v && req->zone_name && sl_name_is_subdomain(sig->signer, req->zone_name)) {
		const sl_node_t *node = sl_zone_find(v, sig->signer);
		if (node && !(node->flags & SL_NODE_NONAUTH)) {
			add_candidates(c, sl_node_rrset(node, SL_TYPE_KEY), false, sig,
				       st->max_candidates);
			if (st->zone_key && (node->flags & SL_NODE_APEX))
				add_candidates(c, sl_node_rrset(node, SL_TYPE_DNSKEY), true, sig,
					       st->max_candidates);
		}
	}
	for (size_t i = 0; i < st->nkeys && c->n <= st->max_candidates; i++) {
		const file_key_t *k = &st->keys[i];
		if (sl_name_equal(k->owner, sig->signer) &&
		    sig0_key_matches(k->rdata, k->rdlen, false, sig->alg, sig->key_tag)) {
			c->rdata[c->n] = k->rdata;
			c->rdlen[c->n++] = k->rdlen;
		}
	}
}

static worker_state_t *worker_of(sig0_state_t *st, const sl_request_t *req)
{
	return &st->workers[req->worker_id < st->nworkers ? req->worker_id : 0];
}

static void client_text(const sl_request_t *req, char *buf, size_t size)
{
	const struct sockaddr *sa = req->remote;

	snprintf(buf, size, "?");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)size);
}

/* Refuses the message, counts and logs (at most LOG_PER_SECOND lines a second per worker). */
static sl_result_t refuse(sig0_state_t *st, sl_request_t *req, const sig0_sig_t *sig,
			  sig0_status_t why, int counter, uint64_t now)
{
	worker_state_t *w = worker_of(st, req);

	sl_stats_add(st->inst, req, st->ctr[counter], 1);
	if (sl_log_enabled(SL_LOG_INFO)) {
		if (sig0_budget_take(&w->log, sig0_now_us(), LOG_PER_SECOND, LOG_PER_SECOND)) {
			char client[INET6_ADDRSTRLEN], signer[SL_NAME_TEXT_MAX];
			client_text(req, client, sizeof(client));
			if (!sig || sl_name_to_text(sig->signer, signer, sizeof(signer)) < 0)
				snprintf(signer, sizeof(signer), "?");
			sl_instance_log(st->inst, SL_LOG_INFO,
					"refused SIG(0) from %s: %s (signer %s, key %u, alg %u)"
					"%s%.0llu%s",
					client, sig0_status_text(why), signer,
					sig ? sig->key_tag : 0u, sig ? sig->alg : 0u,
					w->suppressed ? "; " : "",
					(unsigned long long)w->suppressed,
					w->suppressed ? " similar lines suppressed" : "");
			w->suppressed = 0;
		} else {
			w->suppressed++;
		}
	}
	req->rcode = SL_RCODE_REFUSED;
	req->ede_code = 18; /* Prohibited */
	req->ede_text = sig0_status_text(why);
	req->kind = SL_ANSWER_ERROR;
	return SL_RESULT_ERROR;
}

static sl_result_t sig0_query(void *state, sl_request_t *req)
{
	sig0_state_t *st = state;
	const sl_msg_t *msg = req->query;
	sig0_sig_t sig;
	candidates_t cand;

	if (req->auth != SL_AUTH_NONE || msg->tsig_pos)
		return SL_RESULT_PASS; /* TSIG is the core's; a SIG(0) is checked once */
	sig0_status_t found = sig0_find(msg, &sig);
	if (found == SIG0_NONE)
		return SL_RESULT_PASS;
	time_t t = time(NULL);
	uint64_t now = (uint64_t)t;
	if (found != SIG0_OK)
		return refuse(st, req, NULL, found, C_FAILED, now);
	if (!sig0_alg_supported(sig.alg))
		return refuse(st, req, &sig, SIG0_E_ALG, C_FAILED, now);
	if (!sig0_time_ok(&sig, (uint32_t)now, st->fudge))
		return refuse(st, req, &sig, SIG0_E_TIME, C_FAILED, now);
	find_candidates(st, req, &sig, &cand);
	if (!cand.n)
		return refuse(st, req, &sig, SIG0_E_NOKEY, C_FAILED, now);
	if (cand.n > st->max_candidates)
		return refuse(st, req, &sig, SIG0_E_CANDIDATES, C_TOO_MANY_KEYS, now);
	worker_state_t *w = worker_of(st, req);
	uint64_t now_us = sig0_now_us();
	sig0_status_t res = SIG0_E_BADSIG;
	for (uint32_t i = 0; i < cand.n && res != SIG0_OK; i++) {
		if (!sig0_budget_take(&w->verify, now_us, st->max_per_second,
				      SIG0_BUDGET_BURST(st->max_per_second)))
			return refuse(st, req, &sig, SIG0_E_BUDGET, C_OVER_BUDGET, now);
		res = sig0_verify(msg, &sig, cand.rdata[i], cand.rdlen[i], req->arena, &w->keys);
	}
	if (res != SIG0_OK)
		return refuse(st, req, &sig, res, C_FAILED, now);
	res = sig0_replay_check(&st->replay, &sig, (uint32_t)now, sig.expiration + st->fudge);
	if (res != SIG0_OK)
		return refuse(st, req, &sig, res, res == SIG0_E_REPLAY ? C_REPLAY : C_FAILED, now);
	size_t len = sl_name_len(sig.signer);
	uint8_t *name = sl_arena_alloc(req->arena, len);
	if (!name)
		return refuse(st, req, &sig, SIG0_E_RESOURCE, C_FAILED, now);
	memcpy(name, sig.signer, len);
	req->auth = SL_AUTH_SIG0;
	req->auth_name = name;
	sl_stats_add(st->inst, req, st->ctr[C_VERIFIED], 1);
	if (sl_log_enabled(SL_LOG_DEBUG)) {
		char client[INET6_ADDRSTRLEN], signer[SL_NAME_TEXT_MAX];
		client_text(req, client, sizeof(client));
		if (sl_name_to_text(sig.signer, signer, sizeof(signer)) < 0)
			snprintf(signer, sizeof(signer), "?");
		sl_instance_log(st->inst, SL_LOG_DEBUG, "SIG(0) from %s verified: signer %s, key %u",
				client, signer, sig.key_tag);
	}
	return SL_RESULT_PASS;
}

SL_PLUGIN_DEFINE(.name = "sig0-auth", .version = "1.0",
		 .summary = "verifies SIG(0)-signed messages (RFC 2931) with local KEYs, under "
			    "per-message and per-worker cost caps",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_AUTH, .create = sig0_create,
		 .destroy = sig0_destroy, .query = sig0_query);
