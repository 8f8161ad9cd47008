/*
 * Sluice — the plugin ABI.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A plugin is a shared object exporting one constant descriptor named
 * `sluice_plugin` (use SL_PLUGIN_DEFINE). The operator composes plugin
 * instances in the JSON config: the top-level "plugins" array is the
 * server-wide chain, run for every query before zone selection; each zone's
 * "plugins" array is that zone's chain. The array order is the execution
 * order. One instance is created per JSON object.
 *
 * Processing of one query:
 *   1. the core parses the message, EDNS, ECS and cookies (admission);
 *   2. query() of each server-wide instance, in order, until one returns
 *      anything but SL_RESULT_PASS;
 *   3. zone selection: the closest enclosing configured zone (REFUSED when
 *      none); query() of each of that zone's instances, in order;
 *      SL_RESULT_FOLLOW restarts step 3 for req->follow (CNAME chasing
 *      across zones, at most SL_MAX_FOLLOW times);
 *   4. response() of every instance that ran in steps 2-3, in order, with
 *      the final result and answer kind known (rate limiting, logging);
 *   5. the core finalises: OPT (payload, DO, NSID, ECS scope, cookie, EDE,
 *      keepalive), TC and trimming for UDP, then sends.
 * If no instance answers, the core replies SERVFAIL (zone has no data
 * source) or REFUSED (no zone); for NOTIFY and UPDATE messages, NOTIMP.
 *
 * Chains see QUERY, NOTIFY and UPDATE messages (check req->query->hdr.flags
 * with SL_FLAGS_OPCODE when it matters); other opcodes, malformed messages,
 * QDCOUNT != 1, unknown EDNS versions, meta QTYPEs and CH-class queries are
 * answered by the core before any plugin runs.
 *
 * Threads: query() and response() run concurrently on every worker thread;
 * instance state they read must be immutable after create() or protected by
 * the plugin (atomics, per-worker data from worker_start()).
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <sys/socket.h>
#include <sluice/arena.h>
#include <sluice/common.h>
#include <sluice/conf.h>
#include <sluice/log.h>
#include <sluice/msg.h>
#include <sluice/name.h>
#include <sluice/resp.h>
#include <sluice/rr.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * ABI version. Bumped whenever sl_plugin_t, sl_request_t or any function a
 * plugin may call changes incompatibly; the loader refuses other versions.
 */
#define SL_PLUGIN_ABI_VERSION 1

/** Name of the descriptor symbol each plugin exports. */
#define SL_PLUGIN_SYMBOL "sluice_plugin"

/** Maximum CNAME/DNAME hops the core follows across zones for one query. */
#define SL_MAX_FOLLOW 8

/** Where a plugin may be placed (bit set). */
enum sl_plugin_scope {
	SL_SCOPE_SERVER = 1, /**< the top-level "plugins" chain */
	SL_SCOPE_ZONE = 2,   /**< a zone's "plugins" chain */
	SL_SCOPE_ANY = 3,    /**< both */
};

/**
 * The stage a plugin works at. Within one chain the phases must not
 * decrease: the loader refuses e.g. a signer (TRANSFORM) placed before the
 * data source it signs (DATA), naming both instances.
 */
enum sl_plugin_phase {
	SL_PHASE_ADMISSION = 10, /**< filtering before any answer: ACLs, rate limits */
	SL_PHASE_AUTH = 20,      /**< authentication: TSIG/SIG(0) policy */
	SL_PHASE_DATA = 30,      /**< produces answers: zone data, synthesis, geo choice */
	SL_PHASE_TRANSFORM = 40, /**< changes answers produced earlier: signing */
	SL_PHASE_EGRESS = 50,    /**< observes final answers: logging, statistics */
};

/** What a query() handler did. */
typedef enum sl_result {
	SL_RESULT_PASS = 0,   /**< not handled; run the next instance */
	SL_RESULT_DONE = 1,   /**< the response in req->resp is complete; stop */
	SL_RESULT_DROP = 2,   /**< send nothing at all */
	SL_RESULT_ERROR = 3,  /**< answer header-only with req->rcode (and req->ede_*) */
	SL_RESULT_FOLLOW = 4, /**< a CNAME/DNAME was added; continue with req->follow */
} sl_result_t;

/** What kind of answer was produced — for rate limiting and statistics. */
typedef enum sl_answer_kind {
	SL_ANSWER_NONE = 0,     /**< nothing yet */
	SL_ANSWER_POSITIVE,     /**< data for the name (incl. CNAME/DNAME chains) */
	SL_ANSWER_WILDCARD,     /**< synthesised from a wildcard (RFC 4592) */
	SL_ANSWER_NODATA,       /**< name exists, type does not */
	SL_ANSWER_NXDOMAIN,     /**< name does not exist */
	SL_ANSWER_REFERRAL,     /**< delegation to a child zone */
	SL_ANSWER_ERROR,        /**< error rcode (REFUSED, SERVFAIL, FORMERR, ...) */
	SL_ANSWER_TRANSFER,     /**< zone transfer stream */
} sl_answer_kind_t;

