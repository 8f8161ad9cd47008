/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * zoneonly — a test plugin allowed in zone chains only, with two options
 * ("a", "b"), for the check that a plugin in the wrong scope gets one error
 * rather than one more per option.
 */
#include <sluice/plugin.h>

static int zoneonly_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	long long v;

	(void)inst;
	sl_conf_int(conf, "a", 0, 10, 0, &v);
	sl_conf_int(conf, "b", 0, 10, 0, &v);
	*state = NULL;
	return SL_OK;
}

SL_PLUGIN_DEFINE(.name = "zoneonly", .version = "1", .summary = "test plugin: zone scope only",
		 .scope = SL_SCOPE_ZONE, .phase = SL_PHASE_DATA, .create = zoneonly_create);
