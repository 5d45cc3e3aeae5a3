"""Learned matchers for re-identification, trained on public images only.

- :func:`train_view_embedding`: a small CNN trained contrastively on two views of the same public image
  (one degraded like a reconstruction: blur, lower resolution, noise). Its features are one of the
  matchers attacker (a) ranks reconstructions with.
- :func:`train_cipher_matcher`: attacker (b), in the manner of McPherson, Shokri and Shmatikov (2016):
  a ciphertext encoder and a plain-image encoder trained on pairs (encryption of one view, another view)
  of public images with a contrastive loss, so that the ciphertext of an instance lands next to other
  views of it. The ciphertext encoder reads the blocks as tokens, with no position embedding for the
  modes that shuffle (a set embedding) and a learned one for MI; every training pair is encrypted
  afresh (:class:`CipherTokens`).

Batches are drawn from a few classes at a time, so the negatives of the loss are mostly of the same
class: the task is to tell instances apart within a class, as the galleries ask.
"""
import math
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mmppml.crypto import MODE_TABLE, Mode
from .views import ViewConfig, apply_views, identity_params, sample_view_params


class PlainEncoder(nn.Module):
    """(B, H, W) gray images on the 0-255 scale -> (B, dims) unit vectors."""

    def __init__(self, dims: int = 64, width: int = 16):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        self.features = nn.Sequential(
            block(1, width), nn.MaxPool2d(2), block(width, 2 * width), nn.MaxPool2d(2), block(2 * width, 4 * width),
            nn.MaxPool2d(2), block(4 * width, 4 * width))
        self.head = nn.Linear(4 * width * 16, dims)  # keeps the coarse layout (4 x 4 cells at 32 px)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = F.adaptive_avg_pool2d(self.features(x[:, None] / 255.), 4)
        return F.normalize(self.head(f.flatten(1)), dim=1)


class CipherEncoder(nn.Module):
    """(B, N, d_in) ciphertext tokens -> (B, dims) unit vectors; a transformer over the tokens.

    Args:
        token_dims (int): the width d_in of a token.
        num_tokens (int): the number of tokens N.
        layout (bool): add a learned position embedding (only for modes that keep the layout; without it
            the output does not depend on token order).
    """

    def __init__(self, token_dims: int, num_tokens: int, layout: bool, dims: int = 64, num_layers: int = 2):
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(token_dims, 2 * dims), nn.GELU(), nn.Linear(2 * dims, dims))
        self.pos = nn.Parameter(torch.zeros(1, num_tokens, dims)) if layout else None
        layer = nn.TransformerEncoderLayer(
            dims, 4, 4 * dims, dropout=0., activation='gelu', batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dims)
        self.head = nn.Linear(dims, dims)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)
        if self.pos is not None:
            x = x + self.pos
        x = self.norm(self.encoder(x))
        return F.normalize(self.head(x.mean(dim=1)), dim=1)


