/*
 * Sluice core — zone store internals shared by its files (not installed).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Versions are persistent B+trees of name nodes (zone_tree.c). A transaction
 * never touches the tree until commit:
 *  - SL_TXN_EMPTY (full load, AXFR) appends records to a log (txn_log.c);
 *    commit sorts the log once and builds the tree bottom-up, computing
 *    empty non-terminals and flags in the same ordered pass (O(n log n)).
 *  - Other transactions keep an overlay (txn.c): a hash of the names they
 *    touch, each with its RRsets unpacked into sorted arrays. Commit packs
 *    each changed name into a new node and path-copies it into a tree that
 *    shares every other node with the base version (commit_inc.c); empty
 *    non-terminals and flags are fixed only around the changed names (a
 *    whole subtree is revisited only when a zone cut or DNAME appears or
 *    disappears above it).
 * Semantic checks (checks.c) run on the names a transaction changes (every
 * name for a full load). Glue is kept honest incrementally with a per-version
 * index of the in-zone NS targets (a second tree, target -> reference count):
 * a commit that moves a cut or removes addresses asks the index whether any
 * NS could have lost its glue, and scans the zone only to name the culprits.
 * Publication is one atomic release store (commit.c); the replaced version is
 * retired through QSBR and freed when no reader can still see it (zone.c).
 *
 * Functions shared between the files are prefixed sl_zi_ ("zone internal");
 * like everything in the core they are hidden, never exported.
 */
#ifndef SL_CORE_ZONE_INT_H
#define SL_CORE_ZONE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sluice/rr.h>
#include <sluice/zone.h>

#include "qsbr.h"
#include "zone_tree.h"

/* Longest "where" kept per record; longer ones are cut. */
#define WHERE_MAX 200

/* ---- versions and zones (zone.c) ----------------------------------------- */

struct sl_zone_version {
	sl_qsbr_head_t qsbr;     /* retire link */
	_Atomic uint32_t refs;   /* 1 while current + sl_zone_version_ref() + open txns */
	sl_bt_t *root;           /* the names */
	sl_bt_t *nsref;          /* in-zone NS targets with reference counts */
	sl_bt_t *nsec3;          /* NSEC3 owners (keys only, see sl_zi_nsec3_owner()), or NULL */
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
	sl_zone_journal_t journal;           /* under wlock; write NULL = none (diff.c) */
	sl_zone_signer_t signer;             /* under wlock; sign NULL = none (sign.c) */
	/* Versions published (high 32 bits, wrapping) and the latest serial (low 32). */
	_Atomic uint64_t published;
};

/** Takes a reference to a zone of the registry (a transaction holds one). */
void sl_zi_zone_ref(sl_zone_t *zone);

/** A version owning @p root and @p nsref (on success only). @return NULL on ENOMEM */
sl_zone_version_t *sl_zi_version_new(sl_bt_t *root, sl_bt_t *nsref, unsigned apex_labels,
				     uint64_t rrs);

/** Records that @p v was published (sl_zone_published()); under the writer lock. */
void sl_zi_count_published(sl_zone_t *zone, const sl_zone_version_t *v);

/** Drops a replaced version's "current" reference once no reader can see it. */
void sl_zi_version_retire(sl_zone_version_t *v);

/** The lookup behind sl_zone_lookup(), on a tree and a key. */
void sl_zi_lookup(const sl_bt_t *root, const uint8_t *key, size_t klen, sl_zone_lookup_t *out);

static inline bool node_has(const sl_node_t *n, uint16_t type)
{
	return sl_node_rrset(n, type) != NULL;
}

/*
 * Key of @p name relative to an apex of @p apex_labels labels, or false
 * when the name is not at or below @p apex.
 */
static inline bool zone_key(const uint8_t *name, const uint8_t *apex, unsigned apex_labels,
			    uint8_t key[SL_ZKEY_MAX], size_t *klen)
{
	return sl_zkey_in_zone(name, apex, apex_labels, key, klen);
}

/* ---- transactions (txn.c, txn_log.c) ------------------------------------- */

/* Where a record came from: "s" alone, or "s:line" when line > 0. */
typedef struct where {
	const char *s;
	uint32_t line;
} where_t;

