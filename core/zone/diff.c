/*
 * Sluice zone store — the difference between two versions, in IXFR order
 * (sl_zone_diff()), and the journal hook the commit calls before it
 * publishes (sl_zone_set_journal()).
 *
 * The diff walks both versions in canonical order side by side, once for
 * the removals and once for the additions, so it needs no memory of its
 * own: a version's node shared with the other version (copy-on-write keeps
 * unchanged names as the same node) is skipped by pointer, a changed one is
 * compared RRset by RRset, RDATA by RDATA, in the store's canonical order.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <sluice/rr.h>

#include "zone_int.h"
#include "zone_tree.h"

/* True when an RRset of @p type and @p ttl in @p other holds this RDATA. */
static bool held_by(const sl_node_t *other, uint16_t type, uint32_t ttl, const uint8_t *rd,
		    uint16_t len)
{
	if (other == NULL)
		return false;
	for (uint16_t i = 0; i < other->nrrsets; i++) {
		const sl_rrset_t *rs = &other->rrsets[i];
		const uint8_t *p = NULL;
		uint16_t l;

		if (rs->type != type || rs->ttl != ttl)
			continue;
		while ((p = sl_rrset_next(rs, p, &l)) != NULL) {
			if (sl_zi_rdata_cmp(type, p, l, rd, len) == 0)
				return true;
		}
	}
	return false;
}

/* Sets of @p type at @p node (RRSIG may be stored as one set per covered type). */
static unsigned sets_of(const sl_node_t *node, uint16_t type, const sl_rrset_t **one)
{
	unsigned n = 0;

	*one = NULL;
	if (node == NULL)
		return 0;
	for (uint16_t i = 0; i < node->nrrsets; i++) {
		if (node->rrsets[i].type == type) {
			if (n++ == 0)
				*one = &node->rrsets[i];
		}
	}
	return n;
}

/*
 * Reports the RRs of @p rs (at @p owner) that @p other does not hold. The
 * common case — one set of the type on each side, same TTL — is a merge of
 * two canonically ordered RDATA lists; anything else looks each RR up.
 */
static int rrset_minus(sl_zone_diff_f cb, void *arg, sl_zone_diff_op_t op, const uint8_t *owner,
		       const sl_rrset_t *rs, const sl_node_t *other)
{
	const sl_rrset_t *os;
	const uint8_t *p = NULL, *q = NULL;
	uint16_t l, ql = 0;
	int rc;

	if (sets_of(other, rs->type, &os) != 1 || os->ttl != rs->ttl) {
		while ((p = sl_rrset_next(rs, p, &l)) != NULL) {
			if (held_by(other, rs->type, rs->ttl, p, l))
				continue;
			if ((rc = cb(arg, op, owner, rs->type, rs->ttl, p, l)) != SL_OK)
				return rc;
		}
		return SL_OK;
	}
	if (os->data_len == rs->data_len && memcmp(os->data, rs->data, rs->data_len) == 0)
		return SL_OK;
	q = sl_rrset_next(os, NULL, &ql);
	while ((p = sl_rrset_next(rs, p, &l)) != NULL) {
		int c = 1;

		while (q != NULL && (c = sl_zi_rdata_cmp(rs->type, q, ql, p, l)) < 0)
			q = sl_rrset_next(os, q, &ql);
		if (q != NULL && c == 0)
			continue;
		if ((rc = cb(arg, op, owner, rs->type, rs->ttl, p, l)) != SL_OK)
			return rc;
	}
	return SL_OK;
}

/* Reports what @p node holds and @p other (same owner, or NULL) does not. */
static int node_minus(sl_zone_diff_f cb, void *arg, sl_zone_diff_op_t op, const sl_node_t *node,
		      const sl_node_t *other)
{
	int rc;

	for (uint16_t i = 0; i < node->nrrsets; i++) {
		const sl_rrset_t *rs = &node->rrsets[i];

		/* The apex SOA opens each half (see diff_half()). */
		if (rs->type == SL_TYPE_SOA && (node->flags & SL_NODE_APEX))
			continue;
		if ((rc = rrset_minus(cb, arg, op, node->owner, rs, other)) != SL_OK)
			return rc;
	}
	return SL_OK;
}

/* Canonical order of two nodes of the store, by their tree keys. */
static int node_cmp(const sl_node_t *a, const sl_node_t *b)
{
	const sl_zn_t *x = sl_zn_of(a), *y = sl_zn_of(b);

	return sl_zkey_cmp(x->key, x->keylen, y->key, y->keylen);
}

/* One half of the diff: what @p mine holds that @p theirs does not. */
static int diff_half(sl_zone_diff_f cb, void *arg, sl_zone_diff_op_t op,
		     const sl_zone_version_t *mine, const sl_zone_version_t *theirs)
{
	sl_zone_iter_t a, b;
	const sl_node_t *n, *o = NULL, *apex, *oapex;
	const sl_rrset_t *soa;
	int rc;

	if (mine == NULL || (apex = sl_zone_apex(mine)) == NULL)
		return SL_OK;
	oapex = theirs != NULL ? sl_zone_apex(theirs) : NULL;
	soa = sl_node_rrset(apex, SL_TYPE_SOA);
	if (soa != NULL && apex != oapex &&
	    (rc = rrset_minus(cb, arg, op, apex->owner, soa, oapex)) != SL_OK)
		return rc;

	sl_zone_iter_init(&a, mine);
	if (oapex != NULL) {
		sl_zone_iter_init(&b, theirs);
		o = sl_zone_iter_next(&b);
	}
	while ((n = sl_zone_iter_next(&a)) != NULL) {
		int c = -1;

		while (o != NULL && (c = node_cmp(o, n)) < 0)
			o = sl_zone_iter_next(&b);
		if (o != NULL && c == 0) {
			if (o == n)
				continue; /* shared by both versions: unchanged */
			rc = node_minus(cb, arg, op, n, o);
		} else {
			rc = node_minus(cb, arg, op, n, NULL);
		}
		if (rc != SL_OK)
			return rc;
	}
	return SL_OK;
}

int sl_zone_diff(const sl_zone_version_t *from, const sl_zone_version_t *to, sl_zone_diff_f cb,
		 void *arg)
{
	int rc;

	if (cb == NULL)
		return SL_EINVAL;
	if (from == to)
		return SL_OK;
	rc = diff_half(cb, arg, SL_DIFF_REMOVE, from, to);
	if (rc == SL_OK)
		rc = diff_half(cb, arg, SL_DIFF_ADD, to, from);
	return rc;
}

/* ---- the journal hook ----------------------------------------------------- */

int sl_zone_set_journal(sl_zone_t *zone, const sl_zone_journal_t *journal)
{
	int rc = SL_OK;

	if (zone == NULL || (journal != NULL && journal->write == NULL))
		return SL_EINVAL;
	/* The writer lock: no commit is between its checks and publication. */
	pthread_mutex_lock(&zone->wlock);
	if (journal == NULL)
		zone->journal.write = NULL, zone->journal.arg = NULL;
	else if (zone->journal.write != NULL)
		rc = SL_EEXIST;
	else
		zone->journal = *journal;
	pthread_mutex_unlock(&zone->wlock);
	return rc;
}
