/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* sluiced — the Sluice authoritative DNS server. */
#include "buildconf.h"
#include "config.h"
#include <ev.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sluice/common.h>
#include "loader.h"
#include "server.h"

/*
 * The name messages use. Not argv[0]: from the build tree that is libtool's
 * wrapper target (.../.libs/lt-sluiced), which means nothing to the reader.
 */
#define PROG "sluiced"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [--config FILE] [--check [--verbose]] [--foreground] [--version]\n"
		"       [--help]\n"
		"\n"
		"  -c, --config FILE   JSON configuration (default %s/sluice/sluiced.json)\n"
		"  -n, --check         load the configuration, every plugin and zone; report every\n"
		"                      problem with its place and exit non-zero if there is any\n"
		"  -v, --verbose       with --check: also list the plugins loaded, with their\n"
		"                      version, file and summary\n"
		"  -f, --foreground    stay in the foreground and log to stderr\n"
		"  -V, --version       print versions of sluiced and its libraries\n"
		"  -h, --help          this text\n"
		"\n"
		"Signals: SIGHUP reloads the configuration, SIGUSR1 logs statistics,\n"
		"SIGTERM/SIGINT stop.\n",
		SL_SYSCONFDIR);
}

static void version(void)
{
	printf(PROG " %s (plugin ABI %u.%u)\n", sl_version(), SL_PLUGIN_ABI_MAJOR,
	       SL_PLUGIN_ABI_MINOR);
	printf("libev %d.%d, %s, jansson %s\n", ev_version_major(), ev_version_minor(),
	       OpenSSL_version(OPENSSL_VERSION), jansson_version_str());
}

/*
 * Reports a bad option: @p arg is the argument getopt was reading, @p ret
 * what it returned (':' for a missing value, '?' otherwise).
 */
static void bad_option(int ret, const char *arg)
{
	if (arg[0] == '-' && arg[1] == '-') {
		int len = (int)strcspn(arg, "=");
		if (ret == ':')
			fprintf(stderr, PROG ": option %.*s needs an argument\n", len, arg);
		else if (optopt)
			fprintf(stderr, PROG ": option %.*s takes no argument\n", len, arg);
		else
			fprintf(stderr, PROG ": unknown option %.*s\n", len, arg);
	} else if (ret == ':') {
		fprintf(stderr, PROG ": option -%c needs an argument\n", optopt);
	} else {
		fprintf(stderr, PROG ": unknown option -%c\n", optopt);
	}
	usage(stderr);
}

/* What --check --verbose loaded: one line per plugin, with the summary its author wrote. */
static void print_plugins(const sl_runtime_t *rt)
{
	for (size_t i = 0; i < rt->nmodules; i++) {
		const sl_plugin_t *api = rt->modules[i].api;
		printf("plugin %s %s (%s): %s\n", api->name, api->version ? api->version : "-",
		       rt->modules[i].path, api->summary ? api->summary : "");
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = SL_SYSCONFDIR "/sluice/sluiced.json";
	bool check = false, foreground = false, verbose = false;
	int opt;

	/*
	 * getopt's own messages would name argv[0]: ours name PROG. "+" stops
	 * at the first non-option, so argv[cur] is always the one being read.
	 */
	opterr = 0;
	for (int cur = optind; (opt = getopt_long(argc, argv, "+:c:nfvVh", options, NULL)) != -1;
	     cur = optind) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'n': check = true; break;
		case 'f': foreground = true; break;
		case 'v': verbose = true; break;
		case 'V': version(); return 0;
		case 'h': usage(stdout); return 0;
		default:
			bad_option(opt, argv[cur]);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/*
	 * --check is a report: problems (warnings and errors) and the verdict,
	 * without the time stamps and the informational lines plugins log.
	 */
	sl_log_set_level(check ? SL_LOG_WARNING : SL_LOG_INFO);
	sl_log_set_plain(check);

	sl_errlist_t errors = { .count = 0 };
	sl_runtime_t *rt = sl_runtime_load(config, check, 0, &errors);
	if (check) {
		char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
		for (unsigned i = 0; i < errors.count; i++)
			fprintf(stderr, "error: %s\n",
				sl_errlist_line(&errors, i, line, sizeof(line)));
		if (errors.dropped)
			fprintf(stderr, "error: ... and %u more problems\n", errors.dropped);
		int bad = rt == NULL;
		if (!bad) {
			printf("%s: configuration OK (%zu zone%s)\n", config, rt->nzones,
			       rt->nzones == 1 ? "" : "s");
			if (verbose)
				print_plugins(rt);
		}
		sl_errlist_free(&errors);
		sl_runtime_free(rt);
		return bad ? 1 : 0;
	}
	if (!rt) {
		sl_errlist_log(&errors);
		sl_errlist_free(&errors);
		/* The errors above name their places (the path, for a file that cannot be read). */
		sl_log(SL_LOG_ERROR, "not starting: the configuration has errors");
		return 1;
	}
	sl_log_set_level(rt->conf.log_level);
	return sl_server_run(rt, config, foreground);
}
