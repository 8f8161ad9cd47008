/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: reading the options. Every problem is reported at its
 * JSON path with sl_conf_error() and reading goes on, so one
 * `sluiced --check` lists them all. Nested objects are checked for unknown
 * keys here (the core checks only the instance's own keys).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "geo.h"

/*
 * JSON paths in messages are built with snprintf into fixed buffers; a path
 * longer than the buffer (keys are the operator's) is cut, which is fine
 * for a message.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/** Longest HTTP path or Host header accepted. */
#define GEO_HTTP_TEXT_MAX 1024
/** Largest TTL accepted (one week). */
#define GEO_TTL_MAX 604800
/** Largest member weight. */
#define GEO_WEIGHT_MAX 1000000

struct ctx {
	geo_t *g;
	sl_conf_t *conf;
	const uint8_t *apex;
	bool failed;
	bool have_db, have_asn_db; /* the options are given (open or not) */
};

static void err(struct ctx *c, const char *path, const char *fmt, ...) SL_PRINTF(3, 4);

static void err(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sl_conf_error(c->conf, path, "%s", msg);
	c->failed = true;
}

/* Reports every key of @obj not in @allowed (NULL-terminated). */
static void check_keys(struct ctx *c, const char *path, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	char p[512];
	json_object_foreach(obj, key, v) {
		bool ok = false;
		for (unsigned i = 0; allowed[i] && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			snprintf(p, sizeof(p), "%s.%s", path, key);
			err(c, p, "unknown key");
		}
	}
}

/* Reads an integer member; *@out keeps its value when absent. */
static void get_int(struct ctx *c, const char *path, json_t *obj, const char *key, long long min,
		    long long max, long long *out)
{
	char p[512];
	json_t *v = json_object_get(obj, key);
	if (!v)
		return;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		err(c, p, "expected an integer in %lld..%lld", min, max);
		return;
	}
	*out = json_integer_value(v);
}

/* Reads a number member; *@out keeps its value when absent. */
static void get_num(struct ctx *c, const char *path, json_t *obj, const char *key, double min,
		    double max, double *out)
{
	char p[512];
	json_t *v = json_object_get(obj, key);
	if (!v)
		return;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max) {
		err(c, p, "expected a number in %g..%g", min, max);
		return;
	}
	*out = json_number_value(v);
}

/* Reads a string member: NULL when absent or not a string (then reported). */
static const char *get_str(struct ctx *c, const char *path, json_t *obj, const char *key,
			   bool required)
{
	char p[512];
	json_t *v = json_object_get(obj, key);
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (!v) {
		if (required)
			err(c, p, "required");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		err(c, p, "expected a non-empty string");
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		err(c, p, "contains a NUL character");
		return NULL;
	}
	return json_string_value(v);
}

/* True when @s is printable ASCII without spaces. */
static bool is_token(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 127)
			return false;
	return true;
}

/* ---- checks ----------------------------------------------------------- */

