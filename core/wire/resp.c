/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — response builder.
 *
 * Compression table: open addressing with linear probing over
 * SL_RESP_COMP_SLOTS slots (COMP_SMALL_SLOTS of them for messages of up to
 * COMP_SMALL_LIMIT octets). Each entry is the offset of a name suffix we
 * wrote (always the start of a literal label, never a pointer) plus a hash
 * of the suffix's lower-cased octets. Suffix hashes are computed from the
 * root outwards, so all suffixes of a name hash in one pass over it; a hit
 * is verified against the bytes already written, so collisions cost a
 * comparison, never a wrong pointer. Probing is capped, so the cost per name
 * is bounded by its labels times (probe cap + name length) regardless of
 * what the table holds.
 *
 * Entries are only ever removed newest-first (failed record, rollback,
 * reset), and every removed entry was inserted into a slot that was empty at
 * the time, so clearing the slots recorded in comp_log restores exactly the
 * earlier table: probe chains of the surviving entries are untouched.
 */
#include <limits.h>
#include <string.h>

#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>

#include "encoding.h"
#include "name_int.h"

/* A message of at most COMP_SMALL_LIMIT octets (every UDP answer) uses
 * only the first COMP_SMALL_SLOTS slots: clearing the whole table was an
 * eighth of a UDP query's instructions. Derived from the limit, which is
 * fixed at sl_resp_init(), so the table size never changes under a response. */
#define COMP_SMALL_LIMIT 4096
#define COMP_SMALL_SLOTS 512
/* Keep the load factor at 3/4 so probe chains stay short. */
#define COMP_MAX_ENTRIES(slots) ((slots) / 4 * 3)
/* Bounds the work of a lookup even when hashes collide on purpose. */
#define COMP_MAX_PROBES 16
/* A compression pointer holds 14 bits of offset. */
#define COMP_MAX_OFFSET 0x3FFF
#define COMP_POINTER 0xC000

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

/* Fixed part of an RR after its owner: type, class, TTL, RDLENGTH. */
#define RR_FIXEDLEN 10
/* OPT RR without options: root owner + fixed part. */
#define OPT_FIXEDLEN (1 + RR_FIXEDLEN)
/* Every EDNS option starts with OPTION-CODE and OPTION-LENGTH. */
#define OPTHDR_LEN 4
#define EDNS_DO 0x8000
/* Header bits sl_resp_set_flags() may touch: not opcode, not rcode. */
#define FLAG_BITS (SL_FLAG_QR | SL_FLAG_AA | SL_FLAG_TC | SL_FLAG_RD | SL_FLAG_RA | SL_FLAG_Z | \
		   SL_FLAG_AD | SL_FLAG_CD)
#define OPCODE_BITS 0x7800

/* Room left for records: the reserve stays free for sl_resp_finish(). */
static size_t body_max(const sl_resp_t *r)
{
	return r->limit > r->reserve ? r->limit - r->reserve : 0;
}

/* hs[i] is the hash of the suffix starting at label i, built from the root. */
static void suffix_hashes(const uint8_t *name, const uint8_t *lab, int n, uint32_t *hs)
{
	uint32_t h = FNV_OFFSET;

	for (int i = n - 1; i >= 0; i--) {
		const uint8_t *l = name + lab[i];

		h = (h ^ l[0]) * FNV_PRIME;
		for (unsigned j = 1; j <= l[0]; j++)
			h = (h ^ sl_lower_octet(l[j])) * FNV_PRIME;
		hs[i] = h;
	}
}

/* Slots of the compression table in use for @p r (a power of two). */
static unsigned comp_slots(const sl_resp_t *r)
{
	_Static_assert(COMP_SMALL_SLOTS <= SL_RESP_COMP_SLOTS, "small table fits the big one");
	return r->limit <= COMP_SMALL_LIMIT ? COMP_SMALL_SLOTS : SL_RESP_COMP_SLOTS;
}

