#!/usr/bin/env bash
# The README's demo (`make demo`): the whole pipeline, offline, on a folder in the reference's quick-start layout
# (inputs/<clip>/ frames + input_poses/<clip>/ OpenPose JSON; gt/ and poses/ if ground truth is there to score).
#   usage: example/demo.sh [FOLDER (default: example)] [RATE (default: 4)]
# Writes into FOLDER: Predict_motion/, Linear_motion/, backgrounds/, Generated_frames/ (+ <clip>.mp4) and, with
# ground truth, evaluation/ (metrics.csv, summary.md, side-by-side videos/).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-example}
RATE=${2:-4}
PY=${PY:-python}

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
