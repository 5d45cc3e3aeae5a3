"""Checkpoints into PEViT models: adapting a ViT checkpoint, and a report of what happened to every tensor.

A plain ViT / DeiT checkpoint enters a PEViT (position embedding resized or dropped, a plain patch
conv converted into the linear MI embedding or dropped), and a plain PEViT detector's checkpoint
enters the MI detector, through PEViT's ``load_state_dict`` pre-hook, :func:`adapt_vit_state_dict`.
Each load says what it did in a :class:`LoadReport`.
"""
import math
import re
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import CheckpointLoader
from mmpretrain.models.utils import resize_pos_embed

MI_CONV_NOTE = (' (the MI embedding convolves sub-patches; a plain patch conv converts only into the linear '
                "one, patch_cfg=dict(type='mmppml.MIPatchEmbed', act_cfg=None), not through GELU and a 1x1 conv)")
_SIZE_MISMATCH = re.compile(r'size mismatch for ([^:]+): (.*)')


@dataclass
class LoadReport:
    """What a checkpoint load did with every tensor.

    Attributes:
        loaded (list[str]): names loaded as they are, sorted.
        converted (dict[str, str]): name -> how it was converted.
        skipped (dict[str, str]): name -> why it was not loaded.
        missing (list[str]): model names the checkpoint did not fill (left as initialised), sorted.
    """
    loaded: List[str] = field(default_factory=list)
    converted: Dict[str, str] = field(default_factory=dict)
    skipped: Dict[str, str] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def adapt_vit_state_dict(backbone: nn.Module, state_dict: Dict[str, torch.Tensor], prefix: str,
                         notes: LoadReport) -> None:
    """Fit a ViT checkpoint to a PEViT ``backbone`` in place, before it is loaded (its pre-hook).

    The position embedding is dropped unless ``pos_embed_cfg=dict(type='learned')``, then resized to the
    backbone's grid (a DeiT distillation position is dropped). A plain patch-P conv loaded into the
    linear MI embedding (``patch_cfg=dict(type='mmppml.MIPatchEmbed', act_cfg=None)``, ``patch_size=S``) is
    converted: its kernel becomes the sum of its r x r blocks of S x S (r = P / S), the bias is
    kept, so the MI model on an MI image starts as the plain model on the photo wherever the
    sub-patches of a patch are equal (exactly) or similar (nearly). The checkpoint's P must be the
    P the images were mixed with. Into a plain patch-p conv (``ConvPatchEmbed``) the plain patch-P conv
    converts for images downscaled by r = P / p: its kernel becomes the sum of its adjacent r x r
    pixels (:func:`plain_to_downscaled_kernel`). Other tensors of another shape (among them the patch conv in the
    GELU + 1x1 MI embedding, which no conv converts into exactly) are dropped with their bias.
    Every conversion and drop is logged and recorded in ``notes`` (``converted``, ``skipped``).
    """
    logger = MMLogger.get_current_instance()

    def skip(name: str, reason: str, warn: bool = False):
        del state_dict[prefix + name]
        notes.skipped[name] = reason
        (logger.warning if warn else logger.info)(f'PEViT: skipped checkpoint tensor {name}: {reason}')

    if prefix + 'pos_embed' in state_dict:
        value, reason = adapt_pos_embed(backbone, state_dict[prefix + 'pos_embed'])
        if value is None:
            skip('pos_embed', reason)
        else:
            state_dict[prefix + 'pos_embed'] = value
    own = backbone.state_dict()
    for name in [key[len(prefix):] for key in state_dict if key.startswith(prefix)]:
        if name not in own or prefix + name not in state_dict or own[name].shape == state_dict[prefix + name].shape:
            continue  # unknown names are left to load_state_dict; a bias may be gone with its weight
        patch_conv = name == 'patch_embed.projection.weight'
        mi_conv = patch_conv and backbone.patch_embed.mode == 'mi'
        if patch_conv and backbone.patch_embed.is_linear:
            convert, into = ((plain_to_mi_kernel, 'S x S blocks into the linear MI embedding') if mi_conv else
                             (plain_to_downscaled_kernel, 'adjacent r x r pixels into the patch conv for images '
                              'downscaled by r'))
            value = convert(state_dict[prefix + name], own[name].shape)
            if value is not None:
                how = f'plain patch conv {tuple(state_dict[prefix + name].shape)} summed over its {into} ' \
                      f'{tuple(own[name].shape)}'
                state_dict[prefix + name] = value
                notes.converted[name] = how
                logger.info(f'PEViT: converted checkpoint tensor {name}: {how}')
                continue
        skip(
            name,
            f'shape {tuple(state_dict[prefix + name].shape)} in the checkpoint, '
            f'{tuple(own[name].shape)} here' + (MI_CONV_NOTE if mi_conv else ''),
            warn=not mi_conv)
        bias = name[:-len('weight')] + 'bias'
        if name.endswith('.weight') and prefix + bias in state_dict:
            skip(bias, f'{name} was skipped')


