/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: health checks, on one thread of their own per instance
 * (never on a query loop). Every probe is a non-blocking socket in one
 * poll() set: tcp connects, http connects and sends a GET and reads the
 * status line (2xx and 3xx are up), dns sends one query over UDP and wants
 * a NOERROR reply with the same id. A probe that has no result within the
 * check's timeout has failed. `rise` successes in a row bring a member up,
 * `fall` failures in a row take it down; workers read the states as
 * atomics, so the query path never waits for the checker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "geo.h"

/** Room for an HTTP status line (longer replies are cut: the status is at the start). */
#define PROBE_BUF 256
/** Room for a request: "GET " path (<= 1024) and Host (<= 1024) and the rest, or a DNS query. */
#define GEO_HTTP_REQ_MAX 2400
/** Seconds between scans of the targets (probe starts and timeouts are this precise). */
#define GEO_TICK 0.01
/** Seconds between rewrites of the status file when nothing changes. */
#define GEO_STATUS_EVERY 10.0

enum phase { P_IDLE, P_CONNECT, P_SEND, P_READ };

struct probe {
	int fd;
	enum phase phase;
	double due;        /* next start (P_IDLE) */
	double deadline;   /* end of the probe in flight */
	char buf[PROBE_BUF + 1];
	size_t len, sent, reqlen;
	char req[GEO_HTTP_REQ_MAX];
	uint16_t id;       /* dns query id */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *check_kind(const geo_check_t *ck)
{
	return ck->type == GEO_CHECK_HTTP ? "http" : ck->type == GEO_CHECK_DNS ? "dns" : "tcp";
}

/* ---- pool and rule states --------------------------------------------- */

static unsigned members_up(const geo_t *g, const geo_member_t *m, unsigned n)
{
	unsigned up = 0;
	for (unsigned i = 0; i < n; i++)
		up += m[i].target < 0 || atomic_load(&g->targets[m[i].target].up);
	return up;
}

void geo_health_update_pools(geo_t *g, bool log)
{
	for (unsigned i = 0; i < g->npools; i++) {
		geo_pool_t *p = &g->pools[i];
		unsigned total = p->na + p->naaaa;
		unsigned up = members_up(g, p->a, p->na) + members_up(g, p->aaaa, p->naaaa);
		bool now = p->has_cname || up > 0;
		bool was = atomic_exchange(&p->up, now);
		if (log && was != now)
			sl_instance_log(g->inst, now ? SL_LOG_NOTICE : SL_LOG_WARNING,
					"pool \"%s\" is %s (%u of %u members up)", p->name,
					now ? "up" : "down", up, total);
	}
	for (unsigned i = 0; i < g->nnames; i++) {
		geo_name_t *n = &g->names[i];
		for (unsigned k = 0; k < n->nrules; k++) {
			geo_rule_t *r = &n->rules[k];
			bool all_down = true;
			for (unsigned j = 0; j < r->npools && all_down; j++)
				all_down = !atomic_load(&g->pools[r->pools[j]].up);
			if (log && all_down != r->all_down)
				sl_instance_log(g->inst, all_down ? SL_LOG_ERROR : SL_LOG_NOTICE,
						all_down ? "%s, rule \"%s\": every pool is down; "
							   "failing open to pool \"%s\""
							 : "%s, rule \"%s\": a pool is up again "
							   "(no longer failing open to \"%s\")",
						n->text, r->text ? r->text : "?",
						g->pools[r->pools[0]].name);
			r->all_down = all_down;
		}
	}
}

static json_t *members_json(const geo_t *g, const geo_member_t *m, unsigned n, int family)
{
	json_t *arr = json_array();
	for (unsigned i = 0; arr && i < n; i++) {
		char text[64];
		inet_ntop(family, m[i].rdata, text, sizeof(text));
		bool up = m[i].target < 0 || atomic_load(&g->targets[m[i].target].up);
		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:b}", "address", text,
						     "weight", (int)m[i].weight, "check",
						     m[i].target < 0 ? "none"
								     : g->targets[m[i].target].check->name,
						     "up", up));
	}
	return arr;
}

