#!/bin/sh
# Installs everything Sluice needs to build, run and test on Debian 12.
# Used by the README's two commands and by .ci/run.
# SPDX-License-Identifier: MIT OR Apache-2.0
set -eu

# configure requires libev, OpenSSL and jansson; SQLite and libmaxminddb are
# for the plugins that use them (built when found), Check for make check.
BUILD="build-essential autoconf automake libtool pkg-config
libev-dev libssl-dev libjansson-dev libsqlite3-dev libmaxminddb-dev check"
# Real DNS peers and clients the tests compare against, sanitizer runtime for
# clang's libFuzzer, python for the system tests (cryptography: dnspython's DNSSEC
# validation), dnsperf for the rate-limit flood, the sqlite3
# shell the journal tests read the journal with. One package per line.
TEST="
knot-dnsutils
dnsutils
ldnsutils
knot
knot-module-geoip
gdnsd
nsd
bind9
bind9-utils
python3
python3-dnspython
python3-pytest
python3-cryptography
clang
libclang-rt-14-dev
dnsperf
sqlite3
"

want="$BUILD"
[ "${1:-}" = "--test" ] && want="$BUILD $TEST"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
# Debian starts these services on install; the tests run their own instances.
for svc in knot nsd named bind9 gdnsd; do
	$SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
