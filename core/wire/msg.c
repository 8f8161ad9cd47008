/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — DNS message parser (RFC 1035 §4, RFC 6891, RFC 7871, RFC 7873,
 * RFC 7828, RFC 5001, RFC 8945 placement of TSIG, RFC 9267 name decoding).
 *
 * One linear pass, no allocation. Every name goes through sl_name_unpack(),
 * which owns the bounds, pointer-direction and pointer-count rules; this
 * file only adds the message-level structure on top.
 */
#include <string.h>

#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/rr.h>

/* Smallest encodings: a question is root name + type + class, an RR is
 * root name + type + class + TTL + RDLENGTH. */
#define QUESTION_MINLEN 5
#define RR_MINLEN 11

/* Fixed part of an RR after its owner name. */
#define RR_FIXEDLEN 10

/* EDNS flag word bit for DNSSEC OK (RFC 3225). */
#define EDNS_DO 0x8000

/* ECS fixed part: FAMILY (2), SOURCE PREFIX-LENGTH (1), SCOPE PREFIX-LENGTH (1). */
#define ECS_HDRLEN 4
#define ECS_FAMILY_IPV4 1
#define ECS_FAMILY_IPV6 2

/* RFC 7873 §4: client cookie 8 octets, server cookie 8..32 octets. */
#define COOKIE_CLIENT_LEN 8
#define COOKIE_MIN_FULL 16
#define COOKIE_MAX_FULL 40

/* Records a FORMERR: the header parsed, so the caller can answer. */
static int formerr(sl_msg_t *msg, const char *why)
{
	msg->rcode = SL_RCODE_FORMERR;
	msg->error = why;
	return SL_EMALFORMED;
}

int sl_msg_rr_next(const uint8_t *wire, size_t len, size_t *pos, sl_rr_t *rr)
{
	size_t p = *pos;
	uint16_t rdlen;

	if (p >= len)
		return SL_EMALFORMED;
	/* SL_ELOOP and friends all mean "this RR cannot be read" to callers. */
	if (sl_name_unpack(wire, len, &p, rr->owner, &rr->owner_len) != SL_OK)
		return SL_EMALFORMED;
	if (len - p < RR_FIXEDLEN)
		return SL_EMALFORMED;
	rr->type = sl_read_u16(wire + p);
	rr->rclass = sl_read_u16(wire + p + 2);
	rr->ttl = sl_read_u32(wire + p + 4);
	rdlen = sl_read_u16(wire + p + 8);
	p += RR_FIXEDLEN;
	if (rdlen > len - p)
		return SL_EMALFORMED;
	rr->rdlen = rdlen;
	rr->rdata_pos = p;
	*pos = p + rdlen;
	return SL_OK;
}

/* RFC 7871 §6: strict validation, as gdnsd does; a query's scope must be 0. */
static int parse_ecs(sl_msg_t *msg, const uint8_t *opt, uint16_t olen, bool query)
{
	sl_ecs_t *ecs = &msg->edns.ecs;
	unsigned family, source, scope, maxbits, addrlen;

	if (ecs->present)
		return formerr(msg, "duplicate ECS option");
	if (olen < ECS_HDRLEN)
		return formerr(msg, "ECS option too short");
	family = sl_read_u16(opt);
	source = opt[2];
	scope = opt[3];
	if (family == ECS_FAMILY_IPV4)
		maxbits = 32;
	else if (family == ECS_FAMILY_IPV6)
		maxbits = 128;
	else
		return formerr(msg, "ECS family not IPv4 or IPv6");
	if (source > maxbits)
		return formerr(msg, "ECS source prefix too long for family");
	if (query ? scope != 0 : scope > maxbits)
		return formerr(msg, "ECS scope prefix invalid");
	addrlen = (source + 7) / 8;
	if ((unsigned)olen - ECS_HDRLEN != addrlen)
		return formerr(msg, "ECS address length does not match source prefix");
	/* Only the last address octet can hold bits beyond the prefix. */
	if (source % 8 != 0 && (opt[ECS_HDRLEN + addrlen - 1] & (0xFFu >> (source % 8))) != 0)
		return formerr(msg, "ECS address has bits set beyond source prefix");
	ecs->present = true;
	ecs->family = (uint16_t)family;
	ecs->source_prefix = (uint8_t)source;
	ecs->scope_prefix = (uint8_t)scope;
	memset(ecs->addr, 0, sizeof(ecs->addr));
	memcpy(ecs->addr, opt + ECS_HDRLEN, addrlen);
	return SL_OK;
}

