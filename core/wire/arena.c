/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Per-request bump allocator: no malloc on the query path. */
#include <stdalign.h>
#include <sluice/arena.h>

void sl_arena_init(sl_arena_t *arena, void *block, size_t size)
{
	arena->base = block;
	arena->size = size;
	arena->used = 0;
}

void *sl_arena_alloc(sl_arena_t *arena, size_t size)
{
	const size_t align = alignof(max_align_t);
	size_t start = (arena->used + align - 1) & ~(align - 1);

	if (start > arena->size || size > arena->size - start)
		return NULL;
	arena->used = start + size;
	return arena->base + start;
}

void sl_arena_reset(sl_arena_t *arena)
{
	arena->used = 0;
}
