/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * whoami — tells a client the address and port its query came from.
 *
 *   whoami.test. A     -> the client's IPv4 address
 *   whoami.test. AAAA  -> the client's IPv6 address
 *   whoami.test. TXT   -> the client's source port, e.g. "53412"
 *   whoami.test. ANY   -> the A or AAAA record above (RFC 8482: one answer is enough)
 *
 * Every other type, and A or AAAA asked over the other address family, gets
 * NODATA (NOERROR with an empty answer). Queries for any other name, or in
 * another class than IN, are passed on to the next plugin in the chain.
 *
 * This file is also the template for writing a plugin. A plugin is a shared
 * object NAME.so that includes only <sluice/...> headers and exports one
 * descriptor (SL_PLUGIN_DEFINE at the bottom). The core calls:
 *
 *   create()   on the control thread, once per JSON object that names this
 *              plugin, at startup, on every reload and for `sluiced --check`:
 *              read the options, build the instance state;
 *   query()    on the worker threads, concurrently, for every query that
 *              reaches this instance in its chain;
 *   destroy()  when the configuration is replaced or the server stops.
 *
 * whoami needs none of the optional callbacks (start, adopt, worker_start,
 * worker_stop, response): it has no background work, nothing to carry over a
 * reload, no per-thread data and no interest in other plugins' answers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sluice/answer.h>
#include <sluice/plugin.h>

/** Largest TTL the "ttl" option accepts (one day). */
#define WHOAMI_TTL_MAX 86400

/** Room for the RDATA of our one record: 16 octets of IPv6, or a TXT port. */
#define WHOAMI_RDATA_MAX 16

/*
 * The state of one instance, built by create() and freed by destroy().
 *
 * Worker threads read it concurrently in query(), so it is never written
 * after create() returns: no locks needed. The only thing that changes per
 * query is the "answers" counter, which the core keeps per worker thread.
 */
struct whoami {
	sl_instance_t *inst;          /* our instance: sl_stats_add() needs it */
	int answers;                  /* id of the "answers" counter */
	uint32_t ttl;                 /* TTL of every record we send */
	uint8_t name[SL_NAME_MAXLEN]; /* the name we answer for, wire format */
};

/* ---- configuration ---------------------------------------------------- */

/*
 * Reads the "name" option into @out (SL_NAME_MAXLEN octets). @apex is the
 * zone apex for an instance in a zone's chain, NULL server-wide.
 * @return SL_OK, or SL_ECONFIG with the error recorded in @conf
 */
static int parse_name(sl_conf_t *conf, const uint8_t *apex, uint8_t *out)
{
	char text[SL_NAME_TEXT_MAX];
	const char *name;
	size_t len;
	int ret;

	/* Required server-wide; in a zone it defaults to the apex. */
	ret = sl_conf_string(conf, "name", apex == NULL, NULL, &name);
	if (ret != SL_OK)
		return ret; /* the getter has recorded the error */
	if (!name) {
		memcpy(out, apex, sl_name_len(apex));
		return SL_OK;
	}

	/*
	 * In a zone, relative names are completed with the apex, as in a zone
	 * file ("whoami", or "@" for the apex itself); server-wide there is no
	 * origin, so the name must be absolute (end with a dot).
	 */
	ret = sl_name_from_text(name, strlen(name), apex, out, &len);
	if (ret != SL_OK)
		return sl_conf_error(conf, "name", "\"%s\" is not a valid %sdomain name: %s", name,
				     apex ? "" : "absolute ", sl_strerror(ret));
	if (apex && !sl_name_is_subdomain(out, apex)) {
		sl_name_to_text(apex, text, sizeof(text));
		return sl_conf_error(conf, "name", "\"%s\" is not inside the zone %s", name, text);
	}
	return SL_OK;
}

/*
 * create(): validate this instance's JSON object and build its state.
 *
 * It runs on the control thread and may allocate, log and take its time;
 * it also runs for `sluiced --check`, so it must not start anything (that
 * is what start() is for). Problems are reported with sl_conf_error(),
 * which prefixes the JSON path of the offending key, e.g.
 *   zones[0].plugins[1].name: "www.other.test." is not inside the zone example.test.
 * Keys we never read are reported as "unknown key" by the core, so a typo
 * such as "tll" cannot slip through silently.
 *
 * If create() fails it frees what it allocated itself: destroy() only ever
 * sees state that create() handed back.
 */
