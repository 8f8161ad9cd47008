/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for sluice-keys' parsers and key store: BIND private keys
 * (the RFC 6605 §6.1/§6.2 and RFC 8080 §6.1 example keys, whose key tags are
 * known, and the dnssec-keygen keys of tests/data/sig0, whose tags are in
 * their file names), BIND public key files and file names, hostile inputs,
 * the signer's state file, and adding keys the plugin's loader then uses.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sluice/codec.h>
#include <sluice/rr.h>

#include "keystore.h"
#include "testutil.h"

/* DNSKEY RDATA (flags 257) of a parsed private key. */
static size_t rdata_of(EVP_PKEY *pk, uint8_t alg, uint16_t flags, uint8_t *rd)
{
	size_t n;

	ck_assert_int_eq(dk_dnskey_rdata(pk, alg, flags, rd, SK_DNSKEY_MAX, &n), SL_OK);
	return n;
}

static EVP_PKEY *parse_ok(const char *text, uint8_t want_alg)
{
	uint8_t alg;
	EVP_PKEY *pk;
	int64_t created;
	sl_error_t err;

	sl_error_clear(&err);
	ck_assert_msg(bk_private_parse(text, strlen(text), &alg, &pk, &created, &err) == SL_OK,
		      "%s", err.msg);
	ck_assert_uint_eq(alg, want_alg);
	return pk;
}

static void check_pub(EVP_PKEY *pk, uint8_t alg, const char *b64, uint16_t tag)
{
	uint8_t rd[SK_DNSKEY_MAX], want[SK_DNSKEY_MAX];
	size_t n = rdata_of(pk, alg, 257, rd), wl;

	ck_assert_int_eq(sl_base64_decode(b64, strlen(b64), want, sizeof(want), &wl), SL_OK);
	ck_assert_uint_eq(n, 4 + wl);
	ck_assert_mem_eq(rd + 4, want, wl);
	ck_assert_uint_eq(dk_key_tag(rd, n), tag);
}

