"""Run an audit: the attacks of a config's setting on the owner's images, scored on the instance.

The attacks and scores are the privacy suite's own: :class:`~mmppml.privacy.attacks.cell_attacks.CellAttacks`
builds the strongest reconstruction the mode's record names (learned block attacker, MI inverter, both)
and :class:`~mmppml.privacy.scores.instance.InstanceScores` scores linkage, re-identification of another
view (photo views: crop-and-rescale with photometric jitter) by the reconstructions and by a learned
ciphertext matcher, and the SSIM margin. Every model trains on the public images only, within a share of
the wall-clock budget.
"""
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np

from ..scores.views import VIEWS
from .config_reader import AuditSetting
from .sources import ImageSet, check_disjoint, load_prepared, padded_side

# Shares of the training budget (70 % of the whole; the rest scores) by the models a mode needs.
MODEL_WEIGHTS = dict(embedding=1., matcher=2., attacker=3., inverter=2.)
TRAINING_SHARE = 0.7
NEEDS = {
    None: (),
    'reassembly': ('attacker', ),
    'inversion': ('inverter', ),
    'reassembly+inversion': ('attacker', 'inverter'),
    'bag-reassembly': ('attacker', 'inverter')
}
NONE_PREFIX = 'none:'  # CellAttacks names the ciphertext as handed over 'none: ...'
SMALL_SIDE = 64  # audited squares up to this side get shifted views, larger ones crops


@dataclass
class AuditOptions:
    """What an audit runs; defaults are the tool's.

    Args:
        budget_min (float): wall-clock budget (minutes) the models' training shares.
        num_private (int): private images read (the galleries' pool).
        num_public (int): public images the attackers train on.
        targets (int): T, the attacked private images (chance intervals shrink with it).
        gallery (int): K, the gallery size (chance 1 / K); lowered to what the pool holds.
        max_blocks (int): the audited square holds at most this many P x P blocks (a centre crop).
        device (str): ``'cuda'`` or ``'cpu'``.
        attacker_dims (int), attacker_layers (int): the block attacker's width and depth.
        epochs (float): epochs of the view embedding and the matcher, each cut at its share of the budget.
        attacker_epochs (float): epochs of the block attacker, its schedule fitted to its share.
        inverter_steps (int): steps of the MI inverter at most (its share of the budget cuts it first).
        figure_images (int): columns of the figure.
        views (str): another view of an image: ``'shift'`` (a pixel or two, as a second shot of a small
            image differs), ``'crop'`` (a slightly tighter framing of a photo) or ``'auto'`` (``'shift'`` up
            to a 64-px audited square, else ``'crop'``).
        seed (int): draws the subsets, galleries, views and the models' weights (never the encryption).
        ordered_private (bool): attack the first ``targets`` private images and draw the galleries from the
            first ``num_private``, in their order, instead of a random subset (to attack the images another
            study attacked, e.g. the first 1,000 of a test set).
    """
    budget_min: float = 30.
    num_private: int = 200
    num_public: int = 1000
    targets: int = 100
    gallery: int = 100
    max_blocks: int = 400
    device: str = 'cpu'
    attacker_dims: int = 128
    attacker_layers: int = 4
    epochs: float = 30.
    attacker_epochs: float = 500.
    inverter_steps: int = 10**6
    figure_images: int = 6
    views: str = 'auto'
    seed: int = 0
    ordered_private: bool = False

    def __post_init__(self):
        if self.views not in ('auto', *VIEWS):
            raise ValueError(f"views must be 'auto', {' or '.join(map(repr, VIEWS))}, got {self.views!r}")

    def view_kind(self, side: int) -> str:
        """``'shift'`` or ``'crop'`` for an audited square of ``side`` px."""
        return self.views if self.views != 'auto' else 'shift' if side <= SMALL_SIDE else 'crop'

    @classmethod
    def quick(cls, **kwargs) -> 'AuditOptions':
        """Tiny models (the attacks' quick budgets) and few images: seconds, for tests."""
        from ..attacks.cell_attacks import QUICK_ATTACK_BUDGETS as budgets
        quick = dict(budget_min=0.2, targets=20, gallery=budgets['gallery_size'], epochs=2., attacker_epochs=2.)
        quick.update({key: budgets[key] for key in ('attacker_dims', 'attacker_layers', 'inverter_steps')}, **kwargs)
        return cls(**quick)


