/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Commit: pending names, packing them into name nodes, the NS target index,
 * full builds (from the overlay here, from the log in txn_log.c) and
 * publication. Incremental commits are in commit_inc.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "zone_int.h"

static _Atomic uint64_t tree_gen = 1;

uint64_t sl_zi_gen_next(void)
{
	return atomic_fetch_add(&tree_gen, 1);
}

/* ---- pending names -------------------------------------------------------- */

void sl_zi_scratch_free(scratch_t *sc)
{
	free(sc->rrs);
	free(sc->sets);
	free(sc->rps);
}

int sl_zi_scratch_reserve(scratch_t *sc, size_t rrs, size_t sets)
{
	if (sl_zgrow((void **)&sc->rrs, &sc->rrcap, rrs, sizeof(*sc->rrs), 16) != SL_OK ||
	    sl_zgrow((void **)&sc->sets, &sc->setcap, sets, sizeof(*sc->sets), 16) != SL_OK)
		return SL_ENOMEM;
	return SL_OK;
}

/* An overlay name as a pending name (empty RRsets skipped). */
int sl_zi_ov_pn(const tx_name_t *n, scratch_t *sc, pn_t *pn)
{
	unsigned k = 0;

	if (sl_zi_scratch_reserve(sc, 0, n->nsets) != SL_OK)
		return SL_ENOMEM;
	for (unsigned i = 0; i < n->nsets; i++) {
		if (n->sets[i].n == 0)
			continue;
		sc->sets[k++] = (pn_set_t){ n->sets[i].type, n->sets[i].ttl, n->sets[i].n,
					    n->sets[i].rrs };
	}
	pn->key = n->key;
	pn->keylen = n->keylen;
	pn->owner = n->owner;
	pn->nsets = k;
	pn->sets = sc->sets;
	return SL_OK;
}

/* ---- commit: building nodes ----------------------------------------------- */

unsigned sl_zi_packed_sets(const pn_set_t *s)
{
	unsigned n = s->n > 0;

	if (s->type != SL_TYPE_RRSIG)
		return n;
	for (uint32_t k = 1; k < s->n; k++)
		n += rrsig_covered(s->rrs[k].rdata, s->rrs[k].len) !=
		     rrsig_covered(s->rrs[k - 1].rdata, s->rrs[k - 1].len);
	return n;
}

/*
 * Packs a pending name into a new node with its own flags (apex, cut, ENT).
 * A pending RRSIG set is split per covered type (canonical order groups
 * them), each part with the TTL of its first RR (RFC 4034 §3).
 */
sl_zn_t *sl_zi_zn_from_pn(const pn_t *pn, bool apex)
{
	size_t data = 0;
	unsigned nsets = 0;
	sl_zn_t *z;

	for (unsigned i = 0; i < pn->nsets; i++) {
		nsets += sl_zi_packed_sets(&pn->sets[i]);
		for (uint32_t k = 0; k < pn->sets[i].n; k++)
			data += 2 + (size_t)pn->sets[i].rrs[k].len;
	}
	/* The types-per-name check counts the same way and runs first. */
	if (nsets > UINT16_MAX)
		return NULL;
	z = sl_zn_alloc(pn->key, pn->keylen, pn->owner, sl_name_len(pn->owner), nsets, data);
	if (!z)
		return NULL;
	sl_rrset_t *sets = sl_zn_sets(z);
	uint8_t *d = sl_zn_data(z);
	unsigned out = 0;

	for (unsigned i = 0; i < pn->nsets; i++) {
		const pn_set_t *s = &pn->sets[i];

		for (uint32_t k = 0; k < s->n;) {
			uint8_t *start = d;
			uint32_t first = k;
			bool sig = s->type == SL_TYPE_RRSIG;
			uint16_t cov = rrsig_covered(s->rrs[k].rdata, s->rrs[k].len);

			do {
				d[0] = (uint8_t)(s->rrs[k].len >> 8);
				d[1] = (uint8_t)s->rrs[k].len;
				memcpy(d + 2, s->rrs[k].rdata, s->rrs[k].len);
				d += 2 + s->rrs[k].len;
				k++;
			} while (k < s->n &&
				 (!sig || rrsig_covered(s->rrs[k].rdata, s->rrs[k].len) == cov));
			sets[out++] = (sl_rrset_t){ .type = s->type,
						    .count = (uint16_t)(k - first),
						    .ttl = sig ? s->rrs[first].ttl : s->ttl,
						    .data = start,
						    .data_len = (uint32_t)(d - start) };
		}
	}
	if (apex)
		z->pub.flags = SL_NODE_APEX;
	else if (sl_zi_pn_set(pn, SL_TYPE_NS))
		z->pub.flags = SL_NODE_DELEG;
	if (!apex && pn->nsets == 0)
		z->pub.flags |= SL_NODE_ENT;
	return z;
}