static void load_check(struct ctx *c, geo_check_t *ck, const char *name, json_t *obj)
{
	static const char *const keys[] = { "type", "port", "path", "host", "query", "qtype",
					    "interval", "timeout", "rise", "fall", NULL };
	char path[512];
	long long v;

	snprintf(path, sizeof(path), "checks.%s", name);
	ck->name = strdup(name);
	if (!json_is_object(obj)) {
		err(c, path, "expected an object");
		return;
	}
	check_keys(c, path, obj, keys);
	const char *type = get_str(c, path, obj, "type", true);
	ck->type = GEO_CHECK_TCP;
	v = 0;
	if (type && strcmp(type, "http") == 0) {
		ck->type = GEO_CHECK_HTTP;
		v = 80;
	} else if (type && strcmp(type, "dns") == 0) {
		ck->type = GEO_CHECK_DNS;
		v = 53;
	} else if (type && strcmp(type, "tcp") != 0) {
		snprintf(path, sizeof(path), "checks.%s.type", name);
		err(c, path, "\"%s\" is not a check type: expected \"tcp\", \"http\" or \"dns\"",
		    type);
		return; /* the other keys depend on the type */
	}
	if (!type)
		return;
	if (ck->type == GEO_CHECK_TCP && !json_object_get(obj, "port")) {
		snprintf(path, sizeof(path), "checks.%s.port", name);
		err(c, path, "required for a tcp check");
		snprintf(path, sizeof(path), "checks.%s", name);
	}
	get_int(c, path, obj, "port", 1, 65535, &v);
	ck->port = (uint16_t)v;

	const char *p = get_str(c, path, obj, "path", false);
	const char *host = get_str(c, path, obj, "host", false);
	char sub[512];
	if ((p || host) && ck->type != GEO_CHECK_HTTP) {
		snprintf(sub, sizeof(sub), "%s.%s", path, p ? "path" : "host");
		err(c, sub, "only for http checks");
	}
	if (p && (p[0] != '/' || !is_token(p) || strlen(p) > GEO_HTTP_TEXT_MAX)) {
		snprintf(sub, sizeof(sub), "%s.path", path);
		err(c, sub, "expected an absolute path (\"/health\") of printable characters "
			    "without spaces, at most %d", GEO_HTTP_TEXT_MAX);
		p = NULL;
	}
	if (host && (!is_token(host) || strlen(host) > GEO_HTTP_TEXT_MAX)) {
		snprintf(sub, sizeof(sub), "%s.host", path);
		err(c, sub, "expected a host name of printable characters without spaces");
		host = NULL;
	}
	ck->path = strdup(p ? p : "/");
	ck->host = host ? strdup(host) : NULL;

	const char *q = get_str(c, path, obj, "query", ck->type == GEO_CHECK_DNS);
	const char *qt = get_str(c, path, obj, "qtype", false);
	if ((q || qt) && ck->type != GEO_CHECK_DNS) {
		snprintf(sub, sizeof(sub), "%s.%s", path, q ? "query" : "qtype");
		err(c, sub, "only for dns checks");
	}
	size_t len;
	static const uint8_t root[1] = { 0 };
	if (q && sl_name_from_text(q, strlen(q), root, ck->qname, &len) != SL_OK) {
		snprintf(sub, sizeof(sub), "%s.query", path);
		err(c, sub, "\"%s\" is not a domain name", q);
	}
	ck->qtype = SL_TYPE_SOA;
	if (qt && (sl_rrtype_from_text(qt, strlen(qt), &ck->qtype) != SL_OK ||
		   sl_rrtype_is_meta(ck->qtype))) {
		snprintf(sub, sizeof(sub), "%s.qtype", path);
		err(c, sub, "\"%s\" is not a record type", qt);
	}

	ck->interval = 5;
	get_num(c, path, obj, "interval", 0.1, 86400, &ck->interval);
	ck->timeout = ck->interval < 2 ? ck->interval : 2;
	get_num(c, path, obj, "timeout", 0.01, 86400, &ck->timeout);
	if (ck->timeout > ck->interval) {
		snprintf(sub, sizeof(sub), "%s.timeout", path);
		err(c, sub, "%g s is longer than the interval (%g s)", ck->timeout, ck->interval);
	}
	v = 2;
	get_int(c, path, obj, "rise", 1, 100, &v);
	ck->rise = (unsigned)v;
	v = 3;
	get_int(c, path, obj, "fall", 1, 100, &v);
	ck->fall = (unsigned)v;
}

static void load_checks(struct ctx *c, json_t *checks)
{
	const char *key;
	json_t *v;
	if (!checks)
		return;
	if (!json_is_object(checks)) {
		err(c, "checks", "expected an object of named checks");
		return;
	}
	c->g->checks = calloc(json_object_size(checks) + 1, sizeof(geo_check_t));
	if (!c->g->checks) {
		err(c, "checks", "out of memory");
		return;
	}
	json_object_foreach(checks, key, v)
		load_check(c, &c->g->checks[c->g->nchecks++], key, v);
}

/* ---- pools ------------------------------------------------------------ */

