/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Typed, path-aware access to JSON config objects. Every getter marks its
 * key as used so that sl_conf_finish() can reject unknown keys without each
 * plugin keeping a list of the keys it accepts.
 */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conf.h"

struct sl_strpool_item {
	struct sl_strpool_item *next;
	max_align_t data[];
};

void *sl_strpool_alloc(sl_strpool_t *pool, size_t size)
{
	/* A size near SIZE_MAX must fail, not wrap into a tiny block. */
	if (size > SIZE_MAX - sizeof(struct sl_strpool_item))
		return NULL;
	struct sl_strpool_item *it = calloc(1, sizeof(*it) + size);
	if (!it)
		return NULL;
	it->next = pool->head;
	pool->head = it;
	return it->data;
}

char *sl_strpool_add(sl_strpool_t *pool, const char *s)
{
	size_t len = strlen(s);
	char *copy = sl_strpool_alloc(pool, len + 1);
	if (copy)
		memcpy(copy, s, len + 1);
	return copy;
}

void sl_strpool_free(sl_strpool_t *pool)
{
	while (pool->head) {
		struct sl_strpool_item *next = pool->head->next;
		free(pool->head);
		pool->head = next;
	}
}

void sl_conf_subpath(char *out, size_t outlen, const char *parent, const char *key, int idx)
{
	/* "a.b" for a key, "a[2]" for an index, and a key that is itself a relative path
	 * starting with an index ("[2].name") joins without a dot. */
	if (key)
		snprintf(out, outlen, "%s%s%s", parent, parent[0] && key[0] != '[' ? "." : "", key);
	else
		snprintf(out, outlen, "%s[%d]", parent, idx);
}

void sl_conf_init(sl_conf_t *conf, json_t *obj, const char *path, sl_errlist_t *errors,
		  bool dry_run, sl_strpool_t *pool)
{
	memset(conf, 0, sizeof(*conf));
	conf->obj = obj;
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	conf->errors = errors;
	conf->dry_run = dry_run;
	conf->pool = pool;
}

void sl_conf_mark(sl_conf_t *conf, const char *key)
{
	void *it = json_object_iter_at(conf->obj, key);
	if (!it)
		return;
	/* No cap on keys: the list grows in the pool, which lives as long as the config. */
	if (conf->nused == conf->capused) {
		size_t cap = conf->capused ? conf->capused * 2 : 16;
		const char **grown = cap <= SIZE_MAX / sizeof(*grown)
					 ? sl_strpool_alloc(conf->pool, cap * sizeof(*grown))
					 : NULL;
		if (!grown) {
			conf->used_oom = true;
			return;
		}
		if (conf->nused)
			memcpy(grown, conf->used, conf->nused * sizeof(*grown));
		conf->used = grown;
		conf->capused = cap;
	}
	conf->used[conf->nused++] = json_object_iter_key(it);
}

void sl_conf_mark_all(sl_conf_t *conf)
{
	conf->all_used = true;
}

/* Looks a key up and marks it used; NULL when absent. */
static json_t *conf_get(sl_conf_t *conf, const char *key)
{
	json_t *v = json_object_get(conf->obj, key);
	if (v)
		sl_conf_mark(conf, key);
	return v;
}

int sl_conf_error(sl_conf_t *conf, const char *key, const char *fmt, ...)
{
	char msg[SL_ERROR_MSG_MAX], path[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		sl_conf_subpath(path, sizeof(path), conf->path, key, 0);
	else
		snprintf(path, sizeof(path), "%s", conf->path[0] ? conf->path : "(top level)");
	sl_errlist_add(conf->errors, path, "%s", msg);
	conf->nerrors++;
	return SL_ECONFIG;
}

/* Orders key pointers by address, for bsearch. */
static int cmp_key_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const char *const *)a;
	uintptr_t y = (uintptr_t) * (const char *const *)b;
	return x < y ? -1 : x > y;
}

unsigned sl_conf_finish(sl_conf_t *conf)
{
	const char *key;
	json_t *value;

	if (conf->all_used)
		return conf->nerrors;
	if (conf->used_oom) {
		sl_conf_error(conf, NULL, "out of memory");
		return conf->nerrors;
	}
	/* Sorted once, each key is found in O(log n): objects of any size stay cheap. */
	if (conf->nused)
		qsort(conf->used, conf->nused, sizeof(*conf->used), cmp_key_ptr);
	json_object_foreach(conf->obj, key, value) {
		if (!conf->nused ||
		    !bsearch(&key, conf->used, conf->nused, sizeof(*conf->used), cmp_key_ptr))
			sl_conf_error(conf, key, "unknown key");
	}
	return conf->nerrors;
}

