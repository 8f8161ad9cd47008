/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libFuzzer target for the geo-loadbalance database reader
 * (plugins/geo-loadbalance/geo_db.c): a MaxMind DB file is hostile input.
 *
 * The input is written to a memory file and opened as a database. Opening
 * must either fail with a message or succeed; when it succeeds (the full
 * check of the search tree and data passed), location and ASN lookups of a
 * spread of IPv4 and IPv6 addresses must return codes that are
 * NUL-terminated and short, and netmasks within the family's bits.
 * Seed corpus: tests/fuzz/corpus/fuzz_geo_db (MaxMind's test databases).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libmaxminddb 1.7.1 (Debian 12) leaks two blocks (~4.6 KB) inside
 * MMDB_open() when a file's metadata section holds corrupt data (its error
 * path does not free the decoded metadata pool; MMDB_close() after the
 * failure does not reach them). The plugin opens a given version of a file
 * at most once per configuration load or file change, so it is bounded;
 * the fuzzer would report it on every such input, so it is suppressed here
 * and only for that library.
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:libmaxminddb.so\n";
}

static void check_loc(const geo_loc_t *loc, unsigned bits)
{
	if (loc->netmask > bits || strlen(loc->country) > 2 || strlen(loc->continent) > 2 ||
	    loc->nsubdiv > GEO_MAX_SUBDIVISIONS)
		abort();
	for (unsigned i = 0; i < loc->nsubdiv; i++)
		if (strlen(loc->subdiv[i]) > 3)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = { "0.0.0.0", "1.128.0.1", "81.2.69.142",
					     "89.160.20.112", "255.255.255.255", "::",
					     "2001:218::1", "::ffff:1.2.3.4",
					     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
	char path[64], err[1024];
	geo_db_t db;

	int fd = memfd_create("fuzz-geo-db", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if (geo_db_open(&db, path, err, sizeof(err)) != SL_OK) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		close(fd);
		return 0;
	}
	for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct sockaddr_storage ss;
		geo_loc_t loc;
		memset(&ss, 0, sizeof(ss));
		unsigned bits = strchr(addrs[i], ':') ? 128 : 32;
		if (bits == 32) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;
			s->sin_family = AF_INET;
			inet_pton(AF_INET, addrs[i], &s->sin_addr);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
			s->sin6_family = AF_INET6;
			inet_pton(AF_INET6, addrs[i], &s->sin6_addr);
		}
		geo_db_locate(&db, (struct sockaddr *)&ss, GEO_NEED_ALL, &loc);
		check_loc(&loc, bits);
		geo_db_asn(&db, (struct sockaddr *)&ss, &loc);
		check_loc(&loc, bits);
	}
	geo_db_close(&db);
	close(fd);
	return 0;
}