/* The target for @ck at @rdata (4 or 16 octets), added when new. @return index or -1 */
static int target_for(struct ctx *c, const geo_check_t *ck, const uint8_t *rdata, unsigned rdlen,
		      unsigned room)
{
	geo_t *g = c->g;
	for (unsigned i = 0; i < g->ntargets; i++) {
		const geo_target_t *t = &g->targets[i];
		const struct sockaddr *sa = (const struct sockaddr *)&t->addr;
		if (t->check != ck)
			continue;
		if (rdlen == 4 && sa->sa_family == AF_INET &&
		    memcmp(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, rdata, 4) == 0)
			return (int)i;
		if (rdlen == 16 && sa->sa_family == AF_INET6 &&
		    memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, rdata, 16) ==
			    0)
			return (int)i;
	}
	if (g->ntargets >= room)
		return -1;
	geo_target_t *t = &g->targets[g->ntargets];
	memset(t, 0, sizeof(*t));
	t->check = ck;
	if (rdlen == 4) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(ck->port) };
		memcpy(&sin.sin_addr, rdata, 4);
		memcpy(&t->addr, &sin, sizeof(sin));
		t->addr_len = sizeof(sin);
		inet_ntop(AF_INET, rdata, t->text, sizeof(t->text));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(ck->port) };
		memcpy(&sin6.sin6_addr, rdata, 16);
		memcpy(&t->addr, &sin6, sizeof(sin6));
		t->addr_len = sizeof(sin6);
		inet_ntop(AF_INET6, rdata, t->text, sizeof(t->text));
	}
	atomic_init(&t->up, true);
	return (int)g->ntargets++;
}

static geo_member_t *load_members(struct ctx *c, const char *pool, const char *type, json_t *arr,
				  unsigned *count)
{
	char path[512];
	int family = strcmp(type, "A") == 0 ? AF_INET : AF_INET6;
	unsigned rdlen = family == AF_INET ? 4 : 16;

	snprintf(path, sizeof(path), "pools.%s.%s", pool, type);
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		err(c, path, "expected a non-empty array of addresses");
		return NULL;
	}
	if (json_array_size(arr) > GEO_MAX_MEMBERS) {
		err(c, path, "%zu addresses: at most %d per type", json_array_size(arr),
		    GEO_MAX_MEMBERS);
		return NULL;
	}
	geo_member_t *m = calloc(json_array_size(arr), sizeof(*m));
	if (!m) {
		err(c, path, "out of memory");
		return NULL;
	}
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		static const char *const keys[] = { "address", "weight", NULL };
		char el[512];
		const char *addr = NULL;
		long long weight = 1;
		snprintf(el, sizeof(el), "%s[%zu]", path, i);
		if (json_is_string(v)) {
			addr = json_string_value(v);
		} else if (json_is_object(v)) {
			check_keys(c, el, v, keys);
			addr = get_str(c, el, v, "address", true);
			get_int(c, el, v, "weight", 1, GEO_WEIGHT_MAX, &weight);
		} else {
			err(c, el, "expected an address or {\"address\": ..., \"weight\": ...}");
			continue;
		}
		if (!addr)
			continue;
		geo_member_t *mm = &m[*count];
		if (inet_pton(family, addr, mm->rdata) != 1) {
			if (json_is_object(v))
				snprintf(el + strlen(el), sizeof(el) - strlen(el), ".address");
			err(c, el, "\"%s\" is not an IPv%c address", addr,
			    family == AF_INET ? '4' : '6');
			continue;
		}
		bool dup = false;
		for (unsigned k = 0; k < *count && !dup; k++)
			dup = memcmp(m[k].rdata, mm->rdata, rdlen) == 0;
		if (dup) {
			err(c, el, "%s is listed twice", addr);
			continue;
		}
		mm->rdlen = (uint8_t)rdlen;
		mm->weight = (uint32_t)weight;
		mm->target = -1;
		(*count)++;
	}
	return m;
}

