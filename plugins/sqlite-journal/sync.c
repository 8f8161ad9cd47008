/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sqlite-journal — writing the zone back to its master file
 * (sync_zone_file): the file's serial is read with the core's master-file
 * scanner (up to its first SOA), and when it is behind the zone a new file
 * is written beside it, synced, and renamed over it, so a reader (zonefile's
 * reload, an operator) sees the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include <sluice/zscan.h>

#include "journal.h"

/* Stops the scanner at the first SOA, keeping its serial. */
static int first_soa(void *arg, const sl_zscan_record_t *rr)
{
	if (rr->type != SL_TYPE_SOA)
		return 0;
	size_t off = sl_name_len(rr->rdata);
	off += sl_name_len(rr->rdata + off);
	*(uint32_t *)arg = sl_read_u32(rr->rdata + off);
	return 1;
}

int jsync_file_serial(const char *path, const uint8_t *origin, uint32_t *serial)
{
	sl_zscan_options_t opt;
	sl_zscan_error_t perr;
	uint32_t found = 0;

	if (access(path, F_OK) != 0)
		return SL_ENOTFOUND;
	sl_zscan_options_init(&opt);
	opt.origin = origin;
	memset(&perr, 0, sizeof(perr));
	int rc = sl_zscan_parse_file(path, &opt, first_soa, &found, &perr);
	/* The callback stopping at the SOA is the one expected outcome. */
	if (rc != 1)
		return rc == SL_OK ? SL_ENOTFOUND : SL_ESYNTAX;
	*serial = found;
	return SL_OK;
}

struct writer {
	FILE *f;
	char *text;
};

static int write_rr(void *arg, sl_zone_diff_op_t op, const uint8_t *owner, uint16_t type,
		    uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct writer *w = arg;
	char name[SL_NAME_TEXT_MAX], tname[32];

	(void)op;
	if (sl_name_to_text(owner, name, sizeof(name)) < 0 ||
	    sl_rrtype_to_text(type, tname, sizeof(tname)) < 0 ||
	    sl_rdata_to_text(type, rdata, rdlen, w->text, JTEXT_CAP) < 0)
		return SL_EINVAL;
	if (fprintf(w->f, "%s\t%" PRIu32 "\tIN\t%s\t%s\n", name, ttl, tname, w->text) < 0)
		return SL_EIO;
	return SL_OK;
}

int jsync_write(const sl_zone_version_t *v, const uint8_t *apex, const char *path, char *err,
		size_t errlen)
{
	char tmp[4096], zone[SL_NAME_TEXT_MAX], stamp[32];
	struct writer w = { 0 };
	time_t now = time(NULL);
	struct tm tm;
	int fd = -1, rc = SL_EIO;
	bool created = false;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return SL_EINVAL;
	}
	if (!(w.text = malloc(JTEXT_CAP))) {
		snprintf(err, errlen, "out of memory");
		return SL_ENOMEM;
	}
	if ((fd = mkstemp(tmp)) >= 0)
		created = true;
	if (fd < 0 || !(w.f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	sl_name_to_text(apex, zone, sizeof(zone));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(w.f, "; %s serial %" PRIu32 ", written by sluiced's sqlite-journal at %s\n", zone,
		sl_zone_serial(v), stamp);
	fprintf(w.f, "$ORIGIN %s\n", zone);
	rc = sl_zone_diff(NULL, v, write_rr, &w);
	if (rc != SL_OK || fflush(w.f) != 0 || fsync(fileno(w.f)) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, rc == SL_OK ? strerror(errno) : sl_strerror(rc));
		rc = SL_EIO;
		goto out;
	}
	if (fclose(w.f) != 0) {
		w.f = NULL;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = SL_EIO;
		goto out;
	}
	w.f = NULL;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		rc = SL_EIO;
		goto out;
	}
	created = false;
	/* The rename itself is durable once the directory is synced. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = SL_OK;
out:
	if (w.f)
		fclose(w.f);
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp);
	free(w.text);
	return rc;
}
