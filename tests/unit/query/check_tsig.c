/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * TSIG (RFC 8945): verification and signing against vectors produced by an
 * independent implementation (dnspython 2.3, time fixed at 1700000000 for
 * the request and 1700000005 for the response), the verification order of
 * §5.2 (FORMERR, BADKEY, BADSIG, BADTIME, BADTRUNC) with every field of a
 * signed request tampered with, the MAC size rules of §5.2.2.1, the time
 * window's edges, the error answers of §5.2.3 and §5.3.2, and the chained
 * MACs of a multi-message stream (§5.3.1) recomputed here with OpenSSL's
 * one-shot EVP_Q_mac() over the digest layout the RFC describes.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "tsig.h"
#include "testutil.h"

#define SECRET "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
#define T0 1700000000u

/* dnspython: query www.example.com/A id 0x1234 signed by test-key. at T0, and
 * the empty AA response to it signed at T0 + 5. */
static const struct vector {
	const char *alg;
	const char *query;
	const char *response;
} vectors[] = {
	{ "hmac-sha256",
	  "12340100000100000000000103777777076578616d706c6503636f6d000001000108746573742d6b6579"
	  "0000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002073752cfe593dffab"
	  "98e144171c6c1d09acded86c90f5dd63e54a6a65e40654d9123400000000",
	  "12348500000100000000000103777777076578616d706c6503636f6d000001000108746573742d6b6579"
	  "0000fa00ff00000000003d0b686d61632d7368613235360000006553f105012c00200d9b505d60eb6f89"
	  "b47c22bdededa34593f85ec71171e37d331fe694992b43ff123400000000" },
	{ "hmac-sha1",
	  "12340100000100000000000103777777076578616d706c6503636f6d000001000108746573742d6b6579"
	  "0000fa00ff00000000002f09686d61632d736861310000006553f100012c00141f022abb99600a3465f8"
	  "5da7721c54cd3ae862e0123400000000",
	  "12348500000100000000000103777777076578616d706c6503636f6d000001000108746573742d6b6579"
	  "0000fa00ff00000000002f09686d61632d736861310000006553f105012c001404fe2376ce980b1e6ef8"
	  "c1cee0da2a63b590a801123400000000" },
	{ "hmac-sha512",
	  "12340100000100000000000103777777076578616d706c6503636f6d000001000108746573742d6b6579"
	  "0000fa00ff00000000005d0b686d61632d7368613531320000006553f100012c004011b74e16815c88bf"
	  "bb1f8c95bea047594bd5360fef46ef2ea970c247ef70f050e30e5b3855c42e6af19825f45a3f10b1929b"
	  "4c281353cb5e4ed2519710814101123400000000",
	  "12348500000100000000000103777777076578616d706c6503636f6d000001000108746573742d6b6579"
	  "0000fa00ff00000000005d0b686d61632d7368613531320000006553f105012c00403af0d2aabe9b3a6f"
	  "eb57bc794af833ca1d4b93b6b94501b9c0bb1afaac43929fca61269d8256eaa285fb9ff06dbe448a269d"
	  "61b0246639a455394f77205816bc123400000000" },
};

/* Header + question of the vectors: where the TSIG RR starts. */
#define MSG_LEN 33

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void make_key(sl_tsig_key_t *key, const char *name, const char *alg)
{
	sl_error_t err;
	ck_assert_msg(sl_tsig_key_init(key, name, alg, SECRET, &err) == SL_OK, "%s", err.msg);
}

static uint16_t verify(const sl_tsig_key_t *keys, size_t n, const uint8_t *wire, size_t len,
		       uint64_t now, sl_tsig_ctx_t *ctx)
{
	sl_msg_t msg;
	ck_assert_int_eq(sl_msg_parse(wire, len, &msg), SL_OK);
	ck_assert_uint_ne(msg.tsig_pos, 0);
	return sl_tsig_verify(keys, n, &msg, now, ctx);
}

