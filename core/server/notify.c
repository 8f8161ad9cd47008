/*
 * Sluice core — NOTIFY out (RFC 1996).
 *
 * The control loop looks at the zones with a "notify" list every
 * SL_NOTIFY_POLL seconds: sl_zone_published() says, lock-free, whether a
 * zone has published a version since its secondaries were last told. Each
 * (zone, secondary) pair then gets a NOTIFY over UDP, resent with doubling
 * intervals (RFC 1996 §3.6) until the secondary answers or
 * SL_NOTIFY_ATTEMPTS sends went unanswered. A newer version while a NOTIFY
 * is outstanding restarts it (the secondary only needs the latest). Answers
 * arrive on one unconnected socket per address family and are matched by
 * source address, ID and question.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sluice/log.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "notify.h"
#include "tsig.h"

/* One secondary of one zone. */
struct target {
	sl_zone_t *zone;            /* a reference of our own: zones outlive runtimes */
	uint8_t apex[SL_NAME_MAXLEN];
	sl_listen_t addr;           /* the secondary */
	uint32_t told;              /* sl_zone_published() count last announced */
	uint32_t serial;            /* serial being announced */
	uint16_t id;                /* its NOTIFY's ID */
	unsigned attempts;          /* sends of the current NOTIFY; 0 = none outstanding */
	ev_tstamp next;             /* when to resend */
	bool keyed;                 /* NOTIFYs are TSIG-signed with key */
	sl_tsig_key_t key;          /* our copy ("notify_key"): a reload frees the runtime's */
	sl_tsig_ctx_t tsig;         /* the last send's signature, which the answer must cover */
};

struct sl_notifier {
	struct ev_loop *loop;
	ev_timer poll;
	ev_io io[2];                /* IPv4, IPv6 answers */
	int fd[2];
	struct target *t;
	size_t n;
};

size_t sl_notify_message(uint8_t *buf, size_t cap, const uint8_t *apex, uint16_t id)
{
	size_t nlen = sl_name_len(apex), len = 12 + nlen + 4;
	uint16_t flags = SL_OPCODE_NOTIFY << 11 | SL_FLAG_AA;

	if (cap < len)
		return 0;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = (uint8_t)(flags >> 8);
	buf[3] = (uint8_t)flags;
	buf[5] = 1; /* QDCOUNT */
	memcpy(buf + 12, apex, nlen);
	buf[12 + nlen] = 0;
	buf[12 + nlen + 1] = SL_TYPE_SOA;
	buf[12 + nlen + 2] = 0;
	buf[12 + nlen + 3] = SL_CLASS_IN;
	return len;
}

bool sl_notify_is_answer(const uint8_t *msg, size_t len, uint16_t id, const uint8_t *apex,
			 uint16_t *rcode)
{
	uint8_t qname[SL_NAME_MAXLEN];
	size_t pos = 12, qlen;
	uint16_t flags;

	if (len < 12 || (uint16_t)(msg[0] << 8 | msg[1]) != id)
		return false;
	flags = (uint16_t)(msg[2] << 8 | msg[3]);
	if (!(flags & SL_FLAG_QR) || SL_FLAGS_OPCODE(flags) != SL_OPCODE_NOTIFY)
		return false;
	*rcode = SL_FLAGS_RCODE(flags);
	/* A question is optional in an error answer (e.g. FORMERR, NOTIMP). */
	if ((msg[4] << 8 | msg[5]) == 0)
		return *rcode != SL_RCODE_NOERROR;
	if (sl_name_unpack(msg, len, &pos, qname, &qlen) != SL_OK || pos + 4 > len)
		return false;
	return sl_name_equal(qname, apex) && (msg[pos] << 8 | msg[pos + 1]) == SL_TYPE_SOA;
}

static void describe(const struct target *t, char *buf, size_t cap)
{
	char zone[SL_NAME_TEXT_MAX];

	if (sl_name_to_text(t->apex, zone, sizeof(zone)) < 0)
		snprintf(zone, sizeof(zone), "?");
	snprintf(buf, cap, "NOTIFY %s serial %u to %s", zone, t->serial, t->addr.text);
}

