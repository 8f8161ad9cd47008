/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * RFC 2136 inside a zone transaction: the prerequisites (§3.2) judged
 * against what the transaction sees now — earlier requests of the same
 * batch included — then the update section (§3.4.2) with its special rules:
 * the SOA is only replaced by one with a higher serial and never deleted,
 * the apex NS RRset never emptied, CNAME exclusivity (an add that would mix
 * a CNAME with other data is ignored, as §3.4.2.2 and BIND do), a new TTL
 * applies to the whole RRset (RFC 2181 §5.2, as BIND does). Then, when the
 * update did not raise it, the SOA serial moves on (upd_bump_serial()).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "update.h"

/* RRsets one name may have that we look at without allocating (the default cap is 100). */
#define UPD_TYPES_MAX 1024

/* One RR of the message, with its RDATA decompressed. */
typedef struct upd_rr {
	sl_rr_t rr;
	uint8_t rdata[SL_RDATA_MAXLEN];
	size_t rdlen;
} upd_rr_t;

static int read_rr(const sl_msg_t *msg, size_t *pos, upd_rr_t *u)
{
	if (sl_msg_rr_next(msg->wire, msg->len, pos, &u->rr) != SL_OK)
		return SL_EMALFORMED;
	u->rdlen = 0;
	if (u->rr.rdlen == 0)
		return SL_OK;
	return sl_rdata_unpack(u->rr.type, msg->wire, msg->len, u->rr.rdata_pos, u->rr.rdlen,
			       u->rdata, sizeof(u->rdata), &u->rdlen);
}

/* Lower-cases the names embedded in RDATA, in place (the store compares them so). */
static void rdata_lower(uint16_t type, uint8_t *rdata, size_t len)
{
	sl_rdata_names_t names;

	if (sl_rdata_names(type, rdata, len, &names) != SL_OK)
		return;
	for (unsigned i = 0; i < names.count; i++)
		sl_name_tolower(rdata + names.offset[i]);
}

/* RDATA equality as the store defines it (embedded names without case). */
static bool rdata_equal(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b,
			size_t blen)
{
	static _Thread_local uint8_t x[SL_RDATA_MAXLEN], y[SL_RDATA_MAXLEN];

	if (alen != blen)
		return false;
	if (!memcmp(a, b, alen))
		return true;
	memcpy(x, a, alen);
	memcpy(y, b, blen);
	rdata_lower(type, x, alen);
	rdata_lower(type, y, blen);
	return !memcmp(x, y, alen);
}

static bool rrset_has(const sl_rrset_t *set, uint16_t type, const uint8_t *rdata, size_t len)
{
	const uint8_t *p = NULL;
	uint16_t l;

	while (set && (p = sl_rrset_next(set, p, &l)))
		if (rdata_equal(type, p, l, rdata, len))
			return true;
	return false;
}

/* ---- prerequisites (§3.2) ------------------------------------------------ */

/*
 * The value-dependent prerequisites of one (owner, type) group, whose first
 * RR is the @p index-th, at @p first: the zone's RRset must hold exactly the
 * group's RDATA (repeats counted once). Nothing changes the transaction
 * while prerequisites are judged, so the RRset view stays valid.
 */
