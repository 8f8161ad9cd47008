/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Zone store internals: name nodes, keys, and the persistent B+tree (see
 * zone_tree.h for the representation).
 *
 * Tree invariants: every leaf is at the same depth; keys in a leaf are
 * strictly increasing; in an internal node, separator k (k >= 1) is a lower
 * bound of every key under child k and greater than every key under child
 * k - 1 (separators may be stale after deletions: they hold a reference to
 * the name node, so a stale one stays valid). Separator 0 is unused (NULL).
 * A node is private to the commit whose generation it carries (its only
 * reference is its parent in the tree being built) and is then modified in
 * place; any other node is copied before a change (path copying).
 */
#include <stdlib.h>
#include <string.h>

#include "zone_tree.h"

#define B SL_BT_ORDER
/* A non-root node with fewer entries than this is merged or refilled. */
#define BT_MIN (B / 4)

struct sl_bt {
	_Atomic uint32_t refs;
	uint16_t n;
	uint8_t leaf;
	uint64_t gen;
	uint64_t pfx[B];
	sl_zn_t *zn[B];     /* leaf: entries; internal: separators (zn[0] NULL) */
	sl_bt_t *child[];   /* internal nodes only */
};

/* ---- keys ---------------------------------------------------------------- */

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

size_t sl_zkey_make(const uint8_t *name, unsigned apex_labels, uint8_t key[SL_ZKEY_MAX])
{
	uint8_t off[SL_NAME_MAXLABELS + 1];
	unsigned n = 0;
	size_t p = 0;
	size_t o = 0;

	while (name[p] && n < SL_NAME_MAXLABELS + 1) {
		off[n++] = (uint8_t)p;
		p += name[p] + 1u;
	}
	if (apex_labels > n)
		return 0;
	/* From the label just below the apex towards the owner's first label. */
	for (unsigned i = n - apex_labels; i-- > 0;) {
		const uint8_t *l = name + off[i];

		for (unsigned k = 1; k <= l[0]; k++) {
			uint8_t c = lower(l[k]);

			if (c <= 1) {
				key[o++] = 1;
				key[o++] = (uint8_t)(c + 1);
			} else {
				key[o++] = c;
			}
		}
		key[o++] = 0;
	}
	return o;
}

int sl_zkey_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t m = alen < blen ? alen : blen;
	int d = m ? memcmp(a, b, m) : 0;

	if (d)
		return d;
	return alen < blen ? -1 : alen > blen;
}

uint64_t sl_zkey_prefix(const uint8_t *key, size_t len)
{
	uint64_t p = 0;

	for (size_t i = 0; i < 8; i++)
		p = (p << 8) | (i < len ? key[i] : 0);
	return p;
}

unsigned sl_zkey_labels(const uint8_t *key, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += key[i] == 0;
	return n;
}

size_t sl_zkey_parent(const uint8_t *key, size_t len)
{
	if (len == 0)
		return 0;
	/* key[len - 1] is the last separator; find the one before it. */
	for (size_t i = len - 1; i-- > 0;) {
		if (key[i] == 0)
			return i + 1;
	}
	return 0;
}

bool sl_zkey_under(const uint8_t *key, size_t len, const uint8_t *anc, size_t anclen)
{
	/* Every non-empty key ends with a separator, so a prefix is an ancestor. */
	return len >= anclen && (anclen == 0 || memcmp(key, anc, anclen) == 0);
}

/* ---- name nodes ---------------------------------------------------------- */

static size_t zn_sets_off(size_t keylen, size_t ownerlen)
{
	size_t o = sizeof(sl_zn_t) + keylen + ownerlen;

	return (o + 7) & ~(size_t)7;
}