/* FNV's low bits mix poorly; finalise (murmur3 fmix32) before masking. */
static unsigned comp_slot(uint32_t h, unsigned mask)
{
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	h *= 0xC2B2AE35u;
	h ^= h >> 16;
	return h & mask;
}

/*
 * True when the name at @p off of our own output (below @p end, following
 * our pointers) equals the uncompressed @p suffix, ignoring ASCII case.
 * Our pointers only go backwards and always land on a literal label, so
 * every hop is followed by a label and the loop is bounded by the labels of
 * @p suffix; the hop counter is belt and braces.
 */
static bool suffix_at(const uint8_t *buf, size_t end, size_t off, const uint8_t *suffix)
{
	unsigned hops = 0;

	for (;;) {
		uint8_t b;

		if (off >= end)
			return false;
		b = buf[off];
		if ((b & 0xC0) == 0xC0) {
			size_t target;

			if (off + 1 >= end || ++hops > SL_NAME_MAXLABELS)
				return false;
			target = sl_read_u16(buf + off) & COMP_MAX_OFFSET;
			if (target >= off)
				return false;
			off = target;
			continue;
		}
		if (b != suffix[0])
			return false;
		if (b == 0)
			return true;
		if (b > SL_LABEL_MAXLEN || off + 1 + b > end)
			return false;
		for (unsigned j = 1; j <= b; j++)
			if (sl_lower_octet(buf[off + j]) != sl_lower_octet(suffix[j]))
				return false;
		off += 1 + (size_t)b;
		suffix += 1 + b;
	}
}

/* Offset of a written copy of @p suffix (hash @p h), or 0 when none. */
static size_t comp_find(const sl_resp_t *r, size_t end, uint32_t h, const uint8_t *suffix)
{
	unsigned mask = comp_slots(r) - 1, slot = comp_slot(h, mask);

	for (unsigned k = 0; k < COMP_MAX_PROBES; k++, slot = (slot + 1) & mask) {
		uint16_t off = r->comp_off[slot];

		if (off == 0)
			return 0;
		if (r->comp_hash[slot] == h && suffix_at(r->buf, end, off, suffix))
			return off;
	}
	return 0;
}

/* Best effort: a full table or a long chain only costs compression. */
static void comp_insert(sl_resp_t *r, uint32_t h, size_t off)
{
	unsigned slots = comp_slots(r), slot = comp_slot(h, slots - 1);

	if (off > COMP_MAX_OFFSET || r->comp_used >= COMP_MAX_ENTRIES(slots))
		return;
	for (unsigned k = 0; k < COMP_MAX_PROBES; k++, slot = (slot + 1) & (slots - 1)) {
		if (r->comp_off[slot] == 0) {
			r->comp_off[slot] = (uint16_t)off;
			r->comp_hash[slot] = h;
			r->comp_log[r->comp_used++] = (uint16_t)slot;
			return;
		}
	}
}

/* comp_base until the question's suffixes are entered (see enter_question()). */
#define COMP_QUESTION_PENDING UINT_MAX

/* Entries that are never undone: the question's, once entered. */
static unsigned comp_floor(const sl_resp_t *r)
{
	return r->comp_base == COMP_QUESTION_PENDING ? 0 : r->comp_base;
}

/* Drops the entries added after the first @p used (never the question's),
 * newest first. */
static void comp_undo(sl_resp_t *r, unsigned used)
{
	if (used < comp_floor(r))
		used = comp_floor(r);
	while (r->comp_used > used)
		r->comp_off[r->comp_log[--r->comp_used]] = 0;
}

static int put_bytes(sl_resp_t *r, size_t *pos, size_t max, const uint8_t *src, size_t n)
{
	if (*pos > max || n > max - *pos)
		return SL_ESPACE;
	if (n > 0)
		memcpy(r->buf + *pos, src, n);
	*pos += n;
	return SL_OK;
}

