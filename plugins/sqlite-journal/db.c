/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sqlite-journal — the database: schema, replay, recording, compaction.
 *
 * Every RR is stored in presentation format (owner, TTL, type, RDATA as
 * `dig` prints them) so that a person can read the journal with the
 * `sqlite3` shell; a BLOB key beside it (jrr_key(): the RR's identity as
 * the zone store compares RRs) lets compaction match a removal with the RR
 * it removes in SQL. Before an RR is written its text is parsed back and
 * compared with the RDATA: what cannot be read back exactly is refused,
 * never stored. The schema is described in README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sluice/name.h>
#include <sluice/rr.h>

#include "journal.h"

/* The schema this code reads and writes (meta.schema_version). */
#define SCHEMA_VERSION "1"
/* Milliseconds SQLite waits for another connection's lock (a sqlite3 shell). */
#define BUSY_TIMEOUT_MS 5000
/* An RR key: owner, type, RDATA. */
#define KEY_CAP (SL_NAME_MAXLEN + 2 + SL_RDATA_MAXLEN)

struct jdb {
	sqlite3 *db;
	char *path;
	uint8_t apex[SL_NAME_MAXLEN];
	bool empty;               /* no snapshot yet */
	bool readonly;            /* SQLite opened the file read-only */
	uint32_t serial;          /* the journal's version */
	char *text;               /* RDATA text buffer (JTEXT_CAP) */
	uint8_t *key;             /* RR key buffer (KEY_CAP) */
	uint8_t *wire;            /* parsed RDATA buffer (SL_RDATA_MAXLEN) */
};

static const char schema_sql[] =
	"CREATE TABLE meta (\n"
	"  key   TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL);\n"
	"CREATE TABLE snapshot (\n"
	"  id    INTEGER PRIMARY KEY,\n"
	"  owner TEXT NOT NULL,\n"
	"  ttl   INTEGER NOT NULL,\n"
	"  type  TEXT NOT NULL,\n"
	"  rdata TEXT NOT NULL,\n"
	"  rrkey BLOB NOT NULL UNIQUE);\n"
	"CREATE TABLE changes (\n"
	"  id           INTEGER PRIMARY KEY,\n"
	"  serial_from  INTEGER NOT NULL,\n"
	"  serial_to    INTEGER NOT NULL,\n"
	"  committed_at TEXT NOT NULL,\n"
	"  size         INTEGER NOT NULL);\n"
	"CREATE TABLE change_rrs (\n"
	"  change_id INTEGER NOT NULL REFERENCES changes(id),\n"
	"  seq       INTEGER NOT NULL,\n"
	"  op        TEXT NOT NULL CHECK (op IN ('-', '+')),\n"
	"  owner     TEXT NOT NULL,\n"
	"  ttl       INTEGER NOT NULL,\n"
	"  type      TEXT NOT NULL,\n"
	"  rdata     TEXT NOT NULL,\n"
	"  rrkey     BLOB NOT NULL,\n"
	"  PRIMARY KEY (change_id, seq)) WITHOUT ROWID;\n"
	"CREATE VIEW history AS\n"
	"  SELECT c.id AS change, c.serial_from, c.serial_to, c.committed_at,\n"
	"         r.seq, r.op, r.owner, r.ttl, r.type, r.rdata\n"
	"  FROM changes c JOIN change_rrs r ON r.change_id = c.id\n"
	"  ORDER BY c.id, r.seq;\n";

static void seterr(jdb_t *j, char *err, size_t errlen, const char *fmt, ...) SL_PRINTF(4, 5);

/* "PATH: message" into @p err. */
static void seterr(jdb_t *j, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", j->path, msg);
}

/* SQLite's message for the last failure, as an SL_EIO. */
static int sqlerr(jdb_t *j, char *err, size_t errlen, const char *what)
{
	seterr(j, err, errlen, "%s: %s", what, sqlite3_errmsg(j->db));
	return SL_EIO;
}

/* Runs @p sql; a failure is reported as "PATH: @p what: SQLite's message". */
static int exec_as(jdb_t *j, const char *sql, const char *what, char *err, size_t errlen)
{
	if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlerr(j, err, errlen, what);
	return SL_OK;
}

static int exec(jdb_t *j, const char *sql, char *err, size_t errlen)
{
	return exec_as(j, sql, sql, err, errlen);
}

