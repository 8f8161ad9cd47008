/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer zone signing, internal: the state of one signing run and
 * the helpers its parts share — zsign.c (DNSKEY, CDS/CDNSKEY, NSEC3PARAM,
 * RRSIGs, NSEC chain) and nsec3.c (NSEC3 chain, RFC 5155 §7.1).
 */
#ifndef SL_DNSSEC_ZSIGN_H
#define SL_DNSSEC_ZSIGN_H

#include "signer.h"

/* Growable octet buffer for the data a signature covers. */
typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf_t;

/* RDATA of one RR as a signer sees it. */
typedef struct rd {
	const uint8_t *p;
	uint16_t len;
} rd_t;

/* Most types the signer adds at the apex (DNSKEY, NSEC3PARAM, CDS, CDNSKEY). */
#define ZS_APEX_TYPES 4

/* Zone-signing state of one run. */
typedef struct run {
	const zsign_cfg_t *cfg;
	uint8_t apex[SL_NAME_MAXLEN];   /* lower-cased */
	sl_zone_txn_t *am;
	buf_t data;
	uint8_t *canon;                 /* 65535 octets: one RDATA in canonical form */
	uint32_t inception, expiration;
	uint32_t earliest;              /* earliest expiration of the signatures made */
	uint16_t apex_types[ZS_APEX_TYPES]; /* types the run adds at the apex */
	unsigned napex;
	sl_error_t *err;
} run_t;

/** Big-endian stores. */
void zs_put16(uint8_t *p, uint16_t v);
void zs_put32(uint8_t *p, uint32_t v);

/** RFC 4034 §6.3 order of canonical RDATA (a qsort() comparator of rd_t). */
int zs_rd_cmp(const void *a, const void *b);

/** Types the signer owns: dropped from the input, made afresh. */
bool zs_signer_type(uint16_t t);

/**
 * Signs the RRset of @p type at @p owner made of @p rrs (canonical order)
 * with key @p k and adds the RRSIG to the amendment.
 */
int zs_sign_rrset(run_t *r, const skey_t *k, const uint8_t *owner, uint16_t type, uint32_t ttl,
		  const rd_t *rrs, size_t n);

/**
 * Adds the RRset of @p type at the apex @p owner (RDATA in canonical form,
 * any order) and signs it with @p k; its type is recorded for the apex's
 * NSEC/NSEC3 bitmap.
 */
int zs_add_signed(run_t *r, const skey_t *k, const uint8_t *owner, uint16_t type, uint32_t ttl,
		  rd_t *rrs, size_t n);

/**
 * The authoritative types of node @p n into @p types (room for
 * n->nrrsets + ZS_APEX_TYPES + 2): its data types (at a zone cut only NS
 * and DS), plus the run's apex types at the apex; not NSEC, NSEC3 or
 * RRSIG. Unsorted. @return how many
 */
size_t zs_node_types(const run_t *r, const sl_node_t *n, uint16_t *types);

/** Encodes @p n types (any order, sorted in place) as RFC 4034 §4.1.2 window blocks. */
size_t zs_bitmap(uint16_t *types, size_t n, uint8_t *out);

/** Longest type bitmap. */
#define ZS_BITMAP_MAX (34 * 256)

/**
 * Whether node @p n is in the NSEC chain (and hashed into the NSEC3 one):
 * authoritative, with data of its own (the apex always).
 */
bool zs_in_chain(const sl_node_t *n);

/** True for a delegation point (below the apex) without DS: insecure. */
bool zs_insecure_cut(const sl_node_t *n);

/**
 * Adds the NSEC3PARAM and the NSEC3 chain (RFC 5155 §7.1) of the nodes
 * @p chain (authoritative nodes with data, canonical order; the apex
 * first) of version @p to, signed with @p zsk, TTL @p ttl.
 */
int zs_nsec3_chain(run_t *r, const skey_t *zsk, const sl_zone_version_t *to,
		   const sl_node_t *const *chain, size_t nc, uint32_t ttl);

#endif
