"""Which file a motion checkpoint folder is read from: model.pt, else the older model.pth, else the trainer before
rib.engine's last.pth, else the folder's only .pt, else its only .pth."""
from __future__ import annotations

import shutil

import pytest

from Human_Motion_Modelling.checkpoints import PREFERRED_NAMES, find_checkpoint, load_trained_model
from rib.errors import RIBError


def test_the_search_order():
    assert PREFERRED_NAMES == ("model.pt", "model.pth", "last.pth")


@pytest.mark.parametrize("present, found", [
    (["model.pt", "model.pth", "last.pth", "checkpoint.pt"], "model.pt"),
    (["model.pth", "last.pth", "checkpoint.pt"], "model.pth"),
    (["last.pth", "model_epoch010.pth"], "last.pth"),
    (["checkpoint.pt", "model_epoch399.pth"], "checkpoint.pt"),
    (["model_epoch399.pth"], "model_epoch399.pth"),  # the reference's file name
])
def test_a_folder_is_read_from_the_first_name_found(tmp_path, present, found):
    for name in present:
        (tmp_path / name).write_bytes(b"")
    assert find_checkpoint(tmp_path) == tmp_path / found
    assert find_checkpoint(tmp_path / present[-1]) == tmp_path / present[-1], "a file is itself"


def test_a_folder_of_several_other_files_is_one_error(tmp_path):
    for name in ("model_epoch010.pth", "model_epoch020.pth"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(RIBError, match=r"expected model.pt, model.pth, last.pth or a single .pt \(or .pth\) "
                                       r"checkpoint in this folder \(found 2\)"):
        find_checkpoint(tmp_path)


def test_an_older_export_named_model_pth_still_loads(tiny_checkpoint, tmp_path):
    shutil.copyfile(tiny_checkpoint, tmp_path / "model.pth")
    old, new = load_trained_model(tmp_path), load_trained_model(tiny_checkpoint)
    assert old.epoch == new.epoch and old.config == new.config
    for key, value in new.model.state_dict().items():
        assert (old.model.state_dict()[key] == value).all(), key
