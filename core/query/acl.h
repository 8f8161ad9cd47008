/*
 * Sluice core — ACLs of addresses and TSIG keys: "127.0.0.0/8", "::1",
 * "key:xfr-key." (any address with that key), "192.0.2.0/24 key:xfr-key."
 * (both must match).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_ACL_H
#define SL_CORE_ACL_H

#include <sys/socket.h>
#include <sluice/conf.h>
#include <sluice/name.h>

/** A list of entries; matching any one admits. */
typedef struct sl_acl {
	const sl_prefix_t *entry;  /**< prefixes (sl_prefix_parse(), <sluice/conf.h>); family 0: any address */
	const uint8_t *const *key; /**< per entry, the TSIG key name it requires (wire, lower case)
				      or NULL; NULL when no entry names a key */
	size_t n;                  /**< count */
} sl_acl_t;

/**
 * Parses one ACL entry: "PREFIX", "key:NAME" or "PREFIX key:NAME". A
 * "key:" entry alone leaves @p prefix with family 0 (any address).
 * @param key     receives the key name (wire, lower case) when the entry has one
 * @param has_key set when it does
 * @return SL_OK or SL_ESYNTAX
 */
int sl_acl_entry_parse(const char *text, sl_prefix_t *prefix, uint8_t key[SL_NAME_MAXLEN],
		       bool *has_key);

/**
 * True when an entry of @p acl admits a client at @p sa (IPv4, IPv6 or
 * IPv4-mapped IPv6) authenticated with TSIG key @p key_name (NULL when the
 * request was not signed with a key we verified): its prefix, if any,
 * holds @p sa and its key, if any, equals @p key_name.
 */
bool sl_acl_match(const sl_acl_t *acl, const struct sockaddr *sa, const uint8_t *key_name);

#endif /* SL_CORE_ACL_H */
