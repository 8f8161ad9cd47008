/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "acl.h"

int sl_acl_parse_prefix(const char *text, sl_acl_entry_t *out)
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
	out->prefix = (uint8_t)(bits < 0 ? max : (unsigned)bits);
	/* Host bits set ("10.1.2.3/8") are almost always a typo: refuse them. */
	for (unsigned i = out->prefix; i < max; i++)
		if (out->addr[i / 8] & (0x80 >> (i % 8)))
			return SL_ESYNTAX;
	return SL_OK;
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

bool sl_acl_match(const sl_acl_t *acl, const struct sockaddr *sa)
{
	const uint8_t *addr;
	int family;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!acl || !sa)
		return false;
	if (sa->sa_family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		family = AF_INET6;
		if (memcmp(addr, mapped, 12) == 0) {
			addr += 12;
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < acl->n; i++)
		if (acl->entry[i].family == family &&
		    prefix_match(acl->entry[i].addr, addr, acl->entry[i].prefix))
			return true;
	return false;
}
