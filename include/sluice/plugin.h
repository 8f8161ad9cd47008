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
 *      when the zone store's answer (sl_answer_query(), <sluice/answer.h>)
 *      reaches a CNAME or DNAME target, the target is first offered to the
 *      plugins that would see it were it asked directly: in the same zone,
 *      the instances placed before the data source; in another served zone,
 *      that zone's whole chain (whose own zone data is not served for it:
 *      a chain leaving its zone ends, as in knotd). The first instance that
 *      answers the target completes the answer after the CNAME; if none
 *      does, the store goes on with its own data;
 *   4. response() of every instance that ran in steps 2-3, in order, with
 *      the final result and answer kind known (rate limiting, logging);
 *   5. the core finalises: OPT (payload, DO, NSID, ECS scope, cookie, EDE,
 *      keepalive), TC and trimming for UDP, then sends.
 * If no instance answers, the core replies SERVFAIL (zone has no data
 * source) or REFUSED (no zone); for NOTIFY messages, NOTIMP.
 *
 * UPDATE messages (RFC 2136) are routed by their zone section: FORMERR
 * unless it holds one entry of type SOA, NOTAUTH unless it names a zone we
 * serve (exactly its apex, not a name below it); then the server chain and
 * that zone's chain run as for a query. When no instance handles it the
 * core answers REFUSED, as BIND does for a zone that allows no update.
 * An update plugin usually answers with SL_RESULT_ASYNC (sl_request_defer()).
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

/*
 * ABI versions: MAJOR.MINOR, recorded in each plugin's descriptor by
 * SL_PLUGIN_DEFINE together with sizeof(sl_plugin_t).
 *
 * The MINOR grows when the ABI grows compatibly, and only in these ways:
 *   - a field appended at the end of sl_plugin_t (the plugin allocates it,
 *     the core reads it) or of sl_request_t (the core allocates it, plugins
 *     read it); a new field's zero value must mean "absent", the behaviour
 *     of the minors before it;
 *   - a new function, a new header, a new enum value or constant.
 * Anything else is a new MAJOR: a field inserted, removed, retyped or
 * reordered anywhere, a struct a plugin allocates or embeds (sl_msg_t,
 * sl_rr_t, sl_arena_t, sl_resp_mark_t, sl_auth_t, sl_stream_t, ...) changing
 * size, a function changing its signature or meaning, a value renumbered.
 *
 * The loader accepts a plugin built against MAJOR.m when this sluiced
 * provides MAJOR.n with m <= n and the descriptor's size covers the fields
 * minor m defined. It copies those bytes into a zeroed sl_plugin_t and never
 * reads past the plugin's size, so fields appended after minor m read as
 * 0/NULL. It refuses, naming the file and both versions:
 *   - a newer minor (m > n): the plugin may use functions or request fields
 *     this sluiced lacks ("built against sluice ABI 1.3, this sluiced
 *     provides 1.2; upgrade sluiced");
 *   - another major (rebuild the plugin against this sluiced's headers);
 *   - a size too small for the minor it claims.
 *
 * History:
 *   1.0  first version; abi_version held the plain number 1.
 *   1.1  abi_version carries the minor too (SL_PLUGIN_ABI()); 1.0 plugins
 *        keep loading, unchanged.
 *   2.0  the core's own request state (FOLLOW hops, the final result, the
 *        response stream, the worker) left sl_request_t for the
 *        sl_request_*() functions; the unused TSIG/SIG(0) fields went; the
 *        zone iterator became opaque storage. 1.x plugins are refused
 *        (tests/abi/frozen-1.0); tests/abi/frozen-2.0 freezes this version.
 *   2.1  sl_request_t gained auth and auth_name (the TSIG key or SIG(0)
 *        signer that authenticated the request) and kind_name (what the
 *        answer kind is about, for rate limiting); SL_RESULT_ASYNC with
 *        sl_request_defer() and the sl_deferred_*() functions answer a
 *        request later, from any thread (UPDATE). New functions: one
 *        error-detail type (sluice/error.h: sl_error_*), the zone store's
 *        differences, journal and signer hooks, published count, NSEC/NSEC3
 *        lookups and transaction type lists (sluice/zone.h), RRSIGs per
 *        covered type (sl_node_rrsig), sl_zone_txn_commit_report(),
 *        sl_ixfr_client_serial(), sl_rcode_name(), sl_file_stamp*(), background
 *        jobs (sl_job_*()).
 *        2.0 plugins keep loading; a 2.1 plugin is refused by a 2.0 sluiced.
 */

