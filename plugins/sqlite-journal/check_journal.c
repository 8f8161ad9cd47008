/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unit tests for the sqlite-journal plugin with real SQLite files in a
 * temporary directory and real zone-store versions: the database and history
 * (db.c, change.c) — recording and replaying, RRs of many types read back
 * exactly, a history that does not continue, compaction by count and size,
 * damaged, truncated, foreign, read-only and full files, replay of randomly
 * mutated databases (clean errors, never a crash) — and the journal hook the
 * plugin installs (plugin.c, included whole for its static functions): what
 * it records, refuses and replays, and the zone file it writes back (sync.c).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include <sluice/zscan.h>

#include "journal.h"
#include "testutil.h"
/* The plugin itself: its static functions are tested below. */
#include "plugin.c"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char dir[] = "/tmp/sluice-journal-XXXXXX";
static uint8_t origin[SL_NAME_MAXLEN];

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void setup(void)
{
	static bool made;
	if (!made) {
		ck_assert_ptr_nonnull(mkdtemp(dir));
		made = true;
	}
}

/* A fresh database path for one test. */
static const char *dbpath(const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	char aux[300];
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
	return path;
}

static sl_zone_t *mkzone(const char *apex)
{
	size_t len;
	sl_zone_t *z;

	ck_assert_int_eq(sl_name_from_text(apex, strlen(apex), NULL, origin, &len), SL_OK);
	z = sl_zone_get(origin);
	ck_assert_ptr_nonnull(z);
	return z;
}

/* Applies lines to a transaction: '-' removes, others add. */
static void apply(sl_zone_txn_t *txn, const char *const *lines, size_t n)
{
	static tu_rr_t rr;

	for (size_t i = 0; i < n; i++) {
		bool rm = lines[i][0] == '-';
		tu_parse_rr(lines[i] + rm, origin, &rr);
		if (rm)
			ck_assert_int_eq(sl_zone_txn_remove(txn, rr.owner, rr.type, rr.rdata,
							    rr.rdlen),
					 SL_OK);
		else
			ck_assert_int_eq(sl_zone_txn_add(txn, rr.owner, rr.type, rr.ttl, rr.rdata,
							 rr.rdlen, NULL),
					 SL_OK);
	}
}

/* Commits lines and returns the new version, referenced. */
static const sl_zone_version_t *commit(sl_zone_t *z, unsigned flags, const char *const *lines,
				       size_t n)
{
	sl_zone_txn_t *txn;
	char err[1024];

	ck_assert_int_eq(sl_zone_txn_begin(z, flags, &txn), SL_OK);
	apply(txn, lines, n);
	ck_assert_msg(sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK, "%s", err);
	const sl_zone_version_t *v = sl_zone_current(z);
	sl_zone_version_ref(v);
	return v;
}

static int count_rr(void *arg, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	(void)op, (void)owner, (void)type, (void)ttl, (void)rdata, (void)rdlen;
	(*(size_t *)arg)++;
	return SL_OK;
}

/* The two versions hold exactly the same RRs (TTLs included). */
static void assert_same(const sl_zone_version_t *a, const sl_zone_version_t *b)
{
	size_t n = 0;
	ck_assert_int_eq(sl_zone_diff(a, b, count_rr, &n), SL_OK);
	ck_assert_msg(n == 0, "%zu RRs differ", n);
}

/* Records the change a → b. */
static void append(jdb_t *db, const sl_zone_version_t *a, const sl_zone_version_t *b,
		   const jdb_limits_t *lim, size_t *folded)
{
	char err[1024];
	jchange_t *c = jchange_new(sl_zone_serial(a), sl_zone_serial(b));
	size_t f;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_zone_diff(a, b, jchange_add, c), SL_OK);
	ck_assert_msg(jdb_append(db, c, lim, folded ? folded : &f, err, sizeof(err)) == SL_OK,
		      "%s", err);
	jchange_put(c);
}

/* Replays @p path into @p z and returns the rc; @p err gets the message. */
static int replay(sl_zone_t *z, const char *path, jhist_t **hist, char *err, size_t errlen)
{
	sl_zone_txn_t *txn;
	jdb_t *db;
	jhist_t *h = NULL;
	int rc = jdb_open(path, sl_zone_name(z), false, &db, err, errlen);

	if (rc != SL_OK)
		return rc;
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	rc = jdb_replay(db, txn, &h, err, errlen);
	if (rc == SL_OK) {
		rc = sl_zone_txn_commit(txn, NULL, err, errlen);
	} else {
		sl_zone_txn_abort(txn);
	}
	if (hist)
		*hist = h;
	else
		jhist_put(h);
	jdb_close(db);
	return rc;
}

/* Runs one SQL statement on a journal file behind the plugin's back. */
static void tamper(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
	sqlite3_close(db);
}

static const jdb_limits_t unlimited = { .max_changes = 1000, .max_size = 1 << 30 };

