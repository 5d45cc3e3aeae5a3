"""Public images for the attacks, all available offline: photos bundled with scikit-image
(``skimage.data``), split into images the attacks are scored on and images an attacker may train on;
the two sets share no scene."""
from typing import Dict, List, Sequence

import numpy as np

from mmppml.crypto import center_square, round_to_uint8

# Scored photos (people, animals, objects, outdoor scenes) and disjoint training photos.
TEST_PHOTOS = ('astronaut', 'coffee', 'chelsea', 'rocket', 'motorcycle', 'immunohistochemistry', 'camera', 'coins')
TRAIN_PHOTOS = ('hubble_deep_field', 'retina', 'moon', 'brick', 'grass', 'gravel', 'cell', 'clock', 'page', 'text',
                'colorwheel', 'microaneurysms')


def load_photo(name: str) -> np.ndarray:
    """A ``skimage.data`` photo as (H, W, 3) uint8 (gray images repeated, alpha dropped)."""
    from skimage import data
    if name == 'motorcycle':
        img = data.stereo_motorcycle()[0]
    else:
        loader = getattr(data, name, None)
        if loader is None:
            raise ValueError(f'skimage.data has no image {name!r}')
        img = loader()
    img = np.asarray(img)
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return np.ascontiguousarray(img[..., :3]).astype(np.uint8)


def square_resize(img: np.ndarray, size: int) -> np.ndarray:
    """Centre square crop, then resize (anti-aliased) to ``size x size``; keeps uint8."""
    from skimage.transform import resize
    crop = center_square(img)
    out = resize(crop, (size, size), anti_aliasing=crop.shape[0] > size, preserve_range=True)
    return round_to_uint8(out)


def test_photos(size: int, names: Sequence[str] = TEST_PHOTOS) -> Dict[str, np.ndarray]:
    """The scored photos at ``size x size``."""
    return {name: square_resize(load_photo(name), size) for name in names}


class RandomCrops:
    """Random square crops at random scales from a set of photos.

    Args:
        names (Sequence[str]): ``skimage.data`` names.
        size (int): side of the returned crops.
        seed (int): for reproducible sampling.
        max_zoom_out (float): a crop covers between ``size`` and ``max_zoom_out * size`` source pixels
            (bounded by the photo) before it is resized to ``size``.
    """

    def __init__(self, names: Sequence[str], size: int, seed: int = 0, max_zoom_out: float = 3.0):
        self.photos: List[np.ndarray] = [load_photo(n) for n in names]
        self.size = size
        self.max_zoom_out = max_zoom_out
        self.rng = np.random.default_rng(seed)

    def __call__(self) -> np.ndarray:
        from skimage.transform import resize
        img = self.photos[self.rng.integers(len(self.photos))]
        h, w = img.shape[:2]
        low = min(self.size, h, w)
        high = max(low, min(h, w, int(self.size * self.max_zoom_out)))
        s = int(self.rng.integers(low, high + 1))
        y, x = self.rng.integers(0, h - s + 1), self.rng.integers(0, w - s + 1)
        crop = img[y:y + s, x:x + s]
        if self.rng.random() < 0.5:
            crop = crop[:, ::-1]
        if s != self.size:
            crop = round_to_uint8(
                resize(crop, (self.size, self.size), anti_aliasing=s > self.size, preserve_range=True))
        return np.ascontiguousarray(crop).astype(np.uint8)

    def batch(self, n: int) -> np.ndarray:
        """(n, size, size, 3) uint8."""
        return np.stack([self() for _ in range(n)])
