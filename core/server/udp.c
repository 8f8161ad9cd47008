/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the UDP transport.
 *
 * Each worker owns one SO_REUSEPORT socket per listen address (sockets.c),
 * so the kernel spreads datagrams across workers and no socket is shared
 * between threads. A readiness event drains the socket in recvmmsg()
 * batches, answers every datagram into a preallocated slot and sends all
 * the responses with one sendmmsg(). Nothing on that path allocates.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sluice/log.h>
#include <sluice/msg.h>

#include "net.h"
#include "server.h"
#include "sockaddr.h"

/* ------------------------------------------------------------------------ */
/* UDP transport                                                            */
/* ------------------------------------------------------------------------ */

/* recvmmsg() slots per worker at most. */
#define SL_UDP_BATCH_MAX 64
/* Batches per readiness event: the other sockets of the loop get a turn. */
#define SL_UDP_BUDGET 4
/* Largest UDP payload (and our response buffer per slot). */
#define SL_UDP_BUFSIZE SL_MSG_MAXLEN

/* Room for one pktinfo control message (either family), aligned. */
union udp_cmsg {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in_pktinfo))];
};

struct udp_sock {
	ev_io io;              /* readiness of fd */
	struct sl_udp *udp;    /* owner */
	int fd;
	bool wildcard;         /* bound to 0.0.0.0 / ::: replies need a source */
	sl_sockaddr_t bound;   /* getsockname(): family and port for `local` */
	socklen_t bound_len;
};

struct sl_udp {
	sl_worker_t *w;
	struct udp_sock *socks;
	size_t nsocks;
	unsigned slots;                 /* batch size the buffers were sized for */
	uint8_t *rbuf;                  /* slots x SL_UDP_BUFSIZE: queries */
	uint8_t *obuf;                  /* slots x SL_UDP_BUFSIZE: responses */
	sl_sockaddr_t *peer;            /* sender of each query */
	union udp_cmsg *rctl;           /* received control data */
	union udp_cmsg *sctl;           /* control data of each reply */
	struct iovec *riov, *siov;
	struct mmsghdr *rmsg, *smsg;
};

static void udp_free(struct sl_udp *u)
{
	if (u == NULL)
		return;
	free(u->socks);
	free(u->rbuf);
	free(u->obuf);
	free(u->peer);
	free(u->rctl);
	free(u->sctl);
	free(u->riov);
	free(u->siov);
	free(u->rmsg);
	free(u->smsg);
	free(u);
}

/*
 * Reads the destination of a query from its pktinfo into @p local (the
 * socket's port, the packet's address) and, on wildcard sockets, prepares
 * the reply's pktinfo in @p reply so it leaves from that address.
 * @return length of @p local; *@p reply_len is 0 when no control data is needed
 */
static socklen_t udp_destination(const struct udp_sock *s, struct msghdr *h,
				 sl_sockaddr_t *local, union udp_cmsg *reply, size_t *reply_len)
{
	struct cmsghdr *c;

	*local = s->bound;
	*reply_len = 0;
	if (!s->wildcard || (h->msg_flags & MSG_CTRUNC))
		return s->bound_len;
	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    s->bound.sa.sa_family == AF_INET) {
			struct in_pktinfo pi, out;
			struct cmsghdr *rc;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->in.sin_addr = pi.ipi_addr;
			/* ipi_spec_dst is the local unicast address the packet was
			 * for (equal to ipi_addr unless it was a broadcast). No
			 * ifindex: let routing pick the way back. */
			memset(&out, 0, sizeof(out));
			out.ipi_spec_dst = pi.ipi_spec_dst;
			memset(reply, 0, sizeof(*reply));
			rc = (struct cmsghdr *)reply->buf;
			rc->cmsg_level = IPPROTO_IP;
			rc->cmsg_type = IP_PKTINFO;
			rc->cmsg_len = CMSG_LEN(sizeof(out));
			memcpy(CMSG_DATA(rc), &out, sizeof(out));
			*reply_len = CMSG_SPACE(sizeof(out));
			return sizeof(struct sockaddr_in);
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		    s->bound.sa.sa_family == AF_INET6) {
			struct in6_pktinfo pi, out;
			struct cmsghdr *rc;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->in6.sin6_addr = pi.ipi6_addr;
			local->in6.sin6_flowinfo = 0;
			memset(&out, 0, sizeof(out));
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr)) {
				/* A link-local source only means something with
				 * its interface. */
				local->in6.sin6_scope_id = (uint32_t)pi.ipi6_ifindex;
				out.ipi6_ifindex = pi.ipi6_ifindex;
			} else {
				local->in6.sin6_scope_id = 0;
			}
			/* A multicast destination cannot be a source: let the
			 * kernel choose (in6addr_any, already zeroed). */
			if (!IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				out.ipi6_addr = pi.ipi6_addr;
			memset(reply, 0, sizeof(*reply));
			rc = (struct cmsghdr *)reply->buf;
			rc->cmsg_level = IPPROTO_IPV6;
			rc->cmsg_type = IPV6_PKTINFO;
			rc->cmsg_len = CMSG_LEN(sizeof(out));
			memcpy(CMSG_DATA(rc), &out, sizeof(out));
			*reply_len = CMSG_SPACE(sizeof(out));
			return sizeof(struct sockaddr_in6);
		}
	}
	return s->bound_len;
}

