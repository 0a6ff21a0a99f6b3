"""rib.engine: exact resume, the NaN/inf guard, the run folder rules, --set, checkpoints of older trainers."""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import pytest
import torch

from rib import engine
from rib.checkpoint import load_checkpoint, save_checkpoint
from rib.config import add_set_argument, configure
from rib.errors import RIBError
from rib.schema import from_section

CONFIG = {"train": {"lr": 0.1, "epochs": 3}}


def tiny_run() -> engine.Run:
    """A linear model with dropout (it draws from the RNG), Adam, a step schedule and a (disabled) grad scaler."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    return engine.Run("toy", CONFIG, {"model": model}, {"optimizer": optimizer}, {"scheduler": scheduler},
                      {"scaler": scaler}, extra={"mean": torch.ones(2)})


def train_epoch(run: engine.Run, poison_at: int | None = None):
    """An epoch function: three batches drawn from the global RNG, so resume must restore it too."""

    def step(batch: torch.Tensor) -> dict[str, float]:
        loss = run.models["model"](batch).pow(2).mean()
        if run.step == poison_at:
            loss = loss * float("nan")
        run.update(loss, scaler="scaler", clip_grad_norm=1.0)
        return {"loss": float(loss.detach())}

    return lambda: engine.train_one_epoch(run, [torch.randn(5, 4) for _ in range(3)], step)


def same(a, b) -> bool:
    """Whether two checkpoint values are equal, tensors bit for bit."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def fit(run: engine.Run, folder, epochs: int, poison_at: int | None = None) -> None:
    engine.fit(run, folder, epochs, train_epoch(run, poison_at),
               export=lambda: {"model.pt": {"model": run.models["model"].state_dict()}}, keep_every=2)


def test_resume_is_exact(tmp_path):
    torch.manual_seed(0)
    straight = tiny_run()
    fit(straight, tmp_path / "straight", 3)
    torch.manual_seed(0)
    first = tiny_run()
    fit(first, tmp_path / "split", 1)
    torch.manual_seed(123)  # whatever happens between the runs
    resumed = tiny_run()
    checkpoint = engine.prepare_run_folder(tmp_path / "split", resume=True)
    resumed.load_state_dict(engine.read_checkpoint(checkpoint, "toy"), str(checkpoint))
    assert (resumed.epoch, resumed.step) == (1, 3)
    fit(resumed, tmp_path / "split", 3)
    a, b = (load_checkpoint(tmp_path / name / engine.CHECKPOINT) for name in ("straight", "split"))
    for group in ("models", "optimizers", "schedulers", "scalers"):
        assert same(a[group], b[group]), group
    assert (a["epoch"], a["step"]) == (b["epoch"], b["step"]) == (3, 9)
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in a["history"]]
    assert strip == [{k: v for k, v in row.items() if k != "seconds"} for row in b["history"]]
    assert torch.equal(b["extra"]["mean"], torch.ones(2)) and b["config"] == CONFIG
    written = {path.name for path in (tmp_path / "split").iterdir()}
    assert written == {"checkpoint.pt", "model.pt", "checkpoint_epoch002.pt", "model_epoch002.pt", "history.csv"}
    assert (tmp_path / "split" / "history.csv").read_text().splitlines()[0] == "epoch,step,seconds,loss"


def test_non_finite_loss_stops_before_the_update_and_saves_nothing(tmp_path):
    run = tiny_run()
    fit(run, tmp_path, 1)
    saved = (tmp_path / "checkpoint.pt").read_bytes()
    before = {key: value.clone() for key, value in run.models["model"].state_dict().items()}
    with pytest.raises(RIBError, match=r"epoch 1 step 4: loss is nan; stopped before the update"):
        fit(run, tmp_path, 2, poison_at=4)
    assert run.step == 4, "the step before the bad one was taken"
    assert (tmp_path / "checkpoint.pt").read_bytes() == saved
    changed = [k for k, v in run.models["model"].state_dict().items() if not torch.equal(before[k], v)]
    assert changed, "the good step of this epoch updated the model"
    weights = {key: value.clone() for key, value in run.models["model"].state_dict().items()}
    with pytest.raises(RIBError, match="loss is inf"):
        run.update(torch.tensor(float("inf"), requires_grad=True))
    assert all(torch.equal(weights[k], v) for k, v in run.models["model"].state_dict().items())


