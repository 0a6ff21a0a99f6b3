"""Stage 1: videos -> frames, 2D poses, interpolated backgrounds and HumanSlomo h5."""
