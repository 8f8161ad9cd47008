/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the TCP transport (RFC 7766).
 *
 * Every worker accepts on its own SO_REUSEPORT listening sockets and owns the
 * connections it accepted. What a client can make us hold is bounded:
 *
 *  - connections: a global cap (server->tcp_conns, all workers, lowered to
 *    what the descriptor limit allows) and a cap per client address
 *    (server->clients). Each worker keeps its connections on two lists ordered
 *    by their last progress (accepted, a whole query read, output written, or
 *    turned busy): busy ones (a partial query or output pending) and idle
 *    ones. Under pressure — fewer than `reserve` free slots — a newcomer
 *    evicts the busy connection that has gone longest without progress
 *    (a slow or partial query, a client that does not read), across all
 *    workers (sl_tcp_share_t); at the cap, failing that, the oldest idle one.
 *    Only when neither exists is the newcomer refused.
 *  - time: one timer per connection enforces the idle timeout, the deadline
 *    for reading a query from its first byte (it does not restart while the
 *    connection keeps holding unfinished input, so completing one query with
 *    the first byte of the next does not buy time), the write timeout (output
 *    pending without progress) and the connection's lifetime (then it is
 *    finished gracefully: no new query is read, pending answers are sent).
 *  - memory: connections hold no buffer while idle. Reads go into a worker
 *    scratch buffer and only the unfinished tail of a read is kept; its
 *    buffer grows with the bytes actually received, not with the announced
 *    length. Output is queued only when the socket would block, and once more
 *    than max_pending_out bytes are queued we stop reading (and answering)
 *    until the client drains it, so a client that never reads costs at most
 *    max_pending_out + one response.
 *
 * Helpers never free a connection: they mark it dead and the callback that
 * called them closes it last, so no pointer outlives its connection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sluice/log.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/rr.h>

#include "net.h"
#include "process.h"
#include "server.h"
#include "sockaddr.h"

/* Connections accepted per listening socket and readiness event; fewer
 * while each one evicts another (under pressure): every eviction of an
 * attacker that reconnects at once costs a new connection's first answer,
 * so eviction churn is spread over loop passes like transfer output. */
#define TCP_ACCEPT_BUDGET 32
#define TCP_ACCEPT_BUDGET_EVICTING 4
/* Reads per connection and readiness event: other connections get a turn. */
#define TCP_READ_BUDGET 4
/* Worker scratch buffer for reads. */
#define TCP_RBUF_SIZE 65536
/* Smallest input buffer allocated for an unfinished message. */
#define TCP_IN_MIN 512
/* Buffers up to this size are kept when they empty; larger ones are freed. */
#define TCP_KEEP_BUF 4096
/* Smallest output queue allocation. */
#define TCP_OUT_MIN 4096
/* Pause after accept() ran out of descriptors or memory. */
#define TCP_ACCEPT_BACKOFF 0.1
/* Minimum interval between two "accept is failing" warnings. */
#define TCP_ACCEPT_WARN_INTERVAL 10.0
/* Connections younger than this (since their last progress) are never
 * evicted, so a newcomer gets its query read and answered; a busy connection
 * older than this counts as stalled. */
#define TCP_STALL_GRACE 0.2
/* Table full and nobody to evict: accepting waits this long, newcomers
 * queue in the kernel's accept queue (first come, first served). */
#define TCP_FULL_RETRY 0.05
/* Connections admitted beyond the cap while evictions asked of other
 * workers are under way; past it newcomers are refused. */
#define TCP_EVICT_SLACK 32

struct tcp_conn {
	/* Links: [LINK_STATE] on tcp->idle or tcp->busy, [LINK_STREAM] on
	 * tcp->streams while it waits for its turn to produce transfer output. */
	struct { struct tcp_conn *prev, *next; } link[2];
	bool queued;                  /* on tcp->streams */
	bool deferred;                /* a transfer query waits there for its turn to start */
	struct sl_tcp *tcp;           /* owner */
	ev_io rio;                    /* readable */
	ev_io wio;                    /* writable (only while output is queued) */
	ev_timer timer;               /* earliest of the deadlines below */
	ev_tstamp armed;              /* deadline the timer was set for */
	int fd;
	bool idle;                    /* on tcp->idle */
	bool paused;                  /* too much output queued: not reading */
	bool eof;                     /* client half-closed: flush, then close */
	bool dead;                    /* close when the current callback ends */
	bool counted;                 /* holds a per-client count */
	bool progressed;              /* progress moved: re-append on its list */
	bool retiring;                /* lifetime over: finish, then close */
	sl_sockaddr_t peer, local;
	socklen_t peer_len, local_len;
	ev_tstamp born;               /* accepted */
	ev_tstamp progress;           /* list key: last progress, or turned busy/idle */
	ev_tstamp req_since;          /* first byte of the unfinished input */
	ev_tstamp write_since;        /* last output progress (while output is queued) */
	/* Limits as configured when the connection was accepted. */
	ev_tstamp idle_timeout, request_timeout, write_timeout, max_lifetime;
	size_t max_out;
	size_t kq;                    /* bytes in the kernel's send queue after our last flush */
	/* Input: bytes not yet processed (an unfinished message, or whole ones
	 * left over while paused). NULL while idle. */
	uint8_t *in;
	size_t in_len, in_cap;
	/* Output queue: out[out_off .. out_len) is still to be sent. */
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	/* A zone transfer in progress: further messages are produced as the
	 * client reads (reading and answering pause until it ends). */
	sl_stream_t stream;
	uint8_t *stream_query;        /* the query that started it (own copy) */
	uint64_t id;                  /* unique on this worker, for deferred answers */
	size_t stream_query_len;
};

struct conn_list {
	struct tcp_conn *head; /* oldest */
	struct tcp_conn *tail; /* newest */
};

struct tcp_listener {
	ev_io io;
	struct sl_tcp *tcp;
	int fd;
	bool wildcard;         /* local address must be asked per connection */
	sl_sockaddr_t bound;
	socklen_t bound_len;
};

