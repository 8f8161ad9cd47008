/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: the database reader and the weighted choice on their
 * own (the plugin's sources compiled in), then the plugin end to end in the
 * query pipeline (the built geo-loadbalance.so before zonefile, hand-built
 * queries with ECS options through sl_process()) against MaxMind's test
 * databases in tests/data/geoip/, whose README lists the known answers.
 */
#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "cookie.h"
#include "geo.h"
#include "loader.h"
#include "process.h"
#include "testutil.h"
#include <sluice/zone.h>

static char dbpath[1024];

/* Path of a file in tests/data/geoip/. */
static const char *data(const char *file)
{
	const char *src = getenv("SLUICE_SRCDIR");
	snprintf(dbpath, sizeof(dbpath), "%s/tests/data/geoip/%s", src ? src : ".", file);
	return dbpath;
}

static void make_addr(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, &s->sin6_addr), 1);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &s->sin_addr), 1);
	}
}

/* ---- the database reader ------------------------------------------------ */

static const struct {
	const char *addr;
	bool found;
	const char *country, *continent, *subdiv;
	unsigned netmask;
} LOCATIONS[] = {
	{ "81.2.69.142", true, "GB", "EU", "ENG", 31 },
	{ "2.125.160.216", true, "GB", "EU", "WBK", 29 },
	{ "89.160.20.112", true, "SE", "EU", "E", 28 },
	{ "216.160.83.56", true, "US", "NA", "WA", 29 },
	{ "175.16.199.1", true, "CN", "AS", "22", 24 },
	{ "2001:218::1", true, "JP", "AS", NULL, 32 },
	{ "1.128.0.1", false, "", "", NULL, 0 },
};

START_TEST(test_db_locate)
{
	geo_db_t db;
	char err[512];
	ck_assert_int_eq(geo_db_open(&db, data("GeoIP2-City-Test.mmdb"), err, sizeof(err)), SL_OK);
	for (unsigned i = 0; i < sizeof(LOCATIONS) / sizeof(LOCATIONS[0]); i++) {
		struct sockaddr_storage ss;
		geo_loc_t loc;
		make_addr(LOCATIONS[i].addr, &ss);
		geo_db_locate(&db, (struct sockaddr *)&ss, GEO_NEED_ALL, &loc);
		ck_assert_msg(loc.found == LOCATIONS[i].found, "%s", LOCATIONS[i].addr);
		ck_assert_str_eq(loc.country, LOCATIONS[i].country);
		ck_assert_str_eq(loc.continent, LOCATIONS[i].continent);
		if (LOCATIONS[i].netmask)
			ck_assert_uint_eq(loc.netmask, LOCATIONS[i].netmask);
		bool sub = LOCATIONS[i].subdiv == NULL;
		for (unsigned k = 0; k < loc.nsubdiv && !sub; k++)
			sub = strcmp(loc.subdiv[k], LOCATIONS[i].subdiv) == 0;
		ck_assert_msg(sub, "%s: subdivision %s", LOCATIONS[i].addr, LOCATIONS[i].subdiv);
	}
	geo_db_close(&db);

	/* A Country database answers the same countries. */
	ck_assert_int_eq(geo_db_open(&db, data("GeoIP2-Country-Test.mmdb"), err, sizeof(err)),
			 SL_OK);
	struct sockaddr_storage ss;
	geo_loc_t loc;
	make_addr("89.160.20.112", &ss);
	geo_db_locate(&db, (struct sockaddr *)&ss, GEO_NEED_ALL, &loc);
	ck_assert_str_eq(loc.country, "SE");
	ck_assert_str_eq(loc.continent, "EU");
	geo_db_close(&db);
}
END_TEST

START_TEST(test_db_asn)
{
	static const struct {
		const char *addr;
		uint32_t asn;
		unsigned netmask;
	} T[] = {
		{ "1.128.0.1", 1221, 11 },     { "12.81.92.1", 7018, 22 },
		{ "89.160.20.112", 29518, 17 }, { "2600:6000::1", 237, 20 },
		{ "81.2.69.142", 0, 0 },
	};
	geo_db_t db;
	char err[512];
	ck_assert_int_eq(geo_db_open(&db, data("GeoLite2-ASN-Test.mmdb"), err, sizeof(err)), SL_OK);
	for (unsigned i = 0; i < sizeof(T) / sizeof(T[0]); i++) {
		struct sockaddr_storage ss;
		geo_loc_t loc;
		make_addr(T[i].addr, &ss);
		geo_db_asn(&db, (struct sockaddr *)&ss, &loc);
		ck_assert_uint_eq(loc.asn, T[i].asn);
		if (T[i].netmask)
			ck_assert_uint_eq(loc.netmask, T[i].netmask);
	}
	geo_db_close(&db);
}
END_TEST

