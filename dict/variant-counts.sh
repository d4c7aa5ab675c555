#!/bin/sh
# Prints how often each spelling of dict/variants.tsv and of the katakana rules occurs in the
# shared corpora, the evidence for each entry and for the direction of each rule.
# usage: dict/variant-counts.sh [CORPUS_DIR]   (default: ../shared/corpus)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/../../shared/corpus}
text=$(mktemp)
trap 'rm -f "$text"' EXIT
for f in "$corpus"/*; do
    case "$f" in
    *.gz) zcat "$f" ;;
    *.txt | *.jsonl) cat "$f" ;;
    esac
done >"$text"

count() { grep -o -- "$1" "$text" | wc -l; }

printf '%-12s %8s    %-12s %8s\n' variant count canonical count
grep -v '^#' "$here/variants.tsv" | while IFS="$(printf '\t')" read -r from to; do
    [ -n "$from" ] && printf '%-12s %8d    %-12s %8d\n' "$from" "$(count "$from")" "$to" "$(count "$to")"
done
echo
echo "rules (any katakana word):"
for pair in ウイ:ウィ ウエ:ウェ ウオ:ウォ ウイルス:ウィルス ウエア:ウェア ヴァ:バ ヴィ:ビ ヴェ:ベ ヴォ:ボ \
    サーバー:サーバ コンピューター:コンピュータ ユーザー:ユーザ; do
    from=${pair%%:*}
    to=${pair#*:}
    printf '%-12s %8d    %-12s %8d\n' "$from" "$(count "$from")" "$to" "$(count "$to")"
done
