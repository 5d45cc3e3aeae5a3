"""Write an audit's results: results.json (every row), report.md (the summary) and figure.png."""
import json
import os
import os.path as osp
from dataclasses import asdict
from typing import List, Optional

from ..report_format import _ci, _display, _table
from ..scores.views import VIEWS
from .runner import NONE_PREFIX

SCORE_KEYS = ('top1', 'top1_low', 'top1_high', 'mrr', 'mrr_low', 'mrr_high')
READING = ('NeuraCrypt\'s reading of re-identification as k-anonymity: under 5 % good, 5-20 % moderate, '
           'over 20 % bad.')


def _best(rows: List[dict]) -> Optional[dict]:
    return max(rows, key=lambda r: (r['top1'], r['mrr']), default=None)


def summarize(results: dict) -> dict:
    """Linkage, re-identification and the SSIM margin as handed over and after the strongest attack.

    Returns:
        dict: ``linkage``, ``handed_over`` and ``strongest`` (each a ranking row or None) and
        ``handed_over_margin``, ``strongest_margin`` (fidelity rows or None).
    """
    rows = results['instance']
    recon = [r for r in rows if r['attacker'] == 'reconstruction']
    handed_over = _best([r for r in recon if r['attack'].startswith(NONE_PREFIX)])
    strongest = _best(recon + [r for r in rows if r['attacker'] == 'learned matcher'])
    strongest_recon = _best(recon)

    def margin(row):
        return None if row is None else next((f for f in results['fidelity'] if f['attack'] == row['attack']), None)

    return dict(
        linkage=_best([r for r in rows if r['attacker'] == 'linkage']),
        handed_over=handed_over,
        strongest=strongest,
        handed_over_margin=margin(handed_over),
        strongest_margin=margin(strongest_recon))


def _margin(row: Optional[dict]) -> str:
    return '-' if row is None else f'{row["margin"]:+.3f} [{row["margin_low"]:+.3f}, {row["margin_high"]:+.3f}]'


def markdown(results: dict, summary: dict, config: str) -> str:
    st = results['setting']
    k, labelled = results['gallery'], results['private']['labelled']
    lines = [
        f'# Privacy audit: {st.label} ({config})', '', f'- Encryption: mode `{st.mode}`, P = {st.patch_size}' +
        ('' if st.sub_patch_size is None else f', S = {st.sub_patch_size}') +
        ''.join(f', {n} = {v:g}' for n, v in st.param.items()) + f', read from `{st.where}` ({st.library}).',
        f'- Private (attacked) images: {results["private"]["images"]} from {results["private"]["source"]}; '
        f'{results["targets"]} targets.',
        f'- Public images the attacker trains on: {results["public"]["images"]} from {results["public"]["source"]}. '
        'This assumes the attacker holds images of the same kind as yours; with fewer or less similar images it '
        'recovers less, with more it recovers more.',
        f'- Audited as gray {results["side"]}x{results["side"]} centre crops at the training scale (short side '
        f'{results["scale"]} px' + (f', padded to a multiple of {st.pad_size_divisor} with {st.pad_value} as the '
                                    'data preprocessor pads it' if st.pad_size_divisor > 1 else '') + ').',
        f'- Galleries: {k} {"same-class" if labelled else "random"} private images per target (chance {1 / k:.3f}); '
        f'another view is {VIEWS[results["views"]].describe()}.'
    ]
    if st.key_file:
        lines.append('- Keyed: the attacks run without the key, which is recovered from a few dozen ciphertexts '
                     '(see docs); linkage needs no key.')
    if st.seed is not None:
        lines.append(f'- The config fixes seed={st.seed}: whoever knows it undoes the randomness outright.')
    link, ho, best = summary['linkage'], summary['handed_over'], summary['strongest']
    lines += [
        '', '| score | as handed over | after the strongest attack | chance |', '|---|---|---|---|',
        f'| re-identification top-1 [95 % CI] | {_ci(ho or {}, "top1")} | {_ci(best or {}, "top1")} | {1 / k:.3f} |',
        f'| re-identification MRR [95 % CI] | {_ci(ho or {}, "mrr")} | {_ci(best or {}, "mrr")} | '
        f'{(ho or best or {}).get("chance_mrr", float("nan")):.3f} |',
        f'| linkage top-1 (holder of the original) [95 % CI] | {_ci(link or {}, "top1")} | - | {1 / k:.3f} |',
        f'| SSIM margin to the rest of the gallery [95 % CI] | {_margin(summary["handed_over_margin"])} | '
        f'{_margin(summary["strongest_margin"])} | <= 0 |', ''
    ]
    if best is not None:
        lines.append(f'Strongest attack: {best["attacker"]}, {best["attack"]} ({best["matcher"]}). '
                     f'The plain image itself is re-identified at {results["plain_reid"]["top1"]:.3f}. {READING}')
    lines += [
        '', '## Every score', '',
        _table(['attacker', 'attack', 'matcher', 'top-1', 'low', 'high', 'MRR'],
               [[r['attacker'], r['attack'], r['matcher'], r['top1'], r['top1_low'], r['top1_high'], r['mrr']]
                for r in results['instance']]), '', '## Training (public images only)', '',
        _table(['model', 'images', 'steps', 'seconds'],
               [[r['model'], r['images'], r.get('steps'), r['seconds']] for r in results['training']]), '',
        f'Wall time {results["seconds"]:.0f} s. Figure: `figure.png` (rows: original, ciphertext, strongest '
        'reconstruction, gallery image ranked first).', ''
    ]
    return '\n'.join(lines)


def write_audit(out_dir: str, results: dict, config: str = '') -> List[str]:
    """Write results.json, report.md and figure.png to ``out_dir``; return their paths."""
    from mmppml.visualization import make_image_grid, save_png
    os.makedirs(out_dir, exist_ok=True)
    summary = summarize(results)
    paths = [osp.join(out_dir, name) for name in ('results.json', 'report.md', 'figure.png')]
    data = {k: v for k, v in results.items() if k != 'panels'}
    data.update(setting=asdict(results['setting']), label=results['setting'].label, config=config, summary=summary)
    with open(paths[0], 'w') as f:
        json.dump(data, f, indent=1, default=float)
    with open(paths[1], 'w') as f:
        f.write(markdown(results, summary, config))
    panels = results['panels']
    grid = make_image_grid([[_display(x) for x in panels[name]] for name in panels],
                           row_labels=[name.replace('_', ' ') for name in panels],
                           cell_size=96)
    save_png(paths[2], grid)
    return paths
