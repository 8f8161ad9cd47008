/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sqlite-journal — changes in memory and the history IXFR readers share.
 *
 * A change is built once (from sl_zone_diff() in the journal hook, or from
 * the database at start) and never modified after; histories are immutable
 * arrays of change references. Both are reference-counted with atomics, so
 * an IXFR stream keeps what it sends alive after a newer history replaced
 * the one it started from.
 */
#include <stdlib.h>
#include <string.h>
#include <sluice/codec.h>
#include <sluice/name.h>
#include <sluice/rr.h>

#include "journal.h"

/* Fixed part of a packed RR after its owner: type, ttl, rdlen. */
#define RR_FIXED 8

jchange_t *jchange_new(uint32_t serial_from, uint32_t serial_to)
{
	jchange_t *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	atomic_init(&c->ref, 1);
	c->serial_from = serial_from;
	c->serial_to = serial_to;
	return c;
}

int jchange_add(void *arg, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
		uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	jchange_t *c = arg;
	size_t olen = sl_name_len(owner), need = olen + RR_FIXED + rdlen;

	if (op == SL_DIFF_REMOVE && c->nadd > 0)
		return SL_EINVAL;
	if (c->len + need > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		while (cap < c->len + need)
			cap *= 2;
		uint8_t *d = realloc(c->data, cap);
		if (!d)
			return SL_ENOMEM;
		c->data = d;
		c->cap = cap;
	}
	uint8_t *p = c->data + c->len;
	memcpy(p, owner, olen);
	p += olen;
	sl_write_u16(p, type);
	sl_write_u32(p + 2, ttl);
	sl_write_u16(p + 6, rdlen);
	memcpy(p + RR_FIXED, rdata, rdlen);
	c->len += need;
	if (op == SL_DIFF_REMOVE) {
		c->nremove++;
		c->add_off = c->len;
	} else {
		c->nadd++;
	}
	return SL_OK;
}

bool jchange_next(const jchange_t *c, size_t *pos, jrr_t *rr)
{
	if (*pos >= c->len)
		return false;
	const uint8_t *p = c->data + *pos;
	size_t olen = sl_name_len(p);

	rr->op = *pos < c->add_off ? SL_DIFF_REMOVE : SL_DIFF_ADD;
	rr->owner = p;
	rr->type = sl_read_u16(p + olen);
	rr->ttl = sl_read_u32(p + olen + 2);
	rr->rdlen = sl_read_u16(p + olen + 6);
	rr->rdata = p + olen + RR_FIXED;
	*pos += olen + RR_FIXED + rr->rdlen;
	return true;
}

void jchange_ref(jchange_t *c)
{
	atomic_fetch_add_explicit(&c->ref, 1, memory_order_relaxed);
}

void jchange_put(jchange_t *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->ref, 1, memory_order_acq_rel) != 1)
		return;
	free(c->data);
	free(c);
}

size_t jrr_key(const uint8_t *owner, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
	       uint8_t *out)
{
	size_t olen = sl_name_len(owner);
	sl_rdata_names_t names;

	memcpy(out, owner, olen);
	sl_name_tolower(out);
	sl_write_u16(out + olen, type);
	uint8_t *rd = out + olen + 2;
	memcpy(rd, rdata, rdlen);
	if (sl_rdata_names(type, rdata, rdlen, &names) == SL_OK && names.canonical_lower)
		for (unsigned i = 0; i < names.count; i++)
			sl_name_tolower(rd + names.offset[i]);
	return olen + 2 + rdlen;
}

/* ---- histories ------------------------------------------------------------ */

jhist_t *jhist_new(const jhist_t *old, size_t drop, jchange_t *add, uint32_t serial)
{
	size_t keep = old && old->n > drop ? old->n - drop : 0;
	jhist_t *h = malloc(sizeof(*h) + (keep + 1) * sizeof(h->ch[0]));

	if (!h)
		return NULL;
	atomic_init(&h->ref, 1);
	h->serial = serial;
	h->n = 0;
	h->bytes = 0;
	for (size_t i = 0; i < keep; i++) {
		jchange_t *c = old->ch[old->n - keep + i];
		jchange_ref(c);
		h->ch[h->n++] = c;
		h->bytes += c->len;
	}
	if (add) {
		jchange_ref(add);
		h->ch[h->n++] = add;
		h->bytes += add->len;
	}
	return h;
}

void jhist_ref(jhist_t *h)
{
	atomic_fetch_add_explicit(&h->ref, 1, memory_order_relaxed);
}

void jhist_put(jhist_t *h)
{
	if (!h || atomic_fetch_sub_explicit(&h->ref, 1, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < h->n; i++)
		jchange_put(h->ch[i]);
	free(h);
}

long jhist_find(const jhist_t *h, uint32_t serial)
{
	for (size_t i = h->n; i-- > 0;)
		if (h->ch[i]->serial_from == serial)
			return (long)i;
	return -1;
}
