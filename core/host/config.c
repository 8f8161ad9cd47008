/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Loads the JSON configuration into a runtime: server options, the
 * server-wide plugin chain and every zone with its chain. All problems are
 * collected (not just the first) so `sluiced --check` can list them all.
 */
#include "config.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "acl.h"
#include "conf.h"
#include "cookie.h"
#include "tsig.h"
#include <sluice/codec.h>
#include "loader.h"
#include <sluice/zone.h>

/* ---- listen addresses --------------------------------------------------- */

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return SL_ESYNTAX;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return SL_ESYNTAX;
	*port = (uint16_t)v;
	return SL_OK;
}

int sl_listen_parse(const char *text, sl_listen_t *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_text = NULL;
	uint16_t port = 53;
	size_t len = strlen(text);

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(out->text))
		return SL_ESYNTAX;
	snprintf(out->text, sizeof(out->text), "%s", text);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || (size_t)(close - text - 1) >= sizeof(host))
			return SL_ESYNTAX;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0')
			return SL_ESYNTAX;
	} else {
		const char *colon = strchr(text, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 address, default port */
		size_t hlen = colon ? (size_t)(colon - text) : len;
		if (hlen >= sizeof(host))
			return SL_ESYNTAX;
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		if (colon)
			port_text = colon + 1;
	}
	if (port_text && parse_port(port_text, &port) != SL_OK)
		return SL_ESYNTAX;
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof(*sin6);
	} else {
		return SL_ESYNTAX;
	}
	return SL_OK;
}

/*
 * Reads @p key, a list of "ADDRESS[:PORT]" (port 53 when absent), into
 * *@p out (from @p pool): every malformed or repeated entry is an error
 * naming it. @return the number of entries listed, or SL_ENOTFOUND when
 *         the key is absent or not a list of strings (reported)
 */
static long load_addresses(sl_conf_t *c, const char *key, bool required, struct sl_strpool *pool,
			   sl_listen_t **out, size_t *nout)
{
	const char *const *list;
	size_t n;
	char ekey[64];

	*out = NULL;
	*nout = 0;
	if (sl_conf_strings(c, key, required, &list, &n) != SL_OK)
		return SL_ENOTFOUND;
	*out = n ? sl_strpool_alloc(pool, n * sizeof(**out)) : NULL;
	for (size_t i = 0; i < n && *out; i++) {
		sl_listen_t *a = &(*out)[*nout];

		snprintf(ekey, sizeof(ekey), "%s[%zu]", key, i);
		if (sl_listen_parse(list[i], a) != SL_OK) {
			sl_conf_error(c, ekey, "\"%s\" is not an address (use 1.2.3.4:53 or [::1]:53)",
				      list[i]);
			continue;
		}
		for (size_t j = 0; j < *nout; j++)
			if ((*out)[j].len == a->len && memcmp(&(*out)[j].addr, &a->addr, a->len) == 0)
				sl_conf_error(c, key, "\"%s\" is listed twice", list[i]);
		(*nout)++;
	}
	return (long)n;
}

/* ---- server object ------------------------------------------------------ */

/* Port 0 would bind a different random port per worker and protocol. */
static void check_listen_ports(sl_conf_t *c, const sl_listen_t *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&l[i].addr;
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&l[i].addr;
		uint16_t port = l[i].addr.ss_family == AF_INET6 ? sin6->sin6_port : sin->sin_port;

		if (port == 0)
			sl_conf_error(c, "listen",
				      "\"%s\": port 0 is not allowed (each worker and protocol "
				      "would get a different random port)",
				      l[i].text);
	}
}

/* "user": an account that exists (the daemon switches to it after binding). */
static void check_user(sl_conf_t *c, const char *user)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int e = user[0] ? getpwnam_r(user, &pw, buf, sizeof(buf), &found) : 0;
	if (!user[0])
		sl_conf_error(c, "user", "must not be empty");
	else if (e)
		sl_conf_error(c, "user", "cannot look up \"%s\": %s", user, strerror(e));
	else if (!found)
		sl_conf_error(c, "user", "no such user \"%s\"", user);
}

