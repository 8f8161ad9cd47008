/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for core/name.c (wire/text names, canonical order) and the RR
 * type/class mnemonics of core/rrtype.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>

#include "name_int.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parses an absolute test name that must be valid; returns its length. */
static size_t wire(const char *text, uint8_t out[SL_NAME_MAXLEN])
{
	size_t len = 0;
	int rc = sl_name_from_text(text, strlen(text), NULL, out, &len);

	ck_assert_msg(rc == SL_OK, "cannot parse test name \"%s\": %d", text, rc);
	ck_assert_int_eq(sl_name_check(out, len), (int)len);
	return len;
}

/* ---------------------------------------------------------------------------
 * sl_name_unpack
 */

/* A DNS message image: data is placed at offset 12 (after a zero header). */
struct unpack_case {
	const char *what;
	const uint8_t *data;
	size_t datalen;
	size_t pos;        /* start offset in the message */
	int rc;
	const char *name;  /* expected presentation form when rc == SL_OK */
	size_t end;        /* expected *pos after success */
};

#define D(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

static const struct unpack_case unpack_cases[] = {
	{ "plain", D(3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0),
	  12, SL_OK, "www.example.com.", 29 },
	{ "root", D(0), 12, SL_OK, ".", 13 },
	{ "case kept", D(1, 'A', 1, 'b', 0), 12, SL_OK, "A.b.", 17 },
	/* 12: example.com. (13 octets), 25: www + ptr 12, 31: ptr 25. */
	{ "one pointer",
	  D(7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 3, 'w', 'w', 'w', 0xC0, 12,
	    0xC0, 25),
	  25, SL_OK, "www.example.com.", 31 },
	{ "pointer to pointer",
	  D(7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 3, 'w', 'w', 'w', 0xC0, 12,
	    0xC0, 25),
	  31, SL_OK, "www.example.com.", 33 },
	{ "pointer to root", D(0, 1, 'x', 0xC0, 12), 13, SL_OK, "x.", 17 },
	/* Pointer target is a suffix inside an earlier name. */
	{ "pointer into earlier name",
	  D(1, 'a', 1, 'b', 0, 1, 'c', 0xC0, 14), 17, SL_OK, "c.b.", 21 },
	{ "label 63", D(63, 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
			'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
			'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
			'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',
			'x', 'x', 'x', 'x', 0),
	  12, SL_OK, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.", 77 },

	/* Hostile input. */
	{ "empty message tail", D(0), 13, SL_EMALFORMED, NULL, 0 },
	{ "pos far past end", D(0), 1000, SL_EMALFORMED, NULL, 0 },
	{ "forward pointer", D(0xC0, 14, 0), 12, SL_ELOOP, NULL, 0 },
	{ "self pointer", D(0xC0, 12), 12, SL_ELOOP, NULL, 0 },
	/* 12: a, 14: ptr 16, 16: ptr 12 -> back into the name holding ptr 16. */
	{ "pointer loop", D(1, 'a', 0xC0, 16, 0xC0, 12), 16, SL_ELOOP, NULL, 0 },
	{ "pointer loop via start", D(1, 'a', 0xC0, 16, 0xC0, 12), 12, SL_ELOOP, NULL, 0 },
	/* Points backwards of itself but inside its own label sequence. */
	{ "pointer into itself", D(3, 'a', 'b', 'c', 0xC0, 13), 12, SL_ELOOP, NULL, 0 },
	{ "pointer to own start", D(3, 'a', 'b', 'c', 0xC0, 12), 12, SL_ELOOP, NULL, 0 },
	/* 15: a b ptr 17 — before the pointer but not before the jump target 15. */
	{ "pointer into jump target",
	  D(1, 'x', 0, 1, 'a', 1, 'b', 0xC0, 17, 0xC0, 15), 21, SL_ELOOP, NULL, 0 },
	{ "pointer target past end", D(0xC0, 0xFF), 12, SL_ELOOP, NULL, 0 },
	{ "max pointer target", D(0xFF, 0xFF), 12, SL_ELOOP, NULL, 0 },
	{ "truncated pointer", D(1, 'a', 0xC0), 12, SL_EMALFORMED, NULL, 0 },
	{ "truncated label", D(5, 'a', 'b'), 12, SL_EMALFORMED, NULL, 0 },
	{ "missing root", D(1, 'a'), 12, SL_EMALFORMED, NULL, 0 },
	/* Target label 12 spans the pointer at 16 and runs off the end. */
	{ "overrun after pointer", D(5, 'x', 1, 'a', 0xC0, 12), 14, SL_EMALFORMED, NULL, 0 },
	{ "loop back to label before pointer", D(1, 'a', 1, 'b', 0xC0, 12), 14, SL_ELOOP, NULL,
	  0 },
	{ "label type 0x40", D(0x41, 'a', 0), 12, SL_EMALFORMED, NULL, 0 },
	{ "label type 0x80", D(0x81, 'a', 0), 12, SL_EMALFORMED, NULL, 0 },
	{ "label length 64", D(0x40, 0), 12, SL_EMALFORMED, NULL, 0 },
	{ "0x80 after pointer", D(0x80, 0, 0xC0, 12), 14, SL_EMALFORMED, NULL, 0 },
};

START_TEST(test_unpack_table)
{
	const struct unpack_case *tc = &unpack_cases[_i];
	size_t msglen = 12 + tc->datalen;
	uint8_t *msg = malloc(msglen);
	uint8_t out[SL_NAME_MAXLEN];
	size_t pos = tc->pos;
	size_t outlen = 0;
	int rc;

	ck_assert_ptr_nonnull(msg);
	memset(msg, 0, 12);
	memcpy(msg + 12, tc->data, tc->datalen);
	/* Exactly-sized heap buffer so ASan catches any read past msglen. */
	rc = sl_name_unpack(msg, msglen, &pos, out, &outlen);
	ck_assert_msg(rc == tc->rc, "%s: rc %d, want %d", tc->what, rc, tc->rc);
	if (rc == SL_OK) {
		char text[SL_NAME_TEXT_MAX];

		ck_assert_int_eq(sl_name_check(out, outlen), (int)outlen);
		ck_assert_uint_eq(sl_name_len(out), outlen);
		ck_assert_int_ge(sl_name_to_text(out, text, sizeof(text)), 1);
		ck_assert_msg(strcmp(text, tc->name) == 0, "%s: got %s", tc->what, text);
		ck_assert_msg(pos == tc->end, "%s: end %zu, want %zu", tc->what, pos, tc->end);
	}
	free(msg);
}
END_TEST

/*
 * Builds a message whose tail is a chain of @p n pointers, each pointing two
 * octets back, ending at a root label at offset 12. Returns the offset of the
 * last pointer (decoding from there follows exactly n pointers).
 */
static size_t build_chain(uint8_t *msg, unsigned n)
{
	memset(msg, 0, 12);
	msg[12] = 0;
	msg[13] = 0;
	for (unsigned k = 1; k <= n; k++) {
		size_t at = 12 + 2 * k;
		size_t target = at - 2;

		msg[at] = (uint8_t)(0xC0 | (target >> 8));
		msg[at + 1] = (uint8_t)target;
	}
	return 12 + 2 * n;
}

START_TEST(test_unpack_hop_limit)
{
	uint8_t msg[12 + 2 * (SL_NAME_MAX_POINTERS + 2)];
	uint8_t out[SL_NAME_MAXLEN];
	size_t outlen, pos;

	pos = build_chain(msg, SL_NAME_MAX_POINTERS);
	ck_assert_int_eq(sl_name_unpack(msg, pos + 2, &pos, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, 1);
	ck_assert_uint_eq(pos, 12 + 2 * SL_NAME_MAX_POINTERS + 2);

	pos = build_chain(msg, SL_NAME_MAX_POINTERS + 1);
	ck_assert_int_eq(sl_name_unpack(msg, pos + 2, &pos, out, &outlen), SL_ELOOP);
}
END_TEST

/*
 * 12: one label of @p base_label octets + root; then three 63-octet labels
 * and a pointer to 12. The decoded name is 3 * 64 + base_label + 2 octets.
 */
static size_t build_long(uint8_t *msg, unsigned base_label, size_t *start)
{
	size_t p = 12;

	memset(msg, 0, 12);
	msg[p++] = (uint8_t)base_label;
	memset(msg + p, 'b', base_label);
	p += base_label;
	msg[p++] = 0;
	*start = p;
	for (int k = 0; k < 3; k++) {
		msg[p++] = 63;
		memset(msg + p, 'a', 63);
		p += 63;
	}
	msg[p++] = 0xC0;
	msg[p++] = 12;
	return p;
}

START_TEST(test_unpack_length_limit)
{
	uint8_t msg[512];
	uint8_t out[SL_NAME_MAXLEN];
	size_t outlen = 0, pos, len;

	len = build_long(msg, 61, &pos);
	ck_assert_int_eq(sl_name_unpack(msg, len, &pos, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, 255);
	ck_assert_uint_eq(pos, len);

	len = build_long(msg, 62, &pos);
	ck_assert_int_eq(sl_name_unpack(msg, len, &pos, out, &outlen), SL_EMALFORMED);

	len = build_long(msg, 63, &pos);
	ck_assert_int_eq(sl_name_unpack(msg, len, &pos, out, &outlen), SL_EMALFORMED);
}
END_TEST

/* Every truncation of a valid compressed message fails cleanly. */
START_TEST(test_unpack_truncations)
{
	static const uint8_t base[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
					3, 'w', 'w', 'w', 0xC0, 12 };
	uint8_t out[SL_NAME_MAXLEN];
	size_t outlen;

	for (size_t len = 0; len < sizeof(base); len++) {
		uint8_t *msg = malloc(len ? len : 1);
		size_t pos = 25;

		ck_assert_ptr_nonnull(msg);
		memcpy(msg, base, len);
		ck_assert_int_eq(sl_name_unpack(msg, len, &pos, out, &outlen), SL_EMALFORMED);
		free(msg);
	}
}
END_TEST

/* ---------------------------------------------------------------------------
 * sl_name_check
 */

struct check_case {
	const uint8_t *data;
	size_t len;
	int rc;
};

static const struct check_case check_cases[] = {
	{ D(0), 1 },
	{ D(1, 'a', 0), 3 },
	{ D(1, 'a', 0, 0xff, 0xff), 3 },  /* trailing bytes ignored */
	{ D(1, 'a'), SL_EMALFORMED },
	{ D(2, 'a'), SL_EMALFORMED },
	{ D(0xC0, 12), SL_EMALFORMED },
	{ D(1, 'a', 0xC0, 0), SL_EMALFORMED },
	{ D(0x40, 0), SL_EMALFORMED },
	{ D(0x80, 0), SL_EMALFORMED },
};

START_TEST(test_check_table)
{
	const struct check_case *tc = &check_cases[_i];

	ck_assert_int_eq(sl_name_check(tc->data, tc->len), tc->rc);
}
END_TEST

START_TEST(test_check_limits)
{
	uint8_t buf[300] = { 0 };

	ck_assert_int_eq(sl_name_check(buf, 0), SL_EMALFORMED);

	/* 3 * 64 + 62 + 1 = 255 */
	memset(buf, 'a', sizeof(buf));
	buf[0] = 63;
	buf[64] = 63;
	buf[128] = 63;
	buf[192] = 61;
	buf[254] = 0;
	ck_assert_int_eq(sl_name_check(buf, sizeof(buf)), 255);
	ck_assert_int_eq(sl_name_check(buf, 255), 255);
	ck_assert_int_eq(sl_name_check(buf, 254), SL_EMALFORMED);
	ck_assert_uint_eq(sl_name_labels(buf), 4);

	buf[192] = 62;
	buf[254] = 'a';
	buf[255] = 0;
	ck_assert_int_eq(sl_name_check(buf, sizeof(buf)), SL_EMALFORMED);

	/* 127 one-octet labels + root = 255 */
	for (int k = 0; k < 127; k++) {
		buf[2 * k] = 1;
		buf[2 * k + 1] = 'x';
	}
	buf[254] = 0;
	ck_assert_int_eq(sl_name_check(buf, sizeof(buf)), 255);
	ck_assert_uint_eq(sl_name_labels(buf), SL_NAME_MAXLABELS);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Presentation format
 */

struct text_case {
	const char *in;
	const char *origin;  /* absolute text, or NULL */
	int rc;
	const char *out;     /* expected sl_name_to_text() when rc == SL_OK */
	unsigned labels;
};

static const struct text_case text_cases[] = {
	{ ".", NULL, SL_OK, ".", 0 },
	{ "example.", NULL, SL_OK, "example.", 1 },
	{ "www.example.com.", NULL, SL_OK, "www.example.com.", 3 },
	{ "WwW.Example.COM.", NULL, SL_OK, "WwW.Example.COM.", 3 },
	{ "a\\.b.example.", NULL, SL_OK, "a\\.b.example.", 2 },
	{ "\\000.x.", NULL, SL_OK, "\\000.x.", 2 },
	{ "\\255.", NULL, SL_OK, "\\255.", 1 },
	{ "\\255", "example.", SL_OK, "\\255.example.", 2 },
	{ "\\ .", NULL, SL_OK, "\\032.", 1 },
	{ "\\\"\\ .", NULL, SL_OK, "\\\"\\032.", 1 },
	{ "\\\\.", NULL, SL_OK, "\\\\.", 1 },
	{ "\\065bc.", NULL, SL_OK, "Abc.", 1 },
	{ "\\a\\b.", NULL, SL_OK, "ab.", 1 },
	{ "a@b$c;d(e)f.", NULL, SL_OK, "a\\@b\\$c\\;d\\(e\\)f.", 1 },
	{ "\\@.", NULL, SL_OK, "\\@.", 1 },
	{ "*.a_b-c.example.", NULL, SL_OK, "*.a_b-c.example.", 3 },
	{ "\\128\\200\\127\\009.", NULL, SL_OK, "\\128\\200\\127\\009.", 1 },
	{ "x/y+z!.", NULL, SL_OK, "x\\047y\\043z\\033.", 1 },
	{ "a\\..", NULL, SL_OK, "a\\..", 1 },
	{ "\\..", NULL, SL_OK, "\\..", 1 },
	{ "@", "example.com.", SL_OK, "example.com.", 2 },
	{ "@", ".", SL_OK, ".", 0 },
	{ "www", "example.com.", SL_OK, "www.example.com.", 3 },
	{ "a.b", "example.", SL_OK, "a.b.example.", 3 },
	{ "www", ".", SL_OK, "www.", 1 },
	{ "a\\.", "example.", SL_OK, "a\\..example.", 2 },
	{ "abs.", "example.", SL_OK, "abs.", 1 },

	{ "@", NULL, SL_ESYNTAX, NULL, 0 },
	{ "www", NULL, SL_ESYNTAX, NULL, 0 },
	{ "", NULL, SL_ESYNTAX, NULL, 0 },
	{ "", "example.", SL_ESYNTAX, NULL, 0 },
	{ "a..b.", NULL, SL_ESYNTAX, NULL, 0 },
	{ "a..b", "example.", SL_ESYNTAX, NULL, 0 },
	{ "..", NULL, SL_ESYNTAX, NULL, 0 },
	{ ".a.", NULL, SL_ESYNTAX, NULL, 0 },
	{ "a..", NULL, SL_ESYNTAX, NULL, 0 },
	{ "\\256.", NULL, SL_ESYNTAX, NULL, 0 },
	{ "\\999.", NULL, SL_ESYNTAX, NULL, 0 },
	{ "\\1a.", NULL, SL_ESYNTAX, NULL, 0 },
	{ "\\12", "example.", SL_ESYNTAX, NULL, 0 },
	{ "\\1", "example.", SL_ESYNTAX, NULL, 0 },
	{ "a\\", "example.", SL_ESYNTAX, NULL, 0 },
	{ "\\", "example.", SL_ESYNTAX, NULL, 0 },
	{ "a.\\", NULL, SL_ESYNTAX, NULL, 0 },
	/* 63 and 64 octet labels */
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.", NULL, SL_OK,
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.", 1 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.", NULL, SL_ELIMIT,
	  NULL, 0 },
	{ "\\120xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "x.", SL_OK,
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.x.", 2 },
	{ "\\120xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "x.", SL_ELIMIT,
	  NULL, 0 },
};

START_TEST(test_text_table)
{
	const struct text_case *tc = &text_cases[_i];
	uint8_t origin[SL_NAME_MAXLEN];
	uint8_t out[SL_NAME_MAXLEN];
	uint8_t again[SL_NAME_MAXLEN];
	char text[SL_NAME_TEXT_MAX];
	size_t outlen = 0, againlen = 0;
	int rc;

	if (tc->origin)
		wire(tc->origin, origin);
	rc = sl_name_from_text(tc->in, strlen(tc->in), tc->origin ? origin : NULL, out, &outlen);
	ck_assert_msg(rc == tc->rc, "\"%s\": rc %d, want %d", tc->in, rc, tc->rc);
	if (rc != SL_OK)
		return;

	ck_assert_int_eq(sl_name_check(out, outlen), (int)outlen);
	ck_assert_uint_eq(sl_name_labels(out), tc->labels);
	rc = sl_name_to_text(out, text, sizeof(text));
	ck_assert_int_eq(rc, (int)strlen(tc->out));
	ck_assert_msg(strcmp(text, tc->out) == 0, "\"%s\": printed %s, want %s", tc->in, text,
		      tc->out);

	/* The printed form parses back to the very same octets. */
	ck_assert_int_eq(sl_name_from_text(text, strlen(text), NULL, again, &againlen), SL_OK);
	ck_assert_uint_eq(againlen, outlen);
	ck_assert_mem_eq(again, out, outlen);
}
END_TEST

/* Text need not be NUL-terminated: only len octets are read. */
START_TEST(test_text_len_bound)
{
	static const char src[] = "example.comXYZ";
	char *heap = malloc(12);
	uint8_t out[SL_NAME_MAXLEN];
	uint8_t want[SL_NAME_MAXLEN];
	size_t outlen;

	ck_assert_ptr_nonnull(heap);
	memcpy(heap, src, 12);  /* "example.com." without NUL */
	heap[11] = '.';
	ck_assert_int_eq(sl_name_from_text(heap, 12, NULL, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, wire("example.com.", want));
	ck_assert_mem_eq(out, want, outlen);

	/* A \DDD escape cut by len is a syntax error, not an over-read. */
	memcpy(heap, "ab\\0", 4);
	ck_assert_int_eq(sl_name_from_text(heap, 4, want, out, &outlen), SL_ESYNTAX);
	ck_assert_int_eq(sl_name_from_text(heap, 3, want, out, &outlen), SL_ESYNTAX);
	free(heap);
}
END_TEST

/* Builds "a.a.a....a" style text of @p nlabels labels each @p lablen long. */
static size_t make_text(char *buf, unsigned nlabels, unsigned lablen, bool absolute)
{
	size_t p = 0;

	for (unsigned k = 0; k < nlabels; k++) {
		if (k)
			buf[p++] = '.';
		memset(buf + p, 'a', lablen);
		p += lablen;
	}
	if (absolute)
		buf[p++] = '.';
	buf[p] = '\0';
	return p;
}

START_TEST(test_text_length_limit)
{
	char text[1024];
	uint8_t out[SL_NAME_MAXLEN];
	uint8_t origin[SL_NAME_MAXLEN];
	size_t outlen, len;

	/* 127 one-octet labels: 255 octets, the maximum. */
	len = make_text(text, 127, 1, true);
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, 255);
	len = make_text(text, 128, 1, true);
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_ELIMIT);
	len = make_text(text, 200, 1, true);
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_ELIMIT);

	/* 4 labels of 63: 257 octets. */
	len = make_text(text, 4, 63, true);
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_ELIMIT);
	/* 3 * 64 + 62 + root = 255 */
	len = make_text(text, 3, 63, false);
	text[len++] = '.';
	memset(text + len, 'b', 61);
	len += 61;
	text[len++] = '.';
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, 255);
	/* One more octet in the last label: 256. */
	text[len - 1] = 'b';
	text[len++] = '.';
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_ELIMIT);

	/* Relative + origin crossing 255. */
	wire("example.", origin);  /* 9 octets */
	len = make_text(text, 123, 1, false);  /* 246 octets */
	ck_assert_int_eq(sl_name_from_text(text, len, origin, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, 255);
	len = make_text(text, 124, 1, false);
	ck_assert_int_eq(sl_name_from_text(text, len, origin, out, &outlen), SL_ELIMIT);

	/* Escapes count as one octet each. */
	len = 0;
	for (int k = 0; k < 63; k++) {
		memcpy(text + len, "\\255", 4);
		len += 4;
	}
	text[len++] = '.';
	ck_assert_int_eq(sl_name_from_text(text, len, NULL, out, &outlen), SL_OK);
	ck_assert_uint_eq(outlen, 65);
	memmove(text + 4, text, len);
	memcpy(text, "\\000", 4);
	ck_assert_int_eq(sl_name_from_text(text, len + 4, NULL, out, &outlen), SL_ELIMIT);
}
END_TEST

