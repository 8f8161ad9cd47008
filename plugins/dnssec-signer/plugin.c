/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer: signs a zone's versions before they are published.
 *
 * Placed in a zone's chain after its data source. At start it loads the
 * zone's keys from key_dir (making them on first use, keys.c), logs and
 * writes the DS for the parent, and installs itself as the zone's signer
 * (sl_zone_set_signer()): from then on every version a writer commits
 * (load, reload, update, transfer) is signed before the journal and the
 * readers see it (zsign.c). A version published before the hook was in
 * place (the data source loads in the background) is signed at once.
 *
 * Signatures are refreshed in the background: a control-loop timer
 * checks when the earliest signature of the version last signed expires
 * and, within refresh_before of that (or when the signing options
 * changed on a reload), a thread commits a transaction that raises the
 * SOA serial — the hook re-signs that version like any other, off the
 * query loops, while the previous version keeps being served.
 *
 * The keys, the hook and the refresh state live in a shared object that
 * reloads hand over; each plugin instance owns its timer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sluice/log.h>
#include <sluice/plugin.h>

#include "opts.h"

/* Versions signed remembered for the refresh check. */
#define SIGNED_KEPT 4

/* What survives reloads: the zone's keys, its signer hook, the refresh state. */
struct signer {
	unsigned ref;              /* control thread only */
	sl_zone_t *zone;
	keyset_t keys;
	pthread_mutex_t lock;      /* guards the fields down to nsigned */
	zsign_cfg_t cfg;           /* signing options from the configuration */
	uint32_t refresh_before;
	enum zs_serial serial;
	/*
	 * The versions signed last, newest at [0]: serial and earliest
	 * signature expiration. More than one, because a signed version may
	 * still fail to publish (a journal refusing a stale zone file) while
	 * the one before it keeps serving.
	 */
	struct signed_version {
		uint32_t serial, earliest;
	} signed_v[SIGNED_KEPT];
	unsigned nsigned;          /* valid entries; 0 after a reload changed the records */
	atomic_bool refreshing;    /* the refresher thread runs */
	bool refresher_joinable;   /* control thread only */
	pthread_t refresher;
	bool hooked;
	bool presigned;   /* the commit in progress was signed by start(): let it through */
	char label[300];
};

struct dplugin {
	sl_instance_t *inst;
	signer_opts_t o;
	sl_timer_t *timer;   /* the refresh check, on the control loop */
	struct signer *s;
};

/* The signing options now (a copy: a reload may change them meanwhile). */
static zsign_cfg_t signer_cfg(struct signer *s)
{
	zsign_cfg_t cfg;

	pthread_mutex_lock(&s->lock);
	cfg = s->cfg;
	pthread_mutex_unlock(&s->lock);
	return cfg;
}

/* Whether two configurations make different DNSSEC records (not only other times). */
static bool records_differ(const zsign_cfg_t *a, const zsign_cfg_t *b)
{
	return a->denial != b->denial || a->nsec3_iterations != b->nsec3_iterations ||
	       a->nsec3_saltlen != b->nsec3_saltlen || a->nsec3_opt_out != b->nsec3_opt_out ||
	       memcmp(a->nsec3_salt, b->nsec3_salt, a->nsec3_saltlen) != 0 || a->cds != b->cds ||
	       a->cds_digest != b->cds_digest;
}

/* A reload's options: used from the next version signed on. */
static void adopt_opts(struct signer *s, const signer_opts_t *o)
{
	pthread_mutex_lock(&s->lock);
	if (records_differ(&s->cfg, &o->cfg))
		s->nsigned = 0;   /* the refresh timer re-signs soon */
	s->cfg = o->cfg;
	s->cfg.keys = &s->keys;
	s->refresh_before = o->refresh_before;
	s->serial = o->serial;
	pthread_mutex_unlock(&s->lock);
}