static const char *const base[] = {
	"@ 3600 SOA ns1 host 1 7200 3600 1209600 300",
	"@ 3600 NS ns1",
	"ns1 3600 A 192.0.2.1",
	"www 3600 A 192.0.2.10",
	"www 3600 AAAA 2001:db8::10",
	"Mail 3600 MX 10 MX.Example.Org.",
	"txt 300 TXT \"quoted \\\"text\\\"\" \"and\\010binary\\255\" \"\"",
	"caa 300 CAA 0 issue \"ca.example.net; account=1\"",
	"srv 300 SRV 0 5 5060 sip.example.org.",
	"unk 300 TYPE65280 \\# 4 deadbeef",
	"nul 300 TYPE65281 \\# 0",
	"sshfp 300 SSHFP 4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"esc\\.aped\\032name 300 A 192.0.2.3",
};

static const char *const upd2[] = {
	"-@ 3600 SOA ns1 host 1 7200 3600 1209600 300",
	"@ 3600 SOA ns1 host 2 7200 3600 1209600 300",
	"-www 3600 A 192.0.2.10",
	"www 3600 A 192.0.2.20",
	"new 60 TXT \"added\"",
};

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return v;
}

/* ---- recording and replay ---------------------------------------------------- */

START_TEST(test_record_replay)
{
	sl_zone_t *z = mkzone("record.example.");
	const char *path = dbpath("record.db");
	char err[1024];
	jdb_t *db;
	jhist_t *h;

	const sl_zone_version_t *v1 = commit(z, SL_TXN_EMPTY, base, ARRAY_SIZE(base));
	const sl_zone_version_t *v2 = commit(z, 0, upd2, ARRAY_SIZE(upd2));

	ck_assert_int_eq(jdb_open(path, origin, false, &db, err, sizeof(err)), SL_OK);
	ck_assert(jdb_empty(db));
	ck_assert_int_eq(jdb_write_snapshot(db, v1, err, sizeof(err)), SL_OK);
	ck_assert(!jdb_empty(db));
	ck_assert_uint_eq(jdb_serial(db), 1);
	append(db, v1, v2, &unlimited, NULL);
	ck_assert_uint_eq(jdb_serial(db), 2);
	jdb_close(db);

	/* A restart: the zone is rebuilt from the file alone. */
	ck_assert_int_eq(replay(z, path, &h, err, sizeof(err)), SL_OK);
	assert_same(sl_zone_current(z), v2);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(h->serial, 2);
	ck_assert_uint_eq(h->ch[0]->serial_from, 1);
	ck_assert_uint_eq(h->ch[0]->serial_to, 2);
	ck_assert_uint_eq(h->ch[0]->nremove, 2);
	ck_assert_uint_eq(h->ch[0]->nadd, 3);
	ck_assert_int_eq(jhist_find(h, 1), 0);
	ck_assert_int_eq(jhist_find(h, 2), -1);
	/* The first removal and the first addition are the SOAs (RFC 1995 §4). */
	size_t pos = 0, apos = h->ch[0]->add_off;
	jrr_t rr;
	ck_assert(jchange_next(h->ch[0], &pos, &rr));
	ck_assert_int_eq(rr.op, SL_DIFF_REMOVE);
	ck_assert_uint_eq(rr.type, SL_TYPE_SOA);
	ck_assert(jchange_next(h->ch[0], &apos, &rr));
	ck_assert_int_eq(rr.op, SL_DIFF_ADD);
	ck_assert_uint_eq(rr.type, SL_TYPE_SOA);
	jhist_put(h);

	/* Readable with SQL: the rows are presentation format. */
	sqlite3 *s;
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(s, "SELECT op, owner, ttl, type, rdata FROM history "
					       "WHERE type = 'A'",
					    -1, &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "-");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 1), "www.record.example.");
	ck_assert_int_eq(sqlite3_column_int(st, 2), 3600);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "192.0.2.10");
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "+");
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 4), "192.0.2.20");
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_prepare_v2(s, "SELECT value FROM meta WHERE key = 'zone'", -1,
					    &st, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "record.example.");
	sqlite3_finalize(st);
	sqlite3_close(s);

	sl_zone_version_unref(v1);
	sl_zone_version_unref(v2);
	sl_zone_put(z);
}
END_TEST

/*
 * A TTL change (the RRset on both sides), and a removal whose RDATA differs
 * from the snapshot's row only in case (a full reload changed the case,
 * which the store treats as the same RR): both replay and fold right.
 */
