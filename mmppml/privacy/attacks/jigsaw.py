"""A greedy jigsaw solver for square pieces of known orientation (the RS attack).

The placer follows Paikin & Tal (CVPR 2015): pairwise dissimilarities (MGC, Gallagher 2012) are turned
into confidences ``1 - D / second-best D``; starting from the piece with the most mutual best neighbours
("best buddies"), each step fills the free cell next to the assembly whose best candidate scores highest
(best buddies first, then cells with more placed neighbours, then confidence). A first pass may outgrow
the known grid; the best grid-sized window is kept and the rest re-placed inside it (Gallagher's "trim
and fill").
"""
from typing import Optional, Tuple

import numpy as np

from .compatibility import mgc_dissimilarities

# neighbour offsets (dy, dx) of a cell: right, left, down, up
_OFFSETS = ((0, 1), (0, -1), (1, 0), (-1, 0))


def _confidence(dissim: np.ndarray) -> np.ndarray:
    """Confidence of every ordered pair: 1 - D / (second smallest D), seen from both pieces, averaged.

    Row i is normalised by the second-best partner of i, column j by the second-best partner of j (by
    the largest finite dissimilarity when there is no second partner, as with two pieces).
    """
    finite = np.isfinite(dissim)
    largest = dissim[finite].max() if finite.any() else 1.0
    eps = 1e-12 + 1e-9 * largest
    second_row = np.partition(dissim, 1, axis=1)[:, 1]
    second_col = np.partition(dissim, 1, axis=0)[1, :]
    second_row = np.where(np.isfinite(second_row), second_row, largest)
    second_col = np.where(np.isfinite(second_col), second_col, largest)
    conf = 1 - 0.5 * (dissim / (second_row[:, None] + eps) + dissim / (second_col[None, :] + eps))
    conf[~finite] = -np.inf
    return conf


