/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for the message parser and the response builder.
 *
 * Parses arbitrary bytes, walks every RR and decodes its RDATA, then feeds
 * the decoded records back through the response builder (echoing the EDNS
 * state the way the server would) and requires the result to parse again
 * with the same records. Any disagreement aborts, so the fuzzer reports it.
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What went into the response, to compare with what comes back out. */
typedef struct added {
	uint16_t type;
	uint16_t rdlen;
	size_t rd_off;
	uint8_t owner[SL_NAME_MAXLEN];
} added_t;

/* Large state lives in static storage; libFuzzer runs one input at a time. */
static sl_msg_t query, reparsed;
static sl_resp_t resp;
static uint8_t out[SL_MSG_MAXLEN];
static uint8_t rdpool[SL_MSG_MAXLEN];
static added_t added[SL_MSG_MAXLEN / 11 + 1];
static uint8_t rd[SL_RDATA_MAXLEN];

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Walks all RRs, decoding RDATA; adds the data records to the response. */
static unsigned walk_and_add(size_t *pooled)
{
	const sl_header_t *h = &query.hdr;
	uint16_t counts[4] = {0, h->ancount, h->nscount, h->arcount};
	size_t pos = query.section_pos[SL_SECTION_ANSWER];
	unsigned n = 0;
	bool full = false;

	for (int s = SL_SECTION_ANSWER; s <= SL_SECTION_ADDITIONAL; s++) {
		if (!full)
			check(sl_resp_section(&resp, s) == SL_OK);
		for (unsigned i = 0; i < counts[s]; i++) {
			sl_rr_t rr;
			size_t rdlen;
			int rc;

			check(sl_msg_rr_next(query.wire, query.len, &pos, &rr) == SL_OK);
			rc = sl_rdata_unpack(rr.type, query.wire, query.len, rr.rdata_pos, rr.rdlen,
					     rd, sizeof(rd), &rdlen);
			/* OPT and TSIG are the server's to write; bad RDATA is just skipped. */
			if (rc != SL_OK || full)
				continue;
			if (rr.type == SL_TYPE_OPT || rr.type == SL_TYPE_TSIG)
				continue;
			check(rdlen <= SL_RDATA_MAXLEN);
			rc = sl_resp_add_rr(&resp, rr.owner, rr.type, rr.rclass, rr.ttl, rd,
					    (uint16_t)rdlen);
			if (rc == SL_ESPACE) {
				full = true;
				sl_resp_set_flags(&resp, SL_FLAG_TC);
				continue;
			}
			check(rc == SL_OK);
			added[n].type = rr.type;
			added[n].rdlen = (uint16_t)rdlen;
			added[n].rd_off = *pooled;
			memcpy(added[n].owner, rr.owner, rr.owner_len);
			memcpy(rdpool + *pooled, rd, rdlen);
			*pooled += rdlen;
			n++;
		}
	}
	check(pos == query.len);
	return n;
}

/* The response must parse and hold exactly the records that were added. */
static void verify(int len, unsigned n)
{
	size_t pos;

	check(len > 0 && (size_t)len <= resp.limit);
	check(sl_msg_parse(out, (size_t)len, &reparsed) == SL_OK);
	check(reparsed.hdr.id == query.hdr.id);
	check(reparsed.hdr.qdcount == resp.count[0]);
	if (resp.count[0] == 1)
		check(reparsed.qname_len == query.qname_len &&
		      memcmp(reparsed.qname, query.qname, query.qname_len) == 0);
	pos = reparsed.section_pos[SL_SECTION_ANSWER];
	for (unsigned i = 0; i < n; i++) {
		sl_rdata_names_t names;
		sl_rr_t rr;
		size_t rdlen;
		const added_t *a = &added[i];

		check(sl_msg_rr_next(out, (size_t)len, &pos, &rr) == SL_OK);
		check(rr.type == a->type);
		/* Compression may borrow a suffix written in another case. */
		check(sl_name_equal(rr.owner, a->owner));
		check(sl_rdata_unpack(rr.type, out, (size_t)len, rr.rdata_pos, rr.rdlen, rd,
				      sizeof(rd), &rdlen) == SL_OK);
		check(rdlen == a->rdlen);
		if (sl_rdata_names(a->type, rdpool + a->rd_off, a->rdlen, &names) == SL_OK &&
		    names.count == 0)
			check(memcmp(rd, rdpool + a->rd_off, rdlen) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_resp_opt_t opt = {.payload = SL_EDNS_DEFAULT_PAYLOAD, .keepalive = -1, .ede_code = -1};
	uint8_t cookie[40];
	sl_ecs_t ecs;
	size_t pooled = 0, limit, reserve;
	unsigned n = 0;
	int rc, len;

	rc = sl_msg_parse(data, size, &query);
	if (rc != SL_OK && query.rcode == 0)
		return 0;

	if (query.edns.present && rc == SL_OK) {
		opt.do_bit = query.edns.do_bit;
		if (query.edns.nsid) {
			opt.nsid = (const uint8_t *)"fuzz-ns";
			opt.nsid_len = 7;
		}
		if (query.edns.ecs.present) {
			ecs = query.edns.ecs;
			ecs.scope_prefix = ecs.source_prefix;
			opt.ecs = &ecs;
		}
		if (query.edns.cookie.present) {
			memcpy(cookie, query.edns.cookie.client, 8);
			memcpy(cookie + 8, query.edns.cookie.server, query.edns.cookie.server_len);
			opt.cookie = cookie;
			opt.cookie_len = (uint8_t)(8 + query.edns.cookie.server_len);
		}
		if (query.edns.keepalive)
			opt.keepalive = 1200;
		opt.ede_code = 0;
		opt.ede_text = "fuzzing";
	}
	/* The query's RD bit picks the transport, so both size limits get exercised. */
	if (query.hdr.flags & SL_FLAG_RD)
		limit = SL_MSG_MAXLEN;
	else
		limit = query.edns.present ? query.edns.payload : SL_UDP_CLASSIC_MAX;
	reserve = query.edns.present ? sl_resp_opt_size(&opt) : 0;
	if (sl_resp_init(&resp, out, sizeof(out), limit, reserve, &query) != SL_OK)
		return 0;
	if (rc != SL_OK) {
		sl_resp_set_rcode(&resp, query.rcode);
		len = sl_resp_finish(&resp, NULL);
		verify(len, 0);
		return 0;
	}
	n = walk_and_add(&pooled);
	sl_resp_set_rcode(&resp, query.rcode);
	len = sl_resp_finish(&resp, query.edns.present ? &opt : NULL);
	verify(len, n);
	return 0;
}
