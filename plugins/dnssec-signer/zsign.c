/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer zone signing: given a checked version and an amendment
 * transaction on it (the zone store's signer hook), replaces the zone's
 * DNSSEC records with a fresh DNSKEY RRset, CDS/CDNSKEY (RFC 7344), NSEC
 * chain (RFC 4034 §4) or NSEC3PARAM and NSEC3 chain (nsec3.c), and RRSIGs
 * (RFC 4034 §3, canonical form §6) over every authoritative RRset.
 * The whole zone is re-signed each time (incremental signing is not done
 * yet).
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/rr.h>

#include "zsign.h"

static int buf_put(buf_t *b, const void *d, size_t len)
{
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->n + len)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);

		if (!p)
			return SL_ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, len);
	b->n += len;
	return SL_OK;
}

void zs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void zs_put32(uint8_t *p, uint32_t v)
{
	zs_put16(p, (uint16_t)(v >> 16));
	zs_put16(p + 2, (uint16_t)v);
}

bool zs_signer_type(uint16_t t)
{
	return t == SL_TYPE_RRSIG || t == SL_TYPE_NSEC || t == SL_TYPE_NSEC3 ||
	       t == SL_TYPE_NSEC3PARAM || t == SL_TYPE_DNSKEY;
}

int zs_rd_cmp(const void *a, const void *b)
{
	const rd_t *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int d = m ? memcmp(x->p, y->p, m) : 0;

	return d ? d : (x->len > y->len) - (x->len < y->len);
}

/*
 * How much earlier the signatures of an RRset expire: 0..cfg->jitter
 * seconds, fixed per owner and type (FNV-1a of both), so expirations
 * spread over the jitter window instead of all falling due at once.
 */
static uint32_t rrset_jitter(const run_t *r, const uint8_t *lowner, size_t olen, uint16_t type)
{
	uint32_t h = 2166136261u;

	if (r->cfg->jitter == 0)
		return 0;
	for (size_t i = 0; i < olen; i++)
		h = (h ^ lowner[i]) * 16777619u;
	h = (h ^ (type >> 8)) * 16777619u;
	h = (h ^ (type & 0xff)) * 16777619u;
	return h % (r->cfg->jitter + 1);
}

int zs_sign_rrset(run_t *r, const skey_t *k, const uint8_t *owner, uint16_t type,
		      uint32_t ttl, const rd_t *rrs, size_t n)
{
	uint8_t lowner[SL_NAME_MAXLEN];
	uint8_t rr[10];
	size_t olen = sl_name_len(owner), alen = sl_name_len(r->apex), siglen;
	uint8_t rdata[18 + SL_NAME_MAXLEN + SK_SIG_MAX];
	unsigned labels = sl_name_labels(owner);
	int rc;

	memcpy(lowner, owner, olen);
	sl_name_tolower(lowner);
	if (owner[0] == 1 && owner[1] == '*')
		labels--;   /* RFC 4034 §3.1.3: the wildcard label is not counted */
	zs_put16(rdata, type);
	rdata[2] = k->alg;
	rdata[3] = (uint8_t)labels;
	uint32_t exp = r->expiration - rrset_jitter(r, lowner, olen, type);

	if (zs_serial_gt(r->earliest, exp) || r->earliest == 0)
		r->earliest = exp;
	zs_put32(rdata + 4, ttl);
	zs_put32(rdata + 8, exp);
	zs_put32(rdata + 12, r->inception);
	zs_put16(rdata + 16, k->tag);
	memcpy(rdata + 18, r->apex, alen);
	r->data.n = 0;
	if ((rc = buf_put(&r->data, rdata, 18 + alen)) != SL_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		uint8_t *canon = r->canon;
		sl_rdata_names_t nm;
		const uint8_t *d = rrs[i].p;

		/* RFC 4034 §6.2: embedded names of the listed types lower-cased. */
		if (sl_rdata_names(type, rrs[i].p, rrs[i].len, &nm) == SL_OK &&
		    nm.canonical_lower && nm.count) {
			memcpy(canon, rrs[i].p, rrs[i].len);
			for (unsigned j = 0; j < nm.count && j < SL_RDATA_MAX_NAMES; j++)
				if (sl_name_check(canon + nm.offset[j], rrs[i].len - nm.offset[j]) > 0)
					sl_name_tolower(canon + nm.offset[j]);
			d = canon;
		}
		zs_put16(rr, type);
		zs_put16(rr + 2, SL_CLASS_IN);
		zs_put32(rr + 4, ttl);
		zs_put16(rr + 8, rrs[i].len);
		if ((rc = buf_put(&r->data, lowner, olen)) != SL_OK ||
		    (rc = buf_put(&r->data, rr, 10)) != SL_OK ||
		    (rc = buf_put(&r->data, d, rrs[i].len)) != SL_OK)
			return rc;
	}
	rc = dk_sign(k, r->data.p, r->data.n, rdata + 18 + alen, SK_SIG_MAX, &siglen);
	if (rc != SL_OK)
		return sl_error_set(r->err, rc, "signing failed (key %u)", k->tag);
	rc = sl_zone_txn_add(r->am, owner, SL_TYPE_RRSIG, ttl, rdata,
			     (uint16_t)(18 + alen + siglen), NULL);
	if (rc != SL_OK)
		return sl_error_set(r->err, rc, "cannot add an RRSIG: %s", sl_strerror(rc));
	return SL_OK;
}

