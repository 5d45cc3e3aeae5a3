"""The privacy suite: every attack against every encryption mode, within a wall-clock budget.

Stages (in order of priority; a stage that would overrun the budget is recorded as skipped):

1. ``jigsaw``: the greedy solver on RS at several image and patch sizes, on RS-on-MI (the mixed blocks)
   and, without a key, on keyed RS / keyed RS-on-MI.
2. ``key_recovery``: the dataset-wide keyed scramble estimated from M encrypted images, then the jigsaw
   on the photos decrypted with the estimate.
3. ``inversion``: MI inverted by trivial baselines, a smoothness prior and a learned inverter, also after
   a jigsaw (RS-on-MI) and after key recovery (keyed MI); optionally on Fashion-MNIST.

Each stage is a function that takes the run's :class:`SuiteContext` (and what earlier stages found) and
returns a :class:`StageResult`: rows of tables, figure panels, what it skipped, and what later stages
need (the reassembled RS-on-MI images, the recovered keys, the trained inverters).
"""
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmppml.crypto import (from_blocks, mix_subpatches, new_rng, round_to_uint8, setting_label, shuffle_patches,
                           to_blocks)
from mmppml.crypto.keyed_scramble import ScrambleKey, apply_scramble, invert_scramble, new_scramble_key
from mmppml.privacy.attacks.jigsaw import GreedyJigsawSolver
from mmppml.privacy.attacks.key_recovery import align_to_truth, blocks_of, key_recovery_scores, recover_scramble_key
from mmppml.privacy.attacks.mi_baselines import (image_scores, prior_unmix, thumbnail_reference, tile_mixed,
                                                 upsample_mixed)
from mmppml.privacy.images import TEST_PHOTOS, TRAIN_PHOTOS, RandomCrops, test_photos
from mmppml.privacy.scores.placement import chance_neighbour_score, jigsaw_scores, placed_origins
from .fashion_mnist import load_fashion_mnist
from .stage import Panels, StageResult


@dataclass
class SuiteConfig:
    """What the suite runs. The defaults are the published setting; :meth:`quick` is for tests."""
    photos: Sequence[str] = TEST_PHOTOS
    jigsaw_settings: Sequence[Tuple[int, int]] = ((224, 16), (128, 16), (512, 16), (224, 8), (224, 32), (128, 8),
                                                  (128, 32), (512, 32), (512, 8))  # (image size, P), by priority
    max_pieces: int = 1024
    image_size: int = 224  # RS-on-MI, keyed modes and inversion
    mixes: Sequence[Tuple[int, int]] = ((16, 8), (16, 4))  # (P, S)
    keyed_patch: int = 16
    key_counts: Sequence[int] = (1, 2, 4, 8, 16)
    crop_size: int = 48
    bank_size: int = 1024
    max_train_steps: int = 100000
    prior_iterations: int = 200
    fashion_mnist: bool = True
    fashion_train: int = 4096
    fashion_test: int = 256
    figure_photo: str = 'astronaut'
    seed: int = 0

    @classmethod
    def quick(cls) -> 'SuiteConfig':
        return cls(
            photos=('astronaut', 'coffee'),
            jigsaw_settings=((64, 16), (96, 32)),
            image_size=64,
            mixes=((16, 8), ),
            keyed_patch=8,
            key_counts=(1, 2),
            crop_size=32,
            bank_size=16,
            max_train_steps=3,
            prior_iterations=5,
            fashion_mnist=False)


@dataclass
class Clock:
    """Wall-clock budget in seconds."""
    budget: float
    start: float = field(default_factory=time.time)

    def elapsed(self) -> float:
        return time.time() - self.start

    def left(self) -> float:
        return self.budget - self.elapsed()


