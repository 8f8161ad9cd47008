/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: weighted random choice without replacement. Each draw
 * picks one of the members left with probability weight / (sum of the
 * weights left), then removes it: with weights 3:1 and one answer, the
 * first member is sent 75% of the time. O(n * want), on the stack.
 */
#include "geo.h"

void geo_rng_seed(geo_rng_t *rng, uint64_t seed)
{
	rng->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64* (Vigna): fast, no state beyond 64 bits, good enough for load spreading. */
static uint64_t rng_next(geo_rng_t *rng)
{
	uint64_t x = rng->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A uniform value in [0, bound) (bound > 0), without modulo bias worth noting for 64 bits. */
static uint64_t rng_below(geo_rng_t *rng, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)rng_next(rng) * bound) >> 64);
}

unsigned geo_pick(geo_rng_t *rng, const geo_member_t *members, const bool *usable, unsigned n,
		  unsigned want, unsigned *out)
{
	unsigned left[GEO_MAX_MEMBERS];
	unsigned nleft = 0, chosen = 0;
	uint64_t total = 0;

	if (n > GEO_MAX_MEMBERS)
		n = GEO_MAX_MEMBERS;
	for (unsigned i = 0; i < n; i++) {
		if (usable[i]) {
			left[nleft++] = i;
			total += members[i].weight;
		}
	}
	if (want == 0 || want > nleft)
		want = nleft;
	while (chosen < want && total > 0) {
		uint64_t r = rng_below(rng, total);
		unsigned k = 0;
		while (k + 1 < nleft && r >= members[left[k]].weight) {
			r -= members[left[k]].weight;
			k++;
		}
		out[chosen++] = left[k];
		total -= members[left[k]].weight;
		left[k] = left[--nleft];
	}
	return chosen;
}
