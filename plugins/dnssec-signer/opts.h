/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * dnssec-signer options (options.c), as read from the plugin's JSON
 * object by create().
 */
#ifndef SL_DNSSEC_OPTS_H
#define SL_DNSSEC_OPTS_H

#include <sluice/conf.h>

#include "signer.h"

/*
 * Shortest signature_lifetime accepted (seconds). Far below what an
 * operator wants (hours to weeks), so tests can watch a refresh happen.
 */
#define SO_MIN_LIFETIME 60

/* The plugin's options. */
typedef struct signer_opts {
	const char *key_dir;       /* resolved path */
	uint8_t alg;               /* algorithm for new keys */
	bool csk;                  /* one combined key when keys are made */
	uint8_t ds_digests[2];     /* DS digest types for the parent (file and log) */
	size_t nds_digests;
	zsign_cfg_t cfg;           /* signing options (keys and now set when signing) */
	uint32_t refresh_before;   /* re-sign when a signature expires within this (s) */
	enum zs_serial serial;     /* how a refresh raises the SOA serial */
} signer_opts_t;

/** Reads and checks every option of @p conf into @p o (errors recorded in @p conf). */
void so_parse(sl_conf_t *conf, signer_opts_t *o);

#endif