START_TEST(test_db_refused)
{
	static const char *const bad[] = { "bad-libmaxminddb-corrupt-search-tree.mmdb",
					   "bad-libmaxminddb-offset-integer-overflow.mmdb",
					   "LICENSE-MIT", "README.md" };
	geo_db_t db;
	char err[512];
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(geo_db_open(&db, data(bad[i]), err, sizeof(err)), SL_EMALFORMED);
		ck_assert_msg(strstr(err, bad[i]) && (strstr(err, "corrupt") ||
						      strstr(err, "not a usable")),
			      "%s", err);
		ck_assert(!db.open);
		geo_db_close(&db); /* harmless after a failed open */
	}
	ck_assert_int_eq(geo_db_open(&db, data("missing.mmdb"), err, sizeof(err)), SL_EIO);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_int_eq(geo_db_open(&db, "/", err, sizeof(err)), SL_EIO);
}
END_TEST

/* Every truncation of a good database is refused or opens; none crashes. */
START_TEST(test_db_truncated)
{
	FILE *f = fopen(data("GeoIP2-Country-Test.mmdb"), "rb");
	ck_assert_ptr_nonnull(f);
	static uint8_t buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	char tmp[] = "/tmp/sluice-geo-XXXXXX";
	int fd = mkstemp(tmp);
	ck_assert_int_ge(fd, 0);
	for (size_t len = 0; len < n; len += 97) {
		ck_assert_int_eq(ftruncate(fd, 0), 0);
		ck_assert_int_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
		geo_db_t db;
		char err[512];
		if (geo_db_open(&db, tmp, err, sizeof(err)) == SL_OK) {
			struct sockaddr_storage ss;
			geo_loc_t loc;
			make_addr("89.160.20.112", &ss);
			geo_db_locate(&db, (struct sockaddr *)&ss, GEO_NEED_ALL, &loc);
			geo_db_close(&db);
		}
	}
	close(fd);
	unlink(tmp);
}
END_TEST

/* ---- weighted choice ------------------------------------------------------ */

START_TEST(test_pick_weights)
{
	geo_member_t m[3] = { { .weight = 3 }, { .weight = 1 }, { .weight = 100 } };
	bool usable[3] = { true, true, false };
	unsigned out[3], first = 0;
	geo_rng_t rng;
	geo_rng_seed(&rng, 42);
	for (unsigned i = 0; i < 40000; i++) {
		ck_assert_uint_eq(geo_pick(&rng, m, usable, 3, 1, out), 1);
		ck_assert_uint_lt(out[0], 2); /* never the unusable one */
		first += out[0] == 0;
	}
	/* 3:1 -> 75%; with 40000 draws the standard deviation is ~0.2%. */
	ck_assert_uint_ge(first, 29400);
	ck_assert_uint_le(first, 30600);

	/* Without replacement: two answers are always the two usable members. */
	for (unsigned i = 0; i < 1000; i++) {
		ck_assert_uint_eq(geo_pick(&rng, m, usable, 3, 2, out), 2);
		ck_assert_uint_ne(out[0], out[1]);
		ck_assert_uint_lt(out[0] + out[1], 2 + 1);
	}
	/* 0 = all usable; more than there are = all usable. */
	ck_assert_uint_eq(geo_pick(&rng, m, usable, 3, 0, out), 2);
	ck_assert_uint_eq(geo_pick(&rng, m, usable, 3, 9, out), 2);
	usable[0] = usable[1] = false;
	ck_assert_uint_eq(geo_pick(&rng, m, usable, 3, 1, out), 0);

	/* The same seed gives the same sequence (reproducible tests). */
	geo_rng_t a, b;
	geo_rng_seed(&a, 7);
	geo_rng_seed(&b, 7);
	bool all[3] = { true, true, true };
	for (unsigned i = 0; i < 100; i++) {
		unsigned x[3], y[3];
		geo_pick(&a, m, all, 3, 3, x);
		geo_pick(&b, m, all, 3, 3, y);
		ck_assert_mem_eq(x, y, sizeof(x));
	}
}
END_TEST

/* ---- the plugin in the pipeline ----------------------------------------- */

static sl_runtime_t *rt;
static uint8_t arena_block[65536];
static sl_arena_t arena;
static uint8_t out[65535];
static struct sockaddr_in client;
static sl_cookie_mac_t cookie_mac;
static char zone_path[64];

static const char ZONE[] = "$ORIGIN example.com.\n$TTL 3600\n"
			   "@ SOA ns hostmaster 1 7200 3600 1209600 300\n@ NS ns\n"
			   "ns A 192.0.2.1\nwww A 192.0.2.99\nwww TXT \"geo\"\n"
			   "nomatch A 192.0.2.98\nalias A 192.0.2.97\n"
			   "target A 192.0.2.77\nalias2 CNAME www\n";

