/*
 * Sluice core — address ACLs ("127.0.0.0/8", "::1/128", "192.0.2.1").
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_ACL_H
#define SL_CORE_ACL_H

#include <sys/socket.h>
#include <sluice/common.h>

/** One prefix. */
typedef struct sl_acl_entry {
	uint8_t addr[16]; /**< IPv6, or IPv4 in the first 4 bytes */
	uint8_t family;   /**< AF_INET or AF_INET6 */
	uint8_t prefix;   /**< prefix length in bits */
} sl_acl_entry_t;

/** A list of prefixes; matching any one admits. */
typedef struct sl_acl {
	sl_acl_entry_t *entry; /**< prefixes */
	size_t n;              /**< count */
} sl_acl_t;

/**
 * Parses "ADDR" or "ADDR/LEN" (bits beyond LEN must be zero, as operators
 * mean exactly what they wrote). @return SL_OK or SL_ESYNTAX
 */
int sl_acl_parse_prefix(const char *text, sl_acl_entry_t *out);

/** True when @p sa (IPv4, IPv6 or IPv4-mapped IPv6) lies in any prefix of @p acl. */
bool sl_acl_match(const sl_acl_t *acl, const struct sockaddr *sa);

#endif /* SL_CORE_ACL_H */
