/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance — answers A, AAAA and CNAME for configured names by where
 * the client is (MaxMind databases, explicit networks, EDNS Client Subnet)
 * and which pools are healthy, with weighted random choice among a pool's
 * members. Every other name and type goes to the next plugin in the zone's
 * chain (normally zonefile).
 *
 * The query path allocates nothing: the map, the pools and their RDATA are
 * built by create(), lookups use libmaxminddb's allocation-free calls, the
 * choice works on the stack, and health states are atomics written by the
 * health-check thread (geo_health.c).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sluice/answer.h>
#include <sluice/plugin.h>
#include "geo.h"

static void geo_destroy(void *state)
{
	geo_t *g = state;
	if (!g)
		return;
	geo_health_stop(g);
	geo_reload_stop(g);
	geo_conf_free(g);
	free(g->workers);
	free(g);
}

static int geo_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	geo_t *g = calloc(1, sizeof(*g));
	if (!g)
		return SL_ENOMEM;
	g->inst = inst;
	g->stop_fd = -1;
	int ret = geo_conf_load(g, conf);
	if (ret != SL_OK)
		goto fail;
	g->nworkers = sl_instance_workers(inst);
	if (g->nworkers == 0)
		g->nworkers = 1;
	g->workers = aligned_alloc(64, g->nworkers * sizeof(*g->workers));
	if (!g->workers) {
		ret = sl_conf_error(conf, NULL, "out of memory");
		goto fail;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(g->workers, 0, g->nworkers * sizeof(*g->workers));
	for (unsigned i = 0; i < g->nworkers; i++)
		geo_rng_seed(&g->workers[i].rng, ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^
						 ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL));
	g->c_answers = sl_stats_counter(inst, "answers");
	g->c_nodata = sl_stats_counter(inst, "nodata");
	g->c_cname = sl_stats_counter(inst, "cname");
	g->c_failopen = sl_stats_counter(inst, "failopen");
	g->c_nomatch = sl_stats_counter(inst, "nomatch");
	geo_health_update_pools(g, false);
	if (!sl_conf_dry_run(conf))
		{
		const geo_db_t *db = atomic_load(&g->db);
		sl_instance_log(inst, SL_LOG_INFO,
				"%u names, %u pools, %u checked members%s%s%s", g->nnames,
				g->npools, g->ntargets, db ? ", database " : "",
				db ? db->path : "", g->ecs ? ", ECS on" : "");
	}
	*state = g;
	return SL_OK;
fail:
	geo_destroy(g);
	return ret;
}

static int geo_start(void *state)
{
	geo_t *g = state;
	if (geo_health_start(g) != SL_OK) {
		sl_instance_log(g->inst, SL_LOG_ERROR, "cannot start the health-check thread");
		return SL_EIO;
	}
	geo_reload_start(g);
	return SL_OK;
}

static void geo_adopt(void *state, void *old_state)
{
	geo_health_adopt(state, old_state);
}

/*
 * The address the answer is for: the ECS address when ECS is on and the
 * query carries one (NULL for a source prefix of 0: the client asked that
 * its address not be used), else the source address (IPv4-mapped IPv6 as
 * IPv4). @ss is the storage.
 */
static const struct sockaddr *client_addr(const geo_t *g, const sl_request_t *req,
					  struct sockaddr_storage *ss, bool *ecs)
{
	const sl_ecs_t *e = &req->query->edns.ecs;
	memset(ss, 0, sizeof(*ss));
	*ecs = g->ecs && e->present;
	if (*ecs) {
		if (e->source_prefix == 0)
			return NULL;
		if (e->family == 1) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ss;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, e->addr, 4);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, e->addr, 16);
		}
		return (const struct sockaddr *)ss;
	}
	if (!req->remote)
		return NULL;
	if (req->remote->sa_family == AF_INET && req->remote_len >= sizeof(struct sockaddr_in)) {
		memcpy(ss, req->remote, sizeof(struct sockaddr_in));
		return (const struct sockaddr *)ss;
	}
	if (req->remote->sa_family == AF_INET6 && req->remote_len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, req->remote, sizeof(sin6));
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ss;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, &sin6.sin6_addr.s6_addr[12], 4);
		} else {
			memcpy(ss, &sin6, sizeof(sin6));
		}
		return (const struct sockaddr *)ss;
	}
	return NULL;
}

static sl_result_t servfail(sl_request_t *req)
{
	req->rcode = SL_RCODE_SERVFAIL;
	req->kind = SL_ANSWER_ERROR;
	return SL_RESULT_ERROR;
}

