/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Semantic checks of a commit (RFC 1034/2181/6672 rules, the configured
 * caps, glue) and the error text they produce.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sluice/error.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "zone_int.h"

/* Reports one problem: where (the place the caller gave the record) and "owner TYPE: message". */
void sl_zi_cerr(cctx_t *c, where_t wh, const uint8_t *owner, uint16_t type, const char *fmt, ...)
{
	char name[SL_NAME_TEXT_MAX];
	char wbuf[WHERE_MAX + 16];
	char tname[16] = "";
	const char *where = sl_zi_where_text(wh, wbuf, sizeof(wbuf));
	sl_error_t e;
	va_list ap;
	int n;

	c->nerr += c->nerr < UINT_MAX;
	if (!c->report)
		return;
	sl_error_clear(&e);
	if (where)
		sl_error_at(&e, SL_ECONFIG, where, 0, 0, "%s", "");
	if (sl_name_to_text(owner, name, sizeof(name)) < 0)
		strcpy(name, "?");
	if (type && sl_rrtype_to_text(type, tname + 1, sizeof(tname) - 1) >= 0)
		tname[0] = ' ';
	n = snprintf(e.msg, sizeof(e.msg), "%s%s: ", name, tname);
	if (n >= 0 && (size_t)n < sizeof(e.msg)) {
		va_start(ap, fmt);
		vsnprintf(e.msg + n, sizeof(e.msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	e.count = c->nerr;
	c->report(c->arg, &e);
}

const pn_set_t *sl_zi_pn_set(const pn_t *pn, uint16_t type)
{
	for (unsigned i = 0; i < pn->nsets; i++) {
		if (pn->sets[i].type == type)
			return &pn->sets[i];
	}
	return NULL;
}

where_t sl_zi_set_where(const pn_set_t *s)
{
	for (uint32_t i = 0; s && i < s->n; i++) {
		if (s->rrs[i].where.s)
			return s->rrs[i].where;
	}
	return NOWHERE;
}

static where_t pn_where(const pn_t *pn)
{
	for (unsigned i = 0; i < pn->nsets; i++) {
		where_t w = sl_zi_set_where(&pn->sets[i]);

		if (w.s)
			return w;
	}
	return NOWHERE;
}

/*
 * RFC 9276 §3.2: NSEC3 iterations above 100 make validators treat answers
 * as insecure or bogus and cost every query a hash chain: refused at load.
 */
static void check_nsec3_iterations(cctx_t *c, const pn_t *pn, uint16_t type)
{
	const pn_set_t *s = sl_zi_pn_set(pn, type);

	for (uint32_t k = 0; s && k < s->n; k++) {
		const tx_rr_t *r = &s->rrs[k];
		unsigned it = r->len >= 4 ? (unsigned)(r->rdata[2] << 8 | r->rdata[3]) : 0;

		if (it > SL_NSEC3_MAX_ITERATIONS) {
			sl_zi_cerr(c, r->where.s ? r->where : sl_zi_set_where(s), pn->owner, type,
				   "NSEC3 iterations %u exceed the limit of %u (RFC 9276: use 0)",
				   it, SL_NSEC3_MAX_ITERATIONS);
			return;
		}
	}
}

/* The checks that concern one name (and the apex's own ones). */
void sl_zi_check_name(cctx_t *c, const pn_t *pn, bool apex)
{
	check_nsec3_iterations(c, pn, SL_TYPE_NSEC3PARAM);
	check_nsec3_iterations(c, pn, SL_TYPE_NSEC3);

	const sl_zone_limits_t *lim = c->lim;
	const pn_set_t *cname = sl_zi_pn_set(pn, SL_TYPE_CNAME);
	const pn_set_t *dname = sl_zi_pn_set(pn, SL_TYPE_DNAME);
	const pn_set_t *soa = sl_zi_pn_set(pn, SL_TYPE_SOA);

	for (unsigned i = 0; i < pn->nsets; i++) {
		const pn_set_t *s = &pn->sets[i];

		if (s->n > lim->max_rrset_rrs)
			sl_zi_cerr(c, sl_zi_set_where(s), pn->owner, s->type,
				   "RRset has %u records, over the limit of %u", s->n,
				   lim->max_rrset_rrs);
	}
	if (pn->nsets > lim->max_types_per_name)
		sl_zi_cerr(c, pn_where(pn), pn->owner, 0,
			   "%u RRsets at this name, over the limit of %u", pn->nsets,
			   lim->max_types_per_name);
	/* Stored RRsets: RRSIGs count once per covered type (sl_zi_zn_from_pn()). */
	unsigned long packed = 0;

	for (unsigned i = 0; i < pn->nsets; i++)
		packed += sl_zi_packed_sets(&pn->sets[i]);
	if (packed > UINT16_MAX)
		sl_zi_cerr(c, pn_where(pn), pn->owner, SL_TYPE_RRSIG,
			   "RRSIGs cover too many types (%lu RRsets at this name, at most %u)",
			   packed, UINT16_MAX);
	if (apex) {
		if (!soa)
			sl_zi_cerr(c, NOWHERE, pn->owner, 0, "no SOA record at the zone apex");
		else if (soa->n > 1)
			sl_zi_cerr(c, sl_zi_set_where(soa), pn->owner, SL_TYPE_SOA,
				   "%u SOA records, exactly one is allowed", soa->n);
		if (!sl_zi_pn_set(pn, SL_TYPE_NS))
			sl_zi_cerr(c, NOWHERE, pn->owner, 0, "no NS records at the zone apex");
	} else if (soa) {
		sl_zi_cerr(c, sl_zi_set_where(soa), pn->owner, SL_TYPE_SOA,
			   "SOA record not at the zone apex");
	}
	if (cname) {
		char others[128] = "";
		size_t o = 0;
		unsigned nothers = 0;

		if (cname->n > 1)
			sl_zi_cerr(c, sl_zi_set_where(cname), pn->owner, SL_TYPE_CNAME,
				   "%u CNAME records, at most one is allowed", cname->n);
		for (unsigned i = 0; i < pn->nsets; i++) {
			uint16_t t = pn->sets[i].type;
			char tn[16];

			if (t == SL_TYPE_CNAME || t == SL_TYPE_RRSIG || t == SL_TYPE_NSEC)
				continue;
			if (nothers++ < 6 && sl_rrtype_to_text(t, tn, sizeof(tn)) >= 0) {
				int w = snprintf(others + o, sizeof(others) - o, "%s%s",
						 o ? ", " : "", tn);
				if (w > 0 && (size_t)w < sizeof(others) - o)
					o += (size_t)w;
			}
		}
		if (nothers)
			sl_zi_cerr(c, sl_zi_set_where(cname), pn->owner, SL_TYPE_CNAME,
				   "other data exists at this name (%s%s)", others,
				   nothers > 6 ? ", ..." : "");
	}
	if (dname) {
		if (dname->n > 1)
			sl_zi_cerr(c, sl_zi_set_where(dname), pn->owner, SL_TYPE_DNAME,
				   "%u DNAME records, at most one is allowed", dname->n);
		if (cname)
			sl_zi_cerr(c, sl_zi_set_where(dname), pn->owner, SL_TYPE_DNAME,
				   "a CNAME exists at this name");
	}
}

void sl_zi_check_total(cctx_t *c, const uint8_t *apex, uint64_t total)
{
	if (total > c->lim->max_zone_rrs)
		sl_zi_cerr(c, NOWHERE, apex, 0, "%llu records in the zone, over the limit of %llu",
			   (unsigned long long)total, (unsigned long long)c->lim->max_zone_rrs);
}

/*
 * Every NS target of @p ns (an active NS RRset: apex or an authoritative
 * cut) that lies at or below a zone cut of this zone must have A or AAAA.
 */
void sl_zi_check_glue(cctx_t *c, const sl_bt_t *root, const sl_zn_t *apex, unsigned apex_labels,
		      const sl_zn_t *ns, where_t where)
{
	const sl_rrset_t *rs = sl_node_rrset(&ns->pub, SL_TYPE_NS);
	const uint8_t *rd = NULL;
	uint16_t len;

	while (rs && (rd = sl_rrset_next(rs, rd, &len)) != NULL) {
		uint8_t key[SL_ZKEY_MAX];
		size_t klen;
		sl_zone_lookup_t lk;

		if (sl_name_check(rd, len) < 0 ||
		    !zone_key(rd, apex->pub.owner, apex_labels, key, &klen))
			continue;
		sl_zi_lookup(root, key, klen, &lk);
		if (!lk.cut)
			continue;
		if (lk.node && (node_has(lk.node, SL_TYPE_A) || node_has(lk.node, SL_TYPE_AAAA)))
			continue;
		char target[SL_NAME_TEXT_MAX];
		char cut[SL_NAME_TEXT_MAX];

		if (sl_name_to_text(rd, target, sizeof(target)) < 0)
			strcpy(target, "?");
		if (sl_name_to_text(lk.cut->owner, cut, sizeof(cut)) < 0)
			strcpy(cut, "?");
		sl_zi_cerr(c, where, ns->pub.owner, SL_TYPE_NS,
			   "no glue (A/AAAA) for %s, which is at or below the zone cut %s", target,
			   cut);
	}
}

bool sl_zi_below_dname(const sl_zn_t *z)
{
	return z->pub.nrrsets > 0 && (z->pub.flags & SL_NODE_DNAME_BELOW) &&
	       !(z->pub.flags & SL_NODE_NONAUTH);
}

void sl_zi_check_below_dname(cctx_t *c, const sl_bt_t *root, const sl_zn_t *z, where_t where)
{
	char dtext[SL_NAME_TEXT_MAX] = "?";

	for (size_t k = z->keylen; k > 0;) {
		k = sl_zkey_parent(z->key, k);
		const sl_zn_t *a = sl_bt_find(root, z->key, k);

		if (a && node_has(&a->pub, SL_TYPE_DNAME)) {
			if (sl_name_to_text(a->pub.owner, dtext, sizeof(dtext)) < 0)
				strcpy(dtext, "?");
			break;
		}
	}
	sl_zi_cerr(c, where, z->pub.owner, 0,
		   "data below the DNAME at %s is not allowed (RFC 6672 section 2.4)",
		   dtext);
}

/* True for a node whose NS RRset is active (apex, or a cut not itself occluded). */
bool sl_zi_active_ns(const sl_zn_t *z)
{
	return node_has(&z->pub, SL_TYPE_NS) &&
	       (z->pub.flags & (SL_NODE_APEX | SL_NODE_DELEG)) &&
	       !(z->pub.flags & (SL_NODE_NONAUTH | SL_NODE_DNAME_BELOW));
}

uint64_t sl_zi_pn_rrs(const pn_t *pn)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < pn->nsets; i++)
		n += pn->sets[i].n;
	return n;
}
