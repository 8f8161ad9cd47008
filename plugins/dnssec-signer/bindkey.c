/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * BIND's key files, as dnssec-keygen (and ldns-keygen) write them:
 * K<name>+<alg>+<tag>.key holds the public KEY/DNSKEY record and
 * K<name>+<alg>+<tag>.private the private key in "Private-key-format"
 * v1.2/v1.3 (one "Tag: value" per line, binary values in base64). Every
 * input is hostile: bounded lines and values, each field once, the key
 * checked by a signature before it is accepted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <sluice/codec.h>
#include <sluice/rr.h>

#include "keystore.h"

/* Longest line of a key file (an RSA 4096 modulus is 684 base64 characters). */
#define LINE_MAX_LEN 4096
/* Largest decoded value (RSA 8192 would need 1024 octets: refused after decoding). */
#define VALUE_MAX 1024

int bk_file_read(const char *path, char *buf, size_t cap, size_t *len, sl_error_t *err)
{
	struct stat st;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sl_error_set(err, SL_EIO, "%s: not a regular file", path);
	}
	if (cap < 1 || st.st_size < 0 || (size_t)st.st_size >= cap) {
		close(fd);
		return sl_error_set(err, SL_ECONFIG, "%s: too big for a key file (%lld octets)",
				    path, (long long)st.st_size);
	}
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			return sl_error_set(err, SL_EIO, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n == cap - 1)
		return sl_error_set(err, SL_ECONFIG, "%s: too big for a key file", path);
	buf[n] = '\0';
	*len = n;
	return SL_OK;
}

/* ---- Private-key-format ------------------------------------------------------- */

enum { F_MOD, F_PUBEXP, F_PRIVEXP, F_P1, F_P2, F_E1, F_E2, F_COEF, F_PRIV, F_COUNT };
static const char *const field_names[F_COUNT] = {
	"Modulus", "PublicExponent", "PrivateExponent", "Prime1", "Prime2",
	"Exponent1", "Exponent2", "Coefficient", "PrivateKey",
};
/* OpenSSL's names of the RSA fields, in the order above. */
static const char *const rsa_params[F_PRIV] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* BIND's spelling of an algorithm in "Algorithm: 13 (ECDSAP256SHA256)". */
static const char *bind_alg_name(uint8_t alg)
{
	switch (alg) {
	case SK_RSASHA256: return "RSASHA256";
	case SK_ECDSAP256: return "ECDSAP256SHA256";
	case SK_ECDSAP384: return "ECDSAP384SHA384";
	case SK_ED25519: return "ED25519";
	case SK_ED448: return "ED448";
	default: return NULL;
	}
}

typedef struct fields {
	uint8_t v[F_COUNT][VALUE_MAX];
	size_t len[F_COUNT];
	bool have[F_COUNT];
} fields_t;

