#!/usr/bin/env bash
# Usage: gen_h5.sh DATASETPATH OUTPUTPATH
# Packs DATASETPATH/{train,test} into OUTPUTPATH/HumanSlomo.h5.
set -u
if [ $# -ne 2 ]; then echo "usage: $0 DATASETPATH OUTPUTPATH" >&2; exit 2; fi
HERE="$(cd "$(dirname "$0")" && pwd)"
exec "${PYTHON:-python3}" "$HERE/gen_h5.py" -i "$1" -o "$2"
