/*
 * Sluice — the zone store.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A zone (sl_zone_t) lives in a process-wide registry keyed by its apex and
 * survives configuration reloads. Its data is a sequence of immutable
 * versions (sl_zone_version_t). Readers never lock: a worker reads the
 * current version with sl_zone_current() and may use it until its handler
 * returns (the core's quiescent-state tracking keeps it alive that long);
 * anything that keeps a version longer takes a reference.
 *
 * Writers build the next version copy-on-write inside a transaction — one
 * transaction per zone at a time — sharing every unchanged node with the
 * previous version. Commit runs the semantic checks, precomputes per-node
 * flags, and publishes the new version atomically; on any error nothing
 * changes. Old versions are freed once no reader can see them.
 *
 * Names are kept in DNSSEC canonical order (RFC 4034 §6.1), so exact,
 * predecessor (NSEC) and closest-encloser lookups and ordered iteration
 * (AXFR) are all direct.
 */
#ifndef SLUICE_ZONE_H
#define SLUICE_ZONE_H

#include <sluice/common.h>
#include <sluice/error.h>
#include <sluice/name.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A hosted zone (stable identity across versions and reloads). */
typedef struct sl_zone sl_zone_t;
/** One immutable version of a zone's data. */
typedef struct sl_zone_version sl_zone_version_t;
/** An open write transaction. */
typedef struct sl_zone_txn sl_zone_txn_t;

/**
 * An RRset inside a version. RDATA is stored back to back as
 * [2-byte big-endian length][RDATA], in canonical RDATA order (RFC 4034
 * §6.3), without duplicates. Iterate with sl_rrset_next().
 */
typedef struct sl_rrset {
	uint16_t type;        /**< RR type */
	uint16_t count;       /**< number of RRs */
	uint32_t ttl;         /**< TTL (equal for every RR, RFC 2181 §5.2) */
	const uint8_t *data;  /**< packed RDATA */
	uint32_t data_len;    /**< bytes in @p data */
} sl_rrset_t;

/** Node flags, computed at commit. */
enum sl_node_flag {
	SL_NODE_APEX = 0x01,       /**< the zone apex */
	SL_NODE_DELEG = 0x02,      /**< a zone cut: NS below the apex (even below another cut) */
	SL_NODE_NONAUTH = 0x04,    /**< strictly below a zone cut (glue or occluded data) */
	SL_NODE_ENT = 0x08,        /**< empty non-terminal: no RRsets, descendants exist */
	SL_NODE_WILDCARD = 0x10,   /**< has a "*" child label */
	SL_NODE_DNAME_BELOW = 0x20,/**< strictly below a DNAME owner (occluded) */
};

/** One owner name in a version. Read-only for everyone but the store. */
typedef struct sl_node {
	const uint8_t *owner;       /**< owner name (wire, case as loaded) */
	const sl_rrset_t *rrsets;   /**< RRsets sorted by type (RRSIGs: one per covered type, by it) */
	uint16_t nrrsets;           /**< their number (0 for an empty non-terminal) */
	uint16_t flags;             /**< SL_NODE_* */
} sl_node_t;

/**
 * Result of sl_zone_lookup(): pointers into the version, nothing of the
 * store's search state (the lookup keeps that on its own stack).
 */
typedef struct sl_zone_lookup {
	const sl_node_t *node;      /**< exact match (data or empty non-terminal), or NULL */
	const sl_node_t *encloser;  /**< closest encloser: the longest existing ancestor-or-self */
	/**
	 * Canonical predecessor of the name: the greatest existing name that
	 * sorts at or before it (the name itself when it exists). Never NULL:
	 * the apex sorts first. There is no wrap-around on this side; for NSEC
	 * "next" wrap from the last node back to the apex.
	 */
	const sl_node_t *previous;
	const sl_node_t *cut;       /**< the topmost zone cut at or above the name, or NULL */
	const sl_node_t *dname;     /**< the topmost DNAME owner strictly above the name, or NULL */
} sl_zone_lookup_t;

