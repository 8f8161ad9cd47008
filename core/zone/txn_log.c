/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The full-load log of a transaction (SL_TXN_EMPTY: zone files, AXFR):
 * appending records, replaying them into the overlay when the transaction
 * reads or removes, and the full build of a version from it at commit.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zone.h>

#include "zone_int.h"

/*
 * Full-load log. Records arrive grouped by owner (zone files, AXFR), so the
 * log is a sequence of fragments, one per run of records with the same
 * owner, in mmap'd chunks: [frag header][key][owner][records...]. Commit
 * sorts an index of fragments, then turns fragments into name nodes in
 * arrival order and unmaps each chunk once it is consumed, so a full load
 * never holds the log and the finished zone in full at the same time.
 */
typedef struct fchunk {
	struct fchunk *next;
	size_t used, cap;      /* cap: bytes after the header */
} fchunk_t;

#define FCHUNK_SIZE (1u << 20)
#define FCHUNK_HDR ((sizeof(fchunk_t) + 7) & ~(size_t)7)
#define FCHUNK_DATA(c) ((uint8_t *)(c) + FCHUNK_HDR)

typedef struct frag {
	uint32_t group;        /* rank of its name in canonical order (commit) */
	uint32_t seq;          /* arrival rank of its first record */
	uint32_t size;         /* bytes of records */
	uint32_t nrec;
	uint16_t keylen;
	uint8_t ownerlen;
	uint8_t multi;         /* its name also has other fragments */
	uint8_t data[];        /* key, owner, padding to 4, records */
} frag_t;

typedef struct frec {
	uint32_t ttl;
	uint32_t wline;
	uint16_t type;
	uint16_t rdlen;
	uint16_t wfile;        /* index in the txn's where table, or NO_WHERE */
	uint16_t pad;
	uint8_t rdata[];
} frec_t;

#define NO_WHERE 0xFFFF
#define MAX_WHERE_FILES 4096

static inline size_t frag_hdr(size_t keylen, size_t ownerlen)
{
	return (sizeof(frag_t) + keylen + ownerlen + 3) & ~(size_t)3;
}

static inline size_t frec_size(size_t rdlen)
{
	return (sizeof(frec_t) + rdlen + 3) & ~(size_t)3;
}

static inline frec_t *frag_recs(const frag_t *f)
{
	return (frec_t *)(void *)((uint8_t *)(uintptr_t)f + frag_hdr(f->keylen, f->ownerlen));
}

static inline frec_t *frec_next(const frec_t *r)
{
	return (frec_t *)(void *)((uint8_t *)(uintptr_t)r + frec_size(r->rdlen));
}

static inline size_t frag_total(const frag_t *f)
{
	return (frag_hdr(f->keylen, f->ownerlen) + f->size + 7) & ~(size_t)7;
}

/* Sort index: 16 key octets inline so most comparisons touch no fragment. */
typedef struct fl_ent {
	uint64_t pfx, pfx2;
	frag_t *f;
} fl_ent_t;

/* A log record and its arrival rank, for sorting one name's records. */
typedef struct rp {
	const frec_t *r;
	uint32_t ord;
} rp_t;

static void fchunk_free(fchunk_t *c)
{
	munmap(c, FCHUNK_HDR + c->cap);
}

/* Drops the records and the sort index (what the log holds besides the "where" table). */
static void log_drop(sl_zone_txn_t *t)
{
	while (t->fhead) {
		fchunk_t *c = t->fhead;

		t->fhead = c->next;
		fchunk_free(c);
	}
	t->ftail = NULL;
	t->cur = NULL;
	free(t->ents);
	t->ents = NULL;
	t->nents = t->capents = 0;
}

void sl_zi_log_free(sl_zone_txn_t *t)
{
	log_drop(t);
	for (unsigned i = 0; i < t->nwfiles; i++)
		free(t->wfiles[i]);
	free(t->wfiles);
	t->wfiles = NULL;
	t->nwfiles = 0;
	t->capwfiles = 0;
}

