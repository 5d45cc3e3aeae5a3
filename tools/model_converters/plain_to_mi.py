"""Load a plain-trained PEViT detector's checkpoint into the MI detector of a config, and report every key.

What training with ``load_from=PLAIN_CKPT`` in the MI config would do, shown before training: which
tensors load as they are, which are converted (the plain patch conv into a linear MI embedding), which
are skipped and why, and which stay as initialised. ``--out`` writes the converted weights as a
checkpoint that loads into the MI detector without conversion.

Example::

    python tools/model_converters/plain_to_mi.py \\
        configs/mmdet/retinanet_pevit-tiny-mi-p16s8_simplefpn_50e_trees-plainft.py \\
        work_dirs/retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees/epoch_50.pth --out mi_start.pth
"""
import argparse
import json

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmppml.models.utils import load_checkpoint_with_report
from mmppml.utils import setup_default_scope_and_imports


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plain PEViT detector checkpoint -> MI detector, with a report')
    parser.add_argument('config', help='config of the MI detector')
    parser.add_argument('checkpoint', help='checkpoint of the plain detector')
    parser.add_argument('--out', help='write the converted state dict here')
    parser.add_argument('--json', action='store_true', help='print the report as JSON')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = setup_default_scope_and_imports(Config.fromfile(args.config), default_scope='mmdet')
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        cfg.model.backbone.init_cfg = None  # the report is about the checkpoint given here
        model = MODELS.build(cfg.model)
        model.init_weights()
        report = load_checkpoint_with_report(model, args.checkpoint)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print(f'loaded as they are: {len(report.loaded)} tensors')
        for kind in ('converted', 'skipped'):
            for name, why in getattr(report, kind).items():
                print(f'{kind}: {name}: {why}')
        for name in report.missing:
            print(f'kept as initialised: {name}')
    if args.out:
        torch.save(dict(state_dict=model.state_dict(), meta=dict(converted_from=args.checkpoint)), args.out)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
