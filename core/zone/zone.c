/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The zone store: the registry of zones, their versions, and lookups and
 * iteration on a version. How versions are built is in zone_int.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "zone_int.h"
#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

static _Atomic uint64_t versions_live;

void sl_zone_limits_default(sl_zone_limits_t *limits)
{
	limits->max_rrset_rrs = 1000;
	limits->max_types_per_name = 100;
	limits->max_zone_rrs = 10000000;
}

/* ---- versions ------------------------------------------------------------ */

/* Versions this large give their memory back to the system when freed. */
#define TRIM_RRS 100000

static void version_free(sl_zone_version_t *v)
{
	bool big = v->rr_count >= TRIM_RRS;

	sl_bt_unref(v->root);
	sl_bt_unref(v->nsref);
	sl_bt_unref(v->nsec3);
	free(v);
	atomic_fetch_sub_explicit(&versions_live, 1, memory_order_relaxed);
#ifdef __GLIBC__
	/* A replaced full load frees a whole zone of small blocks: return them. */
	if (big)
		malloc_trim(0);
#else
	(void)big;
#endif
}

static void version_free_cb(sl_qsbr_head_t *h)
{
	version_free(container_of(h, sl_zone_version_t, qsbr));
}

/* Grace period over for a replaced version: drop the "current" reference. */
static void version_release_cb(sl_qsbr_head_t *h)
{
	sl_zone_version_t *v = container_of(h, sl_zone_version_t, qsbr);

	if (atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1)
		version_free(v);
}

void sl_zone_version_ref(const sl_zone_version_t *version)
{
	sl_zone_version_t *v = (sl_zone_version_t *)(uintptr_t)version;

	if (v)
		atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
}

void sl_zone_version_unref(const sl_zone_version_t *version)
{
	sl_zone_version_t *v = (sl_zone_version_t *)(uintptr_t)version;

	/* Possibly on a worker: defer the (maybe large) free to the reclaimer. */
	if (v && atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1)
		sl_qsbr_retire(&v->qsbr, version_free_cb);
}

uint64_t sl_zone_versions_live(void)
{
	return atomic_load_explicit(&versions_live, memory_order_relaxed);
}

static uint32_t soa_serial(const sl_zn_t *apex)
{
	const sl_rrset_t *soa = sl_node_rrset(&apex->pub, SL_TYPE_SOA);
	const uint8_t *rd;
	uint16_t len;

	if (!soa || !(rd = sl_rrset_next(soa, NULL, &len)))
		return 0;
	/* Validated at add: two names then five 32-bit fields. */
	size_t o = sl_name_len(rd);

	o += sl_name_len(rd + o);
	if (o + 4 > len)
		return 0;
	return ((uint32_t)rd[o] << 24) | ((uint32_t)rd[o + 1] << 16) | ((uint32_t)rd[o + 2] << 8) |
	       rd[o + 3];
}

/* A version owning @p root and @p nsref (on success only). */
sl_zone_version_t *sl_zi_version_new(sl_bt_t *root, sl_bt_t *nsref, unsigned apex_labels,
				     uint64_t rrs)
{
	sl_zone_version_t *v = sl_zcalloc(1, sizeof(*v));

	if (!v)
		return NULL;
	atomic_init(&v->refs, 1);
	v->root = root;
	v->nsref = nsref;
	v->apex = sl_bt_find(root, (const uint8_t *)"", 0);
	v->apex_labels = apex_labels;
	v->rr_count = rrs;
	v->serial = soa_serial(v->apex);
	atomic_fetch_add_explicit(&versions_live, 1, memory_order_relaxed);
	return v;
}

void sl_zi_count_published(sl_zone_t *zone, const sl_zone_version_t *v)
{
	uint64_t was = atomic_load_explicit(&zone->published, memory_order_relaxed);
	uint64_t count = ((was >> 32) + 1) & 0xffffffffu;

	atomic_store_explicit(&zone->published, count << 32 | v->serial, memory_order_release);
}

uint32_t sl_zone_published(const sl_zone_t *zone, uint32_t *serial)
{
	uint64_t now = zone ? atomic_load_explicit(&zone->published, memory_order_acquire) : 0;

	if (serial)
		*serial = (uint32_t)now;
	return (uint32_t)(now >> 32);
}

void sl_zi_version_retire(sl_zone_version_t *v)
{
	sl_qsbr_retire(&v->qsbr, version_release_cb);
}

/* ---- registry ------------------------------------------------------------ */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_zone_t **reg_tab;
static size_t reg_cap;
static size_t reg_count;

