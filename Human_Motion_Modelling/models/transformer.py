"""The two-stage DETR-style motion transformer (reference 3.4), with the reference's NaN source removed.

Stage 1: the encoder denoises the available keyframes (missing joints enter interpolated from the keyframes that
see them, plus a learned per-joint offset and a visibility flag). Stage 2: the denoised keyframes are interpolated
onto every frame (linearly, or cubically with ``base="cubic"``), and the decoder refines that interpolation while
attending to the keyframe memory. Every attention layer has a learned null
key/value (``add_bias_kv``), so a query whose real keys are all masked (e.g. a clip with one keyframe) still
attends to something and never produces NaN.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from Human_Motion_Modelling.config import ModelSection
from Human_Motion_Modelling.models.position_encoding import SinePositionalEncoding
from rib.schema import from_section, to_dict

ACTIVATIONS = {"relu": F.relu, "leaky_relu": F.leaky_relu, "gelu": F.gelu}


class FeedForward(nn.Module):
    """Linear -> activation -> dropout -> linear."""

    def __init__(self, dim: int, hidden: int, dropout: float, activation: str):
        super().__init__()
        self.linear1 = nn.Linear(dim, hidden)
        self.linear2 = nn.Linear(hidden, dim)
        self.dropout = nn.Dropout(dropout)
        self.activation = ACTIVATIONS[activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))


def attention(dim: int, heads: int, dropout: float) -> nn.MultiheadAttention:
    """Multi-head attention with a learned null key/value that every query can attend to."""
    return nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True, add_bias_kv=True)


class EncoderLayer(nn.Module):
    """Pre-norm self-attention + feed-forward block."""

    def __init__(self, dim: int, heads: int, hidden: int, dropout: float, activation: str, attention_dropout: float):
        super().__init__()
        self.self_attn = attention(dim, heads, attention_dropout)
        self.ffn = FeedForward(dim, hidden, dropout, activation)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pos: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.dropout1(self.self_attn(h + pos, h + pos, h, key_padding_mask=padding, need_weights=False)[0])
        return x + self.dropout2(self.ffn(self.norm2(x)))


class DecoderLayer(nn.Module):
    """Pre-norm self-attention, cross-attention to the keyframe memory, feed-forward."""

    def __init__(self, dim: int, heads: int, hidden: int, dropout: float, activation: str, attention_dropout: float):
        super().__init__()
        self.self_attn = attention(dim, heads, attention_dropout)
        self.cross_attn = attention(dim, heads, attention_dropout)
        self.ffn = FeedForward(dim, hidden, dropout, activation)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.dropout1, self.dropout2, self.dropout3 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pos: torch.Tensor, padding: torch.Tensor, memory: torch.Tensor,
                memory_pos: torch.Tensor, memory_padding: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.dropout1(self.self_attn(h + pos, h + pos, h, key_padding_mask=padding, need_weights=False)[0])
        h = self.norm2(x)
        x = x + self.dropout2(self.cross_attn(h + pos, memory + memory_pos, memory, key_padding_mask=memory_padding,
                                              need_weights=False)[0])
        return x + self.dropout3(self.ffn(self.norm3(x)))


def gather_frames(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """values (B, K, C), index (B, L) -> (B, L, C)."""
    return torch.gather(values, 1, index[..., None].expand(-1, -1, values.shape[-1]))


def keyframe_slopes(values: torch.Tensor, times: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """(B, K, C) per-frame slopes at each keyframe from its valid neighbours: the slope of the parabola through the
    three (exact for quadratic motion at any spacing), one-sided at the ends, zero for a lone keyframe."""
    count = valid.shape[1]
    slots = torch.arange(count, device=valid.device).expand_as(valid)
    last_valid = torch.cummax(torch.where(valid, slots, -1), 1).values
    previous = torch.cat([torch.full_like(slots[:, :1], -1), last_valid[:, :-1]], 1)
    first_valid = torch.cummin(torch.where(valid, slots, count).flip(1), 1).values.flip(1)
    following = torch.cat([first_valid[:, 1:], torch.full_like(slots[:, :1], count)], 1)
    has_previous, has_following = previous >= 0, following < count
    previous, following = torch.where(has_previous, previous, slots), torch.where(has_following, following, slots)
    before = (times - torch.gather(times, 1, previous)).clamp_min(1e-6)[..., None]
    after = (torch.gather(times, 1, following) - times).clamp_min(1e-6)[..., None]
    slope_before = (values - gather_frames(values, previous)) / before * has_previous[..., None]
    slope_after = (gather_frames(values, following) - values) / after * has_following[..., None]
    both = (has_previous & has_following)[..., None]
    return torch.where(both, (after * slope_before + before * slope_after) / (before + after),
                       slope_before + slope_after)


def hermite(first: torch.Tensor, second: torch.Tensor, slope_first: torch.Tensor, slope_second: torch.Tensor,
            span: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Cubic Hermite interpolation between (B, L, C) values with per-frame slopes over ``span`` frames."""
    s = weight[..., None]
    h00, h10, h01, h11 = 2 * s ** 3 - 3 * s ** 2 + 1, s ** 3 - 2 * s ** 2 + s, -2 * s ** 3 + 3 * s ** 2, s ** 3 - s ** 2
    span = span[..., None]
    return h00 * first + h10 * span * slope_first + h01 * second + h11 * span * slope_second