static int parse_cookie(sl_msg_t *msg, const uint8_t *opt, uint16_t olen)
{
	sl_cookie_t *c = &msg->edns.cookie;

	if (c->present)
		return formerr(msg, "duplicate COOKIE option");
	if (olen != COOKIE_CLIENT_LEN && (olen < COOKIE_MIN_FULL || olen > COOKIE_MAX_FULL))
		return formerr(msg, "COOKIE option length invalid");
	c->present = true;
	memcpy(c->client, opt, COOKIE_CLIENT_LEN);
	c->server_len = (uint8_t)(olen - COOKIE_CLIENT_LEN);
	memcpy(c->server, opt + COOKIE_CLIENT_LEN, c->server_len);
	c->server_valid = false;
	return SL_OK;
}

/*
 * Decodes the OPT RR. Option errors win over BADVERS: the option TLV layout
 * is the same for every version, and a client that cannot encode it will not
 * do better after falling back to version 0.
 */
static int parse_opt(sl_msg_t *msg, const sl_rr_t *rr, size_t owner_pos)
{
	sl_edns_t *e = &msg->edns;
	const uint8_t *w = msg->wire;
	bool query = (msg->hdr.flags & SL_FLAG_QR) == 0;
	size_t p = rr->rdata_pos;
	size_t end = p + rr->rdlen;
	int rc;

	e->present = true;
	e->opt_pos = owner_pos;
	/* RFC 6891 §6.2.5: values below 512 are treated as 512. */
	e->payload = rr->rclass < SL_EDNS_MIN_PAYLOAD ? SL_EDNS_MIN_PAYLOAD : rr->rclass;
	e->ext_rcode = (uint8_t)(rr->ttl >> 24);
	e->version = (uint8_t)(rr->ttl >> 16);
	e->flags = (uint16_t)rr->ttl;
	e->do_bit = (e->flags & EDNS_DO) != 0;

	while (p < end) {
		uint16_t code, olen;

		if (end - p < 4)
			return formerr(msg, "truncated EDNS option header");
		code = sl_read_u16(w + p);
		olen = sl_read_u16(w + p + 2);
		p += 4;
		if (olen > end - p)
			return formerr(msg, "EDNS option overruns OPT RDATA");
		switch (code) {
		case SL_EDNS_OPT_NSID:
			/* RFC 5001 says empty from clients; any payload is harmless. */
			e->nsid = true;
			break;
		case SL_EDNS_OPT_ECS:
			rc = parse_ecs(msg, w + p, olen, query);
			if (rc != SL_OK)
				return rc;
			break;
		case SL_EDNS_OPT_COOKIE:
			rc = parse_cookie(msg, w + p, olen);
			if (rc != SL_OK)
				return rc;
			break;
		case SL_EDNS_OPT_KEEPALIVE:
			/* RFC 7828 §3.2.1: clients send no timeout; servers send 2 octets. */
			if (query ? olen != 0 : (olen != 0 && olen != 2))
				return formerr(msg, "edns-tcp-keepalive option length invalid");
			e->keepalive = true;
			break;
		default:
			/* Padding and unknown options are ignored (RFC 6891 §6.1.2). */
			break;
		}
		p += olen;
	}
	if (e->version > 0) {
		msg->rcode = SL_RCODE_BADVERS;
		msg->error = "unsupported EDNS version";
	}
	return SL_OK;
}