/**
 * Most NSEC3 hash iterations a zone may use (NSEC3 and NSEC3PARAM): more
 * is an error at every commit (RFC 9276 §3.2; 0 is recommended).
 */
#define SL_NSEC3_MAX_ITERATIONS 100

/** Caps enforced at every commit (load, update, transfer alike). */
typedef struct sl_zone_limits {
	uint32_t max_rrset_rrs;     /**< RRs in one RRset (default 1000) */
	uint32_t max_types_per_name;/**< RRsets at one name (default 100) */
	uint64_t max_zone_rrs;      /**< RRs in the zone (default 10,000,000) */
} sl_zone_limits_t;

/** Fills @p limits with the defaults above. */
SL_API void sl_zone_limits_default(sl_zone_limits_t *limits);

/* ---- the registry ------------------------------------------------------- */

/**
 * Returns the zone with apex @p apex, creating it (empty, no version) if
 * needed, and takes a reference. Thread-safe. Apexes compare
 * case-insensitively. @return the zone, or NULL (ENOMEM, or @p apex is not a
 * valid wire name)
 */
SL_API sl_zone_t *sl_zone_get(const uint8_t *apex);

/**
 * Drops a reference taken by sl_zone_get(). The last one removes the zone
 * from the registry; its memory (and its current version) is freed once no
 * worker can still be reading it (core/qsbr.h).
 */
SL_API void sl_zone_put(sl_zone_t *zone);

/** The zone's apex (lower-cased wire name). */
SL_API const uint8_t *sl_zone_name(const sl_zone_t *zone);

/**
 * The version readers should use now, or NULL when the zone has no data yet
 * (still loading, or failed to load: answer SERVFAIL). On a worker thread the
 * result stays valid until the worker's next quiescent state (core/qsbr.h:
 * after the current batch of work), so at least until the handler returns.
 */
SL_API const sl_zone_version_t *sl_zone_current(const sl_zone_t *zone);

/**
 * How many versions @p zone has published since it was created (wrapping
 * at 2^32; 0 while it has none) and, in *@p serial when not NULL, the SOA
 * serial of the latest, read together. Lock-free and safe on any thread —
 * unlike holding sl_zone_current() off a worker — for watchers that act on
 * each new version, such as NOTIFY.
 */
SL_API uint32_t sl_zone_published(const sl_zone_t *zone, uint32_t *serial);

/** Takes a reference to @p version so it outlives the current handler (e.g. an AXFR stream). */
SL_API void sl_zone_version_ref(const sl_zone_version_t *version);

/**
 * Drops a reference taken by sl_zone_version_ref(). Never frees on the
 * calling thread: a last reference hands the version to the reclaimer.
 */
SL_API void sl_zone_version_unref(const sl_zone_version_t *version);

/* ---- reading a version -------------------------------------------------- */

/** The apex node (always present in a committed version). */
SL_API const sl_node_t *sl_zone_apex(const sl_zone_version_t *version);

/** The SOA serial of the version. */
SL_API uint32_t sl_zone_serial(const sl_zone_version_t *version);

/** Number of RRs in the version. */
SL_API uint64_t sl_zone_rr_count(const sl_zone_version_t *version);

/** Exact lookup (case-insensitive). @return the node or NULL */
SL_API const sl_node_t *sl_zone_find(const sl_zone_version_t *version, const uint8_t *name);

/**
 * Full lookup for answering: exact match, closest encloser, canonical
 * predecessor, zone cut and DNAME above the name. Allocation-free; one tree
 * descent, plus one for the encloser when the name does not exist, plus a
 * short walk of the encloser's ancestors only when a cut or DNAME is above.
 * @return SL_OK (exact match), SL_ENOTFOUND (no exact match; other fields
 *         set) or SL_EINVAL (@p name is not in the zone; all fields NULL)
 */
