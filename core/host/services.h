/*
 * Sluice core — the host services plugins call (<sluice/plugin.h>): instance
 * identity and logging, statistics counters, worker identity and timers.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * The server layer owns the workers and their loops, but this layer may not
 * see struct sl_worker. Instead every struct sl_worker starts with an
 * sl_host_worker_t (the "host view": its id and libev loop), which the
 * server checks with a _Static_assert, and the server hands over the
 * control loop with sl_host_set_control_loop(). See core/host/README.md.
 */
#ifndef SL_CORE_SERVICES_H
#define SL_CORE_SERVICES_H

#include <stdatomic.h>
#include <stdint.h>
#include <sluice/plugin.h>
#include "runtime.h"

struct ev_loop;

/**
 * What the host services know of a worker. struct sl_worker (server layer)
 * must have one as its first member, so a worker pointer is a pointer to it.
 */
typedef struct sl_host_worker {
	unsigned id;           /**< 0 .. workers-1 */
	struct ev_loop *loop;  /**< the worker's libev loop */
} sl_host_worker_t;

/** The host view of @p worker (its first member). */
static inline const sl_host_worker_t *sl_host_worker(const sl_worker_t *worker)
{
	return (const sl_host_worker_t *)(const void *)worker;
}

/**
 * Sets the loop sl_timer_start(NULL, ...) uses: the server's control loop
 * while it serves, NULL (the default) before and after, when such timers
 * cannot be started.
 */
void sl_host_set_control_loop(struct ev_loop *loop);

/**
 * Adds @p n to a counter that only the calling thread writes, so that
 * another thread may read it at any time. A relaxed load and store (plain
 * mov/add on x86-64, no locked instruction): safe only with one writer.
 */
static inline void sl_counter_add(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/** Reads a counter written with sl_counter_add() from any thread. */
static inline uint64_t sl_counter_get(const _Atomic uint64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/** Allocates @p inst's counter slots (inst->workers must be set). @return SL_OK or SL_ENOMEM */
int sl_instance_counters_init(sl_instance_t *inst);

/** Frees @p inst's counters and their names. */
void sl_instance_counters_free(sl_instance_t *inst);

/** Logs every counter of @p inst at notice level. */
void sl_instance_log_stats(const sl_instance_t *inst);

#endif /* SL_CORE_SERVICES_H */
