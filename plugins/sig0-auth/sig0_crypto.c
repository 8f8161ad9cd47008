/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * SIG(0) signature verification with OpenSSL 3 EVP: public keys from
 * KEY/DNSKEY RDATA (RFC 3110 RSA, RFC 6605 ECDSA, RFC 8080 EdDSA), ECDSA
 * signatures converted from DNS's raw r||s to the DER OpenSSL expects.
 */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include "sig0.h"

bool sig0_alg_supported(uint8_t alg)
{
	switch (alg) {
	case SIG0_ALG_RSASHA256:
	case SIG0_ALG_ECDSAP256SHA256:
	case SIG0_ALG_ECDSAP384SHA384:
	case SIG0_ALG_ED25519:
	case SIG0_ALG_ED448:
		return true;
	default:
		return false;
	}
}

static EVP_PKEY *fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *ec_key(const char *group, const uint8_t *pub, size_t len, size_t want)
{
	uint8_t point[1 + 96];

	if (len != want)
		return NULL;
	point[0] = 0x04; /* uncompressed point: the DNS form is x || y */
	memcpy(point + 1, pub, len);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len + 1),
		OSSL_PARAM_construct_end(),
	};
	return fromdata("EC", params);
}

/* RFC 3110 §2: exponent length (1 octet, or 0 then 2 octets), exponent, modulus. */
static EVP_PKEY *rsa_key(const uint8_t *pub, size_t len)
{
	size_t elen, off;
	EVP_PKEY *pkey = NULL;

	if (len < 1)
		return NULL;
	if (pub[0]) {
		elen = pub[0];
		off = 1;
	} else {
		if (len < 3)
			return NULL;
		elen = (size_t)pub[1] << 8 | pub[2];
		off = 3;
	}
	if (!elen || elen > 16 || off + elen >= len)
		return NULL;
	size_t nlen = len - off - elen;
	if (nlen * 8 < SIG0_RSA_MIN_BITS || nlen * 8 > SIG0_RSA_MAX_BITS || !pub[off + elen])
		return NULL; /* size limits; a leading zero octet would understate the bits */
	BIGNUM *e = BN_bin2bn(pub + off, (int)elen, NULL);
	BIGNUM *n = BN_bin2bn(pub + off + elen, (int)nlen, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	if (e && n && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)))
		pkey = fromdata("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return pkey;
}

static EVP_PKEY *public_key(uint8_t alg, const uint8_t *pub, size_t len)
{
	switch (alg) {
	case SIG0_ALG_RSASHA256:
		return rsa_key(pub, len);
	case SIG0_ALG_ECDSAP256SHA256:
		return ec_key("prime256v1", pub, len, 64);
	case SIG0_ALG_ECDSAP384SHA384:
		return ec_key("secp384r1", pub, len, 96);
	case SIG0_ALG_ED25519:
		return len == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, len)
				 : NULL;
	case SIG0_ALG_ED448:
		return len == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, pub, len)
				 : NULL;
	default:
		return NULL;
	}
}

void sig0_keycache_clear(sig0_keycache_t *cache)
{
	for (unsigned i = 0; i < SIG0_KEYCACHE_SIZE; i++) {
		EVP_PKEY_free(cache->slot[i].pkey);
		cache->slot[i].pkey = NULL;
		cache->slot[i].len = 0;
	}
	cache->next = 0;
}

/*
 * The key for @p rdata: from @p cache, or imported (and cached). *@p owned
 * tells the caller to free it (no cache, or too long to cache).
 */
static EVP_PKEY *get_key(sig0_keycache_t *cache, uint8_t alg, const uint8_t *rdata, size_t len,
			 bool *owned)
{
	*owned = true;
	if (cache && len <= SIG0_KEY_MAXLEN) {
		for (unsigned i = 0; i < SIG0_KEYCACHE_SIZE; i++)
			if (cache->slot[i].len == len && cache->slot[i].pkey &&
			    memcmp(cache->slot[i].rdata, rdata, len) == 0) {
				*owned = false;
				return cache->slot[i].pkey;
			}
	}
	EVP_PKEY *pkey = public_key(alg, rdata + 4, len - 4);
	if (!pkey || !cache || len > SIG0_KEY_MAXLEN)
		return pkey;
	unsigned i = cache->next;
	cache->next = (i + 1) % SIG0_KEYCACHE_SIZE;
	EVP_PKEY_free(cache->slot[i].pkey);
	memcpy(cache->slot[i].rdata, rdata, len);
	cache->slot[i].len = (uint16_t)len;
	cache->slot[i].pkey = pkey;
	*owned = false;
	return pkey;
}