/* Signs a stored RRset with the zone-signing key. */
static int sign_stored(run_t *r, const skey_t *k, const uint8_t *owner, const sl_rrset_t *rs)
{
	rd_t *rrs = malloc((rs->count ? rs->count : 1) * sizeof(*rrs));
	const uint8_t *p = NULL;
	uint16_t len;
	size_t n = 0;
	int rc;

	if (!rrs)
		return SL_ENOMEM;
	while ((p = sl_rrset_next(rs, p, &len)) != NULL && n < rs->count)
		rrs[n++] = (rd_t){ p, len };
	rc = zs_sign_rrset(r, k, owner, rs->type, rs->ttl, rrs, n);
	free(rrs);
	return rc;
}

/* ---- NSEC (RFC 4034 §4.1.2 type bitmaps) -------------------------------------- */

static int u16_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

size_t zs_bitmap(uint16_t *types, size_t n, uint8_t *out)
{
	size_t len = 0;

	qsort(types, n, sizeof(types[0]), u16_cmp);
	for (size_t i = 0; i < n;) {
		uint8_t win = (uint8_t)(types[i] >> 8), bits[32] = { 0 };
		unsigned max = 0;

		for (; i < n && (types[i] >> 8) == win; i++) {
			uint8_t lo = (uint8_t)types[i];

			bits[lo / 8] |= (uint8_t)(0x80 >> (lo % 8));
			if (lo / 8u + 1 > max)
				max = lo / 8u + 1;
		}
		out[len++] = win;
		out[len++] = (uint8_t)max;
		memcpy(out + len, bits, max);
		len += max;
	}
	return len;
}

/* Whether a node is in the NSEC chain: authoritative, with data of its own. */
bool zs_in_chain(const sl_node_t *n)
{
	if (n->flags & (SL_NODE_NONAUTH | SL_NODE_DNAME_BELOW))
		return false;
	if (n->flags & SL_NODE_APEX)
		return true;
	for (unsigned i = 0; i < n->nrrsets; i++) {
		if (!zs_signer_type(n->rrsets[i].type))
			return true;
	}
	return false;
}

static bool is_cut(const sl_node_t *n)
{
	return (n->flags & SL_NODE_DELEG) && !(n->flags & SL_NODE_APEX);
}

bool zs_insecure_cut(const sl_node_t *n)
{
	return is_cut(n) && !sl_node_rrset(n, SL_TYPE_DS);
}

/* Whether the RRset of @p type at node @p n is signed (RFC 4035 §2.2). */
static bool signed_here(const sl_node_t *n, uint16_t type)
{
	if (zs_signer_type(type))
		return false;
	if (is_cut(n))
		return type == SL_TYPE_DS;   /* a cut: only DS is authoritative */
	return true;
}

size_t zs_node_types(const run_t *r, const sl_node_t *n, uint16_t *types)
{
	size_t nt = 0;

	for (unsigned i = 0; i < n->nrrsets; i++) {
		uint16_t t = n->rrsets[i].type;

		if (i > 0 && n->rrsets[i - 1].type == t)
			continue;   /* RRSIGs: one RRset per covered type */
		if (zs_signer_type(t) || (is_cut(n) && t != SL_TYPE_NS && t != SL_TYPE_DS))
			continue;
		if (n->flags & SL_NODE_APEX) {
			bool ours = false;

			for (unsigned j = 0; j < r->napex; j++)
				ours |= r->apex_types[j] == t;
			if (ours)
				continue;   /* the run's own, listed below */
		}
		types[nt++] = t;
	}
	if (n->flags & SL_NODE_APEX) {
		for (unsigned j = 0; j < r->napex; j++)
			types[nt++] = r->apex_types[j];
	}
	return nt;
}