/** Major ABI version: changes on any incompatible change (see above). */
#define SL_PLUGIN_ABI_MAJOR 2

/** Minor ABI version: grows when fields or functions are added (see above). */
#define SL_PLUGIN_ABI_MINOR 1

/**
 * Packs a version for sl_plugin_t.abi_version: the major in the low 16
 * bits, the minor in the high 16 bits, so that version 1.0's plain 1 reads
 * as 1.0.
 */
#define SL_PLUGIN_ABI(major, minor) ((uint32_t)(major) | (uint32_t)(minor) << 16)

/** The major of a packed sl_plugin_t.abi_version. */
#define SL_PLUGIN_ABI_MAJOR_OF(v) ((unsigned)((v) & 0xffffu))

/** The minor of a packed sl_plugin_t.abi_version. */
#define SL_PLUGIN_ABI_MINOR_OF(v) ((unsigned)((uint32_t)(v) >> 16))

/** The version these headers define, packed (what SL_PLUGIN_DEFINE records). */
#define SL_PLUGIN_ABI_VERSION SL_PLUGIN_ABI(SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR)

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
	/**
	 * ABI 2.1: the handler took the request over with sl_request_defer();
	 * the core sends nothing now and runs no response() hook for it; the
	 * answer comes later through sl_deferred_finish().
	 */
	SL_RESULT_ASYNC = 5,
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

/** How a request was authenticated (ABI 2.1). */
typedef enum sl_auth {
	SL_AUTH_NONE = 0, /**< not signed, or not verified (yet) */
	SL_AUTH_TSIG = 1, /**< a TSIG (RFC 8945) the core verified with a configured key */
	SL_AUTH_SIG0 = 2, /**< a SIG(0) (RFC 2931) an SL_PHASE_AUTH plugin verified */
} sl_auth_t;

/** A plugin instance as the core sees it; opaque to plugins. */
typedef struct sl_instance sl_instance_t;
/** A worker thread (its event loop, counters); opaque to plugins. */
typedef struct sl_worker sl_worker_t;
/** A zone in the zone store; defined by <sluice/zone.h>. */
struct sl_zone;

/**
 * A multi-message response (RFC 5936 zone transfer), TCP only. A handler
 * that set a stream with sl_request_set_stream() and returns SL_RESULT_DONE
 * has its first message sent from req->resp as usual; then, as the client reads, the core
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

/**
 * One request in flight. Valid only during the handler call; memory from
 * req->arena lives until the request ends. Plugins may write the fields
 * documented as writable; everything else is read-only.
 *
 * The core allocates every request (plugins only ever get a pointer), so
 * new fields are only ever appended, in a new minor (see the ABI rule
 * above): a plugin built against an older minor sees the fields it knows
 * where it expects them. What the core keeps for itself (FOLLOW hops, the
 * final result, a response stream, the worker) is not here: read it with
 * the sl_request_*() functions below.
 */
