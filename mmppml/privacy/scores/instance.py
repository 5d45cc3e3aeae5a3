"""The instance scores of one attacked test set: linkage, re-identification (both attackers), SSIM margin.

:class:`InstanceScores` holds the targets (the first T images of a test pool), their same-class
galleries (K images, the target first) and one view of every pool image, and turns what each attack
hands it into rows:

- ``instance``: one row per (mode, attacker, attack, matcher) with top-1 and MRR of the true instance,
  their 95 % intervals and chance;
- ``fidelity``: per (mode, attack) the SSIM of the reconstructions to their originals and the
  within-class margin;

and :meth:`InstanceScores.summary` picks, per mode, the strongest of each attacker. Every model it uses
(the view embedding of attacker (a), the ciphertext matchers of attacker (b)) is trained on public
training images only; the pool, the galleries and the views are test images.
"""
import time
from typing import Callable, Dict, List, Optional

import numpy as np

from ..report_format import training_row
from .fidelity import fidelity_summary, instance_fidelity
from .linkage import compares_in_place, linkage
from .ranking import random_galleries, ranking_scores, same_class_galleries
from .reid import embedding_distances, image_matcher_distances

REFERENCE_PLAIN = 'reference: the plain image (no encryption), upper bound'
REFERENCE_LABEL = 'reference: the class prototype (what the label alone gives)'


def _strongest(rows) -> Optional[dict]:
    """The row of highest top-1 (then MRR), or None."""
    return max(rows, key=lambda r: (r['top1'], r['mrr']), default=None)