/* Adds the NSEC of @p n pointing at @p next and signs it. */
static int add_nsec(run_t *r, const skey_t *zsk, const sl_node_t *n, const uint8_t *next,
		    uint32_t ttl)
{
	uint16_t *types = malloc(((size_t)n->nrrsets + ZS_APEX_TYPES + 2) * sizeof(*types));
	size_t nt, nl = sl_name_len(next);
	uint8_t rdata[SL_NAME_MAXLEN + ZS_BITMAP_MAX];

	if (!types)
		return sl_error_set(r->err, SL_ENOMEM, "out of memory");
	nt = zs_node_types(r, n, types);
	types[nt++] = SL_TYPE_NSEC;
	types[nt++] = SL_TYPE_RRSIG;
	memcpy(rdata, next, nl);
	sl_name_tolower(rdata);
	size_t len = nl + zs_bitmap(types, nt, rdata + nl);
	free(types);
	int rc = sl_zone_txn_add(r->am, n->owner, SL_TYPE_NSEC, ttl, rdata, (uint16_t)len, NULL);

	if (rc != SL_OK)
		return sl_error_set(r->err, rc, "cannot add an NSEC: %s", sl_strerror(rc));
	rd_t one = { rdata, (uint16_t)len };

	return zs_sign_rrset(r, zsk, n->owner, SL_TYPE_NSEC, ttl, &one, 1);
}

int zs_add_signed(run_t *r, const skey_t *k, const uint8_t *owner, uint16_t type, uint32_t ttl,
		  rd_t *rrs, size_t n)
{
	int rc = SL_OK;

	for (size_t i = 0; i < n && rc == SL_OK; i++) {
		rc = sl_zone_txn_add(r->am, owner, type, ttl, rrs[i].p, rrs[i].len, NULL);
		if (rc != SL_OK)
		{
			char tn[16];

			sl_rrtype_to_text(type, tn, sizeof(tn));
			return sl_error_set(r->err, rc, "cannot add the %s RRset: %s", tn,
					    sl_strerror(rc));
		}
	}
	qsort(rrs, n, sizeof(rrs[0]), zs_rd_cmp);
	if (r->napex < ZS_APEX_TYPES)
		r->apex_types[r->napex++] = type;
	return zs_sign_rrset(r, k, owner, type, ttl, rrs, n);
}

/* CDS and CDNSKEY at the apex, when the run makes its own (RFC 7344). */
static bool our_cds(const run_t *r, const sl_node_t *n, uint16_t t)
{
	return r->cfg->cds && (n->flags & SL_NODE_APEX) &&
	       (t == SL_TYPE_CDS || t == SL_TYPE_CDNSKEY);
}

/* Drops the DNSSEC records a version brings (ours from the last run, or a file's). */
static int drop_dnssec(run_t *r, const sl_node_t *n)
{
	for (unsigned i = 0; i < n->nrrsets; i++) {
		uint16_t t = n->rrsets[i].type;

		if (!(zs_signer_type(t) || our_cds(r, n, t)) ||
		    (i > 0 && n->rrsets[i - 1].type == t))
			continue;
		int rc = sl_zone_txn_remove_rrset(r->am, n->owner, t);

		if (rc != SL_OK && rc != SL_ENOTFOUND)
			return sl_error_set(r->err, rc, "cannot remove old DNSSEC records: %s",
					    sl_strerror(rc));
	}
	return SL_OK;
}

/* The CDNSKEY and CDS RRsets (RFC 7344 §3) of the key-signing keys, signed by @p ksk. */
static int add_cds(run_t *r, const skey_t *ksk, const uint8_t *apex, uint32_t ttl)
{
	const keyset_t *ks = r->cfg->keys;
	uint8_t ds[2][4 + 64];
	rd_t keys[2], cds[2];
	size_t n = 0, len;
	int rc;

	for (unsigned i = 0; i < ks->n; i++) {
		const skey_t *k = &ks->k[i];

		if (k->role == SK_ZSK)
			continue;
		rc = dk_ds_digest(apex, k->dnskey, k->dnskey_len, r->cfg->cds_digest, ds[n],
				  sizeof(ds[n]), &len);
		if (rc != SL_OK)
			return sl_error_set(r->err, rc, "cannot make the CDS of key %u", k->tag);
		keys[n] = (rd_t){ k->dnskey, k->dnskey_len };
		cds[n] = (rd_t){ ds[n], (uint16_t)len };
		n++;
	}
	if (n == 0)
		return SL_OK;
	rc = zs_add_signed(r, ksk, apex, SL_TYPE_CDNSKEY, ttl, keys, n);
	return rc == SL_OK ? zs_add_signed(r, ksk, apex, SL_TYPE_CDS, ttl, cds, n) : rc;
}

