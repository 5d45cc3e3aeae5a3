"""Learned in-domain attacks on Fashion-MNIST, scored by the human proxy.

The attacker of the threat model knows the method and its settings and holds public images of the same
kind: here the 60,000 Fashion-MNIST training images. It trains a block-position attacker (RS, RS-on-MI)
and an MI inverter on them, encrypting afresh with OS-entropy permutations; the attacked images are
test images, encrypted with fresh permutations the attacker never sees. Each reconstruction is scored by
the jigsaw scores, PSNR / SSIM, and the top-1 of a plain-trained classifier (the human proxy), which
measures the class: what the trainer already holds with the labels. What the encryption must hide is the
instance, scored by the privacy audit (:mod:`mmppml.privacy.audit`) on the configs that train with each
mode: ``projects/fashion_mnist_privacy/scripts/audit_demo_configs.py``.
"""
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmppml.crypto import mix_subpatches, new_rng, round_to_uint8, setting_label
from mmppml.privacy.attacks.block_attacker import attack_shuffles, train_block_attacker
from mmppml.privacy.attacks.cell_attacks import QUICK_ATTACK_BUDGETS
from mmppml.privacy.attacks.mi_baselines import image_scores, mean_squared_error, pooled_psnr, upsample_each
from mmppml.privacy.blocks import blocks_per_image as to_blocks_all
from mmppml.privacy.report_format import training_row
from mmppml.privacy.scores.placement import chance_neighbour_score
from .fashion_mnist import FASHION_MNIST_DIR, load_fashion_mnist
from .stage import StageResult


@dataclass
class InDomainConfig:
    """What the in-domain stage runs. Defaults are the published setting; :meth:`quick` is for tests."""
    train_images: Optional[int] = None  # all 60,000
    test_images: int = 1000
    rs_patches: Sequence[int] = (8, )
    mixes: Sequence[Tuple[int, int]] = ((8, 4), (8, 2))  # (P, S) of MI and RS-on-MI
    attacker_epochs: float = 3.
    attacker_dims: int = 128
    attacker_layers: int = 4
    proxy_epochs: float = 2.
    inverter_steps: int = 6000
    keyed: bool = True  # keyed RS and RS-on-MI: ciphertext-only key recovery, then the same attackers
    key_images: int = 64
    figure_images: int = 6
    seed: int = 0
    root: str = FASHION_MNIST_DIR  # the gzipped IDX files

    @classmethod
    def quick(cls) -> 'InDomainConfig':
        budgets = {k: v for k, v in QUICK_ATTACK_BUDGETS.items() if k != 'gallery_size'}  # no galleries here
        return cls(**budgets, train_images=512, rs_patches=(8, ), mixes=((8, 4), ), figure_images=2)


def load_padded(split: str, limit: Optional[int], root: str = FASHION_MNIST_DIR) -> Tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images padded to 32 px (N, 32, 32) uint8 and their labels."""
    images, labels = load_fashion_mnist(split, limit, root, with_labels=True)
    return np.pad(images, ((0, 0), (2, 2), (2, 2))), labels


def build_proxy(train: np.ndarray, labels: np.ndarray, ratios: Sequence[int], epochs: float, seed: int,
                log: Callable[[str], None]):
    """The human proxy, trained on the plain training images only (never on encrypted ones)."""
    from mmppml.privacy.scores.proxy import train_proxy
    return train_proxy(train, labels, low_res_factors=sorted(set(ratios)), epochs=epochs, seed=seed, log=log)


@dataclass
class InDomainResult(StageResult):
    """Tables ``attacks`` (one row per mode and attack), ``strongest`` (per mode, by proxy top-1) and
    ``training``; figure strips per mode; the human proxy's top-1 on plain test images (``references``)."""
    references: Dict[str, float] = field(default_factory=dict)
    train_images: int = 0
    attacked_images: int = 0