#define NOWHERE ((where_t){ NULL, 0 })

/* One RR as a transaction sees it (RDATA in the arena, a log chunk or a base node). */
typedef struct tx_rr {
	const uint8_t *rdata;
	where_t where;
	uint16_t len;
	uint32_t ttl;  /* this RR's own TTL: used for RRSIG only (see rrsig_ttl()) */
} tx_rr_t;

/*
 * RRSIGs are kept per RR in a transaction (one RRSIG "set" per name, in
 * canonical RDATA order, which groups them by covered type since that is
 * the first RDATA field) and split per covered type when a node is packed:
 * each covered type's RRSIGs become their own sl_rrset_t of type RRSIG with
 * their own TTL (RFC 4034 §3), stored after one another in covered-type
 * order. Only RRSIGs may differ in TTL within a transaction's set.
 */
static inline uint16_t rrsig_covered(const uint8_t *rdata, uint16_t len)
{
	return len >= 2 ? (uint16_t)(rdata[0] << 8 | rdata[1]) : 0;
}

/* An RRset of an overlay name: RRs in canonical order. */
typedef struct tx_set {
	uint16_t type;
	bool ttl_warned;
	uint32_t ttl;
	uint32_t n;
	size_t cap;
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
	unsigned nsets;        /* RRsets sorted by type */
	size_t cap;
	tx_set_t *sets;
} tx_name_t;

/* The full-load log's chunks, fragments and sort index (txn_log.c). */
struct fchunk;
struct frag;
struct fl_ent;
/* Overlay allocations (txn.c). */
struct arena_chunk;

struct sl_zone_txn {
	sl_zone_t *zone;
	sl_zone_version_t *base;   /* referenced; NULL: start from nothing */
	bool bulk;                 /* log mode (SL_TXN_EMPTY until a read/remove) */
	bool amend;                /* a signer's amendment: the commit holds the lock */
	struct arena_chunk *arena; /* overlay allocations */
	const char *last_where;
	/* log mode */
	struct fchunk *fhead, *ftail;
	struct frag *cur;          /* fragment records are appended to */
	struct fl_ent *ents;
	size_t nents, capents;
	uint32_t seq;
	char **wfiles;             /* interned "where" prefixes */
	unsigned nwfiles, lastw;
	size_t capwfiles;
	/* overlay mode */
	tx_name_t **htab;
	size_t hcap, hcount;
};

/** Frees the transaction, unlocks its zone and drops its references. */
void sl_zi_txn_free(sl_zone_txn_t *t);

/** Transaction arena allocation (8-aligned, freed with the txn). @return NULL on ENOMEM */
void *sl_zi_alloc(sl_zone_txn_t *t, size_t size);

/** Formats @p w into @p buf when it has a line. @return the text, or NULL when none */
const char *sl_zi_where_text(where_t w, char *buf, size_t size);

/**
 * RFC 4034 §6.3 order of two RDATA of type @p type: the canonical forms
 * compared as octet strings, shorter first on a tie. Equal RRs are duplicates.
 */
int sl_zi_rdata_cmp(uint16_t type, const uint8_t *a, size_t al, const uint8_t *b, size_t bl);

/** Logs (once per RRset, the caller tracks it) an RR whose TTL differs from its RRset's. */
void sl_zi_warn_ttl(where_t where, const uint8_t *owner, uint16_t type, uint32_t ttl,
		    uint32_t first);

/** Adds an RR (key @p key of @p klen octets) to the overlay; duplicates are ignored. */
int sl_zi_ov_add(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
		 uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		 const char *where);

/** The overlay entry with key @p key, or NULL. */
const tx_name_t *sl_zi_ov_lookup(const sl_zone_txn_t *t, const uint8_t *key, size_t klen);

/** Appends an RR to the full-load log. */
int sl_zi_log_add(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		  const char *where);

/** Leaves the log for the overlay (a full-load txn that reads or removes): replays it. */
int sl_zi_log_to_overlay(sl_zone_txn_t *t);

/** Frees whatever the log still holds. */
void sl_zi_log_free(sl_zone_txn_t *t);

/* ---- commit (checks.c, commit.c, commit_inc.c) --------------------------- */