/* RFC 6605 §6.1 and §6.2, RFC 8080 §6.1: private key to DNSKEY and key tag. */
START_TEST(test_rfc_private_keys)
{
	EVP_PKEY *pk = parse_ok("Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\n"
				"PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=\n", 13);

	check_pub(pk, 13, "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+"
			  "e+MAnLr+Wi9xMWyQLc8NAA==", 55648);
	EVP_PKEY_free(pk);
	pk = parse_ok("Private-key-format: v1.2\r\nAlgorithm: 14 (ECDSAP384SHA384)\r\n"
		      "PrivateKey: WURgWHCcYIYUPWgeLmiPY2DJJk02vgrmTfitxgqcL4vwW7BOrbawVmVe0d9V9"
		      "4SR\r\n", 14);
	check_pub(pk, 14, "xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RC"
			  "OpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
		  10771);
	EVP_PKEY_free(pk);
	pk = parse_ok("Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\n"
		      "PrivateKey: ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=\n", 15);
	check_pub(pk, 15, "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613);
	EVP_PKEY_free(pk);
}
END_TEST

/* dnssec-keygen's files (tests/data/sig0): the public key and BIND's tag. */
static const char *const fixtures[] = {
	"Khost1.example.com.+013+44579", "Khost2.example.com.+015+63283",
	"Kp384.example.com.+014+65386",  "Ked448.example.com.+016+20999",
	"Krsa2048.example.com.+008+55571", "Krsa1024.example.com.+008+61724",
	"Kexample.com.+015+30483",
};

START_TEST(test_bind_fixture)
{
	char path[1024], *text = malloc(DK_FILE_MAX);
	uint8_t owner[SL_NAME_MAXLEN], fowner[SL_NAME_MAXLEN], rd[SK_DNSKEY_MAX], alg, falg;
	uint8_t mine[SK_DNSKEY_MAX];
	uint16_t type, ftag;
	size_t len, rdlen;
	EVP_PKEY *pk;
	int64_t created;
	sl_error_t err;

	sl_error_clear(&err);
	ck_assert_ptr_nonnull(text);
	snprintf(path, sizeof(path), "%s/tests/data/sig0/%s.private", SRCDIR, fixtures[_i]);
	ck_assert_int_eq(bk_name_parse(path, fowner, &falg, &ftag), SL_OK);
	ck_assert_msg(bk_file_read(path, text, DK_FILE_MAX, &len, &err) == SL_OK, "%s", err.msg);
	ck_assert_msg(bk_private_parse(text, len, &alg, &pk, &created, &err) == SL_OK, "%s: %s",
		      path, err.msg);
	ck_assert_uint_eq(alg, falg);
	ck_assert_int_gt(created, 1700000000);
	snprintf(path, sizeof(path), "%s/tests/data/sig0/%s.key", SRCDIR, fixtures[_i]);
	ck_assert(bk_file_read(path, text, DK_FILE_MAX, &len, &err) == SL_OK);
	ck_assert_msg(bk_key_parse(text, len, owner, &type, rd, sizeof(rd), &rdlen, &err) == SL_OK,
		      "%s", err.msg);
	ck_assert_uint_eq(type, SL_TYPE_KEY);
	ck_assert(sl_name_equal(owner, fowner));
	ck_assert_uint_eq(rd[3], alg);
	/* Same public key; with the file's flags, BIND's key tag. */
	size_t n = rdata_of(pk, alg, (uint16_t)(rd[0] << 8 | rd[1]), mine);

	ck_assert_uint_eq(n, rdlen);
	ck_assert_mem_eq(mine, rd, n);
	ck_assert_uint_eq(dk_key_tag(mine, n), ftag);
	/* What bk_private_format writes parses back to the same key. */
	char *out = malloc(8192);
	int w = bk_private_format(pk, alg, created, out, 8192);
	EVP_PKEY *again;
	uint8_t alg2;
	int64_t created2;

	ck_assert_int_gt(w, 0);
	ck_assert_ptr_nonnull(strstr(out, "Private-key-format: v1.3\n"));
	ck_assert_int_eq(bk_private_parse(out, (size_t)w, &alg2, &again, &created2, &err), SL_OK);
	ck_assert_uint_eq(alg2, alg);
	ck_assert_int_eq(created2, created);
	ck_assert_int_eq(EVP_PKEY_eq(pk, again), 1);
	EVP_PKEY_free(again);
	EVP_PKEY_free(pk);
	free(out);
	free(text);
}
END_TEST

/* Hostile private key files: each an error with a message, never a crash. */
static const struct {
	const char *text;
	const char *msg;   /* part of the message */
} bad_private[] = {
	{ "", "no Private-key-format" },
	{ "garbage\n", "Tag: value" },
	{ "Algorithm: 13\n", "Private-key-format" },
	{ "Private-key-format: v1.1\nAlgorithm: 13\n", "not supported" },
	{ "Private-key-format: v2.0\nAlgorithm: 13\n", "not supported" },
	{ "Private-key-format: v1.3\n", "no Algorithm" },
	{ "Private-key-format: v1.3\nAlgorithm: 5 (RSASHA1)\nModulus: AQAB\n", "algorithm 5" },
	{ "Private-key-format: v1.3\nAlgorithm: x\n", "expected a number" },
	{ "Private-key-format: v1.3\nAlgorithm: 1300\n", "expected a number" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nAlgorithm: 13\n", "twice" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\n", "without PrivateKey" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: ***\n", "not base64" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: AAAA\nPrivateKey: AAAA\n",
	  "twice" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\n"
	  "PrivateKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "1..n-1" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\n"
	  "PrivateKey: //////////////////////////////////////////8=\n", "1..n-1" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\n"
	  "PrivateKey: GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQAAA==\n", "1..n-1" },
	{ "Private-key-format: v1.3\nAlgorithm: 15\nPrivateKey: AAAA\n", "not 32" },
	{ "Private-key-format: v1.3\nAlgorithm: 16\n"
	  "PrivateKey: ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=\n", "not 57" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nModulus: AQAB\nPrivateKey: AAAA\n",
	  "RSA field" },
	{ "Private-key-format: v1.3\nAlgorithm: 8\nPrivateKey: AAAA\n", "PrivateKey field" },
	{ "Private-key-format: v1.3\nAlgorithm: 8\nModulus: AQAB\n", "without PublicExponent" },
	{ "Private-key-format: v1.3\nAlgorithm: 8\nModulus: AQAB\nPublicExponent: AQAB\n"
	  "PrivateExponent: AQAB\n", "1024-4096" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nLabel: pkcs11:foo\n", "hardware" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nCreated: 2026\n", "YYYYMMDDHHMMSS" },
	{ "Private-key-format: v1.3\nAlgorithm: 13\nCreated: 20261399000000\n", "YYYYMMDDHHMMSS" },
};

START_TEST(test_bad_private)
{
	uint8_t alg;
	EVP_PKEY *pk = (EVP_PKEY *)1;
	int64_t created;
	sl_error_t err;
	const char *t = bad_private[_i].text;

	sl_error_clear(&err);
	ck_assert_int_eq(bk_private_parse(t, strlen(t), &alg, &pk, &created, &err), SL_ECONFIG);
	ck_assert_ptr_null(pk);
	ck_assert_msg(strstr(err.msg, bad_private[_i].msg), "case %d: \"%s\" lacks \"%s\"", _i,
		      err.msg, bad_private[_i].msg);
}
END_TEST

/* A huge line, a NUL byte, and RSA parts that do not belong together. */
START_TEST(test_bad_private_more)
{
	char *big = malloc(20000), path[1024], *text = malloc(DK_FILE_MAX);
	uint8_t alg;
	EVP_PKEY *pk;
	int64_t created;
	sl_error_t err;
	size_t len;

	sl_error_clear(&err);
	strcpy(big, "Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: ");
	memset(big + strlen(big), 'A', 10000);
	big[19999] = '\0';
	ck_assert_int_eq(bk_private_parse(big, strlen(big), &alg, &pk, &created, &err), SL_ECONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
	ck_assert_int_eq(bk_private_parse("Private-key-format: v1.3\n\0", 26, &alg, &pk, &created,
					  &err), SL_ECONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
	/* The RSA 2048 fixture with one octet of the private exponent changed. */
	snprintf(path, sizeof(path), "%s/tests/data/sig0/%s.private", SRCDIR, fixtures[4]);
	ck_assert_int_eq(bk_file_read(path, text, DK_FILE_MAX, &len, &err), SL_OK);
	char *d = strstr(text, "PrivateExponent: ");

	ck_assert_ptr_nonnull(d);
	d += strlen("PrivateExponent: ") + 10;
	*d = *d == 'A' ? 'B' : 'A';
	ck_assert_int_eq(bk_private_parse(text, len, &alg, &pk, &created, &err), SL_ECONFIG);
	ck_assert_ptr_null(pk);
	/* Truncated anywhere: an error or (cut in trailing metadata) the key. */
	ck_assert_int_eq(bk_file_read(path, text, DK_FILE_MAX, &len, &err), SL_OK);
	for (size_t cut = 0; cut < len; cut += 7) {
		int rc = bk_private_parse(text, cut, &alg, &pk, &created, &err);

		ck_assert(rc == SL_OK || rc == SL_ECONFIG);
		ck_assert(rc == SL_OK ? pk != NULL : pk == NULL);
		EVP_PKEY_free(pk);
	}
	free(big);
	free(text);
}
END_TEST

/* Public key files: the forms BIND and ldns write, and broken ones. */
START_TEST(test_key_file)
{
	static const char *const good[] = {
		"example.com. IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=\n",
		"; This is a key-signing key, keyid 3613, for example.com.\n; Created: 2026\n"
		"example.com. 3600 IN DNSKEY 257 3 15 "
		"l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=\n",
		"example.com.\tIN\tDNSKEY\t257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= "
		";{id = 3613 (ksk), size = 256b}\n",
		"Example.COM. IN DNSKEY 257 3 15 (\n  l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQw\n"
		"  AQEX1SxZJA4= ) ; key id = 3613\n",
	};
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "no record" },
		{ "; only a comment\n", "no record" },
		{ " IN DNSKEY 257 3 15 AAAA\n", "no owner" },
		{ "example.com IN DNSKEY 257 3 15 AAAA\n", "absolute" },
		{ "example.com. IN A 192.0.2.1\n", "not KEY" },
		{ "example.com. CH DNSKEY 257 3 15 AAAA\n", "not IN" },
		{ "example.com. IN\n", "no record type" },
		{ "example.com. IN DNSKEY 257 3 15 ***\n", "line 1" },
		{ "example.com. IN DNSKEY 257 3 15 ( AAAA\n", "parentheses" },
		{ "example.com. IN DNSKEY 257 3 15 AAAA )\n", "parentheses" },
		{ "example.com. IN DNSKEY 257 3 15 AAAA\nexample.com. IN DNSKEY 256 3 15 AAAA\n",
		  "more than one" },
		{ "example.com. IN DNSKEY 257 3 15 \"AAAA\"\n", "unexpected character" },
		{ "example.com. IN FOO 257 3 15 AAAA\n", "unexpected" },
	};
	uint8_t owner[SL_NAME_MAXLEN], rd[SK_DNSKEY_MAX], want[SL_NAME_MAXLEN];
	uint16_t type;
	size_t n, wl;
	sl_error_t err;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_name_from_text("example.com.", 12, NULL, want, &wl), SL_OK);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(bk_key_parse(good[i], strlen(good[i]), owner, &type, rd, sizeof(rd),
					   &n, &err) == SL_OK,
			      "good[%zu]: %s", i, err.msg);
		ck_assert_uint_eq(type, SL_TYPE_DNSKEY);
		sl_name_tolower(owner);
		ck_assert(sl_name_equal(owner, want));
		ck_assert_uint_eq(n, 36);
		ck_assert_uint_eq(dk_key_tag(rd, n), 3613);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		ck_assert_int_eq(bk_key_parse(bad[i].text, strlen(bad[i].text), owner, &type, rd,
					      sizeof(rd), &n, &err), SL_ECONFIG);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "bad[%zu]: \"%s\" lacks \"%s\"", i,
			      err.msg, bad[i].msg);
	}
}
END_TEST

