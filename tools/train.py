"""Train a model from an MMEngine config (classification or detection).

Examples::

    python tools/train.py configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py
    python tools/train.py CONFIG --work-dir work_dirs/run --resume          # latest checkpoint
    python tools/train.py CONFIG --resume work_dirs/run/epoch_2.pth         # a given checkpoint
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch    # or tools/dist_train.sh
"""
import argparse
import logging

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from mmppml.utils.run_config import add_common_args, load_config, run_config


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model with MMEngine')
    add_common_args(parser, 'train_cfg.max_epochs=3')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a path from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (CUDA)')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale the learning rate by the actual total batch size')
    parser.add_argument('--no-validate', action='store_true', help='skip validation during training')
    return parser.parse_args(argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the training flags to ``cfg`` (after ``--cfg-options``, see :func:`load_config`)."""
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume

    if args.amp:
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            print_log(
                '--amp needs CUDA (MMEngine\'s AmpOptimWrapper scales fp16 gradients on the '
                'GPU); no GPU here, so training runs in float32.',
                logger='current',
                level=logging.WARNING)

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config '
                             '(the total batch size its learning rate was set for)')
        cfg.auto_scale_lr.enable = True

    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    return cfg


def main() -> None:
    args = parse_args()
    run_config(merge_args(load_config(args), args), args.launcher, lambda runner: runner.train())


if __name__ == '__main__':
    main()