typedef struct sl_request {
	const sl_msg_t *query;          /**< the parsed query (read-only) */
	sl_transport_t transport;       /**< UDP or TCP */
	const struct sockaddr *remote;  /**< client address (sockaddr_in or _in6) */
	socklen_t remote_len;           /**< its length */
	const struct sockaddr *local;   /**< address the query arrived on */
	socklen_t local_len;            /**< its length */
	unsigned worker_id;             /**< 0 .. workers-1, for per-thread data */
	const uint8_t *qname;           /**< name being answered: the QNAME, or a CNAME/DNAME target */
	uint16_t qtype;                 /**< QTYPE */
	uint16_t qclass;                /**< QCLASS */
	const uint8_t *zone_name;       /**< apex of the zone whose chain runs; NULL in the server chain */
	const struct sl_zone *zone;     /**< the zone store's zone for zone_name; NULL in the server chain */
	sl_resp_t *resp;                /**< response under construction (writable via sl_resp_*) */
	sl_arena_t *arena;              /**< per-request memory, freed by the core */
	uint16_t rcode;                 /**< writable: rcode for SL_RESULT_ERROR (kind is set to ERROR by the core) */
	int ede_code;                   /**< writable: RFC 8914 info code, -1 = none */
	const char *ede_text;           /**< writable: EDE extra text (static or arena), or NULL */
	sl_answer_kind_t kind;          /**< writable: kind of answer produced */
	uint8_t ecs_scope;              /**< writable: ECS scope prefix; plugins may only raise it */
	uint8_t follow[SL_NAME_MAXLEN]; /**< writable: FOLLOW target name */
	/* ---- ABI 2.1 ---- */
	/**
	 * How the request was authenticated. The core sets SL_AUTH_TSIG before
	 * any chain runs; only an SL_PHASE_AUTH plugin (SIG(0)) may write it,
	 * together with auth_name, and only after verifying the signature.
	 */
	sl_auth_t auth;
	/**
	 * The authenticated identity (wire form, lower case): the TSIG key
	 * name, or the SIG(0) signer name; NULL when auth is SL_AUTH_NONE.
	 * What ACLs and update policies match. Writable with auth (arena or
	 * instance memory that outlives the request).
	 */
	const uint8_t *auth_name;
	/**
	 * Writable with kind: the name the answer kind is about, as response
	 * rate limiting (RRL) accounts it — the wildcard's owner ("*.example.")
	 * for SL_ANSWER_WILDCARD, the delegation point for SL_ANSWER_REFERRAL,
	 * the zone apex for SL_ANSWER_NXDOMAIN and SL_ANSWER_NODATA. NULL means
	 * req->qname (positive answers) or unknown.
	 */
	const uint8_t *kind_name;
} sl_request_t;

/**
 * The worker thread running @p req: for sl_timer_start() from a handler.
 * NULL outside a server (unit tests).
 */
SL_API sl_worker_t *sl_request_worker(const sl_request_t *req);

/**
 * CNAME/DNAME hops the core has followed for @p req so far with
 * SL_RESULT_FOLLOW (0 while the question's own name is answered; at most
 * SL_MAX_FOLLOW).
 */
SL_API unsigned sl_request_follows(const sl_request_t *req);

/**
 * The final result of the query chains (what response() hooks judge).
 * SL_RESULT_PASS until the chains have finished.
 */
SL_API sl_result_t sl_request_result(const sl_request_t *req);

/**
 * Makes the response a stream of messages (see sl_stream_t); TCP only.
 * On SL_OK the core owns @p stream->state: it calls stream->free() when the
 * stream ends, fails, the connection closes, or when the handler's final
 * result is not SL_RESULT_DONE. A stream set earlier for the same request is
 * released first.
 * @return SL_OK, SL_ENOTSUP over UDP or SL_EINVAL without next/free (then
 *         the caller still owns the state)
 */
SL_API int sl_request_set_stream(sl_request_t *req, const sl_stream_t *stream);

/**
 * A request whose answer comes later (ABI 2.1): what the core needs to
 * answer it from any thread — its own copy of the query, the client's
 * address and the way back to it (the UDP socket and source address, or
 * the TCP connection), the EDNS state and the TSIG context, so the late
 * answer carries OPT and is signed like any other.
 */
typedef struct sl_deferred sl_deferred_t;

