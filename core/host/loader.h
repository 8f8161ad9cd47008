/*
 * Sluice core — plugin loading (dlopen) and plugin instances.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_LOADER_H
#define SL_CORE_LOADER_H

#include <sluice/error.h>
#include <sluice/plugin.h>
#include "conf.h"
#include "runtime.h"

/** A loaded plugin object. */
typedef struct sl_module {
	char *name;               /**< plugin name */
	char *path;               /**< file it was loaded from */
	void *handle;             /**< dlopen handle */
	const sl_plugin_t *api;   /**< the loader's full-size copy of its descriptor (owned) */
} sl_module_t;

/**
 * Finds NAME.so in @p dirs, then in the installed plugin directory, dlopens
 * it and checks the descriptor (symbol, ABI major and minor, size, name,
 * callbacks, scope, phase; the versioning rule is in <sluice/plugin.h>),
 * copying it so that fields the plugin's minor lacks read as 0/NULL.
 * @return SL_OK, SL_ENOTFOUND, SL_ENOMEM, or SL_EABI; @p err (may be NULL)
 * then says why, with the plugin's file as its place when there is one
 */
int sl_module_open(const char *name, const char *const *dirs, size_t ndirs, sl_module_t *mod,
		   sl_error_t *err);

/** Unloads a module. */
void sl_module_close(sl_module_t *mod);

/**
 * Creates an instance of @p mod from the object wrapped by @p conf (whose
 * "plugin" key is already marked). @p zone is the apex for per-zone
 * instances, NULL for server-wide ones. Scope is checked here. Problems are
 * reported through @p conf. @return the instance or NULL
 */
sl_instance_t *sl_instance_create(const sl_module_t *mod, sl_conf_t *conf, const uint8_t *zone,
				  unsigned position, unsigned workers);

/** Calls destroy() and frees the instance. NULL is ignored. */
void sl_instance_free(sl_instance_t *inst);

#endif /* SL_CORE_LOADER_H */