/* The map of the example, with more kinds of rule. */
#define GEO_CONF                                                                                \
	"{\"plugin\": \"geo-loadbalance\", \"database\": \"%s/GeoIP2-City-Test.mmdb\","         \
	" \"asn_database\": \"%s/GeoLite2-ASN-Test.mmdb\", \"ecs\": true, \"reload\": 0,"         \
	" \"pools\": {"                                                                         \
	"  \"eu\": {\"A\": [{\"address\": \"192.0.2.10\", \"weight\": 3},"                       \
	"                  {\"address\": \"192.0.2.11\", \"weight\": 1}],"                      \
	"          \"AAAA\": [\"2001:db8::10\"]},"                                              \
	"  \"us\": {\"A\": [\"198.51.100.10\"]},"                                               \
	"  \"asia\": {\"AAAA\": [\"2001:db8::20\"]},"                                           \
	"  \"wa\": {\"A\": [\"198.51.100.20\"]},"                                               \
	"  \"telstra\": {\"A\": [\"198.51.100.30\"]},"                                          \
	"  \"v6net\": {\"A\": [\"198.51.100.40\"]},"                                            \
	"  \"local\": {\"CNAME\": \"target\"},"                                                 \
	"  \"other\": {\"CNAME\": \"www.cdn.example.net.\"}},"                                  \
	" \"names\": {"                                                                         \
	"  \"www\": {\"ttl\": 30, \"answers\": 1, \"map\": ["                                   \
	"   {\"match\": \"country:SE\", \"pools\": [\"us\"]},"                                  \
	"   {\"match\": \"subdivision:US-WA\", \"pools\": [\"wa\"]},"                           \
	"   {\"match\": \"continent:EU\", \"pools\": [\"eu\", \"us\"]},"                        \
	"   {\"match\": \"continent:AS\", \"pools\": [\"asia\"]},"                              \
	"   {\"match\": \"asn:1221\", \"pools\": [\"telstra\"]},"                               \
	"   {\"match\": \"network:203.0.113.0/24\", \"pools\": [\"us\"]},"                      \
	"   {\"match\": \"network:2001:db8:f::/48\", \"pools\": [\"v6net\"]},"                  \
	"   {\"match\": \"network:127.0.0.0/8\", \"pools\": [\"local\"]},"                      \
	"   {\"match\": \"default\", \"pools\": [\"other\"]}]},"                                \
	"  \"all\": {\"ttl\": 60, \"map\": [{\"match\": \"default\", \"pools\": [\"eu\"]}]},"     \
	"  \"nomatch\": {\"map\": [{\"match\": \"country:SE\", \"pools\": [\"us\"]}]}}}"

static void setup_geo_ecs(bool ecs)
{
	char json[8192], dir[1024];
	sl_errlist_t el = { .count = 0 };

	snprintf(zone_path, sizeof(zone_path), "/tmp/sluice-geo-zone-XXXXXX");
	int fd = mkstemp(zone_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, ZONE, strlen(ZONE)), (ssize_t)strlen(ZONE));
	close(fd);
	data("");
	snprintf(dir, sizeof(dir), "%s", dbpath);
	dir[strlen(dir) - 1] = '\0';
	char geo[4096];
	snprintf(geo, sizeof(geo), GEO_CONF, dir, dir);
	if (!ecs) {
		char *p = strstr(geo, "\"ecs\": true");
		memcpy(p, "\"ecs\":false", 11);
	}
	snprintf(json, sizeof(json),
		 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 2,"
		 " \"plugin_path\": [\"@BUILT_PLUGINS@\"]},"
		 "\"zones\": [{\"name\": \"example.com.\", \"plugins\": [%s,"
		 " {\"plugin\": \"zonefile\", \"file\": \"%s\"}]}]}",
		 geo, zone_path);
	const char *path = tu_write_config(json);
	rt = sl_runtime_load(path, false, 0, &el);
	unlink(path);
	fputs(tu_errlist_text(&el), stderr);
	ck_assert_ptr_nonnull(rt);
	ck_assert_int_eq(sl_runtime_start(rt, NULL, &el), SL_OK);
	sl_errlist_free(&el);
	ck_assert_int_eq(sl_cookie_mac_init(&cookie_mac), SL_OK);
	sl_arena_init(&arena, arena_block, sizeof(arena_block));
	client.sin_family = AF_INET;
	client.sin_port = htons(40000);
	client.sin_addr.s_addr = htonl(0x7f000001);
	for (int i = 0; i < 500 && !sl_zone_current(rt->zones[0].zone); i++)
		usleep(10000);
	ck_assert_ptr_nonnull(sl_zone_current(rt->zones[0].zone));
}

static void setup_geo(void)
{
	setup_geo_ecs(true);
}

static void setup_geo_noecs(void)
{
	setup_geo_ecs(false);
}

static void teardown_geo(void)
{
	sl_runtime_free(rt);
	rt = NULL;
	sl_cookie_mac_free(&cookie_mac);
	unlink(zone_path);
}

/* A response, walked by hand (sl_msg_parse() refuses an ECS scope, rightly, in queries). */
typedef struct resp {
	unsigned rcode, flags;
	unsigned an, ns;
	char addrs[16][64];      /* answer A/AAAA/CNAME data as text, in order */
	uint16_t types[16];      /* answer types */
	uint32_t ttls[16];
	uint16_t ns_types[4];
	bool ecs;                /* the response carried ECS */
	unsigned scope, source;  /* its prefixes */
} resp_t;