/*
 * True when @p name is, octet for octet, the question's name (written
 * literally at the header's end). Compared one octet at a time: while the
 * octets agree the name has the question's label structure, so nothing
 * past its end is read. The root is left out (a pointer would be longer).
 */
static bool is_qname(const sl_resp_t *r, const uint8_t *name)
{
	const uint8_t *q = r->buf + SL_HEADER_LEN;
	size_t qlen;

	if (r->count[SL_SECTION_QUESTION] == 0 || r->qend < SL_HEADER_LEN + 4 + 2)
		return false;
	qlen = r->qend - SL_HEADER_LEN - 4;
	/* Label by label: equal length octets mean both hold that many. */
	for (size_t i = 0; i < qlen; i += 1 + (size_t)q[i]) {
		if (name[i] != q[i])
			return false;
		if (q[i] == 0)
			return true;
		if (memcmp(name + i + 1, q + i + 1, q[i]) != 0)
			return false;
	}
	return false;
}

/*
 * The question's name is written literally by sl_resp_init() but the table
 * is cleared and the name's suffixes entered only when a name other than
 * the question's itself is compressed: most answers never need them
 * (is_qname()). Nothing else can be in the table before, so they come first
 * and stay (comp_base).
 */
static void enter_question(sl_resp_t *r)
{
	uint8_t lab[SL_NAME_MAXLABELS + 1];
	uint32_t hs[SL_NAME_MAXLABELS];
	int n;

	/* The table was left uncleared too: most answers never use it. */
	memset(r->comp_off, 0, comp_slots(r) * sizeof(r->comp_off[0]));
	r->comp_base = 0;
	if (r->count[SL_SECTION_QUESTION] == 0)
		return;
	n = sl_name_label_offsets(r->buf + SL_HEADER_LEN, lab);
	if (n <= 0)
		return;
	suffix_hashes(r->buf + SL_HEADER_LEN, lab, n, hs);
	for (int i = 0; i < n; i++)
		comp_insert(r, hs[i], SL_HEADER_LEN + lab[i]);
	r->comp_base = r->comp_used;
}

/*
 * Writes @p name at *@p pos. With @p compress, the longest suffix already in
 * the message becomes a pointer and the suffixes written literally are
 * entered in the table; without, the name is copied verbatim and not
 * offered as a pointer target (RFC 3597 §4: other implementations may treat
 * that RDATA as opaque).
 */
static int put_name(sl_resp_t *r, size_t *pos, size_t max, const uint8_t *name, bool compress)
{
	uint8_t lab[SL_NAME_MAXLABELS + 1];
	uint32_t hs[SL_NAME_MAXLABELS];
	size_t start = *pos, target = 0, need;
	int n, match;

	/* Most owners are the question's name: a pointer to it, no hashing. */
	if (compress && is_qname(r, name)) {
		if (start > max || max - start < 2)
			return SL_ESPACE;
		sl_write_u16(r->buf + start, (uint16_t)(COMP_POINTER | SL_HEADER_LEN));
		*pos = start + 2;
		return SL_OK;
	}
	n = sl_name_label_offsets(name, lab);
	if (n < 0)
		return SL_EINVAL;
	if (compress && r->comp_base == COMP_QUESTION_PENDING)
		enter_question(r);
	match = n;
	if (compress) {
		suffix_hashes(name, lab, n, hs);
		for (int i = 0; i < n; i++) {
			target = comp_find(r, start, hs[i], name + lab[i]);
			if (target != 0) {
				match = i;
				break;
			}
		}
	}
	need = (size_t)lab[match] + (match < n ? 2 : 1);
	if (start > max || need > max - start)
		return SL_ESPACE;
	memcpy(r->buf + start, name, lab[match]);
	if (match < n)
		sl_write_u16(r->buf + start + lab[match], (uint16_t)(COMP_POINTER | target));
	else
		r->buf[start + lab[match]] = 0;
	if (compress)
		for (int i = 0; i < match; i++)
			comp_insert(r, hs[i], start + lab[i]);
	*pos = start + need;
	return SL_OK;
}