def adapt_pos_embed(backbone: nn.Module, value: torch.Tensor) -> Tuple[Optional[torch.Tensor], Optional[str]]:
    """Fit a checkpoint's (1, L, C) position embedding to a PEViT ``backbone``, or say why not."""
    if backbone.pos_embed is None:
        return None, f'PEViT uses no learned position embedding (pos_embed_cfg={backbone.pos_embed_cfg!r})'
    if value.shape == backbone.pos_embed.shape:
        return value, None
    extra = backbone.num_extra_tokens
    side = math.isqrt(value.shape[1]) if value.ndim == 3 else 0
    ckpt_extra = value.shape[1] - side * side if side else -1
    if value.ndim != 3 or value.shape[2] != backbone.embed_dims or ckpt_extra < extra:
        return None, f'shape {tuple(value.shape)} does not fit {tuple(backbone.pos_embed.shape)}'
    # Keep the cls position if used (drop e.g. DeiT's distillation one), resize the grid part.
    value = torch.cat([value[:, :extra], value[:, ckpt_extra:]], dim=1)
    MMLogger.get_current_instance().info(
        f'PEViT: resize pos_embed from a {side}x{side} to a {backbone.patch_resolution} grid')
    return resize_pos_embed(value, (side, side), backbone.patch_resolution, backbone.interpolate_mode, extra), None


def plain_to_mi_kernel(weight: torch.Tensor, shape: torch.Size) -> Optional[torch.Tensor]:
    """The linear MI kernel (C, in, S, S) of a plain patch kernel (C, in, P, P): the sum of its S x S blocks.

    Returns None when the shapes do not fit (other C or in, or P not a multiple r >= 2 of S).
    """
    ratio = _kernel_ratio(weight, shape)
    if ratio is None:
        return None
    channels, in_channels, sub, _ = shape
    return weight.reshape(channels, in_channels, ratio, sub, ratio, sub).sum(dim=(2, 4))


def plain_to_downscaled_kernel(weight: torch.Tensor, shape: torch.Size) -> Optional[torch.Tensor]:
    """The patch kernel (C, in, p, p) for images downscaled by r = P / p of a plain kernel (C, in, P, P).

    A pixel of the downscaled image is the mean of r x r adjacent pixels, so the kernel is the sum of the
    plain kernel's adjacent r x r blocks: the two convolutions agree wherever those pixels are equal.
    Returns None when the shapes do not fit (other C or in, or P not a multiple r >= 2 of p).
    """
    ratio = _kernel_ratio(weight, shape)
    if ratio is None:
        return None
    channels, in_channels, size, _ = shape
    return weight.reshape(channels, in_channels, size, ratio, size, ratio).sum(dim=(3, 5))


def _kernel_ratio(weight: torch.Tensor, shape: torch.Size) -> Optional[int]:
    """r = P / S for a square (C, in, P, P) kernel going into a (C, in, S, S) one, or None if they do not fit."""
    channels, in_channels, sub, _ = shape
    if weight.ndim != 4 or tuple(weight.shape[:2]) != (channels, in_channels) or weight.shape[2] != weight.shape[3]:
        return None
    patch = weight.shape[-1]
    if patch % sub or patch // sub < 2:
        return None
    return patch // sub


def select_state_dict(checkpoint: dict, prefix: Optional[str]) -> Dict[str, torch.Tensor]:
    """The backbone tensors of a loaded checkpoint, with ``prefix`` (default: ``'backbone.'`` if any) stripped."""
    state_dict = checkpoint
    for key in ('state_dict', 'model'):
        if isinstance(state_dict, dict) and isinstance(state_dict.get(key), dict):
            state_dict = state_dict[key]
            break
    state_dict = {
        name[len('module.'):] if name.startswith('module.') else name: value
        for name, value in state_dict.items()
    }
    if prefix is None:
        prefix = 'backbone.' if any(name.startswith('backbone.') for name in state_dict) else ''
    if not prefix:
        return state_dict
    selected = {name[len(prefix):]: value for name, value in state_dict.items() if name.startswith(prefix)}
    if not selected:
        raise ValueError(f'no checkpoint key starts with prefix {prefix!r}')
    return selected