static int reg_grow(void)
{
	size_t ncap = reg_cap ? reg_cap * 2 : 64;
	sl_zone_t **nt = sl_zcalloc(ncap, sizeof(*nt));

	if (!nt)
		return SL_ENOMEM;
	for (size_t i = 0; i < reg_cap; i++) {
		sl_zone_t *z = reg_tab[i];

		while (z) {
			sl_zone_t *next = z->next;
			size_t b = sl_name_hash(z->apex) & (ncap - 1);

			z->next = nt[b];
			nt[b] = z;
			z = next;
		}
	}
	free(reg_tab);
	reg_tab = nt;
	reg_cap = ncap;
	return SL_OK;
}

sl_zone_t *sl_zone_get(const uint8_t *apex)
{
	sl_zone_t *z = NULL;
	int len;

	if (!apex || (len = sl_name_check(apex, SL_NAME_MAXLEN)) < 0)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	if (reg_cap) {
		for (z = reg_tab[sl_name_hash(apex) & (reg_cap - 1)]; z; z = z->next) {
			if (sl_name_equal(z->apex, apex))
				break;
		}
	}
	if (z) {
		z->refs++;
		pthread_mutex_unlock(&reg_lock);
		return z;
	}
	if ((reg_count + 1 > reg_cap / 2 && reg_grow() != SL_OK) ||
	    !(z = sl_zcalloc(1, sizeof(*z)))) {
		pthread_mutex_unlock(&reg_lock);
		return NULL;
	}
	if (pthread_mutex_init(&z->wlock, NULL) != 0) {
		free(z);
		pthread_mutex_unlock(&reg_lock);
		return NULL;
	}
	memcpy(z->apex, apex, (size_t)len);
	sl_name_tolower(z->apex);
	z->apex_labels = sl_name_labels(z->apex);
	z->refs = 1;
	atomic_init(&z->current, NULL);
	size_t b = sl_name_hash(z->apex) & (reg_cap - 1);

	z->next = reg_tab[b];
	reg_tab[b] = z;
	reg_count++;
	pthread_mutex_unlock(&reg_lock);
	return z;
}

void sl_zi_zone_ref(sl_zone_t *zone)
{
	pthread_mutex_lock(&reg_lock);
	zone->refs++;
	pthread_mutex_unlock(&reg_lock);
}

static void zone_free_cb(sl_qsbr_head_t *h)
{
	sl_zone_t *zone = container_of(h, sl_zone_t, qsbr);

	pthread_mutex_destroy(&zone->wlock);
	free(zone);
}

void sl_zone_put(sl_zone_t *zone)
{
	if (!zone)
		return;
	pthread_mutex_lock(&reg_lock);
	if (--zone->refs > 0) {
		pthread_mutex_unlock(&reg_lock);
		return;
	}
	sl_zone_t **pp = &reg_tab[sl_name_hash(zone->apex) & (reg_cap - 1)];

	while (*pp && *pp != zone)
		pp = &(*pp)->next;
	if (*pp)
		*pp = zone->next;
	reg_count--;
	pthread_mutex_unlock(&reg_lock);

	sl_zone_version_t *v = atomic_exchange_explicit(&zone->current, NULL, memory_order_acq_rel);

	if (v)
		sl_qsbr_retire(&v->qsbr, version_release_cb);
	/* A worker may be reading zone->current right now. */
	sl_qsbr_retire(&zone->qsbr, zone_free_cb);
	sl_qsbr_reclaim();
}

const uint8_t *sl_zone_name(const sl_zone_t *zone)
{
	return zone->apex;
}

const sl_zone_version_t *sl_zone_current(const sl_zone_t *zone)
{
	return atomic_load_explicit(&((sl_zone_t *)(uintptr_t)zone)->current,
				    memory_order_acquire);
}

/* ---- reading ------------------------------------------------------------- */

const sl_node_t *sl_zone_apex(const sl_zone_version_t *version)
{
	return &version->apex->pub;
}

uint32_t sl_zone_serial(const sl_zone_version_t *version)
{
	return version->serial;
}

uint64_t sl_zone_rr_count(const sl_zone_version_t *version)
{
	return version->rr_count;
}

/* The covered type of a stored RRSIG RRset (all its RRs share it). */
static uint16_t sig_covered(const sl_rrset_t *rs)
{
	return rs->data_len >= 4 ? (uint16_t)(rs->data[2] << 8 | rs->data[3]) : 0;
}

