/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the state of one answer, shared by answer.c (the RFC 1034
 * algorithm) and denial.c (DNSSEC denial of existence). Not installed.
 */
#ifndef SL_CORE_ANSWER_INT_H
#define SL_CORE_ANSWER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sluice/answer.h>
#include <sluice/resp.h>
#include <sluice/zone.h>

/* Outcome of one resolution step, and of the whole chain. */
enum step {
	ST_HIT,	     /* data added (or the chain left the zone / was stopped) */
	ST_NODATA,   /* the name exists, the type does not */
	ST_MISS,     /* the name does not exist: NXDOMAIN */
	ST_DELEG,    /* the name is at or below a zone cut: referral */
	ST_FOLLOW,   /* a CNAME/DNAME was added; resolve its target next */
	ST_TRUNC,    /* an answer RRset did not fit: TC, stop */
	ST_YXDOMAIN, /* DNAME substitution would exceed 255 octets (RFC 6672 §2.2) */
	ST_REFUSED,  /* the question's name is not in this zone */
	ST_SERVFAIL, /* the store reported something it must not */
	ST_PLUGIN,   /* a plugin answered the CNAME/DNAME target (result in chased) */
};

/* Most NSEC/NSEC3 records one answer carries (each CNAME hop may need a few). */
#define MAX_PROOFS 24

/* A CNAME/DNAME already written, for loop detection. */
struct visit {
	const sl_rrset_t *rrset;
	const uint8_t *owner;
};

/* Everything one query needs; lives on the handler's stack. */
struct answer {
	sl_request_t *req;
	sl_resp_t *resp;
	const sl_zone_version_t *ver;
	const sl_node_t *apex;
	uint16_t qtype;
	const uint8_t *sname;	   /* name being resolved now */
	unsigned steps;		   /* lookups done */
	unsigned hops;		   /* CNAMEs/DNAMEs followed */
	unsigned answers;	   /* RRsets this query put in the answer section */
	bool wildcard;		   /* some step was synthesised from a wildcard */
	const uint8_t *wild_owner; /* the first such wildcard's owner, for req->kind_name */
	sl_result_t chased;	   /* ST_PLUGIN: what the plugin returned */
	const sl_node_t *cut;	   /* ST_DELEG: the node whose NS RRset refers */
	const sl_rrset_t *addl;	   /* ST_HIT: answer RRset whose targets get A/AAAA */
	bool dnssec;		   /* DO set and the zone signed: RRSIGs and denial proofs */
	/*
	 * Not cleared per query: what follows is written before it is read
	 * (the denial state only with dnssec, see sl_answer_query()).
	 */
	/* What the denial proofs need (only filled in when dnssec). */
	const uint8_t *pname;	/* the name the last step looked up */
	sl_zone_lookup_t lk;	/* that lookup */
	const sl_node_t *match; /* the node it answered from (exact or wildcard), or NULL */
	struct wvisit {
		const sl_node_t *wc;  /* a wildcard a step was synthesised from */
		const uint8_t *sname; /* the name it stood in for */
	} wilds[SL_ANSWER_MAX_CNAME + 1];
	unsigned nwilds;
	const sl_node_t *proved[MAX_PROOFS]; /* NSEC/NSEC3 nodes written (each once) */
	unsigned nproved;
	/* NSEC3 parameters of the zone (NSEC3PARAM at the apex), when nsec3 */
	bool nsec3;
	uint16_t iterations;
	uint8_t saltlen;
	const uint8_t *salt;
	struct visit visited[SL_ANSWER_MAX_CNAME];
	/*
	 * One buffer per possible DNAME substitution, never reused: every sname
	 * and visited owner stays valid until the query is answered.
	 */
	uint8_t synth[SL_ANSWER_MAX_CNAME][SL_NAME_MAXLEN];
};

/** Adds a whole RRset under @p owner with TTL @p ttl, or nothing (mark/rollback). */
int sl_ans_put_rrset(sl_resp_t *resp, const uint8_t *owner, const sl_rrset_t *rrset, uint32_t ttl);

/** sl_ans_put_signed() with DNSSEC: the RRset and its RRSIGs, all or nothing. */
int sl_ans_put_with_rrsigs(struct answer *a, const uint8_t *owner, const sl_node_t *node,
			   const sl_rrset_t *rrset, uint32_t ttl);

/*
 * Adds @p rrset of @p node under @p owner with TTL @p ttl, and with DNSSEC
 * its RRSIGs (TTL capped at @p ttl), all or nothing (RFC 4035 §3.1.1).
 * Inline: without DO it is sl_ans_put_rrset() itself.
 */
static inline int sl_ans_put_signed(struct answer *a, const uint8_t *owner, const sl_node_t *node,
				    const sl_rrset_t *rrset, uint32_t ttl)
{
	if (!a->dnssec)
		return sl_ans_put_rrset(a->resp, owner, rrset, ttl);
	return sl_ans_put_with_rrsigs(a, owner, node, rrset, ttl);
}

/* ---- denial.c ------------------------------------------------------------ */

/** With DNSSEC: NSEC3 denial when the zone has a usable NSEC3PARAM (sets a->nsec3 and its
 * parameters). */
void sl_ans_nsec3param(struct answer *a);

/** Remembers a wildcard a step used, once per wildcard (RFC 4035 §3.1.3.3). */
void sl_ans_visit_wildcard(struct answer *a, const sl_node_t *wc);

/**
 * The NSEC of @p node, or the NSEC3 matching its name, with RRSIGs, into
 * the current section when it fits (optional data: no TC). Call only with
 * DNSSEC.
 */
void sl_ans_node_proof(struct answer *a, const sl_node_t *node);

/**
 * The denial proofs for the final @p state (ST_MISS, ST_NODATA, ST_DELEG,
 * ST_HIT), then those of the wildcards used, in the authority section;
 * nothing once TC is set. Call only with DNSSEC.
 */
void sl_ans_denial(struct answer *a, int state);

#endif /* SL_CORE_ANSWER_INT_H */