START_TEST(test_to_text_space)
{
	uint8_t name[SL_NAME_MAXLEN];
	char buf[SL_NAME_TEXT_MAX];
	const char *cases[] = { ".", "a.", "a\\.b.c.", "\\000\\@x.y.", "WwW.ExAmPlE." };

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		size_t want = strlen(cases[c]);

		wire(cases[c], name);
		for (size_t sz = 0; sz <= want; sz++) {
			memset(buf, 'Z', sizeof(buf));
			ck_assert_int_eq(sl_name_to_text(name, buf, sz), SL_ESPACE);
			ck_assert_msg(sz == sizeof(buf) || buf[sz] == 'Z', "wrote past bufsize");
		}
		ck_assert_int_eq(sl_name_to_text(name, buf, want + 1), (int)want);
		ck_assert_str_eq(buf, cases[c]);
	}
}
END_TEST

/* The worst case fits in SL_NAME_TEXT_MAX. */
START_TEST(test_to_text_worst_case)
{
	uint8_t name[SL_NAME_MAXLEN];
	char buf[SL_NAME_TEXT_MAX];
	uint8_t back[SL_NAME_MAXLEN];
	size_t backlen;
	int n;

	memset(name, 0xff, sizeof(name));
	name[0] = 63;
	name[64] = 63;
	name[128] = 63;
	name[192] = 61;
	name[254] = 0;
	n = sl_name_to_text(name, buf, sizeof(buf));
	ck_assert_int_eq(n, 250 * 4 + 4);
	ck_assert_int_eq(sl_name_from_text(buf, (size_t)n, NULL, back, &backlen), SL_OK);
	ck_assert_uint_eq(backlen, 255);
	ck_assert_mem_eq(back, name, 255);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Comparison, hashing and structure
 */

struct pair_case {
	const char *a;
	const char *b;
	bool equal;
};

static const struct pair_case pair_cases[] = {
	{ ".", ".", true },
	{ "example.", "EXAMPLE.", true },
	{ "WwW.ExAmPlE.CoM.", "www.example.com.", true },
	{ "a\\.b.", "A\\.B.", true },
	{ "\\200.x.", "\\200.X.", true },
	{ "example.", "example.com.", false },
	{ "a.b.", "ab.", false },
	{ "a.bc.", "ab.c.", false },
	{ "[.", "{.", false },        /* '[' is not upper-case '{' */
	{ "\\193.", "\\225.", false }, /* Latin-1 is not case-folded */
	{ "@.", "`.", false },
};

START_TEST(test_equal_table)
{
	const struct pair_case *tc = &pair_cases[_i];
	uint8_t a[SL_NAME_MAXLEN], b[SL_NAME_MAXLEN];

	wire(tc->a, a);
	wire(tc->b, b);
	ck_assert_msg(sl_name_equal(a, b) == tc->equal, "%s vs %s", tc->a, tc->b);
	ck_assert(sl_name_equal(b, a) == tc->equal);
	ck_assert((sl_name_compare(a, b) == 0) == tc->equal);
	if (tc->equal)
		ck_assert_uint_eq(sl_name_hash(a), sl_name_hash(b));
}
END_TEST

START_TEST(test_hash_known)
{
	uint8_t a[SL_NAME_MAXLEN];
	uint8_t b[SL_NAME_MAXLEN];

	/* FNV-1a of the single octet 0x00. */
	wire(".", a);
	ck_assert_uint_eq(sl_name_hash(a), (2166136261u ^ 0u) * 16777619u);
	wire("example.com.", a);
	wire("example.org.", b);
	ck_assert_uint_ne(sl_name_hash(a), sl_name_hash(b));
}
END_TEST

/* RFC 4034 §6.1, in canonical order. */
static const char *const canonical[] = {
	"example.",
	"a.example.",
	"yljkjljk.a.example.",
	"Z.a.example.",
	"zABC.a.EXAMPLE.",
	"z.example.",
	"\\001.z.example.",
	"*.z.example.",
	"\\200.z.example.",
};

static int cmp_names(const void *x, const void *y)
{
	return sl_name_compare(*(const uint8_t *const *)x, *(const uint8_t *const *)y);
}

START_TEST(test_canonical_order)
{
	enum { N = ARRAY_SIZE(canonical) };
	uint8_t names[N][SL_NAME_MAXLEN];
	const uint8_t *ptrs[N];
	const uint8_t *rev[N];

	for (size_t i = 0; i < N; i++)
		wire(canonical[i], names[i]);

	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < N; j++) {
			int c = sl_name_compare(names[i], names[j]);

			if (i < j)
				ck_assert_msg(c < 0, "%s !< %s", canonical[i], canonical[j]);
			else if (i > j)
				ck_assert_msg(c > 0, "%s !> %s", canonical[i], canonical[j]);
			else
				ck_assert_int_eq(c, 0);
		}
	}

	/* Sorting the reversed list and a shuffled list restores the order. */
	for (size_t i = 0; i < N; i++) {
		rev[i] = names[N - 1 - i];
		ptrs[i] = names[(i * 4) % N];  /* 4 is coprime with 9: a permutation */
	}
	qsort(rev, N, sizeof(rev[0]), cmp_names);
	qsort(ptrs, N, sizeof(ptrs[0]), cmp_names);
	for (size_t i = 0; i < N; i++) {
		ck_assert_ptr_eq(rev[i], names[i]);
		ck_assert_ptr_eq(ptrs[i], names[i]);
	}
}
END_TEST

