/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: the map. Rules are tried in order; the first that
 * matches gives the pools. The ECS scope (RFC 7871 §7.2.1) is the longest
 * prefix of the client's address any rule tried needed: a network rule that
 * did not match needed the bits up to the first one that differs, one that
 * matched its whole length, a database rule the length of the database's
 * network. Every address sharing that many leading bits with the client
 * gets the same rule, so a resolver may cache the answer for all of them.
 */
#include <string.h>
#include "geo.h"

/* The address bits of @sa (4 or 16 octets); NULL for other families. */
static const uint8_t *addr_bits(const struct sockaddr *sa, unsigned *nbits)
{
	if (sa->sa_family == AF_INET) {
		*nbits = 32;
		return (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	}
	if (sa->sa_family == AF_INET6) {
		*nbits = 128;
		return ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	}
	return NULL;
}

/*
 * Matches a network rule; *@need = how many leading bits of the address
 * decided it (0 when the families differ: no address of this family could
 * match).
 */
static bool match_network(const sl_prefix_t *p, const struct sockaddr *sa, unsigned *need)
{
	unsigned nbits;
	const uint8_t *a = addr_bits(sa, &nbits);
	*need = 0;
	if (!a || (p->family == AF_INET) != (nbits == 32))
		return false;
	for (unsigned i = 0; i < p->len; i++) {
		unsigned bit = 0x80u >> (i % 8);
		if ((a[i / 8] & bit) != (p->addr[i / 8] & bit)) {
			*need = i + 1;
			return false;
		}
	}
	*need = p->len;
	return true;
}

/* Lookups are done once per query, on first need. */
struct located {
	bool have_loc, have_asn;
	geo_loc_t loc, asn;
};

static bool match_db(const geo_t *g, const geo_name_t *name, const geo_rule_t *r,
		     const struct sockaddr *sa, struct located *l, unsigned *need)
{
	if (r->kind == GEO_MATCH_ASN) {
		if (!l->have_asn) {
			geo_db_asn(atomic_load_explicit(&g->asn_db, memory_order_acquire), sa,
				   &l->asn);
			l->have_asn = true;
		}
		*need = l->asn.netmask;
		return l->asn.asn != 0 && l->asn.asn == r->asn;
	}
	if (!l->have_loc) {
		geo_db_locate(atomic_load_explicit(&g->db, memory_order_acquire), sa, name->need,
			      &l->loc);
		l->have_loc = true;
	}
	*need = l->loc.netmask;
	switch (r->kind) {
	case GEO_MATCH_COUNTRY:
		return strcmp(l->loc.country, r->code) == 0;
	case GEO_MATCH_CONTINENT:
		return strcmp(l->loc.continent, r->code) == 0;
	case GEO_MATCH_SUBDIVISION:
		if (strcmp(l->loc.country, r->code) != 0)
			return false;
		for (unsigned i = 0; i < l->loc.nsubdiv; i++)
			if (strcmp(l->loc.subdiv[i], r->subdiv) == 0)
				return true;
		return false;
	default:
		return false;
	}
}

const geo_rule_t *geo_match(const geo_t *g, const geo_name_t *name, const struct sockaddr *addr,
			    uint8_t *scope)
{
	struct located l = { .have_loc = false, .have_asn = false };
	unsigned widest = 0, need;
	const geo_rule_t *found = NULL;

	for (unsigned i = 0; i < name->nrules && !found; i++) {
		const geo_rule_t *r = &name->rules[i];
		bool hit;
		need = 0;
		if (r->kind == GEO_MATCH_DEFAULT)
			hit = true;
		else if (!addr)
			hit = false; /* location unknown: only "default" applies */
		else if (r->kind == GEO_MATCH_NETWORK)
			hit = match_network(&r->prefix, addr, &need);
		else
			hit = match_db(g, name, r, addr, &l, &need);
		if (need > widest)
			widest = need;
		if (hit)
			found = r;
	}
	*scope = (uint8_t)widest;
	return found;
}

const geo_pool_t *geo_pool_choose(const geo_t *g, const geo_rule_t *rule, bool *failopen)
{
	*failopen = false;
	for (unsigned i = 0; i < rule->npools; i++) {
		const geo_pool_t *p = &g->pools[rule->pools[i]];
		if (atomic_load_explicit(&p->up, memory_order_relaxed))
			return p;
	}
	*failopen = true;
	return &g->pools[rule->pools[0]];
}