/** Transport a query arrived on. */
typedef enum sl_transport {
	SL_TRANSPORT_UDP = 0, /**< datagram */
	SL_TRANSPORT_TCP = 1, /**< stream (RFC 7766) */
} sl_transport_t;

/** A plugin instance as the core sees it; opaque to plugins. */
typedef struct sl_instance sl_instance_t;
/** A worker thread (its event loop, counters); opaque to plugins. */
typedef struct sl_worker sl_worker_t;
/** A zone in the zone store; defined by <sluice/zone.h>. */
struct sl_zone;

/**
 * A multi-message response (RFC 5936 zone transfer), TCP only. A handler
 * that returns SL_RESULT_DONE with req->stream.next set has its first
 * message sent from req->resp as usual; then, as the client reads, the core
 * calls next() with a fresh response (header and question already written,
 * limit 65535) for each further message. The stream is freed with free()
 * when it ends, fails or the connection closes.
 */
typedef struct sl_stream {
	/** Fills @p resp. @return 1 when more messages follow, 0 for the last one, <0 to abort */
	int (*next)(void *state, sl_resp_t *resp);
	/** Frees @p state. */
	void (*free)(void *state);
	/** The stream's own state (malloc'd: it outlives the request). */
	void *state;
} sl_stream_t;

/** Authentication state, set once by the core's admission step. */
typedef struct sl_auth {
	bool tsig;                    /**< the message carried a valid TSIG */
	const uint8_t *tsig_key;      /**< its key name (wire), or NULL */
	bool sig0;                    /**< the message carried a valid SIG(0) */
	const uint8_t *sig0_signer;   /**< the signer name (wire), or NULL */
} sl_auth_t;

/**
 * One request in flight. Valid only during the handler call; memory from
 * req->arena lives until the request ends. Plugins may write the fields
 * documented as writable.
 */
typedef struct sl_request {
	const sl_msg_t *query;          /**< the parsed query (read-only) */
	sl_transport_t transport;       /**< UDP or TCP */
	const struct sockaddr *remote;  /**< client address (sockaddr_in or _in6) */
	socklen_t remote_len;           /**< its length */
	const struct sockaddr *local;   /**< address the query arrived on */
	socklen_t local_len;            /**< its length */
	unsigned worker_id;             /**< 0 .. workers-1, for per-thread data */
	sl_worker_t *worker;            /**< the worker thread running this request */
	sl_auth_t auth;                 /**< authentication state (read-only) */
	const uint8_t *qname;           /**< name being answered: the QNAME, or a FOLLOW target */
	uint16_t qtype;                 /**< QTYPE */
	uint16_t qclass;                /**< QCLASS */
	const uint8_t *zone_name;       /**< apex of the selected zone; NULL in the server chain */
	const struct sl_zone *zone;     /**< the zone store's zone, when it has one; else NULL */
	sl_resp_t *resp;                /**< response under construction (writable via sl_resp_*) */
	sl_arena_t *arena;              /**< per-request memory, freed by the core */
	uint16_t rcode;                 /**< writable: rcode for SL_RESULT_ERROR (kind is set to ERROR by the core) */
	int ede_code;                   /**< writable: RFC 8914 info code, -1 = none */
	const char *ede_text;           /**< writable: EDE extra text (static or arena), or NULL */
	sl_answer_kind_t kind;          /**< writable: kind of answer produced */
	uint8_t ecs_scope;              /**< writable: ECS scope prefix; plugins may only raise it */
	uint8_t follow[SL_NAME_MAXLEN]; /**< writable: FOLLOW target name */
	unsigned follows;               /**< FOLLOW hops taken so far */
	sl_result_t result;             /**< final result, set before response() hooks run */
	sl_stream_t stream;             /**< writable (TCP only): further messages, see sl_stream_t */
} sl_request_t;

/**
 * The descriptor every plugin exports as `sluice_plugin`. Optional callbacks
 * may be NULL.
 */