/* Signs @p to into @p amend and remembers its serial and earliest expiration. */
static int sign_version(struct signer *s, const sl_zone_version_t *to, sl_zone_txn_t *amend,
			sl_error_t *err)
{
	zsign_cfg_t cfg = signer_cfg(s);
	struct timespec t0, t1;
	uint32_t earliest = 0;
	int rc;

	cfg.now = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = zs_sign_version(&cfg, sl_zone_name(s->zone), to, amend, &earliest, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != SL_OK)
		return rc;
	pthread_mutex_lock(&s->lock);
	memmove(&s->signed_v[1], &s->signed_v[0], (SIGNED_KEPT - 1) * sizeof(s->signed_v[0]));
	s->signed_v[0] = (struct signed_version){ sl_zone_serial(to), earliest };
	if (s->nsigned < SIGNED_KEPT)
		s->nsigned++;
	pthread_mutex_unlock(&s->lock);
	sl_log(SL_LOG_INFO,
	       "%s: signed serial %u (%llu RRs) in %.3f s; the first signature expires in %d s",
	       s->label, sl_zone_serial(to), (unsigned long long)sl_zone_rr_count(to),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (int)(int32_t)(earliest - (uint32_t)cfg.now));
	return SL_OK;
}

/* Forgets the version sign_version() remembered last (its commit failed). */
static void forget_newest(struct signer *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->nsigned > 0) {
		memmove(&s->signed_v[0], &s->signed_v[1],
			(SIGNED_KEPT - 1) * sizeof(s->signed_v[0]));
		s->nsigned--;
	}
	pthread_mutex_unlock(&s->lock);
}

static int hook_sign(void *arg, sl_zone_t *zone, const sl_zone_version_t *from,
		     const sl_zone_version_t *to, sl_zone_txn_t *amend, sl_error_t *err)
{
	struct signer *s = arg;

	(void)zone, (void)from;
	if (s->presigned)
		return SL_OK;
	return sign_version(s, to, amend, err);
}

/* Why the published version needs new signatures (refresh_due()). */
enum due { DUE_NOT = 0, DUE_EXPIRY, DUE_OTHER };

/*
 * Whether the published version needs new signatures: DUE_EXPIRY when its
 * earliest signature expires within refresh_before (*@p left: in how many
 * seconds), DUE_OTHER when it is not the version last signed (a reload
 * changed the signing options, or signing it failed).
 */
static enum due refresh_due(struct signer *s, time_t now, int64_t *left)
{
	uint32_t serial;
	bool same = false;

	*left = 0;
	if (sl_zone_published(s->zone, &serial) == 0)
		return DUE_NOT;   /* no data yet */
	pthread_mutex_lock(&s->lock);
	/*
	 * Signings of the published serial; when there are several (a zone
	 * file changed without a new serial, one of them refused by the
	 * journal), the earliest expiration of them all: early, never late.
	 */
	for (unsigned i = 0; i < s->nsigned; i++) {
		/* RFC 4034 §3.1.5 arithmetic */
		int64_t l = (int32_t)(s->signed_v[i].earliest - (uint32_t)now);

		if (s->signed_v[i].serial == serial && (!same || l < *left))
			*left = l;
		same |= s->signed_v[i].serial == serial;
	}
	uint32_t before = s->refresh_before;
	pthread_mutex_unlock(&s->lock);
	return !same ? DUE_OTHER : *left <= (int64_t)before ? DUE_EXPIRY : DUE_NOT;
}

/*
 * Raises the SOA serial in @p txn (an open transaction on the zone) and
 * commits it: the hook signs that version. @p why says why, for the log.
 */
static int bump_and_commit(struct signer *s, sl_zone_txn_t *txn, time_t now, const char *why)
{
	uint32_t old, next;
	char msg[1024];
	int rc;

	pthread_mutex_lock(&s->lock);
	enum zs_serial policy = s->serial;
	pthread_mutex_unlock(&s->lock);
	rc = zs_bump_serial(txn, sl_zone_name(s->zone), policy, now, &old, &next);
	if (rc != SL_OK) {
		sl_zone_txn_abort(txn);
		sl_log(SL_LOG_ERROR, "%s: %s: cannot raise the SOA serial: %s", s->label, why,
		       sl_strerror(rc));
		return rc;
	}
	sl_log(SL_LOG_NOTICE, "%s: %s: serial %u -> %u", s->label, why, old, next);
	rc = sl_zone_txn_commit(txn, NULL, msg, sizeof(msg));
	if (rc != SL_OK)
		sl_log(SL_LOG_ERROR, "%s: %s failed (serial %u keeps serving): %s", s->label, why,
		       old, msg);
	return rc;
}

