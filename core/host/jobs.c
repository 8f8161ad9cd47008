/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice host — background jobs (sl_job_*, <sluice/plugin.h>).
 *
 * One queue, oldest first, served by at most sl_job_threads() threads that
 * are started on demand and then stay, idle on a condition variable. Why
 * not a thread per job: a configuration with 100,000 zones started 100,000
 * loader threads at once — each with its own stack and, past a few, its
 * own malloc arena — and the process kept about twice the memory its zones
 * need (tests/bench/many_zones.py). Threads are detached: nothing joins
 * them, and a process that exits with idle ones loses nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <sluice/log.h>
#include <sluice/plugin.h>

/* Bounds of the thread count, whatever the CPU count says. */
#define JOB_THREADS_MAX 16

struct sl_job {
	sl_job_f fn;
	void *arg;
	struct sl_job *next;
	atomic_bool done;
};

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_work = PTHREAD_COND_INITIALIZER;  /* a job was queued */
static pthread_cond_t job_ended = PTHREAD_COND_INITIALIZER; /* a job has run */
static struct sl_job *job_head, *job_tail;
static unsigned job_running_threads, job_idle_threads;

unsigned sl_job_threads(void)
{
	static atomic_uint cached;
	unsigned n = atomic_load(&cached);
	cpu_set_t set;

	if (n)
		return n;
	/* The CPUs this process may run on (taskset), else the online ones. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = (unsigned)CPU_COUNT(&set);
	else {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		n = c > 0 ? (unsigned)c : 1;
	}
	if (n < 1)
		n = 1;
	if (n > JOB_THREADS_MAX)
		n = JOB_THREADS_MAX;
	atomic_store(&cached, n);
	return n;
}

static void *job_thread(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&job_lock);
	for (;;) {
		struct sl_job *job;

		while (job_head == NULL) {
			job_idle_threads++;
			pthread_cond_wait(&job_work, &job_lock);
			job_idle_threads--;
		}
		job = job_head;
		job_head = job->next;
		if (job_head == NULL)
			job_tail = NULL;
		pthread_mutex_unlock(&job_lock);
		job->fn(job->arg);
		pthread_mutex_lock(&job_lock);
		atomic_store(&job->done, true);
		pthread_cond_broadcast(&job_ended);
	}
	return NULL;
}

/* Starts one more job thread. Called with job_lock held. */
static bool job_thread_add(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, job_thread, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return false;
	job_running_threads++;
	return true;
}

sl_job_t *sl_job_submit(sl_job_f fn, void *arg)
{
	struct sl_job *job;

	if (fn == NULL || (job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	job->fn = fn;
	job->arg = arg;
	atomic_init(&job->done, false);
	pthread_mutex_lock(&job_lock);
	/* A thread for it unless one is idle or the pool is full. */
	if (job_idle_threads == 0 && job_running_threads < sl_job_threads() &&
	    !job_thread_add() && job_running_threads == 0) {
		pthread_mutex_unlock(&job_lock);
		sl_log(SL_LOG_ERROR, "cannot start a background job thread");
		free(job);
		return NULL;
	}
	if (job_tail)
		job_tail->next = job;
	else
		job_head = job;
	job_tail = job;
	pthread_cond_signal(&job_work);
	pthread_mutex_unlock(&job_lock);
	return job;
}

bool sl_job_done(const sl_job_t *job)
{
	return job == NULL || atomic_load(&job->done);
}

bool sl_job_end(sl_job_t *job)
{
	bool ran = true;

	if (job == NULL)
		return false;
	if (!atomic_load(&job->done)) {
		struct sl_job **pp;

		pthread_mutex_lock(&job_lock);
		/* Still queued: unlink it, it never runs. */
		for (pp = &job_head; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == job) {
				*pp = job->next;
				if (job_tail == job) {
					job_tail = NULL;
					for (struct sl_job *j = job_head; j != NULL; j = j->next)
						job_tail = j;
				}
				ran = false;
				break;
			}
		}
		while (ran && !atomic_load(&job->done))
			pthread_cond_wait(&job_ended, &job_lock);
		pthread_mutex_unlock(&job_lock);
	}
	/* The job thread does not touch the job once done is set. */
	free(job);
	return ran;
}
