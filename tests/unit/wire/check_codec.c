/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * base64, base32hex and hex (core/wire/encoding.c, <sluice/codec.h>): the
 * RFC 4648 §10 test vectors both ways, exact output capacities, and hostile
 * input (stray characters, misplaced padding, non-zero unused bits).
 */
#include <check.h>
#include <string.h>
#include <sluice/codec.h>
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CANARY 0xA5

/* One codec behind a common signature, so every test runs over all three. */
typedef struct codec {
	const char *name;
	int (*encode)(const uint8_t *in, size_t len, char *out, size_t outcap);
	int (*decode)(const char *in, size_t len, uint8_t *out, size_t outcap, size_t *outlen);
	size_t (*text_len)(size_t n); /* the SL_*_LEN macro */
	const char *vec[7];           /* encodings of "", "f", ..., "foobar" */
} codec_t;

static size_t b64_len(size_t n)
{
	return SL_BASE64_LEN(n);
}

static size_t b32_len(size_t n)
{
	return SL_BASE32HEX_LEN(n);
}

static size_t hex_len(size_t n)
{
	return SL_HEX_LEN(n);
}

/* RFC 4648 §10; base32hex without its '=' padding, as sluice writes it (RFC 5155 §3.3). */
static const codec_t codecs[] = {
	{ "base64", sl_base64_encode, sl_base64_decode, b64_len,
	  { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" } },
	{ "base32hex", sl_base32hex_encode, sl_base32hex_decode, b32_len,
	  { "", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1", "CPNMUOJ1E8" } },
	{ "hex", sl_hex_encode, sl_hex_decode, hex_len,
	  { "", "66", "666F", "666F6F", "666F6F62", "666F6F6261", "666F6F626172" } },
};
static const char foobar[] = "foobar";

/* _i runs over codec × vector. */
#define VEC_CASES ((int)(ARRAY_SIZE(codecs) * 7))

START_TEST(test_encode_vectors)
{
	const codec_t *c = &codecs[_i / 7];
	size_t n = (size_t)(_i % 7), want = strlen(c->vec[n]);
	char out[32];

	ck_assert_uint_eq(c->text_len(n), want);
	/* Exactly enough room: the encoding, and nothing written past it. */
	memset(out, CANARY, sizeof(out));
	ck_assert_int_eq(c->encode((const uint8_t *)foobar, n, out, want), (int)want);
	ck_assert_msg(memcmp(out, c->vec[n], want) == 0, "%s(\"%.*s\") = \"%.*s\"", c->name, (int)n,
		      foobar, (int)want, out);
	ck_assert_uint_eq((uint8_t)out[want], CANARY);
	/* One short: an error, and no partial result. */
	if (want > 0) {
		memset(out, CANARY, sizeof(out));
		ck_assert_int_eq(c->encode((const uint8_t *)foobar, n, out, want - 1), SL_ESPACE);
		for (size_t i = 0; i < sizeof(out); i++)
			ck_assert_uint_eq((uint8_t)out[i], CANARY);
	}
}
END_TEST

START_TEST(test_decode_vectors)
{
	const codec_t *c = &codecs[_i / 7];
	size_t n = (size_t)(_i % 7), got = 99;
	const char *text = c->vec[n];
	uint8_t out[16];

	memset(out, CANARY, sizeof(out));
	ck_assert_int_eq(c->decode(text, strlen(text), out, n, &got), SL_OK);
	ck_assert_uint_eq(got, n);
	ck_assert(memcmp(out, foobar, n) == 0);
	ck_assert_uint_eq(out[n], CANARY);
	if (n > 0) {
		memset(out, CANARY, sizeof(out));
		ck_assert_int_eq(c->decode(text, strlen(text), out, n - 1, &got), SL_ESPACE);
		ck_assert_uint_eq(out[n - 1], CANARY);
	}
}
END_TEST

/* Every octet value, at every length up to 40, survives encode and decode. */
START_TEST(test_round_trip_all_octets)
{
	const codec_t *c = &codecs[_i];
	uint8_t in[256], back[256];
	char text[512];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 151 + 7);
	for (size_t n = 0; n <= 40; n++) {
		for (size_t off = 0; off + n <= sizeof(in); off += 37) {
			size_t got = 0;
			int len = c->encode(in + off, n, text, sizeof(text));

			ck_assert_int_eq(len, (int)c->text_len(n));
			ck_assert_int_eq(c->decode(text, (size_t)len, back, sizeof(back), &got), SL_OK);
			ck_assert_uint_eq(got, n);
			ck_assert(memcmp(back, in + off, n) == 0);
		}
	}
}
END_TEST

/* A decoder input and what it must give: SL_OK with @p out, or an error. */
typedef struct dcase {
	const char *text;
	size_t len; /* 0: strlen(text) */
	int rc;
	const char *out; /* for SL_OK */
} dcase_t;

static void run_dcases(const codec_t *c, const dcase_t *dc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t out[64];
		size_t len = dc[i].len ? dc[i].len : strlen(dc[i].text), got = 0;
		int rc = c->decode(dc[i].text, len, out, sizeof(out), &got);

		ck_assert_msg(rc == dc[i].rc, "%s decode \"%s\": %d, want %d", c->name, dc[i].text,
			      rc, dc[i].rc);
		if (rc == SL_OK) {
			ck_assert_uint_eq(got, strlen(dc[i].out));
			ck_assert(memcmp(out, dc[i].out, got) == 0);
		}
	}
}

START_TEST(test_base64_hostile)
{
	static const dcase_t dc[] = {
		{ "Zm9v\tYm Fy\r\n", 0, SL_OK, "foobar" }, /* blanks skipped */
		{ " Zg = = ", 0, SL_OK, "f" },
		{ "   ", 0, SL_OK, "" },
		{ "Zm9v!mFy", 0, SL_ESYNTAX, NULL },  /* not in the alphabet */
		{ "Zm-v", 0, SL_ESYNTAX, NULL },      /* base64url is another alphabet */
		{ "Zm_v", 0, SL_ESYNTAX, NULL },
		{ "Zm9\xc3\xa9", 0, SL_ESYNTAX, NULL }, /* high-bit octets */
		{ "Zg\0=", 4, SL_ESYNTAX, NULL },       /* NUL inside the token */
		{ "Zm9", 0, SL_ESYNTAX, NULL },         /* incomplete quantum, no padding */
		{ "Zg", 0, SL_ESYNTAX, NULL },
		{ "Zg=", 0, SL_ESYNTAX, NULL },         /* padding one short */
		{ "Zg===", 0, SL_ESYNTAX, NULL },       /* one too many */
		{ "Z===", 0, SL_ESYNTAX, NULL },        /* padding in position 2 */
		{ "====", 0, SL_ESYNTAX, NULL },
		{ "=Zg=", 0, SL_ESYNTAX, NULL },
		{ "Zm9v=", 0, SL_ESYNTAX, NULL },       /* padding after a whole quantum */
		{ "Zg==Zg==", 0, SL_ESYNTAX, NULL },    /* data after padding */
		{ "Zm8=Zm9v", 0, SL_ESYNTAX, NULL },
		/* RFC 4648 §3.5: the bits the padding leaves unused must be zero. */
		{ "Zh==", 0, SL_ESYNTAX, NULL },
		{ "Z/==", 0, SL_ESYNTAX, NULL },
		{ "Zm9=", 0, SL_ESYNTAX, NULL },
		{ "Zm/=", 0, SL_ESYNTAX, NULL },
	};
	run_dcases(&codecs[0], dc, ARRAY_SIZE(dc));
}
END_TEST

START_TEST(test_base32hex_hostile)
{
	static const dcase_t dc[] = {
		{ "cpnmuoj1e8", 0, SL_OK, "foobar" }, /* either case */
		{ "CPNM uoj1\nE8", 0, SL_OK, "foobar" },
		{ "CO======", 0, SL_ESYNTAX, NULL },  /* sluice's form has no padding */
		{ "CW", 0, SL_ESYNTAX, NULL },        /* W-Z are not base32hex */
		{ "cw", 0, SL_ESYNTAX, NULL },
		{ "MZXW6===", 0, SL_ESYNTAX, NULL },  /* base32 (§6), not base32hex */
		{ "C\0", 2, SL_ESYNTAX, NULL },
		/* Lengths no octet string encodes to: 1, 3 or 6 characters mod 8. */
		{ "C", 0, SL_ESYNTAX, NULL },
		{ "CPN", 0, SL_ESYNTAX, NULL },
		{ "CPNMUO", 0, SL_ESYNTAX, NULL },
		{ "CPNMUOJ1E", 0, SL_ESYNTAX, NULL },
		/* Non-zero unused trailing bits. */
		{ "CP", 0, SL_ESYNTAX, NULL },
		{ "CPNH", 0, SL_ESYNTAX, NULL },
		{ "CPNMV", 0, SL_ESYNTAX, NULL },
		{ "CPNMUOH", 0, SL_ESYNTAX, NULL },
	};
	run_dcases(&codecs[1], dc, ARRAY_SIZE(dc));
}
END_TEST

START_TEST(test_hex_hostile)
{
	static const dcase_t dc[] = {
		{ "666f6F", 0, SL_OK, "foo" }, /* either case */
		{ " 66 6F\t6\n6 ", 0, SL_OK, "fof" }, /* blanks even inside an octet */
		{ "666", 0, SL_ESYNTAX, NULL },       /* odd number of digits */
		{ "6", 0, SL_ESYNTAX, NULL },
		{ "6G", 0, SL_ESYNTAX, NULL },
		{ "0x66", 0, SL_ESYNTAX, NULL },
		{ "66-6F", 0, SL_ESYNTAX, NULL },
		{ "6\0", 2, SL_ESYNTAX, NULL },
		{ "\xff\xff", 0, SL_ESYNTAX, NULL },
	};
	run_dcases(&codecs[2], dc, ARRAY_SIZE(dc));
}
END_TEST

/* A decoder stops at its capacity, also with blanks and padding about. */
START_TEST(test_decode_capacity_zero)
{
	const codec_t *c = &codecs[_i];
	uint8_t out = CANARY;
	size_t got = 99;

	ck_assert_int_eq(c->decode(c->vec[1], strlen(c->vec[1]), &out, 0, &got), SL_ESPACE);
	ck_assert_uint_eq(out, CANARY);
	ck_assert_int_eq(c->decode(" ", 1, &out, 0, &got), SL_OK);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(c->encode((const uint8_t *)"", 0, (char *)&out, 0), 0);
	ck_assert_uint_eq(out, CANARY);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("rfc4648");

	tcase_add_loop_test(tc, test_encode_vectors, 0, VEC_CASES);
	tcase_add_loop_test(tc, test_decode_vectors, 0, VEC_CASES);
	tcase_add_loop_test(tc, test_round_trip_all_octets, 0, (int)ARRAY_SIZE(codecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, test_base64_hostile);
	tcase_add_test(tc, test_base32hex_hostile);
	tcase_add_test(tc, test_hex_hostile);
	tcase_add_loop_test(tc, test_decode_capacity_zero, 0, (int)ARRAY_SIZE(codecs));
	suite_add_tcase(s, tc);
	return s;
}