const sl_rrset_t *sl_node_rrset(const sl_node_t *node, uint16_t type)
{
	unsigned lo = 0, hi = node ? node->nrrsets : 0;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		uint16_t t = node->rrsets[mid].type;

		if (t == type) {
			/* RRSIGs: one RRset per covered type; the first of them. */
			while (type == SL_TYPE_RRSIG && mid > 0 && node->rrsets[mid - 1].type == type)
				mid--;
			return &node->rrsets[mid];
		}
		if (t < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const sl_rrset_t *sl_node_rrsig(const sl_node_t *node, uint16_t covered)
{
	unsigned lo = 0, hi = node ? node->nrrsets : 0;

	/* Ordered by (type, covered type for RRSIG). */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const sl_rrset_t *rs = &node->rrsets[mid];
		int c = rs->type != SL_TYPE_RRSIG ? (int)rs->type - SL_TYPE_RRSIG
						  : (int)sig_covered(rs) - covered;

		if (c == 0)
			return rs;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const uint8_t *sl_rrset_next(const sl_rrset_t *rrset, const uint8_t *prev, uint16_t *rdlen)
{
	const uint8_t *p;
	const uint8_t *end = rrset->data + rrset->data_len;

	if (!prev)
		p = rrset->data;
	else
		p = prev + (((unsigned)prev[-2] << 8) | prev[-1]);
	if (p + 2 > end)
		return NULL;
	*rdlen = (uint16_t)((p[0] << 8) | p[1]);
	return p + 2;
}

/*
 * The lookup behind sl_zone_lookup(): one descent for exact match and
 * predecessor; the closest encloser is the longest common ancestor of the
 * name and its predecessor (every ancestor of an existing name exists, as a
 * node or an empty non-terminal, so anything sorting between the encloser
 * and the name lies below the encloser); cut and DNAME searches run only
 * when the encloser's flags say there is one.
 */
void sl_zi_lookup(const sl_bt_t *root, const uint8_t *key, size_t klen, sl_zone_lookup_t *out)
{
	sl_zn_t *exact, *pred;
	const sl_zn_t *enc;
	const sl_bt_t *leaf;

	sl_bt_search(root, key, klen, &exact, &pred, &leaf);
	out->node = exact ? &exact->pub : NULL;
	out->previous = pred ? &pred->pub : NULL;
	out->cut = NULL;
	out->dname = NULL;
	if (exact) {
		enc = exact;
	} else if (!pred) {
		enc = NULL;
	} else {
		size_t m = klen < pred->keylen ? klen : pred->keylen;
		size_t lcp = 0, elen = 0;

		while (lcp < m && key[lcp] == pred->key[lcp])
			lcp++;
		for (size_t i = 0; i < lcp; i++) {
			if (key[i] == 0)
				elen = i + 1;
		}
		enc = elen == pred->keylen ? pred : sl_bt_find_near(root, leaf, key, elen);
	}
	out->encloser = enc ? &enc->pub : NULL;
	if (!enc)
		return;
	uint16_t f = enc->pub.flags;

	if (f & SL_NODE_NONAUTH) {
		/* Topmost cut: walk the encloser's ancestors from below the apex. */
		for (size_t i = 0; i < enc->keylen; i++) {
			if (enc->key[i] != 0)
				continue;
			const sl_zn_t *a = sl_bt_find(root, enc->key, i + 1);

			if (a && (a->pub.flags & SL_NODE_DELEG)) {
				out->cut = &a->pub;
				break;
			}
		}
	}
	if (!out->cut && (f & SL_NODE_DELEG))
		out->cut = &enc->pub;
	if (f & SL_NODE_DNAME_BELOW) {
		/* Topmost DNAME strictly above the encloser, apex included. */
		for (size_t i = 0; i <= enc->keylen; i++) {
			if (i > 0 && enc->key[i - 1] != 0)
				continue;
			if (i == enc->keylen)
				break;
			const sl_zn_t *a = sl_bt_find(root, enc->key, i);

			if (a && node_has(&a->pub, SL_TYPE_DNAME)) {
				out->dname = &a->pub;
				break;
			}
		}
	}
	if (!out->dname && enc != exact && node_has(&enc->pub, SL_TYPE_DNAME))
		out->dname = &enc->pub;
}

const sl_node_t *sl_zone_find(const sl_zone_version_t *version, const uint8_t *name)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;
	const sl_zn_t *z;

	if (!version || !name ||
	    !zone_key(name, version->apex->pub.owner, version->apex_labels, key, &klen))
		return NULL;
	z = sl_bt_find(version->root, key, klen);
	return z ? &z->pub : NULL;
}

int sl_zone_lookup(const sl_zone_version_t *version, const uint8_t *name, sl_zone_lookup_t *out)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;

	memset(out, 0, sizeof(*out));
	if (!version || !name ||
	    !zone_key(name, version->apex->pub.owner, version->apex_labels, key, &klen))
		return SL_EINVAL;
	sl_zi_lookup(version->root, key, klen, out);
	return out->node ? SL_OK : SL_ENOTFOUND;
}

/* ---- denial of existence ------------------------------------------------- */

/* An NSEC owner of the chain, or a node below a cut (to skip its subtree). */
static bool nsec_or_nonauth(const sl_zn_t *z, void *ctx)
{
	(void)ctx;
	return (z->pub.flags & SL_NODE_NONAUTH) || node_has(&z->pub, SL_TYPE_NSEC);
}

/* Most zone cuts one search skips before it gives up (hostile zones only). */
#define NSEC_MAX_CUTS 64

const sl_node_t *sl_zone_nsec_previous(const sl_zone_version_t *version, const uint8_t *name)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;

	if (!version || !name ||
	    !zone_key(name, version->apex->pub.owner, version->apex_labels, key, &klen))
		return NULL;
	for (unsigned jumps = 0; jumps <= NSEC_MAX_CUTS; jumps++) {
		const sl_zn_t *z = sl_bt_rfind(version->root, key, klen, false, nsec_or_nonauth,
					       NULL);
		const sl_zn_t *cut = NULL;

		if (!z || !(z->pub.flags & SL_NODE_NONAUTH))
			return z ? &z->pub : NULL;
		/* Below a cut: everything between the cut and z is too; go on from the cut. */
		for (size_t i = 0; i < z->keylen && !cut; i++) {
			const sl_zn_t *a;

			if (z->key[i] == 0 && (a = sl_bt_find(version->root, z->key, i + 1)) &&
			    (a->pub.flags & SL_NODE_DELEG))
				cut = a;
		}
		if (!cut)
			return NULL;
		memcpy(key, cut->key, cut->keylen);
		klen = cut->keylen;
		if (node_has(&cut->pub, SL_TYPE_NSEC))
			return &cut->pub;
	}
	return NULL;
}

