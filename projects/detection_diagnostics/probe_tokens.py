"""Do a YOLOS detector's detection tokens look at the image? Statistics of their last-layer outputs.

python projects/detection_diagnostics/probe_tokens.py CONFIG [CHECKPOINT] [--batches 31] [--out tokens.json]

Runs the config's validation loader (its test pipeline and data preprocessor, the encryption included)
through the detector in eval mode and reports, over the images seen:
- how much each token's box (normalised cx, cy, w, h) moves from image to image, against how far apart
  the tokens' mean boxes are: tokens that ignore the image have the first near zero;
- the same for the class probabilities, and the mean no-object probability;
- for each gt box, the best IoU of any token's box, and the probability that token gives the true class.
Without CHECKPOINT the detector is freshly initialised (``init_weights``), the reference for a trained one.
"""
import argparse
import json

import torch
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_overlaps
from mmdet.utils import register_all_modules
from mmengine.config import Config
from mmengine.runner import Runner

import mmppml  # noqa: F401
from mmppml.utils import register_safe_globals


def token_outputs(model, loader, num_batches):
    """Last-layer boxes (N, Q, 4), class probabilities (N, Q, C + 1) and per-gt best IoU / true-class prob."""
    boxes, probs, best_iou, true_prob = [], [], [], []
    with torch.no_grad():
        for i, data in zip(range(num_batches), loader):
            data = model.data_preprocessor(data, False)
            cls_scores, bbox_preds = model.bbox_head(model.extract_feat(data['inputs']))
            prob, box = cls_scores[-1].softmax(-1), bbox_preds[-1]
            boxes.append(box)
            probs.append(prob)
            for b, sample in enumerate(data['data_samples']):
                h, w = sample.metainfo['img_shape']
                pred = bbox_cxcywh_to_xyxy(box[b]) * box.new_tensor([w, h, w, h])
                iou = bbox_overlaps(sample.gt_instances.bboxes, pred)  # (G, Q)
                best_iou.append(iou.max(1).values)
                true_prob.append(prob[b][iou.argmax(1), sample.gt_instances.labels])
    return torch.cat(boxes), torch.cat(probs), torch.cat(best_iou), torch.cat(true_prob)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--batches', type=int, default=31)
    parser.add_argument('--out', default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    register_all_modules()
    register_safe_globals()
    cfg = Config.fromfile(args.config)
    cfg.work_dir, cfg.load_from = 'work_dirs/probe_tokens', args.checkpoint
    runner = Runner.from_cfg(cfg)
    if args.checkpoint:
        runner.load_or_resume()
    else:
        runner.model.init_weights()
    boxes, probs, best_iou, true_prob = token_outputs(runner.model.eval(), runner.val_dataloader, args.batches)
    result = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        images=len(boxes),
        tokens=boxes.shape[1],
        gt_boxes=len(best_iou),
        box_std_over_images=boxes.std(0).mean().item(),
        box_std_over_tokens=boxes.mean(0).std(0).mean().item(),
        class_prob_std_over_images=probs.std(0).mean().item(),
        no_object_prob=probs[..., -1].mean().item(),
        best_iou_mean=best_iou.mean().item(),
        gt_share_iou_05=(best_iou >= 0.5).float().mean().item(),
        true_class_prob_of_best_token=true_prob.mean().item(),
        chance_class_prob=1 / (probs.shape[-1] - 1),
        token_mean_boxes=[[round(v, 3) for v in box.tolist()] for box in boxes.mean(0)])
    print(json.dumps({k: v for k, v in result.items() if k != 'token_mean_boxes'}, indent=1))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
