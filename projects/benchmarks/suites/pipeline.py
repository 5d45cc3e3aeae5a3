"""Share of the encryption in an mmpretrain training pipeline: the pipeline with it over without it,
per call and as data-loader throughput (:mod:`.loader`)."""
import tempfile
from pathlib import Path
from typing import List

import cv2
import numpy as np
from mmcv.transforms import Compose

from . import loader
from .rows import Row, ratio_row
from .timing import time_interleaved

# The encryption's share of the pipeline, by the source's format (decoding a PNG takes longer).
SHARE_TARGETS = dict(JPG=('<=', 1.02), PNG=('<=', 1.01))
ENCRYPTIONS = {
    'RS': dict(type='mmppml.RandomPatchShuffle', patch_size=16),
    'MI': dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=8),
    'RS-on-MI': dict(type='mmppml.ShuffledMixSubPatches', patch_size=16, sub_patch_size=8),
}


def build_pipeline(encryption=None) -> Compose:
    """LoadImageFromFile, RandomResizedCrop 224, RandomFlip, [encryption], PackInputs (mmpretrain)."""
    from mmpretrain.registry import TRANSFORMS
    cfgs = [
        dict(type='LoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=224),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    ] + ([encryption] if encryption else []) + [dict(type='PackInputs')]
    return Compose([TRANSFORMS.build(cfg) for cfg in cfgs])


def photo(quick: bool) -> np.ndarray:
    """A natural BGR photo of ImageNet size (600x400), or a small one in quick mode."""
    from skimage import data
    img = np.ascontiguousarray(data.coffee()[..., ::-1])
    return cv2.resize(img, (150, 100), interpolation=cv2.INTER_AREA) if quick else img


def run(cfg) -> List[Row]:
    import mmppml.datasets  # noqa: F401  registers the transforms
    img = photo(cfg.quick)
    rows = []
    with tempfile.TemporaryDirectory(prefix='mmppml_bench_') as tmp:
        for ext, params in (('jpg', [cv2.IMWRITE_JPEG_QUALITY, 90]), ('png', [cv2.IMWRITE_PNG_COMPRESSION, 3])):
            path = Path(tmp) / f'photo.{ext}'
            if not cv2.imwrite(str(path), img, params):
                raise RuntimeError(f'cannot write {path}')
            source = f'{img.shape[1]}x{img.shape[0]} {ext.upper()}'
            rows += compare_pipelines(cfg, str(path), source)
        pipelines = {'plain': build_pipeline(), **{name: build_pipeline(enc) for name, enc in ENCRYPTIONS.items()}}
        rows += loader.run(cfg, tmp, pipelines)
    return rows


def compare_pipelines(cfg, path: str, source: str) -> List[Row]:
    pipelines = {'plain': build_pipeline()}
    pipelines.update({name: build_pipeline(enc) for name, enc in ENCRYPTIONS.items()})
    candidates = {name: (lambda p=p: p(dict(img_path=path))) for name, p in pipelines.items()}

    def same_crops(round_index: int) -> None:
        # RandomResizedCrop and RandomFlip draw from NumPy's global generator: replay the same
        # crops and flips for every pipeline of a round. The encryptions never use it.
        np.random.seed(1000 + round_index)

    timings = time_interleaved(
        candidates, cfg.pipeline_repeats, min_round_s=cfg.min_round_s * 2, same_number=True, before_each=same_crops)
    return [
        ratio_row(
            'pipeline',
            f'pipeline + {name} / pipeline ({source}, RRC 224, flip, pack)',
            timings,
            name,
            'plain',
            SHARE_TARGETS[source.split()[-1]],
            image=source) for name in ENCRYPTIONS
    ]