static uint16_t prereq_rrset(sl_zone_txn_t *txn, const sl_msg_t *msg, size_t first,
			     unsigned index, upd_rr_t *a, upd_rr_t *b)
{
	uint8_t owner[SL_NAME_MAXLEN];
	size_t pos = first;
	unsigned distinct = 0;

	if (read_rr(msg, &pos, a) != SL_OK)
		return SL_RCODE_FORMERR;
	uint16_t type = a->rr.type;
	memcpy(owner, a->rr.owner, a->rr.owner_len);
	const sl_rrset_t *set = sl_zone_txn_rrset(txn, owner, type);
	if (!set)
		return SL_RCODE_NXRRSET;
	pos = first;
	for (unsigned i = index; i < msg->hdr.ancount; i++) {
		size_t here = pos;
		if (read_rr(msg, &pos, a) != SL_OK)
			return SL_RCODE_FORMERR;
		if (a->rr.rclass != SL_CLASS_IN || a->rr.type != type ||
		    !sl_name_equal(a->rr.owner, owner))
			continue;
		if (!rrset_has(set, type, a->rdata, a->rdlen))
			return SL_RCODE_NXRRSET;
		bool dup = false;
		for (size_t q = first; q < here && !dup;) {
			if (read_rr(msg, &q, b) != SL_OK)
				return SL_RCODE_FORMERR;
			dup = b->rr.rclass == SL_CLASS_IN && b->rr.type == type &&
			      sl_name_equal(b->rr.owner, owner) &&
			      rdata_equal(type, a->rdata, a->rdlen, b->rdata, b->rdlen);
		}
		if (!dup)
			distinct++;
	}
	return set->count == distinct ? SL_RCODE_NOERROR : SL_RCODE_NXRRSET;
}

static uint16_t prereqs(sl_zone_txn_t *txn, const sl_msg_t *msg, upd_rr_t *a, upd_rr_t *b)
{
	size_t pos = msg->section_pos[SL_SECTION_ANSWER];
	uint16_t types[1];

	for (unsigned i = 0; i < msg->hdr.ancount; i++) {
		if (read_rr(msg, &pos, a) != SL_OK)
			return SL_RCODE_FORMERR;
		const sl_rr_t *rr = &a->rr;
		if (rr->rclass == SL_CLASS_ANY && rr->type == SL_TYPE_ANY) {
			if (!sl_zone_txn_types(txn, rr->owner, types, 0))
				return SL_RCODE_NXDOMAIN;
		} else if (rr->rclass == SL_CLASS_ANY) {
			if (!sl_zone_txn_rrset(txn, rr->owner, rr->type))
				return SL_RCODE_NXRRSET;
		} else if (rr->rclass == SL_CLASS_NONE && rr->type == SL_TYPE_ANY) {
			if (sl_zone_txn_types(txn, rr->owner, types, 0))
				return SL_RCODE_YXDOMAIN;
		} else if (rr->rclass == SL_CLASS_NONE) {
			if (sl_zone_txn_rrset(txn, rr->owner, rr->type))
				return SL_RCODE_YXRRSET;
		}
	}
	/* Value-dependent ones last (§3.2.5), one (owner, type) group at a time. */
	pos = msg->section_pos[SL_SECTION_ANSWER];
	for (unsigned i = 0; i < msg->hdr.ancount; i++) {
		size_t here = pos;
		if (read_rr(msg, &pos, a) != SL_OK)
			return SL_RCODE_FORMERR;
		if (a->rr.rclass != SL_CLASS_IN)
			continue;
		/* Judged with an earlier RR of its group already? */
		uint8_t owner[SL_NAME_MAXLEN];
		uint16_t type = a->rr.type;
		bool seen = false;
		memcpy(owner, a->rr.owner, a->rr.owner_len);
		size_t q = msg->section_pos[SL_SECTION_ANSWER];
		for (unsigned j = 0; j < i && !seen; j++) {
			sl_rr_t rr;
			if (sl_msg_rr_next(msg->wire, msg->len, &q, &rr) != SL_OK)
				return SL_RCODE_FORMERR;
			seen = rr.rclass == SL_CLASS_IN && rr.type == type &&
			       sl_name_equal(rr.owner, owner);
		}
		if (seen)
			continue;
		uint16_t rcode = prereq_rrset(txn, msg, here, i, a, b);
		if (rcode != SL_RCODE_NOERROR)
			return rcode;
	}
	return SL_RCODE_NOERROR;
}

/* ---- the update section (§3.4.2) ------------------------------------------ */

static bool signer_type(uint16_t type)
{
	return type == SL_TYPE_RRSIG || type == SL_TYPE_NSEC || type == SL_TYPE_NSEC3;
}

