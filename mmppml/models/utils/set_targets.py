"""Targets for the training-only parts of a set-prediction detector: repeated ground truth and centre cells."""
from typing import List, Sequence, Tuple

import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData


def repeat_gt_instances(batch_data_samples: Sequence[DetDataSample], num_repeats: int) -> List[DetDataSample]:
    """Data samples whose ground truth is each image's boxes ``num_repeats`` times over (one-to-many matching).

    Args:
        batch_data_samples (Sequence[DetDataSample]): Samples with ``gt_instances``.
        num_repeats (int): How often each box is repeated; the Hungarian matching then gives each box
            ``num_repeats`` predictions.

    Returns:
        list[DetDataSample]: New samples with the same meta information (the inputs are not changed).
    """
    return [
        DetDataSample(metainfo=sample.metainfo, gt_instances=InstanceData.cat([sample.gt_instances] * num_repeats))
        for sample in batch_data_samples
    ]


def centre_cell_targets(batch_data_samples: Sequence[DetDataSample],
                        input_shape: Tuple[int, int],
                        grid: Tuple[int, int],
                        device=None) -> torch.Tensor:
    """(B, h * w) float targets, 1 where a token cell of the (h, w) grid holds a ground-truth box's centre.

    Args:
        batch_data_samples (Sequence[DetDataSample]): Samples with ``gt_instances.bboxes`` (x1, y1, x2, y2)
            in input pixels.
        input_shape (tuple[int, int]): (H, W) of the batch input the grid covers.
        grid (tuple[int, int]): (h, w) token grid.
        device (torch.device, optional): Device of the targets.
    """
    (height, width), (rows, cols) = input_shape, grid
    targets = torch.zeros(len(batch_data_samples), rows * cols, device=device)
    for index, sample in enumerate(batch_data_samples):
        boxes = sample.gt_instances.bboxes
        boxes = getattr(boxes, 'tensor', boxes).to(targets.device)
        if not len(boxes):
            continue
        col = ((boxes[:, 0] + boxes[:, 2]) / 2 * cols / width).long().clamp(0, cols - 1)
        row = ((boxes[:, 1] + boxes[:, 3]) / 2 * rows / height).long().clamp(0, rows - 1)
        targets[index, row * cols + col] = 1.
    return targets


def cell_reference_boxes(cells: torch.Tensor,
                         grid: Tuple[int, int],
                         input_shape: Tuple[int, int],
                         batch_img_metas: Sequence[dict],
                         size_cells: float = 2.0) -> torch.Tensor:
    """Reference boxes of detection tokens started from patches: each patch's centre, ``size_cells`` cells wide.

    Args:
        cells (torch.Tensor): (B, n) row-major indices into the (h, w) token grid.
        grid (tuple[int, int]): (h, w) token grid, covering the (H, W) batch input.
        input_shape (tuple[int, int]): (H, W) of the batch input.
        batch_img_metas (Sequence[dict]): Each image's ``img_shape``, which the head normalises boxes by.
        size_cells (float): Width and height of a reference box, in cells. Defaults to 2.0.

    Returns:
        torch.Tensor: (B, n, 4) normalised (cx, cy, w, h) boxes, clamped into (0, 1).
    """
    (rows, cols), (height, width) = grid, input_shape
    step_y, step_x = height / rows, width / cols
    centre_x = (cells % cols + 0.5) * step_x
    centre_y = torch.div(cells, cols, rounding_mode='floor').add(0.5) * step_y
    boxes = torch.stack([
        centre_x, centre_y,
        torch.full_like(centre_x, size_cells * step_x),
        torch.full_like(centre_y, size_cells * step_y)
    ],
                        dim=-1)
    scale = boxes.new_tensor([[meta['img_shape'][1], meta['img_shape'][0]] * 2 for meta in batch_img_metas])
    return (boxes / scale[:, None]).clamp(1e-3, 1 - 1e-3)