static int whoami_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	char text[SL_NAME_TEXT_MAX];
	long long ttl;
	int ret = SL_OK;

	struct whoami *w = calloc(1, sizeof(*w));
	if (!w)
		return SL_ENOMEM;
	w->inst = inst;

	/*
	 * Read every option even when an earlier one is bad, so that a single
	 * --check run shows the operator all the problems at once.
	 */
	if (parse_name(conf, sl_instance_zone(inst), w->name) != SL_OK)
		ret = SL_ECONFIG;
	/* Answers depend on who asks, so the default TTL of 0 keeps caches out. */
	if (sl_conf_int(conf, "ttl", 0, WHOAMI_TTL_MAX, 0, &ttl) != SL_OK)
		ret = SL_ECONFIG;
	if (ret != SL_OK)
		goto fail;
	w->ttl = (uint32_t)ttl;

	/*
	 * Counters are registered here, on the control thread, and bumped from
	 * query() without locking. SIGUSR1 makes sluiced log them.
	 */
	w->answers = sl_stats_counter(inst, "answers");
	if (w->answers < 0) {
		ret = sl_conf_error(conf, NULL, "cannot register a counter: %s",
				    sl_strerror(w->answers));
		goto fail;
	}

	/* One line at startup and on reload; never log per query. */
	sl_name_to_text(w->name, text, sizeof(text));
	sl_instance_log(inst, SL_LOG_INFO, "answering %s IN A, AAAA and TXT with the client's "
			"address and port, TTL %u", text, (unsigned)w->ttl);

	*state = w;
	return SL_OK;
fail:
	free(w);
	return ret;
}

/*
 * destroy(): free the state. The core calls it only when no worker can
 * still be inside query() with this state.
 */
static void whoami_destroy(void *state)
{
	free(state);
}

/* ---- answering ------------------------------------------------------- */

/*
 * Works out the one record that answers @req, if any: writes its RDATA in
 * storage (wire) form to @rdata (WHOAMI_RDATA_MAX octets), sets @rdlen
 * and returns its type, or returns 0 when the answer is NODATA.
 */
static uint16_t answer_rdata(const sl_request_t *req, uint8_t *rdata, uint16_t *rdlen)
{
	uint16_t family_type = 0; /* SL_TYPE_A or SL_TYPE_AAAA: what the client's address is */
	uint8_t addr[16];         /* the address, network byte order, ready to be RDATA */
	uint16_t port = 0;        /* the source port, host byte order */

	/*
	 * req->remote is a sockaddr_in or sockaddr_in6. Copy it into a struct
	 * of the right type instead of casting the pointer: no alignment or
	 * aliasing assumptions about the core's buffer.
	 */
	if (req->remote && req->remote->sa_family == AF_INET &&
	    req->remote_len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;
		memcpy(&sin, req->remote, sizeof(sin));
		memcpy(addr, &sin.sin_addr, 4);
		port = ntohs(sin.sin_port);
		family_type = SL_TYPE_A;
	} else if (req->remote && req->remote->sa_family == AF_INET6 &&
		   req->remote_len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, req->remote, sizeof(sin6));
		port = ntohs(sin6.sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			/* ::ffff:192.0.2.1 on a dual-stack socket is an IPv4 client. */
			memcpy(addr, &sin6.sin6_addr.s6_addr[12], 4);
			family_type = SL_TYPE_A;
		} else {
			memcpy(addr, &sin6.sin6_addr, 16);
			family_type = SL_TYPE_AAAA;
		}
	}
	if (family_type == 0)
		return 0; /* not an IP client: nothing to tell */

	switch (req->qtype) {
	case SL_TYPE_A:
	case SL_TYPE_AAAA:
	case SL_TYPE_ANY:
		if (req->qtype != family_type && req->qtype != SL_TYPE_ANY)
			return 0; /* A asked over IPv6 or AAAA over IPv4 */
		*rdlen = family_type == SL_TYPE_A ? 4 : 16;
		memcpy(rdata, addr, *rdlen);
		return family_type;
	case SL_TYPE_TXT: {
		/* TXT RDATA is <length octet><text>; a port has at most 5 digits. */
		int n = snprintf((char *)rdata + 1, WHOAMI_RDATA_MAX - 1, "%u", (unsigned)port);
		rdata[0] = (uint8_t)n;
		*rdlen = (uint16_t)(n + 1);
		return SL_TYPE_TXT;
	}
	default:
		return 0;
	}
}

