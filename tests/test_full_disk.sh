#!/bin/sh
# A full disk: indexing into a small filesystem until it fills stops with a clear message and
# status 3; the index still opens, passes its check and holds every document of every commit
# reported; once there is room again, indexing goes on. Both ways a commit comes are tried:
# asked for every N documents, and made when the buffered changes fill the memory bound. The
# filesystem is a 4 MB tmpfs, in a mount namespace of its own where the system allows one (as
# root or in a user namespace); elsewhere the indexer runs under a 4 MB file-size limit
# (prlimit --fsize), which fails its writes the same way.
# usage: test_full_disk.sh JIKENBO
set -u
prog=$1

if [ -z "${JKB_IN_NAMESPACE:-}" ] && unshare -rm true 2>/dev/null; then
    JKB_IN_NAMESPACE=1 exec unshare -rm sh "$0" "$@"
fi

tmp=$(mktemp -d /tmp/jikenbo-disk-XXXXXX)
fs=$tmp/fs
mkdir "$fs"
limit=""
if [ -n "${JKB_IN_NAMESPACE:-}" ] && mount -t tmpfs -o size=4m tmpfs "$fs" 2>/dev/null; then
    how="a 4 MB tmpfs"
else
    limit="prlimit --fsize=4194304"
    how="a 4 MB file-size limit"
fi
cleanup() {
    [ -z "$limit" ] && umount "$fs" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL ($how): $*" >&2
    exit 1
}

# Releases with a code word each and 40 made-up serial numbers, which give the index many
# distinct terms, so that it outgrows the filesystem quickly.
archive() { # archive FIRST COUNT
    awk -v first="$1" -v n="$2" 'BEGIN {
        srand(first);
        for (i = first; i < first + n; i++) {
            body = "委託先のサーバでランサムウェアによる暗号化が確認されました。対象の番号は";
            for (j = 0; j < 40; j++)
                body = body sprintf(" S%08x", int(rand() * 4294967295));
            printf "{\"id\":\"disk-%05d\",\"title\":\"検体FD%05d に関するお知らせ\",\"body\":\"%s\"}\n",
                i, i, body;
        }
    }'
}
archive 0 100 >"$tmp/small.jsonl"
archive 100 2000 >"$tmp/big.jsonl"

# fill OPTIONS...: indexes the big archive after the small one with OPTIONS until the disk is
# full, checks what was committed, then finishes once there is room again.
fill() {
    rm -rf "$fs/ix"
    if [ -z "$limit" ]; then
        mount -o remount,size=4m "$fs" || fail "cannot shrink the tmpfs"
    fi
    $limit "$prog" -d "$fs/ix" index "$tmp/small.jsonl" >/dev/null || fail "the first 100 did not index"

    $limit "$prog" -d "$fs/ix" index "$@" --log-commits "$tmp/big.jsonl" >"$tmp/out" 2>"$tmp/err"
    status=$?
    [ "$status" -eq 3 ] || fail "$*: indexing into a full disk: status $status, want 3"
    grep -q "the disk is full" "$tmp/err" || fail "$*: no clear message: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: more than one line on stderr: $(cat "$tmp/err")"
    committed=$(tail -n 1 "$tmp/out" | sed -n 's/^committed \([0-9]*\) documents$/\1/p')
    [ -n "$committed" ] && [ "$committed" -gt 0 ] || fail "$*: no commit before the disk filled"

    "$prog" -d "$fs/ix" check >"$tmp/check" || fail "$*: check after a full disk: $(cat "$tmp/check")"
    want=$((100 + committed))
    grep -q "^ok: $want documents" "$tmp/check" ||
        fail "$*: want $want documents after the disk filled, $(cat "$tmp/check")"
    last=$(printf 'FD%05d' $((100 + committed - 1)))
    for code in FD00000 FD00099 "$last"; do
        "$prog" -d "$fs/ix" search --no-group "$code" | grep -q "検体$code" ||
            fail "$*: $code is not found after the disk filled"
    done

    # Room again: the same run finishes.
    if [ -z "$limit" ]; then
        mount -o remount,size=256m "$fs" || fail "cannot grow the tmpfs"
    fi
    "$prog" -d "$fs/ix" index "$tmp/big.jsonl" >/dev/null || fail "$*: indexing with room again"
    "$prog" -d "$fs/ix" check | grep -q "^ok: 2100 documents" || fail "$*: not every document after"
    echo "ok ($how, $*): full at $want documents, status 3, nothing committed lost"
}
# Commits asked for every 100 documents; commits made when the buffered changes fill 16 MB,
# which find the worker threads holding documents still.
fill --commit-every 100
fill --memory 16 --threads 2
