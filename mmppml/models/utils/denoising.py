"""Denoising detection tokens: noised ground-truth boxes, each to be brought back to its box (DN-DETR, DINO).

A matching-free training signal for a set-prediction detector: each token starts from a ground-truth box
with its centre, size and (sometimes) class perturbed, and learns to predict the true box and class. The
tokens are hidden from every other token (:func:`~.token_groups.group_attention_mask`), one group of
noised copies per repetition, so the test-time model is the same without them.
"""
from typing import List, NamedTuple, Sequence

import torch
import torch.nn as nn
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh

EPS = 1e-3  # boxes are kept this far inside (0, 1)


class DenoisingQueries(NamedTuple):
    """Denoising tokens of a batch: ``num_groups`` groups of ``group_size`` tokens each, group after group.

    Attributes:
        states (torch.Tensor): (B, D, C) first states, D = num_groups * group_size.
        references (torch.Tensor): (B, D, 4) the noised boxes, normalised (cx, cy, w, h) by each ``img_shape``.
        labels (torch.Tensor): (B, D) long, the true classes.
        targets (torch.Tensor): (B, D, 4) the true boxes, normalised (cx, cy, w, h).
        valid (torch.Tensor): (B, D) bool, False for the tokens that pad an image with fewer boxes.
        group_size (int): tokens per group (the most boxes of an image in the batch).
    """
    states: torch.Tensor
    references: torch.Tensor
    labels: torch.Tensor
    targets: torch.Tensor
    valid: torch.Tensor
    group_size: int

    @property
    def group_sizes(self) -> List[int]:
        return [self.group_size] * (self.states.shape[1] // self.group_size)


def noised_boxes(boxes: torch.Tensor, box_noise: float) -> torch.Tensor:
    """(N, 4) normalised (cx, cy, w, h) boxes with DN-DETR's noise: the centre moved by up to
    ``box_noise / 2`` of the box's size, width and height scaled by a factor in [1 - box_noise, 1 + box_noise];
    kept inside (0, 1)."""
    jitter = torch.rand_like(boxes) * 2 - 1
    centre = boxes[:, :2] + jitter[:, :2] * boxes[:, 2:] * box_noise / 2
    size = boxes[:, 2:] * (1 + jitter[:, 2:] * box_noise)
    return torch.cat([centre, size], dim=1).clamp(EPS, 1 - EPS)


class DenoisingTokens(nn.Module):
    """Make a batch's denoising tokens from its ground truth, and their losses.

    A token starts as the embedding of its (noised) class plus an MLP of its noised box; when the detector's
    head takes reference boxes, the noised box is also its reference, so the token learns the correction
    from a box near an object to the object, as DINO's denoising queries do.

    Args:
        num_classes (int): Object classes.
        embed_dims (int): Token width C.
        num_groups (int): Noised copies of every box (groups, hidden from each other). Defaults to 3.
        label_noise (float): Probability that a token's class is replaced by a random one. Defaults to 0.2.
        box_noise (float): DN-DETR's box noise scale. Defaults to 0.4.
        loss_weight (float): Weight of the denoising losses. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dims: int,
                 num_groups: int = 3,
                 label_noise: float = 0.2,
                 box_noise: float = 0.4,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not isinstance(num_groups, int) or isinstance(num_groups, bool) or num_groups < 1:
            raise ValueError(f'denoising num_groups must be an int >= 1, got {num_groups!r}')
        if not 0 <= label_noise <= 1 or not 0 <= box_noise < 1:
            raise ValueError(f'denoising label_noise must be in [0, 1] and box_noise in [0, 1), got {label_noise!r} '
                             f'and {box_noise!r}')
        self.num_classes, self.num_groups = num_classes, num_groups
        self.label_noise, self.box_noise, self.loss_weight = float(label_noise), float(box_noise), float(loss_weight)
        self.label_embed = nn.Embedding(num_classes, embed_dims)
        self.box_embed = nn.Sequential(
            nn.Linear(4, embed_dims), nn.ReLU(inplace=True), nn.Linear(embed_dims, embed_dims))

    def forward(self, batch_data_samples: Sequence[DetDataSample]) -> DenoisingQueries:
        """The batch's denoising tokens (fresh noise at every call)."""
        device = self.label_embed.weight.device
        group = max(1, max(len(sample.gt_instances) for sample in batch_data_samples))
        labels = torch.zeros(len(batch_data_samples), group, dtype=torch.long, device=device)
        targets = torch.full((len(batch_data_samples), group, 4), 0.5, device=device)
        valid = torch.zeros(len(batch_data_samples), group, dtype=torch.bool, device=device)
        for index, sample in enumerate(batch_data_samples):  # one group: each image's boxes, then padding
            n = len(sample.gt_instances)
            boxes = sample.gt_instances.bboxes
            boxes = getattr(boxes, 'tensor', boxes).to(device)
            img_h, img_w = sample.metainfo['img_shape']
            normalised = bbox_xyxy_to_cxcywh(boxes / boxes.new_tensor([img_w, img_h, img_w, img_h]))
            labels[index, :n] = sample.gt_instances.labels.to(device)
            targets[index, :n] = normalised.clamp(EPS, 1 - EPS)
            valid[index, :n] = True
        labels, valid = labels.repeat(1, self.num_groups), valid.repeat(1, self.num_groups)
        targets = targets.repeat(1, self.num_groups, 1)
        references = noised_boxes(targets.view(-1, 4), self.box_noise).view_as(targets)
        flip = torch.rand(labels.shape, device=device) < self.label_noise
        noisy_labels = torch.where(flip, torch.randint_like(labels, self.num_classes), labels)
        states = self.label_embed(noisy_labels) + self.box_embed(references)
        return DenoisingQueries(states, references, labels, targets, valid, group)

    def loss(self, head: nn.Module, cls_scores: torch.Tensor, boxes: torch.Tensor, queries: DenoisingQueries,
             batch_data_samples: Sequence[DetDataSample]) -> dict:
        """The head's class, L1 and IoU losses of every output layer, each token against its own box.

        Args:
            head (nn.Module): A ``DETRHead`` (its ``loss_cls``, ``loss_bbox`` and ``loss_iou``).
            cls_scores (torch.Tensor): (L, B, D, K or K + 1) the head's class scores of the tokens.
            boxes (torch.Tensor): (L, B, D, 4) their normalised (cx, cy, w, h) boxes.
            queries (DenoisingQueries): The tokens.
            batch_data_samples (Sequence[DetDataSample]): Their ``img_shape``.

        Returns:
            dict: ``dn.loss_cls``, ``dn.loss_bbox``, ``dn.loss_iou`` of the last layer, ``dn.d{i}.*`` of the others.
        """
        valid = queries.valid
        count = max(int(valid.sum()), 1)
        factors = torch.stack([
            boxes.new_tensor([w, h, w, h]) for h, w in (sample.metainfo['img_shape'] for sample in batch_data_samples)
        ])[:, None].expand(-1, valid.shape[1], -1)[valid]
        labels, targets = queries.labels[valid], queries.targets[valid]
        losses = {}
        for layer in range(cls_scores.shape[0]):
            prefix = 'dn.' if layer == cls_scores.shape[0] - 1 else f'dn.d{layer}.'
            pred = boxes[layer][valid]
            losses[prefix + 'loss_cls'] = head.loss_cls(cls_scores[layer][valid], labels, avg_factor=count)
            losses[prefix + 'loss_bbox'] = head.loss_bbox(pred, targets, avg_factor=count)
            losses[prefix + 'loss_iou'] = head.loss_iou(
                bbox_cxcywh_to_xyxy(pred) * factors, bbox_cxcywh_to_xyxy(targets) * factors, avg_factor=count)
        return {name: value * self.loss_weight for name, value in losses.items()}