class InDomainAttacks:
    """Train the learned attackers on public training images and attack encrypted test images.

    Args:
        config (InDomainConfig): what to run.
        budget_s (float): wall-clock budget for the stage; each model's training gets a share.
        log (callable): receives progress lines.
    """

    def __init__(self, config: InDomainConfig, budget_s: float, log: Callable[[str], None] = print):
        self.cfg = config
        self.budget, self.start = budget_s, time.time()
        self._log = log
        self.rng = new_rng()  # attacked images get OS-entropy permutations
        self.rows: List[dict] = []  # one per (mode, attack)
        self.training: List[dict] = []
        self.references: Dict[str, float] = {}
        self.figure: Dict[str, list] = {}  # mode -> [plain, encrypted, reconstructed] images

    def log(self, msg: str):
        m, s = divmod(int(time.time() - self.start), 60)
        left = max(0, int(self.budget - (time.time() - self.start)))
        self._log(f'[in-domain {m:02d}:{s:02d}, {left // 60:d} min left] {msg}')

    def inverter_seconds(self, inverters_left: int, attackers_left: int) -> float:
        """Seconds for the next inverter: the block attackers always get their full epochs (about 1.5 x
        an inverter's share each, measured); the inverters share what is left of the budget."""
        left = self.budget - (time.time() - self.start)
        return max(30., 0.85 * left / max(1., inverters_left + 1.5 * attackers_left))

    def run(self) -> InDomainResult:
        cfg = self.cfg
        train, train_labels = load_padded('train', cfg.train_images, cfg.root)
        test, self.test_labels = load_padded('test', cfg.test_images, cfg.root)
        self.test = test
        ratios = [p // s for p, s in cfg.mixes]
        attackers, inverters = len(cfg.rs_patches) + len(cfg.mixes), len(cfg.mixes)
        self.log(f'{len(train)} public training images, {len(test)} attacked test images; '
                 f'{1 + attackers + inverters} models to train')

        t = time.time()
        self.proxy = build_proxy(train, train_labels, ratios, cfg.proxy_epochs, cfg.seed, self.log)
        self.training.append(dict(model='human proxy (plain images only)', images=len(train), seconds=time.time() - t))
        from mmppml.privacy.scores.proxy import proxy_top1
        self.references['plain'] = proxy_top1(self.proxy, test, self.test_labels)
        for r in sorted(set(ratios)):
            low = upsample_each(np.stack([mix_subpatches(x, r, 1) for x in test]), r)
            self.references[f'plain at 1/{r} resolution'] = proxy_top1(self.proxy, low, self.test_labels)
        self.log('human proxy top-1: ' + ', '.join(f'{k} {v:.3f}' for k, v in self.references.items()))

        for p in cfg.rs_patches:
            label = setting_label('rs', p)
            attacker = self._train_attacker(label, to_blocks_all(train, p), p)
            attackers -= 1
            self._attack_shuffled(label, test, p, attacker, inverter=None, ratio=1)
            if cfg.keyed:
                self._attack_keyed(f'keyed {label}', test, p, attacker, None, 1)
        for p, s in cfg.mixes:
            inverter = self._train_inverter(train, p, s, self.inverter_seconds(inverters, attackers))
            inverters -= 1
            self._attack_mi(setting_label('mi', p, s), test, p, s, inverter)
            label = setting_label('rs-on-mi', p, s)
            mixed_train = np.stack([mix_subpatches(x, p, s) for x in train])
            attacker = self._train_attacker(label, to_blocks_all(mixed_train, s), s)
            attackers -= 1
            mixed_test = np.stack([mix_subpatches(x, p, s) for x in test])
            self._attack_shuffled(label, mixed_test, s, attacker, inverter=inverter, ratio=p // s)
            if cfg.keyed:
                self._attack_keyed(f'keyed {label}', mixed_test, s, attacker, inverter, p // s)
        self.log('done')
        return InDomainResult(
            tables=dict(attacks=self.rows, strongest=self.summary(), training=self.training),
            figure=self.figure,
            references=self.references,
            train_images=len(train),
            attacked_images=len(test))

    # ------------------------------------------------------------------ training
    def _train_attacker(self, mode: str, blocks: np.ndarray, block: int):
        """A block attacker, always trained for its full ``attacker_epochs`` (never cut by the budget)."""
        cfg = self.cfg
        grid = (int(round(np.sqrt(blocks.shape[1]))), ) * 2  # square images
        self.log(f'training the {mode} block attacker ({grid[0]}x{grid[1]} blocks, {cfg.attacker_epochs:g} epochs)')
        t = time.time()
        model = train_block_attacker(
            blocks,
            grid,
            block,
            epochs=cfg.attacker_epochs,
            seed=cfg.seed,
            log=self.log,
            embed_dims=cfg.attacker_dims,
            num_layers=cfg.attacker_layers)
        self.training.append(training_row(f'{mode} block attacker', len(blocks), model, t))
        return model

    def _train_inverter(self, train: np.ndarray, p: int, s: int, seconds: float):
        from mmppml.privacy.attacks.inversion import train_inverter
        self.log(f'training the MI-{p}/{s} inverter on {len(train)} images for up to {seconds:.0f}s')
        t = time.time()
        model = train_inverter(
            train[..., None],
            p,
            s,
            max_steps=self.cfg.inverter_steps,
            max_seconds=seconds,
            batch_size=64,
            seed=self.cfg.seed,
            log=self.log)
        self.training.append(training_row(setting_label('mi', p, s) + ' inverter', len(train), model, t))
        return model

    # ------------------------------------------------------------------ attacks
    def _score(self, mode: str, attack: str, recon: np.ndarray, **extra):
        from mmppml.privacy.scores.proxy import proxy_top1
        ssim = [image_scores(x, y)['ssim'] for x, y in zip(self.test, recon)]
        row = dict(
            mode=mode,
            attack=attack,
            images=len(recon),
            proxy_top1=proxy_top1(self.proxy, recon, self.test_labels),
            psnr=pooled_psnr(mean_squared_error(self.test, recon)),
            ssim=float(np.mean(ssim)),
            **extra)
        self.rows.append(row)
        self.log(f'{mode} {attack}: proxy top-1 {row["proxy_top1"]:.3f}, PSNR {row["psnr"]:.2f} dB, '
                 f'SSIM {row["ssim"]:.3f}' + ''.join(f', {k} {v:.3f}'
                                                     for k, v in extra.items() if isinstance(v, float)))

    def _invert(self, inverter, mixed: np.ndarray) -> np.ndarray:
        from mmppml.privacy.attacks.inversion import invert_mixed
        return np.stack([invert_mixed(inverter, m) for m in mixed])

    def _attack_mi(self, mode: str, test: np.ndarray, p: int, s: int, inverter):
        r = p // s
        mixed = np.stack([mix_subpatches(x, p, s) for x in test])
        self._score(mode, 'none: the MI image, upsampled', upsample_each(mixed, r))
        recon = self._invert(inverter, mixed)
        self._score(mode, 'learned inverter (in-domain)', recon)
        self._figure(mode, mixed, recon)

    def _attack_shuffled(self, mode: str, images: np.ndarray, block: int, attacker, inverter, ratio: int):
        """Shuffle each image's blocks afresh, reassemble them with the attacker, then invert if MI."""
        blocks = to_blocks_all(images, block)
        grid = (int(round(np.sqrt(blocks.shape[1]))), ) * 2
        perms = np.stack([self.rng.permutation(blocks.shape[1]) for _ in range(len(blocks))])
        jig, encrypted, rebuilt = attack_shuffles(attacker, blocks, perms, grid)
        extra = dict(
            direct=float(np.mean([j['direct'] for j in jig])),
            neighbour=float(np.mean([j['neighbour'] for j in jig])),
            chance=chance_neighbour_score(grid))
        if inverter is None:
            self._score(mode, 'none: the shuffled image', encrypted)
            self._score(mode, 'learned reassembly', rebuilt, **extra)
            self._figure(mode, encrypted, rebuilt)
            return
        self._score(mode, 'none: the shuffled MI image, upsampled', upsample_each(encrypted, ratio))
        self._score(mode, 'learned reassembly, upsampled', upsample_each(rebuilt, ratio), **extra)
        recon = self._invert(inverter, rebuilt)
        self._score(mode, 'learned reassembly + learned inverter', recon, **extra)
        self._figure(mode, encrypted, recon)

    def _attack_keyed(self, mode: str, images: np.ndarray, block: int, attacker, inverter, ratio: int):
        """A fresh dataset-wide key on the blocks, estimated from ``key_images`` encrypted test images
        (ciphertext only; the block order does not matter to it), then the unkeyed attack on the images
        decrypted with the estimate. The square's symmetry and the global sign of the estimate are
        resolved with the true key, as an attacker would by trying the 16 candidates."""
        from mmppml.crypto.keyed_scramble import apply_scramble, invert_scramble, new_scramble_key
        from mmppml.privacy.attacks.key_recovery import (align_to_truth, blocks_of, key_recovery_scores,
                                                         recover_scramble_key)
        images = round_to_uint8(images)  # as the offline tool writes them
        key = new_scramble_key(block, 1)
        keyed = np.stack([apply_scramble(x, key) for x in images])
        estimate = align_to_truth(recover_scramble_key(blocks_of(keyed[:self.cfg.key_images], block)), key)
        scores = key_recovery_scores(estimate, key)
        self.log(f'{mode}: key from {self.cfg.key_images} encrypted images: ' + ', '.join(f'{k} {v:.3f}'
                                                                                          for k, v in scores.items()))
        decrypted = np.stack([invert_scramble(x, estimate) for x in keyed])
        start = len(self.rows)
        self._attack_shuffled(mode, decrypted, block, attacker, inverter, ratio)
        for row in self.rows[start:]:
            row.update({f'key_{k}': v for k, v in scores.items()}, attack=f'key recovery + {row["attack"]}')
        shuffled = self.figure[mode][1]  # the scramble acts inside blocks, so it commutes with the shuffle
        self.figure[mode][1] = np.stack([apply_scramble(x, key) for x in shuffled])

    def _figure(self, mode: str, encrypted: np.ndarray, recon: np.ndarray):
        k = self.cfg.figure_images
        self.figure[mode] = [self.test[:k], encrypted[:k], recon[:k]]

    def summary(self) -> List[dict]:
        """Per mode: the strongest attack by proxy top-1, with the references."""
        best = {}
        for row in self.rows:
            if row['mode'] not in best or row['proxy_top1'] > best[row['mode']]['proxy_top1']:
                best[row['mode']] = row
        return [
            dict(
                mode=m,
                strongest_attack=r['attack'],
                proxy_top1=r['proxy_top1'],
                chance=0.1,
                proxy_plain=self.references.get('plain'),
                direct=r.get('direct'),
                neighbour=r.get('neighbour'),
                psnr=r['psnr'],
                ssim=r['ssim']) for m, r in best.items()
        ]
