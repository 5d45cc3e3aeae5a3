"""Write the privacy suite's results: results.json (every row), report.md (summary tables), figure.png."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List

import numpy as np

from mmppml.privacy.report_format import _display, _table


def _group(rows: List[dict], keys: tuple) -> 'OrderedDict[tuple, List[dict]]':
    groups: 'OrderedDict[tuple, List[dict]]' = OrderedDict()
    for row in rows:
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(row)
    return groups


def summarize(tables: Dict[str, List[dict]]) -> Dict[str, List[dict]]:
    """Means over the scored photos, one row per setting."""
    jigsaw = []
    for (mode, size, patch, sub), rows in _group(tables['jigsaw'], ('mode', 'size', 'patch', 'sub')).items():
        jigsaw.append(
            OrderedDict(
                mode=mode,
                size=size,
                patch=patch,
                sub=sub,
                pieces=rows[0]['pieces'],
                photos=len(rows),
                direct=float(np.mean([r['direct'] for r in rows])),
                direct_shifted=float(np.mean([r['direct_shifted'] for r in rows])),
                neighbour=float(np.mean([r['neighbour'] for r in rows])),
                solved=sum(r['neighbour'] >= 0.9 for r in rows),
                chance=rows[0]['chance'],
                seconds=float(np.mean([r['seconds'] for r in rows]))))
    inversion = []
    for (mode, method), rows in _group(tables['inversion'], ('mode', 'method')).items():
        inversion.append(
            OrderedDict(
                mode=mode,
                method=method,
                images=len(rows),
                psnr=float(np.mean([r['psnr'] for r in rows])),
                ssim=float(np.mean([r['ssim'] for r in rows]))))
    return dict(
        jigsaw=jigsaw, inversion=inversion, key_recovery=tables['key_recovery'], training=tables.get('training', []))


def markdown(summary: Dict[str, List[dict]], skipped: List[dict], meta: dict) -> str:
    parts = [
        '# Privacy suite report', '',
        f'Budget {meta.get("budget_minutes")} min, {meta.get("threads")} thread(s), quick={meta.get("quick")}, '
        f'wall time {meta.get("wall_seconds", float("nan")):.0f} s. Means over the scored photos.', '',
        '## Jigsaw (greedy MGC solver, best-buddies placement, trim and fill)', '',
        'direct: blocks at their exact position; shifted: after the best global translation; neighbour: '
        'true adjacent pairs kept; solved: photos with neighbour >= 0.9; chance: neighbour score of a '
        'random layout.', ''
    ]
    parts.append(
        _table([
            'mode', 'image', 'P', 'S', 'pieces', 'photos', 'direct', 'shifted', 'neighbour', 'solved', 'chance',
            's/photo'
        ], [[
            r['mode'], r['size'], r['patch'], r['sub'], r['pieces'], r['photos'], r['direct'], r['direct_shifted'],
            r['neighbour'], f'{r["solved"]}/{r["photos"]}', r['chance'], r['seconds']
        ] for r in summary['jigsaw']]))
    parts += [
        '', '## Key recovery (ciphertext only, from M encrypted random crops of the bundled photos)', '',
        'positions: pixels put at their true in-block position (best of the 8 symmetries of the square); '
        'adjacency: true pixel neighbours kept; signs: inversion bits (best global flip); jigsaw: the '
        'scored photos decrypted with the estimate (symmetry and flip resolved with the true key), then '
        'reassembled.', ''
    ]
    parts.append(
        _table([
            'mode', 'M images', 'blocks', 'positions', 'adjacency', 'signs', 'jigsaw neighbour', 'jigsaw direct',
            'seconds'
        ], [[
            r['mode'], r['images'], r['blocks'], r['positions'], r['adjacency'], r['signs'],
            r.get('jigsaw_neighbour'),
            r.get('jigsaw_direct'), r['seconds']
        ] for r in summary['key_recovery']]))
    parts += [
        '', '## Inversion of MI (PSNR dB / SSIM against the plain image, skimage.metrics)', '',
        'The reference row is not an attack: it is the plain image downsampled by r = P/S and upsampled '
        'back, i.e. what a thumbnail at the MI resolution shows.', ''
    ]
    parts.append(
        _table(['mode', 'method', 'images', 'PSNR', 'SSIM'],
               [[r['mode'], r['method'], r['images'], f'{r["psnr"]:.2f}', r['ssim']] for r in summary['inversion']]))
    if summary.get('training'):
        parts += ['', 'Learned inverters (one CPU thread; channels are separate samples):', '']
        parts.append(
            _table(['model', 'training images', 'crop px', 'steps', 'seconds'],
                   [[r['mode'], r['images'], r['crop'], r['steps'], r['seconds']] for r in summary['training']]))
    if skipped:
        parts += ['', '## Skipped', ''] + [f'- {s["what"]}: {s["why"]}' for s in skipped]
    return '\n'.join(parts) + '\n'


def in_domain_markdown(section: dict) -> str:
    """The in-domain section: the human proxy's top-1 after the strongest learned attack, per mode."""
    refs = section['references']
    parts = [
        '## Learned in-domain attacks (Fashion-MNIST, 32 px)', '',
        f'The attacker trains on the {section["train_images"]} public training images; '
        f'{section["attacked_images"]} test images are attacked, each encrypted with a fresh OS-entropy '
        'permutation. Human proxy: a CNN trained on plain images only (with blur, down-sampling and noise); '
        'its top-1 on a reconstruction is how often a person would recognise it. Chance 0.100; the proxy on '
        'plain test images: ' + ', '.join(f'{k} {v:.3f}' for k, v in refs.items()) + '.', '',
        '### Strongest attack per mode', ''
    ]
    parts.append(
        _table(['mode', 'strongest attack', 'proxy top-1', 'chance', 'direct', 'neighbour', 'PSNR', 'SSIM'], [[
            r['mode'], r['strongest_attack'], r['proxy_top1'], r['chance'], r['direct'], r['neighbour'],
            f'{r["psnr"]:.2f}', r['ssim']
        ] for r in section['strongest']]))
    parts += ['', '### Every attack', '']
    parts.append(
        _table(['mode', 'attack', 'proxy top-1', 'direct', 'neighbour', 'chance', 'PSNR', 'SSIM'], [[
            r['mode'], r['attack'], r['proxy_top1'],
            r.get('direct'),
            r.get('neighbour'),
            r.get('chance'), f'{r["psnr"]:.2f}', r['ssim']
        ] for r in section['attacks']]))
    parts += ['', 'Models trained (one CPU thread):', '']
    parts.append(
        _table(['model', 'training images', 'steps', 'samples seen', 'seconds'],
               [[r['model'], r['images'], r.get('steps'),
                 r.get('samples'), r['seconds']] for r in section['training']]))
    return '\n'.join(parts) + '\n'