/* The refresher thread: one transaction that raises the serial; the hook re-signs. */
static void *refresher_main(void *arg)
{
	struct signer *s = arg;
	sl_zone_txn_t *txn;
	int64_t left;
	char why[128];

	if (sl_zone_txn_begin(s->zone, 0, &txn) != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: signature refresh: cannot open a transaction", s->label);
		goto out;
	}
	/* Under the writer lock now: a commit meanwhile may have re-signed. */
	time_t now = time(NULL);
	enum due due = refresh_due(s, now, &left);

	if (due == DUE_NOT) {
		sl_zone_txn_abort(txn);
		goto out;
	}
	if (due == DUE_EXPIRY)
		snprintf(why, sizeof(why), "refreshing signatures (the first expires in %lld s)",
			 (long long)left);
	else
		snprintf(why, sizeof(why),
			 "re-signing (new signing options, or the last signing failed)");
	bump_and_commit(s, txn, now, why);
out:
	atomic_store(&s->refreshing, false);
	return NULL;
}

/* Control-loop timer: starts the refresher when signatures near expiry. */
static void on_refresh_timer(sl_timer_t *timer, void *arg)
{
	struct signer *s = arg;
	int64_t left;

	(void)timer;
	if (atomic_load(&s->refreshing))
		return;
	if (s->refresher_joinable) {
		pthread_join(s->refresher, NULL);
		s->refresher_joinable = false;
	}
	if (refresh_due(s, time(NULL), &left) == DUE_NOT)
		return;
	atomic_store(&s->refreshing, true);
	if (pthread_create(&s->refresher, NULL, refresher_main, s) != 0) {
		atomic_store(&s->refreshing, false);
		sl_log(SL_LOG_ERROR, "%s: cannot start the signature refresh thread", s->label);
		return;
	}
	s->refresher_joinable = true;
}

static void signer_put(struct signer *s)
{
	if (!s || --s->ref > 0)
		return;
	if (s->refresher_joinable)
		pthread_join(s->refresher, NULL);
	/* Waits for a commit in progress; sign() is never called after this. */
	if (s->hooked)
		sl_zone_set_signer(s->zone, NULL);
	dk_free(&s->keys);
	pthread_mutex_destroy(&s->lock);
	if (s->zone)
		sl_zone_put(s->zone);
	free(s);
}

/* Signs the version published before the hook was installed, if any. */
static int sign_current(struct signer *s)
{
	sl_zone_txn_t *txn;
	sl_error_t err;
	char msg[1024];
	int rc;

	if (sl_zone_txn_begin(s->zone, 0, &txn) != SL_OK)
		return SL_ENOMEM;
	const sl_zone_version_t *cur = sl_zone_current(s->zone);

	if (!cur) {
		sl_zone_txn_abort(txn);   /* nothing yet: the hook signs the first load */
		return SL_OK;
	}
	sl_error_clear(&err);
	rc = sign_version(s, cur, txn, &err);
	if (rc != SL_OK) {
		sl_zone_txn_abort(txn);
		sl_log(SL_LOG_ERROR, "%s: cannot sign serial %u: %s", s->label,
		       sl_zone_serial(cur), err.msg);
		return rc;
	}
	s->presigned = true;   /* under the writer lock: only this commit sees it */
	rc = sl_zone_txn_commit(txn, NULL, msg, sizeof(msg));
	s->presigned = false;
	if (rc == SL_OK)
		return SL_OK;
	forget_newest(s);   /* not published: the refresh check must not count on it */
	if (rc != SL_EEXIST) {
		sl_log(SL_LOG_ERROR, "%s: cannot publish the signed zone: %s", s->label, msg);
		return rc;
	}
	/*
	 * The journal holds this serial already (it took the version unsigned,
	 * or signed by an earlier run): publish the signed zone under a new one.
	 */
	if (sl_zone_txn_begin(s->zone, 0, &txn) != SL_OK)
		return SL_ENOMEM;
	return bump_and_commit(s, txn, time(NULL),
			       "re-signing the version published before the signer started "
			       "(its serial is in the journal already)");
}

static void dp_destroy(void *state)
{
	struct dplugin *p = state;

	if (!p)
		return;
	sl_timer_stop(p->timer);
	signer_put(p->s);
	free(p);
}

