"""Train a model from an MMEngine config (classification or detection).

Examples::

    python tools/train.py configs/demo/pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py
    python tools/train.py CONFIG --work-dir work_dirs/run --resume          # latest checkpoint
    python tools/train.py CONFIG --resume work_dirs/run/epoch_2.pth         # a given checkpoint
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch    # or tools/dist_train.sh
"""
import argparse
import logging
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmppml.utils import close_distributed, init_distributed, register_safe_globals, setup_default_scope_and_imports


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model with MMEngine')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--work-dir', help='directory for logs and checkpoints '
        '(default: ./work_dirs/<config name>)')
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
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override config entries, e.g. train_cfg.max_epochs=3')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm'], default='none', help='how the processes were started')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to ``cfg``: ``--cfg-options`` first, then the other flags."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

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
    register_safe_globals()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    cfg = setup_default_scope_and_imports(cfg)
    init_distributed(args.launcher, cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()
    close_distributed()


if __name__ == '__main__':
    main()