/* "YYYYMMDDHHMMSS" (UTC) to Unix time. */
static bool parse_time(const char *s, size_t len, int64_t *out)
{
	struct tm tm;
	int v[6], w[6] = { 4, 2, 2, 2, 2, 2 };
	size_t p = 0;

	if (len != 14)
		return false;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int j = 0; j < w[i]; j++, p++) {
			if (s[p] < '0' || s[p] > '9')
				return false;
			v[i] = v[i] * 10 + (s[p] - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out = (int64_t)timegm(&tm);
	return true;
}

static EVP_PKEY *fromdata(const char *type, const OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pk = NULL;

	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, (OSSL_PARAM *)params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static int rsa_from(const fields_t *f, EVP_PKEY **out, sl_error_t *err)
{
	int rc = SL_ECONFIG;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	BIGNUM *bn[F_PRIV] = { 0 };
	EVP_PKEY *pk = NULL;
	bool crt = true;
	int bits;

	for (int i = 0; i < 3; i++) {
		if (!f->have[i]) {
			sl_error_set(err, SL_ECONFIG, "RSA key without %s", field_names[i]);
			goto out;
		}
	}
	for (int i = F_P1; i <= F_COEF; i++)
		crt = crt && f->have[i];
	bits = f->len[F_MOD] && f->v[F_MOD][0] ? (int)f->len[F_MOD] * 8 : 0;
	if (bits < 1024 || bits > 4096 || f->len[F_PUBEXP] < 1 || f->len[F_PUBEXP] > 16) {
		sl_error_set(err, SL_ECONFIG, "RSA key: modulus of %d bits or exponent of %zu "
			     "octets (1024-4096 bits and 1-16 octets accepted)", bits,
			     f->len[F_PUBEXP]);
		goto out;
	}
	if (!bld)
		goto nomem;
	for (int i = 0; i < (crt ? F_PRIV : 3); i++) {
		if (!(bn[i] = BN_bin2bn(f->v[i], (int)f->len[i], NULL)) ||
		    !OSSL_PARAM_BLD_push_BN(bld, rsa_params[i], bn[i]))
			goto nomem;
	}
	if (!(params = OSSL_PARAM_BLD_to_param(bld)))
		goto nomem;
	if (!(pk = fromdata("RSA", params)))
		sl_error_set(err, SL_ECONFIG, "RSA key: OpenSSL refuses its fields");
	else
		rc = SL_OK;
	goto out;
nomem:
	rc = sl_error_set(err, SL_ENOMEM, "out of memory");
out:
	for (int i = 0; i < F_PRIV; i++)
		BN_clear_free(bn[i]);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	*out = pk;
	return rc;
}

static int ec_from(const uint8_t *d, size_t len, uint8_t alg, EVP_PKEY **out, sl_error_t *err)
{
	int rc = SL_ECONFIG;
	bool p256 = alg == SK_ECDSAP256;
	size_t size = p256 ? 32 : 48;
	EC_GROUP *g = EC_GROUP_new_by_curve_name(p256 ? NID_X9_62_prime256v1 : NID_secp384r1);
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *priv = len ? BN_bin2bn(d, (int)len, NULL) : NULL;
	EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t pub[1 + 2 * 48];
	size_t pl;

	if (!g || !ctx || !pt || !bld || (len && !priv)) {
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	if (len < 1 || len > size || BN_is_zero(priv) ||
	    BN_cmp(priv, EC_GROUP_get0_order(g)) >= 0) {
		sl_error_set(err, SL_ECONFIG,
			     "%s private key: not a scalar of %zu octets in 1..n-1",
			     dk_alg_name(alg), size);
		goto out;
	}
	if (EC_POINT_mul(g, pt, priv, NULL, NULL, ctx) != 1 ||
	    (pl = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub),
				     ctx)) != 1 + 2 * size ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     p256 ? "P-256" : "P-384", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pl) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || !(pk = fromdata("EC", params)))
		sl_error_set(err, SL_ECONFIG, "%s private key: OpenSSL refuses it",
			     dk_alg_name(alg));
	else
		rc = SL_OK;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(pt);
	BN_clear_free(priv);
	BN_CTX_free(ctx);
	EC_GROUP_free(g);
	*out = pk;
	return rc;
}

/* Signs and verifies a fixed message: the key's parts belong together. */
static bool self_test(EVP_PKEY *pk, uint8_t alg)
{
	static const uint8_t msg[] = "sluice-keys self test";
	const char *md = alg == SK_ECDSAP384 ? "SHA384"
			 : (alg == SK_ED25519 || alg == SK_ED448) ? NULL : "SHA256";
	uint8_t sig[1024];
	size_t sl = sizeof(sig);
	EVP_MD_CTX *s = EVP_MD_CTX_new(), *v = EVP_MD_CTX_new();
	bool ok = s && v && EVP_DigestSignInit_ex(s, NULL, md, NULL, NULL, pk, NULL) == 1 &&
		  EVP_DigestSign(s, NULL, &sl, msg, sizeof(msg)) == 1 && sl <= sizeof(sig) &&
		  EVP_DigestSign(s, sig, &sl, msg, sizeof(msg)) == 1 &&
		  EVP_DigestVerifyInit_ex(v, NULL, md, NULL, NULL, pk, NULL) == 1 &&
		  EVP_DigestVerify(v, sig, sl, msg, sizeof(msg)) == 1;

	EVP_MD_CTX_free(s);
	EVP_MD_CTX_free(v);
	if (ok && alg == SK_RSASHA256) {
		/* RSA signs with the CRT parts alone: check that d, p, q... agree with n, e. */
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);

		ok = c && EVP_PKEY_pairwise_check(c) == 1;
		EVP_PKEY_CTX_free(c);
	}
	return ok;
}

