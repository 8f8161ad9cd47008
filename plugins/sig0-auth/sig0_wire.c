/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Locating and reading a SIG(0) RR (RFC 2931 §3), the time window, key tags
 * (RFC 4034 Appendix B) and which KEY/DNSKEY records may sign.
 */
#include <string.h>
#include "sig0.h"

/* SIG RDATA fixed part: covered(2) alg(1) labels(1) ttl(4) expiration(4) inception(4) tag(2). */
#define SIG_FIXED 18

const char *sig0_status_text(sig0_status_t st)
{
	switch (st) {
	case SIG0_NONE: return "no SIG(0)";
	case SIG0_OK: return "verified";
	case SIG0_E_FORMAT: return "malformed or misplaced SIG(0)";
	case SIG0_E_ALG: return "unsupported algorithm";
	case SIG0_E_TIME: return "signature time outside the window";
	case SIG0_E_NOKEY: return "no usable KEY for the signer";
	case SIG0_E_CANDIDATES: return "too many candidate keys";
	case SIG0_E_BADSIG: return "signature does not verify";
	case SIG0_E_REPLAY: return "replayed signature";
	case SIG0_E_BUDGET: return "verification budget exhausted";
	case SIG0_E_RESOURCE: return "out of resources";
	}
	return "?";
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads the uncompressed name at rdata[*pos] (no pointers allowed), lower-cased. */
static bool read_signer(const uint8_t *rdata, size_t rdlen, size_t *pos, uint8_t *out)
{
	size_t p = *pos, n = 0;

	for (;;) {
		if (p >= rdlen)
			return false;
		uint8_t l = rdata[p];
		if (l & 0xC0)
			return false; /* compression or extended labels: RFC 2931 §3 forbids */
		if (n + 1u + l > SL_NAME_MAXLEN || p + 1u + l > rdlen)
			return false;
		memcpy(out + n, rdata + p, 1u + l);
		n += 1u + l;
		p += 1u + l;
		if (!l)
			break;
	}
	*pos = p;
	sl_name_tolower(out);
	return true;
}

sig0_status_t sig0_find(const sl_msg_t *msg, sig0_sig_t *out)
{
	size_t pos = msg->section_pos[SL_SECTION_ANSWER];
	unsigned total = (unsigned)msg->hdr.ancount + msg->hdr.nscount + msg->hdr.arcount;
	unsigned first_additional = (unsigned)msg->hdr.ancount + msg->hdr.nscount;
	bool found = false;
	sl_rr_t rr;

	if (!msg->hdr.arcount)
		return SIG0_NONE;
	/* Skip to the additional section without decoding the RRs before it. */
	pos = msg->section_pos[SL_SECTION_ADDITIONAL];
	for (unsigned i = first_additional; i < total; i++) {
		size_t start = pos;
		if (sl_msg_rr_next(msg->wire, msg->len, &pos, &rr) != SL_OK)
			return SIG0_E_FORMAT;
		if (rr.type != SL_TYPE_SIG)
			continue;
		if (found || i != total - 1)
			return SIG0_E_FORMAT; /* must be the last RR, and alone */
		found = true;
		out->rr_pos = start;
		out->rdata = msg->wire + rr.rdata_pos;
		out->rdlen = rr.rdlen;
		if (rr.owner_len != 1 || rr.rclass != SL_CLASS_ANY || rr.ttl != 0)
			return SIG0_E_FORMAT;
	}
	if (!found)
		return SIG0_NONE;
	const uint8_t *r = out->rdata;
	if (out->rdlen < SIG_FIXED + 1 || r[0] || r[1] || r[3])
		return SIG0_E_FORMAT; /* type covered 0, labels 0 */
	out->alg = r[2];
	out->expiration = get32(r + 8);
	out->inception = get32(r + 12);
	out->key_tag = (uint16_t)(r[16] << 8 | r[17]);
	size_t p = SIG_FIXED;
	if (!read_signer(r, out->rdlen, &p, out->signer) || p >= out->rdlen)
		return SIG0_E_FORMAT;
	out->sigdata_len = (uint16_t)p;
	out->sig = r + p;
	out->sig_len = (uint16_t)(out->rdlen - p);
	return SIG0_OK;
}

bool sig0_time_ok(const sig0_sig_t *sig, uint32_t now, uint32_t fudge)
{
	/* Serial arithmetic: differences as signed 32-bit numbers. */
	int64_t after_inception = (int32_t)(now - sig->inception);
	int64_t before_expiry = (int32_t)(sig->expiration - now);
	return after_inception >= -(int64_t)fudge && before_expiry >= -(int64_t)fudge &&
	       (int32_t)(sig->expiration - sig->inception) >= 0;
}

uint16_t sig0_key_tag(const uint8_t *rdata, size_t rdlen)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += ac >> 16 & 0xFFFF;
	return (uint16_t)(ac & 0xFFFF);
}

bool sig0_key_matches(const uint8_t *rdata, size_t rdlen, bool dnskey, uint8_t alg, uint16_t tag)
{
	if (rdlen < 5 || rdata[2] != 3 || rdata[3] != alg)
		return false;
	uint16_t flags = (uint16_t)(rdata[0] << 8 | rdata[1]);
	if (dnskey) {
		if (!(flags & 0x0100) || (flags & 0x0080))
			return false; /* ZONE flag required, REVOKE refused (RFC 5011) */
	} else if (flags & 0x8000) {
		return false; /* A/C = 10 (no authentication) or 11 (no key) */
	}
	return sig0_key_tag(rdata, rdlen) == tag;
}