void geo_health_write_status(geo_t *g)
{
	char tmp[4200];
	if (!g->status_file)
		return;
	json_t *pools = json_object();
	for (unsigned i = 0; pools && i < g->npools; i++) {
		const geo_pool_t *p = &g->pools[i];
		json_t *o = json_pack("{s:b}", "up", atomic_load(&p->up));
		if (!o)
			continue;
		if (p->has_cname) {
			char cname[SL_NAME_TEXT_MAX];
			sl_name_to_text(p->cname, cname, sizeof(cname));
			json_object_set_new(o, "CNAME", json_string(cname));
		}
		if (p->na)
			json_object_set_new(o, "A", members_json(g, p->a, p->na, AF_INET));
		if (p->naaaa)
			json_object_set_new(o, "AAAA", members_json(g, p->aaaa, p->naaaa, AF_INET6));
		json_object_set_new(pools, p->name, o);
	}
	json_t *root = json_pack("{s:I, s:o}", "time", (json_int_t)time(NULL), "pools", pools);
	/* Per thread: during a reload the old instance's checker may write too. */
	snprintf(tmp, sizeof(tmp), "%s.%lx.tmp", g->status_file, (unsigned long)pthread_self());
	if (!root || json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
	    rename(tmp, g->status_file) != 0) {
		sl_instance_log(g->inst, SL_LOG_ERROR, "cannot write the status file %s: %s",
				g->status_file, strerror(errno));
		unlink(tmp);
	}
	json_decref(root);
}

/* One probe's result. */
static void result(geo_t *g, geo_target_t *t, bool ok, const char *why)
{
	const geo_check_t *ck = t->check;
	bool up = atomic_load(&t->up);
	if (ok) {
		t->fail_run = 0;
		t->ok_run += t->ok_run < ck->rise;
	} else {
		t->ok_run = 0;
		t->fail_run += t->fail_run < ck->fall;
	}
	if (!up && ok && t->ok_run >= ck->rise) {
		atomic_store(&t->up, true);
		sl_instance_log(g->inst, SL_LOG_NOTICE, "member %s is up (%s check \"%s\" port %u: "
				"%u successes)", t->text, check_kind(ck), ck->name, ck->port, ck->rise);
		geo_health_update_pools(g, true);
		geo_health_write_status(g);
	} else if (up && !ok && t->fail_run >= ck->fall) {
		atomic_store(&t->up, false);
		sl_instance_log(g->inst, SL_LOG_WARNING, "member %s is down (%s check \"%s\" port "
				"%u: %u failures, last: %s)", t->text, check_kind(ck), ck->name,
				ck->port, ck->fall, why);
		geo_health_update_pools(g, true);
		geo_health_write_status(g);
	} else if (!ok) {
		sl_instance_log(g->inst, SL_LOG_DEBUG, "member %s: %s check failed: %s", t->text,
				check_kind(ck), why);
	}
}

/* ---- probes -------------------------------------------------------------- */

static void finish(geo_t *g, geo_target_t *t, struct probe *p, bool ok, const char *why)
{
	if (p->fd >= 0) {
		/*
		 * A TCP probe ends with a reset, not a FIN: no TIME_WAIT socket
		 * per probe (1,000 members probed every second would keep some
		 * 60,000 of them), and less work for the member too.
		 */
		if (t->check->type != GEO_CHECK_DNS) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };
			(void)setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(p->fd);
	}
	p->fd = -1;
	p->phase = P_IDLE;
	result(g, t, ok, why);
}

/* Builds the request for an http or dns probe. */
static void build_request(const geo_target_t *t, struct probe *p)
{
	const geo_check_t *ck = t->check;
	p->reqlen = 0;
	if (ck->type == GEO_CHECK_HTTP) {
		char host[80];
		if (t->addr.ss_family == AF_INET6)
			snprintf(host, sizeof(host), "[%s]", t->text);
		else
			snprintf(host, sizeof(host), "%s", t->text);
		int n = snprintf(p->req, sizeof(p->req),
				 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: sluice-geo-loadbalance"
				 "\r\nConnection: close\r\n\r\n", ck->path,
				 ck->host ? ck->host : host);
		p->reqlen = n > 0 && (size_t)n < sizeof(p->req) ? (size_t)n : 0;
	} else if (ck->type == GEO_CHECK_DNS) {
		size_t nl = sl_name_len(ck->qname);
		p->id = (uint16_t)(random() & 0xffff);
		uint8_t *w = (uint8_t *)p->req;
		memset(w, 0, 12);
		w[0] = (uint8_t)(p->id >> 8);
		w[1] = (uint8_t)p->id;
		w[5] = 1; /* QDCOUNT */
		memcpy(w + 12, ck->qname, nl);
		w[12 + nl] = (uint8_t)(ck->qtype >> 8);
		w[13 + nl] = (uint8_t)ck->qtype;
		w[14 + nl] = 0;
		w[15 + nl] = SL_CLASS_IN;
		p->reqlen = 16 + nl;
	}
}

