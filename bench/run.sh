#!/bin/sh
# Builds jikenbo (Release) and measures it on the shared corpora:
#   - relevance on ../shared/eval/dev-queries.tsv over the casebook sample (--no-group), query
#     by query;
#   - index build time, bytes per table and compacted size on livedoor news;
#   - latency of the 500 livedoor queries (top 10 with snippets, one process);
#   - the mecab command over the same text, the baseline for analysis speed.
# usage: bench/run.sh [WORKDIR]   (default: a temporary directory, removed afterwards)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$top/../shared" && pwd)
work=${1:-}
if [ -z "$work" ]; then
    work=$(mktemp -d /tmp/jikenbo-bench-XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
build="$work/build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTS=OFF -DBUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
jikenbo="$build/jikenbo"
echo "build: $(cc --version | head -n 1), Release"

echo
echo "== relevance: dev-queries.tsv on casebook-sample.txt"
rm -rf "$work/sample.db"
"$jikenbo" -d "$work/sample.db" index "$shared/corpus/casebook-sample.txt" >/dev/null
"$build/bench/eval_relevance" "$work/sample.db" "$shared/eval/dev-queries.tsv"

echo
echo "== livedoor news: build"
rm -rf "$work/livedoor.db" "$work/livedoor-compact"
"$jikenbo" -d "$work/livedoor.db" index "$shared/corpus/livedoor-news.jsonl.gz"
"$jikenbo" -d "$work/livedoor.db" stats
mkdir -p "$work/livedoor-compact"
mdb_copy -c "$work/livedoor.db" "$work/livedoor-compact"
compact=$(stat -c %s "$work/livedoor-compact/data.mdb")
# the same text for the mecab baseline: title and body of every article
"$build/bench/dump_text" "$shared/corpus/livedoor-news.jsonl.gz" >"$work/livedoor.txt"
text=$(stat -c %s "$work/livedoor.txt")
echo "compacted index: $compact bytes, $(awk "BEGIN { printf \"%.2f\", $compact / $text }") x the text ($text bytes)"
start=$(date +%s.%N)
mecab -d /var/lib/mecab/dic/ipadic-utf8 -b 1048576 -o /dev/null "$work/livedoor.txt"
end=$(date +%s.%N)
echo "mecab command over the same text: $(awk "BEGIN { printf \"%.2f\", $end - $start }") s"

echo
echo "== livedoor news: 500 queries, top 10 with snippets"
"$build/bench/bench_query" "$work/livedoor.db" "$shared/eval/livedoor-queries.txt"

echo
echo "== beside Groonga 13 and SQLite FTS5, the same documents and queries"
if command -v groonga >/dev/null 2>&1 && [ -x "$build/bench/compare" ]; then
    mkdir -p "$work/compare"
    "$build/bench/compare" "$work/compare" "$shared/corpus/casebook-sample.txt" \
        "$shared/eval/dev-queries.tsv" "$shared/corpus/livedoor-news.jsonl.gz" \
        "$shared/eval/livedoor-queries.txt"
else
    echo "groonga is not installed: scripts/setup bench installs it"
fi