static int prepare(jdb_t *j, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return sqlerr(j, err, errlen, "prepare");
	}
	return SL_OK;
}

/* The value of meta key @p key into @p out, or "" when absent. */
static int meta_get(jdb_t *j, const char *key, char *out, size_t outlen, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = prepare(j, "SELECT value FROM meta WHERE key = ?1", &st, err, errlen);

	if (rc != SL_OK)
		return rc;
	out[0] = '\0';
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (s != SQLITE_DONE)
		rc = sqlerr(j, err, errlen, "reading meta");
	sqlite3_finalize(st);
	return rc;
}

static int meta_set(jdb_t *j, const char *key, const char *value, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = prepare(j, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", &st, err,
			 errlen);

	if (rc != SL_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sqlerr(j, err, errlen, "writing meta");
	sqlite3_finalize(st);
	return rc;
}

/* ---- open ----------------------------------------------------------------- */

/* Creates the schema in a new, empty file. */
static int create_schema(jdb_t *j, char *err, size_t errlen)
{
	char zone[SL_NAME_TEXT_MAX];
	int rc;

	if (sl_name_to_text(j->apex, zone, sizeof(zone)) < 0)
		return SL_EINVAL;
	if ((rc = exec_as(j, "BEGIN IMMEDIATE", "cannot write", err, errlen)) != SL_OK)
		return rc;
	if ((rc = exec(j, schema_sql, err, errlen)) == SL_OK &&
	    (rc = meta_set(j, "schema_version", SCHEMA_VERSION, err, errlen)) == SL_OK &&
	    (rc = meta_set(j, "zone", zone, err, errlen)) == SL_OK)
		rc = exec(j, "COMMIT", err, errlen);
	if (rc != SL_OK)
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Checks an existing file: integrity, schema version, zone, snapshot serial. */
static int check_existing(jdb_t *j, char *err, size_t errlen)
{
	char val[512];
	sqlite3_stmt *st;
	int rc;

	/* quick_check reads every page: a truncated or damaged file shows here. */
	if ((rc = prepare(j, "PRAGMA quick_check(1)", &st, err, errlen)) != SL_OK)
		return rc;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const char *res = (const char *)sqlite3_column_text(st, 0);
		if (!res || strcmp(res, "ok") != 0) {
			seterr(j, err, errlen, "damaged database: %s", res ? res : "?");
			rc = SL_EIO;
		}
	} else {
		rc = sqlerr(j, err, errlen, "integrity check");
	}
	sqlite3_finalize(st);
	if (rc != SL_OK)
		return rc;
	if ((rc = prepare(j, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
			     "('meta', 'snapshot', 'changes', 'change_rrs')",
			  &st, err, errlen)) != SL_OK)
		return rc;
	int tables = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (tables != 4) {
		seterr(j, err, errlen, "not a sqlite-journal database (tables missing)");
		return SL_ECONFIG;
	}
	if ((rc = meta_get(j, "schema_version", val, sizeof(val), err, errlen)) != SL_OK)
		return rc;
	if (strcmp(val, SCHEMA_VERSION) != 0) {
		seterr(j, err, errlen, "schema version \"%s\", this sluiced reads version %s", val,
		       SCHEMA_VERSION);
		return SL_ECONFIG;
	}
	if ((rc = meta_get(j, "zone", val, sizeof(val), err, errlen)) != SL_OK)
		return rc;
	uint8_t zone[SL_NAME_MAXLEN];
	size_t zlen;
	if (sl_name_from_text(val, strlen(val), NULL, zone, &zlen) != SL_OK ||
	    !sl_name_equal(zone, j->apex)) {
		char want[SL_NAME_TEXT_MAX] = "?";
		sl_name_to_text(j->apex, want, sizeof(want));
		seterr(j, err, errlen, "the journal of zone \"%s\", not of %s", val, want);
		return SL_ECONFIG;
	}
	if ((rc = meta_get(j, "snapshot_serial", val, sizeof(val), err, errlen)) != SL_OK)
		return rc;
	j->empty = val[0] == '\0';
	if (j->empty) {
		/* No snapshot serial: rows anywhere mean a journal that lost it. */
		if ((rc = prepare(j, "SELECT (SELECT count(*) FROM snapshot) + "
				     "(SELECT count(*) FROM changes)",
				  &st, err, errlen)) != SL_OK)
			return rc;
		int rows = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
		if (rows != 0) {
			seterr(j, err, errlen, "rows without a meta snapshot_serial");
			return SL_ECONFIG;
		}
	} else {
		char *end;
		errno = 0;
		unsigned long v = strtoul(val, &end, 10);
		if (errno || *end || end == val || v > UINT32_MAX) {
			seterr(j, err, errlen, "meta snapshot_serial \"%s\" is not a serial", val);
			return SL_ECONFIG;
		}
		j->serial = (uint32_t)v;
		/* The journal's version: the last change's serial_to, if any. */
		if ((rc = prepare(j, "SELECT serial_to FROM changes ORDER BY id DESC LIMIT 1", &st,
				  err, errlen)) != SL_OK)
			return rc;
		if (sqlite3_step(st) == SQLITE_ROW)
			j->serial = (uint32_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return SL_OK;
}

int jdb_open(const char *path, const uint8_t *apex, bool readonly, jdb_t **out, char *err,
	     size_t errlen)
{
	jdb_t *j = calloc(1, sizeof(*j));
	int rc = SL_ENOMEM;

	*out = NULL;
	if (!j || !(j->path = strdup(path)) || !(j->text = malloc(JTEXT_CAP)) ||
	    !(j->key = malloc(KEY_CAP)) || !(j->wire = malloc(SL_RDATA_MAXLEN))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	memcpy(j->apex, apex, sl_name_len(apex));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = j->db ? sqlerr(j, err, errlen, "cannot open") : SL_ENOMEM;
		goto fail;
	}
	sqlite3_busy_timeout(j->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(j->db, 1);
	j->readonly = readonly || sqlite3_db_readonly(j->db, "main") == 1;
	/* Durable when COMMIT returns: the WAL is synced at every commit. */
	if (!j->readonly &&
	    (rc = exec_as(j, "PRAGMA journal_mode = WAL", "cannot open", err, errlen)) != SL_OK)
		goto fail;
	if ((rc = exec_as(j, "PRAGMA synchronous = FULL", "cannot open", err, errlen)) != SL_OK)
		goto fail;
	sqlite3_stmt *st;
	if ((rc = prepare(j, "SELECT count(*) FROM sqlite_master", &st, err, errlen)) != SL_OK)
		goto fail;
	int s = sqlite3_step(st);
	int objects = s == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	if (s != SQLITE_ROW)
		rc = sqlerr(j, err, errlen, "reading the schema");
	sqlite3_finalize(st);
	if (rc != SL_OK)
		goto fail;
	if (objects == 0) {
		j->empty = true;
		if (!j->readonly && (rc = create_schema(j, err, errlen)) != SL_OK)
			goto fail;
	} else if ((rc = check_existing(j, err, errlen)) != SL_OK) {
		goto fail;
	}
	*out = j;
	return SL_OK;
fail:
	jdb_close(j);
	return rc;
}

void jdb_close(jdb_t *j)
{
	if (!j)
		return;
	if (j->db)
		sqlite3_close_v2(j->db);
	free(j->path);
	free(j->text);
	free(j->key);
	free(j->wire);
	free(j);
}

bool jdb_empty(const jdb_t *j)
{
	return j->empty;
}

uint32_t jdb_serial(const jdb_t *j)
{
	return j->serial;
}

bool jdb_readonly(const jdb_t *j)
{
	return j->readonly;
}

/* ---- RRs as text ------------------------------------------------------------ */

/* One RR in the columns' form. */
struct rrtext {
	char owner[SL_NAME_TEXT_MAX];
	char type[32];
	const char *rdata;     /* jdb's text buffer */
	size_t keylen;         /* jdb's key buffer */
};

/*
 * Prints an RR for the database and checks that its text parses back to
 * exactly the same owner and RDATA.
 */
static int rr_to_text(jdb_t *j, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
		      uint16_t rdlen, struct rrtext *t, char *err, size_t errlen)
{
	uint8_t name[SL_NAME_MAXLEN];
	size_t nlen, wlen;
	int n;

	if (sl_name_to_text(owner, t->owner, sizeof(t->owner)) < 0 ||
	    sl_rrtype_to_text(type, t->type, sizeof(t->type)) < 0 ||
	    (n = sl_rdata_to_text(type, rdata, rdlen, j->text, JTEXT_CAP)) < 0) {
		seterr(j, err, errlen, "cannot print an RR of type %u", type);
		return SL_EINVAL;
	}
	if (sl_name_from_text(t->owner, strlen(t->owner), NULL, name, &nlen) != SL_OK ||
	    memcmp(name, owner, nlen) != 0 ||
	    sl_rdata_from_text(type, j->text, (size_t)n, NULL, j->wire, SL_RDATA_MAXLEN, &wlen,
			       NULL, 0) != SL_OK ||
	    wlen != rdlen || memcmp(j->wire, rdata, rdlen) != 0) {
		seterr(j, err, errlen, "%s %s %s: its text does not read back the same: not recorded",
		       t->owner, t->type, j->text);
		return SL_EINVAL;
	}
	t->rdata = j->text;
	t->keylen = jrr_key(owner, type, rdata, rdlen, j->key);
	return SL_OK;
}

/* Parses one row's owner, type and RDATA columns (at @p col) into wire form. */
static int rr_from_row(jdb_t *j, sqlite3_stmt *st, int col, uint8_t *owner, uint16_t *type,
		       uint32_t *ttl, size_t *rdlen, const char *where, char *err, size_t errlen)
{
	const char *o = (const char *)sqlite3_column_text(st, col);
	sqlite3_int64 t = sqlite3_column_int64(st, col + 1);
	const char *ty = (const char *)sqlite3_column_text(st, col + 2);
	const char *rd = (const char *)sqlite3_column_text(st, col + 3);
	char why[256] = "";
	size_t nlen;

	if (!o || !ty || !rd) {
		seterr(j, err, errlen, "%s: a row with an empty column", where);
		return SL_ECONFIG;
	}
	if (sl_name_from_text(o, strlen(o), NULL, owner, &nlen) != SL_OK ||
	    !sl_name_is_subdomain(owner, j->apex)) {
		seterr(j, err, errlen, "%s: owner \"%s\" is not a name in the zone", where, o);
		return SL_ECONFIG;
	}
	if (t < 0 || t > INT32_MAX) {
		seterr(j, err, errlen, "%s: %s: TTL %lld out of range", where, o, (long long)t);
		return SL_ECONFIG;
	}
	*ttl = (uint32_t)t;
	if (sl_rrtype_from_text(ty, strlen(ty), type) != SL_OK || sl_rrtype_is_meta(*type) ||
	    *type == 0) {
		seterr(j, err, errlen, "%s: %s: \"%s\" is not a data type", where, o, ty);
		return SL_ECONFIG;
	}
	if (sl_rdata_from_text(*type, rd, strlen(rd), NULL, j->wire, SL_RDATA_MAXLEN, rdlen, why,
			       sizeof(why)) != SL_OK) {
		seterr(j, err, errlen, "%s: %s %s \"%s\": %s", where, o, ty, rd, why);
		return SL_ECONFIG;
	}
	return SL_OK;
}

/* The serial of the SOA at the apex as the transaction sees it, or false. */
static bool txn_serial(jdb_t *j, sl_zone_txn_t *txn, uint32_t *serial)
{
	const sl_rrset_t *soa = sl_zone_txn_rrset(txn, j->apex, SL_TYPE_SOA);
	uint16_t len;
	const uint8_t *rd = soa && soa->count == 1 ? sl_rrset_next(soa, NULL, &len) : NULL;

	if (!rd)
		return false;
	size_t off = sl_name_len(rd);
	off += sl_name_len(rd + off);
	*serial = sl_read_u32(rd + off);
	return true;
}

/* ---- replay ----------------------------------------------------------------- */

static int replay_snapshot(jdb_t *j, sl_zone_txn_t *txn, uint32_t want, char *err, size_t errlen)
{
	uint8_t owner[SL_NAME_MAXLEN];
	sqlite3_stmt *st;
	uint16_t type;
	uint32_t ttl, serial;
	size_t rdlen;
	int rc, s;

	if ((rc = prepare(j, "SELECT id, owner, ttl, type, rdata FROM snapshot ORDER BY id", &st,
			  err, errlen)) != SL_OK)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		char where[64];
		snprintf(where, sizeof(where), "snapshot row %lld",
			 (long long)sqlite3_column_int64(st, 0));
		rc = rr_from_row(j, st, 1, owner, &type, &ttl, &rdlen, where, err, errlen);
		if (rc == SL_OK) {
			rc = sl_zone_txn_add(txn, owner, type, ttl, j->wire, (uint16_t)rdlen, where);
			if (rc != SL_OK)
				seterr(j, err, errlen, "%s: cannot add: %s", where, sl_strerror(rc));
		}
		if (rc != SL_OK)
			break;
	}
	if (rc == SL_OK && s != SQLITE_DONE)
		rc = sqlerr(j, err, errlen, "reading the snapshot");
	sqlite3_finalize(st);
	if (rc != SL_OK)
		return rc;
	if (!txn_serial(j, txn, &serial) || serial != want) {
		seterr(j, err, errlen, "the snapshot's SOA does not have serial %" PRIu32
		       " (meta snapshot_serial)", want);
		return SL_ECONFIG;
	}
	return SL_OK;
}

/* Applies change @p id (serial @p from → @p to) to @p txn and packs it into @p c. */
static int replay_change(jdb_t *j, sl_zone_txn_t *txn, sqlite3_int64 id, jchange_t *c, char *err,
			 size_t errlen)
{
	uint8_t owner[SL_NAME_MAXLEN];
	sqlite3_stmt *st;
	uint16_t type;
	uint32_t ttl, serial;
	size_t rdlen;
	char where[128];
	int rc, s;

	if ((rc = prepare(j, "SELECT op, owner, ttl, type, rdata FROM change_rrs "
			     "WHERE change_id = ?1 ORDER BY seq",
			  &st, err, errlen)) != SL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	snprintf(where, sizeof(where), "change %lld (serial %" PRIu32 " to %" PRIu32 ")",
		 (long long)id, c->serial_from, c->serial_to);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *op = (const char *)sqlite3_column_text(st, 0);
		bool add = op && strcmp(op, "+") == 0;
		if (!op || (!add && strcmp(op, "-") != 0)) {
			seterr(j, err, errlen, "%s: op \"%s\" is neither - nor +", where,
			       op ? op : "");
			rc = SL_ECONFIG;
			break;
		}
		if ((rc = rr_from_row(j, st, 1, owner, &type, &ttl, &rdlen, where, err, errlen)) !=
		    SL_OK)
			break;
		rc = jchange_add(c, add ? SL_DIFF_ADD : SL_DIFF_REMOVE, owner, type, ttl, j->wire,
				 (uint16_t)rdlen);
		if (rc == SL_EINVAL) {
			seterr(j, err, errlen, "%s: a removal after an addition", where);
			rc = SL_ECONFIG;
			break;
		}
		if (rc != SL_OK)
			break;
		if (add)
			rc = sl_zone_txn_add(txn, owner, type, ttl, j->wire, (uint16_t)rdlen, where);
		else
			rc = sl_zone_txn_remove(txn, owner, type, j->wire, (uint16_t)rdlen);
		if (rc != SL_OK) {
			seterr(j, err, errlen, "%s: cannot %s %s %s %s: %s", where,
			       add ? "add" : "remove", sqlite3_column_text(st, 1),
			       sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
			       rc == SL_ENOTFOUND ? "not in the zone" : sl_strerror(rc));
			rc = rc == SL_ENOMEM ? rc : SL_ECONFIG;
			break;
		}
	}
	if (rc == SL_OK && s != SQLITE_DONE)
		rc = sqlerr(j, err, errlen, "reading a change");
	sqlite3_finalize(st);
	if (rc != SL_OK)
		return rc;
	if (!txn_serial(j, txn, &serial) || serial != c->serial_to) {
		seterr(j, err, errlen, "%s: the zone's SOA serial is not %" PRIu32 " after it",
		       where, c->serial_to);
		return SL_ECONFIG;
	}
	return SL_OK;
}

int jdb_replay(jdb_t *j, sl_zone_txn_t *txn, jhist_t **hist, char *err, size_t errlen)
{
	char val[64];
	sqlite3_stmt *st;
	jhist_t *h = NULL;
	int rc, s;

	*hist = NULL;
	if (j->empty) {
		*hist = jhist_new(NULL, 0, NULL, 0);
		return *hist ? SL_OK : SL_ENOMEM;
	}
	if ((rc = meta_get(j, "snapshot_serial", val, sizeof(val), err, errlen)) != SL_OK)
		return rc;
	uint32_t serial = (uint32_t)strtoul(val, NULL, 10); /* checked at open */
	if ((rc = replay_snapshot(j, txn, serial, err, errlen)) != SL_OK)
		return rc;
	if (!(h = jhist_new(NULL, 0, NULL, serial)))
		return SL_ENOMEM;
	if ((rc = prepare(j, "SELECT id, serial_from, serial_to FROM changes ORDER BY id", &st,
			  err, errlen)) != SL_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		sqlite3_int64 from = sqlite3_column_int64(st, 1), to = sqlite3_column_int64(st, 2);
		if (from < 0 || from > UINT32_MAX || to < 0 || to > UINT32_MAX ||
		    (uint32_t)from != serial) {
			seterr(j, err, errlen,
			       "change %lld starts at serial %lld, but the journal is at %" PRIu32
			       ": the history does not continue",
			       (long long)id, (long long)from, serial);
			rc = SL_ECONFIG;
			break;
		}
		jchange_t *c = jchange_new((uint32_t)from, (uint32_t)to);
		if (!c) {
			rc = SL_ENOMEM;
			break;
		}
		rc = replay_change(j, txn, id, c, err, errlen);
		jhist_t *nh = rc == SL_OK ? jhist_new(h, 0, c, c->serial_to) : NULL;
		jchange_put(c);
		if (rc == SL_OK && !nh)
			rc = SL_ENOMEM;
		if (rc != SL_OK)
			break;
		jhist_put(h);
		h = nh;
		serial = c->serial_to;
	}
	if (rc == SL_OK && s != SQLITE_DONE)
		rc = sqlerr(j, err, errlen, "reading the changes");
	sqlite3_finalize(st);
out:
	if (rc != SL_OK) {
		jhist_put(h);
		if (rc == SL_ENOMEM)
			seterr(j, err, errlen, "out of memory");
		return rc;
	}
	j->serial = serial;
	*hist = h;
	return SL_OK;
}

/* ---- writing ---------------------------------------------------------------- */

struct snap_ctx {
	jdb_t *j;
	sqlite3_stmt *st;
	char *err;
	size_t errlen;
	uint32_t serial;
};

static int snap_add(void *arg, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct snap_ctx *s = arg;
	struct rrtext t;
	int rc = rr_to_text(s->j, owner, type, rdata, rdlen, &t, s->err, s->errlen);

	(void)op;
	if (rc != SL_OK)
		return rc;
	sqlite3_reset(s->st);
	sqlite3_bind_text(s->st, 1, t.owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->st, 2, ttl);
	sqlite3_bind_text(s->st, 3, t.type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st, 4, t.rdata, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->st, 5, s->j->key, (int)t.keylen, SQLITE_STATIC);
	if (sqlite3_step(s->st) != SQLITE_DONE)
		return sqlerr(s->j, s->err, s->errlen, "writing the snapshot");
	return SL_OK;
}

int jdb_write_snapshot(jdb_t *j, const sl_zone_version_t *version, char *err, size_t errlen)
{
	struct snap_ctx s = { .j = j, .err = err, .errlen = errlen };
	char serial[16];
	int rc;

	if ((rc = exec_as(j, "BEGIN IMMEDIATE", "cannot write", err, errlen)) != SL_OK)
		return rc;
	if ((rc = exec(j, "DELETE FROM change_rrs; DELETE FROM changes; DELETE FROM snapshot",
		       err, errlen)) != SL_OK ||
	    (rc = prepare(j, "INSERT INTO snapshot (owner, ttl, type, rdata, rrkey) "
			     "VALUES (?1, ?2, ?3, ?4, ?5)",
			  &s.st, err, errlen)) != SL_OK)
		goto fail;
	rc = sl_zone_diff(NULL, version, snap_add, &s);
	sqlite3_finalize(s.st);
	if (rc != SL_OK)
		goto fail;
	snprintf(serial, sizeof(serial), "%" PRIu32, sl_zone_serial(version));
	if ((rc = meta_set(j, "snapshot_serial", serial, err, errlen)) != SL_OK ||
	    (rc = exec_as(j, "COMMIT", "cannot commit", err, errlen)) != SL_OK)
		goto fail;
	j->empty = false;
	j->serial = sl_zone_serial(version);
	return SL_OK;
fail:
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Folds the oldest change into the snapshot. *@p size receives its size. */
static int fold_oldest(jdb_t *j, uint64_t *size, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"DELETE FROM snapshot WHERE rrkey IN "
		"(SELECT rrkey FROM change_rrs WHERE change_id = ?1 AND op = '-')",
		"INSERT OR REPLACE INTO snapshot (owner, ttl, type, rdata, rrkey) "
		"SELECT owner, ttl, type, rdata, rrkey FROM change_rrs "
		"WHERE change_id = ?1 AND op = '+' ORDER BY seq",
		"DELETE FROM change_rrs WHERE change_id = ?1",
		"DELETE FROM changes WHERE id = ?1",
	};
	sqlite3_stmt *st;
	char serial[16];
	int rc;

	if ((rc = prepare(j, "SELECT id, serial_to, size FROM changes ORDER BY id LIMIT 1", &st,
			  err, errlen)) != SL_OK)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlerr(j, err, errlen, "compaction");
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_int64 id = sqlite3_column_int64(st, 0);
	snprintf(serial, sizeof(serial), "%lld", (long long)sqlite3_column_int64(st, 1));
	*size = (uint64_t)sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = prepare(j, sql[i], &st, err, errlen)) != SL_OK)
			return rc;
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sqlerr(j, err, errlen, "compaction");
		sqlite3_finalize(st);
		if (rc != SL_OK)
			return rc;
	}
	return meta_set(j, "snapshot_serial", serial, err, errlen);
}

