/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The zone store: registry, versions, lookups and write transactions.
 *
 * Versions are persistent B+trees of name nodes (zone_tree.c). A transaction
 * never touches the tree until commit:
 *  - SL_TXN_EMPTY (full load, AXFR) appends records to a log in an arena;
 *    commit sorts the log once and builds the tree bottom-up, computing
 *    empty non-terminals and flags in the same ordered pass (O(n log n)).
 *  - Other transactions keep an overlay: a hash of the names they touch,
 *    each with its RRsets unpacked into sorted arrays. Commit packs each
 *    changed name into a new node and path-copies it into a tree that shares
 *    every other node with the base version; empty non-terminals and flags
 *    are fixed only around the changed names (a whole subtree is revisited
 *    only when a zone cut or DNAME appears or disappears above it).
 * Semantic checks run on the names a transaction changes (every name for a
 * full load). Glue is kept honest incrementally with a per-version index of
 * the in-zone NS targets (a second tree, target -> reference count): a
 * commit that moves a cut or removes addresses asks the index whether any
 * NS could have lost its glue, and scans the zone only to name the culprits.
 * Publication is one atomic release store; the replaced version is retired
 * through QSBR and freed when no reader can still see it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <sluice/log.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "qsbr.h"
#include "zone_tree.h"

#define container_of(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

/* Longest "where" kept per record; longer ones are cut. */
#define WHERE_MAX 200
/* Arena chunk size (a full load allocates many of them). */
#define ARENA_CHUNK (256 * 1024)

struct sl_zone_version {
	sl_qsbr_head_t qsbr;     /* retire link */
	_Atomic uint32_t refs;   /* 1 while current + sl_zone_version_ref() + open txns */
	sl_bt_t *root;           /* the names */
	sl_bt_t *nsref;          /* in-zone NS targets with reference counts */
	const sl_zn_t *apex;     /* the apex node */
	uint64_t rr_count;       /* RRs in the version */
	uint32_t serial;         /* SOA serial */
	unsigned apex_labels;    /* labels of the apex */
};

struct sl_zone {
	sl_qsbr_head_t qsbr;                 /* deferred free (readers may hold it) */
	struct sl_zone *next;                /* registry chain */
	unsigned refs;                       /* under reg_lock */
	_Atomic(sl_zone_version_t *) current;
	pthread_mutex_t wlock;               /* one transaction at a time */
	uint8_t apex[SL_NAME_MAXLEN];        /* lower-cased */
	unsigned apex_labels;
};

static _Atomic uint64_t tree_gen = 1;
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

static void zone_ref(sl_zone_t *zone)
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

const sl_rrset_t *sl_node_rrset(const sl_node_t *node, uint16_t type)
{
	unsigned lo = 0, hi = node ? node->nrrsets : 0;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		uint16_t t = node->rrsets[mid].type;

		if (t == type)
			return &node->rrsets[mid];
		if (t < type)
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

static bool node_has(const sl_node_t *n, uint16_t type)
{
	return sl_node_rrset(n, type) != NULL;
}

/*
 * Key of @p name relative to an apex of @p apex_labels labels, or false
 * when the name is not at or below @p apex.
 */
static bool zone_key(const uint8_t *name, const uint8_t *apex, unsigned apex_labels,
		     uint8_t key[SL_ZKEY_MAX], size_t *klen)
{
	return sl_zkey_in_zone(name, apex, apex_labels, key, klen);
}

/*
 * The lookup behind sl_zone_lookup(): one descent for exact match and
 * predecessor; the closest encloser is the longest common ancestor of the
 * name and its predecessor (every ancestor of an existing name exists, as a
 * node or an empty non-terminal, so anything sorting between the encloser
 * and the name lies below the encloser); cut and DNAME searches run only
 * when the encloser's flags say there is one.
 */
static void tree_lookup(const sl_bt_t *root, const uint8_t *key, size_t klen,
			sl_zone_lookup_t *out)
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
	tree_lookup(version->root, key, klen, out);
	return out->node ? SL_OK : SL_ENOTFOUND;
}

void sl_zone_iter_init(sl_zone_iter_t *it, const sl_zone_version_t *version)
{
	_Static_assert(sizeof(it->stack) / sizeof(it->stack[0]) >= 2 * SL_BT_MAXH,
		       "iterator stack too small for the tree");
	it->version = version;
	it->depth = 0;
	if (version)
		sl_bt_iter_seek(it->stack, &it->depth, version->root, NULL, 0);
}

const sl_node_t *sl_zone_iter_next(sl_zone_iter_t *it)
{
	sl_zn_t *z = sl_bt_iter_next(it->stack, &it->depth);

	return z ? &z->pub : NULL;
}

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
static int rdata_cmp(uint16_t type, const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
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

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
} arena_chunk_t;

/* Where a record came from: "s" alone, or "s:line" when line > 0. */
typedef struct where {
	const char *s;
	uint32_t line;
} where_t;

/* One RR as a transaction sees it (RDATA in the arena, a log chunk or a base node). */
typedef struct tx_rr {
	const uint8_t *rdata;
	where_t where;
	uint16_t len;
} tx_rr_t;

/* An RRset of an overlay name: RRs in canonical order. */
typedef struct tx_set {
	uint16_t type;
	bool ttl_warned;
	uint32_t ttl;
	uint32_t n, cap;
	tx_rr_t *rrs;
	sl_rrset_t view;      /* packed copy for sl_zone_txn_rrset() */
	uint8_t *view_data;
	bool view_ok;
} tx_set_t;

/* A name the transaction touched (overlay mode). */
typedef struct tx_name {
	struct tx_name *hnext;
	uint32_t hash;
	uint16_t keylen;
	bool modified;
	const uint8_t *key;
	const uint8_t *owner;
	const sl_zn_t *base;   /* the node in the base version, or NULL */
	unsigned nsets, cap;   /* RRsets sorted by type */
	tx_set_t *sets;
} tx_name_t;

/*
 * Full-load log. Records arrive grouped by owner (zone files, AXFR), so the
 * log is a sequence of fragments, one per run of records with the same
 * owner, in mmap'd chunks: [frag header][key][owner][records...]. Commit
 * sorts an index of fragments, then turns fragments into name nodes in
 * arrival order and unmaps each chunk once it is consumed, so a full load
 * never holds the log and the finished zone in full at the same time.
 */
typedef struct fchunk {
	struct fchunk *next;
	size_t used, cap;      /* cap: bytes after the header */
} fchunk_t;

#define FCHUNK_SIZE (1u << 20)
#define FCHUNK_HDR ((sizeof(fchunk_t) + 7) & ~(size_t)7)
#define FCHUNK_DATA(c) ((uint8_t *)(c) + FCHUNK_HDR)

typedef struct frag {
	uint32_t group;        /* rank of its name in canonical order (commit) */
	uint32_t seq;          /* arrival rank of its first record */
	uint32_t size;         /* bytes of records */
	uint32_t nrec;
	uint16_t keylen;
	uint8_t ownerlen;
	uint8_t multi;         /* its name also has other fragments */
	uint8_t data[];        /* key, owner, padding to 4, records */
} frag_t;

typedef struct frec {
	uint32_t ttl;
	uint32_t wline;
	uint16_t type;
	uint16_t rdlen;
	uint16_t wfile;        /* index in the txn's where table, or NO_WHERE */
	uint16_t pad;
	uint8_t rdata[];
} frec_t;