START_TEST(test_file_names)
{
	uint8_t owner[SL_NAME_MAXLEN], want[SL_NAME_MAXLEN], alg;
	uint16_t tag;
	size_t wl;

	ck_assert_int_eq(bk_name_parse("/k/Kexample.com.+013+05564.private", owner, &alg, &tag),
			 SL_OK);
	ck_assert_int_eq(sl_name_from_text("example.com.", 12, NULL, want, &wl), SL_OK);
	ck_assert(sl_name_equal(owner, want));
	ck_assert_uint_eq(alg, 13);
	ck_assert_uint_eq(tag, 5564);
	ck_assert_int_eq(bk_name_parse("K.+008+65535.key", owner, &alg, &tag), SL_OK);
	ck_assert_uint_eq(owner[0], 0);
	ck_assert_uint_eq(tag, 65535);
	static const char *const bad[] = {
		"", "K", "Kexample.com+013+05564.private", "Kexample.com.+013+5564.private",
		"Kexample.com.+13+05564", "Kexample.com.+013+65536", "Kexample.com.+256+00001",
		"xexample.com.+013+05564", "Ka..b.+013+05564", "K+013+05564",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bk_name_parse(bad[i], owner, &alg, &tag) == SL_ESYNTAX, "%s", bad[i]);
}
END_TEST

