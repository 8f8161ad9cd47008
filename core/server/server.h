/*
 * Sluice core — the server: control loop, workers, sockets, reload.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_SERVER_H
#define SL_CORE_SERVER_H

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>
#include "config.h"
#include "worker.h"

/** Buckets of the shared per-client TCP connection table. */
#define SL_TCP_CLIENT_BUCKETS 4096

/** One client address's TCP connection count. */
typedef struct sl_tcp_client {
	struct sl_tcp_client *next; /**< bucket chain */
	uint8_t addr[16];           /**< IPv4 (mapped) or IPv6 address */
	unsigned count;             /**< open connections */
} sl_tcp_client_t;

/** The running server. */
typedef struct sl_server {
	struct ev_loop *loop;          /**< control loop (main thread) */
	sl_worker_t *workers;          /**< worker threads */
	unsigned nworkers;             /**< count */
	sl_runtime_t *rt;              /**< current runtime (control thread's view) */
	_Atomic(sl_runtime_t *) live;  /**< runtime workers switch to on wake */
	atomic_uint generation;        /**< bumped on each publish */
	atomic_bool stopping;          /**< shutdown requested */
	atomic_uint tcp_conns;         /**< open TCP connections, all workers */
	atomic_uint tcp_fd_cap;        /**< most connections the open-file limit allows (0: no cap) */
	pthread_mutex_t clients_lock;  /**< protects clients */
	sl_tcp_client_t *clients[SL_TCP_CLIENT_BUCKETS]; /**< per-client counts */
	const char *config_file;       /**< path given on the command line */
	char *pid_file;                /**< pid file written, removed at exit */
	struct sl_notifier *notifier;  /**< NOTIFY out (notify.h) */
} sl_server_t;

/**
 * Binds every socket, drops privileges, starts the workers and runs the
 * control loop until SIGTERM/SIGINT. SIGHUP reloads. Unless @p foreground,
 * detaches (daemon(3)) after binding and logs to syslog. Takes ownership of @p rt.
 * @return process exit status
 */
int sl_server_run(sl_runtime_t *rt, const char *config_file, bool foreground);

#endif /* SL_CORE_SERVER_H */
