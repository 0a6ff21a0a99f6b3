"""One training step of the GAN renderer (reference section 4.6) and what it trains (a :class:`rib.engine.Run`).

A step takes a window of L frames and rolls the generator out autoregressively over frames 1 .. L-1: frame 1 is
rendered from the real frame 0, every later frame from the previous (detached) output. At each rollout step the
discriminators are updated on detached fakes, then the generator on the same fakes (G is not re-run).
"""
from __future__ import annotations

import logging
from collections import defaultdict

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torchvision.utils import make_grid

from Pose_Guided_Neural_Rendering.spade_gan.config import TrainSection, parse_config
from Pose_Guided_Neural_Rendering.spade_gan.models.discriminators import Discriminators
from Pose_Guided_Neural_Rendering.spade_gan.models.generator import Generator, composite, inference_state
from Pose_Guided_Neural_Rendering.spade_gan.models.losses import RenderLosses
from rib import engine
from rib.checkpoint import SPADE_GAN
from rib.distributed import DistContext
from rib.errors import RIBError

LOG = logging.getLogger(__name__)
BATCH_KEYS = ("image", "label", "background", "person_mask", "joints")
AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
KIND = SPADE_GAN
"""The kind of a GAN renderer training checkpoint (rib.engine's layout)."""
LEGACY = engine.LegacyLayout(models=("generator", "discriminators"), optimizers=("opt_g", "opt_d"),
                             schedulers=("sched_g", "sched_d"), scalers=("scaler_g", "scaler_d"))
"""The layout of checkpoint.pt before rib.engine (every part at the top level): such runs still resume."""


def frames_for_epoch(config: dict, epoch: int) -> int:
    """Window length at ``epoch``: ``data.max_frames`` plus one every ``train.update_frame_step`` epochs, capped."""
    settings = parse_config(config)
    base, train = settings.data.max_frames, settings.train
    if train.update_frame_step == 0:
        return base
    limit = train.max_frames_limit or base
    return max(base, min(limit, base + epoch // train.update_frame_step))


def _wrap(module: nn.Module, ctx: DistContext, find_unused: bool = False) -> nn.Module:
    if not ctx.distributed:
        return module
    device_ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids, find_unused_parameters=find_unused)


def _adam(params, lr: float, train: TrainSection) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=lr, betas=(train.beta1, train.beta2), amsgrad=True)


