/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone transactions: their storage, the overlay (the names a transaction
 * touches, RRsets unpacked into sorted arrays) and the public write API.
 * Full loads append to a log instead (txn_log.c) until they read or remove.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/log.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "zone_int.h"

/* ---- canonical RDATA order ------------------------------------------------ */

static bool has_upper(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 'A' && p[i] <= 'Z')
			return true;
	}
	return false;
}

/* Marks the octets of the names RFC 4034 §6.2 lower-cases; count of spans. */
static unsigned lower_spans(uint16_t type, const uint8_t *rd, size_t len, size_t span[][2])
{
	sl_rdata_names_t nm;
	unsigned n = 0;

	if (sl_rdata_names(type, rd, len, &nm) != SL_OK || !nm.canonical_lower)
		return 0;
	for (unsigned i = 0; i < nm.count && i < SL_RDATA_MAX_NAMES; i++) {
		int l = sl_name_check(rd + nm.offset[i], len - nm.offset[i]);

		if (l > 0) {
			span[n][0] = nm.offset[i];
			span[n][1] = nm.offset[i] + (size_t)l;
			n++;
		}
	}
	return n;
}

static uint8_t canon_at(const uint8_t *rd, size_t i, size_t span[][2], unsigned ns)
{
	for (unsigned k = 0; k < ns; k++) {
		if (i >= span[k][0] && i < span[k][1])
			return sl_lower_octet(rd[i]);
	}
	return rd[i];
}

/*
 * RFC 4034 §6.3 order: the canonical forms (embedded names lower-cased for
 * the §6.2 types) compared as octet strings, shorter first on a tie. RRs
 * comparing equal are duplicates.
 */
int sl_zi_rdata_cmp(uint16_t type, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t m = al < bl ? al : bl;

	if (!has_upper(a, al) && !has_upper(b, bl)) {
		int d = m ? memcmp(a, b, m) : 0;

		if (d)
			return d;
		return al < bl ? -1 : al > bl;
	}
	size_t sa[SL_RDATA_MAX_NAMES][2], sb[SL_RDATA_MAX_NAMES][2];
	unsigned na = lower_spans(type, a, al, sa);
	unsigned nb = lower_spans(type, b, bl, sb);

	for (size_t i = 0; i < m; i++) {
		uint8_t ca = canon_at(a, i, sa, na);
		uint8_t cb = canon_at(b, i, sb, nb);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return al < bl ? -1 : al > bl;
}

/* ---- transactions: storage ------------------------------------------------ */

/* Arena chunk size (a full load allocates many of them). */
#define ARENA_CHUNK (256 * 1024)

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
} arena_chunk_t;

void *sl_zi_alloc(sl_zone_txn_t *t, size_t size)
{
	arena_chunk_t *c = t->arena;

	size = (size + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		c = sl_zmalloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = t->arena;
		t->arena = c;
	}
	void *p = (uint8_t *)c->data + c->used;

	c->used += size;
	return p;
}

/* Copies an overlay "where" into the arena (NULL stays NULL). */
static int ar_where(sl_zone_txn_t *t, const char *where, where_t *out)
{
	out->s = NULL;
	out->line = 0;
	if (!where)
		return SL_OK;
	/* Consecutive records often share it (same file line for a multi-RR entry). */
	if (t->last_where && strcmp(t->last_where, where) == 0) {
		out->s = t->last_where;
		return SL_OK;
	}
	size_t len = strnlen(where, WHERE_MAX);
	char *w = sl_zi_alloc(t, len + 1);

	if (!w)
		return SL_ENOMEM;
	memcpy(w, where, len);
	w[len] = '\0';
	t->last_where = out->s = w;
	return SL_OK;
}

/* Formats a where_t (static buffer per call site is the caller's). */
const char *sl_zi_where_text(where_t w, char *buf, size_t size)
{
	if (!w.s)
		return NULL;
	if (!w.line)
		return w.s;
	snprintf(buf, size, "%s:%u", w.s, w.line);
	return buf;
}