/* "pid_file": its directory exists, and the file, if there, is a regular file. */
static void check_pid_file(sl_conf_t *c, const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	const char *slash = strrchr(path, '/');

	if (slash && slash[1] == '\0') {
		sl_conf_error(c, "pid_file", "\"%s\" names a directory, not a file", path);
		return;
	}
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) != 0)
		sl_conf_error(c, "pid_file", "directory %s: %s", dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		sl_conf_error(c, "pid_file", "%s is not a directory", dir);
	else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		sl_conf_error(c, "pid_file", "\"%s\" exists and is not a regular file", path);
}

static void parse_tcp(sl_conf_t *parent, sl_tcp_conf_t *tcp)
{
	json_t *obj = sl_conf_json(parent, "tcp");
	long long n;
	sl_conf_t c;
	char path[300];

	tcp->idle_timeout = 10;
	tcp->request_timeout = 5;
	tcp->write_timeout = 5;
	tcp->max_lifetime = 120;
	tcp->max_clients = 1024;
	tcp->max_per_client = 16;
	tcp->reserve = 64;
	tcp->max_pending_out = 128 * 1024;
	if (!obj)
		return;
	if (!json_is_object(obj)) {
		sl_conf_error(parent, "tcp", "expected an object");
		return;
	}
	sl_conf_subpath(path, sizeof(path), parent->path, "tcp", 0);
	sl_conf_init(&c, obj, path, parent->errors, parent->dry_run, parent->pool);
	sl_conf_double(&c, "idle_timeout", 0.1, 3600, tcp->idle_timeout, &tcp->idle_timeout);
	sl_conf_double(&c, "request_timeout", 0.1, 600, tcp->request_timeout,
		       &tcp->request_timeout);
	sl_conf_double(&c, "write_timeout", 0.1, 600, tcp->write_timeout, &tcp->write_timeout);
	sl_conf_double(&c, "max_lifetime", 1, 86400, tcp->max_lifetime, &tcp->max_lifetime);
	if (sl_conf_int(&c, "max_clients", 1, 1000000, tcp->max_clients, &n) == SL_OK)
		tcp->max_clients = (unsigned)n;
	if (sl_conf_int(&c, "max_per_client", 1, 1000000, tcp->max_per_client, &n) == SL_OK)
		tcp->max_per_client = (unsigned)n;
	if (sl_conf_int(&c, "reserve", 0, 1000000, tcp->reserve, &n) == SL_OK)
		tcp->reserve = (unsigned)n;
	if (sl_conf_int(&c, "max_pending_out", 4096, 64 * 1024 * 1024,
			(long long)tcp->max_pending_out, &n) == SL_OK)
		tcp->max_pending_out = (size_t)n;
	parent->nerrors += sl_conf_finish(&c);
}

/*
 * server.cookie_secret: exactly 32 hex digits, shared by the servers of an
 * anycast set (RFC 9018 §5). Without it the process's random secret is used,
 * the same across reloads. Errors never echo the value: it is a secret.
 */
static void parse_cookie_secret(sl_conf_t *c, sl_server_conf_t *sc)
{
	_Static_assert(sizeof(sc->cookie_secret) == SL_COOKIE_SECRET_LEN, "cookie secret size");
	const char *hex;
	size_t len, got = 0;

	if (sl_conf_string(c, "cookie_secret", false, NULL, &hex) != SL_OK)
		return;
	if (!hex) {
		if (sl_cookie_random_secret(sc->cookie_secret) != SL_OK)
			sl_conf_error(c, "cookie_secret", "no random secret (RAND_bytes failed)");
		return;
	}
	len = strlen(hex);
	if (len != 2 * SL_COOKIE_SECRET_LEN) {
		sl_conf_error(c, "cookie_secret", "must be %d hex digits (%d bytes), not %zu characters",
			      2 * SL_COOKIE_SECRET_LEN, SL_COOKIE_SECRET_LEN, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)hex[i])) {
			sl_conf_error(c, "cookie_secret",
				      "must be %d hex digits (%d bytes): character %zu is not a hex digit",
				      2 * SL_COOKIE_SECRET_LEN, SL_COOKIE_SECRET_LEN, i + 1);
			return;
		}
	}
	if (sl_hex_decode(hex, len, sc->cookie_secret, SL_COOKIE_SECRET_LEN, &got) != SL_OK ||
	    got != SL_COOKIE_SECRET_LEN) {
		sl_conf_error(c, "cookie_secret", "is not %d bytes of hex", SL_COOKIE_SECRET_LEN);
		return;
	}
	sc->cookie_secret_set = true;
}