@dataclass
class Train:
    lr: float = 0.1
    epochs: int = 1


def parse(config: dict, source: str) -> Train:
    return from_section(Train, config.get("train"), f"{source}: train")


def test_set_overrides_are_checked_by_the_strict_schema():
    parser = argparse.ArgumentParser()
    add_set_argument(parser)
    args = parser.parse_args(["--set", "train.lr=0.5", "train.epochs=4", "--set", "train.lr=0.25"])
    assert args.overrides == ["train.lr=0.5", "train.epochs=4", "train.lr=0.25"]
    assert configure({"train": {}}, args.overrides, parse, "x.yaml") == Train(lr=0.25, epochs=4)
    with pytest.raises(RIBError, match=r"x.yaml with --set train.lrr=3: train: unknown key\(s\) lrr"):
        configure({"train": {}}, ["train.lrr=3"], parse, "x.yaml")
    with pytest.raises(RIBError, match="expected key=value"):
        configure({"train": {}}, ["train.lr"], parse, "x.yaml")


def test_run_folder_rules(tmp_path):
    folder = tmp_path / "run"
    assert engine.prepare_run_folder(folder, resume=False, outputs=("model.pt",)) is None
    for name in ("checkpoint.pt", "model_epoch004.pt", "notes.txt", ".checkpoint.abcd1234.tmp.pt"):
        (folder / name).write_bytes(b"x")
    with pytest.raises(RIBError, match="pass --resume to continue it or --overwrite"):
        engine.prepare_run_folder(folder, resume=False, outputs=("model.pt",))
    assert engine.prepare_run_folder(folder, resume=True) == folder / "checkpoint.pt"
    assert not (folder / ".checkpoint.abcd1234.tmp.pt").exists(), "a killed save's temporary is removed"
    engine.prepare_run_folder(folder, resume=False, overwrite=True, outputs=("model.pt",))
    assert {path.name for path in folder.iterdir()} == {"notes.txt"}, "only the run's own files are removed"
    with pytest.raises(RIBError, match="nothing to resume from"):
        engine.prepare_run_folder(folder, resume=True)
    with pytest.raises(RIBError, match="not a folder"):
        engine.prepare_run_folder(folder / "notes.txt", resume=False)


LEGACY = engine.LegacyLayout(models=("model",), optimizers=("optimizer",), schedulers=("scheduler",),
                             scalers=("scaler",), extra=("mean",), epoch_offset=1)


def test_checkpoint_of_an_older_trainer_is_upgraded(tmp_path):
    run = tiny_run()
    fit(run, tmp_path / "new", 1)
    new = load_checkpoint(tmp_path / "new" / engine.CHECKPOINT)
    old = {"config": new["config"], "epoch": 0, "step": 3, "rng": new["rng"], "mean": new["extra"]["mean"],
           **{name: part for group in engine.GROUPS for name, part in new[group].items()}}
    save_checkpoint(tmp_path / "last.pth", old)
    upgraded = engine.read_checkpoint(tmp_path / "last.pth", "toy", LEGACY)
    assert upgraded["epoch"] == 1 and upgraded["history"] == []
    tiny_run().load_state_dict(upgraded, "last.pth")
    with pytest.raises(RIBError, match="not a toy training checkpoint written by this version"):
        engine.read_checkpoint(tmp_path / "last.pth", "toy")
    save_checkpoint(tmp_path / "other.pth", {"state_dict": {}, "epoch": 3})
    with pytest.raises(RIBError, match=r"not a toy training checkpoint \(missing model, optimizer"):
        engine.read_checkpoint(tmp_path / "other.pth", "toy", LEGACY)
    with pytest.raises(RIBError, match="not a gan training checkpoint"):
        engine.read_checkpoint(tmp_path / "new" / engine.CHECKPOINT, "gan", LEGACY)


def test_a_checkpoint_of_another_model_size_is_one_clear_error(tmp_path):
    run = tiny_run()
    fit(run, tmp_path, 1)
    other = tiny_run()
    other.models["model"] = torch.nn.Linear(3, 1)
    with pytest.raises(RIBError, match="weights do not fit a model of this config"):
        other.load_state_dict(engine.read_checkpoint(tmp_path / engine.CHECKPOINT, "toy"), "checkpoint.pt")
