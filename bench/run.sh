#!/bin/sh
# Builds jikenbo (Release) and measures it on the shared corpora, beside Groonga 13 and SQLite
# FTS5 doing the same work in the same run (scripts/setup bench installs them):
#   - relevance on ../shared/eval/dev-queries.tsv over the casebook sample, query by query and
#     beside the other engines;
#   - on livedoor news: jikenbo's build with 1 and 2 analysis threads beside the mecab command
#     over the same text (the baseline for analysis speed), three rounds, and bytes per table;
#   - on livedoor news and, with --full, on archives 4 and 16 times its size made here by
#     resampling its sentences (never kept): build time, bytes on disk, and the 500 livedoor
#     queries (top 10 with a highlighted snippet per hit, one process, asked three times and
#     each query's median time taken), for every engine; their build times are set against
#     livedoor's and against that of a 1x archive resampled the same way (three rounds), the
#     text of their own kind, and so is the mecab command over their text; that archive is
#     asked the queries too.
# usage: bench/run.sh [--full] [WORKDIR]   (default WORKDIR: a temporary directory, removed)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$top/../shared" && pwd)
scales=1
if [ "${1:-}" = "--full" ]; then
    scales="1 4 16"
    shift
fi
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
corpus="$shared/corpus/livedoor-news.jsonl.gz"
queries="$shared/eval/livedoor-queries.txt"
echo "build: $(cc --version | head -n 1), Release; $(nproc) cores"
peers=no
command -v groonga >/dev/null 2>&1 && [ -x "$build/bench/compare" ] && peers=yes

echo
echo "== relevance: dev-queries.tsv on casebook-sample.txt (--no-group)"
rm -rf "$work/sample.db"
"$jikenbo" -d "$work/sample.db" index "$shared/corpus/casebook-sample.txt" >/dev/null
"$build/bench/eval_relevance" "$work/sample.db" "$shared/eval/dev-queries.tsv"
if [ $peers = yes ]; then
    echo
    rm -rf "$work/relevance" && mkdir -p "$work/relevance"
    "$build/bench/compare" relevance "$work/relevance" "$shared/corpus/casebook-sample.txt" \
        "$shared/eval/dev-queries.tsv"
fi

echo
echo "== livedoor news: jikenbo's build, beside the mecab command over the same text"
"$build/bench/dump_text" "$corpus" >"$work/livedoor.txt"
text=$(stat -c %s "$work/livedoor.txt")
# Seconds that "$@" takes (its output dropped), and the smaller of two times (0: none yet).
seconds() {
    start=$(date +%s.%N)
    "$@" >/dev/null
    awk "BEGIN { print $(date +%s.%N) - $start }"
}
least() {
    awk "BEGIN { print $1 == 0 || $2 < $1 ? $2 : $1 }"
}
middle() {
    printf '%s\n' "$@" | sort -n | sed -n 2p
}
ratio() {
    awk "BEGIN { printf \"%.1f\", $1 / $2 }"
}
# A shared machine's speed drifts from minute to minute: three rounds, each running the three
# one after another, and the ratios of the best times.
mecab_over() {
    seconds mecab -d /var/lib/mecab/dic/ipadic-utf8 -b 1048576 -o /dev/null "$1"
}
best_m=0 best_1=0 best_2=0 all_2= all_m=
for round in 1 2 3; do
    m=$(mecab_over "$work/livedoor.txt")
    best_m=$(least "$best_m" "$m")
    all_m="$all_m $m"
    rm -rf "$work/livedoor.db"
    s1=$(seconds /usr/bin/time -f "1 thread: peak memory %M KB" \
        "$jikenbo" -d "$work/livedoor.db" index --threads 1 "$corpus")
    best_1=$(least "$best_1" "$s1")
    rm -rf "$work/livedoor.db"
    s2=$(seconds /usr/bin/time -f "2 threads: peak memory %M KB" \
        "$jikenbo" -d "$work/livedoor.db" index --threads 2 "$corpus")
    best_2=$(least "$best_2" "$s2")
    all_2="$all_2 $s2"
    echo "round $round: mecab command $m s, 1 thread $s1 s, 2 threads $s2 s"
