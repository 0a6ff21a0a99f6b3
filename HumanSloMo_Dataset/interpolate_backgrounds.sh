#!/usr/bin/env bash
# Usage: interpolate_backgrounds.sh DATASETPATH [RATE] [BACKEND]
# Writes train/DAIN (frame i from i-1 and i+1) and test/DAIN (RATE-1 frames between inputs) with BACKEND
# (dis, the default; rife; or blend). The folder is called DAIN for compatibility with the reference.
set -u
if [ $# -lt 1 ]; then echo "usage: $0 DATASETPATH [RATE] [BACKEND]" >&2; exit 2; fi
HERE="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-python3}" "$HERE/interpolate_backgrounds.py" --dataset "$1" --rate "${2:-2}" --backend "${3:-dis}"
