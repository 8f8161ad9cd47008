#!/bin/sh
# The exported ABI is exactly what include/sluice/ declares SL_API: the
# dynamic symbols defined by libsluice-wire.so and by sluiced (which exports
# the upper layers' public functions to plugins) must equal the functions
# the public headers declare. Run by `make check`.
# SPDX-License-Identifier: MIT OR Apache-2.0
set -eu
: "${SLUICE_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SLUICE_BUILDDIR:=$SLUICE_SRCDIR}"
if ! command -v nm >/dev/null 2>&1; then
	echo "SKIP: nm not found (Debian: apt-get install binutils)" >&2
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

wire=$SLUICE_BUILDDIR/.libs/libsluice-wire.so
daemon=$SLUICE_BUILDDIR/core/.libs/sluiced
[ -f "$daemon" ] || daemon=$SLUICE_BUILDDIR/core/sluiced
for f in "$wire" "$daemon"; do
	[ -f "$f" ] || { echo "FAIL: $f not built" >&2; exit 1; }
done

# Functions defined and exported (T), from both objects.
{ nm -D --defined-only "$wire"; nm -D --defined-only "$daemon"; } |
	awk '$2 == "T" && $3 != "_start" && $3 != "main" && $3 !~ /^_/ { print $3 }' |
	sort >"$tmp/exported"

# Declarations starting with SL_API (the plugin descriptor macro and the
# SL_API definition itself do not): each joined onto one line first.
cat "$SLUICE_SRCDIR"/include/sluice/*.h |
	awk '/^SL_API/ { decl = ""; on = 1 } on { decl = decl " " $0 } on && /[;{]/ { print decl; on = 0 }' |
	grep -v '#define' |
	sed -E 's/\(.*//; s/.*[ *]//' | sort >"$tmp/declared"

if ! cmp -s "$tmp/exported" "$tmp/declared"; then
	echo "FAIL: exported symbols differ from the SL_API declarations in include/sluice/" >&2
	echo "  < exported but not declared, > declared but not exported:" >&2
	diff "$tmp/exported" "$tmp/declared" >&2 || true
	exit 1
fi
n=$(wc -l <"$tmp/exported")
[ "$n" -ge 50 ] || { echo "FAIL: only $n exported symbols found" >&2; exit 1; }
echo "PASS: $n exported functions, each declared SL_API in include/sluice/"
