/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone selection over a runtime: the closest enclosing configured zone,
 * through the open-addressing table host/config.c fills at load time.
 */
#include <sluice/name.h>
#include "runtime.h"

const sl_zone_entry_t *sl_runtime_find_zone(const sl_runtime_t *rt, const uint8_t *name)
{
	if (!rt->nzones)
		return NULL;
	unsigned labels = sl_name_labels(name);
	/* Longest suffix first, skipping lengths no configured zone has. */
	while (labels > rt->zone_max_labels) {
		name = sl_name_parent(name);
		labels--;
	}
	for (;;) {
		if (labels < rt->zone_min_labels)
			return NULL;
		uint32_t h = sl_name_hash(name) & rt->zone_hash_mask;
		while (rt->zone_hash[h]) {
			const sl_zone_entry_t *z = &rt->zones[rt->zone_hash[h] - 1];
			if (sl_name_equal(z->name, name))
				return z;
			h = (h + 1) & rt->zone_hash_mask;
		}
		if (labels == 0)
			return NULL;
		name = sl_name_parent(name);
		labels--;
	}
}
