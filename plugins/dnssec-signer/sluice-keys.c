/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * sluice-keys — the key tool of the dnssec-signer and sig0-auth plugins:
 * lists a zone's signing keys, prints their DS, generates or imports keys
 * in the signer's form (PEM files mode 0600 and the state file), and makes
 * SIG(0) key pairs in BIND's format. See `sluice-keys --help`.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include <sluice/codec.h>

#include "keytool.h"

static const char usage_text[] =
	"NAME\n"
	"    sluice-keys - DNSSEC and SIG(0) keys for Sluice (dnssec-signer, sig0-auth)\n"
	"\n"
	"SYNOPSIS\n"
	"    sluice-keys list <key_dir> <zone>\n"
	"    sluice-keys ds <key_dir> <zone> [--digest sha256|sha384]\n"
	"    sluice-keys generate <key_dir> <zone> --role ksk|zsk|csk --algorithm <alg>\n"
	"    sluice-keys import <key_dir> <zone> <K*.private> --role ksk|zsk|csk\n"
	"    sluice-keys sig0 <name> --algorithm <alg> [--out <dir>]\n"
	"    sluice-keys show <K*.key|K*.private>\n"
	"    sluice-keys --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    The dnssec-signer plugin keeps a zone's keys in its key_dir as PEM files\n"
	"    readable only by their owner (<zone>.ksk.pem, <zone>.zsk.pem or\n"
	"    <zone>.csk.pem) and a state file (<zone>.state.json) recording each key's\n"
	"    role, algorithm, key tag and creation time. A zone has a KSK and a ZSK, or\n"
	"    one CSK. sluice-keys reads and writes that form.\n"
	"\n"
	"    list      The zone's keys: role, algorithm, key tag, creation time, and\n"
	"              whether the signer can use each (a key file group or others may\n"
	"              read is an error: the signer refuses it). Exit status 1 if any\n"
	"              key is unusable.\n"
	"    ds        The DS records of the KSK or CSK for the parent zone, as the\n"
	"              signer writes them to <key_dir>/<zone>.ds (digest SHA-256 by\n"
	"              default, SHA-384 with --digest sha384).\n"
	"    generate  Makes a key of --role and --algorithm, writes its PEM file (mode\n"
	"              0600) and adds it to the state file. Never overwrites a key: the\n"
	"              zone must not already have a key of that role (nor a CSK next\n"
	"              to a KSK or ZSK), and both keys of a zone share one algorithm.\n"
	"    import    Takes a key made by BIND's dnssec-keygen or ldns-keygen\n"
	"              (K<zone>+<alg>+<tag>.private, Private-key-format v1.2/v1.3;\n"
	"              the .key file next to it is checked when present) into the\n"
	"              signer's form, as generate does. Prints the key tag, which\n"
	"              equals BIND's when the role matches the key's flags (KSK/CSK\n"
	"              257, ZSK 256).\n"
	"    sig0      Makes a SIG(0) key pair for <name> in BIND's format:\n"
	"              K<name>+<alg>+<tag>.key (the KEY record, flags 512, protocol 3)\n"
	"              and .private (Private-key-format v1.3, mode 0600) in --out\n"
	"              (default: the current directory). BIND's `nsupdate -k` signs with\n"
	"              it; put the printed KEY record in the zone (or list the .key file\n"
	"              in sig0-auth's \"keys\").\n"
	"    show      Reads a BIND key pair (K*.key and, when present, K*.private, as\n"
	"              dnssec-keygen -T KEY or -T DNSKEY writes them): prints its\n"
	"              record, flags, algorithm and key tag, checks the tag against the\n"
	"              file name and that the private key matches the public one.\n"
	"\n"
	"ALGORITHMS\n"
	"    rsasha256 (8, RSA 2048 bits), ecdsap256sha256 (13), ecdsap384sha384 (14),\n"
	"    ed25519 (15), ed448 (16); the number may be given instead of the name.\n"
	"\n"
	"EXIT STATUS\n"
	"    0 success, 1 an error (printed on stderr), 2 a usage error.\n"
	"\n"
	"EXAMPLES\n"
	"    sluice-keys generate keys example.com. --role csk --algorithm ed25519\n"
	"    sluice-keys ds keys example.com.\n"
	"    sluice-keys import keys example.com. Kexample.com.+013+12345.private --role ksk\n"
	"    sluice-keys sig0 host1.example.com. --algorithm ecdsap256sha256 --out /etc/dns\n";