static void walk(size_t len, resp_t *r)
{
	size_t pos = 12, nl;
	uint8_t name[SL_NAME_MAXLEN];
	memset(r, 0, sizeof(*r));
	ck_assert_uint_ge(len, 12);
	r->flags = (unsigned)out[2] << 8 | out[3];
	r->rcode = out[3] & 0x0f;
	r->an = (unsigned)out[6] << 8 | out[7];
	r->ns = (unsigned)out[8] << 8 | out[9];
	unsigned ar = (unsigned)out[10] << 8 | out[11];
	ck_assert_int_eq(sl_name_unpack(out, len, &pos, name, &nl), SL_OK);
	pos += 4;
	for (unsigned i = 0; i < r->an + r->ns + ar; i++) {
		sl_rr_t rr;
		ck_assert_int_eq(sl_msg_rr_next(out, len, &pos, &rr), SL_OK);
		pos = rr.rdata_pos + rr.rdlen;
		const uint8_t *rd = out + rr.rdata_pos;
		if (i < r->an && i < 16) {
			r->types[i] = rr.type;
			r->ttls[i] = rr.ttl;
			if (rr.type == SL_TYPE_A)
				inet_ntop(AF_INET, rd, r->addrs[i], 64);
			else if (rr.type == SL_TYPE_AAAA)
				inet_ntop(AF_INET6, rd, r->addrs[i], 64);
			else if (rr.type == SL_TYPE_CNAME) {
				size_t p = rr.rdata_pos;
				ck_assert_int_eq(sl_name_unpack(out, len, &p, name, &nl), SL_OK);
				sl_name_to_text(name, r->addrs[i], 64);
			}
		} else if (i < r->an + r->ns && i - r->an < 4) {
			r->ns_types[i - r->an] = rr.type;
		} else if (rr.type == SL_TYPE_OPT) {
			for (size_t o = 0; o + 4 <= rr.rdlen;) {
				unsigned code = (unsigned)rd[o] << 8 | rd[o + 1];
				unsigned olen = (unsigned)rd[o + 2] << 8 | rd[o + 3];
				if (code == SL_EDNS_OPT_ECS && olen >= 4) {
					r->ecs = true;
					r->source = rd[o + 6];
					r->scope = rd[o + 7];
				}
				o += 4 + olen;
			}
		}
	}
}

/* Asks @name/@type with ECS @subnet ("a.b.c.d/n", NULL: no ECS) from @client. */
static void ask(const char *name, uint16_t type, const char *subnet, resp_t *r)
{
	uint8_t q[512], opt[32];
	tu_qopt_t o = { .id = 1, .edns_version = 0, .payload = 1232 };
	if (subnet) {
		char a[64];
		const char *slash = strchr(subnet, '/');
		unsigned src = (unsigned)atoi(slash + 1);
		memcpy(a, subnet, (size_t)(slash - subnet));
		a[slash - subnet] = '\0';
		uint8_t addr[16] = { 0 };
		unsigned family = strchr(a, ':') ? 2 : 1;
		ck_assert_int_eq(inet_pton(family == 1 ? AF_INET : AF_INET6, a, addr), 1);
		unsigned alen = (src + 7) / 8;
		opt[0] = 0;
		opt[1] = SL_EDNS_OPT_ECS;
		opt[2] = 0;
		opt[3] = (uint8_t)(4 + alen);
		opt[4] = 0;
		opt[5] = (uint8_t)family;
		opt[6] = (uint8_t)src;
		opt[7] = 0;
		memcpy(opt + 8, addr, alen);
		if (src % 8 && alen)
			opt[8 + alen - 1] &= (uint8_t)(0xff << (8 - src % 8));
		o.opts = opt;
		o.opts_len = 8 + alen;
	}
	size_t qlen = tu_query(q, sizeof(q), name, type, &o);
	sl_query_in_t in = {
		.transport = SL_TRANSPORT_UDP, .wire = q, .len = qlen,
		.remote = (struct sockaddr *)&client, .remote_len = sizeof(client),
		.local = (struct sockaddr *)&client, .local_len = sizeof(client),
		.now = 1700000000, .cookie_mac = &cookie_mac,
	};
	sl_arena_reset(&arena);
	walk(sl_process(rt, &in, &arena, out, sizeof(out)), r);
}