static uint32_t key_hash(const uint8_t *key, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h;
}

static void set_free(tx_set_t *s)
{
	free(s->rrs);
	free(s->view_data);
}

static void name_free(tx_name_t *n)
{
	for (unsigned i = 0; i < n->nsets; i++)
		set_free(&n->sets[i]);
	free(n->sets);
}

void sl_zi_txn_free(sl_zone_txn_t *t)
{
	for (size_t i = 0; i < t->hcap; i++) {
		for (tx_name_t *n = t->htab[i]; n; n = n->hnext)
			name_free(n);
	}
	free(t->htab);
	sl_zi_log_free(t);
	while (t->arena) {
		arena_chunk_t *c = t->arena;

		t->arena = c->next;
		free(c);
	}
	if (t->base)
		sl_zone_version_unref(t->base);
	if (!t->amend)
		pthread_mutex_unlock(&t->zone->wlock);
	sl_zone_put(t->zone);
	free(t);
}

int sl_zone_txn_begin(sl_zone_t *zone, unsigned flags, sl_zone_txn_t **txn)
{
	sl_zone_txn_t *t;

	if (!txn)
		return SL_EINVAL;
	*txn = NULL;
	if (!zone)
		return SL_EINVAL;
	t = sl_zcalloc(1, sizeof(*t));
	if (!t)
		return SL_ENOMEM;
	pthread_mutex_lock(&zone->wlock);
	sl_zi_zone_ref(zone);
	t->zone = zone;
	if (!(flags & SL_TXN_EMPTY)) {
		/* We are the only writer: current cannot change under us. */
		t->base = atomic_load_explicit(&zone->current, memory_order_acquire);
		sl_zone_version_ref(t->base);
	}
	t->bulk = (flags & SL_TXN_EMPTY) != 0;
	*txn = t;
	return SL_OK;
}

void sl_zone_txn_abort(sl_zone_txn_t *txn)
{
	if (txn) {
		sl_zi_txn_free(txn);
		sl_qsbr_reclaim();
	}
}

/* ---- transactions: the overlay -------------------------------------------- */

static tx_name_t *ov_find(const sl_zone_txn_t *t, const uint8_t *key, size_t klen, uint32_t h)
{
	if (!t->hcap)
		return NULL;
	for (tx_name_t *n = t->htab[h & (t->hcap - 1)]; n; n = n->hnext) {
		if (n->hash == h && n->keylen == klen && memcmp(n->key, key, klen) == 0)
			return n;
	}
	return NULL;
}

static int ov_grow(sl_zone_txn_t *t)
{
	size_t ncap = t->hcap ? t->hcap * 2 : 256;
	tx_name_t **nt = sl_zcalloc(ncap, sizeof(*nt));

	if (!nt)
		return SL_ENOMEM;
	for (size_t i = 0; i < t->hcap; i++) {
		tx_name_t *n = t->htab[i];

		while (n) {
			tx_name_t *next = n->hnext;

			n->hnext = nt[n->hash & (ncap - 1)];
			nt[n->hash & (ncap - 1)] = n;
			n = next;
		}
	}
	free(t->htab);
	t->htab = nt;
	t->hcap = ncap;
	return SL_OK;
}

static int set_reserve(tx_set_t *s, uint32_t need)
{
	return sl_zgrow((void **)&s->rrs, &s->cap, need, sizeof(*s->rrs), 4);
}

/*
 * The base node's RRsets as overlay sets. The per-covered-type RRSIG sets
 * of a node (stored one after another) merge back into one set, each RR
 * keeping its own TTL; canonical order already groups them by covered type.
 */
