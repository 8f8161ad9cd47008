/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Deferred answers on the way back (sl_request_defer(), core/query/
 * deferred.c): the thread that finishes a deferred request posts the built
 * message to the worker that received the query, through a mutex-guarded
 * list and an ev_async; the worker sends it from its loop — over UDP on the
 * same socket with the same source address, over TCP on the same
 * connection if it is still open (else the answer is dropped quietly).
 * Only deferred requests (UPDATE) come here: the query path is untouched.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sluice/log.h>
#include "sockaddr.h"
#include "worker.h"

/* Room for one pktinfo control message (either family). */
#define REPLY_CTL_MAX 64

/* One deferred answer: its route until posted, then a queue entry. */
struct sl_reply {
	sl_reply_route_t route;        /* first: the query layer sees this */
	struct sl_reply *next;
	sl_worker_t *w;
	sl_transport_t transport;
	int fd;                        /* UDP socket */
	sl_sockaddr_t peer;
	socklen_t peer_len;
	uint8_t ctl[REPLY_CTL_MAX] __attribute__((aligned(8)));
	size_t ctl_len;
	uint64_t conn_id;              /* TCP connection */
	uint8_t *msg;
	size_t len;
};

static void reply_post(sl_reply_route_t *route, uint8_t *msg, size_t len)
{
	struct sl_reply *r = (struct sl_reply *)(void *)route;
	sl_worker_t *w = r->w;

	if (!msg) {
		free(r);
		return;
	}
	r->msg = msg;
	r->len = len;
	r->next = NULL;
	pthread_mutex_lock(&w->replies_lock);
	*w->replies_tail = r;
	w->replies_tail = &r->next;
	pthread_mutex_unlock(&w->replies_lock);
	ev_async_send(w->host.loop, &w->replies_wake);
}

sl_reply_route_t *sl_worker_reply_route(const sl_query_in_t *in)
{
	const sl_reply_ctx_t *ctx = in->route_arg;
	struct sl_reply *r;

	if (!ctx || !ctx->origin || !ctx->w || in->remote_len > sizeof(r->peer) ||
	    ctx->origin->ctl_len > REPLY_CTL_MAX)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->route.post = reply_post;
	r->w = ctx->w;
	r->transport = ctx->origin->transport;
	r->fd = ctx->origin->fd;
	memcpy(&r->peer, in->remote, in->remote_len);
	r->peer_len = in->remote_len;
	if (ctx->origin->ctl && ctx->origin->ctl_len) {
		memcpy(r->ctl, ctx->origin->ctl, ctx->origin->ctl_len);
		r->ctl_len = ctx->origin->ctl_len;
	}
	r->conn_id = ctx->origin->conn_id;
	return &r->route;
}

static void reply_send_udp(const struct sl_reply *r)
{
	struct iovec iov = { .iov_base = r->msg, .iov_len = r->len };
	struct msghdr h = {
		.msg_name = (void *)&r->peer, .msg_namelen = r->peer_len,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = r->ctl_len ? (void *)r->ctl : NULL, .msg_controllen = r->ctl_len,
	};
	ssize_t n;

	do
		n = sendmsg(r->fd, &h, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		sl_counter_add(&r->w->stats.dropped, 1);
}

/* Detaches every answer posted so far (the list, oldest first). */
static struct sl_reply *take_replies(sl_worker_t *w)
{
	struct sl_reply *r;

	pthread_mutex_lock(&w->replies_lock);
	r = w->replies;
	w->replies = NULL;
	w->replies_tail = &w->replies;
	pthread_mutex_unlock(&w->replies_lock);
	return r;
}

/* Worker loop: sends every answer posted since the last wake-up. */
static void on_replies(struct ev_loop *loop, ev_async *watcher, int revents)
{
	sl_worker_t *w = watcher->data;
	struct sl_reply *r = take_replies(w);

	while (r) {
		struct sl_reply *next = r->next;

		if (r->len >= SL_HEADER_LEN)
			sl_counter_add(&w->stats.rcode[r->msg[3] & 0x0F], 1);
		if (r->transport == SL_TRANSPORT_UDP)
			reply_send_udp(r);
		else
			sl_tcp_reply(w, r->conn_id, r->msg, r->len);
		free(r->msg);
		free(r);
		r = next;
	}
}

int sl_worker_replies_init(sl_worker_t *w)
{
	if (pthread_mutex_init(&w->replies_lock, NULL) != 0)
		return SL_ENOMEM;
	w->replies_init = true;
	w->replies = NULL;
	w->replies_tail = &w->replies;
	ev_async_init(&w->replies_wake, on_replies);
	w->replies_wake.data = w;
	ev_async_start(w->host.loop, &w->replies_wake);
	return SL_OK;
}

void sl_worker_replies_free(sl_worker_t *w)
{
	struct sl_reply *r;

	if (!w->replies_init)
		return;
	r = take_replies(w);
	while (r) {
		struct sl_reply *next = r->next;
		free(r->msg);
		free(r);
		r = next;
	}
	pthread_mutex_destroy(&w->replies_lock);
	w->replies_init = false;
}
