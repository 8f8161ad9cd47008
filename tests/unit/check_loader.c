/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Plugin loader: finding, ABI checks, descriptor checks. */
#include <check.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "loader.h"
#include "testutil.h"

START_TEST(test_load_ok)
{
	const char *dirs[] = { "/nonexistent", tu_plugin_dir() };
	sl_module_t mod;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("recorder", dirs, 2, &mod, err, sizeof(err)), SL_OK);
	ck_assert_str_eq(mod.api->name, "recorder");
	ck_assert_uint_eq(mod.api->abi_version, SL_PLUGIN_ABI_VERSION);
	ck_assert_ptr_nonnull(strstr(mod.path, "recorder.so"));
	sl_module_close(&mod);
}
END_TEST

START_TEST(test_abi_mismatch)
{
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("badabi", dirs, 1, &mod, err, sizeof(err)), SL_EABI);
	ck_assert_msg(strstr(err, "badabi.so") != NULL, "error names the file: %s", err);
	ck_assert_msg(strstr(err, "ABI version") != NULL, "error says why: %s", err);
	ck_assert_ptr_null(mod.handle);
}
END_TEST

START_TEST(test_name_mismatch)
{
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("misnamed", dirs, 1, &mod, err, sizeof(err)), SL_EABI);
	ck_assert_msg(strstr(err, "something-else") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "misnamed.so") != NULL, "%s", err);
}
END_TEST

START_TEST(test_not_found)
{
	const char *dirs[] = { "/nonexistent-a", "/nonexistent-b" };
	sl_module_t mod;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("nosuch", dirs, 2, &mod, err, sizeof(err)), SL_ENOTFOUND);
	ck_assert_msg(strstr(err, "nosuch") && strstr(err, "/nonexistent-a") &&
			      strstr(err, "/nonexistent-b"),
		      "error names plugin and searched paths: %s", err);
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad[] = { "", "../recorder", "a/b", "Recorder", "x.so" };
	const char *dirs[] = { tu_plugin_dir() };
	sl_module_t mod;
	char err[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(sl_module_open(bad[i], dirs, 1, &mod, err, sizeof(err)),
				 SL_ENOTFOUND);
		ck_assert_msg(strstr(err, "invalid plugin name") != NULL, "%s: %s", bad[i], err);
	}
}
END_TEST

START_TEST(test_not_a_plugin)
{
	/* A shared object without the descriptor symbol: libsluice itself works. */
	char dir[] = "/tmp/sluice-loader-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[600];
	snprintf(path, sizeof(path), "%s/notplugin.so", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an ELF file", f);
	fclose(f);
	const char *dirs[] = { dir };
	sl_module_t mod;
	char err[512] = "";
	ck_assert_int_eq(sl_module_open("notplugin", dirs, 1, &mod, err, sizeof(err)), SL_EABI);
	ck_assert_msg(strstr(err, "cannot load") != NULL, "%s", err);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");
	tcase_add_test(tc, test_load_ok);
	tcase_add_test(tc, test_abi_mismatch);
	tcase_add_test(tc, test_name_mismatch);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_not_a_plugin);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
