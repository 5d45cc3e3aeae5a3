"""The frontier's table (``frontier.md``) and picture (``frontier.png``) from its ``results.json``."""
import os.path as osp
from typing import List, Optional

from mmppml.privacy.report_format import format_value
from .pareto import pareto_front

GOAL_RECOGNISABILITY = 0.20  # without instance scores: a mode counts as holding at or below this ...
GOAL_GAP = 5.  # ... with its model within this many points of plain
GOAL_REID = 0.05  # with instance scores: re-identification at or below this (NeuraCrypt's "good") ...
GOAL_REID_GAP = 3.  # ... within this many points of plain


def instance_scored(results: dict) -> bool:
    """Whether the cells carry instance scores (then the frontier is drawn on re-identification)."""
    return any(c.get('reidentification') is not None for c in results['cells'].values())


def _leak(cell: dict, instance: bool) -> float:
    return cell['reidentification'] if instance else cell['recognisability']


def frontier_points(results: dict) -> List[dict]:
    """The finished cells, each with ``leak`` (re-identification after the strongest attack, or class
    recognisability for results without instance scores), ``front`` (on the Pareto front of accuracy
    against ``leak``) and ``gap`` (to plain, points)."""
    instance = instance_scored(results)
    cells = [c for c in results['cells'].values() if not instance or c.get('reidentification') is not None]
    plain = next((c['accuracy'] for c in cells if c['mode'] == 'plain'), None)
    front = set(pareto_front([(c['accuracy'], _leak(c, instance)) for c in cells]))
    return [
        dict(
            c,
            leak=_leak(c, instance),
            front=i in front,
            gap=None if plain is None else round(c['accuracy'] - plain, 2)) for i, c in enumerate(cells)
    ]


def meets_goal(point: dict) -> bool:
    """An encrypted cell within the goal: re-identification <= ``GOAL_REID`` within ``GOAL_REID_GAP``
    points of plain when it has instance scores, else recognisability <= ``GOAL_RECOGNISABILITY`` within
    ``GOAL_GAP`` points."""
    if point.get('mode') == 'plain' or point.get('gap') is None:
        return False
    if point.get('reidentification') is not None:
        return point['reidentification'] <= GOAL_REID and point['gap'] >= -GOAL_REID_GAP
    return point['recognisability'] <= GOAL_RECOGNISABILITY and point['gap'] >= -GOAL_GAP


def _goal(instance: bool):
    return (GOAL_REID, GOAL_REID_GAP, 're-identification') if instance else (GOAL_RECOGNISABILITY, GOAL_GAP,
                                                                             'recognisability')


def best_tradeoff(points: List[dict], gap: float = GOAL_GAP) -> Optional[dict]:
    """The encrypted cell within ``gap`` points of plain with the lowest ``leak`` (None if none)."""
    within = [p for p in points if p['mode'] != 'plain' and p['gap'] is not None and p['gap'] >= -gap]
    return min(within, key=lambda p: (p['leak'], -p['accuracy'])) if within else None


