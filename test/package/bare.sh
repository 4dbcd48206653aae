#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The build a new user gets on a machine with nothing but a C compiler and
# cmake: configure the source tree with pkg-config, every header under
# /usr/include that is not the C library's (valgrind's, Criterion's) and the
# C++ compiler out of reach, and check that plain `cmake -S . -B build`
# configures (saying what it skips), builds, and installs the libraries, the
# headers, the examples and the package files. Then a static-only build
# (BUILD_SHARED_LIBS=OFF): no .so, examples linked statically; and no build
# gains a NEEDED liburcu unless asked for.
#
#   bare.sh SOURCE_DIR WORK_DIR CMAKE
set -eu
[ $# -eq 3 ] || { echo "usage: $0 SRC WORK CMAKE" >&2; exit 2; }
src=$1 work=$2 cmake=$3

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

rm -rf "$work"
mkdir -p "$work"
# What a bare machine lacks, made unreachable for this configuration only.
bare="-DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON -DCMAKE_IGNORE_PATH=/usr/include
      -DCMAKE_BUILD_TYPE=Release"
# No C++ compiler: check_language(CXX) honours $CXX.
export CXX=/nonexistent/c++

step "plain configure, nothing but a C compiler"
# shellcheck disable=SC2086
"$cmake" -S "$src" -B "$work/b" $bare >"$work/configure.log" 2>&1 ||
	{ cat "$work/configure.log"; fail "plain configure failed"; }
cat "$work/configure.log"
grep -q 'skipping the tests' "$work/configure.log" || fail "no message about the skipped tests"
grep -q 'skipping the benchmarks' "$work/configure.log" || fail "no message about the skipped bench"

step "build and install"
"$cmake" --build "$work/b" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build failed"; }
"$cmake" --install "$work/b" --prefix "$work/p" >/dev/null
for f in include/shmring/shmring.h lib/libshmring.a lib/pkgconfig/shmring.pc \
	lib/pkgconfig/shmring-static.pc lib/cmake/shmring/shmringConfig.cmake \
	libexec/shmring/examples/demo share/doc/shmring/examples/demo.c share/doc/shmring/LICENSE \
	share/man/man3/ring_push.3 share/man/man3/ring_pop.3 share/man/man7/shmring.7; do
	[ -e "$work/p/$f" ] || fail "not installed: $f"
done
so=$(ls "$work"/p/lib/libshmring.so.* | head -n 1)
[ -n "$so" ] || fail "no libshmring.so installed"
if needed "$so" | grep -q urcu; then fail "liburcu linked though not asked for"; fi
if [ -d "$src/tools" ] && [ -f "$src/tools/CMakeLists.txt" ]; then
	[ -n "$(ls "$work/p/bin" 2>/dev/null)" ] || fail "tools/ exists but nothing went to bin/"
fi
"$work/p/libexec/shmring/examples/demo" 1000 >/dev/null || fail "installed demo failed"

step "static only: BUILD_SHARED_LIBS=OFF"
# shellcheck disable=SC2086
"$cmake" -S "$src" -B "$work/s" $bare -DBUILD_SHARED_LIBS=OFF >"$work/configure-s.log" 2>&1 ||
	{ cat "$work/configure-s.log"; fail "static configure failed"; }
"$cmake" --build "$work/s" -j2 >"$work/build-s.log" 2>&1 || { cat "$work/build-s.log"; fail "static build failed"; }
"$cmake" --install "$work/s" --prefix "$work/ps" >/dev/null
[ -e "$work/ps/lib/libshmring.a" ] || fail "static-only: no archive"
[ -z "$(ls "$work"/ps/lib/libshmring.so* 2>/dev/null)" ] || fail "static-only: a .so was installed"
if needed "$work/ps/libexec/shmring/examples/demo" | grep -q shmring; then
	fail "static-only: the demo links a shared libshmring"
fi
"$work/ps/libexec/shmring/examples/demo" 1000 >/dev/null || fail "static demo failed"
step "bare builds passed"
