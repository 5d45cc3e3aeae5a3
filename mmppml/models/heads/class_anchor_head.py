"""Classification head trained towards predefined class anchors, predicting the nearest anchor."""
import copy
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmpretrain.evaluation.metrics import Accuracy
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample

from mmppml.registry import MODELS
from ..losses import BaseAnchorLoss


@MODELS.register_module()
class ClassAnchorHead(ClsHead):
    """Projects backbone features to an anchor space and classifies by the nearest anchor.

    Training pulls each projected feature to the fixed anchor of its class with an anchor loss
    (:class:`EuclideanAnchorLoss` or :class:`CosineAnchorLoss`), optionally plus ``ce_weight``
    times the cross-entropy of the anchor scores. Prediction scores a sample against all anchors
    with the loss's own distance: ``scores = -score_scale * distance`` (for the cosine loss this is
    ``score_scale * cos`` up to a constant), soft-maxed as usual so mmpretrain's metrics apply.

    Works in any mmpretrain classifier whose backbone (or neck) gives one (B, in_channels)
    vector per image, e.g. ``mmppml.PEViT`` with ``out_type='cls_token'`` or a CNN followed by
    ``GlobalAveragePooling``.

    Args:
        num_classes (int): Number of classes K.
        in_channels (int): Channels C of the backbone features.
        embed_dims (int, optional): Dimension D of the anchor space. Defaults to the loss
            config's ``embed_dims`` if it has one, else K.
        hidden_dims (int, optional): Width of a hidden layer of the projection; None for a
            single linear layer. Defaults to None.
        act_cfg (dict): Activation after the hidden layer. Defaults to ``dict(type='ReLU')``.
        loss (dict | BaseAnchorLoss): The anchor loss; ``num_classes`` and ``embed_dims`` are
            filled in from the head. Defaults to
            ``dict(type='mmppml.CosineAnchorLoss', principle='simplex')``.
        ce_weight (float): Weight of an added cross-entropy on the anchor scores; 0 disables it.
            Defaults to 0.
        score_scale (float): Multiplier turning distances into logits. Defaults to 10.
        topk (int | Sequence[int]): Top-k accuracy for ``cal_acc``. Defaults to ``(1, )``.
        cal_acc (bool): Log training accuracy (not with Mixup / CutMix). Defaults to False.
        init_cfg (dict, optional): Initialization of the projection. Defaults to a truncated
            normal (std 0.02) on Linear layers.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 embed_dims: Optional[int] = None,
                 hidden_dims: Optional[int] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 loss: Union[dict, BaseAnchorLoss] = dict(type='mmppml.CosineAnchorLoss', principle='simplex'),
                 ce_weight: float = 0.,
                 score_scale: float = 10.,
                 topk: Union[int, Sequence[int]] = (1, ),
                 cal_acc: bool = False,
                 init_cfg: Optional[dict] = dict(type='TruncNormal', layer='Linear', std=0.02)):
        if not isinstance(loss, nn.Module):
            loss = copy.deepcopy(dict(loss))
            embed_dims = embed_dims or loss.get('embed_dims') or num_classes
            loss.setdefault('num_classes', num_classes)
            loss.setdefault('embed_dims', embed_dims)
        elif embed_dims is None:
            embed_dims = getattr(loss, 'embed_dims', None)
        topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        super().__init__(loss=loss, topk=topk, cal_acc=cal_acc, init_cfg=init_cfg)

        if not isinstance(self.loss_module, BaseAnchorLoss):
            raise TypeError('ClassAnchorHead needs an anchor loss (mmppml.EuclideanAnchorLoss or '
                            f'mmppml.CosineAnchorLoss), got {type(self.loss_module).__name__}.')
        if (self.loss_module.num_classes, self.loss_module.embed_dims) != (num_classes, embed_dims):
            raise ValueError(f'The head has num_classes={num_classes}, embed_dims={embed_dims} but its loss has '
                             f'num_classes={self.loss_module.num_classes}, '
                             f'embed_dims={self.loss_module.embed_dims}.')
        if in_channels <= 0:
            raise ValueError(f'in_channels must be positive, got {in_channels}.')
        if ce_weight < 0:
            raise ValueError(f'ce_weight must be >= 0, got {ce_weight}.')
        if score_scale <= 0:
            raise ValueError(f'score_scale must be positive, got {score_scale}.')

        self.num_classes = num_classes
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.ce_weight = ce_weight
        self.score_scale = score_scale
        if hidden_dims is None:
            self.projection = nn.Linear(in_channels, embed_dims)
        else:
            self.projection = nn.Sequential(
                nn.Linear(in_channels, hidden_dims), build_activation_layer(act_cfg),
                nn.Linear(hidden_dims, embed_dims))

    @property
    def anchors(self) -> torch.Tensor:
        """The fixed class anchors, shape (K, D)."""
        return self.loss_module.anchors

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Project the last stage's features (B, C) to the anchor space (B, D)."""
        x = feats[-1]
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f'ClassAnchorHead expects features of shape (B, {self.in_channels}), got '
                             f'{tuple(x.shape)}; pool feature maps first (e.g. a GlobalAveragePooling neck or '
                             "out_type='cls_token' / 'avg_featmap').")
        return self.projection(x)

    def scores(self, embeds: torch.Tensor) -> torch.Tensor:
        """Logits (B, K) of embeddings (B, D): ``-score_scale`` times their anchor distances."""
        return -self.score_scale * self.loss_module.distances(embeds)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Class logits (B, K) from the backbone features."""
        return self.scores(self.pre_logits(feats))

    def loss(self, feats: Tuple[torch.Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        """Anchor loss (``loss_anchor``) and, if ``ce_weight > 0``, cross-entropy (``loss_ce``).

        Args:
            feats (tuple[Tensor]): Backbone features; the last one has shape (B, C).
            data_samples (list[DataSample]): With ``gt_label`` or, after Mixup / CutMix,
                ``gt_score`` of shape (K, ).
            **kwargs: Passed to the anchor loss (e.g. ``weight`` of shape (B, )).

        Returns:
            dict[str, Tensor]: The losses, and ``accuracy_top-k`` if ``cal_acc``.
        """
        embeds = self.pre_logits(feats)
        if 'gt_score' in data_samples[0]:
            target = torch.stack([sample.gt_score for sample in data_samples])
        else:
            target = torch.cat([sample.gt_label for sample in data_samples])

        losses = dict(loss_anchor=self.loss_module(embeds, target, avg_factor=embeds.size(0), **kwargs))
        if self.ce_weight > 0 or self.cal_acc:
            scores = self.scores(embeds)
        if self.ce_weight > 0:
            # Class indices or probabilities (B, K): F.cross_entropy takes both.
            losses['loss_ce'] = self.ce_weight * F.cross_entropy(scores, target)
        if self.cal_acc:
            if target.dim() != 1:
                raise ValueError('cal_acc needs hard labels; it is pointless with Mixup / CutMix.')
            # No score threshold: anchor logits are <= 0, which the default threshold 0 rejects.
            accuracies = Accuracy.calculate(scores, target, topk=self.topk, thrs=(None, ))
            losses.update({f'accuracy_top-{k}': acc[0] for k, acc in zip(self.topk, accuracies)})
        return losses
