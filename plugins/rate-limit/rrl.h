/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * rate-limit: the parts that do not depend on the plugin host, so that the
 * unit tests can drive them with a fake clock (tests/unit/rate-limit/).
 *
 *   - classification: which RRL class a final response belongs to and which
 *     name it is accounted by (Vixie/Schryver RRL, as BIND and NSD do it);
 *   - the key: a keyed hash of (client prefix, class, qtype or rcode, name);
 *   - the table: a fixed array of 64-byte sets of three token buckets,
 *     allocated once, shared by every worker (a spin lock per set, held for
 *     a handful of instructions), never allocating on the query path;
 *   - the bucket arithmetic: GCRA (the "virtual scheduling" form of a token
 *     bucket): one 64-bit "theoretical arrival time" per bucket, so a bucket
 *     never needs a refill step and a limited response costs nothing;
 *   - the log limiter: at most one line per client prefix per interval, and
 *     at most RRL_LOG_MAX lines per interval in all.
 */
#ifndef SL_RATE_LIMIT_RRL_H
#define SL_RATE_LIMIT_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <sluice/plugin.h>

/** What a bucket accounts: the RRL response classes, then the request budgets. */
typedef enum rrl_class {
	RRL_POSITIVE = 0, /**< positive answer: by QNAME and QTYPE */
	RRL_WILDCARD,     /**< wildcard synthesis: by the wildcard's owner */
	RRL_NODATA,       /**< NODATA: by the zone apex */
	RRL_NXDOMAIN,     /**< NXDOMAIN: by the zone apex */
	RRL_REFERRAL,     /**< referral: by the delegation point */
	RRL_ERROR,        /**< error rcode: by the rcode (and zone, when one was selected) */
	RRL_RESPONSE_CLASSES,
	RRL_Q_ANY = RRL_RESPONSE_CLASSES, /**< request budget: QTYPE ANY */
	RRL_Q_TRANSFER,   /**< request budget: AXFR and IXFR attempts */
	RRL_Q_UPDATE,     /**< request budget: UPDATE messages */
	RRL_CLASSES,
} rrl_class_t;

/** Lower-case name of a class ("positive", "nxdomain", "any", ...). */
const char *rrl_class_name(rrl_class_t cls);

/** What a response is accounted as. */
typedef struct rrl_what {
	rrl_class_t cls;     /**< its class */
	const uint8_t *name; /**< wire name the bucket is per, or NULL (no zone: an error outside our zones) */
	uint16_t qtype;      /**< RRL_POSITIVE: the QTYPE; 0 otherwise */
	uint16_t rcode;      /**< RRL_ERROR: the rcode; 0 otherwise */
} rrl_what_t;

/**
 * Classifies the final response to @p req, given the chains' @p result
 * (sl_request_result(): ERROR, DONE, FOLLOW or PASS). Uses req->kind and
 * req->kind_name as the answer code reported them; the original QNAME for
 * positive answers (what the client asked, whatever chain followed); the
 * response's rcode and counts when a plugin left kind unset.
 * @return false when the response is not rate limited (zone transfers)
 */
bool rrl_classify(const sl_request_t *req, sl_result_t result, rrl_what_t *out);

/**
 * The client prefix of @p sa (sockaddr_in, sockaddr_in6; an IPv4-mapped
 * IPv6 address counts as IPv4) masked to @p v4 or @p v6 bits.
 * @return false for NULL, a short length or another family
 */
bool rrl_prefix(const struct sockaddr *sa, socklen_t len, unsigned v4, unsigned v6,
		sl_prefix_t *out);

/** Writes "192.0.2.0/24" or "2001:db8::/56" to @p buf (at least 64 octets). */
void rrl_prefix_text(const sl_prefix_t *p, char *buf, size_t size);

/** A shared bucket table (opaque). */
typedef struct rrl_table rrl_table_t;

/**
 * Allocates a table of at least @p entries buckets (rounded up to a power
 * of two number of three-bucket sets), keyed with @p k0, @p k1 (random in
 * the plugin, fixed in tests), with one reference.
 * @return the table, or NULL on ENOMEM
 */
rrl_table_t *rrl_table_new(size_t entries, uint64_t k0, uint64_t k1);

/** Takes a reference (reload hand-over). */
void rrl_table_ref(rrl_table_t *t);

/** Drops a reference; the last one frees the table. NULL is ignored. */
void rrl_table_unref(rrl_table_t *t);

/** Number of buckets the table holds. */
size_t rrl_table_entries(const rrl_table_t *t);

/** Bytes the table occupies. */
size_t rrl_table_bytes(const rrl_table_t *t);

/**
 * The key of a bucket: SipHash-1-3 under the table's key over the prefix,
 * the class, the QTYPE or rcode and the lower-cased name. Never 0.
 */
uint64_t rrl_key(const rrl_table_t *t, const sl_prefix_t *prefix, const rrl_what_t *what);

/** A rate in the form the buckets use. */
typedef struct rrl_limit {
	uint64_t interval_ns;  /**< time one response costs: 1 s / rate; 0 = unlimited */
	uint64_t tolerance_ns; /**< how far ahead of now a bucket may run: (burst - 1) intervals */
} rrl_limit_t;

/** Maximum rate and burst the plugin accepts. */
#define RRL_RATE_MAX 1000000
#define RRL_BURST_MAX 1000000

/**
 * Sets @p lim to @p rate responses per second with a bucket of @p burst
 * (at least 1; @p rate 0 = unlimited). A full bucket answers @p burst at
 * once, then one every 1/@p rate seconds.
 */
void rrl_limit_init(rrl_limit_t *lim, uint32_t rate, uint32_t burst);

/**
 * Accounts one response to bucket @p key at time @p now_ns (monotonic).
 * Finds or claims the bucket (a new one starts full; when its set is full
 * it replaces the bucket that has refilled most, i.e. lost the least). A
 * conforming response takes one token; a limited one takes nothing.
 * @param streak  set when limited: the number of limited responses of this
 *                bucket since it last conformed, 1 for the first (for slip)
 * @return true when the response conforms, false when it is over the limit
 */
bool rrl_account(rrl_table_t *t, uint64_t key, const rrl_limit_t *lim, uint64_t now_ns,
		 uint32_t *streak);

/**
 * True when the bucket for @p streak should slip (answer TC=1, no data)
 * rather than drop: every @p slip-th limited response; 0 = never.
 */
static inline bool rrl_slips(uint32_t streak, unsigned slip)
{
	return slip != 0 && streak % slip == 0;
}

/** Most log lines per interval in all, whatever the number of prefixes. */
#define RRL_LOG_MAX 64

/** What rrl_log_permit() decided. */
typedef enum rrl_log_verdict {
	RRL_LOG_NO = 0,   /**< this prefix was logged this interval, or the cap was reached earlier */
	RRL_LOG_YES,      /**< log a line for this prefix */
	RRL_LOG_LAST,     /**< log it, and say that more prefixes will not be logged this interval */
} rrl_log_verdict_t;

/**
 * The log limiter: whether a limited response from @p prefix may be logged
 * at @p now_s (seconds, monotonic) with @p interval seconds between lines
 * for one prefix. Lock-free; the prefix slots are a fixed direct-mapped
 * array, so two prefixes sharing a slot may each be logged a little more
 * often, never less than once per interval.
 */
rrl_log_verdict_t rrl_log_permit(rrl_table_t *t, const sl_prefix_t *prefix, uint32_t now_s,
				 uint32_t interval);

#endif