struct sl_tcp {
	sl_worker_t *w;
	struct tcp_listener *ls;
	size_t nls;
	ev_timer backoff;              /* restarts accepting after EMFILE & co */
	ev_tstamp last_warn;           /* last accept failure warning */
	struct conn_list idle;         /* by progress (= became idle), oldest first */
	struct conn_list busy;         /* partial query or output pending, by progress */
	size_t nconns, nidle, nbusy;
	ev_prepare publish;            /* publishes w->tcp_share once per loop pass */
	struct conn_list streams;      /* zone transfers waiting for their turn */
	unsigned starts;               /* transfers started in this loop pass */
	ev_idle pump;                  /* active while streams is not empty */
	ev_timer evict_retry;          /* evictions owed to other workers, retried */
	uint64_t next_id;              /* id of the next connection */
	uint8_t rbuf[TCP_RBUF_SIZE];   /* read scratch */
	uint8_t obuf[2 + SL_MSG_MAXLEN]; /* length prefix + response */
};

static const char *errstr(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

/* ------------------------------------------------------------------------ */
/* Connection bookkeeping                                                   */
/* ------------------------------------------------------------------------ */

enum { LINK_STATE, LINK_STREAM };

static void list_append(struct conn_list *l, struct tcp_conn *c, int k)
{
	c->link[k].next = NULL;
	c->link[k].prev = l->tail;
	if (l->tail != NULL)
		l->tail->link[k].next = c;
	else
		l->head = c;
	l->tail = c;
}

static void list_remove(struct conn_list *l, struct tcp_conn *c, int k)
{
	if (c->link[k].prev != NULL)
		c->link[k].prev->link[k].next = c->link[k].next;
	else
		l->head = c->link[k].next;
	if (c->link[k].next != NULL)
		c->link[k].next->link[k].prev = c->link[k].prev;
	else
		l->tail = c->link[k].prev;
	c->link[k].prev = c->link[k].next = NULL;
}

static size_t out_pending(const struct tcp_conn *c)
{
	return c->out_len - c->out_off;
}

static void conn_link(struct tcp_conn *c)
{
	struct sl_tcp *tcp = c->tcp;

	list_append(c->idle ? &tcp->idle : &tcp->busy, c, LINK_STATE);
	if (c->idle)
		tcp->nidle++;
	else
		tcp->nbusy++;
}

static void conn_unlink(struct tcp_conn *c)
{
	struct sl_tcp *tcp = c->tcp;

	list_remove(c->idle ? &tcp->idle : &tcp->busy, c, LINK_STATE);
	if (c->idle)
		tcp->nidle--;
	else
		tcp->nbusy--;
}

/* Something useful happened: the connection moves to the end of its list. */
static void conn_progress(struct tcp_conn *c)
{
	c->progress = ev_now(c->tcp->w->host.loop);
	c->progressed = true;
}

static void conn_debug(const struct tcp_conn *c, const char *what)
{
	char peer[SL_SOCKADDR_TEXT_MAX];

	if (!sl_log_enabled(SL_LOG_DEBUG))
		return;
	sl_sockaddr_text(&c->peer.sa, peer, sizeof(peer));
	sl_log(SL_LOG_DEBUG, "tcp: %s: %s", peer, what);
}

/* Releases everything the connection holds, its counts included. */
static void conn_close(struct tcp_conn *c)
{
	struct sl_tcp *tcp = c->tcp;
	struct ev_loop *loop = tcp->w->host.loop;
	struct sl_server *srv = tcp->w->server;

	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->timer);
	close(c->fd);
	conn_unlink(c);
	if (c->queued)
		list_remove(&tcp->streams, c, LINK_STREAM);
	tcp->nconns--;
	if (c->counted)
		sl_tcp_client_release(srv, &c->peer.sa);
	atomic_fetch_sub(&srv->tcp_conns, 1);
	sl_stream_release(&c->stream);
	free(c->stream_query);
	free(c->in);
	free(c->out);
	free(c);
}

/*
 * Closes a busy connection we give up on (timeout, eviction) with a reset:
 * answers the client did not read are dropped at once instead of lingering
 * in the kernel behind a FIN it would never see, and the client learns at
 * once that the connection is gone.
 */
static void conn_abort(struct tcp_conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (!c->idle)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(c);
}

static ev_tstamp tmin(ev_tstamp a, ev_tstamp b)
{
	return a < b ? a : b;
}

/*
 * The earliest deadline that applies in the connection's current state
 * (INFINITY: none; a timeout configured as 0 disables that check).
 */
static ev_tstamp conn_deadline(const struct tcp_conn *c)
{
	ev_tstamp d = INFINITY;

	if (out_pending(c) > 0 && c->write_timeout > 0)
		d = tmin(d, c->write_since + c->write_timeout);
	/* While paused, the unfinished input waits on us, not on the client. */
	if (c->in_len > 0 && !c->paused && c->request_timeout > 0)
		d = tmin(d, c->req_since + c->request_timeout);
	if (c->idle && c->idle_timeout > 0)
		d = tmin(d, c->progress + c->idle_timeout);
	/* A zone transfer runs to its end (write_timeout still applies). */
	if (!c->retiring && !c->stream.next && c->max_lifetime > 0)
		d = tmin(d, c->born + c->max_lifetime);
	return d;
}

/*
 * Points the timer at the current deadline. A deadline that moved later is
 * left alone: the timer fires early and the callback re-arms it, so traffic
 * costs no timer-heap work; only a deadline moving earlier (a query starts,
 * output gets queued) re-arms now.
 */
static void conn_arm(struct tcp_conn *c, bool force)
{
	struct ev_loop *loop = c->tcp->w->host.loop;
	ev_tstamp d = conn_deadline(c), after;

	if (isinf(d)) {
		ev_timer_stop(loop, &c->timer);
		return;
	}
	if (!force && ev_is_active(&c->timer) && c->armed <= d)
		return;
	after = d - ev_now(loop);
	/* ev_timer_again() stops a timer whose repeat is 0. */
	c->timer.repeat = after > 0.001 ? after : 0.001;
	ev_timer_again(loop, &c->timer);
	c->armed = d;
}