static int ov_import(tx_name_t *n, const sl_zn_t *base)
{
	for (unsigned i = 0; i < base->pub.nrrsets; i++) {
		const sl_rrset_t *rs = &base->pub.rrsets[i];
		tx_set_t *s;
		const uint8_t *rd = NULL;
		uint16_t len;

		if (rs->type == SL_TYPE_RRSIG && n->nsets > 0 &&
		    n->sets[n->nsets - 1].type == SL_TYPE_RRSIG) {
			s = &n->sets[n->nsets - 1];
		} else {
			s = &n->sets[n->nsets++];
			s->type = rs->type;
			s->ttl = rs->ttl;
		}
		if (set_reserve(s, s->n + rs->count) != SL_OK)
			return SL_ENOMEM;
		while ((rd = sl_rrset_next(rs, rd, &len)) != NULL)
			s->rrs[s->n++] = (tx_rr_t){ rd, { NULL, 0 }, len, rs->ttl };
	}
	return SL_OK;
}

/* Adds an overlay entry for @p key; imports the base node's RRsets. */
static int ov_create(sl_zone_txn_t *t, const uint8_t *key, size_t klen, uint32_t h,
		     const uint8_t *owner, const sl_zn_t *base, tx_name_t **out)
{
	size_t olen = sl_name_len(base ? base->pub.owner : owner);
	tx_name_t *n;
	uint8_t *mem;

	if ((t->hcount + 1 > t->hcap / 2 && ov_grow(t) != SL_OK) ||
	    !(n = sl_zi_alloc(t, sizeof(*n))) || !(mem = sl_zi_alloc(t, klen + olen)))
		return SL_ENOMEM;
	memset(n, 0, sizeof(*n));
	memcpy(mem, key, klen);
	memcpy(mem + klen, base ? base->pub.owner : owner, olen);
	n->hash = h;
	n->keylen = (uint16_t)klen;
	n->key = mem;
	n->owner = mem + klen;
	n->base = base;
	if (base && base->pub.nrrsets) {
		n->sets = sl_zcalloc(base->pub.nrrsets, sizeof(*n->sets));
		if (!n->sets)
			return SL_ENOMEM;
		n->cap = base->pub.nrrsets;
		if (ov_import(n, base) != SL_OK) {
			name_free(n);
			return SL_ENOMEM;
		}
	}
	n->hnext = t->htab[h & (t->hcap - 1)];
	t->htab[h & (t->hcap - 1)] = n;
	t->hcount++;
	*out = n;
	return SL_OK;
}

/*
 * The overlay entry for @p key: existing, imported from the base version,
 * or (when @p create) new. *@p out is NULL when absent and not created.
 */
static int ov_get(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
		  bool create, tx_name_t **out)
{
	uint32_t h = key_hash(key, klen);
	const sl_zn_t *base;

	*out = ov_find(t, key, klen, h);
	if (*out)
		return SL_OK;
	base = t->base ? sl_bt_find(t->base->root, key, klen) : NULL;
	if (!base && !create)
		return SL_OK;
	return ov_create(t, key, klen, h, owner, base, out);
}