/* An empty non-terminal for the ancestor of @p owner whose key is key[0..klen). */
sl_zn_t *sl_zi_zn_ent(const uint8_t *key, size_t klen, const uint8_t *fullkey, size_t fullklen,
		      const uint8_t *owner)
{
	unsigned drop = sl_zkey_labels(fullkey, fullklen) - sl_zkey_labels(key, klen);
	pn_t pn = { .key = key, .keylen = klen, .owner = owner };

	while (drop--)
		pn.owner += *pn.owner + 1;
	return sl_zi_zn_from_pn(&pn, klen == 0);
}

/* Flags a child inherits from a parent with flags @p pf (and a DNAME or not). */
uint16_t sl_zi_inherited(uint16_t pf, bool pdname)
{
	uint16_t f = 0;

	if (pf & (SL_NODE_DELEG | SL_NODE_NONAUTH))
		f |= SL_NODE_NONAUTH;
	if (pdname || (pf & SL_NODE_DNAME_BELOW))
		f |= SL_NODE_DNAME_BELOW;
	return f;
}

int sl_zi_znvec_push(znvec_t *a, sl_zn_t *z)
{
	if (sl_zgrow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v), 64) != SL_OK)
		return SL_ENOMEM;
	a->v[a->n++] = z;
	return SL_OK;
}

/* ---- commit: the NSEC3 index ---------------------------------------------- */

int sl_zi_nsec3_index(sl_zn_t *const *zns, size_t n, sl_bt_t **out)
{
	znvec_t v = { 0 };
	int rc = SL_OK;

	*out = NULL;
	for (size_t i = 0; i < n && rc == SL_OK; i++) {
		sl_zn_t *r;

		if (!sl_zi_nsec3_owner(zns[i]))
			continue;
		r = sl_zi_ref_new(zns[i]->key, zns[i]->keylen, zns[i]->pub.owner, 1);
		if (!r || sl_zi_znvec_push(&v, r) != SL_OK) {
			sl_zn_unref(r);
			rc = SL_ENOMEM;
		}
	}
	if (rc == SL_OK && v.n)
		rc = sl_bt_build(v.v, v.n, sl_zi_gen_next(), out);
	else
		for (size_t i = 0; i < v.n; i++)
			sl_zn_unref(v.v[i]);
	free(v.v);
	return rc;
}

/* ---- commit: the NS target index ----------------------------------------- */

/* The count lives in the otherwise unused RRset pointer (ref_count()). */
sl_zn_t *sl_zi_ref_new(const uint8_t *key, size_t klen, const uint8_t *owner, uint32_t count)
{
	sl_zn_t *z = sl_zn_alloc(key, klen, owner, sl_name_len(owner), 0, 0);

	if (z) {
		z->pub.rrsets = (const sl_rrset_t *)(uintptr_t)count;
		z->fresh = 0;
	}
	return z;
}

static int tref_cmp(const void *a, const void *b)
{
	const tref_t *x = a, *y = b;

	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	return sl_zkey_cmp(x->key, x->klen, y->key, y->klen);
}