@dataclass(frozen=True)
class CipherTokens:
    """The tokens a ciphertext of one mode offers, as its record says: its blocks (P x P for RS and bags, the
    S x S mixed blocks for the mixing modes), in [-1, 1]; for bags the sorted values of each block.

    Args:
        mode (str): ``rs``, ``mi``, ``rs-on-mi``, ``noisy-rs-on-mi``, ``convex-mi`` or ``bag``.
        p (int): the patch size P.
        s (int, optional): the sub-patch size S of the mixing modes.
        sigma (float): noise of ``noisy-rs-on-mi`` (0-255 scale).
        concentration (float): Dirichlet concentration of ``convex-mi``.
    """
    mode: str
    p: int
    s: Optional[int] = None
    sigma: float = 0.
    concentration: float = 1.

    @property
    def record(self) -> Mode:
        """The mode's record in :data:`~mmppml.crypto.MODE_TABLE`."""
        return MODE_TABLE[self.mode]

    @property
    def block(self) -> int:
        """The side of the blocks the tokens are made of (:meth:`~mmppml.crypto.Mode.block_size`)."""
        return self.record.block_size(self.p, self.s)

    @property
    def layout(self) -> bool:
        """Whether the mode keeps the block layout (MI and convex MI)."""
        return self.record.keeps_layout

    @property
    def bags(self) -> bool:
        """Whether a token is the sorted values of its block (what linkage compares, as for pixel bags)."""
        return self.record.linkage == 'bags'

    def _blocks(self, x: torch.Tensor, b: int) -> torch.Tensor:
        n, h, w = x.shape
        return x.reshape(n, h // b, b, w // b, b).permute(0, 1, 3, 2, 4).reshape(n, (h // b) * (w // b), b * b)

    def from_ciphertexts(self, ciphertexts: np.ndarray) -> torch.Tensor:
        """(T, h, w) ciphertexts as handed over (0-255 scale) -> (T, N, b * b) tokens."""
        t = self._blocks(torch.from_numpy(np.asarray(ciphertexts, dtype=np.float32)), self.block)
        if self.bags:
            t = t.sort(dim=2).values
        return t / 127.5 - 1.

    def encrypt(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Encrypt (B, H, W) plain images (0-255) afresh and return their tokens (B, N, b * b)."""
        if not self.record.needs_sub_patch:
            t = self._blocks(x, self.p)
            if self.bags:
                t = t.sort(dim=2).values
        else:
            r = self.p // self.s
            b, h, w = x.shape
            grid = x.reshape(b, h // self.p, r, self.s, w // self.p, r, self.s)
            if self.record.linkage == 'affine-hull':  # random convex weights per patch
                conc = torch.full((b, h // self.p, w // self.p, r * r), float(self.concentration))
                wts = torch.distributions.Dirichlet(conc).sample().reshape(b, h // self.p, w // self.p, r, r)
                mixed = torch.einsum('nyaixbj,nyxab->nyixj', grid, wts)
            else:
                mixed = grid.mean(dim=(2, 5))
            mixed = mixed.reshape(b, (h // self.p) * self.s, (w // self.p) * self.s)
            if self.sigma > 0:
                mixed = mixed + self.sigma * torch.randn(mixed.shape, generator=gen)
            t = self._blocks(mixed, self.s)
        if not self.layout:
            perm = torch.argsort(torch.rand(t.shape[:2], generator=gen), dim=1)
            t = torch.gather(t, 1, perm[..., None].expand_as(t))
        return t / 127.5 - 1.


def degrade(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """What a reconstruction may look like: per image one of identity, blur, half or quarter resolution
    (box mean, nearest up) or noise. (B, H, W) 0-255 -> the same."""
    b = x.shape[0]
    kind = torch.randint(0, 4, (b, ), generator=gen)
    out = x.clone()
    blur = kind == 1
    if blur.any():
        n = int(blur.sum())
        params = identity_params(n)
        params['sigma'] = (0.5 + torch.rand(n, generator=gen)).numpy()
        out[blur] = apply_views(x[blur], params)
    low = kind == 2
    if low.any():
        f = 2 if torch.rand(1, generator=gen) < 0.5 else 4
        out[low] = F.interpolate(F.avg_pool2d(x[low][:, None], f), scale_factor=f, mode='nearest')[:, 0]
    noisy = kind == 3
    if noisy.any():
        sigma = 25. * torch.rand(int(noisy.sum()), 1, 1, generator=gen)
        out[noisy] = (x[noisy] + sigma * torch.randn(x[noisy].shape, generator=gen)).clamp(0, 255)
    return out


def _class_batches(labels: np.ndarray, batch_size: int, classes: int, rng: np.random.Generator):
    """Endless batches of indices, ``batch_size // classes`` images from each of ``classes`` classes."""
    members = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    per = batch_size // classes
    while True:
        chosen = rng.choice(len(members), size=min(classes, len(members)), replace=False)
        yield np.concatenate([rng.choice(members[c], per, replace=len(members[c]) < per) for c in chosen])


def _contrastive(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric InfoNCE: row i of ``a`` belongs with row i of ``b``, every other row is a negative."""
    logits = a @ b.t() / temperature
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


@dataclass
class PairTraining:
    """How both matchers are trained: contrastively, on pairs of views of public images.

    Args:
        epochs (float): passes over the images.
        batch_size (int): pairs per step.
        classes_per_batch (int): the classes the images of a batch are drawn from.
        lr (float): peak learning rate (AdamW, one-cycle schedule).
        temperature (float): temperature of the contrastive loss.
        max_seconds (float, optional): wall-clock cap.
        view_config (ViewConfig): the ranges of the views.
        dims (int): the width of the embedding.
        seed (int): seeds the batches, the views and the weights.
        log (callable, optional): receives a progress line now and then.
        device (str): where the networks train (``'cpu'``, ``'cuda'``); the views are drawn on the CPU.
    """
    epochs: float = 1.
    batch_size: int = 128
    classes_per_batch: int = 4
    lr: float = 2e-3
    temperature: float = 0.1
    max_seconds: Optional[float] = None
    view_config: ViewConfig = ViewConfig()
    dims: int = 64
    seed: int = 0
    log: Optional[Callable[[str], None]] = None
    device: str = 'cpu'


def _device(net: nn.Module) -> torch.device:
    """Where ``net``'s weights are."""
    return next(net.parameters()).device


def _train_pairs(images: np.ndarray, labels: np.ndarray, query_fn: Callable[[torch.Tensor, torch.Generator],
                                                                            torch.Tensor], query_net: nn.Module,
                 plain_net: nn.Module, cfg: PairTraining, name: str) -> int:
    """The training loop shared by both matchers; returns the steps taken."""
    gen = torch.Generator().manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    x_all = torch.from_numpy(np.asarray(images, dtype=np.float32))
    params = list(query_net.parameters()) + ([] if plain_net is query_net else list(plain_net.parameters()))
    steps = max(1, int(math.ceil(cfg.epochs * len(images) / cfg.batch_size)))
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.1)
    batches = _class_batches(np.asarray(labels), cfg.batch_size, cfg.classes_per_batch, rng)
    query_net.train()
    plain_net.train()
    start, avg, step = time.time(), None, 0
    for step in range(steps):
        x = x_all[next(batches)]
        n = len(x)
        first = sample_view_params(n, rng, cfg.view_config)
        keep = rng.random(n) < 0.5  # half the queries are of the image itself, as ciphertexts are
        for k, v in identity_params(n).items():
            first[k] = np.where(keep, v, first[k])
        a = query_fn(apply_views(x, first), gen).to(cfg.device)
        b = apply_views(x, sample_view_params(n, rng, cfg.view_config)).to(cfg.device)
        loss = _contrastive(query_net(a), plain_net(b), cfg.temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        out_of_time = cfg.max_seconds is not None and time.time() - start > cfg.max_seconds
        if cfg.log is not None and (step % 200 == 0 or step == steps - 1 or out_of_time):
            cfg.log(f'{name}: step {step + 1}/{steps} loss {avg:.3f} ({time.time() - start:.0f}s)')
        if out_of_time:
            break
    query_net.eval()
    plain_net.eval()
    return step + 1


def train_view_embedding(images: np.ndarray, labels: np.ndarray, **settings) -> PlainEncoder:
    """A plain-image embedding that brings views of one instance together (SimCLR-style, shared weights).

    Args:
        images (np.ndarray): (M, H, W) uint8 public training images (H, W multiples of 8).
        labels (np.ndarray): (M,) their classes (only to draw batches from few classes).
        **settings: the fields of :class:`PairTraining` (``epochs``, ``max_seconds``, ``seed``, ...).

    Returns:
        PlainEncoder: in eval mode, ``trained_steps`` set.
    """
    cfg = PairTraining(**settings)
    torch.manual_seed(cfg.seed)  # the initial weights
    net = PlainEncoder(cfg.dims).to(cfg.device)
    net.trained_steps = _train_pairs(images, labels, lambda x, g: degrade(x, g), net, net, cfg, 'view embedding')
    return net


class CipherMatcher(nn.Module):
    """Attacker (b): a ciphertext encoder and a plain-image encoder in one embedding space."""

    def __init__(self, tokens: CipherTokens, num_tokens: int, dims: int = 64):
        super().__init__()
        self.tokens = tokens
        self.cipher = CipherEncoder(tokens.block**2, num_tokens, tokens.layout, dims)
        self.plain = PlainEncoder(dims)


def train_cipher_matcher(images: np.ndarray, labels: np.ndarray, tokens: CipherTokens, **settings) -> CipherMatcher:
    """Train attacker (b) on pairs (encryption of one view, another view) of public images.

    Args:
        images (np.ndarray): (M, H, W) uint8 public training images.
        labels (np.ndarray): (M,) their classes.
        tokens (CipherTokens): the mode; every pair is encrypted afresh (new permutation, weights, noise).
        **settings: the fields of :class:`PairTraining` (``epochs``, ``max_seconds``, ``seed``, ...).

    Returns:
        CipherMatcher: in eval mode, ``trained_steps`` set.
    """
    cfg = PairTraining(**settings)
    h, w = images.shape[1:3]
    n = (h // tokens.p) * (w // tokens.p)  # one token per P x P patch in every mode
    torch.manual_seed(cfg.seed)  # the initial weights
    model = CipherMatcher(tokens, n, cfg.dims).to(cfg.device)
    model.trained_steps = _train_pairs(images, labels, tokens.encrypt, model.cipher, model.plain, cfg,
                                       f'{tokens.mode} matcher')
    return model.eval()


@torch.no_grad()
def embed_images(net: PlainEncoder, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """(n, H, W) images (0-255) -> (n, dims) float32 features."""
    x, dev = torch.from_numpy(np.asarray(images, dtype=np.float32)), _device(net)
    return torch.cat([net(x[i:i + batch_size].to(dev)).cpu() for i in range(0, len(x), batch_size)]).numpy()


@torch.no_grad()
def embed_ciphertexts(model: CipherMatcher, ciphertexts: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """(T, h, w) ciphertexts as handed over -> (T, dims) float32 features."""
    t, dev = model.tokens.from_ciphertexts(ciphertexts), _device(model)
    return torch.cat([model.cipher(t[i:i + batch_size].to(dev)).cpu() for i in range(0, len(t), batch_size)]).numpy()