bool sl_zone_has_nsec3(const sl_zone_version_t *version)
{
	return version && version->nsec3;
}

int sl_zone_nsec3_find(const sl_zone_version_t *version, const uint8_t *owner,
		       const sl_node_t **match, const sl_node_t **cover)
{
	uint8_t key[SL_ZKEY_MAX];
	size_t klen;
	sl_zn_t *exact, *pred;
	const sl_zn_t *z;

	*match = NULL;
	*cover = NULL;
	if (!version || !version->nsec3 || !owner ||
	    !zone_key(owner, version->apex->pub.owner, version->apex_labels, key, &klen))
		return SL_EINVAL;
	sl_bt_search(version->nsec3, key, klen, &exact, &pred, NULL);
	if (exact) {
		z = sl_bt_find(version->root, exact->key, exact->keylen);
		*match = z ? &z->pub : NULL;
		return z ? SL_OK : SL_EINVAL;
	}
	/* Before the first hash: the last NSEC3 covers it (the chain wraps). */
	if (!pred)
		pred = sl_bt_last(version->nsec3);
	z = pred ? sl_bt_find(version->root, pred->key, pred->keylen) : NULL;
	*cover = z ? &z->pub : NULL;
	return z ? SL_ENOTFOUND : SL_EINVAL;
}

/* What the opaque storage of an sl_zone_iter_t holds. */
struct zone_iter {
	const sl_zone_version_t *version; /* version being walked */
	unsigned depth;                   /* entries on the stack */
	const void *stack[2 * SL_BT_MAXH];/* node/index pairs from the root down */
};

_Static_assert(sizeof(struct zone_iter) <= sizeof(((sl_zone_iter_t *)0)->opaque),
	       "SL_ZONE_ITER_SIZE too small for the store's iterator");
_Static_assert(_Alignof(struct zone_iter) <= _Alignof(sl_zone_iter_t),
	       "sl_zone_iter_t under-aligned for the store's iterator");

static struct zone_iter *zone_iter(sl_zone_iter_t *it)
{
	return (struct zone_iter *)(void *)it->opaque.bytes;
}

void sl_zone_iter_init(sl_zone_iter_t *it, const sl_zone_version_t *version)
{
	struct zone_iter *zi = zone_iter(it);

	zi->version = version;
	zi->depth = 0;
	if (version)
		sl_bt_iter_seek(zi->stack, &zi->depth, version->root, NULL, 0);
}

const sl_node_t *sl_zone_iter_next(sl_zone_iter_t *it)
{
	struct zone_iter *zi = zone_iter(it);
	sl_zn_t *z = sl_bt_iter_next(zi->stack, &zi->depth);

	return z ? &z->pub : NULL;
}