/* Records the in-zone targets of NS RRset @p ns. */
static int tref_collect(sl_zone_txn_t *t, const pn_set_t *ns, trefvec_t *tv)
{
	for (uint32_t i = 0; ns && i < ns->n; i++) {
		uint8_t key[SL_ZKEY_MAX];
		size_t klen, olen;
		const uint8_t *rd = ns->rrs[i].rdata;

		if (!zone_key(rd, t->zone->apex, t->zone->apex_labels, key, &klen))
			continue;
		olen = sl_name_len(rd);
		uint8_t *mem = sl_zi_alloc(t, klen + olen);

		if (!mem ||
		    sl_zgrow((void **)&tv->v, &tv->cap, tv->n + 1, sizeof(*tv->v), 16) != SL_OK)
			return SL_ENOMEM;
		memcpy(mem, key, klen);
		memcpy(mem + klen, rd, olen);
		tv->v[tv->n++] = (tref_t){ sl_zkey_prefix(key, klen), mem, mem + klen, klen };
	}
	return SL_OK;
}

/* Builds the index of a full build. */
static int tref_build(trefvec_t *tv, uint64_t gen, sl_bt_t **root)
{
	znvec_t refs = { 0 };
	int rc = SL_OK;

	*root = NULL;
	if (tv->n)
		qsort(tv->v, tv->n, sizeof(tv->v[0]), tref_cmp);
	for (size_t i = 0; i < tv->n && rc == SL_OK;) {
		size_t j = i + 1;

		while (j < tv->n && tref_cmp(&tv->v[i], &tv->v[j]) == 0)
			j++;
		const tref_t *r = &tv->v[i];
		sl_zn_t *z = sl_zi_ref_new(r->key, r->klen, r->owner, (uint32_t)(j - i));

		if (!z || sl_zi_znvec_push(&refs, z) != SL_OK) {
			sl_zn_unref(z);
			rc = SL_ENOMEM;
		}
		i = j;
	}
	if (rc == SL_OK) {
		/* Consumes the nodes, also on failure. */
		rc = sl_bt_build(refs.v, refs.n, gen, root);
	} else {
		for (size_t i = 0; i < refs.n; i++)
			sl_zn_unref(refs.v[i]);
	}
	free(refs.v);
	return rc;
}

/* ---- commit: full build --------------------------------------------------- */

static int nsw_push(nswvec_t *a, size_t idx, const pn_t *pn)
{
	if (sl_zgrow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v), 16) != SL_OK)
		return SL_ENOMEM;
	a->v[a->n++] = (nsw_t){ idx, sl_zi_set_where(sl_zi_pn_set(pn, SL_TYPE_NS)) };
	return SL_OK;
}

