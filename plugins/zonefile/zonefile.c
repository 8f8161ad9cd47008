/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * zonefile — serves a zone from an RFC 1035 master file.
 *
 * The file is parsed into a zone-store transaction by a background job
 * (sl_job_submit(): the host's few job threads, never a query loop, never a
 * thread per zone); the commit checks the zone and publishes it
 * atomically, so queries see either the previous version or the new one —
 * and SERVFAIL, never a wrong answer, while a zone has not loaded yet. A
 * file with errors is not served: the previous version stays.
 *
 * Answers come from the core's shared algorithm (sl_answer_query), zone
 * transfers from sl_answer_axfr and sl_answer_ixfr (the core has already
 * checked the zone's allow_transfer ACL).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sluice/answer.h>
#include <sluice/sluice.h>
#include <sluice/zone.h>
#include <sluice/zscan.h>


struct zonefile {
	sl_instance_t *inst;
	sl_zone_t *zone;                 /* registry reference */
	const char *file;                /* resolved path */
	uint8_t origin[SL_NAME_MAXLEN];  /* $ORIGIN at the top of the file */
	double reload_interval;          /* seconds between mtime checks, 0 = SIGHUP only */
	sl_zone_limits_t limits;         /* caps applied at commit */
	uint64_t max_zone_bytes;         /* largest file, and records in wire form */
	atomic_bool cancel;              /* destroy(): stop a running load */
	/* The loader thread writes these; the control thread reads them (reload checks, adopt()). */
	pthread_mutex_t stamp_lock;
	sl_file_stamp_t loaded;          /* the file as last loaded successfully */
	bool have_loaded;                /* loaded is valid */
	sl_job_t *loader;                /* background load, waited for before the next */
	atomic_bool loading;             /* loader job queued or running */
	sl_timer_t *timer;               /* reload interval */
};

/* Records @p st as the file last loaded (loader thread). */
static void stamp_set(struct zonefile *zf, const sl_file_stamp_t *st)
{
	pthread_mutex_lock(&zf->stamp_lock);
	zf->loaded = *st;
	zf->have_loaded = true;
	pthread_mutex_unlock(&zf->stamp_lock);
}

/* The file last loaded, in *@p st. @return false when nothing was loaded yet */
static bool stamp_get(struct zonefile *zf, sl_file_stamp_t *st)
{
	bool have;

	pthread_mutex_lock(&zf->stamp_lock);
	have = zf->have_loaded;
	if (have)
		*st = zf->loaded;
	pthread_mutex_unlock(&zf->stamp_lock);
	return have;
}

/* ---- loading ------------------------------------------------------------ */

/* Default of "max_zone_bytes": 1 GiB. */
#define ZF_DEFAULT_MAX_ZONE_BYTES (1ull << 30)

/* Shortest "reload" interval in seconds (0 turns the timer off). */
#define ZF_MIN_RELOAD 1.0

/* Errors logged per load; past it they are counted ("... and N more errors"). */
#define ZF_MAX_ERRORS 100

struct load_ctx {
	struct zonefile *zf;
	sl_zone_txn_t *txn;
	uint64_t records;
	uint64_t bytes;  /* records so far in wire form (uncompressed) */
	unsigned errors; /* found so far (saturating) */
	bool stopped;    /* add_record() stopped the parse and said why */
	bool cancelled;  /* ... because the instance is being destroyed */
	bool holding;    /* held: the commit's first problem, not logged yet */
	sl_error_t held;
	char where[300];
};

static void load_error(struct load_ctx *ctx, const char *fmt, ...) SL_PRINTF(2, 3);

/* Logs one problem of this load, up to ZF_MAX_ERRORS of them. */
static void load_error(struct load_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	ctx->errors += ctx->errors < UINT_MAX;
	if (ctx->errors > ZF_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sl_instance_log(ctx->zf->inst, SL_LOG_ERROR, "%s", msg);
}

/* Each problem the parser or the commit's checks find, as its place and message. */
static void report_error(void *arg, const sl_error_t *e)
{
	struct load_ctx *ctx = arg;
	char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];

	/* The parser's "record rejected" for a record add_record() stopped at: said already. */
	if (ctx->stopped)
		return;
	sl_error_format(e, line, sizeof(line));
	load_error(arg, "%s", line);
}

/*
 * The commit's problems. The first is held back: when the commit then says
 * SL_EEXIST it was the journal's "the file is older than my history", a
 * notice and not an error. A second problem means errors: both are logged.
 */
static void commit_problem(void *arg, const sl_error_t *e)
{
	struct load_ctx *ctx = arg;

	if (!ctx->holding && ctx->errors == 0) {
		ctx->held = *e;
		ctx->holding = true;
		return;
	}
	if (ctx->holding) {
		ctx->holding = false;
		report_error(ctx, &ctx->held);
	}
	report_error(ctx, e);
}

static int add_record(void *arg, const sl_zscan_record_t *rr)
{
	struct load_ctx *ctx = arg;
	char owner[SL_NAME_TEXT_MAX];

	if (atomic_load_explicit(&ctx->zf->cancel, memory_order_relaxed)) {
		ctx->stopped = ctx->cancelled = true;
		return SL_ECONFIG;
	}
	/* Owner, type, class, TTL, RDLENGTH and RDATA: the record in wire form. */
	ctx->bytes += sl_name_len(rr->owner) + 10u + rr->rdlen;
	if (ctx->bytes > ctx->zf->max_zone_bytes) {
		load_error(ctx,
			   "%s:%u: the zone is larger than max_zone_bytes (%llu octets in wire "
			   "form): raise the limit or split the zone",
			   rr->file, rr->line, (unsigned long long)ctx->zf->max_zone_bytes);
		ctx->stopped = true;
		return SL_ELIMIT;
	}
	snprintf(ctx->where, sizeof(ctx->where), "%s:%u", rr->file, rr->line);
	int ret = sl_zone_txn_add(ctx->txn, rr->owner, rr->type, rr->ttl, rr->rdata, rr->rdlen,
				  ctx->where);
	if (ret != SL_OK) {
		if (sl_name_to_text(rr->owner, owner, sizeof(owner)) < 0)
			snprintf(owner, sizeof(owner), "?");
		load_error(ctx, "%s:%u:%u: %s: %s", rr->file, rr->line, rr->column, owner,
			   ret == SL_EINVAL ? "outside the zone" : sl_strerror(ret));
		/* A record the zone cannot hold is one more error; a failing store stops. */
		if (ret == SL_EINVAL)
			return 0;
		ctx->stopped = true;
		return ret;
	}
	ctx->records++;
	return 0;
}

/*
 * Parses the file into a fresh transaction and commits it. Returns SL_OK when
 * the new version is live, SL_EEXIST when the zone's journal kept its own
 * newer version (logged as a notice); otherwise logs every problem (up to
 * ZF_MAX_ERRORS) and stores how many there were in @p nerrors.
 */
static int load_zone(struct zonefile *zf, bool dry_run, unsigned *nerrors)
{
	struct load_ctx ctx = { .zf = zf };
	sl_zscan_options_t opt;
	sl_error_t perr;
	sl_file_stamp_t st;
	struct timespec t0, t1;

	*nerrors = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sl_file_stamp(zf->file, &st) != SL_OK) {
		sl_instance_log(zf->inst, SL_LOG_ERROR, "%s: %s", zf->file, strerror(errno));
		return SL_EIO;
	}
	if ((uint64_t)st.size > zf->max_zone_bytes) {
		sl_instance_log(zf->inst, SL_LOG_ERROR,
				"%s: %llu octets, larger than max_zone_bytes (%llu): not read",
				zf->file, (unsigned long long)st.size,
				(unsigned long long)zf->max_zone_bytes);
		return SL_ELIMIT;
	}
	int ret = sl_zone_txn_begin(zf->zone, SL_TXN_EMPTY, &ctx.txn);
	if (ret != SL_OK) {
		sl_instance_log(zf->inst, SL_LOG_ERROR, "cannot start a transaction: %s",
				sl_strerror(ret));
		return ret;
	}
	sl_zscan_options_init(&opt);
	opt.origin = zf->origin;
	/*
	 * Stop parsing once the zone is over its size cap: the commit would
	 * refuse it anyway, and a few $GENERATE lines could otherwise make a
	 * small file allocate hundreds of millions of records first.
	 */
	opt.max_records = zf->limits.max_zone_rrs + 1;
	/* Checked before a file is read: a huge (or sparse) file costs nothing. */
	opt.max_file_size = zf->max_zone_bytes < SIZE_MAX ? (size_t)zf->max_zone_bytes : SIZE_MAX;
	/* Every bad record is reported, not only the first; any of them keeps the zone out. */
	opt.on_error = report_error;
	opt.error_arg = &ctx;
	sl_error_clear(&perr);
	ret = sl_zscan_parse_file(zf->file, &opt, add_record, &ctx, &perr);
	if (ctx.cancelled || atomic_load(&zf->cancel)) {
		sl_zone_txn_abort(ctx.txn);
		sl_instance_log(zf->inst, SL_LOG_INFO, "%s: load cancelled (shutting down)", zf->file);
		*nerrors = 0;
		return SL_ECONFIG;
	}
	if (ret != SL_OK || ctx.errors) {
		sl_zone_txn_abort(ctx.txn);
		if (ctx.errors > ZF_MAX_ERRORS)
			sl_instance_log(zf->inst, SL_LOG_ERROR, "%s: ... and %u more errors",
					zf->file, ctx.errors - ZF_MAX_ERRORS);
		*nerrors = ctx.errors ? ctx.errors : 1;
		return ret != SL_OK ? ret : SL_ECONFIG;
	}
	ret = sl_zone_txn_commit_report(ctx.txn, &zf->limits, commit_problem, &ctx);
	if (ret == SL_EEXIST) {
		/*
		 * The zone's journal holds this serial or a newer one (updates
		 * made since the file was written): not a failure, the journal's
		 * version keeps serving. Remembered as loaded, so an unchanged
		 * file is not parsed again at every reload check.
		 */
		sl_instance_log(zf->inst, SL_LOG_NOTICE, "%s not loaded: %s", zf->file,
				ctx.held.msg);
		*nerrors = 0;
		stamp_set(zf, &st);
		return SL_EEXIST;
	}
	if (ctx.holding)
		report_error(&ctx, &ctx.held);
	if (ret != SL_OK) {
		/* One log line per problem the checks found (report_error). */
		if (!ctx.errors)
			load_error(&ctx, "%s: %s", zf->file, sl_strerror(ret));
		*nerrors = ctx.errors;
		return ret;
	}
	*nerrors = 0;
	stamp_set(zf, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!dry_run) {
		const sl_zone_version_t *v = sl_zone_current(zf->zone);
		sl_instance_log(zf->inst, SL_LOG_NOTICE,
				"loaded %s: %llu records, serial %u, in %.3f s", zf->file,
				(unsigned long long)ctx.records, v ? sl_zone_serial(v) : 0,
				(double)(t1.tv_sec - t0.tv_sec) +
					(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	return SL_OK;
}

static void loader_main(void *arg)
{
	struct zonefile *zf = arg;
	unsigned nerrors;
	int ret = load_zone(zf, false, &nerrors);
	if (ret != SL_OK && ret != SL_EEXIST && !atomic_load(&zf->cancel)) {
		if (sl_zone_current(zf->zone))
			sl_instance_log(zf->inst, SL_LOG_ERROR,
					"%s not loaded: still serving the previous version",
					zf->file);
		else
			sl_instance_log(zf->inst, SL_LOG_ERROR,
					"%s not loaded: the zone answers SERVFAIL until it is fixed",
					zf->file);
	}
	atomic_store(&zf->loading, false);
}

/* Starts a background load unless one is running. Control thread only. */
static void start_load(struct zonefile *zf)
{
	if (atomic_load(&zf->loading))
		return;
	sl_job_end(zf->loader); /* finished: frees the handle */
	atomic_store(&zf->loading, true);
	zf->loader = sl_job_submit(loader_main, zf);
	if (zf->loader == NULL) {
		atomic_store(&zf->loading, false);
		sl_instance_log(zf->inst, SL_LOG_ERROR, "cannot queue the zone load");
	}
}

/* Loads when the file changed since the last successful load (or never loaded). */
static void load_if_changed(struct zonefile *zf)
{
	sl_file_stamp_t st, last;
	if (stamp_get(zf, &last) && sl_file_stamp(zf->file, &st) == SL_OK &&
	    sl_file_stamp_equal(&st, &last) && sl_zone_current(zf->zone))
		return;
	start_load(zf);
}

static void on_reload_timer(sl_timer_t *timer, void *arg)
{
	load_if_changed(arg);
}

/* ---- plugin callbacks --------------------------------------------------- */

static void zonefile_destroy(void *state)
{
	struct zonefile *zf = state;
	if (!zf)
		return;
	sl_timer_stop(zf->timer);
	/* A load still running stops at its next record (SIGTERM must not wait for it). */
	atomic_store(&zf->cancel, true);
	sl_job_end(zf->loader); /* dropped if still queued */
	if (zf->zone)
		sl_zone_put(zf->zone);
	pthread_mutex_destroy(&zf->stamp_lock);
	free(zf);
}

static int zonefile_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	const uint8_t *apex = sl_instance_zone(inst);
	const char *file, *origin;
	long long v;
	size_t len;
	int ret;

	struct zonefile *zf = calloc(1, sizeof(*zf));
	if (!zf)
		return SL_ENOMEM;
	if (pthread_mutex_init(&zf->stamp_lock, NULL) != 0) {
		free(zf);
		return SL_ENOMEM;
	}
	*state = zf;
	zf->inst = inst;
	sl_zone_limits_default(&zf->limits);
	if (sl_conf_string(conf, "file", true, NULL, &file) == SL_OK && file)
		zf->file = sl_conf_resolve_path(conf, file);
	memcpy(zf->origin, apex, sl_name_len(apex));
	if (sl_conf_string(conf, "origin", false, NULL, &origin) == SL_OK && origin) {
		static const uint8_t root[1] = { 0 };
		if (sl_name_from_text(origin, strlen(origin), root, zf->origin, &len) != SL_OK)
			sl_conf_error(conf, "origin", "\"%s\" is not a domain name", origin);
	}
	/* 0 is off; below a second it would only spin the control loop on stat(). */
	if (sl_conf_double(conf, "reload", 0, 86400, 0, &zf->reload_interval) == SL_OK &&
	    zf->reload_interval > 0 && zf->reload_interval < ZF_MIN_RELOAD)
		sl_conf_error(conf, "reload", "%g is too short: 0 (off) or at least %g seconds",
			      zf->reload_interval, ZF_MIN_RELOAD);
	if (sl_conf_int(conf, "max_rrset_records", 1, 1000000, zf->limits.max_rrset_rrs, &v) ==
	    SL_OK)
		zf->limits.max_rrset_rrs = (uint32_t)v;
	if (sl_conf_int(conf, "max_types_per_name", 1, 65535, zf->limits.max_types_per_name, &v) ==
	    SL_OK)
		zf->limits.max_types_per_name = (uint32_t)v;
	if (sl_conf_int(conf, "max_zone_records", 1, 1000000000LL,
			(long long)zf->limits.max_zone_rrs, &v) == SL_OK)
		zf->limits.max_zone_rrs = (uint64_t)v;
	zf->max_zone_bytes = ZF_DEFAULT_MAX_ZONE_BYTES;
	if (sl_conf_int(conf, "max_zone_bytes", 512, 1LL << 40, (long long)zf->max_zone_bytes, &v) ==
	    SL_OK)
		zf->max_zone_bytes = (uint64_t)v;
	if (!zf->file)
		return SL_OK; /* errors recorded; destroy() runs */
	zf->zone = sl_zone_get(apex);
	if (!zf->zone) {
		ret = sl_conf_error(conf, NULL, "out of memory");
		goto fail;
	}
	/* --check loads the file for real, so every problem in it is reported. */
	unsigned nerrors;
	if (sl_conf_dry_run(conf) && load_zone(zf, true, &nerrors) != SL_OK) {
		ret = sl_conf_error(conf, "file", "%s: %u error%s (see above)", zf->file, nerrors,
				    nerrors == 1 ? "" : "s");
		goto fail;
	}
	return SL_OK;
fail:
	/* A failed create() frees what it built: the core calls destroy() only on success. */
	*state = NULL;
	zonefile_destroy(zf);
	return ret;
}

static void zonefile_adopt(void *state, void *old_state)
{
	struct zonefile *zf = state, *old = old_state;
	sl_file_stamp_t last;
	/* Same file as before: remember what was loaded so an unchanged file is not reparsed. */
	if (old->file && zf->file && strcmp(old->file, zf->file) == 0 &&
	    sl_name_equal(old->origin, zf->origin) && stamp_get(old, &last))
		stamp_set(zf, &last);
}

static int zonefile_start(void *state)
{
	struct zonefile *zf = state;
	load_if_changed(zf);
	if (zf->reload_interval > 0)
		zf->timer = sl_timer_start(NULL, zf->reload_interval, zf->reload_interval,
					   on_reload_timer, zf);
	return SL_OK;
}

static sl_result_t zonefile_query(void *state, sl_request_t *req)
{
	struct zonefile *zf = state;
	unsigned opcode = SL_FLAGS_OPCODE(req->query->hdr.flags);

	if (opcode != SL_OPCODE_QUERY)
		return SL_RESULT_PASS;
	const sl_zone_version_t *v = sl_zone_current(zf->zone);
	if (!v) {
		req->rcode = SL_RCODE_SERVFAIL;
		req->ede_code = 14; /* Not Ready */
		req->ede_text = "zone not loaded";
		return SL_RESULT_ERROR;
	}
	if (req->qtype == SL_TYPE_AXFR)
		return sl_answer_axfr(req, zf->zone);
	if (req->qtype == SL_TYPE_IXFR)
		return sl_answer_ixfr(req, zf->zone);
	return sl_answer_query(req, v);
}

SL_PLUGIN_DEFINE(.name = "zonefile", .version = "1.0",
		 .summary = "serves a zone from an RFC 1035 master file",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_DATA, .create = zonefile_create,
		 .destroy = zonefile_destroy, .start = zonefile_start, .adopt = zonefile_adopt,
		 .query = zonefile_query);
