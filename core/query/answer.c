/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice — authoritative answers from the zone store.
 *
 * The query algorithm is RFC 1034 §4.3.2 as Knot DNS 3.x implements it, so
 * that sluiced and knotd answer the same zone the same way, section by
 * section. The name being resolved (sname) starts as the question's name;
 * each step looks it up once and either ends (data, NODATA, NXDOMAIN,
 * referral, truncation) or adds a CNAME/DNAME and moves sname to its target
 * (FOLLOW). The loop is iterative and bounded by SL_ANSWER_MAX_CNAME, so
 * neither hostile zone data nor hostile queries can recurse or spin.
 *
 * Where servers differ, this follows knotd (checked against knotd 3.2):
 *  - ANY (RFC 8482) returns the node's first RRset, i.e. the lowest type,
 *    over UDP and TCP alike;
 *  - a CNAME chain ends with the rcode of its last name: NXDOMAIN (with the
 *    SOA) when the last target does not exist in the zone, NOERROR when it
 *    leaves the zone, loops, or exceeds the hop limit;
 *  - AA is decided by the first step: a chain that walks into a delegation
 *    keeps AA and carries the referral in authority;
 *  - an answer or authority RRset that does not fit is left out whole, TC is
 *    set and nothing more is added; additional records that do not fit are
 *    skipped silently, except referral glue below the cut (RFC 9471), whose
 *    loss sets TC — every other glue record that fits is still added;
 *  - additional A/AAAA come from the targets of NS, MX, SRV, SVCB and HTTPS
 *    (plus the target's own SVCB/HTTPS RRset for those, as Knot does),
 *    including targets covered by a wildcard, under the target's name; the
 *    apex NS RRset is not added to positive answers.
 * and deliberately differs from knotd where it is laxer:
 *  - a SOA that does not fit sets TC (knotd drops it silently, leaving a
 *    negative answer that cannot be cached, RFC 2308 §5);
 *  - a target named twice gets its addresses once (knotd repeats them), and
 *    at most SL_ANSWER_MAX_ADDITIONAL targets are looked up (knotd: all);
 *  - at most SL_ANSWER_MAX_CNAME hops are followed (knotd: 5);
 *  - names below a DNAME are always rewritten (RFC 6672 §2.4; the zone
 *    store refuses data there, as knotd does), and YXDOMAIN ends the answer
 *    (knotd goes on resolving the DNAME target itself);
 *  - a DNAME is applied once per answer: one whose target is at or below its
 *    own owner (or that the chain reaches again) gives the DNAME and one
 *    synthesised CNAME, then the chain ends (knotd repeats it 5 times).
 *
 * Names plugins answer work like zone data: every CNAME/DNAME target is
 * first offered through sl_request_chase() (request.h) to the plugins that
 * would see it were it asked directly — the instances before the caller in
 * this zone's chain, or another served zone's chain. When one answers, its
 * records end the chain (ST_PLUGIN); otherwise the rules above apply. While
 * another zone's chain is offered a target, sl_answer_query() passes, so a
 * chain still never continues into another zone's data.
 *
 * Nothing here allocates on the query path: lookups return pointers into the
 * version, and the few names we build live in struct answer on the stack.
 * Zone transfers (sl_answer_axfr(), sl_answer_ixfr()) are in xfr.c, the
 * DNSSEC denial proofs of DO answers in denial.c (answer_int.h is the
 * state both share).
 */
#include <string.h>

#include <sluice/answer.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>
#include <sluice/zone.h>
#include "answer_int.h"
#include "request.h"

/* Smallest additional RR: compressed owner, fixed part, IPv4 address. */
#define MIN_ADDR_RR (2 + 10 + 4)
/* SOA RDATA ends with five 32-bit fields; MINIMUM is the last. */
#define SOA_MIN_RDLEN (1 + 1 + 20)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Bytes left for records before the builder's limit and reserve. */
static size_t room(const sl_resp_t *resp)
{
	size_t max = resp->limit > resp->reserve ? resp->limit - resp->reserve : 0;

	return max > resp->len ? max - resp->len : 0;
}

int sl_ans_put_rrset(sl_resp_t *resp, const uint8_t *owner, const sl_rrset_t *rrset,
		     uint32_t ttl)
{
	sl_resp_mark_t mark;
	const uint8_t *rd = NULL;
	uint16_t rdlen;

	sl_resp_mark(resp, &mark);
	while ((rd = sl_rrset_next(rrset, rd, &rdlen)) != NULL) {
		int rc = sl_resp_add_rr(resp, owner, rrset->type, SL_CLASS_IN, ttl, rd, rdlen);

		if (rc != SL_OK) {
			sl_resp_rollback(resp, &mark);
			return rc;
		}
	}
	return SL_OK;
}

/*
 * With DNSSEC, the RRSIGs at @p node covering @p type under @p owner, TTL
 * capped at @p ttl_max (the negative TTL for the SOA of a negative answer).
 * The caller has marked the message: on SL_ESPACE it rolls back the RRset
 * these sign, so an RRset never goes without its signatures (RFC 4035
 * §3.1.1).
 */
static int put_rrsigs(struct answer *a, const uint8_t *owner, const sl_node_t *node,
		      uint16_t type, uint32_t ttl_max)
{
	const sl_rrset_t *sig;

	if (!a->dnssec || (sig = sl_node_rrsig(node, type)) == NULL)
		return SL_OK;
	return sl_ans_put_rrset(a->resp, owner, sig, sig->ttl < ttl_max ? sig->ttl : ttl_max);
}

int sl_ans_put_with_rrsigs(struct answer *a, const uint8_t *owner, const sl_node_t *node,
			   const sl_rrset_t *rrset, uint32_t ttl)
{
	sl_resp_mark_t mark;
	int rc;

	sl_resp_mark(a->resp, &mark);
	rc = sl_ans_put_rrset(a->resp, owner, rrset, ttl);
	if (rc == SL_OK)
		rc = put_rrsigs(a, owner, node, rrset->type, ttl);
	if (rc != SL_OK)
		sl_resp_rollback(a->resp, &mark);
	return rc;
}

/* The single domain name that makes up CNAME/DNAME RDATA, or NULL. */
static const uint8_t *rdata_target(const sl_rrset_t *rrset)
{
	uint16_t rdlen;
	const uint8_t *rd = sl_rrset_next(rrset, NULL, &rdlen);

	if (rd == NULL || sl_name_check(rd, rdlen) != (int)rdlen)
		return NULL;
	return rd;
}

/* The target name inside NS/MX/SRV/SVCB/HTTPS RDATA, or NULL. */
static const uint8_t *rdata_host(uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
	sl_rdata_names_t names;
	size_t off;

	if (sl_rdata_names(type, rd, rdlen, &names) != SL_OK || names.count == 0)
		return NULL;
	off = names.offset[0];
	if (off >= rdlen || sl_name_check(rd + off, rdlen - off) <= 0)
		return NULL;
	return rd + off;
}

static bool wants_additional(uint16_t type)
{
	return type == SL_TYPE_NS || type == SL_TYPE_MX || type == SL_TYPE_SRV ||
	       type == SL_TYPE_SVCB || type == SL_TYPE_HTTPS;
}

/*
 * The "*" child of @p encloser when the store flagged one, else NULL. The
 * wildcard's name is built on the stack; the node returned lives in the
 * version.
 */
static const sl_node_t *wildcard_child(const sl_zone_version_t *ver, const sl_node_t *encloser)
{
	uint8_t wc[SL_NAME_MAXLEN];
	size_t len;

	if (encloser == NULL || !(encloser->flags & SL_NODE_WILDCARD))
		return NULL;
	len = sl_name_len(encloser->owner);
	if (len + 2 > SL_NAME_MAXLEN)
		return NULL;
	wc[0] = 1;
	wc[1] = '*';
	memcpy(wc + 2, encloser->owner, len);
	return sl_zone_find(ver, wc);
}

/* ---- additional section ------------------------------------------------- */

/*
 * The node whose addresses serve @p host: the exact node, or the wildcard
 * covering it (as Knot does), or NULL when the name is not in the zone.
 */
static const sl_node_t *host_node(const struct answer *a, const uint8_t *host)
{
	sl_zone_lookup_t lk;
	int rc;

	/* sl_zone_lookup() clears lk and answers SL_EINVAL for names outside the zone. */
	rc = sl_zone_lookup(a->ver, host, &lk);
	if (rc == SL_OK)
		return lk.node;
	if (rc == SL_ENOTFOUND)
		return wildcard_child(a->ver, lk.encloser);
	return NULL;
}

/*
 * Adds A and AAAA (and, for SVCB/HTTPS, the target's own RRset of that
 * type) of @p node under the target's name as written in the RDATA.
 * @return false when something did not fit
 */
static bool put_host(struct answer *a, const uint8_t *host, const sl_node_t *node, uint16_t type)
{
	static const uint16_t addr_types[] = { SL_TYPE_A, SL_TYPE_AAAA };
	bool fitted = true;
	unsigned present = 0;

	for (size_t k = 0; k < sizeof(addr_types) / sizeof(addr_types[0]) + 1; k++) {
		uint16_t t;
		const sl_rrset_t *rrset;

		if (k < sizeof(addr_types) / sizeof(addr_types[0]))
			t = addr_types[k];
		else if (type == SL_TYPE_SVCB || type == SL_TYPE_HTTPS)
			t = type;
		else
			break;
		rrset = sl_node_rrset(node, t);
		if (rrset == NULL)
			continue;
		present++;
		if (sl_ans_put_signed(a, host, node, rrset, rrset->ttl) != SL_OK)
			fitted = false;
	}
	/* A SVCB/HTTPS target without A, AAAA or its own RRset: prove the lack (as knotd). */
	if (a->dnssec && (type == SL_TYPE_SVCB || type == SL_TYPE_HTTPS) && present < 3)
		sl_ans_node_proof(a, node);
	return fitted;
}

/*
 * Referral glue (RFC 9471): A/AAAA of every NS target at or below the cut,
 * in RDATA order. All of it is required: whatever does not fit sets TC, and
 * the rest is still tried (a smaller record may fit where a larger did not).
 */
/*
 * Most glue lookups one referral may cost. Real NS sets have a handful of
 * names; without a cap, a zone with a 1000-name NS set would make every
 * query below that cut do ~2000 lookups (the CVE-2024-11187 class).
 */
#define MAX_GLUE_LOOKUPS 32

static void put_required_glue(struct answer *a, const sl_rrset_t *ns, const sl_node_t *cut)
{
	const uint8_t *rd = NULL;
	uint16_t rdlen;
	unsigned lookups = 0;

	while ((rd = sl_rrset_next(ns, rd, &rdlen)) != NULL && lookups < MAX_GLUE_LOOKUPS) {
		const uint8_t *host = rdata_host(ns->type, rd, rdlen);
		const sl_node_t *node;

		if (host == NULL || !sl_name_is_subdomain(host, cut->owner))
			continue;
		/* Once the message is full and TC set, more lookups change nothing. */
		if ((a->resp->flags & SL_FLAG_TC) && room(a->resp) < MIN_ADDR_RR)
			return;
		lookups++;
		node = host_node(a, host);
		if (node != NULL && !put_host(a, host, node, ns->type))
			sl_resp_set_flags(a->resp, SL_FLAG_TC);
	}
}

/*
 * Optional additional data: A/AAAA of in-zone targets of @p rrset not
 * below @p cut (all of them when @p cut is NULL). At most
 * SL_ANSWER_MAX_ADDITIONAL distinct names are looked up (CVE-2024-11187);
 * a name listed twice is added once; what does not fit is left out.
 */
static void put_optional_additional(struct answer *a, const sl_rrset_t *rrset,
				    const sl_node_t *cut)
{
	const uint8_t *seen[SL_ANSWER_MAX_ADDITIONAL];
	unsigned nseen = 0;
	const uint8_t *rd = NULL;
	uint16_t rdlen;

	while ((rd = sl_rrset_next(rrset, rd, &rdlen)) != NULL) {
		const uint8_t *host = rdata_host(rrset->type, rd, rdlen);
		const sl_node_t *node;
		bool dup = false;

		if (host == NULL || !sl_name_is_subdomain(host, a->apex->owner))
			continue;
		if (cut != NULL && sl_name_is_subdomain(host, cut->owner))
			continue;
		for (unsigned i = 0; i < nseen && !dup; i++)
			dup = sl_name_equal(seen[i], host);
		if (dup)
			continue;
		if (nseen == SL_ANSWER_MAX_ADDITIONAL || room(a->resp) < MIN_ADDR_RR)
			return;
		seen[nseen++] = host;
		node = host_node(a, host);
		if (node != NULL)
			(void)put_host(a, host, node, rrset->type);
	}
}

/* ---- authority section -------------------------------------------------- */

/*
 * The apex SOA in authority with TTL min(SOA TTL, MINIMUM) (RFC 2308 §3,
 * §5); TC when it does not fit. Shared by sl_answer_query() and
 * sl_answer_negative(). @return SL_OK, or SL_ENOTFOUND without a usable SOA
 */
static int put_negative_soa(sl_resp_t *resp, const sl_node_t *apex, struct answer *a)
{
	const sl_rrset_t *soa = apex != NULL ? sl_node_rrset(apex, SL_TYPE_SOA) : NULL;
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t ttl;

	if (soa == NULL || (rd = sl_rrset_next(soa, NULL, &rdlen)) == NULL || rdlen < SOA_MIN_RDLEN)
		return SL_ENOTFOUND;
	ttl = rd32(rd + rdlen - 4);
	if (soa->ttl < ttl)
		ttl = soa->ttl;
	(void)sl_resp_section(resp, SL_SECTION_AUTHORITY);
	if (a != NULL) {
		/* The SOA's RRSIG with it, TTL capped alike (as knotd does). */
		sl_resp_mark_t mark;

		sl_resp_mark(resp, &mark);
		if (sl_resp_add_rr(resp, apex->owner, SL_TYPE_SOA, SL_CLASS_IN, ttl, rd, rdlen) !=
			    SL_OK ||
		    put_rrsigs(a, apex->owner, apex, SL_TYPE_SOA, ttl) != SL_OK) {
			sl_resp_rollback(resp, &mark);
			sl_resp_set_flags(resp, SL_FLAG_TC);
		}
		return SL_OK;
	}
	if (sl_resp_add_rr(resp, apex->owner, SL_TYPE_SOA, SL_CLASS_IN, ttl, rd, rdlen) != SL_OK)
		sl_resp_set_flags(resp, SL_FLAG_TC);
	return SL_OK;
}

static void put_soa(struct answer *a)
{
	(void)put_negative_soa(a->resp, a->apex, a);
}

/* NS of the cut in authority, then glue: required first, then the rest. */
static void put_referral(struct answer *a)
{
	const sl_rrset_t *ns = sl_node_rrset(a->cut, SL_TYPE_NS);

	if (ns == NULL)
		return;
	(void)sl_resp_section(a->resp, SL_SECTION_AUTHORITY);
	if (sl_ans_put_signed(a, a->cut->owner, a->cut, ns, ns->ttl) != SL_OK) {
		sl_resp_set_flags(a->resp, SL_FLAG_TC);
		return;
	}
	/* DS or its denial, before the glue (the authority section comes first). */
	if (a->dnssec)
		sl_ans_denial(a, ST_DELEG);
	(void)sl_resp_section(a->resp, SL_SECTION_ADDITIONAL);
	put_required_glue(a, ns, a->cut);
	put_optional_additional(a, ns, a->cut);
}

/* ---- answer section ----------------------------------------------------- */

static bool visited(const struct answer *a, const sl_rrset_t *rrset, const uint8_t *owner)
{
	for (unsigned i = 0; i < a->hops; i++)
		if (a->visited[i].rrset == rrset &&
		    (owner == NULL || sl_name_equal(a->visited[i].owner, owner)))
			return true;
	return false;
}

static inline int put_answer_rrset(struct answer *a, const uint8_t *owner,
				   const sl_node_t *node, const sl_rrset_t *rrset)
{
	if (sl_ans_put_signed(a, owner, node, rrset, rrset->ttl) != SL_OK)
		return ST_TRUNC;
	a->answers++;
	return ST_HIT;
}

/*
 * A CNAME at sname (exact or from a wildcard): add it and move on to its
 * target. A CNAME already written under the same owner is a loop: stop as
 * if the chain led nowhere (NOERROR, nothing in authority). A wildcard CNAME
 * reached again under a new owner is added once more, then the chain stops
 * — the same output as knotd's loop checks.
 */
static int follow_cname(struct answer *a, const sl_node_t *node, const sl_rrset_t *cname,
			const uint8_t *owner, bool wild)
{
	const uint8_t *target = rdata_target(cname);
	bool again;

	if (target == NULL)
		return ST_SERVFAIL;
	if (a->hops >= SL_ANSWER_MAX_CNAME || visited(a, cname, owner))
		return ST_HIT;
	again = wild && visited(a, cname, NULL);
	if (put_answer_rrset(a, owner, node, cname) != ST_HIT)
		return ST_TRUNC;
	a->visited[a->hops].rrset = cname;
	a->visited[a->hops].owner = owner;
	a->hops++;
	if (again)
		return ST_HIT;
	a->sname = target;
	return ST_FOLLOW;
}

/*
 * RFC 6672 §3.1: sname lies below the DNAME at @p dnode. Add the DNAME
 * (once per query), synthesise "sname CNAME target" with the DNAME's TTL,
 * and follow the target. The labels taken from sname are lower-cased, as
 * knotd writes them.
 */
static int follow_dname(struct answer *a, const sl_node_t *dnode)
{
	const sl_rrset_t *dname = sl_node_rrset(dnode, SL_TYPE_DNAME);
	const uint8_t *target = dname != NULL ? rdata_target(dname) : NULL;
	size_t slen, olen, tlen, plen;
	uint8_t *out;

	if (target == NULL)
		return ST_SERVFAIL;
	/*
	 * The same DNAME a second time: its target is at or below its owner, or
	 * leads back under it, so every further step would only repeat it with
	 * a longer name. The chain ends here (NOERROR, as a CNAME loop).
	 */
	if (a->hops >= SL_ANSWER_MAX_CNAME || visited(a, dname, NULL))
		return ST_HIT;
	if (!visited(a, dname, NULL) && put_answer_rrset(a, dnode->owner, dnode, dname) != ST_HIT)
		return ST_TRUNC;
	a->visited[a->hops].rrset = dname;
	a->visited[a->hops].owner = dnode->owner;

	/* The store promised this; the label walk below relies on it. */
	if (!sl_name_is_subdomain(a->sname, dnode->owner))
		return ST_SERVFAIL;
	slen = sl_name_len(a->sname);
	olen = sl_name_len(dnode->owner);
	tlen = sl_name_len(target);
	plen = slen - olen;
	if (plen + tlen > SL_NAME_MAXLEN)
		return ST_YXDOMAIN;

	out = a->synth[a->hops];
	for (size_t i = 0; i < plen;) {
		uint8_t l = a->sname[i];

		out[i++] = l;
		for (uint8_t k = 0; k < l; k++, i++)
			out[i] = sl_lower_octet(a->sname[i]);
	}
	memcpy(out + plen, target, tlen);

	/* One RR: sl_resp_add_rr() already adds it whole or not at all. */
	if (sl_resp_add_rr(a->resp, a->sname, SL_TYPE_CNAME, SL_CLASS_IN, dname->ttl, out,
			   (uint16_t)(plen + tlen)) != SL_OK)
		return ST_TRUNC;
	a->answers++;
	a->hops++;
	/* The synthesised CNAME is itself the answer to a CNAME question. */
	if (a->qtype == SL_TYPE_CNAME)
		return ST_HIT;
	a->sname = out;
	return ST_FOLLOW;
}

/*
 * A question for type RRSIG: like ANY (RFC 8482), one RRset — the RRSIGs
 * of the lowest covered type, with their TTL — with or without DO, as
 * knotd 3.2 answers it ("some RRSIGs, not all"); RRSIGs are not signed.
 * With @p all (ANY at a name whose lowest type is RRSIG), every RRSIG of
 * the name, each covered type's with its TTL, all or nothing.
 */
static int put_answer_rrsigs(struct answer *a, const sl_node_t *node, const uint8_t *owner,
			     bool all)
{
	const sl_rrset_t *sig = sl_node_rrset(node, SL_TYPE_RRSIG);
	const sl_rrset_t *end = node->rrsets + node->nrrsets;
	sl_resp_mark_t mark;

	if (sig == NULL)
		return ST_NODATA;
	sl_resp_mark(a->resp, &mark);
	do {
		if (sl_ans_put_rrset(a->resp, owner, sig, sig->ttl) != SL_OK) {
			sl_resp_rollback(a->resp, &mark);
			return ST_TRUNC;
		}
	} while (all && ++sig < end && sig->type == SL_TYPE_RRSIG);
	a->answers++;
	return ST_HIT;
}

/* sname matched @p node (exactly, or via a wildcard when @p wild). */
static int answer_node(struct answer *a, const sl_node_t *node, const uint8_t *owner, bool wild)
{
	const sl_rrset_t *rrset;
	uint16_t qtype = a->qtype;

	if (a->dnssec)
		a->match = node;
	/* A wildcard with NS (RFC 4592 §4.2 leaves it undefined): refer, as knotd does. */
	if ((node->flags & SL_NODE_DELEG) && qtype != SL_TYPE_DS) {
		a->cut = node;
		return ST_DELEG;
	}
	/* Unreachable: names below a cut were referred before we got here. */
	if (node->flags & SL_NODE_NONAUTH)
		return ST_MISS;

	rrset = sl_node_rrset(node, SL_TYPE_CNAME);
	if (rrset != NULL && qtype != SL_TYPE_CNAME && qtype != SL_TYPE_ANY &&
	    qtype != SL_TYPE_RRSIG && qtype != SL_TYPE_NSEC)
		return follow_cname(a, node, rrset, owner, wild);

	if (qtype == SL_TYPE_RRSIG)
		return put_answer_rrsigs(a, node, owner, false);
	/*
	 * RFC 8482: one RRset for ANY — the first (lowest type), like knotd;
	 * when that is RRSIG, all of the name's RRSIGs (knotd keeps them as one).
	 */
	if (qtype == SL_TYPE_ANY && node->nrrsets > 0 && node->rrsets[0].type == SL_TYPE_RRSIG)
		return put_answer_rrsigs(a, node, owner, true);
	if (qtype == SL_TYPE_ANY)
		rrset = node->nrrsets > 0 ? &node->rrsets[0] : NULL;
	else
		rrset = sl_node_rrset(node, qtype);
	if (rrset == NULL)
		return ST_NODATA;
	if (put_answer_rrset(a, owner, node, rrset) != ST_HIT)
		return ST_TRUNC;
	/* An NSEC answered is not repeated as a proof (knotd's duplicate check). */
	if (a->dnssec && rrset->type == SL_TYPE_NSEC && a->nproved < MAX_PROOFS)
		a->proved[a->nproved++] = node;
	if (wants_additional(rrset->type))
		a->addl = rrset;
	return ST_HIT;
}

/* A node of the NSEC3 chain only (RFC 5155 §7.2.8): an apex child with NSEC3 and RRSIGs. */
static inline bool nsec3_only(const struct answer *a, const sl_node_t *node)
{
	unsigned n = node != NULL ? node->nrrsets : 0;

	/* Types sort RRSIG (46) before NSEC3 (50): NSEC3 last, RRSIGs before it. */
	if (n == 0 || node->rrsets[n - 1].type != SL_TYPE_NSEC3)
		return false;
	for (unsigned i = 0; i + 1 < n; i++) {
		if (node->rrsets[i].type != SL_TYPE_RRSIG)
			return false;
	}
	return sl_name_labels(node->owner) == sl_name_labels(a->apex->owner) + 1;
}

/* One lookup of a->sname and what follows from it. */
static int step(struct answer *a)
{
	sl_zone_lookup_t lk;
	const sl_node_t *wc;
	const uint8_t *owner;
	int rc;

	rc = sl_zone_lookup(a->ver, a->sname, &lk); /* clears lk itself */
	/* A CNAME/DNAME target: plugins that answer it by name come before our data. */
	if (a->steps > 0) {
		/* In our data, and ours is req->zone's: the target is in the zone whose chain runs. */
		bool in_zone = rc != SL_EINVAL && a->req->zone != NULL &&
			       sl_zone_current(a->req->zone) == a->ver;

		a->chased = sl_request_chase(a->req, a->sname, in_zone);
		if (a->chased != SL_RESULT_PASS)
			return ST_PLUGIN;
	}
	if (rc == SL_EINVAL)
		/* The question must be ours; a chain may leave the zone (NOERROR). */
		return a->steps == 0 ? ST_REFUSED : ST_HIT;
	if ((rc != SL_OK && rc != SL_ENOTFOUND) || (rc == SL_OK && lk.node == NULL))
		return ST_SERVFAIL;
	/*
	 * RFC 5155 §7.2.8: a name that owns only NSEC3 (and its RRSIGs) is
	 * answered as if it did not exist, and names below it likewise.
	 */
	if (rc == SL_OK && nsec3_only(a, lk.node)) {
		rc = SL_ENOTFOUND;
		lk.node = NULL;
		lk.encloser = a->apex;
	} else if (rc == SL_ENOTFOUND && nsec3_only(a, lk.encloser)) {
		lk.encloser = a->apex;
	}
	a->steps++;
	if (a->dnssec) {
		a->pname = a->sname;
		a->lk = lk;
		a->match = NULL;
	}
	/* Answer RRs owned by the question's name carry the question's case. */
	owner = a->sname;

	/* A DNAME above sname rules unless a cut sits at or above it (RFC 6672 §2.4). */
	if (lk.dname != NULL &&
	    (lk.cut == NULL || sl_name_labels(lk.dname->owner) < sl_name_labels(lk.cut->owner)))
		return follow_dname(a, lk.dname);

	if (lk.cut != NULL) {
		/* DS belongs to the parent side of the cut (RFC 4035 §3.1.4.1). */
		if (a->qtype == SL_TYPE_DS && rc == SL_OK && sl_name_equal(lk.cut->owner, a->sname))
			return answer_node(a, lk.node, owner, false);
		a->cut = lk.cut;
		return ST_DELEG;
	}

	if (rc == SL_OK) {
		if (a->steps > 1)
			owner = lk.node->owner;
		return answer_node(a, lk.node, owner, false);
	}

	/* RFC 4592 §3.3.1: only the closest encloser's "*" child may match. */
	wc = wildcard_child(a->ver, lk.encloser);
	if (wc != NULL) {
		if (!a->wildcard)
			a->wild_owner = wc->owner;
		a->wildcard = true;
		sl_ans_visit_wildcard(a, wc);
		return answer_node(a, wc, owner, true);
	}
	return ST_MISS;
}

static sl_answer_kind_t kind_of(const struct answer *a, int state, int first)
{
	switch (state) {
	case ST_MISS:
		return SL_ANSWER_NXDOMAIN;
	case ST_YXDOMAIN:
	case ST_REFUSED:
	case ST_SERVFAIL:
		return SL_ANSWER_ERROR;
	case ST_DELEG:
		if (first == ST_DELEG)
			return SL_ANSWER_REFERRAL;
		break;
	default:
		break;
	}
	if (a->wildcard)
		return SL_ANSWER_WILDCARD;
	if (state == ST_NODATA && a->answers == 0)
		return SL_ANSWER_NODATA;
	return SL_ANSWER_POSITIVE;
}

/* What rate limiting accounts @p kind by (see sl_request_t.kind_name). */
static const uint8_t *kind_name_of(const struct answer *a, sl_answer_kind_t kind)
{
	switch (kind) {
	case SL_ANSWER_WILDCARD:
		return a->wild_owner;
	case SL_ANSWER_REFERRAL:
		return a->cut != NULL ? a->cut->owner : NULL;
	case SL_ANSWER_NXDOMAIN:
	case SL_ANSWER_NODATA:
		return a->apex->owner;
	default:
		return NULL;
	}
}

/*
 * A plugin answered the target of a CNAME/DNAME we wrote (sl_request_chase()):
 * its records complete our chain. The chain's first step was ours and not
 * a referral, so the answer is authoritative; its kind is the chain's, as
 * kind_of() has it: data or NODATA after a CNAME is a positive answer.
 */
static sl_result_t answered_by_plugin(struct answer *a, sl_result_t result)
{
	sl_request_t *req = a->req;

	if (result != SL_RESULT_DONE && result != SL_RESULT_FOLLOW)
		return result;
	sl_resp_set_flags(a->resp, SL_FLAG_AA);
	if (req->kind == SL_ANSWER_NODATA || req->kind == SL_ANSWER_NONE)
		req->kind = SL_ANSWER_POSITIVE;
	if (a->wildcard && req->kind == SL_ANSWER_POSITIVE) {
		req->kind = SL_ANSWER_WILDCARD;
		req->kind_name = a->wild_owner;
	}
	return result;
}

sl_result_t sl_answer_query(sl_request_t *req, const sl_zone_version_t *version)
{
	struct answer a;
	int state, first = ST_HIT;

	/* Offered another zone's CNAME target: that zone's data is not served for it. */
	if (sl_request_foreign(req))
		return SL_RESULT_PASS;
	if (version == NULL) {
		sl_resp_set_rcode(req->resp, SL_RCODE_SERVFAIL);
		req->kind = SL_ANSWER_ERROR;
		return SL_RESULT_DONE;
	}
	/* QCLASS * is answered as IN; any other class is not ours. */
	if (req->qclass != SL_CLASS_IN && req->qclass != SL_CLASS_ANY) {
		sl_resp_set_rcode(req->resp, SL_RCODE_REFUSED);
		req->kind = SL_ANSWER_ERROR;
		return SL_RESULT_DONE;
	}

	memset(&a, 0, offsetof(struct answer, pname));
	a.req = req;
	a.resp = req->resp;
	a.ver = version;
	a.apex = sl_zone_apex(version);
	a.qtype = req->qtype;
	a.sname = req->qname;
	if (a.apex == NULL) {
		sl_resp_set_rcode(req->resp, SL_RCODE_SERVFAIL);
		req->kind = SL_ANSWER_ERROR;
		return SL_RESULT_DONE;
	}
	/* A zone is signed when its SOA is (as knotd decides it). */
	a.dnssec = req->query != NULL && req->query->edns.do_bit &&
		   sl_node_rrsig(a.apex, SL_TYPE_SOA) != NULL;
	if (a.dnssec) {
		a.match = NULL;
		a.nwilds = 0;
		a.nproved = 0;
		a.nsec3 = false;
		sl_ans_nsec3param(&a);
	}
	/* A FOLLOW from another zone may have written CNAMEs here already. */
	(void)sl_resp_section(a.resp, SL_SECTION_ANSWER);

	do {
		state = step(&a);
		if (a.steps <= 1)
			first = state;
	} while (state == ST_FOLLOW);
	if (state == ST_PLUGIN)
		return answered_by_plugin(&a, a.chased);

	switch (state) {
	case ST_HIT:
		if (a.dnssec)
			sl_ans_denial(&a, state);
		if (a.addl != NULL) {
			(void)sl_resp_section(a.resp, SL_SECTION_ADDITIONAL);
			put_optional_additional(&a, a.addl, NULL);
		}
		break;
	case ST_NODATA:
		put_soa(&a);
		if (a.dnssec)
			sl_ans_denial(&a, state);
		break;
	case ST_MISS:
		sl_resp_set_rcode(a.resp, SL_RCODE_NXDOMAIN);
		put_soa(&a);
		if (a.dnssec)
			sl_ans_denial(&a, state);
		break;
	case ST_DELEG:
		put_referral(&a);
		break;
	case ST_TRUNC:
		sl_resp_set_flags(a.resp, SL_FLAG_TC);
		break;
	case ST_YXDOMAIN:
		sl_resp_set_rcode(a.resp, SL_RCODE_YXDOMAIN);
		break;
	case ST_REFUSED:
		sl_resp_set_rcode(a.resp, SL_RCODE_REFUSED);
		break;
	default:
		sl_resp_reset(a.resp);
		sl_resp_set_rcode(a.resp, SL_RCODE_SERVFAIL);
		break;
	}
	/* Authoritative unless the question itself was referred (decided before any chain). */
	if (first != ST_DELEG && first != ST_REFUSED && state != ST_SERVFAIL)
		sl_resp_set_flags(a.resp, SL_FLAG_AA);
	req->kind = kind_of(&a, state, first);
	req->kind_name = kind_name_of(&a, req->kind);
	return SL_RESULT_DONE;
}

/*
 * sl_answer_negative() with DO: for a signed zone, the SOA with its RRSIG,
 * and the zone's own denial proof when the zone data agrees with the
 * plugin (NXDOMAIN for a name the zone does not have, NODATA for a name it
 * has without that type); otherwise only the signed SOA.
 */
static int negative_signed(sl_request_t *req, const sl_zone_version_t *version,
			   sl_answer_kind_t kind)
{
	struct answer a;
	int rc, found;

	memset(&a, 0, offsetof(struct answer, pname));
	a.req = req;
	a.resp = req->resp;
	a.ver = version;
	a.apex = sl_zone_apex(version);
	a.qtype = req->qtype;
	a.sname = req->qname;
	a.dnssec = a.apex != NULL && sl_node_rrsig(a.apex, SL_TYPE_SOA) != NULL;
	rc = put_negative_soa(req->resp, a.apex, &a);
	if (!a.dnssec || rc != SL_OK)
		return rc;
	a.match = NULL;
	a.nwilds = 0;
	a.nproved = 0;
	a.nsec3 = false;
	sl_ans_nsec3param(&a);
	found = sl_zone_lookup(version, req->qname, &a.lk);
	a.pname = req->qname;
	if (a.lk.cut != NULL || a.lk.dname != NULL)
		return SL_OK;
	if (kind == SL_ANSWER_NXDOMAIN && found == SL_ENOTFOUND &&
	    wildcard_child(version, a.lk.encloser) == NULL)
		sl_ans_denial(&a, ST_MISS);
	else if (kind == SL_ANSWER_NODATA && found == SL_OK &&
		 sl_node_rrset(a.lk.node, req->qtype) == NULL)
		sl_ans_denial(&a, ST_NODATA);
	return SL_OK;
}

int sl_answer_negative(sl_request_t *req, const sl_zone_version_t *version, sl_answer_kind_t kind)
{
	if (kind != SL_ANSWER_NXDOMAIN && kind != SL_ANSWER_NODATA)
		return SL_EINVAL;
	if (version == NULL && req->zone != NULL)
		version = sl_zone_current(req->zone);
	sl_resp_set_rcode(req->resp, kind == SL_ANSWER_NXDOMAIN ? SL_RCODE_NXDOMAIN
								 : SL_RCODE_NOERROR);
	sl_resp_set_flags(req->resp, SL_FLAG_AA);
	req->kind = kind;
	req->kind_name = req->zone_name;
	if (version != NULL && req->query != NULL && req->query->edns.do_bit)
		return negative_signed(req, version, kind);
	return put_negative_soa(req->resp, version != NULL ? sl_zone_apex(version) : NULL, NULL);
}
