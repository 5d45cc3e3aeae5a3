"""Write the privacy suite's results: results.json (every row), report.md (summary tables), figure.png."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List

import numpy as np


def _group(rows: List[dict], keys: tuple) -> 'OrderedDict[tuple, List[dict]]':
    groups: 'OrderedDict[tuple, List[dict]]' = OrderedDict()
    for row in rows:
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(row)
    return groups


def _fmt(v, digits: int = 3) -> str:
    if isinstance(v, float):
        return 'n/a' if np.isnan(v) else f'{v:.{digits}f}'
    return '' if v is None else str(v)


def _table(header: List[str], rows: List[list]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(_fmt(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)


def summarize(tables: Dict[str, List[dict]]) -> Dict[str, List[dict]]:
    """Means over the scored photos, one row per setting."""
    jigsaw = []
    for (mode, size, patch, sub), rows in _group(tables['jigsaw'], ('mode', 'size', 'patch', 'sub')).items():
        jigsaw.append(OrderedDict(
            mode=mode, size=size, patch=patch, sub=sub, pieces=rows[0]['pieces'], photos=len(rows),
            direct=float(np.mean([r['direct'] for r in rows])),
            direct_shifted=float(np.mean([r['direct_shifted'] for r in rows])),
            neighbour=float(np.mean([r['neighbour'] for r in rows])),
            solved=sum(r['neighbour'] >= 0.9 for r in rows), chance=rows[0]['chance'],
            seconds=float(np.mean([r['seconds'] for r in rows]))))
    inversion = []
    for (mode, method), rows in _group(tables['inversion'], ('mode', 'method')).items():
        inversion.append(OrderedDict(mode=mode, method=method, images=len(rows),
                                     psnr=float(np.mean([r['psnr'] for r in rows])),
                                     ssim=float(np.mean([r['ssim'] for r in rows]))))
    return dict(jigsaw=jigsaw, inversion=inversion, key_recovery=tables['key_recovery'],
                training=tables.get('training', []))


def markdown(summary: Dict[str, List[dict]], skipped: List[dict], meta: dict) -> str:
    parts = ['# Privacy suite report', '',
             f'Budget {meta.get("budget_minutes")} min, {meta.get("threads")} thread(s), quick={meta.get("quick")}, '
             f'wall time {meta.get("wall_seconds", float("nan")):.0f} s. Means over the scored photos.', '',
             '## Jigsaw (greedy MGC solver, best-buddies placement, trim and fill)', '',
             'direct: blocks at their exact position; shifted: after the best global translation; neighbour: '
             'true adjacent pairs kept; solved: photos with neighbour >= 0.9; chance: neighbour score of a '
             'random layout.', '']
    parts.append(_table(['mode', 'image', 'P', 'S', 'pieces', 'photos', 'direct', 'shifted', 'neighbour', 'solved',
                         'chance', 's/photo'],
                        [[r['mode'], r['size'], r['patch'], r['sub'], r['pieces'], r['photos'], r['direct'],
                          r['direct_shifted'], r['neighbour'], f'{r["solved"]}/{r["photos"]}', r['chance'],
                          r['seconds']] for r in summary['jigsaw']]))
    parts += ['', '## Key recovery (ciphertext only, from M encrypted random crops of the bundled photos)', '',
              'positions: pixels put at their true in-block position (best of the 8 symmetries of the square); '
              'adjacency: true pixel neighbours kept; signs: inversion bits (best global flip); jigsaw: the '
              'scored photos decrypted with the estimate (symmetry and flip resolved with the true key), then '
              'reassembled.', '']
    parts.append(_table(['mode', 'M images', 'blocks', 'positions', 'adjacency', 'signs', 'jigsaw neighbour',
                         'jigsaw direct', 'seconds'],
                        [[r['mode'], r['images'], r['blocks'], r['positions'], r['adjacency'], r['signs'],
                          r.get('jigsaw_neighbour'), r.get('jigsaw_direct'), r['seconds']]
                         for r in summary['key_recovery']]))
    parts += ['', '## Inversion of MI (PSNR dB / SSIM against the plain image, skimage.metrics)', '',
              'The reference row is not an attack: it is the plain image downsampled by r = P/S and upsampled '
              'back, i.e. what a thumbnail at the MI resolution shows.', '']
    parts.append(_table(['mode', 'method', 'images', 'PSNR', 'SSIM'],
                        [[r['mode'], r['method'], r['images'], f'{r["psnr"]:.2f}', r['ssim']]
                         for r in summary['inversion']]))
    if summary.get('training'):
        parts += ['', 'Learned inverters (one CPU thread; channels are separate samples):', '']
        parts.append(_table(['model', 'training images', 'crop px', 'steps', 'seconds'],
                            [[r['mode'], r['images'], r['crop'], r['steps'], r['seconds']]
                             for r in summary['training']]))
    if skipped:
        parts += ['', '## Skipped', ''] + [f'- {s["what"]}: {s["why"]}' for s in skipped]
    return '\n'.join(parts) + '\n'


def in_domain_markdown(stage) -> str:
    """The in-domain section: the human proxy's top-1 after the strongest learned attack, per mode."""
    refs = stage.references
    parts = ['## Learned in-domain attacks (Fashion-MNIST, 32 px)', '',
             f'The attacker trains on the {stage.training[0]["images"]} public training images; '
             f'{len(stage.test)} test images are attacked, each encrypted with a fresh OS-entropy permutation. '
             'Human proxy: a CNN trained on plain images only (with blur, down-sampling and noise); its top-1 '
             'on a reconstruction is how often a person would recognise it. Chance 0.100; the proxy on plain '
             'test images: ' + ', '.join(f'{k} {v:.3f}' for k, v in refs.items()) + '.', '',
             '### Strongest attack per mode', '']
    parts.append(_table(['mode', 'strongest attack', 'proxy top-1', 'chance', 'direct', 'neighbour', 'PSNR', 'SSIM'],
                        [[r['mode'], r['strongest_attack'], r['proxy_top1'], r['chance'], r['direct'], r['neighbour'],
                          f'{r["psnr"]:.2f}', r['ssim']] for r in stage.summary()]))
    parts += ['', '### Every attack', '']
    parts.append(_table(['mode', 'attack', 'proxy top-1', 'direct', 'neighbour', 'chance', 'PSNR', 'SSIM'],
                        [[r['mode'], r['attack'], r['proxy_top1'], r.get('direct'), r.get('neighbour'),
                          r.get('chance'), f'{r["psnr"]:.2f}', r['ssim']] for r in stage.rows]))
    parts += ['', 'Models trained (one CPU thread):', '']
    parts.append(_table(['model', 'training images', 'steps', 'samples seen', 'seconds'],
                        [[r['model'], r['images'], r.get('steps'), r.get('samples'), r['seconds']]
                         for r in stage.training]))
    return '\n'.join(parts) + '\n'