def frontier_table(results: dict) -> str:
    """Markdown: one row per cell, the references and the goal."""
    instance = instance_scored(results)
    points = frontier_points(results)
    ref = results.get('references', {})
    goal, goal_gap, what = _goal(instance)
    if instance:
        lines = [
            '| mode | setting | top-1 (%) | gap to plain | re-identification [95 % CI] (strongest attack) | by '
            '| (a) reconstruction | (b) learned matcher | linkage | SSIM margin '
            '| class recognisability (the trainer already holds this) | Pareto front |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|'
        ]
    else:
        lines = [
            '| mode | setting | top-1 (%) | gap to plain | recognisability (strongest attack) | strongest attack '
            '| best image reconstruction | Pareto front |', '|---|---|---|---|---|---|---|---|'
        ]
    for p in points:
        gap = '-' if p['gap'] is None or p['mode'] == 'plain' else f'{p["gap"]:+.2f}'
        front = 'yes' if p['front'] else ''
        if instance:
            low, high, recon, learned, link, margin = (
                format_value(p.get(key), missing='-')
                for key in ('reidentification_low', 'reidentification_high', 'reid_reconstruction',
                            'reid_learned_matcher', 'linkage', 'ssim_margin'))
            lines.append(f'| {p["label"]} | {p["setting"]} | {p["accuracy"]:.2f} | {gap} | {p["reidentification"]:.3f} '
                         f'[{low}, {high}] | {p.get("reidentification_by")} | {recon} | {learned} | {link} | {margin} '
                         f'| {p["recognisability"]:.3f} ({p["strongest_attack"]}) | {front} |')
            continue
        image = '-' if p['image_recognisability'] is None else \
            f'{p["image_recognisability"]:.3f} ({p["strongest_image_attack"]})'
        lines.append(f'| {p["label"]} | {p["setting"]} | {p["accuracy"]:.2f} | {gap} | {p["recognisability"]:.3f} '
                     f'| {p["strongest_attack"]} | {image} | {front} |')
    met = [p['label'] for p in points if meets_goal(p)]
    best = best_tradeoff(points, goal_gap)
    notes = []
    if instance:
        chance = next((p.get('reid_chance') for p in points if p.get('reid_chance') is not None), float('nan'))
        notes.append(
            f'Re-identification: top-1 of the true instance among {round(1 / chance) if chance else "?"} same-class '
            f'held-out images (another view of it, and views of the others), after the strongest attack: '
            f'(a) the reconstructions ranked by pixels, SSIM or a plain-trained embedding, or (b) a ciphertext '
            f'matcher trained on public pairs; chance {chance:.3f}. Linkage: the attacker holds the original among '
            'the same-class candidates and encrypts them itself. Class recognisability: top-1 of the human proxy '
            f'on what the attack recovers from {results["meta"]["test_images"]} held-out images (chance '
            f'{ref.get("chance", 0.1):.2f}, plain images {ref.get("proxy_plain", float("nan")):.3f}): the class is '
            'what the trainer receives with the labels anyway.')
        plain_refs = [r for r in results.get('instance_references', []) if 'plain image' in r['attack']]
        label_refs = [r for r in results.get('instance_references', []) if 'prototype' in r['attack']]
        if plain_refs and label_refs:
            notes.append(f'References: the plain image as query re-identifies {max(r["top1"] for r in plain_refs):.3f}'
                         f'; the class prototype (the label alone) {max(r["top1"] for r in label_refs):.3f}.')
    else:
        notes.append(
            f'Recognisability: top-1 of the human proxy (a CNN trained on plain images only) on what the attack '
            f'recovers from {results["meta"]["test_images"]} held-out images; chance {ref.get("chance", 0.1):.2f}, '
            f'plain images {ref.get("proxy_plain", float("nan")):.3f}, the class prototypes themselves '
            f'{ref.get("proxy_on_prototypes", float("nan")):.3f}.')
    notes.append(f'Goal: {what} <= {goal:.2f} within {goal_gap:g} points of plain: ' +
                 (f'met by {", ".join(met)}.' if met else 'met by no mode.'))
    if best is not None:
        notes.append(f'Best trade-off within {goal_gap:g} points of plain (lowest {what}): {best["label"]}, '
                     f'top-1 {best["accuracy"]:.2f} %, {what} {best["leak"]:.3f}.')
    if results['meta'].get('quick'):
        notes.insert(0, '**--quick: a smoke test on a few images, not a result.**')
    return '\n'.join(lines) + '\n\n' + '\n\n'.join(notes) + '\n'


