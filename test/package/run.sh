#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The package test: install shmring into a prefix under the build directory,
# build the project in test/package/app against it three ways (find_package,
# add_subdirectory, pkg-config on a plain compiler command line), and run
# each build's producer and consumer as two separately started processes that
# meet on a named ring.
#
#   run.sh SOURCE_DIR BUILD_DIR WORK_DIR CMAKE PKG_CONFIG CC CXX [FLAGS]
#
# FLAGS go to every compile and link of the app (the sanitizer flags when the
# library itself was built with a sanitizer). SHMRING_PKG_COUNT sets the
# messages per run (default 100000). Everything is written under WORK_DIR;
# the rings' names are removed even when a step fails.
set -eu

[ $# -ge 7 ] || { echo "usage: $0 SRC BUILD WORK CMAKE PKG_CONFIG CC CXX [FLAGS]" >&2; exit 2; }
src=$1 bin=$2 work=$3 cmake=$4 pkgconfig=$5 cc=$6 cxx=$7 flags=${8:-}
count=${SHMRING_PKG_COUNT:-100000}
app=$src/test/package/app
prefix=$work/prefix
names=

cleanup() {
	for n in $names; do rm -f "/dev/shm$n"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# needed FILE: the shared libraries FILE depends on, one per line.
needed() {
	readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

rm -rf "$work"
mkdir -p "$work"

step "install into $prefix"
"$cmake" --install "$bin" --prefix "$prefix"

pcfile=$(find "$prefix" -name shmring.pc)
[ -n "$pcfile" ] || fail "no shmring.pc installed"
export PKG_CONFIG_PATH="${pcfile%/*}"
[ "$("$pkgconfig" --variable=pcfiledir shmring)" = "$PKG_CONFIG_PATH" ] ||
	fail "pkg-config finds another shmring.pc"
libdir=$("$pkgconfig" --variable=libdir shmring)
version=$("$pkgconfig" --modversion shmring)
major=${version%%.*}

step "installed library: SONAME, exports, archive visibility"
so=$libdir/libshmring.so
[ -e "$so" ] && [ -e "$so.$major" ] && [ -e "$so.$version" ] || fail "missing $so{,.$major,.$version}"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libshmring.so.$major" ] || fail "SONAME is '$soname', want libshmring.so.$major"
exports=$(nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }')
[ -n "$exports" ] || fail "libshmring.so exports nothing"
stray=$(echo "$exports" | grep -v '^ring_' || true)
[ -z "$stray" ] || fail "exported symbols outside ring_*: $stray"
echo "$exports" | grep -qx ring_create || fail "ring_create is not exported"
echo "$(echo "$exports" | wc -l) symbols exported, all ring_*"
# The archive's objects keep hidden visibility (SHMRING_STATIC_DEFINE), so
# a shared library linking it does not re-export ring_*.
visible=$(readelf -sW "$libdir/libshmring.a" |
	awk '$5 == "GLOBAL" && $7 != "UND" && $6 != "HIDDEN" && $8 ~ /^ring_/ { print $8 }')
[ -z "$visible" ] || fail "archive symbols with default visibility: $visible"

# pair TAG RULE PRODUCER CONSUMER...: run the producer and the consumer
# command (NAME COUNT appended) as two separate processes on a fresh name.
pair() {
	tag=$1 rule=$2 prod=$3
	shift 3
	name=/shmring_pkg_$$_$tag
	names="$names $name"
	step "$tag: ${prod##*/} ($rule) -> ${1##*/}${2:+ $2}, $count messages"
	"$prod" "$name" "$count" "$rule" &
	ppid=$!
	crc=0
	"$@" "$name" "$count" || crc=$?
	# A failed consumer must not leave the producer waiting on it.
	[ $crc -eq 0 ] || kill "$ppid" 2>/dev/null || true
	prc=0
	wait "$ppid" || prc=$?
	[ $prc -eq 0 ] && [ $crc -eq 0 ] || fail "$tag: producer exit $prc, consumer exit $crc"
	[ ! -e "/dev/shm$name" ] || fail "$tag: $name left in /dev/shm"
}

# linkage EXE shared|static
linkage() {
	if needed "$1" | grep -q '^libshmring\.so'; then got=shared; else got=static; fi
	[ "$got" = "$2" ] || fail "${1##*/} links shmring $got, expected $2"
}

configure_app() { # DIR ARGS...
	d=$1
	shift
	"$cmake" -S "$app" -B "$d" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
		-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
		-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@"
	"$cmake" --build "$d" -j2
	for e in producer consumer test_cxx; do linkage "$d/$e" shared; done
	for e in producer_static consumer_static; do linkage "$d/$e" static; done
}

step "find_package(shmring) with CMAKE_PREFIX_PATH"
fp=$work/find_package
configure_app "$fp" -DSHMRING_USE=find_package -DCMAKE_PREFIX_PATH="$prefix" \
	-DSHMRING_EXPECT_PREFIX="$prefix"
pair fp-shared n1 "$fp/producer" "$fp/consumer"
pair fp-static count "$fp/producer_static" "$fp/consumer_static"
pair fp-mixed n1 "$fp/producer_static" "$fp/consumer"
pair fp-cxx count "$fp/producer" "$fp/test_cxx" consume
step "fp: C++17 self-test"
"$fp/test_cxx"

step "add_subdirectory(shmring)"
sd=$work/subdirectory
configure_app "$sd" -DSHMRING_USE=subdirectory -DSHMRING_SOURCE_DIR="$src"
pair sd-shared count "$sd/producer" "$sd/consumer_static"
pair sd-static n1 "$sd/producer_static" "$sd/consumer"

step "add_subdirectory: the app's exported libraries name shmring's targets"
ai=$work/app-prefix
"$cmake" --install "$sd" --prefix "$ai"
exp=$(find "$ai" -name appTargets.cmake)
[ -n "$exp" ] || fail "no appTargets.cmake installed"
grep -q 'shmring::shmring_static' "$exp" || fail "appTargets.cmake does not name shmring::shmring_static"
grep -q 'shmring::shmring' "$exp" || fail "appTargets.cmake does not name shmring::shmring"
# SHMRING_INSTALL is off in a subdirectory: none of shmring's files go along.
leaked=$(find "$ai" -name '*shmring*' ! -name 'app*')
[ -z "$leaked" ] || fail "a subdirectory build installed shmring files: $leaked"

step "pkg-config, plain compiler command line"
pc=$work/pkg-config
mkdir -p "$pc"
strict="-std=c11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2046,SC2086 # word splitting of flag lists intended
{
	"$cc" $strict $flags $("$pkgconfig" --cflags shmring) -I"$app" -o "$pc/producer" \
		"$app/producer.c" $("$pkgconfig" --libs shmring) -Wl,-rpath,"$libdir"
	"$cc" $strict $flags $("$pkgconfig" --cflags shmring) -I"$app" -o "$pc/consumer_static" \
		"$app/consumer.c" -Wl,-Bstatic $("$pkgconfig" --static --libs shmring) -Wl,-Bdynamic
}
linkage "$pc/producer" shared
linkage "$pc/consumer_static" static
pair pc count "$pc/producer" "$pc/consumer_static"
pair pc-n1 n1 "$pc/producer" "$pc/consumer_static"

step "pkg-config: Requires.private, no build-machine paths"
for m in shmring shmring-static; do
	"$pkgconfig" --exists "$m" || fail "pkg-config does not find $m"
	for f in Libs Libs.private; do
		case $(sed -n "s/^$f: //p" "$PKG_CONFIG_PATH/$m.pc") in
		*-L/*) fail "$m.pc $f carries an absolute -L path" ;;
		esac
	done
done
if needed "$so" | grep -q urcu; then
	[ "$("$pkgconfig" --print-requires-private shmring)" = liburcu ] ||
		fail "libshmring.so needs liburcu but shmring.pc has no Requires.private: liburcu"
else
	[ -z "$("$pkgconfig" --print-requires-private shmring)" ] ||
		fail "shmring.pc requires what libshmring.so does not use"
fi

step "pkg-config --static with shmring-static.pc: the archive, no -Bstatic"
"$cc" $strict $flags $("$pkgconfig" --static --cflags shmring-static) -I"$app" \
	-o "$pc/consumer_pcstatic" "$app/consumer.c" $("$pkgconfig" --static --libs shmring-static)
linkage "$pc/consumer_pcstatic" static
pair pc-static count "$pc/producer" "$pc/consumer_pcstatic"

step "package test passed"
