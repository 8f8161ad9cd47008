/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sqlite-journal — durable zone history in SQLite, and IXFR from it.
 *
 * At start the journal's version (snapshot + changes) is rebuilt and
 * published before any data source loads, then the plugin becomes the
 * zone's journal (sl_zone_set_journal()): every later version reaches
 * write() before it is published, and is recorded there — the difference
 * from the version it replaces, in one SQLite transaction — or refused. The
 * same changes are kept in memory, in an immutable history that IXFR
 * readers on worker threads share by reference (they never read SQLite).
 *
 * State that must survive a reload (the open database, the history, the
 * installed hook) lives in a reference-counted `struct journal` that a
 * reloaded instance adopts when its file is unchanged.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sluice/sluice.h>
#include <sluice/zone.h>

#include "journal.h"

/* Shared by the instances of successive configurations (control thread refs). */
struct journal {
	unsigned ref;                  /* instances using it (control thread only) */
	char *path;                    /* the database file */
	char label[SL_NAME_TEXT_MAX + 32]; /* "sqlite-journal@zone." for log lines */
	sl_zone_t *zone;               /* registry reference */
	bool hooked;                   /* installed as the zone's journal */
	/* Set while start() publishes the journal's own version (the zone's
	 * writer lock orders it with write(), which runs inside commits). */
	bool replaying;
	pthread_mutex_t lock;          /* db, failed, limits, latest */
	jdb_t *db;                     /* NULL while unusable */
	const sl_zone_version_t *latest; /* referenced: the last version accepted (sync_zone_file) */
	char failed[768];              /* why it is unusable */
	jdb_limits_t limits;
	pthread_mutex_t hist_lock;     /* guards taking a reference to hist */
	jhist_t *hist;                 /* what IXFR serves; never NULL once started */
};

struct jplugin {
	sl_instance_t *inst;
	const char *path;              /* resolved database path */
	jdb_limits_t limits;
	struct journal *j;             /* after start() or adopt() */
	long long sync;                /* sync_zone_file: seconds, 0 = off */
	const char *zone_file;         /* the master file it writes */
	sl_timer_t *timer;             /* the sync timer */
	bool warned;                   /* the zone file did not parse (logged once) */
	int c_incremental;             /* counter: IXFR answered with differences */
	int c_other;                   /* counter: IXFR answered otherwise (SOA, full, error) */
};

/* RFC 1982: is @p a newer than @p b? (Undefined distances count as not newer.) */
static bool serial_newer(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0 && a - b != 0x80000000u;
}

/* ---- the history readers share ---------------------------------------------- */

static jhist_t *hist_get(struct journal *j)
{
	pthread_mutex_lock(&j->hist_lock);
	jhist_t *h = j->hist;
	if (h)
		jhist_ref(h);
	pthread_mutex_unlock(&j->hist_lock);
	return h;
}

/* Publishes @p h (its reference moves to the journal) and drops the old one. */
static void hist_set(struct journal *j, jhist_t *h)
{
	pthread_mutex_lock(&j->hist_lock);
	jhist_t *old = j->hist;
	j->hist = h;
	pthread_mutex_unlock(&j->hist_lock);
	jhist_put(old);
}

/* ---- the journal hook ------------------------------------------------------------ */

/* Remembers @p v (referenced) as the last accepted version. Under j->lock. */
static void set_latest(struct journal *j, const sl_zone_version_t *v)
{
	if (v)
		sl_zone_version_ref(v);
	if (j->latest)
		sl_zone_version_unref(j->latest);
	j->latest = v;
}

static int stop_at_first(void *arg, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
			 uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	(void)arg, (void)op, (void)owner, (void)type, (void)ttl, (void)rdata, (void)rdlen;
	return SL_EEXIST;
}

