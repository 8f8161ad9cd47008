/*
 * Sluice core — quiescent-state-based reclamation (QSBR).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Lets worker threads read shared structures (zone versions) with no lock,
 * no reference count and no atomic read-modify-write on the query path.
 * A writer that unpublishes an object hands it to sl_qsbr_retire(); the
 * object is freed once every reader has passed a quiescent state — a point
 * where it holds no pointer obtained earlier — or is offline.
 *
 * Readers are numbered 0 .. readers-1 (the worker id). Every reader starts
 * OFFLINE. What a worker thread does (core/server/worker.c, libev):
 *
 *  1. sl_qsbr_online(id) at the top of worker_main(), before ev_run().
 *  2. An ev_prepare watcher (priority EV_MINPRI, so it runs after any other
 *     prepare watcher) calls sl_qsbr_offline(id). libev runs prepare
 *     watchers just before it blocks in epoll: a waiting worker is offline
 *     and never delays reclamation.
 *  3. An ev_check watcher (priority EV_MAXPRI) calls sl_qsbr_online(id).
 *     libev runs check watchers right after epoll returns and before any
 *     I/O, timer or async callback of the same or lower priority, so every
 *     query handler runs online. Each loop iteration thus passes through
 *     offline/online, which is also its quiescent state: no other call is
 *     needed (cost per iteration: two stores and one fence).
 *  4. sl_qsbr_offline(id) after ev_run() returns, before the thread exits.
 *
 *  Optional: code that runs long inside one callback (a big batch) may call
 *  sl_qsbr_quiescent(id) between units of work, holding no zone pointer.
 *
 * A reader must not call sl_qsbr_barrier() while online (it would wait for
 * itself). Anything that must outlive a quiescent state (an AXFR stream that
 * yields to the loop between messages) takes a real reference instead
 * (sl_zone_version_ref()).
 *
 * Writers and the control thread: sl_qsbr_retire() from any thread;
 * sl_qsbr_reclaim() after commits (the zone store does it) and periodically
 * from the control thread (e.g. a 1 s timer); sl_qsbr_barrier() at shutdown,
 * after the workers are joined, to free everything still pending.
 *
 * With no readers registered (sl_qsbr_init() never called, or called with 0:
 * unit tests, --check) sl_qsbr_reclaim() frees everything immediately.
 */
#ifndef SL_CORE_QSBR_H
#define SL_CORE_QSBR_H

#include <stddef.h>
#include <stdint.h>

/** Most reader threads supported. */
#define SL_QSBR_MAX_READERS 1024

/**
 * Sets the number of reader threads (all start offline). Call before any
 * reader goes online; may be called again only while every reader is
 * offline (e.g. after the workers are joined). @return 0 or SL_ENOMEM / SL_EINVAL
 */
int sl_qsbr_init(unsigned readers);

/** Reader @p reader holds no shared pointer obtained before this call. */
void sl_qsbr_quiescent(unsigned reader);

/** Reader @p reader stops reading shared data (about to block, or exiting). */
void sl_qsbr_offline(unsigned reader);

/** Reader @p reader resumes reading shared data (also a quiescent state). */
void sl_qsbr_online(unsigned reader);

/** Link embedded in every retirable object (no allocation at retire time). */
typedef struct sl_qsbr_head {
	struct sl_qsbr_head *next;            /**< pending list (owned by qsbr.c) */
	uint64_t epoch;                       /**< grace period it waits for */
	void (*fn)(struct sl_qsbr_head *);    /**< called once it may be freed */
} sl_qsbr_head_t;

/**
 * Schedules fn(head) once every reader online now has passed a quiescent
 * state. @p head is embedded in the object (container_of it in @p fn) and
 * must not be retired again until @p fn has run. Thread-safe, never blocks
 * on readers, never fails.
 */
void sl_qsbr_retire(sl_qsbr_head_t *head, void (*fn)(sl_qsbr_head_t *));

/** Runs every retired callback whose grace period has elapsed. Thread-safe. */
void sl_qsbr_reclaim(void);

/**
 * Waits until everything retired before this call (and whatever those
 * callbacks retire in turn) has been freed. Not from an online reader.
 */
void sl_qsbr_barrier(void);

/** Test hook: number of callbacks run so far. */
uint64_t sl_qsbr_freed(void);

/** Test hook: number of callbacks retired and not yet run. */
uint64_t sl_qsbr_pending(void);

#endif /* SL_CORE_QSBR_H */