/* One "Tag: value" line into @p f. @return SL_OK or an error */
static int private_line(const char *tag, size_t tl, const char *val, size_t vl, unsigned line,
			fields_t *f, uint8_t *alg, int64_t *created, sl_error_t *err)
{
	if (tl == 9 && !memcmp(tag, "Algorithm", 9)) {
		unsigned a = 0;
		size_t i = 0;

		if (*alg)
			return sl_error_set(err, SL_ECONFIG, "line %u: Algorithm given twice",
					    line);
		while (i < vl && i < 4 && val[i] >= '0' && val[i] <= '9')
			a = a * 10 + (unsigned)(val[i++] - '0');
		if (i == 0 || i > 3 || (i < vl && val[i] != ' ') || a > 255)
			return sl_error_set(err, SL_ECONFIG,
					    "line %u: Algorithm: expected a number", line);
		if (!bind_alg_name((uint8_t)a))
			return sl_error_set(err, SL_ECONFIG, "line %u: algorithm %u is not "
					    "supported (8 RSASHA256, 13 ECDSAP256SHA256, 14 "
					    "ECDSAP384SHA384, 15 ED25519, 16 ED448)", line, a);
		*alg = (uint8_t)a;
		return SL_OK;
	}
	if ((tl == 6 && !memcmp(tag, "Engine", 6)) || (tl == 5 && !memcmp(tag, "Label", 5)))
		return sl_error_set(err, SL_ECONFIG,
				    "line %u: the key is kept in a hardware module (%.*s): it "
				    "cannot be imported", line, (int)tl, tag);
	if (tl == 7 && !memcmp(tag, "Created", 7)) {
		if (!parse_time(val, vl, created))
			return sl_error_set(err, SL_ECONFIG, "line %u: Created: expected "
					    "YYYYMMDDHHMMSS", line);
		return SL_OK;
	}
	for (int i = 0; i < F_COUNT; i++) {
		size_t n;
		int rc;

		if (strlen(field_names[i]) != tl || memcmp(field_names[i], tag, tl) != 0)
			continue;
		if (f->have[i])
			return sl_error_set(err, SL_ECONFIG, "line %u: %s given twice", line,
					    field_names[i]);
		rc = sl_base64_decode(val, vl, f->v[i], VALUE_MAX, &n);
		if (rc != SL_OK)
			return sl_error_set(err, SL_ECONFIG, "line %u: %s: %s", line,
					    field_names[i],
					    rc == SL_ESPACE ? "too long" : "not base64");
		f->have[i] = true;
		f->len[i] = n;
		return SL_OK;
	}
	return SL_OK;   /* timing metadata (Publish, Activate, ...) and the like */
}