/* The TSIG RR's fields in a signed message of ours (owner and algorithm uncompressed). */
struct tsig_rr {
	uint64_t time;
	uint16_t fudge, mac_len, orig_id, error, other_len;
	const uint8_t *mac, *other;
};

static void read_tsig(const uint8_t *wire, size_t len, size_t pos, struct tsig_rr *t)
{
	const uint8_t *p = wire + pos;
	p += sl_name_len(p);
	ck_assert_uint_eq(sl_read_u16(p), SL_TYPE_TSIG);
	ck_assert_uint_eq(sl_read_u16(p + 2), SL_CLASS_ANY);
	ck_assert_uint_eq(sl_read_u32(p + 4), 0);
	const uint8_t *rd = p + 10, *end = rd + sl_read_u16(p + 8);
	ck_assert_ptr_eq(end, wire + len);
	p = rd + sl_name_len(rd);
	t->time = (uint64_t)sl_read_u16(p) << 32 | sl_read_u32(p + 2);
	t->fudge = sl_read_u16(p + 6);
	t->mac_len = sl_read_u16(p + 8);
	t->mac = p + 10;
	p += 10 + t->mac_len;
	t->orig_id = sl_read_u16(p);
	t->error = sl_read_u16(p + 2);
	t->other_len = sl_read_u16(p + 4);
	t->other = p + 6;
	ck_assert_ptr_eq(p + 6 + t->other_len, end);
}

/* HMAC with OpenSSL's one-shot EVP_Q_mac(), apart from the code under test. */
static void hmac(const char *digest, const sl_tsig_key_t *key, const uint8_t *data, size_t len,
		 uint8_t *out)
{
	size_t outlen = 0;
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key->secret,
					key->secret_len, data, len, out, 64, &outlen));
}

/* ---- the independent vectors ------------------------------------------------ */

START_TEST(test_dnspython_vectors)
{
	const struct vector *v = &vectors[_i];
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512], want[512], out[512];

	make_key(&key, "test-key.", v->alg);
	size_t qlen = unhex(v->query, q, sizeof(q));
	size_t wlen = unhex(v->response, want, sizeof(want));
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOERROR);
	ck_assert_ptr_eq(ctx.key, &key);
	ck_assert_uint_eq(ctx.error, 0);
	/* Our signature over dnspython's response must be dnspython's, octet for octet. */
	memcpy(out, want, MSG_LEN);
	sl_write_u16(out + 10, 0);
	ck_assert_uint_eq(sl_tsig_size(&ctx), wlen - MSG_LEN);
	int len = sl_tsig_sign(&ctx, out, MSG_LEN, sizeof(out), T0 + 5);
	ck_assert_int_eq(len, (int)wlen);
	ck_assert_mem_eq(out, want, wlen);
}
END_TEST

START_TEST(test_key_name_case_and_second_key)
{
	sl_tsig_key_t keys[2];
	sl_tsig_ctx_t ctx;
	uint8_t q[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));

	/* The same name with another algorithm first: the algorithm must match too. */
	make_key(&keys[0], "Test-Key", "hmac-sha512.");
	make_key(&keys[1], "test-key.", "HMAC-SHA256");
	q[MSG_LEN + 1] = 'T'; /* key names compare without case (canonical form, §4.3.3) */
	ck_assert_uint_eq(verify(keys, 2, q, qlen, T0, &ctx), SL_RCODE_NOERROR);
	ck_assert_ptr_eq(ctx.key, &keys[1]);
	ck_assert_mem_eq(ctx.key_name, "\x08test-key", 10);
}
END_TEST

/* ---- §5.2: every field tampered with ----------------------------------------- */