def photo_markdown(section: dict) -> str:
    """The learned block attacker on 224 px photos."""
    parts = [
        '## Learned block-position attacker on photos', '',
        f'Trained on {section["crops"]} random crops (and flips) of the {section["public_photos"]} bundled '
        'photos that are not scored (a real attacker has millions); each scored photo is shuffled afresh '
        f'{section["shuffles_per_photo"]} times. PSNR (of the pooled squared error) / SSIM: of the reassembly '
        '(RS), of the reassembly through the photo inverter (RS-on-MI).', ''
    ]
    parts.append(
        _table(['mode', 'shuffles', 'direct', 'neighbour', 'solved', 'chance', 'PSNR', 'SSIM'], [[
            r['mode'], r['shuffles'], r['direct'], r['neighbour'], f'{r["solved"]}/{r["shuffles"]}', r['chance'],
            r['psnr'], r['ssim']
        ] for r in section['summary']]))
    parts += [
        '',
        _table(['model', 'training crops', 'steps', 'samples seen', 'seconds'],
               [[r['model'], r['images'], r['steps'], r['samples'], r['seconds']] for r in section['training']])
    ]
    return '\n'.join(parts) + '\n'


def stage_section(result) -> dict:
    """A finished stage's tables and settings (a :class:`~.stage.StageResult` subclass),
    without its figure, as one section of ``write_report``'s ``tables``."""
    from dataclasses import fields
    section = dict(result.tables)
    section.update(
        {f.name: getattr(result, f.name)
         for f in fields(result) if f.name not in ('tables', 'figure', 'skipped')})
    return section