/* Starts the history over at @p to: the snapshot is the whole version. */
static int restart_history(struct journal *j, const sl_zone_version_t *to, char *err,
			   size_t errlen)
{
	int rc = jdb_write_snapshot(j->db, to, err, errlen);
	jhist_t *h = rc == SL_OK ? jhist_new(NULL, 0, NULL, sl_zone_serial(to)) : NULL;

	if (h)
		hist_set(j, h);
	return rc;
}

/* Records the change @p from → @p to (the journal is at @p from's serial). */
static int record_change(struct journal *j, const sl_zone_version_t *from,
			 const sl_zone_version_t *to, char *err, size_t errlen)
{
	jchange_t *c = jchange_new(sl_zone_serial(from), sl_zone_serial(to));
	size_t folded;
	int rc;

	if (!c || sl_zone_diff(from, to, jchange_add, c) != SL_OK) {
		jchange_put(c);
		snprintf(err, errlen, "out of memory");
		return SL_ENOMEM;
	}
	rc = jdb_append(j->db, c, &j->limits, &folded, err, errlen);
	if (rc == SL_OK) {
		jhist_t *old = hist_get(j);
		jhist_t *h = jhist_new(old, folded, c, c->serial_to);
		jhist_put(old);
		/* Without memory for a new history IXFR falls back to full transfers. */
		if (h)
			hist_set(j, h);
	}
	jchange_put(c);
	return rc;
}

static int journal_write_buf(void *arg, const sl_zone_t *zone, const sl_zone_version_t *from,
			     const sl_zone_version_t *to, char *err, size_t errlen)
{
	struct journal *j = arg;
	uint32_t ts = sl_zone_serial(to);
	int rc = SL_OK;

	(void)zone;
	if (j->replaying)
		return SL_OK;
	pthread_mutex_lock(&j->lock);
	if (!j->db) {
		/* Logged when it failed; the committer reports this refusal. */
		snprintf(err, errlen, "unusable (%s): no new version is accepted", j->failed);
		pthread_mutex_unlock(&j->lock);
		return SL_EIO;
	} else if (jdb_empty(j->db)) {
		rc = restart_history(j, to, err, errlen);
		if (rc == SL_OK)
			sl_log(SL_LOG_NOTICE, "%s: %s: new journal, snapshot at serial %" PRIu32,
			       j->label, j->path, ts);
	} else {
		uint32_t js = jdb_serial(j->db);
		if (!serial_newer(ts, js)) {
			/* The same version again (an unchanged file reloaded) is fine. */
			if (!(ts == js && from && sl_zone_serial(from) == js &&
			      sl_zone_diff(from, to, stop_at_first, NULL) == SL_OK)) {
				snprintf(err, errlen,
					 "serial %" PRIu32 " is not newer than the journal's %" PRIu32
					 ": keeping the journal's version; raise the serial to "
					 "replace it",
					 ts, js);
				rc = SL_EEXIST;
			}
		} else if (!from || sl_zone_serial(from) != js) {
			sl_log(SL_LOG_WARNING,
			       "%s: the zone was at serial %" PRIu32 ", the journal at %" PRIu32
			       ": history restarts at serial %" PRIu32,
			       j->label, from ? sl_zone_serial(from) : 0, js, ts);
			rc = restart_history(j, to, err, errlen);
		} else {
			rc = record_change(j, from, to, err, errlen);
		}
	}
	if (rc == SL_OK)
		set_latest(j, to);
	pthread_mutex_unlock(&j->lock);
	if (rc != SL_OK && rc != SL_EEXIST)
		sl_log(SL_LOG_ERROR, "%s: serial %" PRIu32 " refused: %s", j->label, ts, err);
	return rc;
}

/* The zone store's hook (sl_zone_journal_t): the refusal's message as an sl_error_t. */
static int journal_write(void *arg, const sl_zone_t *zone, const sl_zone_version_t *from,
			 const sl_zone_version_t *to, sl_error_t *err)
{
	char msg[1024] = ""; /* sl_error_set() keeps what fits */
	int rc = journal_write_buf(arg, zone, from, to, msg, sizeof(msg));

	return rc == SL_OK ? SL_OK : sl_error_set(err, rc, "%s", msg);
}