/*
 * query(): the request handler. It runs on every worker thread at once, so
 * it only reads the state, and it allocates nothing: the RDATA is built on
 * the stack and copied into the response by sl_resp_add_rr().
 *
 * It either passes (not our name) or produces a complete answer and stops
 * the chain with SL_RESULT_DONE, after saying what kind of answer it was in
 * req->kind so that rate limiting and statistics can classify it.
 */
static sl_result_t whoami_query(void *state, sl_request_t *req)
{
	const struct whoami *w = state;
	uint8_t rdata[WHOAMI_RDATA_MAX];
	uint16_t rdlen = 0;

	/*
	 * req->qname is the name being answered: the QNAME, or the target of a
	 * CNAME or DNAME that zone data (or another plugin) led to — the core
	 * offers such targets to the plugins of the zone they lie in, so
	 * "alias CNAME whoami" in a zone file works. Compare case-insensitively.
	 */
	if (req->query->qclass != SL_CLASS_IN || !sl_name_equal(req->qname, w->name))
		return SL_RESULT_PASS;

	uint16_t type = answer_rdata(req, rdata, &rdlen);

	/*
	 * Records go to the answer section (after a CNAME, if one was
	 * followed). This fails only if an earlier plugin already moved on to
	 * a later section: a bug that deserves SERVFAIL, not a wrong answer.
	 */
	if (sl_resp_section(req->resp, SL_SECTION_ANSWER) != SL_OK) {
		req->rcode = SL_RCODE_SERVFAIL;
		req->kind = SL_ANSWER_ERROR;
		return SL_RESULT_ERROR;
	}
	sl_resp_set_flags(req->resp, SL_FLAG_AA);

	if (type == 0) {
		/*
		 * NODATA: the name exists, the type does not. The core's helper
		 * adds the zone's SOA with the negative-caching TTL (RFC 2308)
		 * when the zone has data (e.g. whoami placed before zonefile);
		 * server-wide, or in a zone that exists only for whoami, there
		 * is no SOA and the answer goes without one (SL_ENOTFOUND).
		 */
		(void)sl_answer_negative(req, NULL, SL_ANSWER_NODATA);
	} else {
		req->kind = SL_ANSWER_POSITIVE;
		/*
		 * The owner is req->qname, so the client gets its name back in
		 * the case it asked. A record is added whole or not at all; the
		 * only failure is SL_ESPACE (it does not fit the client's UDP
		 * payload), and then TC tells the client to retry over TCP. The
		 * core writes OPT and trims UDP answers: plugins never do.
		 */
		if (sl_resp_add_rr(req->resp, req->qname, type, SL_CLASS_IN, w->ttl, rdata,
				   rdlen) != SL_OK)
			sl_resp_set_flags(req->resp, SL_FLAG_TC);
	}

	/* Per-worker counter: lock-free, safe on the query path. */
	sl_stats_add(w->inst, req, w->answers, 1);
	return SL_RESULT_DONE;
}

/* ---- the descriptor ----------------------------------------------------- */

/*
 * The one symbol the loader looks for. .name must equal the file name
 * (whoami.so); the ABI version and the descriptor size are filled in by
 * the macro, so a plugin built against other headers is refused with a
 * clear message instead of crashing. Optional callbacks are left NULL.
 */
SL_PLUGIN_DEFINE(
	.name = "whoami",
	.version = "1.0.0",
	.summary = "answers with the client's address (A/AAAA) and source port (TXT)",
	.scope = SL_SCOPE_ANY,  /* server-wide "plugins" and zones' "plugins" */
	.phase = SL_PHASE_DATA, /* it produces answers */
	.create = whoami_create,
	.destroy = whoami_destroy,
	.query = whoami_query,
);
