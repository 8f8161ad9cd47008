/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Plugin timers (declared in <sluice/plugin.h>) on a worker's libev loop,
 * found through the worker's host view, or on the control loop the server
 * registered with sl_host_set_control_loop().
 */
#include "config.h"
#include <ev.h>
#include <stdlib.h>
#include "services.h"

/* Written by the control thread before workers start and after they stop;
 * plugins read it from start() and control-loop timers, on that thread. */
static struct ev_loop *control_loop;

struct sl_timer {
	ev_timer timer;
	struct ev_loop *loop;
	sl_timer_f cb;
	void *arg;
};

void sl_host_set_control_loop(struct ev_loop *loop)
{
	control_loop = loop;
}

static void on_timer(struct ev_loop *loop, ev_timer *watcher, int revents)
{
	sl_timer_t *t = watcher->data;
	t->cb(t, t->arg);
}

sl_timer_t *sl_timer_start(sl_worker_t *worker, double after, double repeat, sl_timer_f cb,
			   void *arg)
{
	struct ev_loop *loop = worker ? sl_host_worker(worker)->loop : control_loop;
	if (!loop || !cb)
		return NULL;
	sl_timer_t *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	/* NaN fails every comparison: "!(x >= 0)" catches it with the negatives. */
	if (!(after >= 0))
		after = 0;
	if (!(repeat >= 0))
		repeat = 0;
	else if (repeat > 0 && repeat < SL_TIMER_MIN_REPEAT)
		repeat = SL_TIMER_MIN_REPEAT;
	ev_timer_init(&t->timer, on_timer, after, repeat);
	t->timer.data = t;
	ev_timer_start(loop, &t->timer);
	return t;
}

void sl_timer_stop(sl_timer_t *timer)
{
	if (!timer)
		return;
	ev_timer_stop(timer->loop, &timer->timer);
	free(timer);
}
