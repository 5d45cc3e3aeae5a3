"""Distributed start-up that also works without CUDA (gloo on CPU)."""
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

LAUNCHERS = ('none', 'pytorch', 'slurm')


def _slurm_env_to_torch_env(default_port: int = 29500) -> None:
    """Fill ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` from srun."""
    try:
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
    except KeyError as err:
        raise RuntimeError(f'--launcher slurm needs srun\'s environment, {err} is not set') from None
    if 'MASTER_ADDR' not in os.environ:
        nodes = subprocess.check_output(['scontrol', 'show', 'hostnames', os.environ['SLURM_NODELIST']], text=True)
        os.environ['MASTER_ADDR'] = nodes.split()[0]
    os.environ.setdefault('MASTER_PORT', str(default_port))


def init_distributed(launcher: str, cfg: Config) -> None:
    """Prepare ``cfg`` (and the process group) for a multi-process run started by ``launcher``.

    With CUDA nothing happens here: the Runner initialises the process group from
    ``cfg.env_cfg.dist_cfg`` (NCCL by default). Without CUDA, MMEngine's initialisation would call
    ``torch.cuda.set_device``, so the process group is created here with gloo and the model is wrapped
    by ``MMDistributedDataParallel`` without ``device_ids`` (unless the config sets its own wrapper).

    Args:
        launcher (str): ``'none'``, ``'pytorch'`` (torchrun) or ``'slurm'`` (srun).
        cfg (Config): the config; ``cfg.launcher`` is set to ``launcher``.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got {launcher!r}')
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher == 'slurm':
        _slurm_env_to_torch_env()
    if not torch_dist.is_initialized():
        dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
        timeout = dist_cfg.get('timeout')
        kwargs = {}
        if timeout is not None:
            import datetime
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
        torch_dist.init_process_group('gloo', **kwargs)
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None)


def close_distributed() -> None:
    """Wait for every rank, then destroy the process group, if one was created.

    Leaving a gloo group alive until the interpreter exits can abort a rank at teardown
    ("terminate called without an active exception") after a run that succeeded.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