/*
 * Applies j->limits to a history kept under other limits (lowered in the
 * configuration). Under j->lock; a failure leaves everything as it was.
 */
static void apply_limits(struct journal *j)
{
	char err[512];
	size_t folded;

	if (!j->db || jdb_readonly(j->db))
		return;
	if (jdb_compact(j->db, &j->limits, &folded, err, sizeof(err)) != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: compaction: %s", j->label, err);
		return;
	}
	if (folded == 0)
		return;
	jhist_t *old = hist_get(j);
	jhist_t *h = old ? jhist_new(old, folded, NULL, old->serial) : NULL;
	jhist_put(old);
	if (h)
		hist_set(j, h);
	sl_log(SL_LOG_INFO, "%s: %zu change%s folded into the snapshot (max_changes %llu, "
	       "max_size %llu)", j->label, folded, folded == 1 ? "" : "s",
	       (unsigned long long)j->limits.max_changes, (unsigned long long)j->limits.max_size);
}

/* ---- opening and replaying --------------------------------------------------- */

/*
 * The zone's current version becomes j->latest. Holding the zone's write
 * transaction keeps writers from retiring it before it is referenced.
 */
static void latest_from_zone(struct journal *j)
{
	sl_zone_txn_t *txn;

	if (sl_zone_txn_begin(j->zone, 0, &txn) != SL_OK)
		return;
	pthread_mutex_lock(&j->lock);
	set_latest(j, sl_zone_current(j->zone));
	pthread_mutex_unlock(&j->lock);
	sl_zone_txn_abort(txn);
}

/*
 * Opens the database and publishes the journal's version (when it holds
 * one). On failure j->failed says why and the journal stays unusable.
 * Called without j->lock (the replay commit may enter journal_write()).
 */
static void journal_open(struct journal *j)
{
	char err[sizeof(j->failed)] = "";
	sl_zone_txn_t *txn = NULL;
	jhist_t *hist = NULL;
	jdb_t *db = NULL;
	int rc = jdb_open(j->path, sl_zone_name(j->zone), false, &db, err, sizeof(err));

	if (rc == SL_OK && jdb_readonly(db))
		sl_log(SL_LOG_ERROR,
		       "%s: %s is read-only: serving the journal's version, refusing new ones",
		       j->label, j->path);
	if (rc == SL_OK && !jdb_empty(db)) {
		rc = sl_zone_txn_begin(j->zone, SL_TXN_EMPTY, &txn);
		if (rc != SL_OK)
			snprintf(err, sizeof(err), "cannot start a transaction: %s",
				 sl_strerror(rc));
	}
	if (txn) {
		rc = jdb_replay(db, txn, &hist, err, sizeof(err));
		const sl_zone_version_t *cur = sl_zone_current(j->zone);
		if (rc == SL_OK && cur && serial_newer(sl_zone_serial(cur), jdb_serial(db))) {
			snprintf(err, sizeof(err),
				 "%s holds serial %" PRIu32 ", older than the served %" PRIu32
				 ": move it aside to start a new journal",
				 j->path, jdb_serial(db), sl_zone_serial(cur));
			rc = SL_ECONFIG;
		}
		if (rc != SL_OK) {
			sl_zone_txn_abort(txn);
		} else {
			char cerr[512];
			j->replaying = true;
			rc = sl_zone_txn_commit(txn, NULL, cerr, sizeof(cerr));
			j->replaying = false;
			if (rc != SL_OK)
				snprintf(err, sizeof(err), "%s: the journal's version fails the "
					 "zone checks: %s", j->path, cerr);
		}
		if (rc == SL_OK)
			sl_log(SL_LOG_NOTICE,
			       "%s: %s replayed: serial %" PRIu32 " (%zu change%s kept)", j->label,
			       j->path, jdb_serial(db), hist->n, hist->n == 1 ? "" : "s");
	} else if (rc == SL_OK) {
		hist = jhist_new(NULL, 0, NULL, 0);
		if (!hist) {
			rc = SL_ENOMEM;
			snprintf(err, sizeof(err), "out of memory");
		}
	}
	pthread_mutex_lock(&j->lock);
	if (rc == SL_OK) {
		j->db = db;
		j->failed[0] = '\0';
	} else {
		jdb_close(db);
		jhist_put(hist);
		hist = NULL;
		snprintf(j->failed, sizeof(j->failed), "%s", err);
	}
	pthread_mutex_unlock(&j->lock);
	if (hist)
		hist_set(j, hist);
	if (rc == SL_OK) {
		pthread_mutex_lock(&j->lock);
		apply_limits(j);
		pthread_mutex_unlock(&j->lock);
		latest_from_zone(j);
	}
	if (rc != SL_OK)
		sl_log(SL_LOG_ERROR,
		       "%s: %s: the zone is not served until the journal is repaired or moved "
		       "aside (then reload)",
		       j->label, err);
}

