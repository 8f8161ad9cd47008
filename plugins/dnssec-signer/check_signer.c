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
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
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
	/* dk_ds_digest(): the same for SHA-256; SHA-384 (type 4) is 48 octets; others refused. */
	uint8_t ds2[52];
	size_t dl;

	ck_assert_int_eq(dk_ds_digest(owner, rd, n, 2, ds2, sizeof(ds2), &dl), SL_OK);
	ck_assert_uint_eq(dl, 36);
	ck_assert_mem_eq(ds2, ds, 36);
	ck_assert_int_eq(dk_ds_digest(owner, rd, n, 4, ds2, sizeof(ds2), &dl), SL_OK);
	ck_assert_uint_eq(dl, 52);
	ck_assert_uint_eq(ds2[3], 4);
	ck_assert_int_eq(dk_ds_digest(owner, rd, n, 4, ds2, 51, &dl), SL_EINVAL);
	ck_assert_int_eq(dk_ds_digest(owner, rd, n, 1, ds2, sizeof(ds2), &dl), SL_EINVAL);
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

/* ---- NSEC3 chain: the zone of RFC 5155 Appendix A ------------------------- */

/*
 * The example zone of RFC 5155 Appendix A (its DNSSEC records left out,
 * and the A record at the hashed-looking owner "2t7b...example." too),
 * signed with its parameters: SHA-1, opt-out, 12 iterations, salt AABBCCDD.
 */
static const char *const a_zone[] = {
	"example. 3600 SOA ns1.example. bugs.x.w.example. 1 3600 300 3600000 3600",
	"example. 3600 NS ns1.example.",
	"example. 3600 NS ns2.example.",
	"example. 3600 MX 1 xx.example.",
	"a.example. 3600 NS ns1.a.example.",
	"a.example. 3600 NS ns2.a.example.",
	"a.example. 3600 DS 58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C",
	"ns1.a.example. 3600 A 192.0.2.5",
	"ns2.a.example. 3600 A 192.0.2.6",
	"ai.example. 3600 A 192.0.2.9",
	"ai.example. 3600 HINFO \"KLH-10\" \"ITS\"",
	"ai.example. 3600 AAAA 2001:db8::f00:baa9",
	"c.example. 3600 NS ns1.c.example.",
	"c.example. 3600 NS ns2.c.example.",
	"ns1.c.example. 3600 A 192.0.2.7",
	"ns2.c.example. 3600 A 192.0.2.8",
	"ns1.example. 3600 A 192.0.2.1",
	"ns2.example. 3600 A 192.0.2.2",
	"*.w.example. 3600 MX 1 ai.example.",
	"x.w.example. 3600 MX 1 xx.example.",
	"x.y.w.example. 3600 MX 1 xx.example.",
	"xx.example. 3600 A 192.0.2.10",
	"xx.example. 3600 HINFO \"KLH-10\" \"TOPS-20\"",
	"xx.example. 3600 AAAA 2001:db8::f00:baaa",
};

/* Its NSEC3 chain, as in the appendix (c.example. left out: opt-out). */
static const char *const a_chain[] = {
	"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM",
	"2t7b4g4vsa5smi47k61mv5bv1a22bojr 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG",
	"2vptu5timamqttgl4luu9kg21e0aor3s 35mthgpgcu1qg68fab165klnsnk3dpvl MX RRSIG",
	"35mthgpgcu1qg68fab165klnsnk3dpvl b4um86eghhds6nea196smvmlo4ors995 NS DS RRSIG",
	"b4um86eghhds6nea196smvmlo4ors995 gjeqe526plbf1g8mklp59enfd789njgi MX RRSIG",
	"gjeqe526plbf1g8mklp59enfd789njgi ji6neoaepv8b5o6k4ev33abha8ht9fgc A HINFO AAAA RRSIG",
	"ji6neoaepv8b5o6k4ev33abha8ht9fgc k8udemvp1j2f7eg6jebps17vp3n8i58h",
	"k8udemvp1j2f7eg6jebps17vp3n8i58h q04jkcevqvmu85r014c7dkba38o0ji5r",
	"q04jkcevqvmu85r014c7dkba38o0ji5r r53bq7cc2uvmubfu5ocmm6pers9tk9en A RRSIG",
	"r53bq7cc2uvmubfu5ocmm6pers9tk9en t644ebqk9bibcna874givr6joj62mlhv MX RRSIG",
	"t644ebqk9bibcna874givr6joj62mlhv 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A HINFO AAAA RRSIG",
};

