"""A learned block-position attacker: reassembles shuffled blocks (RS, RS-on-MI, keyed modes after key recovery).

A transformer with no position embedding reads the blocks of one encrypted image as a set of tokens and
predicts, for every block, its original position in the grid. An assignment (Hungarian, on the
log-probabilities) turns the predictions into a permutation, so every position is used once. It is
trained on public in-domain images, encrypted on the fly with a fresh permutation each time: the
attacker of the threat model, who knows the method and holds images of the same kind.
"""
import copy
import math
import time
from typing import Callable, Optional, Tuple

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import nn
from torch.nn import functional as F

from mmppml.crypto import from_blocks
from ..scores.placement import jigsaw_scores


class BlockPositionNet(nn.Module):
    """Position-free transformer: (B, N, D_in) block pixels -> (B, N, N) logits over the N positions.

    Args:
        block_dims (int): pixels per block, ``b * b * C``.
        num_positions (int): N, the blocks of the grid.
        embed_dims (int): token width.
        num_layers (int): encoder layers.
        num_heads (int): attention heads.
    """

    def __init__(self,
                 block_dims: int,
                 num_positions: int,
                 embed_dims: int = 128,
                 num_layers: int = 4,
                 num_heads: int = 4):
        super().__init__()
        self.block_dims, self.num_positions = block_dims, num_positions
        self.embed = nn.Sequential(nn.Linear(block_dims, embed_dims), nn.GELU(), nn.Linear(embed_dims, embed_dims))
        layer = nn.TransformerEncoderLayer(
            embed_dims, num_heads, 4 * embed_dims, dropout=0., activation='gelu', batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(embed_dims)
        self.head = nn.Linear(embed_dims, num_positions)

    def forward(self, blocks: torch.Tensor) -> torch.Tensor:
        """Position logits of every block.

        Args:
            blocks (torch.Tensor): (B, N, block_dims), pixels scaled to about [-1, 1].

        Returns:
            torch.Tensor: (B, N, N) logits; row i scores the positions of block i.
        """
        return self.head(self.norm(self.encoder(self.embed(blocks))))


def _as_tokens(blocks: np.ndarray) -> torch.Tensor:
    """(M, N, b, b[, C]) pixels on the 0-255 scale -> (M, N, b*b*C) float in [-1, 1]."""
    m, n = blocks.shape[:2]
    return torch.from_numpy(np.ascontiguousarray(blocks, dtype=np.float32).reshape(m, n, -1) / 127.5 - 1.)


def _flip_blocks(tokens: torch.Tensor, grid: Tuple[int, int], block: int) -> torch.Tensor:
    """The blocks of horizontally flipped images: columns of the grid and of every block reversed."""
    m, n, d = tokens.shape
    gh, gw = grid
    t = tokens.reshape(m, gh, gw, block, block, d // (block * block))
    return t.flip(2).flip(4).reshape(m, n, d)


def train_block_attacker(blocks: np.ndarray,
                         grid: Tuple[int, int],
                         block: int,
                         epochs: float = 3.,
                         batch_size: int = 128,
                         lr: float = 1e-3,
                         weight_decay: float = 0.05,
                         max_seconds: Optional[float] = None,
                         flip: bool = True,
                         seed: int = 0,
                         log: Optional[Callable[[str], None]] = None,
                         device: str = 'cpu',
                         **model_kwargs) -> BlockPositionNet:
    """Train a :class:`BlockPositionNet` on blocks of public images, shuffled afresh at every step.

    Args:
        blocks (np.ndarray): (M, N, b, b[, C]) the blocks of M public images in raster order (for RS
            the patches of the plain image; for RS-on-MI the blocks of its MI image), 0-255 scale.
        grid (tuple[int, int]): (gh, gw) with gh * gw = N.
        block (int): the block size b.
        epochs (float): passes over the M images. AdamW with a one-cycle schedule over all steps.
        max_seconds (float, optional): wall-clock cap; the number of steps is fitted to it (timed on
            a throwaway copy first), so the schedule still completes.
        flip (bool): add horizontally flipped images (a public-data augmentation).
        device (str): where the network trains (``'cpu'``, ``'cuda'``); batches are drawn on the CPU.
        **model_kwargs: ``embed_dims``, ``num_layers``, ``num_heads``.

    Returns:
        BlockPositionNet: in eval mode; ``trained_steps`` and ``trained_images`` say what it saw.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    tokens = _as_tokens(blocks)
    m, n, d = tokens.shape
    if n != grid[0] * grid[1]:
        raise ValueError(f'{n} blocks per image do not fill a {grid[0]}x{grid[1]} grid')
    model = BlockPositionNet(d, n, **model_kwargs).to(device)
    steps = max(1, int(math.ceil(epochs * m / batch_size)))

    def step_fn(net, opt, sched=None):
        idx = torch.randint(0, m, (batch_size, ), generator=gen)
        x = tokens[idx]
        if flip:
            flipped = torch.rand(batch_size, generator=gen) < 0.5
            x = torch.where(flipped[:, None, None], _flip_blocks(x, grid, block), x)
        perm = torch.argsort(torch.rand(batch_size, n, generator=gen), dim=1)  # slot i holds block perm[i]
        shuffled = torch.gather(x, 1, perm[..., None].expand(-1, -1, d))
        loss = F.cross_entropy(net(shuffled.to(device)).reshape(-1, n), perm.reshape(-1).to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        return loss.item()

    if max_seconds is not None:  # fit the schedule to the budget
        probe = copy.deepcopy(model)
        probe_opt = torch.optim.AdamW(probe.parameters(), lr=0.)
        step_fn(probe, probe_opt)
        t = time.time()
        for _ in range(3):
            step_fn(probe, probe_opt)
        per_step = (time.time() - t) / 3
        steps = max(1, min(steps, int(max_seconds / per_step)))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    model.train()
    start, loss_avg = time.time(), None
    for step in range(steps):
        loss = step_fn(model, opt, sched)
        loss_avg = loss if loss_avg is None else 0.98 * loss_avg + 0.02 * loss
        if log is not None and (step % 200 == 0 or step == steps - 1):
            log(f'block attacker {grid[0]}x{grid[1]} blocks of {block}px: step {step + 1}/{steps} '
                f'loss {loss_avg:.3f} ({time.time() - start:.0f}s)')
    model.trained_steps, model.trained_images = steps, steps * batch_size
    return model.eval()


def assign_positions(logits: np.ndarray) -> np.ndarray:
    """Decode (N, N) position logits of one image into a permutation: block i goes to ``positions[i]``.

    Maximises the summed log-probabilities (``scipy.optimize.linear_sum_assignment``), so every
    position is taken by exactly one block.
    """
    logits = np.asarray(logits, dtype=np.float64)
    log_probs = logits - logits.max(axis=1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    rows, cols = linear_sum_assignment(-log_probs)
    positions = np.empty(len(rows), dtype=np.int64)
    positions[rows] = cols
    return positions


@torch.no_grad()
def predict_positions(model: BlockPositionNet, shuffled_blocks: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """(K, N, b, b[, C]) blocks of K encrypted images -> (K, N) predicted positions (permutations)."""
    tokens, dev = _as_tokens(shuffled_blocks), next(model.parameters()).device
    logits = torch.cat([model(tokens[i:i + batch_size].to(dev)).cpu() for i in range(0, len(tokens), batch_size)])
    return np.stack([assign_positions(row) for row in logits.numpy()])


def place_blocks(shuffled_blocks: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Put block i of one image at ``positions[i]``: (N, b, b[, C]) -> (N, b, b[, C]) in raster order."""
    placed = np.empty_like(shuffled_blocks)
    placed[positions] = shuffled_blocks
    return placed


def attack_shuffles(model: BlockPositionNet, blocks: np.ndarray, perms: np.ndarray,
                    grid: Tuple[int, int]) -> Tuple[list, np.ndarray, np.ndarray]:
    """Shuffle the blocks of K images, let the attacker put them back, and score the placement.

    Args:
        blocks (np.ndarray): (K, N, b, b[, C]) blocks in raster order (the truth).
        perms (np.ndarray): (K, N) the permutation of each image: slot i holds block ``perms[k, i]``.
        grid (tuple[int, int]): (gh, gw) with gh * gw = N.

    Returns:
        tuple: the jigsaw scores (a dict per image), the shuffled images and the reassembled images,
        both (K, gh * b, gw * b[, C]).
    """
    shuffled = np.stack([b[p] for b, p in zip(blocks, perms)])
    positions = predict_positions(model, shuffled)
    scores = [jigsaw_scores(place_blocks(p, pos).reshape(grid)) for p, pos in zip(perms, positions)]
    encrypted = np.stack([from_blocks(sh, grid) for sh in shuffled])
    rebuilt = np.stack([from_blocks(place_blocks(sh, pos), grid) for sh, pos in zip(shuffled, positions)])
    return scores, encrypted, rebuilt
