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

/** Seeds the process-wide secret from the kernel CSPRNG. @return SL_OK or SL_EIO */
int sl_cookie_init(void);

/** Sets the secret explicitly (tests). */
void sl_cookie_set_secret(const uint8_t secret[16]);

/**
 * Computes our server cookie for @p client_cookie and @p client at time @p now
 * into @p out (SL_SERVER_COOKIE_LEN bytes).
 */
void sl_cookie_make(const uint8_t client_cookie[8], const struct sockaddr *client, uint32_t now,
		    uint8_t out[SL_SERVER_COOKIE_LEN]);

/**
 * Checks a received server cookie: our format, hash matches, timestamp not
 * older than one hour nor more than five minutes in the future (RFC 9018 §4.3).
 */
bool sl_cookie_valid(const sl_cookie_t *cookie, const struct sockaddr *client, uint32_t now);

/** SipHash-2-4 of @p len bytes with a 16-byte key (RFC 9018 names it). */
uint64_t sl_siphash24(const uint8_t key[16], const uint8_t *data, size_t len);

#endif /* SL_CORE_COOKIE_H */
