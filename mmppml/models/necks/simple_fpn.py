"""A simple feature pyramid built from the single feature map of a plain ViT."""
import math
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from mmppml.registry import MODELS


def check_scale_factors(scale_factors: Sequence[float]) -> Tuple[float, ...]:
    """Scales must be powers of two, strictly decreasing (finest level first, as mmdet heads expect)."""
    scales = tuple(float(s) for s in scale_factors)
    if not scales:
        raise ValueError('scale_factors must name at least one level')
    for s in scales:
        if s <= 0 or not math.log2(s).is_integer():
            raise ValueError(f'scale_factors must be powers of two (e.g. 4, 2, 1, 0.5), got {s}')
    if any(a <= b for a, b in zip(scales, scales[1:])):
        raise ValueError(f'scale_factors must be strictly decreasing (finest level first), got {scales}')
    return scales


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """Multi-scale features from one stride-p feature map, for mmdet heads (RetinaNet, Faster R-CNN).

    Each level resamples the map by its scale (2x transposed convs to upsample, max pooling to
    downsample, identity for 1), then applies a 1x1 conv and a 3x3 conv, each followed by a norm.
    A stride-p map with ``scale_factors=(4, 2, 1, 0.5)`` gives strides ``(p/4, p/2, p, 2p)``.

    Args:
        in_channels (int): Channels C of the backbone feature map.
        out_channels (int): Channels of every pyramid level.
        scale_factors (Sequence[float]): Resampling factor of each level, powers of two, strictly
            decreasing. Defaults to ``(4.0, 2.0, 1.0, 0.5)``.
        norm_cfg (dict): Norm after each conv (and between stacked upsampling convs).
            Defaults to ``dict(type='mmppml.LayerNorm2d')``.
        act_cfg (dict): Activation between stacked upsampling convs. Defaults to GELU.
        init_cfg (dict | list[dict], optional): Initialization config.

    Inputs: a tuple of (B, C, h, w) maps (e.g. ``PEViT(out_type='featmap')``); the last one is used.
    Outputs: a tuple with one (B, out_channels, h * s, w * s) map per scale ``s`` (floored for s < 1).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 scale_factors: Sequence[float] = (4.0, 2.0, 1.0, 0.5),
                 norm_cfg: dict = dict(type='mmppml.LayerNorm2d'),
                 act_cfg: dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.scale_factors = check_scale_factors(scale_factors)
        self.resamplers = nn.ModuleList()
        self.lateral_convs = nn.ModuleList()
        self.output_convs = nn.ModuleList()
        for scale in self.scale_factors:
            resampler, channels = self._build_resampler(scale, in_channels, norm_cfg, act_cfg)
            self.resamplers.append(resampler)
            self.lateral_convs.append(
                ConvModule(channels, out_channels, 1, bias=False, norm_cfg=norm_cfg, act_cfg=None))
            self.output_convs.append(
                ConvModule(out_channels, out_channels, 3, padding=1, bias=False, norm_cfg=norm_cfg, act_cfg=None))

    @staticmethod
    def _build_resampler(scale: float, channels: int, norm_cfg: dict, act_cfg: dict) -> Tuple[nn.Module, int]:
        """Return the resampling module of one level and its output channels."""
        if scale == 1:
            return nn.Identity(), channels
        if scale < 1:
            stride = int(round(1 / scale))
            return nn.MaxPool2d(kernel_size=stride, stride=stride), channels
        layers: List[nn.Module] = []
        for step in range(int(math.log2(scale))):
            if step > 0:  # norm + activation between stacked transposed convs
                layers += [build_norm_layer(norm_cfg, channels)[1], build_activation_layer(act_cfg)]
            next_channels = max(channels // 2, 1)
            layers.append(nn.ConvTranspose2d(channels, next_channels, kernel_size=2, stride=2))
            channels = next_channels
        return nn.Sequential(*layers), channels

    def forward(self, inputs: Tuple[torch.Tensor, ...]) -> Tuple[torch.Tensor, ...]:
        if isinstance(inputs, torch.Tensor):
            inputs = (inputs, )
        x = inputs[-1]
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'SimpleFPN expects a (B, {self.in_channels}, h, w) feature map, got shape '
                             f"{tuple(x.shape)}; use the backbone's out_type='featmap'")
        outs = []
        for resample, lateral, output in zip(self.resamplers, self.lateral_convs, self.output_convs):
            outs.append(output(lateral(resample(x))))
        return tuple(outs)
