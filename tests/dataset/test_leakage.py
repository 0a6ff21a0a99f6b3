"""The leakage check finds the reference's known leaks (spec 2.1 and 6.1) and works on small lists."""
from __future__ import annotations

from pathlib import Path

from HumanSloMo_Dataset import metadata
from HumanSloMo_Dataset.gen_dataset import main as gen_dataset_main
from HumanSloMo_Dataset.leakage import clean_training, leakage_report, leaks_of_test_clips, train_overlaps
from HumanSloMo_Dataset.metadata import Clip

KNOWN_INBETWEEN_LEAKS = {"test_002", "test_007", "test_009", "test_010", "test_011", "test_013", "test_014",
                         "test_018"}
PARTIAL = {"test_019", "test_020"}


def test_known_leaks_of_the_reference(upstream_data: Path):
    lists = [metadata.read_clip_list(upstream_data / f"{name}.json")
             for name in ("train_list", "test_list", "test_input")]
    leaks = {leak.clip: leak for leak in leaks_of_test_clips(*lists)}
    leaking = {name for name, leak in leaks.items() if leak.inbetweens_in_train}
    assert leaking == KNOWN_INBETWEEN_LEAKS | PARTIAL
    for name in KNOWN_INBETWEEN_LEAKS:
        assert leaks[name].inbetweens_in_train == leaks[name].inbetweens and leaks[name].inputs_in_train == 0
    for name in PARTIAL:
        assert 0 < leaks[name].inbetweens_in_train < leaks[name].inbetweens
    overlaps = {(o.first, o.second): o for o in train_overlaps(lists[0])}
    assert overlaps[("08_Kungfu_421", "08_Kungfu_426")].identical
    assert overlaps[("07_Kungfu_414", "07_Kungfu_415")].shared == 2
    assert len(overlaps) == 2


def frames(*indices: int) -> tuple[str, ...]:
    return tuple(f"frame{i:05d}.png" for i in indices)


def test_small_lists():
    train = {"a": Clip("a", "v", frames(0, 2, 4, 6)), "b": Clip("b", "v", frames(6, 8)),
             "c": Clip("c", "w", frames(1, 3))}
    gt = {"t1": Clip("t1", "v", frames(1, 2, 3)), "t2": Clip("t2", "w", frames(2, 3, 4))}
    inputs = {"t1": Clip("t1", "v", frames(1, 3)), "t2": Clip("t2", "w", frames(2, 4))}
    leaks = {leak.clip: leak for leak in leaks_of_test_clips(train, gt, inputs)}
    assert (leaks["t1"].inbetweens_in_train, leaks["t1"].inputs_in_train, leaks["t1"].train_clips) == (1, 0, ("a",))
    assert (leaks["t2"].inbetweens_in_train, leaks["t2"].inputs_in_train, leaks["t2"].train_clips) == (1, 0, ("c",))
    assert [(o.first, o.second, o.shared, o.identical) for o in train_overlaps(train)] == [("a", "b", 1, False)]
    report = leakage_report(train, gt, inputs)
    assert "| t1 | v | 3 | 0/2 | 1/1 | a |" in report and "2 of 2 test clips" in report


def test_clean_training_cuts_around_test_inbetweens():
    train = {"a": Clip("a", "v", frames(*range(0, 20, 2))), "a_copy": Clip("a_copy", "v", frames(*range(0, 20, 2))),
             "b": Clip("b", "w", frames(0, 2, 4))}
    gt = {"t1": Clip("t1", "v", frames(*range(7, 12)))}
    inputs = {"t1": Clip("t1", "v", frames(7, 9, 11))}
    clean, notes = clean_training(train, gt, inputs)
    assert {name: c.indices for name, c in clean.items()} == {"a_a": (0, 2, 4, 6), "a_b": (12, 14, 16, 18),
                                                             "b": (0, 2, 4)}
    assert notes == ["a: 2 test in-between frame(s) removed, kept a_a, a_b",
                     "a_copy: identical to a, dropped"]


def test_check_leakage_cli(upstream_data: Path, tmp_path: Path, capsys):
    report, clean_path = tmp_path / "leaks.md", tmp_path / "clean_train.json"
    gen_dataset_main(["--check-leakage", "--train-json", str(upstream_data / "train_list.json"),
                      "--test-json", str(upstream_data / "test_list.json"),
                      "--test-input-json", str(upstream_data / "test_input.json"), "--report", str(report),
                      "--write-clean-train", str(clean_path)])
    printed = capsys.readouterr().out
    assert "10 of 28 test clips have in-between GT frames in training" in printed
    assert "08_Kungfu_426: identical to 08_Kungfu_421, dropped" in printed
    assert report.read_text() == printed.rstrip("\n") + "\n"
    clean = metadata.read_clip_list(clean_path)
    test_gt = metadata.read_clip_list(upstream_data / "test_list.json")
    test_inputs = metadata.read_clip_list(upstream_data / "test_input.json")
    leaks = leaks_of_test_clips(clean, test_gt, test_inputs)
    assert not any(leak.inbetweens_in_train for leak in leaks)
    train = metadata.read_clip_list(upstream_data / "train_list.json")
    before = leaks_of_test_clips(train, test_gt, test_inputs)
    # Test inputs stay in training, by design: the renderer learns the target videos' low-fps frames.
    assert [leak.inputs_in_train for leak in leaks] == [leak.inputs_in_train for leak in before]
    assert "08_Kungfu_426" not in clean and "04_Basketball_213" in clean
