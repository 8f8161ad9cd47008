/*
 * Sluice core — TSIG (RFC 8945): verifying signed requests and signing the
 * responses, including every message of a zone transfer stream (§5.3.1).
 *
 * HMAC-SHA1/224/256/384/512 through OpenSSL 3's EVP_MAC (hmac-md5 is not
 * offered). A signed request costs one EVP_MAC_CTX allocation for its
 * verification and one per signed response; unsigned queries never reach
 * this code.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_TSIG_H
#define SL_CORE_TSIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sluice/error.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/plugin.h>

/** Longest secret accepted, in octets. */
#define SL_TSIG_SECRET_MAX 256
/** Shortest secret accepted, in octets (RFC 8945 §6: at least the hash's strength is advised). */
#define SL_TSIG_SECRET_MIN 16
/** Largest MAC (HMAC-SHA512). */
#define SL_TSIG_MAC_MAX 64
/** Our time fudge in seconds; a request's larger fudge is capped to it. */
#define SL_TSIG_FUDGE 300

/** Largest TSIG RR: two names, the fixed fields, the largest MAC, BADTIME's Other Data. */
#define SL_TSIG_RR_MAX (2 * SL_NAME_MAXLEN + 10 + 16 + SL_TSIG_MAC_MAX + 6)

/** TSIG error codes (the TSIG RR's Error field, RFC 8945 §3). */
enum {
	SL_TSIG_BADSIG = SL_RCODE_BADSIG,   /**< MAC did not verify */
	SL_TSIG_BADKEY = SL_RCODE_BADKEY,   /**< key (name and algorithm) not known */
	SL_TSIG_BADTIME = SL_RCODE_BADTIME, /**< time signed outside the fudge window */
	SL_TSIG_BADTRUNC = 22, /**< MAC truncated below the key's minimum */
};

/** The HMAC algorithms. */
typedef enum sl_tsig_alg {
	SL_TSIG_ALG_NONE = 0,
	SL_TSIG_HMAC_SHA1,   /**< hmac-sha1. (20 octets) */
	SL_TSIG_HMAC_SHA224, /**< hmac-sha224. (28) */
	SL_TSIG_HMAC_SHA256, /**< hmac-sha256. (32) */
	SL_TSIG_HMAC_SHA384, /**< hmac-sha384. (48) */
	SL_TSIG_HMAC_SHA512, /**< hmac-sha512. (64) */
} sl_tsig_alg_t;

/** One shared key. */
typedef struct sl_tsig_key {
	uint8_t name[SL_NAME_MAXLEN];        /**< key name, wire form, lower case */
	size_t name_len;                     /**< its length */
	sl_tsig_alg_t alg;                   /**< algorithm */
	uint8_t secret[SL_TSIG_SECRET_MAX];  /**< the secret */
	size_t secret_len;                   /**< its length (>= SL_TSIG_SECRET_MIN) */
	uint16_t min_mac;                    /**< shortest MAC accepted (BADTRUNC below), 0: RFC minimum;
					       also the size of the MACs we send when set */
} sl_tsig_key_t;

/**
 * Where one TSIG exchange stands: what the request carried, the verdict,
 * and the MAC the next signature chains to.
 */
typedef struct sl_tsig_ctx {
	bool present;                        /**< the request carried a TSIG RR */
	bool chained;                        /**< the next signature is a later message of a stream */
	bool request;                        /**< we sign a request of our own (no prior MAC) */
	const sl_tsig_key_t *key;            /**< the key that verified (or NULL) */
	uint16_t error;                      /**< TSIG error to answer with, 0 if verified */
	uint8_t key_name[SL_NAME_MAXLEN];    /**< key name as received, lower-cased */
	size_t key_name_len;                 /**< its length */
	uint8_t alg_name[SL_NAME_MAXLEN];    /**< algorithm name as received, lower-cased */
	size_t alg_name_len;                 /**< its length */
	uint16_t orig_id;                    /**< Original ID */
	uint64_t time_signed;                /**< the request's Time Signed */
	uint16_t fudge;                      /**< the request's Fudge */
	uint16_t peer_error;                 /**< the Error field the verified message's TSIG carried */
	uint8_t mac[SL_TSIG_MAC_MAX];        /**< request MAC, then the last MAC we sent */
	uint16_t mac_len;                    /**< its length */
} sl_tsig_ctx_t;

/** The algorithm named @p text ("hmac-sha256" or "hmac-sha256.", any case), or NONE. */
sl_tsig_alg_t sl_tsig_alg_from_text(const char *text);

/** The algorithm's wire name ("\x0bhmac-sha256"), or NULL. */
const uint8_t *sl_tsig_alg_wire(sl_tsig_alg_t alg);

