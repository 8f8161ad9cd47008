/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: reloading a database whose file changed, without a
 * dropped or wrong query.
 *
 * Every "reload" seconds a control-loop timer compares each database file's
 * stamp (device, inode, size, mtime) with the one that was read. When one
 * changed, a loader thread opens and checks the new file in full (as at
 * start: geo_db_open), publishes it with one atomic pointer swap, then waits
 * until no worker can still be reading the old one and frees it. Workers
 * mark the short section where they read a database with an increment of a
 * counter on their own cache line on entry and on exit (odd = inside): the
 * loader snapshots the counters after the swap and waits for each odd one
 * to move, which happens only once that worker has left the section in
 * which it could have loaded the old pointer.
 *
 * A file that fails to open keeps the old database serving; the failure is
 * logged once per version of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "geo.h"

/* Waits until no worker is still inside a read section it entered before now. */
static void wait_for_readers(geo_t *g)
{
	unsigned long seen[256];
	unsigned n = g->nworkers < 256 ? g->nworkers : 256;
	for (unsigned i = 0; i < n; i++)
		seen[i] = atomic_load(&g->workers[i].seq);
	for (unsigned i = 0; i < n; i++) {
		while ((seen[i] & 1) && atomic_load(&g->workers[i].seq) == seen[i]) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 200000 };
			nanosleep(&ts, NULL);
		}
	}
	/* More workers than slots (never in practice): a grace period instead. */
	if (g->nworkers > n) {
		struct timespec ts = { .tv_sec = 1, .tv_nsec = 0 };
		nanosleep(&ts, NULL);
	}
}

/* Reloads one database slot if its file changed. @return 1 when replaced */
static unsigned reload_one(geo_t *g, _Atomic(geo_db_t *) *slot, sl_file_stamp_t *tried,
			   const char *what)
{
	geo_db_t *old = atomic_load(slot);
	sl_file_stamp_t now;
	char err[1024];

	if (!old)
		return 0;
	if (sl_file_stamp(old->path, &now) != SL_OK) {
		/* Being replaced, or gone: keep serving what we have; try again later. */
		return 0;
	}
	if (sl_file_stamp_equal(&now, &old->stamp) || sl_file_stamp_equal(&now, tried))
		return 0;
	geo_db_t *db = calloc(1, sizeof(*db));
	if (!db)
		return 0;
	if (geo_db_open(db, old->path, err, sizeof(err)) != SL_OK) {
		*tried = now;
		sl_instance_log(g->inst, SL_LOG_ERROR, "%s not reloaded: %s; still serving the "
				"previous one", what, err);
		free(db);
		return 0;
	}
	geo_db_t *prev = atomic_exchange(slot, db);
	wait_for_readers(g);
	geo_db_close(prev);
	free(prev);
	sl_instance_log(g->inst, SL_LOG_NOTICE, "reloaded %s %s (%u nodes, built %llu)", what,
			db->path, db->mmdb.metadata.node_count,
			(unsigned long long)db->mmdb.metadata.build_epoch);
	return 1;
}

unsigned geo_reload_now(geo_t *g)
{
	return reload_one(g, &g->db, &g->tried[0], "database") +
	       reload_one(g, &g->asn_db, &g->tried[1], "ASN database");
}

static void *loader_main(void *arg)
{
	geo_t *g = arg;
	geo_reload_now(g);
	atomic_store(&g->loading, false);
	return NULL;
}

static void on_timer(sl_timer_t *timer, void *arg)
{
	geo_t *g = arg;
	(void)timer;
	if (atomic_load(&g->loading))
		return;
	if (g->loader_joinable) {
		pthread_join(g->loader, NULL);
		g->loader_joinable = false;
	}
	/* Cheap check here; the loader only starts when a stamp moved. */
	bool changed = false;
	geo_db_t *dbs[2] = { atomic_load(&g->db), atomic_load(&g->asn_db) };
	for (unsigned i = 0; i < 2; i++) {
		sl_file_stamp_t st;
		if (dbs[i] && sl_file_stamp(dbs[i]->path, &st) == SL_OK &&
		    !sl_file_stamp_equal(&st, &dbs[i]->stamp) && !sl_file_stamp_equal(&st, &g->tried[i]))
			changed = true;
	}
	if (!changed)
		return;
	atomic_store(&g->loading, true);
	if (pthread_create(&g->loader, NULL, loader_main, g) != 0) {
		atomic_store(&g->loading, false);
		sl_instance_log(g->inst, SL_LOG_ERROR, "cannot start the database loader thread");
		return;
	}
	g->loader_joinable = true;
}

void geo_reload_start(geo_t *g)
{
	if (g->reload <= 0 || (!atomic_load(&g->db) && !atomic_load(&g->asn_db)))
		return;
	g->timer = sl_timer_start(NULL, g->reload, g->reload, on_timer, g);
	if (!g->timer)
		sl_instance_log(g->inst, SL_LOG_ERROR, "cannot start the database reload timer");
}

void geo_reload_stop(geo_t *g)
{
	sl_timer_stop(g->timer);
	g->timer = NULL;
	if (g->loader_joinable) {
		pthread_join(g->loader, NULL);
		g->loader_joinable = false;
	}
}
