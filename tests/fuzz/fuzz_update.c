/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for the update plugin's RFC 2136 code
 * (plugins/update/check.c, apply.c, policy.c): arbitrary bytes are parsed
 * as a message (the opcode forced to UPDATE), judged against a fixed policy,
 * prescanned for zone "upd.test.", and when the prescan accepts them,
 * applied — prerequisites and update section — inside a transaction on a
 * small zone, the SOA serial moved on, then committed or aborted by the
 * low bit of the message id. Every rcode must be one RFC 2136 allows at that
 * stage; a commit must leave a zone with an SOA. Any disagreement aborts.
 */
#include <stdlib.h>
#include <string.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/zone.h>
#include "qsbr.h"
#include "update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t apex[] = "\x03upd\x04test";
static sl_zone_t *zone;
static upd_rule_t rules[2];
static upd_policy_t policy = { rules, 2 };
static uint8_t buf[SL_MSG_MAXLEN];

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* The zone every input starts from; a commit that succeeded is rolled back by reloading it. */
static void load(void)
{
	static const uint8_t soa[] = "\x03ns1\x03upd\x04test\x00\x04host\x03upd\x04test\x00"
				     "\x00\x00\x00\x0a\x00\x00\x0e\x10\x00\x00\x02\x58"
				     "\x00\x01\x51\x80\x00\x00\x01\x2c";
	static const uint8_t ns1[] = "\x03ns1\x03upd\x04test";
	static const uint8_t www[] = "\x03www\x03upd\x04test";
	static const uint8_t alias[] = "\x05" "alias\x03upd\x04test";
	static const struct {
		const uint8_t *owner;
		uint16_t type;
		const uint8_t *rdata;
		uint16_t len;
	} rrs[] = {
		{ apex, SL_TYPE_SOA, soa, sizeof(soa) - 1 },
		{ apex, SL_TYPE_NS, ns1, sizeof(ns1) },
		{ ns1, SL_TYPE_A, (const uint8_t *)"\xc0\x00\x02\x35", 4 },
		{ www, SL_TYPE_A, (const uint8_t *)"\xc0\x00\x02\x01", 4 },
		{ alias, SL_TYPE_CNAME, www, sizeof(www) },
	};
	sl_zone_txn_t *txn;

	check(sl_zone_txn_begin(zone, SL_TXN_EMPTY, &txn) == SL_OK);
	for (size_t i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++)
		check(sl_zone_txn_add(txn, rrs[i].owner, rrs[i].type, 300,
				      rrs[i].rdata, rrs[i].len, NULL) == SL_OK);
	check(sl_zone_txn_commit(txn, NULL, NULL, 0) == SL_OK);
}

static void setup(void)
{
	zone = sl_zone_get(apex);
	check(zone != NULL);
	load();
	/* "k." may change anything below the apex; unsigned requests TXT at the apex only. */
	memcpy(rules[0].key, "\x01k", 3);
	rules[0].match = UPD_MATCH_SUBDOMAIN;
	memcpy(rules[0].name, apex, sizeof(apex));
	rules[0].any_type = true;
	rules[1].unsigned_only = true;
	rules[1].match = UPD_MATCH_NAME;
	memcpy(rules[1].name, apex, sizeof(apex));
	static uint16_t txt = SL_TYPE_TXT;
	rules[1].types = &txt;
	rules[1].ntypes = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_msg_t msg;
	const char *why;
	char text[512];

	if (!zone)
		setup();
	if (size < SL_HEADER_LEN || size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[2] = (uint8_t)((buf[2] & 0x87) | SL_OPCODE_UPDATE << 3);
	if (sl_msg_parse(buf, size, &msg) != SL_OK || msg.hdr.qdcount != 1)
		return 0;
	(void)upd_policy_allows(&policy, &msg, (const uint8_t *)"\x01k", text, sizeof(text));
	(void)upd_policy_allows(&policy, &msg, NULL, text, sizeof(text));
	uint16_t rcode = upd_prescan(&msg, apex, &why, NULL);
	check(rcode == SL_RCODE_NOERROR || rcode == SL_RCODE_FORMERR ||
	      rcode == SL_RCODE_NOTZONE || rcode == SL_RCODE_REFUSED);
	check(rcode == SL_RCODE_NOERROR || why != NULL);
	if (rcode != SL_RCODE_NOERROR)
		return 0;

	sl_zone_txn_t *txn;
	upd_outcome_t o;
	uint32_t old, now;
	check(sl_zone_txn_begin(zone, 0, &txn) == SL_OK);
	check(upd_txn_serial(txn, apex, &old));
	upd_apply(txn, apex, &msg, &o);
	check(o.rcode == SL_RCODE_NOERROR || o.rcode == SL_RCODE_YXDOMAIN ||
	      o.rcode == SL_RCODE_NXDOMAIN || o.rcode == SL_RCODE_YXRRSET ||
	      o.rcode == SL_RCODE_NXRRSET || o.rcode == SL_RCODE_SERVFAIL ||
	      o.rcode == SL_RCODE_REFUSED);
	check(upd_txn_serial(txn, apex, &now)); /* the SOA is never deleted */
	if (o.rcode != SL_RCODE_NOERROR || !o.changes || !(data[1] & 1)) {
		sl_zone_txn_abort(txn);
		return 0;
	}
	check(upd_bump_serial(txn, apex, old, UPD_SERIAL_INCREMENT, 0) == SL_OK);
	check(upd_txn_serial(txn, apex, &now) && upd_serial_gt(now, old));
	if (sl_zone_txn_commit(txn, NULL, NULL, 0) == SL_OK) {
		const sl_zone_version_t *v = sl_zone_current(zone);
		check(v && sl_node_rrset(sl_zone_apex(v), SL_TYPE_SOA) &&
		      sl_node_rrset(sl_zone_apex(v), SL_TYPE_NS));
		load();
		sl_qsbr_barrier();
	}
	return 0;
}
