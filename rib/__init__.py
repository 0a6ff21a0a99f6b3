"""Shared on-disk contracts of Render In-Between: poses, joints, frames, video, configs, checkpoints."""

__version__ = "0.1.0"