/*
 * Reads the "server" object into rt->conf, defaults first. Returns whether
 * plugins can be looked up: not when plugin_path (or the whole object) is
 * unusable, since every plugin would then fail with the same cause.
 */
static bool parse_server(sl_runtime_t *rt, json_t *obj, unsigned workers_override,
			 sl_errlist_t *errors, bool dry_run)
{
	sl_server_conf_t *sc = &rt->conf;
	sl_conf_t c;
	const char *const *list;
	size_t n;
	long long v;
	const char *s;

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	sc->workers = cpus > 0 ? (cpus > 256 ? 256 : (unsigned)cpus) : 1;
	sc->log_level = SL_LOG_NOTICE;
	sc->udp_payload = SL_EDNS_DEFAULT_PAYLOAD;
	sc->cookies = true;
	sc->udp_batch = 32;
	sc->tcp.idle_timeout = 10;
	if (workers_override)
		sc->workers = workers_override;
	if (!obj) {
		sl_errlist_add(errors, "server", "required object is missing");
		return false;
	}
	if (!json_is_object(obj)) {
		sl_errlist_add(errors, "server", "expected an object");
		return false;
	}
	bool plugins_ok = true;
	sl_conf_init(&c, obj, "server", errors, dry_run, rt->pool);
	if (load_addresses(&c, "listen", true, rt->pool, &sc->listen, &sc->nlisten) == 0)
		sl_conf_error(&c, "listen", "needs at least one address");
	if (sl_conf_int(&c, "workers", 1, 256, sc->workers, &v) == SL_OK)
		sc->workers = (unsigned)v;
	if (sl_conf_strings(&c, "plugin_path", false, &list, &n) == SL_OK) {
		const char **paths = n ? sl_strpool_alloc(rt->pool, n * sizeof(*paths)) : NULL;
		for (size_t i = 0; i < n && paths; i++)
			paths[i] = sl_conf_resolve_path(&c, list[i]);
		sc->plugin_path = paths;
		sc->nplugin_path = paths ? n : 0;
	} else {
		plugins_ok = false;
	}
	check_listen_ports(&c, sc->listen, sc->nlisten);
	if (sl_conf_string(&c, "user", false, NULL, &sc->user) == SL_OK && sc->user)
		check_user(&c, sc->user);
	if (sl_conf_string(&c, "pid_file", false, NULL, &s) == SL_OK && s) {
		sc->pid_file = sl_conf_resolve_path(&c, s);
		if (sc->pid_file)
			check_pid_file(&c, sc->pid_file);
	}
	if (sl_conf_string(&c, "log_level", false, NULL, &s) == SL_OK && s) {
		int level = sl_log_level_from_text(s);
		if (level < 0)
			sl_conf_error(&c, "log_level",
				      "\"%s\" is not one of error, warning, notice, info, debug", s);
		else
			sc->log_level = level;
	}
	if (sl_conf_int(&c, "udp_payload", 512, 4096, sc->udp_payload, &v) == SL_OK)
		sc->udp_payload = (uint16_t)v;
	if (sl_conf_string(&c, "nsid", false, NULL, &sc->nsid) == SL_OK && sc->nsid) {
		size_t len = strlen(sc->nsid);
		if (len == 0 || len > sizeof(rt->nsid))
			sl_conf_error(&c, "nsid", "must be 1..%zu characters", sizeof(rt->nsid));
		else {
			memcpy(rt->nsid, sc->nsid, len);
			rt->nsid_len = (uint16_t)len;
		}
	}
	if (sl_conf_string(&c, "identity", false, NULL, &sc->identity) == SL_OK && sc->identity &&
	    (strlen(sc->identity) == 0 || strlen(sc->identity) > 255))
		sl_conf_error(&c, "identity", "must be 1..255 characters");
	sl_conf_bool(&c, "cookies", true, &sc->cookies);
	parse_cookie_secret(&c, sc);
	parse_tcp(&c, &sc->tcp);
	sl_conf_finish(&c);
	if (workers_override)
		sc->workers = workers_override;
	return plugins_ok;
}

/* ---- plugin chains ------------------------------------------------------ */

