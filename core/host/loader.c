/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Plugin loader: finds, opens and checks plugins, and creates and frees
 * their instances. The services plugins call are in services.c and timers.c.
 * A plugin is NAME.so exporting `sluice_plugin`; everything about it is
 * checked before any of its code runs, so a mismatched build is refused
 * with a message naming the file instead of crashing later.
 */
#include "buildconf.h"
#include "config.h"
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "loader.h"
#include "services.h"

/* Plugin names become file names: keep them to a safe alphabet. */
static bool valid_plugin_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/*
 * Bytes of sl_plugin_t that each minor of this major defines: the offset just
 * past its last field (not sizeof, which may end in padding). A descriptor
 * claiming minor m must be at least minor_size[m] bytes. A minor that
 * appends fields adds an entry here.
 */
#define FIELDS_END(field) (offsetof(sl_plugin_t, field) + sizeof(((sl_plugin_t *)0)->field))
static const size_t minor_size[] = {
    [0] = FIELDS_END(response), /* 2.0 */
    [1] = FIELDS_END(response), /* 2.1: only sl_request_t grew (the core allocates it) */
};
_Static_assert(sizeof(minor_size) / sizeof(minor_size[0]) == SL_PLUGIN_ABI_MINOR + 1,
	       "minor_size needs one entry per minor of this major");

/* Size of the object at @p sym as the plugin's symbol table records it, or 0
 * when unknown (then only the descriptor's own size field bounds reads). */
static size_t symbol_size(const void *sym)
{
	Dl_info info;
	const ElfW(Sym) *entry = NULL;

	if (dladdr1(sym, &info, (void **)&entry, RTLD_DL_SYMENT) == 0 || !entry ||
	    info.dli_saddr != sym)
		return 0;
	return entry->st_size;
}

/*
 * Checks the version and size at the head of the descriptor at @p sym and
 * copies it into a zeroed, full-size @p out, reading no byte past the size
 * the plugin declares (nor past its symbol), so fields of minors newer than
 * the plugin's read as 0/NULL. The rule is documented in <sluice/plugin.h>.
 */
static int copy_descriptor(const void *sym, const char *path, sl_plugin_t *out, sl_error_t *err)
{
	size_t have = symbol_size(sym);
	uint32_t version, size;

	if (have && have < offsetof(sl_plugin_t, size) + sizeof(size)) {
		return sl_error_at(err, SL_EABI, path, 0, 0,
				   "\"%s\" is %zu bytes: not a plugin descriptor", SL_PLUGIN_SYMBOL,
				   have);
	}
	memcpy(&version, (const char *)sym + offsetof(sl_plugin_t, abi_version), sizeof(version));
	memcpy(&size, (const char *)sym + offsetof(sl_plugin_t, size), sizeof(size));
	unsigned major = SL_PLUGIN_ABI_MAJOR_OF(version), minor = SL_PLUGIN_ABI_MINOR_OF(version);

	if (major != SL_PLUGIN_ABI_MAJOR) {
		return sl_error_at(err, SL_EABI, path, 0, 0,
				   "built against sluice ABI %u.%u, this sluiced provides %u.%u; "
				   "rebuild the plugin against this sluiced's headers",
				   major, minor, SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR);
	}
	if (minor > SL_PLUGIN_ABI_MINOR) {
		return sl_error_at(err, SL_EABI, path, 0, 0,
				   "built against sluice ABI %u.%u, this sluiced provides %u.%u; "
				   "upgrade sluiced",
				   major, minor, SL_PLUGIN_ABI_MAJOR, SL_PLUGIN_ABI_MINOR);
	}
	if (size < minor_size[minor]) {
		return sl_error_at(
		    err, SL_EABI, path, 0, 0,
		    "descriptor size %u is smaller than the %zu bytes sluice ABI %u.%u "
		    "defines (rebuild it)",
		    size, minor_size[minor], major, minor);
	}
	if (have && size > have) {
		return sl_error_at(err, SL_EABI, path, 0, 0,
				   "descriptor size %u exceeds its symbol's %zu bytes", size, have);
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, sym, size < sizeof(*out) ? size : sizeof(*out));
	return SL_OK;
}

/* The fields every version has, on the loader's own copy. */
static int check_descriptor(const sl_plugin_t *api, const char *name, const char *path,
			    sl_error_t *err)
{
	if (!api->name || strcmp(api->name, name) != 0) {
		return sl_error_at(err, SL_EABI, path, 0, 0,
				   "descriptor names plugin \"%s\", expected \"%s\"",
				   api->name ? api->name : "(null)", name);
	}
	if (!api->create) {
		return sl_error_at(err, SL_EABI, path, 0, 0, "descriptor has no create callback");
	}
	if (api->scope == 0 || (api->scope & ~(unsigned)SL_SCOPE_ANY)) {
		return sl_error_at(err, SL_EABI, path, 0, 0, "invalid scope %u", api->scope);
	}
	switch (api->phase) {
	case SL_PHASE_ADMISSION:
	case SL_PHASE_AUTH:
	case SL_PHASE_DATA:
	case SL_PHASE_TRANSFORM:
	case SL_PHASE_EGRESS:
		break;
	default:
		return sl_error_at(err, SL_EABI, path, 0, 0, "invalid phase %u", api->phase);
	}
	return SL_OK;
}

