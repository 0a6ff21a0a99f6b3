"""One training engine for every stage: run folder, config snapshot, exact resume, NaN/inf guard, history, TensorBoard.

A stage builds its models, optimisers, schedulers and gradient scalers, hands them to a :class:`Run`, and keeps
only what is its own: a step function (forward, losses, :meth:`Run.update`) and what happens around an epoch
(data, validation, the inference file it exports). The loop in between is :func:`train_one_epoch` and :func:`fit`.

A run folder holds:

- ``config.yaml``: the config the run trains with (written at every start, a resumed one's included);
- ``checkpoint.pt``: everything ``--resume`` needs, written atomically after every epoch (:meth:`Run.state_dict`);
- the stage's inference files (e.g. ``model.pt``), written by its ``export`` callback after every epoch;
- ``<name>_epochEEE<suffix>``: kept copies of those every ``keep_every`` epochs;
- ``history.csv``: one row per epoch (epoch, step, seconds and the epoch's mean of every logged value);
- ``logs/``: TensorBoard scalars.
"""
from __future__ import annotations

import csv
import io
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import torch
import torch.distributed as dist
from tqdm import tqdm

from rib.atomic import cannot_write, remove_orphaned_temporaries, write_text
from rib.checkpoint import capture_rng, load_checkpoint, restore_rng, save_checkpoint
from rib.config import save_config
from rib.errors import RIBError
from rib.schema import to_dict
from rib.textio import read_text

LOG = logging.getLogger("rib.engine")
FORMAT = 1
"""Version of the checkpoint layout written by :meth:`Run.state_dict` (stored under ``format``)."""
CHECKPOINT, CONFIG, HISTORY, LOGS = "checkpoint.pt", "config.yaml", "history.csv", "logs"
TENSORBOARD_FILES = f"{LOGS}/events.out.tfevents.*"
GROUPS = ("models", "optimizers", "schedulers", "scalers")
"""The groups of parts a run trains with, each saved as ``{name: state_dict}`` under its group's key."""


# --- run folder -----------------------------------------------------------------------------------------------

def kept_copy(name: str, epoch: int | str) -> str:
    """The name of the copy of run file ``name`` kept at ``epoch``: ``checkpoint.pt`` -> ``checkpoint_epoch004.pt``.

    A string ``epoch`` is used as it is (e.g. a glob pattern).
    """
    path = Path(name)
    tag = epoch if isinstance(epoch, str) else f"{epoch:03d}"
    return str(path.with_name(f"{path.stem}_epoch{tag}{path.suffix}"))


def run_files(folder: Path, outputs: Sequence[str]) -> list[Path]:
    """The files of a run in ``folder``: the engine's, the stage's ``outputs`` and the kept copies of both."""
    names = (CHECKPOINT, HISTORY, *outputs)
    patterns = {*names, *(kept_copy(name, "[0-9][0-9][0-9]*") for name in names), TENSORBOARD_FILES}
    return sorted({path for pattern in patterns for path in folder.glob(pattern) if path.is_file()})


def resume_checkpoint(folder: Path, legacy: Sequence[str] = ()) -> Path:
    """The checkpoint ``--resume`` continues from: ``checkpoint.pt``, else the first ``legacy`` one (older trainers)."""
    for name in (CHECKPOINT, *legacy):
        if (folder / name).is_file():
            return folder / name
    raise RIBError(f"{folder / CHECKPOINT}: nothing to resume from")