START_TEST(test_tamper_message_is_badsig)
{
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));

	make_key(&key, "test-key.", "hmac-sha256");
	/* Flags and counts except ARCOUNT, and every question octet (ID is replaced by Original ID). */
	for (size_t i = 2; i < MSG_LEN; i++) {
		if (i == 4 || i == 5 || i == 10 || i == 11)
			continue; /* QDCOUNT / ARCOUNT: the message would no longer parse */
		uint8_t save = q[i];
		q[i] ^= 0x01; /* in a label: another letter, not just another case */
		sl_msg_t msg;
		if (sl_msg_parse(q, qlen, &msg) == SL_OK && msg.tsig_pos)
			ck_assert_msg(sl_tsig_verify(&key, 1, &msg, T0, &ctx) == SL_RCODE_NOTAUTH &&
					      ctx.error == SL_TSIG_BADSIG && !ctx.key,
				      "octet %zu changed, not BADSIG", i);
		q[i] = save;
	}
	/* The header ID is not covered (Original ID stands in): still verifies. */
	q[0] ^= 0xff;
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOERROR);
}
END_TEST

START_TEST(test_tamper_tsig_fields)
{
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));
	/* Offsets in the TSIG RDATA: alg 13, time 6, fudge 2, mac size 2, mac 32, orig id, error, other len. */
	size_t rd = MSG_LEN + 10 + 10, time = rd + 13, fudge = time + 6, mac = fudge + 4,
	       orig = mac + 32, error = orig + 2;
	size_t fields[] = { time, time + 5, fudge + 1, mac, mac + 31, orig, error + 1 };

	make_key(&key, "test-key.", "hmac-sha256");
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		q[fields[f]] ^= 0x01;
		uint16_t rc = verify(&key, 1, q, qlen, T0, &ctx);
		ck_assert_msg(rc == SL_RCODE_NOTAUTH && ctx.error == SL_TSIG_BADSIG,
			      "field at %zu: rcode %u error %u", fields[f], rc, ctx.error);
		q[fields[f]] ^= 0x01;
	}
	/* Another key name, another algorithm: BADKEY. */
	q[MSG_LEN + 1] = 'x';
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOTAUTH);
	ck_assert_uint_eq(ctx.error, SL_TSIG_BADKEY);
	ck_assert_ptr_null(ctx.key);
	q[MSG_LEN + 1] = 't';
	q[rd + 11] = '1'; /* hmac-sha216 */
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOTAUTH);
	ck_assert_uint_eq(ctx.error, SL_TSIG_BADKEY);
	/* No keys at all. */
	q[rd + 11] = '5';
	ck_assert_uint_eq(verify(&key, 0, q, qlen, T0, &ctx), SL_RCODE_NOTAUTH);
	ck_assert_uint_eq(ctx.error, SL_TSIG_BADKEY);
}
END_TEST

START_TEST(test_malformed_is_formerr)
{
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));
	size_t rd = MSG_LEN + 10 + 10;

	make_key(&key, "test-key.", "hmac-sha256");
	/* Class IN instead of ANY. */
	sl_write_u16(q + MSG_LEN + 12, SL_CLASS_IN);
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_FORMERR);
	sl_write_u16(q + MSG_LEN + 12, SL_CLASS_ANY);
	/* MAC size beyond the RDATA. */
	sl_write_u16(q + rd + 13 + 8, 200);
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_FORMERR);
	sl_write_u16(q + rd + 13 + 8, 32);
	/* Other Len not matching what is left. */
	sl_write_u16(q + qlen - 2, 1);
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_FORMERR);
	sl_write_u16(q + qlen - 2, 0);
	/* Algorithm name running past the RDATA. */
	q[rd] = 0x3f;
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_FORMERR);
	q[rd] = 0x0b;
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOERROR);
	/* Every shorter RDLENGTH (message cut accordingly) is FORMERR, never a crash. */
	size_t rdlen = sl_read_u16(q + MSG_LEN + 18);
	for (size_t cut = 1; cut <= rdlen; cut++) {
		sl_msg_t msg;
		sl_write_u16(q + MSG_LEN + 18, (uint16_t)(rdlen - cut));
		if (sl_msg_parse(q, qlen - cut, &msg) == SL_OK && msg.tsig_pos)
			ck_assert_uint_eq(sl_tsig_verify(&key, 1, &msg, T0, &ctx), SL_RCODE_FORMERR);
	}
}
END_TEST