def frontier_figure(results: dict, out_file: str) -> None:
    """Accuracy against instance leakage (re-identification after the strongest attack; for results
    without instance scores, class recognisability), filled; hollow: the class recognisability (what the
    trainer holds anyway) or the best image reconstruction alone. Chance and plain (star) marked, the
    Pareto front drawn, the goal shaded, every point labelled."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    instance = instance_scored(results)
    goal, goal_gap, what = _goal(instance)
    points = frontier_points(results)
    ref = results.get('references', {})
    fig, ax = plt.subplots(figsize=(7.5, 5), dpi=110)
    chance = next((p.get('reid_chance') for p in points if p.get('reid_chance') is not None), None) \
        if instance else ref.get('chance', 0.1)
    if chance is not None:
        ax.axvline(chance, color='grey', ls=':', lw=1)
        ax.text(chance, 0.02, ' chance', transform=ax.get_xaxis_transform(), color='grey', fontsize=8)
    plain = next((p for p in points if p['mode'] == 'plain'), None)
    accs = [p['accuracy'] for p in points]
    low, high = (min(accs) - 3, max(accs) + 2) if accs else (0, 100)
    if plain is not None:
        ax.fill_between([0, goal],
                        plain['accuracy'] - goal_gap,
                        high,
                        color='tab:green',
                        alpha=0.12,
                        label=f'goal: {what} <= {goal:.2f}, within {goal_gap:g} points of plain')
    if not instance:
        proto = ref.get('proxy_on_prototypes', 1.)
        ax.plot([0, proto], [0, 100],
                color='tab:red',
                ls='--',
                lw=0.8,
                label=f'label attack: recognisability = accuracy x {proto:.2f} (prototypes recognised)')
    front = sorted((p for p in points if p['front']), key=lambda p: p['leak'])
    if front:
        ax.plot([p['leak'] for p in front], [p['accuracy'] for p in front],
                color='tab:blue',
                lw=1.2,
                label='Pareto front (strongest attack)')
    hollow_label = 'class recognisability (the trainer already holds this)' if instance else \
        'best image reconstruction alone'
    shown = False
    for i, p in enumerate(points):
        is_plain = p['mode'] == 'plain'
        other = p['recognisability'] if instance else p.get('image_recognisability')
        if other is not None and not is_plain:
            ax.plot([other, p['leak']], [p['accuracy']] * 2, color='tab:grey', lw=0.5)
            ax.scatter(
                other,
                p['accuracy'],
                marker='o',
                s=22,
                facecolors='none',
                edgecolors='tab:grey',
                zorder=3,
                label=None if shown else hollow_label)
            shown = True
        ax.scatter(
            p['leak'],
            p['accuracy'],
            marker='*' if is_plain else 'o',
            s=90 if is_plain else 30,
            color='black' if is_plain else ('tab:blue' if p['front'] else 'tab:grey'),
            zorder=4)
        ax.annotate(
            p['label'], (p['leak'], p['accuracy']),
            textcoords='offset points',
            xytext=(4, 3 if i % 2 == 0 else -9),
            fontsize=7)  # alternate, so neighbours do not overlap
    ax.set_xlim(0, 1)
    ax.set_ylim(low, high)
    ax.set_xlabel('re-identification after the strongest attack (top-1 among same-class images)'
                  if instance else 'recognisability after the strongest attack (human-proxy top-1)')
    ax.set_ylabel('task model top-1 (%)')
    ax.set_title(
        'Privacy-utility frontier' + (' (--quick: not a result)' if results['meta'].get('quick') else ''), fontsize=10)
    ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(0.08, 0.98))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_file)
    plt.close(fig)


def write_reports(results: dict, work_dir: str) -> List[str]:
    """Write ``frontier.md`` and ``frontier.png`` next to ``results.json``; return their paths."""
    md, png = osp.join(work_dir, 'frontier.md'), osp.join(work_dir, 'frontier.png')
    with open(md, 'w') as f:
        f.write('# Privacy-utility frontier\n\n' + frontier_table(results))
    frontier_figure(results, png)
    return [md, png]
