/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — zone transfers from the zone store: AXFR (RFC 5936) and IXFR
 * (RFC 1995).
 *
 * AXFR streams one pinned zone version: SOA, every RR of every node in
 * canonical order (the apex SOA skipped), SOA. The first message goes in
 * req->resp; the rest are built by the worker after the handler returns,
 * through the request's stream, so the stream state is malloc'd and holds a
 * version reference until it is freed.
 *
 * IXFR needs a journal of differences to send anything but "you are
 * current" or the whole zone; the store keeps none, so a client that is
 * behind gets an AXFR-style full transfer (RFC 1995 §4 allows it). A plugin
 * that keeps a journal (the planned sqlite-journal one) answers real
 * differences itself and can fall back to sl_answer_ixfr() when it cannot.
 */
#include <stdlib.h>

#include <sluice/answer.h>
#include <sluice/common.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include "request.h"

/* ---- AXFR --------------------------------------------------------------- */

enum axfr_phase {
	AXFR_SOA_FIRST,
	AXFR_BODY,
	AXFR_SOA_LAST,
	AXFR_DONE,
};

/* Where the transfer stands; malloc'd because it outlives the request. */
struct axfr {
	const sl_zone_version_t *ver;  /* referenced while the stream lives */
	bool ref;                      /* we hold a version reference */
	enum axfr_phase phase;
	const sl_node_t *apex;
	const sl_rrset_t *soa;
	sl_zone_iter_t it;
	const sl_node_t *node;         /* node being sent, NULL: fetch the next */
	uint16_t rrset;                /* index of the RRset being sent */
	const uint8_t *rd;             /* last RDATA of it already sent, NULL: none */
};

/* One RR ready to be written. */
struct axfr_rr {
	const uint8_t *owner;
	const sl_rrset_t *rrset;
	const uint8_t *rd;
	uint16_t rdlen;
};

/*
 * The next RR of the transfer without consuming it: the SOA, then every RR
 * of every node in canonical order (the apex SOA skipped), then the SOA.
 * @return false at the end
 */
static bool axfr_peek(struct axfr *x, struct axfr_rr *rr)
{
	for (;;) {
		switch (x->phase) {
		case AXFR_SOA_FIRST:
		case AXFR_SOA_LAST:
			rr->owner = x->apex->owner;
			rr->rrset = x->soa;
			rr->rd = sl_rrset_next(x->soa, NULL, &rr->rdlen);
			return rr->rd != NULL;
		case AXFR_DONE:
			return false;
		case AXFR_BODY:
			break;
		}
		if (x->node == NULL) {
			x->node = sl_zone_iter_next(&x->it);
			x->rrset = 0;
			x->rd = NULL;
			if (x->node == NULL) {
				x->phase = AXFR_SOA_LAST;
				continue;
			}
		}
		if (x->rrset >= x->node->nrrsets) {
			x->node = NULL;
			continue;
		}
		rr->rrset = &x->node->rrsets[x->rrset];
		if (x->node == x->apex && rr->rrset->type == SL_TYPE_SOA) {
			x->rrset++;
			continue;
		}
		rr->rd = sl_rrset_next(rr->rrset, x->rd, &rr->rdlen);
		if (rr->rd == NULL) {
			x->rrset++;
			x->rd = NULL;
			continue;
		}
		rr->owner = x->node->owner;
		return true;
	}
}

static void axfr_advance(struct axfr *x, const struct axfr_rr *rr)
{
	switch (x->phase) {
	case AXFR_SOA_FIRST:
		x->phase = AXFR_BODY;
		break;
	case AXFR_SOA_LAST:
		x->phase = AXFR_DONE;
		break;
	case AXFR_BODY:
		x->rd = rr->rd;
		break;
	case AXFR_DONE:
		break;
	}
}

/*
 * Packs as many RRs as fit into @p resp. @return 1 when more follow, 0 when
 * this message ends the transfer, an SL_E* code (SL_ESPACE) when an RR fits
 * no message at all
 */
static int axfr_fill(void *state, sl_resp_t *resp)
{
	struct axfr *x = state;
	struct axfr_rr rr;
	unsigned added = 0;

	sl_resp_set_flags(resp, SL_FLAG_AA);
	while (axfr_peek(x, &rr)) {
		int rc = sl_resp_add_rr(resp, rr.owner, rr.rrset->type, SL_CLASS_IN, rr.rrset->ttl,
					rr.rd, rr.rdlen);

		if (rc == SL_ESPACE && added > 0)
			return 1;
		if (rc != SL_OK)
			return rc;
		axfr_advance(x, &rr);
		added++;
	}
	return 0;
}

static void axfr_free(void *state)
{
	struct axfr *x = state;

	if (x == NULL)
		return;
	if (x->ref)
		sl_zone_version_unref(x->ver);
	free(x);
}