static void send_notify(sl_notifier_t *n, struct target *t, ev_tstamp now)
{
	uint8_t msg[12 + SL_NAME_MAXLEN + 4 + SL_TSIG_RR_MAX];
	size_t len = sl_notify_message(msg, sizeof(msg), t->apex, t->id);
	int fd = n->fd[t->addr.addr.ss_family == AF_INET6];
	char what[SL_NAME_TEXT_MAX + 96];

	t->attempts++;
	/* 1, 2, 4, 8 s between sends. */
	t->next = now + SL_NOTIFY_RETRY * (double)(1u << (t->attempts - 1));
	if (t->keyed) {
		int signed_len = sl_tsig_sign_request(&t->tsig, &t->key, msg, len, sizeof(msg),
						      (uint64_t)time(NULL));

		if (signed_len < 0) {
			describe(t, what, sizeof(what));
			sl_log(SL_LOG_WARNING, "%s: cannot sign: %s", what, sl_strerror(signed_len));
			return;
		}
		len = (size_t)signed_len;
	}
	if (fd < 0 || sendto(fd, msg, len, 0, (const struct sockaddr *)&t->addr.addr,
			     t->addr.len) < 0) {
		describe(t, what, sizeof(what));
		sl_log(SL_LOG_WARNING, "%s: cannot send: %s", what,
		       fd < 0 ? "no socket for its address family" : strerror(errno));
	}
}

static uint16_t random_id(void)
{
	uint16_t id = 0;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)((unsigned)rand() ^ (unsigned)(uintptr_t)&id);
	return id;
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	sl_notifier_t *n = w->data;
	ev_tstamp now = ev_now(loop);
	char what[SL_NAME_TEXT_MAX + 96];

	(void)revents;
	for (size_t i = 0; i < n->n; i++) {
		struct target *t = &n->t[i];
		uint32_t serial, count = sl_zone_published(t->zone, &serial);

		if (count != t->told && count != 0) {
			/* A new version: announce it (again from the first send). */
			t->told = count;
			t->serial = serial;
			t->id = random_id();
			t->attempts = 0;
			send_notify(n, t, now);
		} else if (t->attempts > 0 && now >= t->next) {
			if (t->attempts >= SL_NOTIFY_ATTEMPTS) {
				describe(t, what, sizeof(what));
				sl_log(SL_LOG_WARNING, "%s: no answer after %u attempts, giving up",
				       what, t->attempts);
				t->attempts = 0;
			} else {
				send_notify(n, t, now);
			}
		}
	}
}

static bool same_addr(const struct sockaddr_storage *a, const sl_listen_t *b)
{
	if (a->ss_family != b->addr.ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)&b->addr;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)&b->addr;

	return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* RFC 8945 §5.3: the answer to a signed NOTIFY is signed with the same key. */
static bool answer_verifies(const struct target *t, const uint8_t *wire, size_t len)
{
	sl_msg_t msg;

	if (sl_msg_parse(wire, len, &msg) != SL_OK)
		return false;
	return sl_tsig_verify_answer(&t->tsig, &msg, (uint64_t)time(NULL)) == SL_RCODE_NOERROR;
}

static void on_answer(struct ev_loop *loop, ev_io *w, int revents)
{
	sl_notifier_t *n = w->data;
	uint8_t buf[SL_MSG_MAXLEN];
	struct sockaddr_storage from;
	char what[SL_NAME_TEXT_MAX + 96];

	(void)loop;
	(void)revents;
	for (int k = 0; k < 64; k++) {
		socklen_t flen = sizeof(from);
		ssize_t len = recvfrom(w->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				       &flen);

		if (len < 0)
			return; /* EAGAIN, or an ICMP error for some earlier send */
		for (size_t i = 0; i < n->n; i++) {
			struct target *t = &n->t[i];
			uint16_t rcode;

			if (t->attempts == 0 || !same_addr(&from, &t->addr) ||
			    !sl_notify_is_answer(buf, (size_t)len, t->id, t->apex, &rcode))
				continue;
			describe(t, what, sizeof(what));
			if (t->keyed && !answer_verifies(t, buf, (size_t)len)) {
				/* Not from the secondary (or not to our last send): keep trying. */
				sl_log(SL_LOG_WARNING, "%s: an answer failed TSIG verification",
				       what);
				break;
			}
			if (rcode == SL_RCODE_NOERROR) {
				sl_log(SL_LOG_INFO, "%s: acknowledged", what);
			} else {
				const char *name = sl_rcode_name(rcode);

				sl_log(SL_LOG_WARNING, "%s: answered %s (rcode %u)", what,
				       name ? name : "an unknown rcode", rcode);
			}
			t->attempts = 0;
			break;
		}
	}
}

static int open_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd >= 0 && family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	return fd;
}

