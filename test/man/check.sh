#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The man pages: every page under man/ passes `mandoc -T lint -W warning`,
# every exported public call (ring_*, not ring_pvt_*) of the given libraries
# has a page of its own name (the page that documents it with .Nm, or a
# `.so man3/PAGE` link to that page), every .so link and every .Xr reference
# to a shmring page resolves.
#
#   check.sh SOURCE_DIR MANDOC LIBRARY...
set -eu
[ $# -ge 3 ] || { echo "usage: $0 SRC MANDOC LIB..." >&2; exit 2; }
src=$1 mandoc=$2
shift 2
man=$src/man
status=0
bad() { status=1; echo "FAIL: $*"; }

# Pages and links. A link is a one-line file ".so manN/target.N".
pages= links=
for f in "$man"/*.[1-8]; do
	[ -e "$f" ] || continue
	if head -n 1 "$f" | grep -q '^\.so '; then links="$links $f"; else pages="$pages $f"; fi
done
[ -n "$pages" ] || { echo "FAIL: no man pages in $man"; exit 1; }

# 1. Lint. -W warning: warnings and errors fail; style notes (e.g. an .Xr to
# a system page mandoc has no database for) are not reported.
for f in $pages; do
	out=$("$mandoc" -T lint -W warning "$f" 2>&1) || bad "mandoc -T lint: $out"
done

# 2. Links resolve, and name a page that documents the link's name.
for f in $links; do
	target=$(sed -n '1s/^\.so //p' "$f")
	name=${f##*/}
	name=${name%.*}
	if [ ! -f "$man/${target##*/}" ]; then
		bad "${f##*/}: .so $target, which does not exist"
	elif ! grep -q "^\.Nm $name\( ,\)\{0,1\}$" "$man/${target##*/}"; then
		bad "${f##*/}: links to ${target##*/}, which has no .Nm $name"
	fi
done

# 3. Every exported public call has a page.
syms=$(for lib in "$@"; do nm -D --defined-only "$lib"; done |
	awk '$2 ~ /^[TtDdBbRr]$/ { sub(/@.*/, "", $3); print $3 }' |
	grep '^ring_' | grep -v '^ring_pvt_' | sort -u)
[ -n "$syms" ] || { echo "FAIL: no ring_* exports in $*"; exit 1; }
missing=
for s in $syms; do
	f=$man/$s.3
	if [ ! -f "$f" ]; then
		missing="$missing $s"
	elif ! head -n 1 "$f" | grep -q '^\.so ' && ! grep -q "^\.Nm $s\( ,\)\{0,1\}$" "$f"; then
		bad "man/$s.3 does not document $s (no .Nm $s)"
	fi
done
if [ -n "$missing" ]; then
	bad "exported calls without a man page:$missing"
	echo "  fix: add man/NAME.3 for each (mdoc, see man/ring_push.3), or add NAME to"
	echo "  the .Nm list of the page that documents it and a one-line man/NAME.3:"
	echo "  .so man3/PAGE.3"
fi

# 4. Cross references to shmring's own pages resolve.
for f in $pages; do
	for ref in $(sed -n 's/^\.Xr \(ring_[a-z0-9_]*\|shmring[a-z0-9_-]*\) \([1-8]\).*/\1.\2/p' "$f"); do
		[ -f "$man/$ref" ] || bad "${f##*/}: .Xr to $ref, which is not in man/"
	done
	# Inline .Xr in .Pq lines too.
	for ref in $(grep -o 'Xr ring_[a-z0-9_]* [1-8]' "$f" | awk '{ print $2 "." $3 }'); do
		[ -f "$man/$ref" ] || bad "${f##*/}: .Xr to $ref, which is not in man/"
	done
done

n_syms=$(echo "$syms" | wc -l)
[ $status -ne 0 ] || echo "ok: $(echo $pages | wc -w) pages lint clean, $(echo $links | wc -w) links, $n_syms exported calls documented"
exit $status
