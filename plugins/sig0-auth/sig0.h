/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sig0-auth internals: the parts of SIG(0) (RFC 2931) verification that
 * need no plugin host, so the unit tests drive them directly.
 *
 *  - sig0_wire.c: finding the SIG(0) RR in a message, its fields, the time
 *    window, key tags and key usability;
 *  - sig0_crypto.c: turning KEY/DNSKEY public keys into OpenSSL keys and
 *    verifying the signature over the signed data;
 *  - sig0_guard.c: the replay cache and the per-worker verification budget.
 */
#ifndef SIG0_H
#define SIG0_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sluice/sluice.h>

/** DNSSEC algorithm numbers this plugin verifies (RFC 8624 "MUST"/"RECOMMENDED"). */
enum sig0_alg {
	SIG0_ALG_RSASHA256 = 8,        /**< RFC 5702; keys of at least 2048 bits */
	SIG0_ALG_ECDSAP256SHA256 = 13, /**< RFC 6605 */
	SIG0_ALG_ECDSAP384SHA384 = 14, /**< RFC 6605 */
	SIG0_ALG_ED25519 = 15,         /**< RFC 8080 */
	SIG0_ALG_ED448 = 16,           /**< RFC 8080 */
};

/** Smallest RSA modulus accepted, in bits. */
#define SIG0_RSA_MIN_BITS 2048
/** Largest RSA modulus accepted, in bits (bounds the cost of one verification). */
#define SIG0_RSA_MAX_BITS 4096

/** Why a SIG(0) message was not accepted (also the log's reason text). */
typedef enum sig0_status {
	SIG0_NONE = 0,        /**< no SIG(0) in the message */
	SIG0_OK,              /**< found and well formed (sig0_find) / verified */
	SIG0_E_FORMAT,        /**< SIG RR malformed, not last, not alone, or not covering 0 */
	SIG0_E_ALG,           /**< algorithm not supported */
	SIG0_E_TIME,          /**< outside inception/expiration +- fudge */
	SIG0_E_NOKEY,         /**< no usable KEY with that name, tag and algorithm */
	SIG0_E_CANDIDATES,    /**< more candidate keys than allowed */
	SIG0_E_BADSIG,        /**< signature does not verify */
	SIG0_E_REPLAY,        /**< signature seen before */
	SIG0_E_BUDGET,        /**< verification budget exhausted */
	SIG0_E_RESOURCE,      /**< out of memory or replay cache full */
} sig0_status_t;

/** Short text for a status (for logs). */
const char *sig0_status_text(sig0_status_t st);

/** A SIG(0) RR located in a message; pointers into the message. */
typedef struct sig0_sig {
	size_t rr_pos;           /**< offset of the SIG RR's owner (end of the signed message part) */
	const uint8_t *rdata;    /**< SIG RDATA */
	uint16_t rdlen;          /**< its length */
	uint16_t sigdata_len;    /**< RDATA length without the signature field */
	uint8_t alg;             /**< algorithm */
	uint32_t expiration;     /**< signature expiration (seconds, serial arithmetic) */
	uint32_t inception;      /**< signature inception */
	uint16_t key_tag;        /**< key tag */
	uint8_t signer[SL_NAME_MAXLEN]; /**< signer name, lower-cased */
	const uint8_t *sig;      /**< the signature */
	uint16_t sig_len;        /**< its length */
} sig0_sig_t;

/**
 * Looks for a SIG(0) in the parsed message @p msg: any SIG RR in the
 * additional section. When one is there it must be the last RR of the
 * message, the only SIG, owned by the root, class ANY, TTL 0, type covered 0,
 * with an uncompressed signer name (RFC 2931 §3).
 * @return SIG0_NONE, SIG0_OK (fills @p out) or SIG0_E_FORMAT
 */
sig0_status_t sig0_find(const sl_msg_t *msg, sig0_sig_t *out);

/**
 * The time check (RFC 2931 §3): inception - fudge <= now <= expiration +
 * fudge, in serial-number arithmetic (RFC 1982) so it survives 2106.
 */
bool sig0_time_ok(const sig0_sig_t *sig, uint32_t now, uint32_t fudge);

/** The key tag of KEY/DNSKEY RDATA (RFC 4034 Appendix B; not algorithm 1). */
uint16_t sig0_key_tag(const uint8_t *rdata, size_t rdlen);

/**
 * Whether KEY (@p dnskey false, RFC 2535 §3.1 / RFC 3445) or DNSKEY (true,
 * a zone key, RFC 4034 §2.1) RDATA may authenticate a SIG(0) with
 * algorithm @p alg and tag @p tag: protocol 3, the algorithm, the tag; a KEY
 * whose flags forbid authentication (A/C bits 10 or 11), a DNSKEY without the
 * ZONE flag or with REVOKE set do not.
 */
bool sig0_key_matches(const uint8_t *rdata, size_t rdlen, bool dnskey, uint8_t alg, uint16_t tag);

