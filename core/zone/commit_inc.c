/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Incremental commit: the changed names are packed and path-copied into a
 * tree that shares every other node with the base version; empty
 * non-terminals, flags, the NS target index and glue are fixed only around
 * them.
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "zone_int.h"

/* State of one incremental commit. */
typedef struct inc {
	sl_zone_txn_t *t;
	cctx_t *c;
	sl_bt_t *root;      /* the tree being built */
	const sl_bt_t *old; /* the base tree */
	uint64_t gen;
	znvec_t fresh;      /* nodes created here (one reference each) */
	sl_bt_t *nsref;     /* the NS target index being built */
	sl_bt_t *nsec3;     /* the NSEC3 index being built */
	znvec_t nsre;       /* nodes whose flags a walk changed and that hold NS */
	znvec_t below;      /* nodes with data below a DNAME (refused) */
	struct dkey {
		const uint8_t *key;
		size_t len;
	} *dirty;
	size_t ndirty, capdirty;
} inc_t;

static int dirty_add(inc_t *s, const uint8_t *key, size_t len)
{
	if (sl_zgrow((void **)&s->dirty, &s->capdirty, s->ndirty + 1, sizeof(*s->dirty), 64) !=
	    SL_OK)
		return SL_ENOMEM;
	s->dirty[s->ndirty++] = (struct dkey){ key, len };
	return SL_OK;
}

/* A name appeared or vanished: it and, for "*", its parent (WILDCARD) need flags. */
static int dirty_name(inc_t *s, const uint8_t *key, size_t len)
{
	int rc = dirty_add(s, key, len);

	if (rc == SL_OK && is_wild_key(key, len))
		rc = dirty_add(s, key, sl_zkey_parent(key, len));
	return rc;
}

static int dkey_cmp(const void *a, const void *b)
{
	const struct dkey *x = a, *y = b;

	return sl_zkey_cmp(x->key, x->len, y->key, y->len);
}

/* Puts a node created by this commit into the tree. */
static int inc_put(inc_t *s, sl_zn_t *z)
{
	if (sl_zi_znvec_push(&s->fresh, z) != SL_OK) {
		sl_zn_unref(z);
		return SL_ENOMEM;
	}
	return sl_bt_put(&s->root, s->gen, z);
}

static bool has_descendant(const sl_bt_t *root, const uint8_t *key, size_t klen)
{
	const void *st[2 * SL_BT_MAXH];
	unsigned depth;
	sl_zn_t *z;

	sl_bt_iter_seek(st, &depth, root, key, klen);
	z = sl_bt_iter_next(st, &depth);
	if (z && z->keylen == klen && memcmp(z->key, key, klen) == 0)
		z = sl_bt_iter_next(st, &depth);
	return z && z->keylen > klen && sl_zkey_under(z->key, z->keylen, key, klen);
}

/* Gives @p z the flags @p f, copying it when it is shared with older versions. */
static int set_flags(inc_t *s, sl_zn_t *z, uint16_t f)
{
	if (z->pub.flags == f)
		return SL_OK;
	if (z->fresh) {
		z->pub.flags = f;
		return SL_OK;
	}
	sl_zn_t *cz = sl_zn_clone(z);

	if (!cz)
		return SL_ENOMEM;
	cz->pub.flags = f;
	return inc_put(s, cz);
}

/* What a node passes down to its subtree. */
static unsigned prop_bits(const sl_zn_t *z)
{
	if (!z)
		return 0;
	return ((z->pub.flags & (SL_NODE_DELEG | SL_NODE_NONAUTH)) ? 1u : 0u) |
	       (((z->pub.flags & SL_NODE_DNAME_BELOW) || node_has(&z->pub, SL_TYPE_DNAME)) ? 2u
											  : 0u);
}

/*
 * Recomputes the inherited flags of every descendant of @p top (whose flags
 * are final), walking the subtree in canonical order with a stack of
 * ancestors.
 */