static keyset_t a_keys;
static zsign_cfg_t a_cfg;
static uint32_t a_earliest;   /* what the last signing reported */
static uint32_t a_min, a_max; /* RRSIG expirations found in the signed zone */
static unsigned a_sigs;

static int a_sign(void *arg, sl_zone_t *zone, const sl_zone_version_t *from,
		  const sl_zone_version_t *to, sl_zone_txn_t *amend, sl_error_t *err)
{
	(void)arg, (void)from;
	return zs_sign_version(&a_cfg, sl_zone_name(zone), to, amend, &a_earliest, err);
}

/* The zone of Appendix A signed with @p cfg; its NSEC3 records in @p out. */
static void sign_appendix_a(unsigned *n, char out[][300])
{
	uint8_t apex[SL_NAME_MAXLEN];
	sl_zone_txn_t *txn;
	sl_error_t err;
	bool created;
	char msg[1024], text[200];

	wire("example.", apex);
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/check_signer.XXXXXX")));
	sl_error_clear(&err);
	ck_assert_int_eq(dk_load_or_create(dir, apex, SK_ECDSAP256, false, true, &a_keys,
					   &created, &err),
			 SL_OK);
	a_cfg.keys = &a_keys;
	a_cfg.now = time(NULL);
	sl_zone_t *z = sl_zone_get(apex);

	ck_assert_ptr_nonnull(z);
	ck_assert_int_eq(sl_zone_set_signer(z, &(sl_zone_signer_t){ a_sign, NULL }), SL_OK);
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	for (size_t i = 0; i < sizeof(a_zone) / sizeof(a_zone[0]); i++) {
		tu_rr_t *rr = malloc(sizeof(*rr));

		tu_parse_rr(a_zone[i], apex, rr);
		ck_assert_int_eq(sl_zone_txn_add(txn, rr->owner, rr->type, rr->ttl, rr->rdata,
						 rr->rdlen, NULL),
				 SL_OK);
		free(rr);
	}
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, msg, sizeof(msg)) == SL_OK, "%s", msg);
	*n = 0;
	sl_zone_iter_t it;
	const sl_node_t *node;

	a_sigs = 0;
	sl_zone_iter_init(&it, sl_zone_current(z));
	while ((node = sl_zone_iter_next(&it)) != NULL) {
		const sl_rrset_t *rs = sl_node_rrset(node, SL_TYPE_NSEC3);
		const uint8_t *p;
		uint16_t len;

		/* Every RRSIG's expiration (RDATA octets 8..11). */
		for (unsigned i = 0; i < node->nrrsets; i++) {
			if (node->rrsets[i].type != SL_TYPE_RRSIG)
				continue;
			for (p = NULL; (p = sl_rrset_next(&node->rrsets[i], p, &len)) != NULL;) {
				uint32_t exp = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
					       (uint32_t)p[10] << 8 | p[11];

				a_min = a_sigs == 0 || exp < a_min ? exp : a_min;
				a_max = a_sigs == 0 || exp > a_max ? exp : a_max;
				a_sigs++;
			}
		}
		if (!rs)
			continue;
		ck_assert_uint_eq(rs->count, 1);
		ck_assert_uint_eq(rs->ttl, 3600);   /* min(SOA MINIMUM, SOA TTL) */
		ck_assert_ptr_nonnull(sl_node_rrsig(node, SL_TYPE_NSEC3));
		p = sl_rrset_next(rs, NULL, &len);
		ck_assert_int_gt(sl_rdata_to_text(SL_TYPE_NSEC3, p, len, text, sizeof(text)), 0);
		ck_assert_uint_lt(*n, 16);
		snprintf(out[(*n)++], 300, "%.*s %s", node->owner[0], (const char *)node->owner + 1,
			 text);
	}
	const sl_node_t *ap = sl_zone_apex(sl_zone_current(z));
	const sl_rrset_t *param = sl_node_rrset(ap, SL_TYPE_NSEC3PARAM);

	ck_assert_ptr_nonnull(param);
	ck_assert_ptr_nonnull(sl_node_rrsig(ap, SL_TYPE_NSEC3PARAM));
	const uint8_t *p;
	uint16_t len;

	p = sl_rrset_next(param, NULL, &len);
	ck_assert_int_gt(sl_rdata_to_text(SL_TYPE_NSEC3PARAM, p, len, text, sizeof(text)), 0);
	ck_assert_msg(strcasecmp(text, a_cfg.nsec3_saltlen ? "1 0 12 AABBCCDD" : "1 0 0 -") == 0,
		      "%s", text);
	ck_assert_int_eq(sl_zone_set_signer(z, NULL), SL_OK);
	sl_zone_put(z);
	dk_free(&a_keys);
	rm_dir();
}

