"""2D pose estimation of frame folders: built-in MediaPipe backend and converters for AlphaPose / OpenPose outputs.

Every backend ends in the same per-frame OpenPose BODY_25 + hands JSON files (``rib.openpose``), holding the one
subject chosen by ``rib.person.select_person`` with tracking across the frames of a clip.
"""