/*
 * A zone that serves before its journal opened (the plugin added on a
 * reload): its current version becomes the snapshot. The transaction keeps
 * other writers out meanwhile.
 */
static void snapshot_current(struct journal *j)
{
	sl_zone_txn_t *txn;
	char err[512];

	if (sl_zone_txn_begin(j->zone, 0, &txn) != SL_OK)
		return;
	pthread_mutex_lock(&j->lock);
	const sl_zone_version_t *cur = sl_zone_current(j->zone);
	if (j->db && jdb_empty(j->db) && cur) {
		if (restart_history(j, cur, err, sizeof(err)) == SL_OK) {
			set_latest(j, cur);
			sl_log(SL_LOG_NOTICE, "%s: %s: new journal, snapshot at serial %" PRIu32,
			       j->label, j->path, sl_zone_serial(cur));
		}
		else
			sl_log(SL_LOG_ERROR, "%s: %s", j->label, err);
	}
	pthread_mutex_unlock(&j->lock);
	sl_zone_txn_abort(txn);
}

/* A journal of the zone @p apex in the database @p path, not attached yet. */
static struct journal *journal_new(const char *path, const uint8_t *apex,
				   const jdb_limits_t *limits)
{
	struct journal *j = calloc(1, sizeof(*j));
	char zone[SL_NAME_TEXT_MAX] = "?";

	if (!j || !(j->path = strdup(path))) {
		free(j);
		return NULL;
	}
	j->ref = 1;
	sl_name_to_text(apex, zone, sizeof(zone));
	snprintf(j->label, sizeof(j->label), "sqlite-journal@%s", zone);
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->hist_lock, NULL);
	j->limits = *limits;
	j->zone = sl_zone_get(apex);
	if (!j->zone) {
		free(j->path);
		free(j);
		return NULL;
	}
	return j;
}

/*
 * Makes @p j the zone's journal: hooked first, so that a zone with another
 * journal (a reload that changed the file) is refused before anything is
 * published — the replay's own commit passes the hook (j->replaying) —
 * then opened and replayed. @return SL_OK (also when the journal turned
 * out unusable: the zone then refuses every version), or SL_EEXIST
 */
static int journal_attach(struct journal *j)
{
	snprintf(j->failed, sizeof(j->failed), "not open yet");
	int rc = sl_zone_set_journal(j->zone, &(sl_zone_journal_t){ journal_write, j });
	if (rc != SL_OK)
		return rc;
	j->hooked = true;
	journal_open(j);
	snapshot_current(j);
	return SL_OK;
}

