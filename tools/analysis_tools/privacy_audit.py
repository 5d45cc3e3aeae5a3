"""Audit your own data: what an attacker recovers from encrypted copies of your images at the settings a
config trains with.

The encryption (mode, P, S, its parameter, a key) is read from the config's encrypting data preprocessor
or from the mmppml transform of its training pipeline, the image size from the pipeline's last crop or
resize (else from the images). By default the attacked (private) images are the config's validation set
and the attacker's public images its training set: this assumes the attacker holds images of the same
kind. Writes report.md, results.json and figure.png to --out.

Usage::

    python tools/analysis_tools/privacy_audit.py CONFIG [--out DIR] [--budget-min 30]
        [--private DIR|ANN.json[:IMG_DIR]] [--public DIR|ANN.json[:IMG_DIR]]
        [--num-private 200] [--num-public 1000] [--targets 100] [--gallery 100] [--epochs E]
        [--attacker-epochs E] [--device cuda|cpu] [--views auto|shift|crop]
        [--cfg-options KEY=VALUE ...]

An image folder's first-level sub-folders, when every image is in one, are its classes (same-class
galleries); a COCO file's images are unlabelled (random galleries).
"""
import argparse
import os
import sys

from mmengine.config import DictAction


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('config', help='the training config whose encryption is audited')
    parser.add_argument('--out', default='work_dirs/privacy_audit', help='report directory')
    parser.add_argument('--private', default=None, help="attacked images (default: the config's validation set)")
    parser.add_argument('--public', default=None, help="the attacker's images (default: the config's training set)")
    parser.add_argument('--num-private', type=int, default=200, help='private images read (the galleries pool)')
    parser.add_argument('--num-public', type=int, default=1000, help='public images the attackers train on')
    parser.add_argument('--targets', type=int, default=100, help='attacked private images')
    parser.add_argument('--gallery', type=int, default=100, help='K, images per gallery (chance 1/K)')
    parser.add_argument(
        '--budget-min', type=float, default=None, help='wall-clock budget of the attackers (default 30; 0.2 --quick)')
    parser.add_argument('--device', choices=('cuda', 'cpu'), default=None, help='default: cuda if available')
    parser.add_argument(
        '--epochs',
        type=float,
        default=None,
        help='epochs of the view embedding and the matcher (default 30), '
        'each cut at its share of the budget')
    parser.add_argument(
        '--attacker-epochs',
        type=float,
        default=None,
        help='epochs of the block attacker (default 500), cut at '
        'its share of the budget')
    parser.add_argument(
        '--views',
        choices=('auto', 'shift', 'crop'),
        default='auto',
        help='another view of an image: a shift of a pixel or two, or a slightly tighter crop (auto: shift up '
        'to a 64-px audited square)')
    parser.add_argument('--quick', action='store_true', help='tiny models, for a smoke test')
    parser.add_argument('--seed', type=int, default=0, help='subsets, galleries, views, models (not the encryption)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries before reading them, e.g. model.data_preprocessor.mode=rs')
    args = parser.parse_args(argv)
    for name in ('num_private', 'num_public', 'targets'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.gallery < 2:
        parser.error('--gallery must be >= 2')
    for name in ('budget_min', 'epochs', 'attacker_epochs'):
        if getattr(args, name) is not None and getattr(args, name) <= 0:
            parser.error(f'--{name.replace("_", "-")} must be positive')
    return args


def image_set(spec, cfg, split: str):
    from mmppml.privacy.audit import dataset_cfg, from_dataset, from_path
    return from_path(spec) if spec else from_dataset(*dataset_cfg(cfg, split))


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    from mmengine.config import Config

    from mmppml.privacy.audit import AuditOptions, PrivacyAudit, read_setting, write_audit
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    try:
        setting = read_setting(cfg)
        private, public = image_set(args.private, cfg, 'val'), image_set(args.public, cfg, 'train')
    except (ValueError, FileNotFoundError) as err:
        print(f'privacy_audit: {err}', file=sys.stderr)
        return 2
    sizes = dict(
        num_private=args.num_private,
        num_public=args.num_public,
        targets=args.targets,
        gallery=args.gallery,
        device=device,
        views=args.views,
        seed=args.seed)
    for name in ('budget_min', 'epochs', 'attacker_epochs'):
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    options = AuditOptions.quick(**sizes) if args.quick else AuditOptions(**sizes)
    try:
        audit = PrivacyAudit(setting, private, public, options)
    except ValueError as err:
        print(f'privacy_audit: {err}', file=sys.stderr)
        return 2
    paths = write_audit(args.out, audit.run(), os.path.basename(args.config))
    print('wrote ' + ', '.join(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