/*
 * Moves the connection to the end of the list matching its state when it
 * changed state or made progress, so both lists stay ordered by progress.
 */
static void conn_settle(struct tcp_conn *c)
{
	bool idle = c->in_len == 0 && out_pending(c) == 0 && !c->eof && !c->stream.next;

	if (idle != c->idle)
		conn_progress(c);
	if (!c->progressed)
		return;
	conn_unlink(c);
	c->idle = idle;
	c->progressed = false;
	conn_link(c);
}

static void conn_pause(struct tcp_conn *c)
{
	c->paused = true;
	ev_io_stop(c->tcp->w->host.loop, &c->rio);
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */
/* ------------------------------------------------------------------------ */

static bool out_append(struct tcp_conn *c, const uint8_t *p, size_t n)
{
	if (c->out_cap - c->out_len < n && c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, out_pending(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_cap - c->out_len < n) {
		/* Bounded: we stop answering once max_out is exceeded, so the
		 * queue never holds more than max_out + one response. */
		size_t want = c->out_len + n, cap = c->out_cap * 2;
		uint8_t *nb;

		if (cap > c->max_out + 2 + SL_MSG_MAXLEN)
			cap = c->max_out + 2 + SL_MSG_MAXLEN;
		if (cap < TCP_OUT_MIN)
			cap = TCP_OUT_MIN;
		if (cap < want)
			cap = want;
		nb = realloc(c->out, cap);
		if (nb == NULL)
			return false;
		c->out = nb;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return true;
}

/*
 * Writes what the socket takes now; watches for writability if not all.
 * Progress (for eviction) is the client taking data — the kernel's send
 * queue shrinking since the last flush — not our filling it: a client that
 * does not read stalls after its receive window, however much the send
 * buffer would still absorb.
 */
static void conn_flush(struct tcp_conn *c)
{
	struct ev_loop *loop = c->tcp->w->host.loop;
	int kq;

	if (ioctl(c->fd, SIOCOUTQ, &kq) == 0 && kq >= 0) {
		if ((size_t)kq < c->kq)
			conn_progress(c);
		c->kq = (size_t)kq;
	}
	while (out_pending(c) > 0) {
		ssize_t r = send(c->fd, c->out + c->out_off, out_pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r > 0) {
			c->out_off += (size_t)r;
			c->kq += (size_t)r;
			c->write_since = ev_now(loop);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_debug(c, "write failed");
		c->dead = true;
		return;
	}
	if (out_pending(c) > 0) {
		ev_io_start(loop, &c->wio);
		return;
	}
	ev_io_stop(loop, &c->wio);
	c->out_off = c->out_len = 0;
	if (c->out_cap > TCP_KEEP_BUF) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

/*
 * Sends one framed response. When nothing is queued and no other answer
 * follows in this read, it goes straight to the socket from the worker's
 * buffer; only what the socket does not take is copied to the queue.
 */
static void conn_emit(struct tcp_conn *c, const uint8_t *p, size_t n, bool more)
{
	struct ev_loop *loop = c->tcp->w->host.loop;

	if (out_pending(c) == 0 && !more) {
		ssize_t r;

		do
			r = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				conn_debug(c, "write failed");
				c->dead = true;
				return;
			}
			r = 0;
		}
		if ((size_t)r == n)
			return;
		p += r;
		n -= (size_t)r;
	}
	if (out_pending(c) == 0)
		c->write_since = ev_now(loop);
	if (!out_append(c, p, n)) {
		sl_log(SL_LOG_WARNING, "tcp: out of memory queueing a response; closing");
		c->dead = true;
	}
}

/* ------------------------------------------------------------------------ */
/* Input                                                                    */
/* ------------------------------------------------------------------------ */

static void conn_answer(struct tcp_conn *c, const uint8_t *q, size_t qlen, bool more)
{
	struct sl_tcp *tcp = c->tcp;
	sl_worker_t *w = tcp->w;
	size_t outlen = 0;

	sl_counter_add(&w->stats.tcp_queries, 1);
	conn_progress(c);
	sl_reply_origin_t origin = { .transport = SL_TRANSPORT_TCP, .fd = -1, .conn_id = c->id };
	if (sl_worker_answer(w, SL_TRANSPORT_TCP, q, qlen, &c->peer.sa, c->peer_len, &c->local.sa,
			     c->local_len, tcp->obuf + 2, SL_MSG_MAXLEN, &outlen, &c->stream,
			     &origin))
		return; /* answered later, from reply.c */
	if (c->stream.next) {
		/* Keep the query: every later message repeats its id and question. */
		c->stream_query = malloc(qlen);
		if (!c->stream_query) {
			sl_stream_release(&c->stream);
			c->dead = true;
			return;
		}
		memcpy(c->stream_query, q, qlen);
		c->stream_query_len = qlen;
		/* Later queries wait until the transfer is complete (in order). */
		conn_pause(c);
		more = true;
	}
	if (outlen == 0 || outlen > SL_MSG_MAXLEN) {
		sl_counter_add(&w->stats.dropped, 1);
		return;
	}
	sl_write_u16(tcp->obuf, (uint16_t)outlen);
	conn_emit(c, tcp->obuf, outlen + 2, more);
	if (out_pending(c) > c->max_out)
		conn_pause(c);
}

/*
 * Zone transfer output is produced in turns, a few messages per loop pass
 * across all of the worker's transfers (round robin, one message per turn),
 * so a thousand transfers cost UDP and other TCP clients on this worker at
 * most TCP_STREAM_PASS_BUDGET messages or about TCP_STREAM_PASS_TIME seconds
 * of latency per pass. A transfer whose client does not read leaves the
 * queue until its output drains.
 */
#define TCP_STREAM_PASS_BUDGET 8
#define TCP_STREAM_PASS_TIME 0.001
/* Transfers started per loop pass (each produces its first message at once);
 * further transfer queries wait on the same queue for a later pass. */
#define TCP_STREAM_STARTS_PER_PASS 2

/* Produces the next message of the connection's zone transfer. */
static void conn_pump(struct tcp_conn *c)
{
	struct sl_tcp *tcp = c->tcp;
	size_t outlen = 0;

	sl_worker_stream_next(tcp->w, &c->stream, c->stream_query, c->stream_query_len,
			      tcp->obuf + 2, SL_MSG_MAXLEN, &outlen);
	if (outlen > 0 && outlen <= SL_MSG_MAXLEN) {
		sl_write_u16(tcp->obuf, (uint16_t)outlen);
		/* Always queue: conn_flush sends it and tracks write progress. */
		conn_emit(c, tcp->obuf, outlen + 2, true);
	}
	if (!c->stream.next) {
		free(c->stream_query);
		c->stream_query = NULL;
		c->stream_query_len = 0;
	}
}

/* Puts a transfer with room in its output queue in line for a turn. */
static void stream_enqueue(struct tcp_conn *c)
{
	struct sl_tcp *tcp = c->tcp;

	if (c->queued)
		return;
	c->queued = true;
	list_append(&tcp->streams, c, LINK_STREAM);
	ev_idle_start(tcp->w->host.loop, &tcp->pump);
}

static void conn_finish(struct tcp_conn *c);

/*
 * One pass over the waiting transfers. An active idle watcher keeps the loop
 * from blocking; at the highest priority it runs on every pass, also while
 * other watchers are busy, so transfers progress under load too.
 */
static void tcp_pump_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct sl_tcp *tcp = w->data;
	ev_tstamp end = ev_time() + TCP_STREAM_PASS_TIME;
	unsigned budget;

	for (budget = 0; budget < TCP_STREAM_PASS_BUDGET && tcp->streams.head != NULL; budget++) {
		struct tcp_conn *c = tcp->streams.head;

		if (budget > 0 && ev_time() >= end)
			break;
		list_remove(&tcp->streams, c, LINK_STREAM);
		c->queued = false;
		if (c->deferred)
			c->deferred = false; /* conn_finish resumes it: its transfer starts */
		else if (c->stream.next && !c->dead)
			conn_pump(c);
		/* Flushes, and queues it again at the end while it has room. */
		conn_finish(c);
	}
	if (tcp->streams.head == NULL)
		ev_idle_stop(loop, w);
}

/* Whether the query @p q asks for a zone transfer (AXFR or IXFR). */
static bool is_transfer(const uint8_t *q, size_t len)
{
	uint16_t type;
	int n;

	if (len < SL_HEADER_LEN + 5 || sl_read_u16(q + 4) != 1)
		return false;
	n = sl_name_check(q + SL_HEADER_LEN, len - SL_HEADER_LEN);
	if (n < 0 || len < SL_HEADER_LEN + (size_t)n + 4)
		return false;
	type = sl_read_u16(q + SL_HEADER_LEN + n);
	return type == SL_TYPE_AXFR || type == SL_TYPE_IXFR;
}

/* Length of the complete framed message at @p p, or 0 if incomplete. */
static size_t frame_len(const uint8_t *p, size_t len)
{
	size_t m;

	if (len < 2)
		return 0;
	m = sl_read_u16(p);
	return len - 2 >= m ? m + 2 : 0;
}

/*
 * Answers the complete messages at the start of @p buf, in order, until the
 * data ends or output is full. @return bytes consumed
 */
static size_t conn_process(struct tcp_conn *c, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (!c->paused && !c->dead && !c->stream.next) {
		size_t n = frame_len(buf + off, len - off);

		if (n == 0)
			break;
		if (n == 2) {
			/* RFC 1035 has no empty message: the stream is broken. */
			conn_debug(c, "zero-length message");
			c->dead = true;
			break;
		}
		if (is_transfer(buf + off + 2, n - 2)) {
			if (c->tcp->starts >= TCP_STREAM_STARTS_PER_PASS) {
				/* Kept as input; tcp_pump_cb resumes it on a later pass. */
				c->deferred = true;
				conn_pause(c);
				stream_enqueue(c);
				break;
			}
			c->tcp->starts++;
		}
		conn_answer(c, buf + off + 2, n - 2, frame_len(buf + off + n, len - off - n) > 2);
		off += n;
	}
	return off;
}

/*
 * Makes room in c->in to read toward its first message, growing with what
 * was received rather than with what the length prefix announces.
 */
static bool in_reserve(struct tcp_conn *c, size_t need)
{
	size_t cap;
	uint8_t *nb;

	if (c->in_cap > c->in_len && c->in_cap >= need)
		return true;
	cap = c->in_cap * 2;
	if (cap > need)
		cap = need;
	if (cap < TCP_IN_MIN)
		cap = TCP_IN_MIN;
	if (cap <= c->in_cap)
		return c->in_cap > c->in_len;
	nb = realloc(c->in, cap);
	if (nb == NULL)
		return false;
	c->in = nb;
	c->in_cap = cap;
	return true;
}

/* Keeps the unprocessed tail of a scratch read (c->in is empty). */
static bool in_keep(struct tcp_conn *c, const uint8_t *p, size_t n)
{
	size_t cap = n > TCP_IN_MIN ? n : TCP_IN_MIN;

	if (c->in_cap < cap) {
		uint8_t *nb = realloc(c->in, cap);

		if (nb == NULL)
			return false;
		c->in = nb;
		c->in_cap = cap;
	}
	memcpy(c->in, p, n);
	c->in_len = n;
	return true;
}

static void in_release_if_empty(struct tcp_conn *c)
{
	if (c->in_len == 0 && c->in_cap > TCP_KEEP_BUF) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

/* Answers what c->in holds and keeps the rest. */
static void in_process(struct tcp_conn *c)
{
	size_t used = conn_process(c, c->in, c->in_len);

	if (used == 0)
		return;
	c->in_len -= used;
	memmove(c->in, c->in + used, c->in_len);
	/* Input left over: the connection has held unfinished input all along,
	 * so its deadline (c->req_since) runs on. Restarting it here would let a
	 * client that completes a query with the first byte of the next one
	 * hold the connection for ever. */
	in_release_if_empty(c);
}

static void conn_eof(struct tcp_conn *c)
{
	c->eof = true;
	ev_io_stop(c->tcp->w->host.loop, &c->rio);
	/* An unfinished query can no longer complete: forget it. Responses
	 * already queued are still sent (conn_finish closes once drained). */
	c->in_len = 0;
	in_release_if_empty(c);
}

static void conn_read(struct tcp_conn *c)
{
	struct sl_tcp *tcp = c->tcp;
	unsigned budget;

	for (budget = 0; budget < TCP_READ_BUDGET && !c->paused && !c->dead && !c->eof; budget++) {
		uint8_t *buf;
		size_t room;
		ssize_t n;

		if (c->in_len == 0) {
			buf = tcp->rbuf;
			room = sizeof(tcp->rbuf);
		} else {
			size_t need = c->in_len < 2 ? 2 : 2 + (size_t)sl_read_u16(c->in);

			if (!in_reserve(c, need)) {
				sl_log(SL_LOG_WARNING,
				       "tcp: out of memory reading a query; closing");
				c->dead = true;
				return;
			}
			buf = c->in + c->in_len;
			room = c->in_cap - c->in_len;
		}
		n = recv(c->fd, buf, room, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno != ECONNRESET && errno != ETIMEDOUT &&
			    sl_log_enabled(SL_LOG_DEBUG)) {
				char ebuf[128];

				conn_debug(c, errstr(errno, ebuf, sizeof(ebuf)));
			}
			c->dead = true;
			return;
		}
		if (n == 0) {
			conn_eof(c);
			return;
		}
		if (buf == tcp->rbuf) {
			size_t used = conn_process(c, buf, (size_t)n);

			if (c->dead)
				return;
			if (used < (size_t)n) {
				if (!in_keep(c, buf + used, (size_t)n - used)) {
					sl_log(SL_LOG_WARNING,
					       "tcp: out of memory reading a query; closing");
					c->dead = true;
					return;
				}
				c->req_since = ev_now(tcp->w->host.loop);
			}
		} else {
			c->in_len += (size_t)n;
			in_process(c);
			if (c->dead)
				return;
		}
		/* A short read drained the socket: don't spend a call on EAGAIN. */
		if ((size_t)n < room)
			return;
	}
}

/* Output drained below half the cap: answer what waited, read again. */
static void conn_resume(struct tcp_conn *c)
{
	c->paused = false;
	if (c->in_len > 0) {
		in_process(c);
		if (c->dead)
			return;
		/* Unfinished input left: its deadline starts now, the wait was ours. */
		if (c->in_len > 0)
			c->req_since = ev_now(c->tcp->w->host.loop);
	}
	if (!c->paused && !c->eof)
		ev_io_start(c->tcp->w->host.loop, &c->rio);
}

/* Ends every callback on a connection: flush, resume, close or re-arm. */
static void conn_finish(struct tcp_conn *c)
{
	while (!c->dead) {
		if (out_pending(c) > 0 && !ev_is_active(&c->wio))
			conn_flush(c);
		if (c->dead)
			break;
		if (c->stream.next && out_pending(c) <= c->max_out / 2) {
			stream_enqueue(c);
			break;
		}
		if (c->paused && !c->deferred && !c->stream.next &&
		    out_pending(c) <= c->max_out / 2) {
			conn_resume(c);
			continue;
		}
		break;
	}
	/* Half-closed by the client and everything sent: we are done. */
	if (!c->dead && c->eof && out_pending(c) == 0 && !c->stream.next)
		c->dead = true;
	if (c->dead) {
		conn_close(c);
		return;
	}
	conn_settle(c);
	conn_arm(c, false);
}

static struct tcp_conn *conn_find(const struct conn_list *l, uint64_t id)
{
	for (struct tcp_conn *c = l->head; c; c = c->link[LINK_STATE].next)
		if (c->id == id)
			return c;
	return NULL;
}

/* A deferred answer (reply.c): sent like any other when its connection is still open. */
void sl_tcp_reply(sl_worker_t *w, uint64_t id, const uint8_t *msg, size_t len)
{
	struct sl_tcp *tcp = w->tcp;
	struct tcp_conn *c;

	if (!tcp || len == 0 || len > SL_MSG_MAXLEN)
		return;
	c = conn_find(&tcp->busy, id);
	if (!c)
		c = conn_find(&tcp->idle, id);
	if (!c || c->dead) {
		sl_counter_add(&w->stats.dropped, 1);
		return;
	}
	sl_write_u16(tcp->obuf, (uint16_t)len);
	memcpy(tcp->obuf + 2, msg, len);
	conn_progress(c);
	conn_emit(c, tcp->obuf, len + 2, false);
	if (out_pending(c) > c->max_out)
		conn_pause(c);
	conn_finish(c);
}

static void conn_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct tcp_conn *c = io->data;

	conn_read(c);
	conn_finish(c);
}

static void conn_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct tcp_conn *c = io->data;

	conn_flush(c);
	conn_finish(c);
}