static int walk_subtree(inc_t *s, const sl_zn_t *top)
{
	struct wst {
		unsigned labels;
		unsigned prop;
	} st[SL_NAME_MAXLABELS + 2];
	unsigned depth = 0;
	const void *it[2 * SL_BT_MAXH];
	unsigned itd;
	struct upd {
		sl_zn_t *z;
		uint16_t f;
	} *upd = NULL;
	size_t nupd = 0, capupd = 0;
	uint8_t key[SL_ZKEY_MAX];
	size_t klen = top->keylen;
	int rc = SL_OK;
	sl_zn_t *z;

	memcpy(key, top->key, klen);
	st[depth++].labels = sl_zkey_labels(key, klen);
	st[0].prop = prop_bits(top);
	sl_bt_iter_seek(it, &itd, s->root, key, klen);
	while ((z = sl_bt_iter_next(it, &itd)) != NULL) {
		if (z->keylen == klen && memcmp(z->key, key, klen) == 0)
			continue;
		if (!sl_zkey_under(z->key, z->keylen, key, klen))
			break;
		unsigned lbl = sl_zkey_labels(z->key, z->keylen);

		while (depth > 1 && st[depth - 1].labels >= lbl)
			depth--;
		unsigned pp = st[depth - 1].prop;
		uint16_t f = (uint16_t)((z->pub.flags & ~(SL_NODE_NONAUTH | SL_NODE_DNAME_BELOW)) |
					((pp & 1) ? SL_NODE_NONAUTH : 0) |
					((pp & 2) ? SL_NODE_DNAME_BELOW : 0));
		unsigned np = ((f & (SL_NODE_DELEG | SL_NODE_NONAUTH)) ? 1u : 0u) |
			      (((f & SL_NODE_DNAME_BELOW) || node_has(&z->pub, SL_TYPE_DNAME))
				       ? 2u
				       : 0u);

		if (f != z->pub.flags) {
			if (sl_zgrow((void **)&upd, &capupd, nupd + 1, sizeof(*upd), 64) != SL_OK) {
				free(upd);
				return SL_ENOMEM;
			}
			upd[nupd++] = (struct upd){ z, f };
		}
		if (depth < SL_NAME_MAXLABELS + 2)
			st[depth++] = (struct wst){ lbl, np };
	}
	/* Apply after the walk: replacing nodes reshapes the tree under the iterator. */
	for (size_t i = 0; i < nupd && rc == SL_OK; i++) {
		/* An NS RRset that became active (or not) needs its glue checked. */
		if (node_has(&upd[i].z->pub, SL_TYPE_NS))
			rc = sl_zi_znvec_push(&s->nsre, upd[i].z);
		if (rc == SL_OK)
			rc = set_flags(s, upd[i].z, upd[i].f);
	}
	free(upd);
	return rc;
}

/* Recomputes the flags of the name with key @p key, if it exists. */
static int refresh(inc_t *s, const uint8_t *key, size_t klen)
{
	sl_zn_t *z = sl_bt_find(s->root, key, klen);
	uint16_t f;
	int rc;

	if (!z)
		return SL_OK;
	f = z->pub.flags & (SL_NODE_APEX | SL_NODE_DELEG | SL_NODE_ENT);
	if (klen > 0) {
		const sl_zn_t *p = sl_bt_find(s->root, key, sl_zkey_parent(key, klen));

		if (p)
			f |= sl_zi_inherited(p->pub.flags, node_has(&p->pub, SL_TYPE_DNAME));
	}
	if (klen + 2 <= SL_ZKEY_MAX) {
		uint8_t wk[SL_ZKEY_MAX];

		memcpy(wk, key, klen);
		wk[klen] = '*';
		wk[klen + 1] = 0;
		if (sl_bt_find(s->root, wk, klen + 2))
			f |= SL_NODE_WILDCARD;
	}
	const sl_zn_t *old = sl_bt_find(s->old, key, klen);
	unsigned before = prop_bits(old);

	if ((rc = set_flags(s, z, f)) != SL_OK)
		return rc;
	z = sl_bt_find(s->root, key, klen);
	if (old && prop_bits(z) != before)
		return walk_subtree(s, z);
	return SL_OK;
}