/**
 * Takes @p req over so that it can be answered after the handler returned
 * (work that must not run on a worker, such as a zone commit). Call from
 * query() only, in a zone chain, and then return SL_RESULT_ASYNC: the
 * handle belongs to the caller, who must end it exactly once with
 * sl_deferred_finish() or sl_deferred_cancel(), from any thread. Everything
 * in @p req (and the arena) is gone once the handler returns: what is
 * needed later is read through sl_deferred_query() and the other accessors.
 * Allocates (the query copy): for rare requests like UPDATE, not the query
 * fast path.
 * @return the handle, or NULL when the request cannot be deferred (no
 *         transport to answer on, as in unit tests without one, or
 *         ENOMEM): then answer it now
 */
SL_API sl_deferred_t *sl_request_defer(sl_request_t *req);

/**
 * The deferred request's query, parsed from the handle's own copy; valid
 * until the handle ends.
 */
SL_API const sl_msg_t *sl_deferred_query(const sl_deferred_t *d);

/** The client's address (sockaddr_in or _in6), valid until the handle ends; its length in *@p len. */
SL_API const struct sockaddr *sl_deferred_remote(const sl_deferred_t *d, socklen_t *len);

/** req->auth when the request was deferred. */
SL_API sl_auth_t sl_deferred_auth(const sl_deferred_t *d);

/** req->auth_name when the request was deferred (the handle's copy), or NULL. */
SL_API const uint8_t *sl_deferred_auth_name(const sl_deferred_t *d);

/**
 * Answers a deferred request header-only with @p rcode (the question — for
 * UPDATE the zone section — echoed, OPT and the TSIG signature added as for
 * any answer) and frees the handle. Callable from any thread: the message
 * is built here and handed to the worker that received the request, which
 * sends it from its loop — over UDP from the address the query was sent
 * to, over TCP on the same connection; when that connection has closed in
 * the meantime, the answer is dropped quietly. @p rcode may be an
 * extended one (the OPT carries its upper bits; without EDNS, its low 4
 * bits are sent).
 */
SL_API void sl_deferred_finish(sl_deferred_t *d, uint16_t rcode);

/** Ends a deferred request without answering it and frees the handle. Any thread. */
SL_API void sl_deferred_cancel(sl_deferred_t *d);

/**
 * The descriptor every plugin exports as `sluice_plugin`. Optional callbacks
 * may be NULL. New fields are only ever appended (see the ABI rule above);
 * the first two never move.
 */
typedef struct sl_plugin {
	uint32_t abi_version;  /**< SL_PLUGIN_ABI_VERSION at build time (major and minor, packed) */
	uint32_t size;         /**< sizeof(sl_plugin_t) at build time */
	const char *name;      /**< plugin name: a-z, 0-9, '-', '_', at most 64; equals the .so's base name */
	const char *version;   /**< plugin version string */
	const char *summary;   /**< one line, printed by `sluiced --check` for every plugin it loads */
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

	/**
	 * Frees the state. Called once no worker can still be inside a handler,
	 * for the instances of a chain in reverse order (the last one first).
	 */
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
	 * req->kind, req->resp are set; for SL_RESULT_ERROR the response is
	 * already the header-only error with req->rcode, as it will be sent;
	 * the core adds OPT, EDE and TSIG after). Return SL_RESULT_PASS to let it go, or
	 * SL_RESULT_DROP to send nothing. May rewrite the response (e.g. an RRL
	 * "slip" reply: sl_resp_reset() + TC).
	 */
	sl_result_t (*response)(void *state, sl_request_t *req);
} sl_plugin_t;

/**
 * Defines the exported descriptor. Usage:
 *   SL_PLUGIN_DEFINE(.name = "whoami", .scope = SL_SCOPE_ANY, ...);
 * The ABI version (major and minor) and the descriptor's size are filled in;
 * never set them by hand.
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

/**
 * What identifies one version of a file cheaply (ABI 2.1): it changes when
 * the file is rewritten or replaced. For plugins that reload a file when it
 * changed (zone files, databases, key files).
 */