/** The algorithm's presentation name ("hmac-sha256"), or "?". */
const char *sl_tsig_alg_name(sl_tsig_alg_t alg);

/** The algorithm's full MAC size in octets, 0 for NONE. */
unsigned sl_tsig_alg_size(sl_tsig_alg_t alg);

/**
 * Fills @p key from its configuration: @p name (presentation form),
 * @p alg ("hmac-sha256", optionally with a BIND-style "-BITS" suffix such
 * as "hmac-sha256-128": MACs shorter than BITS/8 octets then get BADTRUNC)
 * and the base64 @p secret (blanks allowed).
 * @return SL_OK, or SL_EINVAL with a message for the operator in @p err
 *         (may be NULL) placed at the option at fault: "name", "algorithm"
 *         or "secret"
 */
int sl_tsig_key_init(sl_tsig_key_t *key, const char *name, const char *alg, const char *secret,
		     sl_error_t *err);

/**
 * Verifies the TSIG of @p msg (already parsed by sl_msg_parse(), which
 * makes sure a TSIG is the last additional RR and the only one) with the
 * configured @p keys at @p now (seconds since the epoch), in the order of
 * RFC 8945 §5.2: the RR's form (FORMERR), the key (BADKEY), the MAC size
 * (§5.2.2.1, FORMERR) and the MAC (BADSIG, compared in constant time), the
 * time (BADTIME: |now - Time Signed| beyond the smaller of the request's
 * fudge and SL_TSIG_FUDGE), then the key's truncation minimum (BADTRUNC).
 *
 * @return SL_RCODE_NOERROR when @p msg has no TSIG (ctx->present false) or
 *         it verified (ctx->key set); SL_RCODE_FORMERR for a malformed TSIG
 *         (answer unsigned, without TSIG); SL_RCODE_NOTAUTH with ctx->error
 *         set otherwise (answer with sl_tsig_sign(), which signs BADTIME and
 *         BADTRUNC and sends BADKEY and BADSIG unsigned, §5.3.2)
 */
uint16_t sl_tsig_verify(const sl_tsig_key_t *keys, size_t nkeys, const sl_msg_t *msg,
			uint64_t now, sl_tsig_ctx_t *ctx);

/**
 * Signs a request we send (a NOTIFY): sets up @p ctx for @p key, appends the
 * TSIG RR to @p msg (@p len octets in a buffer of @p cap; the Original ID is
 * the message's ID) and keeps the MAC for sl_tsig_verify_answer().
 * @return the new length, or SL_ESPACE / SL_EIO
 */
int sl_tsig_sign_request(sl_tsig_ctx_t *ctx, const sl_tsig_key_t *key, uint8_t *msg, size_t len,
			 size_t cap, uint64_t now);

/**
 * Checks the answer @p msg to a request signed with sl_tsig_sign_request()
 * (@p request): it must carry a TSIG with the same key whose MAC covers our
 * request's MAC (§5.3), within the time window, reporting no error.
 * @return SL_RCODE_NOERROR (also when @p request was not signed), or
 *         SL_RCODE_NOTAUTH / SL_RCODE_FORMERR
 */
uint16_t sl_tsig_verify_answer(const sl_tsig_ctx_t *request, const sl_msg_t *msg, uint64_t now);

/** Octets the TSIG RR sl_tsig_sign() appends for @p ctx will take. */
size_t sl_tsig_size(const sl_tsig_ctx_t *ctx);

/**
 * Appends the TSIG RR for @p ctx to the finished message @p msg (@p len
 * octets in a buffer of @p cap) and increments its ARCOUNT. The MAC covers
 * the previous MAC (the request's, or for later messages of a stream the
 * one we sent before, §5.3.1), the message with the Original ID, and the
 * TSIG variables (only the timers for later messages of a stream). The MAC
 * sent becomes the one the next call chains to.
 * @return the new length, or SL_ESPACE / SL_EIO (OpenSSL failed)
 */
int sl_tsig_sign(sl_tsig_ctx_t *ctx, uint8_t *msg, size_t len, size_t cap, uint64_t now);

/**
 * Wraps @p stream so that its messages can be signed: the wrapper keeps a
 * copy of the key and @p ctx (so a reload cannot pull the key away) and
 * frees the wrapped stream with itself. On failure @p stream is released.
 * @return SL_OK or SL_ENOMEM
 */
int sl_tsig_stream_wrap(sl_stream_t *stream, const sl_tsig_ctx_t *ctx);

/** The signing context of a stream made by sl_tsig_stream_wrap(), or NULL for any other. */
sl_tsig_ctx_t *sl_tsig_stream_ctx(const sl_stream_t *stream);

#endif /* SL_CORE_TSIG_H */
