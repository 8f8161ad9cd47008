/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The zone's writer: one thread per update instance, fed by a bounded
 * queue. It takes what has queued up (at most batch_max requests) and
 * applies it in one transaction, each request's prerequisites judged in
 * order against the transaction's view, so a batch means exactly what the
 * same requests applied one after another would. When the batch cannot be
 * committed (a zone check or the journal refuses it), or a request failed
 * half-way, the batch is redone one request per transaction, so one bad
 * request never costs the others. A client hears NOERROR only once
 * sl_zone_txn_commit_report() returned SL_OK: the change is published, and
 * durable when the zone has a journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "update.h"

typedef struct upd_item {
	struct upd_item *next;
	sl_deferred_t *d;
	char client[64];
	char key[SL_NAME_TEXT_MAX];
	uint16_t rcode;
	unsigned changes;
	const char *why;
	char detail[SL_ERROR_MSG_MAX];   /* commit failure text, or the prerequisite's owner and type */
} upd_item_t;

struct upd_writer {
	upd_writer_conf_t conf;
	uint8_t apex[SL_NAME_MAXLEN];
	char apex_text[SL_NAME_TEXT_MAX];
	sl_zone_t *zone;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	upd_item_t *head, **tail;
	size_t queued;
	bool stopping;
};

/* Keeps the first commit failure for the log and the client's rcode. */
static void on_commit_error(void *arg, const sl_error_t *err)
{
	upd_item_t *item = arg;

	if (!item->detail[0])
		snprintf(item->detail, sizeof(item->detail), "%s", err->msg);
}

static void fail_all(upd_item_t **items, size_t n, uint16_t rcode, const char *why)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i]->rcode == SL_RCODE_NOERROR) {
			items[i]->rcode = rcode;
			items[i]->why = why;
		}
	}
}

/*
 * One transaction for @p items. @return false when the batch must be
 * redone one request at a time (only ever for n > 1)
 */
static bool run(upd_writer_t *w, upd_item_t **items, size_t n)
{
	sl_zone_txn_t *txn;
	uint32_t old;
	unsigned total = 0;

	for (size_t i = 0; i < n; i++) {
		items[i]->rcode = SL_RCODE_NOERROR;
		items[i]->why = NULL;
		items[i]->changes = 0;
		items[i]->detail[0] = '\0';
	}
	if (sl_zone_txn_begin(w->zone, 0, &txn) != SL_OK) {
		fail_all(items, n, SL_RCODE_SERVFAIL, "cannot open a transaction");
		return true;
	}
	if (!upd_txn_serial(txn, w->apex, &old)) {
		sl_zone_txn_abort(txn);
		fail_all(items, n, SL_RCODE_SERVFAIL, "zone not loaded");
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		upd_outcome_t o;

		upd_apply(txn, w->apex, sl_deferred_query(items[i]->d), &o);
		items[i]->rcode = o.rcode;
		items[i]->why = o.why;
		if (o.name[0] && sl_name_to_text(o.name, items[i]->detail, sizeof(items[i]->detail)) > 0) {
			size_t l = strlen(items[i]->detail);
			char type[16];
			if (sl_rrtype_to_text(o.type, type, sizeof(type)) < 0)
				snprintf(type, sizeof(type), "TYPE%u", o.type);
			snprintf(items[i]->detail + l, sizeof(items[i]->detail) - l, " %s", type);
		}
		if (o.txn_damaged) {
			sl_zone_txn_abort(txn);
			return n == 1;
		}
		if (o.rcode == SL_RCODE_NOERROR) {
			items[i]->changes = o.changes;
			total += o.changes;
		}
	}
	if (total == 0) {
		sl_zone_txn_abort(txn); /* nothing changed: nothing to publish */
		return true;
	}
	int ret = upd_bump_serial(txn, w->apex, old, w->conf.serial, (uint64_t)time(NULL));
	if (ret != SL_OK) {
		sl_zone_txn_abort(txn);
		fail_all(items, n, SL_RCODE_SERVFAIL, "cannot set the SOA serial");
		return true;
	}
	upd_item_t *first = items[0];
	ret = sl_zone_txn_commit_report(txn, NULL, on_commit_error, first);
	if (ret == SL_OK)
		return true;
	if (n > 1)
		return false;
	/* A zone check refused the result: the update is refused; the rest is our failure. */
	fail_all(items, n, ret == SL_ECONFIG ? SL_RCODE_REFUSED : SL_RCODE_SERVFAIL,
		 ret == SL_ECONFIG ? "the zone would be invalid" : "commit failed");
	return true;
}

