/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * TSIG (RFC 8945). The MAC input is never assembled in one buffer: the
 * pieces (previous MAC, message header with the Original ID, the rest of
 * the message, the TSIG variables) are fed to EVP_MAC_update() in turn.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sluice/codec.h>
#include "tsig.h"

/* ---- algorithms ---------------------------------------------------------- */

static const struct {
	const char *name;    /* presentation name */
	const uint8_t *wire; /* wire name */
	const char *digest;  /* OpenSSL digest */
	unsigned size;       /* MAC octets */
} algs[] = {
	[SL_TSIG_HMAC_SHA1] = { "hmac-sha1", (const uint8_t *)"\x09hmac-sha1", "SHA1", 20 },
	[SL_TSIG_HMAC_SHA224] = { "hmac-sha224", (const uint8_t *)"\x0bhmac-sha224", "SHA224", 28 },
	[SL_TSIG_HMAC_SHA256] = { "hmac-sha256", (const uint8_t *)"\x0bhmac-sha256", "SHA256", 32 },
	[SL_TSIG_HMAC_SHA384] = { "hmac-sha384", (const uint8_t *)"\x0bhmac-sha384", "SHA384", 48 },
	[SL_TSIG_HMAC_SHA512] = { "hmac-sha512", (const uint8_t *)"\x0bhmac-sha512", "SHA512", 64 },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

static bool alg_valid(sl_tsig_alg_t alg)
{
	return alg > SL_TSIG_ALG_NONE && (size_t)alg < NALGS;
}

sl_tsig_alg_t sl_tsig_alg_from_text(const char *text)
{
	size_t len = text ? strlen(text) : 0;

	if (len && text[len - 1] == '.')
		len--;
	for (size_t a = 1; a < NALGS; a++)
		if (strlen(algs[a].name) == len && strncasecmp(algs[a].name, text, len) == 0)
			return (sl_tsig_alg_t)a;
	return SL_TSIG_ALG_NONE;
}

const uint8_t *sl_tsig_alg_wire(sl_tsig_alg_t alg)
{
	return alg_valid(alg) ? algs[alg].wire : NULL;
}

const char *sl_tsig_alg_name(sl_tsig_alg_t alg)
{
	return alg_valid(alg) ? algs[alg].name : "?";
}

unsigned sl_tsig_alg_size(sl_tsig_alg_t alg)
{
	return alg_valid(alg) ? algs[alg].size : 0;
}

/* RFC 8945 §5.2.2.1: the shortest MAC a receiver may accept. */
static unsigned min_mac_size(sl_tsig_alg_t alg)
{
	unsigned half = sl_tsig_alg_size(alg) / 2;
	return half > 10 ? half : 10;
}

/* "hmac-sha256" or "hmac-sha256-128" (the minimum MAC size in bits, as BIND writes it). */
static sl_tsig_alg_t alg_with_bits(const char *text, unsigned *bits)
{
	sl_tsig_alg_t alg = sl_tsig_alg_from_text(text);
	const char *dash = strrchr(text, '-');

	*bits = 0;
	if (alg != SL_TSIG_ALG_NONE || !dash || dash[1] < '1' || dash[1] > '9' ||
	    strspn(dash + 1, "0123456789") != strlen(dash + 1) || strlen(dash + 1) > 4)
		return alg;
	char base[32];
	size_t blen = (size_t)(dash - text);
	if (blen >= sizeof(base))
		return SL_TSIG_ALG_NONE;
	memcpy(base, text, blen);
	base[blen] = '\0';
	*bits = (unsigned)atoi(dash + 1);
	return sl_tsig_alg_from_text(base);
}

int sl_tsig_key_init(sl_tsig_key_t *key, const char *name, const char *alg, const char *secret,
		     sl_error_t *err)
{
	static const uint8_t root[1] = { 0 };
	unsigned bits;

	memset(key, 0, sizeof(*key));
	if (!name || sl_name_from_text(name, strlen(name), root, key->name, &key->name_len) != SL_OK) {
		return sl_error_at(err, SL_EINVAL, "name", 0, 0, "\"%s\" is not a valid key name",
				   name ? name : "");
	}
	sl_name_tolower(key->name);
	key->alg = alg ? alg_with_bits(alg, &bits) : SL_TSIG_ALG_NONE;
	if (key->alg == SL_TSIG_ALG_NONE) {
		return sl_error_at(err, SL_EINVAL, "algorithm", 0, 0,
				   "algorithm \"%s\" is not supported (hmac-sha1, hmac-sha224, "
				   "hmac-sha256, hmac-sha384 or hmac-sha512)", alg ? alg : "");
	}
	if (bits) {
		unsigned size = sl_tsig_alg_size(key->alg);
		if (bits % 8 || bits / 8 > size || bits / 8 < min_mac_size(key->alg)) {
			return sl_error_at(err, SL_EINVAL, "algorithm", 0, 0,
					   "algorithm \"%s\": the MAC size must be a multiple of 8 bits "
					   "from %u to %u", alg, min_mac_size(key->alg) * 8, size * 8);
		}
		key->min_mac = (uint16_t)(bits / 8);
	}
	int rc = secret ? sl_base64_decode(secret, strlen(secret), key->secret, sizeof(key->secret),
					   &key->secret_len)
			: SL_ESYNTAX;
	if (rc == SL_ESPACE) {
		sl_error_at(err, rc, "secret", 0, 0, "the secret is longer than %d octets",
			    SL_TSIG_SECRET_MAX);
	} else if (rc != SL_OK) {
		sl_error_at(err, rc, "secret", 0, 0, "the secret is not valid base64");
	} else if (key->secret_len < SL_TSIG_SECRET_MIN) {
		sl_error_at(err, SL_EINVAL, "secret", 0, 0,
			    "the secret is %zu octets; at least %d are required", key->secret_len,
			    SL_TSIG_SECRET_MIN);
		rc = SL_EINVAL;
	}
	if (rc != SL_OK) {
		OPENSSL_cleanse(key, sizeof(*key));
		return SL_EINVAL;
	}
	return SL_OK;
}

/* ---- HMAC ------------------------------------------------------------------ */

static EVP_MAC *hmac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
}