/* ---- §5.2.3: the time window ---------------------------------------------------- */

START_TEST(test_time_window_edges)
{
	static const struct {
		int64_t skew;
		bool ok;
	} cases[] = { { 0, true }, { 300, true }, { -300, true }, { 301, false }, { -301, false },
		      { 100000, false }, { -(int64_t)T0, false } };
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));

	make_key(&key, "test-key.", "hmac-sha256");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t rc = verify(&key, 1, q, qlen, (uint64_t)((int64_t)T0 + cases[i].skew), &ctx);
		ck_assert_msg(rc == (cases[i].ok ? SL_RCODE_NOERROR : SL_RCODE_NOTAUTH),
			      "skew %lld: rcode %u", (long long)cases[i].skew, rc);
		if (!cases[i].ok)
			ck_assert_uint_eq(ctx.error, SL_TSIG_BADTIME);
	}
}
END_TEST

/* RFC 8945 §5.2.3: BADTIME is signed, with the client's time and fudge, ours in Other Data. */
START_TEST(test_badtime_answer)
{
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512], out[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));
	struct tsig_rr t;

	make_key(&key, "test-key.", "hmac-sha256");
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0 + 1000, &ctx), SL_RCODE_NOTAUTH);
	memcpy(out, q, MSG_LEN);
	out[2] |= 0x80;
	sl_write_u16(out + 10, 0);
	int len = sl_tsig_sign(&ctx, out, MSG_LEN, sizeof(out), T0 + 1000);
	ck_assert_int_eq(len, (int)(MSG_LEN + sl_tsig_size(&ctx)));
	ck_assert_uint_eq(sl_read_u16(out + 10), 1);
	read_tsig(out, (size_t)len, MSG_LEN, &t);
	ck_assert_uint_eq(t.error, SL_TSIG_BADTIME);
	ck_assert_uint_eq(t.time, T0);
	ck_assert_uint_eq(t.fudge, 300);
	ck_assert_uint_eq(t.mac_len, 32);
	ck_assert_uint_eq(t.other_len, 6);
	ck_assert_uint_eq((uint64_t)sl_read_u16(t.other) << 32 | sl_read_u32(t.other + 2),
			  T0 + 1000);
	/* The MAC: request MAC, the response, all variables (§5.3). */
	uint8_t buf[1024], mac[64];
	size_t n = 0;
	buf[n++] = 0;
	buf[n++] = 32;
	memcpy(buf + n, q + qlen - 6 - 32, 32);
	n += 32;
	memcpy(buf + n, out, MSG_LEN);
	sl_write_u16(buf + n + 10, 0);
	n += MSG_LEN;
	memcpy(buf + n, "\x08test-key\0\0\xff\0\0\0\0\x0bhmac-sha256\0", 29);
	n += 29;
	memcpy(buf + n, t.mac - 10, 8); /* time + fudge as sent */
	n += 8;
	memcpy(buf + n, "\0\x12\0\x06", 4);
	n += 4;
	memcpy(buf + n, t.other, 6);
	n += 6;
	hmac("SHA256", &key, buf, n, mac);
	ck_assert_mem_eq(t.mac, mac, 32);
}
END_TEST

