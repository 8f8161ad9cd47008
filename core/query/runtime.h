/*
 * Sluice query layer — the runtime a query is answered against: server
 * options, the server-wide chain, the zones with their chains and ACLs.
 * The host layer (host/config.c) builds it from the JSON configuration and
 * the loader (host/loader.c) fills the instances; the pipeline only reads
 * it. Immutable once published; replaced as a whole on reload.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_RUNTIME_H
#define SL_CORE_RUNTIME_H

#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sluice/plugin.h>

/** Counters one instance may register. */
#define SL_MAX_COUNTERS 16

/** A plugin instance: one JSON object in a chain. */
struct sl_instance {
	const sl_plugin_t *api;                 /**< descriptor */
	void *state;                            /**< what create() returned */
	char label[80 + SL_NAME_TEXT_MAX];      /**< "name" or "name@zone." */
	char path[256];                         /**< JSON path of its object */
	uint8_t zone[SL_NAME_MAXLEN];           /**< apex when per-zone */
	bool has_zone;                          /**< per-zone instance */
	unsigned position;                      /**< index among same-plugin instances in the chain */
	unsigned workers;                       /**< worker count */
	bool started;                           /**< start() succeeded */
	unsigned ncounters;                     /**< registered counters */
	char *counter_names[SL_MAX_COUNTERS];   /**< their names */
	_Atomic uint64_t *counters;             /**< [workers][SL_MAX_COUNTERS] */
};

/** One address to listen on. */
typedef struct sl_listen {
	struct sockaddr_storage addr; /**< address and port */
	socklen_t len;                /**< sockaddr length */
	char text[64];                /**< as written in the config */
} sl_listen_t;

/** TCP limits (RFC 7766 §6.2). */
typedef struct sl_tcp_conf {
	double idle_timeout;      /**< seconds a connection may sit without a query (10) */
	double request_timeout;   /**< seconds to receive one whole query once started (5) */
	double write_timeout;     /**< seconds to drain pending output (5) */
	double max_lifetime;      /**< seconds after which a connection is finished and closed (120) */
	unsigned max_clients;     /**< global connection cap (1024) */
	unsigned max_per_client;  /**< connections per client address (16) */
	unsigned reserve;         /**< slots kept free for newcomers by evicting stalled connections (64) */
	size_t max_pending_out;   /**< output bytes queued per connection before we stop reading (128 KiB) */
} sl_tcp_conf_t;

/** The "server" object. */
typedef struct sl_server_conf {
	sl_listen_t *listen;      /**< listen addresses */
	size_t nlisten;           /**< count */
	unsigned workers;         /**< worker threads (default: CPUs) */
	const char **plugin_path; /**< directories searched for NAME.so, in order */
	size_t nplugin_path;      /**< count */
	const char *user;         /**< drop privileges to this user after binding, or NULL */
	const char *pid_file;     /**< write our pid here, or NULL */
	int log_level;            /**< SL_LOG_* */
	uint16_t udp_payload;     /**< our EDNS UDP payload (1232) */
	const char *nsid;         /**< NSID payload (text), or NULL */
	const char *identity;     /**< answer for id.server./hostname.bind CH TXT, or NULL */
	bool cookies;             /**< send server cookies (true) */
	uint8_t cookie_secret[16]; /**< cookie secret: configured, else the process's random one */
	bool cookie_secret_set;   /**< cookie_secret came from the configuration */
	sl_tcp_conf_t tcp;        /**< TCP limits */
	uint32_t udp_batch;       /**< recvmmsg batch size (32) */
} sl_server_conf_t;

/** A chain of plugin instances (execution order). */
typedef struct sl_chain {
	sl_instance_t **inst; /**< instances */
	size_t n;             /**< count */
} sl_chain_t;

/** One configured zone. */
typedef struct sl_zone_entry {
	uint8_t name[SL_NAME_MAXLEN]; /**< apex, lower-cased */
	size_t name_len;              /**< its length */
	sl_chain_t chain;             /**< the zone's plugin chain */
	struct sl_acl *allow_transfer; /**< who may AXFR/IXFR (empty: nobody) */
	sl_listen_t *notify;          /**< secondaries sent NOTIFY on each new version (RFC 1996) */
	size_t nnotify;               /**< their number */
	const struct sl_tsig_key *notify_key; /**< signs the NOTIFYs (tsig_keys), or NULL */
	struct sl_zone *zone;         /**< the zone store's zone (shared across reloads) */
	bool has_subzones;            /**< another configured zone lies below this one */
} sl_zone_entry_t;

/**
 * A loaded configuration: what workers read while answering. Immutable once
 * published; replaced as a whole on reload.
 */
typedef struct sl_runtime {
	sl_server_conf_t conf;         /**< server options */
	void *json;                    /**< the parsed json_t (owns all strings) */
	char *config_file;             /**< path it was loaded from */
	sl_chain_t server_chain;       /**< top-level plugins */
	sl_zone_entry_t *zones;        /**< zones */
	size_t nzones;                 /**< count */
	uint32_t *zone_hash;           /**< open-addressing table: index+1 into zones, 0 = empty */
	uint32_t zone_hash_mask;       /**< table size - 1 */
	struct sl_module *modules;     /**< loaded plugin objects */
	size_t nmodules;               /**< count */
	struct sl_strpool *pool;       /**< strings and arrays derived from the JSON */
	unsigned zone_min_labels;      /**< fewest labels of any zone apex */
	unsigned zone_max_labels;      /**< most labels of any zone apex */
	struct sl_tsig_key *tsig_keys; /**< the top-level "tsig_keys" (tsig.h) */
	size_t ntsig_keys;             /**< count */
	uint8_t nsid[256];             /**< NSID option payload */
	uint16_t nsid_len;             /**< its length (0 = none) */
	bool started;                  /**< start() has run on every instance */
	bool skip_plugins;             /**< loading: plugin_path unusable, plugins not loaded */
} sl_runtime_t;

/** Finds the closest enclosing zone of @p name, or NULL (REFUSED). */
const sl_zone_entry_t *sl_runtime_find_zone(const sl_runtime_t *rt, const uint8_t *name);

#endif /* SL_CORE_RUNTIME_H */
