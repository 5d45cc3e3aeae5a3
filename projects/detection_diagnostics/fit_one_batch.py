"""Can a detector config fit one training batch? Losses and recall on that batch after N steps.

python projects/detection_diagnostics/fit_one_batch.py CONFIG [--steps 300] [--out results.json] [--cfg-options k=v ...]

The batch is the config's first training batch (its pipeline and data preprocessor, the encryption
included); the optimiser is the config's. Recall: the share of the batch's boxes that a prediction of
the right class with score >= 0.3 covers at IoU >= 0.5 after training, in eval mode.
"""
import argparse
import copy
import json
import time

import torch
from mmdet.structures.bbox import bbox_overlaps
from mmdet.utils import register_all_modules
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmppml  # noqa: F401
from mmppml.utils import register_safe_globals


def recall(predictions, batch, score_thr=0.3, iou_thr=0.5) -> float:
    hits = total = 0
    for pred, sample in zip(predictions, batch['data_samples']):
        gt = sample.gt_instances
        keep = pred.pred_instances.scores >= score_thr
        boxes, labels = pred.pred_instances.bboxes[keep], pred.pred_instances.labels[keep]
        gt_boxes = gt.bboxes.tensor if hasattr(gt.bboxes, 'tensor') else gt.bboxes  # photo pixels, as predictions
        iou = bbox_overlaps(gt_boxes, boxes) if len(boxes) else gt_boxes.new_zeros((len(gt_boxes), 0))
        same = gt.labels[:, None] == labels[None]
        hits += int(((iou >= iou_thr) & same).any(dim=1).sum())
        total += len(gt_boxes)
    return hits / max(total, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--out', default=None)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    args = parser.parse_args()
    torch.manual_seed(0)
    register_all_modules(init_default_scope=False)
    register_safe_globals()
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    with DefaultScope.overwrite_default_scope('mmdet'):
        from mmdet.registry import MODELS
        model = MODELS.build(cfg.model)
        model.init_weights()
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        batch = next(iter(loader))  # kept as loaded: every step and the test get a copy, since an encrypting
        for sample in batch['data_samples']:  # data preprocessor rescales boxes and metainfo in place
            sample.set_metainfo(dict(scale_factor=(1.0, 1.0)))  # the training pipeline does not resize
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        model.train()
        curve, start = [], time.time()
        for step in range(1, args.steps + 1):
            losses = model.train_step(copy.deepcopy(batch), optim_wrapper)
            if step == 1 or step % 25 == 0:
                curve.append(dict(step=step, **{k: round(v.item(), 4) for k, v in losses.items()}))
                print(curve[-1], flush=True)
        model.eval()
        with torch.no_grad():
            predictions = model.test_step(copy.deepcopy(batch))
    boxes = sum(len(s.gt_instances) for s in batch['data_samples'])
    result = dict(
        config=args.config,
        steps=args.steps,
        images=len(batch['data_samples']),
        boxes=boxes,
        recall_at_iou50=round(recall(predictions, batch), 3),
        seconds=round(time.time() - start, 1),
        curve=curve)
    print({k: v for k, v in result.items() if k != 'curve'})
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