/* RFC 8945 §5.3.2: BADKEY and BADSIG answers carry no MAC. */
START_TEST(test_badkey_badsig_answers_unsigned)
{
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512], out[512];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));
	struct tsig_rr t;

	make_key(&key, "other-key.", "hmac-sha256");
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOTAUTH);
	memcpy(out, q, MSG_LEN);
	sl_write_u16(out + 10, 0);
	int len = sl_tsig_sign(&ctx, out, MSG_LEN, sizeof(out), T0);
	ck_assert_int_gt(len, MSG_LEN);
	ck_assert_mem_eq(out + MSG_LEN, "\x08test-key", 10); /* the key name the client used */
	read_tsig(out, (size_t)len, MSG_LEN, &t);
	ck_assert_uint_eq(t.error, SL_TSIG_BADKEY);
	ck_assert_uint_eq(t.mac_len, 0);
	ck_assert_uint_eq(t.orig_id, 0x1234);

	make_key(&key, "test-key.", "hmac-sha256");
	key.secret[0] ^= 1;
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOTAUTH);
	len = sl_tsig_sign(&ctx, out, MSG_LEN, sizeof(out), T0);
	read_tsig(out, (size_t)len, MSG_LEN, &t);
	ck_assert_uint_eq(t.error, SL_TSIG_BADSIG);
	ck_assert_uint_eq(t.mac_len, 0);
	/* No room: SL_ESPACE, message untouched. */
	ck_assert_int_eq(sl_tsig_sign(&ctx, out, MSG_LEN, MSG_LEN + 10, T0), SL_ESPACE);
}
END_TEST

/* ---- §5.2.2.1 and §5.2.4: truncated MACs ------------------------------------------ */

/* A request for www.example.com/A signed here with EVP_Q_mac() and its MAC cut to @p mac_len. */
static size_t signed_request(uint8_t *out, const sl_tsig_key_t *key, const char *md,
			     const char *alg_wire, size_t alg_len, uint16_t mac_len)
{
	uint8_t buf[512], mac[64];
	size_t n = 0, v;

	n = unhex("abcd0000000100000000000003777777076578616d706c6503636f6d0000010001", out, 64);
	memcpy(buf, out, n);
	v = n;
	memcpy(buf + v, key->name, key->name_len);
	v += key->name_len;
	memcpy(buf + v, "\0\xff\0\0\0\0", 6);
	v += 6;
	memcpy(buf + v, alg_wire, alg_len);
	v += alg_len;
	memcpy(buf + v, "\0\0\x65\x53\xf1\x00\x01\x2c\0\0\0\0", 12);
	v += 12;
	hmac(md, key, buf, v, mac);
	/* The TSIG RR. */
	sl_write_u16(out + 10, 1);
	memcpy(out + n, key->name, key->name_len);
	n += key->name_len;
	memcpy(out + n, "\0\xfa\0\xff\0\0\0\0", 8);
	sl_write_u16(out + n + 8, (uint16_t)(alg_len + 16 + mac_len));
	n += 10;
	memcpy(out + n, alg_wire, alg_len);
	n += alg_len;
	memcpy(out + n, "\0\0\x65\x53\xf1\x00\x01\x2c", 8);
	sl_write_u16(out + n + 8, mac_len);
	n += 10;
	memcpy(out + n, mac, mac_len);
	n += mac_len;
	memcpy(out + n, "\xab\xcd\0\0\0\0", 6);
	return n + 6;
}

