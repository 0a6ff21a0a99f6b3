"""``rib finetune`` on the example video (2 steps from scratch), then ``rib interpolate --renderer`` with it; on the
example's 25 ground-truth frames from the shipped weights, the frames kept out and the weights chosen on them."""
import pytest
import torch

from Pose_Guided_Neural_Rendering.api import kept_out_frames, read_renderer
from rib.frames import list_clips
from rib.paths import CHECKPOINTS_DIR, EXAMPLE_DIR
from rib.video import video_info
from rib_pipeline.cli import main
from rib_pipeline.finetune import KEPT_OUT_SHARE
from rib_pipeline.weights_choice import FOLDER as WEIGHTS_CHOICE


@pytest.mark.slow
def test_finetune_then_interpolate_with_the_result(tmp_path, capsys):
    (clip,) = list_clips(EXAMPLE_DIR / "input_poses")
    model, work = tmp_path / "model", tmp_path / "work"
    main(["finetune", str(EXAMPLE_DIR / "example.mp4"), "--poses", str(clip), "-o", str(model), "--init", "none",
          "--steps", "2", "--device", "cpu", "--keep-work", str(work)])
    summary = capsys.readouterr().out
    assert (model / "model.pt").is_file() and "fine-tuning" in summary
    assert "keeping the 3 that rib interpolate's self-check judges out would leave 2" in summary
    assert len(list((work / "train_backgrounds" / "example").iterdir())) == 5
    out = tmp_path / "out.mp4"
    command = ["interpolate", str(EXAMPLE_DIR / "example.mp4"), "--poses", str(clip), "-o", str(out), "--rate", "2",
               "--renderer", str(model), "--device", "cpu"]
    main(command)  # two steps from scratch: the self-check judges them against DIS on all 5 inner frames
    assert "the renderer rebuilt 5 held-out input frames" in capsys.readouterr().out
    assert video_info(out).num_frames == 14
    main([*command, "--no-self-check", "--overwrite"])
    assert "6 rendered" in capsys.readouterr().out
    assert video_info(out).num_frames == 14


@pytest.mark.slow
def test_finetune_keeps_frames_out_and_chooses_its_weights_on_them(tmp_path, capsys):
    (clip,) = list_clips(EXAMPLE_DIR / "gt")
    model, work = tmp_path / "model", tmp_path / "work"
    main(["finetune", str(clip), "--input-fps", "60", "--poses", str(EXAMPLE_DIR / "poses" / clip.name), "-o",
          str(model), "--steps", "2", "--device", "cpu", "--keep-work", str(work)])
    summary = capsys.readouterr().out
    kept = kept_out_frames(model)
    assert len(kept) == 23 // KEPT_OUT_SHARE and "kept 7 of 23 training frames out of training" in summary
    for name in ("fine-tuned", "starting"):  # both sets of weights rebuilt the kept-out frames
        rebuilt = sorted(path.name for path in (work / WEIGHTS_CHOICE / clip.name / name).glob("*_rendered.png"))
        assert len(rebuilt) == len(kept)
    line = next(line for line in summary.splitlines() if "weights: " in line)
    starting = all(torch.equal(value, read_renderer(CHECKPOINTS_DIR / "render")[1]["model"][name])
                   for name, value in read_renderer(model)[1]["model"].items())
    assert ("weights: the starting ones" in line) == starting and f"the {len(kept)} input frames kept out" in line
