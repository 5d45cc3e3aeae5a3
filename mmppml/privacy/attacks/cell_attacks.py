"""The strongest attacks on one frontier cell (a mode and its setting), scored by the human proxy.

The attacker holds the public in-domain training images with their labels, knows the mode and its
setting, and trains on images it encrypts itself; the attacked images are held-out images encrypted
afresh. Two kinds of attack:

- **reconstruction**, built for each mode: the learned block-position attacker (fed what the mode
  leaves: pixels, mixed pixels, noisy mixed pixels or sorted bag values), the learned MI inverter
  (trained on the mode's own mixing: plain, convex or noisy), and their composition;
- **label**: whoever can classify the encrypted images can paint what they show. The task model's
  prediction on each encrypted image is rendered as a public prototype image of the predicted class
  (the training image nearest to its class mean). Its recognisability is about the task model's
  accuracy, so no useful mode escapes it.

The proxy's top-1 measures the class, which the trainer holds anyway (it receives the labels). With
an :class:`~mmppml.privacy.scores.instance.InstanceScores`, every reconstruction is also scored on the
instance (re-identification of another view among 100 same-class held-out images, SSIM margin), and
each cell's ciphertexts on linkage and by a ciphertext matcher trained on public pairs (attacker (b)).
A cell's instance leakage is its strongest re-identification; its class recognisability the largest
proxy top-1 over all its attacks.
"""
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from mmppml.crypto import (MODE_TABLE, Mode, add_gaussian_noise, from_blocks, mix_subpatches, new_rng,
                           sorted_block_values)
from ..blocks import blocks_per_image as blocks_all
from ..report_format import training_row
from ..scores.placement import chance_neighbour_score
from .mi_baselines import image_scores, mean_squared_error, pooled_psnr, upsample_each

LABEL_ATTACK = 'label: task model prediction -> class prototype'
# What the attackers' models are trained on, as their cache keys and the log name it: plain MI (the models
# serve MI, RS-on-MI and the bags' block means alike) and noisy MI.
PLAIN_MIX, NOISY_MIX = 'mi', 'noisy-mi'
# The smallest budgets (quick runs, tests), shared with the studies that run these attacks: a few attacked
# images, the smallest block attacker, a few inverter steps, galleries of 10.
QUICK_ATTACK_BUDGETS = dict(
    test_images=64,
    attacker_epochs=1.,
    attacker_dims=32,
    attacker_layers=1,
    proxy_epochs=1.,
    inverter_steps=5,
    gallery_size=10)


@dataclass
class FrontierAttackConfig:
    """Budgets of the attacks of every cell; :meth:`quick` is for tests."""
    test_images: int = 1000  # attacked held-out images
    attacker_epochs: float = 2.
    attacker_dims: int = 128
    attacker_layers: int = 4
    inverter_seconds: float = 90.
    inverter_steps: int = 6000
    proxy_epochs: float = 2.
    instance: bool = True  # linkage, re-identification and the SSIM margin
    gallery_size: int = 100
    view_epochs: float = 1.
    matcher_epochs: float = 2.
    attacker_seconds: Optional[float] = None  # caps on each block attacker's and matcher's training
    matcher_seconds: Optional[float] = None
    device: str = 'cpu'  # where the attackers train
    seed: int = 0

    @classmethod
    def quick(cls) -> 'FrontierAttackConfig':
        return cls(**QUICK_ATTACK_BUDGETS, inverter_seconds=5.)