static const sl_module_t *get_module(sl_runtime_t *rt, const char *name, sl_conf_t *c)
{
	sl_error_t err;

	for (size_t i = 0; i < rt->nmodules; i++)
		if (strcmp(rt->modules[i].name, name) == 0)
			return &rt->modules[i];
	/* plugin_path is broken and already reported: "not found" would only repeat it. */
	if (rt->skip_plugins)
		return NULL;
	sl_module_t *grown = realloc(rt->modules, (rt->nmodules + 1) * sizeof(*grown));
	if (!grown) {
		sl_conf_error(c, "plugin", "out of memory");
		return NULL;
	}
	rt->modules = grown;
	if (sl_module_open(name, rt->conf.plugin_path, rt->conf.nplugin_path,
			   &rt->modules[rt->nmodules], &err) != SL_OK) {
		char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
		sl_error_format(&err, line, sizeof(line));
		sl_conf_error(c, "plugin", "%s", line);
		return NULL;
	}
	return &rt->modules[rt->nmodules++];
}

static const char *phase_name(unsigned phase)
{
	switch (phase) {
	case SL_PHASE_ADMISSION: return "admission";
	case SL_PHASE_AUTH: return "auth";
	case SL_PHASE_DATA: return "data";
	case SL_PHASE_TRANSFORM: return "transform";
	default: return "egress";
	}
}

static void load_chain(sl_runtime_t *rt, json_t *arr, const char *path, const uint8_t *zone,
		       sl_chain_t *chain, sl_errlist_t *errors, bool dry_run)
{
	json_t *item;
	size_t i;
	char ipath[256];

	if (!arr)
		return;
	if (!json_is_array(arr)) {
		sl_errlist_add(errors, path, "expected an array of plugin objects");
		return;
	}
	chain->inst = calloc(json_array_size(arr) + 1, sizeof(*chain->inst));
	if (!chain->inst) {
		sl_errlist_add(errors, path, "out of memory");
		return;
	}
	json_array_foreach(arr, i, item) {
		sl_conf_t c;
		const char *name;

		sl_conf_subpath(ipath, sizeof(ipath), path, NULL, (int)i);
		if (!json_is_object(item)) {
			sl_errlist_add(errors, ipath, "expected an object");
			continue;
		}
		sl_conf_init(&c, item, ipath, errors, dry_run, rt->pool);
		if (sl_conf_string(&c, "plugin", true, NULL, &name) != SL_OK || !name)
			continue;
		const sl_module_t *mod = get_module(rt, name, &c);
		if (!mod)
			continue;
		unsigned position = 0;
		for (size_t k = 0; k < chain->n; k++)
			position += chain->inst[k]->api == mod->api;
		sl_instance_t *inst =
			sl_instance_create(mod, &c, zone, position, rt->conf.workers);
		if (sl_conf_finish(&c) || !inst) {
			sl_instance_free(inst);
			continue;
		}
		if (chain->n) {
			const sl_instance_t *prev = chain->inst[chain->n - 1];
			if (prev->api->phase > inst->api->phase)
				sl_errlist_add(errors, ipath,
					       "%s (%s phase) cannot run after %s at %s (%s "
					       "phase): reorder the chain",
					       inst->api->name, phase_name(inst->api->phase),
					       prev->api->name, prev->path,
					       phase_name(prev->api->phase));
		}
		chain->inst[chain->n++] = inst;
	}
}

/*
 * Last instance first: a writer later in a chain (update) stops before what
 * it relies on (a journal placed before it) goes away, so no commit can slip
 * through unjournaled while a configuration is torn down.
 */
static void free_chain(sl_chain_t *chain)
{
	for (size_t i = chain->n; i-- > 0;)
		sl_instance_free(chain->inst[i]);
	free(chain->inst);
	chain->inst = NULL;
	chain->n = 0;
}

/* ---- zones -------------------------------------------------------------- */

/*
 * Reads an array of ACL entries ("PREFIX", "key:NAME", "PREFIX key:NAME")
 * into an ACL owned by the runtime's pool; named keys must be in tsig_keys.
 */
