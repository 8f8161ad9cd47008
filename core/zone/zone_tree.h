/*
 * Sluice core — zone store internals: name nodes, order-preserving keys and
 * the persistent B+tree that indexes them.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Keys. A name's key is its labels below the apex, from the root side,
 * lower-cased, each followed by a 0x00 separator; inside labels 0x00 is
 * written 0x01 0x01 and 0x01 is written 0x01 0x02. memcmp() order of keys
 * (shorter first on a tie) is then exactly DNSSEC canonical order
 * (RFC 4034 §6.1), and the key of every ancestor is a prefix of the key of
 * its descendants ending at a separator. The apex's key is empty.
 *
 * Name nodes (sl_zn_t) are immutable once published and shared by every
 * version that contains them; one allocation holds the public sl_node_t,
 * the key, the owner, the RRset array and all RDATA. They are refcounted by
 * the tree nodes that point at them.
 *
 * The tree is a B+tree whose nodes are also refcounted and shared between
 * versions: a commit copies only the root-to-leaf paths it changes (nodes
 * stamped with the commit's generation are private to it and modified in
 * place). Leaves and separators carry the first 8 key octets inline, so most
 * comparisons touch no name node.
 */
#ifndef SL_CORE_ZONE_TREE_H
#define SL_CORE_ZONE_TREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sluice/zone.h>

/** Longest key: 253 label octets all escaped to 2, plus 127 separators. */
#define SL_ZKEY_MAX 640

/** A name node. */
typedef struct sl_zn {
	sl_node_t pub;          /**< the public view; must stay first */
	_Atomic uint32_t refs;  /**< tree leaves (and commit bookkeeping) holding it */
	uint16_t keylen;        /**< key octets */
	uint8_t ownerlen;       /**< owner octets */
	uint8_t fresh;          /**< created by the commit in progress: still mutable */
	uint8_t key[];          /**< key, then owner, then (8-aligned) RRsets and RDATA */
} sl_zn_t;

/** The name node behind a public node pointer. */
static inline const sl_zn_t *sl_zn_of(const sl_node_t *node)
{
	return (const sl_zn_t *)(const void *)node;
}

/**
 * Allocates a name node with room for @p nsets RRsets and @p datalen octets
 * of packed RDATA (see sl_zn_data()); copies key and owner; refs = 1,
 * fresh = 1, flags 0. The caller fills the RRsets. @return NULL on ENOMEM
 */
sl_zn_t *sl_zn_alloc(const uint8_t *key, size_t keylen, const uint8_t *owner, size_t ownerlen,
		     unsigned nsets, size_t datalen);

/** Writable RRset array of a node being built (NULL when it has none). */
sl_rrset_t *sl_zn_sets(sl_zn_t *zn);

/** Start of the packed RDATA area of a node being built. */
uint8_t *sl_zn_data(sl_zn_t *zn);

/** A fresh copy (refs 1, fresh 1) of @p zn. @return NULL on ENOMEM */
sl_zn_t *sl_zn_clone(const sl_zn_t *zn);

/** Takes a reference. */
void sl_zn_ref(sl_zn_t *zn);

/** Drops a reference; the last frees the node. NULL is ignored. */
void sl_zn_unref(sl_zn_t *zn);

/** Bytes allocated for @p zn (for memory accounting). */
size_t sl_zn_size(const sl_zn_t *zn);

/**
 * Writes the key of @p name into @p key, given that its last @p apex_labels
 * labels are the apex (the caller checked). @return the key length
 */
size_t sl_zkey_make(const uint8_t *name, unsigned apex_labels, uint8_t key[SL_ZKEY_MAX]);

/**
 * Like sl_zkey_make() for any valid name, checking that it is at or below
 * @p apex (of @p apex_labels labels). @return false when it is not
 */
bool sl_zkey_in_zone(const uint8_t *name, const uint8_t *apex, unsigned apex_labels,
		     uint8_t key[SL_ZKEY_MAX], size_t *klen);

/** memcmp order, shorter first on a common prefix. */
int sl_zkey_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/** First 8 key octets, big-endian, zero-padded: a < b implies prefix(a) <= prefix(b). */
uint64_t sl_zkey_prefix(const uint8_t *key, size_t len);

/** Number of labels in a key (its separators). */
unsigned sl_zkey_labels(const uint8_t *key, size_t len);

/** Length of the parent's key (the key minus its last label); 0 for depth 1. */
size_t sl_zkey_parent(const uint8_t *key, size_t len);

/** True when @p key is @p anc or below it. */
bool sl_zkey_under(const uint8_t *key, size_t len, const uint8_t *anc, size_t anclen);

/* ---- the B+tree ---------------------------------------------------------- */

/** A tree node (leaf or internal). */
typedef struct sl_bt sl_bt_t;