class InstanceScores:
    """Score what attacks recover about the instance.

    Args:
        pool (np.ndarray): (M, H, W) uint8 test images: the targets are the first ``targets`` of them,
            the other gallery members are drawn from all M.
        pool_labels (np.ndarray, optional): (M,) classes; None for an unlabelled pool, whose galleries
            are K images of the whole pool.
        targets (int): T, the attacked images.
        public (np.ndarray): (P, H, W) uint8 public training images.
        public_labels (np.ndarray, optional): (P,) their classes (None: one class).
        gallery (int): K (chance 1 / K).
        seed (int): draws the galleries and the views (not any encryption).
        log (callable): receives progress lines.
        view_config (ViewConfig, optional): how another view differs (default: :class:`~.views.ViewConfig`).
        device (str): where the matchers train.
    """

    def __init__(self,
                 pool: np.ndarray,
                 pool_labels: np.ndarray,
                 targets: int,
                 public: np.ndarray,
                 public_labels: np.ndarray,
                 gallery: int = 100,
                 seed: int = 0,
                 log: Callable[[str], None] = print,
                 view_config=None,
                 device: str = 'cpu'):
        from .views import ViewConfig, other_views
        self.pool, self.pool_labels = pool, pool_labels
        self.targets = np.arange(targets)
        self.public = public
        self.public_labels = np.zeros(len(public), np.int64) if public_labels is None else public_labels
        self.log, self.device = log, device
        rng = np.random.default_rng(seed + 7919)
        if pool_labels is None:
            self.galleries = random_galleries(len(pool), self.targets, gallery, rng)
        else:
            self.galleries = same_class_galleries(pool_labels, self.targets, gallery, rng)
        self.view_config = ViewConfig() if view_config is None else view_config
        self.views = other_views(pool, rng, self.view_config)
        self.seed = seed
        self.embedding = None
        self.view_features = None
        self.matchers: Dict[tuple, object] = {}
        self.rows: List[dict] = []
        self.distances: Dict[tuple, np.ndarray] = {}  # (mode, attacker, attack, matcher) -> (T, K)
        self.fidelity: List[dict] = []
        self.training: List[dict] = []

    # ------------------------------------------------------------------ models (public images only)
    def _schedule(self, epochs: float, max_seconds: Optional[float]) -> dict:
        """What the view embedding and every matcher train with: the views, the seed, the log, the device."""
        return dict(
            epochs=epochs,
            max_seconds=max_seconds,
            view_config=self.view_config,
            seed=self.seed,
            log=self.log,
            device=self.device)

    def train_embedding(self, epochs: float, max_seconds: Optional[float] = None):
        """The plain view embedding of attacker (a), trained contrastively on the public images."""
        from .matcher import embed_images, train_view_embedding
        t = time.time()
        self.log(f'training the view embedding on {len(self.public)} public images ({epochs:g} epoch(s))')
        self.embedding = train_view_embedding(self.public, self.public_labels, **self._schedule(epochs, max_seconds))
        self.view_features = embed_images(self.embedding, self.views)
        self.training.append(training_row('view embedding (plain public images)', len(self.public), self.embedding, t))

    def matcher(self, tokens, epochs: float, max_seconds: Optional[float] = None):
        """Attacker (b) for the mode of ``tokens`` (a :class:`~.matcher.CipherTokens`), trained once."""
        from .matcher import train_cipher_matcher
        if tokens not in self.matchers:
            t = time.time()
            self.log(f'training the {tokens.mode} ciphertext matcher (P={tokens.p}, S={tokens.s}) on pairs of '
                     f'{len(self.public)} public images ({epochs:g} epoch(s))')
            model = train_cipher_matcher(self.public, self.public_labels, tokens, **self._schedule(epochs, max_seconds))
            self.matchers[tokens] = model
            self.training.append(
                training_row(f'{tokens.mode} ciphertext matcher P={tokens.p} S={tokens.s}', len(self.public), model, t))
        return self.matchers[tokens]

    # ------------------------------------------------------------------ scores
    def _add(self, mode: str, attacker: str, attack: str, matcher: str, distances: np.ndarray) -> dict:
        row = dict(mode=mode, attacker=attacker, attack=attack, matcher=matcher, **ranking_scores(distances))
        self.rows.append(row)
        self.distances[(mode, attacker, attack, matcher)] = distances
        return row

    def _log_row(self, row: dict):
        self.log(f'{row["mode"]} {row["attacker"]} ({row["attack"]}, {row["matcher"]}): top-1 {row["top1"]:.3f} '
                 f'[{row["top1_low"]:.3f}, {row["top1_high"]:.3f}], MRR {row["mrr"]:.3f} '
                 f'(chance {row["chance_top1"]:.3f})')

    def images(self, mode: str, attack: str, images: np.ndarray, attacker: str = 'reconstruction') -> dict:
        """Attacker (a): rank the gallery views by each matcher for (T, H, W) images the attacker holds;
        also the SSIM margin against the originals. Returns the best matcher's row."""
        from .matcher import embed_images
        images = np.clip(np.rint(np.asarray(images, dtype=np.float64)), 0, 255).astype(np.uint8)
        embed = None if self.embedding is None else (lambda x: embed_images(self.embedding, x))
        dists = image_matcher_distances(images, self.views, self.galleries, embed, self.view_features)
        rows = [self._add(mode, attacker, attack, name, d) for name, d in dists.items()]
        fid = dict(mode=mode, attack=attack, **fidelity_summary(instance_fidelity(images, self.pool, self.galleries)))
        self.fidelity.append(fid)
        best = max(rows, key=lambda r: (r['top1'], r['mrr']))
        self._log_row(best)
        self.log(f'{mode} ({attack}): SSIM to the original {fid["ssim"]:.3f}, within-class margin '
                 f'{fid["margin"]:+.3f} [{fid["margin_low"]:+.3f}, {fid["margin_high"]:+.3f}], '
                 f'positive for {fid["positive_margin"]:.3f}')
        return best

    def references(self, prototypes: Optional[np.ndarray] = None):
        """The plain image as query (upper bound) and, given prototypes, the class prototype of the true class
        (chance).

        Args:
            prototypes (np.ndarray, optional): (classes, H, W) one public image per class (a labelled pool).
        """
        plain = self.pool[self.targets]
        self.images('plain', REFERENCE_PLAIN, plain, attacker='reference')
        if prototypes is not None:
            self.images('plain', REFERENCE_LABEL, prototypes[self.pool_labels[self.targets]], attacker='reference')

    def linkage(self, mode: str, link_mode: str, ciphertexts: np.ndarray, p: int, s: Optional[int] = None) -> dict:
        """The attacker holds the original among the gallery's originals and encrypts them itself."""
        t = time.time()
        row = dict(
            mode=mode,
            attacker='linkage',
            attack=f'encrypt the candidates ({link_mode}), compare order-free',
            matcher='blocks in place' if compares_in_place(link_mode) else 'block sets',
            **linkage(ciphertexts, self.pool, self.galleries, link_mode, p, s))
        self.rows.append(row)
        self._log_row(row)
        self.log(f'{mode} linkage took {time.time() - t:.0f}s')
        return row

    def learned(self, mode: str, model, ciphertexts: np.ndarray, attack: str = 'learned ciphertext matcher') -> dict:
        """Attacker (b): embed the (T, h, w) ciphertexts and the gallery views, rank by cosine."""
        from .matcher import embed_ciphertexts, embed_images
        if not hasattr(model, 'view_features'):
            model.view_features = embed_images(model.plain, self.views)
        d = embedding_distances(embed_ciphertexts(model, ciphertexts), model.view_features, self.galleries)
        row = self._add(mode, 'learned matcher', attack, 'cipher / plain embedding', d)
        self._log_row(row)
        return row

    # ------------------------------------------------------------------ per mode
    def summary(self) -> List[dict]:
        """Per mode: linkage, the strongest re-identification of each attacker and of both, and the SSIM margin
        of the reconstruction behind attacker (a)'s best."""
        out = []
        plain = [r for r in self.rows if r['attack'] == REFERENCE_PLAIN]
        plain_best = max(plain, key=lambda r: r['top1']) if plain else None
        for mode in dict.fromkeys(r['mode'] for r in self.rows if r['mode'] != 'plain'):
            rows = [r for r in self.rows if r['mode'] == mode]
            link, recon, learned = (
                _strongest(r for r in rows if r['attacker'] == who)
                for who in ('linkage', 'reconstruction', 'learned matcher'))
            both = _strongest(r for r in (recon, learned) if r is not None)
            fid = next(
                (f
                 for f in self.fidelity if f['mode'] == mode and recon is not None and f['attack'] == recon['attack']),
                None)
            row = dict(
                mode=mode, chance_top1=rows[0]['chance_top1'], gallery=rows[0]['gallery'], targets=rows[0]['targets'])
            if link is not None:
                row.update(linkage_top1=link['top1'], linkage_mrr=link['mrr'])
            for name, r in (('reid_a', recon), ('reid_b', learned), ('reid', both)):
                if r is not None:
                    row.update(
                        {f'{name}_{k}': r[k]
                         for k in ('top1', 'top1_low', 'top1_high', 'mrr', 'mrr_low', 'mrr_high')})
                    row[f'{name}_by'] = f'{r["attack"]} / {r["matcher"]}'
            if fid is not None:
                row.update(
                    ssim=fid['ssim'],
                    ssim_margin=fid['margin'],
                    ssim_margin_low=fid['margin_low'],
                    ssim_margin_high=fid['margin_high'],
                    positive_margin=fid['positive_margin'])
            if plain_best is not None:
                row['plain_reid_top1'] = plain_best['top1']
            out.append(row)
        return out
