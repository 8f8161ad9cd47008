/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sqlite-journal — internal interfaces of the plugin's parts:
 *
 *   change.c  one zone change in memory (packed wire RRs) and the bounded,
 *             immutable history of changes that IXFR readers share;
 *   db.c      the SQLite database: schema, replay, recording, compaction;
 *   ixfr.c    IXFR answers (RFC 1995) from a history;
 *   plugin.c  the plugin: options, start/reload, the zone store's journal
 *             hook, the query handler.
 *
 * Nothing here is exported: the unit tests compile these files directly.
 */
#ifndef SLUICE_JOURNAL_H
#define SLUICE_JOURNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sluice/plugin.h>
#include <sluice/zone.h>

/** Room for one RR's presentation RDATA (at most 4 characters per octet, plus quoting). */
#define JTEXT_CAP (4 * 65535 + 4096)

/* ---- one change (change.c) ------------------------------------------------ */

/**
 * The difference between two consecutive versions, as IXFR sends it
 * (RFC 1995 §4): the removed RRs (the old SOA first), then the added RRs
 * (the new SOA first). Immutable once built; shared by reference between
 * histories and IXFR streams.
 *
 * RRs are packed back to back in @p data as
 * [owner, wire][type u16][ttl u32][rdlen u16][rdata], integers in network
 * order; the additions start at @p add_off.
 */
typedef struct jchange {
	atomic_uint ref;       /**< references (histories, streams) */
	uint32_t serial_from;  /**< serial of the version the change applies to */
	uint32_t serial_to;    /**< serial of the version it produces */
	uint32_t nremove;      /**< removed RRs */
	uint32_t nadd;         /**< added RRs */
	size_t add_off;        /**< offset of the first added RR in @p data */
	size_t len;            /**< bytes in @p data */
	size_t cap;            /**< allocated bytes (while building) */
	uint8_t *data;         /**< the packed RRs */
} jchange_t;

/** One RR of a change, pointing into the change's data. */
typedef struct jrr {
	sl_zone_diff_op_t op;  /**< removed or added */
	const uint8_t *owner;  /**< owner name (wire) */
	uint16_t type;         /**< RR type */
	uint32_t ttl;          /**< TTL */
	const uint8_t *rdata;  /**< RDATA (storage form) */
	uint16_t rdlen;        /**< its length */
} jrr_t;

/** A new, empty change with one reference. @return NULL on ENOMEM */
jchange_t *jchange_new(uint32_t serial_from, uint32_t serial_to);

/**
 * Appends one RR; every removal must come before the first addition.
 * Matches sl_zone_diff_f, so sl_zone_diff(from, to, jchange_add, change)
 * fills a change. @return SL_OK, SL_EINVAL (a removal after an addition) or SL_ENOMEM
 */