sl_zn_t *sl_zn_alloc(const uint8_t *key, size_t keylen, const uint8_t *owner, size_t ownerlen,
		     unsigned nsets, size_t datalen)
{
	size_t so = zn_sets_off(keylen, ownerlen);
	sl_zn_t *zn;

	if (keylen > SL_ZKEY_MAX || ownerlen > SL_NAME_MAXLEN || nsets > UINT16_MAX)
		return NULL;
	zn = malloc(so + nsets * sizeof(sl_rrset_t) + datalen);
	if (!zn)
		return NULL;
	memcpy(zn->key, key, keylen);
	memcpy(zn->key + keylen, owner, ownerlen);
	zn->pub.owner = zn->key + keylen;
	zn->pub.rrsets = nsets ? (const sl_rrset_t *)(const void *)((uint8_t *)zn + so) : NULL;
	zn->pub.nrrsets = (uint16_t)nsets;
	zn->pub.flags = 0;
	atomic_init(&zn->refs, 1);
	zn->keylen = (uint16_t)keylen;
	zn->ownerlen = (uint8_t)ownerlen;
	zn->fresh = 1;
	return zn;
}

sl_rrset_t *sl_zn_sets(sl_zn_t *zn)
{
	return (sl_rrset_t *)(uintptr_t)zn->pub.rrsets;
}

uint8_t *sl_zn_data(sl_zn_t *zn)
{
	return (uint8_t *)zn + zn_sets_off(zn->keylen, zn->ownerlen) +
	       zn->pub.nrrsets * sizeof(sl_rrset_t);
}

static size_t zn_datalen(const sl_zn_t *zn)
{
	size_t d = 0;

	for (unsigned i = 0; i < zn->pub.nrrsets; i++)
		d += zn->pub.rrsets[i].data_len;
	return d;
}

size_t sl_zn_size(const sl_zn_t *zn)
{
	return zn_sets_off(zn->keylen, zn->ownerlen) + zn->pub.nrrsets * sizeof(sl_rrset_t) +
	       zn_datalen(zn);
}

sl_zn_t *sl_zn_clone(const sl_zn_t *zn)
{
	size_t size = sl_zn_size(zn);
	sl_zn_t *c = malloc(size);

	if (!c)
		return NULL;
	memcpy(c, zn, size);
	atomic_init(&c->refs, 1);
	c->fresh = 1;
	c->pub.owner = c->key + c->keylen;
	if (zn->pub.nrrsets) {
		ptrdiff_t delta = (const uint8_t *)c - (const uint8_t *)zn;
		sl_rrset_t *sets = (sl_rrset_t *)(void *)((uint8_t *)c +
							 zn_sets_off(c->keylen, c->ownerlen));

		c->pub.rrsets = sets;
		for (unsigned i = 0; i < c->pub.nrrsets; i++)
			sets[i].data = (const uint8_t *)((uintptr_t)sets[i].data + (uintptr_t)delta);
	}
	return c;
}

void sl_zn_ref(sl_zn_t *zn)
{
	atomic_fetch_add_explicit(&zn->refs, 1, memory_order_relaxed);
}

void sl_zn_unref(sl_zn_t *zn)
{
	if (zn && atomic_fetch_sub_explicit(&zn->refs, 1, memory_order_acq_rel) == 1)
		free(zn);
}

/* ---- tree nodes ---------------------------------------------------------- */

static sl_bt_t *bt_alloc(bool leaf, uint64_t gen)
{
	size_t size = sizeof(sl_bt_t) + (leaf ? 0 : B * sizeof(sl_bt_t *));
	sl_bt_t *b = malloc(size);

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->n = 0;
	b->leaf = leaf;
	b->gen = gen;
	return b;
}

void sl_bt_ref(sl_bt_t *root)
{
	if (root)
		atomic_fetch_add_explicit(&root->refs, 1, memory_order_relaxed);
}

void sl_bt_unref(sl_bt_t *b)
{
	if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (b->leaf) {
		for (unsigned i = 0; i < b->n; i++)
			sl_zn_unref(b->zn[i]);
	} else {
		for (unsigned i = 0; i < b->n; i++) {
			sl_zn_unref(b->zn[i]);
			sl_bt_unref(b->child[i]);
		}
	}
	free(b);
}