START_TEST(test_truncated_macs)
{
	static const struct {
		const char *alg;   /* as configured */
		int md;            /* 1: sha1, 256, 512 */
		uint16_t mac_len;  /* sent */
		uint16_t rcode, error;
	} cases[] = {
		{ "hmac-sha256", 256, 32, SL_RCODE_NOERROR, 0 },
		{ "hmac-sha256", 256, 16, SL_RCODE_NOERROR, 0 },  /* half the hash: allowed */
		{ "hmac-sha256", 256, 15, SL_RCODE_FORMERR, 0 },  /* below max(10, 16) */
		{ "hmac-sha256", 256, 0, SL_RCODE_FORMERR, 0 },
		{ "hmac-sha1", 1, 10, SL_RCODE_NOERROR, 0 },      /* 10 octets: allowed */
		{ "hmac-sha1", 1, 9, SL_RCODE_FORMERR, 0 },
		{ "hmac-sha512", 512, 32, SL_RCODE_NOERROR, 0 },
		{ "hmac-sha512", 512, 31, SL_RCODE_FORMERR, 0 },
		{ "hmac-sha256-192", 256, 24, SL_RCODE_NOERROR, 0 },
		{ "hmac-sha256-192", 256, 32, SL_RCODE_NOERROR, 0 },
		{ "hmac-sha256-192", 256, 16, SL_RCODE_NOTAUTH, SL_TSIG_BADTRUNC },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_tsig_key_t key;
		sl_tsig_ctx_t ctx;
		uint8_t q[512];
		const char *md = cases[i].md == 1 ? "SHA1" : cases[i].md == 256 ? "SHA256" : "SHA512";
		const char *wire = cases[i].md == 1 ? "\x09hmac-sha1" : cases[i].md == 256
							  ? "\x0bhmac-sha256" : "\x0bhmac-sha512";
		make_key(&key, "k.", cases[i].alg);
		size_t len = signed_request(q, &key, md, wire, strlen(wire) + 1, cases[i].mac_len);
		uint16_t rc = verify(&key, 1, q, len, T0, &ctx);
		ck_assert_msg(rc == cases[i].rcode && ctx.error == cases[i].error,
			      "%s with %u octets: rcode %u error %u", cases[i].alg, cases[i].mac_len,
			      rc, ctx.error);
	}
	/* A MAC longer than the hash is FORMERR (§5.2.2.1 case 1): rebuild with 33 octets. */
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512];
	make_key(&key, "k.", "hmac-sha256");
	size_t len = signed_request(q, &key, "SHA256", "\x0bhmac-sha256", 13, 32);
	memmove(q + len - 5, q + len - 6, 6);
	sl_write_u16(q + len - 6 - 32 - 2, 33);
	sl_write_u16(q + 33 + 3 + 8, (uint16_t)(sl_read_u16(q + 33 + 3 + 8) + 1));
	ck_assert_uint_eq(verify(&key, 1, q, len + 1, T0, &ctx), SL_RCODE_FORMERR);
}
END_TEST

/* ---- §5.3.1: a stream's MACs chain ---------------------------------------------- */

START_TEST(test_stream_chain)
{
	sl_tsig_key_t key;
	sl_tsig_ctx_t ctx;
	uint8_t q[512], m1[512], m2[512], prev[64];
	size_t qlen = unhex(vectors[0].query, q, sizeof(q));
	struct tsig_rr t;

	make_key(&key, "test-key.", "hmac-sha256");
	ck_assert_uint_eq(verify(&key, 1, q, qlen, T0, &ctx), SL_RCODE_NOERROR);
	sl_stream_t stream = { 0 };
	memcpy(m1, q, MSG_LEN);
	sl_write_u16(m1 + 10, 0);
	int len1 = sl_tsig_sign(&ctx, m1, MSG_LEN, sizeof(m1), T0);
	ck_assert_int_gt(len1, MSG_LEN);
	read_tsig(m1, (size_t)len1, MSG_LEN, &t);
	memcpy(prev, t.mac, 32);
	/* The wrapper keeps its own key and the first message's MAC. */
	ck_assert_int_eq(sl_tsig_stream_wrap(&stream, &ctx), SL_OK);
	sl_tsig_ctx_t *sctx = sl_tsig_stream_ctx(&stream);
	ck_assert_ptr_nonnull(sctx);
	ck_assert_ptr_ne(sctx->key, &key);
	memset(&key, 0, sizeof(key)); /* a reload frees the runtime's keys */
	make_key(&key, "test-key.", "hmac-sha256");
	for (int msgno = 2; msgno <= 4; msgno++) {
		memcpy(m2, q, MSG_LEN);
		m2[3] = (uint8_t)msgno; /* any change: each message is different */
		sl_write_u16(m2 + 10, 0);
		int len2 = sl_tsig_sign(sctx, m2, MSG_LEN, sizeof(m2), T0 + (unsigned)msgno);
		ck_assert_int_gt(len2, MSG_LEN);
		read_tsig(m2, (size_t)len2, MSG_LEN, &t);
		ck_assert_uint_eq(t.time, T0 + (unsigned)msgno);
		/* Prior MAC (size and MAC), the message, the timers only. */
		uint8_t buf[256], mac[64];
		size_t n = 0;
		buf[n++] = 0;
		buf[n++] = 32;
		memcpy(buf + n, prev, 32);
		n += 32;
		memcpy(buf + n, m2, MSG_LEN);
		sl_write_u16(buf + n + 10, 0);
		n += MSG_LEN;
		memcpy(buf + n, t.mac - 10, 8);
		n += 8;
		hmac("SHA256", &key, buf, n, mac);
		ck_assert_mem_eq(t.mac, mac, 32);
		memcpy(prev, t.mac, 32);
	}
	ck_assert_ptr_null(sl_tsig_stream_ctx(&(sl_stream_t){ 0 }));
	stream.free(stream.state);
}
END_TEST

