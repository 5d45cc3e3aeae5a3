"""mmdet-style results dicts for the transform tests (imported by them, not collected)."""
import numpy as np
import torch


def det_results(img: np.ndarray, boxes: list) -> dict:
    """A results dict with ``img``, its shapes and one labelled gt box per entry of ``boxes`` (x1, y1, x2, y2)."""
    from mmdet.structures.bbox import HorizontalBoxes
    return dict(
        img=img,
        img_shape=img.shape[:2],
        ori_shape=img.shape[:2],
        gt_bboxes=HorizontalBoxes(torch.tensor(boxes, dtype=torch.float32)),
        gt_bboxes_labels=np.arange(len(boxes)),
        gt_ignore_flags=np.zeros(len(boxes), bool))
