/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The control thread: binds sockets, drops privileges, starts workers, and
 * handles signals — SIGTERM/SIGINT stop, SIGHUP reloads, SIGUSR1 logs
 * statistics. A reload builds a complete new runtime first; only if every
 * plugin and zone loaded and started is it published, so a bad config never
 * replaces a good one, and workers keep answering throughout.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fdlimit.h"
#include "loader.h"
#include "net.h"
#include "qsbr.h"
#include "notify.h"
#include "server.h"
#include "services.h"

static struct ev_loop *control_loop;

static bool same_listen(const sl_server_conf_t *a, const sl_server_conf_t *b)
{
	if (a->nlisten != b->nlisten)
		return false;
	for (size_t i = 0; i < a->nlisten; i++)
		if (a->listen[i].len != b->listen[i].len ||
		    memcmp(&a->listen[i].addr, &b->listen[i].addr, a->listen[i].len) != 0)
			return false;
	return true;
}

/* Logs a socket's problem as its one line. */
static void log_error(const sl_error_t *err)
{
	char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
	sl_error_format(err, line, sizeof(line));
	sl_log(SL_LOG_ERROR, "%s", line);
}

static int bind_sockets(sl_server_t *srv, const sl_server_conf_t *conf)
{
	sl_error_t err;

	for (size_t i = 0; i < conf->nlisten; i++) {
		if (sl_net_probe(&conf->listen[i], SOCK_DGRAM, &err) != SL_OK ||
		    sl_net_probe(&conf->listen[i], SOCK_STREAM, &err) != SL_OK) {
			log_error(&err);
			return SL_EIO;
		}
	}
	for (unsigned w = 0; w < srv->nworkers; w++) {
		sl_worker_t *wk = &srv->workers[w];
		wk->udp_fds = calloc(conf->nlisten, sizeof(int));
		wk->tcp_fds = calloc(conf->nlisten, sizeof(int));
		if (!wk->udp_fds || !wk->tcp_fds)
			return SL_ENOMEM;
		wk->nfds = conf->nlisten;
		for (size_t i = 0; i < conf->nlisten; i++)
			wk->udp_fds[i] = wk->tcp_fds[i] = -1;
		for (size_t i = 0; i < conf->nlisten; i++) {
			wk->udp_fds[i] = sl_net_udp_socket(&conf->listen[i], &err);
			if (wk->udp_fds[i] < 0) {
				log_error(&err);
				return SL_EIO;
			}
			wk->tcp_fds[i] = sl_net_tcp_socket(&conf->listen[i], &err);
			if (wk->tcp_fds[i] < 0) {
				log_error(&err);
				return SL_EIO;
			}
		}
	}
	return SL_OK;
}

static int drop_privileges(const char *user)
{
	struct passwd *pw;

	if (!user)
		return SL_OK;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		sl_log(SL_LOG_ERROR, "server.user: no such user \"%s\"", user);
		return SL_ECONFIG;
	}
	if (getuid() != 0 && getuid() == pw->pw_uid)
		return SL_OK;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		sl_log(SL_LOG_ERROR, "cannot switch to user \"%s\": %s", user, strerror(errno));
		return SL_EIO;
	}
	if (setuid(0) == 0) {
		sl_log(SL_LOG_ERROR, "privilege drop to \"%s\" did not stick", user);
		return SL_EIO;
	}
	sl_log(SL_LOG_INFO, "running as user %s", user);
	return SL_OK;
}

static int write_pid_file(sl_server_t *srv, const char *path)
{
	char buf[32];
	if (!path)
		return SL_OK;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		sl_log(SL_LOG_ERROR, "pid file %s: %s", path, strerror(errno));
		return SL_EIO;
	}
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	ssize_t w = write(fd, buf, (size_t)n);
	close(fd);
	if (w != n) {
		sl_log(SL_LOG_ERROR, "pid file %s: short write", path);
		return SL_EIO;
	}
	srv->pid_file = strdup(path);
	return SL_OK;
}

/* Publishes @p rt to the workers and waits until each one runs it. */
static void publish(sl_server_t *srv, sl_runtime_t *rt)
{
	atomic_store(&srv->live, rt);
	unsigned gen = atomic_fetch_add(&srv->generation, 1) + 1;
	for (unsigned i = 0; i < srv->nworkers; i++)
		ev_async_send(srv->workers[i].host.loop, &srv->workers[i].wake);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct timespec ts = { 0, 1000000 };
		/* A worker acks between two batches, so this is short. */
		while (atomic_load(&srv->workers[i].acked_generation) != gen)
			nanosleep(&ts, NULL);
	}
}