/* Walks the question section, remembering the first entry. */
static int parse_questions(sl_msg_t *msg, size_t *pos)
{
	uint8_t scratch[SL_NAME_MAXLEN];
	size_t p = *pos;

	for (unsigned i = 0; i < msg->hdr.qdcount; i++) {
		uint8_t *out = i == 0 ? msg->qname : scratch;
		size_t nlen;

		if (sl_name_unpack(msg->wire, msg->len, &p, out, &nlen) != SL_OK)
			return formerr(msg, "malformed question name");
		if (msg->len - p < 4)
			return formerr(msg, "truncated question");
		if (i == 0) {
			msg->qtype = sl_read_u16(msg->wire + p);
			msg->qclass = sl_read_u16(msg->wire + p + 2);
			/* Set last: a non-zero length promises a fully parsed question. */
			msg->qname_len = nlen;
		}
		p += 4;
	}
	*pos = p;
	return SL_OK;
}

/* Walks one RR section, enforcing OPT and TSIG placement. */
static int parse_section(sl_msg_t *msg, int section, uint16_t count, size_t *pos)
{
	bool additional = section == SL_SECTION_ADDITIONAL;
	size_t p = *pos;
	sl_rr_t rr;
	int rc;

	for (unsigned i = 0; i < count; i++) {
		size_t start = p;

		if (sl_msg_rr_next(msg->wire, msg->len, &p, &rr) != SL_OK)
			return formerr(msg, "malformed resource record");
		if (rr.type == SL_TYPE_OPT) {
			if (!additional)
				return formerr(msg, "OPT outside the additional section");
			if (rr.owner_len != 1)
				return formerr(msg, "OPT owner is not the root");
			/* RFC 6891 §6.1.1: more than one OPT is a FORMERR. */
			if (msg->edns.present)
				return formerr(msg, "more than one OPT record");
			rc = parse_opt(msg, &rr, start);
			if (rc != SL_OK)
				return rc;
		} else if (rr.type == SL_TYPE_TSIG) {
			/* RFC 8945 §5.1: TSIG anywhere but last in additional is FORMERR. */
			if (!additional || i + 1 != count)
				return formerr(msg, "TSIG is not the last record");
			msg->tsig_pos = start;
		}
	}
	*pos = p;
	return SL_OK;
}

int sl_msg_parse(const uint8_t *wire, size_t len, sl_msg_t *msg)
{
	size_t pos, need;
	int rc;

	memset(msg, 0, sizeof(*msg));
	msg->wire = wire;
	msg->len = len;
	if (wire == NULL || len < SL_HEADER_LEN) {
		msg->error = "message shorter than a DNS header";
		return SL_EMALFORMED;
	}
	msg->hdr.id = sl_read_u16(wire);
	msg->hdr.flags = sl_read_u16(wire + 2);
	msg->hdr.qdcount = sl_read_u16(wire + 4);
	msg->hdr.ancount = sl_read_u16(wire + 6);
	msg->hdr.nscount = sl_read_u16(wire + 8);
	msg->hdr.arcount = sl_read_u16(wire + 10);

	/*
	 * Reject counts that cannot possibly fit before walking anything, so a
	 * small packet claiming 65535 records costs nothing (CVE-2023-4408).
	 */
	need = (size_t)msg->hdr.qdcount * QUESTION_MINLEN +
	       ((size_t)msg->hdr.ancount + msg->hdr.nscount + msg->hdr.arcount) * RR_MINLEN;
	if (need > len - SL_HEADER_LEN)
		return formerr(msg, "section counts exceed message length");

	pos = SL_HEADER_LEN;
	msg->section_pos[SL_SECTION_QUESTION] = pos;
	rc = parse_questions(msg, &pos);
	if (rc != SL_OK)
		return rc;

	msg->section_pos[SL_SECTION_ANSWER] = pos;
	rc = parse_section(msg, SL_SECTION_ANSWER, msg->hdr.ancount, &pos);
	if (rc != SL_OK)
		return rc;
	msg->section_pos[SL_SECTION_AUTHORITY] = pos;
	rc = parse_section(msg, SL_SECTION_AUTHORITY, msg->hdr.nscount, &pos);
	if (rc != SL_OK)
		return rc;
	msg->section_pos[SL_SECTION_ADDITIONAL] = pos;
	rc = parse_section(msg, SL_SECTION_ADDITIONAL, msg->hdr.arcount, &pos);
	if (rc != SL_OK)
		return rc;
	msg->end_pos = pos;
	if (pos != len)
		return formerr(msg, "trailing data after the last record");
	return SL_OK;
}
