/*
 * Sluice query layer — the core's side of a request. Plugins see only the
 * public sl_request_t (<sluice/plugin.h>); what the pipeline keeps for
 * itself lives around it in sl_request_core_t, recovered from a plugin's
 * request pointer with sl_request_core(). Every request is built by
 * sl_process() (or sl_request_core_init() in unit tests), so the recovery
 * is always valid.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_REQUEST_H
#define SL_CORE_REQUEST_H

#include <stddef.h>
#include <sluice/plugin.h>
#include "runtime.h"

/** The chains that ran for one request, for the response hooks (each instance once). */
typedef struct sl_ran_chains {
	const sl_chain_t *chain[SL_MAX_FOLLOW + 2]; /**< distinct chains, in first-run order */
	size_t ran[SL_MAX_FOLLOW + 2];              /**< instances invoked in each (a prefix) */
	unsigned n;                                 /**< chains recorded */
} sl_ran_chains_t;

/** One request as the core holds it. */
typedef struct sl_request_core {
	sl_request_t pub;                   /**< what plugins see; must stay first */
	sl_worker_t *worker;                /**< worker thread, NULL in unit tests */
	unsigned follows;                   /**< SL_RESULT_FOLLOW hops taken */
	sl_result_t result;                 /**< final result, for the response hooks */
	sl_stream_t stream;                 /**< further messages (TCP), see sl_request_set_stream() */
	/* Where the chains stand, so that sl_request_chase() can offer a CNAME target. */
	const sl_runtime_t *rt;             /**< the runtime answering, NULL in unit tests */
	const sl_zone_entry_t *zone_entry;  /**< zone whose chain runs, NULL in the server chain */
	const sl_chain_t *chain;            /**< chain running now */
	size_t index;                       /**< instance of @p chain running now */
	sl_ran_chains_t *ran;               /**< chains that ran, for the response hooks */
	bool foreign;                       /**< offering a target to another zone's chain */
	/* What sl_request_defer() copies to answer later. */
	const struct sl_query_in *in;       /**< the query as the transport gave it; NULL in unit tests */
	const struct sl_resp_opt *opt;      /**< the OPT to answer with */
	const struct sl_tsig_ctx *tsig;     /**< the request's TSIG state */
	size_t limit;                       /**< the response size limit */
	struct sl_deferred *deferred;       /**< set by sl_request_defer() */
} sl_request_core_t;

/** The core's request around a plugin's request pointer. */
static inline sl_request_core_t *sl_request_core(sl_request_t *req)
{
	return (sl_request_core_t *)(void *)((char *)req - offsetof(sl_request_core_t, pub));
}

/** Read-only variant of sl_request_core(). */
static inline const sl_request_core_t *sl_request_core_const(const sl_request_t *req)
{
	return (const sl_request_core_t *)(const void *)((const char *)req -
							 offsetof(sl_request_core_t, pub));
}

/**
 * Zeroes @p rc and sets what every request needs (ede_code -1). Fields
 * that describe the query are the caller's to fill. For unit tests that
 * call sl_answer_query() without the pipeline: with no runtime, CNAME
 * targets are not offered to any plugin.
 */
void sl_request_core_init(sl_request_core_t *rc);

/**
 * Offers @p target, a CNAME or DNAME target the zone-store answer reached
 * for @p req, to the plugins that would see it were it asked directly: in
 * the zone whose chain runs, the instances before the one running now; in
 * another served zone, its whole chain in "foreign" mode (sl_answer_query()
 * passes there: a zone's data is not served for another zone's CNAME; and
 * an error or drop there only means the target was not answered). The
 * response and the writable request fields are left as they were unless an
 * instance answered. req->qname, req->zone_name and req->zone are restored.
 * @return SL_RESULT_PASS when nobody answered, else what the instance
 *         returned (DONE, or for the same zone also ERROR, DROP; FOLLOW)
 */
sl_result_t sl_request_chase(sl_request_t *req, const uint8_t *target, bool in_zone);

/** True while sl_request_chase() offers a target to another zone's chain. */
static inline bool sl_request_foreign(const sl_request_t *req)
{
	return sl_request_core_const(req)->foreign;
}

#endif /* SL_CORE_REQUEST_H */
