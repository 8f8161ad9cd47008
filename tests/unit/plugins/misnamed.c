/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* misnamed — a test plugin whose descriptor name differs from its file name. */
#include <sluice/plugin.h>

static int misnamed_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	*state = NULL;
	return SL_OK;
}

SL_PLUGIN_DEFINE(.name = "something-else", .scope = SL_SCOPE_ANY, .phase = SL_PHASE_DATA,
		 .create = misnamed_create);