/* Interns the file part of a "file:line" where (NO_WHERE when absent or too many). */
static void fl_where(sl_zone_txn_t *t, const char *where, uint16_t *wfile, uint32_t *wline)
{
	size_t len, plen;
	uint32_t line = 0;
	unsigned i;

	*wfile = NO_WHERE;
	*wline = 0;
	if (!where)
		return;
	len = plen = strnlen(where, WHERE_MAX);
	const char *colon = memrchr(where, ':', len);

	if (colon && len - (size_t)(colon - where) - 1 >= 1 &&
	    len - (size_t)(colon - where) - 1 <= 9) {
		uint32_t v = 0;
		const char *d;

		for (d = colon + 1; d < where + len && *d >= '0' && *d <= '9'; d++)
			v = v * 10 + (uint32_t)(*d - '0');
		if (d == where + len && v > 0) {
			plen = (size_t)(colon - where);
			line = v;
		}
	}
	i = t->lastw;
	if (i >= t->nwfiles || strncmp(t->wfiles[i], where, plen) || t->wfiles[i][plen]) {
		for (i = 0; i < t->nwfiles; i++) {
			if (!strncmp(t->wfiles[i], where, plen) && !t->wfiles[i][plen])
				break;
		}
		if (i == t->nwfiles) {
			if (t->nwfiles >= MAX_WHERE_FILES)
				return;
			if (sl_zgrow((void **)&t->wfiles, &t->capwfiles, t->nwfiles + 1,
				     sizeof(*t->wfiles), 1) != SL_OK)
				return;
			if (sl_zfail() || !(t->wfiles[i] = strndup(where, plen)))
				return;
			t->nwfiles++;
		}
	}
	t->lastw = i;
	*wfile = (uint16_t)i;
	*wline = line;
}

int sl_zi_log_add(sl_zone_txn_t *t, const uint8_t *key, size_t klen, const uint8_t *owner,
		  uint16_t type, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		  const char *where)
{
	size_t rs = frec_size(rdlen);
	fchunk_t *c = t->ftail;
	frag_t *f = t->cur;
	frec_t *r;
	uint16_t wfile;
	uint32_t wline;

	if (t->seq == UINT32_MAX)
		return SL_ELIMIT;
	/* Same owner as the previous record: extend its fragment in place. */
	if (f && f->keylen == klen && memcmp(f->data, key, klen) == 0 &&
	    f->size <= UINT32_MAX - rs &&
	    (size_t)((uint8_t *)f - FCHUNK_DATA(c)) +
			    ((frag_hdr(f->keylen, f->ownerlen) + f->size + rs + 7) & ~(size_t)7) <=
		    c->cap) {
		r = (frec_t *)(void *)((uint8_t *)frag_recs(f) + f->size);
		f->size += (uint32_t)rs;
		f->nrec++;
		c->used = (size_t)((uint8_t *)f - FCHUNK_DATA(c)) + frag_total(f);
	} else {
		size_t olen = sl_name_len(owner);
		size_t need = (frag_hdr(klen, olen) + rs + 7) & ~(size_t)7;

		if (sl_zgrow((void **)&t->ents, &t->capents, t->nents + 1, sizeof(*t->ents),
			     4096) != SL_OK)
			return SL_ENOMEM;
		if (!c || c->cap - c->used < need) {
			size_t hdr = FCHUNK_HDR;
			size_t cap = need > FCHUNK_SIZE - hdr ? need : FCHUNK_SIZE - hdr;
			void *m = sl_zfail() ? MAP_FAILED
					     : mmap(NULL, hdr + cap, PROT_READ | PROT_WRITE,
						    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED)
				return SL_ENOMEM;
			c = m;
			c->next = NULL;
			c->used = 0;
			c->cap = cap;
			if (t->ftail)
				t->ftail->next = c;
			else
				t->fhead = c;
			t->ftail = c;
		}
		f = (frag_t *)(void *)(FCHUNK_DATA(c) + c->used);
		f->group = 0;
		f->seq = t->seq;
		f->size = (uint32_t)rs;
		f->nrec = 1;
		f->keylen = (uint16_t)klen;
		f->ownerlen = (uint8_t)olen;
		f->multi = 0;
		memcpy(f->data, key, klen);
		memcpy(f->data + klen, owner, olen);
		c->used += frag_total(f);
		t->cur = f;
		uint64_t p2 = klen > 8 ? sl_zkey_prefix(key + 8, klen - 8) : 0;

		t->ents[t->nents++] = (fl_ent_t){ sl_zkey_prefix(key, klen), p2, f };
		r = frag_recs(f);
	}
	fl_where(t, where, &wfile, &wline);
	r->ttl = ttl;
	r->wline = wline;
	r->type = type;
	r->rdlen = rdlen;
	r->wfile = wfile;
	r->pad = 0;
	memcpy(r->rdata, rdata, rdlen);
	t->seq++;
	return SL_OK;
}

