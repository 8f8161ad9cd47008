/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * badabi — test plugins with descriptors the loader must refuse, one per
 * build of this file (tests/Makefile.inc defines which):
 *   badabi     another major ABI (the next one)
 *   newminor   a newer minor of this major, from a newer sluice
 *   smallsize  a size too small for the fields its minor defines
 *   bigsize    a size larger than the descriptor symbol itself
 */
#include <stddef.h>
#include <sluice/plugin.h>

#if defined(BADABI_NEWER_MINOR)
#define NAME "newminor"
#define VERSION SL_PLUGIN_ABI(SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR + 1)
#define SIZE sizeof(sl_plugin_t)
#elif defined(BADABI_SMALL_SIZE)
#define NAME "smallsize"
#define VERSION SL_PLUGIN_ABI_VERSION
#define SIZE offsetof(sl_plugin_t, create)
#elif defined(BADABI_BIG_SIZE)
#define NAME "bigsize"
#define VERSION SL_PLUGIN_ABI_VERSION
#define SIZE (sizeof(sl_plugin_t) + 64)
#else
#define NAME "badabi"
#define VERSION SL_PLUGIN_ABI(SL_PLUGIN_ABI_MAJOR + 1, 0)
#define SIZE sizeof(sl_plugin_t)
#endif

static int badabi_create(sl_instance_t *inst, sl_conf_t *conf, void **state)
{
	*state = NULL;
	return SL_OK;
}

SL_API extern const sl_plugin_t sluice_plugin;
SL_API const sl_plugin_t sluice_plugin = {
	.abi_version = VERSION,
	.size = SIZE,
	.name = NAME,
	.scope = SL_SCOPE_ANY,
	.phase = SL_PHASE_DATA,
	.create = badabi_create,
};