START_TEST(test_state_parse)
{
	static const char good[] = "{\"version\": 1, \"keys\": ["
		"{\"role\": \"ksk\", \"algorithm\": \"ed25519\", \"algorithm_number\": 15, "
		"\"key_tag\": 3613, \"created\": 1700000000},"
		"{\"role\": \"zsk\", \"algorithm_number\": 15, \"key_tag\": 1}]}";
	static const char *const bad[] = {
		"", "{", "[]", "{\"keys\": []}", "{\"keys\": [{}, {}, {}]}",
		"{\"keys\": [{\"role\": \"ksk\", \"algorithm_number\": 15, \"key_tag\": 70000}]}",
		"{\"keys\": [{\"role\": \"ksk\", \"algorithm_number\": 0, \"key_tag\": 1}]}",
		"{\"keys\": [{\"role\": \"xsk\", \"algorithm_number\": 15, \"key_tag\": 1}]}",
		"{\"keys\": [{\"role\": \"ksk\", \"algorithm_number\": 15, \"key_tag\": 1, "
		"\"created\": \"yesterday\"}]}",
		"{\"keys\": [{\"role\": \"ksk\", \"algorithm_number\": 15, \"key_tag\": 1},"
		"{\"role\": \"ksk\", \"algorithm_number\": 15, \"key_tag\": 2}]}",
		"{\"keys\": [{\"role\": \"csk\", \"algorithm_number\": 15, \"key_tag\": 1},"
		"{\"role\": \"zsk\", \"algorithm_number\": 15, \"key_tag\": 2}]}",
		"{\"keys\": 1, \"keys\": 2}",
	};
	keyset_t ks;
	sl_error_t err;

	sl_error_clear(&err);
	ck_assert_msg(dk_state_parse(good, strlen(good), "s", &ks, &err) == SL_OK, "%s", err.msg);
	ck_assert_uint_eq(ks.n, 2);
	ck_assert_int_eq(ks.k[0].role, SK_KSK);
	ck_assert_uint_eq(ks.k[0].tag, 3613);
	ck_assert_uint_eq(ks.k[0].alg, 15);
	ck_assert_int_eq(ks.k[0].created, 1700000000);
	ck_assert_int_eq(ks.k[1].role, SK_ZSK);
	ck_assert_int_eq(ks.k[1].created, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		ck_assert_msg(dk_state_parse(bad[i], strlen(bad[i]), "s", &ks, &err) == SL_ECONFIG,
			      "bad[%zu]", i);
		ck_assert_uint_eq(ks.n, 0);
		ck_assert_ptr_nonnull(strstr(err.msg, "s"));
	}
}
END_TEST