/* Fragment order: name, then arrival. */
static int fl_cmp(const void *pa, const void *pb)
{
	const fl_ent_t *a = pa, *b = pb;
	int c;

	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	if (a->pfx2 != b->pfx2)
		return a->pfx2 < b->pfx2 ? -1 : 1;
	c = sl_zkey_cmp(a->f->data, a->f->keylen, b->f->data, b->f->keylen);
	if (c)
		return c;
	return a->f->seq < b->f->seq ? -1 : a->f->seq > b->f->seq;
}

static bool fl_same(const frag_t *a, const frag_t *b)
{
	return a->keylen == b->keylen && memcmp(a->data, b->data, a->keylen) == 0;
}

static void fl_sort(sl_zone_txn_t *t)
{
	bool sorted = true;

	for (size_t i = 1; i < t->nents && sorted; i++)
		sorted = fl_cmp(&t->ents[i - 1], &t->ents[i]) <= 0;
	if (!sorted)
		qsort(t->ents, t->nents, sizeof(t->ents[0]), fl_cmp);
}

static where_t fl_rwhere(const sl_zone_txn_t *t, const frec_t *r)
{
	if (r->wfile == NO_WHERE || r->wfile >= t->nwfiles)
		return (where_t){ NULL, 0 };
	return (where_t){ t->wfiles[r->wfile], r->wline };
}

