/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * NSEC3 hashing (RFC 5155 §5) and hashed owner names, for the denial
 * proofs of answer.c. SHA-1 runs on a stack context (OpenSSL's low-level
 * SHA1_* API, deprecated in 3.0 but kept for exactly this: no allocation
 * per query, unlike an EVP_MD_CTX).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <string.h>

#include <openssl/sha.h>

#include <sluice/answer.h>
#include <sluice/name.h>

int sl_nsec3_hash(const uint8_t *name, const uint8_t *salt, uint8_t saltlen, uint16_t iterations,
		  uint8_t out[SL_NSEC3_HASH_LEN])
{
	uint8_t canon[SL_NAME_MAXLEN];
	size_t len;
	SHA_CTX ctx;

	if (name == NULL || (saltlen > 0 && salt == NULL))
		return SL_EINVAL;
	len = sl_name_len(name);
	if (len == 0 || len > SL_NAME_MAXLEN)
		return SL_EINVAL;
	/* Canonical form (RFC 4034 §6.2): lower case; label lengths are < 'A'. */
	for (size_t i = 0; i < len; i++)
		canon[i] = sl_lower_octet(name[i]);
	SHA1_Init(&ctx);
	SHA1_Update(&ctx, canon, len);
	SHA1_Update(&ctx, salt, saltlen);
	SHA1_Final(out, &ctx);
	for (unsigned k = 0; k < iterations; k++) {
		SHA1_Init(&ctx);
		SHA1_Update(&ctx, out, SL_NSEC3_HASH_LEN);
		SHA1_Update(&ctx, salt, saltlen);
		SHA1_Final(out, &ctx);
	}
	return SL_OK;
}

int sl_nsec3_owner(const uint8_t *hash, size_t hashlen, const uint8_t *apex,
		   uint8_t out[SL_NAME_MAXLEN])
{
	static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";
	size_t alen = sl_name_len(apex);
	size_t llen = (hashlen * 8 + 4) / 5;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 1;

	if (hash == NULL || hashlen == 0 || llen > SL_LABEL_MAXLEN || alen == 0 ||
	    1 + llen + alen > SL_NAME_MAXLEN)
		return SL_EINVAL;
	out[0] = (uint8_t)llen;
	for (size_t i = 0; i < hashlen; i++) {
		acc = (acc << 8) | hash[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = (uint8_t)b32hex[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = (uint8_t)b32hex[(acc << (5 - bits)) & 31];
	memcpy(out + o, apex, alen);
	return SL_OK;
}