static EVP_MAC_CTX *mac_begin(const sl_tsig_key_t *key)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;

	pthread_once(&hmac_once, hmac_fetch);
	if (!hmac || !alg_valid(key->alg) || !(ctx = EVP_MAC_CTX_new(hmac)))
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)algs[key->alg].digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key->secret, key->secret_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Feeds a message whose TSIG RR is absent: the header with @p id and @p arcount, then the rest. */
static bool mac_message(EVP_MAC_CTX *ctx, const uint8_t *msg, size_t len, uint16_t id,
			uint16_t arcount)
{
	uint8_t hdr[SL_HEADER_LEN];

	memcpy(hdr, msg, SL_HEADER_LEN);
	sl_write_u16(hdr, id);
	sl_write_u16(hdr + 10, arcount);
	return EVP_MAC_update(ctx, hdr, sizeof(hdr)) &&
	       EVP_MAC_update(ctx, msg + SL_HEADER_LEN, len - SL_HEADER_LEN);
}

/* Feeds a MAC with its 2-octet size, as the request MAC and prior MAC are fed (§5.3, §5.3.1). */
static bool mac_prior(EVP_MAC_CTX *ctx, const uint8_t *mac, uint16_t len)
{
	uint8_t size[2];

	sl_write_u16(size, len);
	return EVP_MAC_update(ctx, size, 2) && (!len || EVP_MAC_update(ctx, mac, len));
}

static void put_u48(uint8_t *p, uint64_t v)
{
	sl_write_u16(p, (uint16_t)(v >> 32));
	sl_write_u32(p + 2, (uint32_t)v);
}

static uint64_t get_u48(const uint8_t *p)
{
	return (uint64_t)sl_read_u16(p) << 32 | sl_read_u32(p + 2);
}

/* The TSIG variables (§4.3.3) after the key name and algorithm: the fields that follow them. */
struct tsig_vars {
	uint32_t ttl;
	uint64_t time;
	uint16_t fudge, error, other_len;
	const uint8_t *other;
};

/* Feeds the TSIG variables, or with @p timers_only just Time Signed and Fudge (§5.3.1). */
static bool mac_vars(EVP_MAC_CTX *ctx, const sl_tsig_ctx_t *t, const struct tsig_vars *v,
		     bool timers_only)
{
	uint8_t buf[16];

	if (!timers_only) {
		sl_write_u16(buf, SL_CLASS_ANY);
		sl_write_u32(buf + 2, v->ttl);
		if (!EVP_MAC_update(ctx, t->key_name, t->key_name_len) ||
		    !EVP_MAC_update(ctx, buf, 6) ||
		    !EVP_MAC_update(ctx, t->alg_name, t->alg_name_len))
			return false;
	}
	put_u48(buf, v->time);
	sl_write_u16(buf + 6, v->fudge);
	if (timers_only)
		return EVP_MAC_update(ctx, buf, 8);
	sl_write_u16(buf + 8, v->error);
	sl_write_u16(buf + 10, v->other_len);
	return EVP_MAC_update(ctx, buf, 12) &&
	       (!v->other_len || EVP_MAC_update(ctx, v->other, v->other_len));
}

