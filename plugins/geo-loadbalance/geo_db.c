/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * geo-loadbalance: MaxMind databases.
 *
 * A database is hostile input. It is copied into a private memory file
 * first (so that an operator rewriting the file in place cannot make a
 * lookup fault on a truncated mapping), opened with libmaxminddb, and then
 * walked in full: every search-tree node must read, and every data record
 * the tree points to must decode. A file that fails any of this is refused
 * with a message naming the problem, and lookups on the query path use
 * only allocation-free calls (MMDB_lookup_sockaddr, MMDB_aget_value).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "geo.h"

/** Largest database accepted (libmaxminddb's own limit is near 4 GiB). */
#define GEO_DB_MAX_SIZE (2ULL << 30)

/* Copies @path into a sealed-off memory file; returns its fd or -1 (message in err). */
static int copy_to_memfd(const char *path, sl_file_stamp_t *stamp, char *err, size_t errlen)
{
	struct stat st;
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(in);
		return -1;
	}
	(void)sl_file_stamp_fd(in, stamp);
	if ((unsigned long long)st.st_size > GEO_DB_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than 2 GiB", path);
		close(in);
		return -1;
	}
	int fd = memfd_create("sluice-geo-db", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		close(in);
		return -1;
	}
	unsigned long long total = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
		if (total > GEO_DB_MAX_SIZE) {
			snprintf(err, errlen, "%s: larger than 2 GiB", path);
			goto fail;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				snprintf(err, errlen, "memory file: %s", strerror(errno));
				goto fail;
			}
			off += w;
		}
	}
	close(in);
	return fd;
fail:
	close(in);
	close(fd);
	return -1;
}

/* Checks one data record (once per offset: @seen is a bitmap over the data section). */
static int check_entry(MMDB_s *mmdb, MMDB_entry_s *entry, uint8_t *seen)
{
	uint32_t off = entry->offset;
	if (off >= mmdb->data_section_size)
		return MMDB_INVALID_DATA_ERROR;
	if (seen[off / 8] & (1u << (off % 8)))
		return MMDB_SUCCESS;
	seen[off / 8] |= (uint8_t)(1u << (off % 8));
	MMDB_entry_data_list_s *list = NULL;
	int ret = MMDB_get_entry_data_list(entry, &list);
	MMDB_free_entry_data_list(list);
	return ret;
}

/* Walks every node of the search tree and decodes every data record. */
static int check_tree(MMDB_s *mmdb, char *err, size_t errlen)
{
	uint32_t nodes = mmdb->metadata.node_count;
	uint8_t *seen = calloc((size_t)mmdb->data_section_size / 8 + 1, 1);
	if (!seen) {
		snprintf(err, errlen, "out of memory");
		return SL_ENOMEM;
	}
	for (uint32_t i = 0; i < nodes; i++) {
		MMDB_search_node_s node;
		int ret = MMDB_read_node(mmdb, i, &node);
		if (ret == MMDB_SUCCESS && (node.left_record_type == MMDB_RECORD_TYPE_INVALID ||
					    node.right_record_type == MMDB_RECORD_TYPE_INVALID))
			ret = MMDB_CORRUPT_SEARCH_TREE_ERROR;
		if (ret == MMDB_SUCCESS && node.left_record_type == MMDB_RECORD_TYPE_DATA)
			ret = check_entry(mmdb, &node.left_record_entry, seen);
		if (ret == MMDB_SUCCESS && node.right_record_type == MMDB_RECORD_TYPE_DATA)
			ret = check_entry(mmdb, &node.right_record_entry, seen);
		if (ret != MMDB_SUCCESS) {
			snprintf(err, errlen, "search tree node %u of %u: %s", i, nodes,
				 MMDB_strerror(ret));
			free(seen);
			return SL_EMALFORMED;
		}
	}
	free(seen);
	return SL_OK;
}

int geo_db_open(geo_db_t *db, const char *path, char *err, size_t errlen)
{
	char proc[64];
	char why[512];

	memset(db, 0, sizeof(*db));
	snprintf(db->path, sizeof(db->path), "%s", path);
	int fd = copy_to_memfd(path, &db->stamp, err, errlen);
	if (fd < 0)
		return SL_EIO;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int ret = MMDB_open(proc, MMDB_MODE_MMAP, &db->mmdb);
	close(fd); /* the mapping keeps the memory file */
	if (ret != MMDB_SUCCESS) {
		snprintf(err, errlen, "%s: not a usable MaxMind database: %s", path,
			 ret == MMDB_IO_ERROR ? strerror(errno) : MMDB_strerror(ret));
		return ret == MMDB_FILE_OPEN_ERROR || ret == MMDB_IO_ERROR ? SL_EIO : SL_EMALFORMED;
	}
	if (db->mmdb.metadata.ip_version != 4 && db->mmdb.metadata.ip_version != 6) {
		snprintf(err, errlen, "%s: not a usable MaxMind database: IP version %u",
			 path, (unsigned)db->mmdb.metadata.ip_version);
		MMDB_close(&db->mmdb);
		return SL_EMALFORMED;
	}
	if (check_tree(&db->mmdb, why, sizeof(why)) != SL_OK) {
		snprintf(err, errlen, "%s: corrupt MaxMind database: %s", path, why);
		MMDB_close(&db->mmdb);
		return SL_EMALFORMED;
	}
	db->open = true;
	return SL_OK;
}

