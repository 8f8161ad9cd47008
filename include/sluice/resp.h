/*
 * Sluice — the response builder.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Builds a response into a caller-supplied buffer without allocating.
 * Names are compressed in linear time: every name suffix written is entered
 * in a fixed-size hash table keyed by the suffix's lower-cased octets, so
 * each new name costs at most one lookup per label. Records are added whole
 * or not at all; when a record does not fit within the size limit the call
 * fails with SL_ESPACE and the message is unchanged, and the caller decides
 * between setting TC (answer/authority) and omitting it (additional).
 */
#ifndef SLUICE_RESP_H
#define SLUICE_RESP_H

#include <sluice/common.h>
#include <sluice/msg.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Slots in the compression table (a power of two). */
#define SL_RESP_COMP_SLOTS 2048

/** Octets reserved at the end of a message for the OPT RR and its options. */
#define SL_RESP_OPT_RESERVE 11

/** The response under construction. Treat the fields as read-only. */
typedef struct sl_resp {
	uint8_t *buf;                 /**< message buffer */
	size_t cap;                   /**< its capacity */
	size_t len;                   /**< bytes used */
	size_t limit;                 /**< the message may not grow beyond this */
	size_t reserve;               /**< bytes kept free below limit for OPT and options */
	uint16_t flags;               /**< header flags (written by sl_resp_finish()) */
	uint16_t rcode;               /**< full 12-bit rcode (the upper bits go into OPT) */
	uint16_t count[4];            /**< RRs per section */
	int section;                  /**< section records are being added to */
	uint16_t comp_off[SL_RESP_COMP_SLOTS]; /**< compression table: offsets, 0 = empty */
	uint32_t comp_hash[SL_RESP_COMP_SLOTS];/**< hash of each entry's suffix */
	unsigned comp_used;           /**< entries in the table */
	uint16_t comp_log[SL_RESP_COMP_SLOTS]; /**< slots in insertion order (undo log) */
	unsigned comp_base;           /**< entries belonging to the question (kept by reset and
	                                   rollback); UINT_MAX until a name other than the
	                                   question's itself is compressed and they are entered */
	size_t qend;                  /**< end of header + question (where reset truncates) */
} sl_resp_t;

/** A position in a response, for undoing the records added after it. */
typedef struct sl_resp_mark {
	size_t len;          /**< message length at the mark */
	uint16_t count[4];   /**< section counts at the mark */
	unsigned comp_used;  /**< compression entries at the mark */
	int section;         /**< section at the mark */
} sl_resp_mark_t;

/**
 * Starts a response to @p query in @p buf: copies ID, opcode, RD and CD, sets
 * QR, and copies the question (name case preserved) when present.
 *
 * @param resp    builder to initialise
 * @param buf     output buffer
 * @param cap     its capacity
 * @param limit   maximum message size for this transport (UDP: the client's
 *                payload; TCP: 65535); clamped to @p cap
 * @param reserve bytes to keep free for the OPT RR and its options; 0 when
 *                the query had no EDNS
 * @param query   the parsed query (its header must have parsed)
 * @return SL_OK, or SL_ESPACE when even the question does not fit
 */
SL_API int sl_resp_init(sl_resp_t *resp, uint8_t *buf, size_t cap, size_t limit, size_t reserve,
			const sl_msg_t *query);

/**
 * Drops every record and restarts the response as header + question, keeping
 * flags other than AA and TC. Used to turn a partial answer into an error.
 */
SL_API void sl_resp_reset(sl_resp_t *resp);

/**
 * Moves to @p section (ANSWER, AUTHORITY or ADDITIONAL). sl_resp_init()
 * leaves the builder in ANSWER. Sections only move forward; selecting the
 * current section again is allowed. @return SL_OK or SL_EINVAL
 */
SL_API int sl_resp_section(sl_resp_t *resp, int section);

/**
 * Appends one RR to the current section. The owner is compressed against
 * names already written; names inside RDATA are compressed where RFC 3597
 * allows it (sl_rdata_names()).
 *
 * @param owner  uncompressed owner name (case kept as given)
 * @param rdata  storage-form RDATA
 * @return SL_OK, or SL_ESPACE when it does not fit (message unchanged)
 */
SL_API int sl_resp_add_rr(sl_resp_t *resp, const uint8_t *owner, uint16_t type, uint16_t rclass,
			  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/** Records a position to which sl_resp_rollback() can return. */
SL_API void sl_resp_mark(const sl_resp_t *resp, sl_resp_mark_t *mark);

/** Removes every record added after @p mark (e.g. half of an RRset that did not fit). */
SL_API void sl_resp_rollback(sl_resp_t *resp, const sl_resp_mark_t *mark);

/** Sets header flag bits (SL_FLAG_*). */
SL_API void sl_resp_set_flags(sl_resp_t *resp, uint16_t flags);

/** Clears header flag bits. */
SL_API void sl_resp_clear_flags(sl_resp_t *resp, uint16_t flags);

/** Sets the (possibly extended, up to 4095) rcode. */
SL_API void sl_resp_set_rcode(sl_resp_t *resp, uint16_t rcode);

/** Options the core places in the response's OPT RR. */
typedef struct sl_resp_opt {
	uint16_t payload;          /**< our UDP payload size */
	bool do_bit;               /**< echo DO */
	const uint8_t *nsid;       /**< NSID to send, or NULL */
	uint16_t nsid_len;         /**< its length */
	const sl_ecs_t *ecs;       /**< ECS to echo (with scope), or NULL */
	const uint8_t *cookie;     /**< client+server cookie to send, or NULL */
	uint8_t cookie_len;        /**< its length (8 + 8..32) */
	int keepalive;             /**< edns-tcp-keepalive timeout in 100 ms units, -1 = none */
	int ede_code;              /**< RFC 8914 INFO-CODE, -1 = none */
	const char *ede_text;      /**< EXTRA-TEXT (UTF-8), or NULL */
} sl_resp_opt_t;

/**
 * Returns the number of bytes sl_resp_finish() needs for @p opt, to pass as
 * the reserve to sl_resp_init().
 */
SL_API size_t sl_resp_opt_size(const sl_resp_opt_t *opt);

/**
 * Completes the message: writes the OPT RR when @p opt is non-NULL (dropping
 * EDE text, then EDE, then NSID if they do not fit), then the header with
 * flags, rcode and counts.
 * @return the message length, or SL_ESPACE
 */
SL_API int sl_resp_finish(sl_resp_t *resp, const sl_resp_opt_t *opt);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_RESP_H */
