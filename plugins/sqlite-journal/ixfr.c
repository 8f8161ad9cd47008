/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sqlite-journal — IXFR (RFC 1995) from the in-memory history.
 *
 * A reply is the current SOA, then for each change from the client's serial
 * on its difference sequence (the old SOA and the removed RRs, the new SOA
 * and the added RRs — jchange_t keeps them in that order), then the current
 * SOA again (§4). Over TCP the first message goes in req->resp and the rest
 * through a stream holding a history reference, so a change recorded
 * meanwhile never alters a transfer in progress. Nothing here reads SQLite.
 */
#include <stdlib.h>
#include <sluice/answer.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>

#include "journal.h"

enum ixfr_phase {
	IXFR_SOA_FIRST,
	IXFR_BODY,
	IXFR_SOA_LAST,
	IXFR_DONE,
};

/* Where a reply stands; malloc'd because a stream outlives the request. */
struct ixfr {
	jhist_t *hist;          /* referenced */
	enum ixfr_phase phase;
	size_t change;          /* index of the change being sent */
	size_t pos;             /* offset of its next RR */
	jrr_t soa;              /* the current SOA (first addition of the last change) */
};

/* The next RR of the reply without consuming it. @return false at the end */
static bool ixfr_peek(struct ixfr *x, jrr_t *rr)
{
	for (;;) {
		switch (x->phase) {
		case IXFR_SOA_FIRST:
		case IXFR_SOA_LAST:
			*rr = x->soa;
			return true;
		case IXFR_DONE:
			return false;
		case IXFR_BODY:
			break;
		}
		if (x->change >= x->hist->n) {
			x->phase = IXFR_SOA_LAST;
			continue;
		}
		size_t pos = x->pos;
		if (jchange_next(x->hist->ch[x->change], &pos, rr))
			return true;
		x->change++;
		x->pos = 0;
	}
}

static void ixfr_advance(struct ixfr *x)
{
	jrr_t rr;

	switch (x->phase) {
	case IXFR_SOA_FIRST:
		x->phase = IXFR_BODY;
		break;
	case IXFR_SOA_LAST:
		x->phase = IXFR_DONE;
		break;
	case IXFR_BODY:
		jchange_next(x->hist->ch[x->change], &x->pos, &rr);
		break;
	case IXFR_DONE:
		break;
	}
}

/*
 * Packs as many RRs as fit into @p resp. @return 1 when more follow, 0 when
 * this message ends the reply, -1 when an RR fits no message at all
 */
static int ixfr_fill(void *state, sl_resp_t *resp)
{
	struct ixfr *x = state;
	unsigned added = 0;
	jrr_t rr;

	sl_resp_set_flags(resp, SL_FLAG_AA);
	while (ixfr_peek(x, &rr)) {
		int rc = sl_resp_add_rr(resp, rr.owner, rr.type, SL_CLASS_IN, rr.ttl, rr.rdata,
					rr.rdlen);
		if (rc == SL_ESPACE && added > 0)
			return 1;
		if (rc != SL_OK)
			return -1;
		ixfr_advance(x);
		added++;
	}
	return 0;
}

static void ixfr_free(void *state)
{
	struct ixfr *x = state;

	if (!x)
		return;
	jhist_put(x->hist);
	free(x);
}

sl_result_t jixfr_answer(sl_request_t *req, const sl_zone_t *zone, jhist_t *hist,
			 bool *incremental)
{
	const sl_zone_version_t *v = sl_zone_current(zone);
	uint32_t client;
	long first;

	*incremental = false;
	/* Only a client whose serial starts a change we hold gets differences. */
	if (!hist || hist->n == 0 || !v || sl_zone_serial(v) != hist->serial ||
	    !sl_name_equal(req->qname, sl_zone_name(zone)) ||
	    !sl_ixfr_client_serial(req->query, &client) || client == hist->serial ||
	    (first = jhist_find(hist, client)) < 0)
		return sl_answer_ixfr(req, zone);

	struct ixfr *x = calloc(1, sizeof(*x));
	if (!x) {
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	const jchange_t *last = hist->ch[hist->n - 1];
	size_t soa_pos = last->add_off;
	jhist_ref(hist);
	x->hist = hist;
	x->change = (size_t)first;
	if (!jchange_next(last, &soa_pos, &x->soa) || x->soa.type != SL_TYPE_SOA) {
		ixfr_free(x);
		return sl_answer_ixfr(req, zone);
	}
	int rc = ixfr_fill(x, req->resp);
	if (rc != 0 && req->transport != SL_TRANSPORT_TCP) {
		/* RFC 1995 §2: a UDP reply that does not fit is the current SOA alone. */
		ixfr_free(x);
		sl_resp_reset(req->resp);
		return sl_answer_ixfr(req, zone);
	}
	if (rc < 0) {
		ixfr_free(x);
		sl_resp_reset(req->resp);
		req->rcode = SL_RCODE_SERVFAIL;
		return SL_RESULT_ERROR;
	}
	req->kind = SL_ANSWER_TRANSFER;
	*incremental = true;
	if (rc == 0) {
		ixfr_free(x);
		return SL_RESULT_DONE;
	}
	sl_stream_t stream = { .next = ixfr_fill, .free = ixfr_free, .state = x };
	if (sl_request_set_stream(req, &stream) != SL_OK) {
		ixfr_free(x);
		sl_resp_reset(req->resp);
		req->rcode = SL_RCODE_SERVFAIL;
		*incremental = false;
		return SL_RESULT_ERROR;
	}
	return SL_RESULT_DONE;
}