int sl_module_open(const char *name, const char *const *dirs, size_t ndirs, sl_module_t *mod,
		   sl_error_t *err)
{
	char path[4096], searched[1024] = "";
	size_t slen = 0;
	struct stat st;

	memset(mod, 0, sizeof(*mod));
	if (!valid_plugin_name(name)) {
		return sl_error_at(err, SL_ENOTFOUND, NULL, 0, 0,
				   "invalid plugin name \"%s\" (use a-z, 0-9, '-', '_')", name);
	}
	for (size_t i = 0; i <= ndirs; i++) {
		const char *dir = i < ndirs ? dirs[i] : SL_PLUGINDIR;
		snprintf(path, sizeof(path), "%s/%s.so", dir, name);
		if (slen < sizeof(searched))
			slen += (size_t)snprintf(searched + slen, sizeof(searched) - slen, "%s%s",
						 slen ? ", " : "", dir);
		if (stat(path, &st) == 0)
			goto found;
	}
	return sl_error_at(err, SL_ENOTFOUND, NULL, 0, 0, "plugin \"%s\" not found (searched %s)",
			   name, searched);
found:
	dlerror();
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();
		size_t plen = strlen(path);
		/* dlerror() starts with the path, which the error carries already. */
		if (strncmp(why, path, plen) == 0 && strncmp(why + plen, ": ", 2) == 0)
			why += plen + 2;
		/* The usual cause: a plugin built against a newer sluice calls a
		 * function this sluiced does not have. */
		return sl_error_at(
		    err, SL_EABI, path, 0, 0, "cannot load: %s%s", why,
		    strstr(why, "undefined symbol: sl_")
			? " (built against another sluice? rebuild the plugin against this "
			  "sluiced's headers, or upgrade sluiced)"
			: "");
	}
	const void *sym = dlsym(handle, SL_PLUGIN_SYMBOL);
	if (!sym) {
		return sl_error_at(err, SL_EABI, path, 0, 0,
				   "no \"%s\" symbol: not a Sluice plugin", SL_PLUGIN_SYMBOL);
		dlclose(handle);
	}
	sl_plugin_t *api = malloc(sizeof(*api));
	if (!api) {
		dlclose(handle);
		return sl_error_at(err, SL_ENOMEM, NULL, 0, 0, "out of memory");
	}
	int ret = copy_descriptor(sym, path, api, err);
	if (ret == SL_OK)
		ret = check_descriptor(api, name, path, err);
	if (ret != SL_OK) {
		free(api);
		dlclose(handle);
		return ret;
	}
	mod->name = strdup(name);
	mod->path = strdup(path);
	if (!mod->name || !mod->path) {
		free(mod->name);
		free(mod->path);
		free(api);
		dlclose(handle);
		return sl_error_at(err, SL_ENOMEM, NULL, 0, 0, "out of memory");
	}
	mod->handle = handle;
	mod->api = api;
	return SL_OK;
}

void sl_module_close(sl_module_t *mod)
{
	if (mod->handle)
		dlclose(mod->handle);
	free((void *)mod->api);
	free(mod->name);
	free(mod->path);
	memset(mod, 0, sizeof(*mod));
}

sl_instance_t *sl_instance_create(const sl_module_t *mod, sl_conf_t *conf, const uint8_t *zone,
				  unsigned position, unsigned workers)
{
	const sl_plugin_t *api = mod->api;
	unsigned need = zone ? SL_SCOPE_ZONE : SL_SCOPE_SERVER;

	if (!(api->scope & need)) {
		sl_conf_error(conf, "plugin", "plugin \"%s\" cannot be used %s", api->name,
			      zone ? "in a zone's chain (server-wide only)"
				   : "in the server-wide chain (per-zone only)");
		/* Its options were never read: one error says it all, not one per option. */
		sl_conf_mark_all(conf);
		return NULL;
	}
	sl_instance_t *inst = calloc(1, sizeof(*inst));
	if (!inst) {
		sl_conf_error(conf, NULL, "out of memory");
		return NULL;
	}
	inst->api = api;
	inst->position = position;
	inst->workers = workers ? workers : 1;
	snprintf(inst->path, sizeof(inst->path), "%s", conf->path);
	if (zone) {
		char text[SL_NAME_TEXT_MAX];
		memcpy(inst->zone, zone, sl_name_len(zone));
		inst->has_zone = true;
		if (sl_name_to_text(zone, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "?");
		snprintf(inst->label, sizeof(inst->label), "%s@%s", api->name, text);
	} else {
		snprintf(inst->label, sizeof(inst->label), "%s", api->name);
	}
	if (sl_instance_counters_init(inst) != SL_OK) {
		free(inst);
		sl_conf_error(conf, NULL, "out of memory");
		return NULL;
	}
	unsigned before = conf->nerrors;
	int ret = api->create(inst, conf, &inst->state);
	if (ret != SL_OK || conf->nerrors != before) {
		if (conf->nerrors == before)
			sl_conf_error(conf, NULL, "plugin \"%s\" failed: %s", api->name,
				      sl_strerror(ret));
		if (ret == SL_OK && api->destroy)
			api->destroy(inst->state);
		inst->state = NULL;
		inst->api = NULL;
		sl_instance_free(inst);
		return NULL;
	}
	return inst;
}

void sl_instance_free(sl_instance_t *inst)
{
	if (!inst)
		return;
	if (inst->api && inst->api->destroy)
		inst->api->destroy(inst->state);
	sl_instance_counters_free(inst);
	free(inst);
}