def photo_markdown(stage) -> str:
    """The learned block attacker on 224 px photos."""
    from .photo_attacks import ATTACKER_PHOTOS
    parts = ['## Learned block-position attacker on photos', '',
             f'Trained on {stage.cfg.crops} random crops (and flips) of the {len(ATTACKER_PHOTOS)} bundled photos '
             'that are not scored (a real attacker has millions); each scored photo is shuffled afresh '
             f'{stage.cfg.shuffles_per_photo} times. PSNR (of the pooled squared error) / SSIM: of the reassembly '
             '(RS), of the reassembly through the photo inverter (RS-on-MI).', '']
    parts.append(_table(['mode', 'shuffles', 'direct', 'neighbour', 'solved', 'chance', 'PSNR', 'SSIM'],
                        [[r['mode'], r['shuffles'], r['direct'], r['neighbour'], f'{r["solved"]}/{r["shuffles"]}',
                          r['chance'], r['psnr'], r['ssim']] for r in stage.summary()]))
    parts += ['', _table(['model', 'training crops', 'steps', 'samples seen', 'seconds'],
                         [[r['model'], r['images'], r['steps'], r['samples'], r['seconds']] for r in stage.training])]
    return '\n'.join(parts) + '\n'


def _display(img: np.ndarray) -> np.ndarray:
    """uint8 view of an image; float images with negative values (inverted pixels) are min-max scaled."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    if img.min() < 0:
        img = 255 * (img - img.min()) / max(img.max() - img.min(), 1e-9)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def _figure_order(mode: str) -> tuple:
    """Columns: RS, keyed RS, MI, keyed MI, RS-on-MI; then by name."""
    if 'RS-on-MI' in mode:
        rank = 4
    else:
        rank = (2 if 'MI' in mode else 0) + int(mode.startswith('keyed'))
    return rank, mode


def write_report(suite, out_dir: str, meta: dict, in_domain=None, photos=None) -> List[str]:
    """Write results.json, report.md and figure.png for a finished :class:`PrivacySuite`; with a
    finished :class:`~mmppml.privacy.in_domain.InDomainAttacks` its section and figure_in_domain.png,
    with a finished :class:`~mmppml.privacy.photo_attacks.PhotoAttacks` its section.

    Returns:
        list[str]: the written paths.
    """
    from mmppml.visualization import make_image_grid, save_png
    os.makedirs(out_dir, exist_ok=True)
    meta = dict(meta, wall_seconds=suite.clock.elapsed())
    summary = summarize(suite.tables)
    results = dict(meta=meta, summary=summary, rows=suite.tables)
    if in_domain is not None:
        results['in_domain'] = dict(summary=in_domain.summary(), rows=in_domain.rows, references=in_domain.references,
                                    training=in_domain.training)
    if photos is not None:
        results['photos_learned'] = dict(summary=photos.summary(), rows=photos.rows, training=photos.training)
    paths = [osp.join(out_dir, 'results.json'), osp.join(out_dir, 'report.md')]
    with open(paths[0], 'w') as f:
        json.dump(results, f, indent=1)
    with open(paths[1], 'w') as f:
        text = markdown(summary, suite.tables['skipped'], meta)
        learned = ''.join(md(stage) + '\n' for md, stage in ((in_domain_markdown, in_domain), (photo_markdown, photos))
                          if stage is not None)
        text = text.replace('## Jigsaw', learned + '## Jigsaw', 1)
        f.write(text)
    if in_domain is not None and in_domain.figure:
        rows, labels = [], []
        for mode, (plain, encrypted, recon) in in_domain.figure.items():
            for name, images in (('plain', plain), ('encrypted', encrypted), ('attacked', recon)):
                rows.append([_display(x) for x in images])
                labels.append(f'{mode} {name}')
        paths.append(osp.join(out_dir, 'figure_in_domain.png'))
        save_png(paths[-1], make_image_grid(rows, row_labels=labels, cell_size=64))
    if suite.figure:
        modes = sorted(suite.figure, key=_figure_order)
        rows = [[_display(suite.figure[m][i]) for m in modes] for i in range(3)]
        grid = make_image_grid(rows, row_labels=['plain', 'encrypted', 'recovered'], col_labels=modes,
                               cell_size=180)
        paths.append(osp.join(out_dir, 'figure.png'))
        save_png(paths[-1], grid)
    return paths