/* Adds the chosen members of one type; TC when they do not all fit. */
static void add_members(geo_t *g, sl_request_t *req, const geo_name_t *name, uint16_t type,
			const geo_member_t *m, unsigned n)
{
	bool usable[GEO_MAX_MEMBERS];
	unsigned chosen[GEO_MAX_MEMBERS];
	unsigned up = 0;

	for (unsigned i = 0; i < n; i++) {
		usable[i] = m[i].target < 0 || atomic_load_explicit(&g->targets[m[i].target].up,
								    memory_order_relaxed);
		up += usable[i];
	}
	/* None of this type is up (the pool is up by another type): answer with all of them. */
	if (up == 0)
		for (unsigned i = 0; i < n; i++)
			usable[i] = true;
	unsigned k = geo_pick(&g->workers[req->worker_id % g->nworkers].rng, m, usable, n,
			      name->answers, chosen);
	for (unsigned i = 0; i < k; i++) {
		const geo_member_t *mm = &m[chosen[i]];
		if (sl_resp_add_rr(req->resp, req->qname, type, SL_CLASS_IN, name->ttl, mm->rdata,
				   mm->rdlen) != SL_OK) {
			sl_resp_set_flags(req->resp, SL_FLAG_TC);
			break;
		}
	}
}

static sl_result_t geo_query(void *state, sl_request_t *req)
{
	geo_t *g = state;
	struct sockaddr_storage ss;
	uint8_t scope = 0;
	bool ecs, failopen;

	if (SL_FLAGS_OPCODE(req->query->hdr.flags) != SL_OPCODE_QUERY ||
	    req->qclass != SL_CLASS_IN)
		return SL_RESULT_PASS;
	if (req->qtype != SL_TYPE_A && req->qtype != SL_TYPE_AAAA && req->qtype != SL_TYPE_CNAME &&
	    req->qtype != SL_TYPE_ANY)
		return SL_RESULT_PASS;
	const geo_name_t *name = geo_name_find(g, req->qname);
	if (!name)
		return SL_RESULT_PASS;

	const struct sockaddr *addr = client_addr(g, req, &ss, &ecs);
	geo_worker_t *w = &g->workers[req->worker_id % g->nworkers];
	geo_read_enter(w);
	const geo_rule_t *rule = geo_match(g, name, addr, &scope);
	geo_read_leave(w);
	/* RFC 7871 §7.2.1: the scope says how much of the address the answer depended on. */
	if (ecs && scope > req->ecs_scope)
		req->ecs_scope = scope;
	if (!rule) {
		sl_stats_add(g->inst, req, g->c_nomatch, 1);
		return SL_RESULT_PASS;
	}
	const geo_pool_t *pool = geo_pool_choose(g, rule, &failopen);
	if (failopen)
		sl_stats_add(g->inst, req, g->c_failopen, 1);

	if (sl_resp_section(req->resp, SL_SECTION_ANSWER) != SL_OK)
		return servfail(req);
	sl_resp_set_flags(req->resp, SL_FLAG_AA);

	if (pool->has_cname) {
		req->kind = SL_ANSWER_POSITIVE;
		sl_stats_add(g->inst, req, g->c_cname, 1);
		if (sl_resp_add_rr(req->resp, req->qname, SL_TYPE_CNAME, SL_CLASS_IN, name->ttl,
				   pool->cname, (uint16_t)sl_name_len(pool->cname)) != SL_OK) {
			sl_resp_set_flags(req->resp, SL_FLAG_TC);
			return SL_RESULT_DONE;
		}
		if (req->qtype == SL_TYPE_CNAME)
			return SL_RESULT_DONE;
		/* The core resolves the target: in our zones through their chains, else done. */
		memcpy(req->follow, pool->cname, sl_name_len(pool->cname));
		return SL_RESULT_FOLLOW;
	}

	uint16_t type = req->qtype;
	if (type == SL_TYPE_ANY) /* RFC 8482: one RRset is enough */
		type = pool->na ? SL_TYPE_A : SL_TYPE_AAAA;
	const geo_member_t *m = type == SL_TYPE_A ? pool->a : type == SL_TYPE_AAAA ? pool->aaaa
										  : NULL;
	unsigned n = type == SL_TYPE_A ? pool->na : type == SL_TYPE_AAAA ? pool->naaaa : 0;
	if (n == 0) {
		/* NODATA with the zone's SOA (RFC 2308); without one when the zone has no data. */
		(void)sl_answer_negative(req, NULL, SL_ANSWER_NODATA);
		sl_stats_add(g->inst, req, g->c_nodata, 1);
		return SL_RESULT_DONE;
	}
	req->kind = SL_ANSWER_POSITIVE;
	add_members(g, req, name, type, m, n);
	sl_stats_add(g->inst, req, g->c_answers, 1);
	return SL_RESULT_DONE;
}

SL_PLUGIN_DEFINE(
	.name = "geo-loadbalance",
	.version = "1.0.0",
	.summary = "answers A/AAAA/CNAME by client location (GeoIP, networks, ECS) and pool "
		   "health, weighted",
	.scope = SL_SCOPE_ZONE,
	.phase = SL_PHASE_DATA,
	.create = geo_create,
	.destroy = geo_destroy,
	.start = geo_start,
	.adopt = geo_adopt,
	.query = geo_query,
);