/*
 * Checks that the names sl_rdata_names() reported are in order and valid
 * within the RDATA, so put_rdata() can trust them; returns their lengths.
 */
static bool rdata_names_ok(const sl_rdata_names_t *names, const uint8_t *rdata, uint16_t rdlen,
			   size_t *nlen)
{
	size_t cur = 0;

	if (names->count > SL_RDATA_MAX_NAMES)
		return false;
	for (unsigned k = 0; k < names->count; k++) {
		size_t off = names->offset[k];
		int l;

		if (off < cur || off >= rdlen)
			return false;
		l = sl_name_check(rdata + off, rdlen - off);
		if (l <= 0)
			return false;
		nlen[k] = (size_t)l;
		cur = off + (size_t)l;
	}
	return true;
}

static int put_rdata(sl_resp_t *r, size_t *pos, size_t max, uint16_t type, const uint8_t *rdata,
		     uint16_t rdlen)
{
	const sl_rdata_desc_t *desc;
	sl_rdata_names_t names;
	size_t nlen[SL_RDATA_MAX_NAMES];
	size_t cur = 0;
	int rc;

	if (rdlen == 0)
		return SL_OK;
	/* Only RFC 1035's types may be compressed (RFC 3597 §4), all of them
	 * below 16 (sl_rdata_names() applies the same bound): the others
	 * (A, AAAA, TXT... most answers) go out verbatim at once. */
	if (type > SL_RDATA_LAST_COMPRESSIBLE_TYPE)
		return put_bytes(r, pos, max, rdata, rdlen);
	desc = sl_rdata_desc(type);
	if (desc == NULL || !(desc->flags & SL_RDD_COMPRESS))
		return put_bytes(r, pos, max, rdata, rdlen);
	/* Anything the name locator cannot vouch for goes out verbatim. */
	if (sl_rdata_names(type, rdata, rdlen, &names) != SL_OK || !names.compressible ||
	    names.count == 0 || !rdata_names_ok(&names, rdata, rdlen, nlen))
		return put_bytes(r, pos, max, rdata, rdlen);
	for (unsigned k = 0; k < names.count; k++) {
		size_t off = names.offset[k];

		rc = put_bytes(r, pos, max, rdata + cur, off - cur);
		if (rc != SL_OK)
			return rc;
		rc = put_name(r, pos, max, rdata + off, true);
		if (rc != SL_OK)
			return rc;
		cur = off + nlen[k];
	}
	return put_bytes(r, pos, max, rdata + cur, rdlen - cur);
}

int sl_resp_init(sl_resp_t *resp, uint8_t *buf, size_t cap, size_t limit, size_t reserve,
		 const sl_msg_t *query)
{
	size_t pos = SL_HEADER_LEN, max;
	uint16_t qflags = query->hdr.flags;
	int rc;

	resp->buf = buf;
	resp->cap = cap;
	if (limit > cap)
		limit = cap;
	if (limit > SL_MSG_MAXLEN)
		limit = SL_MSG_MAXLEN;
	resp->limit = limit;
	resp->reserve = reserve;
	resp->flags = (uint16_t)(SL_FLAG_QR | (qflags & (OPCODE_BITS | SL_FLAG_RD | SL_FLAG_CD)));
	resp->rcode = SL_RCODE_NOERROR;
	memset(resp->count, 0, sizeof(resp->count));
	resp->section = SL_SECTION_ANSWER;
	/* The table is cleared by enter_question() when a name first needs it. */
	resp->comp_used = 0;
	resp->comp_base = COMP_QUESTION_PENDING;
	resp->qend = 0;
	resp->len = 0;
	max = body_max(resp);
	/* A builder that failed here stays inert: len 0 makes every write fail. */
	if (buf == NULL || max < SL_HEADER_LEN)
		return SL_ESPACE;

	memset(buf, 0, SL_HEADER_LEN);
	sl_write_u16(buf, query->hdr.id);
	sl_write_u16(buf + 2, resp->flags);
	resp->len = resp->qend = SL_HEADER_LEN;
	if (query->hdr.qdcount != 1 || query->qname_len == 0)
		return SL_OK;

	/* First name: nothing to compress against; enter_question() later. */
	rc = put_name(resp, &pos, max, query->qname, false);
	if (rc == SL_OK && max - pos < 4)
		rc = SL_ESPACE;
	if (rc != SL_OK) {
		/* Header-only is still a usable (error) response. */
		comp_undo(resp, 0);
		return rc;
	}
	sl_write_u16(buf + pos, query->qtype);
	sl_write_u16(buf + pos + 2, query->qclass);
	pos += 4;
	resp->count[SL_SECTION_QUESTION] = 1;
	resp->len = resp->qend = pos;
	return SL_OK;
}