static void journal_put(struct journal *j)
{
	if (!j || --j->ref > 0)
		return;
	/* Waits for a commit in progress; write() is never called after this. */
	if (j->hooked)
		sl_zone_set_journal(j->zone, NULL);
	jdb_close(j->db);
	jhist_put(j->hist);
	set_latest(j, NULL);
	sl_zone_put(j->zone);
	pthread_mutex_destroy(&j->lock);
	pthread_mutex_destroy(&j->hist_lock);
	free(j->path);
	free(j);
}

/* ---- plugin callbacks ---------------------------------------------------------- */

static void jp_destroy(void *state)
{
	struct jplugin *p = state;

	if (!p)
		return;
	sl_timer_stop(p->timer);
	journal_put(p->j);
	free(p);
}

/* sluiced --check: an existing journal must open and replay (nothing is written). */
static void check_existing(struct jplugin *p, sl_conf_t *conf)
{
	char err[768];
	sl_zone_txn_t *txn;
	jhist_t *hist;
	jdb_t *db;

	if (access(p->path, F_OK) != 0)
		return; /* created at start */
	if (jdb_open(p->path, sl_instance_zone(p->inst), true, &db, err, sizeof(err)) != SL_OK) {
		sl_conf_error(conf, "file", "%s", err);
		return;
	}
	sl_zone_t *zone = sl_zone_get(sl_instance_zone(p->inst));
	if (zone && sl_zone_txn_begin(zone, SL_TXN_EMPTY, &txn) == SL_OK) {
		if (jdb_replay(db, txn, &hist, err, sizeof(err)) != SL_OK)
			sl_conf_error(conf, "file", "%s", err);
		else
			jhist_put(hist);
		sl_zone_txn_abort(txn);
	}
	if (zone)
		sl_zone_put(zone);
	jdb_close(db);
}

static int jp_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	struct jplugin *p = calloc(1, sizeof(*p));
	const char *file = NULL;
	long long v;

	if (!p)
		return SL_ENOMEM;
	*state = p;
	p->inst = inst;
	p->c_incremental = sl_stats_counter(inst, "ixfr_incremental");
	p->c_other = sl_stats_counter(inst, "ixfr_other");
	p->limits.max_changes = 100;
	p->limits.max_size = 10 * 1024 * 1024;
	if (sl_conf_string(conf, "zone_file", false, NULL, &file) == SL_OK && file)
		p->zone_file = sl_conf_resolve_path(conf, file);
	/* Without "file", the zone file's path plus ".jrnl" (as the seed server did). */
	if (sl_conf_string(conf, "file", !p->zone_file, NULL, &file) == SL_OK && file) {
		p->path = sl_conf_resolve_path(conf, file);
	} else if (p->zone_file) {
		size_t n = strlen(p->zone_file) + sizeof(".jrnl");
		char *def = malloc(n);
		if (def) {
			snprintf(def, n, "%s.jrnl", p->zone_file);
			p->path = sl_conf_resolve_path(conf, def);
			free(def);
		}
	}
	if (sl_conf_int(conf, "max_changes", 0, 100000000, 100, &v) == SL_OK)
		p->limits.max_changes = (uint64_t)v;
	if (sl_conf_int(conf, "max_size", 0, 1LL << 40, 10 * 1024 * 1024, &v) == SL_OK)
		p->limits.max_size = (uint64_t)v;
	sl_conf_int(conf, "sync_zone_file", 0, 7 * 86400, 0, &p->sync);
	if (p->sync > 0 && !p->zone_file)
		sl_conf_error(conf, "zone_file",
			      "sync_zone_file needs the master file to write (zone_file)");
	if (p->path && sl_conf_dry_run(conf))
		check_existing(p, conf);
	return SL_OK;
}

static void jp_adopt(void *state, void *old_state)
{
	struct jplugin *p = state, *old = old_state;

	/* The same file: keep the open database, the history and the hook. */
	if (old->j && p->path && strcmp(old->j->path, p->path) == 0) {
		p->j = old->j;
		p->j->ref++;
	}
}

static int jp_start_journal(struct jplugin *p);

