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
 * OFFLINE. The rules for a reader thread (core/worker.c):
 *
 *  1. sl_qsbr_online(id) once at thread start, before the first ev_run()
 *     iteration can run a query handler (i.e. at the top of worker_main()).
 *  2. sl_qsbr_quiescent(id) after every batch of work, with no zone data
 *     pointer held across it: in a libev "check" watcher (ev_check, runs
 *     after each loop iteration's callbacks), or at the end of every I/O
 *     callback that answered queries. Cost: one load and one store.
 *  3. Around every wait: sl_qsbr_offline(id) in an ev_prepare watcher (runs
 *     just before the loop blocks in epoll) and sl_qsbr_online(id) in the
 *     ev_check watcher (runs just after it wakes), before any callback. An
 *     idle worker is therefore offline and never delays reclamation.
 *     (The ev_check watcher may simply call sl_qsbr_online(), which is also
 *     a quiescent state.)
 *  4. sl_qsbr_offline(id) before the thread exits (after ev_run() returns).
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
