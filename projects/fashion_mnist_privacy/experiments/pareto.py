"""The Pareto front of the privacy-utility frontier, shared by the sweep (:mod:`.frontier`) and its report
(:mod:`.frontier_report`)."""
from typing import List, Sequence, Tuple


def pareto_front(points: Sequence[Tuple[float, float]]) -> List[int]:
    """Indices of the points (accuracy, recognisability) no other point dominates, by accuracy.

    A point dominates another if its accuracy is at least as high and its recognisability at most
    as high, one of them strictly. Equal points are all kept.
    """
    front = []
    for i, (acc, rec) in enumerate(points):
        dominated = any(a >= acc and r <= rec and (a > acc or r < rec) for j, (a, r) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: (points[i][0], points[i][1]))