def load_pretrained_backbone(backbone: nn.Module,
                             checkpoint: str,
                             prefix: Optional[str] = None,
                             map_location: str = 'cpu') -> LoadReport:
    """Load an mmpretrain ``VisionTransformer`` / DeiT checkpoint into a PEViT and report it.

    See :meth:`mmppml.models.PEViT.load_pretrained`.
    """
    state_dict = select_state_dict(CheckpointLoader.load_checkpoint(checkpoint, map_location=map_location), prefix)
    backbone.checkpoint_notes = LoadReport()
    result = backbone.load_state_dict(state_dict, strict=False)
    notes = backbone.checkpoint_notes
    notes.skipped.update({name: 'PEViT has no such parameter' for name in result.unexpected_keys})
    notes.loaded = sorted(name for name in state_dict if name not in notes.skipped and name not in notes.converted)
    notes.missing = list(result.missing_keys)
    logger = MMLogger.get_current_instance()
    logger.info(f'PEViT: loaded {len(notes.loaded)} of {len(backbone.state_dict())} tensors from {checkpoint}')
    if notes.missing:
        logger.info(f'PEViT: not loaded, kept as initialised: {notes.missing}')
    if not notes.loaded and not notes.converted:
        logger.warning(f'PEViT: nothing loaded from {checkpoint}; wrong prefix or not a ViT checkpoint?')
    return notes


def load_checkpoint_with_report(model: nn.Module,
                                checkpoint: Union[str, dict],
                                map_location: str = 'cpu') -> LoadReport:
    """Load ``checkpoint`` non-strictly into ``model`` and say what happened to every key.

    Modules with a checkpoint-adapting pre-hook (PEViT and its subclasses: position embedding
    resized or dropped, plain patch conv converted into a linear MI embedding or dropped) adapt
    their part first; tensors whose shape still differs are left as initialised, not raised on.
    This is how the weights of a plain-trained PEViT detector enter the MI detector; with
    ``load_from`` in a config the runner loads the same way and the backbone logs the same report.

    Args:
        model (nn.Module): The model to load into, e.g. a built ``RetinaNet`` with a ``PEViT``.
        checkpoint (str | dict): A path / URL, or a loaded checkpoint (``{'state_dict': ...}`` or a
            bare state dict).
        map_location (str): Defaults to ``'cpu'``.

    Returns:
        LoadReport: with full names (``backbone.patch_embed...``).
    """
    if isinstance(checkpoint, str):
        checkpoint = CheckpointLoader.load_checkpoint(checkpoint, map_location=map_location)
    state_dict = checkpoint.get('state_dict', checkpoint)
    state_dict = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v) for k, v in state_dict.items())

    adapting = {name: module for name, module in model.named_modules() if hasattr(module, 'checkpoint_notes')}
    for module in adapting.values():
        module.checkpoint_notes = LoadReport()
    missing, unexpected, errors = [], [], []

    def load(module: nn.Module, prefix: str = '') -> None:
        # strict=True only makes torch list missing / unexpected keys; size mismatches are listed, not raised.
        module._load_from_state_dict(state_dict, prefix, {}, True, missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + '.')

    names = list(state_dict)
    load(model)  # pre-hooks edit state_dict in place
    skipped, converted = {}, {}
    for module_name, module in adapting.items():
        prefix = module_name + '.' if module_name else ''
        skipped.update({prefix + name: reason for name, reason in module.checkpoint_notes.skipped.items()})
        converted.update({prefix + name: how for name, how in module.checkpoint_notes.converted.items()})
    for message in errors:
        match = _SIZE_MISMATCH.match(message)
        if match is None:
            raise RuntimeError(message)
        skipped[match.group(1)] = match.group(2)
        missing.append(match.group(1))  # left as initialised too
    skipped.update({name: 'the model has no such parameter' for name in unexpected})
    loaded = sorted(name for name in names if name not in skipped and name not in converted)
    return LoadReport(loaded, converted, skipped, sorted(missing))