void sl_resp_reset(sl_resp_t *resp)
{
	comp_undo(resp, resp->comp_base);
	resp->len = resp->qend;
	for (int s = SL_SECTION_ANSWER; s <= SL_SECTION_ADDITIONAL; s++)
		resp->count[s] = 0;
	resp->section = SL_SECTION_ANSWER;
	resp->flags &= (uint16_t)~(SL_FLAG_AA | SL_FLAG_TC);
}

int sl_resp_section(sl_resp_t *resp, int section)
{
	if (section < SL_SECTION_ANSWER || section > SL_SECTION_ADDITIONAL ||
	    section < resp->section)
		return SL_EINVAL;
	resp->section = section;
	return SL_OK;
}

int sl_resp_add_rr(sl_resp_t *resp, const uint8_t *owner, uint16_t type, uint16_t rclass,
		   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t max = body_max(resp), pos = resp->len, rdstart;
	unsigned comp_mark = resp->comp_used;
	int rc;

	if (resp->len < SL_HEADER_LEN)
		return SL_ESPACE;
	if (owner == NULL || (rdata == NULL && rdlen != 0) || resp->section < SL_SECTION_ANSWER ||
	    resp->section > SL_SECTION_ADDITIONAL)
		return SL_EINVAL;
	if (resp->count[resp->section] == UINT16_MAX)
		return SL_ESPACE;

	rc = put_name(resp, &pos, max, owner, true);
	if (rc != SL_OK)
		goto undo;
	if (pos > max || max - pos < RR_FIXEDLEN) {
		rc = SL_ESPACE;
		goto undo;
	}
	sl_write_u16(resp->buf + pos, type);
	sl_write_u16(resp->buf + pos + 2, rclass);
	sl_write_u32(resp->buf + pos + 4, ttl);
	pos += RR_FIXEDLEN;
	rdstart = pos;
	rc = put_rdata(resp, &pos, max, type, rdata, rdlen);
	if (rc != SL_OK)
		goto undo;
	/* Compression only shrinks RDATA, so the length still fits 16 bits. */
	sl_write_u16(resp->buf + rdstart - 2, (uint16_t)(pos - rdstart));
	resp->len = pos;
	resp->count[resp->section]++;
	return SL_OK;
undo:
	/* Bytes past resp->len may be scribbled on; only the table needs undoing. */
	comp_undo(resp, comp_mark);
	return rc;
}

void sl_resp_mark(const sl_resp_t *resp, sl_resp_mark_t *mark)
{
	mark->len = resp->len;
	memcpy(mark->count, resp->count, sizeof(mark->count));
	mark->comp_used = resp->comp_used;
	mark->section = resp->section;
}