static void reload(sl_server_t *srv)
{
	sl_errlist_t errors = { .count = 0 };

	sl_log(SL_LOG_NOTICE, "reloading %s", srv->config_file);
	sl_runtime_t *rt = sl_runtime_load(srv->config_file, false, srv->nworkers, &errors);
	if (rt && !same_listen(&rt->conf, &srv->rt->conf))
		sl_log(SL_LOG_WARNING, "server.listen changed: restart sluiced to apply it");
	if (rt && sl_runtime_start(rt, srv->rt, &errors) != SL_OK) {
		sl_runtime_free(rt);
		rt = NULL;
	}
	if (!rt) {
		sl_errlist_log(&errors);
		sl_errlist_free(&errors);
		sl_log(SL_LOG_ERROR, "reload failed: still serving the previous configuration");
		return;
	}
	sl_log_set_level(rt->conf.log_level);
	atomic_store(&srv->tcp_fd_cap, sl_fd_limit_apply(rt->conf.tcp.max_clients,
							 atomic_load(&srv->tcp_conns)));
	sl_runtime_t *old = srv->rt;
	publish(srv, rt);
	srv->rt = rt;
	if (sl_notifier_set_runtime(srv->notifier, rt) != SL_OK)
		sl_log(SL_LOG_ERROR, "NOTIFY: out of memory: keeping the previous list of "
				     "secondaries");
	sl_runtime_free(old);
	sl_log(SL_LOG_NOTICE, "reload complete: %zu zone%s", rt->nzones, rt->nzones == 1 ? "" : "s");
}

/* One core counter (at @p offset in sl_worker_stats_t) summed over the
 * workers; relaxed loads, so it may run while they count. */
static unsigned long long stat_sum(const sl_server_t *srv, size_t offset)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < srv->nworkers; i++) {
		const char *stats = (const char *)&srv->workers[i].stats;
		sum += sl_counter_get((const _Atomic uint64_t *)(const void *)(stats + offset));
	}
	return (unsigned long long)sum;
}
#define STAT(field) stat_sum(srv, offsetof(sl_worker_stats_t, field))

static void log_stats(sl_server_t *srv)
{
	sl_log(SL_LOG_NOTICE,
	       "stats udp=%llu tcp=%llu dropped=%llu truncated=%llu noerror=%llu formerr=%llu "
	       "servfail=%llu nxdomain=%llu notimp=%llu refused=%llu tcp_accepted=%llu "
	       "tcp_rejected=%llu tcp_timeouts=%llu tcp_evicted=%llu",
	       STAT(udp_queries), STAT(tcp_queries), STAT(dropped), STAT(truncated),
	       STAT(rcode[0]), STAT(rcode[1]), STAT(rcode[2]), STAT(rcode[3]), STAT(rcode[4]),
	       STAT(rcode[5]), STAT(tcp_accepted), STAT(tcp_rejected), STAT(tcp_timeouts), STAT(tcp_evicted));
	const sl_runtime_t *rt = srv->rt;
	for (size_t i = 0; i < rt->server_chain.n; i++)
		sl_instance_log_stats(rt->server_chain.inst[i]);
	for (size_t z = 0; z < rt->nzones; z++)
		for (size_t i = 0; i < rt->zones[z].chain.n; i++)
			sl_instance_log_stats(rt->zones[z].chain.inst[i]);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	sl_server_t *srv = w->data;

	switch (w->signum) {
	case SIGHUP:
		reload(srv);
		break;
	case SIGUSR1:
		log_stats(srv);
		break;
	default:
		sl_log(SL_LOG_NOTICE, "received %s, stopping", w->signum == SIGINT ? "SIGINT"
										  : "SIGTERM");
		ev_break(loop, EVBREAK_ALL);
		break;
	}
}

/* Frees retired zone versions whose grace period has passed. */
static void on_reclaim(struct ev_loop *loop, ev_timer *w, int revents)
{
	sl_qsbr_reclaim();
}

static void stop_workers(sl_server_t *srv, unsigned started)
{
	atomic_store(&srv->stopping, true);
	for (unsigned i = 0; i < started; i++)
		ev_async_send(srv->workers[i].host.loop, &srv->workers[i].wake);
	for (unsigned i = 0; i < started; i++)
		pthread_join(srv->workers[i].thread, NULL);
}