typedef struct sl_file_stamp {
	uint64_t dev;       /**< device */
	uint64_t ino;       /**< inode */
	int64_t size;       /**< size in octets */
	int64_t mtime_sec;  /**< modification time: seconds */
	long mtime_nsec;    /**< and nanoseconds */
} sl_file_stamp_t;

/** Reads the stamp of @p path (links followed). @return SL_OK, or SL_EIO with errno set */
SL_API int sl_file_stamp(const char *path, sl_file_stamp_t *stamp);

/** Reads the stamp of the open file @p fd. @return SL_OK, or SL_EIO with errno set */
SL_API int sl_file_stamp_fd(int fd, sl_file_stamp_t *stamp);

/** True when @p a and @p b are the same version of a file. */
SL_API bool sl_file_stamp_equal(const sl_file_stamp_t *a, const sl_file_stamp_t *b);

/** A timer on a worker's or the control thread's event loop. */
typedef struct sl_timer sl_timer_t;

/** Shortest repeat interval of a timer, in seconds (1 ms). */
#define SL_TIMER_MIN_REPEAT 0.001

/** Timer callback; runs on the loop the timer was started on. */
typedef void (*sl_timer_f)(sl_timer_t *timer, void *arg);

/**
 * Starts a timer on @p worker's loop (call from worker_start() or a handler
 * on that worker), or on the control loop when @p worker is NULL (call from
 * start() or another control-loop timer). Fires after @p after seconds, then
 * every @p repeat seconds if @p repeat > 0. A repeat below
 * SL_TIMER_MIN_REPEAT (or not a number) is raised to it, so a tiny interval
 * from a configuration cannot make a loop spin; plugins should still refuse
 * such values in create() with a clear message.
 * @return the timer, or NULL on ENOMEM
 */
SL_API sl_timer_t *sl_timer_start(sl_worker_t *worker, double after, double repeat, sl_timer_f cb,
				  void *arg);

/** Stops and frees a timer (on the thread that owns it). NULL is ignored. */
SL_API void sl_timer_stop(sl_timer_t *timer);

/**
 * A unit of background work run by the host's job threads (ABI 2.1): for
 * loading or building data off the query loops (zone files, databases).
 * The host runs at most one job per CPU at a time (sl_job_threads()),
 * oldest first, so a configuration with 100,000 zones loads with a few
 * threads, not 100,000 — plugins should use jobs rather than a thread per
 * instance for work that ends.
 */
typedef struct sl_job sl_job_t;

/** What a job runs, on a job thread. */
typedef void (*sl_job_f)(void *arg);

/**
 * Queues @p fn(@p arg) to run on a job thread. Any thread may submit.
 * The handle must be passed to sl_job_end() exactly once, which frees it.
 * @return the job, or NULL when out of memory (nothing was queued)
 */
SL_API sl_job_t *sl_job_submit(sl_job_f fn, void *arg);

/** True once @p job has run (non-blocking; the handle stays valid). */
SL_API bool sl_job_done(const sl_job_t *job);

/**
 * Ends @p job and frees the handle: a job still queued is dropped without
 * running, a running one is waited for (so @p fn should check a cancel flag
 * of its own when it may run long), a finished one is just freed. Must not
 * be called from a job thread. NULL is ignored.
 * @return true when the job ran, false when it was dropped (or NULL)
 */
SL_API bool sl_job_end(sl_job_t *job);

/** How many job threads run jobs at a time (the number of CPUs, 1 to 16). */
SL_API unsigned sl_job_threads(void);

/**
 * Registers a statistics counter for this instance (call from create()).
 * Counters are per worker thread, summed when reported (SIGUSR1 logs them).
 * They belong to the instance: a reload creates new instances, whose
 * counters start at zero (the core's own counters — udp=, tcp=, rcodes —
 * keep counting). A plugin that must carry a total across reloads keeps
 * it in its state and hands it over in adopt().
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