static void load_pool(struct ctx *c, geo_pool_t *p, const char *name, json_t *obj,
		      unsigned target_room)
{
	static const char *const keys[] = { "check", "A", "AAAA", "CNAME", NULL };
	char path[512];

	snprintf(path, sizeof(path), "pools.%s", name);
	p->name = strdup(name);
	atomic_init(&p->up, true);
	if (!json_is_object(obj)) {
		err(c, path, "expected an object");
		return;
	}
	check_keys(c, path, obj, keys);
	json_t *a = json_object_get(obj, "A"), *aaaa = json_object_get(obj, "AAAA");
	if (a)
		p->a = load_members(c, name, "A", a, &p->na);
	if (aaaa)
		p->aaaa = load_members(c, name, "AAAA", aaaa, &p->naaaa);
	const char *cname = get_str(c, path, obj, "CNAME", false);
	char sub[512];
	snprintf(sub, sizeof(sub), "%s.CNAME", path);
	if (cname) {
		size_t len;
		if (sl_name_from_text(cname, strlen(cname), c->apex, p->cname, &len) != SL_OK)
			err(c, sub, "\"%s\" is not a domain name", cname);
		else
			p->has_cname = true;
		if (a || aaaa)
			err(c, sub, "a pool has either a CNAME or addresses (RFC 2181 §10.1)");
	}
	if (!a && !aaaa && !json_object_get(obj, "CNAME"))
		err(c, path, "needs \"A\", \"AAAA\" or \"CNAME\"");

	const char *check = get_str(c, path, obj, "check", false);
	if (!check)
		return;
	const geo_check_t *ck = NULL;
	for (unsigned i = 0; i < c->g->nchecks && !ck; i++)
		if (strcmp(c->g->checks[i].name, check) == 0)
			ck = &c->g->checks[i];
	snprintf(sub, sizeof(sub), "%s.check", path);
	if (!ck) {
		err(c, sub, "no check named \"%s\" in \"checks\"", check);
		return;
	}
	if (cname) {
		err(c, sub, "a CNAME pool has no addresses to check");
		return;
	}
	for (unsigned i = 0; i < p->na; i++)
		p->a[i].target = target_for(c, ck, p->a[i].rdata, 4, target_room);
	for (unsigned i = 0; i < p->naaaa; i++)
		p->aaaa[i].target = target_for(c, ck, p->aaaa[i].rdata, 16, target_room);
}

static void load_pools(struct ctx *c, json_t *pools)
{
	const char *key;
	json_t *v;
	if (!pools) {
		err(c, "pools", "required");
		return;
	}
	if (!json_is_object(pools) || json_object_size(pools) == 0) {
		err(c, "pools", "expected a non-empty object of named pools");
		return;
	}
	/* At most one target per member. */
	size_t room = 0;
	json_object_foreach(pools, key, v) {
		if (json_is_object(v)) {
			json_t *a = json_object_get(v, "A"), *aaaa = json_object_get(v, "AAAA");
			room += json_is_array(a) ? json_array_size(a) : 0;
			room += json_is_array(aaaa) ? json_array_size(aaaa) : 0;
		}
	}
	c->g->pools = calloc(json_object_size(pools), sizeof(geo_pool_t));
	c->g->targets = calloc(room + 1, sizeof(geo_target_t));
	if (!c->g->pools || !c->g->targets) {
		err(c, "pools", "out of memory");
		return;
	}
	json_object_foreach(pools, key, v)
		load_pool(c, &c->g->pools[c->g->npools++], key, v, (unsigned)room);
}

/* ---- names and maps --------------------------------------------------- */

static bool is_alpha2(const char *s)
{
	return isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) && !s[2];
}

