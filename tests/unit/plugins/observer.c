/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * observer — a test plugin (never installed) in the EGRESS phase: its
 * response() hook counts final responses by answer kind in stats counters
 * named after the kinds, so tests can check what later stages see.
 */
#include <sluice/plugin.h>

static const char *const kinds[] = { "none", "positive", "wildcard", "nodata",
				     "nxdomain", "referral", "error", "transfer" };

static int observer_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (sl_stats_counter(inst, kinds[i]) < 0)
			return SL_ENOMEM;
	*state = inst;
	return SL_OK;
}

static sl_result_t observer_response(void *state, sl_request_t *req)
{
	sl_stats_add(state, req, (int)req->kind, 1);
	return SL_RESULT_PASS;
}

SL_PLUGIN_DEFINE(.name = "observer", .version = "1", .summary = "test plugin: counts responses",
		 .scope = SL_SCOPE_ANY, .phase = SL_PHASE_EGRESS, .create = observer_create,
		 .response = observer_response);
