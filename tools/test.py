"""Evaluate a checkpoint on the test set of an MMEngine config (classification or detection).

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out results.pkl --show-dir vis
    torchrun --nproc_per_node 2 tools/test.py CONFIG CHECKPOINT --launcher pytorch
"""
import argparse
import os.path as osp

from mmengine.config import Config, ConfigDict

from mmppml.utils.run_config import add_common_args, load_config, run_config


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a checkpoint with MMEngine')
    add_common_args(parser, 'test_dataloader.batch_size=64')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump the predictions to this pickle file (.pkl)')
    parser.add_argument(
        '--show-dir',
        help='draw predictions on the (encrypted) test images into '
        'this folder (a relative path is taken inside the work dir)')
    parser.add_argument('--interval', type=int, default=1, help='with --show-dir: every n-th image')
    return parser.parse_args(argv)


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
    """Apply the test flags to ``cfg`` (after ``--cfg-options``, see :func:`load_config`)."""
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
    run_config(merge_args(load_config(args), args), args.launcher, lambda runner: runner.test())


if __name__ == '__main__':
    main()
