/*
 * Sluice core — the sl_conf_t wrapper behind <sluice/conf.h>, shared by the
 * server's own config parsing and plugin instances.
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_CONF_H
#define SL_CORE_CONF_H

#include <jansson.h>
#include <sluice/conf.h>
#include "config.h"

/** Strings that live as long as a runtime (resolved paths, ...). */
typedef struct sl_strpool {
	struct sl_strpool_item *head; /**< singly linked list */
} sl_strpool_t;

/** Allocates @p size zeroed bytes owned by @p pool. @return memory or NULL */
void *sl_strpool_alloc(sl_strpool_t *pool, size_t size);
/** Copies @p s into @p pool. @return the copy or NULL */
char *sl_strpool_add(sl_strpool_t *pool, const char *s);
/** Frees every string. */
void sl_strpool_free(sl_strpool_t *pool);

struct sl_conf {
	json_t *obj;                         /**< the object (borrowed) */
	char path[256];                      /**< its JSON path */
	sl_errlist_t *errors;                /**< where problems go */
	unsigned nerrors;                    /**< problems reported through this object */
	bool dry_run;                        /**< --check */
	sl_strpool_t *pool;                  /**< storage for derived strings */
	const char **used;                   /**< keys read (jansson's own key pointers), in pool */
	size_t nused;                        /**< count (a key read twice counts twice) */
	size_t capused;                      /**< room in used */
	bool used_oom;                       /**< a key could not be recorded */
	bool all_used;                       /**< sl_conf_mark_all(): no key is unknown */
};

/** Wraps @p obj (which must be a JSON object) at @p path. */
void sl_conf_init(sl_conf_t *conf, json_t *obj, const char *path, sl_errlist_t *errors,
		  bool dry_run, sl_strpool_t *pool);

/** Marks @p key as read without reading it (e.g. "plugin"). */
void sl_conf_mark(sl_conf_t *conf, const char *key);

/**
 * Marks every key as read: for an object that could not be used at all (a
 * plugin in the wrong scope), whose options would otherwise each be
 * reported as unknown on top of the one error that matters.
 */
void sl_conf_mark_all(sl_conf_t *conf);

/** Reports every key never read as "unknown key". @return total problems for this object */
unsigned sl_conf_finish(sl_conf_t *conf);

/** Formats "parent.key" or, with @p key NULL, "parent[idx]" paths; a key starting with '[' joins without a dot. */
void sl_conf_subpath(char *out, size_t outlen, const char *parent, const char *key, int idx);

#endif /* SL_CORE_CONF_H */