void sl_resp_rollback(sl_resp_t *resp, const sl_resp_mark_t *mark)
{
	/* A mark from before a reset (or from another response) cannot apply. */
	if (mark->len > resp->len || mark->len < resp->qend || mark->comp_used > resp->comp_used)
		return;
	comp_undo(resp, mark->comp_used);
	resp->len = mark->len;
	memcpy(resp->count, mark->count, sizeof(resp->count));
	resp->section = mark->section;
}

void sl_resp_set_flags(sl_resp_t *resp, uint16_t flags)
{
	resp->flags |= flags & FLAG_BITS;
}

void sl_resp_clear_flags(sl_resp_t *resp, uint16_t flags)
{
	resp->flags &= (uint16_t)~(flags & FLAG_BITS);
}

void sl_resp_set_rcode(sl_resp_t *resp, uint16_t rcode)
{
	resp->rcode = rcode & 0xFFF;
}

/* Sizes of the OPT RR's parts; an entry of 0 means "not sent". */
struct opt_plan {
	size_t nsid;
	size_t ecs;
	size_t ecs_addr;
	size_t cookie;
	size_t keepalive;
	size_t ede;
	size_t ede_text;
};

/* Only ECS states that could have come from sl_msg_parse() are echoed. */
static bool ecs_sendable(const sl_ecs_t *ecs)
{
	unsigned maxbits;

	if (ecs == NULL || !ecs->present)
		return false;
	if (ecs->family == 1)
		maxbits = 32;
	else if (ecs->family == 2)
		maxbits = 128;
	else
		return false;
	return ecs->source_prefix <= maxbits && ecs->scope_prefix <= maxbits;
}

/* Bounded strlen: EXTRA-TEXT can never exceed one message anyway. */
static size_t text_len(const char *s)
{
	size_t n = 0;

	while (n < SL_MSG_MAXLEN && s[n] != '\0')
		n++;
	return n;
}

static void opt_plan(const sl_resp_opt_t *opt, struct opt_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (opt->nsid != NULL)
		p->nsid = OPTHDR_LEN + (size_t)opt->nsid_len;
	if (ecs_sendable(opt->ecs)) {
		p->ecs_addr = ((size_t)opt->ecs->source_prefix + 7) / 8;
		p->ecs = OPTHDR_LEN + 4 + p->ecs_addr;
	}
	if (opt->cookie != NULL && opt->cookie_len > 0)
		p->cookie = OPTHDR_LEN + (size_t)opt->cookie_len;
	if (opt->keepalive >= 0)
		p->keepalive = OPTHDR_LEN + 2;
	if (opt->ede_code >= 0 && opt->ede_code <= UINT16_MAX) {
		p->ede = OPTHDR_LEN + 2;
		if (opt->ede_text != NULL)
			p->ede_text = text_len(opt->ede_text);
	}
}

static size_t opt_total(const struct opt_plan *p)
{
	return OPT_FIXEDLEN + p->nsid + p->ecs + p->cookie + p->keepalive + p->ede + p->ede_text;
}

size_t sl_resp_opt_size(const sl_resp_opt_t *opt)
{
	struct opt_plan p;

	if (opt == NULL)
		return 0;
	opt_plan(opt, &p);
	return opt_total(&p);
}

static uint8_t *put_opthdr(uint8_t *w, uint16_t code, size_t len)
{
	sl_write_u16(w, code);
	sl_write_u16(w + 2, (uint16_t)len);
	return w + OPTHDR_LEN;
}