struct order_case {
	const char *lo;
	const char *hi;
};

static const struct order_case order_cases[] = {
	{ ".", "a." },
	{ "a.", "b." },
	{ "B.", "c." },
	{ "a.", "aa." },
	{ "z.a.", "b." },          /* rightmost label decides first */
	{ "a.", "a.a." },
	{ "a.b.", "b.a.b." },
	{ "\\000.", "\\001." },
	{ "\\091.", "A." },        /* '[' (0x5b) < 'a' (0x61): 'A' is lowered first */
	{ "\\255.x.", "x.y." },
};

START_TEST(test_order_table)
{
	const struct order_case *tc = &order_cases[_i];
	uint8_t a[SL_NAME_MAXLEN], b[SL_NAME_MAXLEN];

	wire(tc->lo, a);
	wire(tc->hi, b);
	ck_assert_msg(sl_name_compare(a, b) < 0, "%s !< %s", tc->lo, tc->hi);
	ck_assert_msg(sl_name_compare(b, a) > 0, "%s !> %s", tc->hi, tc->lo);
}
END_TEST

START_TEST(test_compare_max_labels)
{
	uint8_t a[SL_NAME_MAXLEN], b[SL_NAME_MAXLEN];

	for (int k = 0; k < 127; k++) {
		a[2 * k] = 1;
		a[2 * k + 1] = 'x';
	}
	a[254] = 0;
	memcpy(b, a, sizeof(a));
	ck_assert_int_eq(sl_name_compare(a, b), 0);
	b[1] = 'y';
	ck_assert_int_lt(sl_name_compare(a, b), 0);
	b[1] = 'x';
	b[253] = 'y';
	ck_assert_int_lt(sl_name_compare(a, b), 0);
	ck_assert_int_gt(sl_name_compare(b, a), 0);
}
END_TEST