/* The SOA serial in SOA RDATA (two names, then the serial). */
static bool soa_serial(const uint8_t *rdata, size_t len, size_t *off, uint32_t *serial)
{
	int m = sl_name_check(rdata, len);
	if (m < 0)
		return false;
	int r = sl_name_check(rdata + m, len - (size_t)m);
	if (r < 0 || (size_t)(m + r) + 20 != len)
		return false;
	*off = (size_t)(m + r);
	*serial = (uint32_t)rdata[*off] << 24 | (uint32_t)rdata[*off + 1] << 16 |
		  (uint32_t)rdata[*off + 2] << 8 | rdata[*off + 3];
	return true;
}

bool upd_txn_serial(sl_zone_txn_t *txn, const uint8_t *apex, uint32_t *serial)
{
	const sl_rrset_t *soa = sl_zone_txn_rrset(txn, apex, SL_TYPE_SOA);
	const uint8_t *p;
	uint16_t len;
	size_t off;

	if (!soa || !(p = sl_rrset_next(soa, NULL, &len)))
		return false;
	return soa_serial(p, len, &off, serial);
}

/* Replaces an RRset by itself with another TTL. @return SL_OK or an SL_E* code */
static int rrset_retime(sl_zone_txn_t *txn, const uint8_t *owner, uint16_t type, uint32_t ttl)
{
	const sl_rrset_t *set = sl_zone_txn_rrset(txn, owner, type);
	uint8_t *copy;
	uint32_t len;
	int ret;

	if (!set)
		return SL_OK;
	len = set->data_len;
	copy = malloc(len ? len : 1);
	if (!copy)
		return SL_ENOMEM;
	memcpy(copy, set->data, len);
	ret = sl_zone_txn_remove_rrset(txn, owner, type);
	for (uint32_t off = 0; ret == SL_OK && off + 2 <= len;) {
		uint16_t l = (uint16_t)(copy[off] << 8 | copy[off + 1]);
		if (off + 2 + l > len)
			break;
		ret = sl_zone_txn_add(txn, owner, type, ttl, copy + off + 2, l, "update");
		off += 2 + (uint32_t)l;
	}
	free(copy);
	return ret;
}

/* Adds one RR, the RRset taking its TTL. @return SL_OK or an SL_E* code; *changed */
static int add_rr(sl_zone_txn_t *txn, const upd_rr_t *u, bool *changed)
{
	const sl_rrset_t *set = sl_zone_txn_rrset(txn, u->rr.owner, u->rr.type);
	int ret;

	*changed = false;
	if (set && set->ttl != u->rr.ttl) {
		ret = rrset_retime(txn, u->rr.owner, u->rr.type, u->rr.ttl);
		if (ret != SL_OK)
			return ret;
		*changed = true;
		set = sl_zone_txn_rrset(txn, u->rr.owner, u->rr.type);
	}
	if (rrset_has(set, u->rr.type, u->rdata, u->rdlen))
		return SL_OK;
	ret = sl_zone_txn_add(txn, u->rr.owner, u->rr.type, u->rr.ttl, u->rdata,
			      (uint16_t)u->rdlen, "update");
	if (ret == SL_OK)
		*changed = true;
	return ret;
}