SL_API int sl_zone_lookup(const sl_zone_version_t *version, const uint8_t *name,
			  sl_zone_lookup_t *out);

/**
 * The RRset of @p type at @p node, or NULL. RRSIGs are stored as one RRset
 * per covered type (RFC 4034 §3: each with the TTL of the RRset it covers),
 * after one another in covered-type order: for SL_TYPE_RRSIG this returns
 * the first of them (the node's RRSIG RRsets are it and those that follow
 * with type RRSIG); use sl_node_rrsig() for one covered type.
 */
SL_API const sl_rrset_t *sl_node_rrset(const sl_node_t *node, uint16_t type);

/**
 * The RRSIGs at @p node that cover @p covered (an RRset of type
 * SL_TYPE_RRSIG, TTL that of the covered RRset as signed), or NULL.
 */
SL_API const sl_rrset_t *sl_node_rrsig(const sl_node_t *node, uint16_t covered);

/**
 * Iterates RDATA of an RRset: pass NULL to start. Returns a pointer to the
 * next RDATA and its length in *@p rdlen, or NULL at the end.
 */
SL_API const uint8_t *sl_rrset_next(const sl_rrset_t *rrset, const uint8_t *prev,
				    uint16_t *rdlen);

/* ---- denial of existence (RFC 4035 §3.1.3, RFC 5155 §7.2) ---------------- */

/**
 * The NSEC that matches or covers @p name: the greatest authoritative node
 * (not below a zone cut) at or before @p name in canonical order that owns
 * an NSEC RRset; empty non-terminals and glue are skipped, a cut's subtree
 * in one step. Allocation-free. @return the node, or NULL (no NSEC chain
 * before the name, or @p name not in the zone)
 */
SL_API const sl_node_t *sl_zone_nsec_previous(const sl_zone_version_t *version,
					      const uint8_t *name);

/** True when the version has NSEC3 records (children of the apex owning NSEC3). */
SL_API bool sl_zone_has_nsec3(const sl_zone_version_t *version);

/**
 * Finds the NSEC3 for a hashed owner name @p owner ("<base32hex hash>.<apex>",
 * see sl_nsec3_owner()) through the version's index of NSEC3 owners, in
 * O(log n): *@p match gets the NSEC3 node of that name, or else *@p cover
 * the one whose owner precedes it in hash order (the last one when the hash
 * sorts before them all: the chain wraps). Allocation-free.
 * @return SL_OK (match), SL_ENOTFOUND (cover) or SL_EINVAL (no NSEC3 records,
 *         or @p owner is not in the zone)
 */
SL_API int sl_zone_nsec3_find(const sl_zone_version_t *version, const uint8_t *owner,
			      const sl_node_t **match, const sl_node_t **cover);

/**
 * Octets of an iterator's opaque state. Part of the ABI: the store keeps
 * its traversal state inside them (today about 1 KiB for a path of up to
 * 64 tree levels), so the tree can change without breaking plugins; a
 * store that ever needs more bumps SL_PLUGIN_ABI_VERSION.
 */
#define SL_ZONE_ITER_SIZE 1280

/**
 * Ordered iteration state (canonical order): fixed-size, opaque storage
 * the caller provides (on the stack, or inside its own state), so walking
 * allocates nothing. Touch it only through sl_zone_iter_init() and
 * sl_zone_iter_next(). The version must stay valid while it is walked:
 * take a reference when the walk spans handlers (AXFR).
 */
typedef struct sl_zone_iter {
	/** The store's private state; do not read or write. */
	union {
		unsigned char bytes[SL_ZONE_ITER_SIZE]; /**< storage */
		void *align_ptr;                        /**< pointer alignment */
		uint64_t align_u64;                     /**< 64-bit alignment */
	} opaque;
} sl_zone_iter_t;

/** Positions @p it before the first node (the apex). */
SL_API void sl_zone_iter_init(sl_zone_iter_t *it, const sl_zone_version_t *version);