done
echo "best of three: mecab command ($text bytes of text) $best_m s;" \
    "1 thread $best_1 s, $(awk "BEGIN { printf \"%.2f\", $best_1 / $best_m }") x;" \
    "2 threads $best_2 s, $(awk "BEGIN { printf \"%.2f\", $best_2 / $best_m }") x"
# A larger archive is built once: it is set against the middle of the three 1x builds, and the
# mecab command over its text against the middle of its three 1x times.
mid_2=$(middle $all_2)
mid_m=$(middle $all_m)
"$jikenbo" -d "$work/livedoor.db" stats
rm -rf "$work/livedoor-compact" && mkdir -p "$work/livedoor-compact"
mdb_copy -c "$work/livedoor.db" "$work/livedoor-compact"
compact=$(stat -c %s "$work/livedoor-compact/data.mdb")
echo "compacted: $compact bytes, $(awk "BEGIN { printf \"%.2f\", $compact / $text }") x the text"
echo
"$build/bench/bench_query" "$work/livedoor.db" "$queries"

if [ "$scales" != 1 ]; then
    # Resampled documents lack the repetition of a real article (its names and words said
    # again): MeCab takes a tenth longer per byte over them. Their own 1x, the first
    # documents of every larger archive, tells scaling from the kind of text.
    echo
    echo "== a 1x archive of resampled sentences: its build beside the mecab command, its queries"
    "$build/bench/resample" "$corpus" 1 42 >"$work/resampled-1.jsonl"
    "$build/bench/dump_text" "$work/resampled-1.jsonl" >"$work/resampled-1.txt"
    all_r= all_rm=
    for round in 1 2 3; do
        m=$(mecab_over "$work/resampled-1.txt")
        all_rm="$all_rm $m"
        rm -rf "$work/resampled-1.db"
        s2=$(seconds "$jikenbo" -d "$work/resampled-1.db" index --threads 2 \
            "$work/resampled-1.jsonl")
        all_r="$all_r $s2"
        echo "round $round: mecab command $m s, 2 threads $s2 s"
    done
    mid_r=$(middle $all_r)
    mid_rm=$(middle $all_rm)
    "$build/bench/bench_query" "$work/resampled-1.db" "$queries" --passes 3
    rm -rf "$work/resampled-1.jsonl" "$work/resampled-1.txt" "$work/resampled-1.db"
fi
for scale in $scales; do
    echo
    echo "== ${scale}x livedoor news: every engine, the same documents and queries"
    if [ "$scale" = 1 ]; then
        input=$corpus
    else
        input="$work/resampled-$scale.jsonl"
        "$build/bench/resample" "$corpus" "$scale" 42 >"$input"
        echo "$(wc -l <"$input") documents, $(stat -c %s "$input") bytes of JSON Lines"
        rm -rf "$work/scaled.db"
        s=$(seconds /usr/bin/time -f "jikenbo, 2 threads: peak memory %M KB" \
            "$jikenbo" -d "$work/scaled.db" index --threads 2 "$input")
        echo "jikenbo, 2 threads: $s s, $(ratio "$s" "$mid_2") x the middle 1x build," \
            "$(ratio "$s" "$mid_r") x the middle 1x resampled build"
        "$build/bench/dump_text" "$input" >"$work/scaled.txt"
        m=$(mecab_over "$work/scaled.txt")
        echo "mecab command over its text ($(stat -c %s "$work/scaled.txt") bytes): $m s," \
            "$(ratio "$m" "$mid_m") x its middle 1x time, $(ratio "$m" "$mid_rm") x over the" \
            "1x resampled text"
        rm -f "$work/scaled.txt"
        "$build/bench/bench_query" "$work/scaled.db" "$queries"
        rm -rf "$work/scaled.db"
    fi
    if [ $peers = yes ]; then
        rm -rf "$work/speed" && mkdir -p "$work/speed"
        "$build/bench/compare" speed "$work/speed" "$input" "$queries"
        rm -rf "$work/speed"
    fi
    [ "$scale" = 1 ] || rm -f "$input"
done
[ $peers = yes ] || echo "(groonga is not installed: scripts/setup bench installs it)"
