"""Interleaved timing: the two sides of every ratio are timed in the same process, round by round.

Each round times every candidate once (``number`` calls), starting from a different candidate
each round, with two clocks: ``time.perf_counter`` (wall time, the reported figure) and
``time.process_time`` (CPU time of this process, which a busy shared machine disturbs less).
A ratio is then taken round by round, so that a slow spell hits both of its sides.
"""
import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple


@dataclass
class Timings:
    """Seconds per call of each candidate, one value per round, by wall clock and by CPU clock."""
    wall: Dict[str, List[float]] = field(default_factory=dict)
    cpu: Dict[str, List[float]] = field(default_factory=dict)


def calls_per_round(fn: Callable[[], object], min_round_s: float) -> int:
    """Warm ``fn`` up and return how many calls fill ``min_round_s`` (1 if it is 0).

    The first call pays for lazy imports, caches and allocations, so the rate is measured on
    later calls, doubling their number until they take a quarter of ``min_round_s``.
    """
    fn()
    if min_round_s <= 0:
        return 1
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_round_s / 4:
            return max(1, math.ceil(min_round_s * number / elapsed))
        number *= 2


def time_interleaved(candidates: Dict[str, Callable[[], object]],
                     repeats: int,
                     min_round_s: float = 0.,
                     same_number: bool = False,
                     before_each: Optional[Callable[[int], None]] = None) -> Timings:
    """Time each candidate in ``repeats`` interleaved rounds.

    Args:
        candidates (dict[str, callable]): name -> function of no argument.
        repeats (int): rounds.
        min_round_s (float): each candidate is called often enough per round to take about
            this long (see :func:`calls_per_round`). 0 means one warm-up call, then one call per round.
        same_number (bool): give all candidates the same number of calls per round (needed when
            ``before_each`` replays the same random workload for each).
        before_each (callable, optional): called with the round index (-1 for the warm-up)
            before each candidate's calls, untimed; e.g. to seed the augmentations alike.

    Returns:
        Timings: seconds per call of each candidate, one value per round.
    """
    if repeats < 1:
        raise ValueError(f'repeats must be >= 1, got {repeats}')
    numbers = {}
    for name, fn in candidates.items():
        if before_each is not None:
            before_each(-1)
        numbers[name] = calls_per_round(fn, min_round_s)
    if same_number:
        numbers = dict.fromkeys(numbers, max(numbers.values()))
    names = list(candidates)
    timings = Timings({name: [] for name in names}, {name: [] for name in names})
    for round_index in range(repeats):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            if before_each is not None:
                before_each(round_index)
            fn, number = candidates[name], numbers[name]
            gc.disable()
            try:
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(number):
                    fn()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            finally:
                gc.enable()
            timings.wall[name].append(wall / number)
            timings.cpu[name].append(cpu / number)
    return timings


def ratios(times: Dict[str, List[float]], subject: str, reference: str) -> Tuple[float, float]:
    """Ratio of two candidates' times (one clock).

    Returns:
        tuple[float, float]: the median over rounds of subject / reference (both timed in the
        same round), and the best subject time over the best reference time.
    """
    paired = per_round(times, subject, reference)
    return statistics.median(paired), min(times[subject]) / min(times[reference])


def per_round(times: Dict[str, List[float]], subject: str, reference: str) -> List[float]:
    """subject / reference of each round (both timed in the same round)."""
    return [s / r for s, r in zip(times[subject], times[reference])]


def median(values: List[float]) -> float:
    return statistics.median(values)
