/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Quiescent-state-based reclamation (see qsbr.h for the protocol).
 *
 * A global epoch counter is bumped by every retire; the retired object is
 * stamped with the new value. Each reader publishes, at its quiescent
 * points, the epoch it observed (0 while offline). An object may be freed
 * once every online reader has published an epoch at least equal to its
 * stamp: such a reader loaded the epoch after the object was unpublished,
 * so it can only have found the replacement.
 *
 * Memory ordering: the writer unpublishes (release store) before the epoch
 * increment; a reader's acquire load of the epoch therefore orders its later
 * loads after the unpublish. The reader's release store of "seen" pairs with
 * the reclaimer's acquire load, so every access the reader made to the old
 * object happens before the free. Going online is a Dekker-style handshake
 * (the reclaimer may have read "offline" just before): both sides use a
 * seq_cst fence between their store and their load.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sluice/common.h>

#include "qsbr.h"

/* One cache line per reader so quiescent stores never false-share. */
typedef struct qsbr_slot {
	_Atomic uint64_t seen;
	char pad[64 - sizeof(uint64_t)];
} qsbr_slot_t;

static qsbr_slot_t *slots;
static unsigned nslots;
static _Atomic uint64_t global_epoch = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sl_qsbr_head_t *pending_head;
static sl_qsbr_head_t **pending_tail = &pending_head;
static _Atomic uint64_t npending;
static _Atomic uint64_t nfreed;

int sl_qsbr_init(unsigned readers)
{
	qsbr_slot_t *s = NULL;

	if (readers > SL_QSBR_MAX_READERS)
		return SL_EINVAL;
	if (readers > 0) {
		s = aligned_alloc(64, sizeof(*s) * readers);
		if (!s)
			return SL_ENOMEM;
		for (unsigned i = 0; i < readers; i++)
			atomic_init(&s[i].seen, 0);
	}
	pthread_mutex_lock(&lock);
	free(slots);
	slots = s;
	nslots = readers;
	pthread_mutex_unlock(&lock);
	return SL_OK;
}

void sl_qsbr_quiescent(unsigned reader)
{
	if (reader >= nslots)
		return;
	uint64_t e = atomic_load_explicit(&global_epoch, memory_order_acquire);
	atomic_store_explicit(&slots[reader].seen, e, memory_order_release);
}

void sl_qsbr_offline(unsigned reader)
{
	if (reader >= nslots)
		return;
	atomic_store_explicit(&slots[reader].seen, 0, memory_order_release);
}

void sl_qsbr_online(unsigned reader)
{
	if (reader >= nslots)
		return;
	uint64_t e = atomic_load_explicit(&global_epoch, memory_order_acquire);
	atomic_store_explicit(&slots[reader].seen, e, memory_order_release);
	/* Pairs with the fence in sl_qsbr_reclaim(): see the file comment. */
	atomic_thread_fence(memory_order_seq_cst);
}

void sl_qsbr_retire(sl_qsbr_head_t *head, void (*fn)(sl_qsbr_head_t *))
{
	head->fn = fn;
	head->next = NULL;
	pthread_mutex_lock(&lock);
	head->epoch = atomic_fetch_add_explicit(&global_epoch, 1, memory_order_acq_rel) + 1;
	*pending_tail = head;
	pending_tail = &head->next;
	atomic_fetch_add_explicit(&npending, 1, memory_order_relaxed);
	pthread_mutex_unlock(&lock);
}

void sl_qsbr_reclaim(void)
{
	sl_qsbr_head_t *ready = NULL;
	sl_qsbr_head_t **rtail = &ready;
	uint64_t n = 0;

	atomic_thread_fence(memory_order_seq_cst);
	pthread_mutex_lock(&lock);
	uint64_t min = UINT64_MAX;
	for (unsigned i = 0; i < nslots; i++) {
		uint64_t s = atomic_load_explicit(&slots[i].seen, memory_order_acquire);

		if (s != 0 && s < min)
			min = s;
	}
	/* Stamps grow along the list, so the freeable items are a prefix. */
	while (pending_head && pending_head->epoch <= min) {
		sl_qsbr_head_t *h = pending_head;

		pending_head = h->next;
		h->next = NULL;
		*rtail = h;
		rtail = &h->next;
		n++;
	}
	if (!pending_head)
		pending_tail = &pending_head;
	pthread_mutex_unlock(&lock);

	/* Outside the lock: callbacks may retire more. */
	while (ready) {
		sl_qsbr_head_t *h = ready;

		ready = h->next;
		h->fn(h);
	}
	atomic_fetch_add_explicit(&nfreed, n, memory_order_relaxed);
	/* Counted as pending until run, so sl_qsbr_barrier() waits for them. */
	atomic_fetch_sub_explicit(&npending, n, memory_order_acq_rel);
}

void sl_qsbr_barrier(void)
{
	for (;;) {
		sl_qsbr_reclaim();
		if (atomic_load_explicit(&npending, memory_order_acquire) == 0)
			return;
		struct timespec ts = { 0, 200 * 1000 };
		nanosleep(&ts, NULL);
	}
}

uint64_t sl_qsbr_freed(void)
{
	return atomic_load_explicit(&nfreed, memory_order_relaxed);
}

uint64_t sl_qsbr_pending(void)
{
	return atomic_load_explicit(&npending, memory_order_relaxed);
}