/* Compares a search key with entry/separator @p z whose prefix is @p p. */
static inline int ent_cmp(uint64_t kp, const uint8_t *k, size_t kl, uint64_t p, const sl_zn_t *z)
{
	if (kp != p)
		return kp < p ? -1 : 1;
	return sl_zkey_cmp(k, kl, z->key, z->keylen);
}

/* First leaf position whose key is >= the search key. */
static unsigned leaf_lb(const sl_bt_t *b, uint64_t kp, const uint8_t *k, size_t kl)
{
	unsigned lo = 0, hi = b->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (ent_cmp(kp, k, kl, b->pfx[mid], b->zn[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Child of an internal node whose range holds the search key. */
static unsigned int_idx(const sl_bt_t *b, uint64_t kp, const uint8_t *k, size_t kl)
{
	unsigned lo = 1, hi = b->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (ent_cmp(kp, k, kl, b->pfx[mid], b->zn[mid]) >= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

static bool leaf_hit(const sl_bt_t *b, unsigned pos, uint64_t kp, const uint8_t *k, size_t kl)
{
	return pos < b->n && ent_cmp(kp, k, kl, b->pfx[pos], b->zn[pos]) == 0;
}

sl_zn_t *sl_bt_find(const sl_bt_t *b, const uint8_t *key, size_t len)
{
	uint64_t kp = sl_zkey_prefix(key, len);

	if (!b)
		return NULL;
	while (!b->leaf)
		b = b->child[int_idx(b, kp, key, len)];
	unsigned pos = leaf_lb(b, kp, key, len);

	return leaf_hit(b, pos, kp, key, len) ? b->zn[pos] : NULL;
}

void sl_bt_search(const sl_bt_t *b, const uint8_t *key, size_t len, sl_zn_t **exact,
		  sl_zn_t **pred)
{
	uint64_t kp = sl_zkey_prefix(key, len);
	const sl_bt_t *left = NULL;

	*exact = NULL;
	*pred = NULL;
	if (!b)
		return;
	while (!b->leaf) {
		unsigned i = int_idx(b, kp, key, len);

		/* The subtree just left of the path holds the fallback predecessor. */
		if (i > 0)
			left = b->child[i - 1];
		b = b->child[i];
	}
	unsigned pos = leaf_lb(b, kp, key, len);

	if (leaf_hit(b, pos, kp, key, len)) {
		*exact = *pred = b->zn[pos];
		return;
	}
	if (pos > 0) {
		*pred = b->zn[pos - 1];
		return;
	}
	if (left) {
		while (!left->leaf)
			left = left->child[left->n - 1];
		*pred = left->zn[left->n - 1];
	}
}

/* ---- building ------------------------------------------------------------ */

int sl_bt_build(sl_zn_t **zns, size_t n, uint64_t gen, sl_bt_t **root)
{
	size_t count = (n + B - 1) / B;
	sl_bt_t **level = NULL;
	sl_zn_t **mins = NULL;
	size_t done = 0;

	*root = NULL;
	if (n == 0)
		return SL_OK;
	level = malloc(count * sizeof(*level));
	mins = malloc(count * sizeof(*mins));
	if (!level || !mins)
		goto fail;
	/* Leaves: spread entries evenly so none is underfull. */
	for (size_t i = 0; i < count; i++) {
		size_t take = n / count + (i < n % count);
		sl_bt_t *b = bt_alloc(true, gen);

		if (!b) {
			for (size_t j = 0; j < i; j++)
				sl_bt_unref(level[j]);
			goto fail;
		}
		for (size_t k = 0; k < take; k++) {
			sl_zn_t *z = zns[done + k];

			b->zn[k] = z;
			b->pfx[k] = sl_zkey_prefix(z->key, z->keylen);
		}
		b->n = (uint16_t)take;
		mins[i] = zns[done];
		done += take;
		level[i] = b;
	}
	/* Internal levels, in place over the previous level's arrays. */
	while (count > 1) {
		size_t up = (count + B - 1) / B;
		size_t used = 0;

		for (size_t i = 0; i < up; i++) {
			size_t take = count / up + (i < count % up);
			sl_bt_t *b = bt_alloc(false, gen);

			if (!b) {
				/* level[0..i) are parents; level[used..count) children. */
				for (size_t j = 0; j < i; j++)
					sl_bt_unref(level[j]);
				for (size_t j = used; j < count; j++)
					sl_bt_unref(level[j]);
				free(level);
				free(mins);
				return SL_ENOMEM;
			}
			for (size_t k = 0; k < take; k++) {
				b->child[k] = level[used + k];
				if (k == 0) {
					b->zn[0] = NULL;
					b->pfx[0] = 0;
				} else {
					b->zn[k] = mins[used + k];
					sl_zn_ref(b->zn[k]);
					b->pfx[k] = sl_zkey_prefix(b->zn[k]->key, b->zn[k]->keylen);
				}
			}
			b->n = (uint16_t)take;
			sl_zn_t *min = mins[used];

			used += take;
			/* i <= used - take: never overwrites an unread child. */
			level[i] = b;
			mins[i] = min;
		}
		count = up;
	}
	*root = level[0];
	free(level);
	free(mins);
	return SL_OK;
fail:
	for (size_t k = done; k < n; k++)
		sl_zn_unref(zns[k]);
	free(level);
	free(mins);
	return SL_ENOMEM;
}

/* ---- path copying -------------------------------------------------------- */

/* Makes *slot private to generation @p gen, copying it when shared. */
static int bt_own(sl_bt_t **slot, uint64_t gen)
{
	sl_bt_t *o = *slot;
	sl_bt_t *c;

	if (o->gen == gen)
		return SL_OK;
	c = bt_alloc(o->leaf, gen);
	if (!c)
		return SL_ENOMEM;
	c->n = o->n;
	memcpy(c->pfx, o->pfx, o->n * sizeof(o->pfx[0]));
	memcpy(c->zn, o->zn, o->n * sizeof(o->zn[0]));
	for (unsigned i = 0; i < o->n; i++) {
		if (c->zn[i])
			sl_zn_ref(c->zn[i]);
	}
	if (!o->leaf) {
		memcpy(c->child, o->child, o->n * sizeof(o->child[0]));
		for (unsigned i = 0; i < o->n; i++)
			sl_bt_ref(c->child[i]);
	}
	*slot = c;
	sl_bt_unref(o);
	return SL_OK;
}

/* A split travelling up: the new right sibling and its separator (referenced). */
typedef struct bt_split {
	sl_bt_t *right;
	sl_zn_t *sep;
	uint64_t pfx;
} bt_split_t;

static void ins_at(sl_bt_t *b, unsigned pos, uint64_t pfx, sl_zn_t *zn, sl_bt_t *child)
{
	memmove(b->pfx + pos + 1, b->pfx + pos, (b->n - pos) * sizeof(b->pfx[0]));
	memmove(b->zn + pos + 1, b->zn + pos, (b->n - pos) * sizeof(b->zn[0]));
	if (!b->leaf)
		memmove(b->child + pos + 1, b->child + pos, (b->n - pos) * sizeof(b->child[0]));
	b->pfx[pos] = pfx;
	b->zn[pos] = zn;
	if (!b->leaf)
		b->child[pos] = child;
	b->n++;
}

static void del_at(sl_bt_t *b, unsigned pos)
{
	unsigned rest = b->n - pos - 1;

	memmove(b->pfx + pos, b->pfx + pos + 1, rest * sizeof(b->pfx[0]));
	memmove(b->zn + pos, b->zn + pos + 1, rest * sizeof(b->zn[0]));
	if (!b->leaf)
		memmove(b->child + pos, b->child + pos + 1, rest * sizeof(b->child[0]));
	b->n--;
}

/*
 * Splits full node @p b while inserting an entry at @p pos; @p r is the
 * freshly allocated right sibling. For internal nodes the first right
 * separator moves up (its reference with it).
 */
static void split_ins(sl_bt_t *b, sl_bt_t *r, unsigned pos, uint64_t pfx, sl_zn_t *zn,
		      sl_bt_t *child, bt_split_t *sp)
{
	unsigned h = (B + 1) / 2;

	if (pos < h) {
		/* The new entry lands left: move B - h + 1 entries, then insert. */
		unsigned mv = B - (h - 1);

		memcpy(r->pfx, b->pfx + (h - 1), mv * sizeof(r->pfx[0]));
		memcpy(r->zn, b->zn + (h - 1), mv * sizeof(r->zn[0]));
		if (!b->leaf)
			memcpy(r->child, b->child + (h - 1), mv * sizeof(r->child[0]));
		r->n = (uint16_t)mv;
		b->n = (uint16_t)(h - 1);
		ins_at(b, pos, pfx, zn, child);
	} else {
		unsigned mv = B - h;

		memcpy(r->pfx, b->pfx + h, mv * sizeof(r->pfx[0]));
		memcpy(r->zn, b->zn + h, mv * sizeof(r->zn[0]));
		if (!b->leaf)
			memcpy(r->child, b->child + h, mv * sizeof(r->child[0]));
		r->n = (uint16_t)mv;
		b->n = (uint16_t)h;
		ins_at(r, pos - h, pfx, zn, child);
	}
	sp->right = r;
	sp->sep = r->zn[0];
	sp->pfx = r->pfx[0];
	if (r->leaf) {
		sl_zn_ref(sp->sep);
	} else {
		r->zn[0] = NULL;
		r->pfx[0] = 0;
	}
}

static int bt_put_rec(sl_bt_t **slot, uint64_t gen, sl_zn_t *zn, uint64_t kp, bt_split_t *sp)
{
	int rc = bt_own(slot, gen);
	sl_bt_t *b = *slot;

	sp->right = NULL;
	if (rc != SL_OK)
		return rc;
	if (b->leaf) {
		unsigned pos = leaf_lb(b, kp, zn->key, zn->keylen);

		if (leaf_hit(b, pos, kp, zn->key, zn->keylen)) {
			sl_zn_ref(zn);
			sl_zn_unref(b->zn[pos]);
			b->zn[pos] = zn;
			return SL_OK;
		}
		if (b->n < B) {
			sl_zn_ref(zn);
			ins_at(b, pos, kp, zn, NULL);
			return SL_OK;
		}
		sl_bt_t *r = bt_alloc(true, gen);

		if (!r)
			return SL_ENOMEM;
		sl_zn_ref(zn);
		split_ins(b, r, pos, kp, zn, NULL, sp);
		return SL_OK;
	}
	unsigned i = int_idx(b, kp, zn->key, zn->keylen);
	bt_split_t csp;

	rc = bt_put_rec(&b->child[i], gen, zn, kp, &csp);
	if (rc != SL_OK || !csp.right)
		return rc;
	if (b->n < B) {
		ins_at(b, i + 1, csp.pfx, csp.sep, csp.right);
		return SL_OK;
	}
	sl_bt_t *r = bt_alloc(false, gen);

	if (!r) {
		sl_zn_unref(csp.sep);
		sl_bt_unref(csp.right);
		return SL_ENOMEM;
	}
	split_ins(b, r, i + 1, csp.pfx, csp.sep, csp.right, sp);
	return SL_OK;
}

int sl_bt_put(sl_bt_t **root, uint64_t gen, sl_zn_t *zn)
{
	uint64_t kp = sl_zkey_prefix(zn->key, zn->keylen);
	bt_split_t sp;
	int rc;

	if (!*root) {
		sl_bt_t *b = bt_alloc(true, gen);

		if (!b)
			return SL_ENOMEM;
		sl_zn_ref(zn);
		b->zn[0] = zn;
		b->pfx[0] = kp;
		b->n = 1;
		*root = b;
		return SL_OK;
	}
	rc = bt_put_rec(root, gen, zn, kp, &sp);
	if (rc != SL_OK || !sp.right)
		return rc;
	sl_bt_t *nr = bt_alloc(false, gen);

	if (!nr) {
		sl_zn_unref(sp.sep);
		sl_bt_unref(sp.right);
		return SL_ENOMEM;
	}
	nr->child[0] = *root;
	nr->zn[0] = NULL;
	nr->pfx[0] = 0;
	nr->child[1] = sp.right;
	nr->zn[1] = sp.sep;
	nr->pfx[1] = sp.pfx;
	nr->n = 2;
	*root = nr;
	return SL_OK;
}

/*
 * Refills or merges child @p i of private node @p b, which fell below BT_MIN,
 * with a neighbour. Entries move with their references; for internal
 * children the parent's separator rotates down and a new one up.
 */
static int bt_fix(sl_bt_t *b, unsigned i, uint64_t gen)
{
	unsigned li = i > 0 ? i - 1 : i;
	unsigned ri = li + 1;
	int rc;

	if ((rc = bt_own(&b->child[li], gen)) != SL_OK || (rc = bt_own(&b->child[ri], gen)) != SL_OK)
		return rc;
	sl_bt_t *l = b->child[li];
	sl_bt_t *r = b->child[ri];
	unsigned total = l->n + r->n;
	uint64_t pfx[2 * B];
	sl_zn_t *zn[2 * B];
	sl_bt_t *ch[2 * B];

	/* Concatenate; the parent separator becomes the first right separator. */
	memcpy(pfx, l->pfx, l->n * sizeof(pfx[0]));
	memcpy(zn, l->zn, l->n * sizeof(zn[0]));
	memcpy(pfx + l->n, r->pfx, r->n * sizeof(pfx[0]));
	memcpy(zn + l->n, r->zn, r->n * sizeof(zn[0]));
	if (!l->leaf) {
		memcpy(ch, l->child, l->n * sizeof(ch[0]));
		memcpy(ch + l->n, r->child, r->n * sizeof(ch[0]));
		zn[l->n] = b->zn[ri];
		pfx[l->n] = b->pfx[ri];
	} else {
		sl_zn_unref(b->zn[ri]);
	}
	b->zn[ri] = NULL;

	if (total <= B) {
		memcpy(l->pfx, pfx, total * sizeof(pfx[0]));
		memcpy(l->zn, zn, total * sizeof(zn[0]));
		if (!l->leaf)
			memcpy(l->child, ch, total * sizeof(ch[0]));
		l->n = (uint16_t)total;
		r->n = 0;
		sl_bt_unref(r);
		del_at(b, ri);
		return SL_OK;
	}
	unsigned t = total / 2;

	memcpy(l->pfx, pfx, t * sizeof(pfx[0]));
	memcpy(l->zn, zn, t * sizeof(zn[0]));
	memcpy(r->pfx, pfx + t, (total - t) * sizeof(pfx[0]));
	memcpy(r->zn, zn + t, (total - t) * sizeof(zn[0]));
	if (!l->leaf) {
		memcpy(l->child, ch, t * sizeof(ch[0]));
		memcpy(r->child, ch + t, (total - t) * sizeof(ch[0]));
	}
	l->n = (uint16_t)t;
	r->n = (uint16_t)(total - t);
	b->pfx[ri] = r->pfx[0];
	b->zn[ri] = r->zn[0];
	if (r->leaf) {
		sl_zn_ref(b->zn[ri]);
	} else {
		r->zn[0] = NULL;
		r->pfx[0] = 0;
	}
	return SL_OK;
}

static int bt_del_rec(sl_bt_t **slot, uint64_t gen, uint64_t kp, const uint8_t *key, size_t len)
{
	int rc = bt_own(slot, gen);
	sl_bt_t *b = *slot;

	if (rc != SL_OK)
		return rc;
	if (b->leaf) {
		unsigned pos = leaf_lb(b, kp, key, len);

		if (!leaf_hit(b, pos, kp, key, len))
			return SL_ENOTFOUND;
		sl_zn_unref(b->zn[pos]);
		del_at(b, pos);
		return SL_OK;
	}
	unsigned i = int_idx(b, kp, key, len);

	rc = bt_del_rec(&b->child[i], gen, kp, key, len);
	if (rc != SL_OK)
		return rc;
	if (b->child[i]->n < BT_MIN && b->n >= 2)
		return bt_fix(b, i, gen);
	return SL_OK;
}

int sl_bt_del(sl_bt_t **root, uint64_t gen, const uint8_t *key, size_t len)
{
	int rc;

	/* Check first so a miss copies nothing. */
	if (!sl_bt_find(*root, key, len))
		return SL_ENOTFOUND;
	rc = bt_del_rec(root, gen, sl_zkey_prefix(key, len), key, len);
	if (rc != SL_OK)
		return rc;
	while (!(*root)->leaf && (*root)->n == 1) {
		sl_bt_t *c = (*root)->child[0];

		sl_bt_ref(c);
		sl_bt_unref(*root);
		*root = c;
	}
	if ((*root)->leaf && (*root)->n == 0) {
		sl_bt_unref(*root);
		*root = NULL;
	}
	return SL_OK;
}

/* ---- iteration ----------------------------------------------------------- */

#define IT_NODE(st, d) ((const sl_bt_t *)(st)[2 * (d)])
#define IT_IDX(st, d) ((unsigned)(uintptr_t)(st)[2 * (d) + 1])
#define IT_SET(st, d, node, idx)                                 \
	do {                                                     \
		(st)[2 * (d)] = (node);                          \
		(st)[2 * (d) + 1] = (const void *)(uintptr_t)(idx); \
	} while (0)

void sl_bt_iter_seek(const void **st, unsigned *depth, const sl_bt_t *b, const uint8_t *key,
		     size_t len)
{
	uint64_t kp = key ? sl_zkey_prefix(key, len) : 0;
	unsigned d = 0;

	*depth = 0;
	if (!b)
		return;
	while (!b->leaf && d < SL_BT_MAXH - 1) {
		unsigned i = key ? int_idx(b, kp, key, len) : 0;

		IT_SET(st, d, b, i);
		d++;
		b = b->child[i];
	}
	if (!b->leaf)
		return;
	IT_SET(st, d, b, key ? leaf_lb(b, kp, key, len) : 0);
	*depth = d + 1;
}

sl_zn_t *sl_bt_iter_next(const void **st, unsigned *depth)
{
	for (;;) {
		if (*depth == 0)
			return NULL;
		unsigned d = *depth - 1;
		const sl_bt_t *leaf = IT_NODE(st, d);
		unsigned pos = IT_IDX(st, d);

		if (pos < leaf->n) {
			IT_SET(st, d, leaf, pos + 1);
			return leaf->zn[pos];
		}
		/* Climb to the nearest ancestor with a next child, then go leftmost. */
		for (;;) {
			if (d == 0) {
				*depth = 0;
				return NULL;
			}
			d--;
			const sl_bt_t *p = IT_NODE(st, d);
			unsigned i = IT_IDX(st, d) + 1;

			if (i < p->n) {
				IT_SET(st, d, p, i);
				const sl_bt_t *c = p->child[i];

				while (++d, !c->leaf) {
					IT_SET(st, d, c, 0);
					c = c->child[0];
				}
				IT_SET(st, d, c, 0);
				*depth = d + 1;
				break;
			}
		}
	}
}

void sl_bt_stats(const sl_bt_t *b, size_t *tree_bytes, size_t *node_bytes, size_t *names)
{
	if (!b)
		return;
	*tree_bytes += sizeof(sl_bt_t) + (b->leaf ? 0 : B * sizeof(sl_bt_t *));
	for (unsigned i = 0; i < b->n; i++) {
		if (b->leaf) {
			*node_bytes += sl_zn_size(b->zn[i]);
			(*names)++;
		} else {
			sl_bt_stats(b->child[i], tree_bytes, node_bytes, names);
		}
	}
}
