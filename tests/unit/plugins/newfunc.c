/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * newfunc — a plugin as a newer sluice would build it: it calls a core
 * function this sluiced does not have, so dlopen() fails before its
 * descriptor can be read, and the loader must say what that likely means.
 */
#include <sluice/plugin.h>

/* Declared as a future public header would; no sluiced defines it. */
SL_API int sl_function_from_the_future(sl_instance_t *inst);

static int newfunc_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	*state = NULL;
	return sl_function_from_the_future(inst);
}

SL_PLUGIN_DEFINE(.name = "newfunc", .scope = SL_SCOPE_ANY, .phase = SL_PHASE_DATA,
		 .create = newfunc_create);
