"""GPU check: AMP training steps of the configs with their on-device encryption, in one command.

On one CUDA GPU (about a minute or two; at most 5): training images/s of PEViT-S with RS, MI and RS-on-MI
(configs/mmpretrain, encrypted by their data preprocessor, Mixup / CutMix included) against mmpretrain's
DeiT-S at batch 128 and 224 px, each under AMP (float16, dynamic loss scale); the share of each step spent
in the encryption; a training step of the MI RetinaNet (PEViT-S, COCO config, 2 photos of 800 x 1344); peak
memory of each; no NaN or inf in any loss or weight; and ``tools/train.py --amp`` for 20 iterations of the
demo's RS config. Writes a JSON record and prints a table. ``--part classification`` runs the classifiers and
``tools/train.py`` only (they need no compiled mmcv op, so they run with mmcv-lite while mmcv's ops build),
``--part detection`` the RetinaNet. Without CUDA it runs the same checks in float32
at a tiny size (``--tiny``, what the tests run), which says nothing about a GPU.

Examples::

    python tools/analysis_tools/gpu_check.py --out work_dirs/gpu_check/gpu_check.json
    python tools/analysis_tools/gpu_check.py --tiny --device cpu     # seconds: a smoke test
"""
import argparse
import os
import os.path as osp
import sys
from pathlib import Path

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout
sys.path.insert(0, ROOT)  # the check lives in projects/benchmarks/


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default='work_dirs/gpu_check/gpu_check.json', help='the JSON record')
    parser.add_argument('--device', default='auto', choices=('auto', 'cpu', 'cuda'), help='auto: cuda when available')
    parser.add_argument('--tiny', action='store_true', help='tiny sizes and 2 steps (the default without CUDA)')
    parser.add_argument('--threads', type=int, default=None, help='torch threads on CPU (default: torch\'s)')
    parser.add_argument(
        '--part',
        default='all',
        choices=('all', 'classification', 'detection'),
        help='classification: the classifiers and tools/train.py (no mmcv op needed); detection: the RetinaNet')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import logging

    import torch
    from mmengine.logging import MMLogger

    from projects.benchmarks.suites import gpu_check
    MMLogger.get_current_instance().setLevel(logging.WARNING)  # no per-parameter initialisation report
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    if device == 'auto':
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    elif device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('error: --device cuda but torch.cuda.is_available() is False')
    settings = gpu_check.TINY if args.tiny or device == 'cpu' else gpu_check.FULL
    work_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(work_dir, exist_ok=True)
    record = gpu_check.run(settings, torch.device(device), work_dir, args.part)
    record['command'] = ' '.join(['python', 'tools/analysis_tools/gpu_check.py'] +
                                 (sys.argv[1:] if argv is None else argv))
    rows = gpu_check.checks(record)
    record['checks'] = rows
    Path(args.out).write_text(gpu_check.as_json(record))
    env = record['environment']
    print(f'device: {env.get("gpu", env["device"])}; AMP: {env["amp"]}; {record["seconds"]:.0f} s')
    print(gpu_check.format_table(rows))
    for note in record['notes']:
        print(f'note: {note}')
    print(f'results written to {args.out}')
    # Exit 1 on what is wrong on any machine (a non-finite step, a failed run); speed targets are reported.
    correct = [row for row in rows if row['check'].startswith(('losses and weights', 'tools/train.py'))]
    return 0 if all(row['met'] for row in correct) else 1


if __name__ == '__main__':
    sys.exit(main())