def resize_like(img: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``img`` resized (anti-aliased) to the height and width of ``target``, uint8."""
    from skimage.transform import resize
    out = resize(img.astype(np.float64), target.shape[:2] + img.shape[2:], anti_aliasing=True, preserve_range=True)
    return round_to_uint8(out)


def _mean(rows: List[dict], key: str) -> float:
    vals = [r[key] for r in rows if key in r]
    return float(np.mean(vals)) if vals else float('nan')


@dataclass
class JigsawResult(StageResult):
    """Also the RS-on-MI images the solver reassembled: (P, S) -> photo name -> mixed image."""
    solved_mixed: Dict[Tuple[int, int], Dict[str, np.ndarray]] = field(default_factory=dict)


@dataclass
class KeyRecoveryResult(StageResult):
    """Also the keyed-MI key and its estimates from M images (aligned to it): M -> key."""
    mi_key: Optional[ScrambleKey] = None
    recovered_mi_keys: Dict[int, ScrambleKey] = field(default_factory=dict)


@dataclass
class InversionResult(StageResult):
    """Also the trained photo inverters: (P, S) -> model."""
    inverters: Dict[Tuple[int, int], object] = field(default_factory=dict)


@dataclass
class SuiteResult:
    """The suite's tables (jigsaw, key_recovery, inversion, training, skipped) and figure panels, merged
    in stage order (a later stage's panel for a mode replaces an earlier one), and the inverters."""
    tables: Dict[str, List[dict]]
    figure: Panels
    inverters: Dict[Tuple[int, int], object]
    seconds: float


@dataclass
class SuiteContext:
    """What every stage shares: the settings, the clock, the randomness, the solver and the scored photos."""
    cfg: SuiteConfig
    clock: Clock
    log_fn: Callable[[str], None] = print

    def __post_init__(self):
        self.rng = new_rng(self.cfg.seed)
        self.solver = GreedyJigsawSolver()
        self.photos = test_photos(self.cfg.image_size, self.cfg.photos)

    def log(self, msg: str):
        m, s = divmod(int(self.clock.elapsed()), 60)
        self.log_fn(f'[attack {m:02d}:{s:02d}] {msg}')

    def skip(self, result: StageResult, what: str, why: str):
        result.skipped.append(dict(what=what, why=why))
        self.log(f'skipped {what}: {why}')


# ----------------------------------------------------------------- jigsaw
def _solve(ctx: SuiteContext, result: StageResult, mode: str, blocks: np.ndarray, perm: np.ndarray,
           grid: Tuple[int, int], **info) -> np.ndarray:
    """Solve one shuffled image, add its row; the original index of the block at each cell."""
    t = time.time()
    layout = ctx.solver.solve(blocks[perm], grid)
    scores = jigsaw_scores(placed_origins(layout, perm))
    result.rows('jigsaw').append(
        dict(
            mode=mode,
            pieces=grid[0] * grid[1],
            chance=chance_neighbour_score(grid),
            **info,
            **scores,
            seconds=time.time() - t))
    return perm[layout.ravel()]


def _solve_photos(ctx: SuiteContext, result: StageResult, mode: str, photos: Dict[str, np.ndarray],
                  blocks_of_photo: Callable[[np.ndarray], np.ndarray], grid: Tuple[int, int],
                  **info) -> Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Shuffle the blocks of every photo afresh and solve each (a row apiece, as :func:`_solve`).

    Returns:
        dict: photo name -> its blocks in raster order, the permutation, and the original index of the
        block at each cell.
    """
    solved = {}
    for name, img in photos.items():
        blocks = blocks_of_photo(img)
        perm = ctx.rng.permutation(grid[0] * grid[1])
        solved[name] = blocks, perm, _solve(ctx, result, mode, blocks, perm, grid, **info, photo=name)
    return solved


def run_jigsaw(ctx: SuiteContext) -> JigsawResult:
    """The greedy solver on RS (several sizes), RS-on-MI (the mixed blocks) and keyed modes without the key."""
    cfg, result = ctx.cfg, JigsawResult()
    for size, p in cfg.jigsaw_settings:
        g, label = size // p, setting_label('rs', p)
        if g * g > cfg.max_pieces:
            ctx.skip(result, f'{label} at {size}px', f'{g * g} pieces > max_pieces={cfg.max_pieces}')
            continue
        if ctx.clock.left() < 0.5 * ctx.clock.budget:
            ctx.skip(result, f'{label} at {size}px', 'the jigsaw share of the budget is spent')
            continue
        photos = ctx.photos if size == cfg.image_size else test_photos(size, cfg.photos)
        solved = _solve_photos(ctx, result, label, photos, lambda img: to_blocks(img, p), (g, g), size=size, patch=p)
        if size == cfg.image_size and p == cfg.keyed_patch and cfg.figure_photo in solved:
            img = photos[cfg.figure_photo]
            blocks, perm, order = solved[cfg.figure_photo]
            result.figure[label] = [img, shuffle_patches(img, p, perm), from_blocks(blocks[order], (g, g))]
        rows = [r for r in result.rows('jigsaw') if r['mode'] == label and r['size'] == size]
        ctx.log(f'jigsaw {label} {size}px ({g * g} pieces): neighbour {_mean(rows, "neighbour"):.3f} '
                f'direct {_mean(rows, "direct"):.3f} over {len(rows)} photos')
    _jigsaw_rs_on_mi(ctx, result)
    _jigsaw_keyed_naive(ctx, result)
    return result


def _jigsaw_rs_on_mi(ctx: SuiteContext, result: JigsawResult):
    size = ctx.cfg.image_size
    for p, s in ctx.cfg.mixes:
        g = size // p
        mode = setting_label('rs-on-mi', p, s)

        def mixed_blocks(img):
            return to_blocks(mix_subpatches(img, p, s), s)

        solved = _solve_photos(ctx, result, mode, ctx.photos, mixed_blocks, (g, g), size=size, patch=p, sub=s)
        result.solved_mixed[(p, s)] = {
            name: from_blocks(blocks[order], (g, g))
            for name, (blocks, _, order) in solved.items()
        }
        name = ctx.cfg.figure_photo
        if name in solved:
            img = ctx.photos[name]
            shuffled = shuffle_patches(mix_subpatches(img, p, s), s, solved[name][1])
            result.figure[mode] = [img, shuffled, result.solved_mixed[(p, s)][name]]
        rows = [r for r in result.rows('jigsaw') if r['mode'] == mode]
        ctx.log(f'jigsaw {mode} {size}px: neighbour {_mean(rows, "neighbour"):.3f}')


def _jigsaw_keyed_naive(ctx: SuiteContext, result: JigsawResult):
    size, p = ctx.cfg.image_size, ctx.cfg.keyed_patch
    g = size // p
    rs_key = new_scramble_key(p, 3, seed=ctx.rng)
    rs_mode = f'keyed RS-{p} (no key)'

    def scrambled_blocks(img):
        return to_blocks(apply_scramble(img, rs_key), p)

    _solve_photos(ctx, result, rs_mode, ctx.photos, scrambled_blocks, (g, g), size=size, patch=p)
    p_mi, s = ctx.cfg.mixes[0]
    g = size // p_mi
    mi_key = new_scramble_key(s, 3, seed=ctx.rng)
    mi_mode = f'keyed RS-on-MI-{p_mi}/{s} (no key)'

    def scrambled_mixed_blocks(img):
        return to_blocks(apply_scramble(mix_subpatches(img, p_mi, s), mi_key), s)

    _solve_photos(ctx, result, mi_mode, ctx.photos, scrambled_mixed_blocks, (g, g), size=size, patch=p_mi, sub=s)
    for mode in (rs_mode, mi_mode):
        rows = [r for r in result.rows('jigsaw') if r['mode'] == mode]
        ctx.log(f'jigsaw {mode}: neighbour {_mean(rows, "neighbour"):.3f} (chance {rows[0]["chance"]:.3f})')


# ----------------------------------------------------------- key recovery
def run_key_recovery(ctx: SuiteContext) -> KeyRecoveryResult:
    """The dataset-wide keyed scramble estimated from M encrypted images; the jigsaw after decryption."""
    cfg, result = ctx.cfg, KeyRecoveryResult()
    size, p = cfg.image_size, cfg.keyed_patch
    p_mi, s = cfg.mixes[0]
    # the attacker's encrypted dataset: random crops of all bundled photos (a dataset holds its targets)
    crops = RandomCrops(tuple(cfg.photos) + TRAIN_PHOTOS, size, seed=cfg.seed + 1)
    dataset = crops.batch(max(cfg.key_counts))
    g = size // p
    rs_key = new_scramble_key(p, 3, seed=ctx.rng)
    result.mi_key = new_scramble_key(s, 3, seed=ctx.rng)
    rs_enc = [apply_scramble(shuffle_patches(x, p, ctx.rng.permutation(g * g)), rs_key) for x in dataset]
    mi_enc = [apply_scramble(mix_subpatches(x, p_mi, s), result.mi_key) for x in dataset]
    rows = result.rows('key_recovery')
    for m in cfg.key_counts:
        if ctx.clock.left() < 0.3 * ctx.clock.budget:
            ctx.skip(result, f'key recovery from {m} images', 'budget')
            continue
        # keyed RS: estimate, decrypt the scored photos (fresh permutations), then solve the jigsaw
        t = time.time()
        est = recover_scramble_key(blocks_of(rs_enc[:m], p))
        secs = time.time() - t
        aligned = align_to_truth(est, rs_key)
        solved = []
        for name, img in ctx.photos.items():
            perm = ctx.rng.permutation(g * g)
            decrypted = invert_scramble(apply_scramble(img, rs_key), aligned)
            order = ctx.solver.solve(to_blocks(decrypted, p)[perm], (g, g))
            solved.append(jigsaw_scores(placed_origins(order, perm)))
            if m == max(cfg.key_counts) and name == cfg.figure_photo:
                enc = apply_scramble(shuffle_patches(img, p, perm), rs_key)
                rec = from_blocks(to_blocks(decrypted, p)[perm][order.ravel()], (g, g))
                result.figure[f'keyed RS-{p}'] = [img, enc, rec]
        rows.append(
            dict(
                mode=f'keyed RS-{p}',
                images=m,
                blocks=m * g * g,
                seconds=secs,
                **key_recovery_scores(est, rs_key),
                jigsaw_neighbour=_mean(solved, 'neighbour'),
                jigsaw_direct=_mean(solved, 'direct')))
        # keyed MI: the estimate goes on to the inversion stage
        t = time.time()
        est = recover_scramble_key(blocks_of(mi_enc[:m], s))
        secs = time.time() - t
        result.recovered_mi_keys[m] = align_to_truth(est, result.mi_key)
        rows.append(
            dict(
                mode=f'keyed MI-{p_mi}/{s}',
                images=m,
                blocks=m * (size // p_mi)**2,
                seconds=secs,
                **key_recovery_scores(est, result.mi_key)))
        r_rs, r_mi = rows[-2:]
        ctx.log(f'key recovery from {m} images: keyed RS-{p} positions {r_rs["positions"]:.3f} signs '
                f'{r_rs["signs"]:.3f} -> jigsaw neighbour {r_rs["jigsaw_neighbour"]:.3f}; keyed MI-{p_mi}/{s} '
                f'positions {r_mi["positions"]:.3f} signs {r_mi["signs"]:.3f}')
    return result


# -------------------------------------------------------------- inversion
def _train(ctx: SuiteContext, result: StageResult, mode: str, p: int, s: int, plain: np.ndarray, seconds: float):
    from mmppml.privacy.attacks.inversion import train_inverter
    t = time.time()
    model = train_inverter(
        plain,
        p,
        s,
        max_steps=ctx.cfg.max_train_steps,
        max_seconds=seconds,
        seed=ctx.cfg.seed,
        log=ctx.log,
        width=24,
        dilations=(1, 2, 4, 8, 2, 1))
    result.rows('training').append(
        dict(mode=mode, images=len(plain), crop=plain.shape[1], steps=model.trained_steps, seconds=time.time() - t))
    return model


def _score(result: StageResult, mode: str, method: str, plain: np.ndarray, recovered: np.ndarray, **info):
    result.rows('inversion').append(dict(mode=mode, method=method, **info, **image_scores(plain, recovered)))


def _log_methods(ctx: SuiteContext, result: StageResult, mode: str):
    rows = [x for x in result.rows('inversion') if x['mode'] == mode]
    for method in dict.fromkeys(x['method'] for x in rows):
        sel = [x for x in rows if x['method'] == method]
        ctx.log(f'{mode} {method}: PSNR {_mean(sel, "psnr"):.2f} dB SSIM {_mean(sel, "ssim"):.3f}')


def run_inversion(ctx: SuiteContext, jigsaw: JigsawResult, keys: KeyRecoveryResult) -> InversionResult:
    """MI inverted by baselines, a smoothness prior and a learned inverter; also the RS-on-MI images the
    jigsaw reassembled and the keyed-MI images decrypted with the recovered keys; optionally Fashion-MNIST."""
    cfg, result = ctx.cfg, InversionResult()
    n_models = len(cfg.mixes) + int(cfg.fashion_mnist)
    bank = RandomCrops(TRAIN_PHOTOS, cfg.crop_size, seed=cfg.seed + 2).batch(cfg.bank_size)
    # evaluation needs roughly 40% of what is left; training shares the rest
    for i, (p, s) in enumerate(cfg.mixes):
        seconds, label = max(5.0, 0.6 * ctx.clock.left() / (n_models - i)), setting_label('mi', p, s)
        ctx.log(f'training the {label} inverter for up to {seconds:.0f}s on {len(bank)} public crops')
        model = result.inverters[(p, s)] = _train(ctx, result, f'{label} photos', p, s, bank, seconds)
        _evaluate_mix(ctx, result, p, s, model, jigsaw, keys)
    if cfg.fashion_mnist:
        _invert_fashion_mnist(ctx, result)
    return result


def _evaluate_mix(ctx: SuiteContext, result: InversionResult, p: int, s: int, model, jigsaw: JigsawResult,
                  keys: KeyRecoveryResult):
    from mmppml.privacy.attacks.inversion import invert_mixed
    cfg = ctx.cfg
    r = p // s
    mode, shuffled_mode = setting_label('mi', p, s), setting_label('rs-on-mi', p, s)
    for name, img in ctx.photos.items():
        mixed = mix_subpatches(img, p, s)
        _score(
            result, mode, 'reference: plain at 1/r resolution, upsampled', img, thumbnail_reference(img, r), photo=name)
        _score(
            result,
            mode,
            'the MI image itself vs the plain image resized to its size',
            resize_like(img, mixed),
            round_to_uint8(mixed),
            photo=name)
        _score(result, mode, 'upsample nearest', img, upsample_mixed(mixed, r, order=0), photo=name)
        _score(result, mode, 'upsample bicubic', img, upsample_mixed(mixed, r, order=3), photo=name)
        _score(result, mode, 'tile (no prior)', img, tile_mixed(mixed, p, s), photo=name)
        _score(result, mode, 'smoothness prior (TV)', img, prior_unmix(mixed, p, s, cfg.prior_iterations), photo=name)
        learned = invert_mixed(model, mixed)
        _score(result, mode, 'learned inverter', img, learned, photo=name)
        if name == cfg.figure_photo:
            result.figure[mode] = [img, mixed, learned]
        # RS-on-MI: the inverter on the shuffled blocks, and after the jigsaw
        g = cfg.image_size // p
        shuffled = shuffle_patches(mixed, s, ctx.rng.permutation(g * g))
        _score(result, shuffled_mode, 'learned inverter (no jigsaw)', img, invert_mixed(model, shuffled), photo=name)
        solved = jigsaw.solved_mixed.get((p, s), {}).get(name)
        if solved is not None:
            rec = invert_mixed(model, solved)
            _score(result, shuffled_mode, 'jigsaw + learned inverter', img, rec, photo=name)
            _score(
                result,
                shuffled_mode,
                'jigsaw + smoothness prior',
                img,
                prior_unmix(solved, p, s, cfg.prior_iterations),
                photo=name)
            panel = jigsaw.figure.get(shuffled_mode)
            if name == cfg.figure_photo and panel is not None:
                result.figure[shuffled_mode] = [panel[0], panel[1], rec]  # the inverted reassembly
        # keyed MI: without the key, and with the key recovered from M images
        if keys.mi_key is not None and keys.mi_key.block_size == s and (p, s) == tuple(cfg.mixes[0]):
            keyed = apply_scramble(mixed, keys.mi_key)
            _score(
                result, f'keyed MI-{p}/{s}', 'learned inverter (no key)', img, invert_mixed(model, keyed), photo=name)
            for m, key in sorted(keys.recovered_mi_keys.items()):
                rec = invert_mixed(model, invert_scramble(keyed, key))
                _score(result, f'keyed MI-{p}/{s}', f'key from {m} images + learned inverter', img, rec, photo=name)
                if name == cfg.figure_photo and m == max(keys.recovered_mi_keys):
                    result.figure[f'keyed MI-{p}/{s}'] = [img, keyed, rec]
    _log_methods(ctx, result, mode)


def _invert_fashion_mnist(ctx: SuiteContext, result: InversionResult):
    from mmppml.privacy.attacks.inversion import invert_mixed
    p, s = 8, 4
    try:
        train = load_fashion_mnist('train', ctx.cfg.fashion_train)
        test = load_fashion_mnist('test', ctx.cfg.fashion_test)
    except FileNotFoundError as err:
        ctx.skip(result, 'Fashion-MNIST inversion', str(err))
        return
    pad = lambda x: np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None]  # noqa: E731  (28 -> 32 px, one channel)
    train, test = pad(train), pad(test)
    seconds = max(5.0, 0.6 * ctx.clock.left())
    ctx.log(f'training the Fashion-MNIST MI-{p}/{s} inverter for up to {seconds:.0f}s')
    model = _train(ctx, result, f'MI-{p}/{s} Fashion-MNIST', p, s, train, seconds)
    mode = f'MI-{p}/{s} Fashion-MNIST 32px'
    for img in test:
        plain = img[..., 0]
        mixed = mix_subpatches(plain, p, s)
        _score(result, mode, 'reference: plain at 1/r resolution, upsampled', plain, thumbnail_reference(plain, p // s))
        _score(result, mode, 'tile (no prior)', plain, tile_mixed(mixed, p, s))
        _score(result, mode, 'smoothness prior (TV)', plain, prior_unmix(mixed, p, s, ctx.cfg.prior_iterations))
        _score(result, mode, 'learned inverter', plain, invert_mixed(model, mixed))
    _log_methods(ctx, result, mode)


def run_suite(config: SuiteConfig, budget_s: float, log: Callable[[str], None] = print) -> SuiteResult:
    """All stages within ``budget_s`` seconds (inverter training takes what the others leave)."""
    ctx = SuiteContext(config, Clock(budget_s), log)
    ctx.log(f'budget {budget_s:.0f}s, {len(ctx.photos)} scored photos')
    jigsaw = run_jigsaw(ctx)
    keys = run_key_recovery(ctx)
    inversion = run_inversion(ctx, jigsaw, keys)
    ctx.log('done')
    stages = (jigsaw, keys, inversion)
    tables = {
        name: [row for stage in stages for row in stage.tables.get(name, [])]
        for name in ('jigsaw', 'key_recovery', 'inversion', 'training')
    }
    tables['skipped'] = [row for stage in stages for row in stage.skipped]
    figure = {mode: panel for stage in stages for mode, panel in stage.figure.items()}
    return SuiteResult(tables, figure, inversion.inverters, ctx.clock.elapsed())
