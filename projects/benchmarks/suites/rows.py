"""Result rows of the benchmark, the printed table and the JSON record."""
import math
from dataclasses import asdict, dataclass, field
from typing import List, Optional, Tuple

from .timing import Timings, median, per_round, ratios


@dataclass
class Row:
    """One ratio.

    Args:
        suite (str): ``transforms`` | ``pipeline`` | ``model`` | ``offline``.
        name (str): what is compared with what.
        ratio (float): the median over rounds of the per-round ratio (wall clock).
        min_ratio (float): the ratio of the best values of both sides (wall clock).
        target (tuple[str, float], optional): ``('<=', 1.5)`` or ``('>=', 0.8)``, checked on ``ratio``.
        subject (float): the measured side (median), in ``unit``.
        reference (float): the side it is divided by (median), in ``unit``.
        unit (str): ``'s'`` (seconds per call) or ``'MiB'``.
        cpu_ratio (float): as ``ratio`` by the CPU-time clock (NaN for memory).
        extra (dict): anything else worth recording (images/s, sizes, ...).
        spread (tuple[float, float], optional): the lowest and highest per-round ratio (wall clock).
        rounds (int): how many rounds the ratio is the median of (0 for a single measurement).
    """
    suite: str
    name: str
    ratio: float
    min_ratio: float
    target: Optional[Tuple[str, float]] = None
    subject: float = math.nan
    reference: float = math.nan
    unit: str = 's'
    cpu_ratio: float = math.nan
    extra: dict = field(default_factory=dict)
    spread: Optional[Tuple[float, float]] = None
    rounds: int = 0

    @property
    def met(self) -> Optional[bool]:
        if self.target is None:
            return None
        op, value = self.target
        return self.ratio <= value if op == '<=' else self.ratio >= value

    def to_dict(self) -> dict:
        d = asdict(self)
        d['cpu_ratio'] = self.cpu_ratio if math.isfinite(self.cpu_ratio) else None
        d['target'] = f'{self.target[0]} {self.target[1]:g}' if self.target else None
        d['met'] = self.met
        return d


def ratio_row(suite: str,
              name: str,
              timings: Timings,
              subject: str,
              reference: str,
              target: Optional[Tuple[str, float]] = None,
              throughput: bool = False,
              **extra) -> Row:
    """A row for the time of ``subject`` over that of ``reference`` (wall, per round and CPU), or with
    ``throughput`` for its throughput over the reference's (reference time / subject time)."""
    over = (reference, subject) if throughput else (subject, reference)
    ratio, min_ratio = ratios(timings.wall, *over)
    rounds = per_round(timings.wall, *over)
    return Row(suite, name, ratio, min_ratio, target, median(timings.wall[subject]), median(timings.wall[reference]),
               's',
               ratios(timings.cpu, *over)[0], extra, (min(rounds), max(rounds)), len(rounds))


def format_quantity(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return '-'
    if unit == 'MiB':
        return f'{value:.1f} MiB'
    for scale, suffix in ((1., 's'), (1e-3, 'ms'), (1e-6, 'us')):
        if value >= scale:
            return f'{value / scale:.3g} {suffix}'
    return f'{value * 1e9:.3g} ns'


def format_table(rows: List[Row]) -> str:
    """A markdown table: name, ratio (median), min ratio, CPU-time ratio, target, met?, subject, reference, and
    the per-round range of the ratio with the number of rounds."""
    header = [
        'name', 'ratio (median)', 'min ratio', 'CPU-time ratio', 'target', 'met?', 'subject', 'reference',
        'per-round range (rounds)'
    ]
    lines = [header, ['---'] + ['---:'] * 3 + [':---:'] * 2 + ['---:'] * 3]
    for row in rows:
        met = '-' if row.met is None else ('yes' if row.met else 'NO')
        target = f'{row.target[0]} {row.target[1]:g}' if row.target else '-'
        cpu = f'{row.cpu_ratio:.3f}' if math.isfinite(row.cpu_ratio) else '-'
        lines.append([
            row.name, f'{row.ratio:.3f}', f'{row.min_ratio:.3f}', cpu, target, met,
            format_quantity(row.subject, row.unit),
            format_quantity(row.reference, row.unit),
            '-' if row.spread is None else f'{row.spread[0]:.3f}-{row.spread[1]:.3f} ({row.rounds})'
        ])
    return '\n'.join('| ' + ' | '.join(cells) + ' |' for cells in lines)
