#!/usr/bin/env bash
# Rebuild the README's page pictures (page 1 of a few leaflets, 50 dpi) from the current content.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
leaflets=.venv/bin/leaflets
$leaflets build -o "$out" -l en -l es -l ar -l zh-Hans -l hi -l ko breast >/dev/null
$leaflets build -o "$out" -l en --large-print breast >/dev/null
$leaflets build -o "$out" -l en --paper letter prostate >/dev/null
$leaflets build -o "$out" -l en --brand docs/examples/riverside/riverside.toml breast >/dev/null
page1() { pdftoppm -png -r 50 -f 1 -l 1 -singlefile "$1" "docs/$2"; }
for lang in en es ar zh-Hans hi ko; do page1 "$out/$lang/breast.pdf" "breast-$lang-page1"; done
page1 "$out/en/breast-large.pdf" breast-en-large-page1
page1 "$out/en/prostate-letter.pdf" prostate-en-letter-page1
page1 "$(ls "$out"/riverside/en/breast*.pdf | head -1)" breast-en-riverside-page1
# The front desk page, as the browser tests' own headless Chromium shows it (make testdeps
# installs Chromium); the test keeps the picture when LEAFLETS_SCREENSHOT names a file.
LEAFLETS_SCREENSHOT=docs/front-desk.png .venv/bin/pytest -q -p no:cacheprovider \
  tests/test_web_browser.py -k screenshot >/dev/null
