"""Discriminative losses that pull each feature to its predefined class anchor.

No pairs or triplets: every sample is compared with the K fixed anchors only, so the loss is
computed per sample, like cross-entropy.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss

from mmppml.registry import MODELS
from .anchors import make_anchors

REDUCTIONS = ('none', 'mean', 'sum')


def reduce_sample_losses(loss: torch.Tensor,
                         weight: Optional[torch.Tensor] = None,
                         reduction: str = 'mean',
                         avg_factor: Optional[float] = None) -> torch.Tensor:
    """Weight and reduce per-sample losses with mmpretrain's ``weight_reduce_loss``.

    Args:
        loss (Tensor): Per-sample losses, shape (N, ).
        weight (Tensor, optional): Per-sample weights, shape (N, ).
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor (float, optional): Divisor of the summed loss for ``'mean'`` (instead of N).

    Returns:
        Tensor: Shape (N, ) for ``'none'``, else a scalar.
    """
    if weight is not None:
        if weight.shape != loss.shape:
            raise ValueError(f'Sample weights must have shape {tuple(loss.shape)}, '
                             f'got {tuple(weight.shape)}.')
        weight = weight.to(loss.dtype)
    if avg_factor is not None:
        # A small epsilon, so that an avg_factor of 0 gives 0 instead of NaN.
        avg_factor = avg_factor + torch.finfo(torch.float32).eps
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


class BaseAnchorLoss(nn.Module):
    """Distance of features to fixed class anchors, averaged over samples.

    The anchors (see :func:`make_anchors`) are a buffer: saved in checkpoints, moved with the
    module, never updated by the optimizer. Subclasses define :meth:`distances`.

    Args:
        num_classes (int): Number of classes K.
        embed_dims (int): Dimension D of the features (and anchors).
        principle (str): Anchor geometry, ``'simplex'`` or ``'orthonormal'``. Defaults to
            ``'simplex'``.
        seed (int): Seed of the anchors' random rotation. Defaults to 0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dims: int,
                 principle: str = 'simplex',
                 seed: int = 0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}.')
        self.num_classes = num_classes
        self.embed_dims = embed_dims
        self.principle = principle
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.register_buffer('anchors', make_anchors(num_classes, embed_dims, principle, seed))

    def distances(self, feats: torch.Tensor) -> torch.Tensor:
        """Distance of every feature to every anchor.

        Args:
            feats (Tensor): Features, shape (N, D).

        Returns:
            Tensor: Distances, shape (N, K); smaller is closer.
        """
        raise NotImplementedError

    def _check_inputs(self, feats: torch.Tensor, label: torch.Tensor) -> None:
        if feats.dim() != 2 or feats.size(1) != self.embed_dims:
            raise ValueError(f'{type(self).__name__} expects features of shape '
                             f'(N, {self.embed_dims}), got {tuple(feats.shape)}.')
        num = feats.size(0)
        if label.dim() == 1:
            if label.dtype.is_floating_point or label.dtype == torch.bool:
                raise TypeError(f'Index labels must be an integer tensor, got {label.dtype}.')
            if label.numel() != num:
                raise ValueError(f'Got {label.numel()} labels for {num} features.')
            if num and (label.min() < 0 or label.max() >= self.num_classes):
                raise ValueError(f'Labels must lie in [0, {self.num_classes}), got values in '
                                 f'[{int(label.min())}, {int(label.max())}].')
        elif label.dim() == 2:
            if tuple(label.shape) != (num, self.num_classes):
                raise ValueError('One-hot / soft labels must have shape '
                                 f'({num}, {self.num_classes}), got {tuple(label.shape)}.')
        else:
            raise ValueError('Labels must be class indices of shape (N, ) or one-hot / soft scores '
                             f'of shape (N, K); got shape {tuple(label.shape)}.')

    def forward(self,
                feats: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            feats (Tensor): Features, shape (N, D).
            label (Tensor): Class indices, shape (N, ), or one-hot / soft scores, shape (N, K)
                (e.g. from Mixup). Soft scores give the score-weighted mean of the distances to
                the anchors.
            weight (Tensor, optional): Per-sample weights, shape (N, ).
            avg_factor (float, optional): Divisor of the summed loss for ``'mean'``.
            reduction_override (str, optional): Overrides ``reduction`` for this call.

        Returns:
            Tensor: The weighted loss; shape (N, ) for ``'none'``, else a scalar.
        """
        if reduction_override not in (None, ) + REDUCTIONS:
            raise ValueError(f'reduction_override must be None or one of {REDUCTIONS}, '
                             f'got {reduction_override!r}.')
        self._check_inputs(feats, label)
        dists = self.distances(feats)
        if label.dim() == 1:
            per_sample = dists.gather(1, label.long().unsqueeze(1)).squeeze(1)
        else:
            per_sample = (dists * label.to(dists.dtype)).sum(dim=1)
        loss = reduce_sample_losses(per_sample, weight, reduction_override or self.reduction, avg_factor)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, embed_dims={self.embed_dims}, '
                f'principle={self.principle!r}, loss_weight={self.loss_weight}')


@MODELS.register_module()
class EuclideanAnchorLoss(BaseAnchorLoss):
    """Squared Euclidean distance of each feature to its class anchor.

    Per sample: ``||f - radius * a_y||^2``, where ``f`` is the feature, L2-normalised and
    multiplied by ``radius`` first when ``normalize`` is True.

    The other arguments are those of :class:`BaseAnchorLoss`.

    Args:
        radius (float): Norm of the anchors (and of the features when normalised). Defaults to 1.0.
        normalize (bool): Project the features onto the sphere of ``radius`` before measuring.
            Defaults to False.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dims: int,
                 principle: str = 'simplex',
                 radius: float = 1.0,
                 normalize: bool = False,
                 seed: int = 0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__(num_classes, embed_dims, principle, seed, reduction, loss_weight)
        if radius <= 0:
            raise ValueError(f'radius must be positive, got {radius}.')
        self.radius = float(radius)
        self.normalize = normalize

    def distances(self, feats: torch.Tensor) -> torch.Tensor:
        """Squared Euclidean distances (N, K) of features (N, D) to the scaled anchors."""
        if self.normalize:
            feats = self.radius * F.normalize(feats, dim=1)
        anchors = self.radius * self.anchors.to(feats.dtype)
        # ||f||^2 - 2 f.a + ||a||^2 keeps memory at (N, K) for many classes.
        sq_dists = (feats.pow(2).sum(dim=1, keepdim=True) - 2 * feats @ anchors.T + anchors.pow(2).sum(dim=1))
        return sq_dists.clamp_min(0)


@MODELS.register_module()
class CosineAnchorLoss(BaseAnchorLoss):
    """Cosine distance of each feature to its class anchor: ``1 - cos(f, a_y)``.

    Only the direction of the feature matters; the loss lies in [0, 2]. Arguments: those of
    :class:`BaseAnchorLoss`.
    """

    def distances(self, feats: torch.Tensor) -> torch.Tensor:
        """Cosine distances (N, K) of features (N, D) to the anchors."""
        cosine = F.normalize(feats, dim=1) @ self.anchors.to(feats.dtype).T
        return 1.0 - cosine