class GreedyJigsawSolver:
    """Reassemble shuffled square pieces whose orientation is known, for a known grid shape.

    Args:
        ridge_ratio (float): MGC covariance regulariser (see :func:`mgc_dissimilarities`).
        buddy_bonus (float): added to the score of a candidate that is the mutual best neighbour of
            every piece already placed around the free cell; > 1 makes such placements come first.
        neighbour_weight (float): bonus per extra placed neighbour of a free cell, so that cells
            constrained from several sides are filled first.
        frame_slack (float): the first pass may grow up to (1 + slack) times the grid in each
            direction; the best grid-sized window is then kept and the rest re-placed ("trim and
            fill", Gallagher 2012). 0 keeps the frame from the start.

    Example:
        >>> layout = GreedyJigsawSolver().solve(blocks, grid=(14, 14))  # (14, 14) indices into blocks
    """

    def __init__(self,
                 ridge_ratio: float = 0.01,
                 buddy_bonus: float = 1.0,
                 neighbour_weight: float = 2.0,
                 frame_slack: float = 1.0):
        self.ridge_ratio = ridge_ratio
        self.buddy_bonus = buddy_bonus
        self.neighbour_weight = neighbour_weight
        self.frame_slack = frame_slack

    def solve(self,
              blocks: np.ndarray,
              grid: Tuple[int, int],
              dissimilarities: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> np.ndarray:
        """Reassemble.

        Args:
            blocks (np.ndarray): (N, P, P[, C]) the pieces in any order.
            grid (tuple[int, int]): (gh, gw) with gh * gw == N.
            dissimilarities (tuple, optional): precomputed ``(right, down)`` (N, N) matrices.

        Returns:
            np.ndarray: (gh, gw) int, the index (into ``blocks``) of the piece put at each cell.
        """
        n = len(blocks)
        gh, gw = (int(v) for v in grid)
        if gh * gw != n:
            raise ValueError(f'{n} pieces do not fill a {gh}x{gw} grid')
        if n == 1:
            return np.zeros((1, 1), dtype=np.int64)
        right, down = dissimilarities if dissimilarities is not None else mgc_dissimilarities(blocks, self.ridge_ratio)
        tables = _Tables(right, down)
        extent = (int(np.ceil(gh * (1 + self.frame_slack))), int(np.ceil(gw * (1 + self.frame_slack))))
        first = _GreedyPlacement(tables, extent, self.buddy_bonus, self.neighbour_weight)
        canvas = first.run(start=tables.start_piece())
        if extent == (gh, gw):
            return canvas
        window, mask = _best_window(canvas, (gh, gw))
        fill = _GreedyPlacement(tables, (gh, gw), self.buddy_bonus, self.neighbour_weight)
        return fill.run(seed=(window, mask))


class _Tables:
    """Confidences and best buddies shared by every placement pass."""

    def __init__(self, right: np.ndarray, down: np.ndarray):
        self.n = right.shape[0]
        conf_r, conf_d = _confidence(right), _confidence(down)

        # row i of table k scores the candidates for the cell at offset k of piece i
        self.conf_by_offset = (conf_r, np.ascontiguousarray(conf_r.T), conf_d, np.ascontiguousarray(conf_d.T))
        best_r, best_l = right.argmin(axis=1), right.argmin(axis=0)
        best_d, best_u = down.argmin(axis=1), down.argmin(axis=0)
        idx = np.arange(self.n)
        # best buddy of piece i at each offset, or -1
        mutual = lambda best, back: np.where(back[best] == idx, best, -1)  # noqa: E731
        self.buddy = np.stack(
            [mutual(best_r, best_l),
             mutual(best_l, best_r),
             mutual(best_d, best_u),
             mutual(best_u, best_d)])

    def start_piece(self) -> int:
        """The piece with the most best buddies, ties broken by their total confidence."""
        counts = (self.buddy >= 0).sum(axis=0)
        total = np.zeros(self.n)
        for k in range(4):
            has = self.buddy[k] >= 0
            total[has] += self.conf_by_offset[k][has, self.buddy[k][has]]
        return int(np.lexsort((total, counts))[-1])


class _GreedyPlacement:
    """One greedy pass: grows an assembly whose bounding box stays within ``extent`` cells."""

    def __init__(self, tables: _Tables, extent: Tuple[int, int], buddy_bonus: float, neighbour_weight: float):
        self.tables = tables
        self.eh, self.ew = extent
        self.buddy_bonus = buddy_bonus
        self.neighbour_weight = neighbour_weight
        self.canvas = -np.ones((2 * self.eh + 1, 2 * self.ew + 1), dtype=np.int64)
        self.placed = np.zeros(tables.n, dtype=bool)
        self.free_cells = {}  # (y, x) -> (score, piece) or None when it needs scoring
        self.bbox = None

    def _fits(self, y: int, x: int) -> bool:
        (y0, y1), (x0, x1) = self.bbox
        return max(y1, y) - min(y0, y) < self.eh and max(x1, x) - min(x0, x) < self.ew

    def _score_cell(self, y: int, x: int) -> Tuple[float, int]:
        scores, buddies = [], []
        for k, (dy, dx) in enumerate(_OFFSETS):
            nb = self.canvas[y - dy, x - dx]  # this cell is at offset k of that neighbour
            if nb >= 0:
                scores.append(self.tables.conf_by_offset[k][nb])
                buddies.append(self.tables.buddy[k][nb])
        score = np.mean(scores, axis=0) + self.neighbour_weight * (len(scores) - 1)
        score[self.placed] = -np.inf
        if buddies[0] >= 0 and all(b == buddies[0] for b in buddies) and not self.placed[buddies[0]]:
            score[buddies[0]] += self.buddy_bonus
        piece = int(np.argmax(score))
        return float(score[piece]), piece

    def _place(self, y: int, x: int, piece: int):
        self.canvas[y, x] = piece
        self.placed[piece] = True
        self.free_cells.pop((y, x), None)
        if self.bbox is None:
            self.bbox = ((y, y), (x, x))
        (y0, y1), (x0, x1) = self.bbox
        self.bbox = ((min(y0, y), max(y1, y)), (min(x0, x), max(x1, x)))
        for dy, dx in _OFFSETS:  # cells next to the new piece gain a neighbour
            if self.canvas[y + dy, x + dx] < 0:
                self.free_cells[(y + dy, x + dx)] = None
        for cell, cached in list(self.free_cells.items()):
            if not self._fits(*cell):
                del self.free_cells[cell]
            elif cached is None or cached[1] == piece:  # new neighbour, or its favourite is gone
                self.free_cells[cell] = self._score_cell(*cell)

    def run(self, start: Optional[int] = None, seed: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> np.ndarray:
        """Place every piece, from one start piece or from a seed (layout, mask) of placed cells.

        Returns:
            np.ndarray: the assembly's bounding box, (eh, ew) once all pieces fill the extent.
        """
        if seed is None:
            self._place(self.eh, self.ew, start)
        else:
            layout, mask = seed
            ys, xs = np.nonzero(mask)
            # the seed's top-left at the canvas centre leaves room to grow to the extent either way
            ys, xs, oy, ox = ys - ys.min(), xs - xs.min(), ys.min(), xs.min()
            self.bbox = ((self.eh, self.eh + ys.max()), (self.ew, self.ew + xs.max()))
            for y, x in zip(ys, xs):
                self._place(self.eh + y, self.ew + x, int(layout[oy + y, ox + x]))
        while not self.placed.all():
            cell = max(self.free_cells, key=lambda c: self.free_cells[c][0])
            self._place(*cell, self.free_cells[cell][1])
        (y0, y1), (x0, x1) = self.bbox
        return self.canvas[y0:y1 + 1, x0:x1 + 1].copy()


def _best_window(canvas: np.ndarray, grid: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """The grid-sized window of ``canvas`` (padded with -1) holding the most pieces: (layout, mask)."""
    gh, gw = grid
    h, w = canvas.shape
    padded = -np.ones((max(h, gh), max(w, gw)), dtype=canvas.dtype)
    padded[:h, :w] = canvas
    filled = np.pad((padded >= 0).astype(np.int64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    counts = filled[gh:, gw:] - filled[:-gh, gw:] - filled[gh:, :-gw] + filled[:-gh, :-gw]
    y, x = np.unravel_index(np.argmax(counts), counts.shape)
    window = padded[y:y + gh, x:x + gw]
    return window, window >= 0


def solve_jigsaw(blocks: np.ndarray, grid: Tuple[int, int], **kwargs) -> np.ndarray:
    """Functional shortcut for ``GreedyJigsawSolver(**kwargs).solve(blocks, grid)``."""
    return GreedyJigsawSolver(**kwargs).solve(blocks, grid)