/* Writes the OPT RR, shedding EDE text, then EDE, then NSID to make it fit. */
static int put_opt(sl_resp_t *r, const sl_resp_opt_t *opt)
{
	struct opt_plan p;
	size_t avail = r->limit > r->len ? r->limit - r->len : 0;
	uint16_t payload = opt->payload < SL_EDNS_MIN_PAYLOAD ? SL_EDNS_MIN_PAYLOAD : opt->payload;
	uint32_t ttl = (uint32_t)(r->rcode >> 4) << 24 | (opt->do_bit ? EDNS_DO : 0);
	uint8_t *w, *rdlen;

	opt_plan(opt, &p);
	if (opt_total(&p) > avail)
		p.ede_text = 0;
	if (opt_total(&p) > avail)
		p.ede = 0;
	if (opt_total(&p) > avail)
		p.nsid = 0;
	if (opt_total(&p) > avail || r->count[SL_SECTION_ADDITIONAL] == UINT16_MAX)
		return SL_ESPACE;

	w = r->buf + r->len;
	*w++ = 0;
	sl_write_u16(w, SL_TYPE_OPT);
	sl_write_u16(w + 2, payload);
	sl_write_u32(w + 4, ttl);
	rdlen = w + 8;
	sl_write_u16(rdlen, (uint16_t)(opt_total(&p) - OPT_FIXEDLEN));
	w += RR_FIXEDLEN;
	if (p.nsid != 0) {
		w = put_opthdr(w, SL_EDNS_OPT_NSID, opt->nsid_len);
		if (opt->nsid_len > 0)
			memcpy(w, opt->nsid, opt->nsid_len);
		w += opt->nsid_len;
	}
	if (p.ecs != 0) {
		unsigned rem = opt->ecs->source_prefix % 8;

		w = put_opthdr(w, SL_EDNS_OPT_ECS, 4 + p.ecs_addr);
		sl_write_u16(w, opt->ecs->family);
		w[2] = opt->ecs->source_prefix;
		w[3] = opt->ecs->scope_prefix;
		w += 4;
		memcpy(w, opt->ecs->addr, p.ecs_addr);
		/* RFC 7871 §6: bits beyond the source prefix must be zero. */
		if (rem != 0)
			w[p.ecs_addr - 1] &= (uint8_t)(0xFF00u >> rem);
		w += p.ecs_addr;
	}
	if (p.cookie != 0) {
		w = put_opthdr(w, SL_EDNS_OPT_COOKIE, opt->cookie_len);
		memcpy(w, opt->cookie, opt->cookie_len);
		w += opt->cookie_len;
	}
	if (p.keepalive != 0) {
		w = put_opthdr(w, SL_EDNS_OPT_KEEPALIVE, 2);
		sl_write_u16(w,
			     opt->keepalive > UINT16_MAX ? UINT16_MAX : (uint16_t)opt->keepalive);
		w += 2;
	}
	if (p.ede != 0) {
		w = put_opthdr(w, SL_EDNS_OPT_EDE, 2 + p.ede_text);
		sl_write_u16(w, (uint16_t)opt->ede_code);
		w += 2;
		if (p.ede_text != 0)
			memcpy(w, opt->ede_text, p.ede_text);
		w += p.ede_text;
	}
	r->len = (size_t)(w - r->buf);
	r->count[SL_SECTION_ADDITIONAL]++;
	return SL_OK;
}

/*
 * Extended rcodes (> 15) exist only with EDNS: their upper bits travel in the
 * OPT RR. Without an OPT RR the client could not read them, and the low bits
 * alone would say something else (BADVERS 16 would read as NOERROR), so the
 * header then says SERVFAIL.
 */
int sl_resp_finish(sl_resp_t *resp, const sl_resp_opt_t *opt)
{
	uint16_t rcode = resp->rcode & 0xF;
	int rc;

	if (resp->len < SL_HEADER_LEN)
		return SL_ESPACE;
	if (opt != NULL) {
		rc = put_opt(resp, opt);
		if (rc != SL_OK)
			return rc;
	} else if (resp->rcode > 0xF) {
		rcode = SL_RCODE_SERVFAIL;
	}
	sl_write_u16(resp->buf + 2, (uint16_t)((resp->flags & ~0xFu) | rcode));
	for (int s = 0; s < 4; s++)
		sl_write_u16(resp->buf + 4 + 2 * s, resp->count[s]);
	return (int)resp->len;
}