/* Sends smsg[0..n) without ever blocking. @return messages not sent */
static unsigned udp_send(int fd, struct mmsghdr *msgs, unsigned n)
{
	unsigned off = 0, lost = 0;

	while (off < n) {
		int r = sendmmsg(fd, msgs + off, n - off, MSG_DONTWAIT);

		if (r > 0) {
			off += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Socket buffer full: waiting would stall every other
			 * client of this worker; the clients will retry. */
			lost += n - off;
			break;
		}
		/* An error about this one message (unreachable, firewall,
		 * bad address): skip it and send the rest. */
		lost++;
		off++;
	}
	return lost;
}

/* Answers rmsg[0..n) of socket @p s and sends the responses. */
static void udp_answer_batch(struct udp_sock *s, unsigned n)
{
	struct sl_udp *u = s->udp;
	sl_worker_t *w = u->w;
	unsigned i, k = 0;

	for (i = 0; i < n; i++) {
		struct msghdr *h = &u->rmsg[i].msg_hdr;
		uint8_t *query = u->rbuf + (size_t)i * SL_UDP_BUFSIZE;
		uint8_t *out = u->obuf + (size_t)i * SL_UDP_BUFSIZE;
		sl_sockaddr_t local;
		socklen_t local_len;
		size_t outlen = 0, ctl_len;
		struct msghdr *sh;

		sl_counter_add(&w->stats.udp_queries, 1);
		if (h->msg_flags & MSG_TRUNC) {
			/* Cannot happen with 64 KiB slots; never answer a
			 * datagram we did not see whole. */
			sl_counter_add(&w->stats.dropped, 1);
			continue;
		}
		local_len = udp_destination(s, h, &local, &u->sctl[k], &ctl_len);
		sl_reply_origin_t origin = { .transport = SL_TRANSPORT_UDP, .fd = s->fd,
					     .ctl = ctl_len ? u->sctl[k].buf : NULL,
					     .ctl_len = ctl_len };
		if (sl_worker_answer(w, SL_TRANSPORT_UDP, query, u->rmsg[i].msg_len,
				     (const struct sockaddr *)&u->peer[i], h->msg_namelen,
				     &local.sa, local_len, out, SL_UDP_BUFSIZE, &outlen, NULL,
				     &origin))
			continue; /* answered later, from reply.c */
		if (outlen == 0 || outlen > SL_UDP_BUFSIZE) {
			sl_counter_add(&w->stats.dropped, 1);
			continue;
		}
		if (outlen > 2 && (out[2] & 0x02))
			sl_counter_add(&w->stats.truncated, 1);
		u->siov[k].iov_base = out;
		u->siov[k].iov_len = outlen;
		sh = &u->smsg[k].msg_hdr;
		sh->msg_name = &u->peer[i];
		sh->msg_namelen = h->msg_namelen;
		sh->msg_iov = &u->siov[k];
		sh->msg_iovlen = 1;
		sh->msg_control = ctl_len > 0 ? u->sctl[k].buf : NULL;
		sh->msg_controllen = ctl_len;
		sh->msg_flags = 0;
		k++;
	}
	if (k > 0)
		sl_counter_add(&w->stats.dropped, udp_send(s->fd, u->smsg, k));
}