/* DNS ECDSA signature r||s (RFC 6605 §4) to DER; @return its length or 0. */
static size_t ecdsa_der(const uint8_t *sig, size_t len, size_t half, uint8_t *der, size_t cap)
{
	size_t out = 0;

	if (len != 2 * half)
		return 0;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(sig + half, (int)half, NULL);
	if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL; /* owned by es now */
		int n = i2d_ECDSA_SIG(es, NULL);
		if (n > 0 && (size_t)n <= cap) {
			uint8_t *p = der;
			out = (size_t)i2d_ECDSA_SIG(es, &p) == (size_t)n ? (size_t)n : 0;
		}
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return out;
}

sig0_status_t sig0_verify(const sl_msg_t *msg, const sig0_sig_t *sig, const uint8_t *key_rdata,
			  size_t key_rdlen, sl_arena_t *arena, sig0_keycache_t *cache)
{
	uint8_t hdr[SL_HEADER_LEN], der[2 * 48 + 16];
	const uint8_t *signature = sig->sig;
	size_t siglen = sig->sig_len;
	const EVP_MD *md = NULL;
	sig0_status_t st = SIG0_E_BADSIG;

	if (key_rdlen <= 4 || sig->rr_pos < SL_HEADER_LEN || sig->rr_pos > msg->len)
		return SIG0_E_BADSIG;
	bool owned;
	EVP_PKEY *pkey = get_key(cache, sig->alg, key_rdata, key_rdlen, &owned);
	if (!pkey) {
		ERR_clear_error();
		return SIG0_E_BADSIG;
	}
	switch (sig->alg) {
	case SIG0_ALG_RSASHA256:
		md = EVP_sha256();
		break;
	case SIG0_ALG_ECDSAP256SHA256:
		md = EVP_sha256();
		siglen = ecdsa_der(sig->sig, sig->sig_len, 32, der, sizeof(der));
		signature = der;
		break;
	case SIG0_ALG_ECDSAP384SHA384:
		md = EVP_sha384();
		siglen = ecdsa_der(sig->sig, sig->sig_len, 48, der, sizeof(der));
		signature = der;
		break;
	default:
		break; /* EdDSA: no digest, one-shot */
	}
	/* The header as signed: ARCOUNT without the SIG(0) itself. */
	memcpy(hdr, msg->wire, SL_HEADER_LEN);
	uint16_t arcount = (uint16_t)(msg->hdr.arcount - 1);
	hdr[10] = (uint8_t)(arcount >> 8);
	hdr[11] = (uint8_t)arcount;
	const uint8_t *body = msg->wire + SL_HEADER_LEN;
	size_t body_len = sig->rr_pos - SL_HEADER_LEN;

	EVP_MD_CTX *ctx = siglen ? EVP_MD_CTX_new() : NULL;
	if (!ctx) {
		st = siglen ? SIG0_E_RESOURCE : SIG0_E_BADSIG;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(ctx, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL, pkey,
				    NULL) != 1)
		goto out;
	if (md) {
		if (EVP_DigestVerifyUpdate(ctx, sig->rdata, sig->sigdata_len) == 1 &&
		    EVP_DigestVerifyUpdate(ctx, hdr, sizeof(hdr)) == 1 &&
		    EVP_DigestVerifyUpdate(ctx, body, body_len) == 1 &&
		    EVP_DigestVerifyFinal(ctx, signature, siglen) == 1)
			st = SIG0_OK;
	} else {
		size_t total = (size_t)sig->sigdata_len + sizeof(hdr) + body_len;
		uint8_t *data = sl_arena_alloc(arena, total);
		if (!data) {
			st = SIG0_E_RESOURCE;
			goto out;
		}
		memcpy(data, sig->rdata, sig->sigdata_len);
		memcpy(data + sig->sigdata_len, hdr, sizeof(hdr));
		memcpy(data + sig->sigdata_len + sizeof(hdr), body, body_len);
		if (EVP_DigestVerify(ctx, signature, siglen, data, total) == 1)
			st = SIG0_OK;
	}
out:
	if (st != SIG0_OK)
		ERR_clear_error(); /* hostile input must not grow the error queue */
	EVP_MD_CTX_free(ctx);
	if (owned)
		EVP_PKEY_free(pkey);
	return st;
}