/** The next node in canonical order, or NULL at the end. */
SL_API const sl_node_t *sl_zone_iter_next(sl_zone_iter_t *it);

/* ---- writing ------------------------------------------------------------ */

/** Transaction flags. */
enum sl_zone_txn_flag {
	SL_TXN_EMPTY = 0x1, /**< start from an empty zone instead of the current version (full load) */
};

/**
 * Opens the zone's single write transaction, waiting for any other writer.
 * Must not be called on a worker thread (it may block). *@p txn is NULL on
 * failure. @return SL_OK, SL_EINVAL or SL_ENOMEM
 */
SL_API int sl_zone_txn_begin(sl_zone_t *zone, unsigned flags, sl_zone_txn_t **txn);

/**
 * Adds one RR. @p owner must be a valid name at or below the apex, @p type a
 * data type (not 0 or a meta/query type) and @p rdata valid for it
 * (sl_rdata_check()); SL_EINVAL otherwise, nothing logged. Adding an RR
 * already present (RDATA equal, embedded names compared case-insensitively)
 * is a no-op. A TTL different from the RRset's is set to the RRset's first
 * TTL with one warning per RRset (RFC 2181 §5.2; for SL_TXN_EMPTY the
 * warning comes at commit). @p where ("file:line" or NULL) is quoted in
 * errors found at commit and in warnings.
 * @return SL_OK, SL_EINVAL, SL_ELIMIT (an RRset would exceed 65535 RRs or a
 *         name 65535 RRsets, or 2^32 records in one transaction) or SL_ENOMEM
 */
SL_API int sl_zone_txn_add(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type, uint32_t ttl,
			   const uint8_t *rdata, uint16_t rdlen, const char *where);

/**
 * Removes one RR (RDATA compared as in sl_zone_txn_add()).
 * @return SL_OK, SL_ENOTFOUND (also for an owner outside the zone) or SL_ENOMEM
 */
SL_API int sl_zone_txn_remove(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type,
			      const uint8_t *rdata, uint16_t rdlen);

/**
 * Removes the RRset of @p type at @p owner, or every RRset there when
 * @p type is SL_TYPE_ANY. @return SL_OK, SL_ENOTFOUND or SL_ENOMEM
 */
SL_API int sl_zone_txn_remove_rrset(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type);

/**
 * The RRset as the transaction currently sees it, or NULL (for UPDATE
 * prerequisites). Valid until the next change to the transaction, its commit
 * or abort. (Reading or removing in an SL_TXN_EMPTY transaction first turns
 * its append-only log into the general form: fine, but slower for a full load.)
 */
SL_API const sl_rrset_t *sl_zone_txn_rrset(sl_zone_txn_t *txn, const uint8_t *owner,
					   uint16_t type);

/**
 * The types of the RRsets at @p owner as the transaction currently sees
 * it, ascending, the first @p cap of them written to @p types (for UPDATE:
 * "name is in use", deleting all RRsets at a name, CNAME exclusivity).
 * ABI 2.1. @return how many RRsets the name has (may exceed @p cap); 0 for
 *         a name without data (absent, empty non-terminal, outside the zone)
 */
SL_API size_t sl_zone_txn_types(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t *types,
				size_t cap);

