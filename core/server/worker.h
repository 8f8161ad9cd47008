/*
 * Sluice core — worker threads.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * Each worker owns one libev loop, its own SO_REUSEPORT UDP and TCP sockets
 * per listen address, and the scratch memory the query path uses, so that
 * answering a UDP query allocates nothing.
 */
#ifndef SL_CORE_WORKER_H
#define SL_CORE_WORKER_H

#include <ev.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include "config.h"
#include "cookie.h"
#include "process.h"
#include "services.h"

struct sl_server;
struct sl_udp;
struct sl_tcp;
struct sl_reply;

/** Size of each worker's per-request arena. */
#define SL_WORKER_ARENA_SIZE (64 * 1024)

/**
 * Per-worker counters (summed for SIGUSR1 / shutdown reports). Written only
 * by their worker, with sl_counter_add() (host/services.h), and read by the control thread
 * with sl_counter_get(): relaxed atomics, so the reads are race-free while
 * an increment stays a plain load+add+store (no locked instruction).
 */
typedef struct sl_worker_stats {
	_Atomic uint64_t udp_queries;   /**< UDP datagrams processed */
	_Atomic uint64_t tcp_queries;   /**< TCP messages processed */
	_Atomic uint64_t dropped;       /**< queries that got no response */
	_Atomic uint64_t rcode[24];     /**< responses per rcode (extended ones included) */
	_Atomic uint64_t tcp_accepted;  /**< connections accepted */
	_Atomic uint64_t tcp_rejected;  /**< connections refused by caps */
	_Atomic uint64_t tcp_timeouts;  /**< connections closed by a timeout or max_lifetime */
	_Atomic uint64_t tcp_evicted;   /**< connections closed to make room for a newcomer */
	_Atomic uint64_t truncated;     /**< UDP responses with TC */
} sl_worker_stats_t;

/**
 * What a worker's TCP transport tells the others so that eviction under
 * pressure picks the connection with the least recent progress across all
 * workers (tcp.c). The owner publishes the keys once per loop pass; other
 * workers read them and ask for an eviction by bumping a request counter and
 * waking the owner, which alone closes its connections. Relaxed atomics: a
 * stale key costs at most one eviction less or more.
 */
typedef struct sl_tcp_share {
	_Atomic int64_t busy_key;   /**< µs: progress of its busy connection with the least recent progress (INT64_MAX: none) */
	_Atomic int64_t idle_key;   /**< µs: since when its oldest idle connection is idle (INT64_MAX: none) */
	atomic_uint nbusy;          /**< busy connections (partial query or output pending) */
	atomic_uint nidle;          /**< idle connections */
	atomic_uint want_stalled;   /**< evictions asked by other workers: a stalled busy one only */
	atomic_uint want_any;       /**< evictions asked: a stalled one, else the oldest idle one */
} sl_tcp_share_t;

/** A worker thread. */
struct sl_worker {
	sl_host_worker_t host;           /**< first: id and loop, all the host layer sees */
	struct sl_server *server;        /**< owning server */
	pthread_t thread;                /**< its thread */
	const sl_runtime_t *rt;          /**< configuration this worker answers with */
	ev_async wake;                   /**< control -> worker: new runtime or stop */
	ev_prepare qsbr_offline;         /**< goes offline before the loop blocks */
	ev_check qsbr_online;            /**< back online (a quiescent state) after it wakes */
	atomic_uint acked_generation;    /**< runtime generation this worker runs */
	int *udp_fds;                    /**< one UDP socket per listen address */
	int *tcp_fds;                    /**< one TCP listening socket per listen address */
	size_t nfds;                     /**< count of each */
	struct sl_udp *udp;              /**< UDP state (net.h) */
	struct sl_tcp *tcp;              /**< TCP state (net.h) */
	uint8_t *arena_block;            /**< backing store of the request arena */
	sl_arena_t arena;                /**< per-request arena */
	sl_cookie_mac_t cookie_mac;      /**< server cookie hashing, this thread's own */
	sl_worker_stats_t stats;         /**< counters, written only by this worker */
	sl_tcp_share_t tcp_share;        /**< TCP eviction summary for the other workers */
	pthread_mutex_t replies_lock;    /**< guards @p replies */
	struct sl_reply *replies;        /**< deferred answers posted by other threads (reply.c) */
	struct sl_reply **replies_tail;  /**< where the next one goes */
	ev_async replies_wake;           /**< any thread -> worker: @p replies is not empty */
	bool replies_init;               /**< @p replies_lock was initialised */
};
/* The host services (timers, sl_worker_id) treat a worker as its host view. */
_Static_assert(offsetof(struct sl_worker, host) == 0, "host view must be sl_worker's first member");