static void udp_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct udp_sock *s = io->data;
	struct sl_udp *u = s->udp;
	unsigned batch = u->w->rt->conf.udp_batch;
	unsigned round, i;

	/* A reload may ask for more than we allocated; use what we have. */
	if (batch == 0)
		batch = 1;
	if (batch > u->slots)
		batch = u->slots;
	for (round = 0; round < SL_UDP_BUDGET; round++) {
		int n;

		/* The kernel rewrites these lengths: reset them each time. */
		for (i = 0; i < batch; i++) {
			struct msghdr *h = &u->rmsg[i].msg_hdr;

			h->msg_namelen = sizeof(u->peer[i]);
			h->msg_controllen = sizeof(u->rctl[i].buf);
			h->msg_flags = 0;
		}
		n = recvmmsg(s->fd, u->rmsg, batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    sl_log_enabled(SL_LOG_DEBUG)) {
				char ebuf[128];

				sl_log(SL_LOG_DEBUG, "udp: recvmmsg: %s",
				       strerror_r(errno, ebuf, sizeof(ebuf)));
			}
			return;
		}
		if (n == 0)
			return;
		udp_answer_batch(s, (unsigned)n);
		/* A short batch means the queue is empty: skip the EAGAIN call. */
		if ((unsigned)n < batch)
			return;
	}
}

int sl_udp_start(sl_worker_t *w)
{
	struct sl_udp *u;
	unsigned slots = w->rt->conf.udp_batch;
	size_t i;

	w->udp = NULL;
	if (slots == 0)
		slots = 1;
	if (slots > SL_UDP_BATCH_MAX)
		slots = SL_UDP_BATCH_MAX;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return SL_ENOMEM;
	u->w = w;
	u->slots = slots;
	u->socks = calloc(w->nfds ? w->nfds : 1, sizeof(*u->socks));
	u->rbuf = malloc((size_t)slots * SL_UDP_BUFSIZE);
	u->obuf = malloc((size_t)slots * SL_UDP_BUFSIZE);
	u->peer = calloc(slots, sizeof(*u->peer));
	u->rctl = calloc(slots, sizeof(*u->rctl));
	u->sctl = calloc(slots, sizeof(*u->sctl));
	u->riov = calloc(slots, sizeof(*u->riov));
	u->siov = calloc(slots, sizeof(*u->siov));
	u->rmsg = calloc(slots, sizeof(*u->rmsg));
	u->smsg = calloc(slots, sizeof(*u->smsg));
	if (u->socks == NULL || u->rbuf == NULL || u->obuf == NULL || u->peer == NULL ||
	    u->rctl == NULL || u->sctl == NULL || u->riov == NULL || u->siov == NULL ||
	    u->rmsg == NULL || u->smsg == NULL) {
		udp_free(u);
		return SL_ENOMEM;
	}
	for (i = 0; i < slots; i++) {
		struct msghdr *h = &u->rmsg[i].msg_hdr;

		u->riov[i].iov_base = u->rbuf + i * SL_UDP_BUFSIZE;
		u->riov[i].iov_len = SL_UDP_BUFSIZE;
		h->msg_name = &u->peer[i];
		h->msg_iov = &u->riov[i];
		h->msg_iovlen = 1;
		h->msg_control = u->rctl[i].buf;
	}
	for (i = 0; i < w->nfds; i++) {
		struct udp_sock *s = &u->socks[u->nsocks];

		if (w->udp_fds == NULL || w->udp_fds[i] < 0)
			continue;
		s->udp = u;
		s->fd = w->udp_fds[i];
		s->bound_len = sizeof(s->bound);
		if (getsockname(s->fd, &s->bound.sa, &s->bound_len) < 0) {
			char ebuf[128];

			sl_log(SL_LOG_WARNING, "udp: getsockname: %s",
			       strerror_r(errno, ebuf, sizeof(ebuf)));
			memset(&s->bound, 0, sizeof(s->bound));
			s->bound_len = 0;
		}
		s->wildcard = sl_sockaddr_wildcard(&s->bound.sa);
		ev_io_init(&s->io, udp_read_cb, s->fd, EV_READ);
		s->io.data = s;
		u->nsocks++;
	}
	for (i = 0; i < u->nsocks; i++)
		ev_io_start(w->host.loop, &u->socks[i].io);
	w->udp = u;
	return SL_OK;
}

void sl_udp_stop(sl_worker_t *w)
{
	struct sl_udp *u = w->udp;
	size_t i;

	if (u == NULL)
		return;
	/* The sockets belong to the server (w->udp_fds); only the watchers and
	 * buffers are ours. */
	for (i = 0; i < u->nsocks; i++)
		ev_io_stop(w->host.loop, &u->socks[i].io);
	udp_free(u);
	w->udp = NULL;
}