static int nsw_cmp(const void *a, const void *b)
{
	const nsw_t *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct anc {
	size_t keylen;
	size_t idx;           /* in the output array */
} anc_t;

typedef struct glue_item {
	size_t idx;
	where_t where;
} glue_item_t;

/*
 * Finishes a full build from every name's node in canonical order (fb->zns,
 * consumed; entries may be NULL only when checks already failed): one
 * ordered pass inserts the empty non-terminals (each right before its first
 * descendant) and computes every flag from a stack of ancestors; then the
 * tree is built bottom-up and the glue checked.
 */
static int full_finish(sl_zone_txn_t *t, cctx_t *c, full_t *fb, sl_zone_version_t **out)
{
	sl_zn_t **zns = fb->zns;
	size_t n = fb->n;
	nswvec_t *nsw = &fb->nsw;
	uint64_t total = fb->total;
	sl_bt_t *nsref = NULL, *nsec3 = NULL;
	size_t nall = 0;
	znvec_t o = { 0 };
	glue_item_t *glue = NULL;
	size_t nglue = 0, capglue = 0, w = 0;
	znvec_t below = { 0 }; /* nodes with data below a DNAME (RFC 6672 §2.4) */
	anc_t st[SL_NAME_MAXLABELS + 2];
	unsigned depth = 0;
	sl_bt_t *root = NULL;
	int rc = SL_OK;

	*out = NULL;
	fb->zns = NULL;
	if (!c->nerr && (n == 0 || zns[0]->keylen != 0))
		sl_zi_cerr(c, NOWHERE, t->zone->apex, 0, "no SOA record at the zone apex");
	sl_zi_check_total(c, t->zone->apex, total);
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto fail;
	}
	if (nsw->n)
		qsort(nsw->v, nsw->n, sizeof(nsw->v[0]), nsw_cmp);
	if (sl_zgrow((void **)&o.v, &o.cap, n + n / 16 + 16, sizeof(*o.v), 16) != SL_OK) {
		rc = SL_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		sl_zn_t *z = zns[i];

		zns[i] = NULL;
		/* Pop what is not an ancestor (the apex always is). */
		while (depth > 1) {
			const anc_t *a = &st[depth - 1];

			if (a->keylen < z->keylen &&
			    memcmp(z->key, o.v[a->idx]->key, a->keylen) == 0)
				break;
			depth--;
		}
		/* Missing ancestors, shallowest first, then the name itself. */
		for (size_t p = depth ? st[depth - 1].keylen + 1 : 0; p <= z->keylen; p++) {
			sl_zn_t *y;

			if (p < z->keylen && z->key[p - 1] != 0)
				continue;
			if (p < z->keylen) {
				y = sl_zi_zn_ent(z->key, p, z->key, z->keylen, z->pub.owner);
				if (!y) {
					sl_zn_unref(z);
					rc = SL_ENOMEM;
					goto fail;
				}
			} else {
				y = z;
			}
			if (sl_zi_znvec_push(&o, y) != SL_OK) {
				if (y != z)
					sl_zn_unref(y);
				sl_zn_unref(z);
				rc = SL_ENOMEM;
				goto fail;
			}
			y->fresh = 0;
			if (depth) {
				sl_zn_t *parent = o.v[st[depth - 1].idx];

				y->pub.flags |= sl_zi_inherited(
				    parent->pub.flags, node_has(&parent->pub, SL_TYPE_DNAME));
				if (is_wild_key(y->key, y->keylen))
					parent->pub.flags |= SL_NODE_WILDCARD;
			}
			if (y == z && sl_zi_below_dname(y) &&
			    sl_zi_znvec_push(&below, y) != SL_OK) {
				rc = SL_ENOMEM;
				goto fail;
			}
			if (depth < sizeof(st) / sizeof(st[0]))
				st[depth++] = (anc_t){ p, o.n - 1 };
		}
		if (sl_zi_active_ns(z)) {
			while (w < nsw->n && nsw->v[w].idx < i)
				w++;
			if (sl_zgrow((void **)&glue, &capglue, nglue + 1, sizeof(*glue), 16) !=
			    SL_OK) {
				rc = SL_ENOMEM;
				goto fail;
			}
			glue[nglue++] = (glue_item_t){ o.n - 1, (w < nsw->n && nsw->v[w].idx == i)
									? nsw->v[w].where
									: NOWHERE };
		}
	}
	free(zns);
	zns = NULL;
	nall = o.n;
	rc = sl_bt_build(o.v, o.n, sl_zi_gen_next(), &root);
	o.n = 0;   /* consumed, pointers still valid while the tree lives */
	if (rc != SL_OK)
		goto fail;
	{
		const sl_zn_t *apex = sl_bt_find(root, (const uint8_t *)"", 0);

		for (size_t i = 0; i < nglue; i++)
			sl_zi_check_glue(c, root, apex, t->zone->apex_labels, o.v[glue[i].idx],
					 glue[i].where);
		for (size_t i = 0; i < below.n; i++)
			sl_zi_check_below_dname(c, root, below.v[i], NOWHERE);
	}
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto fail;
	}
	if ((rc = tref_build(&fb->tv, sl_zi_gen_next(), &nsref)) != SL_OK ||
	    (rc = sl_zi_nsec3_index(o.v, nall, &nsec3)) != SL_OK)
		goto fail;
	*out = sl_zi_version_new(root, nsref, t->zone->apex_labels, total);
	if (!*out) {
		rc = SL_ENOMEM;
		goto fail;
	}
	(*out)->nsec3 = nsec3;
	free(o.v);
	free(glue);
	free(below.v);
	return SL_OK;