struct sub_case {
	const char *name;
	const char *parent;
	bool sub;
};

static const struct sub_case sub_cases[] = {
	{ "example.", "example.", true },
	{ "www.example.", "example.", true },
	{ "a.b.c.EXAMPLE.", "Example.", true },
	{ "example.", ".", true },
	{ ".", ".", true },
	{ ".", "example.", false },
	{ "example.", "www.example.", false },
	{ "badexample.", "example.", false },
	{ "example.com.", "example.", false },
	{ "a\\.example.", "example.", false },
	{ "x.a\\.example.", "a\\.example.", true },
};

START_TEST(test_subdomain_table)
{
	const struct sub_case *tc = &sub_cases[_i];
	uint8_t n[SL_NAME_MAXLEN], p[SL_NAME_MAXLEN];

	wire(tc->name, n);
	wire(tc->parent, p);
	ck_assert_msg(sl_name_is_subdomain(n, p) == tc->sub, "%s under %s", tc->name, tc->parent);
}
END_TEST

START_TEST(test_parent_labels_len)
{
	uint8_t n[SL_NAME_MAXLEN];
	uint8_t want[SL_NAME_MAXLEN];
	const uint8_t *p;
	size_t len = wire("www.Example.com.", n);

	ck_assert_uint_eq(len, 17);
	ck_assert_uint_eq(sl_name_len(n), 17);
	ck_assert_uint_eq(sl_name_labels(n), 3);

	p = sl_name_parent(n);
	ck_assert_ptr_eq(p, n + 4);
	wire("example.com.", want);
	ck_assert(sl_name_equal(p, want));
	ck_assert_uint_eq(sl_name_labels(p), 2);
	p = sl_name_parent(p);
	p = sl_name_parent(p);
	ck_assert_ptr_eq(p, n + 16);
	ck_assert_uint_eq(sl_name_len(p), 1);
	ck_assert_uint_eq(sl_name_labels(p), 0);
	ck_assert_ptr_null(sl_name_parent(p));
}
END_TEST