class MotionTransformer(nn.Module):
    """Keyframes of J19 2D poses -> every frame of the window (see the module docstring)."""

    def __init__(self, num_joints: int = 19, hidden_dim: int = 128, nheads: int = 8, dim_feedforward: int = 256,
                 enc_layers: int = 6, dec_layers: int = 6, dropout: float = 0.1, activation: str = "leaky_relu",
                 attention_dropout: float = 0.1, base: str = "linear"):
        super().__init__()
        self.num_joints, self.base = num_joints, base
        coords = 2 * num_joints
        self.embed = nn.Linear(coords + num_joints, hidden_dim)
        self.head = nn.Linear(hidden_dim, coords)
        self.mask_token = nn.Parameter(torch.zeros(num_joints, 2))  # offset of missing joints, starts at 0
        self.position = SinePositionalEncoding(hidden_dim)
        layer_args = (hidden_dim, nheads, dim_feedforward, dropout, activation, attention_dropout)
        self.encoder = nn.ModuleList(EncoderLayer(*layer_args) for _ in range(enc_layers))
        self.decoder = nn.ModuleList(DecoderLayer(*layer_args) for _ in range(dec_layers))
        self.encoder_norm, self.decoder_norm = nn.LayerNorm(hidden_dim), nn.LayerNorm(hidden_dim)
        for name, parameter in self.named_parameters():
            if parameter.dim() > 1 and not name.endswith(("bias_k", "bias_v", "mask_token")):
                nn.init.xavier_uniform_(parameter)
        nn.init.zeros_(self.head.weight)  # both stages start as identity residuals: denoised = input,
        nn.init.zeros_(self.head.bias)    # prediction = linear interpolation; training learns the corrections

    def tokens(self, coords: torch.Tensor, vis: torch.Tensor) -> torch.Tensor:
        """(B, N, J, 2) coordinates and (B, N, J) visibility -> (B, N, D) embeddings."""
        return self.embed(torch.cat([coords.flatten(2), vis.to(coords.dtype)], dim=-1))

    def forward(self, kf_coords: torch.Tensor, kf_vis: torch.Tensor, kf_valid: torch.Tensor, kf_time: torch.Tensor,
                frame_valid: torch.Tensor, interp_index: torch.Tensor, interp_weight: torch.Tensor
                ) -> dict[str, torch.Tensor]:
        """``reco`` (B, K, J, 2): denoised keyframes; ``interp`` (B, L, J, 2): their linear interpolation;
        ``pred`` (B, L, J, 2): the refined prediction of every frame."""
        batch, length = frame_valid.shape
        filled = kf_coords + torch.where(kf_vis[..., None], 0.0, self.mask_token.to(kf_coords.dtype))
        memory = self.tokens(filled, kf_vis)
        memory_pos = self.position(kf_time)
        memory_padding = ~kf_valid
        for layer in self.encoder:
            memory = layer(memory, memory_pos, memory_padding)
        memory = self.encoder_norm(memory)
        reco = self.head(memory).unflatten(-1, (self.num_joints, 2)) + filled

        flat = reco.flatten(2)
        first, second = gather_frames(flat, interp_index[..., 0]), gather_frames(flat, interp_index[..., 1])
        if self.base == "cubic":
            slopes = keyframe_slopes(flat, kf_time, kf_valid)
            span = torch.gather(kf_time, 1, interp_index[..., 1]) - torch.gather(kf_time, 1, interp_index[..., 0])
            interp = hermite(first, second, gather_frames(slopes, interp_index[..., 0]),
                             gather_frames(slopes, interp_index[..., 1]), span, interp_weight)
        else:
            interp = first + (second - first) * interp_weight[..., None]
        interp = interp.unflatten(-1, (self.num_joints, 2))
        frames = torch.arange(length, device=frame_valid.device, dtype=memory_pos.dtype).expand(batch, length)
        pos = self.position(frames)
        x = self.tokens(interp, torch.ones(interp.shape[:-1], dtype=torch.bool, device=interp.device))
        for layer in self.decoder:
            x = layer(x, pos, ~frame_valid, memory, memory_pos, memory_padding)
        pred = self.head(self.decoder_norm(x)).unflatten(-1, (self.num_joints, 2)) + interp
        return {"reco": reco, "pred": pred, "interp": interp}


def build(config: dict) -> MotionTransformer:
    """The model described by the ``model`` section of a motion config."""
    model = from_section(ModelSection, config["model"], "config: model")  # a Section: numbers converted
    return MotionTransformer(**to_dict(model))