int sl_server_run(sl_runtime_t *rt, const char *config_file, bool foreground)
{
	sl_server_t *srv = calloc(1, sizeof(*srv));
	sl_errlist_t errors = { .count = 0 };
	unsigned started = 0;
	int status = 1;
	ev_signal sigs[5];
	ev_timer reclaim;
	static const int signums[5] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, 0 };

	if (!srv) {
		sl_runtime_free(rt);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	srv->rt = rt;
	srv->config_file = config_file;
	srv->nworkers = rt->conf.workers;
	atomic_store(&srv->live, rt);
	pthread_mutex_init(&srv->clients_lock, NULL);
	srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
	if (!srv->workers)
		goto out;
	if (bind_sockets(srv, &rt->conf) != SL_OK)
		goto out;
	if (!foreground) {
		/* Sockets are bound (errors went to the terminal); now detach. */
		if (daemon(1, 0) != 0) {
			sl_log(SL_LOG_ERROR, "cannot daemonize: %s", strerror(errno));
			goto out;
		}
		sl_log_use_syslog(true);
	}
	control_loop = ev_default_loop(EVFLAG_AUTO);
	/* Before any start(): plugins may start control-loop timers there. */
	sl_host_set_control_loop(control_loop);
	if (!control_loop || write_pid_file(srv, rt->conf.pid_file) != SL_OK ||
	    drop_privileges(rt->conf.user) != SL_OK)
		goto out;
	if (sl_runtime_start(rt, NULL, &errors) != SL_OK) {
		sl_errlist_log(&errors);
		sl_errlist_free(&errors);
		goto out;
	}
	if (sl_qsbr_init(srv->nworkers) != SL_OK)
		goto out;
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (sl_worker_init(&srv->workers[i], srv, i, rt) != SL_OK)
			goto out;
	/* Sockets and loops are open: what is left of the open-file limit. */
	atomic_store(&srv->tcp_fd_cap, sl_fd_limit_apply(rt->conf.tcp.max_clients, 0));
	ev_timer_init(&reclaim, on_reclaim, 1.0, 1.0);
	ev_timer_start(control_loop, &reclaim);
	for (int i = 0; signums[i]; i++) {
		ev_signal_init(&sigs[i], on_signal, signums[i]);
		sigs[i].data = srv;
		ev_signal_start(control_loop, &sigs[i]);
	}
	for (; started < srv->nworkers; started++)
		if (sl_worker_spawn(&srv->workers[started]) != SL_OK)
			goto out;
	srv->notifier = sl_notifier_new(control_loop, rt);
	if (!srv->notifier)
		goto out;
	char addrs[512] = "";
	size_t alen = 0;
	for (size_t i = 0; i < rt->conf.nlisten && alen < sizeof(addrs); i++)
		alen += (size_t)snprintf(addrs + alen, sizeof(addrs) - alen, "%s%s", i ? " " : "",
					 rt->conf.listen[i].text);
	sl_log(SL_LOG_NOTICE, "sluiced %s serving %zu zone%s on %s with %u worker%s", sl_version(),
	       rt->nzones, rt->nzones == 1 ? "" : "s", addrs, srv->nworkers,
	       srv->nworkers == 1 ? "" : "s");
	ev_run(control_loop, 0);
	status = 0;
out:
	sl_notifier_free(srv->notifier);
	stop_workers(srv, started);
	sl_qsbr_barrier();
	if (status == 0)
		log_stats(srv);
	/* Plugins first: one finishing a deferred answer still posts to its worker. */
	sl_runtime_free(srv->rt);
	sl_qsbr_barrier();
	for (unsigned i = 0; srv->workers && i < srv->nworkers; i++)
		sl_worker_destroy(&srv->workers[i]);
	free(srv->workers);
	if (srv->pid_file) {
		unlink(srv->pid_file);
		free(srv->pid_file);
	}
	for (unsigned b = 0; b < SL_TCP_CLIENT_BUCKETS; b++) {
		while (srv->clients[b]) {
			sl_tcp_client_t *next = srv->clients[b]->next;
			free(srv->clients[b]);
			srv->clients[b] = next;
		}
	}
	pthread_mutex_destroy(&srv->clients_lock);
	free(srv);
	sl_host_set_control_loop(NULL);
	control_loop = NULL;
	return status;
}
