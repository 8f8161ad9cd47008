/*
 * Sluice core — listening sockets (sockets.c) and the UDP and TCP
 * transports of a worker (udp.c, tcp.c; per-client counts in tcp_clients.c).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_NET_H
#define SL_CORE_NET_H

#include "config.h"
#include <sluice/error.h>
#include "worker.h"

/**
 * Creates a UDP socket bound to @p l with SO_REUSEPORT (so each worker has
 * its own), IPV6_V6ONLY for IPv6, non-blocking, and IP_PKTINFO /
 * IPV6_RECVPKTINFO so replies to wildcard binds leave from the address the
 * query came to. @return fd, or SL_EIO with the reason in @p err
 */
int sl_net_udp_socket(const sl_listen_t *l, sl_error_t *err);

/** Same for a listening TCP socket (SO_REUSEPORT, TCP_NODELAY, backlog 1024). */
int sl_net_tcp_socket(const sl_listen_t *l, sl_error_t *err);

/**
 * Checks that nobody else holds @p l's port: binds a probe socket *without*
 * SO_REUSEPORT (which would otherwise let a second server share the port
 * silently) and closes it. @return SL_OK or SL_EIO with the reason in @p err
 */
int sl_net_probe(const sl_listen_t *l, int socktype, sl_error_t *err);

/**
 * Starts serving UDP on w->udp_fds with recvmmsg()/sendmmsg() batches of
 * w->rt->conf.udp_batch, calling sl_worker_answer() for each datagram. Buffers
 * are allocated here, once; the per-datagram path allocates nothing. Runs on
 * the worker's thread. @return SL_OK or SL_ENOMEM
 */
int sl_udp_start(sl_worker_t *w);
/** Stops UDP watchers and frees UDP state (on the worker's thread). */
void sl_udp_stop(sl_worker_t *w);

/**
 * Starts accepting TCP on w->tcp_fds per RFC 7766: 2-byte framing across
 * partial reads, pipelined queries answered in order, idle timeout, a deadline
 * for unfinished input that does not restart while input stays unfinished,
 * a write timeout and a connection lifetime; global and per-client
 * connection caps with eviction under pressure by least recent progress
 * (stalled connections before idle ones, across workers, see tcp.c); output
 * queue bounded (stop reading while it is full).
 * Limits come from w->rt->conf.tcp at accept time. @return SL_OK or SL_ENOMEM
 */
int sl_tcp_start(sl_worker_t *w);
/** Closes every connection and stops accepting (on the worker's thread). */
void sl_tcp_stop(sl_worker_t *w);

/**
 * Carries out the evictions other workers asked of @p w (w->tcp_share), on
 * the worker's thread, when it is woken. Does nothing before sl_tcp_start().
 */
void sl_tcp_evict_requested(sl_worker_t *w);

/**
 * Shared per-client TCP connection counts (all workers), mutex-protected;
 * touched only on accept and close.
 * @return true and counts the connection when under @p cap
 */
bool sl_tcp_client_acquire(struct sl_server *srv, const struct sockaddr *sa, unsigned cap);
/** Releases a connection counted by sl_tcp_client_acquire(). */
void sl_tcp_client_release(struct sl_server *srv, const struct sockaddr *sa);

#endif /* SL_CORE_NET_H */