static void load_acl(sl_conf_t *c, const char *key, const sl_runtime_t *rt, sl_acl_t **out)
{
	const char *const *list;
	size_t n;
	char sub[320];

	*out = sl_strpool_alloc(rt->pool, sizeof(**out));
	if (!*out || sl_conf_strings(c, key, false, &list, &n) != SL_OK || !n)
		return;
	sl_prefix_t *entry = sl_strpool_alloc(rt->pool, n * sizeof(*entry));
	const uint8_t **keys = sl_strpool_alloc(rt->pool, n * sizeof(*keys));
	if (!entry || !keys) {
		sl_conf_error(c, key, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t name[SL_NAME_MAXLEN];
		bool has_key;

		keys[i] = NULL;
		sl_conf_subpath(sub, sizeof(sub), key, NULL, (int)i);
		if (sl_acl_entry_parse(list[i], &entry[i], name, &has_key) != SL_OK) {
			sl_conf_error(c, sub, "\"%s\" is not an address or prefix, \"key:NAME\" or "
					      "\"PREFIX key:NAME\" (use 192.0.2.0/24, 2001:db8::/32, "
					      "key:xfr-key.)", list[i]);
			continue;
		}
		if (has_key) {
			const sl_tsig_key_t *k = sl_config_tsig_key(rt, name);
			if (!k) {
				sl_conf_error(c, sub, "\"%s\": no such key in tsig_keys", list[i]);
				continue;
			}
			keys[i] = k->name;
		}
	}
	(*out)->entry = entry;
	(*out)->key = keys;
	(*out)->n = n;
}

static int zone_hash_insert(sl_runtime_t *rt, size_t idx)
{
	uint32_t h = sl_name_hash(rt->zones[idx].name) & rt->zone_hash_mask;
	while (rt->zone_hash[h]) {
		if (sl_name_equal(rt->zones[rt->zone_hash[h] - 1].name, rt->zones[idx].name))
			return SL_EEXIST;
		h = (h + 1) & rt->zone_hash_mask;
	}
	rt->zone_hash[h] = (uint32_t)idx + 1;
	return SL_OK;
}

/*
 * Ends a zone object whose name is unusable: its plugins need the apex, so
 * they are not loaded, and not reported as unknown keys either (typos still are).
 */
static void skip_zone(sl_conf_t *c)
{
	sl_conf_mark(c, "plugins");
	sl_conf_mark(c, "allow_transfer");
	sl_conf_mark(c, "notify");
	sl_conf_mark(c, "notify_key");
	sl_conf_finish(c);
}

/*
 * "notify": the secondaries told of each new version of the zone (RFC 1996);
 * "notify_key": the TSIG key that signs those NOTIFYs.
 */
static void load_notify(sl_conf_t *c, const sl_runtime_t *rt, sl_zone_entry_t *z)
{
	static const uint8_t any6[16];
	static const uint8_t root[1] = { 0 };
	uint8_t name[SL_NAME_MAXLEN];
	const char *kname = NULL;
	size_t nlen;
	char key[64];

	load_addresses(c, "notify", false, rt->pool, &z->notify, &z->nnotify);
	if (sl_conf_string(c, "notify_key", false, NULL, &kname) == SL_OK && kname) {
		if (sl_name_from_text(kname, strlen(kname), root, name, &nlen) != SL_OK)
			sl_conf_error(c, "notify_key", "\"%s\" is not a key name", kname);
		else if (!(z->notify_key = sl_config_tsig_key(rt, name)))
			sl_conf_error(c, "notify_key", "\"%s\": no such key in tsig_keys", kname);
		else if (z->nnotify == 0)
			sl_conf_error(c, "notify_key", "set, but \"notify\" lists no secondary");
	}
	for (size_t i = 0; i < z->nnotify; i++) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&z->notify[i].addr;
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&z->notify[i].addr;
		bool any = sin->sin_family == AF_INET ? sin->sin_addr.s_addr == INADDR_ANY
						      : memcmp(&sin6->sin6_addr, any6, 16) == 0;

		snprintf(key, sizeof(key), "notify[%zu]", i);
		if (any)
			sl_conf_error(c, key, "\"%s\": a NOTIFY needs a secondary's address, not "
					      "a wildcard", z->notify[i].text);
		else if (sin->sin_port == 0)
			sl_conf_error(c, key, "\"%s\": port 0 is not a port", z->notify[i].text);
	}
}