/* ---- keys ------------------------------------------------------------------------ */

START_TEST(test_key_init_refusals)
{
	static const struct {
		const char *name, *alg, *secret, *err;
	} cases[] = {
		{ "k.", "hmac-md5", SECRET, "not supported" },
		{ "k.", "hmac-sha3", SECRET, "not supported" },
		{ "k.", "hmac-sha256-100", SECRET, "multiple of 8" },
		{ "k.", "hmac-sha256-64", SECRET, "multiple of 8" },
		{ "k.", "hmac-sha256-264", SECRET, "multiple of 8" },
		{ "k.", "hmac-sha256", "c2hvcnQ=", "at least 16" },
		{ "k.", "hmac-sha256", "not base64!", "not valid base64" },
		{ "k.", "hmac-sha256", "", "at least 16" },
		{ "a..b", "hmac-sha256", SECRET, "not a valid key name" },
	};
	sl_tsig_key_t key;
	sl_error_t err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_error_clear(&err);
		ck_assert_int_eq(sl_tsig_key_init(&key, cases[i].name, cases[i].alg, cases[i].secret,
						  &err), SL_EINVAL);
		ck_assert_msg(strstr(err.msg, cases[i].err), "case %zu: \"%s\"", i, err.msg);
	}
	/* 344 base64 characters = 258 octets: too long. */
	char big[400];
	memset(big, 'A', 344);
	big[344] = '\0';
	ck_assert_int_eq(sl_tsig_key_init(&key, "k.", "hmac-sha256", big, &err), SL_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer"));
	ck_assert_str_eq(err.file, "secret");
	/* Accepted forms. */
	ck_assert_int_eq(sl_tsig_key_init(&key, "K.Example", "hmac-sha384.", SECRET, &err), SL_OK);
	ck_assert_mem_eq(key.name, "\x01k\x07" "example", 11);
	ck_assert_uint_eq(key.alg, SL_TSIG_HMAC_SHA384);
	ck_assert_uint_eq(key.secret_len, 32);
	ck_assert_uint_eq(key.min_mac, 0);
	ck_assert_int_eq(sl_tsig_key_init(&key, "k.", "hmac-sha512-256", SECRET, &err), SL_OK);
	ck_assert_uint_eq(key.min_mac, 32);
	ck_assert_str_eq(sl_tsig_alg_name(SL_TSIG_HMAC_SHA224), "hmac-sha224");
	ck_assert_uint_eq(sl_tsig_alg_size(SL_TSIG_HMAC_SHA224), 28);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("tsig");
	TCase *tc = tcase_create("tsig");

	tcase_add_loop_test(tc, test_dnspython_vectors, 0, sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_key_name_case_and_second_key);
	tcase_add_test(tc, test_tamper_message_is_badsig);
	tcase_add_test(tc, test_tamper_tsig_fields);
	tcase_add_test(tc, test_malformed_is_formerr);
	tcase_add_test(tc, test_time_window_edges);
	tcase_add_test(tc, test_badtime_answer);
	tcase_add_test(tc, test_badkey_badsig_answers_unsigned);
	tcase_add_test(tc, test_truncated_macs);
	tcase_add_test(tc, test_stream_chain);
	tcase_add_test(tc, test_key_init_refusals);
	suite_add_tcase(s, tc);
	return s;
}
