"""Benchmark the cost of privacy, as ratios measured in one run.

Every figure is a ratio whose two sides are timed in the same process, interleaved round by round
(``time.perf_counter``: the median of the per-round ratios and the ratio of the best times; the
same median by ``time.process_time`` is shown too, as a busy shared machine disturbs it less):

- transforms: RS / MI (NumPy functions and registered transforms) over ``np.copy`` of the same
  image, a per-patch Python loop and a torch ``randperm`` token shuffle;
- pipeline: an mmpretrain training pipeline with the encryption over the same pipeline without, per
  call and as data-loader throughput (2 workers, 2,000 images);
- model: PEViT over mmpretrain's VisionTransformer of the same arch (time and peak memory);
- offline: ``encrypt_dataset`` throughput over reading, decoding, re-encoding and writing alone;
- device: the encryption by the encrypting data preprocessors over a whole training step (demo models,
  PEViT-S at 224 px), and the data loaders of configs that encrypt on the device over their plain ones.

Examples:
    python tools/analysis_tools/benchmark.py --out work_dirs/benchmark.json
    python tools/analysis_tools/benchmark.py --only transforms pipeline --repeats 20
    python tools/analysis_tools/benchmark.py --only device --repeats 15
    python tools/analysis_tools/benchmark.py --quick      # seconds; a smoke test of every suite
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout
sys.path.insert(0, ROOT)  # the suites live in projects/benchmarks/
SUITES = ('transforms', 'pipeline', 'model', 'offline', 'device')


@dataclass
class BenchConfig:
    quick: bool
    repeats: int
    pipeline_repeats: int
    model_repeats: int
    min_round_s: float
    threads: int
    device: str
    batch: int


def suite_runners() -> dict:
    """The ``run(cfg) -> rows`` of each suite (imported here: they import torch and mmcv)."""
    from projects.benchmarks.suites import device, model, offline, pipeline, transforms
    return dict(
        transforms=transforms.run, pipeline=pipeline.run, model=model.run, offline=offline.run, device=device.run)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Measure the cost of RS / MI encryption as ratios.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--only', nargs='+', choices=SUITES, default=list(SUITES), help='suites to run')
    parser.add_argument('--quick', action='store_true', help='tiny sizes and few repeats (a smoke test)')
    parser.add_argument('--repeats', type=int, help='interleaved rounds per comparison (default 15, quick 3)')
    parser.add_argument(
        '--model-repeats', type=int, help='rounds for the model suite (default 7 on CPU, --repeats on GPU, 2 quick)')
    parser.add_argument('--threads', type=int, default=1, help='torch / OpenCV / OpenMP threads')
    parser.add_argument(
        '--device',
        default='auto',
        choices=('auto', 'cpu', 'cuda'),
        help='model and device suites\' device; auto = cuda when available')
    parser.add_argument('--batch', type=int, help='model batch size (default 8 on CPU, 64 on GPU, 2 quick)')
    parser.add_argument('--out', help='write the results as JSON here')
    return parser.parse_args(argv)


def make_config(args: argparse.Namespace) -> BenchConfig:
    import torch
    device = args.device
    if device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    elif device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('error: --device cuda but torch.cuda.is_available() is False')
    repeats = args.repeats or (3 if args.quick else 15)
    if repeats < 1:
        raise SystemExit(f'error: --repeats must be >= 1, got {repeats}')
    batch = args.batch or (2 if args.quick else 64 if device == 'cuda' else 8)
    return BenchConfig(
        quick=args.quick,
        repeats=repeats,
        pipeline_repeats=repeats * 2,
        model_repeats=args.model_repeats or (2 if args.quick else 7 if device == 'cpu' else repeats),
        min_round_s=0.001 if args.quick else 0.02,
        threads=args.threads,
        device=device,
        batch=batch)


def environment(cfg: BenchConfig) -> dict:
    import cv2
    import numpy as np
    import torch
    cpu = platform.processor()
    if os.path.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            cpu = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')), cpu)
    env = dict(
        python=platform.python_version(),
        numpy=np.__version__,
        torch=torch.__version__,
        opencv=cv2.__version__,
        cpu=cpu,
        cpu_count=os.cpu_count(),
        threads=cfg.threads,
        model_device=cfg.device,
        cuda_available=torch.cuda.is_available())
    if cfg.device == 'cuda':
        env['gpu'] = torch.cuda.get_device_name()
    if hasattr(os, 'getloadavg'):
        env['load_average_at_start'] = os.getloadavg()
    return env


def main(argv=None) -> int:
    args = parse_args(argv)
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)
    import logging

    import cv2
    import torch
    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.WARNING)  # no per-parameter initialisation report
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    cfg = make_config(args)

    from projects.benchmarks.suites.rows import format_table
    record = dict(
        command=' '.join(['python', 'tools/analysis_tools/benchmark.py'] + (sys.argv[1:] if argv is None else argv)),
        config=vars(cfg),
        environment=environment(cfg),
        rows=[],
        notes=[])
    if cfg.device == 'cpu' and 'model' in args.only:
        record['notes'].append('model suite on CPU: no CUDA device, so the GPU (AMP, training images/s) '
                               'rows were not run')
        if cfg.quick:
            record['notes'].append('--quick: CPU peak memory (measured in a fresh process) was not run')
    rows = []
    start = time.perf_counter()
    for name in SUITES:
        if name in args.only:
            suite_start = time.perf_counter()
            print(f'[{name}] running ...', file=sys.stderr, flush=True)
            rows += suite_runners()[name](cfg)
            print(f'[{name}] done in {time.perf_counter() - suite_start:.1f} s', file=sys.stderr, flush=True)
    record['seconds'] = time.perf_counter() - start
    if hasattr(os, 'getloadavg'):
        record['environment']['load_average_at_end'] = os.getloadavg()
    record['rows'] = [row.to_dict() for row in rows]

    print(f'device: {cfg.device}; threads: {cfg.threads}; repeats: {cfg.repeats}; '
          f'{record["seconds"]:.0f} s')
    print(format_table(rows))
    for note in record['notes']:
        print(f'note: {note}')
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(record, indent=2) + '\n')
        print(f'results written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
