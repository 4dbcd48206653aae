#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The Debian packages: configure a release build for /usr, `cpack -G DEB`,
# check each package's name, contents and dependencies, install them with
# dpkg into a scratch root (its own dpkg database; nothing on this machine
# changes), then build a program against the installed root with pkg-config
# (shared and static) and run it.
#
#   deb.sh SOURCE_DIR WORK_DIR CMAKE CPACK CC
set -eu
[ $# -eq 5 ] || { echo "usage: $0 SRC WORK CMAKE CPACK CC" >&2; exit 2; }
src=$1 work=$2 cmake=$3 cpack=$4 cc=$5

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

rm -rf "$work"
mkdir -p "$work"
step "configure and build for /usr"
"$cmake" -S "$src" -B "$work/b" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=Release \
	-DSHMRING_BUILD_TESTS=OFF -DSHMRING_BUILD_FUZZ=OFF -DSHMRING_BUILD_BENCH=OFF \
	-DCMAKE_C_COMPILER="$cc" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail configure; }
"$cmake" --build "$work/b" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail build; }

step "cpack -G DEB"
(cd "$work/b" && "$cpack" -G DEB -B "$work/debs") >"$work/cpack.log" 2>&1 ||
	{ cat "$work/cpack.log"; fail cpack; }
ls "$work/debs"/*.deb
lib=$(ls "$work"/debs/libshmring0_*.deb 2>/dev/null) || fail "no libshmring0 package"
dev=$(ls "$work"/debs/libshmring-dev_*.deb 2>/dev/null) || fail "no libshmring-dev package"
tools=$(ls "$work"/debs/shmring-tools_*.deb 2>/dev/null || true)
if [ -f "$src/tools/CMakeLists.txt" ] && [ -z "$tools" ]; then fail "tools/ exists, no shmring-tools package"; fi

field() { dpkg-deb -f "$1" "$2"; }
version=$(field "$lib" Version)
[ "$(field "$lib" Package)" = libshmring0 ] || fail "library package name"
field "$dev" Depends | grep -q "libshmring0 (= $version)" || fail "libshmring-dev does not depend on libshmring0 (= $version)"
field "$lib" Depends | grep -q "libc6" || fail "libshmring0 has no libc6 dependency (shlibdeps)"
dpkg-deb -I "$lib" shlibs | grep -q '^libshmring 0 libshmring0' || fail "libshmring0 has no shlibs entry"
dpkg-deb -I "$lib" postinst | grep -q ldconfig || fail "libshmring0's postinst does not run ldconfig"

# contents PKG PATTERN...: each pattern matches a path in PKG.
contents() {
	p=$1
	shift
	dpkg-deb -c "$p" | awk '{ print $6 }' >"$work/list"
	for pat in "$@"; do
		grep -q -- "$pat" "$work/list" || fail "${p##*/} lacks $pat"
	done
}
contents "$lib" '/usr/lib/.*/libshmring\.so\.0$' '/usr/lib/.*/libshmring-ffi\.so\.0$' \
	'/usr/share/doc/libshmring0/copyright'
contents "$dev" '/usr/include/shmring/shmring\.h$' '/usr/include/shmring/shmring\.hpp$' \
	'/usr/lib/.*/libshmring\.a$' '/usr/lib/.*/libshmring\.so$' '/usr/lib/.*/pkgconfig/shmring\.pc$' \
	'/usr/lib/.*/cmake/shmring/shmringConfig\.cmake$' '/usr/share/man/man3/ring_push\.3' \
	'/usr/share/doc/libshmring-dev/copyright'
if dpkg-deb -c "$lib" | grep -q '\.h$\|\.a$\|libshmring\.so$'; then fail "libshmring0 carries development files"; fi

step "dpkg --root: install into a scratch root"
root=$work/root
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
touch "$root/var/lib/dpkg/status"
# Maintainer scripts run outside the root (there is no shell inside it): an
# ldconfig first in PATH records the call instead of touching this machine's
# cache. The scratch root has no libc6 package: that dependency is forced.
mkdir -p "$work/fakebin"
printf '#!/bin/sh\necho "ldconfig $*" >>"%s"\n' "$work/ldconfig.calls" >"$work/fakebin/ldconfig"
chmod +x "$work/fakebin/ldconfig"
PATH="$work/fakebin:$PATH" dpkg --root="$root" --log=/dev/null --force-script-chrootless \
	--force-depends --force-not-root -i "$lib" "$dev" $tools >"$work/dpkg.log" 2>&1 ||
	{ cat "$work/dpkg.log"; fail "dpkg -i"; }
[ -s "$work/ldconfig.calls" ] || fail "installing libshmring0 did not run ldconfig"
dpkg --root="$root" -l | grep -q '^ii  libshmring-dev' || fail "libshmring-dev not installed"
dpkg --root="$root" -l | grep -q '^ii  libshmring0' || fail "libshmring0 not installed"

step "build against the installed root with pkg-config"
pcdir=$(dirname "$(find "$root/usr/lib" -name shmring.pc)")
libdir=$(dirname "$pcdir")
export PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$pcdir"
cflags=$(pkg-config --cflags shmring)
"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $cflags -o "$work/demo" "$root/usr/share/doc/shmring/examples/demo.c" \
	$(pkg-config --libs shmring)
needed "$work/demo" | grep -q '^libshmring\.so\.0$' || fail "demo does not link libshmring.so.0"
LD_LIBRARY_PATH="$libdir" "$work/demo" 100000 >/dev/null || fail "demo against the package failed"
"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(pkg-config --static --cflags shmring-static) -o "$work/demo_static" \
	"$root/usr/share/doc/shmring/examples/demo.c" $(pkg-config --static --libs shmring-static)
if needed "$work/demo_static" | grep -q shmring; then fail "static demo links libshmring.so"; fi
"$work/demo_static" 100000 >/dev/null || fail "static demo failed"
step "debian packages passed"