/* An add (class IN). @return SL_OK or an SL_E* code */
static int update_add(sl_zone_txn_t *txn, const uint8_t *apex, const upd_rr_t *u,
		      upd_outcome_t *out)
{
	uint16_t types[UPD_TYPES_MAX];
	bool changed = false;
	int ret;
	bool apex_name = sl_name_equal(u->rr.owner, apex);

	if (u->rr.type == SL_TYPE_SOA) {
		uint32_t cur, serial;
		size_t off;
		/* Only at the apex, and only with a higher serial (§3.4.2.2). */
		if (!apex_name || !upd_txn_serial(txn, apex, &cur) ||
		    !soa_serial(u->rdata, u->rdlen, &off, &serial) || !upd_serial_gt(serial, cur))
			return SL_OK;
		ret = sl_zone_txn_remove_rrset(txn, apex, SL_TYPE_SOA);
		if (ret == SL_OK)
			ret = sl_zone_txn_add(txn, apex, SL_TYPE_SOA, u->rr.ttl, u->rdata,
					      (uint16_t)u->rdlen, "update");
		if (ret == SL_OK) {
			out->serial_set = true;
			out->changes++;
		}
		return ret;
	}
	size_t n = sl_zone_txn_types(txn, u->rr.owner, types, UPD_TYPES_MAX);
	if (n > UPD_TYPES_MAX)
		return SL_ELIMIT;
	bool has_cname = false, has_other = false;
	for (size_t i = 0; i < n; i++) {
		if (types[i] == SL_TYPE_CNAME)
			has_cname = true;
		else if (!signer_type(types[i]))
			has_other = true;
	}
	if (u->rr.type == SL_TYPE_CNAME) {
		/* A CNAME beside other data is ignored; an existing CNAME is replaced. */
		if (has_other || apex_name)
			return SL_OK;
		const sl_rrset_t *set = sl_zone_txn_rrset(txn, u->rr.owner, SL_TYPE_CNAME);
		if (set && !rrset_has(set, SL_TYPE_CNAME, u->rdata, u->rdlen)) {
			ret = sl_zone_txn_remove_rrset(txn, u->rr.owner, SL_TYPE_CNAME);
			if (ret != SL_OK)
				return ret;
			out->changes++;
		}
	} else if (has_cname) {
		return SL_OK; /* other data beside a CNAME: ignored */
	}
	ret = add_rr(txn, u, &changed);
	if (ret == SL_OK && changed)
		out->changes++;
	return ret;
}

/* A deletion (class ANY or NONE). @return SL_OK or an SL_E* code */
static int update_delete(sl_zone_txn_t *txn, const uint8_t *apex, const upd_rr_t *u,
			 upd_outcome_t *out)
{
	bool apex_name = sl_name_equal(u->rr.owner, apex);
	int ret;

	if (u->rr.rclass == SL_CLASS_ANY && u->rr.type == SL_TYPE_ANY) {
		/* Every RRset at the name; at the apex, SOA and NS stay; DNSSEC is the signer's. */
		uint16_t types[UPD_TYPES_MAX];
		size_t n = sl_zone_txn_types(txn, u->rr.owner, types, UPD_TYPES_MAX);
		if (n > UPD_TYPES_MAX)
			return SL_ELIMIT;
		for (size_t i = 0; i < n; i++) {
			if (signer_type(types[i]) ||
			    (apex_name && (types[i] == SL_TYPE_SOA || types[i] == SL_TYPE_NS)))
				continue;
			ret = sl_zone_txn_remove_rrset(txn, u->rr.owner, types[i]);
			if (ret == SL_OK)
				out->changes++;
			else if (ret != SL_ENOTFOUND)
				return ret;
		}
		return SL_OK;
	}
	if (u->rr.type == SL_TYPE_SOA)
		return SL_OK; /* the SOA is never deleted */
	if (u->rr.rclass == SL_CLASS_ANY) {
		if (apex_name && u->rr.type == SL_TYPE_NS)
			return SL_OK; /* the apex NS RRset is never deleted */
		ret = sl_zone_txn_remove_rrset(txn, u->rr.owner, u->rr.type);
	} else {
		if (apex_name && u->rr.type == SL_TYPE_NS) {
			const sl_rrset_t *ns = sl_zone_txn_rrset(txn, apex, SL_TYPE_NS);
			if (ns && ns->count <= 1)
				return SL_OK; /* nor emptied */
		}
		ret = sl_zone_txn_remove(txn, u->rr.owner, u->rr.type, u->rdata,
					 (uint16_t)u->rdlen);
	}
	if (ret == SL_OK)
		out->changes++;
	return ret == SL_ENOTFOUND ? SL_OK : ret;
}