int sl_conf_string(sl_conf_t *conf, const char *key, bool required, const char *def,
		   const char **out)
{
	json_t *v = conf_get(conf, key);
	*out = def;
	if (!v) {
		if (required)
			return sl_conf_error(conf, key, "required string is missing");
		return SL_OK;
	}
	if (!json_is_string(v))
		return sl_conf_error(conf, key, "expected a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return sl_conf_error(conf, key, "string contains a NUL character");
	*out = json_string_value(v);
	return SL_OK;
}

int sl_conf_int(sl_conf_t *conf, const char *key, long long min, long long max, long long def,
		long long *out)
{
	json_t *v = conf_get(conf, key);
	*out = def;
	if (!v)
		return SL_OK;
	if (!json_is_integer(v))
		return sl_conf_error(conf, key, "expected an integer");
	long long n = json_integer_value(v);
	if (n < min || n > max)
		return sl_conf_error(conf, key, "%lld is out of range [%lld, %lld]", n, min, max);
	*out = n;
	return SL_OK;
}

int sl_conf_double(sl_conf_t *conf, const char *key, double min, double max, double def,
		   double *out)
{
	json_t *v = conf_get(conf, key);
	*out = def;
	if (!v)
		return SL_OK;
	if (!json_is_number(v))
		return sl_conf_error(conf, key, "expected a number");
	double d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max)
		return sl_conf_error(conf, key, "%g is out of range [%g, %g]", d, min, max);
	*out = d;
	return SL_OK;
}

int sl_conf_bool(sl_conf_t *conf, const char *key, bool def, bool *out)
{
	json_t *v = conf_get(conf, key);
	*out = def;
	if (!v)
		return SL_OK;
	if (!json_is_boolean(v))
		return sl_conf_error(conf, key, "expected true or false");
	*out = json_is_true(v);
	return SL_OK;
}

int sl_conf_strings(sl_conf_t *conf, const char *key, bool required, const char *const **out,
		    size_t *count)
{
	json_t *v = conf_get(conf, key), *item;
	size_t i;

	*out = NULL;
	*count = 0;
	if (!v) {
		if (required)
			return sl_conf_error(conf, key, "required array of strings is missing");
		return SL_OK;
	}
	if (!json_is_array(v))
		return sl_conf_error(conf, key, "expected an array of strings");
	size_t n = json_array_size(v);
	if (n == 0)
		return SL_OK;
	/* The array lives in the pool so it lasts as long as the configuration. */
	const char **arr = sl_strpool_alloc(conf->pool, n * sizeof(*arr));
	if (!arr)
		return sl_conf_error(conf, key, "out of memory");
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) ||
		    strlen(json_string_value(item)) != json_string_length(item)) {
			char sub[320];
			sl_conf_subpath(sub, sizeof(sub), key, NULL, (int)i);
			return sl_conf_error(conf, sub, "expected a string without NUL characters");
		}
		arr[i] = json_string_value(item);
	}
	*out = arr;
	*count = n;
	return SL_OK;
}

int sl_conf_prefixes(sl_conf_t *conf, const char *key, bool required, const sl_prefix_t **out,
		     size_t *count)
{
	const char *const *list;
	sl_prefix_t *arr;
	size_t n;
	int ret = SL_OK;

	*out = NULL;
	*count = 0;
	if (sl_conf_strings(conf, key, required, &list, &n) != SL_OK)
		return SL_ECONFIG;
	if (n == 0)
		return SL_OK;
	arr = sl_strpool_alloc(conf->pool, n * sizeof(*arr));
	if (!arr)
		return sl_conf_error(conf, key, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char sub[320];

		if (sl_prefix_parse(list[i], &arr[*count]) == SL_OK) {
			(*count)++;
			continue;
		}
		sl_conf_subpath(sub, sizeof(sub), key, NULL, (int)i);
		ret = sl_conf_error(conf, sub, "\"%s\" is not an address or prefix "
					       "(use 192.0.2.0/24 or 2001:db8::/32)", list[i]);
	}
	*out = arr;
	return ret;
}

void *sl_conf_json(sl_conf_t *conf, const char *key)
{
	return conf_get(conf, key);
}

const char *sl_conf_path(const sl_conf_t *conf)
{
	return conf->path;
}

bool sl_conf_dry_run(const sl_conf_t *conf)
{
	return conf->dry_run;
}

const char *sl_conf_resolve_path(sl_conf_t *conf, const char *path)
{
	char cwd[PATH_MAX], *full;
	int n;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return sl_strpool_add(conf->pool, path);
	n = snprintf(NULL, 0, "%s/%s", cwd, path);
	if (n < 0 || !(full = sl_strpool_alloc(conf->pool, (size_t)n + 1)))
		return NULL;
	snprintf(full, (size_t)n + 1, "%s/%s", cwd, path);
	return full;
}
