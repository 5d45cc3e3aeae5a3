"""The learned block-position attacker on 224 px photos (P = 16: 196 blocks), trained on public photos.

The attacker trains on random crops and flips of every photo bundled with scikit-image that is not
scored (15 distinct photos here; a real attacker has millions) and attacks the scored photos, each
shuffled afresh several times. RS-on-MI reassemblies are also inverted with the suite's photo inverter
when one is given.
"""
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmppml.crypto import mix_subpatches, new_rng, setting_label, to_blocks
from mmppml.privacy.attacks.block_attacker import attack_shuffles, train_block_attacker
from mmppml.privacy.attacks.mi_baselines import image_scores, mean_squared_error, pooled_psnr, upsample_mixed
from mmppml.privacy.blocks import blocks_per_image as to_blocks_all
from mmppml.privacy.images import TEST_PHOTOS, TRAIN_PHOTOS, RandomCrops, test_photos
from mmppml.privacy.report_format import training_row
from mmppml.privacy.scores.placement import chance_neighbour_score
from .stage import StageResult

# Every bundled photo that is not scored ('cat' is 'chelsea', a scored photo, so it is left out).
ATTACKER_PHOTOS = TRAIN_PHOTOS + ('horse', 'logo', 'shepp_logan_phantom')


@dataclass
class PhotoAttackConfig:
    """Settings (mode name, P, S) attacked at ``size`` px; defaults are the published run."""
    size: int = 224
    settings: Sequence[Tuple[str, int, Optional[int]]] = (('rs', 16, None), ('rs-on-mi', 16, 8), ('rs-on-mi', 16, 4))
    photos: Sequence[str] = TEST_PHOTOS
    crops: int = 512
    shuffles_per_photo: int = 4
    epochs: float = 30.
    batch_size: int = 16
    embed_dims: int = 128
    num_layers: int = 4
    seed: int = 0

    @classmethod
    def quick(cls) -> 'PhotoAttackConfig':
        return cls(
            size=64,
            settings=(('rs', 16, None), ),
            photos=('astronaut', ),
            crops=16,
            shuffles_per_photo=1,
            epochs=1.,
            embed_dims=32,
            num_layers=1)


@dataclass
class PhotoResult(StageResult):
    """Tables ``attacks`` (one row per shuffle), ``summary`` (per mode) and ``training``; the setting."""
    crops: int = 0
    public_photos: int = 0
    shuffles_per_photo: int = 0


class PhotoAttacks:
    """Train one block attacker per setting on public crops and attack the scored photos.

    Args:
        config (PhotoAttackConfig): what to run.
        budget_s (float): wall-clock budget shared by the attackers' training.
        inverters (dict, optional): (P, S) -> trained photo inverter, applied after reassembly.
        log (callable): receives progress lines.
    """

    def __init__(self,
                 config: PhotoAttackConfig,
                 budget_s: float,
                 inverters: Optional[Dict] = None,
                 log: Callable[[str], None] = print):
        self.cfg, self.budget, self.start = config, budget_s, time.time()
        self.inverters = inverters or {}
        self._log = log
        self.rng = new_rng()  # the attacked photos get OS-entropy permutations
        self.rows: List[dict] = []
        self.training: List[dict] = []

    def log(self, msg: str):
        left = max(0, int(self.budget - (time.time() - self.start)))
        self._log(f'[photos, {left // 60:d} min left] {msg}')

    def run(self) -> PhotoResult:
        cfg = self.cfg
        crops = RandomCrops(ATTACKER_PHOTOS, cfg.size, seed=cfg.seed + 3).batch(cfg.crops)
        photos = test_photos(cfg.size, cfg.photos)
        self.log(f'{cfg.crops} training crops of {len(ATTACKER_PHOTOS)} public photos; {len(photos)} scored photos')
        for i, (mode, p, s) in enumerate(cfg.settings):
            seconds = max(30., 0.9 * (self.budget - (time.time() - self.start)) / (len(cfg.settings) - i))
            block = p if s is None else s
            encode = (lambda x: x) if s is None else (lambda x, p=p, s=s: mix_subpatches(x, p, s))
            blocks = to_blocks_all(np.stack([encode(x) for x in crops]), block)
            g = int(round(np.sqrt(blocks.shape[1])))
            name = setting_label(mode, p, s)
            self.log(f'training the {name} block attacker ({g}x{g} blocks) for up to {seconds:.0f}s')
            t = time.time()
            model = train_block_attacker(
                blocks, (g, g),
                block,
                epochs=cfg.epochs,
                batch_size=cfg.batch_size,
                max_seconds=seconds,
                seed=cfg.seed,
                log=self.log,
                embed_dims=cfg.embed_dims,
                num_layers=cfg.num_layers)
            self.training.append(training_row(f'{name} photo block attacker', len(crops), model, t))
            self._attack(name, photos, encode, block, (g, g), model, None if s is None else (p, s))
        return PhotoResult(
            tables=dict(attacks=self.rows, summary=self.summary(), training=self.training),
            crops=cfg.crops,
            public_photos=len(ATTACKER_PHOTOS),
            shuffles_per_photo=cfg.shuffles_per_photo)

    def _attack(self, name: str, photos: Dict[str, np.ndarray], encode, block: int, grid: Tuple[int, int], model,
                mix: Optional[Tuple[int, int]]):
        from mmppml.privacy.attacks.inversion import invert_mixed
        inverter = self.inverters.get(mix) if mix else None
        for photo, img in photos.items():
            k = self.cfg.shuffles_per_photo
            clean = np.repeat(to_blocks(encode(img), block)[None], k, axis=0)
            perms = np.stack([self.rng.permutation(clean.shape[1]) for _ in range(k)])
            scores, _, reassembled = attack_shuffles(model, clean, perms, grid)
            for score, rebuilt in zip(scores, reassembled):
                row = dict(mode=name, photo=photo, **score, chance=chance_neighbour_score(grid))
                if mix is not None:
                    up = upsample_mixed(rebuilt, mix[0] // mix[1], order=0)
                    row.update(upsampled_mse=mean_squared_error(img, up), upsampled_ssim=image_scores(img, up)['ssim'])
                    rebuilt = invert_mixed(inverter, rebuilt) if inverter is not None else None
                if rebuilt is not None:
                    row.update(mse=mean_squared_error(img, rebuilt), ssim=image_scores(img, rebuilt)['ssim'])
                self.rows.append(row)
        sel = [r for r in self.rows if r['mode'] == name]
        self.log(f'{name} learned reassembly: direct {np.mean([r["direct"] for r in sel]):.3f}, neighbour '
                 f'{np.mean([r["neighbour"] for r in sel]):.3f} (chance {sel[0]["chance"]:.3f}) over {len(sel)} '
                 'shuffles')

    def summary(self) -> List[dict]:
        out = []
        for name in dict.fromkeys(r['mode'] for r in self.rows):
            sel = [r for r in self.rows if r['mode'] == name]
            mean = lambda k: float(np.mean([r[k] for r in sel])) if k in sel[0] else None  # noqa: E731
            mse = mean('mse')
            out.append(
                dict(
                    mode=name,
                    shuffles=len(sel),
                    direct=mean('direct'),
                    neighbour=mean('neighbour'),
                    solved=sum(r['neighbour'] >= 0.9 for r in sel),
                    chance=sel[0]['chance'],
                    psnr=None if mse is None else pooled_psnr(mse),
                    ssim=mean('ssim')))
        return out