static const struct {
	const char *subnet;
	uint16_t type;
	const char *want; /* first answer record's data */
	unsigned scope;
} MAP[] = {
	/* Sweden: country:SE -> us; the DB network is a /28. */
	{ "89.160.20.112/32", SL_TYPE_A, "198.51.100.10", 28 },
	/* Washington, US: subdivision:US-WA, /29 (the /28 rule before it needed no more). */
	{ "216.160.83.56/32", SL_TYPE_A, "198.51.100.20", 29 },
	/* China: continent:AS -> an AAAA-only pool: A is NODATA, AAAA answers. */
	{ "175.16.199.1/24", SL_TYPE_AAAA, "2001:db8::20", 24 },
	/* Japan over IPv6: continent:AS, the DB's /32. */
	{ "2001:218::1/56", SL_TYPE_AAAA, "2001:db8::20", 32 },
	/* Telstra (no location in the City DB): asn:1221, the ASN DB's /11 is the widest. */
	{ "1.128.0.1/32", SL_TYPE_A, "198.51.100.30", 11 },
	/* network:203.0.113.0/24 matched: 24 bits. */
	{ "203.0.113.7/32", SL_TYPE_A, "198.51.100.10", 24 },
	/* An IPv6 network rule. */
	{ "2001:db8:f::1/64", SL_TYPE_A, "198.51.100.40", 48 },
	/* Nothing matches: default -> CNAME out of our zones. */
	{ "198.18.0.1/32", SL_TYPE_A, "www.cdn.example.net.", 0 /* checked below */ },
};

START_TEST(test_map)
{
	resp_t r;
	for (unsigned i = 0; i < sizeof(MAP) / sizeof(MAP[0]); i++) {
		ask("www.example.com.", MAP[i].type, MAP[i].subnet, &r);
		ck_assert_uint_eq(r.rcode, SL_RCODE_NOERROR);
		ck_assert_msg(r.flags & SL_FLAG_AA, "%s", MAP[i].subnet);
		ck_assert_uint_ge(r.an, 1);
		ck_assert_msg(strcmp(r.addrs[0], MAP[i].want) == 0, "%s: got %s, want %s",
			      MAP[i].subnet, r.addrs[0], MAP[i].want);
		ck_assert_uint_eq(r.ttls[0], 30);
		ck_assert(r.ecs);
		if (MAP[i].scope)
			ck_assert_msg(r.scope == (MAP[i].scope < r.source ? MAP[i].scope : r.source),
				      "%s: scope %u, want %u", MAP[i].subnet, r.scope,
				      MAP[i].scope);
		else
			ck_assert_uint_gt(r.scope, 0); /* the address was looked at */
	}
}
END_TEST

START_TEST(test_eu_weights_and_failover_order)
{
	/* GB is in EU: the eu pool, answers 1, weights 3:1. */
	resp_t r;
	unsigned ten = 0, n = 2000;
	for (unsigned i = 0; i < n; i++) {
		ask("www.example.com.", SL_TYPE_A, "81.2.69.142/32", &r);
		ck_assert_uint_eq(r.an, 1);
		ck_assert_uint_eq(r.types[0], SL_TYPE_A);
		ck_assert(strcmp(r.addrs[0], "192.0.2.10") == 0 ||
			  strcmp(r.addrs[0], "192.0.2.11") == 0);
		ten += strcmp(r.addrs[0], "192.0.2.10") == 0;
		ck_assert_uint_eq(r.scope, 31);
	}
	/* 75% +- 5 standard deviations (~1%). */
	ck_assert_uint_ge(ten, n * 70 / 100);
	ck_assert_uint_le(ten, n * 80 / 100);

	/* "answers" absent: every member, each once. */
	ask("all.example.com.", SL_TYPE_A, "81.2.69.142/32", &r);
	ck_assert_uint_eq(r.an, 2);
	ck_assert_str_ne(r.addrs[0], r.addrs[1]);
	ck_assert_uint_eq(r.ttls[0], 60);
	/* A name whose map is only "default" does not depend on the address: scope 0. */
	ck_assert(r.ecs);
	ck_assert_uint_eq(r.scope, 0);
}
END_TEST

START_TEST(test_nodata_and_pass)
{
	resp_t r;
	/* The us pool (Sweden) has no AAAA: NODATA with the zone's SOA. */
	ask("www.example.com.", SL_TYPE_AAAA, "89.160.20.112/32", &r);
	ck_assert_uint_eq(r.rcode, SL_RCODE_NOERROR);
	ck_assert(r.flags & SL_FLAG_AA);
	ck_assert_uint_eq(r.an, 0);
	ck_assert_uint_eq(r.ns, 1);
	ck_assert_uint_eq(r.ns_types[0], SL_TYPE_SOA);
	ck_assert_uint_eq(r.scope, 28);
	/* Other types of a geo name go to zonefile. */
	ask("www.example.com.", SL_TYPE_TXT, "89.160.20.112/32", &r);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_uint_eq(r.types[0], SL_TYPE_TXT);
	/* Other names too. */
	ask("ns.example.com.", SL_TYPE_A, "89.160.20.112/32", &r);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_str_eq(r.addrs[0], "192.0.2.1");
	ask("missing.example.com.", SL_TYPE_A, NULL, &r);
	ck_assert_uint_eq(r.rcode, SL_RCODE_NXDOMAIN);
	/* A map without default that does not match: zonefile's record. */
	ask("nomatch.example.com.", SL_TYPE_A, "81.2.69.142/32", &r);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_str_eq(r.addrs[0], "192.0.2.98");
	ck_assert_uint_eq(r.scope, 31); /* the decision still looked at the address */
	/* ... and one that does. */
	ask("nomatch.example.com.", SL_TYPE_A, "89.160.20.112/32", &r);
	ck_assert_str_eq(r.addrs[0], "198.51.100.10");
	/* ANY: one RRset (RFC 8482). */
	ask("www.example.com.", SL_TYPE_ANY, "81.2.69.142/32", &r);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_uint_eq(r.types[0], SL_TYPE_A);
}
END_TEST