/* Record order inside a name: type, canonical RDATA, arrival. */
static int rp_cmp(const void *pa, const void *pb)
{
	const rp_t *a = pa, *b = pb;
	int c;

	if (a->r->type != b->r->type)
		return a->r->type < b->r->type ? -1 : 1;
	c = sl_zi_rdata_cmp(a->r->type, a->r->rdata, a->r->rdlen, b->r->rdata, b->r->rdlen);
	if (c)
		return c;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/*
 * One name of the log (its fragments in arrival order) as a pending name:
 * RRsets in type order, RDATA in canonical order without duplicates, each
 * RRset's TTL that of its first-added RR (one warning per RRset otherwise).
 */
static int fl_pn(const sl_zone_txn_t *t, frag_t *const *fr, size_t nfr, scratch_t *sc, pn_t *pn)
{
	size_t n = 0;

	for (size_t i = 0; i < nfr; i++)
		n += fr[i]->nrec;
	if (sl_zgrow((void **)&sc->rps, &sc->rpcap, n, sizeof(*sc->rps), 16) != SL_OK ||
	    sl_zi_scratch_reserve(sc, n, n) != SL_OK)
		return SL_ENOMEM;
	n = 0;
	for (size_t i = 0; i < nfr; i++) {
		const frec_t *r = frag_recs(fr[i]);

		for (uint32_t k = 0; k < fr[i]->nrec; k++, r = frec_next(r)) {
			sc->rps[n] = (rp_t){ r, (uint32_t)n };
			n++;
		}
	}
	/* Usually one or a handful: insertion sort; qsort for big RRsets. */
	if (n > 16) {
		qsort(sc->rps, n, sizeof(sc->rps[0]), rp_cmp);
	} else {
		for (size_t i = 1; i < n; i++) {
			rp_t x = sc->rps[i];
			size_t j = i;

			while (j > 0 && rp_cmp(&sc->rps[j - 1], &x) > 0) {
				sc->rps[j] = sc->rps[j - 1];
				j--;
			}
			sc->rps[j] = x;
		}
	}
	unsigned nsets = 0;
	size_t nrr = 0;

	for (size_t a = 0; a < n;) {
		uint16_t type = sc->rps[a].r->type;
		size_t b = a;
		const rp_t *first = &sc->rps[a];

		while (b < n && sc->rps[b].r->type == type) {
			if (sc->rps[b].ord < first->ord)
				first = &sc->rps[b];
			b++;
		}
		pn_set_t *set = &sc->sets[nsets++];
		bool warned = false;

		set->type = type;
		set->ttl = first->r->ttl;
		set->rrs = &sc->rrs[nrr];
		set->n = 0;
		for (size_t k = a; k < b; k++) {
			const frec_t *r = sc->rps[k].r;

			/* Equal RDATA sort together, first-added first: keep that one. */
			if (k > a &&
			    sl_zi_rdata_cmp(type, r->rdata, r->rdlen, sc->rps[k - 1].r->rdata,
					    sc->rps[k - 1].r->rdlen) == 0)
				continue;
			if (r->ttl != set->ttl && type != SL_TYPE_RRSIG && !warned) {
				sl_zi_warn_ttl(fl_rwhere(t, r), fr[0]->data + fr[0]->keylen, type,
					       r->ttl, set->ttl);
				warned = true;
			}
			sc->rrs[nrr++] = (tx_rr_t){ r->rdata, fl_rwhere(t, r), r->rdlen, r->ttl };
			set->n++;
		}
		a = b;
	}
	pn->key = fr[0]->data;
	pn->keylen = fr[0]->keylen;
	pn->owner = fr[0]->data + fr[0]->keylen;
	pn->nsets = nsets;
	pn->sets = sc->sets;
	return SL_OK;
}

int sl_zi_log_to_overlay(sl_zone_txn_t *t)
{
	char wbuf[WHERE_MAX + 16];
	int rc = SL_OK;

	for (fchunk_t *c = t->fhead; c && rc == SL_OK; c = c->next) {
		for (size_t off = 0; off < c->used && rc == SL_OK;) {
			const frag_t *f = (const frag_t *)(const void *)(FCHUNK_DATA(c) + off);
			const frec_t *r = frag_recs(f);

			for (uint32_t k = 0; k < f->nrec && rc == SL_OK; k++, r = frec_next(r))
				rc = sl_zi_ov_add(t, f->data, f->keylen, f->data + f->keylen,
						  r->type, r->ttl, r->rdata, r->rdlen,
						  sl_zi_where_text(fl_rwhere(t, r), wbuf,
								   sizeof(wbuf)));
			off += frag_total(f);
		}
	}
	if (rc != SL_OK)
		return rc;
	log_drop(t);
	t->bulk = false;
	return SL_OK;
}

int sl_zi_log_build(sl_zone_txn_t *t, cctx_t *c, sl_zone_version_t **out)
{
	scratch_t sc = { 0 };
	size_t ngroups = 0;
	full_t fb;
	int rc;
	pn_t pn;

	fl_sort(t);
	for (size_t i = 0; i < t->nents;) {
		size_t j = i + 1;

		while (j < t->nents && fl_same(t->ents[i].f, t->ents[j].f))
			j++;
		for (size_t k = i; k < j; k++) {
			t->ents[k].f->group = (uint32_t)ngroups;
			t->ents[k].f->multi = j - i > 1;
		}
		ngroups++;
		i = j;
	}
	if ((rc = sl_zi_full_begin(&fb, ngroups)) != SL_OK)
		return rc;
	/* Names split over several fragments first: only the index finds them all. */
	for (size_t i = 0; i < t->nents && rc == SL_OK;) {
		size_t j = i + 1;

		while (j < t->nents && fl_same(t->ents[i].f, t->ents[j].f))
			j++;
		if (j - i > 1) {
			frag_t **fr = sl_zmalloc((j - i) * sizeof(*fr));

			if (!fr) {
				rc = SL_ENOMEM;
				break;
			}
			for (size_t k = i; k < j; k++)
				fr[k - i] = t->ents[k].f;
			rc = fl_pn(t, fr, j - i, &sc, &pn);
			if (rc == SL_OK)
				rc = sl_zi_full_name(t, c, &fb, &pn, fr[0]->group);
			free(fr);
		}
		i = j;
	}
	free(t->ents);
	t->ents = NULL;
	t->nents = t->capents = 0;
	while (rc == SL_OK && t->fhead) {
		fchunk_t *ch = t->fhead;

		for (size_t off = 0; off < ch->used && rc == SL_OK;) {
			frag_t *f = (frag_t *)(void *)(FCHUNK_DATA(ch) + off);

			if (!f->multi) {
				rc = fl_pn(t, &f, 1, &sc, &pn);
				if (rc == SL_OK)
					rc = sl_zi_full_name(t, c, &fb, &pn, f->group);
			}
			off += frag_total(f);
		}
		t->fhead = ch->next;
		fchunk_free(ch);
	}
	if (!t->fhead)
		t->ftail = NULL;
	t->cur = NULL;
	sl_zi_scratch_free(&sc);
	return sl_zi_full_end(t, c, &fb, rc, out);
}
