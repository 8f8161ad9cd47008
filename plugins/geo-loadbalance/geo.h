/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance — internal interfaces shared by the plugin's files:
 *
 *   geo_conf.c    JSON options -> struct geo (pools, names, rules, checks)
 *   geo_db.c      MaxMind DB open (checked in full) and allocation-free lookups
 *   geo_match.c   the map: which rule, which pools, which ECS scope
 *   geo_pick.c    weighted random choice without replacement
 *   geo_health.c  health-check thread (tcp, http, dns)
 *   geo.c         the plugin descriptor and the query handler
 *
 * Everything reachable from a worker thread is immutable after create()
 * except the health state, which is atomics written by the health thread.
 */
#ifndef SLUICE_GEO_H
#define SLUICE_GEO_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <maxminddb.h>
#include <sluice/plugin.h>

/* Nothing here is exported from the .so: only the descriptor is (SL_API). */
#pragma GCC visibility push(hidden)

/** Most members of one type in one pool. */
#define GEO_MAX_MEMBERS 64
/** Most pools one map rule lists. */
#define GEO_MAX_RULE_POOLS 16
/** Most subdivisions of a location kept for matching (City DBs have at most 2). */
#define GEO_MAX_SUBDIVISIONS 4

/** State of one random generator (xorshift64*). */
typedef struct geo_rng {
	uint64_t s;                 /**< never 0 */
} geo_rng_t;

/** What each worker owns, one cache line apart. */
typedef struct geo_worker {
	geo_rng_t rng;              /**< its random generator */
	atomic_ulong seq;           /**< odd while it reads a database (geo_reload.c) */
	uint8_t pad[48];            /**< keeps workers apart */
} geo_worker_t;

/* ---- databases -------------------------------------------------------- */

/** An open MaxMind database (mmap of a private copy of the file). */
typedef struct geo_db {
	MMDB_s mmdb;   /**< libmaxminddb handle */
	bool open;     /**< mmdb is valid */
	char path[4096]; /**< the file it came from */
	sl_file_stamp_t stamp; /**< the file as it was read */
} geo_db_t;

/**
 * Opens @p path and checks the whole file: the metadata, every node of the
 * search tree and every data record it points to. The file is first copied
 * into private memory so that a file replaced or truncated in place later
 * cannot fault a lookup. On error writes a message for operators to @p err.
 * @return SL_OK, SL_EIO (unreadable) or SL_EMALFORMED (corrupt)
 */
int geo_db_open(geo_db_t *db, const char *path, char *err, size_t errlen);

/** Closes a database opened by geo_db_open() (no-op otherwise). */
void geo_db_close(geo_db_t *db);

/** What a City/Country lookup found for one address. */
typedef struct geo_loc {
	bool found;                              /**< the address has an entry */
	uint8_t netmask;                         /**< prefix length of its network (0 when unknown) */
	char country[3];                         /**< ISO 3166-1 alpha-2, "" when absent */
	char continent[3];                       /**< continent code, "" when absent */
	char subdiv[GEO_MAX_SUBDIVISIONS][4];    /**< ISO 3166-2 subdivision codes (without country) */
	unsigned nsubdiv;                        /**< number of subdivisions */
	uint32_t asn;                            /**< autonomous system number, 0 when absent */
} geo_loc_t;

/**
 * Looks @p addr up (sockaddr_in or sockaddr_in6) in a location database:
 * country (or registered_country when absent), continent, subdivisions, as
 * far as @p need (GEO_NEED_* bits) asks; the others are left empty.
 * Allocation-free. @p loc->netmask is in the address family's own bits
 * (an IPv4 address in an IPv6 tree gets 0..32).
 */
void geo_db_locate(const geo_db_t *db, const struct sockaddr *addr, unsigned need,
		   geo_loc_t *loc);

/** What geo_db_locate() reads (bit set): only what a name's rules use. */
enum geo_need {
	GEO_NEED_COUNTRY = 1,     /**< country (registered country when absent) */
	GEO_NEED_CONTINENT = 2,   /**< continent code */
	GEO_NEED_SUBDIVISION = 4, /**< subdivisions */
	GEO_NEED_ALL = 7,         /**< all of them */
};

/** Looks @p addr up in an ASN database: loc->asn and loc->netmask. Allocation-free. */
void geo_db_asn(const geo_db_t *db, const struct sockaddr *addr, geo_loc_t *loc);

/* ---- configuration ---------------------------------------------------- */

/** Health-check protocol. */
enum geo_check_type { GEO_CHECK_TCP, GEO_CHECK_HTTP, GEO_CHECK_DNS };