START_TEST(test_tolower)
{
	uint8_t n[SL_NAME_MAXLEN];
	uint8_t want[SL_NAME_MAXLEN];
	size_t len = wire("WwW.\\200\\065[Z].EXAMPLE.", n);
	size_t wlen = wire("www.\\200a[z].example.", want);

	ck_assert_uint_eq(len, wlen);
	sl_name_tolower(n);
	ck_assert_mem_eq(n, want, len);
	/* Idempotent, and hash unchanged by lower-casing. */
	ck_assert_uint_eq(sl_name_hash(n), sl_name_hash(want));
	sl_name_tolower(n);
	ck_assert_mem_eq(n, want, len);
}
END_TEST

/* ---------------------------------------------------------------------------
 * RR types and classes
 */

struct code_case {
	const char *text;
	int rc;
	uint16_t code;
	const char *print;  /* canonical text for code, when rc == SL_OK */
};

static const struct code_case type_cases[] = {
	{ "A", SL_OK, SL_TYPE_A, "A" },
	{ "a", SL_OK, SL_TYPE_A, "A" },
	{ "NS", SL_OK, SL_TYPE_NS, "NS" },
	{ "cname", SL_OK, SL_TYPE_CNAME, "CNAME" },
	{ "SOA", SL_OK, SL_TYPE_SOA, "SOA" },
	{ "AAAA", SL_OK, SL_TYPE_AAAA, "AAAA" },
	{ "A6", SL_OK, 38, "A6" },
	{ "NSEC3PARAM", SL_OK, SL_TYPE_NSEC3PARAM, "NSEC3PARAM" },
	{ "nsec3param", SL_OK, SL_TYPE_NSEC3PARAM, "NSEC3PARAM" },
	{ "Https", SL_OK, SL_TYPE_HTTPS, "HTTPS" },
	{ "SVCB", SL_OK, SL_TYPE_SVCB, "SVCB" },
	{ "CAA", SL_OK, SL_TYPE_CAA, "CAA" },
	{ "NULL", SL_OK, 10, "NULL" },
	{ "NSAP-PTR", SL_OK, 23, "NSAP-PTR" },
	{ "OPENPGPKEY", SL_OK, 61, "OPENPGPKEY" },
	{ "ZONEMD", SL_OK, 63, "ZONEMD" },
	{ "SPF", SL_OK, 99, "SPF" },
	{ "EUI64", SL_OK, 109, "EUI64" },
	{ "TKEY", SL_OK, 249, "TKEY" },
	{ "TSIG", SL_OK, SL_TYPE_TSIG, "TSIG" },
	{ "IXFR", SL_OK, SL_TYPE_IXFR, "IXFR" },
	{ "AXFR", SL_OK, SL_TYPE_AXFR, "AXFR" },
	{ "MAILB", SL_OK, 253, "MAILB" },
	{ "MAILA", SL_OK, 254, "MAILA" },
	{ "ANY", SL_OK, SL_TYPE_ANY, "ANY" },
	{ "OPT", SL_OK, SL_TYPE_OPT, "OPT" },
	{ "URI", SL_OK, 256, "URI" },
	{ "AMTRELAY", SL_OK, 260, "AMTRELAY" },
	{ "RESINFO", SL_OK, 261, "RESINFO" },
	{ "WALLET", SL_OK, 262, "WALLET" },
	{ "TA", SL_OK, 32768, "TA" },
	{ "DLV", SL_OK, 32769, "DLV" },
	{ "TYPE1", SL_OK, SL_TYPE_A, "A" },
	{ "type28", SL_OK, SL_TYPE_AAAA, "AAAA" },
	{ "TYPE0", SL_OK, 0, "TYPE0" },
	{ "TYPE54", SL_OK, 54, "TYPE54" },
	{ "TYPE65535", SL_OK, 65535, "TYPE65535" },
	{ "TYPE00065535", SL_OK, 65535, "TYPE65535" },
	{ "TYPE65280", SL_OK, 65280, "TYPE65280" },

	{ "", SL_ESYNTAX, 0, NULL },
	{ "TYPE", SL_ESYNTAX, 0, NULL },
	{ "TYPE65536", SL_ESYNTAX, 0, NULL },
	{ "TYPE99999999999", SL_ESYNTAX, 0, NULL },
	{ "TYPE1x", SL_ESYNTAX, 0, NULL },
	{ "TYPE-1", SL_ESYNTAX, 0, NULL },
	{ "TYPE+1", SL_ESYNTAX, 0, NULL },
	{ "TYPE 1", SL_ESYNTAX, 0, NULL },
	{ "xTYPE1", SL_ESYNTAX, 0, NULL },
	{ "AA", SL_ESYNTAX, 0, NULL },
	{ "AAAAA", SL_ESYNTAX, 0, NULL },
	{ " A", SL_ESYNTAX, 0, NULL },
	{ "A ", SL_ESYNTAX, 0, NULL },
	{ "*", SL_ESYNTAX, 0, NULL },
	{ "CLASS1", SL_ESYNTAX, 0, NULL },
	{ "IN", SL_ESYNTAX, 0, NULL },
	/* Neighbours of names in the sorted lookup table. */
	{ "NSEC3PARA", SL_ESYNTAX, 0, NULL },
	{ "NSEC3PARAMS", SL_ESYNTAX, 0, NULL },
	{ "OPENPGPKEYX", SL_ESYNTAX, 0, NULL },
	{ "NSEC3PARAMNSEC3PARAM", SL_ESYNTAX, 0, NULL },
	{ "0", SL_ESYNTAX, 0, NULL },
	{ "ZZZ", SL_ESYNTAX, 0, NULL },
	{ "NSAP_PTR", SL_ESYNTAX, 0, NULL },
	{ "A-", SL_ESYNTAX, 0, NULL },
	{ "\xc1", SL_ESYNTAX, 0, NULL },
	{ "ZoneMD", SL_OK, 63, "ZONEMD" },
	{ "x25", SL_OK, 19, "X25" },
	{ "nsap-ptr", SL_OK, 23, "NSAP-PTR" },
};