START_TEST(test_nsec3_appendix_a)
{
	char got[16][300], want[300];
	unsigned n;

	memset(&a_cfg, 0, sizeof(a_cfg));
	a_cfg.lifetime = 86400;
	a_cfg.denial = ZS_NSEC3;
	a_cfg.nsec3_iterations = 12;
	a_cfg.nsec3_opt_out = true;
	a_cfg.nsec3_saltlen = 4;
	memcpy(a_cfg.nsec3_salt, "\xaa\xbb\xcc\xdd", 4);
	sign_appendix_a(&n, got);
	ck_assert_uint_eq(n, sizeof(a_chain) / sizeof(a_chain[0]));
	for (unsigned i = 0; i < n; i++) {
		const char *sp = strchr(a_chain[i], ' ');

		/* owner, then "1 1 12 AABBCCDD next types" */
		snprintf(want, sizeof(want), "%.*s 1 1 12 AABBCCDD %s", (int)(sp - a_chain[i]),
			 a_chain[i], sp + 1);
		ck_assert_msg(strcasecmp(got[i], want) == 0, "got  %s\nwant %s", got[i], want);
	}
	/* No jitter: every signature expires lifetime after signing. */
	ck_assert_uint_gt(a_sigs, 20);
	ck_assert_uint_eq(a_min, a_max);
	ck_assert_uint_eq(a_min, (uint32_t)a_cfg.now + 86400);
	ck_assert_uint_eq(a_earliest, a_min);
	/* RFC 9276 defaults without opt-out: c.example. (insecure) is hashed too. */
	memset(&a_cfg, 0, sizeof(a_cfg));
	a_cfg.lifetime = 86400;
	a_cfg.denial = ZS_NSEC3;
	a_cfg.jitter = 3600;
	sign_appendix_a(&n, got);
	/* Jitter: expirations spread over [lifetime - jitter, lifetime]; the earliest reported. */
	ck_assert_uint_ne(a_min, a_max);
	ck_assert_uint_ge(a_min, (uint32_t)a_cfg.now + 86400 - 3600);
	ck_assert_uint_le(a_max, (uint32_t)a_cfg.now + 86400);
	ck_assert_uint_eq(a_earliest, a_min);
	ck_assert_uint_eq(n, sizeof(a_chain) / sizeof(a_chain[0]) + 1);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(strstr(got[i], " 1 0 0 - ") != NULL, "%s", got[i]);
}
END_TEST

/* SOA serials: RFC 1982 order and the three policies of a refresh. */
START_TEST(test_serial_policies)
{
	/* 2026-12-05 11:00:00 UTC */
	time_t now = 1796468400;

	ck_assert(zs_serial_gt(2, 1));
	ck_assert(!zs_serial_gt(1, 1));
	ck_assert(zs_serial_gt(0, 0xffffffffu));             /* wraps */
	ck_assert(!zs_serial_gt(0x80000001u, 1));           /* too far ahead: not greater */
	ck_assert_uint_eq(zs_serial_next(1, ZS_SERIAL_INCREMENT, now), 2);
	ck_assert_uint_eq(zs_serial_next(0xffffffffu, ZS_SERIAL_INCREMENT, now), 1); /* 0 skipped */
	ck_assert_uint_eq(zs_serial_next(5, ZS_SERIAL_UNIXTIME, now), (uint32_t)now);
	ck_assert_uint_eq(zs_serial_next((uint32_t)now + 10, ZS_SERIAL_UNIXTIME, now),
			  (uint32_t)now + 11);
	ck_assert_uint_eq(zs_serial_next(2026010100, ZS_SERIAL_DATESERIAL, now), 2026120500);
	ck_assert_uint_eq(zs_serial_next(2026120507, ZS_SERIAL_DATESERIAL, now), 2026120508);
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
	tcase_add_test(tc, test_nsec3_appendix_a);
	tcase_add_test(tc, test_serial_policies);
	suite_add_tcase(s, tc);
	return s;
}