static void conn_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct tcp_conn *c = t->data;
	ev_tstamp now = ev_now(loop) + 0.001;
	bool old;

	if (conn_deadline(c) > now) {
		conn_arm(c, true);
		return;
	}
	sl_counter_add(&c->tcp->w->stats.tcp_timeouts, 1);
	old = !c->retiring && !c->stream.next && c->max_lifetime > 0 &&
	      c->born + c->max_lifetime <= now;
	if (old && !c->idle && !(out_pending(c) > 0 && c->write_since + c->write_timeout <= now)) {
		/* Lifetime over while answering: read nothing more, send what
		 * is queued (write_timeout still applies), then close. */
		conn_debug(c, "lifetime over: closing once answers are sent");
		c->retiring = true;
		conn_eof(c);
		conn_finish(c);
		return;
	}
	conn_debug(c, old ? "lifetime over" : c->idle ? "idle timeout" :
		      out_pending(c) > 0 ? "write timeout" : "request timeout");
	conn_abort(c);
}

/* ------------------------------------------------------------------------ */
/* Accepting                                                                */
/* ------------------------------------------------------------------------ */

/* Stops accepting for @p after seconds. */
static void tcp_pause(struct sl_tcp *tcp, ev_tstamp after)
{
	struct ev_loop *loop = tcp->w->host.loop;
	size_t i;

	for (i = 0; i < tcp->nls; i++)
		ev_io_stop(loop, &tcp->ls[i].io);
	ev_timer_stop(loop, &tcp->backoff);
	ev_timer_set(&tcp->backoff, after, 0.);
	ev_timer_start(loop, &tcp->backoff);
}