/**
 * Checks and publishes. Semantic checks: exactly one SOA, at the apex; NS at
 * the apex; nothing but RRSIG/NSEC beside a CNAME and at most one CNAME; no
 * DNAME beside a CNAME, at most one DNAME; no data below a DNAME (RFC 6672
 * §2.4; below a zone cut the DNAME and its subtree are not authoritative and
 * not checked); glue (A/AAAA) present for every
 * NS target that lies at or below a zone cut of this zone (for NS RRsets at
 * the apex and at authoritative cuts; occluded NS are not checked); NSEC3 and NSEC3PARAM
 * iterations at most SL_NSEC3_MAX_ITERATIONS;
 * @p limits (NULL: defaults). Per-name checks and the per-name limits run on
 * the names the transaction changes (every name for SL_TXN_EMPTY or a first
 * load); the apex, zone-size and glue checks always hold for the whole
 * result. Each failure goes to @p report (when not NULL) as an sl_error_t:
 * its file is the place the record was added with (the @p where of
 * sl_zone_txn_add(); "" when none or for zone-wide problems), its message
 * "owner[ TYPE]: message", its count the failures so far.
 * On any failure nothing changes (the current version stays current). On
 * success the new version is current for every new reader when this
 * returns; a transaction that changed nothing publishes nothing.
 * When the zone has a signer (sl_zone_set_signer()), it may then amend the
 * new version (the amended one is checked again); a signer that fails
 * fails the commit with its message (SL_ECONFIG), nothing published.
 * Then, when the zone has a journal (sl_zone_set_journal()), the new
 * version goes to it before publication; a journal that refuses it fails
 * the commit with its message, nothing published.
 * The transaction is freed either way.
 * @return SL_OK, SL_ECONFIG (checks failed), SL_EIO (the journal refused
 *         the version), SL_EEXIST (the journal refused it as stale: it
 *         already holds this serial or a newer one) or SL_ENOMEM
 */
SL_API int sl_zone_txn_commit_report(sl_zone_txn_t *txn, const sl_zone_limits_t *limits,
				     sl_error_f report, void *arg);

/**
 * sl_zone_txn_commit_report() with the failures written to @p err, each as
 * the line sl_error_format() makes ("[where: ]owner[ TYPE]: message"), lines
 * separated by "\n" (no final newline); when @p err is too small, the lines
 * that fit are kept whole. (The form of ABI 2.0, kept for plugins built
 * against it; new code should take the sl_error_t of each failure.)
 * @return SL_OK, SL_ECONFIG (checks failed) or SL_ENOMEM
 */
SL_API int sl_zone_txn_commit(sl_zone_txn_t *txn, const sl_zone_limits_t *limits, char *err,
			      size_t errlen);

/** Discards the transaction (nothing changes) and frees it. */
SL_API void sl_zone_txn_abort(sl_zone_txn_t *txn);

/* ---- differences and the journal hook ------------------------------------ */

/** Which side of a difference an RR is on (sl_zone_diff()). */
typedef enum sl_zone_diff_op {
	SL_DIFF_REMOVE = 0, /**< in the older version only */
	SL_DIFF_ADD = 1,    /**< in the newer version only */
} sl_zone_diff_op_t;

/**
 * Receives one RR of a difference. @p owner and @p rdata point into a
 * version and stay valid while that version does. Return SL_OK to go on;
 * any other value stops sl_zone_diff(), which returns it.
 */