/* Keys added one by one: the plugin's own loader takes them; overwriting refused. */
START_TEST(test_state_add)
{
	char dir[] = "/tmp/check_keytool.XXXXXX", path[4200];
	uint8_t apex[SL_NAME_MAXLEN];
	size_t al;
	skey_t k;
	keyset_t ks;
	bool created;
	struct stat st;
	sl_error_t err;

	sl_error_clear(&err);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(sl_name_from_text("Example.COM.", 12, NULL, apex, &al), SL_OK);
	sl_name_tolower(apex);
	ck_assert_int_eq(dk_state_read(dir, apex, &ks, &err), SL_ENOTFOUND);
	memset(&k, 0, sizeof(k));
	k.role = SK_KSK;
	k.alg = SK_ED25519;
	k.created = 1700000000;
	k.pkey = dk_keygen(k.alg);
	ck_assert_msg(dk_state_add(dir, apex, &k, &err) == SL_OK, "%s", err.msg);
	uint16_t ksk_tag = k.tag;
	/* A second KSK, a CSK, another algorithm: refused. */
	ck_assert_int_eq(dk_state_add(dir, apex, &k, &err), SL_ECONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "already has a ksk"));
	k.role = SK_CSK;
	ck_assert_int_eq(dk_state_add(dir, apex, &k, &err), SL_ECONFIG);
	EVP_PKEY_free(k.pkey);
	k.role = SK_ZSK;
	k.alg = SK_ECDSAP256;
	k.pkey = dk_keygen(k.alg);
	ck_assert_int_eq(dk_state_add(dir, apex, &k, &err), SL_ECONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "ed25519"));
	EVP_PKEY_free(k.pkey);
	/* A stray PEM file of the role: not overwritten. */
	ck_assert_int_eq(dk_key_path(dir, apex, SK_ZSK, path, sizeof(path), &err), SL_OK);
	ck_assert_ptr_nonnull(strstr(path, "/example.com.zsk.pem"));
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	k.alg = SK_ED25519;
	k.pkey = dk_keygen(k.alg);
	ck_assert_int_eq(dk_state_add(dir, apex, &k, &err), SL_ECONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "not overwriting"));
	unlink(path);
	ck_assert_msg(dk_state_add(dir, apex, &k, &err) == SL_OK, "%s", err.msg);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	EVP_PKEY_free(k.pkey);
	/* The signer's loader uses them as they are. */
	ck_assert_msg(dk_load_or_create(dir, apex, SK_ED25519, false, false, &ks, &created, &err) ==
		      SL_OK, "%s", err.msg);
	ck_assert(!created);
	ck_assert_uint_eq(ks.n, 2);
	ck_assert_uint_eq(ks.k[0].tag, ksk_tag);
	ck_assert_uint_eq(ks.k[1].tag, k.tag);
	ck_assert_int_eq(ks.k[0].created, 1700000000);
	dk_free(&ks);
	/* SHA-384 DS (RFC 6605 §6.2 shape): 48-octet digest, type 4. */
	uint8_t ds[52];
	size_t dl;
	ck_assert_int_eq(dk_state_read(dir, apex, &ks, &err), SL_OK);
	ck_assert_int_eq(dk_key_path(dir, apex, SK_KSK, path, sizeof(path), &err), SL_OK);
	ck_assert_int_eq(dk_read_key(path, &ks.k[0].pkey, &err), SL_OK);
	ck_assert_int_eq(dk_key_init(&ks.k[0], &err), SL_OK);
	ck_assert_int_eq(dk_ds_digest(apex, ks.k[0].dnskey, ks.k[0].dnskey_len, 4, ds, sizeof(ds),
				      &dl), SL_OK);
	ck_assert_uint_eq(dl, 52);
	ck_assert_uint_eq(ds[3], 4);
	ck_assert_int_eq(dk_ds_digest(apex, ks.k[0].dnskey, ks.k[0].dnskey_len, 1, ds, sizeof(ds),
				      &dl), SL_EINVAL);
	dk_free(&ks);
	/* Clean up. */
	unlink(path);
	ck_assert_int_eq(dk_key_path(dir, apex, SK_ZSK, path, sizeof(path), &err), SL_OK);
	unlink(path);
	ck_assert_int_eq(dk_state_path(dir, apex, path, sizeof(path), &err), SL_OK);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* RFC 6605 §6.2: the SHA-384 DS of the example P-384 key. */
