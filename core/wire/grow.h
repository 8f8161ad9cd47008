/*
 * Sluice core — growing arrays by doubling, with the overflow check.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Header-only and internal (not installed, not part of libsluice-wire's
 * ABI): each layer grows its arrays with its own allocator (the zone
 * store's fails on demand under test), so only the arithmetic is shared.
 */
#ifndef SL_CORE_GROW_H
#define SL_CORE_GROW_H

#include <stddef.h>
#include <stdint.h>

/**
 * The capacity an array of @p cap elements of @p elem octets grows to when
 * it must hold @p need > @p cap: twice @p cap (@p first when @p cap is 0),
 * or @p need when that is more, so appending one at a time costs amortised
 * O(1) and a large request is met at once.
 * @return the capacity, or 0 when its size in octets would overflow a size_t
 */
static inline size_t sl_grow_cap(size_t cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = cap == 0 ? first : cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;

	if (ncap < need)
		ncap = need;
	if (ncap == 0 || (elem != 0 && ncap > SIZE_MAX / elem))
		return 0;
	return ncap;
}

#endif /* SL_CORE_GROW_H */