int zs_sign_version(const zsign_cfg_t *cfg, const uint8_t *apex, const sl_zone_version_t *to,
		    sl_zone_txn_t *am, uint32_t *earliest, sl_error_t *err)
{
	run_t r = { .cfg = cfg, .am = am, .err = err };
	const keyset_t *ks = cfg->keys;
	const skey_t *ksk = NULL, *zsk = NULL;
	const sl_node_t *ap = sl_zone_apex(to), *n, **chain = NULL;
	const sl_rrset_t *soa = sl_node_rrset(ap, SL_TYPE_SOA);
	size_t nc = 0, cap = 0;
	sl_zone_iter_t it;
	int rc = SL_OK;

	for (unsigned i = 0; i < ks->n; i++) {
		if (ks->k[i].role != SK_ZSK)
			ksk = &ks->k[i];
		if (ks->k[i].role != SK_KSK)
			zsk = &ks->k[i];
	}
	if (!ksk || !zsk || !soa || soa->data_len < 2 + 22)
		return sl_error_set(err, SL_EINVAL, "no keys or no SOA");
	r.canon = malloc(65535);
	if (!r.canon)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	memcpy(r.apex, apex, sl_name_len(apex));
	sl_name_tolower(r.apex);
	/* Inception an hour back for clocks behind ours (RFC 6781 §4.4.2). */
	r.inception = (uint32_t)(cfg->now - 3600);
	r.expiration = (uint32_t)(cfg->now + cfg->lifetime);
	/* NSEC TTL: min(SOA MINIMUM, SOA TTL) (RFC 4034 §4, RFC 9077). */
	uint16_t soalen = (uint16_t)(soa->data[0] << 8 | soa->data[1]);
	const uint8_t *min = soa->data + 2 + soalen - 4;
	uint32_t minimum = (uint32_t)min[0] << 24 | (uint32_t)min[1] << 16 |
			   (uint32_t)min[2] << 8 | min[3];
	uint32_t nsec_ttl = minimum < soa->ttl ? minimum : soa->ttl;

	/* Pass 1: drop old DNSSEC records, collect the chain. */
	sl_zone_iter_init(&it, to);
	while (rc == SL_OK && (n = sl_zone_iter_next(&it)) != NULL) {
		rc = drop_dnssec(&r, n);
		if (rc == SL_OK && zs_in_chain(n)) {
			if (nc == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				const sl_node_t **c = realloc(chain, ncap * sizeof(*c));

				if (!c) {
					rc = sl_error_set(err, SL_ENOMEM, "out of memory");
					break;
				}
				chain = c;
				cap = ncap;
			}
			chain[nc++] = n;
		}
	}
	/* The DNSKEY RRset, signed by the key-signing key. */
	if (rc == SL_OK) {
		rd_t keys[2];

		for (unsigned i = 0; i < ks->n; i++)
			keys[i] = (rd_t){ ks->k[i].dnskey, ks->k[i].dnskey_len };
		rc = zs_add_signed(&r, ksk, ap->owner, SL_TYPE_DNSKEY, soa->ttl, keys, ks->n);
	}
	/* CDS and CDNSKEY of the key-signing keys (RFC 7344 §4: signed by them). */
	if (rc == SL_OK && cfg->cds)
		rc = add_cds(&r, ksk, ap->owner, soa->ttl);
	/* The NSEC3PARAM (RFC 5155 §4: flags 0), signed by the zone-signing key. */
	if (rc == SL_OK && cfg->denial == ZS_NSEC3) {
		uint8_t p[5 + 255];
		rd_t one = { p, (uint16_t)(5 + cfg->nsec3_saltlen) };

		p[0] = 1;   /* SHA-1 */
		p[1] = 0;
		zs_put16(p + 2, cfg->nsec3_iterations);
		p[4] = cfg->nsec3_saltlen;
		memcpy(p + 5, cfg->nsec3_salt, cfg->nsec3_saltlen);
		rc = zs_add_signed(&r, zsk, ap->owner, SL_TYPE_NSEC3PARAM, nsec_ttl, &one, 1);
	}
	/* Pass 2: NSEC chain (or NSEC3 chain after it) and RRSIGs. */
	for (size_t i = 0; i < nc && rc == SL_OK; i++) {
		n = chain[i];
		if (cfg->denial == ZS_NSEC)
			rc = add_nsec(&r, zsk, n, chain[(i + 1) % nc]->owner, nsec_ttl);
		for (unsigned j = 0; j < n->nrrsets && rc == SL_OK; j++) {
			if (signed_here(n, n->rrsets[j].type) && !our_cds(&r, n, n->rrsets[j].type))
				rc = sign_stored(&r, zsk, n->owner, &n->rrsets[j]);
		}
	}
	if (rc == SL_OK && cfg->denial == ZS_NSEC3)
		rc = zs_nsec3_chain(&r, zsk, to, chain, nc, nsec_ttl);
	free(chain);
	free(r.data.p);
	free(r.canon);
	if (rc == SL_OK && earliest)
		*earliest = r.earliest;
	return rc;
}
