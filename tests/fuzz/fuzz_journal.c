/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for sqlite-journal's replay (plugins/sqlite-journal/db.c).
 *
 * The input is a whole journal database file (the seed is a small valid
 * journal of zone "jr.test.": a snapshot and two changes). It is written to
 * a private temporary file, opened, checked and replayed into a transaction
 * of the zone, which is then committed: any input must either replay into a
 * version that passes the zone checks, or fail with a one-line message —
 * never crash, hang, or leave a transaction open. A replay that succeeds
 * must end at the serial the journal claims and keep a history that
 * continues serial to serial.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sluice/name.h>
#include <sluice/zone.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t apex[] = { 2, 'j', 'r', 4, 't', 'e', 's', 't', 0 };

static void unlink_all(const char *path)
{
	char aux[300];
	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-journal", path);
	unlink(aux);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[256];
	static sl_zone_t *zone;
	char err[1024] = "";
	sl_zone_txn_t *txn;
	jhist_t *hist = NULL;
	jdb_t *db;

	if (!zone) {
		snprintf(path, sizeof(path), "/tmp/fuzz-journal-%d.db", (int)getpid());
		zone = sl_zone_get(apex);
		if (!zone)
			abort();
	}
	unlink_all(path);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	int rc = jdb_open(path, apex, false, &db, err, sizeof(err));
	if (rc != SL_OK) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		unlink_all(path);
		return 0;
	}
	if (sl_zone_txn_begin(zone, SL_TXN_EMPTY, &txn) != SL_OK)
		abort();
	rc = jdb_replay(db, txn, &hist, err, sizeof(err));
	if (rc != SL_OK) {
		if (!err[0] || hist)
			abort();
		sl_zone_txn_abort(txn);
	} else {
		if (!hist || (!jdb_empty(db) && hist->serial != jdb_serial(db)))
			abort();
		for (size_t i = 1; i < hist->n; i++)
			if (hist->ch[i]->serial_from != hist->ch[i - 1]->serial_to)
				abort();
		if (sl_zone_txn_commit(txn, NULL, err, sizeof(err)) == SL_OK && !jdb_empty(db) &&
		    sl_zone_serial(sl_zone_current(zone)) != jdb_serial(db))
			abort();
		jhist_put(hist);
	}
	jdb_close(db);
	unlink_all(path);
	return 0;
}