int bk_private_parse(const char *text, size_t len, uint8_t *alg, EVP_PKEY **pkey,
		     int64_t *created, sl_error_t *err)
{
	fields_t *f = calloc(1, sizeof(*f));
	bool format = false;
	unsigned line = 0;
	size_t pos = 0;
	int rc = SL_OK;

	*alg = 0;
	*pkey = NULL;
	*created = 0;
	if (!f)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if (memchr(text, '\0', len)) {
		rc = sl_error_set(err, SL_ECONFIG, "not a text file (NUL byte)");
		goto out;
	}
	while (pos < len && rc == SL_OK) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - s) : len - pos;
		const char *colon;

		pos += ll + (nl != NULL);
		line++;
		if (ll > LINE_MAX_LEN) {
			rc = sl_error_set(err, SL_ECONFIG, "line %u: longer than %d characters",
					  line, LINE_MAX_LEN);
			break;
		}
		while (ll && (s[ll - 1] == '\r' || s[ll - 1] == ' ' || s[ll - 1] == '\t'))
			ll--;
		if (!ll)
			continue;
		if (!(colon = memchr(s, ':', ll))) {
			rc = sl_error_set(err, SL_ECONFIG, "line %u: expected \"Tag: value\"",
					  line);
			break;
		}
		size_t tl = (size_t)(colon - s), vo = tl + 1;

		while (vo < ll && (s[vo] == ' ' || s[vo] == '\t'))
			vo++;
		if (!format) {
			if (tl != 18 || memcmp(s, "Private-key-format", 18) != 0) {
				rc = sl_error_set(err, SL_ECONFIG, "line %u: expected "
						  "\"Private-key-format: v1.2\" or v1.3 first (a "
						  "BIND K*.private file)", line);
			} else if (!(ll - vo == 4 && (!memcmp(s + vo, "v1.2", 4) ||
						      !memcmp(s + vo, "v1.3", 4)))) {
				rc = sl_error_set(err, SL_ECONFIG, "line %u: Private-key-format "
						  "%.*s is not supported (v1.2 or v1.3)", line,
						  (int)(ll - vo > 32 ? 32 : ll - vo), s + vo);
			}
			format = true;
			continue;
		}
		rc = private_line(s, tl, s + vo, ll - vo, line, f, alg, created, err);
	}
	if (rc != SL_OK)
		goto out;
	if (!format || !*alg) {
		rc = sl_error_set(err, SL_ECONFIG, "no %s line (a BIND K*.private file?)",
				  format ? "Algorithm" : "Private-key-format");
		goto out;
	}
	if (*alg == SK_RSASHA256) {
		if (f->have[F_PRIV]) {
			rc = sl_error_set(err, SL_ECONFIG, "RSA key with a PrivateKey field");
			goto out;
		}
		rc = rsa_from(f, pkey, err);
	} else {
		for (int i = 0; i < F_PRIV; i++) {
			if (f->have[i]) {
				rc = sl_error_set(err, SL_ECONFIG, "%s key with the RSA field %s",
						  dk_alg_name(*alg), field_names[i]);
				goto out;
			}
		}
		if (!f->have[F_PRIV]) {
			rc = sl_error_set(err, SL_ECONFIG, "%s key without PrivateKey",
					  dk_alg_name(*alg));
			goto out;
		}
		if (*alg == SK_ECDSAP256 || *alg == SK_ECDSAP384) {
			rc = ec_from(f->v[F_PRIV], f->len[F_PRIV], *alg, pkey, err);
		} else {
			size_t want = *alg == SK_ED25519 ? 32 : 57;

			if (f->len[F_PRIV] != want)
				rc = sl_error_set(err, SL_ECONFIG,
						  "%s PrivateKey: %zu octets, not %zu",
						  dk_alg_name(*alg), f->len[F_PRIV], want);
			else if (!(*pkey = EVP_PKEY_new_raw_private_key(
					   *alg == SK_ED25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448,
					   NULL, f->v[F_PRIV], want)))
				rc = sl_error_set(err, SL_ECONFIG,
						  "%s PrivateKey: OpenSSL refuses it",
						  dk_alg_name(*alg));
		}
	}
	if (rc == SL_OK && !self_test(*pkey, *alg)) {
		EVP_PKEY_free(*pkey);
		*pkey = NULL;
		rc = sl_error_set(err, SL_ECONFIG, "%s key: its parts do not belong together (a "
				  "test signature does not verify)", dk_alg_name(*alg));
	}
out:
	OPENSSL_cleanse(f, sizeof(*f));
	free(f);
	ERR_clear_error();
	return rc;
}

/* Appends base64 of @p bin as "Tag: value\n". @return false when out of room */
static bool put_b64(char *out, size_t cap, size_t *pos, const char *tag, const uint8_t *bin,
		    size_t len)
{
	int n = snprintf(out + *pos, cap - *pos, "%s: ", tag);
	int b;

	if (n < 0 || (size_t)n >= cap - *pos)
		return false;
	*pos += (size_t)n;
	b = sl_base64_encode(bin, len, out + *pos, cap - *pos);
	if (b < 0 || (size_t)b + 2 > cap - *pos)
		return false;
	*pos += (size_t)b;
	out[(*pos)++] = '\n';
	out[*pos] = '\0';
	return true;
}

