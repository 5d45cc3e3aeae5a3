"""Evaluate a checkpoint on the test set of an MMEngine config (classification or detection).

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out results.pkl --show-dir vis
    torchrun --nproc_per_node 2 tools/test.py CONFIG CHECKPOINT --launcher pytorch
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, ConfigDict, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmppml.utils import close_distributed, init_distributed, register_safe_globals, setup_default_scope_and_imports


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a checkpoint with MMEngine')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='directory for the logs and metrics '
        '(default: ./work_dirs/<config name>)')
    parser.add_argument('--out', help='dump the predictions to this pickle file (.pkl)')
    parser.add_argument(
        '--show-dir',
        help='draw predictions on the (encrypted) test images into '
        'this folder (a relative path is taken inside the work dir)')
    parser.add_argument('--interval', type=int, default=1, help='with --show-dir: every n-th image')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. test_dataloader.batch_size=64')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm'], default='none', help='how the processes were started')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def enable_visualization(cfg: Config, show_dir: str, interval: int) -> None:
    """Switch on the config's visualization hook (mmpretrain's or mmdet's) writing to ``show_dir``."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise ValueError('--show-dir needs default_hooks.visualization in the config')
    if 'Det' in hook['type']:  # mmdet's DetVisualizationHook
        hook.update(draw=True, test_out_dir=show_dir, interval=interval)
    else:  # mmpretrain's VisualizationHook
        hook.update(enable=True, out_dir=show_dir, interval=interval)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to ``cfg``: ``--cfg-options`` first, then the other flags."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False

    if args.show_dir is not None:
        enable_visualization(cfg, osp.join(cfg.work_dir, args.show_dir), args.interval)

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must name a .pkl or .pickle file, got {args.out!r}')
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
        evaluators.append(ConfigDict(type='DumpResults', out_file_path=args.out))
        cfg.test_evaluator = evaluators
    return cfg


def main() -> None:
    args = parse_args()
    register_safe_globals()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    cfg = setup_default_scope_and_imports(cfg)
    init_distributed(args.launcher, cfg)

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.test()
    close_distributed()


if __name__ == '__main__':
    main()