static void load_zones(sl_runtime_t *rt, json_t *arr, sl_errlist_t *errors, bool dry_run)
{
	json_t *item;
	size_t i, n;
	char path[256], ppath[300];

	if (!arr)
		return;
	if (!json_is_array(arr)) {
		sl_errlist_add(errors, "zones", "expected an array of zone objects");
		return;
	}
	n = json_array_size(arr);
	size_t slots = 16;
	while (slots < n * 2)
		slots <<= 1;
	rt->zones = calloc(n ? n : 1, sizeof(*rt->zones));
	rt->zone_hash = calloc(slots, sizeof(*rt->zone_hash));
	if (!rt->zones || !rt->zone_hash) {
		sl_errlist_add(errors, "zones", "out of memory");
		return;
	}
	rt->zone_hash_mask = (uint32_t)slots - 1;
	rt->zone_min_labels = SL_NAME_MAXLABELS;
	json_array_foreach(arr, i, item) {
		sl_conf_t c;
		const char *name;
		sl_zone_entry_t *z = &rt->zones[rt->nzones];

		sl_conf_subpath(path, sizeof(path), "zones", NULL, (int)i);
		if (!json_is_object(item)) {
			sl_errlist_add(errors, path, "expected an object");
			continue;
		}
		sl_conf_init(&c, item, path, errors, dry_run, rt->pool);
		if (sl_conf_string(&c, "name", true, NULL, &name) != SL_OK || !name) {
			skip_zone(&c);
			continue;
		}
		uint8_t root[1] = { 0 };
		if (sl_name_from_text(name, strlen(name), root, z->name, &z->name_len) != SL_OK) {
			sl_conf_error(&c, "name", "\"%s\" is not a valid domain name", name);
			skip_zone(&c);
			continue;
		}
		sl_name_tolower(z->name);
		if (zone_hash_insert(rt, rt->nzones) != SL_OK) {
			sl_conf_error(&c, "name", "zone \"%s\" is configured twice", name);
			skip_zone(&c);
			continue;
		}
		unsigned labels = sl_name_labels(z->name);
		if (labels < rt->zone_min_labels)
			rt->zone_min_labels = labels;
		if (labels > rt->zone_max_labels)
			rt->zone_max_labels = labels;
		/* The zone store's zone outlives this runtime: reloads share it. */
		z->zone = sl_zone_get(z->name);
		if (!z->zone)
			sl_conf_error(&c, "name", "out of memory");
		rt->nzones++;
		load_acl(&c, "allow_transfer", rt, &z->allow_transfer);
		load_notify(&c, rt, z);
		sl_conf_subpath(ppath, sizeof(ppath), path, "plugins", 0);
		json_t *plugins = sl_conf_json(&c, "plugins");
		/* A zone without plugins could only ever answer SERVFAIL. */
		if (!plugins)
			sl_conf_error(&c, "plugins", "required array is missing (a zone needs a "
						     "data source such as zonefile)");
		else if (json_is_array(plugins) && json_array_size(plugins) == 0)
			sl_conf_error(&c, "plugins", "must not be empty (a zone needs a data "
						     "source such as zonefile)");
		load_chain(rt, plugins, ppath, z->name, &z->chain, errors, dry_run);
		sl_conf_finish(&c);
	}
	/* Zones with served zones below them (CNAME targets there need zone selection). */
	for (i = 0; i < rt->nzones; i++) {
		const uint8_t *parent = sl_name_parent(rt->zones[i].name);
		sl_zone_entry_t *above =
			parent ? (sl_zone_entry_t *)sl_runtime_find_zone(rt, parent) : NULL;
		if (above)
			above->has_subzones = true;
	}
}


/* ---- runtime ------------------------------------------------------------ */

