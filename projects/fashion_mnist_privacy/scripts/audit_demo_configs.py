"""The published Fashion-MNIST instance table, reproduced through the privacy audit.

Runs ``tools/analysis_tools/privacy_audit.py`` on the demo configs at the published suite's sizes (1,000
targets, galleries of 100 same-class test images drawn from all 10,000, the 60,000 training images as the
attacker's public images; block attacker 3 epochs, view embedding and ciphertext matcher 2 epochs) and
compares each setting with its row of the published suite, ``resources/attack_suite/results.json``::

    python projects/fashion_mnist_privacy/scripts/audit_demo_configs.py --out work_dirs/audit_demo

A setting whose ``results.json`` exists is not run again; the table is written to ``OUT/instance_table.md``.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
PUBLISHED = osp.join(ROOT, 'resources', 'attack_suite', 'results.json')
# The published row, the demo config that trains with it and the options that change S where needed.
SETTINGS = {
    'rs-p8': ('RS-8', 'pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py', []),
    'mi-p8s4': ('MI-8/4', 'pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py', []),
    'rsmi-p8s4': ('RS-on-MI-8/4', 'pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py', []),
    'mi-p8s2': ('MI-8/2', 'pevit-tiny-mi-p8s4_1xb128-3e_fashion-mnist.py', ['data_preprocessor.sub_patch_size=2']),
    'rsmi-p8s2':
    ('RS-on-MI-8/2', 'pevit-tiny-rsmi-p8s4_1xb128-3e_fashion-mnist.py', ['data_preprocessor.sub_patch_size=2']),
}
# The published suite's sizes, as AuditOptions fields (the privacy audit tool takes each as --num-private etc.).
SUITE_SIZES = dict(num_private=10000, num_public=60000, targets=1000, epochs=2, attacker_epochs=3)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default='work_dirs/audit_demo', help='one folder per setting, and the table')
    parser.add_argument('--settings', nargs='+', choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument('--budget-min', default='20', help="each audit's budget (minutes)")
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    return parser.parse_args()


def audit(name: str, args) -> dict:
    """The results of the setting's audit, run unless its results.json exists."""
    out = osp.join(args.out, name)
    results = osp.join(out, 'results.json')
    if not osp.exists(results):
        _, config, options = SETTINGS[name]
        cmd = [
            sys.executable,
            osp.join(ROOT, 'tools', 'analysis_tools', 'privacy_audit.py'),
            osp.join(ROOT, 'configs', 'demo', config), '--out', out, '--budget-min', args.budget_min, '--device',
            args.device
        ] + [word for key, value in SUITE_SIZES.items()
             for word in (f'--{key.replace("_", "-")}', str(value))] + (['--cfg-options', *options] if options else [])
        subprocess.run(cmd, check=True, cwd=ROOT)
    with open(results) as f:
        return json.load(f)


def within(x: float, low: float, high: float) -> bool:
    return low - 1e-9 <= x <= high + 1e-9


def ci(x: float, low: float, high: float, sign: str = '') -> str:
    return f'{x:{sign}.3f} [{low:{sign}.3f}, {high:{sign}.3f}]'


def table(rows) -> str:
    """Markdown: per setting, the audit's figures [95 % CI] beside the published ones, and whether each lies
    within the other's interval (linkage: the published exact 1.000, which has no interval, within the
    audit's)."""
    lines = [
        "| setting | score | audit [95 % CI] | published suite [95 % CI] | each within the other's interval |",
        '|---|---|---|---|---|'
    ]
    for label, ours, pub in rows:
        best, link, margin = ours['strongest'], ours['linkage'], ours['strongest_margin']
        a = (best['top1'], best['top1_low'], best['top1_high'])
        p = (pub['reid_top1'], pub['reid_top1_low'], pub['reid_top1_high'])
        cells = [('re-identification after the strongest attack', f'{ci(*a)} ({best["attack"]})', ci(*p),
                  within(a[0], *p[1:]) and within(p[0], *a[1:])),
                 ('linkage', ci(link['top1'], link['top1_low'], link['top1_high']), f'{pub["linkage_top1"]:.3f}',
                  within(pub['linkage_top1'], link['top1_low'], link['top1_high']))]
        if margin is not None:
            a = (margin['margin'], margin['margin_low'], margin['margin_high'])
            p = (pub['ssim_margin'], pub['ssim_margin_low'], pub['ssim_margin_high'])
            cells.append(('SSIM margin of the strongest reconstruction', ci(*a, sign='+'), ci(*p, sign='+'),
                          within(a[0], *p[1:]) and within(p[0], *a[1:])))
        lines += [
            f'| {label} | {score} | {ours_} | {pub_} | {"yes" if ok else "**no**"} |'
            for score, ours_, pub_, ok in cells
        ]
    return '\n'.join(lines) + '\n'


def main():
    args = parse_args()
    with open(PUBLISHED) as f:
        published = {row['mode']: row for row in json.load(f)['in_domain']['instance_summary']}
    rows = []
    for name in args.settings:
        results = audit(name, args)
        label = SETTINGS[name][0]
        if results['label'] != label:
            raise RuntimeError(f'{name}: the audit read {results["label"]}, expected {label}')
        rows.append((label, results['summary'], published[label]))
    text = table(rows)
    with open(osp.join(args.out, 'instance_table.md'), 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
