/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Worker threads: each runs its own libev loop over its own sockets. The
 * control thread hands a new runtime over by publishing a pointer and
 * waking every worker; a worker switches between two batches of work, so it
 * never sees half a configuration and needs no lock on the query path.
 */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "loader.h"
#include "net.h"
#include "process.h"
#include "qsbr.h"
#include "server.h"
#include "worker.h"

bool sl_worker_answer(sl_worker_t *w, sl_transport_t transport, const uint8_t *query,
		      size_t qlen, const struct sockaddr *remote, socklen_t remote_len,
		      const struct sockaddr *local, socklen_t local_len, uint8_t *out, size_t outcap,
		      size_t *outlen, sl_stream_t *stream, const sl_reply_origin_t *origin)
{
	sl_reply_ctx_t ctx = { w, origin };
	bool deferred = false;
	sl_query_in_t in = {
		.transport = transport, .wire = query, .len = qlen,
		.remote = remote, .remote_len = remote_len,
		.local = local, .local_len = local_len,
		.worker_id = w->host.id, .worker = w, .now = (uint32_t)time(NULL),
		.cookie_mac = &w->cookie_mac, .stream_out = stream,
		.route = origin ? sl_worker_reply_route : NULL, .route_arg = &ctx,
		.deferred_out = &deferred,
	};
	size_t len = sl_process(w->rt, &in, &w->arena, out, outcap);

	*outlen = len;
	if (len >= SL_HEADER_LEN)
		sl_counter_add(&w->stats.rcode[out[3] & 0x0F], 1);
	return deferred;
}

bool sl_worker_stream_next(sl_worker_t *w, sl_stream_t *stream, const uint8_t *query,
			   size_t qlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	return sl_process_stream(stream, query, qlen, out, outcap, outlen);
}

/* ---- per-worker plugin hooks -------------------------------------------- */

static void chain_worker_start(const sl_chain_t *chain, sl_worker_t *w)
{
	for (size_t i = 0; i < chain->n; i++) {
		sl_instance_t *inst = chain->inst[i];
		if (inst->api->worker_start && inst->api->worker_start(inst->state, w) != SL_OK)
			sl_log(SL_LOG_ERROR, "%s: worker_start failed on worker %u", inst->label,
			       w->host.id);
	}
}

static void chain_worker_stop(const sl_chain_t *chain, sl_worker_t *w)
{
	for (size_t i = 0; i < chain->n; i++) {
		sl_instance_t *inst = chain->inst[i];
		if (inst->api->worker_stop)
			inst->api->worker_stop(inst->state, w);
	}
}

static void runtime_worker_start(const sl_runtime_t *rt, sl_worker_t *w)
{
	chain_worker_start(&rt->server_chain, w);
	for (size_t z = 0; z < rt->nzones; z++)
		chain_worker_start(&rt->zones[z].chain, w);
}

static void runtime_worker_stop(const sl_runtime_t *rt, sl_worker_t *w)
{
	chain_worker_stop(&rt->server_chain, w);
	for (size_t z = 0; z < rt->nzones; z++)
		chain_worker_stop(&rt->zones[z].chain, w);
}

/* Control thread -> worker: a new runtime was published, or we are stopping. */
static void on_wake(struct ev_loop *loop, ev_async *watcher, int revents)
{
	sl_worker_t *w = watcher->data;
	sl_server_t *srv = w->server;

	if (atomic_load(&srv->stopping)) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	unsigned gen = atomic_load(&srv->generation);
	sl_runtime_t *live = atomic_load(&srv->live);
	if (live != w->rt) {
		runtime_worker_stop(w->rt, w);
		w->rt = live;
		runtime_worker_start(w->rt, w);
	}
	atomic_store(&w->acked_generation, gen);
	/* Other workers may have asked us to evict connections for them. */
	sl_tcp_evict_requested(w);
}

/*
 * Zone versions are freed only after every online worker has passed a
 * quiescent state: each loop iteration is one (back online right after the
 * wait), and a worker blocked in epoll is offline, so idle workers never
 * hold reclamation up.
 */
static void on_prepare(struct ev_loop *loop, ev_prepare *watcher, int revents)
{
	sl_worker_t *w = watcher->data;
	sl_qsbr_offline(w->host.id);
}

static void on_check(struct ev_loop *loop, ev_check *watcher, int revents)
{
	sl_worker_t *w = watcher->data;
	sl_qsbr_online(w->host.id);
}

static void *worker_main(void *arg)
{
	sl_worker_t *w = arg;

	sl_qsbr_online(w->host.id);
	runtime_worker_start(w->rt, w);
	if (sl_udp_start(w) != SL_OK || sl_tcp_start(w) != SL_OK) {
		sl_log(SL_LOG_ERROR, "worker %u: cannot start transports", w->host.id);
		atomic_store(&w->server->stopping, true);
		kill(getpid(), SIGTERM);
	}
	atomic_store(&w->acked_generation, atomic_load(&w->server->generation));
	ev_run(w->host.loop, 0);
	sl_qsbr_online(w->host.id);
	sl_tcp_stop(w);
	sl_udp_stop(w);
	runtime_worker_stop(w->rt, w);
	sl_qsbr_offline(w->host.id);
	return NULL;
}

int sl_worker_init(sl_worker_t *w, sl_server_t *srv, unsigned id, const sl_runtime_t *rt)
{
	w->host.id = id;
	w->server = srv;
	w->rt = rt;
	w->host.loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	w->arena_block = malloc(SL_WORKER_ARENA_SIZE);
	if (!w->host.loop || !w->arena_block || sl_cookie_mac_init(&w->cookie_mac) != SL_OK)
		return SL_ENOMEM;
	sl_arena_init(&w->arena, w->arena_block, SL_WORKER_ARENA_SIZE);
	atomic_store(&w->tcp_share.busy_key, INT64_MAX);
	atomic_store(&w->tcp_share.idle_key, INT64_MAX);
	ev_async_init(&w->wake, on_wake);
	w->wake.data = w;
	ev_async_start(w->host.loop, &w->wake);
	if (sl_worker_replies_init(w) != SL_OK)
		return SL_ENOMEM;
	ev_prepare_init(&w->qsbr_offline, on_prepare);
	w->qsbr_offline.data = w;
	ev_set_priority(&w->qsbr_offline, EV_MINPRI);
	ev_prepare_start(w->host.loop, &w->qsbr_offline);
	ev_check_init(&w->qsbr_online, on_check);
	w->qsbr_online.data = w;
	/* First among the callbacks that run after the wait. */
	ev_set_priority(&w->qsbr_online, EV_MAXPRI);
	ev_check_start(w->host.loop, &w->qsbr_online);
	return SL_OK;
}

int sl_worker_spawn(sl_worker_t *w)
{
	sigset_t all, old;
	/* Workers never take signals: the control loop handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int ret = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret == 0 ? SL_OK : SL_EIO;
}

void sl_worker_destroy(sl_worker_t *w)
{
	for (size_t i = 0; i < w->nfds; i++) {
		if (w->udp_fds && w->udp_fds[i] >= 0)
			close(w->udp_fds[i]);
		if (w->tcp_fds && w->tcp_fds[i] >= 0)
			close(w->tcp_fds[i]);
	}
	free(w->udp_fds);
	free(w->tcp_fds);
	sl_worker_replies_free(w);
	if (w->host.loop)
		ev_loop_destroy(w->host.loop);
	free(w->arena_block);
	sl_cookie_mac_free(&w->cookie_mac);
	memset(w, 0, sizeof(*w));
}