void geo_db_close(geo_db_t *db)
{
	if (db->open)
		MMDB_close(&db->mmdb);
	db->open = false;
}

/* Copies a short UTF-8 string value into @out (size @cap), "" when absent or too long. */
static void get_code(MMDB_entry_s *entry, const char *const *path, char *out, size_t cap)
{
	MMDB_entry_data_s data;
	out[0] = '\0';
	if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
	    data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size == 0 ||
	    data.data_size >= cap)
		return;
	memcpy(out, data.utf8_string, data.data_size);
	out[data.data_size] = '\0';
}

/* The lookup shared by both databases: the entry and the family-relative netmask. */
static bool lookup(const geo_db_t *db, const struct sockaddr *addr, MMDB_entry_s *entry,
		   uint8_t *netmask)
{
	int mmdb_err = 0;
	if (!db || !db->open)
		return false;
	MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&db->mmdb, addr, &mmdb_err);
	unsigned bits = res.netmask;
	/* An IPv4 address in an IPv6 tree: the netmask counts the 96 bits of ::/96. */
	if (addr->sa_family == AF_INET && db->mmdb.metadata.ip_version == 6)
		bits = bits >= 96 ? bits - 96 : 0;
	if (bits > (addr->sa_family == AF_INET ? 32u : 128u))
		bits = addr->sa_family == AF_INET ? 32u : 128u;
	*netmask = (uint8_t)bits;
	if (mmdb_err != MMDB_SUCCESS || !res.found_entry)
		return false;
	*entry = res.entry;
	return true;
}

void geo_db_locate(const geo_db_t *db, const struct sockaddr *addr, unsigned need,
		   geo_loc_t *loc)
{
	static const char *const country[] = { "country", "iso_code", NULL };
	static const char *const registered[] = { "registered_country", "iso_code", NULL };
	static const char *const continent[] = { "continent", "code", NULL };
	static const char *const subdiv[GEO_MAX_SUBDIVISIONS][4] = {
		{ "subdivisions", "0", "iso_code", NULL },
		{ "subdivisions", "1", "iso_code", NULL },
		{ "subdivisions", "2", "iso_code", NULL },
		{ "subdivisions", "3", "iso_code", NULL },
	};
	MMDB_entry_s entry;

	loc->found = false;
	loc->country[0] = loc->continent[0] = '\0';
	loc->nsubdiv = 0;
	if (!lookup(db, addr, &entry, &loc->netmask))
		return;
	loc->found = true;
	if (need & (GEO_NEED_COUNTRY | GEO_NEED_SUBDIVISION)) {
		get_code(&entry, country, loc->country, sizeof(loc->country));
		if (!loc->country[0])
			get_code(&entry, registered, loc->country, sizeof(loc->country));
	}
	if (need & GEO_NEED_CONTINENT)
		get_code(&entry, continent, loc->continent, sizeof(loc->continent));
	for (unsigned i = 0; (need & GEO_NEED_SUBDIVISION) && i < GEO_MAX_SUBDIVISIONS; i++) {
		get_code(&entry, subdiv[i], loc->subdiv[loc->nsubdiv], sizeof(loc->subdiv[0]));
		if (!loc->subdiv[loc->nsubdiv][0])
			break;
		loc->nsubdiv++;
	}
}

void geo_db_asn(const geo_db_t *db, const struct sockaddr *addr, geo_loc_t *loc)
{
	static const char *const path[] = { "autonomous_system_number", NULL };
	MMDB_entry_data_s data;
	MMDB_entry_s entry;

	loc->asn = 0;
	if (!lookup(db, addr, &entry, &loc->netmask))
		return;
	if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data)
		return;
	if (data.type == MMDB_DATA_TYPE_UINT32)
		loc->asn = data.uint32;
	else if (data.type == MMDB_DATA_TYPE_UINT16)
		loc->asn = data.uint16;
	else if (data.type == MMDB_DATA_TYPE_UINT64 && data.uint64 <= UINT32_MAX)
		loc->asn = (uint32_t)data.uint64;
}