static int dp_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	struct dplugin *p = calloc(1, sizeof(*p));

	if (!p)
		return SL_ENOMEM;
	p->inst = inst;
	*state = p;
	so_parse(conf, &p->o);
	/* --check: existing keys must load (no keys yet is fine: made at start). */
	if (sl_conf_dry_run(conf) && p->o.key_dir && p->o.alg) {
		keyset_t ks;
		bool created;
		sl_error_t err;

		sl_error_clear(&err);
		int rc = dk_load_or_create(p->o.key_dir, sl_instance_zone(inst), p->o.alg,
					   p->o.csk, false, &ks, &created, &err);
		if (rc == SL_OK)
			dk_free(&ks);
		else if (rc != SL_ENOTFOUND)
			sl_conf_error(conf, "key_dir", "%s", err.msg);
	}
	return SL_OK;
}

static void dp_adopt(void *state, void *old_state)
{
	struct dplugin *p = state, *old = old_state;

	/* Keys and hook stay; a changed algorithm or key_dir needs a restart. */
	if (old->s) {
		p->s = old->s;
		p->s->ref++;
		adopt_opts(p->s, &p->o);
	}
}

/* Starts this instance's refresh check: often enough to act well within refresh_before. */
static void start_timer(struct dplugin *p)
{
	double every = p->o.refresh_before / 10.0;

	if (every < 1)
		every = 1;
	if (every > 3600)
		every = 3600;
	/* The first check soon: a reload may have changed what the records look like. */
	p->timer = sl_timer_start(NULL, 1, every, on_refresh_timer, p->s);
	if (!p->timer)
		sl_instance_log(p->inst, SL_LOG_ERROR,
				"cannot start the signature refresh timer: signatures will "
				"expire unless the zone changes");
}

static int dp_start(void *state)
{
	struct dplugin *p = state;
	struct signer *s;
	sl_error_t err;
	bool created;
	int rc;

	if (p->s) {   /* adopted on a reload */
		start_timer(p);
		return SL_OK;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return SL_ENOMEM;
	}
	s->ref = 1;
	s->cfg = p->o.cfg;
	s->cfg.keys = &s->keys;
	s->refresh_before = p->o.refresh_before;
	s->serial = p->o.serial;
	atomic_init(&s->refreshing, false);
	snprintf(s->label, sizeof(s->label), "%s", sl_instance_label(p->inst));
	s->zone = sl_zone_get(sl_instance_zone(p->inst));
	if (!s->zone) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return SL_ENOMEM;
	}
	p->s = s;
	sl_error_clear(&err);
	rc = dk_load_or_create(p->o.key_dir, sl_instance_zone(p->inst), p->o.alg, p->o.csk, true,
			       &s->keys, &created, &err);
	if (rc != SL_OK) {
		sl_instance_log(p->inst, SL_LOG_ERROR, "keys: %s", err.msg);
		return SL_ECONFIG;
	}
	for (unsigned i = 0; i < s->keys.n; i++)
		sl_instance_log(p->inst, SL_LOG_NOTICE, "%s %s key %u (%s)",
				created ? "created" : "loaded",
				s->keys.k[i].role == SK_KSK   ? "KSK"
				: s->keys.k[i].role == SK_ZSK ? "ZSK"
							      : "CSK",
				s->keys.k[i].tag, dk_alg_name(s->keys.k[i].alg));
	if (dk_publish_ds_digests(p->o.key_dir, sl_instance_zone(p->inst), &s->keys, s->label,
				  p->o.ds_digests, p->o.nds_digests, &err) != SL_OK)
		sl_instance_log(p->inst, SL_LOG_WARNING, "%s", err.msg);
	rc = sl_zone_set_signer(s->zone, &(sl_zone_signer_t){ hook_sign, s });
	if (rc != SL_OK) {
		sl_instance_log(p->inst, SL_LOG_ERROR, "the zone already has a signer");
		return SL_ECONFIG;
	}
	s->hooked = true;
	sign_current(s);
	start_timer(p);
	return SL_OK;
}

SL_PLUGIN_DEFINE(.name = "dnssec-signer", .version = "0.2",
		 .summary = "signs the zone (DNSKEY, CDS, RRSIG, NSEC or NSEC3) before each version "
			    "is published, and refreshes the signatures",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_TRANSFORM, .create = dp_create,
		 .destroy = dp_destroy, .start = dp_start, .adopt = dp_adopt);
