"""The warp-blend renderer (the one shipped in checkpoints/render): both keyframes warped to the new pose limb by
limb and blended with the interpolated background by a small U-Net's per-pixel weights."""
