/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The RFC 2136 checks that need only the message: the prerequisite
 * section's form (§3.2) and the update section prescan (§3.4.1). They run
 * on the worker, before the request is queued, so a malformed or
 * out-of-zone update never reaches the writer.
 */
#include "update.h"

/* Types an update may never add or delete: the signer's (RFC 2136 §3.4.1.2 notes SIG/NXT). */
static bool dnssec_owned(uint16_t type)
{
	return type == SL_TYPE_RRSIG || type == SL_TYPE_NSEC || type == SL_TYPE_NSEC3;
}

/* Meta types other than ANY (which the classes ANY/NONE use as "every type"). */
static bool meta_not_any(uint16_t type)
{
	return type != SL_TYPE_ANY && sl_rrtype_is_meta(type);
}

/* RDATA that unpacks as valid for its type. */
static bool rdata_ok(const sl_msg_t *msg, const sl_rr_t *rr)
{
	static _Thread_local uint8_t buf[SL_RDATA_MAXLEN];
	size_t len;

	return sl_rdata_unpack(rr->type, msg->wire, msg->len, rr->rdata_pos, rr->rdlen, buf,
			       sizeof(buf), &len) == SL_OK;
}

static uint16_t prescan_prereqs(const sl_msg_t *msg, const uint8_t *apex, const char **why,
				sl_rr_t *rr)
{
	size_t pos = msg->section_pos[SL_SECTION_ANSWER];

	for (unsigned i = 0; i < msg->hdr.ancount; i++) {
		if (sl_msg_rr_next(msg->wire, msg->len, &pos, rr) != SL_OK) {
			*why = "malformed prerequisite";
			return SL_RCODE_FORMERR;
		}
		if (!sl_name_is_subdomain(rr->owner, apex)) {
			*why = "prerequisite name outside the zone";
			return SL_RCODE_NOTZONE;
		}
		if (rr->ttl != 0 || meta_not_any(rr->type)) {
			*why = "prerequisite with a TTL or a meta type";
			return SL_RCODE_FORMERR;
		}
		switch (rr->rclass) {
		case SL_CLASS_ANY:
		case SL_CLASS_NONE:
			if (rr->rdlen != 0) {
				*why = "prerequisite of class ANY/NONE with RDATA";
				return SL_RCODE_FORMERR;
			}
			break;
		case SL_CLASS_IN:
			if (rr->type == SL_TYPE_ANY || !rdata_ok(msg, rr)) {
				*why = "value-dependent prerequisite with bad RDATA or type ANY";
				return SL_RCODE_FORMERR;
			}
			break;
		default:
			*why = "prerequisite of another class";
			return SL_RCODE_FORMERR;
		}
	}
	return SL_RCODE_NOERROR;
}

static uint16_t prescan_updates(const sl_msg_t *msg, const uint8_t *apex, const char **why,
				sl_rr_t *rr)
{
	size_t pos = msg->section_pos[SL_SECTION_AUTHORITY];

	for (unsigned i = 0; i < msg->hdr.nscount; i++) {
		if (sl_msg_rr_next(msg->wire, msg->len, &pos, rr) != SL_OK) {
			*why = "malformed update";
			return SL_RCODE_FORMERR;
		}
		if (!sl_name_is_subdomain(rr->owner, apex)) {
			*why = "update name outside the zone";
			return SL_RCODE_NOTZONE;
		}
		switch (rr->rclass) {
		case SL_CLASS_IN:
			if (sl_rrtype_is_meta(rr->type) || rr->type == 0 || !rdata_ok(msg, rr) ||
			    rr->ttl > 0x7fffffffu) {
				*why = "update adding a meta type, bad RDATA or TTL";
				return SL_RCODE_FORMERR;
			}
			break;
		case SL_CLASS_ANY:
			if (rr->ttl != 0 || rr->rdlen != 0 || meta_not_any(rr->type)) {
				*why = "RRset deletion with a TTL, RDATA or a meta type";
				return SL_RCODE_FORMERR;
			}
			break;
		case SL_CLASS_NONE:
			if (rr->ttl != 0 || sl_rrtype_is_meta(rr->type) || !rdata_ok(msg, rr)) {
				*why = "RR deletion with a TTL, a meta type or bad RDATA";
				return SL_RCODE_FORMERR;
			}
			break;
		default:
			*why = "update of another class";
			return SL_RCODE_FORMERR;
		}
	}
	/* Only once the whole section is known to be well formed: DNSSEC records are the signer's. */
	pos = msg->section_pos[SL_SECTION_AUTHORITY];
	for (unsigned i = 0; i < msg->hdr.nscount; i++) {
		if (sl_msg_rr_next(msg->wire, msg->len, &pos, rr) != SL_OK)
			return SL_RCODE_FORMERR;
		if (dnssec_owned(rr->type)) {
			*why = "RRSIG, NSEC and NSEC3 records are not updated";
			return SL_RCODE_REFUSED;
		}
	}
	return SL_RCODE_NOERROR;
}

uint16_t upd_prescan(const sl_msg_t *msg, const uint8_t *apex, const char **why, sl_rr_t *rr)
{
	uint16_t rcode;
	sl_rr_t scratch;

	if (!rr)
		rr = &scratch;
	rr->owner_len = 0;
	*why = NULL;
	/* Judging RRset prerequisites is quadratic in their number: keep it small. */
	if (msg->hdr.ancount > UPD_MAX_PREREQS) {
		*why = "too many prerequisites";
		return SL_RCODE_REFUSED;
	}
	rcode = prescan_prereqs(msg, apex, why, rr);
	if (rcode == SL_RCODE_NOERROR)
		rcode = prescan_updates(msg, apex, why, rr);
	return rcode;
}