fail:
	sl_bt_unref(nsref);
	sl_bt_unref(nsec3);
	if (zns) {
		for (size_t i = 0; i < n; i++)
			sl_zn_unref(zns[i]);
		free(zns);
	}
	for (size_t i = 0; i < o.n; i++)
		sl_zn_unref(o.v[i]);
	free(o.v);
	free(glue);
	free(below.v);
	sl_bt_unref(root);
	return rc;
}

int sl_zi_full_begin(full_t *fb, size_t names)
{
	*fb = (full_t){ .zns = sl_zcalloc(names ? names : 1, sizeof(*fb->zns)) };
	return fb->zns ? SL_OK : SL_ENOMEM;
}

int sl_zi_full_name(sl_zone_txn_t *t, cctx_t *c, full_t *fb, const pn_t *pn, size_t idx)
{
	bool apex = pn->keylen == 0;

	if (idx >= fb->n)
		fb->n = idx + 1;
	sl_zi_check_name(c, pn, apex);
	fb->total += sl_zi_pn_rrs(pn);
	if (c->nerr)
		return SL_OK;   /* keep checking, build nothing more */
	sl_zn_t *z = sl_zi_zn_from_pn(pn, apex);

	if (!z)
		return SL_ENOMEM;
	fb->zns[idx] = z;
	if (sl_zi_pn_set(pn, SL_TYPE_NS)) {
		int rc = nsw_push(&fb->nsw, idx, pn);

		return rc != SL_OK ? rc : tref_collect(t, sl_zi_pn_set(pn, SL_TYPE_NS), &fb->tv);
	}
	return SL_OK;
}

int sl_zi_full_end(sl_zone_txn_t *t, cctx_t *c, full_t *fb, int rc, sl_zone_version_t **out)
{
	if (rc == SL_OK) {
		rc = full_finish(t, c, fb, out);
	} else if (fb->zns) {
		for (size_t i = 0; i < fb->n; i++)
			sl_zn_unref(fb->zns[i]);
		free(fb->zns);
	}
	free(fb->nsw.v);
	free(fb->tv.v);
	return rc;
}

/* Full build from overlay names in canonical order (no base version). */
static int ov_build(sl_zone_txn_t *t, tx_name_t **names, size_t nn, cctx_t *c,
		    sl_zone_version_t **out)
{
	scratch_t sc = { 0 };
	full_t fb;
	size_t n = 0;
	int rc = sl_zi_full_begin(&fb, nn);
	pn_t pn;

	for (size_t i = 0; i < nn && rc == SL_OK; i++) {
		rc = sl_zi_ov_pn(names[i], &sc, &pn);
		if (rc == SL_OK && pn.nsets)
			rc = sl_zi_full_name(t, c, &fb, &pn, n++);
	}
	sl_zi_scratch_free(&sc);
	return sl_zi_full_end(t, c, &fb, rc, out);
}

/* ---- commit --------------------------------------------------------------- */

static int tn_cmp(const void *a, const void *b)
{
	const tx_name_t *x = *(tx_name_t *const *)a, *y = *(tx_name_t *const *)b;

	return sl_zkey_cmp(x->key, x->keylen, y->key, y->keylen);
}

/* Collects the modified overlay names in canonical order. */
int sl_zi_sorted_names(sl_zone_txn_t *t, tx_name_t ***out, size_t *n)
{
	size_t k = 0;
	tx_name_t **v = sl_zmalloc((t->hcount ? t->hcount : 1) * sizeof(*v));

	if (!v)
		return SL_ENOMEM;
	for (size_t i = 0; i < t->hcap; i++) {
		for (tx_name_t *x = t->htab[i]; x; x = x->hnext) {
			if (x->modified)
				v[k++] = x;
		}
	}
	qsort(v, k, sizeof(*v), tn_cmp);
	*out = v;
	*n = k;
	return SL_OK;
}

/*
 * Hands the checked version *@p v to the zone's journal before anyone can
 * see it (we hold the writer lock, so "current" is the version it replaces).
 * A refusal drops the version: nothing was published, the zone keeps serving.
 * SL_EEXIST (the journal already holds this serial or a newer one) passes
 * through, so that a loader can tell a stale file from a failure.
 */