/* Out of descriptors or memory: stop accepting for a moment, don't spin. */
static void tcp_backoff(struct sl_tcp *tcp, int err)
{
	struct ev_loop *loop = tcp->w->host.loop;

	tcp_pause(tcp, TCP_ACCEPT_BACKOFF);
	if (ev_now(loop) - tcp->last_warn >= TCP_ACCEPT_WARN_INTERVAL) {
		char ebuf[128];

		tcp->last_warn = ev_now(loop);
		sl_log(SL_LOG_WARNING, "tcp: accept: %s; pausing accepts (%zu connections open "
		       "on worker %u)", errstr(err, ebuf, sizeof(ebuf)), tcp->nconns, tcp->w->host.id);
	}
}

static void tcp_backoff_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct sl_tcp *tcp = t->data;
	size_t i;

	for (i = 0; i < tcp->nls; i++)
		ev_io_start(loop, &tcp->ls[i].io);
}

/* ------------------------------------------------------------------------ */
/* Eviction under pressure, across workers                                  */
/* ------------------------------------------------------------------------ */

static int64_t usec(ev_tstamp t)
{
	return (int64_t)(t * 1e6);
}

/*
 * This worker's best victim: the busy connection that has gone longest
 * without progress (a partial query, a client that does not read), else with
 * @p any the oldest idle one — either only once past the grace period.
 */
