/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Server cookies in the RFC 9018 format, so a cluster sharing a secret could
 * validate each other's cookies. SipHash-2-4 is implemented here because it is
 * a few lines and EVP_MAC per query would allocate.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include "cookie.h"

static uint8_t cookie_secret[16];

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                 \
	do {                                                                                     \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                        \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                           \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                           \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                        \
	} while (0)

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t sl_siphash24(const uint8_t key[16], const uint8_t *data, size_t len)
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, full = len - (len % 8);

	for (i = 0; i < full; i += 8) {
		m = load_le64(data + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < len % 8; j++)
		b |= (uint64_t)data[full + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

int sl_cookie_init(void)
{
	size_t got = 0;
	while (got < sizeof(cookie_secret)) {
		ssize_t n = getrandom(cookie_secret + got, sizeof(cookie_secret) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return SL_EIO;
		}
		got += (size_t)n;
	}
	return SL_OK;
}

void sl_cookie_set_secret(const uint8_t secret[16])
{
	memcpy(cookie_secret, secret, sizeof(cookie_secret));
}

void sl_cookie_make(const uint8_t client_cookie[8], const struct sockaddr *client, uint32_t now,
		    uint8_t out[SL_SERVER_COOKIE_LEN])
{
	uint8_t input[8 + 8 + 16];
	size_t len = 16;

	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(now >> 24);
	out[5] = (uint8_t)(now >> 16);
	out[6] = (uint8_t)(now >> 8);
	out[7] = (uint8_t)now;
	memcpy(input, client_cookie, 8);
	memcpy(input + 8, out, 8);
	if (client->sa_family == AF_INET) {
		memcpy(input + 16, &((const struct sockaddr_in *)client)->sin_addr, 4);
		len += 4;
	} else if (client->sa_family == AF_INET6) {
		memcpy(input + 16, &((const struct sockaddr_in6 *)client)->sin6_addr, 16);
		len += 16;
	}
	uint64_t h = sl_siphash24(cookie_secret, input, len);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)(h >> (56 - 8 * i));
}

bool sl_cookie_valid(const sl_cookie_t *cookie, const struct sockaddr *client, uint32_t now)
{
	uint8_t expect[SL_SERVER_COOKIE_LEN];

	if (cookie->server_len != SL_SERVER_COOKIE_LEN || cookie->server[0] != 1)
		return false;
	uint32_t ts = (uint32_t)cookie->server[4] << 24 | (uint32_t)cookie->server[5] << 16 |
		      (uint32_t)cookie->server[6] << 8 | cookie->server[7];
	/* Serial-number style difference so the check survives 2106. */
	int32_t age = (int32_t)(now - ts);
	if (age > 3600 || age < -300)
		return false;
	sl_cookie_make(cookie->client, client, ts, expect);
	/* Constant time: the hash is a secret-derived value. */
	uint8_t diff = 0;
	for (size_t i = 0; i < SL_SERVER_COOKIE_LEN; i++)
		diff |= (uint8_t)(expect[i] ^ cookie->server[i]);
	return diff == 0;
}