class Trainer(engine.Run):
    """Generator, discriminators, their optimisers, schedulers and gradient scalers, and the rollout step."""

    def __init__(self, config: dict, ctx: DistContext, generator: Generator, discriminators: Discriminators,
                 losses: RenderLosses):
        settings = parse_config(config)
        train = settings.train
        self.config, self.ctx, self.device = config, ctx, ctx.device
        self.model_size = (settings.data.model_width, settings.data.model_height)
        self.generator_module = generator.to(self.device)
        self.disc_module = discriminators.to(self.device)
        self.losses = losses.to(self.device)
        self.d_keys = losses.discriminator_keys(discriminators.keys)
        self.g_keys = losses.generator_keys(discriminators.keys)
        if not self.d_keys:
            raise RIBError("config: every loss.gan weight is 0; nothing trains the discriminators")
        idle = [k for k in ("face", "hand") if getattr(discriminators, k) is not None and k not in self.d_keys]
        self.generator = _wrap(self.generator_module, ctx)
        self.discriminators = _wrap(self.disc_module, ctx, find_unused=bool(idle) or "raw" not in self.d_keys)
        self.opt_g = _adam(self.generator_module.parameters(), train.lr, train)
        self.opt_d = _adam(self.disc_module.parameters(), train.lr_d, train)
        self.sched_g = torch.optim.lr_scheduler.StepLR(self.opt_g, train.step_size, train.gamma)
        self.sched_d = torch.optim.lr_scheduler.StepLR(self.opt_d, train.step_size, train.gamma)
        if train.amp != "none" and self.device.type != "cuda":
            LOG.info("mixed precision (%s) runs on GPU only; training in fp32 on %s", train.amp, self.device)
        self.amp_dtype = AMP_DTYPES.get(train.amp) if self.device.type == "cuda" else None
        use_scaler = self.amp_dtype is torch.float16
        self.scaler_g = torch.amp.GradScaler("cuda", enabled=use_scaler)
        self.scaler_d = torch.amp.GradScaler("cuda", enabled=use_scaler)
        self.last_images: dict[str, torch.Tensor] = {}
        super().__init__(KIND, config, {"generator": self.generator_module, "discriminators": self.disc_module},
                         {"opt_g": self.opt_g, "opt_d": self.opt_d}, {"sched_g": self.sched_g, "sched_d": self.sched_d},
                         {"scaler_g": self.scaler_g, "scaler_d": self.scaler_d}, is_main=ctx.is_main)

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.amp_dtype or torch.bfloat16,
                              enabled=self.amp_dtype is not None)

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        """One window: L-1 autoregressive rollout steps, each with a D and a G update; returns mean losses."""
        self.generator.train()
        self.discriminators.train()
        batch = {key: batch[key].to(self.device, non_blocking=True) for key in BATCH_KEYS}
        num_frames = batch["image"].shape[1]
        if num_frames < 2:
            raise RIBError(f"training windows need at least 2 frames, got {num_frames}")
        previous = batch["image"][:, 0]
        totals: dict[str, float] = defaultdict(float)
        for t in range(1, num_frames):
            logs, previous = self._rollout_step({key: value[:, t] for key, value in batch.items()}, previous)
            for key, value in logs.items():
                totals[key] += value / (num_frames - 1)
        return dict(totals)

    def _rollout_step(self, frame: dict[str, torch.Tensor],
                      previous: torch.Tensor) -> tuple[dict[str, float], torch.Tensor]:
        label, background, real = frame["label"], frame["background"], frame["image"]
        mask, joints = frame["person_mask"], frame["joints"]
        with self._autocast():
            generated, alpha = self.generator(label, background, previous)
            fused = composite(generated, alpha, background)
        self.disc_module.requires_grad_(True)
        with self._autocast():
            outputs = self.discriminators(self.d_keys, label, real, generated.detach(), fused.detach(), mask, joints)
        loss_d, logs_d = self.losses.discriminator(outputs)
        self.update(loss_d, "opt_d", scaler="scaler_d")
        self.disc_module.requires_grad_(False)
        with self._autocast():
            outputs = self.disc_module(self.g_keys, label, real, generated, fused, mask, joints)
        loss_g, logs_g = self.losses.generator(outputs, real, generated, fused, alpha, mask)
        self.update(loss_g, "opt_g", scaler="scaler_g")
        self.disc_module.requires_grad_(True)
        self.last_images = {"previous": previous, "real": real, "background": background, "generated": generated,
                            "alpha": alpha, "fused": fused, "skeleton": label[:, :3], "person_mask": mask}
        logs = {f"Dis/{key}": float(value.detach()) for key, value in logs_d.items()}
        logs.update({f"Gen/{key}": float(value.detach()) for key, value in logs_g.items()})
        return logs, fused.detach()

    def image_grid(self) -> torch.Tensor:
        """The first sample's previous, real, background, generated, mask, fused, skeleton and person mask."""
        images = []
        for key, value in self.last_images.items():
            image = value[0].detach().float().cpu()
            if key in ("alpha", "person_mask"):
                image = image.expand(3, -1, -1) * 2 - 1
            images.append(image.clamp(-1, 1))
        return make_grid(torch.stack(images), nrow=4, normalize=True, value_range=(-1, 1))

    def generator_weights(self) -> dict:
        """The inference file (spectral norm folded into plain weights) with the epoch and step it comes from."""
        return {**inference_state(self.generator_module, self.model_size), "epoch": self.epoch, "step": self.step}