/* A pending name: what commit checks and packs, from the log or the overlay. */
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

/* Buffers a pending name is built in, reused from name to name. */
typedef struct scratch {
	tx_rr_t *rrs;
	size_t rrcap;
	pn_set_t *sets;
	size_t setcap;
	struct rp *rps;       /* txn_log.c: records being sorted */
	size_t rpcap;
} scratch_t;

/* Error collection of one commit. */
typedef struct cctx {
	sl_error_f report;            /* receives each problem, or NULL */
	void *arg;                    /* passed to report */
	unsigned nerr;
	const sl_zone_limits_t *lim;
} cctx_t;

/* Growable array of node pointers. */
typedef struct znvec {
	sl_zn_t **v;
	size_t n, cap;
} znvec_t;

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

/* Where the NS RRset of the node of rank idx was added (for glue errors). */
typedef struct nsw {
	size_t idx;
	where_t where;
} nsw_t;

typedef struct nswvec {
	nsw_t *v;
	size_t n, cap;
} nswvec_t;

/* A full build in progress (sl_zi_full_begin() to sl_zi_full_end()). */
typedef struct full {
	sl_zn_t **zns;        /* every name's node by canonical rank */
	size_t n;             /* ranks filled so far (the highest + 1) */
	nswvec_t nsw;         /* where the NS RRsets were added */
	trefvec_t tv;         /* their in-zone targets */
	uint64_t total;       /* RRs */
} full_t;

/** Appends "where: owner TYPE: message" as one line to the commit's errors. */
void sl_zi_cerr(cctx_t *c, where_t wh, const uint8_t *owner, uint16_t type, const char *fmt,
		...) SL_PRINTF(5, 6);

/** The RRset of type @p type of a pending name, or NULL. */
const pn_set_t *sl_zi_pn_set(const pn_t *pn, uint16_t type);

/** Where the first RR of @p s that has one was added (NOWHERE for none or NULL). */
where_t sl_zi_set_where(const pn_set_t *s);

/** RRs of a pending name. */
uint64_t sl_zi_pn_rrs(const pn_t *pn);

/** The checks that concern one name (and the apex's own ones). */
void sl_zi_check_name(cctx_t *c, const pn_t *pn, bool apex);

/** The cap on the RRs of the whole zone (@p total of them, the apex is @p apex). */
void sl_zi_check_total(cctx_t *c, const uint8_t *apex, uint64_t total);

/**
 * Every NS target of @p ns (an active NS RRset: apex or an authoritative
 * cut) that lies at or below a zone cut of this zone must have A or AAAA.
 */
void sl_zi_check_glue(cctx_t *c, const sl_bt_t *root, const sl_zn_t *apex,
		      unsigned apex_labels, const sl_zn_t *ns, where_t where);

/**
 * True for a node holding data strictly below an authoritative DNAME, which
 * RFC 6672 §2.4 forbids (its flags must be final).
 */
bool sl_zi_below_dname(const sl_zn_t *z);
/** Reports @p z's data below the nearest DNAME above it in @p root, at @p where. */
void sl_zi_check_below_dname(cctx_t *c, const sl_bt_t *root, const sl_zn_t *z, where_t where);
/** True for a node whose NS RRset is active (apex, or a cut not itself occluded). */
bool sl_zi_active_ns(const sl_zn_t *z);

/** A fresh tree generation (nodes stamped with it are private to one commit). */
uint64_t sl_zi_gen_next(void);

/** Makes room in @p sc for @p rrs RRs in @p sets RRsets. @return SL_OK or SL_ENOMEM */
int sl_zi_scratch_reserve(scratch_t *sc, size_t rrs, size_t sets);

/** Frees the buffers of @p sc. */
void sl_zi_scratch_free(scratch_t *sc);

/** An overlay name as a pending name (empty RRsets skipped), built in @p sc. */
int sl_zi_ov_pn(const tx_name_t *n, scratch_t *sc, pn_t *pn);

/** RRsets a pending set packs into: one (none when empty), or one per covered type for RRSIG. */
unsigned sl_zi_packed_sets(const pn_set_t *s);

