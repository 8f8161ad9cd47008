/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for the dnssec-signer's keys (keys.c): key tags, DNSKEY RDATA
 * and DS against the examples of RFC 4509 §2.3, RFC 6605 §6.1 and RFC 8080
 * §6.1; signatures in DNS form verified with OpenSSL; key files made,
 * reused, and refused when others can read them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include <sluice/rr.h>

#include "signer.h"
#include "testutil.h"

static size_t b64(const char *text, uint8_t *out)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)strlen(text));
	size_t pad = 0;

	ck_assert_int_gt(n, 0);
	for (size_t l = strlen(text); l > 0 && text[l - 1] == '='; l--)
		pad++;
	return (size_t)n - pad;
}

static size_t hex(const char *text, uint8_t *out)
{
	size_t n = 0;

	for (; text[0] && text[1]; text += 2) {
		unsigned v;

		ck_assert_int_eq(sscanf(text, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void wire(const char *text, uint8_t *out)
{
	size_t len;

	ck_assert_int_eq(sl_name_from_text(text, strlen(text), NULL, out, &len), SL_OK);
}

/* RFC 4509 §2.3: the RSASHA1 key of RFC 4034 §5.4, its tag and SHA-256 DS. */
START_TEST(test_rfc4509_tag_ds)
{
	uint8_t rd[512], ds[36], want[32], owner[SL_NAME_MAXLEN];
	size_t n;

	rd[0] = 1, rd[1] = 0, rd[2] = 3, rd[3] = 5;
	n = 4 + b64("AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZ"
		    "DRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
		    "nOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
		    rd + 4);
	ck_assert_uint_eq(dk_key_tag(rd, n), 60485);
	wire("dskey.example.com.", owner);
	ck_assert_int_eq(dk_ds_rdata(owner, rd, n, ds), SL_OK);
	ck_assert_uint_eq((unsigned)(ds[0] << 8 | ds[1]), 60485);
	ck_assert_uint_eq(ds[2], 5);
	ck_assert_uint_eq(ds[3], 2);
	hex("D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A", want);
	ck_assert_mem_eq(ds + 4, want, 32);
	/* The owner's case does not change the digest (canonical form). */
	wire("DSKEY.Example.COM.", owner);
	ck_assert_int_eq(dk_ds_rdata(owner, rd, n, ds), SL_OK);
	ck_assert_mem_eq(ds + 4, want, 32);
}
END_TEST

/* An EC P-256 public key from X || Y. */
static EVP_PKEY *ec_pub(const uint8_t *xy)
{
	uint8_t pt[65] = { 0x04 };
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pk = NULL;
	OSSL_PARAM *params;

	memcpy(pt + 1, xy, 64);
	OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params = OSSL_PARAM_BLD_to_param(b);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* RFC 6605 §6.1: ECDSAP256SHA256 DNSKEY (X || Y), key tag 55648 and its DS. */
START_TEST(test_rfc6605_dnskey_ds)
{
	uint8_t xy[64], rd[SK_DNSKEY_MAX], ds[36], want[32], owner[SL_NAME_MAXLEN];
	size_t n;

	ck_assert_uint_eq(b64("GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+"
			      "e+MAnLr+Wi9xMWyQLc8NAA==",
			      xy),
			  64);
	EVP_PKEY *pk = ec_pub(xy);

	ck_assert_int_eq(dk_dnskey_rdata(pk, SK_ECDSAP256, 257, rd, sizeof(rd), &n), SL_OK);
	ck_assert_uint_eq(n, 68);
	ck_assert_mem_eq(rd + 4, xy, 64);
	ck_assert_uint_eq(dk_key_tag(rd, n), 55648);
	/* The wrong algorithm for the key is refused. */
	ck_assert_int_eq(dk_dnskey_rdata(pk, SK_ED25519, 257, rd, sizeof(rd), &n), SL_EINVAL);
	ck_assert_int_eq(dk_dnskey_rdata(pk, SK_ECDSAP256, 257, rd, sizeof(rd), &n), SL_OK);
	wire("example.net.", owner);
	ck_assert_int_eq(dk_ds_rdata(owner, rd, n, ds), SL_OK);
	hex("b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17", want);
	ck_assert_mem_eq(ds + 4, want, 32);
	EVP_PKEY_free(pk);
}
END_TEST

/* RFC 8080 §6.1: Ed25519 DNSKEY from the private key, tag 3613, DS. */
START_TEST(test_rfc8080_dnskey_ds)
{
	uint8_t priv[64], pub[64], rd[SK_DNSKEY_MAX], ds[36], want[32], owner[SL_NAME_MAXLEN];
	size_t n;

	ck_assert_uint_eq(b64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=", priv), 32);
	ck_assert_uint_eq(b64("l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", pub), 32);
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);

	ck_assert_ptr_nonnull(pk);
	ck_assert_int_eq(dk_dnskey_rdata(pk, SK_ED25519, 257, rd, sizeof(rd), &n), SL_OK);
	ck_assert_uint_eq(n, 36);
	ck_assert_mem_eq(rd + 4, pub, 32);
	ck_assert_uint_eq(dk_key_tag(rd, n), 3613);
	wire("example.com.", owner);
	ck_assert_int_eq(dk_ds_rdata(owner, rd, n, ds), SL_OK);
	hex("3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b", want);
	ck_assert_mem_eq(ds + 4, want, 32);
	EVP_PKEY_free(pk);
}
END_TEST

/* A DNS-form signature verifies with OpenSSL (ECDSA r || s back to DER). */
static void verify(const skey_t *k, const uint8_t *data, size_t len, const uint8_t *sig,
		   size_t siglen)
{
	uint8_t der[600];
	size_t dl = siglen;
	const EVP_MD *md = k->alg == SK_ECDSAP256 || k->alg == SK_RSASHA256 ? EVP_sha256()
		: k->alg == SK_ECDSAP384 ? EVP_sha384() : NULL;

	memcpy(der, sig, siglen);
	if (k->alg == SK_ECDSAP256 || k->alg == SK_ECDSAP384) {
		ECDSA_SIG *es = ECDSA_SIG_new();
		unsigned char *p = der;

		ck_assert_int_eq(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)siglen / 2, NULL),
						BN_bin2bn(sig + siglen / 2, (int)siglen / 2, NULL)),
				 1);
		dl = (size_t)i2d_ECDSA_SIG(es, &p);
		ECDSA_SIG_free(es);
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pkey), 1);
	ck_assert_int_eq(EVP_DigestVerify(ctx, der, dl, data, len), 1);
	EVP_MD_CTX_free(ctx);
}

static char dir[] = "/tmp/check_signer.XXXXXX";

static void rm_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const uint8_t algs_tested[] = { SK_ECDSAP256, SK_ED25519, SK_RSASHA256, SK_ECDSAP384,
				       SK_ED448 };

/* Keys are made, stored 0600, reused, and refused once others may read them. */
START_TEST(test_keys_files)
{
	uint8_t alg = algs_tested[_i], apex[SL_NAME_MAXLEN];
	keyset_t ks, again;
	bool created;
	sl_error_t err;
	char path[256];
	struct stat st;
	uint8_t sig[SK_SIG_MAX];
	size_t siglen;
	static const uint8_t data[] = "data to sign";

	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/check_signer.XXXXXX")));
	wire("Example.COM.", apex);
	sl_error_clear(&err);
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg, false, false, &ks, &created, &err),
			 SL_ENOTFOUND);
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg, false, true, &ks, &created, &err),
			 SL_OK);
	ck_assert(created);
	ck_assert_uint_eq(ks.n, 2);
	ck_assert_uint_eq(ks.k[0].role, SK_KSK);
	ck_assert_uint_eq(ks.k[0].dnskey[1], 1);   /* SEP */
	ck_assert_uint_eq(ks.k[1].dnskey[1], 0);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(dk_sign(&ks.k[i], data, sizeof(data), sig, sizeof(sig), &siglen),
				 SL_OK);
		verify(&ks.k[i], data, sizeof(data), sig, siglen);
	}
	snprintf(path, sizeof(path), "%s/example.com.ksk.pem", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(dk_publish_ds(dir, apex, &ks, "test", &err), SL_OK);
	snprintf(path, sizeof(path), "%s/example.com.ds", dir);
	ck_assert_int_eq(access(path, R_OK), 0);

	/* Restart: the same keys. */
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg, false, true, &again, &created, &err),
			 SL_OK);
	ck_assert(!created);
	ck_assert_uint_eq(again.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_eq(again.k[i].tag, ks.k[i].tag);
		ck_assert_mem_eq(again.k[i].dnskey, ks.k[i].dnskey, ks.k[i].dnskey_len);
	}
	dk_free(&again);

	/* Another algorithm in the configuration: refused, no new keys. */
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg == SK_ED25519 ? SK_ECDSAP256 : SK_ED25519,
					   false, true, &again, &created, &err),
			 SL_ECONFIG);
	ck_assert_msg(strstr(err.msg, "not supported yet") != NULL, "%s", err.msg);

	/* A key file others may read is refused with a clear message. */
	snprintf(path, sizeof(path), "%s/example.com.zsk.pem", dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg, false, true, &again, &created, &err),
			 SL_ECONFIG);
	ck_assert_msg(strstr(err.msg, "mode 0644") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "example.com.zsk.pem") != NULL, "%s", err.msg);
	dk_free(&ks);
	rm_dir();

	/* A CSK. */
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/check_signer.XXXXXX")));
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg, true, true, &ks, &created, &err), SL_OK);
	ck_assert_uint_eq(ks.n, 1);
	ck_assert_uint_eq(ks.k[0].role, SK_CSK);
	ck_assert_uint_eq(ks.k[0].dnskey[1], 1);
	dk_free(&ks);
	ck_assert_int_eq(dk_load_or_create(dir, apex, alg, true, true, &ks, &created, &err), SL_OK);
	ck_assert(!created);
	dk_free(&ks);
	rm_dir();
}
END_TEST

START_TEST(test_alg_names)
{
	ck_assert_uint_eq(dk_alg_from_text("ecdsap256sha256"), 13);
	ck_assert_uint_eq(dk_alg_from_text("ed25519"), 15);
	ck_assert_uint_eq(dk_alg_from_text("rsasha256"), 8);
	ck_assert_uint_eq(dk_alg_from_text("rsasha1"), 0);
	ck_assert_uint_eq(dk_alg_from_text(NULL), 0);
	ck_assert_str_eq(dk_alg_name(16), "ed448");
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("dnssec_signer");
	TCase *tc = tcase_create("keys");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rfc4509_tag_ds);
	tcase_add_test(tc, test_rfc6605_dnskey_ds);
	tcase_add_test(tc, test_rfc8080_dnskey_ds);
	tcase_add_loop_test(tc, test_keys_files, 0, sizeof(algs_tested));
	tcase_add_test(tc, test_alg_names);
	suite_add_tcase(s, tc);
	return s;
}