/** A named check ("checks" option). */
typedef struct geo_check {
	char *name;                /**< its key in "checks" */
	enum geo_check_type type;  /**< protocol */
	uint16_t port;             /**< port to probe */
	char *path;                /**< http: request path */
	char *host;                /**< http: Host header, NULL = the member's address */
	uint8_t qname[SL_NAME_MAXLEN]; /**< dns: name queried */
	uint16_t qtype;            /**< dns: type queried */
	double interval;           /**< seconds between probes */
	double timeout;            /**< seconds a probe may take */
	unsigned rise;             /**< consecutive successes to come up */
	unsigned fall;             /**< consecutive failures to go down */
} geo_check_t;

/**
 * One probed endpoint: a member address with a check. Members with the same
 * address and check share one target. The health thread writes @p up; the
 * workers read it.
 */
typedef struct geo_target {
	const geo_check_t *check;    /**< how to probe */
	struct sockaddr_storage addr;/**< where (port set) */
	socklen_t addr_len;          /**< its length */
	char text[64];               /**< address as text, for logs */
	atomic_bool up;              /**< current state (starts up) */
	unsigned ok_run, fail_run;   /**< consecutive results (health thread only) */
} geo_target_t;

/** An address in a pool. */
typedef struct geo_member {
	uint8_t rdata[16];  /**< A or AAAA RDATA */
	uint8_t rdlen;      /**< 4 or 16 */
	uint32_t weight;    /**< relative weight, >= 1 */
	int target;         /**< index in geo.targets, -1 = unchecked (always up) */
} geo_member_t;

/** A pool: addresses of each type, or a CNAME. */
typedef struct geo_pool {
	char *name;                      /**< its key in "pools" */
	geo_member_t *a, *aaaa;          /**< members */
	unsigned na, naaaa;              /**< their numbers */
	uint8_t cname[SL_NAME_MAXLEN];   /**< CNAME target (wire), when has_cname */
	bool has_cname;                  /**< a CNAME pool */
	bool used;                       /**< referenced by a rule */
	atomic_bool up;                  /**< some member is up (health thread keeps it) */
} geo_pool_t;

/** Kinds of map rule. */
enum geo_match {
	GEO_MATCH_DEFAULT,
	GEO_MATCH_COUNTRY,
	GEO_MATCH_CONTINENT,
	GEO_MATCH_SUBDIVISION,
	GEO_MATCH_ASN,
	GEO_MATCH_NETWORK,
};

/** One "map" entry. */
typedef struct geo_rule {
	enum geo_match kind;             /**< what it matches */
	char code[4];                    /**< country / continent code */
	char subdiv[4];                  /**< subdivision code (with code = its country) */
	uint32_t asn;                    /**< ASN */
	sl_prefix_t prefix;              /**< network */
	unsigned pools[GEO_MAX_RULE_POOLS]; /**< pool indices in failover order */
	unsigned npools;                 /**< their number */
	char *text;                      /**< the "match" string, for logs */
	bool all_down;                   /**< last state logged (health thread only) */
} geo_rule_t;

/** One entry of "names". */
typedef struct geo_name {
	uint8_t owner[SL_NAME_MAXLEN];   /**< the name (wire, lower case) */
	char text[SL_NAME_TEXT_MAX];     /**< the name as text, for logs */
	uint32_t ttl;                    /**< TTL of the answers */
	unsigned answers;                /**< addresses per answer, 0 = every healthy member */
	geo_rule_t *rules;               /**< the map, in order */
	unsigned nrules;                 /**< its length */
	bool located;                    /**< some rule depends on the client's location */
	unsigned need;                   /**< GEO_NEED_* the rules read from the database */
} geo_name_t;

/** The instance. */
typedef struct geo {
	sl_instance_t *inst;             /**< for logs and counters */
	_Atomic(geo_db_t *) db;          /**< location database ("database"), NULL when none */
	_Atomic(geo_db_t *) asn_db;      /**< ASN database ("asn_database"), NULL when none */
	double reload;                   /**< seconds between database mtime checks, 0 = off */
	const char *status_file;         /**< where the health thread writes states, or NULL */
	sl_timer_t *timer;               /**< the mtime check (control loop) */
	pthread_t loader;                /**< database reload in progress */
	atomic_bool loading;             /**< loader running */
	bool loader_joinable;            /**< loader must be joined */
	sl_file_stamp_t tried[2];            /**< last file versions that failed to load */
	bool ecs;                        /**< use the ECS address when a query has one */
	geo_check_t *checks;             /**< "checks" */
	unsigned nchecks;
	geo_target_t *targets;           /**< probed endpoints */
	unsigned ntargets;
	geo_pool_t *pools;               /**< "pools" */
	unsigned npools;
	geo_name_t *names;               /**< "names" */
	unsigned nnames;
	unsigned *name_hash;             /**< open-addressing table of name index + 1 */
	unsigned hash_mask;              /**< its size - 1 */
	int c_answers, c_nodata, c_failopen, c_cname, c_nomatch; /**< counters */
	geo_worker_t *workers;           /**< per-worker state */
	unsigned nworkers;               /**< their number */
	/* health thread */
	pthread_t thread;                /**< running when thread_started */
	bool thread_started;
	int stop_fd;                     /**< eventfd that stops the thread, -1 */
} geo_t;