/* Builds the target list of @p rt, keeping what @p old targets were told. */
static int build(const sl_runtime_t *rt, const struct target *old, size_t nold, bool startup,
		 struct target **out, size_t *nout)
{
	size_t count = 0, k = 0;
	struct target *t;

	for (size_t z = 0; z < rt->nzones; z++)
		count += rt->zones[z].nnotify;
	*out = NULL;
	*nout = 0;
	if (count == 0)
		return SL_OK;
	if (!(t = calloc(count, sizeof(*t))))
		return SL_ENOMEM;
	for (size_t z = 0; z < rt->nzones; z++) {
		const sl_zone_entry_t *ze = &rt->zones[z];

		for (size_t a = 0; a < ze->nnotify; a++, k++) {
			t[k].zone = sl_zone_get(ze->name);
			if (!t[k].zone) {
				for (size_t j = 0; j < k; j++)
					sl_zone_put(t[j].zone);
				free(t);
				return SL_ENOMEM;
			}
			memcpy(t[k].apex, ze->name, ze->name_len);
			t[k].addr = ze->notify[a];
			if (ze->notify_key) {
				t[k].keyed = true;
				t[k].key = *ze->notify_key;
			}
			/* At start-up every version is news; after a reload only newer ones. */
			t[k].told = startup ? 0 : sl_zone_published(t[k].zone, NULL);
			for (size_t j = 0; j < nold; j++) {
				if (old[j].zone == t[k].zone &&
				    same_addr(&old[j].addr.addr, &t[k].addr)) {
					t[k].told = old[j].told;
					t[k].serial = old[j].serial;
					t[k].id = old[j].id;
					t[k].attempts = old[j].attempts;
					t[k].next = old[j].next;
					/* The signature in flight, re-pointed at our key copy. */
					if (t[k].keyed && old[j].keyed &&
					    sl_name_equal(old[j].key.name, t[k].key.name)) {
						t[k].tsig = old[j].tsig;
						t[k].tsig.key = &t[k].key;
					} else if (t[k].keyed != old[j].keyed) {
						t[k].attempts = 0; /* resent as configured next time */
					}
				}
			}
		}
	}
	*out = t;
	*nout = count;
	return SL_OK;
}

static void free_targets(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sl_zone_put(t[i].zone);
	if (t)
		explicit_bzero(t, n * sizeof(*t)); /* key copies */
	free(t);
}

sl_notifier_t *sl_notifier_new(struct ev_loop *loop, const sl_runtime_t *rt)
{
	sl_notifier_t *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->loop = loop;
	n->fd[0] = open_socket(AF_INET);
	n->fd[1] = open_socket(AF_INET6);
	if (n->fd[0] < 0 && n->fd[1] < 0) {
		sl_log(SL_LOG_ERROR, "NOTIFY: cannot open a UDP socket: %s", strerror(errno));
		free(n);
		return NULL;
	}
	if (build(rt, NULL, 0, true, &n->t, &n->n) != SL_OK) {
		sl_notifier_free(n);
		return NULL;
	}
	for (int f = 0; f < 2; f++) {
		if (n->fd[f] < 0)
			continue;
		ev_io_init(&n->io[f], on_answer, n->fd[f], EV_READ);
		n->io[f].data = n;
		ev_io_start(loop, &n->io[f]);
	}
	ev_timer_init(&n->poll, on_poll, SL_NOTIFY_POLL, SL_NOTIFY_POLL);
	n->poll.data = n;
	ev_timer_start(loop, &n->poll);
	return n;
}

int sl_notifier_set_runtime(sl_notifier_t *n, const sl_runtime_t *rt)
{
	struct target *t;
	size_t count;

	if (!n)
		return SL_OK;
	if (build(rt, n->t, n->n, false, &t, &count) != SL_OK)
		return SL_ENOMEM;
	free_targets(n->t, n->n);
	n->t = t;
	n->n = count;
	return SL_OK;
}

void sl_notifier_free(sl_notifier_t *n)
{
	if (!n)
		return;
	if (n->loop) {
		ev_timer_stop(n->loop, &n->poll);
		for (int f = 0; f < 2; f++)
			if (n->fd[f] >= 0)
				ev_io_stop(n->loop, &n->io[f]);
	}
	for (int f = 0; f < 2; f++)
		if (n->fd[f] >= 0)
			close(n->fd[f]);
	free_targets(n->t, n->n);
	free(n);
}