int kt_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("sluice-keys: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int kt_fail_err(const sl_error_t *err)
{
	return kt_fail("%s", err->msg[0] ? err->msg : "failed");
}

int kt_zone(const char *text, uint8_t *apex)
{
	static const uint8_t root[1] = { 0 };
	size_t len;

	if (sl_name_from_text(text, strlen(text), root, apex, &len) != SL_OK)
		return kt_fail("%s: not a domain name", text);
	sl_name_tolower(apex);
	return 0;
}

uint8_t kt_algorithm(const char *text)
{
	uint8_t alg = dk_alg_from_text(text);
	char *end;
	long n;

	if (!alg && text) {
		n = strtol(text, &end, 10);
		if (*text && !*end && n > 0 && n < 256 && strcmp(dk_alg_name((uint8_t)n), "unknown"))
			alg = (uint8_t)n;
	}
	if (!alg)
		kt_fail("algorithm %s: use rsasha256, ecdsap256sha256, ecdsap384sha384, ed25519 or "
			"ed448", text ? text : "(none)");
	return alg;
}

int kt_write_new(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t off = 0;

	if (fd < 0)
		return kt_fail("%s: %s%s", path, strerror(errno),
			       errno == EEXIST ? " (not overwriting it)" : "");
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < len || fsync(fd) != 0 || close(fd) != 0) {
		int e = errno;

		if (off < len)
			close(fd);
		unlink(path);
		return kt_fail("%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

static void zone_text(const uint8_t *apex, char *out, size_t cap)
{
	if (sl_name_to_text(apex, out, cap) < 0)
		snprintf(out, cap, "?");
}

static void time_text(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "-");
}

/* Loads the PEM of state entry @p k and checks it against the state. */
static int load_entry(const char *dir, const uint8_t *apex, skey_t *k, sl_error_t *err)
{
	char path[4096];
	uint16_t want = k->tag;
	int rc;

	if ((rc = dk_key_path(dir, apex, k->role, path, sizeof(path), err)) != SL_OK ||
	    (rc = dk_read_key(path, &k->pkey, err)) != SL_OK)
		return rc;
	if ((rc = dk_key_init(k, err)) != SL_OK) {
		char why[SL_ERROR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		return sl_error_set(err, rc, "%s: %s", path, why);
	}
	if (k->tag != want)
		return sl_error_set(err, SL_ECONFIG, "%s: key tag %u, the state file says %u", path,
				    k->tag, want);
	return SL_OK;
}

static int read_state(const char *dir, const uint8_t *apex, keyset_t *ks)
{
	char zt[SL_NAME_TEXT_MAX];
	sl_error_t err;
	int rc;

	sl_error_clear(&err);
	rc = dk_state_read(dir, apex, ks, &err);
	if (rc == SL_ENOTFOUND) {
		zone_text(apex, zt, sizeof(zt));
		return kt_fail("%s: no keys for %s (no %sstate.json)", dir, zt, zt);
	}
	return rc == SL_OK ? 0 : kt_fail_err(&err);
}

static int cmd_list(const kt_args_t *a)
{
	uint8_t apex[SL_NAME_MAXLEN];
	char zt[SL_NAME_TEXT_MAX], when[32], path[4096];
	keyset_t ks;
	int status = 0;

	if (a->npos != 2 || a->role || a->algorithm || a->digest || a->out)
		return kt_fail("usage: sluice-keys list <key_dir> <zone>") + 1;
	if (kt_zone(a->pos[1], apex) || read_state(a->pos[0], apex, &ks))
		return 1;
	zone_text(apex, zt, sizeof(zt));
	printf("%s keys in %s:\n", zt, a->pos[0]);
	printf("%-4s %-16s %5s  %-20s  %s\n", "ROLE", "ALGORITHM", "TAG", "CREATED", "STATUS");
	for (unsigned i = 0; i < ks.n; i++) {
		skey_t *k = &ks.k[i];
		uint16_t tag = k->tag;
		sl_error_t err;

		sl_error_clear(&err);
		time_text(k->created, when, sizeof(when));
		bool ok = load_entry(a->pos[0], apex, k, &err) == SL_OK;

		printf("%-4s %-16s %5u  %-20s  %s%s\n", dk_role_name(k->role), dk_alg_name(k->alg),
		       tag, when, ok ? "ok" : "error: ", ok ? "" : err.msg);
		if (!ok)
			status = 1;
	}
	/* Key files the state does not list: the signer ignores them. */
	for (enum sk_role r = SK_KSK; r <= SK_CSK; r++) {
		struct stat st;
		bool listed = false;

		for (unsigned i = 0; i < ks.n; i++)
			listed = listed || ks.k[i].role == r;
		if (!listed && dk_key_path(a->pos[0], apex, r, path, sizeof(path), NULL) == SL_OK &&
		    lstat(path, &st) == 0)
			printf("warning: %s: not in the state file (the signer ignores it)\n", path);
	}
	if (ks.n == 1 && ks.k[0].role != SK_CSK) {
		printf("error: only a %s: the signer needs a KSK and a ZSK, or one CSK\n",
		       dk_role_name(ks.k[0].role));
		status = 1;
	}
	dk_free(&ks);
	return status;
}

static int cmd_ds(const kt_args_t *a)
{
	uint8_t apex[SL_NAME_MAXLEN], ds[52];
	char zt[SL_NAME_TEXT_MAX], hex[2 * 48 + 1];
	uint8_t dt = 2;
	unsigned printed = 0;
	keyset_t ks;
	int status = 0;

	if (a->npos != 2 || a->role || a->algorithm || a->out)
		return kt_fail("usage: sluice-keys ds <key_dir> <zone> [--digest sha256|sha384]") + 1;
	if (a->digest && !strcmp(a->digest, "sha384"))
		dt = 4;
	else if (a->digest && strcmp(a->digest, "sha256"))
		return kt_fail("--digest %s: use sha256 or sha384", a->digest) + 1;
	if (kt_zone(a->pos[1], apex) || read_state(a->pos[0], apex, &ks))
		return 1;
	zone_text(apex, zt, sizeof(zt));
	for (unsigned i = 0; i < ks.n; i++) {
		skey_t *k = &ks.k[i];
		sl_error_t err;
		size_t len;

		if (k->role == SK_ZSK)
			continue;
		sl_error_clear(&err);
		if (load_entry(a->pos[0], apex, k, &err) != SL_OK) {
			status = kt_fail_err(&err);
			continue;
		}
		if (dk_ds_digest(apex, k->dnskey, k->dnskey_len, dt, ds, sizeof(ds), &len) != SL_OK ||
		    sl_hex_encode(ds + 4, len - 4, hex, sizeof(hex)) < 0) {
			status = kt_fail("cannot compute the DS of key %u", k->tag);
			continue;
		}
		hex[2 * (len - 4)] = '\0';
		for (char *p = hex; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		printf("%s IN DS %u %u %u %s\n", zt, k->tag, k->alg, dt, hex);
		printed++;
	}
	if (!printed && !status)
		status = kt_fail("%s has no KSK or CSK", zt);
	dk_free(&ks);
	return status;
}

static int cmd_generate(const kt_args_t *a)
{
	uint8_t apex[SL_NAME_MAXLEN];
	char zt[SL_NAME_TEXT_MAX], path[4096];
	skey_t k;
	sl_error_t err;
	int rc;

	if (a->npos != 2 || !a->role || !a->algorithm || a->digest || a->out)
		return kt_fail("usage: sluice-keys generate <key_dir> <zone> --role ksk|zsk|csk "
			       "--algorithm <alg>") + 1;
	memset(&k, 0, sizeof(k));
	if (kt_zone(a->pos[1], apex))
		return 1;
	if (!(k.role = dk_role_from_text(a->role)))
		return kt_fail("--role %s: use ksk, zsk or csk", a->role) + 1;
	if (!(k.alg = kt_algorithm(a->algorithm)))
		return 2;
	k.created = (int64_t)time(NULL);
	if (!(k.pkey = dk_keygen(k.alg)))
		return kt_fail("cannot make a %s key", dk_alg_name(k.alg));
	sl_error_clear(&err);
	rc = dk_state_add(a->pos[0], apex, &k, &err);
	EVP_PKEY_free(k.pkey);
	if (rc != SL_OK)
		return kt_fail_err(&err);
	zone_text(apex, zt, sizeof(zt));
	dk_key_path(a->pos[0], apex, k.role, path, sizeof(path), NULL);
	printf("%s: new %s, algorithm %s, key tag %u: %s\n", zt, dk_role_name(k.role),
	       dk_alg_name(k.alg), k.tag, path);
	return 0;
}

/* Splits argv into positional arguments and options. @return 0 or 2 (usage) */
static int parse_args(int argc, char **argv, kt_args_t *a)
{
	static const char *const names[] = { "role", "algorithm", "digest", "out" };

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		const char **slot[] = { &a->role, &a->algorithm, &a->digest, &a->out };
		size_t nl;
		int which = -1;

		if (strncmp(arg, "--", 2) != 0) {
			if (a->npos == KT_MAX_ARGS)
				return kt_fail("too many arguments") + 1;
			a->pos[a->npos++] = arg;
			continue;
		}
		nl = strcspn(arg + 2, "=");
		for (int j = 0; j < 4; j++)
			if (strlen(names[j]) == nl && !strncmp(arg + 2, names[j], nl))
				which = j;
		if (which < 0)
			return kt_fail("unknown option %s (see --help)", arg) + 1;
		if (arg[2 + nl] == '=')
			val = arg + 3 + nl;
		else if (i + 1 < argc)
			val = argv[++i];
		if (!val || !*val)
			return kt_fail("%s needs a value", arg) + 1;
		if (*slot[which])
			return kt_fail("--%s given twice", names[which]) + 1;
		*slot[which] = val;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(const kt_args_t *a);
	} cmds[] = {
		{ "list", cmd_list }, { "ds", cmd_ds }, { "generate", cmd_generate },
		{ "import", kt_cmd_import }, { "sig0", kt_cmd_sig0 }, { "show", kt_cmd_show },
	};
	kt_args_t a;
	int rc;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sluice-keys %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		for (int j = 2; j < argc; j++) {
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				fputs(usage_text, stdout);
				return 0;
			}
		}
		if ((rc = parse_args(argc - 2, argv + 2, &a)) != 0)
			return rc;
		rc = cmds[i].run(&a);
		ERR_clear_error();
		return rc;
	}
	kt_fail("unknown command %s (see --help)", argv[1]);
	return 2;
}
