"""Save a labelled grid of plain and encrypted pictures (one row per picture, one column per method).

Examples:
    # scikit-image's sample photos (no download), 224 px, P=16, S=8
    python tools/visualization/visualize_encryption.py --out work_dirs/encryption_grid.png

    # your own pictures, or the first pictures of a folder
    python tools/visualization/visualize_encryption.py img1.jpg img2.png --methods plain rs mi rs-on-mi
    python tools/visualization/visualize_encryption.py data/photos --max-images 4 --patch-size 32 --sub-patch-size 8

The permutations and key are drawn from ``--seed`` when given, so that a figure can be redrawn;
that is for illustration only (a seeded encryption is not secret).
"""
import argparse
import os
import os.path as osp
from typing import List, Tuple

import cv2
import numpy as np

from mmppml.crypto import center_square, encrypt, new_rng, round_to_uint8
from mmppml.crypto.keyed_scramble import apply_scramble, new_scramble_key
from mmppml.offline.files import IMAGE_EXTENSIONS
from mmppml.visualization import make_image_grid, save_png

SAMPLE_PHOTOS = ('astronaut', 'coffee', 'chelsea')
METHODS = ('plain', 'rs', 'mi', 'rs-on-mi', 'keyed-rs', 'keyed-rs-on-mi')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Grid of plain and encrypted pictures', formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('inputs', nargs='*', help='image files or folders (default: scikit-image sample photos)')
    parser.add_argument('--out', default='work_dirs/encryption_grid.png', help='output PNG')
    parser.add_argument(
        '--methods',
        nargs='+',
        default=['plain', 'rs', 'mi', 'rs-on-mi', 'keyed-rs'],
        choices=METHODS,
        help='columns, in order')
    parser.add_argument('--size', type=int, default=224, help='centre square crop resized to this side')
    parser.add_argument('--patch-size', '-P', type=int, default=16, help='P')
    parser.add_argument('--sub-patch-size', '-S', type=int, default=8, help='S (MI, RS-on-MI)')
    parser.add_argument('--max-images', type=int, default=6, help='rows at most')
    parser.add_argument('--cell-size', type=int, default=192, help='pixels per cell')
    parser.add_argument('--seed', type=int, help='reproducible figure (insecure; illustration only)')
    return parser.parse_args()


def load_pictures(inputs: List[str], max_images: int) -> List[Tuple[str, np.ndarray]]:
    """(name, RGB uint8 image) for the inputs, or scikit-image's sample photos when none are given."""
    if not inputs:
        from skimage import data
        return [(name, getattr(data, name)()) for name in SAMPLE_PHOTOS][:max_images]
    files = []
    for path in inputs:
        if osp.isdir(path):
            files += sorted(osp.join(path, f) for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTENSIONS))
        else:
            files.append(path)
    pictures = []
    for path in files[:max_images]:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise SystemExit(f'error: cannot read image {path}')
        pictures.append((osp.splitext(osp.basename(path))[0], img[..., ::-1]))
    if not pictures:
        raise SystemExit('error: no images found in the inputs')
    return pictures


def square(img: np.ndarray, size: int) -> np.ndarray:
    """Centre square crop resized to ``size x size``."""
    return cv2.resize(np.ascontiguousarray(center_square(img)), (size, size), interpolation=cv2.INTER_AREA)


def encrypt_columns(img: np.ndarray, methods: List[str], p: int, s: int, rng: np.random.Generator,
                    keys: dict) -> List[np.ndarray]:
    """One encrypted version of ``img`` per method; MI outputs are rounded to uint8."""
    out = []
    for method in methods:
        if method == 'plain':
            out.append(img)
            continue
        mode = method[len('keyed-'):] if method.startswith('keyed-') else method
        enc = round_to_uint8(encrypt(img, mode, p, s, rng))
        out.append(apply_scramble(enc, keys[p if mode == 'rs' else s]) if mode != method else enc)
    return out


def column_label(method: str, p: int, s: int) -> str:
    shrink = f'(size/{p // s})'
    return {
        'plain': 'plain',
        'rs': f'RS P={p}',
        'mi': f'MI {p}/{s} {shrink}',
        'rs-on-mi': f'RS-on-MI {p}/{s} {shrink}',
        'keyed-rs': f'keyed RS P={p}',
        'keyed-rs-on-mi': f'keyed RS-on-MI {shrink}'
    }[method]


def main() -> None:
    args = parse_args()
    p, s = args.patch_size, args.sub_patch_size
    if args.size % p or p % s:
        raise SystemExit(f'error: --size ({args.size}) must be a multiple of P ({p}) and S ({s}) must divide P')
    rng = new_rng(args.seed)
    keys = {b: new_scramble_key(b, 3, rng) for b in {p, s}}
    pictures = load_pictures(args.inputs, args.max_images)
    rows = [encrypt_columns(square(img, args.size), args.methods, p, s, rng, keys) for _, img in pictures]
    grid = make_image_grid(
        rows, [name for name, _ in pictures], [column_label(m, p, s) for m in args.methods], cell_size=args.cell_size)
    save_png(args.out, grid)
    print(f'saved {args.out} ({grid.shape[1]}x{grid.shape[0]} px)')


if __name__ == '__main__':
    main()