static tx_set_t *ov_set(tx_name_t *n, uint16_t type, unsigned *pos)
{
	unsigned lo = 0, hi = n->nsets;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (n->sets[mid].type == type) {
			*pos = mid;
			return &n->sets[mid];
		}
		if (n->sets[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

/* Position of @p rdata in the set; *found when an equal RR is there. */
static uint32_t set_find(const tx_set_t *s, const uint8_t *rd, uint16_t len, bool *found)
{
	uint32_t lo = 0, hi = s->n;

	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = sl_zi_rdata_cmp(s->type, s->rrs[mid].rdata, s->rrs[mid].len, rd, len);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void set_remove_at(tx_name_t *n, unsigned pos)
{
	set_free(&n->sets[pos]);
	memmove(n->sets + pos, n->sets + pos + 1, (n->nsets - pos - 1) * sizeof(n->sets[0]));
	n->nsets--;
}

void sl_zi_warn_ttl(where_t where, const uint8_t *owner, uint16_t type, uint32_t ttl,
		    uint32_t first)
{
	char name[SL_NAME_TEXT_MAX];
	char tname[16];
	char wbuf[WHERE_MAX + 16];
	const char *w;

	if (!sl_log_enabled(SL_LOG_WARNING))
		return;
	if (sl_name_to_text(owner, name, sizeof(name)) < 0)
		strcpy(name, "?");
	if (sl_rrtype_to_text(type, tname, sizeof(tname)) < 0)
		strcpy(tname, "?");
	w = sl_zi_where_text(where, wbuf, sizeof(wbuf));
	sl_log(SL_LOG_WARNING, "%s%s%s %s: TTL %u differs from the RRset's TTL %u; using %u",
	       w ? w : "", w ? ": " : "", name, tname, ttl, first, first);
}

int sl_zi_ov_add(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
		 uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		 const char *where)
{
	tx_name_t *n;
	tx_set_t *s;
	unsigned spos;
	bool found;
	int rc = ov_get(t, key, klen, owner, true, &n);

	if (rc != SL_OK)
		return rc;
	s = ov_set(n, type, &spos);
	if (!s) {
		if (n->nsets >= UINT16_MAX)
			return SL_ELIMIT;
		if (sl_zgrow((void **)&n->sets, &n->cap, n->nsets + 1, sizeof(*n->sets), 2) !=
		    SL_OK)
			return SL_ENOMEM;
		memmove(n->sets + spos + 1, n->sets + spos, (n->nsets - spos) * sizeof(*s));
		s = &n->sets[spos];
		memset(s, 0, sizeof(*s));
		s->type = type;
		s->ttl = ttl;
		n->nsets++;
	}
	uint32_t pos = set_find(s, rdata, rdlen, &found);

	if (found)
		return SL_OK;
	if (s->n >= UINT16_MAX)
		return SL_ELIMIT;
	where_t w;
	uint8_t *copy = sl_zi_alloc(t, rdlen ? rdlen : 1);

	if (ar_where(t, where, &w) != SL_OK || !copy || set_reserve(s, s->n + 1) != SL_OK) {
		if (s->n == 0)
			set_remove_at(n, spos);
		return SL_ENOMEM;
	}
	if (s->n == 0) {
		s->ttl = ttl;
	} else if (ttl != s->ttl && type != SL_TYPE_RRSIG && !s->ttl_warned) {
		sl_zi_warn_ttl(w, n->owner, type, ttl, s->ttl);
		s->ttl_warned = true;
	}
	memcpy(copy, rdata, rdlen);
	memmove(s->rrs + pos + 1, s->rrs + pos, (s->n - pos) * sizeof(s->rrs[0]));
	s->rrs[pos] = (tx_rr_t){ copy, w, rdlen, type == SL_TYPE_RRSIG ? ttl : s->ttl };
	s->n++;
	s->view_ok = false;
	n->modified = true;
	return SL_OK;
}

const tx_name_t *sl_zi_ov_lookup(const sl_zone_txn_t *t, const uint8_t *key, size_t klen)
{
	return ov_find(t, key, klen, key_hash(key, klen));
}

/* ---- transactions: the public write API ----------------------------------- */

int sl_zone_txn_add(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdlen, const char *where)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;

	if (!txn || !owner || (!rdata && rdlen) || sl_name_check(owner, SL_NAME_MAXLEN) < 0)
		return SL_EINVAL;
	if (!rdata)
		rdata = (const uint8_t *)"";
	if (type == 0 || sl_rrtype_is_meta(type) || sl_rdata_check(type, rdata, rdlen) != SL_OK)
		return SL_EINVAL;
	if (!zone_key(owner, txn->zone->apex, txn->zone->apex_labels, key, &klen))
		return SL_EINVAL;
	if (txn->bulk)
		return sl_zi_log_add(txn, key, klen, owner, type, ttl, rdata, rdlen, where);
	return sl_zi_ov_add(txn, key, klen, owner, type, ttl, rdata, rdlen, where);
}

/* Overlay entry of an in-zone owner for a read or remove (log mode left first). */
static int txn_locate(sl_zone_txn_t *txn, const uint8_t *owner, tx_name_t **n)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;
	int rc;

	*n = NULL;
	if (!txn || !owner || sl_name_check(owner, SL_NAME_MAXLEN) < 0 ||
	    !zone_key(owner, txn->zone->apex, txn->zone->apex_labels, key, &klen))
		return SL_ENOTFOUND;
	if (txn->bulk && (rc = sl_zi_log_to_overlay(txn)) != SL_OK)
		return rc;
	return ov_get(txn, key, klen, owner, false, n);
}

int sl_zone_txn_remove(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type,
		       const uint8_t *rdata, uint16_t rdlen)
{
	tx_name_t *n;
	tx_set_t *s;
	unsigned spos;
	bool found;
	int rc = txn_locate(txn, owner, &n);

	if (rc != SL_OK)
		return rc;
	if (!n || !(rdata || !rdlen) || !(s = ov_set(n, type, &spos)))
		return SL_ENOTFOUND;
	uint32_t pos = set_find(s, rdata ? rdata : (const uint8_t *)"", rdlen, &found);

	if (!found)
		return SL_ENOTFOUND;
	memmove(s->rrs + pos, s->rrs + pos + 1, (s->n - pos - 1) * sizeof(s->rrs[0]));
	s->n--;
	s->view_ok = false;
	if (s->n == 0)
		set_remove_at(n, spos);
	n->modified = true;
	return SL_OK;
}

int sl_zone_txn_remove_rrset(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type)
{
	tx_name_t *n;
	unsigned spos;
	int rc = txn_locate(txn, owner, &n);

	if (rc != SL_OK)
		return rc;
	if (!n)
		return SL_ENOTFOUND;
	if (type == SL_TYPE_ANY) {
		if (n->nsets == 0)
			return SL_ENOTFOUND;
		while (n->nsets)
			set_remove_at(n, n->nsets - 1);
	} else {
		if (!ov_set(n, type, &spos))
			return SL_ENOTFOUND;
		set_remove_at(n, spos);
	}
	n->modified = true;
	return SL_OK;
}

size_t sl_zone_txn_types(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t *types, size_t cap)
{
	tx_name_t *n;
	size_t count = 0;

	if (txn_locate(txn, owner, &n) != SL_OK || !n)
		return 0;
	for (unsigned i = 0; i < n->nsets; i++) {
		if (!n->sets[i].n)
			continue;
		if (count < cap)
			types[count] = n->sets[i].type;
		count++;
	}
	return count;
}

const sl_rrset_t *sl_zone_txn_rrset(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type)
{
	tx_name_t *n;
	tx_set_t *s;
	unsigned spos;

	if (txn_locate(txn, owner, &n) != SL_OK || !n || !(s = ov_set(n, type, &spos)) || !s->n)
		return NULL;
	if (!s->view_ok) {
		size_t len = 0;

		for (uint32_t i = 0; i < s->n; i++)
			len += 2 + (size_t)s->rrs[i].len;
		uint8_t *d = sl_zrealloc(s->view_data, len ? len : 1);

		if (!d)
			return NULL;
		s->view_data = d;
		for (uint32_t i = 0; i < s->n; i++) {
			d[0] = (uint8_t)(s->rrs[i].len >> 8);
			d[1] = (uint8_t)s->rrs[i].len;
			memcpy(d + 2, s->rrs[i].rdata, s->rrs[i].len);
			d += 2 + s->rrs[i].len;
		}
		s->view = (sl_rrset_t){ .type = s->type, .count = (uint16_t)s->n, .ttl = s->ttl,
					.data = s->view_data, .data_len = (uint32_t)len };
		s->view_ok = true;
	}
	return &s->view;
}