START_TEST(test_rfc6605_ds384)
{
	EVP_PKEY *pk = parse_ok("Private-key-format: v1.2\nAlgorithm: 14 (ECDSAP384SHA384)\n"
				"PrivateKey: WURgWHCcYIYUPWgeLmiPY2DJJk02vgrmTfitxgqcL4vwW7BOr"
				"bawVmVe0d9V94SR\n", 14);
	uint8_t rd[SK_DNSKEY_MAX], owner[SL_NAME_MAXLEN], ds[52], want[48];
	size_t n = rdata_of(pk, 14, 257, rd), ol, dl, wl;

	ck_assert_int_eq(sl_name_from_text("example.net.", 12, NULL, owner, &ol), SL_OK);
	ck_assert_int_eq(dk_ds_digest(owner, rd, n, 4, ds, sizeof(ds), &dl), SL_OK);
	ck_assert_int_eq(sl_hex_decode("72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e3"
				       "05c6a9b0563a9b5f4d288405c3008a946df983d6", 96, want,
				       sizeof(want), &wl), SL_OK);
	ck_assert_uint_eq(ds[0] << 8 | ds[1], 10771);
	ck_assert_mem_eq(ds + 4, want, 48);
	EVP_PKEY_free(pk);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("keytool");
	TCase *tc = tcase_create("bind");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rfc_private_keys);
	tcase_add_test(tc, test_rfc6605_ds384);
	tcase_add_loop_test(tc, test_bind_fixture, 0, sizeof(fixtures) / sizeof(fixtures[0]));
	tcase_add_loop_test(tc, test_bad_private, 0, sizeof(bad_private) / sizeof(bad_private[0]));
	tcase_add_test(tc, test_bad_private_more);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_file_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("state");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_state_parse);
	tcase_add_test(tc, test_state_add);
	suite_add_tcase(s, tc);
	return s;
}
