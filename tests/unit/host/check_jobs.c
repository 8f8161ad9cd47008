/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Background jobs (sl_job_*): every job runs once, the pool stays bounded,
 * a job still queued can be dropped, a running one is waited for. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <sluice/plugin.h>
#include "testutil.h"

#define NJOBS 2000

static atomic_int ran[NJOBS];
static atomic_int concurrent, max_concurrent;

static void count_job(void *arg)
{
	int now = atomic_fetch_add(&concurrent, 1) + 1;
	int seen = atomic_load(&max_concurrent);

	while (now > seen && !atomic_compare_exchange_weak(&max_concurrent, &seen, now))
		;
	atomic_fetch_add(&ran[(int)(intptr_t)arg], 1);
	atomic_fetch_sub(&concurrent, 1);
}

START_TEST(test_every_job_runs_once_bounded)
{
	static sl_job_t *jobs[NJOBS];

	for (int i = 0; i < NJOBS; i++) {
		jobs[i] = sl_job_submit(count_job, (void *)(intptr_t)i);
		ck_assert_ptr_nonnull(jobs[i]);
	}
	for (int i = 0; i < NJOBS; i++) {
		/* Queued ones may be dropped by sl_job_end(): wait first. */
		while (!sl_job_done(jobs[i]))
			usleep(100);
		ck_assert(sl_job_end(jobs[i]));
		ck_assert_int_eq(atomic_load(&ran[i]), 1);
	}
	ck_assert_int_ge(atomic_load(&max_concurrent), 1);
	ck_assert_int_le(atomic_load(&max_concurrent), (int)sl_job_threads());
	ck_assert_uint_ge(sl_job_threads(), 1);
	ck_assert_uint_le(sl_job_threads(), 16);
}
END_TEST

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open, blockers_started;
static atomic_int dropped_ran;

/* Holds a job thread until the gate opens. */
static void blocker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	blockers_started++;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void must_not_run(void *arg)
{
	(void)arg;
	atomic_fetch_add(&dropped_ran, 1);
}

START_TEST(test_queued_job_dropped_running_waited)
{
	unsigned n = sl_job_threads();
	sl_job_t **block = calloc(n, sizeof(*block));
	sl_job_t *queued;

	ck_assert_ptr_nonnull(block);
	/* Occupy every job thread. */
	for (unsigned i = 0; i < n; i++)
		ck_assert_ptr_nonnull(block[i] = sl_job_submit(blocker, NULL));
	pthread_mutex_lock(&gate_lock);
	while (blockers_started < (int)n)
		pthread_cond_wait(&gate_cv, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	queued = sl_job_submit(must_not_run, NULL);
	ck_assert_ptr_nonnull(queued);
	ck_assert(!sl_job_done(queued));
	ck_assert(!sl_job_end(queued)); /* dropped while every thread is busy */
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_lock);
	for (unsigned i = 0; i < n; i++)
		ck_assert(sl_job_end(block[i])); /* waits for the running blocker */
	ck_assert_int_eq(atomic_load(&dropped_ran), 0);
	ck_assert(!sl_job_end(NULL));
	ck_assert_ptr_null(sl_job_submit(NULL, NULL));
	free(block);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("jobs");

	tcase_add_test(tc, test_every_job_runs_once_bounded);
	tcase_add_test(tc, test_queued_job_dropped_running_waited);
	suite_add_tcase(s, tc);
	return s;
}