/* Adds @p delta references to NS target @p target (ignored when out of zone). */
static int nsref_adjust(inc_t *s, const uint8_t *target, int delta)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;

	if (!zone_key(target, s->t->zone->apex, s->t->zone->apex_labels, key, &klen))
		return SL_OK;
	const sl_zn_t *z = sl_bt_find(s->nsref, key, klen);
	int64_t n = (int64_t)(z ? ref_count(z) : 0) + delta;

	if (n <= 0)
		return z ? sl_bt_del(&s->nsref, s->gen, key, klen) : SL_OK;
	if (n > UINT32_MAX)
		return SL_ELIMIT;
	sl_zn_t *r = sl_zi_ref_new(key, klen, target, (uint32_t)n);

	if (!r)
		return SL_ENOMEM;
	int rc = sl_bt_put(&s->nsref, s->gen, r);

	sl_zn_unref(r);
	return rc;
}

/* Updates the NSEC3 index for the overlay name @p n, now @p pn. */
static int nsec3_diff(inc_t *s, const tx_name_t *n, const pn_t *pn)
{
	bool was, is;

	if (n->keylen == 0 || sl_zkey_parent(n->key, n->keylen) != 0)
		return SL_OK;
	was = sl_zi_nsec3_owner(n->base);
	is = sl_zi_pn_set(pn, SL_TYPE_NSEC3) != NULL;
	if (was == is)
		return SL_OK;
	if (was)
		return sl_bt_del(&s->nsec3, s->gen, n->key, n->keylen);

	sl_zn_t *r = sl_zi_ref_new(n->key, n->keylen, n->owner, 1);

	if (!r)
		return SL_ENOMEM;
	int rc = sl_bt_put(&s->nsec3, s->gen, r);

	sl_zn_unref(r);
	return rc;
}

/* Updates the NS target index for a name whose NS RRset went from @p old to @p now. */
static int nsref_diff(inc_t *s, const sl_zn_t *old, const pn_set_t *now)
{
	const sl_rrset_t *os = old ? sl_node_rrset(&old->pub, SL_TYPE_NS) : NULL;
	const uint8_t *ord = os ? sl_rrset_next(os, NULL, &(uint16_t){ 0 }) : NULL;
	uint32_t j = 0;
	int rc = SL_OK;

	/* Both lists are in canonical order: a merge finds what came and went. */
	while (rc == SL_OK && (ord || (now && j < now->n))) {
		int c;

		if (!ord)
			c = 1;
		else if (!now || j >= now->n)
			c = -1;
		else
			c = sl_zi_rdata_cmp(SL_TYPE_NS, ord, ord[-2] << 8 | ord[-1],
					    now->rrs[j].rdata, now->rrs[j].len);
		if (c < 0)
			rc = nsref_adjust(s, ord, -1);
		else if (c > 0)
			rc = nsref_adjust(s, now->rrs[j].rdata, +1);
		if (c <= 0) {
			uint16_t len;

			ord = sl_rrset_next(os, ord, &len);
		}
		if (c >= 0)
			j++;
	}
	return rc;
}

/* True when the name with key @p key is at or below a cut and has no A/AAAA. */
static bool lacks_glue(const inc_t *s, const uint8_t *key, size_t klen)
{
	sl_zone_lookup_t lk;

	sl_zi_lookup(s->root, key, klen, &lk);
	return lk.cut && !(lk.node && (node_has(lk.node, SL_TYPE_A) ||
				       node_has(lk.node, SL_TYPE_AAAA)));
}

/*
 * Could an NS RRset now lack glue because of a change to the name @p key
 * (its addresses, or a cut appearing or vanishing there)? Looks only at the
 * NS targets that are the name or lie below it, through the index.
 */
static bool glue_suspect(const inc_t *s, const uint8_t *key, size_t klen, bool subtree)
{
	const void *it[2 * SL_BT_MAXH];
	unsigned itd;
	sl_zn_t *r;

	if (!subtree) {
		r = sl_bt_find(s->nsref, key, klen);
		return r && lacks_glue(s, key, klen);
	}
	sl_bt_iter_seek(it, &itd, s->nsref, key, klen);
	while ((r = sl_bt_iter_next(it, &itd)) != NULL &&
	       sl_zkey_under(r->key, r->keylen, key, klen)) {
		if (lacks_glue(s, r->key, r->keylen))
			return true;
	}
	return false;
}

