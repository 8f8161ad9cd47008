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

#include "grow.h"
#include "name_int.h"
#include "zone_tree.h"

#define B SL_BT_ORDER
/* A non-root node with fewer entries than this is merged or refilled. */
#define BT_MIN (B / 4)
/* Octets of a node's common key prefix kept inline (longer ones: read a key). */
#define BT_PRE 24

/*
 * Prefix compression: every key of a leaf (every separator 1..n-1 of an
 * internal node) shares its first `skip` octets; the first BT_PRE of them
 * are inline in pre[], and pfx[i] holds the 8 octets of entry i that follow.
 * A descent compares the search key once with the common prefix, then
 * mostly with pfx[] alone: zones whose names share long suffixes (keys with
 * long common prefixes) still resolve without touching name nodes. skip
 * only has to be a lower bound of the true common prefix, so deletions
 * never need to update it.
 */
struct sl_bt {
	_Atomic uint32_t refs;
	uint16_t n;
	uint8_t leaf;
	uint16_t skip;
	uint64_t gen;
	uint8_t pre[BT_PRE];
	uint64_t pfx[B];
	sl_zn_t *zn[B];     /* leaf: entries; internal: separators (zn[0] NULL) */
	sl_bt_t *child[];   /* internal nodes only */
};

/* ---- allocation ---------------------------------------------------------- */

static _Atomic unsigned long fail_in;
static _Atomic bool fail_sticky, fail_fired;
static _Atomic long live_zn, live_bt;

bool sl_zone_fail_after(unsigned long nth, bool sticky)
{
	bool fired = atomic_exchange(&fail_fired, false);

	atomic_store(&fail_sticky, sticky);
	atomic_store(&fail_in, nth);
	return fired;
}

bool sl_zfail(void)
{
	unsigned long n = atomic_load_explicit(&fail_in, memory_order_relaxed);

	if (n == 0)
		return false;
	if (n > 1) {
		atomic_fetch_sub_explicit(&fail_in, 1, memory_order_relaxed);
		return false;
	}
	if (!atomic_load(&fail_sticky))
		atomic_store(&fail_in, 0);
	atomic_store(&fail_fired, true);
	return true;
}

void *sl_zmalloc(size_t size)
{
	return sl_zfail() ? NULL : malloc(size);
}

void *sl_zcalloc(size_t n, size_t size)
{
	return sl_zfail() ? NULL : calloc(n, size);
}

void *sl_zrealloc(void *p, size_t size)
{
	return sl_zfail() ? NULL : realloc(p, size);
}

int sl_zgrow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return SL_OK;
	ncap = sl_grow_cap(*cap, need, elem, first);
	if (ncap == 0 || !(np = sl_zrealloc(*p, ncap * elem)))
		return SL_ENOMEM;
	*p = np;
	*cap = ncap;
	return SL_OK;
}

void sl_zone_tree_live(long *names, long *nodes)
{
	*names = atomic_load(&live_zn);
	*nodes = atomic_load(&live_bt);
}

/* ---- keys ---------------------------------------------------------------- */