/*
 * A transfer waiting in tcp->streams for its turn waits on us, not on its
 * client: it is not stalled, whatever its age. Such connections at the head
 * of the busy list move to its end as if they had made progress (each moves
 * at most once per pass through the list).
 */
static void tcp_skip_queued(struct sl_tcp *tcp)
{
	ev_tstamp now = ev_now(tcp->w->host.loop), stale = now - TCP_STALL_GRACE;

	while (tcp->busy.head != NULL && tcp->busy.head->queued &&
	       tcp->busy.head->progress <= stale) {
		struct tcp_conn *c = tcp->busy.head;

		conn_unlink(c);
		c->progress = now;
		conn_link(c);
	}
}

static struct tcp_conn *tcp_victim(struct sl_tcp *tcp, bool any)
{
	/* Compared in whole microseconds like tcp_make_room()'s keys, so a
	 * victim it found is found here too (never a refusal in between). */
	int64_t stale = usec(ev_now(tcp->w->host.loop) - TCP_STALL_GRACE);

	tcp_skip_queued(tcp);
	if (tcp->busy.head != NULL && usec(tcp->busy.head->progress) <= stale)
		return tcp->busy.head;
	if (any && tcp->idle.head != NULL && usec(tcp->idle.head->progress) <= stale)
		return tcp->idle.head;
	return NULL;
}

static void tcp_evict(struct sl_tcp *tcp, struct tcp_conn *c)
{
	sl_counter_add(&tcp->w->stats.tcp_evicted, 1);
	conn_debug(c, c->idle ? "evicted (idle, connection limit)" :
		      "evicted (stalled, connection limit)");
	conn_abort(c);
}

/* Once per loop pass: what the other workers may ask us to evict; a new pass. */
static void tcp_publish_cb(struct ev_loop *loop, ev_prepare *p, int revents)
{
	struct sl_tcp *tcp = p->data;
	sl_tcp_share_t *sh = &tcp->w->tcp_share;

	tcp->starts = 0;
	tcp_skip_queued(tcp);
	atomic_store_explicit(&sh->busy_key, tcp->busy.head ? usec(tcp->busy.head->progress) :
				INT64_MAX, memory_order_relaxed);
	atomic_store_explicit(&sh->idle_key, tcp->idle.head ? usec(tcp->idle.head->progress) :
				INT64_MAX, memory_order_relaxed);
	atomic_store_explicit(&sh->nbusy, (unsigned)tcp->nbusy, memory_order_relaxed);
	atomic_store_explicit(&sh->nidle, (unsigned)tcp->nidle, memory_order_relaxed);
}

/* The key of worker @p i's candidate victim of the given class, or INT64_MAX. */
static int64_t share_key(struct sl_tcp *tcp, unsigned i, bool idle)
{
	sl_tcp_share_t *sh = &tcp->w->server->workers[i].tcp_share;
	unsigned asked, have;
	struct tcp_conn *c;

	if (i == tcp->w->host.id) {
		c = idle ? tcp->idle.head : tcp->busy.head;
		return c != NULL ? usec(c->progress) : INT64_MAX;
	}
	asked = atomic_load_explicit(&sh->want_stalled, memory_order_relaxed) +
		atomic_load_explicit(&sh->want_any, memory_order_relaxed);
	have = atomic_load_explicit(idle ? &sh->nidle : &sh->nbusy, memory_order_relaxed);
	if (have <= asked)
		return INT64_MAX;
	return atomic_load_explicit(idle ? &sh->idle_key : &sh->busy_key, memory_order_relaxed);
}

