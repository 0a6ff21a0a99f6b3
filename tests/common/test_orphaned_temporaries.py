"""Issue 12: temporary files of a killed atomic save are removed when a checkpoint folder is prepared, nothing else."""
from __future__ import annotations

import pytest

from rib.atomic import TEMPORARY_NAME, atomic_path, remove_orphaned_temporaries


UNFINISHED = []
"""Atomic writes entered and never exited (kept referenced so that garbage collection does not close them)."""


def orphan_of(path):
    """The temporary file an atomic write of ``path`` leaves when the process dies inside the block."""
    write = atomic_path(path)
    UNFINISHED.append(write)
    return write.__enter__()  # never exited: like a SIGKILL during torch.save


@pytest.mark.parametrize("name, ours", [
    (".last.k3j_9x2a.tmp.pth", True),
    (".model_epoch007.abcdefgh.tmp.pth", True),
    (".config.12345678.tmp", True),
    ("last.pth", False),
    (".last.tmp.pth", False),  # no mkstemp part: not a name the project makes
    ("notes.tmp.txt", False),
    (".last.ABCDEFGH.tmp.pth", False),
])
def test_only_the_projects_temporary_names_match(name, ours):
    assert bool(TEMPORARY_NAME.fullmatch(name)) == ours


def test_orphans_are_removed_and_everything_else_is_kept(tmp_path):
    folder = tmp_path / "checkpoints"
    orphans = [orphan_of(folder / "last.pth"), orphan_of(folder / "model_epoch009.pth")]
    kept = [folder / "last.pth", folder / "notes.tmp.txt", folder / ".last.tmp.pth"]
    for path in kept:
        path.write_text("user data")
    assert all(path.exists() for path in orphans)
    assert sorted(remove_orphaned_temporaries(folder)) == sorted(orphans)
    assert not any(path.exists() for path in orphans)
    assert all(path.read_text() == "user data" for path in kept)