static const struct code_case class_cases[] = {
	{ "IN", SL_OK, SL_CLASS_IN, "IN" },
	{ "in", SL_OK, SL_CLASS_IN, "IN" },
	{ "CH", SL_OK, SL_CLASS_CH, "CH" },
	{ "CHAOS", SL_OK, SL_CLASS_CH, "CH" },
	{ "chaos", SL_OK, SL_CLASS_CH, "CH" },
	{ "HS", SL_OK, SL_CLASS_HS, "HS" },
	{ "HESIOD", SL_OK, SL_CLASS_HS, "HS" },
	{ "NONE", SL_OK, SL_CLASS_NONE, "NONE" },
	{ "ANY", SL_OK, SL_CLASS_ANY, "ANY" },
	{ "CLASS1", SL_OK, SL_CLASS_IN, "IN" },
	{ "class3", SL_OK, SL_CLASS_CH, "CH" },
	{ "CLASS0", SL_OK, 0, "CLASS0" },
	{ "CLASS2", SL_OK, 2, "CLASS2" },
	{ "CLASS65535", SL_OK, 65535, "CLASS65535" },

	{ "", SL_ESYNTAX, 0, NULL },
	{ "CLASS", SL_ESYNTAX, 0, NULL },
	{ "CLASS65536", SL_ESYNTAX, 0, NULL },
	{ "CLASS1x", SL_ESYNTAX, 0, NULL },
	{ "CLASS-1", SL_ESYNTAX, 0, NULL },
	{ "TYPE1", SL_ESYNTAX, 0, NULL },
	{ "INX", SL_ESYNTAX, 0, NULL },
	{ "C", SL_ESYNTAX, 0, NULL },
	{ "CHAO", SL_ESYNTAX, 0, NULL },
	{ "A", SL_ESYNTAX, 0, NULL },
};

