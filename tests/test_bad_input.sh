#!/bin/sh
# Bad input end to end (SPEC 1.3 and 5): each gets a clear message and its exit status, and
# nothing already in the index is lost: after every case the index passes `jikenbo check`
# with the documents it should hold.
# usage: test_bad_input.sh JIKENBO SOURCE_DIR
set -u
jikenbo=$1
src=$2
tmp=$(mktemp -d /tmp/jikenbo-bad-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/db"
docs=6

. "$(dirname "$0")/check.sh"

intact() { # intact NAME: the index passes its check and holds $docs documents
    "$jikenbo" -d "$db" check >"$tmp/check" 2>&1
    check "$1: index intact" 0 $? "^ok: $docs documents" "$tmp/check"
}

index() { # index NAME EXPECTED-STATUS PATTERN FILE [OPTIONS...]
    name=$1 want=$2 pattern=$3 file=$4
    shift 4
    "$jikenbo" -d "$db" index "$@" "$file" >"$tmp/out" 2>&1
    check "$name" "$want" $? "$pattern" "$tmp/out"
    intact "$name"
}

# The archive's line after a release's text (JKB__ARCHIVE_LINE in indexer/reader.h).
archive_line=$(printf '\343\203\252\343\203\252\343\203\274\343\202\271\346\226\207\343\202\242\343\203\274\343\202\253\343\202\244\343\203\226')

# A fictional release in the archive format; $1 its number, $2 a line of its body.
post() {
    printf '【セキュリティ事件簿#2031-%s】架空技研株式会社 検査用のお知らせ%s 2031/5/1\n\n' "$1" "$1"
    printf '%s\n\n%s\n\n' "$2" "$archive_line"
}

"$jikenbo" -d "$db" index "$src/examples/demo-archive.txt" >"$tmp/out" 2>&1
check "demo archive" 0 $? "indexed 6 documents" "$tmp/out"

# Archive text.
{ post 901 "不正なバイト$(printf '\377\376')を含む本文です。"; post 902 "正しい本文です。"; } >"$tmp/utf8.txt"
docs=7
index "invalid UTF-8" 1 "utf8.txt:[0-9]*: invalid UTF-8" "$tmp/utf8.txt"

{ post 903 "NULを含む本文です。" | sed 's/含む/x@y/' | tr '@' '\000'; post 904 "正しい本文です。"; } >"$tmp/nul.txt"
docs=8
index "NUL byte" 1 "nul.txt:[0-9]*: .*NUL" "$tmp/nul.txt"

{ printf '\357\273\277'; post 905 "BOMの後の本文です。"; } | sed 's/$/\r/' >"$tmp/bom-crlf.txt"
docs=9
index "BOM and CRLF" 0 "indexed 1 documents" "$tmp/bom-crlf.txt"
"$jikenbo" -d "$db" search --json BOMの後 >"$tmp/out" 2>&1
check "BOM and CRLF: clean fields" 0 $? 'お知らせ905","org":"架空技研株式会社","date":"2031-05-01"' "$tmp/out"

: >"$tmp/empty.txt"
index "empty file" 1 "empty.txt: no documents" "$tmp/empty.txt"

head -c 65536 "$jikenbo" >"$tmp/binary"
index "binary file" 1 "binary: not UTF-8 text .*; file skipped" "$tmp/binary"
[ "$(wc -l <"$tmp/out")" -eq 2 ]
check "binary file: one message" 0 $?
printf '【セキュリティ事件簿#2031-907】' | iconv -f UTF-8 -t SHIFT_JIS >"$tmp/sjis.txt"
post 907 "シフトJISで書かれた本文です。" | iconv -f UTF-8 -t SHIFT_JIS >>"$tmp/sjis.txt"
index "Shift_JIS file" 1 "sjis.txt: not UTF-8 text .*Shift_JIS" "$tmp/sjis.txt"

# A 10 MB line: analysed in chunks, found by the word at its end.
{
    printf '【セキュリティ事件簿#2031-906】架空技研株式会社 長い一行 2031/5/2\n\n'
    awk 'BEGIN { s = "委託先のサーバで不審な通信を確認しました。";
                 for (i = 0; i < 170000; i++) printf "%s", s; printf "最後に検体ZZ906。\n" }'
    printf '\n%s\n' "$archive_line"
} >"$tmp/long-line.txt"
docs=10
index "10 MB line" 0 "indexed 1 documents" "$tmp/long-line.txt"
"$jikenbo" -d "$db" search --no-group ZZ906 >"$tmp/out" 2>&1
check "10 MB line: its last word" 0 $? "長い一行" "$tmp/out"

