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
#include "server.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sluiced [--config FILE] [--check] [--foreground] [--version] [--help]\n"
		"\n"
		"  -c, --config FILE   JSON configuration (default %s/sluice/sluiced.json)\n"
		"  -n, --check         load the configuration, every plugin and zone; report every\n"
		"                      problem with its place and exit non-zero if there is any\n"
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
	printf("sluiced %s (plugin ABI %u.%u)\n", sl_version(), SL_PLUGIN_ABI_MAJOR,
	       SL_PLUGIN_ABI_MINOR);
	printf("libev %d.%d, %s, jansson %s\n", ev_version_major(), ev_version_minor(),
	       OpenSSL_version(OPENSSL_VERSION), jansson_version_str());
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = SL_SYSCONFDIR "/sluice/sluiced.json";
	bool check = false, foreground = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:nfVh", options, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'n': check = true; break;
		case 'f': foreground = true; break;
		case 'V': version(); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluiced: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	sl_log_set_level(SL_LOG_INFO);

	sl_errlist_t errors = { .count = 0 };
	sl_runtime_t *rt = sl_runtime_load(config, check, 0, &errors);
	if (check) {
		for (unsigned i = 0; i < errors.count; i++)
			fprintf(stderr, "error: %s\n", errors.msg[i]);
		if (errors.dropped)
			fprintf(stderr, "error: ... and %u more problems\n", errors.dropped);
		int bad = rt == NULL;
		if (!bad)
			printf("%s: configuration OK (%zu zone%s)\n", config, rt->nzones,
			       rt->nzones == 1 ? "" : "s");
		sl_errlist_free(&errors);
		sl_runtime_free(rt);
		return bad ? 1 : 0;
	}
	if (!rt) {
		sl_errlist_log(&errors);
		sl_errlist_free(&errors);
		sl_log(SL_LOG_ERROR, "%s: configuration has errors, not starting", config);
		return 1;
	}
	sl_log_set_level(rt->conf.log_level);
	return sl_server_run(rt, config, foreground);
}