static void start_probe(geo_t *g, geo_target_t *t, struct probe *p, double now)
{
	const geo_check_t *ck = t->check;
	p->due = now + ck->interval;
	p->deadline = now + ck->timeout;
	p->len = p->sent = 0;
	build_request(t, p);
	int type = ck->type == GEO_CHECK_DNS ? SOCK_DGRAM : SOCK_STREAM;
	p->fd = socket(t->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		finish(g, t, p, false, strerror(errno));
		return;
	}
	int c = connect(p->fd, (const struct sockaddr *)&t->addr, t->addr_len);
	if (c != 0 && errno != EINPROGRESS) {
		finish(g, t, p, false, strerror(errno));
		return;
	}
	if (c == 0 && ck->type == GEO_CHECK_TCP) {
		finish(g, t, p, true, "connected");
		return;
	}
	p->phase = ck->type == GEO_CHECK_DNS || c == 0 ? P_SEND : P_CONNECT;
}

/* Reads what is there; for http decides once the status line is complete. */
static void on_readable(geo_t *g, geo_target_t *t, struct probe *p)
{
	if (t->check->type == GEO_CHECK_DNS) {
		uint8_t r[512];
		ssize_t n = recv(p->fd, r, sizeof(r), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			finish(g, t, p, false, strerror(errno));
			return;
		}
		if (n < 12 || r[0] != (uint8_t)(p->id >> 8) || r[1] != (uint8_t)p->id ||
		    !(r[2] & 0x80))
			return; /* not our answer: keep waiting until the deadline */
		unsigned rcode = r[3] & 0x0f;
		char why[32];
		snprintf(why, sizeof(why), "rcode %u", rcode);
		finish(g, t, p, rcode == SL_RCODE_NOERROR, why);
		return;
	}
	ssize_t n = recv(p->fd, p->buf + p->len, PROBE_BUF - p->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		finish(g, t, p, false, strerror(errno));
		return;
	}
	p->len += (size_t)n;
	p->buf[p->len] = '\0';
	if (n > 0 && !memchr(p->buf, '\n', p->len) && p->len < PROBE_BUF)
		return; /* the status line is not complete yet */
	/* "HTTP/1.x NNN ..." */
	unsigned code = 0;
	if (p->len >= 12 && strncmp(p->buf, "HTTP/", 5) == 0) {
		const char *sp = memchr(p->buf, ' ', p->len);
		if (sp && sp + 4 <= p->buf + p->len && sp[1] >= '1' && sp[1] <= '5' &&
		    sp[2] >= '0' && sp[2] <= '9' && sp[3] >= '0' && sp[3] <= '9')
			code = (unsigned)(sp[1] - '0') * 100 + (unsigned)(sp[2] - '0') * 10 +
			       (unsigned)(sp[3] - '0');
	}
	char why[48];
	if (code)
		snprintf(why, sizeof(why), "HTTP status %u", code);
	else
		snprintf(why, sizeof(why), "no HTTP status line");
	finish(g, t, p, code >= 200 && code < 400, why);
}

static void on_writable(geo_t *g, geo_target_t *t, struct probe *p)
{
	if (p->phase == P_CONNECT) {
		int e = 0;
		socklen_t el = sizeof(e);
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		if (e) {
			finish(g, t, p, false, strerror(e));
			return;
		}
		if (t->check->type == GEO_CHECK_TCP) {
			finish(g, t, p, true, "connected");
			return;
		}
		p->phase = P_SEND;
	}
	if (p->phase == P_SEND) {
		ssize_t n = send(p->fd, p->req + p->sent, p->reqlen - p->sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			finish(g, t, p, false, strerror(errno));
			return;
		}
		p->sent += (size_t)n;
		if (p->sent >= p->reqlen)
			p->phase = P_READ;
	}
}

