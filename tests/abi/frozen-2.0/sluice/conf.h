/*
 * Sluice — configuration helpers for plugins.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A plugin instance receives its JSON object wrapped in an sl_conf_t. The
 * getters validate type and range and record an error naming the JSON path
 * (e.g. `zones[0].plugins[1].file: expected a string`). Every key a getter
 * reads is marked as used; when create() returns, the core reports every
 * key that was never read as "unknown key", so plugins need no key lists.
 *
 * Paths: object keys are joined with '.', array elements are written [i]
 * (0-based), from the top of the configuration file:
 * `zones[0].plugins[1].pools.eu.A[2].address`. The array getters report a
 * bad element at its own path (`...allow[2]`); a plugin that walks a
 * structured option itself (sl_conf_json()) passes the relative path as
 * the key of sl_conf_error(): "pools.eu.A[2].address".
 */
#ifndef SLUICE_CONF_H
#define SLUICE_CONF_H

#include <sys/socket.h>
#include <sluice/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque handle to one plugin instance's configuration object. */
typedef struct sl_conf sl_conf_t;

/**
 * Reads a string. Missing key: *@p out = @p def (which may be NULL) and
 * SL_OK, unless @p required. The string lives as long as the configuration.
 * @return SL_OK or SL_ECONFIG (error recorded)
 */
SL_API int sl_conf_string(sl_conf_t *conf, const char *key, bool required, const char *def,
			  const char **out);

/**
 * Reads an integer in [@p min, @p max]; missing key gives @p def.
 * @return SL_OK or SL_ECONFIG
 */
SL_API int sl_conf_int(sl_conf_t *conf, const char *key, long long min, long long max,
		       long long def, long long *out);

/** Reads a boolean; missing key gives @p def. @return SL_OK or SL_ECONFIG */
SL_API int sl_conf_bool(sl_conf_t *conf, const char *key, bool def, bool *out);

/**
 * Reads a number (integer or real) in [@p min, @p max]; missing key gives @p def.
 * @return SL_OK or SL_ECONFIG
 */
SL_API int sl_conf_double(sl_conf_t *conf, const char *key, double min, double max, double def,
			  double *out);

/**
 * Reads an array of strings. Missing key: *@p count = 0 (or SL_ECONFIG if
 * @p required). *@p out points at an array owned by the configuration.
 * @return SL_OK or SL_ECONFIG
 */
SL_API int sl_conf_strings(sl_conf_t *conf, const char *key, bool required, const char *const **out,
			   size_t *count);

/**
 * Returns the raw jansson value (json_t *) for @p key, marking it used, or
 * NULL when absent. For structured options the getters do not cover; report
 * problems with sl_conf_error().
 */
SL_API void *sl_conf_json(sl_conf_t *conf, const char *key);

/**
 * Records an error for @p key (NULL: the object itself), prefixed with the
 * JSON path. @p key may be a path relative to this object, in the format
 * above: "ttl", "pools.eu.A[2].address", or "[3]" / "[3].name" (joined
 * without a dot). Returns SL_ECONFIG so that `return sl_conf_error(...)`
 * reads well.
 */
SL_API int sl_conf_error(sl_conf_t *conf, const char *key, const char *fmt, ...) SL_PRINTF(3, 4);

/** The JSON path of this object, e.g. "zones[0].plugins[1]". */
SL_API const char *sl_conf_path(const sl_conf_t *conf);

/**
 * Resolves a path option the way the server does: absolute paths as they are,
 * relative ones against the directory sluiced was started in. The result
 * lives as long as the configuration. @return the path, or NULL on ENOMEM
 */
SL_API const char *sl_conf_resolve_path(sl_conf_t *conf, const char *path);

/**
 * An IPv4 or IPv6 address prefix; a plain address is a prefix of full
 * length. Filled by sl_prefix_parse().
 */
typedef struct sl_prefix {
	uint8_t addr[16]; /**< network byte order: 16 octets of IPv6, or IPv4 in the first 4 */
	uint8_t family;   /**< AF_INET or AF_INET6 */
	uint8_t len;      /**< prefix length in bits: 0..32 or 0..128 (32 / 128 for an address) */
} sl_prefix_t;

/**
 * Parses an address or prefix as operators write them in the configuration:
 * "192.0.2.1", "192.0.2.0/24", "2001:db8::1", "2001:db8::/32". Bits beyond
 * the length must be zero ("10.1.2.3/8" is refused: almost always a typo).
 * The server's own options (allow_transfer) use this parser.
 * @return SL_OK, or SL_ESYNTAX (then *@p out is zeroed)
 */
SL_API int sl_prefix_parse(const char *text, sl_prefix_t *out);

/**
 * True when address @p sa (a sockaddr_in or sockaddr_in6, such as
 * req->remote; an IPv4-mapped IPv6 address counts as IPv4) lies in
 * @p prefix. False for NULL or other families.
 */
SL_API bool sl_prefix_match(const sl_prefix_t *prefix, const struct sockaddr *sa);

/**
 * Reads an array of addresses/prefixes (sl_prefix_parse()). Missing key:
 * *@p count = 0 (or SL_ECONFIG if @p required). Each bad element is
 * reported at its own path, e.g. `zones[0].plugins[1].allow[2]: "x" is not
 * an address or prefix ...`, and left out; every element is checked so one
 * --check shows them all. *@p out is owned by the configuration.
 * @return SL_OK, or SL_ECONFIG when anything was reported
 */
SL_API int sl_conf_prefixes(sl_conf_t *conf, const char *key, bool required,
			    const sl_prefix_t **out, size_t *count);

/** True during `sluiced --check`: validate fully but open no sockets and start no work. */
SL_API bool sl_conf_dry_run(const sl_conf_t *conf);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_CONF_H */