def prepare_run_folder(folder: Path, resume: bool, overwrite: bool = False, outputs: Sequence[str] = (),
                       legacy: Sequence[str] = (), is_main: bool = True) -> Path | None:
    """Ready ``folder`` for a run; returns the checkpoint to continue from with ``resume``, else None.

    A fresh run refuses a folder holding a run's files (:func:`run_files`, with ``legacy`` checkpoints as outputs)
    unless ``overwrite``: then only those files are removed, never the folder or anything else in it. Temporary
    files of a killed save are removed. Only the main process writes; every process waits for it.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RIBError(f"{folder}: exists and is not a folder; give a folder for the run")
    checkpoint = resume_checkpoint(folder, legacy) if resume else None
    existing = [] if resume else run_files(folder, (*outputs, *legacy))
    if existing and not overwrite:
        raise RIBError(f"{folder}: holds a training run ({', '.join(str(p.relative_to(folder)) for p in existing[:3])}"
                       f"{', ...' if len(existing) > 3 else ''}); pass --resume to continue it or --overwrite to "
                       "start afresh (only the run's own files are replaced), or choose another folder")
    if is_main:
        for path in existing:
            path.unlink()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise cannot_write(folder, error) from None
        for parent in {folder, *((folder / name).parent for name in legacy)}:
            remove_orphaned_temporaries(parent)
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
    return checkpoint


def save_config_snapshot(folder: Path, config: Any) -> None:
    """``config.yaml``: the config (a mapping or a config dataclass) the run trains with."""
    save_config(Path(folder) / CONFIG, to_dict(config))


# --- checkpoints ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LegacyLayout:
    """How a trainer written before this engine laid out its checkpoint: every part at the top level by name."""

    models: tuple[str, ...]
    optimizers: tuple[str, ...] = ()
    schedulers: tuple[str, ...] = ()
    scalers: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    epoch_offset: int = 0
    """Added to the stored epoch to count epochs completed (1 where the old trainer stored the epoch's index)."""

    def upgrade(self, state: dict, kind: str, where: str) -> dict:
        """``state`` in the engine's layout; a :class:`RIBError` naming what is missing if it is not one of ours."""
        parts = {group: getattr(self, group) for group in (*GROUPS, "extra")}
        missing = [name for names in parts.values() for name in names if name not in state]
        missing += [key for key in ("config", "epoch", "step", "rng") if key not in state]
        if missing:
            raise RIBError(f"{where}: not a {kind} training checkpoint (missing {', '.join(missing)})")
        return {"format": FORMAT, "kind": state.get("kind", kind), "config": state["config"],
                "epoch": int(state["epoch"]) + self.epoch_offset, "step": int(state["step"]),
                "history": list(state.get("history", [])), "rng": state["rng"],
                **{group: {name: state[name] for name in names} for group, names in parts.items()}}


def read_checkpoint(path: Path, kind: str, legacy: LegacyLayout | None = None,
                    map_location: str | torch.device = "cpu") -> dict:
    """A training checkpoint of ``kind`` in the engine's layout; one of an older trainer is upgraded by ``legacy``."""
    state = load_checkpoint(path, map_location)
    if state.get("format") != FORMAT:
        if legacy is None:
            raise RIBError(f"{path}: not a {kind} training checkpoint written by this version")
        state = legacy.upgrade(state, kind, str(path))
    if state.get("kind") != kind:
        raise RIBError(f"{path}: not a {kind} training checkpoint (kind {state.get('kind')!r})")
    return state


def check_finite(loss: torch.Tensor, where: str) -> None:
    """Raise before an update with a NaN or infinite loss (in any process), so no bad step is taken or saved."""
    finite = bool(torch.isfinite(loss.detach()).all())
    everywhere = finite
    if dist.is_available() and dist.is_initialized():  # every process stops, none waits for the others forever
        flag = torch.tensor([0.0 if finite else 1.0], device=loss.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        everywhere = not flag.item()
    if not finite:
        raise RIBError(f"{where}: loss is {float(loss.detach())}; stopped before the update (the last checkpoint is "
                       "intact)")
    if not everywhere:
        raise RIBError(f"{where}: the loss of another process is not finite; stopped before the update")


class Run:
    """What one run trains and counts, saved and restored as a whole so that ``--resume`` continues exactly.

    ``models``, ``optimizers``, ``schedulers`` and ``scalers`` map names to parts; ``extra`` holds what else the
    stage stores (e.g. normalisation statistics). ``epoch`` counts epochs completed, ``step`` batches trained on.
    """

    def __init__(self, kind: str, config: Any, models: dict[str, torch.nn.Module],
                 optimizers: dict[str, torch.optim.Optimizer], schedulers: dict | None = None,
                 scalers: dict[str, torch.amp.GradScaler] | None = None, extra: dict | None = None,
                 is_main: bool = True):
        self.kind, self.config, self.is_main = kind, config, is_main
        self.models, self.optimizers = models, optimizers
        self.schedulers, self.scalers, self.extra = schedulers or {}, scalers or {}, extra or {}
        self.epoch, self.step = 0, 0
        self.history: list[dict[str, float]] = []

    def _groups(self) -> dict[str, dict]:
        return {"models": self.models, "optimizers": self.optimizers, "schedulers": self.schedulers,
                "scalers": self.scalers}

    def state_dict(self) -> dict:
        """The checkpoint: format, kind, config, counters, history, RNG, extra and every part's state."""
        return {"format": FORMAT, "kind": self.kind, "config": to_dict(self.config), "epoch": self.epoch,
                "step": self.step, "history": self.history, "rng": capture_rng(), "extra": self.extra,
                **{group: {name: part.state_dict() for name, part in parts.items()}
                   for group, parts in self._groups().items()}}

    def load_state_dict(self, state: dict, where: str) -> None:
        """Continue from a :meth:`state_dict` (as :func:`read_checkpoint` returns it), the RNG included."""
        for group, parts in self._groups().items():
            for name, part in parts.items():
                try:
                    part.load_state_dict(state[group][name])
                except (KeyError, RuntimeError, ValueError) as error:
                    what = "weights do not fit a model" if group == "models" else f"{group[:-1]} state does not fit"
                    raise RIBError(f"{where}: {what} of this config (settings changed?): {name}: "
                                   f"{str(error).splitlines()[0][:200]}") from None
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.history, self.extra = list(state["history"]), dict(state["extra"])
        restore_rng(state["rng"])

    def update(self, loss: torch.Tensor, optimizer: str = "optimizer", scaler: str | None = None,
               clip_grad_norm: float | None = None) -> None:
        """One optimiser step on ``loss``, refused (:class:`RIBError`) before anything changes if it is not finite.

        ``scaler`` names a gradient scaler (mixed precision); ``clip_grad_norm`` clips the optimiser's gradients.
        """
        check_finite(loss, f"epoch {self.epoch} step {self.step}")
        optimiser = self.optimizers[optimizer]
        grad_scaler = self.scalers[scaler] if scaler else None
        optimiser.zero_grad(set_to_none=True)
        (grad_scaler.scale(loss) if grad_scaler else loss).backward()
        if clip_grad_norm:
            if grad_scaler:
                grad_scaler.unscale_(optimiser)
            params = [p for group in optimiser.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(params, clip_grad_norm)
        if grad_scaler:
            grad_scaler.step(optimiser)
            grad_scaler.update()
        else:
            optimiser.step()

    def end_epoch(self, logs: dict[str, float], seconds: float) -> dict[str, float]:
        """Step the schedulers, count the epoch and append its history row (returned)."""
        for scheduler in self.schedulers.values():
            scheduler.step()
        self.epoch += 1
        row = {"epoch": self.epoch, "step": self.step, "seconds": round(seconds, 1), **logs}
        self.history.append(row)
        return row


# --- logging --------------------------------------------------------------------------------------------------

class Logger:
    """TensorBoard scalars under ``folder/logs``: each logged value every ``every`` steps, each epoch's row."""

    def __init__(self, folder: Path, every: int):
        from torch.utils.tensorboard import SummaryWriter  # slow import: only for runs that log

        self.writer = SummaryWriter(str(Path(folder) / LOGS))
        self.every = every

    def step(self, run: Run, logs: dict[str, float]) -> None:
        """Log ``logs`` and each optimiser's learning rate if ``run.step`` is a multiple of ``every``."""
        if run.step % self.every:
            return
        for key, value in logs.items():
            self.writer.add_scalar(key, value, run.step)
        for name, optimiser in run.optimizers.items():
            self.writer.add_scalar(f"lr/{name}", optimiser.param_groups[0]["lr"], run.step)

    def epoch(self, row: dict[str, float]) -> None:
        """Log an epoch's history row under ``epoch/``."""
        for key, value in row.items():
            self.writer.add_scalar(f"epoch/{key}", value, int(row["epoch"]))

    def close(self) -> None:
        self.writer.close()


def write_history(path: Path, history: list[dict[str, float]]) -> None:
    """The per-epoch history as CSV (columns in order of first appearance), atomically."""
    if not history:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(key for row in history for key in row)))
    writer.writeheader()
    writer.writerows(history)
    write_text(path, buffer.getvalue())


def history_summary(folder: Path) -> dict:
    """Epochs, steps and wall time of a run folder, from its ``history.csv`` (what an export records)."""
    path = folder / HISTORY
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    if not rows:
        raise RIBError(f"{path}: no finished epoch")
    try:
        return {"epochs": int(rows[-1]["epoch"]), "steps": int(rows[-1]["step"]),
                "wall_time_s": round(sum(float(row["seconds"]) for row in rows), 1)}
    except (KeyError, TypeError, ValueError):
        raise RIBError(f"{path}: not a history written by a trainer (epoch, step, seconds columns)") from None


# --- the loop -------------------------------------------------------------------------------------------------

def train_one_epoch(run: Run, batches: Iterable, step: Callable[[Any], dict[str, float]],
                    logger: Logger | None = None, show: Sequence[str] = ()) -> dict[str, float]:
    """``step`` on every batch (it computes the losses and calls :meth:`Run.update`); returns the epoch's means.

    ``show`` names the logged values on the progress bar.
    """
    sums: dict[str, float] = {}
    count = 0
    bar = tqdm(batches, desc=f"epoch {run.epoch}", leave=False, disable=not run.is_main)
    for batch in bar:
        logs = step(batch)
        run.step += 1
        count += 1
        for key, value in logs.items():
            sums[key] = sums.get(key, 0.0) + value
        if logger is not None:
            logger.step(run, logs)
        bar.set_postfix({key: f"{logs[key]:.4f}" for key in show})
    return {key: value / max(count, 1) for key, value in sums.items()}


def save_epoch(run: Run, folder: Path, exports: dict[str, dict], keep_every: int = 0) -> None:
    """The checkpoint, the stage's ``exports`` (file name -> state) and the history, each written atomically."""
    files = {CHECKPOINT: run.state_dict(), **exports}
    for name, state in files.items():
        save_checkpoint(folder / name, state)
        if keep_every and run.epoch % keep_every == 0:
            save_checkpoint(folder / kept_copy(name, run.epoch), state)
    write_history(folder / HISTORY, run.history)


def fit(run: Run, folder: Path, epochs: int, train_epoch: Callable[[], dict[str, float]],
        export: Callable[[], dict[str, dict]] | None = None, keep_every: int = 0,
        logger: Logger | None = None) -> None:
    """Train until ``epochs`` epochs are done, from wherever ``run`` stands.

    After every epoch the schedulers step and the main process saves (:func:`save_epoch`) and logs the epoch's row.
    """
    folder = Path(folder)
    while run.epoch < epochs:
        started = time.perf_counter()
        row = run.end_epoch(train_epoch(), time.perf_counter() - started)
        if not run.is_main:
            continue
        save_epoch(run, folder, export() if export else {}, keep_every)
        if logger is not None:
            logger.epoch(row)
        LOG.info("epoch %d: %s", run.epoch, " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                                                     for k, v in row.items() if k != "epoch"))
