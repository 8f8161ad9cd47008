/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sluice-keys internals shared by its subcommand files: the parsed command
 * line and small helpers (sluice-keys.c), the BIND-format subcommands
 * (keytool_bind.c).
 */
#ifndef SL_KEYTOOL_H
#define SL_KEYTOOL_H

#include <sys/types.h>

#include "keystore.h"

/** Most positional arguments a subcommand takes. */
#define KT_MAX_ARGS 4

/** A subcommand's arguments. */
typedef struct kt_args {
	const char *pos[KT_MAX_ARGS]; /**< positional arguments */
	unsigned npos;                /**< how many */
	const char *role;             /**< --role */
	const char *algorithm;        /**< --algorithm */
	const char *digest;           /**< --digest */
	const char *out;              /**< --out */
} kt_args_t;

/** Prints "sluice-keys: <msg>" on stderr. @return 1 (the exit code) */
int kt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Prints @p err's message on stderr. @return 1 */
int kt_fail_err(const sl_error_t *err);

/** Parses a zone name ("example.com" or "example.com.") into @p apex. @return 0 or 1 (printed) */
int kt_zone(const char *text, uint8_t *apex);

/** The algorithm of @p text: a spelling ("ed25519"...) or its number. @return 0 (printed) */
uint8_t kt_algorithm(const char *text);

/** Writes @p len bytes to a new file @p path (mode @p mode, never over one). @return 0 or 1 */
int kt_write_new(const char *path, const char *data, size_t len, mode_t mode);

/** `sluice-keys sig0 <name> --algorithm ALG [--out DIR]`. @return the exit code */
int kt_cmd_sig0(const kt_args_t *a);

/** `sluice-keys import <key_dir> <zone> <K*.private> --role ROLE`. @return the exit code */
int kt_cmd_import(const kt_args_t *a);

/** `sluice-keys show <K*.key|K*.private>`: a BIND key's record and tag. @return the exit code */
int kt_cmd_show(const kt_args_t *a);

#endif
