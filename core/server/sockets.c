/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — listening sockets for both transports, and the probe that
 * checks nobody else holds a port.
 *
 * Each worker owns one SO_REUSEPORT socket per listen address and
 * transport, so the kernel spreads datagrams and connections across workers
 * and no socket is shared between threads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "sockaddr.h"

/* Kernel receive buffer we ask for: absorbs bursts while a worker is busy. */
#define SL_UDP_RCVBUF (4 * 1024 * 1024)
/* Pending-connection queue of listening TCP sockets. */
#define SL_TCP_BACKLOG 1024
/* TCP Fast Open queue length (only when the kernel allows it). */
#define SL_TCP_FASTOPEN_QLEN 256

/* "udp 127.0.0.1:5353: bind: Address already in use" */
static void sock_error(sl_error_t *err, int socktype, const sl_listen_t *l, const char *what,
		       int errnum)
{
	char addr[SL_SOCKADDR_TEXT_MAX], where[SL_SOCKADDR_TEXT_MAX + 8];
	char ebuf[128];

	if (err == NULL)
		return;
	sl_sockaddr_text((const struct sockaddr *)&l->addr, addr, sizeof(addr));
	snprintf(where, sizeof(where), "%s %s", socktype == SOCK_DGRAM ? "udp" : "tcp", addr);
	/* GNU strerror_r: thread-safe, returns the message (maybe not ebuf). */
	sl_error_at(err, SL_EIO, where, 0, 0, "%s: %s", what,
		    strerror_r(errnum, ebuf, sizeof(ebuf)));
}

static int set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/*
 * Opens a socket for @p l and applies what every socket of that kind needs
 * (IPV6_V6ONLY, so that "::" and "0.0.0.0" are separate listen addresses).
 * @return fd or SL_EIO (err filled)
 */
static int sock_open(const sl_listen_t *l, int socktype, sl_error_t *err)
{
	int family = l->addr.ss_family;
	int fd;

	if (family != AF_INET && family != AF_INET6) {
		sock_error(err, socktype, l, "socket", EAFNOSUPPORT);
		return SL_EIO;
	}
	fd = socket(family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		sock_error(err, socktype, l, "socket", errno);
		return SL_EIO;
	}
	if (family == AF_INET6 && set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0) {
		sock_error(err, socktype, l, "setsockopt(IPV6_V6ONLY)", errno);
		close(fd);
		return SL_EIO;
	}
	return fd;
}

static bool sock_bind(int fd, const sl_listen_t *l, int socktype, sl_error_t *err)
{
	if (bind(fd, (const struct sockaddr *)&l->addr, l->len) < 0) {
		sock_error(err, socktype, l, "bind", errno);
		return false;
	}
	return true;
}

int sl_net_udp_socket(const sl_listen_t *l, sl_error_t *err)
{
	int fd = sock_open(l, SOCK_DGRAM, err);

	if (fd < 0)
		return SL_EIO;
	if (set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0) {
		sock_error(err, SOCK_DGRAM, l, "setsockopt(SO_REUSEPORT)", errno);
		goto fail;
	}
	/* Without the destination address, replies to a wildcard bind could
	 * leave from another address of the host and be ignored by the client. */
	if (l->addr.ss_family == AF_INET) {
		if (set_int(fd, IPPROTO_IP, IP_PKTINFO, 1) < 0) {
			sock_error(err, SOCK_DGRAM, l, "setsockopt(IP_PKTINFO)", errno);
			goto fail;
		}
	} else if (set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0) {
		sock_error(err, SOCK_DGRAM, l, "setsockopt(IPV6_RECVPKTINFO)", errno);
		goto fail;
	}
	/* Bigger than rmem_max needs CAP_NET_ADMIN (we still have it before
	 * dropping privileges); otherwise take what the kernel grants. */
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, SL_UDP_RCVBUF) < 0)
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, SL_UDP_RCVBUF);
	/* Don't let (spoofable) ICMP "fragmentation needed" shrink the path MTU
	 * for our responses: fragment at the interface MTU instead. Large
	 * responses are bounded by the EDNS payload size anyway. */
#if defined(IP_MTU_DISCOVER) && defined(IP_PMTUDISC_OMIT)
	if (l->addr.ss_family == AF_INET)
		(void)set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
#endif
#if defined(IPV6_MTU_DISCOVER) && defined(IPV6_PMTUDISC_OMIT)
	if (l->addr.ss_family == AF_INET6)
		(void)set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_OMIT);
#endif
	if (!sock_bind(fd, l, SOCK_DGRAM, err))
		goto fail;
	return fd;
fail:
	close(fd);
	return SL_EIO;
}

int sl_net_tcp_socket(const sl_listen_t *l, sl_error_t *err)
{
	int fd = sock_open(l, SOCK_STREAM, err);

	if (fd < 0)
		return SL_EIO;
	/* SO_REUSEADDR: restart while old connections sit in TIME_WAIT. */
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0) {
		sock_error(err, SOCK_STREAM, l, "setsockopt(SO_REUSEADDR)", errno);
		goto fail;
	}
	if (set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0) {
		sock_error(err, SOCK_STREAM, l, "setsockopt(SO_REUSEPORT)", errno);
		goto fail;
	}
	/* Accepted sockets inherit TCP_NODELAY on Linux: a response is written
	 * with one send(), so Nagle could only delay pipelined answers. */
	if (set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0) {
		sock_error(err, SOCK_STREAM, l, "setsockopt(TCP_NODELAY)", errno);
		goto fail;
	}
	if (!sock_bind(fd, l, SOCK_STREAM, err))
		goto fail;
#ifdef TCP_FASTOPEN
	/* Optional: saves a round trip for clients that use it. */
	(void)set_int(fd, IPPROTO_TCP, TCP_FASTOPEN, SL_TCP_FASTOPEN_QLEN);
#endif
	if (listen(fd, SL_TCP_BACKLOG) < 0) {
		sock_error(err, SOCK_STREAM, l, "listen", errno);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return SL_EIO;
}

int sl_net_probe(const sl_listen_t *l, int socktype, sl_error_t *err)
{
	char addr[SL_SOCKADDR_TEXT_MAX];
	int fd, e;

	if (socktype != SOCK_DGRAM && socktype != SOCK_STREAM)
		return sl_error_set(err, SL_EINVAL, "probe: unsupported socket type %d", socktype);
	fd = sock_open(l, socktype, err);
	if (fd < 0)
		return SL_EIO;
	/* TCP: SO_REUSEADDR only lets us bind over TIME_WAIT leftovers of a
	 * previous run; a socket in LISTEN state still makes bind() fail. No
	 * SO_REUSEPORT on either: it would let us share the port silently. */
	if (socktype == SOCK_STREAM && set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0) {
		sock_error(err, socktype, l, "setsockopt(SO_REUSEADDR)", errno);
		close(fd);
		return SL_EIO;
	}
	if (bind(fd, (const struct sockaddr *)&l->addr, l->len) < 0) {
		e = errno;
		if (e == EADDRINUSE) {
			sl_sockaddr_text((const struct sockaddr *)&l->addr, addr, sizeof(addr));
			sl_error_at(err, SL_EIO, NULL, 0, 0, "address %s is already in use (%s)",
				    addr, socktype == SOCK_DGRAM ? "udp" : "tcp");
		} else {
			sock_error(err, socktype, l, "bind", e);
		}
		close(fd);
		return SL_EIO;
	}
	close(fd);
	return SL_OK;
}
