"""train.py and inference.py with the warp-blend renderer: train, resume, render, fine-tune on a clip's keyframes."""
from __future__ import annotations

import logging
import shutil

import pytest
import torch
import yaml

from HumanSloMo_Dataset import backgrounds
from HumanSloMo_Dataset.backgrounds.layout import interpolate_clip
from Pose_Guided_Neural_Rendering import inference, train
from Pose_Guided_Neural_Rendering.warp_blend.render import load_blender
from rib.frames import list_frames
from rib.poses import read_pose_folder, write_pose_folder


def run(main, argv, capsys) -> tuple[int, str]:
    try:
        main([str(a) for a in argv])
    except SystemExit as done:
        return int(done.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def inference_folder(dense_clip, work) -> None:
    """``work`` laid out as inference.py's input: the clip's keyframes, poses and backgrounds."""
    for kind, source in (("inputs", "inputs"), ("Predict_motion", "poses"), ("DAIN", "DAIN")):
        shutil.copytree(dense_clip / source / "walker", work / kind / "walker")


@pytest.fixture(scope="module")
def config_file(dense_clip, tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "tiny_blend.yaml"
    path.write_text(yaml.safe_dump({"kind": "warp_blend", "model": {"widths": [8, 16], "crop_size": 32},
                                    "data": {"sets": [{"root": str(dense_clip), "rate": 4}]},
                                    "train": {"epochs": 1, "batch_size": 4, "steps_per_epoch": 2}}))
    return path


@pytest.fixture(scope="module")
def trained_run(config_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "blend"
    train.main(["--config", str(config_file), "--out-dir", str(out)])
    return out


def test_train_writes_a_run_folder_and_resumes(trained_run, config_file, capsys):
    written = {path.name for path in trained_run.iterdir()}
    assert {"checkpoint.pt", "model.pt", "config.yaml", "history.csv", "logs"} <= written
    code, err = run(train.main, ["--config", config_file, "--out-dir", trained_run], capsys)
    assert code == 2 and "--overwrite" in err and "Traceback" not in err
    assert run(train.main, ["--config", config_file, "--out-dir", trained_run, "--resume", "--epochs", 2],
               capsys)[0] == 0
    assert (trained_run / "history.csv").read_text().count("\n") == 3  # header and two epochs


@pytest.mark.parametrize("argv, message", [
    (["--set", "train.lrr=3"], "unknown key"),
    (["--workers", 2], "--workers"),
    (["--init", "{run}/config.yaml"], "checkpoint"),
    (["--device", "gpu0"], "device 'gpu0'"),
])
def test_bad_training_arguments_are_one_line(argv, message, config_file, trained_run, tmp_path, capsys):
    argv = [str(a).replace("{run}", str(trained_run)) for a in argv]
    code, err = run(train.main, ["--config", config_file, "--out-dir", tmp_path / "new", *argv], capsys)
    assert code == 2 and message in err and "Traceback" not in err, err


def test_inference_renders_every_frame(trained_run, dense_clip, tmp_path, capsys):
    work = tmp_path / "work"
    inference_folder(dense_clip, work)
    code, err = run(inference.main, ["--input-dir", work, "--checkpoint", trained_run, "--upsample-rate", 4], capsys)
    assert code == 0, err
    frames = list_frames(work / "Generated_frames" / "walker")
    assert len(frames) == 9


@pytest.mark.parametrize("with_person, warned", [(4, True), (5, False)])
def test_inference_warns_once_when_few_pose_frames_show_a_person(trained_run, dense_clip, tmp_path, caplog,
                                                                  with_person, warned):
    work = tmp_path / "work"
    inference_folder(dense_clip, work)
    poses = read_pose_folder(work / "Predict_motion" / "walker")
    poses[with_person:] = 0
    write_pose_folder(work / "Predict_motion" / "walker", poses, overwrite=True)
    with caplog.at_level(logging.WARNING, logger="render.inference"):
        inference.main(["--input-dir", str(work), "--checkpoint", str(trained_run), "--upsample-rate", "4"])
    lines = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    expected = (f"{work / 'Predict_motion' / 'walker'}: a person was detected in only 4 of 9 frames; frames without "
                "a person are rendered as the untouched background interpolation; check the pose step's output")
    assert lines == ([expected] if warned else [])


def test_finetune_on_a_clips_keyframes(trained_run, config_file, dense_clip, tmp_path, capsys):
    """The reference's self-supervised setting: keyframe k from k-1 and k+1 over their interpolated background."""
    clip = tmp_path / "clip"
    shutil.copytree(dense_clip / "gt" / "walker", clip / "inputs" / "walker")
    shutil.copytree(dense_clip / "poses" / "walker", clip / "input_poses" / "walker")
    interpolate_clip("train", clip / "inputs" / "walker", clip / "train_backgrounds" / "walker",
                     backgrounds.build("blend"))
    out = tmp_path / "finetuned"
    code, err = run(train.main, ["--config", config_file, "--init", trained_run, "--data", clip, "--out-dir", out],
                    capsys)
    assert code == 0, err
    assert (out / "model.pt").is_file()
    other = tmp_path / "other"  # a clip fine-tune keeps the initial model whatever the config's model section says
    code, err = run(train.main, ["--config", config_file, "--init", trained_run, "--data", clip, "--out-dir", other,
                                 "--set", "model.widths=[8,8]", "--set", "model.crop_size=64"], capsys)
    assert code == 0, err
    assert load_blender(other, torch.device("cpu"))[1].model == load_blender(trained_run, torch.device("cpu"))[1].model
    code, err = run(train.main, ["--config", config_file, "--init", trained_run, "--out-dir", tmp_path / "third",
                                 "--set", "model.widths=[8,8]"], capsys)
    assert code == 2 and "differ from the config" in err


@pytest.mark.parametrize("main, argv", [
    (inference.main, ["--input-dir", "{tmp}", "--fps", "0"]),
    (inference.main, ["--input-dir", "{tmp}", "--batch-size", "0"]),
    (inference.main, ["--input-dir", "{tmp}", "--upsample-rate", "-2"]),
    (inference.main, ["--input-dir", "{tmp}", "--upsample-rate", "1"]),
    (train.main, ["--batch-size", "0"]),
    (train.main, ["--epochs", "-1"]),
])
def test_bad_numbers_are_usage_errors(main, argv, tmp_path, capsys):
    code, err = run(main, [a.replace("{tmp}", str(tmp_path)) for a in argv], capsys)
    assert code == 2 and "error:" in err and "Traceback" not in err


def test_generator_with_an_empty_model_size_is_refused(tmp_path, capsys):
    import torch

    from Pose_Guided_Neural_Rendering.spade_gan.renderer import load_generator
    from rib.checkpoint import save_checkpoint
    path = tmp_path / "generator.pt"
    save_checkpoint(path, {"hparams": {}, "state_dict": {}, "model_size": [0, 0]})
    with pytest.raises(Exception, match="model_size 0x0"):
        load_generator(path, torch.device("cpu"))


def test_export_checks_every_input_before_writing(trained_run, tmp_path, capsys):
    from Pose_Guided_Neural_Rendering import export

    broken = tmp_path / "quality.json"
    broken.write_text('{"rates": ')
    code, err = run(export.main, ["--run", trained_run, "--out", tmp_path / "out", "--command", "x", "--quality",
                                  broken], capsys)
    assert code == 2 and "quality.json: invalid JSON" in err and not (tmp_path / "out").exists()
    code, err = run(export.main, ["--run", tmp_path / "nothing", "--out", tmp_path / "out", "--command", "x"], capsys)
    assert code == 2 and "not a finished warp-blend run" in err
    assert run(export.main, ["--run", trained_run, "--out", tmp_path / "out", "--command", "x"], capsys)[0] == 0
    shipped = {path.name for path in (tmp_path / "out").iterdir()}
    assert shipped == {"model.pt", "config.yaml", "training_curve.csv", "MANIFEST.json"}


@pytest.mark.parametrize("argv", [
    ["--init", "{run}", "--out-dir", "{run}", "--overwrite"],
    ["--init", "{run}/model.pt", "--out-dir", "{run}", "--overwrite"],
    ["--data", "{run}", "--out-dir", "{run}/finetuned"],
])
def test_out_dir_over_an_input_is_refused_and_the_input_kept(argv, config_file, trained_run, capsys):
    """Issue 12, data loss: --init RUN --out-dir RUN --overwrite deleted the model.pt it was to start from."""
    before = {path: path.read_bytes() for path in trained_run.rglob("*") if path.is_file()}
    code, err = run(train.main, ["--config", config_file, *[a.replace("{run}", str(trained_run)) for a in argv]],
                    capsys)
    assert code == 2 and "the output must not be, contain or lie inside the input" in err and "Traceback" not in err
    assert {path: path.read_bytes() for path in trained_run.rglob("*") if path.is_file()} == before


def test_trainers_write_runs_not_the_shipped_folders():
    """Issue 12: checkpoints/ is written only by the explicit export step, never by a trainer's default."""
    from Human_Motion_Modelling import train as motion_train
    from rib.paths import CHECKPOINTS_DIR, REPO_ROOT

    render_out = train.parse_args([]).out_dir
    motion_out = motion_train.parse_args([]).save_root
    assert render_out == REPO_ROOT / "runs" / "render" / "default" and motion_out == REPO_ROOT / "runs" / "motion"
    for folder in (render_out, motion_out):
        assert CHECKPOINTS_DIR not in folder.resolve().parents


def test_a_still_keyframes_model_warm_starts_from_a_three_candidate_run(trained_run, config_file, dense_clip,
                                                                          tmp_path, capsys):
    stills = tmp_path / "stills.yaml"
    raw = yaml.safe_load(config_file.read_text())
    raw["model"]["still_keyframes"] = True
    stills.write_text(yaml.safe_dump(raw))
    code, err = run(train.main, ["--config", stills, "--init", trained_run, "--out-dir", tmp_path / "stills"], capsys)
    assert code == 0, err
    model, config = load_blender(tmp_path / "stills", torch.device("cpu"))
    assert config.model.still_keyframes and len(model.candidates) == 5
    back = run(train.main, ["--config", config_file, "--init", tmp_path / "stills", "--out-dir", tmp_path / "back"],
               capsys)
    assert back[0] == 2 and "candidates" in back[1] and "Traceback" not in back[1]
    work = tmp_path / "work"
    inference_folder(dense_clip, work)
    code, err = run(inference.main, ["--input-dir", work, "--checkpoint", tmp_path / "stills", "--upsample-rate", 4],
                    capsys)
    assert code == 0, err
    assert len(list_frames(work / "Generated_frames" / "walker")) == 9