/* Copies to an exact-size heap buffer: parsing must honour len, not a NUL. */
static int parse_code(int (*fn)(const char *, size_t, uint16_t *), const char *text,
		      uint16_t *code)
{
	size_t len = strlen(text);
	char *heap = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(heap);
	memcpy(heap, text, len);
	rc = fn(heap, len, code);
	free(heap);
	return rc;
}

static void check_code_case(const struct code_case *tc,
			    int (*from)(const char *, size_t, uint16_t *),
			    int (*to)(uint16_t, char *, size_t))
{
	uint16_t code = 0xbeef;
	char buf[32];
	int rc = parse_code(from, tc->text, &code);

	ck_assert_msg(rc == tc->rc, "\"%s\": rc %d, want %d", tc->text, rc, tc->rc);
	if (rc != SL_OK)
		return;
	ck_assert_uint_eq(code, tc->code);
	rc = to(code, buf, sizeof(buf));
	ck_assert_int_eq(rc, (int)strlen(tc->print));
	ck_assert_str_eq(buf, tc->print);
	/* The printed form parses back to the same code. */
	code = 0xbeef;
	ck_assert_int_eq(parse_code(from, buf, &code), SL_OK);
	ck_assert_uint_eq(code, tc->code);
	/* Too-small buffers fail instead of truncating. */
	for (size_t sz = 0; sz <= strlen(tc->print); sz++)
		ck_assert_int_eq(to(tc->code, buf, sz), SL_ESPACE);
}

START_TEST(test_rrtype_table)
{
	check_code_case(&type_cases[_i], sl_rrtype_from_text, sl_rrtype_to_text);
}
END_TEST

START_TEST(test_rrclass_table)
{
	check_code_case(&class_cases[_i], sl_rrclass_from_text, sl_rrclass_to_text);
}
END_TEST

/* Every type prints to something that parses back to the same type. */
START_TEST(test_rrtype_all_roundtrip)
{
	char buf[16];

	for (uint32_t t = 0; t <= 65535; t++) {
		uint16_t back = 0;
		int n = sl_rrtype_to_text((uint16_t)t, buf, sizeof(buf));

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(sl_rrtype_from_text(buf, (size_t)n, &back), SL_OK);
		ck_assert_uint_eq(back, t);
	}
}
END_TEST

/* Every mnemonic also parses in lower case; a NUL never ends a name early. */
START_TEST(test_rrtype_all_lowercase)
{
	char buf[16];

	for (uint32_t t = 0; t <= 65535; t++) {
		uint16_t back = 0;
		int n = sl_rrtype_to_text((uint16_t)t, buf, sizeof(buf));

		ck_assert_int_gt(n, 0);
		for (int i = 0; i < n; i++) {
			if (buf[i] >= 'A' && buf[i] <= 'Z')
				buf[i] = (char)(buf[i] - 'A' + 'a');
		}
		ck_assert_int_eq(sl_rrtype_from_text(buf, (size_t)n, &back), SL_OK);
		ck_assert_uint_eq(back, t);
		/* The name followed by a NUL is not the name. */
		buf[n] = '\0';
		ck_assert_int_eq(sl_rrtype_from_text(buf, (size_t)n + 1, &back), SL_ESYNTAX);
	}
}
END_TEST

