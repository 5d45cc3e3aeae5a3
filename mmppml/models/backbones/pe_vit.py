"""PEViT: a Vision Transformer without absolute position embedding, for RS / MI encrypted images."""
import logging
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import ModuleList
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.models.utils import build_norm_layer, resize_pos_embed, to_2tuple

from mmppml.registry import MODELS
from ..utils.checkpoint import LoadReport, adapt_vit_state_dict, load_pretrained_backbone
from .ref_pos_embed import sincos_pos_embed

ARCH_KEYS = ('embed_dims', 'num_layers', 'num_heads', 'feedforward_channels')
POS_EMBEDS = (None, 'learned', 'sincos')
# The stems' registered types, and the old ``embed_mode`` each replaces.
PATCH_EMBEDS = dict(rs='mmppml.ConvPatchEmbed', mi='mmppml.MIPatchEmbed', bag='mmppml.BagPatchEmbed')
REF_POS_EMBED = 'mmppml.ReferencePosEmbed'
# The keys an absolute position embedding's cfg may hold besides ``type``.
POS_EMBED_KEYS = dict(learned=(), sincos=('temperature', ))


def translate_deprecated_args(deprecated: dict, patch_cfg: dict, ref_pos_cfg: Optional[dict],
                              pos_embed_cfg: Optional[dict]) -> Tuple[dict, Optional[dict], Optional[dict]]:
    """The ``(patch_cfg, ref_pos_cfg, pos_embed_cfg)`` that PEViT's old keywords stand for.

    ``embed_mode='rs' | 'mi' | 'bag'`` sets ``patch_cfg['type']`` (its other keys kept),
    ``ref_pos_embed=True | False | dict`` sets ``ref_pos_cfg`` and ``pos_embed=None | 'learned' | 'sincos'``
    sets ``pos_embed_cfg``; each old keyword given wins over the cfg it replaces (a config of the old
    spelling may inherit one of the new) and warns with a ``DeprecationWarning`` naming the new spelling.

    Args:
        deprecated (dict): The keywords PEViT did not recognise; any but the three old ones is an error.
        patch_cfg (dict): The new ``patch_cfg``.
        ref_pos_cfg (dict, optional): The new ``ref_pos_cfg``.
        pos_embed_cfg (dict, optional): The new ``pos_embed_cfg``.

    Returns:
        tuple: ``(patch_cfg, ref_pos_cfg, pos_embed_cfg)``.
    """
    unknown = sorted(set(deprecated) - {'embed_mode', 'ref_pos_embed', 'pos_embed'})
    if unknown:
        raise TypeError(f'PEViT got unexpected keyword arguments {unknown}')

    def warn(old: str, new: str):
        message = (f'PEViT: {old} is deprecated and will be removed in the next release; write {new} '
                   '(it replaces the cfg of the new spelling where both are given)')
        warnings.warn(message, DeprecationWarning, stacklevel=4)
        print_log(message, logger='current', level=logging.WARNING)

    if 'embed_mode' in deprecated:
        embed_mode = deprecated['embed_mode']
        if embed_mode not in PATCH_EMBEDS:
            raise ValueError(f'embed_mode must be one of {tuple(PATCH_EMBEDS)}, got {embed_mode!r}; '
                             f"better, write patch_cfg=dict(type=...) with one of {tuple(PATCH_EMBEDS.values())}")
        warn(f'embed_mode={embed_mode!r}', f'patch_cfg=dict(type={PATCH_EMBEDS[embed_mode]!r})')
        patch_cfg = dict(patch_cfg, type=PATCH_EMBEDS[embed_mode])
    if 'ref_pos_embed' in deprecated:
        ref_pos_embed = deprecated['ref_pos_embed']
        if isinstance(ref_pos_embed, bool):
            ref_pos_cfg = dict(type=REF_POS_EMBED) if ref_pos_embed else None
        elif isinstance(ref_pos_embed, dict):
            ref_pos_cfg = dict(ref_pos_embed, type=REF_POS_EMBED)
        else:
            raise TypeError(f'ref_pos_embed must be a bool or a dict of arguments, got {ref_pos_embed!r}')
        warn(f'ref_pos_embed={ref_pos_embed!r}', f'ref_pos_cfg={ref_pos_cfg!r}')
    if 'pos_embed' in deprecated:
        pos_embed = deprecated['pos_embed']
        if pos_embed not in POS_EMBEDS:
            raise ValueError(f'pos_embed must be one of {POS_EMBEDS}, got {pos_embed!r}')
        pos_embed_cfg = None if pos_embed is None else dict(type=pos_embed)
        warn(f'pos_embed={pos_embed!r}', f'pos_embed_cfg={pos_embed_cfg!r}')
    return patch_cfg, ref_pos_cfg, pos_embed_cfg


