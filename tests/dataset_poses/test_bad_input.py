"""Bad input: one clear line naming the file, the rest of the work still done, a non-zero exit at the end."""
from __future__ import annotations

import sys
import types

import pytest

from HumanSloMo_Dataset.estimate_poses import main
from HumanSloMo_Dataset.poses import estimate as estimate_module
from HumanSloMo_Dataset.poses.estimate import estimate_poses
from HumanSloMo_Dataset.poses.mediapipe_backend import import_mediapipe
from rib.errors import RIBError
from rib.frames import list_poses
from rib.openpose import read_people, write_people
from rib.poses import INCOMPLETE_MARKER, read_pose_folder


def _run(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def _openpose_clip(kit, frame_folder, tmp_path, clip: str = "clip", count: int = 3):
    frames = frame_folder(clip, count)
    for index in range(count):
        kit.write_json(tmp_path / "op" / clip / f"frame{index:05d}_keypoints.json",
                       {"people": [{"pose_keypoints_2d": kit.keypoints(kit.BODY25)}]})
    return frames


def test_missing_input_and_missing_converter_source(tmp_path, capsys) -> None:
    err = _run(["-i", str(tmp_path / "nope"), "-o", str(tmp_path / "out")], capsys)
    assert "nope: folder not found" in err and "Traceback" not in err
    err = _run(["-i", str(tmp_path), "-o", str(tmp_path / "out"), "--backend", "openpose"], capsys)
    assert "--poses-from" in err


def test_output_inside_input_is_refused(kit, frame_folder, tmp_path, capsys) -> None:
    frames = _openpose_clip(kit, frame_folder, tmp_path)
    err = _run(["-i", str(frames), "-o", str(frames / "poses"), "-b", "openpose", "--poses-from",
                str(tmp_path / "op" / "clip")], capsys)
    assert f"must not be, contain or lie inside the input {frames}" in err
    err = _run(["-i", str(frames), "-o", str(tmp_path / "op" / "clip"), "-b", "openpose", "--poses-from",
                str(tmp_path / "op" / "clip")], capsys)
    assert f"must not be, contain or lie inside the input {tmp_path / 'op' / 'clip'}" in err


def test_existing_outputs_need_overwrite_and_other_files_are_kept(kit, frame_folder, tmp_path, capsys) -> None:
    frames = _openpose_clip(kit, frame_folder, tmp_path)
    argv = ["-i", str(frames), "-o", str(tmp_path / "poses"), "-b", "openpose", "--poses-from",
            str(tmp_path / "op" / "clip")]
    main(argv)
    (tmp_path / "poses" / "notes.txt").write_text("mine")
    assert "--overwrite" in _run(argv, capsys)
    main(argv + ["--overwrite"])
    assert len(list_poses(tmp_path / "poses")) == 3 and (tmp_path / "poses" / "notes.txt").read_text() == "mine"


def test_corrupt_pose_file_is_skipped_and_reported(kit, frame_folder, tmp_path, capsys) -> None:
    frames = _openpose_clip(kit, frame_folder, tmp_path).parent
    bad = tmp_path / "op" / "clip" / "frame00001_keypoints.json"
    bad.write_text("{not json")
    err = _run(["-i", str(frames), "-o", str(tmp_path / "poses"), "-b", "openpose", "--poses-from",
                str(tmp_path / "op")], capsys)
    assert f"{bad}: invalid JSON" in err and "1 problem(s)" in err
    assert [p.name for p in list_poses(tmp_path / "poses" / "clip")] == [
        "frame00000_keypoints.json", "frame00002_keypoints.json"]


def test_bad_clips_are_reported_and_the_others_done(kit, frame_folder, tmp_path) -> None:
    frames = _openpose_clip(kit, frame_folder, tmp_path, "good").parent
    (frames / "empty").mkdir()
    frame_folder("unmatched", 2)
    kit.write_json(tmp_path / "op" / "unmatched" / "other_keypoints.json", {"people": []})
    frame_folder("no_source", 1)
    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")
    assert len(list_poses(tmp_path / "poses" / "good")) == 3
    problems = "\n".join(summary.failures)
    assert "empty: no .png/.jpg/.jpeg/.bmp files found" in problems
    assert "1 keypoint files for 2 frames" in problems
    assert "no_source: poses to convert not found" in problems


def test_alphapose_problems_name_the_file(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 2)
    cases = {
        "count.json": ([{"image_id": "frame00000.png", "keypoints": [1.0, 2.0, 0.5] * 20}], "has 20 keypoints"),
        "names.json": ([{"image_id": "other.png", "keypoints": kit.keypoints(kit.LAYOUT_NAMES[17])}],
                       "no entry matches the frame names"),
        "shape.json": ({"a": 1}, "not an AlphaPose results file"),
    }
    for name, (data, message) in cases.items():
        path = kit.write_json(tmp_path / name, data)
        summary = estimate_poses(frames, tmp_path / f"poses_{name}", "alphapose", path)
        assert len(summary.failures) == 1 and str(path) in summary.failures[0] and message in summary.failures[0]


def test_frames_with_no_person_get_valid_empty_files(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 2)
    kit.write_json(tmp_path / "a.json", [])
    summary = estimate_poses(frames, tmp_path / "poses", "alphapose", tmp_path / "a.json")
    assert (summary.written, summary.empty, summary.failures) == (2, 2, [])
    assert all(read_people(path) == [] for path in list_poses(tmp_path / "poses"))


def test_missing_mediapipe_gives_the_install_recipe(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "mediapipe", None)
    with pytest.raises(RIBError, match=r"mediapipe is not installed.*pip install --no-deps mediapipe==0.10.21"):
        import_mediapipe()


def test_mediapipe_without_legacy_api_or_with_protobuf_7_is_refused(monkeypatch) -> None:
    import google.protobuf

    monkeypatch.setitem(sys.modules, "mediapipe", types.SimpleNamespace(__version__="0.10.30"))
    with pytest.raises(RIBError, match="0.10.30 has no legacy solutions API"):
        import_mediapipe()
    monkeypatch.setitem(sys.modules, "mediapipe", types.SimpleNamespace(__version__="0.10.21", solutions=None))
    monkeypatch.setattr(google.protobuf, "__version__", "7.36.2")
    with pytest.raises(RIBError, match="does not work with protobuf 7.36.2"):
        import_mediapipe()


def test_frames_sharing_a_stem_are_refused(kit, frame_folder, tmp_path) -> None:
    frames = frame_folder("clip", 1)
    frame_folder("clip", 1, name="frame{:05d}.jpg")
    kit.write_json(tmp_path / "a.json", [])
    summary = estimate_poses(frames, tmp_path / "poses", "alphapose", tmp_path / "a.json")
    assert summary.written == 0 and "would share a pose file" in summary.failures[0]


def test_openpose_names_matching_only_some_frames_are_refused(kit, frame_folder, tmp_path, capsys) -> None:
    """Frame 4 has no file of its own: it must not get frame 8's pose by file order."""
    frames = _openpose_clip(kit, frame_folder, tmp_path, count=5)
    source = tmp_path / "op" / "clip"
    (source / "frame00004_keypoints.json").rename(source / "frame00008_keypoints.json")
    err = _run(["-i", str(frames), "-o", str(tmp_path / "poses"), "-b", "openpose", "--poses-from", str(source)],
               capsys)
    assert ("only 4 of 5 frames have a <frame name>_keypoints.json file; no file for frame00004.png; files of no "
            "frame: frame00008_keypoints.json") in err
    assert not list((tmp_path / "poses").glob("frame00004*"))


def test_interrupted_estimation_leaves_the_clip_marked_incomplete(kit, frame_folder, tmp_path, monkeypatch) -> None:
    """Ctrl-C after some frames: the files written so far stay, but the folder is refused downstream."""
    frames = _openpose_clip(kit, frame_folder, tmp_path, count=3).parent
    written = []

    def write_then_interrupt(path, people):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(path)
        write_people(path, people)

    monkeypatch.setattr(estimate_module, "write_people", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")
    assert len(list_poses(tmp_path / "poses" / "clip")) == 2
    with pytest.raises(RIBError, match="clip: incomplete pose folder"):
        read_pose_folder(tmp_path / "poses" / "clip")
    monkeypatch.undo()
    estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op", overwrite=True)
    assert not (tmp_path / "poses" / "clip" / INCOMPLETE_MARKER).exists()
    assert len(read_pose_folder(tmp_path / "poses" / "clip")) == 3


def test_a_clip_with_a_failed_frame_stays_marked_incomplete(kit, frame_folder, tmp_path) -> None:
    frames = _openpose_clip(kit, frame_folder, tmp_path).parent
    (tmp_path / "op" / "clip" / "frame00001_keypoints.json").write_text("{not json")
    summary = estimate_poses(frames, tmp_path / "poses", "openpose", tmp_path / "op")
    assert len(summary.failures) == 1
    assert (tmp_path / "poses" / "clip" / INCOMPLETE_MARKER).exists()