START_TEST(test_rrtype_meta)
{
	static const struct {
		uint16_t type;
		bool meta;
	} cases[] = {
		{ SL_TYPE_OPT, true },    { SL_TYPE_TSIG, true }, { 249, true },
		{ SL_TYPE_IXFR, true },   { SL_TYPE_AXFR, true }, { 253, true },
		{ 254, true },            { SL_TYPE_ANY, true },  { 128, true },
		{ 200, true },            { 0, false },           { SL_TYPE_A, false },
		{ SL_TYPE_SOA, false },   { SL_TYPE_RRSIG, false }, { 127, false },
		{ SL_TYPE_CAA, false },   { 256, false },         { 32768, false },
		{ 65535, false },         { 40, false },          { 42, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(sl_rrtype_is_meta(cases[i].type) == cases[i].meta, "type %u",
			      cases[i].type);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Helpers shared by the layers: lower-casing, label offsets, text escapes
 */

START_TEST(test_lower_octet)
{
	for (unsigned c = 0; c < 256; c++) {
		bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		uint8_t want = c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : (uint8_t)c;
		const uint8_t a[] = { 1, (uint8_t)c, 0 };
		const uint8_t low[] = { 1, want, 0 };
		const uint8_t flip[] = { 1, (uint8_t)(c ^ 0x20), 0 };

		ck_assert_uint_eq(sl_lower_octet((uint8_t)c), want);
		/* name.c lowers through a table: it must agree octet for octet. */
		ck_assert_msg(sl_name_equal(a, low), "octet %u", c);
		ck_assert_int_eq(sl_name_compare(a, low), 0);
		ck_assert_uint_eq(sl_name_hash(a), sl_name_hash(low));
		/* The other case of a letter is the same; any other octet differs. */
		ck_assert_msg(sl_name_equal(a, flip) == letter, "octet %u", c);
		ck_assert_msg((sl_name_compare(a, flip) == 0) == letter, "octet %u", c);
	}
}
END_TEST

START_TEST(test_label_offsets)
{
	uint8_t name[SL_NAME_MAXLEN], off[SL_NAME_MAXLABELS + 1];

	wire(".", name);
	ck_assert_int_eq(sl_name_label_offsets(name, off), 0);
	ck_assert_uint_eq(off[0], 0);

	wire("a.Bc.def.", name);
	ck_assert_int_eq(sl_name_label_offsets(name, off), 3);
	ck_assert_uint_eq(off[0], 0);
	ck_assert_uint_eq(off[1], 2);
	ck_assert_uint_eq(off[2], 5);
	ck_assert_uint_eq(off[3], 9); /* the root label */

	/* The most labels a name holds: 127 one-octet labels, 255 octets. */
	for (unsigned i = 0; i < 127; i++) {
		name[2 * i] = 1;
		name[2 * i + 1] = 'x';
	}
	name[254] = 0;
	ck_assert_int_eq(sl_name_label_offsets(name, off), 127);
	ck_assert_uint_eq(off[126], 252);
	ck_assert_uint_eq(off[127], 254);
}
END_TEST

START_TEST(test_label_offsets_invalid)
{
	uint8_t off[SL_NAME_MAXLABELS + 1];
	static const uint8_t long_label[] = { 64, [65] = 0 };
	static const uint8_t pointer[] = { 1, 'a', 0xC0, 12 };
	static const uint8_t extended[] = { 1, 'a', 0x41, 'b', 0 };
	/* Four full labels: the root would be octet 257. */
	uint8_t overlong[4 * 64 + 1] = { 0 };
	uint8_t *noroot;

	ck_assert_int_eq(sl_name_label_offsets(long_label, off), SL_EMALFORMED);
	ck_assert_int_eq(sl_name_label_offsets(pointer, off), SL_EMALFORMED);
	ck_assert_int_eq(sl_name_label_offsets(extended, off), SL_EMALFORMED);
	for (unsigned i = 0; i < 4; i++)
		overlong[64 * i] = 63;
	ck_assert_int_eq(sl_name_label_offsets(overlong, off), SL_EMALFORMED);

	/* No root within 255 octets: refused without reading octet 255 (ASan checks). */
	noroot = malloc(SL_NAME_MAXLEN);
	ck_assert_ptr_nonnull(noroot);
	memset(noroot, 1, SL_NAME_MAXLEN);
	ck_assert_int_eq(sl_name_label_offsets(noroot, off), SL_EMALFORMED);
	free(noroot);
}
END_TEST

START_TEST(test_text_escape)
{
	static const struct {
		const char *s; /* what follows the backslash */
		size_t used;   /* 0: refused */
		uint8_t c;
	} cases[] = {
		{ "065", 3, 'A' },  { "000", 3, 0 },     { "255x", 3, 255 }, { "256", 0, 0 },
		{ "999", 0, 0 },    { "25", 0, 0 },      { "2a5", 0, 0 },    { "0", 0, 0 },
		{ ".", 1, '.' },    { "\\", 1, '\\' },  { "x12", 1, 'x' },  { "\"", 1, '"' },
		{ "", 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t c = 0xEE;
		size_t used = sl_text_escape(cases[i].s, strlen(cases[i].s), &c);

		ck_assert_msg(used == cases[i].used, "\\%s: used %zu", cases[i].s, used);
		if (used)
			ck_assert_uint_eq(c, cases[i].c);
	}
	/* The length given is the limit, not the NUL: "06" of "065" is cut short. */
	ck_assert_uint_eq(sl_text_escape("065", 2, &(uint8_t){ 0 }), 0);
}
END_TEST

/* ------------------------------------------------------------------------- */

Suite *tu_suite(void)
{
	Suite *s = suite_create("name");
	TCase *tc;

	tc = tcase_create("unpack");
	tcase_add_loop_test(tc, test_unpack_table, 0, ARRAY_SIZE(unpack_cases));
	tcase_add_test(tc, test_unpack_hop_limit);
	tcase_add_test(tc, test_unpack_length_limit);
	tcase_add_test(tc, test_unpack_truncations);
	tcase_add_loop_test(tc, test_check_table, 0, ARRAY_SIZE(check_cases));
	tcase_add_test(tc, test_check_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_loop_test(tc, test_text_table, 0, ARRAY_SIZE(text_cases));
	tcase_add_test(tc, test_text_len_bound);
	tcase_add_test(tc, test_text_length_limit);
	tcase_add_test(tc, test_to_text_space);
	tcase_add_test(tc, test_to_text_worst_case);
	suite_add_tcase(s, tc);

	tc = tcase_create("compare");
	tcase_add_loop_test(tc, test_equal_table, 0, ARRAY_SIZE(pair_cases));
	tcase_add_test(tc, test_hash_known);
	tcase_add_test(tc, test_canonical_order);
	tcase_add_loop_test(tc, test_order_table, 0, ARRAY_SIZE(order_cases));
	tcase_add_test(tc, test_compare_max_labels);
	tcase_add_loop_test(tc, test_subdomain_table, 0, ARRAY_SIZE(sub_cases));
	tcase_add_test(tc, test_parent_labels_len);
	tcase_add_test(tc, test_tolower);
	suite_add_tcase(s, tc);

	tc = tcase_create("rrtype");
	tcase_add_loop_test(tc, test_rrtype_table, 0, ARRAY_SIZE(type_cases));
	tcase_add_loop_test(tc, test_rrclass_table, 0, ARRAY_SIZE(class_cases));
	tcase_add_test(tc, test_rrtype_all_roundtrip);
	tcase_add_test(tc, test_rrtype_all_lowercase);
	tcase_add_test(tc, test_rrtype_meta);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_lower_octet);
	tcase_add_test(tc, test_label_offsets);
	tcase_add_test(tc, test_label_offsets_invalid);
	tcase_add_test(tc, test_text_escape);
	suite_add_tcase(s, tc);

	return s;
}