/*
 * Frees a slot for a newcomer by evicting, over all workers, the busy
 * connection with the least recent progress once it has stalled for the
 * grace period, else (with @p any: at the cap) the oldest idle connection
 * past the grace period. A victim on another worker is closed by that worker
 * when woken. Without @p evict, only says whether there is a victim.
 * @return false when there is no victim
 */
static bool tcp_make_room(struct sl_tcp *tcp, bool any, bool evict)
{
	struct sl_server *srv = tcp->w->server;
	int64_t stale = usec(ev_now(tcp->w->host.loop) - TCP_STALL_GRACE), best_key = INT64_MAX;
	unsigned i, best = 0;
	bool idle = false, found = false;

	tcp_skip_queued(tcp);
	for (i = 0; i < srv->nworkers; i++) {
		int64_t k = share_key(tcp, i, false);

		if (k <= stale && k < best_key) {
			best_key = k;
			best = i;
			found = true;
		}
	}
	for (i = 0; !found && any && i < srv->nworkers; i++) {
		int64_t k = share_key(tcp, i, true);

		if (k <= stale && k < best_key) {
			best_key = k;
			best = i;
			idle = true;
		}
	}
	if (best_key == INT64_MAX)
		return false;
	if (!evict)
		return true;
	if (best == tcp->w->host.id) {
		struct tcp_conn *c = tcp_victim(tcp, idle);

		if (c == NULL)
			return false;
		tcp_evict(tcp, c);
		return true;
	}
	atomic_fetch_add(any ? &srv->workers[best].tcp_share.want_any :
			 &srv->workers[best].tcp_share.want_stalled, 1);
	ev_async_send(srv->workers[best].host.loop, &srv->workers[best].wake);
	return true;
}

/* The connection cap in force and the slots reserved for newcomers. */
static unsigned tcp_cap(const sl_worker_t *w, unsigned *reserve)
{
	const sl_tcp_conf_t *conf = &w->rt->conf.tcp;
	unsigned cap = conf->max_clients, fd_cap = atomic_load(&w->server->tcp_fd_cap);

	if (fd_cap != 0 && cap > fd_cap)
		cap = fd_cap;
	*reserve = conf->reserve < cap / 2 ? conf->reserve : cap / 2;
	return cap;
}

/*
 * Evictions other workers asked of us. A newcomer was admitted on the
 * strength of each, so one we cannot carry out yet (our candidate made
 * progress, or is younger than the grace period) stays owed and is retried
 * shortly, until it is done or the table is back under the level that
 * called for it; dropping it would leave the table over its cap.
 */
void sl_tcp_evict_requested(sl_worker_t *w)
{
	struct sl_tcp *tcp = w->tcp;
	unsigned reserve, cap, k, n;
	bool owed = false;

	if (tcp == NULL)
		return;
	cap = tcp_cap(w, &reserve);
	for (k = 0; k < 2; k++) {
		atomic_uint *want = k ? &w->tcp_share.want_any : &w->tcp_share.want_stalled;

		for (n = atomic_exchange(want, 0); n > 0; n--) {
			struct tcp_conn *c;

			if (atomic_load(&w->server->tcp_conns) <= (k ? cap : cap - reserve)) {
				n = 0;
				break;
			}
			c = tcp_victim(tcp, k == 1);
			if (c == NULL)
				break;
			tcp_evict(tcp, c);
		}
		if (n > 0) {
			atomic_fetch_add(want, n);
			owed = true;
		}
	}
	if (owed && !ev_is_active(&tcp->evict_retry)) {
		ev_timer_set(&tcp->evict_retry, TCP_STALL_GRACE / 4, 0.);
		ev_timer_start(w->host.loop, &tcp->evict_retry);
	}
}

static void tcp_evict_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct sl_tcp *tcp = t->data;

	sl_tcp_evict_requested(tcp->w);
}

/*
 * Whether a newcomer could be admitted now: below the cap, or a connection
 * to evict for it. When not, connections wait in the kernel's accept queue
 * rather than being accepted and closed, so they are served in turn.
 * *@p evicting tells whether admitting may evict (pressure).
 */
static bool tcp_has_room(struct sl_tcp *tcp, bool *evicting)
{
	unsigned reserve, cap = tcp_cap(tcp->w, &reserve);
	unsigned open = atomic_load(&tcp->w->server->tcp_conns);

	*evicting = open >= cap - reserve;
	if (open < cap)
		return true;
	return open < cap + TCP_EVICT_SLACK && tcp_make_room(tcp, true, false);
}