START_TEST(test_ttl_and_case)
{
	sl_zone_t *z = mkzone("ttl.example.");
	const char *path = dbpath("ttl.db");
	static const char *const a[] = { "@ 300 SOA ns host 1 1 1 1 1", "@ 300 NS ns",
					 "ns 300 A 192.0.2.1", "x 300 TXT \"a\"", "x 300 TXT \"b\"",
					 "c 300 CNAME Target.ttl.example." };
	static const char *const b[] = { "-@ 300 SOA ns host 1 1 1 1 1",
					 "@ 300 SOA ns host 2 1 1 1 1", "-x 300 TXT \"a\"",
					 "-x 300 TXT \"b\"", "x 60 TXT \"a\"", "x 60 TXT \"b\"" };
	static const char *const c[] = { "@ 300 SOA ns host 3 1 1 1 1", "@ 300 NS ns",
					 "ns 300 A 192.0.2.1", "x 60 TXT \"a\"", "x 60 TXT \"b\"",
					 "c 300 CNAME target.TTL.example." };
	static const char *const d[] = { "-@ 300 SOA ns host 3 1 1 1 1",
					 "@ 300 SOA ns host 4 1 1 1 1",
					 "-c 300 CNAME target.ttl.example." };
	const jdb_limits_t one = { .max_changes = 1, .max_size = 1 << 30 };
	char err[1024];
	jdb_t *db;
	size_t folded;

	const sl_zone_version_t *v1 = commit(z, SL_TXN_EMPTY, a, ARRAY_SIZE(a));
	const sl_zone_version_t *v2 = commit(z, 0, b, ARRAY_SIZE(b));
	const sl_zone_version_t *v3 = commit(z, SL_TXN_EMPTY, c, ARRAY_SIZE(c));
	const sl_zone_version_t *v4 = commit(z, 0, d, ARRAY_SIZE(d));
	ck_assert_int_eq(jdb_open(path, origin, false, &db, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(jdb_write_snapshot(db, v1, err, sizeof(err)), SL_OK);
	append(db, v1, v2, &one, &folded);
	ck_assert_uint_eq(folded, 0);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM change_rrs WHERE type = 'TXT'"), 4);
	/* Folding v1 → v2 into the snapshot replaces the TXT RRset's TTL. */
	append(db, v2, v3, &one, &folded);
	ck_assert_uint_eq(folded, 1);
	ck_assert_int_eq(query_int(path, "SELECT max(ttl) FROM snapshot WHERE type = 'TXT'"), 60);
	/* The snapshot says Target.ttl, the removal target.ttl: still the same RR. */
	const jdb_limits_t none = { .max_changes = 0, .max_size = 1 << 30 };
	append(db, v3, v4, &none, &folded);
	ck_assert_uint_eq(folded, 2);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM changes"), 0);
	jdb_close(db);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM snapshot WHERE type = 'CNAME'"), 0);
	ck_assert_int_eq(replay(z, path, NULL, err, sizeof(err)), SL_OK);
	assert_same(sl_zone_current(z), v4);

	sl_zone_version_unref(v1);
	sl_zone_version_unref(v2);
	sl_zone_version_unref(v3);
	sl_zone_version_unref(v4);
	sl_zone_put(z);
}
END_TEST

/* Serial n of a simple zone with one TXT that changes every version. */
static const sl_zone_version_t *next_version(sl_zone_t *z, uint32_t n)
{
	char soa_old[128], soa_new[128], txt_old[64], txt_new[64];

	snprintf(soa_old, sizeof(soa_old), "-@ 300 SOA ns host %u 1 1 1 1", n - 1);
	snprintf(soa_new, sizeof(soa_new), "@ 300 SOA ns host %u 1 1 1 1", n);
	snprintf(txt_old, sizeof(txt_old), "-v 300 TXT \"%u\"", n - 1);
	snprintf(txt_new, sizeof(txt_new), "v 300 TXT \"%u\"", n);
	const char *const lines[] = { soa_old, soa_new, txt_old, txt_new };
	return commit(z, 0, lines, 4);
}

START_TEST(test_compaction)
{
	sl_zone_t *z = mkzone("compact.example.");
	const char *path = dbpath("compact.db");
	static const char *const a[] = { "@ 300 SOA ns host 1 1 1 1 1", "@ 300 NS ns",
					 "ns 300 A 192.0.2.1", "v 300 TXT \"1\"" };
	jdb_limits_t lim = { .max_changes = 3, .max_size = 1 << 30 };
	char err[1024];
	jdb_t *db;
	jhist_t *h;
	size_t folded, total = 0;

	const sl_zone_version_t *prev = commit(z, SL_TXN_EMPTY, a, ARRAY_SIZE(a));
	ck_assert_int_eq(jdb_open(path, origin, false, &db, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(jdb_write_snapshot(db, prev, err, sizeof(err)), SL_OK);
	for (uint32_t n = 2; n <= 8; n++) {
		const sl_zone_version_t *v = next_version(z, n);
		append(db, prev, v, &lim, &folded);
		total += folded;
		sl_zone_version_unref(prev);
		prev = v;
	}
	/* 7 changes recorded, at most 3 kept: the 4 oldest folded. */
	ck_assert_uint_eq(total, 4);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM changes"), 3);
	ck_assert_int_eq(query_int(path, "SELECT value FROM meta WHERE key='snapshot_serial'"), 5);
	ck_assert_int_eq(query_int(path, "SELECT min(serial_from) FROM changes"), 5);
	/* By size: room for one change (they are all the same size) keeps one. */
	lim.max_size = (uint64_t)query_int(path, "SELECT max(size) FROM changes") + 10;
	const sl_zone_version_t *v9 = next_version(z, 9);
	append(db, prev, v9, &lim, &folded);
	ck_assert_uint_eq(folded, 3);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM changes"), 1);
	jdb_close(db);
	ck_assert_int_eq(replay(z, path, &h, err, sizeof(err)), SL_OK);
	assert_same(sl_zone_current(z), v9);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(h->ch[0]->serial_from, 8);
	ck_assert_int_eq(query_int(path, "SELECT count(*) FROM snapshot WHERE type = 'TXT'"), 1);
	jhist_put(h);

	/* jhist_new drops the oldest as the database folded them. */
	jhist_t *h0 = jhist_new(NULL, 0, NULL, 1);
	jchange_t *c[3];
	for (int i = 0; i < 3; i++) {
		c[i] = jchange_new((uint32_t)i + 1, (uint32_t)i + 2);
		jhist_t *hn = jhist_new(h0, 0, c[i], (uint32_t)i + 2);
		jhist_put(h0);
		jchange_put(c[i]);
		h0 = hn;
	}
	jhist_t *h1 = jhist_new(h0, 2, NULL, 4);
	ck_assert_uint_eq(h1->n, 1);
	ck_assert_ptr_eq(h1->ch[0], h0->ch[2]);
	ck_assert_int_eq(jhist_find(h1, 3), 0);
	ck_assert_int_eq(jhist_find(h0, 1), 0);
	jhist_put(h0);
	jhist_put(h1);

	sl_zone_version_unref(prev);
	sl_zone_version_unref(v9);
	sl_zone_put(z);
}
END_TEST

/* ---- a journal that does not hold together ------------------------------------- */

/* Builds a journal with a snapshot at serial 1 and changes to 2 and 3. */
static void build_three(sl_zone_t *z, const char *path)
{
	static const char *const a[] = { "@ 300 SOA ns host 1 1 1 1 1", "@ 300 NS ns",
					 "ns 300 A 192.0.2.1", "v 300 TXT \"1\"" };
	char err[1024];
	jdb_t *db;

	const sl_zone_version_t *v1 = commit(z, SL_TXN_EMPTY, a, ARRAY_SIZE(a));
	const sl_zone_version_t *v2 = next_version(z, 2);
	const sl_zone_version_t *v3 = next_version(z, 3);
	ck_assert_int_eq(jdb_open(path, origin, false, &db, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(jdb_write_snapshot(db, v1, err, sizeof(err)), SL_OK);
	append(db, v1, v2, &unlimited, NULL);
	append(db, v2, v3, &unlimited, NULL);
	jdb_close(db);
	sl_zone_version_unref(v1);
	sl_zone_version_unref(v2);
	sl_zone_version_unref(v3);
}

static void expect_replay_error(sl_zone_t *z, const char *path, int want_rc, const char *want)
{
	char err[1024] = "";
	const sl_zone_version_t *before = sl_zone_current(z);
	int rc = replay(z, path, NULL, err, sizeof(err));

	ck_assert_msg(rc == want_rc, "rc %d (%s), want %d", rc, err, want_rc);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
	ck_assert_msg(strstr(err, path) != NULL, "error \"%s\" does not name the file", err);
	/* Nothing was published. */
	ck_assert_ptr_eq(sl_zone_current(z), before);
}

START_TEST(test_inconsistent)
{
	sl_zone_t *z = mkzone("broken.example.");
	const char *path = dbpath("broken.db");
	char copy[300];

	snprintf(copy, sizeof(copy), "%s.orig", path);
	build_three(z, path);
	ck_assert_int_eq(replay(z, path, NULL, copy, sizeof(copy)), SL_OK);
	ck_assert_uint_eq(sl_zone_serial(sl_zone_current(z)), 3);

	tamper(path, "UPDATE changes SET serial_from = 7 WHERE serial_to = 3");
	expect_replay_error(z, path, SL_ECONFIG, "does not continue");
	tamper(path, "UPDATE changes SET serial_from = 2 WHERE serial_to = 3");

	tamper(path, "UPDATE change_rrs SET rdata = '\"9\"' WHERE op = '-' AND type = 'TXT'");
	expect_replay_error(z, path, SL_ECONFIG, "not in the zone");
	tamper(path, "UPDATE change_rrs SET rdata = '\"1\"' WHERE op = '-' AND type = 'TXT' AND "
		     "change_id = (SELECT min(id) FROM changes)");
	tamper(path, "UPDATE change_rrs SET rdata = '\"2\"' WHERE op = '-' AND type = 'TXT' AND "
		     "change_id = (SELECT max(id) FROM changes)");
	ck_assert_int_eq(replay(z, path, NULL, copy, sizeof(copy)), SL_OK);

	tamper(path, "UPDATE change_rrs SET rdata = 'not an address' WHERE type = 'A'");
	tamper(path, "UPDATE snapshot SET rdata = 'not an address' WHERE type = 'A'");
	expect_replay_error(z, path, SL_ECONFIG, "not an address");
	tamper(path, "UPDATE snapshot SET rdata = '192.0.2.1' WHERE type = 'A'");

	tamper(path, "UPDATE snapshot SET owner = 'elsewhere.example.' WHERE type = 'A'");
	expect_replay_error(z, path, SL_ECONFIG, "not a name in the zone");
	tamper(path, "UPDATE snapshot SET owner = 'ns.broken.example.' WHERE type = 'A'");

	tamper(path, "UPDATE changes SET serial_to = 9 WHERE serial_from = 2");
	expect_replay_error(z, path, SL_ECONFIG, "SOA serial is not 9");
	tamper(path, "UPDATE changes SET serial_to = 3 WHERE serial_from = 2");

	tamper(path, "DELETE FROM meta WHERE key = 'snapshot_serial'");
	expect_replay_error(z, path, SL_ECONFIG, "rows without a meta snapshot_serial");
	tamper(path, "INSERT INTO meta VALUES ('snapshot_serial', '1')");

	tamper(path, "UPDATE meta SET value = '5' WHERE key = 'snapshot_serial'");
	expect_replay_error(z, path, SL_ECONFIG, "snapshot's SOA");
	tamper(path, "UPDATE meta SET value = '1' WHERE key = 'snapshot_serial'");

	tamper(path, "PRAGMA ignore_check_constraints = ON; "
		     "UPDATE change_rrs SET op = '*' WHERE seq = 0");
	/* SQLite's own check (quick_check) sees it first. */
	expect_replay_error(z, path, SL_EIO, "CHECK constraint failed");
	tamper(path, "UPDATE change_rrs SET op = '-' WHERE seq = 0");

	tamper(path, "UPDATE change_rrs SET type = 'AXFR' WHERE seq = 0");
	expect_replay_error(z, path, SL_ECONFIG, "not a data type");
	tamper(path, "UPDATE change_rrs SET type = 'SOA' WHERE seq = 0");
	ck_assert_int_eq(replay(z, path, NULL, copy, sizeof(copy)), SL_OK);

	/* Another zone's journal, another schema version. */
	tamper(path, "UPDATE meta SET value = 'other.example.' WHERE key = 'zone'");
	expect_replay_error(z, path, SL_ECONFIG, "the journal of zone \"other.example.\"");
	tamper(path, "UPDATE meta SET value = 'broken.example.' WHERE key = 'zone'");
	tamper(path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
	expect_replay_error(z, path, SL_ECONFIG, "schema version \"99\"");
	tamper(path, "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
	tamper(path, "DROP VIEW history; DROP TABLE change_rrs");
	expect_replay_error(z, path, SL_ECONFIG, "not a sqlite-journal database");

	sl_zone_put(z);
}
END_TEST

/* ---- damaged files --------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = malloc(*len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

/* A self-contained copy of a journal (its WAL checkpointed into the file). */
static void *journal_bytes(sl_zone_t *z, const char *path, size_t *len)
{
	build_three(z, path);
	tamper(path, "PRAGMA journal_mode = DELETE");
	return read_file(path, len);
}

START_TEST(test_damaged)
{
	sl_zone_t *z = mkzone("damaged.example.");
	const char *path = dbpath("damaged.db");
	char p[300];
	size_t len;

	snprintf(p, sizeof(p), "%s", path);
	uint8_t *good = journal_bytes(z, p, &len);
	ck_assert_uint_gt(len, 4096);

	/* Not a database at all. */
	write_file(p, "this is a zone file, not a journal\n", 35);
	expect_replay_error(z, p, SL_EIO, "not a database");

	/* Truncated: the header promises pages that are not there. */
	write_file(p, good, len / 2);
	expect_replay_error(z, p, SL_EIO, p);

	/* A damaged page. */
	uint8_t *bad = malloc(len);
	memcpy(bad, good, len);
	memset(bad + 4096, 0xa5, 100); /* the header of the second page */
	write_file(p, bad, len);
	char err[1024] = "";
	int rc = replay(z, p, NULL, err, sizeof(err));
	ck_assert_msg(rc != SL_OK, "a damaged page replayed");
	ck_assert_msg(strstr(err, p) != NULL, "%s", err);

	/* The intact file still works. */
	write_file(p, good, len);
	ck_assert_int_eq(replay(z, p, NULL, err, sizeof(err)), SL_OK);
	free(bad);
	free(good);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_readonly)
{
	sl_zone_t *z = mkzone("ro.example.");
	const char *path = dbpath("ro.db");
	char p[300], err[1024];
	jdb_t *db;
	jhist_t *h;
	sl_zone_txn_t *txn;

	snprintf(p, sizeof(p), "%s", path);
	build_three(z, p);
	const sl_zone_version_t *v3 = sl_zone_current(z);
	sl_zone_version_ref(v3);
	const sl_zone_version_t *v4 = next_version(z, 4);
	/* A read-only database replays but refuses changes with SQLite's reason. */
	ck_assert_int_eq(jdb_open(p, origin, true, &db, err, sizeof(err)), SL_OK);
	ck_assert(jdb_readonly(db));
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	ck_assert_int_eq(jdb_replay(db, txn, &h, err, sizeof(err)), SL_OK);
	sl_zone_txn_abort(txn);
	ck_assert_uint_eq(h->serial, 3);
	jhist_put(h);
	jchange_t *c = jchange_new(3, 4);
	size_t folded;
	ck_assert_int_eq(sl_zone_diff(v3, v4, jchange_add, c), SL_OK);
	ck_assert_int_eq(jdb_append(db, c, &unlimited, &folded, err, sizeof(err)), SL_EIO);
	ck_assert_msg(strstr(err, "readonly") != NULL, "%s", err);
	ck_assert_int_eq(jdb_write_snapshot(db, v4, err, sizeof(err)), SL_EIO);
	ck_assert_uint_eq(jdb_serial(db), 3);
	jdb_close(db);
	/* A file the process may not write (not testable as root, who may). */
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(p, 0444), 0);
		ck_assert_int_eq(jdb_open(p, origin, false, &db, err, sizeof(err)), SL_OK);
		ck_assert(jdb_readonly(db));
		ck_assert_int_eq(jdb_append(db, c, &unlimited, &folded, err, sizeof(err)), SL_EIO);
		jdb_close(db);
		chmod(p, 0644);
	}
	/* Nothing was lost: the file still holds serial 3 and replays. */
	ck_assert_int_eq(replay(z, p, &h, err, sizeof(err)), SL_OK);
	ck_assert_uint_eq(sl_zone_serial(sl_zone_current(z)), 3);
	jhist_put(h);
	jchange_put(c);
	sl_zone_version_unref(v3);
	sl_zone_version_unref(v4);
	sl_zone_put(z);
}
END_TEST

/*
 * A full disk (simulated with RLIMIT_FSIZE: writes past it fail with EFBIG):
 * the change is refused with SQLite's message, the file keeps the journal's
 * last version, and the journal takes changes again once there is room.
 */
START_TEST(test_disk_full)
{
	sl_zone_t *z = mkzone("full.example.");
	const char *path = dbpath("full.db");
	char p[300], err[1024];
	static char lines[2002][128];
	const char *ptrs[2002];
	struct rlimit old, lim;
	jdb_t *db;
	jhist_t *h;
	size_t folded;

	snprintf(p, sizeof(p), "%s", path);
	build_three(z, p);
	const sl_zone_version_t *v3 = sl_zone_current(z);
	sl_zone_version_ref(v3);
	snprintf(lines[0], sizeof(lines[0]), "-@ 300 SOA ns host 3 1 1 1 1");
	snprintf(lines[1], sizeof(lines[1]), "@ 300 SOA ns host 4 1 1 1 1");
	for (int i = 0; i < 2000; i++)
		snprintf(lines[i + 2], sizeof(lines[0]), "big%d 300 TXT \"%064d\"", i, i);
	for (int i = 0; i < 2002; i++)
		ptrs[i] = lines[i];
	const sl_zone_version_t *v4 = commit(z, 0, ptrs, 2002);
	jchange_t *c = jchange_new(3, 4);
	ck_assert_int_eq(sl_zone_diff(v3, v4, jchange_add, c), SL_OK);

	ck_assert_int_eq(jdb_open(p, origin, false, &db, err, sizeof(err)), SL_OK);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 64 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = jdb_append(db, c, &unlimited, &folded, err, sizeof(err));
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_int_eq(rc, SL_EIO);
	ck_assert_msg(strstr(err, "full") || strstr(err, "I/O"), "%s", err);
	ck_assert_msg(strstr(err, p) != NULL, "%s", err);
	ck_assert_uint_eq(jdb_serial(db), 3);
	/* With room again the same change is recorded. */
	ck_assert_int_eq(jdb_append(db, c, &unlimited, &folded, err, sizeof(err)), SL_OK);
	jdb_close(db);
	ck_assert_int_eq(replay(z, p, &h, err, sizeof(err)), SL_OK);
	assert_same(sl_zone_current(z), v4);
	ck_assert_uint_eq(h->n, 3);
	jhist_put(h);
	jchange_put(c);
	sl_zone_version_unref(v3);
	sl_zone_version_unref(v4);
	sl_zone_put(z);
}
END_TEST

/* Random mutations of a good journal: each opens and replays, or fails with a message. */
START_TEST(test_mutated)
{
	sl_zone_t *z = mkzone("fuzz.example.");
	const char *path = dbpath("fuzz.db");
	char p[300], err[1024];
	size_t len;

	snprintf(p, sizeof(p), "%s", path);
	uint8_t *good = journal_bytes(z, p, &len);
	uint8_t *buf = malloc(len);
	unsigned seed = 12345, ok = 0, failed = 0;

	for (int round = 0; round < 300; round++) {
		memcpy(buf, good, len);
		int flips = 1 + (int)(rand_r(&seed) % 8);
		for (int k = 0; k < flips; k++)
			buf[(size_t)rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		dbpath("fuzz.db");
		write_file(p, buf, len);
		err[0] = '\0';
		if (replay(z, p, NULL, err, sizeof(err)) == SL_OK) {
			ok++;
		} else {
			failed++;
			ck_assert_msg(err[0] != '\0', "a failure without a message");
		}
	}
	ck_assert_uint_eq(ok + failed, 300);
	free(buf);
	free(good);
	sl_zone_put(z);
}
END_TEST

START_TEST(test_rrkey)
{
	static tu_rr_t a, b;
	uint8_t ka[SL_NAME_MAXLEN + 2 + 512], kb[sizeof(ka)];

	sl_name_from_text("x.", 2, NULL, origin, &(size_t){ 0 });
	/* Embedded names of MX compare case-insensitively; TXT content does not. */
	tu_parse_rr("WWW 300 MX 10 Mail.Example.", origin, &a);
	tu_parse_rr("www 300 MX 10 mail.example.", origin, &b);
	size_t la = jrr_key(a.owner, a.type, a.rdata, a.rdlen, ka);
	size_t lb = jrr_key(b.owner, b.type, b.rdata, b.rdlen, kb);
	ck_assert(la == lb && memcmp(ka, kb, la) == 0);
	tu_parse_rr("www 300 TXT \"Hello\"", origin, &a);
	tu_parse_rr("www 300 TXT \"hello\"", origin, &b);
	la = jrr_key(a.owner, a.type, a.rdata, a.rdlen, ka);
	lb = jrr_key(b.owner, b.type, b.rdata, b.rdlen, kb);
	ck_assert(la != lb || memcmp(ka, kb, la) != 0);
}
END_TEST

/* ---- the journal hook (plugin.c) ------------------------------------------------- */

/* A full load (as zonefile commits): returns the commit's rc, @p err its message. */
static int load_full(sl_zone_t *z, const char *const *lines, size_t n, char *err, size_t errlen)
{
	sl_zone_txn_t *txn;

	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	apply(txn, lines, n);
	return sl_zone_txn_commit(txn, NULL, err, errlen);
}

static const char *const h1[] = { "@ 300 SOA ns host 1 1 1 1 1", "@ 300 NS ns",
				  "ns 300 A 192.0.2.1", "www 300 A 192.0.2.10" };
static const char *const h2[] = { "@ 300 SOA ns host 2 1 1 1 1", "@ 300 NS ns",
				  "ns 300 A 192.0.2.1", "www 300 A 192.0.2.20" };
static const char *const h2b[] = { "@ 300 SOA ns host 2 1 1 1 1", "@ 300 NS ns",
				   "ns 300 A 192.0.2.1", "www 300 A 192.0.2.99" };
static const char *const h3[] = { "-@ 300 SOA ns host 2 1 1 1 1", "@ 300 SOA ns host 3 1 1 1 1",
				  "mail 300 MX 10 ns" };
static const char *const h4[] = { "-@ 300 SOA ns host 3 1 1 1 1",
				  "@ 300 SOA ns host 4 1 1 1 1" };

static int zscan_add(void *arg, const sl_zscan_record_t *rr)
{
	return sl_zone_txn_add(arg, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen, NULL);
}

static size_t hist_len(struct journal *j)
{
	jhist_t *h = hist_get(j);
	size_t n = h ? h->n : 0;
	jhist_put(h);
	return n;
}

START_TEST(test_hook)
{
	sl_zone_t *z = mkzone("hook.example.");
	const char *path = dbpath("hook.db");
	const jdb_limits_t lim = { .max_changes = 10, .max_size = 1 << 20 };
	char p[300], err[1024];

	snprintf(p, sizeof(p), "%s", path);
	struct journal *j = journal_new(p, origin, &lim);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(journal_attach(j), SL_OK);
	ck_assert_ptr_nonnull(j->db);
	ck_assert(jdb_empty(j->db));
	/* Only one journal per zone. */
	struct journal *other = journal_new(p, origin, &lim);
	ck_assert_int_eq(journal_attach(other), SL_EEXIST);
	journal_put(other);

	/* The first load is the snapshot; a newer one is recorded. */
	ck_assert_int_eq(load_full(z, h1, ARRAY_SIZE(h1), err, sizeof(err)), SL_OK);
	ck_assert_uint_eq(jdb_serial(j->db), 1);
	ck_assert_ptr_eq(j->latest, sl_zone_current(z));
	ck_assert_int_eq(load_full(z, h2, ARRAY_SIZE(h2), err, sizeof(err)), SL_OK);
	ck_assert_uint_eq(hist_len(j), 1);
	ck_assert_int_eq(query_int(p, "SELECT count(*) FROM changes"), 1);
	/* The same file again is fine and records nothing. */
	ck_assert_int_eq(load_full(z, h2, ARRAY_SIZE(h2), err, sizeof(err)), SL_OK);
	ck_assert_int_eq(query_int(p, "SELECT count(*) FROM changes"), 1);
	/* Same serial, other data; an older serial: stale, refused as such. */
	const sl_zone_version_t *before = sl_zone_current(z);
	ck_assert_int_eq(load_full(z, h2b, ARRAY_SIZE(h2b), err, sizeof(err)), SL_EEXIST);
	ck_assert_msg(strstr(err, "serial 2 is not newer than the journal's 2") != NULL, "%s", err);
	ck_assert_int_eq(load_full(z, h1, ARRAY_SIZE(h1), err, sizeof(err)), SL_EEXIST);
	ck_assert_msg(strstr(err, "raise the serial") != NULL, "%s", err);
	ck_assert_ptr_eq(sl_zone_current(z), before);
	/* An incremental change (as an update would commit). */
	const sl_zone_version_t *v3 = commit(z, 0, h3, ARRAY_SIZE(h3));
	ck_assert_uint_eq(hist_len(j), 2);
	ck_assert_uint_eq(jdb_serial(j->db), 3);
	journal_put(j);

	/* Detached: commits go straight through again. */
	const sl_zone_version_t *v4 = commit(z, 0, h4, ARRAY_SIZE(h4));
	/* Reattached: the journal (serial 3) is older than the zone (4): unusable. */
	j = journal_new(p, origin, &lim);
	ck_assert_int_eq(journal_attach(j), SL_OK);
	ck_assert_ptr_null(j->db);
	ck_assert_msg(strstr(j->failed, "older than the served 4") != NULL, "%s", j->failed);
	ck_assert_int_eq(load_full(z, h1, ARRAY_SIZE(h1), err, sizeof(err)), SL_EIO);
	ck_assert_msg(strstr(err, "unusable") != NULL, "%s", err);
	ck_assert_ptr_eq(sl_zone_current(z), v4);
	journal_put(j);

	/* A fresh zone of the same name at serial 1: the journal's version (3) is
	 * published at attach, with its history; the file's serial 1 is stale. */
	ck_assert_int_eq(load_full(z, h1, ARRAY_SIZE(h1), err, sizeof(err)), SL_OK);
	j = journal_new(p, origin, &lim);
	ck_assert_int_eq(journal_attach(j), SL_OK);
	ck_assert_ptr_nonnull(j->db);
	ck_assert_uint_eq(sl_zone_serial(sl_zone_current(z)), 3);
	assert_same(sl_zone_current(z), v3);
	ck_assert_uint_eq(hist_len(j), 2);
	ck_assert_ptr_eq(j->latest, sl_zone_current(z));
	ck_assert_int_eq(load_full(z, h1, ARRAY_SIZE(h1), err, sizeof(err)), SL_EEXIST);

	/* sync_zone_file: the zone written back loads as the same version. */
	char zf[300];
	uint32_t fs;
	snprintf(zf, sizeof(zf), "%s/hook.zone", dir);
	ck_assert_int_eq(jsync_file_serial(zf, origin, &fs), SL_ENOTFOUND);
	ck_assert_int_eq(jsync_write(j->latest, origin, zf, err, sizeof(err)), SL_OK);
	ck_assert_int_eq(jsync_file_serial(zf, origin, &fs), SL_OK);
	ck_assert_uint_eq(fs, 3);
	sl_zone_txn_t *txn;
	sl_zscan_options_t opt;
	sl_zscan_options_init(&opt);
	opt.origin = origin;
	const sl_zone_version_t *cur = sl_zone_current(z);
	sl_zone_version_ref(cur);
	ck_assert_int_eq(sl_zone_txn_begin(z, SL_TXN_EMPTY, &txn), SL_OK);
	ck_assert_int_eq(sl_zscan_parse_file(zf, &opt, zscan_add, txn, NULL), SL_OK);
	/* Committed through the hook: identical to the journal's version, accepted. */
	ck_assert_int_eq(sl_zone_txn_commit(txn, NULL, err, sizeof(err)), SL_OK);
	assert_same(sl_zone_current(z), cur);
	ck_assert_int_eq(query_int(p, "SELECT count(*) FROM changes"), 2);
	FILE *f = fopen(zf, "w");
	fputs("@ SOA broken\n", f);
	fclose(f);
	ck_assert_int_eq(jsync_file_serial(zf, origin, &fs), SL_ESYNTAX);
	sl_zone_version_unref(cur);
	journal_put(j);

	/* A damaged file: unusable, every version refused, the zone unchanged. */
	cur = sl_zone_current(z);
	write_file(p, "garbage, not a database", 23);
	j = journal_new(p, origin, &lim);
	ck_assert_int_eq(journal_attach(j), SL_OK);
	ck_assert_ptr_null(j->db);
	ck_assert_int_eq(load_full(z, h2, ARRAY_SIZE(h2), err, sizeof(err)), SL_EIO);
	ck_assert_msg(strstr(err, "not a database") != NULL, "%s", err);
	ck_assert_ptr_eq(sl_zone_current(z), cur);
	journal_put(j);

	sl_zone_version_unref(v3);
	sl_zone_version_unref(v4);
	sl_zone_put(z);
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("sqlite_journal");
	TCase *tc = tcase_create("journal");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_record_replay);
	tcase_add_test(tc, test_ttl_and_case);
	tcase_add_test(tc, test_compaction);
	tcase_add_test(tc, test_inconsistent);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_mutated);
	tcase_add_test(tc, test_rrkey);
	tcase_add_test(tc, test_hook);
	suite_add_tcase(s, tc);
	return s;
}
