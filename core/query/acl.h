/*
 * Sluice core — address ACLs ("127.0.0.0/8", "::1/128", "192.0.2.1").
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_ACL_H
#define SL_CORE_ACL_H

#include <sys/socket.h>
#include <sluice/conf.h>

/** A list of prefixes; matching any one admits. */
typedef struct sl_acl {
	const sl_prefix_t *entry; /**< prefixes (parsed by sl_prefix_parse(), <sluice/conf.h>) */
	size_t n;                 /**< count */
} sl_acl_t;

/** True when @p sa (IPv4, IPv6 or IPv4-mapped IPv6) lies in any prefix of @p acl. */
bool sl_acl_match(const sl_acl_t *acl, const struct sockaddr *sa);

#endif /* SL_CORE_ACL_H */