@MODELS.register_module()
class PEViT(BaseBackbone):
    """Vision Transformer for patch-shuffled (RS) and sub-patch-mixed (MI) images, position-free by default.

    Patch embedding, optional reference position encoding on the patch tokens, optional cls
    token, then mmpretrain's pre-norm ``TransformerEncoderLayer`` blocks. The stems are registered
    modules built from ``*_cfg`` dicts, as mmpretrain's ``VisionTransformer`` builds its patch
    embedding. With no absolute position embedding (the default) the cls-token and mean-pooled
    outputs are invariant to the order of the patches, and the token outputs follow it (permutation
    equivariant). Parameter names follow mmpretrain's ``VisionTransformer``, so its checkpoints load
    directly (see :meth:`_adapt_checkpoint`).

    Args:
        arch (str | dict): ``'deit-tiny'`` / ``'deit-small'`` / ``'deit-base'`` (aliases ``'t'``,
            ``'s'``, ``'b'``, ``'deit-t'``, ...) or a dict with ``embed_dims``, ``num_layers``,
            ``num_heads`` and ``feedforward_channels``. Defaults to ``'deit-small'``.
        patch_size (int): Kernel = stride of the patch embedding on the image the backbone gets:
            P for plain / RS images, the sub-patch size S for MI images. Defaults to 16.
        in_channels (int): Image channels. Defaults to 3.
        patch_cfg (dict): The patch embedding, (B, in_channels, H, W) -> (B, H * W / patch_size^2, C):
            ``type`` ``'mmppml.ConvPatchEmbed'`` (conv; plain and RS images, the default when no type
            is given), ``'mmppml.MIPatchEmbed'`` (conv, GELU, 1x1 conv; ``act_cfg=None`` for the linear
            MI embedding, into which a plain patch conv converts exactly) or ``'mmppml.BagPatchEmbed'``
            (sorted values of each block, then an MLP: for pixel bags), and their other arguments;
            ``in_channels``, ``embed_dims``, ``patch_size`` and ``bias=not pre_norm`` are filled in.
            Defaults to ``dict(type='mmppml.ConvPatchEmbed')``.
        with_cls_token (bool): Prepend a learnable cls token. Defaults to True.
        ref_pos_cfg (dict, optional): The reference position encoding ``x + sigmoid(W2 relu(W1 (x - r)))``
            added to the (B, N, C) patch tokens, e.g. ``dict(type='mmppml.ReferencePosEmbed',
            hidden_dims=...)`` (``embed_dims`` filled in); None for none.
            Defaults to ``dict(type='mmppml.ReferencePosEmbed')``.
        pos_embed_cfg (dict, optional): The absolute position embedding: None (position-free, for RS
            and RS-on-MI images, whose layout is hidden), ``dict(type='learned')`` (a (1, L, C)
            parameter ``pos_embed`` on the grid of ``img_size``, resized by ``interpolate_mode`` for
            other grids; for MI images, which keep the layout) or ``dict(type='sincos')`` (fixed 2D
            sin-cos, built for each grid; optional ``temperature``). Either breaks the order
            invariance. Defaults to None.
        img_size (int | tuple): Typical size of the images the backbone gets (for MI: the mixed
            size); sets the grid of a learned position embedding only. Defaults to 224.
        out_type (str): ``'cls_token'`` (B, C), ``'avg_featmap'`` (B, C) normed mean of the patch
            tokens, ``'featmap'`` (B, C, h, w) on the token grid, or ``'raw'`` (B, L, C) all tokens.
            Defaults to ``'cls_token'``.
        out_indices (int | Sequence[int]): Layers to output, negative counts from the end.
            Defaults to -1.
        drop_rate (float): Dropout after the embeddings and in the blocks. Defaults to 0.
        drop_path_rate (float): Stochastic depth, rising linearly to this value. Defaults to 0.
        qkv_bias (bool): Bias of the qkv projection. Defaults to True.
        norm_cfg (dict): Norm layers. Defaults to ``dict(type='LN', eps=1e-6)``.
        final_norm (bool): Norm after the last block. Defaults to True.
        frozen_stages (int): -1 freezes nothing; k >= 0 freezes the stem (patch embedding, position
            encodings, cls token, pre-norm) and the first k blocks; all blocks also freeze the final
            norms. Defaults to -1.
        pre_norm (bool): Norm before the first block, with a bias-free patch conv (CLIP style).
            Defaults to False.
        layer_cfgs (dict | Sequence[dict]): Extra arguments of each ``TransformerEncoderLayer``.
        interpolate_mode (str): How a learned position embedding is resized. Defaults to 'bicubic'.
        init_cfg (dict | list[dict], optional): ``dict(type='Pretrained', checkpoint=...)`` loads an
            mmpretrain ViT / DeiT checkpoint (``prefix='backbone.'`` for a classifier's), adapted by
            :meth:`_adapt_checkpoint`.
        **deprecated: The old spellings, accepted for one release with a ``DeprecationWarning``:
            ``embed_mode='rs' | 'mi' | 'bag'`` (now ``patch_cfg=dict(type=...)``), ``ref_pos_embed=bool
            | dict`` (now ``ref_pos_cfg``) and ``pos_embed=None | 'learned' | 'sincos'`` (now
            ``pos_embed_cfg``); see :func:`translate_deprecated_args`.
    """
    arch_zoo = {
        **dict.fromkeys(['t', 'deit-t', 'deit-tiny'],
                        dict(embed_dims=192, num_layers=12, num_heads=3, feedforward_channels=768)),
        **dict.fromkeys(['s', 'deit-s', 'deit-small'],
                        dict(embed_dims=384, num_layers=12, num_heads=6, feedforward_channels=1536)),
        **dict.fromkeys(['b', 'deit-b', 'deit-base'],
                        dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072)),
    }
    OUT_TYPES = ('cls_token', 'avg_featmap', 'featmap', 'raw')

    def __init__(self,
                 arch: Union[str, dict] = 'deit-small',
                 patch_size: int = 16,
                 in_channels: int = 3,
                 patch_cfg: dict = dict(type=PATCH_EMBEDS['rs']),
                 with_cls_token: bool = True,
                 ref_pos_cfg: Optional[dict] = dict(type=REF_POS_EMBED),
                 pos_embed_cfg: Optional[dict] = None,
                 img_size: Union[int, Tuple[int, int]] = 224,
                 out_type: str = 'cls_token',
                 out_indices: Union[int, Sequence[int]] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 final_norm: bool = True,
                 frozen_stages: int = -1,
                 pre_norm: bool = False,
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 interpolate_mode: str = 'bicubic',
                 init_cfg=None,
                 **deprecated):
        super().__init__(init_cfg=init_cfg)
        if deprecated:  # the old spellings, for one release
            patch_cfg, ref_pos_cfg, pos_embed_cfg = translate_deprecated_args(deprecated, patch_cfg, ref_pos_cfg,
                                                                              pos_embed_cfg)
        self.arch_settings = self._parse_arch(arch)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']

        if out_type not in self.OUT_TYPES:
            raise ValueError(f'out_type must be one of {self.OUT_TYPES}, got {out_type!r}')
        if out_type == 'cls_token' and not with_cls_token:
            raise ValueError("out_type='cls_token' needs with_cls_token=True; "
                             "use out_type='avg_featmap' for a model without cls token")
        pos_embed = self._parse_pos_embed_cfg(pos_embed_cfg)
        self.out_type = out_type
        self.out_indices = self._parse_out_indices(out_indices)
        if not (isinstance(frozen_stages, int) and -1 <= frozen_stages <= self.num_layers):
            raise ValueError(f'frozen_stages must be an int in [-1, {self.num_layers}], got {frozen_stages!r}')
        self.frozen_stages = frozen_stages

        # Stem: patch tokens, their content-based encoding, the cls token, an optional absolute one.
        self.patch_embed = self._build_patch_embed(patch_cfg, in_channels, patch_size, bias=not pre_norm)
        self.ref_pos_embed = self._build_ref_pos_embed(ref_pos_cfg)
        self.with_cls_token = with_cls_token
        self.num_extra_tokens = int(with_cls_token)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims)) if with_cls_token else None

        self.pos_embed_cfg = None if pos_embed_cfg is None else dict(pos_embed_cfg)
        self.pos_embed_type = pos_embed
        self.interpolate_mode = interpolate_mode
        self.img_size = to_2tuple(img_size)
        self.patch_resolution = (self.img_size[0] // patch_size, self.img_size[1] // patch_size)
        if pos_embed == 'learned':
            if self.img_size[0] % patch_size or self.img_size[1] % patch_size:
                raise ValueError(f'a learned pos_embed_cfg needs img_size {self.img_size} to be a multiple of '
                                 f'patch_size={patch_size}')
            num_tokens = self.patch_resolution[0] * self.patch_resolution[1] + self.num_extra_tokens
            self.pos_embed = nn.Parameter(torch.zeros(1, num_tokens, self.embed_dims))
        else:
            self.pos_embed = None
            if pos_embed == 'sincos':
                sincos_pos_embed((1, 1), self.embed_dims)  # validates embed_dims early
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        self.pre_norm = build_norm_layer(norm_cfg, self.embed_dims) if pre_norm else nn.Identity()

        # Encoder: mmpretrain's pre-norm blocks with linearly rising stochastic depth.
        if isinstance(layer_cfgs, dict):
            layer_cfgs = [layer_cfgs] * self.num_layers
        if len(layer_cfgs) != self.num_layers:
            raise ValueError(f'layer_cfgs has {len(layer_cfgs)} entries for {self.num_layers} layers')
        drop_path_rates = np.linspace(0, drop_path_rate, self.num_layers)
        self.layers = ModuleList()
        for i in range(self.num_layers):
            layer_cfg = dict(
                embed_dims=self.embed_dims,
                num_heads=self.arch_settings['num_heads'],
                feedforward_channels=self.arch_settings['feedforward_channels'],
                drop_rate=drop_rate,
                drop_path_rate=float(drop_path_rates[i]),
                qkv_bias=qkv_bias,
                norm_cfg=norm_cfg)
            layer_cfg.update(layer_cfgs[i])
            self.layers.append(TransformerEncoderLayer(**layer_cfg))

        self.final_norm = final_norm
        if final_norm:
            self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)
        if out_type == 'avg_featmap':
            self.ln2 = build_norm_layer(norm_cfg, self.embed_dims)

        if self.frozen_stages >= 0:
            self._freeze_stages()
        self.checkpoint_notes = LoadReport()  # what the last load's pre-hook converted and skipped
        self._register_load_state_dict_pre_hook(self._adapt_checkpoint)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def _parse_arch(cls, arch: Union[str, dict]) -> dict:
        if isinstance(arch, str):
            name = arch.lower()
            if name not in cls.arch_zoo:
                raise ValueError(f'unknown arch {arch!r}; choose from {sorted(cls.arch_zoo)} or pass a dict '
                                 f'with keys {ARCH_KEYS}')
            return dict(cls.arch_zoo[name])
        if isinstance(arch, dict):
            missing = [key for key in ARCH_KEYS if key not in arch]
            if missing:
                raise KeyError(f'arch dict lacks {missing}; it needs {ARCH_KEYS}')
            return dict(arch)
        raise TypeError(f'arch must be a str or a dict, got {type(arch).__name__}')

    def _parse_out_indices(self, out_indices: Union[int, Sequence[int]]) -> List[int]:
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        if not isinstance(out_indices, Sequence) or not all(isinstance(i, int) for i in out_indices):
            raise TypeError(f'out_indices must be an int or a sequence of ints, got {out_indices!r}')
        parsed = []
        for index in out_indices:
            if not -self.num_layers <= index < self.num_layers:
                raise ValueError(f'out_indices entry {index} is out of range for {self.num_layers} layers')
            parsed.append(index % self.num_layers)
        return parsed

    @staticmethod
    def _parse_pos_embed_cfg(pos_embed_cfg: Optional[dict]) -> Optional[str]:
        """The type (None, ``'learned'`` or ``'sincos'``) of a checked ``pos_embed_cfg``."""
        if pos_embed_cfg is None:
            return None
        if not isinstance(pos_embed_cfg, dict):
            raise TypeError(f'pos_embed_cfg must be None or a dict, got {pos_embed_cfg!r}')
        pos_embed = pos_embed_cfg.get('type')
        if pos_embed not in POS_EMBEDS[1:]:
            raise ValueError(f"pos_embed_cfg['type'] must be one of {POS_EMBEDS[1:]}, got {pos_embed!r}")
        extra = sorted(set(pos_embed_cfg) - {'type', *POS_EMBED_KEYS[pos_embed]})
        if extra:
            raise ValueError(f'pos_embed_cfg of type {pos_embed!r} takes no {extra}')
        return pos_embed

    def _build_patch_embed(self, patch_cfg: dict, in_channels: int, patch_size: int, bias: bool) -> nn.Module:
        if not isinstance(patch_cfg, dict):
            raise TypeError(f'patch_cfg must be a dict, got {patch_cfg!r}')
        cfg = dict(
            type=PATCH_EMBEDS['rs'],
            in_channels=in_channels,
            embed_dims=self.embed_dims,
            patch_size=patch_size,
            bias=bias)
        cfg.update(patch_cfg)
        return MODELS.build(cfg)

    def _build_ref_pos_embed(self, ref_pos_cfg: Optional[dict]) -> Optional[nn.Module]:
        if ref_pos_cfg is None:
            return None
        if not isinstance(ref_pos_cfg, dict):
            raise TypeError(f'ref_pos_cfg must be None or a dict, got {ref_pos_cfg!r}')
        return MODELS.build(dict(dict(type=REF_POS_EMBED, embed_dims=self.embed_dims), **ref_pos_cfg))

    # ------------------------------------------------------------------ weights
    def init_weights(self):
        """Initialize as mmpretrain's ViT; a ``Pretrained`` init_cfg then loads its checkpoint over it.

        MMEngine applies a ``Pretrained`` init_cfg last, through ``load_state_dict``, so the
        checkpoint passes :meth:`_adapt_checkpoint` like any other load.
        """
        if not self.is_init and self.pos_embed is not None:
            trunc_normal_(self.pos_embed, std=0.02)
        super().init_weights()

    def load_pretrained(self, checkpoint: str, prefix: Optional[str] = None, map_location: str = 'cpu') -> LoadReport:
        """Load an mmpretrain ``VisionTransformer`` / DeiT checkpoint and say what was loaded.

        The checkpoint may be a classifier's (keys ``backbone.*``, found automatically), a bare
        backbone state dict, or either wrapped in ``{'state_dict': ...}`` / ``{'model': ...}``. It is
        adapted by :func:`~mmppml.models.utils.adapt_vit_state_dict` (as in every
        ``load_state_dict``) and loaded non-strictly.

        Args:
            checkpoint (str): Path or URL.
            prefix (str, optional): Keep only keys with this prefix, stripped. Defaults to
                ``'backbone.'`` when present, else none.
            map_location (str): Defaults to ``'cpu'``.

        Returns:
            LoadReport: what was loaded, converted, skipped and left missing.
        """
        return load_pretrained_backbone(self, checkpoint, prefix, map_location)

    def _adapt_checkpoint(self, state_dict: Dict[str, torch.Tensor], prefix: str, *args, **kwargs) -> None:
        """``load_state_dict`` pre-hook: :func:`~mmppml.models.utils.adapt_vit_state_dict`."""
        adapt_vit_state_dict(self, state_dict, prefix, self.checkpoint_notes)

    # ------------------------------------------------------------------ forward
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Args: x (torch.Tensor): (B, in_channels, H, W), H and W multiples of ``patch_size``.

        Returns:
            tuple[torch.Tensor]: one output per ``out_indices`` entry, shaped by ``out_type``.
        """
        x, grid = self.embed(x)
        x = self.pre_norm(self.drop_after_pos(x))

        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == self.num_layers - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, grid))
        return tuple(outs)

    def embed(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Tokens before the blocks: patch tokens with their encodings, the cls token first if any.

        Returns:
            tuple: (B, L, C) tokens and the (h, w) patch grid.
        """
        x, grid = self.patch_embed(x)
        if self.ref_pos_embed is not None:
            x = self.ref_pos_embed(x)
        if self.cls_token is not None:
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        if self.pos_embed_type is not None:
            x = x + self._absolute_pos_embed(grid).to(x)
        return x, grid

    def _absolute_pos_embed(self, grid: Tuple[int, int]) -> torch.Tensor:
        """(1, L, C) absolute position embedding for a token grid, zero for the cls token if sincos."""
        if self.pos_embed_type == 'learned':
            return resize_pos_embed(self.pos_embed, self.patch_resolution, grid, self.interpolate_mode,
                                    self.num_extra_tokens)
        options = {key: value for key, value in self.pos_embed_cfg.items() if key != 'type'}
        table = sincos_pos_embed(grid, self.embed_dims, **options)
        return F.pad(table, (0, 0, self.num_extra_tokens, 0))

    def _format_output(self, x: torch.Tensor, grid: Tuple[int, int]) -> torch.Tensor:
        """One output of the (B, L, C) tokens after a block, shaped by ``out_type``."""
        if self.out_type == 'raw':
            return x
        if self.out_type == 'cls_token':
            return x[:, 0]
        patch_tokens = x[:, self.num_extra_tokens:]
        if self.out_type == 'featmap':
            return patch_tokens.reshape(x.shape[0], *grid, -1).permute(0, 3, 1, 2)
        return self.ln2(patch_tokens.mean(dim=1))

    # ------------------------------------------------------------------ training helpers
    def _stem_modules(self) -> List[nn.Module]:
        return [m for m in (self.patch_embed, self.ref_pos_embed, self.drop_after_pos, self.pre_norm) if m is not None]

    def _freeze_stages(self):
        frozen = self._stem_modules() + list(self.layers[:self.frozen_stages])
        if self.frozen_stages == self.num_layers:
            frozen += [getattr(self, name) for name in ('ln1', 'ln2') if hasattr(self, name)]
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False
        for param in (self.cls_token, self.pos_embed):
            if param is not None:
                param.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.frozen_stages >= 0:
            self._freeze_stages()
        return self

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer-wise depth for ``LearningRateDecayOptimWrapperConstructor``.

        The stem (patch embedding, position encodings, cls token, pre-norm) is depth 0, block i is
        i + 1, and the final norms and anything outside this backbone (``prefix`` not matching,
        e.g. the head) are the last depth ``num_layers + 1``.

        Args:
            param_name (str): Parameter name, e.g. ``'backbone.layers.3.attn.qkv.weight'``.
            prefix (str): This backbone's prefix in ``param_name``, e.g. ``'backbone.'``.

        Returns:
            tuple[int, int]: the depth and the number of depths (``num_layers + 2``).
        """
        num_depths = self.num_layers + 2
        if not param_name.startswith(prefix):
            return num_depths - 1, num_depths
        name = param_name[len(prefix):]
        if name in ('cls_token', 'pos_embed') or name.startswith(('patch_embed.', 'ref_pos_embed.', 'pre_norm.')):
            return 0, num_depths
        if name.startswith('layers.'):
            return int(name.split('.')[1]) + 1, num_depths
        return num_depths - 1, num_depths
