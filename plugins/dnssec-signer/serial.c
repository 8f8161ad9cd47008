/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer SOA serial: RFC 1982 comparison and the serial policies
 * (increment, unixtime, dateserial — the spellings of the update plugin)
 * for the versions the signer itself commits (signature refresh).
 */
#include <string.h>
#include <time.h>

#include <sluice/rr.h>

#include "zsign.h"

bool zs_serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

uint32_t zs_serial_next(uint32_t old, enum zs_serial policy, time_t now)
{
	uint32_t want = old + 1;
	struct tm tm;

	if (policy == ZS_SERIAL_UNIXTIME)
		want = (uint32_t)now;
	else if (policy == ZS_SERIAL_DATESERIAL && gmtime_r(&now, &tm))
		want = (uint32_t)(tm.tm_year + 1900) * 1000000u + (uint32_t)(tm.tm_mon + 1) * 10000u +
		       (uint32_t)tm.tm_mday * 100u;
	if (!zs_serial_gt(want, old))
		want = old + 1;
	return want ? want : 1;   /* 0 reads as "unset" to some tools */
}

int zs_bump_serial(sl_zone_txn_t *txn, const uint8_t *apex, enum zs_serial policy, time_t now,
		   uint32_t *old, uint32_t *next)
{
	const sl_rrset_t *soa = sl_zone_txn_rrset(txn, apex, SL_TYPE_SOA);
	uint8_t rdata[2 * SL_NAME_MAXLEN + 20];
	const uint8_t *p;
	uint16_t len;
	int rc;

	if (!soa || !(p = sl_rrset_next(soa, NULL, &len)) || len < 22 || len > sizeof(rdata))
		return SL_EINVAL;
	uint32_t ttl = soa->ttl;
	const uint8_t *s = p + len - 20;   /* serial, refresh, retry, expire, minimum */

	memcpy(rdata, p, len);
	*old = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
	*next = zs_serial_next(*old, policy, now);
	zs_put32(rdata + len - 20, *next);
	if ((rc = sl_zone_txn_remove_rrset(txn, apex, SL_TYPE_SOA)) != SL_OK)
		return rc;
	return sl_zone_txn_add(txn, apex, SL_TYPE_SOA, ttl, rdata, len, "dnssec-signer");
}