static void finish(upd_writer_t *w, upd_item_t *item, uint32_t serial)
{
	char rc[16];
	const char *name = sl_rcode_name(item->rcode);

	if (!name) {
		snprintf(rc, sizeof(rc), "RCODE%u", item->rcode);
		name = rc;
	}
	if (item->rcode == SL_RCODE_NOERROR)
		sl_instance_log(w->conf.inst, SL_LOG_INFO,
				"update from %s key %s: %u change%s, serial %u", item->client,
				item->key, item->changes, item->changes == 1 ? "" : "s", serial);
	else
		sl_instance_log(w->conf.inst, SL_LOG_INFO, "update from %s key %s: %s (%s%s%s)",
				item->client, item->key, name,
				item->why ? item->why : "refused", item->detail[0] ? ": " : "",
				item->detail);
	sl_deferred_finish(item->d, item->rcode);
	free(item);
}

static void *writer_main(void *arg)
{
	upd_writer_t *w = arg;
	upd_item_t **items = calloc(w->conf.batch_max, sizeof(*items));

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->head) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		size_t max = items ? w->conf.batch_max : 1;
		upd_item_t *one = NULL;
		while (w->head && n < max) {
			upd_item_t *it = w->head;
			w->head = it->next;
			if (!w->head)
				w->tail = &w->head;
			w->queued--;
			if (items)
				items[n++] = it;
			else {
				one = it;
				n = 1;
			}
		}
		pthread_mutex_unlock(&w->lock);
		upd_item_t **batch = items ? items : &one;
		if (!run(w, batch, n)) {
			for (size_t i = 0; i < n; i++)
				run(w, &batch[i], 1);
		}
		uint32_t serial = 0;
		sl_zone_published(w->zone, &serial);
		for (size_t i = 0; i < n; i++)
			finish(w, batch[i], serial);
	}
	free(items);
	return NULL;
}

upd_writer_t *upd_writer_start(const upd_writer_conf_t *conf)
{
	upd_writer_t *w = calloc(1, sizeof(*w));
	size_t len;

	if (!w)
		return NULL;
	w->conf = *conf;
	len = sl_name_len(conf->apex);
	memcpy(w->apex, conf->apex, len);
	w->conf.apex = w->apex;
	if (sl_name_to_text(w->apex, w->apex_text, sizeof(w->apex_text)) < 0)
		w->apex_text[0] = '\0';
	w->tail = &w->head;
	w->zone = sl_zone_get(w->apex);
	if (!w->zone) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		sl_instance_log(conf->inst, SL_LOG_ERROR, "cannot start the writer thread");
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		sl_zone_put(w->zone);
		free(w);
		return NULL;
	}
	return w;
}

int upd_writer_submit(upd_writer_t *w, sl_deferred_t *d, const char *client, const char *key)
{
	upd_item_t *it;

	pthread_mutex_lock(&w->lock);
	bool full = w->stopping || w->queued >= w->conf.queue_max;
	pthread_mutex_unlock(&w->lock);
	if (full)
		return SL_ELIMIT;
	it = calloc(1, sizeof(*it));
	if (!it)
		return SL_ENOMEM;
	it->d = d;
	snprintf(it->client, sizeof(it->client), "%s", client);
	snprintf(it->key, sizeof(it->key), "%s", key);
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->queued >= w->conf.queue_max) {
		pthread_mutex_unlock(&w->lock);
		free(it);
		return SL_ELIMIT;
	}
	*w->tail = it;
	w->tail = &it->next;
	w->queued++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return SL_OK;
}

void upd_writer_stop(upd_writer_t *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	/* The thread answers what was queued before it ends. */
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	sl_zone_put(w->zone);
	free(w);
}