/** Largest KEY/DNSKEY RDATA a key cache entry holds (RSA 4096 with a long exponent). */
#define SIG0_KEY_MAXLEN 540
/** Keys one cache (one worker) keeps imported. */
#define SIG0_KEYCACHE_SIZE 8

/**
 * Public keys already imported into OpenSSL (importing costs about as much
 * as verifying), one cache per worker thread: no lock. Matched on the whole
 * RDATA, so a changed KEY record is a different entry.
 */
typedef struct sig0_keycache {
	struct {
		uint8_t rdata[SIG0_KEY_MAXLEN]; /**< KEY/DNSKEY RDATA */
		uint16_t len;                   /**< its length; 0 = empty */
		void *pkey;                     /**< its EVP_PKEY */
	} slot[SIG0_KEYCACHE_SIZE];             /**< entries */
	unsigned next;                          /**< the slot replaced next (round robin) */
} sig0_keycache_t;

/** Frees every key a cache holds (and empties it). */
void sig0_keycache_clear(sig0_keycache_t *cache);

/**
 * Verifies the signature of @p sig (found in @p msg) with the public key in
 * KEY/DNSKEY @p key_rdata. The signed data is the SIG RDATA without the
 * signature, then the message as received up to the SIG RR with ARCOUNT
 * decreased by one (RFC 2931 §3.1). Ed25519/Ed448 need it in one piece:
 * it is assembled in @p arena. @p cache (may be NULL) keeps imported keys.
 * @return SIG0_OK, SIG0_E_BADSIG (also for a key OpenSSL rejects or an RSA
 *         key outside the size limits) or SIG0_E_RESOURCE
 */
sig0_status_t sig0_verify(const sl_msg_t *msg, const sig0_sig_t *sig, const uint8_t *key_rdata,
			  size_t key_rdlen, sl_arena_t *arena, sig0_keycache_t *cache);

/** Whether the algorithm is one sig0_verify() implements. */
bool sig0_alg_supported(uint8_t alg);

/* ---- replay cache --------------------------------------------------------- */

/** Bytes of a signature kept to recognise it. */
#define SIG0_REPLAY_ID 32

/** One remembered signature. */
typedef struct sig0_seen {
	uint8_t id[SIG0_REPLAY_ID]; /**< signature prefix (with key tag and alg mixed in) */
	uint32_t until;             /**< forget after (expiration + fudge); 0 = free slot */
} sig0_seen_t;

/**
 * Recently verified signatures, bounded: set-associative (4 ways), so a
 * lookup costs four comparisons. Entries stay until their signature can no
 * longer pass the time check; when all ways of a set are still live the
 * new signature is refused (fail closed), never an old one forgotten.
 */
typedef struct sig0_replay {
	pthread_mutex_t lock;  /**< workers share the cache */
	sig0_seen_t *slots;    /**< nsets * 4 entries */
	uint32_t nsets;        /**< a power of two */
} sig0_replay_t;

/** Sets up a cache for about @p entries signatures. @return SL_OK or SL_ENOMEM */
int sig0_replay_init(sig0_replay_t *rc, uint32_t entries);

/** Frees the cache. */
void sig0_replay_free(sig0_replay_t *rc);

/**
 * Records @p sig as seen until @p until (now as @p now).
 * @return SIG0_OK, SIG0_E_REPLAY (seen before) or SIG0_E_RESOURCE (set full)
 */
sig0_status_t sig0_replay_check(sig0_replay_t *rc, const sig0_sig_t *sig, uint32_t now,
				uint32_t until);

/* ---- per-worker verification budget ------------------------------------------- */

/**
 * One worker's budget: a token bucket (own cache line: no false sharing).
 * It refills continuously at the rate given to sig0_budget_take() and holds
 * at most the burst given there. For verifications the burst is
 * SIG0_BUDGET_BURST(rate), 20 ms of it: a flood spends the budget a little
 * at a time instead of in one burst at the start of each second, which
 * would stall the worker's other queries for the whole burst.
 */
typedef struct sig0_budget {
	uint64_t last;     /**< time of the last refill, microseconds (monotonic clock) */
	uint64_t tokens;   /**< available, in millionths of a take */
	uint8_t pad[64 - 2 * sizeof(uint64_t)]; /**< to 64 bytes */
} sig0_budget_t;

/** Most tokens a bucket holds: 20 ms of @p per_second, at least one take (0 for 0). */
#define SIG0_BUDGET_BURST(per_second) ((per_second) ? ((per_second) / 50 ? (per_second) / 50 : 1) : 0)

/**
 * Takes one from @p b at time @p now_us (microseconds, monotonic) with a
 * long-run limit of @p per_second (0 … 1000000) and at most @p burst at once
 * (at most @p per_second: one second refills it). A zeroed bucket starts full.
 * @return true when allowed
 */
bool sig0_budget_take(sig0_budget_t *b, uint64_t now_us, uint32_t per_second, uint32_t burst);

/** The monotonic clock in microseconds, for sig0_budget_take(). */
uint64_t sig0_now_us(void);

#endif /* SIG0_H */
