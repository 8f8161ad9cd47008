/*
 * Sluice core — socket addresses as the transports use them.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_SOCKADDR_H
#define SL_CORE_SOCKADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Room for an IPv4 or IPv6 address, smaller than sockaddr_storage. */
typedef union sl_sockaddr {
	struct sockaddr sa;       /**< the family */
	struct sockaddr_in in;    /**< AF_INET */
	struct sockaddr_in6 in6;  /**< AF_INET6 */
} sl_sockaddr_t;

/** Longest text sl_sockaddr_text() writes, NUL included. */
#define SL_SOCKADDR_TEXT_MAX (INET6_ADDRSTRLEN + 32)

/**
 * Formats @p sa as "192.0.2.1:53", "[2001:db8::1]:53" or, with a scope id,
 * "[fe80::1%2]:53" (for messages).
 */
void sl_sockaddr_text(const struct sockaddr *sa, char *buf, size_t len);

/**
 * True when a socket bound to @p sa does not tell the address a packet or
 * connection came to: the unspecified address (0.0.0.0, ::), or a family
 * that is not IP (getsockname() failed), so it must be asked each time.
 */
bool sl_sockaddr_wildcard(const struct sockaddr *sa);

/**
 * The client address of @p sa as 16 octets, IPv4 as its v4-mapped IPv6 form
 * so that both share one table. @return false when @p sa is not IP
 */
bool sl_sockaddr_key(const struct sockaddr *sa, uint8_t key[16]);

#endif /* SL_CORE_SOCKADDR_H */