/* Writes the key of the first @p n labels of a name whose label offsets are @p off. */
static size_t key_of(const uint8_t *name, const uint8_t *off, unsigned n, uint8_t *key)
{
	size_t o = 0;

	/* From the label just below the apex towards the owner's first label. */
	for (unsigned i = n; i-- > 0;) {
		const uint8_t *l = name + off[i];

		for (unsigned k = 1; k <= l[0]; k++) {
			uint8_t c = sl_lower_octet(l[k]);

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

size_t sl_zkey_make(const uint8_t *name, unsigned apex_labels, uint8_t key[SL_ZKEY_MAX])
{
	uint8_t off[SL_NAME_MAXLABELS + 1];
	int n = sl_name_label_offsets(name, off);

	if (n < 0 || apex_labels > (unsigned)n)
		return 0;
	return key_of(name, off, (unsigned)n - apex_labels, key);
}

bool sl_zkey_in_zone(const uint8_t *name, const uint8_t *apex, unsigned apex_labels,
		     uint8_t key[SL_ZKEY_MAX], size_t *klen)
{
	uint8_t off[SL_NAME_MAXLABELS + 1];
	int n = sl_name_label_offsets(name, off);

	/* The apex part starts at label n - apex_labels (off[n] is the root label). */
	if (n < 0 || apex_labels > (unsigned)n)
		return false;
	if (!sl_name_equal(name + off[(unsigned)n - apex_labels], apex))
		return false;
	*klen = key_of(name, off, (unsigned)n - apex_labels, key);
	return true;
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

	if (len >= 8) {
		memcpy(&p, key, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		p = __builtin_bswap64(p);
#endif
		return p;
	}
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
	zn = sl_zmalloc(so + nsets * sizeof(sl_rrset_t) + datalen);
	if (!zn)
		return NULL;
	atomic_fetch_add_explicit(&live_zn, 1, memory_order_relaxed);
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
	sl_zn_t *c = sl_zmalloc(size);

	if (!c)
		return NULL;
	atomic_fetch_add_explicit(&live_zn, 1, memory_order_relaxed);
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
			sets[i].data =
				(const uint8_t *)((uintptr_t)sets[i].data + (uintptr_t)delta);
	}
	return c;
}

void sl_zn_ref(sl_zn_t *zn)
{
	atomic_fetch_add_explicit(&zn->refs, 1, memory_order_relaxed);
}

void sl_zn_unref(sl_zn_t *zn)
{
	if (zn && atomic_fetch_sub_explicit(&zn->refs, 1, memory_order_acq_rel) == 1) {
		atomic_fetch_sub_explicit(&live_zn, 1, memory_order_relaxed);
		free(zn);
	}
}

/* ---- tree nodes ---------------------------------------------------------- */

static sl_bt_t *bt_alloc(bool leaf, uint64_t gen)
{
	size_t size = sizeof(sl_bt_t) + (leaf ? 0 : B * sizeof(sl_bt_t *));
	sl_bt_t *b = sl_zmalloc(size);

	if (!b)
		return NULL;
	atomic_fetch_add_explicit(&live_bt, 1, memory_order_relaxed);
	atomic_init(&b->refs, 1);
	b->n = 0;
	b->leaf = leaf;
	b->skip = 0;
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
	atomic_fetch_sub_explicit(&live_bt, 1, memory_order_relaxed);
	free(b);
}

/* First entry whose key matters for the node's common prefix. */
static inline unsigned first_ent(const sl_bt_t *b)
{
	return b->leaf ? 0 : 1;
}

/*
 * Recomputes the common prefix and every pfx[] of @p b from its keys. The
 * entries are sorted, so the common prefix of all is that of the first and
 * the last.
 */
static void reprefix(sl_bt_t *b)
{
	unsigned f = first_ent(b);

	if (b->n <= f) {
		b->skip = 0;
		return;
	}
	const sl_zn_t *lo = b->zn[f], *hi = b->zn[b->n - 1];
	size_t m = lo->keylen < hi->keylen ? lo->keylen : hi->keylen;
	size_t s = 0;

	while (s < m && lo->key[s] == hi->key[s])
		s++;
	b->skip = (uint16_t)s;
	memcpy(b->pre, lo->key, s < BT_PRE ? s : BT_PRE);
	for (unsigned i = f; i < b->n; i++)
		b->pfx[i] = sl_zkey_prefix(b->zn[i]->key + s, b->zn[i]->keylen - s);
}

/* Sets pfx[pos] for a new entry, or recomputes the node when it breaks the prefix. */
static void prefix_new(sl_bt_t *b, unsigned pos)
{
	const sl_zn_t *z = b->zn[pos];
	unsigned f = first_ent(b);

	/* Compare with an older entry: the new one may be first. */
	unsigned other = pos == f ? pos + 1 : f;

	if (b->skip == 0 || (other < b->n && z->keylen >= b->skip &&
			     memcmp(z->key, b->zn[other]->key, b->skip) == 0))
		b->pfx[pos] = sl_zkey_prefix(z->key + b->skip, z->keylen - b->skip);
	else
		reprefix(b);
}

/* memcmp() for the few octets of an inline prefix, without a library call. */
static inline int small_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/*
 * Compares search key @p k with the node's common prefix: <0 when it sorts
 * before every entry, >0 after every entry, 0 when it shares the prefix
 * (then *kp is its 8 octets after it).
 */
static inline int node_prefix(const sl_bt_t *b, const uint8_t *k, size_t kl, uint64_t *kp)
{
	size_t s = b->skip;
	size_t inl = s < BT_PRE ? s : BT_PRE;
	size_t m = kl < inl ? kl : inl;
	int c = small_cmp(k, b->pre, m);

	if (c)
		return c;
	if (kl < inl)
		return -1;
	if (s > inl) {
		const sl_zn_t *ref = b->zn[first_ent(b)];
		size_t m2 = kl < s ? kl : s;

		c = memcmp(k + inl, ref->key + inl, m2 - inl);
		if (c)
			return c;
		if (kl < s)
			return -1;
	}
	*kp = sl_zkey_prefix(k + s, kl - s);
	return 0;
}

/* Compares a search key (sharing the node prefix, 8 octets @p kp) with entry @p i. */
static inline int ent_cmp(const sl_bt_t *b, unsigned i, uint64_t kp, const uint8_t *k, size_t kl)
{
	size_t s = b->skip;

	if (kp != b->pfx[i])
		return kp < b->pfx[i] ? -1 : 1;
	return sl_zkey_cmp(k + s, kl - s, b->zn[i]->key + s, b->zn[i]->keylen - s);
}

/*
 * Number of entries in [from, n) whose 8 octets sort before @p kp. pfx[] is
 * non-decreasing, so this is the lower bound; counting without data-dependent
 * branches beats a binary search whose every step is a coin flip for the
 * branch predictor.
 */
static inline unsigned pfx_rank(const sl_bt_t *b, unsigned from, uint64_t kp)
{
	unsigned cnt = 0;

	for (unsigned i = from; i < b->n; i++)
		cnt += b->pfx[i] < kp;
	return from + cnt;
}

/* First leaf position whose key is >= the search key; *eq when it is equal. */
static unsigned leaf_find(const sl_bt_t *b, const uint8_t *k, size_t kl, bool *eq)
{
	uint64_t kp;
	int r;

	*eq = false;
	if (b->n == 0)
		return 0;
	r = node_prefix(b, k, kl, &kp);
	if (r)
		return r < 0 ? 0 : b->n;
	unsigned pos = pfx_rank(b, 0, kp);

	/* Equal 8 octets: the full keys decide (rare but for the match itself). */
	while (pos < b->n && b->pfx[pos] == kp) {
		int c = ent_cmp(b, pos, kp, k, kl);

		if (c == 0) {
			*eq = true;
			return pos;
		}
		if (c < 0)
			break;
		pos++;
	}
	return pos;
}

/* Child of an internal node whose range holds the search key. */
static unsigned int_find(const sl_bt_t *b, const uint8_t *k, size_t kl)
{
	uint64_t kp;
	int r = node_prefix(b, k, kl, &kp);

	if (r)
		return r < 0 ? 0 : b->n - 1u;
	unsigned pos = pfx_rank(b, 1, kp);

	while (pos < b->n && b->pfx[pos] == kp && ent_cmp(b, pos, kp, k, kl) >= 0)
		pos++;
	return pos - 1;
}

sl_zn_t *sl_bt_find(const sl_bt_t *b, const uint8_t *key, size_t len)
{
	bool eq;

	if (!b)
		return NULL;
	while (!b->leaf)
		b = b->child[int_find(b, key, len)];
	unsigned pos = leaf_find(b, key, len, &eq);

	return eq ? b->zn[pos] : NULL;
}

sl_zn_t *sl_bt_find_near(const sl_bt_t *root, const sl_bt_t *leaf, const uint8_t *key,
			 size_t len)
{
	bool eq;

	/* In the leaf when it is not below the leaf's first key. */
	if (leaf && leaf->n > 0) {
		unsigned pos = leaf_find(leaf, key, len, &eq);

		if (eq)
			return leaf->zn[pos];
		if (pos > 0 && pos < leaf->n)
			return NULL;   /* between two keys of the leaf: absent */
	}
	return sl_bt_find(root, key, len);
}

void sl_bt_search(const sl_bt_t *b, const uint8_t *key, size_t len, sl_zn_t **exact,
		  sl_zn_t **pred, const sl_bt_t **leafp)
{
	const sl_bt_t *left = NULL;
	bool eq;

	*exact = NULL;
	*pred = NULL;
	if (leafp)
		*leafp = NULL;
	if (!b)
		return;
	while (!b->leaf) {
		unsigned i = int_find(b, key, len);

		/* The subtree just left of the path holds the fallback predecessor. */
		if (i > 0)
			left = b->child[i - 1];
		b = b->child[i];
	}
	unsigned pos = leaf_find(b, key, len, &eq);

	if (leafp)
		*leafp = b;
	if (eq) {
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

/*
 * Walks backwards from the greatest node whose key is <= @p key (< when
 * @p strict) and returns the first that @p want accepts, or NULL. A path
 * stack replaces parent pointers; each step back is O(1) amortised.
 */
sl_zn_t *sl_bt_rfind(const sl_bt_t *b, const uint8_t *key, size_t len, bool strict,
		     bool (*want)(const sl_zn_t *zn, void *ctx), void *ctx)
{
	const sl_bt_t *path[SL_BT_MAXH];
	unsigned idx[SL_BT_MAXH];
	unsigned d = 0;
	bool eq;
	long p;

	if (!b)
		return NULL;
	while (!b->leaf && d < SL_BT_MAXH) {
		unsigned i = int_find(b, key, len);

		path[d] = b;
		idx[d++] = i;
		b = b->child[i];
	}
	if (!b->leaf)
		return NULL;
	p = (long)leaf_find(b, key, len, &eq);
	if (!eq || strict)
		p--;
	for (;;) {
		for (; p >= 0; p--) {
			if (want(b->zn[p], ctx))
				return b->zn[p];
		}
		while (d > 0 && idx[d - 1] == 0)
			d--;
		if (d == 0)
			return NULL;
		idx[d - 1]--;
		b = path[d - 1]->child[idx[d - 1]];
		while (!b->leaf && d < SL_BT_MAXH) {
			path[d] = b;
			idx[d++] = b->n - 1u;
			b = b->child[b->n - 1];
		}
		if (!b->leaf)
			return NULL;
		p = (long)b->n - 1;
	}
}

sl_zn_t *sl_bt_last(const sl_bt_t *b)
{
	if (!b)
		return NULL;
	while (!b->leaf)
		b = b->child[b->n - 1];
	return b->n ? b->zn[b->n - 1] : NULL;
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
	level = sl_zmalloc(count * sizeof(*level));
	mins = sl_zmalloc(count * sizeof(*mins));
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
		memcpy(b->zn, zns + done, take * sizeof(*zns));
		b->n = (uint16_t)take;
		reprefix(b);
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
				b->zn[k] = k ? mins[used + k] : NULL;
				if (k)
					sl_zn_ref(b->zn[k]);
			}
			b->n = (uint16_t)take;
			reprefix(b);
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
	c->skip = o->skip;
	memcpy(c->pre, o->pre, sizeof(c->pre));
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
} bt_split_t;

/* Inserts an entry (and for internal nodes its child) at @p pos; n < B. */
static void ins_at(sl_bt_t *b, unsigned pos, sl_zn_t *zn, sl_bt_t *child)
{
	memmove(b->pfx + pos + 1, b->pfx + pos, (b->n - pos) * sizeof(b->pfx[0]));
	memmove(b->zn + pos + 1, b->zn + pos, (b->n - pos) * sizeof(b->zn[0]));
	if (!b->leaf)
		memmove(b->child + pos + 1, b->child + pos, (b->n - pos) * sizeof(b->child[0]));
	b->zn[pos] = zn;
	if (!b->leaf)
		b->child[pos] = child;
	b->n++;
	prefix_new(b, pos);
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
static void split_ins(sl_bt_t *b, sl_bt_t *r, unsigned pos, sl_zn_t *zn, sl_bt_t *child,
		      bt_split_t *sp)
{
	sl_zn_t *zs[B + 1];
	sl_bt_t *cs[B + 1];
	unsigned h = (B + 1) / 2;

	/* Lay the B + 1 entries out in order, then cut. */
	memcpy(zs, b->zn, pos * sizeof(zs[0]));
	zs[pos] = zn;
	memcpy(zs + pos + 1, b->zn + pos, (B - pos) * sizeof(zs[0]));
	if (!b->leaf) {
		memcpy(cs, b->child, pos * sizeof(cs[0]));
		cs[pos] = child;
		memcpy(cs + pos + 1, b->child + pos, (B - pos) * sizeof(cs[0]));
		memcpy(b->child, cs, h * sizeof(cs[0]));
		memcpy(r->child, cs + h, (B + 1 - h) * sizeof(cs[0]));
	}
	memcpy(b->zn, zs, h * sizeof(zs[0]));
	memcpy(r->zn, zs + h, (B + 1 - h) * sizeof(zs[0]));
	b->n = (uint16_t)h;
	r->n = (uint16_t)(B + 1 - h);
	sp->right = r;
	sp->sep = r->zn[0];
	if (r->leaf)
		sl_zn_ref(sp->sep);
	else
		r->zn[0] = NULL;
	reprefix(b);
	reprefix(r);
}

static int bt_put_rec(sl_bt_t **slot, uint64_t gen, sl_zn_t *zn, bt_split_t *sp)
{
	int rc = bt_own(slot, gen);
	sl_bt_t *b = *slot;

	sp->right = NULL;
	if (rc != SL_OK)
		return rc;
	if (b->leaf) {
		bool eq;
		unsigned pos = leaf_find(b, zn->key, zn->keylen, &eq);

		if (eq) {
			sl_zn_ref(zn);
			sl_zn_unref(b->zn[pos]);
			b->zn[pos] = zn;
			return SL_OK;
		}
		if (b->n < B) {
			sl_zn_ref(zn);
			ins_at(b, pos, zn, NULL);
			return SL_OK;
		}
		sl_bt_t *r = bt_alloc(true, gen);

		if (!r)
			return SL_ENOMEM;
		sl_zn_ref(zn);
		split_ins(b, r, pos, zn, NULL, sp);
		return SL_OK;
	}
	unsigned i = int_find(b, zn->key, zn->keylen);
	bt_split_t csp;

	rc = bt_put_rec(&b->child[i], gen, zn, &csp);
	if (rc != SL_OK || !csp.right)
		return rc;
	if (b->n < B) {
		ins_at(b, i + 1, csp.sep, csp.right);
		return SL_OK;
	}
	sl_bt_t *r = bt_alloc(false, gen);

	if (!r) {
		sl_zn_unref(csp.sep);
		sl_bt_unref(csp.right);
		return SL_ENOMEM;
	}
	split_ins(b, r, i + 1, csp.sep, csp.right, sp);
	return SL_OK;
}

int sl_bt_put(sl_bt_t **root, uint64_t gen, sl_zn_t *zn)
{
	bt_split_t sp;
	int rc;

	if (!*root) {
		sl_bt_t *b = bt_alloc(true, gen);

		if (!b)
			return SL_ENOMEM;
		sl_zn_ref(zn);
		b->zn[0] = zn;
		b->n = 1;
		reprefix(b);
		*root = b;
		return SL_OK;
	}
	rc = bt_put_rec(root, gen, zn, &sp);
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
	nr->child[1] = sp.right;
	nr->zn[1] = sp.sep;
	nr->n = 2;
	reprefix(nr);
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

	if ((rc = bt_own(&b->child[li], gen)) != SL_OK ||
	    (rc = bt_own(&b->child[ri], gen)) != SL_OK)
		return rc;
	sl_bt_t *l = b->child[li];
	sl_bt_t *r = b->child[ri];
	unsigned total = l->n + r->n;
	sl_zn_t *zn[2 * B];
	sl_bt_t *ch[2 * B];

	/* Concatenate; the parent separator becomes the first right separator. */
	memcpy(zn, l->zn, l->n * sizeof(zn[0]));
	memcpy(zn + l->n, r->zn, r->n * sizeof(zn[0]));
	if (!l->leaf) {
		memcpy(ch, l->child, l->n * sizeof(ch[0]));
		memcpy(ch + l->n, r->child, r->n * sizeof(ch[0]));
		zn[l->n] = b->zn[ri];
	} else {
		sl_zn_unref(b->zn[ri]);
	}
	b->zn[ri] = NULL;

	if (total <= B) {
		memcpy(l->zn, zn, total * sizeof(zn[0]));
		if (!l->leaf)
			memcpy(l->child, ch, total * sizeof(ch[0]));
		l->n = (uint16_t)total;
		reprefix(l);
		r->n = 0;
		sl_bt_unref(r);
		del_at(b, ri);
		return SL_OK;
	}
	unsigned t = total / 2;

	memcpy(l->zn, zn, t * sizeof(zn[0]));
	memcpy(r->zn, zn + t, (total - t) * sizeof(zn[0]));
	if (!l->leaf) {
		memcpy(l->child, ch, t * sizeof(ch[0]));
		memcpy(r->child, ch + t, (total - t) * sizeof(ch[0]));
	}
	l->n = (uint16_t)t;
	r->n = (uint16_t)(total - t);
	b->zn[ri] = r->zn[0];
	if (r->leaf)
		sl_zn_ref(b->zn[ri]);
	else
		r->zn[0] = NULL;
	reprefix(l);
	reprefix(r);
	/* The parent's separator changed: its prefix may no longer be common. */
	prefix_new(b, ri);
	return SL_OK;
}

static int bt_del_rec(sl_bt_t **slot, uint64_t gen, const uint8_t *key, size_t len)
{
	int rc = bt_own(slot, gen);
	sl_bt_t *b = *slot;

	if (rc != SL_OK)
		return rc;
	if (b->leaf) {
		bool eq;
		unsigned pos = leaf_find(b, key, len, &eq);

		if (!eq)
			return SL_ENOTFOUND;
		sl_zn_unref(b->zn[pos]);
		del_at(b, pos);
		return SL_OK;
	}
	unsigned i = int_find(b, key, len);

	rc = bt_del_rec(&b->child[i], gen, key, len);
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
	rc = bt_del_rec(root, gen, key, len);
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
	unsigned d = 0;
	bool eq;

	*depth = 0;
	if (!b)
		return;
	while (!b->leaf && d < SL_BT_MAXH - 1) {
		unsigned i = key ? int_find(b, key, len) : 0;

		IT_SET(st, d, b, i);
		d++;
		b = b->child[i];
	}
	if (!b->leaf)
		return;
	IT_SET(st, d, b, key ? leaf_find(b, key, len, &eq) : 0);
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
