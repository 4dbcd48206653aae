#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The exported symbols are exactly what the headers declare and the version
# scripts list, so that a new call cannot be forgotten in a map (it would not
# be exported) nor a map line go stale.
#
#   symbols.sh SOURCE_DIR LIBSHMRING_SO [LIBSHMRING_FFI_SO]
#
# From the headers (include/shmring/*.h):
#   API     every function declared or defined with RING_API
#   INLINE  every function defined with RING_INLINE (the FFI library's extra)
# Checked: API == symbols in src/shmring.map == dynamic exports of
# libshmring.so; API + INLINE == src/shmring-ffi.map == exports of
# libshmring-ffi.so; every export carries a version from its map.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 SRC LIB [FFI_LIB]" >&2; exit 2; }
src=$1 lib=$2 ffi=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# decls MACRO: names of the functions following MACRO at the start of a line.
decls() {
	cat "$src"/include/shmring/*.h |
		sed -n "s/^$1[[:space:]][^(]*[^A-Za-z0-9_(]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p" |
		sort -u
}
# mapsyms FILE: the names of a version script's global: lists.
mapsyms() {
	sed -e 's,/\*.*\*/,,g' -e 's/#.*//' "$1" | tr ';{}' '\n\n\n' |
		sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
		grep -E '^[A-Za-z_][A-Za-z0-9_]*$' | grep -vx -e local -e global | sort -u
}
# exports LIB: defined dynamic symbols (functions and objects), unversioned.
exports() {
	nm -D --defined-only "$1" | awk '$2 ~ /^[TtDdBbRr]$/ { print $3 }' |
		sed 's/@.*//' | sort -u
}
# compare WHAT A-FILE A-NAME B-FILE B-NAME HOW-TO-FIX
compare() {
	missing=$(comm -23 "$2" "$4")
	extra=$(comm -13 "$2" "$4")
	if [ -n "$missing" ] || [ -n "$extra" ]; then
		status=1
		echo "FAIL: $1"
		[ -z "$missing" ] || echo "  in $3 but not in $5:" $missing
		[ -z "$extra" ] || echo "  in $5 but not in $3:" $extra
		echo "  fix: $6"
	else
		echo "ok: $1 ($(wc -l <"$2") symbols)"
	fi
}

decls RING_API >"$tmp/api"
decls RING_INLINE >"$tmp/inline"
sort -u "$tmp/api" "$tmp/inline" >"$tmp/api+inline"
mapsyms "$src/src/shmring.map" >"$tmp/map"
exports "$lib" >"$tmp/exports"
[ -s "$tmp/api" ] || { echo "FAIL: no RING_API declarations found"; exit 1; }

compare "headers' RING_API calls = src/shmring.map" "$tmp/api" "the headers (RING_API)" \
	"$tmp/map" "src/shmring.map" \
	"list each new RING_API function in src/shmring.map (and src/shmring-ffi.map), in the newest version node"
compare "src/shmring.map = libshmring.so exports" "$tmp/map" "src/shmring.map" \
	"$tmp/exports" "${lib##*/}" "a map symbol without a definition, or an export the map does not cover"

# Every export carries a version node of the map.
unver=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtDdBbRr]$/ && $3 !~ /@/ { print $3 }')
[ -z "$unver" ] || { status=1; echo "FAIL: unversioned exports in ${lib##*/}:" $unver; }

if [ -n "$ffi" ]; then
	mapsyms "$src/src/shmring-ffi.map" >"$tmp/ffimap"
	exports "$ffi" >"$tmp/ffiexports"
	compare "headers' RING_API + RING_INLINE calls = src/shmring-ffi.map" "$tmp/api+inline" \
		"the headers (RING_API, RING_INLINE)" "$tmp/ffimap" "src/shmring-ffi.map" \
		"list each new RING_API or RING_INLINE function in src/shmring-ffi.map"
	compare "src/shmring-ffi.map = libshmring-ffi.so exports" "$tmp/ffimap" \
		"src/shmring-ffi.map" "$tmp/ffiexports" "${ffi##*/}" \
		"a RING_INLINE call that src/ring_ffi.c does not compile (header not included by shmring.h?)"
fi
exit $status