/* Folds the oldest changes until the history is within @p lim. */
static int compact(jdb_t *j, const jdb_limits_t *lim, size_t *folded, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prepare(j, "SELECT count(*), total(size) FROM changes", &st, err, errlen)) !=
	    SL_OK)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlerr(j, err, errlen, "compaction");
		sqlite3_finalize(st);
		return rc;
	}
	uint64_t n = (uint64_t)sqlite3_column_int64(st, 0);
	uint64_t bytes = (uint64_t)sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	while (n > 0 && (n > lim->max_changes || bytes > lim->max_size)) {
		uint64_t size;
		if ((rc = fold_oldest(j, &size, err, errlen)) != SL_OK)
			return rc;
		n--;
		bytes = bytes > size ? bytes - size : 0;
		(*folded)++;
	}
	return SL_OK;
}

int jdb_compact(jdb_t *j, const jdb_limits_t *lim, size_t *folded, char *err, size_t errlen)
{
	int rc;

	*folded = 0;
	if ((rc = exec_as(j, "BEGIN IMMEDIATE", "cannot write", err, errlen)) != SL_OK)
		return rc;
	if ((rc = compact(j, lim, folded, err, errlen)) != SL_OK ||
	    (rc = exec_as(j, "COMMIT", "cannot commit", err, errlen)) != SL_OK) {
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		*folded = 0;
	}
	return rc;
}