int jchange_add(void *change, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
		uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/**
 * Iterates a change's RRs: start with *@p pos = 0. @return true with @p rr
 * filled, false at the end
 */
bool jchange_next(const jchange_t *change, size_t *pos, jrr_t *rr);

/** Drops a reference; the last one frees the change. NULL is ignored. */
void jchange_put(jchange_t *change);

/** Takes a reference. */
void jchange_ref(jchange_t *change);

/**
 * The identity of an RR as the zone store compares RRs, for matching a
 * removal with the RR it removes in SQL: the lower-cased owner, the type,
 * and the RDATA with the names RFC 4034 §6.2 lower-cases lower-cased.
 * @p out needs SL_NAME_MAXLEN + 2 + @p rdlen bytes. @return its length
 */
size_t jrr_key(const uint8_t *owner, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
	       uint8_t *out);

/**
 * The history IXFR serves: the most recent changes, oldest first, each
 * continuing the previous one's serial, the last ending at the journal's
 * version. Immutable: a new change or a compaction builds a new history,
 * which replaces the old one for new readers (jhist_swap()).
 */
typedef struct jhist {
	atomic_uint ref;        /**< references */
	uint32_t serial;        /**< the journal's version (serial_to of the last change) */
	size_t n;               /**< changes */
	size_t bytes;           /**< sum of their data sizes */
	jchange_t *ch[];        /**< the changes, oldest first */
} jhist_t;

/**
 * A new history: @p old (may be NULL) without its @p drop oldest changes,
 * with @p add (may be NULL; a reference is taken) appended, ending at
 * @p serial. @return NULL on ENOMEM
 */
jhist_t *jhist_new(const jhist_t *old, size_t drop, jchange_t *add, uint32_t serial);

/** Drops a reference; the last one frees the history (and its changes' references). */
void jhist_put(jhist_t *hist);

/**
 * Index of the change whose serial_from is @p serial, or -1. (A serial can
 * appear twice only after the serial wrapped around within the history; the
 * most recent match is the right one then.)
 */
long jhist_find(const jhist_t *hist, uint32_t serial);

/* ---- the database (db.c) --------------------------------------------------- */

/** The database of one zone's journal; used by one thread at a time. */
typedef struct jdb jdb_t;

/** Bounds on the history kept (compaction folds older changes into the snapshot). */
typedef struct jdb_limits {
	uint64_t max_changes;  /**< changes kept */
	uint64_t max_size;     /**< bytes of changes kept (packed wire size) */
} jdb_limits_t;

/**
 * Opens (creating when missing) the journal database of the zone @p apex at
 * @p path: WAL mode, synchronous=FULL, a busy timeout; creates the schema in
 * a new file, checks it (schema version, zone name) and the file's integrity
 * in an existing one. @p readonly opens without writing (sluiced --check).
 * On failure *@p out is NULL and @p err holds one line naming the file.
 * @return SL_OK, SL_EIO (SQLite's error), SL_ECONFIG (not a journal of this
 *         zone, or an unknown schema version) or SL_ENOMEM
 */
int jdb_open(const char *path, const uint8_t *apex, bool readonly, jdb_t **out, char *err,
	     size_t errlen);

/** Closes the database. NULL is ignored. */
void jdb_close(jdb_t *db);

/** True when the journal holds no snapshot yet (a new file). */
bool jdb_empty(const jdb_t *db);

/** The serial of the journal's version (valid when not empty). */
uint32_t jdb_serial(const jdb_t *db);

/** True when SQLite opened the file read-only (every write will fail). */
bool jdb_readonly(const jdb_t *db);

/**
 * Rebuilds the journal's version into @p txn (an SL_TXN_EMPTY transaction):
 * the snapshot, then every change in order, checking that each continues
 * the previous serial, removes only RRs that exist, and ends at its
 * serial_to. Returns the history of changes in *@p hist (one reference).
 * @return SL_OK, SL_ECONFIG (the journal is inconsistent: @p err says where),
 *         SL_EIO (SQLite's error) or SL_ENOMEM
 */
int jdb_replay(jdb_t *db, sl_zone_txn_t *txn, jhist_t **hist, char *err, size_t errlen);

/**
 * Makes @p version the snapshot and drops every change (a new file, or a
 * history that no longer continues), in one SQLite transaction.
 * @return SL_OK, SL_EIO (with SQLite's message) or SL_ENOMEM
 */
int jdb_write_snapshot(jdb_t *db, const sl_zone_version_t *version, char *err, size_t errlen);

/**
 * Appends @p change (which continues the journal's serial) and, when the
 * history then passes @p limits, folds the oldest changes into the snapshot
 * — all in one SQLite transaction, durable when this returns SL_OK.
 * *@p folded receives how many changes were folded (the caller's history
 * drops as many). On failure nothing changed.
 * @return SL_OK, SL_EIO (with SQLite's message) or SL_ENOMEM
 */
int jdb_append(jdb_t *db, const jchange_t *change, const jdb_limits_t *limits, size_t *folded,
	       char *err, size_t errlen);

/**
 * Folds the oldest changes into the snapshot until the history is within
 * @p limits (lowered limits at start or reload), in one SQLite transaction.
 * *@p folded receives how many were folded. @return SL_OK or SL_EIO
 */
int jdb_compact(jdb_t *db, const jdb_limits_t *limits, size_t *folded, char *err,
		size_t errlen);

/* ---- IXFR (ixfr.c) -------------------------------------------------------- */

/**
 * Answers an IXFR query for @p zone from @p hist when the client's serial
 * is the start of one of its changes (and @p hist ends at the zone's
 * current serial): the changes from there on, each as a difference
 * sequence, between two copies of the current SOA — over TCP streamed with
 * sl_request_set_stream(), over UDP in one message when it fits (else the
 * current SOA alone, RFC 1995 §2). Everything else — the client current or
 * newer, older than the history, no SOA in the query, a name below the
 * apex — goes to the core's sl_answer_ixfr() (SOA alone, or the whole zone
 * AXFR-style). @p hist may be NULL; the caller holds a reference for the
 * call (a stream takes its own). *@p incremental tells whether differences
 * were sent.
 * @return what the handler returns
 */
sl_result_t jixfr_answer(sl_request_t *req, const sl_zone_t *zone, jhist_t *hist,
			 bool *incremental);

/** Takes a reference to @p hist. */
void jhist_ref(jhist_t *hist);

/* ---- writing the zone file back (sync.c) --------------------------------------- */

/**
 * The serial of the first SOA in the master file @p path (names relative to
 * @p origin). @return SL_OK, SL_ENOTFOUND (no file, or no SOA) or SL_ESYNTAX
 * (an error before the SOA)
 */
int jsync_file_serial(const char *path, const uint8_t *origin, uint32_t *serial);

/**
 * Writes @p version as a master file at @p path, atomically: a temporary
 * file beside it, fsync, rename over @p path, fsync of the directory.
 * @return SL_OK, or SL_EIO / SL_ENOMEM / SL_EINVAL with @p err set
 */
int jsync_write(const sl_zone_version_t *version, const uint8_t *apex, const char *path,
		char *err, size_t errlen);

#endif /* SLUICE_JOURNAL_H */
