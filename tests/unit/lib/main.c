/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The one main() every Check unit test links: it runs the suite the test
 * file builds in tu_suite(). Check itself honours CK_RUN_SUITE, CK_RUN_CASE,
 * CK_FORK and CK_DEFAULT_TIMEOUT from the environment, and prints the
 * "N%: Checks: X, Failures: Y, Errors: Z" summary line.
 */
#include <check.h>
#include <stdlib.h>
#include "testutil.h"

int main(void)
{
	SRunner *sr = srunner_create(tu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
