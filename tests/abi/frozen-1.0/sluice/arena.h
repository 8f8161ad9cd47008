/*
 * Sluice — per-request arena.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A bump allocator over a fixed block owned by the worker. Memory handed out
 * is valid until the request ends and is never freed individually. It never
 * calls malloc(), so the UDP fast path stays allocation-free.
 */
#ifndef SLUICE_ARENA_H
#define SLUICE_ARENA_H

#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An arena over a caller-owned block. */
typedef struct sl_arena {
	uint8_t *base; /**< start of the block */
	size_t size;   /**< block size */
	size_t used;   /**< bytes handed out */
} sl_arena_t;

/** Initialises @p arena over @p block of @p size bytes. */
SL_API void sl_arena_init(sl_arena_t *arena, void *block, size_t size);

/**
 * Returns @p size bytes aligned to max_align_t, or NULL when the block is
 * exhausted (callers must handle NULL: it is the request's memory cap).
 */
SL_API void *sl_arena_alloc(sl_arena_t *arena, size_t size);

/** Forgets every allocation (done by the core between requests). */
SL_API void sl_arena_reset(sl_arena_t *arena);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_ARENA_H */