sl_runtime_t *sl_runtime_load(const char *path, bool dry_run, unsigned workers_override,
			      sl_errlist_t *errors)
{
	json_error_t jerr;
	unsigned before = errors->count + errors->dropped;
	sl_runtime_t *rt = calloc(1, sizeof(*rt));

	if (!rt || !(rt->pool = calloc(1, sizeof(*rt->pool))) ||
	    !(rt->config_file = strdup(path))) {
		sl_errlist_add(errors, path, "out of memory");
		goto fail;
	}
	/* Opened here so that the message names the path once (jansson's repeats it). */
	FILE *fp = fopen(path, "r");
	if (!fp) {
		sl_errlist_add(errors, path, "cannot open: %s", strerror(errno));
		goto fail;
	}
	json_t *root = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
	fclose(fp);
	if (!root) {
		sl_error_t e;
		sl_error_clear(&e);
		sl_error_at(&e, SL_ECONFIG, path, jerr.line > 0 ? (unsigned)jerr.line : 0,
			    jerr.column > 0 ? (unsigned)jerr.column : 0, "%s", jerr.text);
		sl_errlist_report(errors, &e);
		goto fail;
	}
	rt->json = root;
	if (!json_is_object(root)) {
		sl_errlist_add(errors, path, "the configuration must be a JSON object");
		goto fail;
	}
	sl_conf_t top;
	sl_conf_init(&top, root, "", errors, dry_run, rt->pool);
	/* A bad server object does not hide the errors of the rest: all are checked. */
	rt->skip_plugins =
		!parse_server(rt, sl_conf_json(&top, "server"), workers_override, errors, dry_run);
	load_chain(rt, sl_conf_json(&top, "plugins"), "plugins", NULL, &rt->server_chain, errors,
		   dry_run);
	sl_config_tsig_keys(rt, sl_conf_json(&top, "tsig_keys"), errors, dry_run);
	load_zones(rt, sl_conf_json(&top, "zones"), errors, dry_run);
	sl_conf_finish(&top);
	if (errors->count + errors->dropped != before)
		goto fail;
	return rt;
fail:
	sl_runtime_free(rt);
	return NULL;
}

/* The instance of the previous runtime at the same place, for adopt(). */
static sl_instance_t *find_previous(const sl_runtime_t *prev, const sl_instance_t *inst)
{
	const sl_chain_t *chain = &prev->server_chain;

	if (inst->has_zone) {
		chain = NULL;
		for (size_t i = 0; i < prev->nzones && !chain; i++)
			if (sl_name_equal(prev->zones[i].name, inst->zone))
				chain = &prev->zones[i].chain;
		if (!chain)
			return NULL;
	}
	for (size_t i = 0; i < chain->n; i++) {
		sl_instance_t *old = chain->inst[i];
		if (strcmp(old->api->name, inst->api->name) == 0 && old->position == inst->position)
			return old;
	}
	return NULL;
}

static int start_chain(sl_chain_t *chain, sl_runtime_t *prev, sl_errlist_t *errors)
{
	for (size_t i = 0; i < chain->n; i++) {
		sl_instance_t *inst = chain->inst[i];
		if (prev && inst->api->adopt) {
			sl_instance_t *old = find_previous(prev, inst);
			if (old)
				inst->api->adopt(inst->state, old->state);
		}
		if (inst->api->start) {
			int ret = inst->api->start(inst->state);
			if (ret != SL_OK) {
				sl_errlist_add(errors, inst->path, "%s failed to start: %s",
					       inst->label, sl_strerror(ret));
				return ret;
			}
		}
		inst->started = true;
	}
	return SL_OK;
}

int sl_runtime_start(sl_runtime_t *rt, sl_runtime_t *previous, sl_errlist_t *errors)
{
	int ret = start_chain(&rt->server_chain, previous, errors);
	for (size_t z = 0; z < rt->nzones && ret == SL_OK; z++)
		ret = start_chain(&rt->zones[z].chain, previous, errors);
	rt->started = ret == SL_OK;
	return ret;
}

void sl_runtime_free(sl_runtime_t *rt)
{
	if (!rt)
		return;
	free_chain(&rt->server_chain);
	for (size_t z = 0; z < rt->nzones; z++) {
		free_chain(&rt->zones[z].chain);
		if (rt->zones[z].zone)
			sl_zone_put(rt->zones[z].zone);
	}
	/* Instances are gone: their code may now be unmapped. */
	for (size_t i = 0; i < rt->nmodules; i++)
		sl_module_close(&rt->modules[i]);
	free(rt->modules);
	free(rt->zones);
	free(rt->zone_hash);
	sl_config_tsig_free(rt);
	if (rt->json)
		json_decref(rt->json);
	if (rt->pool) {
		sl_strpool_free(rt->pool);
		free(rt->pool);
	}
	free(rt->config_file);
	free(rt);
}