/** Packs a pending name into a new node with its own flags (apex, cut, ENT). */
sl_zn_t *sl_zi_zn_from_pn(const pn_t *pn, bool apex);

/** An empty non-terminal for the ancestor of @p owner whose key is key[0..klen). */
sl_zn_t *sl_zi_zn_ent(const uint8_t *key, size_t klen, const uint8_t *fullkey, size_t fullklen,
		      const uint8_t *owner);

/** Flags a child inherits from a parent with flags @p pf (and a DNAME or not). */
uint16_t sl_zi_inherited(uint16_t pf, bool pdname);

/** Appends @p z to @p a. @return SL_OK or SL_ENOMEM */
int sl_zi_znvec_push(znvec_t *a, sl_zn_t *z);

static inline bool is_wild_key(const uint8_t *key, size_t klen)
{
	size_t p = sl_zkey_parent(key, klen);

	return klen - p == 2 && key[p] == '*';
}

/*
 * Every version indexes the in-zone targets of all its NS RRs (active or
 * occluded) with a reference count, in a second tree of the same kind whose
 * nodes carry no RRsets: the count lives in the otherwise unused RRset
 * pointer. A commit that puts a cut above names, or takes addresses away,
 * asks it whether some NS could now lack glue instead of scanning the zone.
 */
static inline uint32_t ref_count(const sl_zn_t *z)
{
	return (uint32_t)(uintptr_t)z->pub.rrsets;
}

/*
 * The NSEC3 index: every version keeps the keys of its NSEC3 owners (apex
 * children with an NSEC3 RRset) in a third tree of the same kind, nodes
 * without RRsets, so that the NSEC3 matching or covering a hash is found in
 * O(log n) (RFC 5155 §7.2), never by walking the names in between. The
 * node itself is then looked up in the main tree by the same key.
 */
static inline bool sl_zi_nsec3_owner(const sl_zn_t *z)
{
	return z != NULL && z->keylen > 0 && sl_zkey_parent(z->key, z->keylen) == 0 &&
	       node_has(&z->pub, SL_TYPE_NSEC3);
}

/** Builds the NSEC3 index of the nodes @p zns (any order of keys is not allowed: canonical). */
int sl_zi_nsec3_index(sl_zn_t *const *zns, size_t n, sl_bt_t **out);

/** An index node for target @p owner (key @p key) with @p count references. */
sl_zn_t *sl_zi_ref_new(const uint8_t *key, size_t klen, const uint8_t *owner, uint32_t count);

/** Starts a full build of at most @p names names. @return SL_OK or SL_ENOMEM */
int sl_zi_full_begin(full_t *fb, size_t names);

/** Checks the name of rank @p idx of a full build and packs it into its node. */
int sl_zi_full_name(sl_zone_txn_t *t, cctx_t *c, full_t *fb, const pn_t *pn, size_t idx);

/**
 * Ends a full build: when @p rc is SL_OK, builds the version from the
 * names packed (ranks 0 to n - 1, all of them) into *@p out; otherwise
 * discards them. Frees what @p fb holds either way. @return the outcome
 */
int sl_zi_full_end(sl_zone_txn_t *t, cctx_t *c, full_t *fb, int rc, sl_zone_version_t **out);

/** Full build from the log (names packed in arrival order, chunks unmapped as consumed). */
int sl_zi_log_build(sl_zone_txn_t *t, cctx_t *c, sl_zone_version_t **out);

/** Collects the modified overlay names of @p t in canonical order (*@p out: free()). */
int sl_zi_sorted_names(sl_zone_txn_t *t, tx_name_t ***out, size_t *n);

/**
 * Runs the zone's signer on the checked version *@p v (sign.c): on success
 * *@p v is the amended, checked version (the unamended one retired), else
 * NULL (retired too). @return SL_OK, SL_ECONFIG or SL_ENOMEM
 */
int sl_zi_sign(sl_zone_txn_t *txn, cctx_t *c, sl_zone_version_t **v);

/** Incremental commit of the modified overlay names @p names (canonical order) on the base. */
int sl_zi_build_inc(sl_zone_txn_t *t, tx_name_t **names, size_t nn, cctx_t *c,
		    sl_zone_version_t **out);

#endif /* SL_CORE_ZONE_INT_H */