int jdb_append(jdb_t *j, const jchange_t *c, const jdb_limits_t *lim, size_t *folded, char *err,
	       size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct rrtext t;
	jrr_t rr;
	size_t pos = 0;
	int rc, seq = 0;

	*folded = 0;
	if ((rc = exec_as(j, "BEGIN IMMEDIATE", "cannot write", err, errlen)) != SL_OK)
		return rc;
	if ((rc = prepare(j, "INSERT INTO changes (serial_from, serial_to, committed_at, size) "
			     "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?3)",
			  &st, err, errlen)) != SL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, c->serial_from);
	sqlite3_bind_int64(st, 2, c->serial_to);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->len);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = sqlerr(j, err, errlen, "writing a change");
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_int64 id = sqlite3_last_insert_rowid(j->db);
	if ((rc = prepare(j, "INSERT INTO change_rrs "
			     "(change_id, seq, op, owner, ttl, type, rdata, rrkey) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  &st, err, errlen)) != SL_OK)
		goto fail;
	while (jchange_next(c, &pos, &rr)) {
		if ((rc = rr_to_text(j, rr.owner, rr.type, rr.rdata, rr.rdlen, &t, err, errlen)) !=
		    SL_OK)
			goto fail;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, seq++);
		sqlite3_bind_text(st, 3, rr.op == SL_DIFF_ADD ? "+" : "-", 1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t.owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, rr.ttl);
		sqlite3_bind_text(st, 6, t.type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, t.rdata, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 8, j->key, (int)t.keylen, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = sqlerr(j, err, errlen, "writing a change");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = compact(j, lim, folded, err, errlen)) != SL_OK ||
	    (rc = exec_as(j, "COMMIT", "cannot commit", err, errlen)) != SL_OK)
		goto fail;
	j->serial = c->serial_to;
	return SL_OK;
fail:
	sqlite3_finalize(st);
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	*folded = 0;
	return rc;
}