START_TEST(test_cname_pools)
{
	resp_t r;
	/* No ECS: the source address 127.0.0.1 matches network:127.0.0.0/8 -> CNAME target
	 * inside the zone, which the core follows to zonefile's record. */
	ask("www.example.com.", SL_TYPE_A, NULL, &r);
	ck_assert_uint_eq(r.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(r.an, 2);
	ck_assert_uint_eq(r.types[0], SL_TYPE_CNAME);
	ck_assert_str_eq(r.addrs[0], "target.example.com.");
	ck_assert_uint_eq(r.types[1], SL_TYPE_A);
	ck_assert_str_eq(r.addrs[1], "192.0.2.77");
	ck_assert(!r.ecs);
	/* A CNAME query gets the CNAME alone. */
	ask("www.example.com.", SL_TYPE_CNAME, "198.18.0.1/32", &r);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_str_eq(r.addrs[0], "www.cdn.example.net.");
	/* Source prefix 0: "do not use my address": only default; scope 0. */
	ask("www.example.com.", SL_TYPE_A, "0.0.0.0/0", &r);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_str_eq(r.addrs[0], "www.cdn.example.net.");
	ck_assert(r.ecs);
	ck_assert_uint_eq(r.scope, 0);
}
END_TEST

/* A zone-file CNAME to a geo name: the core offers the target to the plugin first. */
START_TEST(test_cname_into_geo_name)
{
	resp_t r;
	ask("alias2.example.com.", SL_TYPE_A, "89.160.20.112/32", &r);
	ck_assert_uint_eq(r.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(r.an, 2);
	ck_assert_uint_eq(r.types[0], SL_TYPE_CNAME);
	ck_assert_str_eq(r.addrs[0], "www.example.com.");
	ck_assert_uint_eq(r.types[1], SL_TYPE_A);
	ck_assert_str_eq(r.addrs[1], "198.51.100.10"); /* Sweden's pool, not the placeholder */
	ck_assert_uint_eq(r.scope, 28);
	/* NODATA after the CNAME (the us pool has no AAAA): the CNAME and the SOA. */
	ask("alias2.example.com.", SL_TYPE_AAAA, "89.160.20.112/32", &r);
	ck_assert_uint_eq(r.rcode, SL_RCODE_NOERROR);
	ck_assert_uint_eq(r.an, 1);
	ck_assert_uint_eq(r.types[0], SL_TYPE_CNAME);
	ck_assert_uint_eq(r.ns, 1);
	ck_assert_uint_eq(r.ns_types[0], SL_TYPE_SOA);
}
END_TEST

START_TEST(test_ecs_off_uses_source)
{
	resp_t r;
	/* ECS says Sweden, but ECS is off: the source 127.0.0.1 decides (local CNAME). */
	ask("www.example.com.", SL_TYPE_A, "89.160.20.112/32", &r);
	ck_assert_uint_eq(r.types[0], SL_TYPE_CNAME);
	ck_assert_str_eq(r.addrs[0], "target.example.com.");
	ck_assert(r.ecs);
	ck_assert_uint_eq(r.scope, 0);
}
END_TEST

/* ---- configuration errors ---------------------------------------------- */

/* Loads a config whose zone chain is @plugin; returns the errors' text joined. */
static bool config_fails(const char *plugin, const char *want)
{
	char json[8192];
	static char all[16384];
	sl_errlist_t el = { .count = 0 };
	snprintf(json, sizeof(json),
		 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1,"
		 " \"plugin_path\": [\"@BUILT_PLUGINS@\"]},"
		 "\"zones\": [{\"name\": \"example.com.\", \"plugins\": [%s]}]}", plugin);
	const char *path = tu_write_config(json);
	sl_runtime_t *r = sl_runtime_load(path, true, 0, &el);
	unlink(path);
	snprintf(all, sizeof(all), "%s", tu_errlist_text(&el));
	sl_errlist_free(&el);
	if (r)
		sl_runtime_free(r);
	if (!r && strstr(all, want))
		return true;
	fprintf(stderr, "want \"%s\", got:\n%s", want, all);
	return false;
}

START_TEST(test_config_errors)
{
	char p[2048];
	data("");
	/* Corrupt databases are refused with their reason. */
	snprintf(p, sizeof(p),
		 "{\"plugin\": \"geo-loadbalance\", \"database\": \"%s"
		 "bad-libmaxminddb-corrupt-search-tree.mmdb\", \"pools\": {\"a\": {\"A\": "
		 "[\"192.0.2.1\"]}}, \"names\": {\"www\": {\"map\": [{\"match\": \"default\", "
		 "\"pools\": [\"a\"]}]}}}",
		 dbpath);
	ck_assert(config_fails(p, "plugins[0].database: "));
	ck_assert(config_fails(p, "corrupt MaxMind database: search tree"));
	snprintf(p, sizeof(p),
		 "{\"plugin\": \"geo-loadbalance\", \"asn_database\": \"%s"
		 "bad-libmaxminddb-offset-integer-overflow.mmdb\", \"pools\": {\"a\": {\"A\": "
		 "[\"192.0.2.1\"]}}, \"names\": {\"www\": {\"map\": [{\"match\": \"asn:1\", "
		 "\"pools\": [\"a\"]}]}}}",
		 dbpath);
	ck_assert(config_fails(p, "plugins[0].asn_database: "));
	ck_assert(config_fails(p, "not a usable MaxMind database"));

#define POOLS "\"pools\": {\"a\": {\"A\": [\"192.0.2.1\"]}}"
#define GEO(rest) "{\"plugin\": \"geo-loadbalance\", " rest "}"
	ck_assert(config_fails(GEO(POOLS ", \"names\": {\"www\": {\"map\": [{\"match\": "
					  "\"country:SE\", \"pools\": [\"a\"]}]}}"),
			       "map[0].match: \"country:SE\" needs a location database"));
	ck_assert(config_fails(GEO(POOLS ", \"names\": {\"www\": {\"map\": [{\"match\": "
					  "\"network:10.1.2.3/8\", \"pools\": [\"a\"]}]}}"),
			       "names.www.map[0].match: \"network:10.1.2.3/8\""));
	ck_assert(config_fails(GEO(POOLS ", \"names\": {\"www\": {\"map\": [{\"match\": "
					  "\"default\", \"pools\": [\"b\"]}]}}"),
			       "map[0].pools[0]: no pool named \"b\""));
	ck_assert(config_fails(GEO(POOLS ", \"names\": {\"www\": {\"map\": ["
					  "{\"match\": \"default\", \"pools\": [\"a\"]},"
					  "{\"match\": \"network:10.0.0.0/8\", \"pools\": [\"a\"]}]}}"),
			       "map[1]: never used: it follows the \"default\" rule"));
	ck_assert(config_fails(GEO(POOLS ", \"names\": {\"www.example.org.\": {\"map\": ["
					  "{\"match\": \"default\", \"pools\": [\"a\"]}]}}"),
			       "is not inside the zone example.com."));
	ck_assert(config_fails(GEO("\"pools\": {\"a\": {\"A\": [\"2001:db8::1\"]}}, "
				   "\"names\": {\"www\": {\"map\": [{\"match\": \"default\", "
				   "\"pools\": [\"a\"]}]}}"),
			       "pools.a.A[0]: \"2001:db8::1\" is not an IPv4 address"));
	ck_assert(config_fails(GEO("\"pools\": {\"a\": {\"A\": [{\"address\": \"192.0.2.1\", "
				   "\"wieght\": 2}]}}, \"names\": {\"www\": {\"map\": [{\"match\": "
				   "\"default\", \"pools\": [\"a\"]}]}}"),
			       "pools.a.A[0].wieght: unknown key"));
	ck_assert(config_fails(GEO("\"pools\": {\"a\": {\"CNAME\": \"x\", \"A\": [\"192.0.2.1\"]}}, "
				   "\"names\": {\"www\": {\"map\": [{\"match\": \"default\", "
				   "\"pools\": [\"a\"]}]}}"),
			       "pools.a.CNAME: a pool has either a CNAME or addresses"));
	ck_assert(config_fails(GEO("\"checks\": {\"w\": {\"type\": \"http\", \"interval\": 1, "
				   "\"timeout\": 3}}, " POOLS ", \"names\": {\"www\": {\"map\": "
				   "[{\"match\": \"default\", \"pools\": [\"a\"]}]}}"),
			       "checks.w.timeout: 3 s is longer than the interval (1 s)"));
	ck_assert(config_fails(GEO("\"checks\": {\"w\": {\"type\": \"smtp\"}}, " POOLS
				   ", \"names\": {\"www\": {\"map\": [{\"match\": \"default\", "
				   "\"pools\": [\"a\"]}]}}"),
			       "checks.w.type: \"smtp\" is not a check type"));
	ck_assert(config_fails(GEO(POOLS), "plugins[0].names: required"));
	ck_assert(config_fails(GEO(POOLS ", \"names\": {\"www\": {\"map\": [{\"match\": "
					  "\"default\", \"pools\": [\"a\"]}]}}, \"colour\": 1"),
			       "plugins[0].colour: unknown key"));
#undef GEO
#undef POOLS
}
END_TEST

/* ---- hostile configurations ---------------------------------------------- */

/* Every node of @v, depth first (pointers into @v, borrowed). */
static void collect(json_t *v, json_t **all, unsigned *n, unsigned cap)
{
	if (*n < cap)
		all[(*n)++] = v;
	const char *key;
	json_t *child;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach(v, key, child)
			collect(child, all, n, cap);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			collect(child, all, n, cap);
	}
}

/* Replaces a random node's members/elements with hostile values: no crash, no leak. */
START_TEST(test_config_mutations)
{
	char dir[1024], geo[4096];
	data("");
	snprintf(dir, sizeof(dir), "%s", dbpath);
	dir[strlen(dir) - 1] = '\0';
	snprintf(geo, sizeof(geo), GEO_CONF, dir, dir);
	static const char *const hostile[] = {
		"null", "-1", "0", "1e300", "4294967296", "\"\"", "[]", "{}", "true", "\"x\"",
		"\"country:\"", "\"network:::/0\"", "\"network:0.0.0.0/0\"", "\"asn:0\"",
		"\"subdivision:GB-\"", "\"default\"", "[\"eu\", \"eu\"]", "\"..\"",
		"\"2001:db8::1\"", "\"192.0.2.1\"", "{\"address\": 1}", "[{}]", "[[]]",
		"\"\\u0000\"", "65536", "0.001",
	};
	geo_rng_t rng;
	geo_rng_seed(&rng, 2026);
	for (unsigned iter = 0; iter < 300; iter++) {
		json_error_t jerr;
		json_t *root = json_loads(geo, 0, &jerr);
		ck_assert_ptr_nonnull(root);
		json_t *nodes[512];
		for (unsigned k = 0; k < 1 + iter % 3; k++) {
			unsigned n = 0; /* again: the last replacement freed nodes */
			collect(root, nodes, &n, 512);
			geo_member_t one[1] = { { .weight = 1 } };
			bool use[1] = { true };
			unsigned pick[1], r[3];
			for (unsigned j = 0; j < 3; j++) {
				/* geo_pick() with one member is a cheap source of numbers. */
				geo_pick(&rng, one, use, 1, 1, pick);
				r[j] = (unsigned)(rng.s >> 17);
			}
			json_t *target = nodes[r[0] % n];
			json_t *val = json_loads(hostile[r[1] % (sizeof(hostile) / sizeof(*hostile))],
						 JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
			ck_assert_ptr_nonnull(val);
			if (json_is_object(target) && json_object_size(target)) {
				void *it = json_object_iter(target);
				for (unsigned skip = r[2] % json_object_size(target); skip--;)
					it = json_object_iter_next(target, it);
				json_object_iter_set_new(target, it, val);
			} else if (json_is_array(target) && json_array_size(target)) {
				json_array_set_new(target, r[2] % json_array_size(target), val);
			} else {
				json_decref(val);
			}
		}
		char *text = json_dumps(root, JSON_COMPACT);
		json_decref(root);
		ck_assert_ptr_nonnull(text);
		char json[16384];
		snprintf(json, sizeof(json),
			 "{\"server\": {\"listen\": [\"127.0.0.1:5353\"], \"workers\": 1,"
			 " \"plugin_path\": [\"@BUILT_PLUGINS@\"]},"
			 "\"zones\": [{\"name\": \"example.com.\", \"plugins\": [%s]}]}",
			 text);
		free(text);
		sl_errlist_t el = { .count = 0 };
		const char *path = tu_write_config(json);
		sl_runtime_t *r0 = sl_runtime_load(path, true, 0, &el);
		unlink(path);
		/* Refused with a message, or accepted: never silently refused. */
		ck_assert(r0 || el.count > 0);
		sl_errlist_free(&el);
		if (r0)
			sl_runtime_free(r0);
	}
}
END_TEST

Suite *tu_suite(void)
{
	Suite *s = suite_create("geo-loadbalance");
	TCase *tc = tcase_create("database");
	tcase_add_test(tc, test_db_locate);
	tcase_add_test(tc, test_db_asn);
	tcase_add_test(tc, test_db_refused);
	tcase_add_test(tc, test_db_truncated);
	suite_add_tcase(s, tc);
	tc = tcase_create("pick");
	tcase_add_test(tc, test_pick_weights);
	suite_add_tcase(s, tc);
	tc = tcase_create("pipeline");
	tcase_add_checked_fixture(tc, setup_geo, teardown_geo);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_eu_weights_and_failover_order);
	tcase_add_test(tc, test_nodata_and_pass);
	tcase_add_test(tc, test_cname_pools);
	tcase_add_test(tc, test_cname_into_geo_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("ecs-off");
	tcase_add_checked_fixture(tc, setup_geo_noecs, teardown_geo);
	tcase_add_test(tc, test_ecs_off_uses_source);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_config_mutations);
	suite_add_tcase(s, tc);
	return s;
}