static void *health_main(void *arg)
{
	geo_t *g = arg;
	unsigned n = g->ntargets;
	struct probe *pr = calloc(n, sizeof(*pr));
	struct pollfd *fds = calloc(n + 1, sizeof(*fds));
	unsigned *who = calloc(n + 1, sizeof(*who));
	if (!pr || !fds || !who) {
		sl_instance_log(g->inst, SL_LOG_ERROR, "health checks: out of memory; every member "
				"is taken as up");
		goto out;
	}
	double start = now_s();
	/* The first round is spread over up to one second, not all at once. */
	for (unsigned i = 0; i < n; i++) {
		pr[i].fd = -1;
		pr[i].due = start + (n > 1 ? (double)i / n : 0) *
				      (g->targets[i].check->interval < 1 ? g->targets[i].check->interval : 1);
	}
	/*
	 * Work is batched in ticks: probes are started and timed out, and the
	 * poll set rebuilt, at most once per GEO_TICK; socket events in between
	 * are handled without looking at the other targets. 1,000 members
	 * probed every second cost about 100 scans a second, not one per event.
	 */
	double next_scan = 0, wake = 0, next_status = start + GEO_STATUS_EVERY;
	unsigned nfds = 1;
	fds[0].fd = g->stop_fd;
	fds[0].events = POLLIN;
	for (;;) {
		double now = now_s();
		if (now >= next_scan) {
			double earliest = now + 60;
			nfds = 1;
			for (unsigned i = 0; i < n; i++) {
				if (pr[i].phase == P_IDLE && now >= pr[i].due)
					start_probe(g, &g->targets[i], &pr[i], now);
				if (pr[i].phase != P_IDLE && now >= pr[i].deadline)
					finish(g, &g->targets[i], &pr[i], false, "timed out");
				double at = pr[i].phase == P_IDLE ? pr[i].due : pr[i].deadline;
				if (at < earliest)
					earliest = at;
				if (pr[i].phase == P_IDLE)
					continue;
				fds[nfds].fd = pr[i].fd;
				fds[nfds].events = pr[i].phase == P_READ ? POLLIN : POLLOUT;
				who[nfds++] = i;
			}
			next_scan = now + GEO_TICK;
			if (now >= next_status) {
				/* Also now and then: the latest instance's view wins after a reload. */
				geo_health_write_status(g);
				next_status = now + GEO_STATUS_EVERY;
			}
			wake = earliest > next_scan ? earliest : next_scan;
		}
		double wait = wake - now_s();
		int ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
		int r = poll(fds, nfds, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		for (unsigned k = 1; r > 0 && k < nfds; k++) {
			unsigned i = who[k];
			short ev = fds[k].revents;
			if (!ev || fds[k].fd < 0 || pr[i].fd != fds[k].fd)
				continue;
			if (pr[i].phase == P_READ && (ev & (POLLIN | POLLHUP | POLLERR)))
				on_readable(g, &g->targets[i], &pr[i]);
			else if (ev & (POLLOUT | POLLERR | POLLHUP))
				on_writable(g, &g->targets[i], &pr[i]);
			/* Done: out of the set until the next scan; else wait for what it needs now. */
			if (pr[i].phase == P_IDLE)
				fds[k].fd = -1;
			else
				fds[k].events = pr[i].phase == P_READ ? POLLIN : POLLOUT;
		}
	}
out:
	for (unsigned i = 0; pr && i < n; i++)
		if (pr[i].fd >= 0)
			close(pr[i].fd);
	free(pr);
	free(fds);
	free(who);
	return NULL;
}

int geo_health_start(geo_t *g)
{
	geo_health_write_status(g); /* the states at start (or adopted) */
	if (g->ntargets == 0)
		return SL_OK;
	g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->stop_fd < 0)
		return SL_EIO;
	if (pthread_create(&g->thread, NULL, health_main, g) != 0) {
		close(g->stop_fd);
		g->stop_fd = -1;
		return SL_EIO;
	}
	g->thread_started = true;
	sl_instance_log(g->inst, SL_LOG_INFO, "health checks started for %u members",
			g->ntargets);
	return SL_OK;
}

void geo_health_stop(geo_t *g)
{
	if (g->thread_started) {
		uint64_t one = 1;
		ssize_t w = write(g->stop_fd, &one, sizeof(one));
		(void)w;
		pthread_join(g->thread, NULL);
		g->thread_started = false;
	}
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	g->stop_fd = -1;
}

static bool same_check(const geo_check_t *a, const geo_check_t *b)
{
	return a->type == b->type && a->port == b->port && strcmp(a->path, b->path) == 0 &&
	       ((!a->host && !b->host) || (a->host && b->host && strcmp(a->host, b->host) == 0)) &&
	       sl_name_equal(a->qname, b->qname) &&
	       a->qtype == b->qtype;
}

void geo_health_adopt(geo_t *g, const geo_t *old)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < g->ntargets; i++) {
		geo_target_t *t = &g->targets[i];
		for (unsigned k = 0; k < old->ntargets; k++) {
			const geo_target_t *o = &old->targets[k];
			if (t->addr_len != o->addr_len || memcmp(&t->addr, &o->addr, t->addr_len) != 0 ||
			    !same_check(t->check, o->check))
				continue;
			/* Only the atomic: the old instance's thread still runs. */
			atomic_store(&t->up, atomic_load(&o->up));
			kept++;
			break;
		}
	}
	geo_health_update_pools(g, false);
	if (kept)
		sl_instance_log(g->inst, SL_LOG_INFO, "kept the health state of %u of %u members "
				"across the reload", kept, g->ntargets);
}
