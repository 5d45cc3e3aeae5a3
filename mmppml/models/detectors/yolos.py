"""YOLOS-style detector: detection tokens through a plain ViT, then set prediction."""
import inspect
from typing import Optional

import torch
from mmdet.models.detectors import SingleStageDetector
from mmdet.structures import DetDataSample, SampleList
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torchvision.ops import sigmoid_focal_loss

from mmppml.registry import MODELS
from ..utils.denoising import DenoisingQueries, DenoisingTokens
from ..utils.set_targets import cell_reference_boxes, centre_cell_targets, repeat_gt_instances


@MODELS.register_module()
class YOLOS(SingleStageDetector):
    """Detector whose backbone outputs detection tokens and whose head predicts a set of boxes.

    The backbone (e.g. :class:`YOLOSBackbone`) returns a tuple of (B, Q, C) detection-token states,
    one per output layer; they are stacked into the (num_layers, B, Q, C) ``hidden_states`` that
    mmdet's ``DETRHead`` takes, so its Hungarian matching, losses (the last layer plus auxiliary
    ones for earlier outputs) and post-processing apply unchanged. There is no neck, encoder or
    decoder: the ViT itself is the transformer, as in YOLOS. Boxes are predicted relative to
    ``img_shape`` and mapped back through ``scale_factor`` (which ``MixSubPatches`` updates).

    Aids for small data, each off by default; the first three train only (the test-time model is the same
    without them), ``det_token_init='top_patches'`` of :class:`YOLOSBackbone` changes the model:

    - ``one_to_many_cfg=dict(num_repeats=k, loss_weight=w)``: the backbone's extra detection tokens are
      matched to every box repeated k times (one-to-many matching, as H-DETR's auxiliary branch), with the
      head's losses times w.
    - ``aux_head``: a dense detection head (e.g. mmdet's ``RetinaHead`` with its own ``train_cfg``) on the
      patch tokens after the last block, trained beside the set prediction (as Co-DETR's auxiliary heads).
    - ``denoising_cfg=dict(num_groups=g, label_noise=p, box_noise=s, loss_weight=w)``: g groups of
      denoising tokens, each a noised copy of every ground-truth box (:class:`~..utils.denoising.DenoisingTokens`),
      hidden from the other tokens and trained without matching to bring back their box and class (DN-DETR,
      DINO); with a head that takes reference boxes, the noised boxes are their references.
    - With ``det_token_init='top_patches'`` the backbone's patch scorer learns, with a sigmoid focal loss
      times ``patch_score_loss_weight``, which token cells hold a box centre, and each detection token's box
      is predicted relative to its patch (a box two cells wide at the patch's centre).

    Args:
        backbone (dict): Config of a backbone returning detection tokens.
        bbox_head (dict): Config of a set-prediction head, e.g. ``DETRHead``.
        one_to_many_cfg (dict, optional): ``num_repeats`` (int >= 1) and ``loss_weight`` (float).
        aux_head (dict, optional): Config of a dense head on the (B, C, h, w) patch map.
        denoising_cfg (dict, optional): The arguments of ``DenoisingTokens`` but the class count and width.
        patch_score_loss_weight (float): Weight of the patch scorer's loss. Defaults to 1.0.
        train_cfg (dict, optional): Head training config (the ``HungarianAssigner``).
        test_cfg (dict, optional): Head testing config (``max_per_img``).
        data_preprocessor (dict, optional): Usually ``DetDataPreprocessor`` with ``pad_size_divisor``
            a multiple of the backbone's patch size.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 bbox_head: ConfigType,
                 one_to_many_cfg: OptConfigType = None,
                 aux_head: OptConfigType = None,
                 denoising_cfg: OptConfigType = None,
                 patch_score_loss_weight: float = 1.0,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(  # no neck: the head reads the backbone's tokens
            backbone,
            bbox_head=bbox_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        backbone_dims = getattr(self.backbone, 'embed_dims', None)
        head_dims = getattr(self.bbox_head, 'embed_dims', None)
        if backbone_dims is not None and head_dims is not None and backbone_dims != head_dims:
            raise ValueError(f'bbox_head.embed_dims ({head_dims}) must equal the backbone embed_dims '
                             f'({backbone_dims})')
        self.head_takes_references = 'references' in inspect.signature(self.bbox_head.forward).parameters
        if getattr(self.backbone, 'patch_scorer', None) is not None and not self.head_takes_references:
            raise ValueError("det_token_init='top_patches' predicts boxes relative to the tokens' patches: use a "
                             'head whose forward takes references (mmppml.YOLOSHead), not '
                             f'{type(self.bbox_head).__name__}')
        self.one_to_many_cfg = self._check_one_to_many(one_to_many_cfg)
        self.aux_head = MODELS.build(aux_head) if aux_head is not None else None
        self.denoising = self._build_denoising(denoising_cfg)
        self.patch_score_loss_weight = float(patch_score_loss_weight)

    def _check_one_to_many(self, cfg: OptConfigType) -> Optional[dict]:
        if cfg is None:
            return None
        cfg = dict(dict(num_repeats=2, loss_weight=1.0), **cfg)
        if set(cfg) != {'num_repeats', 'loss_weight'}:
            raise ValueError(f'one_to_many_cfg takes num_repeats and loss_weight, got {sorted(cfg)}')
        if not isinstance(cfg['num_repeats'], int) or cfg['num_repeats'] < 1:
            raise ValueError(f"one_to_many_cfg.num_repeats must be an int >= 1, got {cfg['num_repeats']!r}")
        if not getattr(self.backbone, 'num_extra_det_tokens', 0):
            raise ValueError('one_to_many_cfg needs training-only detection tokens: set the backbone\'s '
                             'num_extra_det_tokens (a YOLOSBackbone)')
        return cfg

    def _build_denoising(self, cfg: OptConfigType) -> Optional[DenoisingTokens]:
        if cfg is None:
            return None
        if not hasattr(self.backbone, 'forward_tokens'):
            raise ValueError('denoising_cfg needs a backbone that runs extra token groups (a YOLOSBackbone)')
        return DenoisingTokens(self.bbox_head.num_classes, self.backbone.embed_dims, **cfg)

    def extract_feat(self, batch_inputs: torch.Tensor) -> torch.Tensor:
        """Detection-token states.

        Args:
            batch_inputs (torch.Tensor): (B, 3, H, W) images.

        Returns:
            torch.Tensor: (num_layers, B, Q, C), the last layer last.
        """
        return self._stack(self.backbone(batch_inputs))

    @staticmethod
    def _stack(det_states) -> torch.Tensor:
        if isinstance(det_states, torch.Tensor):
            det_states = (det_states, )
        if any(state.dim() != 3 for state in det_states):
            raise ValueError('the YOLOS backbone must return (B, Q, C) detection tokens, got shapes '
                             f'{[tuple(state.shape) for state in det_states]}')
        return torch.stack(det_states)

    def loss(self, batch_inputs: torch.Tensor, batch_data_samples: SampleList) -> dict:
        """The set-prediction losses, plus those of the aids that are set.

        Args:
            batch_inputs (torch.Tensor): (B, 3, H, W) images.
            batch_data_samples (list[DetDataSample]): Samples with ``gt_instances``.

        Returns:
            dict: Losses; the one-to-many ones prefixed ``o2m.``, the dense head's ``aux.``, the denoising
            tokens' ``dn.``.
        """
        if not hasattr(self.backbone, 'forward_tokens'):
            return super().loss(batch_inputs, batch_data_samples)
        queries = self.denoising(batch_data_samples) if self.denoising is not None else None
        tokens = self._tokens(batch_inputs, batch_data_samples, denoising=queries)
        losses = self.bbox_head.loss(
            self._stack(tokens.det), batch_data_samples,
            **self._references(tokens.det_cells, tokens, batch_inputs, batch_data_samples))
        if self.one_to_many_cfg is not None:
            repeated = repeat_gt_instances(batch_data_samples, self.one_to_many_cfg['num_repeats'])
            weight = self.one_to_many_cfg['loss_weight']
            references = self._references(tokens.extra_cells, tokens, batch_inputs, batch_data_samples)
            for name, value in self.bbox_head.loss(self._stack(tokens.extra), repeated, **references).items():
                losses['o2m.' + name] = value * weight if 'loss' in name else value
        if queries is not None:
            losses.update(self._denoising_loss(tokens, queries, batch_data_samples))
        if self.aux_head is not None:
            for name, value in self.aux_head.loss((tokens.patch_map, ), batch_data_samples).items():
                losses['aux.' + name] = value
        if tokens.patch_scores is not None:
            targets = centre_cell_targets(batch_data_samples, batch_inputs.shape[-2:], tokens.patch_map.shape[-2:],
                                          tokens.patch_scores.device)
            focal = sigmoid_focal_loss(tokens.patch_scores, targets, reduction='sum') / targets.sum().clamp(min=1)
            losses['loss_patch_score'] = focal * self.patch_score_loss_weight
        return losses

    def _denoising_loss(self, tokens, queries: DenoisingQueries, batch_data_samples: SampleList) -> dict:
        references = dict(references=queries.references) if self.head_takes_references else {}
        cls_scores, boxes = self.bbox_head(self._stack(tokens.denoising), **references)
        return self.denoising.loss(self.bbox_head, cls_scores, boxes, queries, batch_data_samples)

    def predict(self, batch_inputs: torch.Tensor, batch_data_samples: SampleList, rescale: bool = True) -> SampleList:
        """Detections of the detection tokens (boxes relative to their patches where they started from one)."""
        if not hasattr(self.backbone, 'forward_tokens'):
            return super().predict(batch_inputs, batch_data_samples, rescale)
        tokens = self._tokens(batch_inputs, batch_data_samples, with_extra=False)
        results = self.bbox_head.predict(
            self._stack(tokens.det),
            batch_data_samples,
            rescale=rescale,
            **self._references(tokens.det_cells, tokens, batch_inputs, batch_data_samples))
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _forward(self, batch_inputs: torch.Tensor, batch_data_samples: Optional[SampleList] = None) -> tuple:
        """The head's raw outputs (``mode='tensor'``), boxes relative to the tokens' patches where they have one
        (normalised by the batch input's size when no data samples are given)."""
        if not hasattr(self.backbone, 'forward_tokens'):
            return super()._forward(batch_inputs, batch_data_samples)
        if batch_data_samples is None:
            batch_data_samples = [
                DetDataSample(metainfo=dict(img_shape=tuple(batch_inputs.shape[-2:])))
                for _ in range(len(batch_inputs))
            ]
        tokens = self._tokens(batch_inputs, batch_data_samples, with_extra=False)
        return self.bbox_head.forward(
            self._stack(tokens.det), **self._references(tokens.det_cells, tokens, batch_inputs, batch_data_samples))

    def _tokens(self,
                batch_inputs: torch.Tensor,
                batch_data_samples: SampleList,
                with_extra: Optional[bool] = None,
                denoising: Optional[DenoisingQueries] = None):
        """The backbone's :class:`YOLOSTokens`, its patches proposed inside each image's ``img_shape``."""
        img_shapes = [sample.metainfo['img_shape'] for sample in batch_data_samples]
        return self.backbone.forward_tokens(
            batch_inputs,
            with_extra=with_extra,
            img_shapes=img_shapes,
            denoising=None if denoising is None else denoising.states,
            denoising_groups=() if denoising is None else denoising.group_sizes)

    @staticmethod
    def _references(cells: Optional[torch.Tensor], tokens, batch_inputs: torch.Tensor,
                    batch_data_samples: SampleList) -> dict:
        """``dict(references=...)``, the reference boxes of tokens started from patches, or ``{}``."""
        if cells is None:
            return {}
        metas = [sample.metainfo for sample in batch_data_samples]
        return dict(references=cell_reference_boxes(cells, tokens.patch_map.shape[-2:], batch_inputs.shape[-2:], metas))