/* sync_zone_file: writes the zone to its master file when the file is behind. */
static void sync_tick(sl_timer_t *timer, void *arg)
{
	struct jplugin *p = arg;
	struct journal *j = p->j;
	char err[1024];
	uint32_t fs;

	(void)timer;
	pthread_mutex_lock(&j->lock);
	const sl_zone_version_t *v = j->latest;
	if (v)
		sl_zone_version_ref(v);
	pthread_mutex_unlock(&j->lock);
	if (!v)
		return;
	int rc = jsync_file_serial(p->zone_file, sl_zone_name(j->zone), &fs);
	if (rc == SL_ESYNTAX) {
		/* Never overwrite a file being edited: it may be the operator's next version. */
		if (!p->warned)
			sl_instance_log(p->inst, SL_LOG_WARNING,
					"%s does not parse up to its SOA: not overwritten",
					p->zone_file);
		p->warned = true;
	} else if (rc == SL_OK && !serial_newer(sl_zone_serial(v), fs)) {
		p->warned = false;
	} else if (jsync_write(v, sl_zone_name(j->zone), p->zone_file, err, sizeof(err)) ==
		   SL_OK) {
		p->warned = false;
		sl_instance_log(p->inst, SL_LOG_NOTICE, "wrote %s: serial %" PRIu32,
				p->zone_file, sl_zone_serial(v));
	} else {
		sl_instance_log(p->inst, SL_LOG_ERROR, "cannot write the zone file: %s", err);
	}
	sl_zone_version_unref(v);
}

static int jp_start(void *state)
{
	struct jplugin *p = state;
	int rc = jp_start_journal(p);

	if (rc == SL_OK && p->sync > 0) {
		p->timer = sl_timer_start(NULL, (double)p->sync, (double)p->sync, sync_tick, p);
		if (!p->timer)
			return SL_ENOMEM;
	}
	return rc;
}

static int jp_start_journal(struct jplugin *p)
{
	struct journal *j = p->j;

	if (j) {
		pthread_mutex_lock(&j->lock);
		j->limits = p->limits;
		bool failed = j->db == NULL;
		apply_limits(j);
		pthread_mutex_unlock(&j->lock);
		/* A journal that could not be used is tried again at each reload. */
		if (failed) {
			journal_open(j);
			snapshot_current(j);
		}
		return SL_OK;
	}
	if (!(j = journal_new(p->path, sl_instance_zone(p->inst), &p->limits))) {
		sl_instance_log(p->inst, SL_LOG_ERROR, "out of memory");
		return SL_ENOMEM;
	}
	p->j = j;
	int rc = journal_attach(j);
	if (rc != SL_OK)
		sl_instance_log(p->inst, SL_LOG_ERROR,
				"the zone already has another journal: changing a journal's file "
				"needs a restart");
	return rc;
}

static sl_result_t jp_query(void *state, sl_request_t *req)
{
	struct jplugin *p = state;

	if (req->qtype != SL_TYPE_IXFR || SL_FLAGS_OPCODE(req->query->hdr.flags) != SL_OPCODE_QUERY ||
	    !p->j || !req->zone)
		return SL_RESULT_PASS;
	jhist_t *h = hist_get(p->j);
	bool incremental;
	sl_result_t r = jixfr_answer(req, req->zone, h, &incremental);
	jhist_put(h);
	sl_stats_add(p->inst, req, incremental ? p->c_incremental : p->c_other, 1);
	return r;
}

/*
 * The auth phase (before the data phase) makes the loader refuse a journal
 * placed after the zone's data source: it must publish its version and hook
 * in before the data source starts loading, and see IXFR queries first.
 */
SL_PLUGIN_DEFINE(.name = "sqlite-journal", .version = "1.0",
		 .summary = "durable zone history in SQLite; IXFR from it",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_AUTH, .create = jp_create,
		 .destroy = jp_destroy, .start = jp_start, .adopt = jp_adopt, .query = jp_query);