/* Parses a "match" string into @r; reports problems at @path. */
static void parse_match(struct ctx *c, geo_rule_t *r, const char *path, const char *m)
{
	static const char *const continents[] = { "AF", "AN", "AS", "EU", "NA", "OC", "SA", NULL };
	const char *colon = strchr(m, ':');
	const char *arg = colon ? colon + 1 : "";
	size_t kind_len = colon ? (size_t)(colon - m) : strlen(m);

	r->text = strdup(m);
	if (strcmp(m, "default") == 0) {
		r->kind = GEO_MATCH_DEFAULT;
	} else if (kind_len == 7 && strncmp(m, "country", 7) == 0) {
		r->kind = GEO_MATCH_COUNTRY;
		if (!is_alpha2(arg)) {
			err(c, path, "\"%s\": expected a two-letter ISO 3166-1 country code "
				     "(\"country:SE\")", m);
			return;
		}
		r->code[0] = (char)toupper((unsigned char)arg[0]);
		r->code[1] = (char)toupper((unsigned char)arg[1]);
	} else if (kind_len == 9 && strncmp(m, "continent", 9) == 0) {
		r->kind = GEO_MATCH_CONTINENT;
		bool ok = false;
		for (unsigned i = 0; continents[i] && !ok; i++)
			ok = strcasecmp(arg, continents[i]) == 0;
		if (!ok) {
			err(c, path, "\"%s\": expected a continent code: AF, AN, AS, EU, NA, OC or SA",
			    m);
			return;
		}
		r->code[0] = (char)toupper((unsigned char)arg[0]);
		r->code[1] = (char)toupper((unsigned char)arg[1]);
	} else if (kind_len == 11 && strncmp(m, "subdivision", 11) == 0) {
		r->kind = GEO_MATCH_SUBDIVISION;
		size_t sl = strlen(arg);
		bool ok = sl >= 4 && sl <= 6 && isalpha((unsigned char)arg[0]) &&
			  isalpha((unsigned char)arg[1]) && arg[2] == '-';
		for (size_t i = 3; ok && i < sl; i++)
			ok = isalnum((unsigned char)arg[i]);
		if (!ok) {
			err(c, path, "\"%s\": expected an ISO 3166-2 code, country-subdivision "
				     "(\"subdivision:GB-ENG\", \"subdivision:US-WA\")", m);
			return;
		}
		r->code[0] = (char)toupper((unsigned char)arg[0]);
		r->code[1] = (char)toupper((unsigned char)arg[1]);
		for (size_t i = 3; i < sl; i++)
			r->subdiv[i - 3] = (char)toupper((unsigned char)arg[i]);
	} else if (kind_len == 3 && strncmp(m, "asn", 3) == 0) {
		r->kind = GEO_MATCH_ASN;
		const char *d = arg;
		if (strncasecmp(d, "AS", 2) == 0)
			d += 2;
		char *end;
		errno = 0;
		unsigned long long n = strtoull(d, &end, 10);
		if (!isdigit((unsigned char)d[0]) || *end || errno || n == 0 || n > UINT32_MAX) {
			err(c, path, "\"%s\": expected an AS number 1..4294967295 (\"asn:64496\")",
			    m);
			return;
		}
		r->asn = (uint32_t)n;
	} else if (kind_len == 7 && strncmp(m, "network", 7) == 0) {
		r->kind = GEO_MATCH_NETWORK;
		if (sl_prefix_parse(arg, &r->prefix) != SL_OK)
			err(c, path, "\"%s\": expected an IPv4 or IPv6 address or prefix with no "
				     "bits set past its length (\"network:192.0.2.0/24\")", m);
	} else {
		err(c, path, "\"%s\": expected \"default\" or country:, continent:, "
			     "subdivision:, asn: or network: with a value", m);
	}
}

