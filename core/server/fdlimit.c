/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Sluice core — the open-file limit. Each TCP connection costs a descriptor;
 * under the common soft limit of 1,024 a full connection table would run the
 * process out of descriptors before tcp.max_clients, and accept() would fail
 * for everyone. So the soft limit is raised as far as the table needs (up to
 * the hard limit), and if that is not enough the table is made smaller,
 * saying so, rather than failing at random under load.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <sluice/log.h>

#include "fdlimit.h"

/* Descriptors open now (the listening sockets, loops, log); a generous
 * guess where /proc is not mounted. */
static unsigned long long fds_open(void)
{
	unsigned long long n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return 256;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* the directory's own descriptor */
}

unsigned sl_fd_limit_apply(unsigned max_clients, unsigned tcp_open)
{
	struct rlimit rl;
	unsigned long long open = fds_open(), other, need;
	char hard[32] = "unlimited";
	unsigned cap;

	/* Open TCP connections (a reload) are part of the table, not extra. */
	other = (open > tcp_open ? open - tcp_open : 0) + SL_FD_MARGIN;
	need = other + max_clients;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit want = rl;

		want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need
										 : rl.rlim_max;
		if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0) {
			sl_log(SL_LOG_INFO, "open-file limit raised from %llu to %llu",
			       (unsigned long long)rl.rlim_cur, (unsigned long long)want.rlim_cur);
			rl = want;
		} else if (want.rlim_cur > rl.rlim_cur) {
			sl_log(SL_LOG_WARNING, "cannot raise the open-file limit from %llu to %llu: %s",
			       (unsigned long long)rl.rlim_cur, (unsigned long long)want.rlim_cur,
			       strerror(errno));
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	cap = rl.rlim_cur > other + 1 ? (unsigned)(rl.rlim_cur - other) : 1;
	if (rl.rlim_max != RLIM_INFINITY)
		snprintf(hard, sizeof(hard), "%llu", (unsigned long long)rl.rlim_max);
	sl_log(SL_LOG_WARNING,
	       "tcp.max_clients %u needs %llu open files but the limit is %llu (hard limit %s): "
	       "serving at most %u TCP connections; raise the limit (ulimit -n, or LimitNOFILE= "
	       "in the systemd unit)", max_clients, need, (unsigned long long)rl.rlim_cur, hard, cap);
	return cap;
}
