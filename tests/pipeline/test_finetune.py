"""``rib finetune`` on the example video (2 steps from scratch), then ``rib interpolate --renderer`` with it."""
import pytest

from rib.frames import list_clips
from rib.paths import EXAMPLE_DIR
from rib_pipeline.cli import main
from rib.video import video_info


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
    main(["interpolate", str(EXAMPLE_DIR / "example.mp4"), "--poses", str(clip), "-o", str(out), "--rate", "2",
          "--renderer", str(model), "--device", "cpu"])
    summary = capsys.readouterr().out
    assert "self-check passed" in summary and "6 rendered" in summary
    assert video_info(out).num_frames == 14