#define NO_WHERE 0xFFFF
#define MAX_WHERE_FILES 4096

static inline size_t frag_hdr(size_t keylen, size_t ownerlen)
{
	return (sizeof(frag_t) + keylen + ownerlen + 3) & ~(size_t)3;
}

static inline size_t frec_size(size_t rdlen)
{
	return (sizeof(frec_t) + rdlen + 3) & ~(size_t)3;
}

static inline frec_t *frag_recs(const frag_t *f)
{
	return (frec_t *)(void *)((uint8_t *)(uintptr_t)f + frag_hdr(f->keylen, f->ownerlen));
}

static inline frec_t *frec_next(const frec_t *r)
{
	return (frec_t *)(void *)((uint8_t *)(uintptr_t)r + frec_size(r->rdlen));
}

static inline size_t frag_total(const frag_t *f)
{
	return (frag_hdr(f->keylen, f->ownerlen) + f->size + 7) & ~(size_t)7;
}

/* Sort index: 16 key octets inline so most comparisons touch no fragment. */
typedef struct fl_ent {
	uint64_t pfx, pfx2;
	frag_t *f;
} fl_ent_t;

struct sl_zone_txn {
	sl_zone_t *zone;
	sl_zone_version_t *base;   /* referenced; NULL: start from nothing */
	bool bulk;                 /* log mode (SL_TXN_EMPTY until a read/remove) */
	arena_chunk_t *arena;      /* overlay allocations */
	const char *last_where;
	/* log mode */
	fchunk_t *fhead, *ftail;
	frag_t *cur;               /* fragment records are appended to */
	fl_ent_t *ents;
	size_t nents, capents;
	uint32_t seq;
	char **wfiles;             /* interned "where" prefixes */
	unsigned nwfiles, lastw;
	/* overlay mode */
	tx_name_t **htab;
	size_t hcap, hcount;
};

static void *ar_alloc(sl_zone_txn_t *t, size_t size)
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
	char *w = ar_alloc(t, len + 1);

	if (!w)
		return SL_ENOMEM;
	memcpy(w, where, len);
	w[len] = '\0';
	t->last_where = out->s = w;
	return SL_OK;
}

/* Formats a where_t (static buffer per call site is the caller's). */
static const char *where_text(where_t w, char *buf, size_t size)
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

static void fchunk_free(fchunk_t *c)
{
	munmap(c, FCHUNK_HDR + c->cap);
}

static void txn_free(sl_zone_txn_t *t)
{
	for (size_t i = 0; i < t->hcap; i++) {
		for (tx_name_t *n = t->htab[i]; n; n = n->hnext)
			name_free(n);
	}
	free(t->htab);
	free(t->ents);
	while (t->fhead) {
		fchunk_t *c = t->fhead;

		t->fhead = c->next;
		fchunk_free(c);
	}
	for (unsigned i = 0; i < t->nwfiles; i++)
		free(t->wfiles[i]);
	free(t->wfiles);
	while (t->arena) {
		arena_chunk_t *c = t->arena;

		t->arena = c->next;
		free(c);
	}
	if (t->base)
		sl_zone_version_unref(t->base);
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
	zone_ref(zone);
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
		txn_free(txn);
		sl_qsbr_reclaim();
	}
}

/* ---- transactions: the overlay -------------------------------------------- */

