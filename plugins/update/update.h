/*
 * The update plugin (RFC 2136 dynamic updates, RFC 3007 policy): shared
 * declarations. update.c is the plugin (options, the handler on the
 * workers), policy.c the RFC 3007 rules, check.c what can be judged from
 * the message alone (RFC 2136 §3.2 and §3.4.1 prescans), apply.c what needs
 * the zone (prerequisites, the update section, the SOA serial) inside a
 * transaction, writer.c the zone's writer thread and its queue.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_PLUGIN_UPDATE_H
#define SL_PLUGIN_UPDATE_H

#include <pthread.h>
#include <sluice/plugin.h>
#include <sluice/zone.h>

/** How a policy rule matches the owner of an update RR (RFC 3007, BIND's update-policy). */
typedef enum upd_match {
	UPD_MATCH_NAME = 0,  /**< the owner equals the rule's name */
	UPD_MATCH_SUBDOMAIN, /**< the owner is the rule's name or below it */
	UPD_MATCH_WILDCARD,  /**< the rule's name is "*.parent": the owner is strictly below parent */
	UPD_MATCH_SELF,      /**< the owner equals the signer's name (TSIG key or SIG(0) signer) */
} upd_match_t;

/** One policy rule. */
typedef struct upd_rule {
	bool deny;                       /**< "action": "deny" */
	bool unsigned_only;              /**< matches unsigned requests ("key": null / "unsigned": true) */
	uint8_t key[SL_NAME_MAXLEN];     /**< the identity matched (lower case), when !unsigned_only */
	upd_match_t match;               /**< how the owner is matched */
	uint8_t name[SL_NAME_MAXLEN];    /**< the name ("*.parent" for wildcard, the parent kept) */
	uint16_t *types;                 /**< types allowed; NULL: every type but SOA, NS and DNSSEC */
	size_t ntypes;                   /**< their number */
	bool any_type;                   /**< "ANY" listed: every type (DNSSEC still excluded) */
} upd_rule_t;

/** The policy: rules, first match wins, deny by default. */
typedef struct upd_policy {
	upd_rule_t *rules;               /**< rules in order */
	size_t nrules;                   /**< their number */
} upd_policy_t;

/** How the SOA serial moves when an update did not set it. */
typedef enum upd_serial {
	UPD_SERIAL_INCREMENT = 0, /**< +1 (RFC 1982 arithmetic) */
	UPD_SERIAL_UNIXTIME,      /**< the current Unix time, or +1 when that is not higher */
	UPD_SERIAL_DATESERIAL,    /**< YYYYMMDDnn, or +1 when that is not higher */
} upd_serial_t;

/**
 * Parses the "policy" array (a jansson json_t *) into @p policy, reporting
 * problems with sl_conf_error(). @return SL_OK, SL_ECONFIG or SL_ENOMEM
 */
int upd_policy_parse(sl_conf_t *conf, void *json, upd_policy_t *policy);

/** Frees what upd_policy_parse() built. */
void upd_policy_free(upd_policy_t *policy);

/**
 * Judges an UPDATE's update section against @p policy: every RR must be
 * granted by the first rule matching its identity, owner and type.
 * @p auth_name is the signer (NULL: unsigned). On refusal, @p why gets the
 * reason and the owner/type concerned, for the log.
 * @return true when allowed
 */
bool upd_policy_allows(const upd_policy_t *policy, const sl_msg_t *msg, const uint8_t *auth_name,
		       char *why, size_t whylen);

/** Most prerequisites one update may carry (more: REFUSED). */
#define UPD_MAX_PREREQS 1000

/**
 * The prescans of RFC 2136 that need no zone data: zone section (ZOCOUNT
 * and ZTYPE were checked by the core), prerequisite section (§3.2: TTL 0,
 * classes, RDLENGTH, owners in the zone) and update section (§3.4.1:
 * classes, types, TTLs, RDATA valid, owners in the zone), and the
 * DNSSEC types no update may touch (REFUSED). @p apex is the zone's.
 * When not NULL, @p rr gets the RR a failure is about (owner_len 0: none).
 * @return NOERROR, FORMERR, NOTZONE or REFUSED; *@p why a static reason
 */
uint16_t upd_prescan(const sl_msg_t *msg, const uint8_t *apex, const char **why, sl_rr_t *rr);

/** Result of applying one request inside a transaction. */
typedef struct upd_outcome {
	uint16_t rcode;         /**< NOERROR, a prerequisite rcode, or SERVFAIL/REFUSED */
	unsigned changes;       /**< RRs added or removed */
	bool serial_set;        /**< the update section set a higher SOA serial */
	bool txn_damaged;       /**< changes were partly made before a failure: abort the txn */
	const char *why;        /**< static reason for a failure, or NULL */
	uint8_t name[SL_NAME_MAXLEN]; /**< the owner a failed prerequisite is about ("" when none) */
	uint16_t type;          /**< and its type */
} upd_outcome_t;

/**
 * Evaluates the prerequisites (RFC 2136 §3.2) of @p msg against what @p txn
 * sees now, and when they hold, applies its update section (§3.4.2, with
 * its special rules) to @p txn. The message has passed upd_prescan().
 */
void upd_apply(sl_zone_txn_t *txn, const uint8_t *apex, const sl_msg_t *msg,
	       upd_outcome_t *out);

/**
 * Moves the SOA serial in @p txn past @p old (the serial before the
 * transaction) by @p policy when the transaction did not already raise it.
 * @p now is the Unix time. @return SL_OK, or an SL_E* code
 */
int upd_bump_serial(sl_zone_txn_t *txn, const uint8_t *apex, uint32_t old, upd_serial_t policy,
		    uint64_t now);

/** The SOA serial as @p txn sees it; false when the zone has no SOA. */
bool upd_txn_serial(sl_zone_txn_t *txn, const uint8_t *apex, uint32_t *serial);

/** RFC 1982: true when serial @p a is greater than @p b. */
static inline bool upd_serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/** The writer: a thread, a bounded queue, a zone. */
typedef struct upd_writer upd_writer_t;

/** Writer options. */
typedef struct upd_writer_conf {
	const uint8_t *apex;     /**< the zone */
	sl_instance_t *inst;     /**< for logging */
	size_t queue_max;        /**< requests waiting at most */
	size_t batch_max;        /**< requests committed together at most */
	upd_serial_t serial;     /**< serial policy */
} upd_writer_conf_t;

/** Starts the writer thread. @return the writer, or NULL (logged) */
upd_writer_t *upd_writer_start(const upd_writer_conf_t *conf);

/**
 * Queues a deferred UPDATE; @p client and @p key are texts for the log.
 * @return SL_OK (the writer will finish @p d), or SL_ELIMIT when the queue
 *         is full (the caller still owns @p d)
 */
int upd_writer_submit(upd_writer_t *w, sl_deferred_t *d, const char *client, const char *key);

/** Answers what is queued, stops the thread and frees the writer. NULL is ignored. */
void upd_writer_stop(upd_writer_t *w);

#endif /* SL_PLUGIN_UPDATE_H */