static bool mac_end(EVP_MAC_CTX *ctx, uint8_t out[SL_TSIG_MAC_MAX], size_t *outlen)
{
	bool ok = EVP_MAC_final(ctx, out, outlen, SL_TSIG_MAC_MAX) == 1;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

/* ---- verification (§5.2) --------------------------------------------------- */

static const sl_tsig_key_t *find_key(const sl_tsig_key_t *keys, size_t nkeys,
				     const sl_tsig_ctx_t *ctx)
{
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].name_len == ctx->key_name_len &&
		    memcmp(keys[i].name, ctx->key_name, ctx->key_name_len) == 0 &&
		    sl_name_equal(sl_tsig_alg_wire(keys[i].alg), ctx->alg_name))
			return &keys[i];
	return NULL;
}

/*
 * sl_tsig_verify(), and for an answer to a request we signed the same with
 * the request's MAC first in the digest (@p prior, §5.3: a response's MAC
 * covers the request MAC).
 */
static uint16_t verify(const sl_tsig_key_t *keys, size_t nkeys, const sl_msg_t *msg, uint64_t now,
		       const uint8_t *prior, uint16_t prior_len, sl_tsig_ctx_t *ctx)
{
	struct tsig_vars v;
	sl_rr_t rr;
	size_t pos = msg->tsig_pos;

	memset(ctx, 0, sizeof(*ctx));
	if (!msg->tsig_pos)
		return SL_RCODE_NOERROR;
	ctx->present = true;
	/* The RR's form: class ANY and RDATA that holds exactly the fields. */
	if (sl_msg_rr_next(msg->wire, msg->len, &pos, &rr) != SL_OK || rr.type != SL_TYPE_TSIG ||
	    rr.rclass != SL_CLASS_ANY || rr.rdata_pos + rr.rdlen > msg->len)
		return SL_RCODE_FORMERR;
	memcpy(ctx->key_name, rr.owner, rr.owner_len);
	ctx->key_name_len = rr.owner_len;
	sl_name_tolower(ctx->key_name);
	size_t p = rr.rdata_pos, end = rr.rdata_pos + rr.rdlen;
	const uint8_t *w = msg->wire;
	if (sl_name_unpack(w, end, &p, ctx->alg_name, &ctx->alg_name_len) != SL_OK || end - p < 10)
		return SL_RCODE_FORMERR;
	sl_name_tolower(ctx->alg_name);
	v.ttl = rr.ttl;
	v.time = get_u48(w + p);
	v.fudge = sl_read_u16(w + p + 6);
	uint16_t mac_len = sl_read_u16(w + p + 8);
	p += 10;
	if (end - p < (size_t)mac_len + 6)
		return SL_RCODE_FORMERR;
	const uint8_t *mac = w + p;
	p += mac_len;
	ctx->orig_id = sl_read_u16(w + p);
	v.error = sl_read_u16(w + p + 2);
	v.other_len = sl_read_u16(w + p + 4);
	p += 6;
	if (end - p != v.other_len)
		return SL_RCODE_FORMERR;
	v.other = w + p;
	ctx->time_signed = v.time;
	ctx->fudge = v.fudge;
	ctx->peer_error = v.error;

	/* §5.2.1: the key — name and algorithm. */
	const sl_tsig_key_t *key = find_key(keys, nkeys, ctx);
	if (!key) {
		ctx->error = SL_TSIG_BADKEY;
		return SL_RCODE_NOTAUTH;
	}
	/* §5.2.2.1: a MAC longer than the hash, or shorter than allowed, is a format error. */
	unsigned size = sl_tsig_alg_size(key->alg);
	if (mac_len > size || mac_len < min_mac_size(key->alg))
		return SL_RCODE_FORMERR;
	/* §5.2.2: the MAC, over the message without its TSIG, then the variables. */
	uint8_t calc[SL_TSIG_MAC_MAX];
	size_t calc_len = 0;
	EVP_MAC_CTX *hctx = mac_begin(key);
	bool ok = hctx && (!prior || mac_prior(hctx, prior, prior_len)) &&
		  mac_message(hctx, w, msg->tsig_pos, ctx->orig_id,
			      (uint16_t)(msg->hdr.arcount - 1)) &&
		  mac_vars(hctx, ctx, &v, false);
	if (hctx)
		ok = mac_end(hctx, calc, &calc_len) && ok;
	if (!ok || calc_len != size || CRYPTO_memcmp(calc, mac, mac_len) != 0) {
		OPENSSL_cleanse(calc, sizeof(calc));
		ctx->error = SL_TSIG_BADSIG;
		return SL_RCODE_NOTAUTH;
	}
	OPENSSL_cleanse(calc, sizeof(calc));
	ctx->key = key;
	memcpy(ctx->mac, mac, mac_len);
	ctx->mac_len = mac_len;
	/* §5.2.3: the time, within the smaller of the request's fudge and ours. */
	uint64_t fudge = v.fudge < SL_TSIG_FUDGE ? v.fudge : SL_TSIG_FUDGE;
	if (now > v.time + fudge || v.time > now + fudge) {
		ctx->error = SL_TSIG_BADTIME;
		return SL_RCODE_NOTAUTH;
	}
	/* §5.2.4: truncation below what the key allows. */
	if (key->min_mac && mac_len < key->min_mac) {
		ctx->error = SL_TSIG_BADTRUNC;
		return SL_RCODE_NOTAUTH;
	}
	return SL_RCODE_NOERROR;
}

