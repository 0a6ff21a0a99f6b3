"""The warp-blend renderer's training samples: a clip whose frames and backgrounds differ in size is refused, and
held-out targets are left out; each draw of a sample is its own crop."""
from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest
import torch

from Pose_Guided_Neural_Rendering.warp_blend import config as blend_config
from Pose_Guided_Neural_Rendering.warp_blend.data import InBetweenDataset, list_samples
from rib.errors import RIBError
from rib.frames import list_files, list_frames, read_image, train_background_name, write_image


@pytest.mark.parametrize("folder, index", [("gt", 5), ("DAIN", 2)])
def test_mixed_frame_sizes_in_a_training_clip_name_the_clip(dense_clip, make_config, tmp_path, folder, index):
    root = tmp_path / "mixed"
    shutil.copytree(dense_clip, root)
    odd = list_files(root / folder / "walker", (".png",))[index]
    write_image(odd, cv2.resize(read_image(odd), (100, 60)))
    first = list_frames(root / "gt" / "walker")[0]
    with pytest.raises(RIBError, match=f"clip walker: {odd} is 100x60, but {first} is 192x128"):
        list_samples(blend_config.parse(make_config(root)).data.sets)


def test_held_out_targets_are_never_trained_on(dense_clip, tmp_path):
    """A clip in the train layout (frame k from k-1 and k+1): ``held_out`` targets leave the samples, and stay
    keyframes of their neighbours' samples."""
    frames = list_frames(dense_clip / "gt" / "walker")
    for before, after in zip(frames[:-2], frames[2:]):
        fade = (read_image(before).astype(np.float32) + read_image(after)) / 2
        write_image(tmp_path / "train_bg" / "walker" / train_background_name(before.stem), fade.astype(np.uint8))

    def samples(held_out):
        clip_set = blend_config.ClipSet(root=str(dense_clip), frames="gt", poses="poses",
                                        backgrounds=str(tmp_path / "train_bg"), rate=2, layout="train",
                                        held_out=held_out)
        return list_samples([clip_set])

    every, kept = samples(None), samples([2, 5])
    assert [s.target for s in every] == frames[1:-1]
    assert [s.target for s in kept] == [frame for k, frame in enumerate(frames) if k not in (0, 2, 5, len(frames) - 1)]
    assert frames[2] in [s.previous for s in kept] and frames[5] in [s.next for s in kept]


@pytest.mark.parametrize("held_out", [5, [1, -2]])
def test_held_out_must_be_a_list_of_frame_indices(dense_clip, held_out):
    with pytest.raises(RIBError, match="data.sets: held_out must be a list of frame indices"):
        blend_config.ClipSet(root=str(dense_clip), held_out=held_out)


def test_a_sample_drawn_again_gets_a_new_crop_and_an_epoch_replays(dense_clip):
    """Crop jitter and pose noise differ between two draws of one sample in an epoch (a clip fine-tune draws each of
    its few samples hundreds of times), and starting the epoch again replays them (exact resume)."""
    options = blend_config.DataConfig(jitter=0.1, pose_noise=0.02)
    dataset = InBetweenDataset(list_samples([blend_config.ClipSet(root=str(dense_clip), rate=4)]), 32, options)
    dataset.epoch = 3
    first, again, other = dataset[0], dataset[0], dataset[1]
    assert not torch.equal(first["target"], again["target"])
    dataset.epoch = 3
    assert torch.equal(dataset[0]["target"], first["target"]) and torch.equal(dataset[0]["target"], again["target"])
    assert torch.equal(dataset[1]["target"], other["target"])
    assert torch.equal(InBetweenDataset(dataset.samples, 32, options, train=False)[0]["target"],
                       InBetweenDataset(dataset.samples, 32, options, train=False)[0]["target"])
