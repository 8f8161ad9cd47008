/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer NSEC3 chain (RFC 5155 §7.1): every authoritative name with
 * data and every empty non-terminal above one is hashed with the zone's
 * parameters (the core's sl_nsec3_hash()/sl_nsec3_owner()); the hashes,
 * sorted, link into a ring of NSEC3 records at "<hash>.<apex>", each
 * with the types of its original name and signed. With opt-out, insecure
 * delegations (NS without DS) are left out and every NSEC3 has the
 * opt-out flag (RFC 5155 §6).
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/answer.h>
#include <sluice/rr.h>

#include "zsign.h"

/* One name of the chain. */
typedef struct h3 {
	uint8_t hash[SL_NSEC3_HASH_LEN];
	const sl_node_t *node;   /* NULL: an empty non-terminal */
} h3_t;

typedef struct h3v {
	h3_t *v;
	size_t n, cap;
} h3v_t;

/* Hash order; for equal hashes a node before an empty non-terminal. */
static int h3_cmp(const void *a, const void *b)
{
	const h3_t *x = a, *y = b;
	int d = memcmp(x->hash, y->hash, SL_NSEC3_HASH_LEN);

	return d ? d : (x->node == NULL) - (y->node == NULL);
}

static int h3_add(run_t *r, h3v_t *hv, const uint8_t *name, const sl_node_t *node)
{
	const zsign_cfg_t *cfg = r->cfg;

	if (hv->n == hv->cap) {
		size_t cap = hv->cap ? hv->cap * 2 : 256;
		h3_t *v = realloc(hv->v, cap * sizeof(*v));

		if (!v)
			return sl_error_set(r->err, SL_ENOMEM, "out of memory");
		hv->v = v;
		hv->cap = cap;
	}
	h3_t *e = &hv->v[hv->n];

	if (sl_nsec3_hash(name, cfg->nsec3_salt, cfg->nsec3_saltlen, cfg->nsec3_iterations,
			  e->hash) != SL_OK)
		return sl_error_set(r->err, SL_EINVAL, "cannot hash a name for NSEC3");
	e->node = node;
	hv->n++;
	return SL_OK;
}

/*
 * Adds node @p n (unless opt-out leaves it out) and the empty
 * non-terminals between it and the closest ancestor in the chain.
 */
static int collect(run_t *r, h3v_t *hv, const sl_zone_version_t *to, const sl_node_t *n)
{
	size_t alabels = sl_name_labels(r->apex);
	const uint8_t *name = n->owner;
	int rc = SL_OK;

	if (!(r->cfg->nsec3_opt_out && zs_insecure_cut(n)))
		rc = h3_add(r, hv, name, n);
	/*
	 * Empty non-terminals above it (RFC 5155 §7.1). Those that exist only
	 * for an opt-out delegation may be left out; they are kept, which is
	 * always valid.
	 */
	while (rc == SL_OK && sl_name_labels(name) > alabels + 1) {
		name += name[0] + 1;
		const sl_node_t *up = sl_zone_find(to, name);

		if (up && zs_in_chain(up))
			break;   /* hashed with its own ancestors */
		rc = h3_add(r, hv, name, NULL);
	}
	return rc;
}

/* Adds the NSEC3 of entry @p e, pointing at @p next, and signs it. */
static int add_nsec3(run_t *r, const skey_t *zsk, const h3_t *e, const uint8_t *next,
		     uint32_t ttl, uint16_t *types)
{
	const zsign_cfg_t *cfg = r->cfg;
	uint8_t owner[SL_NAME_MAXLEN];
	uint8_t rdata[6 + 255 + SL_NSEC3_HASH_LEN + ZS_BITMAP_MAX];
	size_t len = 0, nt = 0;

	if (sl_nsec3_owner(e->hash, SL_NSEC3_HASH_LEN, r->apex, owner) != SL_OK)
		return sl_error_set(r->err, SL_EINVAL,
				    "the zone name is too long for NSEC3 owner names");
	rdata[len++] = 1;   /* SHA-1 */
	rdata[len++] = cfg->nsec3_opt_out ? 1 : 0;
	zs_put16(rdata + len, cfg->nsec3_iterations);
	len += 2;
	rdata[len++] = cfg->nsec3_saltlen;
	memcpy(rdata + len, cfg->nsec3_salt, cfg->nsec3_saltlen);
	len += cfg->nsec3_saltlen;
	rdata[len++] = SL_NSEC3_HASH_LEN;
	memcpy(rdata + len, next, SL_NSEC3_HASH_LEN);
	len += SL_NSEC3_HASH_LEN;
	if (e->node) {
		nt = zs_node_types(r, e->node, types);
		/* RRSIG at the original name: there is one unless nothing there is signed. */
		if (!zs_insecure_cut(e->node))
			types[nt++] = SL_TYPE_RRSIG;
		len += zs_bitmap(types, nt, rdata + len);
	}
	int rc = sl_zone_txn_add(r->am, owner, SL_TYPE_NSEC3, ttl, rdata, (uint16_t)len, NULL);

	if (rc != SL_OK)
		return sl_error_set(r->err, rc, "cannot add an NSEC3: %s", sl_strerror(rc));
	rd_t one = { rdata, (uint16_t)len };

	return zs_sign_rrset(r, zsk, owner, SL_TYPE_NSEC3, ttl, &one, 1);
}

int zs_nsec3_chain(run_t *r, const skey_t *zsk, const sl_zone_version_t *to,
		   const sl_node_t *const *chain, size_t nc, uint32_t ttl)
{
	h3v_t hv = { 0 };
	uint16_t *types = NULL;
	size_t maxtypes = 0, m = 0;
	int rc = SL_OK;

	for (size_t i = 0; i < nc && rc == SL_OK; i++) {
		rc = collect(r, &hv, to, chain[i]);
		if (chain[i]->nrrsets > maxtypes)
			maxtypes = chain[i]->nrrsets;
	}
	if (rc == SL_OK && hv.n == 0)
		rc = sl_error_set(r->err, SL_EINVAL, "nothing to put in the NSEC3 chain");
	if (rc == SL_OK) {
		types = malloc((maxtypes + ZS_APEX_TYPES + 2) * sizeof(*types));
		if (!types)
			rc = sl_error_set(r->err, SL_ENOMEM, "out of memory");
	}
	if (rc == SL_OK) {
		qsort(hv.v, hv.n, sizeof(hv.v[0]), h3_cmp);
		/* Merge duplicates: one empty non-terminal above several names. */
		for (size_t i = 0; i < hv.n && rc == SL_OK; i++) {
			if (m > 0 && memcmp(hv.v[m - 1].hash, hv.v[i].hash, SL_NSEC3_HASH_LEN) == 0) {
				if (hv.v[i].node)   /* two names with data, one hash */
					rc = sl_error_set(r->err, SL_EINVAL,
							  "NSEC3 hash collision: choose another "
							  "nsec3_salt");
				continue;
			}
			hv.v[m++] = hv.v[i];
		}
	}
	for (size_t i = 0; i < m && rc == SL_OK; i++)
		rc = add_nsec3(r, zsk, &hv.v[i], hv.v[(i + 1) % m].hash, ttl, types);
	free(types);
	free(hv.v);
	return rc;
}
