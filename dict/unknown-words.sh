#!/bin/sh
# Lists the katakana and kanji words MeCab (IPADIC, without the user dictionary) does not know
# in the shared corpora, the most frequent first: where entries of security.csv come from.
# usage: dict/unknown-words.sh [CORPUS_DIR] [N]   (default: ../shared/corpus, 60)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/../../shared/corpus}
n=${2:-60}
for f in "$corpus"/*; do
    case "$f" in
    *.gz) zcat "$f" ;;
    *.txt | *.jsonl) cat "$f" ;;
    esac
done |
    mecab -d /var/lib/mecab/dic/ipadic-utf8 -b 16777216 --node-format='' --unk-format='%m\n' \
        --eos-format='' |
    grep -P '^[\x{30A0}-\x{30FF}\x{4E00}-\x{9FFF}]{3,}$' | sort | uniq -c | sort -rn | head -n "$n"