typedef struct sl_plugin {
	uint32_t abi_version;  /**< SL_PLUGIN_ABI_VERSION at build time */
	uint32_t size;         /**< sizeof(sl_plugin_t) at build time */
	const char *name;      /**< plugin name: a-z, 0-9, '-', '_', at most 64; equals the .so's base name */
	const char *version;   /**< plugin version string */
	const char *summary;   /**< one line for `sluiced --version` and logs */
	unsigned scope;        /**< SL_SCOPE_* where the plugin may be placed */
	unsigned phase;        /**< SL_PHASE_* (ordering check) */

	/**
	 * Validates @p conf and builds the instance state in *@p state. Runs on
	 * the control thread, also during `--check` (sl_conf_dry_run()) and on
	 * every reload; must not start background work (use start()). Report
	 * problems with sl_conf_error(); read every option even after an error
	 * so one `--check` shows them all. @p inst lives as long as the state:
	 * keep it for logging and stats. If create() returns an error, destroy()
	 * is not called (free what was built); if it returns SL_OK but reported
	 * problems, destroy() is called. Required.
	 * @return SL_OK or an SL_E* code
	 */
	int (*create)(sl_instance_t *inst, sl_conf_t *conf, void **state);

	/** Frees the state. Called once no worker can still be inside a handler. */
	void (*destroy)(void *state);

	/**
	 * Called once when the configuration this instance belongs to goes live
	 * (never in --check), on the control thread: start timers
	 * (sl_timer_start(NULL, ...)), background threads, load data.
	 * @return SL_OK, or an error that aborts startup/reload
	 */
	int (*start)(void *state);

	/**
	 * Reload hand-over: called on a new instance with the state of the old
	 * instance at the same place (same plugin, same zone, same position among
	 * that plugin's instances in the chain), before start(). Move state that
	 * must survive a reload (rate tables, health results) here.
	 */
	void (*adopt)(void *state, void *old_state);

	/** Per-worker setup, on that worker's thread (e.g. per-thread tables, timers). */
	int (*worker_start)(void *state, sl_worker_t *worker);

	/** Per-worker teardown, on that worker's thread. */
	void (*worker_stop)(void *state, sl_worker_t *worker);

	/** Handles a query; see sl_result_t. */
	sl_result_t (*query)(void *state, sl_request_t *req);

	/**
	 * Sees the final response before it is finalised and sent (req->result,
	 * req->kind, req->resp are set). Return SL_RESULT_PASS to let it go, or
	 * SL_RESULT_DROP to send nothing. May rewrite the response (e.g. an RRL
	 * "slip" reply: sl_resp_reset() + TC).
	 */
	sl_result_t (*response)(void *state, sl_request_t *req);
} sl_plugin_t;

/**
 * Defines the exported descriptor. Usage:
 *   SL_PLUGIN_DEFINE(.name = "whoami", .scope = SL_SCOPE_ANY, ...);
 * The ABI version and size are filled in.
 */
#define SL_PLUGIN_DEFINE(...)                                                                    \
	SL_API extern const sl_plugin_t sluice_plugin;                                           \
	SL_API const sl_plugin_t sluice_plugin = { .abi_version = SL_PLUGIN_ABI_VERSION,         \
						   .size = sizeof(sl_plugin_t), __VA_ARGS__ }

/* ---- host services ------------------------------------------------------ */

/** Instance label for messages: "whoami" or "whoami@example.com.". */
SL_API const char *sl_instance_label(const sl_instance_t *inst);

/** Apex of the zone this instance belongs to (wire), or NULL for server-wide. */
SL_API const uint8_t *sl_instance_zone(const sl_instance_t *inst);

/** Logs one line prefixed with the instance label. */
SL_API void sl_instance_log(const sl_instance_t *inst, int level, const char *fmt, ...)
	SL_PRINTF(3, 4);

/** Number of worker threads (fixed for the life of an instance). */
SL_API unsigned sl_instance_workers(const sl_instance_t *inst);

/** Index of a worker, 0 .. workers-1. */
SL_API unsigned sl_worker_id(const sl_worker_t *worker);

/** A timer on a worker's or the control thread's event loop. */
typedef struct sl_timer sl_timer_t;

/** Timer callback; runs on the loop the timer was started on. */
typedef void (*sl_timer_f)(sl_timer_t *timer, void *arg);

/**
 * Starts a timer on @p worker's loop (call from worker_start() or a handler
 * on that worker), or on the control loop when @p worker is NULL (call from
 * start() or another control-loop timer). Fires after @p after seconds, then
 * every @p repeat seconds if @p repeat > 0.
 * @return the timer, or NULL on ENOMEM
 */
SL_API sl_timer_t *sl_timer_start(sl_worker_t *worker, double after, double repeat, sl_timer_f cb,
				  void *arg);

/** Stops and frees a timer (on the thread that owns it). NULL is ignored. */
SL_API void sl_timer_stop(sl_timer_t *timer);

/**
 * Registers a statistics counter for this instance (call from create()).
 * Counters are per worker thread, summed when reported (SIGUSR1 logs them).
 * @return the counter id (>= 0), or SL_ELIMIT / SL_ENOMEM
 */
SL_API int sl_stats_counter(sl_instance_t *inst, const char *name);

/** Adds @p n to counter @p id of @p inst for the worker running @p req; lock-free. Invalid ids are ignored. */
SL_API void sl_stats_add(sl_instance_t *inst, const sl_request_t *req, int id, uint64_t n);

/** Current value of a counter summed over all workers. */
SL_API uint64_t sl_stats_get(const sl_instance_t *inst, int id);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_PLUGIN_H */