/** Fan-out of every tree node. */
#define SL_BT_ORDER 32
/** Most tree levels an iterator follows (far above any reachable height). */
#define SL_BT_MAXH 64

/**
 * Builds a tree from @p n name nodes in strictly increasing key order,
 * bottom-up, every node full or nearly (O(n)). Consumes the caller's
 * references to the name nodes, also on failure.
 * @return SL_OK (*root NULL when n == 0) or SL_ENOMEM
 */
int sl_bt_build(sl_zn_t **zns, size_t n, uint64_t gen, sl_bt_t **root);

/** Takes a reference to a (sub)tree. */
void sl_bt_ref(sl_bt_t *root);

/** Drops a reference; frees what only this tree owned. NULL is ignored. */
void sl_bt_unref(sl_bt_t *root);

/** Exact lookup. @return the node or NULL */
sl_zn_t *sl_bt_find(const sl_bt_t *root, const uint8_t *key, size_t len);

/**
 * One descent: *@p exact gets the node with this key (or NULL) and *@p pred
 * the greatest node whose key is <= @p key (NULL when every key is greater).
 * *@p leaf (may be NULL) gets the leaf the descent ended in.
 */
void sl_bt_search(const sl_bt_t *root, const uint8_t *key, size_t len, sl_zn_t **exact,
		  sl_zn_t **pred, const sl_bt_t **leaf);

/**
 * Exact lookup of a key that sorts at or before what @p leaf holds, trying
 * @p leaf first (nearby names usually share it), then the whole tree.
 */
sl_zn_t *sl_bt_find_near(const sl_bt_t *root, const sl_bt_t *leaf, const uint8_t *key,
			 size_t len);

/**
 * Inserts @p zn, replacing (and unreferencing) any node with the same key.
 * Copies the path unless its nodes carry generation @p gen. Takes its own
 * reference to @p zn. On SL_ENOMEM the tree may have lost entries and must
 * be discarded (refcounts stay consistent). @return SL_OK or SL_ENOMEM
 */
int sl_bt_put(sl_bt_t **root, uint64_t gen, sl_zn_t *zn);

/**
 * Removes the node with @p key (path copying as sl_bt_put()).
 * @return SL_OK, SL_ENOTFOUND or SL_ENOMEM (tree must then be discarded)
 */
int sl_bt_del(sl_bt_t **root, uint64_t gen, const uint8_t *key, size_t len);

/**
 * Walking backwards from the greatest node whose key is <= @p key (< when
 * @p strict), the first node @p want accepts, or NULL.
 */
sl_zn_t *sl_bt_rfind(const sl_bt_t *root, const uint8_t *key, size_t len, bool strict,
		     bool (*want)(const sl_zn_t *zn, void *ctx), void *ctx);

/** The node with the greatest key, or NULL for an empty tree. */
sl_zn_t *sl_bt_last(const sl_bt_t *root);

/**
 * Positions an iterator (a stack of node/index pairs, 2 * SL_BT_MAXH
 * slots) at the first node whose key is >= @p key (the first node when
 * @p key is NULL).
 */
void sl_bt_iter_seek(const void **stack, unsigned *depth, const sl_bt_t *root,
		     const uint8_t *key, size_t len);

/** The next node in key order, or NULL at the end. */
sl_zn_t *sl_bt_iter_next(const void **stack, unsigned *depth);

/** Memory held by the tree: tree nodes and name nodes (for accounting/tests). */
void sl_bt_stats(const sl_bt_t *root, size_t *tree_bytes, size_t *node_bytes, size_t *names);

/* ---- allocation (all of the zone store's) and test hooks ------------------ */

/** malloc() for the zone store (fails on demand under sl_zone_fail_after()). */
void *sl_zmalloc(size_t size);
/** calloc() for the zone store. */
void *sl_zcalloc(size_t n, size_t size);
/** realloc() for the zone store. */
void *sl_zrealloc(void *p, size_t size);
/**
 * Grows *@p p, an array of *@p cap elements of @p elem octets, to hold at
 * least @p need, doubling (from @p first when empty; see sl_grow_cap()).
 * @return SL_OK, or SL_ENOMEM (the array unchanged) on allocation failure
 * or when the size would overflow
 */
int sl_zgrow(void **p, size_t *cap, size_t need, size_t elem, size_t first);
/** True when the next allocation must fail (for allocators not wrapped above). */
bool sl_zfail(void);

/**
 * Test hook: the @p nth allocation from now fails (1 = the next one); with
 * @p sticky every later one fails too. 0 disables.
 * @return whether a failure was injected since the previous call
 */
bool sl_zone_fail_after(unsigned long nth, bool sticky);

/** Test hook: name nodes and tree nodes currently allocated. */
void sl_zone_tree_live(long *names, long *nodes);

/** Test hook: zone versions allocated and not yet freed (zone.c). */
uint64_t sl_zone_versions_live(void);

#endif /* SL_CORE_ZONE_TREE_H */