def class_prototypes(images: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Per class, the public image nearest (L2) to the class mean: (num_classes, H, W) uint8."""
    protos = []
    for c in range(num_classes):
        members = images[labels == c].astype(np.float32)
        if not len(members):
            raise ValueError(f'no public image of class {c}')
        dist = ((members - members.mean(axis=0))**2).reshape(len(members), -1).sum(axis=1)
        protos.append(images[labels == c][int(np.argmin(dist))])
    return np.stack(protos)


def typical_rank_order(blocks: np.ndarray) -> np.ndarray:
    """Per grid position, the in-block pixels ordered by their mean rank (darkest first) over public images.

    Args:
        blocks (np.ndarray): (M, N, b, b) public blocks in raster order.

    Returns:
        np.ndarray: (N, b * b); entry k of row g is the pixel that the k-th smallest value of a bag
        placed at g is painted on.
    """
    m, n = blocks.shape[:2]
    flat = blocks.reshape(m, n, -1).astype(np.float32)
    flat = flat + np.random.default_rng(0).random(flat.shape, dtype=np.float32) * 1e-3  # break ties at random
    ranks = np.argsort(np.argsort(flat, axis=2), axis=2).mean(axis=0)
    return np.argsort(ranks, axis=1)


def paint_bags(sorted_values: np.ndarray, order: np.ndarray, block: int) -> np.ndarray:
    """Placed bags -> blocks: value k of the bag at position g goes to pixel ``order[g, k]``.

    Args:
        sorted_values (np.ndarray): (N, b * b) ascending values of the bag at each grid position.
        order (np.ndarray): (N, b * b) from :func:`typical_rank_order`.

    Returns:
        np.ndarray: (N, b, b) blocks.
    """
    out = np.empty_like(sorted_values)
    np.put_along_axis(out, order, sorted_values, axis=1)
    return out.reshape(len(out), block, block)


class CellAttacks:
    """Train (and cache) the attackers each cell needs and score their reconstructions.

    Args:
        public (np.ndarray): (M, H, H) uint8 public training images (square, gray).
        public_labels (np.ndarray, optional): (M,) their classes (None: no label attack).
        attacked (np.ndarray): (K, H, H) uint8 held-out images to attack.
        attacked_labels (np.ndarray, optional): (K,) their classes.
        proxy: the human proxy (:class:`mmppml.privacy.scores.proxy.ProxyNet`), trained on plain public images;
            None scores no class recognisability.
        config (FrontierAttackConfig): budgets.
        log (callable): receives progress lines.
        instance (InstanceScores, optional): scores the instance over the attacked images.

    ``reconstructions`` holds what the last :meth:`attack` produced, by attack name: (K, H, H) uint8;
    ``training`` one row per trained model (its key, the public images, its steps and seconds).
    """

    def __init__(self,
                 public: np.ndarray,
                 public_labels: np.ndarray,
                 attacked: np.ndarray,
                 attacked_labels: np.ndarray,
                 proxy,
                 config: FrontierAttackConfig,
                 log: Callable[[str], None] = print,
                 instance=None):
        self.instance = instance  # mmppml.privacy.scores.instance.InstanceScores over the attacked images
        self.cell = None  # the key of the cell being attacked
        self.public, self.public_labels = public, public_labels
        self.attacked, self.labels = attacked, attacked_labels
        self.proxy, self.cfg, self.log = proxy, config, log
        self.rng = new_rng()  # the attacked images get OS-entropy randomness
        self.prototypes = None if public_labels is None else class_prototypes(public, public_labels,
                                                                              int(public_labels.max()) + 1)
        self._models: Dict[tuple, object] = {}
        self.reconstructions: Dict[str, np.ndarray] = {}
        self.training: List[dict] = []

    # ------------------------------------------------------------------ scores
    def top1(self, images: np.ndarray, labels: Optional[np.ndarray] = None) -> Optional[float]:
        """The proxy's top-1 on ``images`` (None without a proxy)."""
        if self.proxy is None:
            return None
        from ..scores.proxy import proxy_top1
        return proxy_top1(self.proxy, images, self.labels if labels is None else labels)

    def references(self) -> Dict[str, float]:
        """Proxy top-1 on the plain attacked images and on the prototypes themselves; chance."""
        return dict(
            proxy_plain=self.top1(self.attacked),
            chance=1. / len(self.prototypes),
            proxy_on_prototypes=self.top1(self.prototypes, np.arange(len(self.prototypes))))

    def _row(self, attack: str, recon: np.ndarray, **extra) -> dict:
        recon = np.clip(np.rint(recon), 0, 255).astype(np.uint8)
        ssim = float(np.mean([image_scores(x, y)['ssim'] for x, y in zip(self.attacked, recon)]))
        row = dict(
            attack=attack,
            proxy_top1=self.top1(recon),
            psnr=pooled_psnr(mean_squared_error(self.attacked, recon)),
            ssim=ssim,
            **extra)
        self.reconstructions[attack] = recon
        if self.instance is not None:
            best = self.instance.images(self.cell, attack, recon)
            row.update(
                reid_top1=best['top1'], reid_matcher=best['matcher'], ssim_margin=self.instance.fidelity[-1]['margin'])
        proxy = '' if row['proxy_top1'] is None else f'proxy top-1 {row["proxy_top1"]:.3f}, '
        self.log(f'  {attack}: {proxy}PSNR {row["psnr"]:.2f} dB, SSIM {ssim:.3f}')
        return row

    # ------------------------------------------------------------------ models
    def _cached(self, kind: str, key: tuple, build: Callable[[], object]):
        if key not in self._models:
            start = time.time()
            self._models[key] = model = build()
            self.training.append(training_row(f'{kind} {" ".join(map(str, key))}', len(self.public), model, start))
        return self._models[key]

    def _block_attacker(self, key: tuple, blocks: np.ndarray, block: int, flip: bool = True):
        from .block_attacker import train_block_attacker
        cfg = self.cfg
        grid = (int(round(np.sqrt(blocks.shape[1]))), ) * 2

        def build():
            self.log(f'  training the block attacker {key} ({grid[0]}x{grid[1]} blocks, {cfg.attacker_epochs:g} '
                     f'epoch(s) on {len(blocks)} public images)')
            return train_block_attacker(
                blocks,
                grid,
                block,
                epochs=cfg.attacker_epochs,
                flip=flip,
                max_seconds=cfg.attacker_seconds,
                seed=cfg.seed,
                log=self.log,
                device=cfg.device,
                embed_dims=cfg.attacker_dims,
                num_layers=cfg.attacker_layers)

        return self._cached('block attacker', key, build)

    def _inverter(self, key: tuple, p: int, s: int, encrypt: Callable[[np.ndarray], np.ndarray], consistent: bool):
        from .inversion import train_inverter
        cfg = self.cfg

        def build():
            self.log(f'  training the inverter {key} for up to {cfg.inverter_seconds:.0f} s')
            return train_inverter(
                self.public[..., None],
                p,
                s,
                max_steps=cfg.inverter_steps,
                max_seconds=cfg.inverter_seconds,
                batch_size=64,
                seed=cfg.seed,
                log=self.log,
                encrypt=lambda x: encrypt(x[..., 0])[..., None],
                device=cfg.device,
                consistent=consistent)

        return self._cached('inverter', key, build)

    def _invert(self, inverter, mixed: np.ndarray) -> np.ndarray:
        from .inversion import invert_mixed
        return np.stack([invert_mixed(inverter, m) for m in mixed])

    def _reassemble(self, attacker, blocks: np.ndarray) -> Tuple[np.ndarray, np.ndarray, dict]:
        """Shuffle (K, N, ...) blocks afresh, let the attacker place them: shuffled and rebuilt blocks."""
        from ..scores.placement import jigsaw_scores
        from .block_attacker import predict_positions
        k, n = blocks.shape[:2]
        grid = (int(round(np.sqrt(n))), ) * 2
        perms = np.stack([self.rng.permutation(n) for _ in range(k)])
        shuffled = np.stack([b[p] for b, p in zip(blocks, perms)])
        positions = predict_positions(attacker, shuffled)
        placed = np.empty_like(shuffled)
        for i in range(k):
            placed[i][positions[i]] = shuffled[i]
        jig = [jigsaw_scores(_origins(p, pos).reshape(grid)) for p, pos in zip(perms, positions)]
        extra = dict(
            direct=float(np.mean([j['direct'] for j in jig])),
            neighbour=float(np.mean([j['neighbour'] for j in jig])),
            chance_neighbour=chance_neighbour_score(grid))
        return shuffled, placed, extra

    # ------------------------------------------------------------------ the attacks of each mode
    def attack(self,
               mode: str,
               p: int,
               s: Optional[int],
               params: dict,
               predicted: Optional[np.ndarray] = None) -> List[dict]:
        """All attacks on one cell.

        Args:
            mode (str): a key of :data:`mmppml.crypto.modes.MODE_TABLE`.
            p (int): the patch size P.
            s (int, optional): the sub-patch size S (None for the modes without one).
            params (dict): the encryption step of the cell's config (``sigma``, ``concentration``, ...).
            predicted (np.ndarray, optional): (K,) the task model's labels for the K attacked images (encrypted
                afresh by its test pipeline); None runs no label attack.

        Returns:
            list[dict]: one row per attack (``attack``, ``proxy_top1``, ``psnr``, ``ssim``, ...).
        """
        from ..scores.matcher import CipherTokens
        x = self.attacked
        record = MODE_TABLE[mode]
        value = None if record.param is None else record.param.value(params.get(record.param.name))
        tokens = CipherTokens(mode, p, s, **({} if value is None else {record.param.name: value}))
        self.cell = f'{mode} {p}' if s is None else f'{mode} {p}/{s}'
        self.reconstructions = {}
        rows = [] if predicted is None else [self._row(LABEL_ATTACK, self.prototypes[np.asarray(predicted)])]
        if record.attack is None and not record.encrypts:
            rows.append(self._row('none: the plain image', x))
        elif record.attack is None:  # nothing to undo: the ciphertext as handed over is all there is
            r = record.shrink(p, s)
            cipher = np.stack([
                record.encrypt(im, p, s, seed=self.rng, **({} if value is None else {
                    record.param.name: value
                })) for im in x
            ])
            rows.append(
                self._row('none: the ciphertext' + (', upsampled' if r > 1 else ''),
                          upsample_each(cipher, r) if r > 1 else cipher))
            if record.linkage is not None:
                self._instance_ciphers(mode, cipher, tokens, p, s)
        elif record.attack == 'reassembly':
            attacker = self._block_attacker((mode, p), blocks_all(self.public, p), p)
            shuffled, placed, extra = self._reassemble(attacker, blocks_all(x, p))
            rows.append(self._row('none: the shuffled image', _grid(shuffled)))
            rows.append(self._row('learned reassembly', _grid(placed), **extra))
            self._instance_ciphers(mode, _grid(shuffled), tokens, p)
        elif record.attack == 'inversion':
            enc, key, consistent = self._mixing(record, p, s, value)
            mixed = np.stack([enc(im) for im in x])
            rows.append(self._row('none: the mixed image, upsampled', upsample_each(mixed, p // s)))
            inverter = self._inverter(key, p, s, enc, consistent)
            rows.append(self._row('learned inverter (in-domain)', self._invert(inverter, mixed)))
            self._instance_ciphers(mode, mixed, tokens, p, s)
        elif record.attack == 'reassembly+inversion':
            r = p // s
            enc, key, consistent = self._mixing(record, p, s, value)
            public_mixed = np.stack([enc(im) for im in self.public])  # the attacker's own encryptions
            attacker = self._block_attacker(('shuffled', ) + key, blocks_all(public_mixed, s), s)
            shuffled, placed, extra = self._reassemble(attacker, blocks_all(np.stack([enc(im) for im in x]), s))
            rows.append(self._row('none: the shuffled mixed image, upsampled', upsample_each(_grid(shuffled), r)))
            self._instance_ciphers(mode, _grid(shuffled), tokens, p, s)
            rows.append(self._row('learned reassembly, upsampled', upsample_each(_grid(placed), r), **extra))
            inverter = self._inverter(key, p, s, enc, consistent)
            rows.append(
                self._row('learned reassembly + learned inverter', self._invert(inverter, _grid(placed)), **extra))
        elif record.attack == 'bag-reassembly':
            k, side = len(x), x.shape[1] // p
            # What the encryption leaves of each image: its bags in a random order. Sorting the values of
            # each bag is the attacker's canonical form; the blocks are shuffled afresh (and scored) here.
            public_bags = np.stack([sorted_block_values(im, p) for im in self.public]).reshape(-1, side**2, p, p)
            attacker = self._block_attacker((mode, p), public_bags, p, flip=False)
            bags = np.stack([sorted_block_values(im, p) for im in x]).reshape(k, side**2, p, p)
            # the ciphertexts as handed over (their bags are what ``bags`` sorts)
            self._instance_ciphers(mode, np.stack([record.encrypt(im, p, seed=self.rng) for im in x]), tokens, p)
            shuffled, placed, extra = self._reassemble(attacker, bags)

            def flat_means(b):
                return b.reshape(k, side, side, -1).mean(axis=3)

            rows.append(
                self._row('none: the bags in their encrypted order, as block means',
                          upsample_each(flat_means(shuffled), p)))
            order = typical_rank_order(blocks_all(self.public, p))
            painted = np.stack([paint_bags(pl.reshape(side**2, -1), order, p) for pl in placed])
            rows.append(
                self._row('learned reassembly of the sorted bags, painted by typical ranks', _grid(painted), **extra))
            inverter = self._inverter((PLAIN_MIX, p, 1), p, 1, lambda im: mix_subpatches(im, p, 1), True)
            rows.append(
                self._row('learned reassembly of the sorted bags + inverter of the block means',
                          self._invert(inverter,
                                       flat_means(placed).astype(np.float32)), **extra))
        else:
            raise ValueError(f'no attack for mode {mode!r}')
        return rows

    def _mixing(self, record: Mode, p: int, s: int, value: Optional[float]) -> Tuple[Callable, tuple, bool]:
        """The mode's encryption without its block shuffle, as the attacker runs it on images it holds:
        ``(encrypt, key, consistent)``, ``key`` naming what the models trained on it learn (the models of
        plain MI serve every mode whose content it is) and ``consistent`` whether it draws nothing.

        ``value`` is the cell's value of the mode's own parameter: for a mode with a :attr:`~Mode.content`,
        the noise of what it shuffles (see :attr:`mmppml.crypto.Mode.content`).
        """
        if record.content is None:  # random mixing (convex MI): the mode's own encryption, which keeps the layout
            key, consistent = (record.name, p, s, value), False

            def encrypt(im):
                return record.numpy(im, p, s, value, self.rng)
        elif value:  # its content with noise (noisy RS-on-MI)
            key, consistent = (NOISY_MIX, p, s, value), False

            def encrypt(im):
                return add_gaussian_noise(record.content(im, p, s), value, self.rng)
        else:
            key, consistent = (PLAIN_MIX, p, s), True

            def encrypt(im):
                return record.content(im, p, s)

        return encrypt, key, consistent

    def _instance_ciphers(self, link_mode: str, ciphertexts: np.ndarray, tokens, p: int, s: Optional[int] = None):
        """Linkage of the cell's ciphertexts and attacker (b) on them (its matcher cached per mode)."""
        if self.instance is None:
            return
        self.instance.linkage(self.cell, link_mode, ciphertexts, p, s)
        matcher = self.instance.matcher(tokens, self.cfg.matcher_epochs, self.cfg.matcher_seconds)
        self.instance.learned(self.cell, matcher, ciphertexts)


def _grid(blocks: np.ndarray) -> np.ndarray:
    """(K, N, b, b) square grids of blocks -> (K, H, W) images."""
    side = int(round(np.sqrt(blocks.shape[1])))
    return np.stack([from_blocks(t, (side, side)) for t in blocks])


def _origins(perm: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Which original block the attacker put at each position: ``out[positions[i]] = perm[i]``."""
    out = np.empty_like(perm)
    out[positions] = perm
    return out
