/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Server cookies exactly as RFC 9018 §4 builds them, so that every server of
 * an anycast set configured with the same secret (Sluice or not) accepts the
 * others' cookies:
 *
 *   Version (1) | Reserved (3 x 0) | Timestamp (4, big-endian) | Hash (8)
 *   Hash = SipHash-2-4(secret, Client Cookie | Version | Reserved | Timestamp | Client-IP)
 *
 * The hash bytes are SipHash's output as OpenSSL writes it (the reference
 * implementation's little-endian order, which RFC 9018 Appendix A shows).
 * Each worker keeps its own EVP_MAC_CTX and re-keys it per cookie: that
 * costs no allocation, and the secret may change with every reload.
 */
#include <pthread.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include "cookie.h"

#define COOKIE_VERSION	1
#define COOKIE_HASH_LEN 8

int sl_cookie_mac_init(sl_cookie_mac_t *mac)
{
	size_t size = COOKIE_HASH_LEN; /* OpenSSL's default is the 16-byte variant */
	unsigned c_rounds = 2, d_rounds = 4;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, &size),
	    OSSL_PARAM_uint(OSSL_MAC_PARAM_C_ROUNDS, &c_rounds),
	    OSSL_PARAM_uint(OSSL_MAC_PARAM_D_ROUNDS, &d_rounds),
	    OSSL_PARAM_END,
	};

	mac->ctx = NULL;
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	if (!alg)
		return SL_ENOMEM;
	mac->ctx = EVP_MAC_CTX_new(alg);
	EVP_MAC_free(alg); /* the context holds its own reference */
	/* Set once: re-keying keeps the size and rounds. */
	if (!mac->ctx || !EVP_MAC_CTX_set_params(mac->ctx, params)) {
		sl_cookie_mac_free(mac);
		return SL_ENOMEM;
	}
	return SL_OK;
}

void sl_cookie_mac_free(sl_cookie_mac_t *mac)
{
	EVP_MAC_CTX_free(mac->ctx);
	mac->ctx = NULL;
}

static uint8_t random_secret[SL_COOKIE_SECRET_LEN];
static int random_secret_status = SL_EIO;
static pthread_once_t random_secret_once = PTHREAD_ONCE_INIT;

static void draw_random_secret(void)
{
	if (RAND_bytes(random_secret, sizeof(random_secret)) == 1)
		random_secret_status = SL_OK;
}

int sl_cookie_random_secret(uint8_t out[SL_COOKIE_SECRET_LEN])
{
	pthread_once(&random_secret_once, draw_random_secret);
	if (random_secret_status != SL_OK)
		return random_secret_status;
	memcpy(out, random_secret, SL_COOKIE_SECRET_LEN);
	return SL_OK;
}

/*
 * The client address as RFC 9018 hashes it: 4 bytes for IPv4, 16 for IPv6.
 * An IPv4-mapped address is the IPv4 client it stands for, so a dual-stack
 * socket and a plain IPv4 one compute the same cookie. @return 0 if neither
 */
static size_t client_ip(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		memcpy(out, a6->s6_addr + 12, 4);
		return 4;
	}
	memcpy(out, a6->s6_addr, 16);
	return 16;
}

/* SipHash-2-4 over Client Cookie | @p head (version, reserved, timestamp) | Client-IP. */
static int cookie_hash(sl_cookie_mac_t *mac, const uint8_t secret[SL_COOKIE_SECRET_LEN],
		       const uint8_t client_cookie[8], const uint8_t head[8],
		       const struct sockaddr *client, uint8_t hash[COOKIE_HASH_LEN])
{
	uint8_t input[8 + 8 + 16];
	size_t iplen = client_ip(client, input + 16);
	size_t outl = 0;

	if (iplen == 0)
		return SL_EINVAL;
	memcpy(input, client_cookie, 8);
	memcpy(input + 8, head, 8);
	if (!mac->ctx || !EVP_MAC_init(mac->ctx, secret, SL_COOKIE_SECRET_LEN, NULL) ||
	    !EVP_MAC_update(mac->ctx, input, 16 + iplen) ||
	    !EVP_MAC_final(mac->ctx, hash, &outl, COOKIE_HASH_LEN) || outl != COOKIE_HASH_LEN)
		return SL_EIO;
	return SL_OK;
}

int sl_cookie_make(sl_cookie_mac_t *mac, const uint8_t secret[SL_COOKIE_SECRET_LEN],
		   const uint8_t client_cookie[8], const struct sockaddr *client, uint32_t now,
		   uint8_t out[SL_SERVER_COOKIE_LEN])
{
	out[0] = COOKIE_VERSION;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	return cookie_hash(mac, secret, client_cookie, out, client, out + 8);
}

sl_cookie_verdict_t sl_cookie_check(sl_cookie_mac_t *mac,
				    const uint8_t secret[SL_COOKIE_SECRET_LEN],
				    const sl_cookie_t *cookie, const struct sockaddr *client,
				    uint32_t now)
{
	const uint8_t *sc = cookie->server;
	uint8_t hash[COOKIE_HASH_LEN];

	if (cookie->server_len != SL_SERVER_COOKIE_LEN || sc[0] != COOKIE_VERSION)
		return SL_COOKIE_INVALID;
	uint32_t ts = (uint32_t)sc[4] << 24 | (uint32_t)sc[5] << 16 | (uint32_t)sc[6] << 8 | sc[7];
	/* Serial-number difference (RFC 1982): correct across the 2106 wrap. */
	int32_t age = (int32_t)(now - ts);
	if (age > SL_COOKIE_MAX_AGE || age < -SL_COOKIE_MAX_FUTURE)
		return SL_COOKIE_INVALID;
	/* The reserved bytes are hashed as received: another implementation may set them. */
	if (cookie_hash(mac, secret, cookie->client, sc, client, hash) != SL_OK)
		return SL_COOKIE_INVALID;
	/* Constant time: the hash is derived from the secret. */
	if (CRYPTO_memcmp(hash, sc + 8, COOKIE_HASH_LEN) != 0)
		return SL_COOKIE_INVALID;
	return age > SL_COOKIE_RENEW_AGE ? SL_COOKIE_RENEW : SL_COOKIE_VALID;
}