uint16_t sl_tsig_verify(const sl_tsig_key_t *keys, size_t nkeys, const sl_msg_t *msg,
			uint64_t now, sl_tsig_ctx_t *ctx)
{
	return verify(keys, nkeys, msg, now, NULL, 0, ctx);
}

uint16_t sl_tsig_verify_answer(const sl_tsig_ctx_t *request, const sl_msg_t *msg, uint64_t now)
{
	sl_tsig_ctx_t ctx;
	uint16_t rc;

	if (!request->key)
		return SL_RCODE_NOERROR;
	if (!msg->tsig_pos)
		return SL_RCODE_NOTAUTH; /* §5.3: a signed request gets a signed answer */
	rc = verify(request->key, 1, msg, now, request->mac, request->mac_len, &ctx);
	/* An error the peer reports in its TSIG (BADKEY, BADSIG unsigned) is a refusal too. */
	if (rc == SL_RCODE_NOERROR && ctx.peer_error != 0)
		rc = SL_RCODE_NOTAUTH;
	OPENSSL_cleanse(&ctx, sizeof(ctx));
	return rc;
}

int sl_tsig_sign_request(sl_tsig_ctx_t *ctx, const sl_tsig_key_t *key, uint8_t *msg, size_t len,
			 size_t cap, uint64_t now)
{
	int rc;

	if (len < SL_HEADER_LEN)
		return SL_ESPACE;
	memset(ctx, 0, sizeof(*ctx));
	ctx->present = true;
	ctx->request = true;
	ctx->key = key;
	memcpy(ctx->key_name, key->name, key->name_len);
	ctx->key_name_len = key->name_len;
	ctx->alg_name_len = sl_name_len(sl_tsig_alg_wire(key->alg));
	memcpy(ctx->alg_name, sl_tsig_alg_wire(key->alg), ctx->alg_name_len);
	ctx->orig_id = sl_read_u16(msg);
	rc = sl_tsig_sign(ctx, msg, len, cap, now);
	/* What the answer's MAC covers: ours, in full (sl_tsig_verify_answer()). */
	ctx->request = false;
	ctx->chained = false;
	return rc;
}

/* ---- signing (§5.3) -------------------------------------------------------- */

/* BADKEY and BADSIG answers go unsigned (§5.3.2); so does anything without a key. */
static bool signs(const sl_tsig_ctx_t *ctx)
{
	return ctx->key && ctx->error != SL_TSIG_BADKEY && ctx->error != SL_TSIG_BADSIG;
}

static uint16_t out_mac_len(const sl_tsig_ctx_t *ctx)
{
	if (!signs(ctx))
		return 0;
	return ctx->key->min_mac ? ctx->key->min_mac : (uint16_t)sl_tsig_alg_size(ctx->key->alg);
}

size_t sl_tsig_size(const sl_tsig_ctx_t *ctx)
{
	size_t other = ctx->error == SL_TSIG_BADTIME ? 6 : 0;
	return ctx->key_name_len + 10 + ctx->alg_name_len + 16 + out_mac_len(ctx) + other;
}

