#!/bin/sh
# The jikenbo command end to end: index, stats, show, delete, exit statuses and messages.
# usage: test_cli.sh JIKENBO SOURCE_DIR DATA_DIR
set -u
jikenbo=$1
src=$2
data=$3
tmp=$(mktemp -d /tmp/jikenbo-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/demo.db"

. "$(dirname "$0")/check.sh"

"$jikenbo" -d "$db" index "$src/examples/demo-archive.txt" >"$tmp/out" 2>&1
check "index demo" 0 $? "indexed 6 documents" "$tmp/out"

"$jikenbo" -d "$db" stats --json >"$tmp/out" 2>&1
check "stats json" 0 $? '"documents":6' "$tmp/out"
grep -q '"format_version":8' "$tmp/out" && grep -q '"analyzer":"mecab:' "$tmp/out" &&
    grep -q '"post":{"entries":' "$tmp/out"
check "stats json fields" 0 $?

id=$(grep -o '2031-102-[0-9a-f]*' "$tmp/out" || true)
"$jikenbo" -d "$db" index --json "$src/examples/demo-archive.txt" >"$tmp/out" 2>&1
check "index again" 0 $? '"documents":6' "$tmp/out"
"$jikenbo" -d "$db" stats --json >"$tmp/out" 2>&1
check "count unchanged" 0 $? '"documents":6' "$tmp/out"

# compact: a copy that checks and holds the same documents; never over an index
"$jikenbo" -d "$db" compact --json "$tmp/copy.db" >"$tmp/out" 2>&1
check "compact" 0 $? '"bytes_after":' "$tmp/out"
"$jikenbo" -d "$tmp/copy.db" check >"$tmp/out" 2>&1
check "compacted copy checks" 0 $? "ok: 6 documents" "$tmp/out"
"$jikenbo" -d "$db" compact "$tmp/copy.db" >"$tmp/out" 2>&1
check "compact over an index" 2 $? "holds an index already" "$tmp/out"

# bad input: named by file and line, the rest indexed, status 1
printf '{"id": "j1", "title": "架空の見出し", "body": "本文"}\n{"id": "j2", "body": \n{"id": "j3", "body": "三"}\n' >"$tmp/bad.jsonl"
"$jikenbo" -d "$db" index "$tmp/bad.jsonl" >"$tmp/out" 2>&1
check "bad jsonl" 1 $? "bad.jsonl:2: JSON error" "$tmp/out"
"$jikenbo" -d "$db" show --json j3 >"$tmp/out" 2>&1
check "rest indexed" 0 $? '"id":"j3"' "$tmp/out"

: >"$tmp/empty.txt"
"$jikenbo" -d "$db" index "$tmp/empty.txt" >"$tmp/out" 2>&1
check "empty file" 1 $? "empty.txt: no documents" "$tmp/out"

printf '{"id": "s1", "body": "一"}\n{"id": "s2", "body": \n' >"$tmp/strict.jsonl"
"$jikenbo" -d "$db" index --strict "$tmp/strict.jsonl" >"$tmp/out" 2>&1
check "strict" 1 $? "nothing from this run was committed" "$tmp/out"
"$jikenbo" -d "$db" show s1 >"$tmp/out" 2>&1
check "strict committed nothing" 4 $? "no document with id s1" "$tmp/out"

"$jikenbo" -d "$db" index "$tmp/missing.txt" >"$tmp/out" 2>&1
check "missing input" 1 $? "missing.txt" "$tmp/out"

# show, delete
"$jikenbo" -d "$db" show --json j1 >"$tmp/out" 2>&1
check "show json" 0 $? '"case_ref":""' "$tmp/out"
"$jikenbo" -d "$db" delete --json j1 j3 >"$tmp/out" 2>&1
check "delete" 0 $? '"deleted":\["j1","j3"\]' "$tmp/out"
"$jikenbo" -d "$db" show --json j1 >"$tmp/out" 2>&1
check "deleted is gone" 4 $? '"code":"not_found"' "$tmp/out"
"$jikenbo" -d "$db" delete no-such-id >"$tmp/out" 2>&1
check "delete missing" 4 $? "no-such-id" "$tmp/out"

# search, suggest and completion
"$jikenbo" -d "$db" search ランサムウェア 委託先 >"$tmp/out" 2>&1
check "search" 0 $? "2031-101" "$tmp/out"
"$jikenbo" -d "$db" suggest 'ランサム' >"$tmp/out" 2>&1
check "suggest" 0 $? "ランサムウェア" "$tmp/out"
"$jikenbo" -d "$db" suggest --json '委託先 ランサ' >"$tmp/out" 2>&1
check "suggest keeps the words before" 0 $? '"query":"委託先 ランサムウェア"' "$tmp/out"
"$jikenbo" -d "$db" search --complete --json 'フォレン' >"$tmp/out" 2>&1
check "search --complete" 0 $? '"total":1' "$tmp/out"
"$jikenbo" -d "$db" search --json '、' >"$tmp/out" 2>&1
check "malformed query" 2 $? '"code":"malformed_query"' "$tmp/out"
printf 'ランサムウェア\n\377\376\n' >"$tmp/q.txt"
"$jikenbo" -d "$db" search --batch "$tmp/q.txt" >"$tmp/out" 2>&1
check "batch: a line that is not UTF-8" 0 $? '"query":"??","error":{"code":"malformed_query"' "$tmp/out"

# another analyzer: the variant table changed
mkdir "$tmp/data"
cp "$data/security.dic" "$tmp/data/"
{ cat "$data/variants.tsv"; printf 'テスト語\tテスト\n'; } >"$tmp/data/variants.tsv"
JIKENBO_DATA_DIR="$tmp/data" "$jikenbo" -d "$db" search 架空 >"$tmp/out" 2>&1
check "another analyzer" 3 $? "rebuild the index" "$tmp/out"
JIKENBO_DATA_DIR="$tmp/data" "$jikenbo" -d "$db" --ignore-analyzer search 架空 >"$tmp/out" 2>&1
check "--ignore-analyzer" 0 $? "hits" "$tmp/out"

# usage and index errors
"$jikenbo" -d "$db" frobnicate >"$tmp/out" 2>&1
check "unknown command" 2 $? "unknown command" "$tmp/out"
"$jikenbo" -d "$tmp/none.db" stats >"$tmp/out" 2>&1
check "no index" 3 $? "no index at" "$tmp/out"
mkdir "$tmp/notindex" && echo "not an index" >"$tmp/notindex/data.mdb"
"$jikenbo" -d "$tmp/notindex" stats >"$tmp/out" 2>&1
check "not an index" 3 $? "jikenbo:" "$tmp/out"
JIKENBO_DB="$db" "$jikenbo" stats >"$tmp/out" 2>&1
check "JIKENBO_DB" 0 $? "documents" "$tmp/out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
