#!/usr/bin/env bash
# The README's demo (`make demo`): the whole pipeline, offline, on a folder in the reference's quick-start layout
# (inputs/<clip>/ frames + input_poses/<clip>/ OpenPose JSON; gt/ and poses/ if ground truth is there to score).
#   usage: example/demo.sh [FOLDER (default: example)] [RATE (default: 4)]
# Writes into FOLDER: Predict_motion/, Linear_motion/, backgrounds/, Generated_frames/ (+ <clip>.mp4) and, with
# ground truth, evaluation/ (metrics.csv, summary.md, side-by-side videos/).
# Every argument is checked before the first stage writes anything; FOLDER may be relative to where you run this.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$ROOT/example}
RATE=${2:-4}
PY=${PY:-python}

fail() { echo "error: $*" >&2; exit 2; }
[[ $RATE =~ ^[0-9]+$ ]] && ((10#$RATE >= 2)) \
    || fail "RATE '$RATE': the upsampling rate must be an integer of at least 2"
[ -d "$DIR" ] || fail "$DIR: folder not found"
DIR=$(cd "$DIR" && pwd)
for part in inputs input_poses; do
    [ -d "$DIR/$part" ] || fail "$DIR/$part: folder not found" \
        "(expected inputs/<clip>/ frames and input_poses/<clip>/ OpenPose JSON)"
done
cd "$ROOT"

echo "== 1/4 motion: upsample the poses x$RATE with the shipped motion model"
$PY Human_Motion_Modelling/inference.py --pose-dir "$DIR/input_poses" --save-dir "$DIR" --upsample-rate "$RATE" \
    --overwrite
echo "== 2/4 backgrounds: interpolate the input frames x$RATE (DIS optical flow)"
$PY HumanSloMo_Dataset/interpolate_backgrounds.py --input "$DIR/inputs" --output "$DIR/backgrounds" --rate "$RATE" \
    --overwrite
echo "== 3/4 rendering: the person for every new pose, blended over the backgrounds"
$PY Pose_Guided_Neural_Rendering/inference.py --input-dir "$DIR" --backgrounds-dir backgrounds --video --overwrite
if [ -d "$DIR/gt" ]; then
    echo "== 4/4 evaluation against the ground truth (ours vs the background interpolation alone)"
    $PY Pose_Guided_Neural_Rendering/evaluate.py --data-dir "$DIR" --backgrounds-dir backgrounds --videos --overwrite
fi
echo "== done: $DIR/Generated_frames/ (frames and mp4)"