int sl_tsig_sign(sl_tsig_ctx_t *ctx, uint8_t *msg, size_t len, size_t cap, uint64_t now)
{
	size_t need = sl_tsig_size(ctx);
	uint16_t mac_len = out_mac_len(ctx);
	uint8_t other[6], mac[SL_TSIG_MAC_MAX];
	struct tsig_vars v = { .ttl = 0, .time = now, .fudge = SL_TSIG_FUDGE, .error = ctx->error };

	if (!ctx->present || len < SL_HEADER_LEN || len > cap || cap - len < need ||
	    len + need > SL_MSG_MAXLEN)
		return SL_ESPACE;
	if (ctx->error == SL_TSIG_BADTIME) {
		/* §5.2.3: the client's time and fudge back, ours in Other Data. */
		v.time = ctx->time_signed;
		v.fudge = ctx->fudge;
		put_u48(other, now);
		v.other = other;
		v.other_len = 6;
	}
	if (mac_len) {
		size_t got = 0;
		EVP_MAC_CTX *hctx = mac_begin(ctx->key);
		bool ok = hctx && (ctx->request || mac_prior(hctx, ctx->mac, ctx->mac_len)) &&
			  mac_message(hctx, msg, len, ctx->orig_id, sl_read_u16(msg + 10)) &&
			  mac_vars(hctx, ctx, &v, ctx->chained);
		if (hctx)
			ok = mac_end(hctx, mac, &got) && ok;
		if (!ok || got < mac_len)
			return SL_EIO;
	}
	uint8_t *p = msg + len;
	memcpy(p, ctx->key_name, ctx->key_name_len);
	p += ctx->key_name_len;
	sl_write_u16(p, SL_TYPE_TSIG);
	sl_write_u16(p + 2, SL_CLASS_ANY);
	sl_write_u32(p + 4, 0);
	sl_write_u16(p + 8, (uint16_t)(need - ctx->key_name_len - 10));
	p += 10;
	memcpy(p, ctx->alg_name, ctx->alg_name_len);
	p += ctx->alg_name_len;
	put_u48(p, v.time);
	sl_write_u16(p + 6, v.fudge);
	sl_write_u16(p + 8, mac_len);
	p += 10;
	memcpy(p, mac, mac_len);
	p += mac_len;
	sl_write_u16(p, ctx->orig_id);
	sl_write_u16(p + 2, v.error);
	sl_write_u16(p + 4, v.other_len);
	p += 6;
	memcpy(p, other, v.other_len);
	sl_write_u16(msg + 10, (uint16_t)(sl_read_u16(msg + 10) + 1));
	if (mac_len) {
		memcpy(ctx->mac, mac, mac_len);
		ctx->mac_len = mac_len;
		ctx->chained = true;
	}
	return (int)(len + need);
}

/* ---- streams (§5.3.1) ------------------------------------------------------ */

struct tsig_stream {
	sl_stream_t inner;  /* the transfer being signed */
	sl_tsig_key_t key;  /* our copy: a reload may free the runtime's */
	sl_tsig_ctx_t ctx;  /* ctx.key points at key */
};

static int tsig_stream_next(void *state, sl_resp_t *resp)
{
	struct tsig_stream *s = state;
	return s->inner.next(s->inner.state, resp);
}

static void tsig_stream_free(void *state)
{
	struct tsig_stream *s = state;

	if (s->inner.free)
		s->inner.free(s->inner.state);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

int sl_tsig_stream_wrap(sl_stream_t *stream, const sl_tsig_ctx_t *ctx)
{
	struct tsig_stream *s = ctx->key ? malloc(sizeof(*s)) : NULL;

	if (!s) {
		if (stream->free)
			stream->free(stream->state);
		memset(stream, 0, sizeof(*stream));
		return SL_ENOMEM;
	}
	s->inner = *stream;
	s->key = *ctx->key;
	s->ctx = *ctx;
	s->ctx.key = &s->key;
	stream->next = tsig_stream_next;
	stream->free = tsig_stream_free;
	stream->state = s;
	return SL_OK;
}

sl_tsig_ctx_t *sl_tsig_stream_ctx(const sl_stream_t *stream)
{
	if (!stream || stream->next != tsig_stream_next)
		return NULL;
	return &((struct tsig_stream *)stream->state)->ctx;
}