static void load_rule(struct ctx *c, geo_rule_t *r, const char *path, json_t *obj)
{
	static const char *const keys[] = { "match", "pools", NULL };
	char sub[600];

	if (!json_is_object(obj)) {
		err(c, path, "expected {\"match\": ..., \"pools\": [...]}");
		return;
	}
	check_keys(c, path, obj, keys);
	const char *m = get_str(c, path, obj, "match", true);
	snprintf(sub, sizeof(sub), "%s.match", path);
	if (m)
		parse_match(c, r, sub, m);
	if ((r->kind == GEO_MATCH_COUNTRY || r->kind == GEO_MATCH_CONTINENT ||
	     r->kind == GEO_MATCH_SUBDIVISION) &&
	    !c->have_db)
		err(c, sub, "\"%s\" needs a location database (\"database\")", m);
	if (r->kind == GEO_MATCH_ASN && !c->have_asn_db)
		err(c, sub, "\"%s\" needs an ASN database (\"asn_database\")", m);

	json_t *pools = json_object_get(obj, "pools");
	snprintf(sub, sizeof(sub), "%s.pools", path);
	if (!json_is_array(pools) || json_array_size(pools) == 0 ||
	    json_array_size(pools) > GEO_MAX_RULE_POOLS) {
		err(c, sub, "expected an array of 1..%d pool names", GEO_MAX_RULE_POOLS);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(pools, i, v) {
		char el[700];
		snprintf(el, sizeof(el), "%s[%zu]", sub, i);
		if (!json_is_string(v)) {
			err(c, el, "expected a pool name");
			continue;
		}
		unsigned k = 0;
		while (k < c->g->npools && strcmp(c->g->pools[k].name, json_string_value(v)) != 0)
			k++;
		if (k == c->g->npools) {
			err(c, el, "no pool named \"%s\" in \"pools\"", json_string_value(v));
			continue;
		}
		bool dup = false;
		for (unsigned j = 0; j < r->npools && !dup; j++)
			dup = r->pools[j] == k;
		if (dup) {
			err(c, el, "pool \"%s\" is listed twice", json_string_value(v));
			continue;
		}
		c->g->pools[k].used = true;
		r->pools[r->npools++] = k;
	}
}

static void load_name(struct ctx *c, geo_name_t *n, const char *key, json_t *obj)
{
	static const char *const keys[] = { "ttl", "answers", "map", NULL };
	char path[600];
	size_t len;

	snprintf(path, sizeof(path), "names.%s", key);
	if (sl_name_from_text(key, strlen(key), c->apex, n->owner, &len) != SL_OK) {
		err(c, path, "\"%s\" is not a domain name", key);
	} else if (c->apex && !sl_name_is_subdomain(n->owner, c->apex)) {
		char z[SL_NAME_TEXT_MAX];
		sl_name_to_text(c->apex, z, sizeof(z));
		err(c, path, "\"%s\" is not inside the zone %s", key, z);
	}
	sl_name_tolower(n->owner);
	sl_name_to_text(n->owner, n->text, sizeof(n->text));
	if (!json_is_object(obj)) {
		err(c, path, "expected an object with \"map\"");
		return;
	}
	check_keys(c, path, obj, keys);
	long long v = 30;
	get_int(c, path, obj, "ttl", 0, GEO_TTL_MAX, &v);
	n->ttl = (uint32_t)v;
	v = 0;
	get_int(c, path, obj, "answers", 0, GEO_MAX_MEMBERS, &v);
	n->answers = (unsigned)v;

	json_t *map = json_object_get(obj, "map");
	char sub[700];
	snprintf(sub, sizeof(sub), "%s.map", path);
	if (!json_is_array(map) || json_array_size(map) == 0) {
		err(c, sub, "expected a non-empty array of rules");
		return;
	}
	n->rules = calloc(json_array_size(map), sizeof(geo_rule_t));
	if (!n->rules) {
		err(c, sub, "out of memory");
		return;
	}
	size_t i;
	json_t *r;
	bool after_default = false;
	json_array_foreach(map, i, r) {
		char el[800];
		snprintf(el, sizeof(el), "%s[%zu]", sub, i);
		geo_rule_t *rule = &n->rules[n->nrules++];
		load_rule(c, rule, el, r);
		if (after_default)
			err(c, el, "never used: it follows the \"default\" rule");
		if (rule->kind == GEO_MATCH_DEFAULT && rule->text)
			after_default = true;
		if (rule->kind != GEO_MATCH_DEFAULT)
			n->located = true;
		n->need |= rule->kind == GEO_MATCH_COUNTRY	 ? GEO_NEED_COUNTRY
			   : rule->kind == GEO_MATCH_CONTINENT	 ? GEO_NEED_CONTINENT
			   : rule->kind == GEO_MATCH_SUBDIVISION ? GEO_NEED_SUBDIVISION
								 : 0;
	}
}

static void load_names(struct ctx *c, json_t *names)
{
	const char *key;
	json_t *v;
	if (!names) {
		err(c, "names", "required");
		return;
	}
	if (!json_is_object(names) || json_object_size(names) == 0) {
		err(c, "names", "expected a non-empty object of names");
		return;
	}
	geo_t *g = c->g;
	g->names = calloc(json_object_size(names) + 1, sizeof(geo_name_t)); /* +1: geo_conf_free() */
	unsigned size = 4;
	while (size < 2 * json_object_size(names))
		size *= 2;
	g->name_hash = calloc(size, sizeof(unsigned));
	if (!g->names || !g->name_hash) {
		err(c, "names", "out of memory");
		return;
	}
	g->hash_mask = size - 1;
	json_object_foreach(names, key, v) {
		geo_name_t *n = &g->names[g->nnames];
		load_name(c, n, key, v);
		if (geo_name_find(g, n->owner)) {
			char path[600];
			snprintf(path, sizeof(path), "names.%s", key);
			err(c, path, "%s is listed twice", n->text);
			for (unsigned k = 0; k < n->nrules; k++)
				free(n->rules[k].text);
			free(n->rules);
			memset(n, 0, sizeof(*n));
			continue;
		}
		unsigned h = sl_name_hash(n->owner) & g->hash_mask;
		while (g->name_hash[h])
			h = (h + 1) & g->hash_mask;
		g->name_hash[h] = ++g->nnames;
	}
}

const geo_name_t *geo_name_find(const geo_t *g, const uint8_t *qname)
{
	if (!g->name_hash)
		return NULL;
	for (unsigned h = sl_name_hash(qname) & g->hash_mask; g->name_hash[h];
	     h = (h + 1) & g->hash_mask) {
		const geo_name_t *n = &g->names[g->name_hash[h] - 1];
		if (sl_name_equal(n->owner, qname))
			return n;
	}
	return NULL;
}

/* ---- databases and the whole ---------------------------------------- */

static bool open_db(struct ctx *c, _Atomic(geo_db_t *) *slot, const char *key)
{
	char msg[1024];
	const char *path;
	if (sl_conf_string(c->conf, key, false, NULL, &path) != SL_OK) {
		c->failed = true;
		return true; /* given, but bad: reported already */
	}
	if (!path)
		return false;
	const char *full = sl_conf_resolve_path(c->conf, path);
	geo_db_t *db = calloc(1, sizeof(*db));
	if (!full || !db) {
		err(c, key, "out of memory");
		free(db);
		return true;
	}
	if (geo_db_open(db, full, msg, sizeof(msg)) != SL_OK) {
		err(c, key, "%s", msg);
		free(db);
		return true;
	}
	atomic_store(slot, db);
	return true;
}

int geo_conf_load(geo_t *g, sl_conf_t *conf)
{
	struct ctx c = { .g = g, .conf = conf, .apex = sl_instance_zone(g->inst) };

	if (sl_conf_bool(conf, "ecs", false, &g->ecs) != SL_OK)
		c.failed = true;
	if (sl_conf_double(conf, "reload", 0, 86400, 60, &g->reload) != SL_OK)
		c.failed = true;
	const char *status;
	if (sl_conf_string(conf, "status_file", false, NULL, &status) != SL_OK)
		c.failed = true;
	else if (status && !(g->status_file = sl_conf_resolve_path(conf, status)))
		err(&c, "status_file", "out of memory");
	c.have_db = open_db(&c, &g->db, "database");
	c.have_asn_db = open_db(&c, &g->asn_db, "asn_database");
	load_checks(&c, sl_conf_json(conf, "checks"));
	load_pools(&c, sl_conf_json(conf, "pools"));
	load_names(&c, sl_conf_json(conf, "names"));
	if (c.failed)
		return SL_ECONFIG;
	for (unsigned i = 0; i < g->npools; i++)
		if (!g->pools[i].used)
			sl_instance_log(g->inst, SL_LOG_WARNING,
					"pool \"%s\" is not used by any name", g->pools[i].name);
	return SL_OK;
}

void geo_conf_free(geo_t *g)
{
	geo_db_t *db = atomic_exchange(&g->db, NULL), *asn = atomic_exchange(&g->asn_db, NULL);
	if (db)
		geo_db_close(db);
	if (asn)
		geo_db_close(asn);
	free(db);
	free(asn);
	for (unsigned i = 0; i < g->nchecks; i++) {
		free(g->checks[i].name);
		free(g->checks[i].path);
		free(g->checks[i].host);
	}
	free(g->checks);
	free(g->targets);
	for (unsigned i = 0; i < g->npools; i++) {
		free(g->pools[i].name);
		free(g->pools[i].a);
		free(g->pools[i].aaaa);
	}
	free(g->pools);
	if (g->names) {
		/* Names that failed half-way may hold rules too: free up to the one being read. */
		for (unsigned i = 0; i <= g->nnames; i++) {
			for (unsigned k = 0; k < g->names[i].nrules; k++)
				free(g->names[i].rules[k].text);
			free(g->names[i].rules);
		}
	}
	free(g->names);
	free(g->name_hash);
}