int bk_private_format(EVP_PKEY *pk, uint8_t alg, int64_t created, char *out, size_t cap)
{
	uint8_t bin[VALUE_MAX];
	size_t pos = 0, n;
	char ts[32];
	struct tm tm;
	time_t t = (time_t)created;
	int w;
	bool ok = true;

	if (!bind_alg_name(alg) || !gmtime_r(&t, &tm))
		return SL_EINVAL;
	strftime(ts, sizeof(ts), "%Y%m%d%H%M%S", &tm);
	w = snprintf(out, cap, "Private-key-format: v1.3\nAlgorithm: %u (%s)\n", alg,
		     bind_alg_name(alg));
	if (w < 0 || (size_t)w >= cap)
		return SL_ESPACE;
	pos = (size_t)w;
	if (alg == SK_RSASHA256) {
		for (int i = 0; ok && i < F_PRIV; i++) {
			BIGNUM *bn = NULL;

			ok = EVP_PKEY_get_bn_param(pk, rsa_params[i], &bn) == 1 &&
			     BN_num_bytes(bn) <= VALUE_MAX &&
			     (n = (size_t)BN_bn2bin(bn, bin)) > 0 &&
			     put_b64(out, cap, &pos, field_names[i], bin, n);
			BN_clear_free(bn);
		}
	} else if (alg == SK_ECDSAP256 || alg == SK_ECDSAP384) {
		BIGNUM *bn = NULL;
		int size = alg == SK_ECDSAP256 ? 32 : 48;

		ok = EVP_PKEY_is_a(pk, "EC") &&
		     EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1 &&
		     BN_bn2binpad(bn, bin, size) == size &&
		     put_b64(out, cap, &pos, "PrivateKey", bin, (size_t)size);
		BN_clear_free(bn);
	} else {
		n = sizeof(bin);
		ok = EVP_PKEY_is_a(pk, alg == SK_ED25519 ? "ED25519" : "ED448") &&
		     EVP_PKEY_get_raw_private_key(pk, bin, &n) == 1 &&
		     put_b64(out, cap, &pos, "PrivateKey", bin, n);
	}
	OPENSSL_cleanse(bin, sizeof(bin));
	if (!ok)
		return SL_EINVAL;
	w = snprintf(out + pos, cap - pos, "Created: %s\nPublish: %s\nActivate: %s\n", ts, ts, ts);
	if (w < 0 || (size_t)w >= cap - pos)
		return SL_ESPACE;
	return (int)(pos + (size_t)w);
}

/* ---- the public key file -------------------------------------------------------- */

/* Next blank-separated token of @p s (length @p len) from *@p pos. */
static bool token(const char *s, size_t len, size_t *pos, const char **tok, size_t *tl)
{
	while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t'))
		(*pos)++;
	if (*pos >= len)
		return false;
	*tok = s + *pos;
	while (*pos < len && s[*pos] != ' ' && s[*pos] != '\t')
		(*pos)++;
	*tl = (size_t)(s + *pos - *tok);
	return true;
}