void upd_apply(sl_zone_txn_t *txn, const uint8_t *apex, const sl_msg_t *msg,
	       upd_outcome_t *out)
{
	/* Two 64 KiB RDATA buffers: on the heap, the writer's stack stays small. */
	upd_rr_t *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	size_t pos;

	memset(out, 0, sizeof(*out));
	if (!a || !b) {
		out->rcode = SL_RCODE_SERVFAIL;
		out->why = "out of memory";
		goto done;
	}
	out->rcode = prereqs(txn, msg, a, b);
	if (out->rcode != SL_RCODE_NOERROR) {
		/* The prerequisite that failed is the last RR read. */
		out->why = "prerequisite not satisfied";
		if (out->rcode != SL_RCODE_FORMERR) {
			memcpy(out->name, a->rr.owner, a->rr.owner_len);
			out->type = a->rr.type;
		}
		goto done;
	}
	pos = msg->section_pos[SL_SECTION_AUTHORITY];
	for (unsigned i = 0; i < msg->hdr.nscount; i++) {
		int ret;
		if (read_rr(msg, &pos, a) != SL_OK) {
			out->rcode = SL_RCODE_FORMERR;
			out->why = "malformed update";
			out->txn_damaged = out->changes > 0;
			goto done;
		}
		if (a->rr.rclass == SL_CLASS_IN)
			ret = update_add(txn, apex, a, out);
		else
			ret = update_delete(txn, apex, a, out);
		if (ret != SL_OK) {
			out->rcode = ret == SL_ENOMEM ? SL_RCODE_SERVFAIL : SL_RCODE_REFUSED;
			out->why = ret == SL_ENOMEM ? "out of memory" : "a zone limit would be exceeded";
			out->txn_damaged = true;
			goto done;
		}
	}
done:
	free(a);
	free(b);
}

/* ---- the SOA serial -------------------------------------------------------- */

static uint32_t serial_next(uint32_t old, upd_serial_t policy, uint64_t now)
{
	uint32_t want = old + 1;

	if (policy == UPD_SERIAL_UNIXTIME) {
		want = (uint32_t)now;
	} else if (policy == UPD_SERIAL_DATESERIAL) {
		time_t t = (time_t)now;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			want = (uint32_t)(tm.tm_year + 1900) * 1000000u +
			       (uint32_t)(tm.tm_mon + 1) * 10000u + (uint32_t)tm.tm_mday * 100u;
	}
	if (!upd_serial_gt(want, old))
		want = old + 1;
	return want ? want : 1; /* 0 reads as "unset" to some tools: skip it */
}

int upd_bump_serial(sl_zone_txn_t *txn, const uint8_t *apex, uint32_t old, upd_serial_t policy,
		    uint64_t now)
{
	const sl_rrset_t *soa = sl_zone_txn_rrset(txn, apex, SL_TYPE_SOA);
	uint8_t rdata[2 * SL_NAME_MAXLEN + 20];
	const uint8_t *p;
	uint16_t len;
	uint32_t cur, ttl;
	size_t off;

	if (!soa || !(p = sl_rrset_next(soa, NULL, &len)) || len > sizeof(rdata))
		return SL_EINVAL;
	memcpy(rdata, p, len);
	ttl = soa->ttl;
	if (!soa_serial(rdata, len, &off, &cur))
		return SL_EINVAL;
	if (upd_serial_gt(cur, old))
		return SL_OK;
	uint32_t next = serial_next(old, policy, now);
	rdata[off] = (uint8_t)(next >> 24);
	rdata[off + 1] = (uint8_t)(next >> 16);
	rdata[off + 2] = (uint8_t)(next >> 8);
	rdata[off + 3] = (uint8_t)next;
	int ret = sl_zone_txn_remove_rrset(txn, apex, SL_TYPE_SOA);
	return ret == SL_OK ? sl_zone_txn_add(txn, apex, SL_TYPE_SOA, ttl, rdata, len, "update")
			    : ret;
}
