/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The one error-detail type (<sluice/error.h>, core/wire/error.c): setting a
 * message and a place, the line sl_error_format() makes for each combination
 * of place parts, long names keeping their tail, NULL errors, and every
 * SL_E* code having its own description.
 */
#include <check.h>
#include <string.h>
#include <sluice/error.h>
#include <sluice/zscan.h>
#include "testutil.h"

START_TEST(test_set_keeps_place)
{
	sl_error_t e;
	char line[600];

	sl_error_clear(&e);
	ck_assert_str_eq(e.file, "");
	ck_assert_str_eq(e.msg, "");
	ck_assert_int_eq(sl_error_at(&e, SL_ESYNTAX, "zone.db", 12, 3, "bad %s", "TTL"), SL_ESYNTAX);
	ck_assert_int_eq(sl_error_set(&e, SL_ELIMIT, "too many %d", 5), SL_ELIMIT);
	ck_assert_str_eq(e.file, "zone.db");
	ck_assert_uint_eq(e.line, 12);
	ck_assert_uint_eq(e.column, 3);
	ck_assert_str_eq(e.msg, "too many 5");
	ck_assert_uint_eq(sl_error_format(&e, line, sizeof(line)), strlen("zone.db:12:3: too many 5"));
	ck_assert_str_eq(line, "zone.db:12:3: too many 5");
}
END_TEST

START_TEST(test_format_parts)
{
	static const struct {
		const char *file;
		unsigned line, column;
		const char *want;
	} cases[] = {
		{ NULL, 7, 2, "oops" }, /* no file: no place at all */
		{ "zones[0].plugins", 0, 0, "zones[0].plugins: oops" },
		{ "f.conf", 4, 0, "f.conf:4: oops" },
		{ "f.conf", 4, 9, "f.conf:4:9: oops" },
		{ "f.conf", 0, 9, "f.conf: oops" }, /* a column without a line is dropped */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_error_t e;
		char line[600];
		sl_error_clear(&e);
		sl_error_at(&e, SL_ECONFIG, cases[i].file, cases[i].line, cases[i].column, "oops");
		sl_error_format(&e, line, sizeof(line));
		ck_assert_str_eq(line, cases[i].want);
	}
}
END_TEST

START_TEST(test_long_and_short)
{
	char file[1000], msg[1000], line[8];
	sl_error_t e;

	memset(file, 'a', sizeof(file) - 5);
	memcpy(file + sizeof(file) - 5, "tail", 5);
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	sl_error_at(&e, SL_EIO, file, 1, 1, "%s", msg);
	/* The tail of a long name names the file best; a long message is cut. */
	ck_assert_uint_eq(strlen(e.file), SL_ERROR_FILE_MAX - 1);
	ck_assert_str_eq(e.file + strlen(e.file) - 4, "tail");
	ck_assert_uint_eq(strlen(e.msg), SL_ERROR_MSG_MAX - 1);
	/* A short buffer still ends in NUL and the full length is returned. */
	size_t n = sl_error_format(&e, line, sizeof(line));
	ck_assert_uint_gt(n, sizeof(line));
	ck_assert_uint_eq(strlen(line), sizeof(line) - 1);
}
END_TEST

START_TEST(test_null_error)
{
	ck_assert_int_eq(sl_error_set(NULL, SL_ENOMEM, "x"), SL_ENOMEM);
	ck_assert_int_eq(sl_error_at(NULL, SL_EIO, "f", 1, 1, "x"), SL_EIO);
	sl_error_clear(NULL);
}
END_TEST

START_TEST(test_codes_described)
{
	/* Every SL_E* code has its own text; unknown codes do not crash. */
	for (int c = SL_OK; c >= SL_ELOOP; c--) {
		ck_assert_str_ne(sl_strerror(c), "unknown error");
		for (int d = c - 1; d >= SL_ELOOP; d--)
			ck_assert_str_ne(sl_strerror(c), sl_strerror(d));
	}
	ck_assert_str_eq(sl_strerror(SL_ELOOP - 1), "unknown error");
	ck_assert_str_eq(sl_strerror(1), "unknown error");
}
END_TEST

START_TEST(test_zscan_alias)
{
	/* The scanner's error type is this type (ABI 2.0 code keeps its layout). */
	sl_zscan_error_t z;
	sl_error_t *e = &z;
	ck_assert_uint_eq(sizeof(z), sizeof(*e));
	ck_assert_uint_eq(sizeof(sl_error_t), 256 + 4 + 4 + 256 + 4);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("detail");
	tcase_add_test(tc, test_set_keeps_place);
	tcase_add_test(tc, test_format_parts);
	tcase_add_test(tc, test_long_and_short);
	tcase_add_test(tc, test_null_error);
	tcase_add_test(tc, test_codes_described);
	tcase_add_test(tc, test_zscan_alias);
	suite_add_tcase(s, tc);
	return s;
}