/**
 * Reads every option of @p conf into @p g (inst set by the caller). Reports
 * each problem with sl_conf_error(). Opens the databases.
 * @return SL_OK or SL_ECONFIG (then geo_free() frees what was built)
 */
int geo_conf_load(geo_t *g, sl_conf_t *conf);

/** Frees everything geo_conf_load() built (not @p g itself); stops nothing. */
void geo_conf_free(geo_t *g);

/** The geo_name_t for @p qname, or NULL. Allocation-free. */
const geo_name_t *geo_name_find(const geo_t *g, const uint8_t *qname);

/* ---- the map ------------------------------------------------------------ */

/**
 * Finds the rule of @p name that matches the client at @p addr (NULL: the
 * location is unknown, only "default" matches). Sets *@p scope to the
 * prefix length the decision depended on (RFC 7871 §7.2.1: the longest
 * prefix any rule tried needed to tell this client from the others).
 * @return the rule, or NULL when none matches
 */
const geo_rule_t *geo_match(const geo_t *g, const geo_name_t *name, const struct sockaddr *addr,
			    uint8_t *scope);

/**
 * The pool that answers for @p rule: the first pool that is up; when none
 * is, the first one (fail open, *@p failopen set).
 */
const geo_pool_t *geo_pool_choose(const geo_t *g, const geo_rule_t *rule, bool *failopen);

/* ---- weighted choice ------------------------------------------------------ */


/** Seeds @p rng (0 is replaced by a fixed non-zero value). */
void geo_rng_seed(geo_rng_t *rng, uint64_t seed);

/**
 * Chooses up to @p want members (0 = all) of @p members[0..n) without
 * replacement, each draw with probability proportional to the weights of
 * those left; only members whose @p usable flag is set take part. Writes
 * their indices, in the order drawn, to @p out (n entries room).
 * @return the number chosen
 */
unsigned geo_pick(geo_rng_t *rng, const geo_member_t *members, const bool *usable, unsigned n,
		  unsigned want, unsigned *out);

/* ---- database reload (geo_reload.c) ---------------------------------------- */

/**
 * Marks worker @p w as reading the databases (entering) or done (leaving):
 * a database replaced by a reload is freed only once every worker that
 * could still hold it has left. Two atomic increments of the worker's own
 * cache line per located query.
 */
static inline void geo_read_enter(geo_worker_t *w)
{
	atomic_fetch_add(&w->seq, 1);
}

/** See geo_read_enter(). */
static inline void geo_read_leave(geo_worker_t *w)
{
	atomic_fetch_add(&w->seq, 1);
}

/** Starts the mtime timer (control loop) when "reload" > 0 and a database is open. */
void geo_reload_start(geo_t *g);

/** Stops the timer and waits for a reload in progress. */
void geo_reload_stop(geo_t *g);

/**
 * Reloads the databases whose files changed since they were read, now, on
 * the calling thread: open and check the new file, publish it, wait until
 * no worker can still read the old one, free it. A file that fails keeps
 * the old database (logged once per file version).
 * @return number of databases replaced
 */
unsigned geo_reload_now(geo_t *g);

/* ---- health checks -------------------------------------------------------- */

/** Starts the health-check thread when there are targets. @return SL_OK or SL_EIO */
int geo_health_start(geo_t *g);

/** Stops and joins the health-check thread. */
void geo_health_stop(geo_t *g);

/** Copies target states from @p old for targets with the same check and address. */
void geo_health_adopt(geo_t *g, const geo_t *old);

/** Recomputes pool states and logs pools and rules whose state changed. */
void geo_health_update_pools(geo_t *g, bool log);

/**
 * Writes member and pool states as JSON to the "status_file" (if set),
 * atomically (a temporary file renamed over it). Logs a failure.
 */
void geo_health_write_status(geo_t *g);

#pragma GCC visibility pop

#endif