static uint64_t zn_rrs(const sl_zn_t *z)
{
	uint64_t n = 0;

	for (unsigned i = 0; z && i < z->pub.nrrsets; i++)
		n += z->pub.rrsets[i].count;
	return n;
}

/* Orders node pointers (to report each once). */
static int zn_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(sl_zn_t *const *)a, y = (uintptr_t)*(sl_zn_t *const *)b;

	return x < y ? -1 : x > y;
}

static where_t ns_where(sl_zone_txn_t *t, const sl_zn_t *z, scratch_t *sc)
{
	const tx_name_t *n = sl_zi_ov_lookup(t, z->key, z->keylen);
	pn_t pn;

	if (!n || sl_zi_ov_pn(n, sc, &pn) != SL_OK)
		return NOWHERE;
	return sl_zi_set_where(sl_zi_pn_set(&pn, SL_TYPE_NS));
}

int sl_zi_build_inc(sl_zone_txn_t *t, tx_name_t **names, size_t nn, cctx_t *c,
		    sl_zone_version_t **out)
{
	inc_t s = { .t = t, .c = c, .old = t->base->root };
	scratch_t sc = { 0 };
	int64_t delta = 0;
	int rc = SL_OK;
	pn_t pn;

	*out = NULL;
	/* Checks first: a failing transaction builds nothing. */
	for (size_t i = 0; i < nn; i++) {
		bool apex = names[i]->keylen == 0;

		if ((rc = sl_zi_ov_pn(names[i], &sc, &pn)) != SL_OK)
			goto done;
		delta += (int64_t)sl_zi_pn_rrs(&pn) - (int64_t)zn_rrs(names[i]->base);
		if (pn.nsets || apex)
			sl_zi_check_name(c, &pn, apex);
	}
	uint64_t total = (uint64_t)((int64_t)t->base->rr_count + delta);

	sl_zi_check_total(c, t->zone->apex, total);
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto done;
	}

	s.gen = sl_zi_gen_next();
	s.root = t->base->root;
	sl_bt_ref(s.root);
	s.nsref = t->base->nsref;
	sl_bt_ref(s.nsref);
	/* 0. The NS target index follows every NS RRset that changed. */
	for (size_t i = 0; i < nn; i++) {
		if ((rc = sl_zi_ov_pn(names[i], &sc, &pn)) != SL_OK ||
		    (rc = nsref_diff(&s, names[i]->base, sl_zi_pn_set(&pn, SL_TYPE_NS))) != SL_OK)
			goto done;
	}

	/* 0b. The NSEC3 index follows the apex children whose NSEC3 came or went. */
	s.nsec3 = t->base->nsec3;
	sl_bt_ref(s.nsec3);
	for (size_t i = 0; i < nn; i++) {
		if ((rc = sl_zi_ov_pn(names[i], &sc, &pn)) != SL_OK ||
		    (rc = nsec3_diff(&s, names[i], &pn)) != SL_OK)
			goto done;
	}

	/* 1. Names with data: new nodes, and any missing ancestors as ENTs. */
	for (size_t i = 0; i < nn; i++) {
		const tx_name_t *n = names[i];

		if ((rc = sl_zi_ov_pn(n, &sc, &pn)) != SL_OK)
			goto done;
		if (!pn.nsets)
			continue;
		sl_zn_t *z = sl_zi_zn_from_pn(&pn, n->keylen == 0);

		if (!z || (rc = inc_put(&s, z)) != SL_OK ||
		    (rc = dirty_name(&s, n->key, n->keylen)) != SL_OK) {
			rc = z ? rc : SL_ENOMEM;
			goto done;
		}
		for (size_t p = sl_zkey_parent(n->key, n->keylen); n->keylen > 0;
		     p = sl_zkey_parent(n->key, p)) {
			if (sl_bt_find(s.root, n->key, p))
				break;
			sl_zn_t *e = sl_zi_zn_ent(n->key, p, n->key, n->keylen, n->owner);

			if (!e || (rc = inc_put(&s, e)) != SL_OK ||
			    (rc = dirty_name(&s, n->key, p)) != SL_OK) {
				rc = e ? rc : SL_ENOMEM;
				goto done;
			}
			if (p == 0)
				break;
		}
	}
	/* 2. Names left without data, deepest first: ENT if needed, else gone. */
	for (size_t i = nn; i-- > 0;) {
		const tx_name_t *n = names[i];
		sl_zn_t *z;

		if ((rc = sl_zi_ov_pn(n, &sc, &pn)) != SL_OK)
			goto done;
		if (pn.nsets || n->keylen == 0 || !(z = sl_bt_find(s.root, n->key, n->keylen)))
			continue;
		if (has_descendant(s.root, n->key, n->keylen)) {
			if (z->pub.nrrsets == 0)
				continue;
			sl_zn_t *e = sl_zi_zn_ent(n->key, n->keylen, n->key, n->keylen, n->owner);

			if (!e || (rc = inc_put(&s, e)) != SL_OK ||
			    (rc = dirty_add(&s, n->key, n->keylen)) != SL_OK) {
				rc = e ? rc : SL_ENOMEM;
				goto done;
			}
			continue;
		}
		/* Remove it, then every ENT ancestor left with no descendant. */
		size_t k = n->keylen;

		while (k > 0) {
			if ((rc = sl_bt_del(&s.root, s.gen, n->key, k)) != SL_OK ||
			    (rc = dirty_name(&s, n->key, k)) != SL_OK)
				goto done;
			k = sl_zkey_parent(n->key, k);
			if (k == 0)
				break;
			const sl_zn_t *a = sl_bt_find(s.root, n->key, k);

			if (!a || a->pub.nrrsets != 0 || has_descendant(s.root, n->key, k))
				break;
		}
	}
	/* 3. Flags, ancestors first; subtrees revisited when a cut or DNAME changed. */
	if (s.ndirty)
		qsort(s.dirty, s.ndirty, sizeof(s.dirty[0]), dkey_cmp);
	for (size_t i = 0; i < s.ndirty; i++) {
		if (i > 0 && dkey_cmp(&s.dirty[i - 1], &s.dirty[i]) == 0)
			continue;
		if ((rc = refresh(&s, s.dirty[i].key, s.dirty[i].len)) != SL_OK)
			goto done;
	}
	/*
	 * 3b. No data below a DNAME (RFC 6672 §2.4). The base version had none,
	 *     so any now is at a changed name, or below a name that gained a
	 *     DNAME or changed its cut status (data below a cut is not
	 *     authoritative, a DNAME there neither). Each is reported once.
	 */
	for (size_t i = 0; i < nn; i++) {
		const tx_name_t *n = names[i];
		const sl_zn_t *z = sl_bt_find(s.root, n->key, n->keylen);
		bool was_cut = n->base && (n->base->pub.flags & SL_NODE_DELEG);

		if (!z)
			continue;
		if (sl_zi_below_dname(z) && (rc = sl_zi_znvec_push(&s.below, (sl_zn_t *)z)) != SL_OK)
			goto done;
		if ((node_has(&z->pub, SL_TYPE_DNAME) &&
		     !(n->base && node_has(&n->base->pub, SL_TYPE_DNAME))) ||
		    was_cut != !!(z->pub.flags & SL_NODE_DELEG)) {
			const void *it[2 * SL_BT_MAXH];
			unsigned itd;
			sl_zn_t *d;

			sl_bt_iter_seek(it, &itd, s.root, n->key, n->keylen);
			while ((d = sl_bt_iter_next(it, &itd)) != NULL) {
				if (d->keylen == n->keylen && memcmp(d->key, n->key, n->keylen) == 0)
					continue;
				if (!sl_zkey_under(d->key, d->keylen, n->key, n->keylen))
					break;
				if (sl_zi_below_dname(d) &&
				    (rc = sl_zi_znvec_push(&s.below, d)) != SL_OK)
					goto done;
			}
		}
	}
	if (s.below.n > 1)
		qsort(s.below.v, s.below.n, sizeof(s.below.v[0]), zn_ptr_cmp);
	for (size_t i = 0; i < s.below.n; i++) {
		const sl_zn_t *d = s.below.v[i];
		const tx_name_t *dn = sl_zi_ov_lookup(t, d->key, d->keylen);
		where_t wh = NOWHERE;

		if (i > 0 && s.below.v[i - 1] == d)
			continue;
		if (dn && dn->modified) {
			if ((rc = sl_zi_ov_pn(dn, &sc, &pn)) != SL_OK)
				goto done;
			wh = pn.nsets ? sl_zi_set_where(&pn.sets[0]) : NOWHERE;
		}
		sl_zi_check_below_dname(c, s.root, d, wh);
	}
	/*
	 * 4. Glue. The NS RRsets that changed, or whose activity a walk changed,
	 *    are checked directly. A name that changed may also be the target of
	 *    an unchanged NS elsewhere: its addresses may be gone, or a cut may
	 *    have appeared at or above it (at a changed name, so the targets at
	 *    and below every name whose cut status changed are looked at). The
	 *    index tells whether any such target is referenced and lacks glue;
	 *    only then is every active NS of the zone checked, to name them.
	 */
	const sl_zn_t *apex = sl_bt_find(s.root, (const uint8_t *)"", 0);
	bool suspect = false;

	if (!apex) {
		rc = SL_EINVAL;
		goto done;
	}
	for (size_t i = 0; i < nn && !suspect; i++) {
		const tx_name_t *n = names[i];
		const sl_zn_t *z = sl_bt_find(s.root, n->key, n->keylen);
		bool was_cut = n->base && (n->base->pub.flags & SL_NODE_DELEG);
		bool is_cut = z && (z->pub.flags & SL_NODE_DELEG);

		suspect = glue_suspect(&s, n->key, n->keylen, was_cut != is_cut);
	}
	if (suspect) {
		const void *it[2 * SL_BT_MAXH];
		unsigned itd;
		sl_zn_t *z;

		sl_bt_iter_seek(it, &itd, s.root, NULL, 0);
		while ((z = sl_bt_iter_next(it, &itd)) != NULL) {
			if (sl_zi_active_ns(z))
				sl_zi_check_glue(c, s.root, apex, t->zone->apex_labels, z,
						 ns_where(t, z, &sc));
		}
	} else {
		for (size_t i = 0; i < nn; i++) {
			const sl_zn_t *z = sl_bt_find(s.root, names[i]->key, names[i]->keylen);

			if (z && sl_zi_active_ns(z))
				sl_zi_check_glue(c, s.root, apex, t->zone->apex_labels, z,
						 ns_where(t, z, &sc));
		}
		for (size_t i = 0; i < s.nsre.n; i++) {
			const sl_zn_t *w = s.nsre.v[i];
			const tx_name_t *n = sl_zi_ov_lookup(t, w->key, w->keylen);
			const sl_zn_t *z = sl_bt_find(s.root, w->key, w->keylen);

			/* Changed names were just checked; a walk may list a node twice. */
			if ((n && n->modified) || !z || !sl_zi_active_ns(z) ||
			    (i > 0 && s.nsre.v[i - 1] == w))
				continue;
			sl_zi_check_glue(c, s.root, apex, t->zone->apex_labels, z, NOWHERE);
		}
	}
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto done;
	}
	for (size_t i = 0; i < s.fresh.n; i++)
		s.fresh.v[i]->fresh = 0;
	*out = sl_zi_version_new(s.root, s.nsref, t->zone->apex_labels, total);
	if (!*out) {
		rc = SL_ENOMEM;
	} else {
		(*out)->nsec3 = s.nsec3;
		s.root = NULL;
		s.nsref = NULL;
		s.nsec3 = NULL;
	}
done:
	for (size_t i = 0; i < s.fresh.n; i++) {
		s.fresh.v[i]->fresh = 0;
		sl_zn_unref(s.fresh.v[i]);
	}
	free(s.fresh.v);
	free(s.dirty);
	free(s.nsre.v);
	free(s.below.v);
	sl_bt_unref(s.root);
	sl_bt_unref(s.nsref);
	sl_bt_unref(s.nsec3);
	sl_zi_scratch_free(&sc);
	return rc;
}
