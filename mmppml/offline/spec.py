"""What an offline encryption does to each image: resize, block alignment, method, optional key."""
from dataclasses import asdict, dataclass
from typing import Optional, Tuple

from mmppml.crypto import MODE_TABLE, SIZE_MISMATCH_MODES, Mode, aligned_size, check_shuffle_grid, get_mode


class EncryptionError(ValueError):
    """A problem with the request (arguments, paths, dataset) found before or while encrypting."""
    exit_code = 2


class OutputError(EncryptionError):
    """The output cannot be written (read-only, disk full, I/O error): the run stops."""
    exit_code = 4


class LockedError(EncryptionError):
    """Another run holds the output directory."""
    exit_code = 5


@dataclass(frozen=True)
class EncryptionSpec:
    """The encryption applied to every image.

    Args:
        mode (str): ``'rs'`` (shuffle P x P patches), ``'mi'`` (mix S x S sub-patches of each P x P
            patch), ``'rs-on-mi'`` (MI, then shuffle the S x S mixed blocks), or another mode of
            :data:`~mmppml.crypto.MODE_TABLE` marked ``offline`` (one with a ``content``).
        patch_size (int): the patch size P.
        sub_patch_size (int, optional): S, a divisor of P; required for ``'mi'`` and ``'rs-on-mi'``.
        resize (tuple[int, int], optional): (H, W) every image is resized to first; multiples of P.
        short_side (int, optional): alternatively, resize the short side to this multiple of P and
            the long side to the nearest multiple of P (aspect ratio kept within P/2 pixels).
        size_mismatch (str): for images whose size is not a multiple of P (after any resize):
            ``'error'`` skips and reports them, ``'crop'`` crops bottom/right, ``'pad'`` pads
            bottom/right with zeros.
        grayscale (bool): decode as one channel instead of three.
    """
    mode: str
    patch_size: int
    sub_patch_size: Optional[int] = None
    resize: Optional[Tuple[int, int]] = None
    short_side: Optional[int] = None
    size_mismatch: str = 'error'
    grayscale: bool = False

    def __post_init__(self):
        try:
            get_mode(self.mode, offline=True).check_sizes(self.patch_size, self.sub_patch_size)
        except ValueError as e:
            raise EncryptionError(str(e)) from None
        if self.resize is not None and self.short_side is not None:
            raise EncryptionError('give either resize (H, W) or short_side, not both')
        if self.resize is not None:
            if len(self.resize) != 2:
                raise EncryptionError(f'resize must be (H, W), got {self.resize!r}')
            for name, v in zip(('height', 'width'), self.resize):
                self._check_multiple(f'resize {name}', v)
            object.__setattr__(self, 'resize', tuple(int(v) for v in self.resize))
        if self.short_side is not None:
            self._check_multiple('short_side', self.short_side)
        if self.size_mismatch not in SIZE_MISMATCH_MODES:
            raise EncryptionError(f'size_mismatch must be one of {SIZE_MISMATCH_MODES}, got {self.size_mismatch!r}')
        if self.resize is not None and self.record.shuffles:
            self.check_shuffle_grid(*self.resize)

    def check_shuffle_grid(self, height: int, width: int) -> None:
        """Refuse (aligned) sizes with too few blocks for RS / RS-on-MI to hide anything."""
        p = self.patch_size
        try:
            check_shuffle_grid((height // p, width // p), p)
        except ValueError as e:
            raise EncryptionError(f'{height}x{width} (HxW) images: {e}') from None

    def _check_multiple(self, name: str, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise EncryptionError(f'{name} must be a positive integer, got {value!r}')
        if value % self.patch_size:
            lower = value - value % self.patch_size
            raise EncryptionError(f'{name}={value} is not a multiple of patch_size={self.patch_size} '
                                  f'(nearest: {lower or self.patch_size} or {lower + self.patch_size})')

    @property
    def record(self) -> Mode:
        """The mode's record in :data:`~mmppml.crypto.MODE_TABLE`."""
        return MODE_TABLE[self.mode]

    @property
    def block_size(self) -> int:
        """The side of the blocks a scramble key applies to, P for RS and S for MI and RS-on-MI."""
        return self.record.block_size(self.patch_size, self.sub_patch_size)

    @property
    def shrink(self) -> int:
        """r = P / S for MI and RS-on-MI (the output is r times smaller), 1 for RS."""
        return self.record.shrink(self.patch_size, self.sub_patch_size)

    @property
    def channels(self) -> int:
        return 1 if self.grayscale else 3

    @property
    def keeps_layout(self) -> bool:
        """Whether boxes keep their meaning (MI only)."""
        return self.record.keeps_layout

    def resized_size(self, height: int, width: int) -> Tuple[int, int]:
        """(H, W) after the optional resize of a ``height x width`` image."""
        if self.resize is not None:
            return self.resize
        if self.short_side is None:
            return height, width
        p, short = self.patch_size, self.short_side
        if height <= width:
            return short, max(p, round(width * short / height / p) * p)
        return max(p, round(height * short / width / p) * p), short

    def aligned_size(self, height: int, width: int) -> Tuple[int, int]:
        """(H, W) after resize and block alignment; raises EncryptionError for 'error' mismatches."""
        try:
            return aligned_size(*self.resized_size(height, width), self.patch_size, self.size_mismatch)
        except ValueError as e:
            hint = '' if self.size_mismatch == 'crop' else '; use --resize or --size-mismatch crop|pad'
            raise EncryptionError(f'{e}{hint}') from None

    def output_size(self, height: int, width: int) -> Tuple[int, int]:
        """(H, W) of the encrypted image made from a ``height x width`` image."""
        h, w = self.aligned_size(height, width)
        return h // self.shrink, w // self.shrink

    def to_dict(self) -> dict:
        d = asdict(self)
        d['resize'] = list(self.resize) if self.resize else None
        return d