int bk_key_parse(const char *text, size_t len, uint8_t *owner, uint16_t *type, uint8_t *rdata,
		 size_t cap, size_t *rdlen, sl_error_t *err)
{
	char rec[LINE_MAX_LEN + 1];
	size_t rl = 0, pos = 0, on;
	unsigned line = 0, first = 0;
	int depth = 0;
	bool done = false;

	if (memchr(text, '\0', len))
		return sl_error_set(err, SL_ECONFIG, "not a text file (NUL byte)");
	/* One record: comments dropped, parenthesised lines joined. */
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - s) : len - pos;
		const char *semi = memchr(s, ';', ll);
		bool blank = true;

		pos += ll + (nl != NULL);
		line++;
		if (semi)
			ll = (size_t)(semi - s);
		for (size_t i = 0; i < ll; i++)
			blank = blank && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r');
		if (blank)
			continue;
		if (done)
			return sl_error_set(err, SL_ECONFIG,
					    "line %u: more than one record (a BIND K*.key file "
					    "holds one)", line);
		if (!first)
			first = line;
		if (rl + ll + 1 > LINE_MAX_LEN)
			return sl_error_set(err, SL_ECONFIG, "line %u: record longer than %d "
					    "characters", line, LINE_MAX_LEN);
		for (size_t i = 0; i < ll; i++) {
			char c = s[i];

			if (c == '(' || c == ')') {
				depth += c == '(' ? 1 : -1;
				if (depth < 0 || depth > 1)
					return sl_error_set(err, SL_ECONFIG, "line %u: unbalanced "
							    "parentheses", line);
				c = ' ';
			} else if (c == '\r' || c == '"' || c == '\\') {
				return sl_error_set(err, SL_ECONFIG, "line %u: unexpected "
						    "character in a key record", line);
			}
			rec[rl++] = c;
		}
		rec[rl++] = ' ';
		done = depth == 0;
	}
	if (!first)
		return sl_error_set(err, SL_ECONFIG, "no record (a BIND K*.key file?)");
	if (!done)
		return sl_error_set(err, SL_ECONFIG, "line %u: unbalanced parentheses", first);
	if (rec[0] == ' ' || rec[0] == '\t')
		return sl_error_set(err, SL_ECONFIG, "line %u: the record has no owner", first);

	const char *tok;
	size_t tl, rp = 0;
	uint16_t rclass = 1;
	bool have_ttl = false, have_class = false;

	*type = 0;
	if (!token(rec, rl, &rp, &tok, &tl) ||
	    sl_name_from_text(tok, tl, NULL, owner, &on) != SL_OK)
		return sl_error_set(err, SL_ECONFIG, "line %u: the owner is not an absolute "
				    "domain name", first);
	while (!*type) {
		uint32_t ttl;
		uint16_t v;

		if (!token(rec, rl, &rp, &tok, &tl))
			return sl_error_set(err, SL_ECONFIG, "line %u: no record type", first);
		if (!have_ttl && tok[0] >= '0' && tok[0] <= '9' &&
		    sl_ttl_from_text(tok, tl, UINT32_MAX, &ttl) == SL_OK) {
			have_ttl = true;
		} else if (!have_class && sl_rrclass_from_text(tok, tl, &v) == SL_OK) {
			have_class = true;
			rclass = v;
		} else if (sl_rrtype_from_text(tok, tl, &v) == SL_OK) {
			if (v != SL_TYPE_KEY && v != SL_TYPE_DNSKEY)
				return sl_error_set(err, SL_ECONFIG,
						    "line %u: a %.*s record, not KEY or DNSKEY",
						    first, (int)(tl > 16 ? 16 : tl), tok);
			*type = v;
		} else {
			return sl_error_set(err, SL_ECONFIG, "line %u: unexpected \"%.*s\"", first,
					    (int)(tl > 32 ? 32 : tl), tok);
		}
	}
	if (rclass != 1)
		return sl_error_set(err, SL_ECONFIG, "line %u: class is not IN", first);

	char msg[128] = "";
	int rc = sl_rdata_from_text(*type, rec + rp, rl - rp, NULL, rdata, cap, rdlen, msg,
				    sizeof(msg));

	if (rc != SL_OK)
		return sl_error_set(err, SL_ECONFIG, "line %u: %s", first,
				    msg[0] ? msg : sl_strerror(rc));
	if (*rdlen < 5)
		return sl_error_set(err, SL_ECONFIG, "line %u: no public key", first);
	return SL_OK;
}

int bk_name_parse(const char *path, uint8_t *owner, uint8_t *alg, uint16_t *tag)
{
	const char *base = strrchr(path, '/');
	size_t len, on;
	unsigned a = 0, t = 0;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 8 && !strcmp(base + len - 8, ".private"))
		len -= 8;
	else if (len > 4 && !strcmp(base + len - 4, ".key"))
		len -= 4;
	/* K<name>+AAA+TTTTT */
	if (len < 1 + 1 + 4 + 6 || base[0] != 'K' || base[len - 6] != '+' || base[len - 10] != '+')
		return SL_ESYNTAX;
	for (size_t i = len - 9; i < len - 6; i++) {
		if (base[i] < '0' || base[i] > '9')
			return SL_ESYNTAX;
		a = a * 10 + (unsigned)(base[i] - '0');
	}
	for (size_t i = len - 5; i < len; i++) {
		if (base[i] < '0' || base[i] > '9')
			return SL_ESYNTAX;
		t = t * 10 + (unsigned)(base[i] - '0');
	}
	if (a > 255 || t > 65535 || base[len - 11] != '.' ||
	    sl_name_from_text(base + 1, len - 11, NULL, owner, &on) != SL_OK)
		return SL_ESYNTAX;
	*alg = (uint8_t)a;
	*tag = (uint16_t)t;
	return SL_OK;
}
