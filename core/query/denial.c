/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — DNSSEC denial of existence for answers from the zone store
 * (RFC 4035 §3.1.3, RFC 5155 §7.2): which NSEC or NSEC3 records, with their
 * RRSIGs, go in the authority section of a DO answer. answer.c decides the
 * kind of answer; this file proves what it says does not exist. Nothing
 * here allocates: lookups return pointers into the version, hashes and
 * hashed names live on the stack.
 */
#include <string.h>

#include <sluice/answer.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include "answer_int.h"

/* Remembers a wildcard a step used, once per wildcard (RFC 4035 §3.1.3.3). */
void sl_ans_visit_wildcard(struct answer *a, const sl_node_t *wc)
{
	if (!a->dnssec || (wc->flags & SL_NODE_NONAUTH))
		return;
	for (unsigned i = 0; i < a->nwilds; i++) {
		if (a->wilds[i].wc == wc)
			return;
	}
	if (a->nwilds < sizeof(a->wilds) / sizeof(a->wilds[0]))
		a->wilds[a->nwilds++] = (struct wvisit){wc, a->sname};
}

/*
 * The proofs follow knotd's choices (nsec_proofs.c), so that answers match
 * it record for record: each NSEC/NSEC3 goes in at most once, with its
 * RRSIGs, into the authority section; one that does not fit sets TC.
 */

/* Adds the @p type (NSEC or NSEC3) RRset of @p node with its RRSIGs, once. */
static void put_proof(struct answer *a, const sl_node_t *node, uint16_t type)
{
	const sl_rrset_t *rrset = node != NULL ? sl_node_rrset(node, type) : NULL;

	if (rrset == NULL)
		return;
	for (unsigned i = 0; i < a->nproved; i++) {
		if (a->proved[i] == node)
			return;
	}
	if (a->nproved < MAX_PROOFS)
		a->proved[a->nproved++] = node;
	(void)sl_resp_section(a->resp, SL_SECTION_AUTHORITY);
	if (sl_ans_put_signed(a, node->owner, node, rrset, rrset->ttl) != SL_OK)
		sl_resp_set_flags(a->resp, SL_FLAG_TC);
}

/* "*.<name>" into @p out. @return false when too long */
static bool wildcard_of(const uint8_t *name, uint8_t out[SL_NAME_MAXLEN])
{
	size_t len = sl_name_len(name);

	if (len + 2 > SL_NAME_MAXLEN)
		return false;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, name, len);
	return true;
}

