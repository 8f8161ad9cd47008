/*
 * Sluice core — the query pipeline: admission, plugin chains, finalisation.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_PROCESS_H
#define SL_CORE_PROCESS_H

#include <sluice/plugin.h>
#include "cookie.h"
#include "runtime.h"

/**
 * The way back to a client for an answer sent after sl_process() returned
 * (sl_request_defer()), made by the transport that received the query.
 */
typedef struct sl_reply_route sl_reply_route_t;
struct sl_reply_route {
	/**
	 * Sends @p msg (malloc'd; ownership passes; NULL: send nothing) the way
	 * the query came, from the receiving worker's loop, and frees the route.
	 * Callable from any thread, exactly once.
	 */
	void (*post)(sl_reply_route_t *route, uint8_t *msg, size_t len);
};

struct sl_query_in;
/** Makes the route back for the query @p in (on its worker); NULL when impossible. */
typedef sl_reply_route_t *(*sl_reply_route_f)(const struct sl_query_in *in);

/** One query to answer. */
typedef struct sl_query_in {
	sl_transport_t transport;       /**< UDP or TCP */
	const uint8_t *wire;            /**< the query */
	size_t len;                     /**< its length */
	const struct sockaddr *remote;  /**< client */
	socklen_t remote_len;           /**< its length */
	const struct sockaddr *local;   /**< our address */
	socklen_t local_len;            /**< its length */
	unsigned worker_id;             /**< worker index */
	sl_worker_t *worker;            /**< worker (NULL in unit tests) */
	uint32_t now;                   /**< wall clock seconds, for cookies */
	sl_cookie_mac_t *cookie_mac;    /**< this thread's cookie hash context; NULL: no cookies */
	sl_stream_t *stream_out;        /**< TCP: receives a multi-message response; else NULL */
	sl_reply_route_f route;         /**< makes a route for a deferred answer; NULL: none */
	const void *route_arg;          /**< the transport's data for @p route */
	bool *deferred_out;             /**< when not NULL: set true when the answer was deferred */
} sl_query_in_t;

/**
 * Answers @p in with runtime @p rt into @p out. @p arena is reset first.
 * Never allocates and never fails: malformed input gets FORMERR or silence.
 * @return the response length, 0 to send nothing
 */
size_t sl_process(const sl_runtime_t *rt, const sl_query_in_t *in, sl_arena_t *arena,
		  uint8_t *out, size_t outcap);

/**
 * Writes the next message of @p stream, started by @p query, into @p out
 * (header and question copied from the query, AA set, no OPT). Frees and
 * zeroes the stream when it ends or fails (then *@p outlen may be 0).
 * @return true when more messages follow
 */
bool sl_process_stream(sl_stream_t *stream, const uint8_t *query, size_t qlen, uint8_t *out,
		       size_t outcap, size_t *outlen);

/** Frees a stream's state and zeroes it; a zeroed stream is ignored. */
void sl_stream_release(sl_stream_t *stream);

#endif /* SL_CORE_PROCESS_H */
