/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * observer — a test plugin (never installed) in the EGRESS phase. Its
 * response() hook counts final responses by answer kind in stats counters
 * named after the kinds, so tests can check what later stages see. With
 * "timers": true it also exercises the host's timers and per-worker hooks
 * and logs what fired, for the system tests to find.
 */
#include <stdlib.h>
#include <sluice/plugin.h>

static const char *const kinds[] = { "none", "positive", "wildcard", "nodata",
				     "nxdomain", "referral", "error", "transfer" };

struct observer {
	sl_instance_t *inst;
	bool timers;
	sl_timer_t *control;      /* repeating control-loop timer */
	unsigned ticks;           /* its firings */
	sl_timer_t **worker;      /* one one-shot timer per worker */
	sl_worker_t **worker_of;  /* the worker each belongs to */
};

static int observer_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	struct observer *o = calloc(1, sizeof(*o));
	if (!o)
		return SL_ENOMEM;
	*state = o;
	o->inst = inst;
	sl_conf_bool(conf, "timers", false, &o->timers);
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (sl_stats_counter(inst, kinds[i]) < 0)
			sl_conf_error(conf, NULL, "cannot register counters");
	o->worker = calloc(sl_instance_workers(inst), sizeof(*o->worker));
	o->worker_of = calloc(sl_instance_workers(inst), sizeof(*o->worker_of));
	if (!o->worker || !o->worker_of)
		sl_conf_error(conf, NULL, "out of memory");
	/* SL_OK even after errors: the core then calls destroy(), which frees o. */
	return SL_OK;
}

static void on_control_tick(sl_timer_t *timer, void *arg)
{
	struct observer *o = arg;
	if (++o->ticks == 3) {
		sl_instance_log(o->inst, SL_LOG_NOTICE, "control timer fired 3 times");
		sl_timer_stop(timer);
		o->control = NULL;
	}
}

static int observer_start(void *state)
{
	struct observer *o = state;
	if (o->timers) {
		o->control = sl_timer_start(NULL, 0.05, 0.05, on_control_tick, o);
		if (!o->control)
			return SL_ENOMEM;
	}
	return SL_OK;
}

static void on_worker_timer(sl_timer_t *timer, void *arg)
{
	sl_worker_t *w = arg;
	sl_log(SL_LOG_NOTICE, "observer: worker timer fired on worker %u", sl_worker_id(w));
}

static int observer_worker_start(void *state, sl_worker_t *w)
{
	struct observer *o = state;
	unsigned id = sl_worker_id(w);
	if (!o->timers || id >= sl_instance_workers(o->inst))
		return SL_OK;
	o->worker_of[id] = w;
	o->worker[id] = sl_timer_start(w, 0.05, 0, on_worker_timer, w);
	return o->worker[id] ? SL_OK : SL_ENOMEM;
}

static void observer_worker_stop(void *state, sl_worker_t *w)
{
	struct observer *o = state;
	unsigned id = sl_worker_id(w);
	if (id < sl_instance_workers(o->inst) && o->worker[id]) {
		sl_timer_stop(o->worker[id]);
		o->worker[id] = NULL;
		sl_log(SL_LOG_NOTICE, "observer: worker_stop on worker %u", id);
	}
}

static void observer_destroy(void *state)
{
	struct observer *o = state;
	if (!o)
		return;
	sl_timer_stop(o->control);
	free(o->worker);
	free(o->worker_of);
	free(o);
}

static sl_result_t observer_response(void *state, sl_request_t *req)
{
	struct observer *o = state;
	sl_stats_add(o->inst, req, (int)req->kind, 1);
	return SL_RESULT_PASS;
}

SL_PLUGIN_DEFINE(.name = "observer", .version = "1", .summary = "test plugin: counts responses",
		 .scope = SL_SCOPE_ANY, .phase = SL_PHASE_EGRESS, .create = observer_create,
		 .destroy = observer_destroy, .start = observer_start,
		 .worker_start = observer_worker_start, .worker_stop = observer_worker_stop,
		 .response = observer_response);