typedef int (*sl_zone_diff_f)(void *arg, sl_zone_diff_op_t op, const uint8_t *owner,
			      uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/**
 * Reports the RRs that turn @p from into @p to, in the order of an IXFR
 * difference sequence (RFC 1995 §4): every removed RR first — @p from's SOA
 * first of all — then every added RR, @p to's SOA first. Within each half
 * the RRs come in canonical order (owner, type, RDATA). An RRset whose TTL
 * changed is reported whole on both sides (an RR's identity includes its
 * TTL in a transfer). RDATA equality is the store's (embedded names compared
 * case-insensitively where RFC 4034 §6.2 lower-cases them). @p from may be
 * NULL (everything in @p to is added); so may @p to. Allocation-free; nodes
 * the two versions share are skipped without comparing their contents.
 * Runs in time linear in the two versions' sizes; the caller keeps both
 * versions valid (a reference, or the writer's own commit hook).
 * @return SL_OK, or the first non-SL_OK value @p cb returned
 */
SL_API int sl_zone_diff(const sl_zone_version_t *from, const sl_zone_version_t *to,
			sl_zone_diff_f cb, void *arg);

/**
 * A zone's journal: the writer that makes each new version durable before
 * anyone can see it (GUIDE §3: "checks it, hands it to the journal, then
 * swaps the pointer"). At most one per zone.
 */
typedef struct sl_zone_journal {
	/**
	 * Called by sl_zone_txn_commit() on the committing thread, after the
	 * checks passed and before publication, with the version being replaced
	 * (NULL on a zone's first load) and the new one (sl_zone_diff() between
	 * them gives the change). Return SL_OK once the change is durable; any
	 * other value aborts the commit — the current version keeps serving —
	 * and the message set in @p err (sl_error_set(); cleared before the
	 * call) is reported as the commit's error. Return SL_EEXIST to refuse
	 * a version as stale (the journal already holds its serial or a newer
	 * one: a zone file older than the journal's history): the commit
	 * returns SL_EEXIST, which a loader may report as a notice; every
	 * other refusal becomes SL_EIO. Must not call back into this zone's
	 * transactions.
	 */
	int (*write)(void *arg, const sl_zone_t *zone, const sl_zone_version_t *from,
		     const sl_zone_version_t *to, sl_error_t *err);
	/** Passed to write(). */
	void *arg;
} sl_zone_journal_t;

/**
 * Installs @p journal (copied) as @p zone's journal, or removes it when
 * @p journal is NULL. Waits for a commit in progress to finish, so after
 * removal write() is never called again and @p arg may be freed. Not while
 * the caller itself holds a transaction on @p zone (it would wait forever).
 * @return SL_OK, SL_EEXIST when another journal is installed (remove it
 *         first), or SL_EINVAL
 */
SL_API int sl_zone_set_journal(sl_zone_t *zone, const sl_zone_journal_t *journal);

/* ---- the signer hook -------------------------------------------------------- */

/**
 * A zone's signer: a writer that may change each new version before it is
 * published (DNSSEC: DNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM). At most one
 * per zone.
 */
typedef struct sl_zone_signer {
	/**
	 * Called by sl_zone_txn_commit_report() on the committing thread, with
	 * the zone's writer lock held, after the checks built the new version
	 * @p to and before the journal hook and publication; @p from is the
	 * version being replaced (NULL on a zone's first load). @p amend is a
	 * transaction based on @p to, owned by the commit: change it with
	 * sl_zone_txn_add(), sl_zone_txn_remove(), sl_zone_txn_remove_rrset()
	 * and read it with sl_zone_txn_rrset(); never commit or abort it.
	 * @p to (and @p from) may be read with the version functions
	 * (sl_zone_iter_init(), sl_zone_find(), ...) during the call. When the
	 * signer changed something, the commit builds the final version from
	 * @p amend incrementally, checks it like any commit, and hands that one
	 * to the journal and publishes it. Return SL_OK to go on; any other
	 * value fails the commit (nothing published, the current version keeps
	 * serving) with the message set in @p err (sl_error_set(); cleared
	 * before the call) as its error. Must not begin a transaction on this
	 * zone (the commit holds its writer lock).
	 */
	int (*sign)(void *arg, sl_zone_t *zone, const sl_zone_version_t *from,
		    const sl_zone_version_t *to, sl_zone_txn_t *amend, sl_error_t *err);
	/** Passed to sign(). */
	void *arg;
} sl_zone_signer_t;

/**
 * Installs @p signer (copied) as @p zone's signer, or removes it when
 * @p signer is NULL. Waits for a commit in progress to finish, so after
 * removal sign() is never called again and @p arg may be freed. Not while
 * the caller itself holds a transaction on @p zone (it would wait forever).
 * @return SL_OK, SL_EEXIST when another signer is installed (remove it
 *         first), or SL_EINVAL
 */
SL_API int sl_zone_set_signer(sl_zone_t *zone, const sl_zone_signer_t *signer);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_ZONE_H */
