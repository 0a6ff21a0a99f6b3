"""2D pose estimation of frame folders: built-in MediaPipe backend and converters for AlphaPose / OpenPose outputs.

Every backend ends in the same per-frame OpenPose BODY_25 + hands JSON files (``rib.openpose``), holding every
person of the frame with a track id across the frames of a clip (``rib.tracks``), the clip's main person first.
"""
