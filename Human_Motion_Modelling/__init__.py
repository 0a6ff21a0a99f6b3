"""Stage 2: upsample low-fps 2D body motion with a DETR-style transformer."""
