/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"

static int parse_prefix(const char *text, sl_prefix_t *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	long bits = -1;

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		return SL_ESYNTAX;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return SL_ESYNTAX;
	unsigned max = out->family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return SL_ESYNTAX;
		bits = strtol(slash + 1, &end, 10);
		if (*end || bits < 0 || bits > (long)max)
			return SL_ESYNTAX;
	}
	out->len = (uint8_t)(bits < 0 ? max : (unsigned)bits);
	/* Host bits set ("10.1.2.3/8") are almost always a typo: refuse them. */
	for (unsigned i = out->len; i < max; i++)
		if (out->addr[i / 8] & (0x80 >> (i % 8)))
			return SL_ESYNTAX;
	return SL_OK;
}

int sl_prefix_parse(const char *text, sl_prefix_t *out)
{
	int rc = text ? parse_prefix(text, out) : SL_ESYNTAX;

	if (rc != SL_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* The address octets and family of @p sa, IPv4-mapped IPv6 as IPv4. */
static const uint8_t *sockaddr_bytes(const struct sockaddr *sa, int *family)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *addr;

	if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (sa->sa_family != AF_INET6)
		return NULL;
	addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(addr, mapped, 12) == 0) {
		*family = AF_INET;
		return addr + 12;
	}
	*family = AF_INET6;
	return addr;
}

bool sl_prefix_match(const sl_prefix_t *prefix, const struct sockaddr *sa)
{
	const uint8_t *addr;
	int family;

	if (!prefix || !sa || !(addr = sockaddr_bytes(sa, &family)))
		return false;
	return prefix->family == family && prefix_match(prefix->addr, addr, prefix->len);
}

int sl_acl_entry_parse(const char *text, sl_prefix_t *prefix, uint8_t key[SL_NAME_MAXLEN],
		       bool *has_key)
{
	static const uint8_t root[1] = { 0 };
	char addr[INET6_ADDRSTRLEN + 8];
	const char *k;
	size_t klen, alen;

	memset(prefix, 0, sizeof(*prefix));
	*has_key = false;
	if (!text)
		return SL_ESYNTAX;
	k = strncmp(text, "key:", 4) == 0 ? text : strstr(text, " key:");
	if (!k)
		return sl_prefix_parse(text, prefix);
	alen = (size_t)(k - text);
	if (k != text)
		k++;
	k += 4;
	klen = strlen(k);
	if (!klen || strchr(k, ' ') || sl_name_from_text(k, klen, root, key, &klen) != SL_OK)
		return SL_ESYNTAX;
	sl_name_tolower(key);
	*has_key = true;
	if (!alen)
		return SL_OK;
	if (alen >= sizeof(addr))
		return SL_ESYNTAX;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	return sl_prefix_parse(addr, prefix);
}

bool sl_acl_match(const sl_acl_t *acl, const struct sockaddr *sa, const uint8_t *key_name)
{
	const uint8_t *addr;
	int family;

	if (!acl || !sa || !(addr = sockaddr_bytes(sa, &family)))
		return false;
	for (size_t i = 0; i < acl->n; i++) {
		const sl_prefix_t *e = &acl->entry[i];
		const uint8_t *key = acl->key ? acl->key[i] : NULL;
		if (e->family && (e->family != family || !prefix_match(e->addr, addr, e->len)))
			continue;
		if (key && (!key_name || !sl_name_equal(key, key_name)))
			continue;
		if (e->family || key)
			return true;
	}
	return false;
}
