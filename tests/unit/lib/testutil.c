/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sluice/name.h>
#include <sluice/rr.h>
#include "errlist.h"
#include "testutil.h"

const char *tu_plugin_dir(void)
{
	const char *dir = getenv("SLUICE_TEST_PLUGINS");
	return dir ? dir : "tests/unit/plugins/.libs";
}

const char *tu_build_plugin_dir(void)
{
	static char dir[4096];
	const char *top = getenv("SLUICE_BUILDDIR");
	snprintf(dir, sizeof(dir), "%s/plugins", top ? top : ".");
	return dir;
}

const char *tu_write_config(const char *json)
{
	static char path[] = "/tmp/sluice-test-XXXXXX";
	static char made[sizeof(path)];
	memcpy(made, path, sizeof(path));
	int fd = mkstemp(made);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w");
	const char *p = json, *hit;
	for (;;) {
		const char *test = strstr(p, "@PLUGINS@"), *built = strstr(p, "@BUILT_PLUGINS@");
		if (!test && !built)
			break;
		hit = !built || (test && test < built) ? test : built;
		fwrite(p, 1, (size_t)(hit - p), f);
		fputs(hit == test ? tu_plugin_dir() : tu_build_plugin_dir(), f);
		p = hit + strlen(hit == test ? "@PLUGINS@" : "@BUILT_PLUGINS@");
	}
	fputs(p, f);
	fclose(f);
	return made;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t tu_query(uint8_t *buf, size_t cap, const char *qname, uint16_t qtype,
		const tu_qopt_t *opt)
{
	static const tu_qopt_t defaults = { .id = 0x1234, .edns_version = -1 };
	static const uint8_t root[1] = { 0 };
	uint8_t name[SL_NAME_MAXLEN];
	size_t nlen = 0, len = 12;

	if (!opt)
		opt = &defaults;
	memset(buf, 0, 12);
	put16(buf, opt->id);
	put16(buf + 2, opt->flags);
	uint16_t qd = opt->qdcount ? opt->qdcount : (qname ? 1 : 0);
	put16(buf + 4, qname ? qd : opt->qdcount);
	if (qname) {
		if (sl_name_from_text(qname, strlen(qname), root, name, &nlen) != 0 ||
		    len + nlen + 4 > cap)
			return 0;
		for (unsigned i = 0; i < (qd ? qd : 1) && len + nlen + 4 <= cap; i++) {
			memcpy(buf + len, name, nlen);
			len += nlen;
			put16(buf + len, qtype);
			put16(buf + len + 2, opt->qclass ? opt->qclass : 1);
			len += 4;
		}
		if (qd == 0)
			len -= nlen + 4;
	}
	if (opt->edns_version >= 0 && len + 11 + opt->opts_len <= cap) {
		buf[len] = 0;
		put16(buf + len + 1, 41);
		put16(buf + len + 3, opt->payload ? opt->payload : 1232);
		buf[len + 5] = 0;
		buf[len + 6] = (uint8_t)opt->edns_version;
		buf[len + 7] = opt->do_bit ? 0x80 : 0;
		buf[len + 8] = 0;
		put16(buf + len + 9, (uint16_t)opt->opts_len);
		if (opt->opts_len)
			memcpy(buf + len + 11, opt->opts, opt->opts_len);
		len += 11 + opt->opts_len;
		put16(buf + 10, 1);
	}
	return len;
}

void tu_parse_rr(const char *line, const uint8_t *origin, tu_rr_t *rr)
{
	char owner[300], type[32], err[256];
	unsigned ttl;
	int off = 0;
	size_t len;

	ck_assert_msg(sscanf(line, "%299s %u %31s %n", owner, &ttl, type, &off) == 3 && off > 0,
		      "bad test line %s", line);
	ck_assert_msg(sl_name_from_text(owner, strlen(owner), origin, rr->owner, &len) == SL_OK,
		      "bad owner in %s", line);
	ck_assert_msg(sl_rrtype_from_text(type, strlen(type), &rr->type) == SL_OK,
		      "bad type in %s", line);
	ck_assert_msg(sl_rdata_from_text(rr->type, line + off, strlen(line + off), origin,
					 rr->rdata, sizeof(rr->rdata), &len, err,
					 sizeof(err)) == SL_OK,
		      "bad rdata in %s: %s", line, err);
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)len;
}

const char *tu_errlist_text(const struct sl_errlist *el)
{
	static char all[16384];
	char line[SL_ERROR_FILE_MAX + SL_ERROR_MSG_MAX + 32];
	size_t used = 0;

	all[0] = '\0';
	for (unsigned i = 0; i < el->count && used < sizeof(all); i++)
		used += (size_t)snprintf(all + used, sizeof(all) - used, "%s\n",
					 sl_errlist_line(el, i, line, sizeof(line)));
	return all;
}