# A 100 MB document: over --max-doc-bytes (64 MB by default), skipped; the next one is kept.
{
    printf '{"id":"huge","title":"巨大な文書","body":"'
    head -c 104857600 /dev/zero | tr '\0' 'a'
    printf '"}\n{"id":"after-huge","title":"巨大な文書の次","body":"本文"}\n'
} >"$tmp/huge.jsonl"
docs=11
index "100 MB document" 1 "huge.jsonl:1: .*--max-doc-bytes" "$tmp/huge.jsonl"
rm -f "$tmp/huge.jsonl"

# JSON Lines.
awk 'BEGIN { printf "{\"id\":\"deep\",\"x\":"; for (i = 0; i < 100000; i++) printf "[";
             printf "\n{\"id\":\"after-deep\",\"title\":\"深い入れ子の次\",\"body\":\"本文\"}\n" }' \
    >"$tmp/deep.jsonl"
docs=12
index "deeply nested JSON" 1 "deep.jsonl:1: JSON error" "$tmp/deep.jsonl"

printf '{"id":"cut1","title":"途中まで","body":"本文"}\n{"id":"cut2","title":"途中' >"$tmp/cut.jsonl"
docs=13
index "truncated JSON" 1 "cut.jsonl:2: JSON error" "$tmp/cut.jsonl"

awk 'BEGIN { for (i = 0; i < 3000; i++)
    printf "{\"id\":\"gz-%04d\",\"title\":\"圧縮%d\",\"body\":\"圧縮された入力の本文%d\"}\n", i, i, i }' |
    gzip -c >"$tmp/full.jsonl.gz"
size=$(wc -c <"$tmp/full.jsonl.gz")
head -c $((size / 2)) "$tmp/full.jsonl.gz" >"$tmp/cut.jsonl.gz"
"$jikenbo" -d "$db" index "$tmp/cut.jsonl.gz" >"$tmp/out" 2>&1
check "gzip cut short" 1 $? "cut.jsonl.gz.*\(truncated\|unexpected end\|cut short\)" "$tmp/out"
kept=$(sed -n 's/^indexed \([0-9]*\) documents.*/\1/p' "$tmp/out")
[ -n "$kept" ] && [ "$kept" -gt 0 ] && [ "$kept" -lt 3000 ]
check "gzip cut short: what came before is indexed" 0 $?
docs=$((docs + ${kept:-0}))
intact "gzip cut short"

# Queries.
awk 'BEGIN { srand(7); for (i = 0; i < 10000; i++) printf "語%d ", int(rand() * 1000) }' >"$tmp/q"
"$jikenbo" -d "$db" search --json "$(cat "$tmp/q")" >"$tmp/out" 2>&1
check "10,000-word query" 0 $? '"total":0' "$tmp/out"
"$jikenbo" -d "$db" search -- '- OR | ( ) "" *' >"$tmp/out" 2>&1
check "only operators" 2 $? "jikenbo:" "$tmp/out"
"$jikenbo" -d "$db" search '   ' >"$tmp/out" 2>&1
check "only spaces" 2 $? "jikenbo:" "$tmp/out"
"$jikenbo" -d "$db" search "$(printf '\377\376')" >"$tmp/out" 2>&1
check "query not UTF-8" 2 $? "UTF-8" "$tmp/out"
intact "queries"

# Index directories.
mkdir "$tmp/not-index"
head -c 100000 "$jikenbo" >"$tmp/not-index/data.mdb"
"$jikenbo" -d "$tmp/not-index" search 架空 >"$tmp/out" 2>&1
check "not an index" 3 $? "jikenbo: .*not-index" "$tmp/out"
"$jikenbo" -d "$tmp/not-index" index "$src/examples/demo-archive.txt" >"$tmp/out" 2>&1
check "not an index: no write" 3 $? "jikenbo:" "$tmp/out"
head -c 100000 "$jikenbo" | cmp -s - "$tmp/not-index/data.mdb"
check "not an index: left as it was" 0 $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