/**
 * Where a query came from, for an answer sent later (reply.c): the UDP
 * socket and the pktinfo to send the reply with, or the TCP connection.
 */
typedef struct sl_reply_origin {
	sl_transport_t transport;   /**< UDP or TCP */
	int fd;                     /**< UDP: the socket the query arrived on */
	const void *ctl;            /**< UDP: control data for the reply (source address), or NULL */
	size_t ctl_len;             /**< its length */
	uint64_t conn_id;           /**< TCP: the connection's id on this worker */
} sl_reply_origin_t;

/** What sl_worker_answer() passes to sl_worker_reply_route() as route_arg. */
typedef struct sl_reply_ctx {
	sl_worker_t *w;                   /**< the receiving worker */
	const sl_reply_origin_t *origin;  /**< where the query came from */
} sl_reply_ctx_t;

/**
 * Answers one query on @p w with the worker's current runtime. Writes the
 * response into @p out and its length into *@p outlen (0: send nothing).
 * Allocation-free; never fails. The transports count queries and drops;
 * this counts rcodes.
 *
 * @p stream (TCP only, else NULL) receives a multi-message response (zone
 * transfer) whose further messages come from sl_worker_stream_next(); it is
 * zeroed when there is none. @p origin (NULL: none) is where the query
 * came from, so that a plugin may answer it later (sl_request_defer()).
 * @return true when the answer was deferred (then *@p outlen is 0 and the
 *         query is not a drop)
 */
bool sl_worker_answer(sl_worker_t *w, sl_transport_t transport, const uint8_t *query,
		      size_t qlen, const struct sockaddr *remote, socklen_t remote_len,
		      const struct sockaddr *local, socklen_t local_len, uint8_t *out, size_t outcap,
		      size_t *outlen, sl_stream_t *stream, const sl_reply_origin_t *origin);

/**
 * Makes the route back for a deferred answer to the query @p in (whose
 * route_arg is the sl_worker_answer() call's context). Worker thread.
 */
sl_reply_route_t *sl_worker_reply_route(const sl_query_in_t *in);

/** Sets up the worker's deferred-answer queue (its loop exists). @return SL_OK or SL_ENOMEM */
int sl_worker_replies_init(sl_worker_t *w);

/** Frees the answers still queued and the queue's lock (the worker's thread has ended). */
void sl_worker_replies_free(sl_worker_t *w);

/**
 * Sends a deferred answer on TCP connection @p id of @p w, when it is still
 * open; otherwise drops it. Worker thread.
 */
void sl_tcp_reply(sl_worker_t *w, uint64_t id, const uint8_t *msg, size_t len);

/**
 * Produces the next message of @p stream for @p query (the query that
 * started it) into @p out. When the stream ends or fails it is freed and
 * zeroed. @return true when more messages follow
 */
bool sl_worker_stream_next(sl_worker_t *w, sl_stream_t *stream, const uint8_t *query,
			   size_t qlen, uint8_t *out, size_t outcap, size_t *outlen);

/** Prepares worker @p id (loop, arena, wake-up watcher) to run @p rt. @return SL_OK or SL_ENOMEM */
int sl_worker_init(sl_worker_t *w, struct sl_server *srv, unsigned id, const sl_runtime_t *rt);

/** Starts the worker's thread with every signal blocked. @return SL_OK or SL_EIO */
int sl_worker_spawn(sl_worker_t *w);

/** Closes the worker's sockets and frees it (after its thread has been joined). */
void sl_worker_destroy(sl_worker_t *w);

#endif /* SL_CORE_WORKER_H */
