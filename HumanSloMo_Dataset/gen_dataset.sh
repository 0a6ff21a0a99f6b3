#!/usr/bin/env bash
# Usage: gen_dataset.sh VIDEOPATH DATASETPATH
# Cuts test/inputs, test/gt and train/frames from the videos and writes DATASETPATH/leakage.md and a training
# list without test in-between frames, DATASETPATH/train_list_clean.json (not used unless you cut it). The metadata
# lists are read from $METADATA (default: metadata/ beside this script), fetched from the reference if missing.
# A clip that fails is reported and the others are still cut; the exit code is non-zero if anything failed.
set -u
if [ $# -ne 2 ]; then echo "usage: $0 VIDEOPATH DATASETPATH" >&2; exit 2; fi
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-python3}"
META="${METADATA:-$HERE/metadata}"
VIDEOS="$1"
DATASET="$2"
status=0
cut_list() {
    "$PYTHON" "$HERE/gen_dataset.py" -i "$VIDEOS" -j "$META/$1" -o "$DATASET/$2" --fetch-metadata --skip-existing \
        || status=1
}
cut_list test_input.json test/inputs
cut_list test_list.json test/gt
cut_list train_list.json train/frames
"$PYTHON" "$HERE/gen_dataset.py" --check-leakage --train-json "$META/train_list.json" \
    --test-json "$META/test_list.json" --test-input-json "$META/test_input.json" --report "$DATASET/leakage.md" \
    --write-clean-train "$DATASET/train_list_clean.json" || status=1
exit $status
