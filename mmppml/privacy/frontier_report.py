"""The frontier's table (``frontier.md``) and picture (``frontier.png``) from its ``results.json``."""
import os.path as osp
from typing import List, Optional

from .frontier import pareto_front

GOAL_RECOGNISABILITY = 0.20  # a mode counts as holding at or below this ...
GOAL_GAP = 5.  # ... with its model within this many points of plain


def frontier_points(results: dict) -> List[dict]:
    """The finished cells, each with ``front`` (on the Pareto front) and ``gap`` (to plain, points)."""
    cells = list(results['cells'].values())
    plain = next((c['accuracy'] for c in cells if c['mode'] == 'plain'), None)
    front = set(pareto_front([(c['accuracy'], c['recognisability']) for c in cells]))
    return [
        dict(c, front=i in front, gap=None if plain is None else round(c['accuracy'] - plain, 2))
        for i, c in enumerate(cells)
    ]


def meets_goal(point: dict) -> bool:
    """An encrypted cell at or below the goal's recognisability, within its gap to plain."""
    return point.get('mode') != 'plain' and point['gap'] is not None and point[
        'recognisability'] <= GOAL_RECOGNISABILITY and point['gap'] >= -GOAL_GAP


def best_tradeoff(points: List[dict]) -> Optional[dict]:
    """The encrypted cell within ``GOAL_GAP`` points of plain with the lowest recognisability (None if none)."""
    within = [p for p in points if p['mode'] != 'plain' and p['gap'] is not None and p['gap'] >= -GOAL_GAP]
    return min(within, key=lambda p: (p['recognisability'], -p['accuracy'])) if within else None


def frontier_table(results: dict) -> str:
    """Markdown: one row per cell, the references and the goal."""
    points = frontier_points(results)
    ref = results.get('references', {})
    lines = [
        '| mode | setting | top-1 (%) | gap to plain | recognisability (strongest attack) | strongest attack '
        '| best image reconstruction | Pareto front |', '|---|---|---|---|---|---|---|---|'
    ]
    for p in points:
        gap = '-' if p['gap'] is None or p['mode'] == 'plain' else f'{p["gap"]:+.2f}'
        image = '-' if p['image_recognisability'] is None else \
            f'{p["image_recognisability"]:.3f} ({p["strongest_image_attack"]})'
        lines.append(f'| {p["label"]} | {p["setting"]} | {p["accuracy"]:.2f} | {gap} | {p["recognisability"]:.3f} '
                     f'| {p["strongest_attack"]} | {image} | {"yes" if p["front"] else ""} |')
    met = [p['label'] for p in points if meets_goal(p)]
    best = best_tradeoff(points)
    notes = [
        f'Recognisability: top-1 of the human proxy (a CNN trained on plain images only) on what the attack '
        f'recovers from {results["meta"]["test_images"]} held-out images; chance {ref.get("chance", 0.1):.2f}, '
        f'plain images {ref.get("proxy_plain", float("nan")):.3f}, the class prototypes themselves '
        f'{ref.get("proxy_on_prototypes", float("nan")):.3f}.',
        f'Goal: recognisability <= {GOAL_RECOGNISABILITY:.2f} within {GOAL_GAP:g} points of plain: ' +
        (f'met by {", ".join(met)}.' if met else 'met by no mode.')
    ]
    if best is not None:
        notes.append(f'Best trade-off within {GOAL_GAP:g} points of plain (lowest recognisability): {best["label"]}, '
                     f'top-1 {best["accuracy"]:.2f} %, recognisability {best["recognisability"]:.3f}.')
    if results['meta'].get('quick'):
        notes.insert(0, '**--quick: a smoke test on a few images, not a result.**')
    return '\n'.join(lines) + '\n\n' + '\n\n'.join(notes) + '\n'


def frontier_figure(results: dict, out_file: str) -> None:
    """Accuracy against recognisability after the strongest attack (filled; hollow: the best image
    reconstruction alone): chance and plain (star) marked, the label attack's line and the Pareto front
    drawn, the goal shaded, every point labelled."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    points = frontier_points(results)
    ref = results.get('references', {})
    fig, ax = plt.subplots(figsize=(7.5, 5), dpi=110)
    chance = ref.get('chance', 0.1)
    ax.axvline(chance, color='grey', ls=':', lw=1)
    ax.text(chance, 0.02, ' chance', transform=ax.get_xaxis_transform(), color='grey', fontsize=8)
    plain = next((p for p in points if p['mode'] == 'plain'), None)
    accs = [p['accuracy'] for p in points]
    low, high = (min(accs) - 3, max(accs) + 2) if accs else (0, 100)
    if plain is not None:
        ax.fill_between([0, GOAL_RECOGNISABILITY],
                        plain['accuracy'] - GOAL_GAP,
                        high,
                        color='tab:green',
                        alpha=0.12,
                        label=f'goal: <= {GOAL_RECOGNISABILITY:.2f}, within {GOAL_GAP:g} points of plain')
    proto = ref.get('proxy_on_prototypes', 1.)
    ax.plot([0, proto], [0, 100],
            color='tab:red',
            ls='--',
            lw=0.8,
            label=f'label attack: recognisability = accuracy x {proto:.2f} (prototypes recognised)')
    front = sorted((p for p in points if p['front']), key=lambda p: p['recognisability'])
    if front:
        ax.plot([p['recognisability'] for p in front], [p['accuracy'] for p in front],
                color='tab:blue',
                lw=1.2,
                label='Pareto front (strongest attack)')
    shown_image = False
    for i, p in enumerate(points):
        is_plain = p['mode'] == 'plain'
        if p.get('image_recognisability') is not None and not is_plain:
            ax.plot([p['image_recognisability'], p['recognisability']], [p['accuracy']] * 2, color='tab:grey', lw=0.5)
            ax.scatter(
                p['image_recognisability'],
                p['accuracy'],
                marker='o',
                s=22,
                facecolors='none',
                edgecolors='tab:grey',
                zorder=3,
                label=None if shown_image else 'best image reconstruction alone')
            shown_image = True
        ax.scatter(
            p['recognisability'],
            p['accuracy'],
            marker='*' if is_plain else 'o',
            s=90 if is_plain else 30,
            color='black' if is_plain else ('tab:blue' if p['front'] else 'tab:grey'),
            zorder=4)
        ax.annotate(
            p['label'], (p['recognisability'], p['accuracy']),
            textcoords='offset points',
            xytext=(4, 3 if i % 2 == 0 else -9),
            fontsize=7)  # alternate, so neighbours do not overlap
    ax.set_xlim(0, 1)
    ax.set_ylim(low, high)
    ax.set_xlabel('recognisability after the strongest attack (human-proxy top-1)')
    ax.set_ylabel('task model top-1 (%)')
    ax.set_title(
        'Privacy-utility frontier' + (' (--quick: not a result)' if results['meta'].get('quick') else ''), fontsize=10)
    ax.legend(fontsize=7, loc='center left')
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
