/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* badabi — a test plugin built against a future ABI; the loader must refuse it. */
#include <sluice/plugin.h>

static int badabi_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	*state = NULL;
	return SL_OK;
}

SL_API extern const sl_plugin_t sluice_plugin;
SL_API const sl_plugin_t sluice_plugin = {
	.abi_version = SL_PLUGIN_ABI_VERSION + 1000,
	.size = sizeof(sl_plugin_t),
	.name = "badabi",
	.scope = SL_SCOPE_ANY,
	.phase = SL_PHASE_DATA,
	.create = badabi_create,
};
