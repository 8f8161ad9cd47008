/*
 * Sluice host — loads the JSON configuration into the runtime (query/runtime.h)
 * that workers answer with.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_CONFIG_H
#define SL_CORE_CONFIG_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <sluice/plugin.h>
#include "errlist.h"
#include "runtime.h"


/**
 * Loads @p path: parses JSON, validates every key (unknown keys are errors),
 * loads plugins and creates instances. Every problem goes to @p errors with
 * its JSON path (or file:line:column for JSON syntax). @p dry_run is passed
 * to plugins (--check). A non-zero @p workers_override replaces "workers"
 * (a reload keeps the running thread count).
 * @return the runtime, or NULL when any problem was found
 */
sl_runtime_t *sl_runtime_load(const char *path, bool dry_run, unsigned workers_override,
			      sl_errlist_t *errors);

/** Calls start() on every instance and adopt() against @p previous (may be NULL). */
int sl_runtime_start(sl_runtime_t *rt, sl_runtime_t *previous, sl_errlist_t *errors);

/** Destroys instances, unloads plugins, frees everything. NULL is ignored. */
void sl_runtime_free(sl_runtime_t *rt);

/** Parses "1.2.3.4:53", "[::1]:53", "::1" / "1.2.3.4" (port 53). @return SL_OK or SL_ESYNTAX */
int sl_listen_parse(const char *text, sl_listen_t *out);

#endif /* SL_CORE_CONFIG_H */