static int journal_write(sl_zone_txn_t *txn, cctx_t *c, sl_zone_version_t **v)
{
	sl_zone_t *zone = txn->zone;
	const sl_zone_version_t *from = atomic_load_explicit(&zone->current, memory_order_acquire);
	sl_error_t why;
	int rc;

	sl_error_clear(&why);
	rc = zone->journal.write(zone->journal.arg, zone, from, *v, &why);
	if (rc == SL_OK)
		return SL_OK;
	sl_zi_cerr(c, NOWHERE, zone->apex, 0, "journal: %s", why.msg[0] ? why.msg : sl_strerror(rc));
	sl_zi_version_retire(*v);
	*v = NULL;
	return rc == SL_EEXIST ? SL_EEXIST : SL_EIO;
}

int sl_zone_txn_commit_report(sl_zone_txn_t *txn, const sl_zone_limits_t *limits,
			      sl_error_f report, void *arg)
{
	sl_zone_limits_t deflim;
	cctx_t c = { .report = report, .arg = arg };
	sl_zone_version_t *v = NULL;
	tx_name_t **names = NULL;
	size_t nn = 0;
	int rc;

	if (!txn)
		return SL_EINVAL;
	if (!limits) {
		sl_zone_limits_default(&deflim);
		limits = &deflim;
	}
	c.lim = limits;
	if (txn->bulk) {
		rc = sl_zi_log_build(txn, &c, &v);
	} else if ((rc = sl_zi_sorted_names(txn, &names, &nn)) == SL_OK) {
		if (!txn->base || !txn->base->root) {
			rc = ov_build(txn, names, nn, &c, &v);
		} else if (nn == 0) {
			rc = SL_OK;   /* nothing changed: keep the current version */
		} else {
			rc = sl_zi_build_inc(txn, names, nn, &c, &v);
		}
		free(names);
	}
	if (rc == SL_OK && v != NULL && txn->zone->signer.sign != NULL)
		rc = sl_zi_sign(txn, &c, &v);
	if (rc == SL_OK && v != NULL && txn->zone->journal.write != NULL)
		rc = journal_write(txn, &c, &v);
	if (rc == SL_OK) {
		/* Release: readers that load the pointer see the whole version. */
		sl_zone_version_t *old = v ? atomic_exchange_explicit(&txn->zone->current, v,
								      memory_order_acq_rel)
					   : NULL;

		if (old)
			sl_zi_version_retire(old);
		if (v)
			sl_zi_count_published(txn->zone, v);
	} else if (rc == SL_ENOMEM) {
		if (c.nerr == 0)
			sl_zi_cerr(&c, NOWHERE, txn->zone->apex, 0, "out of memory");
	} else if (rc != SL_ECONFIG && rc != SL_EIO && rc != SL_EEXIST) {
		rc = SL_ECONFIG;
	}
	sl_zi_txn_free(txn);
	sl_qsbr_reclaim();
	return rc;
}

/* sl_zone_txn_commit()'s buffer: whole lines, "\n" between them, what does not fit left out. */
struct errbuf {
	char *buf;
	size_t len, used;
	bool full;
};

static void errbuf_add(void *arg, const sl_error_t *e)
{
	struct errbuf *b = arg;
	char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
	size_t len = sl_error_format(e, line, sizeof(line));
	size_t sep = b->used ? 1 : 0;

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	if (b->full || b->used + sep + len + 1 > b->len) {
		b->full = true;
		return;
	}
	if (sep)
		b->buf[b->used++] = '\n';
	memcpy(b->buf + b->used, line, len);
	b->used += len;
	b->buf[b->used] = '\0';
}

int sl_zone_txn_commit(sl_zone_txn_t *txn, const sl_zone_limits_t *limits, char *err,
		       size_t errlen)
{
	struct errbuf b = { .buf = err, .len = errlen };
	if (err && errlen)
		err[0] = '\0';
	return sl_zone_txn_commit_report(txn, limits, err && errlen ? errbuf_add : NULL, &b);
}