def audit_side(scale: int, patch_size: int, max_blocks: int) -> int:
    """The side of the audited square: the largest multiple of P up to ``scale`` with at most ``max_blocks``
    blocks."""
    grid = min(scale // patch_size, int(np.sqrt(max_blocks)))
    if grid < 2:
        raise ValueError(f'images of {scale} px hold fewer than 2 x 2 patches of {patch_size} px')
    return grid * patch_size


def gallery_size(labels: Optional[np.ndarray], pool: int, wanted: int) -> int:
    """K: ``wanted``, lowered to the images of the pool (or of its smallest class)."""
    counts = None if labels is None else np.bincount(labels)
    have = pool if counts is None else int(counts[counts > 0].min())
    k = min(wanted, have)
    if k < 2:
        raise ValueError(f'galleries need 2 images of a class at least, the private set gives {have}')
    return k


def training_seconds(setting: AuditSetting, budget_s: float) -> Dict[str, float]:
    """Seconds of each model the setting needs: a share of :data:`TRAINING_SHARE` of the budget."""
    record = setting.record
    models = ('embedding', ) + (('matcher', ) if record.linkage else ()) + NEEDS[record.attack]
    total = sum(MODEL_WEIGHTS[m] for m in models)
    return {m: TRAINING_SHARE * budget_s * MODEL_WEIGHTS[m] / total for m in models}


class PrivacyAudit:
    """Attack a config's setting on private images with attackers trained on public ones.

    Args:
        setting (AuditSetting): what the config trains with.
        private (ImageSet): the images attacked.
        public (ImageSet): the attacker's images (disjoint from ``private``).
        options (AuditOptions): sizes and budgets.
        log (callable): receives progress lines.
    """

    def __init__(self,
                 setting: AuditSetting,
                 private: ImageSet,
                 public: ImageSet,
                 options: AuditOptions,
                 log: Callable[[str], None] = print):
        check_disjoint(public, private)
        self.setting, self.options = setting, options
        rng = np.random.default_rng(options.seed)
        self.private = private.subset(options.num_private, rng, ordered=options.ordered_private)
        self.public = public.subset(options.num_public, rng)
        self._log, self.start = log, time.time()

    def log(self, msg: str):
        m, s = divmod(int(time.time() - self.start), 60)
        self._log(f'[audit {m:02d}:{s:02d} of {self.options.budget_min:g} min] {msg}')

    def run(self) -> dict:
        """Run every attack and score; return the results (see :mod:`.report` for their layout)."""
        from ..attacks.cell_attacks import CellAttacks, FrontierAttackConfig
        from ..scores.instance import REFERENCE_PLAIN, InstanceScores
        st, opt = self.setting, self.options
        scale = st.size or int(np.median([self.private.image_short_side(i) for i in range(len(self.private))]))
        side = audit_side(padded_side(scale, st.pad_size_divisor), st.patch_size, opt.max_blocks)
        views = opt.view_kind(side)
        self.log(f'{st.label} ({st.where}); images at a short side of {scale} px' +
                 (f' padded to a multiple of {st.pad_size_divisor}' if st.pad_size_divisor > 1 else '') +
                 f', audited on the centre {side}x{side} ({(side // st.patch_size)**2} blocks), gray; '
                 f'{views} views')
        pool = load_prepared(self.private, scale, side, st.pad_size_divisor, st.pad_value)
        public = load_prepared(self.public, scale, side, st.pad_size_divisor, st.pad_value)
        k = gallery_size(self.private.labels, len(pool), opt.gallery)
        targets = min(opt.targets, len(pool))
        seconds = training_seconds(st, 60 * opt.budget_min)
        self.log(f'{len(pool)} private images ({self.private.source}), {len(public)} public '
                 f'({self.public.source}); {targets} targets, galleries of {k}; training seconds: ' +
                 ', '.join(f'{m} {v:.0f}' for m, v in seconds.items()))
        instance = InstanceScores(pool, self.private.labels, targets, public, self.public.labels, k, opt.seed, self.log,
                                  VIEWS[views], opt.device)
        instance.train_embedding(opt.epochs, seconds['embedding'])
        instance.references()
        config = FrontierAttackConfig(
            test_images=targets,
            attacker_epochs=opt.attacker_epochs,
            attacker_dims=opt.attacker_dims,
            attacker_layers=opt.attacker_layers,
            inverter_seconds=seconds.get('inverter', 0.),
            inverter_steps=opt.inverter_steps,
            gallery_size=k,
            matcher_epochs=opt.epochs,
            attacker_seconds=seconds.get('attacker'),
            matcher_seconds=seconds.get('matcher'),
            device=opt.device,
            seed=opt.seed)
        attacks = CellAttacks(public, None, pool[:targets], None, None, config, self.log, instance)
        rows = attacks.attack(st.mode, st.patch_size, st.sub_patch_size, st.param)
        plain = next(r for r in instance.rows if r['attack'] == REFERENCE_PLAIN and r['matcher'] == 'pixels')
        return dict(
            setting=st,
            scale=scale,
            side=side,
            views=views,
            private=dict(source=self.private.source, images=len(pool), labelled=self.private.labels is not None),
            public=dict(source=self.public.source, images=len(public)),
            targets=targets,
            gallery=k,
            cell=attacks.cell,
            attacks=rows,
            instance=[r for r in instance.rows if r['mode'] == attacks.cell],
            fidelity=[r for r in instance.fidelity if r['mode'] == attacks.cell],
            plain_reid=max((r for r in instance.rows if r['attack'] == REFERENCE_PLAIN), key=lambda r: r['top1']),
            training=instance.training + attacks.training,
            panels=self._panels(instance, attacks, plain),
            seconds=time.time() - self.start)

    def _panels(self, instance, attacks, plain: dict) -> Dict[str, np.ndarray]:
        """Figure rows for the first targets: original, ciphertext, strongest reconstruction, and the gallery
        image its best matcher ranks first."""
        n = min(self.options.figure_images, len(instance.targets))
        recon_rows = [r for r in instance.rows if r['mode'] == attacks.cell and r['attacker'] == 'reconstruction']
        none = [r for r in recon_rows if r['attack'].startswith(NONE_PREFIX)]
        best = max(recon_rows, key=lambda r: (r['top1'], r['mrr'])) if recon_rows else plain
        d = instance.distances[(best['mode'], best['attacker'], best['attack'], best['matcher'])][:n]
        top = instance.galleries[np.arange(n), np.argmin(d, axis=1)]
        return dict(
            original=instance.pool[:n],
            ciphertext=attacks.reconstructions[none[0]['attack']][:n] if none else instance.pool[:n],
            reconstruction=attacks.reconstructions.get(best['attack'], instance.pool)[:n],
            top_ranked=instance.views[top])
