/*
 * Sluice core — DNS server cookies (RFC 7873, interoperable format RFC 9018).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_COOKIE_H
#define SL_CORE_COOKIE_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <sluice/msg.h>

/** Length of the server cookie we issue (version, reserved, timestamp, hash). */
#define SL_SERVER_COOKIE_LEN 16

/** Length of the server secret (the SipHash-2-4 key, RFC 9018 §4.4). */
#define SL_COOKIE_SECRET_LEN 16

/** A server cookie is valid for this long after its timestamp (RFC 9018 §4.3). */
#define SL_COOKIE_MAX_AGE 3600

/** ...and from this far ahead of our clock (servers of a set may disagree). */
#define SL_COOKIE_MAX_FUTURE 300

/** A valid server cookie older than this is replaced by a fresh one (RFC 9018 §4.3). */
#define SL_COOKIE_RENEW_AGE 1800

struct evp_mac_ctx_st;

/**
 * A SipHash-2-4 context (OpenSSL EVP_MAC, 8-byte output) for one thread:
 * each worker owns one so the query path neither allocates nor locks.
 */
typedef struct sl_cookie_mac {
	struct evp_mac_ctx_st *ctx; /**< the EVP_MAC_CTX, or NULL */
} sl_cookie_mac_t;

/** How a received server cookie checked out. */
typedef enum sl_cookie_verdict {
	SL_COOKIE_INVALID = 0, /**< not ours: other format, wrong hash, or out of its time window */
	SL_COOKIE_VALID,       /**< ours and recent: it can be sent back unchanged */
	SL_COOKIE_RENEW,       /**< ours but over half an hour old: issue a fresh one */
} sl_cookie_verdict_t;

/** Creates @p mac's context. @return SL_OK or SL_ENOMEM (SipHash unavailable) */
int sl_cookie_mac_init(sl_cookie_mac_t *mac);

/** Frees @p mac's context; a zeroed or already freed @p mac is ignored. */
void sl_cookie_mac_free(sl_cookie_mac_t *mac);

/**
 * The secret used when the configuration names none: random (RAND_bytes),
 * drawn once per process so cookies survive a reload. Thread-safe.
 * @return SL_OK or SL_EIO
 */
int sl_cookie_random_secret(uint8_t out[SL_COOKIE_SECRET_LEN]);

/**
 * Computes the RFC 9018 server cookie for @p client_cookie and @p client
 * (IPv4, IPv6 or IPv4-mapped IPv6) at time @p now with @p secret into @p out.
 * @return SL_OK, SL_EINVAL (other address family) or SL_EIO (OpenSSL failed)
 */
int sl_cookie_make(sl_cookie_mac_t *mac, const uint8_t secret[SL_COOKIE_SECRET_LEN],
		   const uint8_t client_cookie[8], const struct sockaddr *client, uint32_t now,
		   uint8_t out[SL_SERVER_COOKIE_LEN]);

/**
 * Checks a received server cookie against @p secret: version 1, 16 bytes,
 * hash over the cookie's own version, reserved and timestamp fields, and a
 * timestamp no more than SL_COOKIE_MAX_AGE old nor SL_COOKIE_MAX_FUTURE ahead
 * (RFC 1982 arithmetic, so 2106 is no cliff).
 */
sl_cookie_verdict_t sl_cookie_check(sl_cookie_mac_t *mac,
				    const uint8_t secret[SL_COOKIE_SECRET_LEN],
				    const sl_cookie_t *cookie, const struct sockaddr *client,
				    uint32_t now);

#endif /* SL_CORE_COOKIE_H */
