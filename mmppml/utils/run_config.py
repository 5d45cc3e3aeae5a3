"""What ``tools/train.py`` and ``tools/test.py`` share: the common arguments, the config they build, the run."""
import argparse
import gc
import os
import os.path as osp
from typing import Callable

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .default_scope import setup_default_scope_and_imports
from .dist_utils import close_distributed, init_distributed


def add_common_args(parser: argparse.ArgumentParser, cfg_options_example: str) -> None:
    """The config, ``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--work-dir', help='directory for the logs, metrics and checkpoints '
        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help=f'override config entries, e.g. {cfg_options_example}')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm'], default='none', help='how the processes were started')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with ``--cfg-options`` applied and its work dir set."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def run_config(cfg: Config, launcher: str, action: Callable[[Runner], object]) -> None:
    """Import mmppml into ``cfg``, start the processes, build the runner and run ``action`` on it."""
    cfg = setup_default_scope_and_imports(cfg)
    init_distributed(launcher, cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    action(runner)
    # The wrapped model holds the process group; free it before the group goes, or a rank can abort at exit.
    del runner
    gc.collect()
    close_distributed()
