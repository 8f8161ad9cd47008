/*
 * Sluice core — the open-file limit and what it allows TCP (fdlimit.c).
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef SL_CORE_FDLIMIT_H
#define SL_CORE_FDLIMIT_H

/** Descriptors kept free beyond TCP connections and what is open already:
 *  zone files and journals read on reload, plugin files, the log, accept races. */
#define SL_FD_MARGIN 64

/**
 * Raises the RLIMIT_NOFILE soft limit toward what @p max_clients TCP
 * connections need on top of the descriptors open now (less the @p tcp_open
 * connections among them) and SL_FD_MARGIN, never above the hard limit, and
 * logs the change. Call once the listening sockets and worker loops exist,
 * and again on reload.
 * @return 0 when the limit allows @p max_clients connections, else how many
 *         it allows (at least 1), with a warning saying which limit to raise
 */
unsigned sl_fd_limit_apply(unsigned max_clients, unsigned tcp_open);

#endif /* SL_CORE_FDLIMIT_H */