static bool is_wildcard_name(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

/* The NSEC matching or covering @p name. */
static void put_nsec_for(struct answer *a, const uint8_t *name)
{
	put_proof(a, sl_zone_nsec_previous(a->ver, name), SL_TYPE_NSEC);
}

/* The NSEC3 node matching (@p want_match) or covering @p name, or NULL. */
static const sl_node_t *nsec3_for(struct answer *a, const uint8_t *name, bool want_match)
{
	uint8_t hash[SL_NSEC3_HASH_LEN];
	uint8_t owner[SL_NAME_MAXLEN];
	const sl_node_t *match, *cover;

	if (sl_nsec3_hash(name, a->salt, a->saltlen, a->iterations, hash) != SL_OK ||
	    sl_nsec3_owner(hash, sizeof(hash), a->apex->owner, owner) != SL_OK)
		return NULL;
	(void)sl_zone_nsec3_find(a->ver, owner, &match, &cover);
	return want_match ? match : cover;
}

/*
 * The closest provable encloser of @p name (RFC 5155 §7.2.1): from @p
 * closest up, the first authoritative name with an NSEC3. Its NSEC3 node
 * goes to *@p nsec3. @return the encloser's name (a suffix of @p name or of
 * the apex), or NULL
 */
static const uint8_t *provable_encloser(struct answer *a, const sl_node_t *closest,
					const sl_node_t **nsec3)
{
	const uint8_t *n = closest != NULL ? closest->owner : a->apex->owner;
	unsigned labels = sl_name_labels(n), apex_labels = sl_name_labels(a->apex->owner);

	if (labels < apex_labels)
		return NULL;
	for (;;) {
		const sl_node_t *node = sl_zone_find(a->ver, n);

		if ((node == NULL || !(node->flags & SL_NODE_NONAUTH)) &&
		    (*nsec3 = nsec3_for(a, n, true)) != NULL)
			return n;
		/* The apex is the last candidate (the root zone's is the root). */
		if (labels-- == apex_labels)
			return NULL;
		n += *n + 1;
	}
}

/* The ancestor of @p name (or itself) one label longer than @p ce. */
static const uint8_t *next_closer(const uint8_t *name, const uint8_t *ce)
{
	unsigned drop = sl_name_labels(name), cl = sl_name_labels(ce);

	if (drop <= cl)
		return NULL;
	for (drop -= cl + 1; drop > 0; drop--)
		name += *name + 1;
	return name;
}

/* Closest encloser proof (RFC 5155 §7.2.1) for @p name; returns the encloser. */
static const uint8_t *put_ce_proof(struct answer *a, const uint8_t *name, const sl_node_t *closest)
{
	const sl_node_t *ce_nsec3 = NULL;
	const uint8_t *ce = provable_encloser(a, closest, &ce_nsec3);
	const uint8_t *nc;

	if (ce == NULL)
		return NULL;
	put_proof(a, ce_nsec3, SL_TYPE_NSEC3);
	if ((nc = next_closer(name, ce)) != NULL)
		put_proof(a, nsec3_for(a, nc, false), SL_TYPE_NSEC3);
	return ce;
}

/* The name does not exist (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2). */
static void prove_nxdomain(struct answer *a)
{
	uint8_t wc[SL_NAME_MAXLEN];
	const sl_node_t *closest = a->lk.encloser != NULL ? a->lk.encloser : a->apex;

	if (a->nsec3) {
		const uint8_t *ce = put_ce_proof(a, a->pname, closest);

		if (ce != NULL && wildcard_of(ce, wc))
			put_proof(a, nsec3_for(a, wc, false), SL_TYPE_NSEC3);
		return;
	}
	put_nsec_for(a, a->pname);
	if (wildcard_of(closest->owner, wc))
		put_nsec_for(a, wc);
}

/*
 * A name left out of the NSEC3 chain by opt-out (RFC 5155 §6): an unsigned
 * delegation, or an empty non-terminal above only such delegations.
 */
static bool opted_out(struct answer *a, const sl_node_t *node)
{
	return ((node->flags & SL_NODE_DELEG) || node->nrrsets == 0) &&
	       nsec3_for(a, node->owner, true) == NULL;
}

/*
 * No RRset of the type at @p match (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3-5):
 * its NSEC (an empty non-terminal's covering one), or its NSEC3, plus the
 * closest encloser proof when the match is a wildcard or opted out.
 */
static void prove_nodata(struct answer *a, const sl_node_t *match)
{
	if (match == NULL)
		return;
	if (!a->nsec3) {
		if (match->nrrsets == 0)
			put_nsec_for(a, a->pname);
		else
			put_proof(a, match, SL_TYPE_NSEC);
		return;
	}
	put_proof(a, nsec3_for(a, match->owner, true), SL_TYPE_NSEC3);
	if ((is_wildcard_name(match->owner) && !is_wildcard_name(a->pname)) || opted_out(a, match))
		(void)put_ce_proof(a, a->pname, a->lk.encloser);
}

/* A referral: the DS RRset signed, or the proof that there is none (§3.1.4). */
static void prove_delegation(struct answer *a)
{
	const sl_rrset_t *ds = sl_node_rrset(a->cut, SL_TYPE_DS);

	if (ds != NULL) {
		(void)sl_resp_section(a->resp, SL_SECTION_AUTHORITY);
		if (sl_ans_put_signed(a, a->cut->owner, a->cut, ds, ds->ttl) != SL_OK)
			sl_resp_set_flags(a->resp, SL_FLAG_TC);
		return;
	}
	prove_nodata(a, a->cut);
}

/*
 * Wildcards the answer was synthesised from (RFC 4035 §3.1.3.3, RFC 5155
 * §7.2.6): the name they stood in for does not exist — its covering NSEC,
 * or the NSEC3 covering the next closer name of the wildcard's parent.
 */
static void prove_wildcards(struct answer *a)
{
	for (unsigned i = 0; i < a->nwilds; i++) {
		const uint8_t *sname = a->wilds[i].sname;
		const uint8_t *parent = a->wilds[i].wc->owner;

		if (is_wildcard_name(sname))
			continue;
		if (!a->nsec3) {
			put_nsec_for(a, sname);
			continue;
		}
		parent += *parent + 1;

		const sl_node_t *pnode = sl_zone_find(a->ver, parent);
		const sl_node_t *ce_nsec3 = NULL;
		const uint8_t *ce = provable_encloser(a, pnode, &ce_nsec3);
		const uint8_t *nc = ce != NULL ? next_closer(sname, ce) : NULL;

		if (nc != NULL)
			put_proof(a, nsec3_for(a, nc, false), SL_TYPE_NSEC3);
	}
}

void sl_ans_node_proof(struct answer *a, const sl_node_t *node)
{
	const sl_node_t *proof = a->nsec3 ? nsec3_for(a, node->owner, true) : node;
	uint16_t type = a->nsec3 ? SL_TYPE_NSEC3 : SL_TYPE_NSEC;
	const sl_rrset_t *rrset = proof != NULL ? sl_node_rrset(proof, type) : NULL;

	if (rrset != NULL)
		(void)sl_ans_put_signed(a, proof->owner, proof, rrset, rrset->ttl);
}

/* Reads the zone's NSEC3PARAM: NSEC3 denial when there is a usable one. */
void sl_ans_nsec3param(struct answer *a)
{
	const sl_rrset_t *p = sl_node_rrset(a->apex, SL_TYPE_NSEC3PARAM);
	const uint8_t *rd;
	uint16_t rdlen;

	if (p == NULL || !sl_zone_has_nsec3(a->ver) ||
	    (rd = sl_rrset_next(p, NULL, &rdlen)) == NULL || rdlen < 5 || rd[0] != 1 ||
	    5u + rd[4] > rdlen)
		return;
	a->nsec3 = true;
	a->iterations = (uint16_t)(rd[2] << 8 | rd[3]);
	a->saltlen = rd[4];
	a->salt = rd + 5;
}

/* The denial proofs of the final state (with DNSSEC only). */
void sl_ans_denial(struct answer *a, int state)
{
	if (!a->dnssec || (a->resp->flags & SL_FLAG_TC))
		return;
	switch (state) {
	case ST_MISS:
		prove_nxdomain(a);
		break;
	case ST_NODATA:
		prove_nodata(a, a->match != NULL ? a->match : a->lk.node);
		break;
	case ST_DELEG:
		prove_delegation(a);
		break;
	case ST_HIT:
		break;
	default:
		return;
	}
	prove_wildcards(a);
}