def _figure_order(mode: str) -> tuple:
    """Columns: RS, keyed RS, MI, keyed MI, RS-on-MI; then by name."""
    if 'RS-on-MI' in mode:
        rank = 4
    else:
        rank = (2 if 'MI' in mode else 0) + int(mode.startswith('keyed'))
    return rank, mode


def _mode_columns(panels) -> np.ndarray:
    """One column per mode: the plain, encrypted and recovered image."""
    from mmppml.visualization import make_image_grid
    modes = sorted(panels, key=_figure_order)
    rows = [[_display(panels[m][i]) for m in modes] for i in range(3)]
    return make_image_grid(rows, row_labels=['plain', 'encrypted', 'recovered'], col_labels=modes, cell_size=180)


def _mode_strips(panels) -> np.ndarray:
    """Three rows per mode (plain, encrypted, attacked), each a strip of images."""
    from mmppml.visualization import make_image_grid
    rows, labels = [], []
    for mode, (plain, encrypted, recon) in panels.items():
        for name, images in (('plain', plain), ('encrypted', encrypted), ('attacked', recon)):
            rows.append([_display(x) for x in images])
            labels.append(f'{mode} {name}')
    return make_image_grid(rows, row_labels=labels, cell_size=64)


FIGURE_LAYOUTS = dict(figure=_mode_columns, figure_in_domain=_mode_strips)


def write_report(out_dir: str, tables: Dict[str, dict], figures: Dict[str, dict], meta: dict) -> List[str]:
    """Write results.json, report.md and one PNG per figure.

    Args:
        out_dir (str): the report directory (created).
        tables (dict): section -> its tables: ``'suite'`` (``jigsaw``, ``key_recovery``, ``inversion``,
            ``training``, ``skipped`` of :func:`~.classic.run_suite`) and, when run,
            ``'in_domain'`` and ``'photos'`` (from :func:`stage_section`).
        figures (dict): file stem (``'figure'``, ``'figure_in_domain'``) -> panels, mode -> [plain,
            encrypted, recovered]; empty panels write no file.
        meta (dict): the run's settings and ``wall_seconds``.

    Returns:
        list[str]: the written paths.
    """
    from mmppml.visualization import save_png
    os.makedirs(out_dir, exist_ok=True)
    suite = tables['suite']
    summary = summarize(suite)
    results = dict(meta=meta, summary=summary, rows=suite)
    learned = ''
    for name, to_markdown in (('in_domain', in_domain_markdown), ('photos', photo_markdown)):
        if tables.get(name) is not None:
            results[name] = tables[name]
            learned += to_markdown(tables[name]) + '\n'
    paths = [osp.join(out_dir, 'results.json'), osp.join(out_dir, 'report.md')]
    with open(paths[0], 'w') as f:
        json.dump(results, f, indent=1)
    with open(paths[1], 'w') as f:
        f.write(markdown(summary, suite['skipped'], meta).replace('## Jigsaw', learned + '## Jigsaw', 1))
    for stem, panels in figures.items():
        if panels:
            paths.append(osp.join(out_dir, f'{stem}.png'))
            save_png(paths[-1], FIGURE_LAYOUTS[stem](panels))
    return paths