/* Applies the caps to a new connection and starts serving it. */
static void tcp_admit(struct tcp_listener *l, int fd, const sl_sockaddr_t *peer,
		      socklen_t peer_len)
{
	struct sl_tcp *tcp = l->tcp;
	sl_worker_t *w = tcp->w;
	struct sl_server *srv = w->server;
	const sl_tcp_conf_t *conf = &w->rt->conf.tcp;
	struct ev_loop *loop = w->host.loop;
	struct tcp_conn *c;
	unsigned open, reserve, cap = tcp_cap(w, &reserve);
	int sndbuf;

	if (atomic_load(&srv->stopping)) {
		close(fd);
		return;
	}
	/* Per client first: refusing there must not cost someone an eviction. */
	if (!sl_tcp_client_acquire(srv, &peer->sa, conf->max_per_client)) {
		sl_counter_add(&w->stats.tcp_rejected, 1);
		close(fd);
		return;
	}
	open = atomic_fetch_add(&srv->tcp_conns, 1);
	/* Under pressure, make room; the evicted connection's slot is ours. */
	if (open >= cap - reserve) {
		bool full = open >= cap;

		/* tcp_has_room() applied TCP_EVICT_SLACK before accept(). */
		if (!tcp_make_room(tcp, full, true) && full) {
			atomic_fetch_sub(&srv->tcp_conns, 1);
			sl_tcp_client_release(srv, &peer->sa);
			sl_counter_add(&w->stats.tcp_rejected, 1);
			close(fd);
			return;
		}
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		atomic_fetch_sub(&srv->tcp_conns, 1);
		sl_tcp_client_release(srv, &peer->sa);
		sl_counter_add(&w->stats.tcp_rejected, 1);
		close(fd);
		return;
	}
	c->tcp = tcp;
	c->fd = fd;
	c->id = ++tcp->next_id;
	c->counted = true;
	c->peer = *peer;
	c->peer_len = peer_len;
	c->local = l->bound;
	c->local_len = l->bound_len;
	if (l->wildcard) {
		socklen_t len = sizeof(c->local);

		if (getsockname(fd, &c->local.sa, &len) == 0)
			c->local_len = len;
	}
	c->idle_timeout = conf->idle_timeout;
	c->request_timeout = conf->request_timeout;
	c->write_timeout = conf->write_timeout;
	c->max_lifetime = conf->max_lifetime;
	c->max_out = conf->max_pending_out;
	/* The kernel's send buffer for this client is bounded like our queue
	 * (Linux doubles the value): a client that does not read pins at most
	 * ~3x max_pending_out, not the autotuned maximum (4 MiB by default),
	 * and it stalls — evictable — as soon as that is full. */
	sndbuf = c->max_out > INT_MAX ? INT_MAX : (int)c->max_out;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->idle = true;
	c->born = c->progress = ev_now(loop);
	conn_link(c);
	tcp->nconns++;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	c->rio.data = c;
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	c->wio.data = c;
	ev_timer_init(&c->timer, conn_timer_cb, 0., 0.);
	c->timer.data = c;
	ev_io_start(loop, &c->rio);
	conn_arm(c, true);
	sl_counter_add(&w->stats.tcp_accepted, 1);
}

static void tcp_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct tcp_listener *l = io->data;
	unsigned i;

	for (i = 0; i < TCP_ACCEPT_BUDGET; i++) {
		sl_sockaddr_t peer;
		socklen_t len = sizeof(peer);
		bool evicting;
		int fd;

		if (!tcp_has_room(l->tcp, &evicting)) {
			tcp_pause(l->tcp, TCP_FULL_RETRY);
			return;
		}
		/* The rest on the next pass (the socket stays readable). */
		if (evicting && i >= TCP_ACCEPT_BUDGET_EVICTING)
			return;
		fd = accept4(l->fd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			tcp_admit(l, fd, &peer, len);
			continue;
		}
		switch (errno) {
		case EINTR:
		/* The connection died in the queue, or (Linux) a pending
		 * network error of the new socket: take the next one. */
		case ECONNABORTED:
		case EPROTO:
		case EPERM:
		case ENETDOWN:
		case ENOPROTOOPT:
		case EHOSTDOWN:
		case ENONET:
		case EHOSTUNREACH:
		case EOPNOTSUPP:
		case ENETUNREACH:
			continue;
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		default:
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM and anything unexpected:
			 * the listening socket stays readable, so retrying now
			 * would spin. */
			tcp_backoff(l->tcp, errno);
			return;
		}
	}
}

int sl_tcp_start(sl_worker_t *w)
{
	struct sl_tcp *tcp;
	size_t i;

	w->tcp = NULL;
	tcp = calloc(1, sizeof(*tcp));
	if (tcp == NULL)
		return SL_ENOMEM;
	tcp->w = w;
	tcp->last_warn = -INFINITY;
	tcp->ls = calloc(w->nfds ? w->nfds : 1, sizeof(*tcp->ls));
	if (tcp->ls == NULL) {
		free(tcp);
		return SL_ENOMEM;
	}
	ev_timer_init(&tcp->backoff, tcp_backoff_cb, TCP_ACCEPT_BACKOFF, 0.);
	tcp->backoff.data = tcp;
	ev_timer_init(&tcp->evict_retry, tcp_evict_retry_cb, 0., 0.);
	tcp->evict_retry.data = tcp;
	ev_idle_init(&tcp->pump, tcp_pump_cb);
	tcp->pump.data = tcp;
	ev_set_priority(&tcp->pump, EV_MAXPRI);
	ev_prepare_init(&tcp->publish, tcp_publish_cb);
	tcp->publish.data = tcp;
	ev_prepare_start(w->host.loop, &tcp->publish);
	for (i = 0; i < w->nfds; i++) {
		struct tcp_listener *l = &tcp->ls[tcp->nls];

		if (w->tcp_fds == NULL || w->tcp_fds[i] < 0)
			continue;
		l->tcp = tcp;
		l->fd = w->tcp_fds[i];
		l->bound_len = sizeof(l->bound);
		if (getsockname(l->fd, &l->bound.sa, &l->bound_len) < 0) {
			memset(&l->bound, 0, sizeof(l->bound));
			l->bound_len = 0;
		}
		l->wildcard = sl_sockaddr_wildcard(&l->bound.sa);
		ev_io_init(&l->io, tcp_accept_cb, l->fd, EV_READ);
		l->io.data = l;
		tcp->nls++;
	}
	for (i = 0; i < tcp->nls; i++)
		ev_io_start(w->host.loop, &tcp->ls[i].io);
	w->tcp = tcp;
	return SL_OK;
}

void sl_tcp_stop(sl_worker_t *w)
{
	struct sl_tcp *tcp = w->tcp;
	size_t i;

	if (tcp == NULL)
		return;
	/* The listening sockets belong to the server (w->tcp_fds). */
	for (i = 0; i < tcp->nls; i++)
		ev_io_stop(w->host.loop, &tcp->ls[i].io);
	ev_timer_stop(w->host.loop, &tcp->backoff);
	ev_prepare_stop(w->host.loop, &tcp->publish);
	ev_idle_stop(w->host.loop, &tcp->pump);
	ev_timer_stop(w->host.loop, &tcp->evict_retry);
	while (tcp->idle.head != NULL)
		conn_close(tcp->idle.head);
	while (tcp->busy.head != NULL)
		conn_close(tcp->busy.head);
	free(tcp->ls);
	free(tcp);
	w->tcp = NULL;
}