sl_result_t sl_answer_axfr(sl_request_t *req, const sl_zone_t *zone)
{
	const sl_zone_version_t *ver;
	struct axfr *x;
	int rc;

	/* RFC 5936 §4.2: AXFR is TCP-only. */
	if (req->transport != SL_TRANSPORT_TCP) {
		req->rcode = SL_RCODE_REFUSED;
		return SL_RESULT_ERROR;
	}
	ver = zone != NULL ? sl_zone_current(zone) : NULL;
	if (ver == NULL || sl_zone_apex(ver) == NULL ||
	    sl_node_rrset(sl_zone_apex(ver), SL_TYPE_SOA) == NULL) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	/* Only the apex names a zone to transfer (knotd: NOTAUTH). */
	if (!sl_name_equal(req->qname, sl_zone_name(zone))) {
		req->rcode = SL_RCODE_NOTAUTH;
		return SL_RESULT_ERROR;
	}

	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	x->ver = ver;
	x->phase = AXFR_SOA_FIRST;
	x->apex = sl_zone_apex(ver);
	x->soa = sl_node_rrset(x->apex, SL_TYPE_SOA);
	sl_zone_iter_init(&x->it, ver);

	rc = axfr_fill(x, req->resp);
	if (rc < 0) {
		axfr_free(x);
		sl_resp_reset(req->resp);
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	req->kind = SL_ANSWER_TRANSFER;
	if (rc == 0) {
		axfr_free(x);
		return SL_RESULT_DONE;
	}
	/* Later messages are built after this handler returns: pin the version. */
	sl_zone_version_ref(ver);
	x->ref = true;
	sl_stream_t stream = { .next = axfr_fill, .free = axfr_free, .state = x };
	if (sl_request_set_stream(req, &stream) != SL_OK) {
		axfr_free(x);
		sl_resp_reset(req->resp);
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	return SL_RESULT_DONE;
}

/* ---- IXFR --------------------------------------------------------------- */

bool sl_ixfr_client_serial(const sl_msg_t *q, uint32_t *serial)
{
	uint8_t rdata[SL_NAME_MAXLEN * 2 + 20];
	size_t pos = q->section_pos[SL_SECTION_AUTHORITY], len;
	sl_rr_t rr;

	for (unsigned i = 0; i < q->hdr.nscount; i++) {
		if (sl_msg_rr_next(q->wire, q->len, &pos, &rr) != SL_OK)
			return false;
		pos = rr.rdata_pos + rr.rdlen;
		if (rr.type != SL_TYPE_SOA ||
		    sl_rdata_unpack(SL_TYPE_SOA, q->wire, q->len, rr.rdata_pos, rr.rdlen, rdata,
				    sizeof(rdata), &len) != SL_OK)
			continue;
		/* Validated SOA RDATA: two names, then the serial. */
		size_t off = sl_name_len(rdata);
		off += sl_name_len(rdata + off);
		*serial = sl_read_u32(rdata + off);
		return true;
	}
	return false;
}

/* Answers with the zone's SOA alone ("you are current" / "use TCP"). */
static sl_result_t answer_soa_only(sl_request_t *req, const sl_zone_version_t *v)
{
	const sl_rrset_t *soa = sl_node_rrset(sl_zone_apex(v), SL_TYPE_SOA);
	uint16_t rdlen;
	const uint8_t *rdata = soa ? sl_rrset_next(soa, NULL, &rdlen) : NULL;

	sl_resp_set_flags(req->resp, SL_FLAG_AA);
	if (rdata && sl_resp_add_rr(req->resp, req->qname, SL_TYPE_SOA, SL_CLASS_IN, soa->ttl,
				    rdata, rdlen) != SL_OK)
		sl_resp_set_flags(req->resp, SL_FLAG_TC);
	req->kind = SL_ANSWER_POSITIVE;
	return SL_RESULT_DONE;
}

sl_result_t sl_answer_ixfr(sl_request_t *req, const sl_zone_t *zone)
{
	const sl_zone_version_t *v = zone != NULL ? sl_zone_current(zone) : NULL;
	uint32_t client;

	if (v == NULL) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	/* A transfer is of a whole zone: only its apex can be asked (as for AXFR). */
	if (!sl_name_equal(req->qname, sl_zone_name(zone))) {
		req->rcode = SL_RCODE_NOTAUTH;
		return SL_RESULT_ERROR;
	}
	if (!sl_ixfr_client_serial(req->query, &client)) {
		req->rcode = SL_RCODE_FORMERR;
		req->ede_text = "IXFR needs the client's SOA in the authority section";
		return SL_RESULT_ERROR;
	}
	/* RFC 1982 serial arithmetic: is the client at or past our serial? */
	if ((int32_t)(client - sl_zone_serial(v)) >= 0 || req->transport != SL_TRANSPORT_TCP)
		return answer_soa_only(req, v);
	return sl_answer_axfr(req, zone);
}
