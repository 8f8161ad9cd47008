/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Host services on instances and workers (declared in <sluice/plugin.h>):
 * label, zone, logging, worker count and id, statistics counters. Timers
 * are in timers.c. Counters are one slot per worker and counter, each
 * written only by its worker, so adding is a plain load+store on the query
 * path and the control thread sums them without a lock.
 */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "services.h"

const char *sl_instance_label(const sl_instance_t *inst)
{
	return inst->label;
}

const uint8_t *sl_instance_zone(const sl_instance_t *inst)
{
	return inst->has_zone ? inst->zone : NULL;
}

unsigned sl_instance_workers(const sl_instance_t *inst)
{
	return inst->workers;
}

void sl_instance_log(const sl_instance_t *inst, int level, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	if (!sl_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sl_log(level, "%s: %s", inst->label, msg);
}

unsigned sl_worker_id(const sl_worker_t *worker)
{
	return sl_host_worker(worker)->id;
}

/* ---- counters ------------------------------------------------------------ */

int sl_instance_counters_init(sl_instance_t *inst)
{
	inst->counters = calloc((size_t)inst->workers * SL_MAX_COUNTERS, sizeof(*inst->counters));
	return inst->counters ? SL_OK : SL_ENOMEM;
}

void sl_instance_counters_free(sl_instance_t *inst)
{
	for (unsigned i = 0; i < inst->ncounters; i++)
		free(inst->counter_names[i]);
	inst->ncounters = 0;
	free((void *)inst->counters);
	inst->counters = NULL;
}

void sl_instance_log_stats(const sl_instance_t *inst)
{
	for (unsigned i = 0; i < inst->ncounters; i++)
		sl_log(SL_LOG_NOTICE, "stats %s %s=%llu", inst->label, inst->counter_names[i],
		       (unsigned long long)sl_stats_get(inst, (int)i));
}

int sl_stats_counter(sl_instance_t *inst, const char *name)
{
	if (inst->ncounters >= SL_MAX_COUNTERS)
		return SL_ELIMIT;
	char *copy = strdup(name);
	if (!copy)
		return SL_ENOMEM;
	inst->counter_names[inst->ncounters] = copy;
	return (int)inst->ncounters++;
}

void sl_stats_add(sl_instance_t *inst, const sl_request_t *req, int id, uint64_t n)
{
	if (id < 0 || (unsigned)id >= inst->ncounters || req->worker_id >= inst->workers)
		return;
	sl_counter_add(&inst->counters[(size_t)req->worker_id * SL_MAX_COUNTERS + (size_t)id], n);
}

uint64_t sl_stats_get(const sl_instance_t *inst, int id)
{
	uint64_t sum = 0;
	if (id < 0 || (unsigned)id >= inst->ncounters)
		return 0;
	for (unsigned w = 0; w < inst->workers; w++)
		sum += sl_counter_get(&inst->counters[(size_t)w * SL_MAX_COUNTERS + (size_t)id]);
	return sum;
}

/* ---- file stamps ---------------------------------------------------------- */

static void stamp_from(const struct stat *sb, sl_file_stamp_t *stamp)
{
	stamp->dev = (uint64_t)sb->st_dev;
	stamp->ino = (uint64_t)sb->st_ino;
	stamp->size = (int64_t)sb->st_size;
	stamp->mtime_sec = (int64_t)sb->st_mtim.tv_sec;
	stamp->mtime_nsec = sb->st_mtim.tv_nsec;
}

int sl_file_stamp(const char *path, sl_file_stamp_t *stamp)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return SL_EIO;
	stamp_from(&sb, stamp);
	return SL_OK;
}

int sl_file_stamp_fd(int fd, sl_file_stamp_t *stamp)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return SL_EIO;
	stamp_from(&sb, stamp);
	return SL_OK;
}

bool sl_file_stamp_equal(const sl_file_stamp_t *a, const sl_file_stamp_t *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}