static tx_name_t *ov_find(sl_zone_txn_t *t, const uint8_t *key, size_t klen, uint32_t h)
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
	if (need <= s->cap)
		return SL_OK;
	uint32_t ncap = s->cap ? s->cap * 2 : 4;

	if (ncap < need)
		ncap = need;
	tx_rr_t *nr = sl_zrealloc(s->rrs, ncap * sizeof(*nr));

	if (!nr)
		return SL_ENOMEM;
	s->rrs = nr;
	s->cap = ncap;
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
	    !(n = ar_alloc(t, sizeof(*n))) || !(mem = ar_alloc(t, klen + olen)))
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
		for (unsigned i = 0; i < base->pub.nrrsets; i++) {
			const sl_rrset_t *rs = &base->pub.rrsets[i];
			tx_set_t *s = &n->sets[i];
			const uint8_t *rd = NULL;
			uint16_t len;

			s->type = rs->type;
			s->ttl = rs->ttl;
			if (set_reserve(s, rs->count) != SL_OK) {
				name_free(n);
				return SL_ENOMEM;
			}
			n->nsets = i + 1;
			while ((rd = sl_rrset_next(rs, rd, &len)) != NULL)
				s->rrs[s->n++] = (tx_rr_t){ rd, { NULL, 0 }, len };
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
		int c = rdata_cmp(s->type, s->rrs[mid].rdata, s->rrs[mid].len, rd, len);

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

static void warn_ttl(where_t where, const uint8_t *owner, uint16_t type, uint32_t ttl,
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
	w = where_text(where, wbuf, sizeof(wbuf));
	sl_log(SL_LOG_WARNING, "%s%s%s %s: TTL %u differs from the RRset's TTL %u; using %u",
	       w ? w : "", w ? ": " : "", name, tname, ttl, first, first);
}

static int ov_add(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
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
		if (n->nsets == n->cap) {
			unsigned ncap = n->cap ? n->cap * 2 : 2;
			tx_set_t *ns = sl_zrealloc(n->sets, ncap * sizeof(*ns));

			if (!ns)
				return SL_ENOMEM;
			n->sets = ns;
			n->cap = ncap;
		}
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
	uint8_t *copy = ar_alloc(t, rdlen ? rdlen : 1);

	if (ar_where(t, where, &w) != SL_OK || !copy || set_reserve(s, s->n + 1) != SL_OK) {
		if (s->n == 0)
			set_remove_at(n, spos);
		return SL_ENOMEM;
	}
	if (s->n == 0) {
		s->ttl = ttl;
	} else if (ttl != s->ttl && !s->ttl_warned) {
		warn_ttl(w, n->owner, type, ttl, s->ttl);
		s->ttl_warned = true;
	}
	memcpy(copy, rdata, rdlen);
	memmove(s->rrs + pos + 1, s->rrs + pos, (s->n - pos) * sizeof(s->rrs[0]));
	s->rrs[pos] = (tx_rr_t){ copy, w, rdlen };
	s->n++;
	s->view_ok = false;
	n->modified = true;
	return SL_OK;
}

/* ---- transactions: the full-load log --------------------------------------- */

/* Interns the file part of a "file:line" where (NO_WHERE when absent or too many). */
static void fl_where(sl_zone_txn_t *t, const char *where, uint16_t *wfile, uint32_t *wline)
{
	size_t len, plen;
	uint32_t line = 0;
	unsigned i;

	*wfile = NO_WHERE;
	*wline = 0;
	if (!where)
		return;
	len = plen = strnlen(where, WHERE_MAX);
	const char *colon = memrchr(where, ':', len);

	if (colon && len - (size_t)(colon - where) - 1 >= 1 &&
	    len - (size_t)(colon - where) - 1 <= 9) {
		uint32_t v = 0;
		const char *d;

		for (d = colon + 1; d < where + len && *d >= '0' && *d <= '9'; d++)
			v = v * 10 + (uint32_t)(*d - '0');
		if (d == where + len && v > 0) {
			plen = (size_t)(colon - where);
			line = v;
		}
	}
	i = t->lastw;
	if (i >= t->nwfiles || strncmp(t->wfiles[i], where, plen) || t->wfiles[i][plen]) {
		for (i = 0; i < t->nwfiles; i++) {
			if (!strncmp(t->wfiles[i], where, plen) && !t->wfiles[i][plen])
				break;
		}
		if (i == t->nwfiles) {
			if (t->nwfiles >= MAX_WHERE_FILES)
				return;
			if ((t->nwfiles & (t->nwfiles - 1)) == 0) {
				size_t ncap = t->nwfiles ? t->nwfiles * 2 : 1;
				char **nw = sl_zrealloc(t->wfiles, ncap * sizeof(*nw));

				if (!nw)
					return;
				t->wfiles = nw;
			}
			if (sl_zfail() || !(t->wfiles[i] = strndup(where, plen)))
				return;
			t->nwfiles++;
		}
	}
	t->lastw = i;
	*wfile = (uint16_t)i;
	*wline = line;
}

static int fl_add(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		  const char *where)
{
	size_t rs = frec_size(rdlen);
	fchunk_t *c = t->ftail;
	frag_t *f = t->cur;
	frec_t *r;
	uint16_t wfile;
	uint32_t wline;

	if (t->seq == UINT32_MAX)
		return SL_ELIMIT;
	/* Same owner as the previous record: extend its fragment in place. */
	if (f && f->keylen == klen && memcmp(f->data, key, klen) == 0 &&
	    f->size <= UINT32_MAX - rs &&
	    (size_t)((uint8_t *)f - FCHUNK_DATA(c)) +
			    ((frag_hdr(f->keylen, f->ownerlen) + f->size + rs + 7) & ~(size_t)7) <=
		    c->cap) {
		r = (frec_t *)(void *)((uint8_t *)frag_recs(f) + f->size);
		f->size += (uint32_t)rs;
		f->nrec++;
		c->used = (size_t)((uint8_t *)f - FCHUNK_DATA(c)) + frag_total(f);
	} else {
		size_t olen = sl_name_len(owner);
		size_t need = (frag_hdr(klen, olen) + rs + 7) & ~(size_t)7;

		if (t->nents == t->capents) {
			size_t ncap = t->capents ? t->capents * 2 : 4096;
			fl_ent_t *ne = sl_zrealloc(t->ents, ncap * sizeof(*ne));

			if (!ne)
				return SL_ENOMEM;
			t->ents = ne;
			t->capents = ncap;
		}
		if (!c || c->cap - c->used < need) {
			size_t hdr = FCHUNK_HDR;
			size_t cap = need > FCHUNK_SIZE - hdr ? need : FCHUNK_SIZE - hdr;
			void *m = sl_zfail() ? MAP_FAILED
					     : mmap(NULL, hdr + cap, PROT_READ | PROT_WRITE,
						    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED)
				return SL_ENOMEM;
			c = m;
			c->next = NULL;
			c->used = 0;
			c->cap = cap;
			if (t->ftail)
				t->ftail->next = c;
			else
				t->fhead = c;
			t->ftail = c;
		}
		f = (frag_t *)(void *)(FCHUNK_DATA(c) + c->used);
		f->group = 0;
		f->seq = t->seq;
		f->size = (uint32_t)rs;
		f->nrec = 1;
		f->keylen = (uint16_t)klen;
		f->ownerlen = (uint8_t)olen;
		f->multi = 0;
		memcpy(f->data, key, klen);
		memcpy(f->data + klen, owner, olen);
		c->used += frag_total(f);
		t->cur = f;
		uint64_t p2 = klen > 8 ? sl_zkey_prefix(key + 8, klen - 8) : 0;

		t->ents[t->nents++] = (fl_ent_t){ sl_zkey_prefix(key, klen), p2, f };
		r = frag_recs(f);
	}
	fl_where(t, where, &wfile, &wline);
	r->ttl = ttl;
	r->wline = wline;
	r->type = type;
	r->rdlen = rdlen;
	r->wfile = wfile;
	r->pad = 0;
	memcpy(r->rdata, rdata, rdlen);
	t->seq++;
	return SL_OK;
}

/* Fragment order: name, then arrival. */
static int fl_cmp(const void *pa, const void *pb)
{
	const fl_ent_t *a = pa, *b = pb;
	int c;

	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	if (a->pfx2 != b->pfx2)
		return a->pfx2 < b->pfx2 ? -1 : 1;
	c = sl_zkey_cmp(a->f->data, a->f->keylen, b->f->data, b->f->keylen);
	if (c)
		return c;
	return a->f->seq < b->f->seq ? -1 : a->f->seq > b->f->seq;
}

static bool fl_same(const frag_t *a, const frag_t *b)
{
	return a->keylen == b->keylen && memcmp(a->data, b->data, a->keylen) == 0;
}

static void fl_sort(sl_zone_txn_t *t)
{
	bool sorted = true;

	for (size_t i = 1; i < t->nents && sorted; i++)
		sorted = fl_cmp(&t->ents[i - 1], &t->ents[i]) <= 0;
	if (!sorted)
		qsort(t->ents, t->nents, sizeof(t->ents[0]), fl_cmp);
}

static where_t fl_rwhere(const sl_zone_txn_t *t, const frec_t *r)
{
	if (r->wfile == NO_WHERE || r->wfile >= t->nwfiles)
		return (where_t){ NULL, 0 };
	return (where_t){ t->wfiles[r->wfile], r->wline };
}

/* ---- pending names: what commit checks and packs ------------------------- */

typedef struct pn_set {
	uint16_t type;
	uint32_t ttl;
	uint32_t n;
	const tx_rr_t *rrs;
} pn_set_t;

typedef struct pn {
	const uint8_t *key;
	size_t keylen;
	const uint8_t *owner;
	unsigned nsets;
	const pn_set_t *sets;
} pn_t;

/* A log record and its arrival rank, for sorting one name's records. */
typedef struct rp {
	const frec_t *r;
	uint32_t ord;
} rp_t;

typedef struct scratch {
	tx_rr_t *rrs;
	size_t rrcap;
	pn_set_t *sets;
	size_t setcap;
	rp_t *rps;
	size_t rpcap;
} scratch_t;

static void scratch_free(scratch_t *sc)
{
	free(sc->rrs);
	free(sc->sets);
	free(sc->rps);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return SL_OK;
	size_t ncap = *cap ? *cap : 16;

	while (ncap < need)
		ncap *= 2;
	void *np = sl_zrealloc(*p, ncap * elem);

	if (!np)
		return SL_ENOMEM;
	*p = np;
	*cap = ncap;
	return SL_OK;
}

static int scratch_reserve(scratch_t *sc, size_t rrs, size_t sets)
{
	if (grow((void **)&sc->rrs, &sc->rrcap, rrs, sizeof(*sc->rrs)) != SL_OK ||
	    grow((void **)&sc->sets, &sc->setcap, sets, sizeof(*sc->sets)) != SL_OK)
		return SL_ENOMEM;
	return SL_OK;
}

/* Record order inside a name: type, canonical RDATA, arrival. */
static int rp_cmp(const void *pa, const void *pb)
{
	const rp_t *a = pa, *b = pb;
	int c;

	if (a->r->type != b->r->type)
		return a->r->type < b->r->type ? -1 : 1;
	c = rdata_cmp(a->r->type, a->r->rdata, a->r->rdlen, b->r->rdata, b->r->rdlen);
	if (c)
		return c;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/*
 * One name of the log (its fragments in arrival order) as a pending name:
 * RRsets in type order, RDATA in canonical order without duplicates, each
 * RRset's TTL that of its first-added RR (one warning per RRset otherwise).
 */
static int fl_pn(const sl_zone_txn_t *t, frag_t *const *fr, size_t nfr, scratch_t *sc, pn_t *pn)
{
	size_t n = 0;

	for (size_t i = 0; i < nfr; i++)
		n += fr[i]->nrec;
	if (grow((void **)&sc->rps, &sc->rpcap, n, sizeof(*sc->rps)) != SL_OK ||
	    scratch_reserve(sc, n, n) != SL_OK)
		return SL_ENOMEM;
	n = 0;
	for (size_t i = 0; i < nfr; i++) {
		const frec_t *r = frag_recs(fr[i]);

		for (uint32_t k = 0; k < fr[i]->nrec; k++, r = frec_next(r)) {
			sc->rps[n] = (rp_t){ r, (uint32_t)n };
			n++;
		}
	}
	/* Usually one or a handful: insertion sort; qsort for big RRsets. */
	if (n > 16) {
		qsort(sc->rps, n, sizeof(sc->rps[0]), rp_cmp);
	} else {
		for (size_t i = 1; i < n; i++) {
			rp_t x = sc->rps[i];
			size_t j = i;

			while (j > 0 && rp_cmp(&sc->rps[j - 1], &x) > 0) {
				sc->rps[j] = sc->rps[j - 1];
				j--;
			}
			sc->rps[j] = x;
		}
	}
	unsigned nsets = 0;
	size_t nrr = 0;

	for (size_t a = 0; a < n;) {
		uint16_t type = sc->rps[a].r->type;
		size_t b = a;
		const rp_t *first = &sc->rps[a];

		while (b < n && sc->rps[b].r->type == type) {
			if (sc->rps[b].ord < first->ord)
				first = &sc->rps[b];
			b++;
		}
		pn_set_t *set = &sc->sets[nsets++];
		bool warned = false;

		set->type = type;
		set->ttl = first->r->ttl;
		set->rrs = &sc->rrs[nrr];
		set->n = 0;
		for (size_t k = a; k < b; k++) {
			const frec_t *r = sc->rps[k].r;

			/* Equal RDATA sort together, first-added first: keep that one. */
			if (k > a && rdata_cmp(type, r->rdata, r->rdlen, sc->rps[k - 1].r->rdata,
					       sc->rps[k - 1].r->rdlen) == 0)
				continue;
			if (r->ttl != set->ttl && !warned) {
				warn_ttl(fl_rwhere(t, r), fr[0]->data + fr[0]->keylen, type, r->ttl,
					 set->ttl);
				warned = true;
			}
			sc->rrs[nrr++] = (tx_rr_t){ r->rdata, fl_rwhere(t, r), r->rdlen };
			set->n++;
		}
		a = b;
	}
	pn->key = fr[0]->data;
	pn->keylen = fr[0]->keylen;
	pn->owner = fr[0]->data + fr[0]->keylen;
	pn->nsets = nsets;
	pn->sets = sc->sets;
	return SL_OK;
}

/* An overlay name as a pending name (empty RRsets skipped). */
static int ov_pn(const tx_name_t *n, scratch_t *sc, pn_t *pn)
{
	unsigned k = 0;

	if (scratch_reserve(sc, 0, n->nsets) != SL_OK)
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

/* Leaves the log for the overlay (a full-load txn that reads or removes): replays it. */
static int fl_to_overlay(sl_zone_txn_t *t)
{
	char wbuf[WHERE_MAX + 16];
	int rc = SL_OK;

	for (fchunk_t *c = t->fhead; c && rc == SL_OK; c = c->next) {
		for (size_t off = 0; off < c->used && rc == SL_OK;) {
			const frag_t *f = (const frag_t *)(const void *)(FCHUNK_DATA(c) + off);
			const frec_t *r = frag_recs(f);

			for (uint32_t k = 0; k < f->nrec && rc == SL_OK; k++, r = frec_next(r))
				rc = ov_add(t, f->data, f->keylen, f->data + f->keylen, r->type,
					    r->ttl, r->rdata, r->rdlen,
					    where_text(fl_rwhere(t, r), wbuf, sizeof(wbuf)));
			off += frag_total(f);
		}
	}
	if (rc != SL_OK)
		return rc;
	while (t->fhead) {
		fchunk_t *c = t->fhead;

		t->fhead = c->next;
		fchunk_free(c);
	}
	t->ftail = NULL;
	t->cur = NULL;
	free(t->ents);
	t->ents = NULL;
	t->nents = t->capents = 0;
	t->bulk = false;
	return SL_OK;
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
		return fl_add(txn, key, klen, owner, type, ttl, rdata, rdlen, where);
	return ov_add(txn, key, klen, owner, type, ttl, rdata, rdlen, where);
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
	if (txn->bulk && (rc = fl_to_overlay(txn)) != SL_OK)
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

/* ---- commit: checks ------------------------------------------------------- */

typedef struct cctx {
	char *err;
	size_t errlen, used;
	bool full;                    /* err is full: count only */
	unsigned nerr;
	const sl_zone_limits_t *lim;
} cctx_t;

#define NOWHERE ((where_t){ NULL, 0 })

static void cerr(cctx_t *c, where_t wh, const uint8_t *owner, uint16_t type, const char *fmt,
		 ...) SL_PRINTF(5, 6);

/* Appends "where: owner TYPE: message" as one line. */
static void cerr(cctx_t *c, where_t wh, const uint8_t *owner, uint16_t type, const char *fmt,
		 ...)
{
	char line[SL_NAME_TEXT_MAX + WHERE_MAX + 256];
	char name[SL_NAME_TEXT_MAX];
	char wbuf[WHERE_MAX + 16];
	char tname[16] = "";
	const char *where = where_text(wh, wbuf, sizeof(wbuf));
	va_list ap;
	int n, m;

	c->nerr++;
	if (!c->err || c->errlen == 0 || c->full)
		return;
	if (sl_name_to_text(owner, name, sizeof(name)) < 0)
		strcpy(name, "?");
	if (type && sl_rrtype_to_text(type, tname + 1, sizeof(tname) - 1) >= 0)
		tname[0] = ' ';
	n = snprintf(line, sizeof(line), "%s%s%s%s: ", where ? where : "", where ? ": " : "",
		     name, tname);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = strnlen(line, sizeof(line));
	size_t sep = c->used ? 1 : 0;

	if (c->used + sep + len + 1 > c->errlen) {
		c->full = true;
		return;
	}
	if (sep)
		c->err[c->used++] = '\n';
	memcpy(c->err + c->used, line, len);
	c->used += len;
	c->err[c->used] = '\0';
}

static const pn_set_t *pn_set(const pn_t *pn, uint16_t type)
{
	for (unsigned i = 0; i < pn->nsets; i++) {
		if (pn->sets[i].type == type)
			return &pn->sets[i];
	}
	return NULL;
}

static where_t set_where(const pn_set_t *s)
{
	for (uint32_t i = 0; s && i < s->n; i++) {
		if (s->rrs[i].where.s)
			return s->rrs[i].where;
	}
	return NOWHERE;
}

static where_t pn_where(const pn_t *pn)
{
	for (unsigned i = 0; i < pn->nsets; i++) {
		where_t w = set_where(&pn->sets[i]);

		if (w.s)
			return w;
	}
	return NOWHERE;
}

/* The checks that concern one name (and the apex's own ones). */
static void check_name(cctx_t *c, const pn_t *pn, bool apex)
{
	const sl_zone_limits_t *lim = c->lim;
	const pn_set_t *cname = pn_set(pn, SL_TYPE_CNAME);
	const pn_set_t *dname = pn_set(pn, SL_TYPE_DNAME);
	const pn_set_t *soa = pn_set(pn, SL_TYPE_SOA);

	for (unsigned i = 0; i < pn->nsets; i++) {
		const pn_set_t *s = &pn->sets[i];

		if (s->n > lim->max_rrset_rrs)
			cerr(c, set_where(s), pn->owner, s->type,
			     "RRset has %u records, over the limit of %u", s->n,
			     lim->max_rrset_rrs);
	}
	if (pn->nsets > lim->max_types_per_name)
		cerr(c, pn_where(pn), pn->owner, 0, "%u RRsets at this name, over the limit of %u",
		     pn->nsets, lim->max_types_per_name);
	if (apex) {
		if (!soa)
			cerr(c, NOWHERE, pn->owner, 0, "no SOA record at the zone apex");
		else if (soa->n > 1)
			cerr(c, set_where(soa), pn->owner, SL_TYPE_SOA,
			     "%u SOA records, exactly one is allowed", soa->n);
		if (!pn_set(pn, SL_TYPE_NS))
			cerr(c, NOWHERE, pn->owner, 0, "no NS records at the zone apex");
	} else if (soa) {
		cerr(c, set_where(soa), pn->owner, SL_TYPE_SOA, "SOA record not at the zone apex");
	}
	if (cname) {
		char others[128] = "";
		size_t o = 0;
		unsigned nothers = 0;

		if (cname->n > 1)
			cerr(c, set_where(cname), pn->owner, SL_TYPE_CNAME,
			     "%u CNAME records, at most one is allowed", cname->n);
		for (unsigned i = 0; i < pn->nsets; i++) {
			uint16_t t = pn->sets[i].type;
			char tn[16];

			if (t == SL_TYPE_CNAME || t == SL_TYPE_RRSIG || t == SL_TYPE_NSEC)
				continue;
			if (nothers++ < 6 && sl_rrtype_to_text(t, tn, sizeof(tn)) >= 0) {
				int w = snprintf(others + o, sizeof(others) - o, "%s%s",
						 o ? ", " : "", tn);
				if (w > 0 && (size_t)w < sizeof(others) - o)
					o += (size_t)w;
			}
		}
		if (nothers)
			cerr(c, set_where(cname), pn->owner, SL_TYPE_CNAME,
			     "other data exists at this name (%s%s)", others,
			     nothers > 6 ? ", ..." : "");
	}
	if (dname) {
		if (dname->n > 1)
			cerr(c, set_where(dname), pn->owner, SL_TYPE_DNAME,
			     "%u DNAME records, at most one is allowed", dname->n);
		if (cname)
			cerr(c, set_where(dname), pn->owner, SL_TYPE_DNAME,
			     "a CNAME exists at this name");
	}
}

/*
 * Every NS target of @p ns (an active NS RRset: apex or an authoritative
 * cut) that lies at or below a zone cut of this zone must have A or AAAA.
 */
static void check_glue(cctx_t *c, const sl_bt_t *root, const sl_zn_t *apex,
		       unsigned apex_labels, const sl_zn_t *ns, where_t where)
{
	const sl_rrset_t *rs = sl_node_rrset(&ns->pub, SL_TYPE_NS);
	const uint8_t *rd = NULL;
	uint16_t len;

	while (rs && (rd = sl_rrset_next(rs, rd, &len)) != NULL) {
		uint8_t key[SL_ZKEY_MAX];
		size_t klen;
		sl_zone_lookup_t lk;

		if (sl_name_check(rd, len) < 0 ||
		    !zone_key(rd, apex->pub.owner, apex_labels, key, &klen))
			continue;
		tree_lookup(root, key, klen, &lk);
		if (!lk.cut)
			continue;
		if (lk.node && (node_has(lk.node, SL_TYPE_A) || node_has(lk.node, SL_TYPE_AAAA)))
			continue;
		char target[SL_NAME_TEXT_MAX];
		char cut[SL_NAME_TEXT_MAX];

		if (sl_name_to_text(rd, target, sizeof(target)) < 0)
			strcpy(target, "?");
		if (sl_name_to_text(lk.cut->owner, cut, sizeof(cut)) < 0)
			strcpy(cut, "?");
		cerr(c, where, ns->pub.owner, SL_TYPE_NS,
		     "no glue (A/AAAA) for %s, which is at or below the zone cut %s", target, cut);
	}
}

/* True for a node whose NS RRset is active (apex, or a cut not itself occluded). */
static bool active_ns(const sl_zn_t *z)
{
	return node_has(&z->pub, SL_TYPE_NS) &&
	       (z->pub.flags & (SL_NODE_APEX | SL_NODE_DELEG)) &&
	       !(z->pub.flags & (SL_NODE_NONAUTH | SL_NODE_DNAME_BELOW));
}

static uint64_t pn_rrs(const pn_t *pn)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < pn->nsets; i++)
		n += pn->sets[i].n;
	return n;
}

static uint64_t zn_rrs(const sl_zn_t *z)
{
	uint64_t n = 0;

	for (unsigned i = 0; z && i < z->pub.nrrsets; i++)
		n += z->pub.rrsets[i].count;
	return n;
}

/* ---- commit: building nodes ----------------------------------------------- */

/* Packs a pending name into a new node with its own flags (apex, cut, ENT). */
static sl_zn_t *zn_from_pn(const pn_t *pn, bool apex)
{
	size_t data = 0;
	sl_zn_t *z;

	for (unsigned i = 0; i < pn->nsets; i++) {
		for (uint32_t k = 0; k < pn->sets[i].n; k++)
			data += 2 + (size_t)pn->sets[i].rrs[k].len;
	}
	z = sl_zn_alloc(pn->key, pn->keylen, pn->owner, sl_name_len(pn->owner), pn->nsets, data);
	if (!z)
		return NULL;
	sl_rrset_t *sets = sl_zn_sets(z);
	uint8_t *d = sl_zn_data(z);

	for (unsigned i = 0; i < pn->nsets; i++) {
		const pn_set_t *s = &pn->sets[i];
		uint8_t *start = d;

		for (uint32_t k = 0; k < s->n; k++) {
			d[0] = (uint8_t)(s->rrs[k].len >> 8);
			d[1] = (uint8_t)s->rrs[k].len;
			memcpy(d + 2, s->rrs[k].rdata, s->rrs[k].len);
			d += 2 + s->rrs[k].len;
		}
		sets[i] = (sl_rrset_t){ .type = s->type, .count = (uint16_t)s->n, .ttl = s->ttl,
					.data = start, .data_len = (uint32_t)(d - start) };
	}
	if (apex)
		z->pub.flags = SL_NODE_APEX;
	else if (pn_set(pn, SL_TYPE_NS))
		z->pub.flags = SL_NODE_DELEG;
	if (!apex && pn->nsets == 0)
		z->pub.flags |= SL_NODE_ENT;
	return z;
}

/* An empty non-terminal for the ancestor of @p owner whose key is key[0..klen). */
static sl_zn_t *zn_ent(const uint8_t *key, size_t klen, const uint8_t *fullkey, size_t fullklen,
		       const uint8_t *owner)
{
	unsigned drop = sl_zkey_labels(fullkey, fullklen) - sl_zkey_labels(key, klen);
	pn_t pn = { .key = key, .keylen = klen, .owner = owner };

	while (drop--)
		pn.owner += *pn.owner + 1;
	return zn_from_pn(&pn, klen == 0);
}

/* Flags a child inherits from a parent with flags @p pf (and a DNAME or not). */
static uint16_t inherited(uint16_t pf, bool pdname)
{
	uint16_t f = 0;

	if (pf & (SL_NODE_DELEG | SL_NODE_NONAUTH))
		f |= SL_NODE_NONAUTH;
	if (pdname || (pf & SL_NODE_DNAME_BELOW))
		f |= SL_NODE_DNAME_BELOW;
	return f;
}

static bool is_wild_key(const uint8_t *key, size_t klen)
{
	size_t p = sl_zkey_parent(key, klen);

	return klen - p == 2 && key[p] == '*';
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
static sl_zone_version_t *version_new(sl_bt_t *root, sl_bt_t *nsref, unsigned apex_labels,
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

/* Growable array of node pointers. */
typedef struct znvec {
	sl_zn_t **v;
	size_t n, cap;
} znvec_t;

static int znvec_push(znvec_t *a, sl_zn_t *z)
{
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		sl_zn_t **nv = sl_zrealloc(a->v, ncap * sizeof(*nv));

		if (!nv)
			return SL_ENOMEM;
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->n++] = z;
	return SL_OK;
}

/* ---- commit: the NS target index ----------------------------------------- */

/*
 * Every version indexes the in-zone targets of all its NS RRs (active or
 * occluded) with a reference count, in a second tree of the same kind whose
 * nodes carry no RRsets: the count lives in the otherwise unused RRset
 * pointer. A commit that puts a cut above names, or takes addresses away,
 * asks it whether some NS could now lack glue instead of scanning the zone.
 */
static uint32_t ref_count(const sl_zn_t *z)
{
	return (uint32_t)(uintptr_t)z->pub.rrsets;
}

static sl_zn_t *ref_new(const uint8_t *key, size_t klen, const uint8_t *owner, uint32_t count)
{
	sl_zn_t *z = sl_zn_alloc(key, klen, owner, sl_name_len(owner), 0, 0);

	if (z) {
		z->pub.rrsets = (const sl_rrset_t *)(uintptr_t)count;
		z->fresh = 0;
	}
	return z;
}

/* NS targets seen by a full build (copies in the txn arena). */
typedef struct tref {
	uint64_t pfx;
	const uint8_t *key;
	const uint8_t *owner;
	size_t klen;
} tref_t;

typedef struct trefvec {
	tref_t *v;
	size_t n, cap;
} trefvec_t;

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
		uint8_t *mem = ar_alloc(t, klen + olen);

		if (!mem || grow((void **)&tv->v, &tv->cap, tv->n + 1, sizeof(*tv->v)) != SL_OK)
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
		sl_zn_t *z = ref_new(r->key, r->klen, r->owner, (uint32_t)(j - i));

		if (!z || znvec_push(&refs, z) != SL_OK) {
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

/* Where the NS RRset of the node of rank idx was added (for glue errors). */
typedef struct nsw {
	size_t idx;
	where_t where;
} nsw_t;

typedef struct nswvec {
	nsw_t *v;
	size_t n, cap;
} nswvec_t;

static int nsw_push(nswvec_t *a, size_t idx, const pn_t *pn)
{
	if (grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v)) != SL_OK)
		return SL_ENOMEM;
	a->v[a->n++] = (nsw_t){ idx, set_where(pn_set(pn, SL_TYPE_NS)) };
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
 * Finishes a full build from every name's node in canonical order (@p zns,
 * consumed; entries may be NULL only when checks already failed): one
 * ordered pass inserts the empty non-terminals (each right before its first
 * descendant) and computes every flag from a stack of ancestors; then the
 * tree is built bottom-up and the glue checked.
 */
static int finish_full(sl_zone_txn_t *t, cctx_t *c, sl_zn_t **zns, size_t n, nswvec_t *nsw,
		       trefvec_t *tv, uint64_t total, sl_zone_version_t **out)
{
	sl_bt_t *nsref = NULL;
	znvec_t o = { 0 };
	glue_item_t *glue = NULL;
	size_t nglue = 0, capglue = 0, w = 0;
	anc_t st[SL_NAME_MAXLABELS + 2];
	unsigned depth = 0;
	sl_bt_t *root = NULL;
	int rc = SL_OK;

	*out = NULL;
	if (!c->nerr && (n == 0 || zns[0]->keylen != 0))
		cerr(c, NOWHERE, t->zone->apex, 0, "no SOA record at the zone apex");
	if (total > c->lim->max_zone_rrs)
		cerr(c, NOWHERE, t->zone->apex, 0,
		     "%llu records in the zone, over the limit of %llu", (unsigned long long)total,
		     (unsigned long long)c->lim->max_zone_rrs);
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto fail;
	}
	if (nsw->n)
		qsort(nsw->v, nsw->n, sizeof(nsw->v[0]), nsw_cmp);
	if (grow((void **)&o.v, &o.cap, n + n / 16 + 16, sizeof(*o.v)) != SL_OK) {
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
				y = zn_ent(z->key, p, z->key, z->keylen, z->pub.owner);
				if (!y) {
					sl_zn_unref(z);
					rc = SL_ENOMEM;
					goto fail;
				}
			} else {
				y = z;
			}
			if (znvec_push(&o, y) != SL_OK) {
				if (y != z)
					sl_zn_unref(y);
				sl_zn_unref(z);
				rc = SL_ENOMEM;
				goto fail;
			}
			y->fresh = 0;
			if (depth) {
				sl_zn_t *parent = o.v[st[depth - 1].idx];

				y->pub.flags |= inherited(parent->pub.flags,
							  node_has(&parent->pub, SL_TYPE_DNAME));
				if (is_wild_key(y->key, y->keylen))
					parent->pub.flags |= SL_NODE_WILDCARD;
			}
			if (depth < sizeof(st) / sizeof(st[0]))
				st[depth++] = (anc_t){ p, o.n - 1 };
		}
		if (active_ns(z)) {
			while (w < nsw->n && nsw->v[w].idx < i)
				w++;
			if (grow((void **)&glue, &capglue, nglue + 1, sizeof(*glue)) != SL_OK) {
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
	rc = sl_bt_build(o.v, o.n, atomic_fetch_add(&tree_gen, 1), &root);
	o.n = 0;   /* consumed, pointers still valid while the tree lives */
	if (rc != SL_OK)
		goto fail;
	{
		const sl_zn_t *apex = sl_bt_find(root, (const uint8_t *)"", 0);

		for (size_t i = 0; i < nglue; i++)
			check_glue(c, root, apex, t->zone->apex_labels, o.v[glue[i].idx],
				   glue[i].where);
	}
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto fail;
	}
	if ((rc = tref_build(tv, atomic_fetch_add(&tree_gen, 1), &nsref)) != SL_OK)
		goto fail;
	*out = version_new(root, nsref, t->zone->apex_labels, total);
	if (!*out) {
		rc = SL_ENOMEM;
		goto fail;
	}
	free(o.v);
	free(glue);
	return SL_OK;
fail:
	sl_bt_unref(nsref);
	if (zns) {
		for (size_t i = 0; i < n; i++)
			sl_zn_unref(zns[i]);
		free(zns);
	}
	for (size_t i = 0; i < o.n; i++)
		sl_zn_unref(o.v[i]);
	free(o.v);
	free(glue);
	sl_bt_unref(root);
	return rc;
}

/* Checks one name of a full build and packs it into zns[idx]. */
static int full_name(sl_zone_txn_t *t, cctx_t *c, const pn_t *pn, sl_zn_t **zns, size_t idx,
		     nswvec_t *nsw, trefvec_t *tv, uint64_t *total)
{
	bool apex = pn->keylen == 0;

	check_name(c, pn, apex);
	*total += pn_rrs(pn);
	if (c->nerr)
		return SL_OK;   /* keep checking, build nothing more */
	sl_zn_t *z = zn_from_pn(pn, apex);

	if (!z)
		return SL_ENOMEM;
	zns[idx] = z;
	if (pn_set(pn, SL_TYPE_NS)) {
		int rc = nsw_push(nsw, idx, pn);

		return rc != SL_OK ? rc : tref_collect(t, pn_set(pn, SL_TYPE_NS), tv);
	}
	return SL_OK;
}

/* Full build from the log: names packed in arrival order, chunks unmapped as consumed. */
static int fl_build(sl_zone_txn_t *t, cctx_t *c, sl_zone_version_t **out)
{
	trefvec_t tv = { 0 };
	nswvec_t nsw = { 0 };
	scratch_t sc = { 0 };
	uint64_t total = 0;
	size_t ngroups = 0;
	sl_zn_t **zns;
	int rc = SL_OK;
	pn_t pn;

	fl_sort(t);
	for (size_t i = 0; i < t->nents;) {
		size_t j = i + 1;

		while (j < t->nents && fl_same(t->ents[i].f, t->ents[j].f))
			j++;
		for (size_t k = i; k < j; k++) {
			t->ents[k].f->group = (uint32_t)ngroups;
			t->ents[k].f->multi = j - i > 1;
		}
		ngroups++;
		i = j;
	}
	zns = sl_zcalloc(ngroups ? ngroups : 1, sizeof(*zns));
	if (!zns)
		return SL_ENOMEM;
	/* Names split over several fragments first: only the index finds them all. */
	for (size_t i = 0; i < t->nents && rc == SL_OK;) {
		size_t j = i + 1;

		while (j < t->nents && fl_same(t->ents[i].f, t->ents[j].f))
			j++;
		if (j - i > 1) {
			frag_t **fr = sl_zmalloc((j - i) * sizeof(*fr));

			if (!fr) {
				rc = SL_ENOMEM;
				break;
			}
			for (size_t k = i; k < j; k++)
				fr[k - i] = t->ents[k].f;
			rc = fl_pn(t, fr, j - i, &sc, &pn);
			if (rc == SL_OK)
				rc = full_name(t, c, &pn, zns, fr[0]->group, &nsw, &tv, &total);
			free(fr);
		}
		i = j;
	}
	free(t->ents);
	t->ents = NULL;
	t->nents = t->capents = 0;
	while (rc == SL_OK && t->fhead) {
		fchunk_t *ch = t->fhead;

		for (size_t off = 0; off < ch->used && rc == SL_OK;) {
			frag_t *f = (frag_t *)(void *)(FCHUNK_DATA(ch) + off);

			if (!f->multi) {
				rc = fl_pn(t, &f, 1, &sc, &pn);
				if (rc == SL_OK)
					rc = full_name(t, c, &pn, zns, f->group, &nsw, &tv,
						       &total);
			}
			off += frag_total(f);
		}
		t->fhead = ch->next;
		fchunk_free(ch);
	}
	if (!t->fhead)
		t->ftail = NULL;
	t->cur = NULL;
	scratch_free(&sc);
	if (rc == SL_OK)
		rc = finish_full(t, c, zns, ngroups, &nsw, &tv, total, out);
	else {
		for (size_t i = 0; i < ngroups; i++)
			sl_zn_unref(zns[i]);
		free(zns);
	}
	free(nsw.v);
	free(tv.v);
	return rc;
}

/* Full build from overlay names in canonical order (no base version). */
static int ov_build(sl_zone_txn_t *t, tx_name_t **names, size_t nn, cctx_t *c,
		    sl_zone_version_t **out)
{
	trefvec_t tv = { 0 };
	nswvec_t nsw = { 0 };
	scratch_t sc = { 0 };
	uint64_t total = 0;
	size_t n = 0;
	sl_zn_t **zns = sl_zcalloc(nn ? nn : 1, sizeof(*zns));
	int rc = zns ? SL_OK : SL_ENOMEM;
	pn_t pn;

	for (size_t i = 0; i < nn && rc == SL_OK; i++) {
		rc = ov_pn(names[i], &sc, &pn);
		if (rc == SL_OK && pn.nsets)
			rc = full_name(t, c, &pn, zns, n++, &nsw, &tv, &total);
	}
	scratch_free(&sc);
	if (rc == SL_OK)
		rc = finish_full(t, c, zns, n, &nsw, &tv, total, out);
	else if (zns) {
		for (size_t i = 0; i < n; i++)
			sl_zn_unref(zns[i]);
		free(zns);
	}
	free(nsw.v);
	free(tv.v);
	return rc;
}

/* ---- commit: incremental -------------------------------------------------- */

/* State of one incremental commit. */
typedef struct inc {
	sl_zone_txn_t *t;
	cctx_t *c;
	sl_bt_t *root;      /* the tree being built */
	const sl_bt_t *old; /* the base tree */
	uint64_t gen;
	znvec_t fresh;      /* nodes created here (one reference each) */
	sl_bt_t *nsref;     /* the NS target index being built */
	znvec_t nsre;       /* nodes whose flags a walk changed and that hold NS */
	struct dkey {
		const uint8_t *key;
		size_t len;
	} *dirty;
	size_t ndirty, capdirty;
} inc_t;

static int dirty_add(inc_t *s, const uint8_t *key, size_t len)
{
	if (s->ndirty == s->capdirty) {
		size_t ncap = s->capdirty ? s->capdirty * 2 : 64;
		struct dkey *nd = sl_zrealloc(s->dirty, ncap * sizeof(*nd));

		if (!nd)
			return SL_ENOMEM;
		s->dirty = nd;
		s->capdirty = ncap;
	}
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
	if (znvec_push(&s->fresh, z) != SL_OK) {
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
			if (nupd == capupd) {
				size_t ncap = capupd ? capupd * 2 : 64;
				struct upd *nu = sl_zrealloc(upd, ncap * sizeof(*nu));

				if (!nu) {
					free(upd);
					return SL_ENOMEM;
				}
				upd = nu;
				capupd = ncap;
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
			rc = znvec_push(&s->nsre, upd[i].z);
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
			f |= inherited(p->pub.flags, node_has(&p->pub, SL_TYPE_DNAME));
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
	sl_zn_t *r = ref_new(key, klen, target, (uint32_t)n);

	if (!r)
		return SL_ENOMEM;
	int rc = sl_bt_put(&s->nsref, s->gen, r);

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
			c = rdata_cmp(SL_TYPE_NS, ord, ord[-2] << 8 | ord[-1], now->rrs[j].rdata,
				      now->rrs[j].len);
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

	tree_lookup(s->root, key, klen, &lk);
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

static int tn_cmp(const void *a, const void *b)
{
	const tx_name_t *x = *(tx_name_t *const *)a, *y = *(tx_name_t *const *)b;

	return sl_zkey_cmp(x->key, x->keylen, y->key, y->keylen);
}

/* Collects the modified overlay names in canonical order. */
static int sorted_names(sl_zone_txn_t *t, tx_name_t ***out, size_t *n)
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

static const tx_name_t *tn_by_key(sl_zone_txn_t *t, const uint8_t *key, size_t klen)
{
	return ov_find(t, key, klen, key_hash(key, klen));
}

static where_t ns_where(sl_zone_txn_t *t, const sl_zn_t *z, scratch_t *sc)
{
	const tx_name_t *n = tn_by_key(t, z->key, z->keylen);
	pn_t pn;

	if (!n || ov_pn(n, sc, &pn) != SL_OK)
		return NOWHERE;
	return set_where(pn_set(&pn, SL_TYPE_NS));
}

static int build_inc(sl_zone_txn_t *t, tx_name_t **names, size_t nn, cctx_t *c,
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

		if ((rc = ov_pn(names[i], &sc, &pn)) != SL_OK)
			goto done;
		delta += (int64_t)pn_rrs(&pn) - (int64_t)zn_rrs(names[i]->base);
		if (pn.nsets || apex)
			check_name(c, &pn, apex);
	}
	uint64_t total = (uint64_t)((int64_t)t->base->rr_count + delta);

	if (total > c->lim->max_zone_rrs)
		cerr(c, NOWHERE, t->zone->apex, 0,
		     "%llu records in the zone, over the limit of %llu", (unsigned long long)total,
		     (unsigned long long)c->lim->max_zone_rrs);
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto done;
	}

	s.gen = atomic_fetch_add(&tree_gen, 1);
	s.root = t->base->root;
	sl_bt_ref(s.root);
	s.nsref = t->base->nsref;
	sl_bt_ref(s.nsref);
	/* 0. The NS target index follows every NS RRset that changed. */
	for (size_t i = 0; i < nn; i++) {
		if ((rc = ov_pn(names[i], &sc, &pn)) != SL_OK ||
		    (rc = nsref_diff(&s, names[i]->base, pn_set(&pn, SL_TYPE_NS))) != SL_OK)
			goto done;
	}

	/* 1. Names with data: new nodes, and any missing ancestors as ENTs. */
	for (size_t i = 0; i < nn; i++) {
		const tx_name_t *n = names[i];

		if ((rc = ov_pn(n, &sc, &pn)) != SL_OK)
			goto done;
		if (!pn.nsets)
			continue;
		sl_zn_t *z = zn_from_pn(&pn, n->keylen == 0);

		if (!z || (rc = inc_put(&s, z)) != SL_OK ||
		    (rc = dirty_name(&s, n->key, n->keylen)) != SL_OK) {
			rc = z ? rc : SL_ENOMEM;
			goto done;
		}
		for (size_t p = sl_zkey_parent(n->key, n->keylen); n->keylen > 0;
		     p = sl_zkey_parent(n->key, p)) {
			if (sl_bt_find(s.root, n->key, p))
				break;
			sl_zn_t *e = zn_ent(n->key, p, n->key, n->keylen, n->owner);

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

		if ((rc = ov_pn(n, &sc, &pn)) != SL_OK)
			goto done;
		if (pn.nsets || n->keylen == 0 || !(z = sl_bt_find(s.root, n->key, n->keylen)))
			continue;
		if (has_descendant(s.root, n->key, n->keylen)) {
			if (z->pub.nrrsets == 0)
				continue;
			sl_zn_t *e = zn_ent(n->key, n->keylen, n->key, n->keylen, n->owner);

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
			if (active_ns(z))
				check_glue(c, s.root, apex, t->zone->apex_labels, z,
					   ns_where(t, z, &sc));
		}
	} else {
		for (size_t i = 0; i < nn; i++) {
			const sl_zn_t *z = sl_bt_find(s.root, names[i]->key, names[i]->keylen);

			if (z && active_ns(z))
				check_glue(c, s.root, apex, t->zone->apex_labels, z,
					   ns_where(t, z, &sc));
		}
		for (size_t i = 0; i < s.nsre.n; i++) {
			const sl_zn_t *w = s.nsre.v[i];
			const tx_name_t *n = tn_by_key(t, w->key, w->keylen);
			const sl_zn_t *z = sl_bt_find(s.root, w->key, w->keylen);

			/* Changed names were just checked; a walk may list a node twice. */
			if ((n && n->modified) || !z || !active_ns(z) ||
			    (i > 0 && s.nsre.v[i - 1] == w))
				continue;
			check_glue(c, s.root, apex, t->zone->apex_labels, z, NOWHERE);
		}
	}
	if (c->nerr) {
		rc = SL_ECONFIG;
		goto done;
	}
	for (size_t i = 0; i < s.fresh.n; i++)
		s.fresh.v[i]->fresh = 0;
	*out = version_new(s.root, s.nsref, t->zone->apex_labels, total);
	if (!*out) {
		rc = SL_ENOMEM;
	} else {
		s.root = NULL;
		s.nsref = NULL;
	}
done:
	for (size_t i = 0; i < s.fresh.n; i++) {
		s.fresh.v[i]->fresh = 0;
		sl_zn_unref(s.fresh.v[i]);
	}
	free(s.fresh.v);
	free(s.dirty);
	free(s.nsre.v);
	sl_bt_unref(s.root);
	sl_bt_unref(s.nsref);
	scratch_free(&sc);
	return rc;
}

/* ---- commit --------------------------------------------------------------- */

int sl_zone_txn_commit(sl_zone_txn_t *txn, const sl_zone_limits_t *limits, char *err,
		       size_t errlen)
{
	sl_zone_limits_t deflim;
	cctx_t c = { .err = err, .errlen = errlen };
	sl_zone_version_t *v = NULL;
	tx_name_t **names = NULL;
	size_t nn = 0;
	int rc;

	if (!txn)
		return SL_EINVAL;
	if (err && errlen)
		err[0] = '\0';
	if (!limits) {
		sl_zone_limits_default(&deflim);
		limits = &deflim;
	}
	c.lim = limits;
	if (txn->bulk) {
		rc = fl_build(txn, &c, &v);
	} else if ((rc = sorted_names(txn, &names, &nn)) == SL_OK) {
		if (!txn->base || !txn->base->root) {
			rc = ov_build(txn, names, nn, &c, &v);
		} else if (nn == 0) {
			rc = SL_OK;   /* nothing changed: keep the current version */
		} else {
			rc = build_inc(txn, names, nn, &c, &v);
		}
		free(names);
	}
	if (rc == SL_OK) {
		/* Release: readers that load the pointer see the whole version. */
		sl_zone_version_t *old = v ? atomic_exchange_explicit(&txn->zone->current, v,
								      memory_order_acq_rel)
					   : NULL;

		if (old)
			sl_qsbr_retire(&old->qsbr, version_release_cb);
	} else if (rc == SL_ENOMEM) {
		if (c.nerr == 0)
			cerr(&c, NOWHERE, txn->zone->apex, 0, "out of memory");
	} else if (rc != SL_ECONFIG) {
		rc = SL_ECONFIG;
	}
	txn_free(txn);
	sl_qsbr_reclaim();
	return rc;
}
