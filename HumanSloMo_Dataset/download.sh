#!/usr/bin/env bash
# Usage: download.sh VIDEOPATH [CSV_FILE]
# Downloads the HumanSlomo videos (yt-dlp) and, when gdown is installed, the two Everybody Dance Now folders.
# CSV_FILE defaults to metadata/video.csv beside this script, fetched from the reference repository if missing.
set -u
if [ $# -lt 1 ]; then echo "usage: $0 VIDEOPATH [CSV_FILE]" >&2; exit 2; fi
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-python3}"
EDN=instructions
"$PYTHON" -c "import gdown" 2>/dev/null && EDN=gdown
exec "$PYTHON" "$HERE/download.py" -o "$1" -c "${2:-$HERE/metadata/video.csv}" --fetch-metadata --edn "$EDN"
