/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The signer hook: a commit hands its checked version to the zone's signer
 * (sl_zone_set_signer()) through an amendment transaction based on it, then
 * builds the final version from that amendment the incremental way (only
 * the names the signer touched are packed and checked again).
 */
#include <stdlib.h>

#include <sluice/zone.h>

#include "zone_int.h"

int sl_zone_set_signer(sl_zone_t *zone, const sl_zone_signer_t *signer)
{
	int rc = SL_OK;

	if (zone == NULL || (signer != NULL && signer->sign == NULL))
		return SL_EINVAL;
	/* The writer lock: no commit is inside its signer call. */
	pthread_mutex_lock(&zone->wlock);
	if (signer == NULL)
		zone->signer.sign = NULL, zone->signer.arg = NULL;
	else if (zone->signer.sign != NULL)
		rc = SL_EEXIST;
	else
		zone->signer = *signer;
	pthread_mutex_unlock(&zone->wlock);
	return rc;
}

/*
 * A transaction based on the unpublished version @p v, for a commit that
 * already holds the zone's writer lock (freeing it leaves the lock alone).
 */
static sl_zone_txn_t *amend_begin(sl_zone_t *zone, sl_zone_version_t *v)
{
	sl_zone_txn_t *t = sl_zcalloc(1, sizeof(*t));

	if (!t)
		return NULL;
	sl_zi_zone_ref(zone);
	t->zone = zone;
	t->amend = true;
	t->base = v;
	sl_zone_version_ref(v);
	return t;
}

int sl_zi_sign(sl_zone_txn_t *txn, cctx_t *c, sl_zone_version_t **v)
{
	sl_zone_t *zone = txn->zone;
	const sl_zone_version_t *from = atomic_load_explicit(&zone->current, memory_order_acquire);
	sl_zone_version_t *signed_v = NULL;
	sl_zone_txn_t *am = amend_begin(zone, *v);
	tx_name_t **names = NULL;
	size_t nn = 0;
	sl_error_t why;
	int rc;

	if (!am) {
		rc = SL_ENOMEM;
		goto out;
	}
	sl_error_clear(&why);
	rc = zone->signer.sign(zone->signer.arg, zone, from, *v, am, &why);
	if (rc != SL_OK) {
		sl_zi_cerr(c, NOWHERE, zone->apex, 0, "signer: %s",
			   why.msg[0] ? why.msg : sl_strerror(rc));
		rc = rc == SL_ENOMEM ? SL_ENOMEM : SL_ECONFIG;
		goto out;
	}
	if ((rc = sl_zi_sorted_names(am, &names, &nn)) != SL_OK)
		goto out;
	if (nn == 0) {
		signed_v = *v;   /* nothing to amend */
		*v = NULL;
	} else {
		rc = sl_zi_build_inc(am, names, nn, c, &signed_v);
	}
	free(names);
out:
	if (am)
		sl_zi_txn_free(am);
	if (*v)
		sl_zi_version_retire(*v);   /* never published: its last reference */
	*v = rc == SL_OK ? signed_v : NULL;
	return rc;
}
