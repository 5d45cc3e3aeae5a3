"""The options of an encryption run, checked, and the files it writes beside the output (report, key).

Everything here is decided before anything is written: a request that would lose a key or a source
file, or overwrite something that is not the tool's own, is refused with exit code 2.
"""
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, TextIO, Tuple

from mmppml.crypto.keyed_scramble import ScrambleKey, load_key, new_scramble_key
from .files import is_within
from .spec import EncryptionError, EncryptionSpec

# Caps on what one source may cost (both options of the tool).
MAX_FILE_BYTES = 256 * 2**20
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class RunOptions:
    """How a run encrypts a source into an output (see :func:`~mmppml.offline.encrypt_dataset`).

    Args:
        coco_ann (Path, optional): a COCO json; its encrypted version is written to
            ``output/annotations.json`` (never under its own name), images go to ``output/images``.
        key_file (Path, optional): a keyed-scramble key (see :mod:`mmppml.crypto.keyed_scramble`),
            applied after the encryption; outside the output.
        new_key (bool): create ``key_file`` (it must not exist) from OS entropy.
        keep_names (bool): keep file names (as .png) instead of replacing them with indices.
        workers (int): processes encrypting in parallel (>= 1).
        png_compression (int): 0-9, zlib level of the (lossless) PNG files.
        fsync (bool): flush each file to disk before renaming it (slow: several ms per file on
            common file systems). Without it, a power loss may leave empty files under final names,
            which a rerun redoes; either way everything is flushed before the copy is marked complete.
        progress_stream (TextIO, optional): where the progress line goes; None for silence.
        pause (float): seconds to wait before each rename (to test interrupted runs).
        follow_symlinks (bool): follow links that point outside the source too (links inside it
            are followed, except links to folders the source holds under their own name).
        max_file_bytes (int): larger source files are skipped and reported.
        max_pixels (int): images of more pixels (read from the header, before decoding) are
            skipped and reported.
        report_file (Path, optional): where the report naming skipped and ignored sources goes;
            default ``<output>.report.json`` beside the output; never inside the output or the
            source, never the key or the annotation file, an existing file only if it is an
            earlier report; a shard's has ``.shard-K-of-N`` before the suffix.
        shard (tuple[int, int], optional): (K, N): encrypt only shard K of N (see
            :mod:`mmppml.offline.shards`), resumable and locked on its own; the copy is complete
            after all N have finished and a run with ``merge``.
        merge (bool): check that every shard has finished, take in their journals, encrypt any
            source they skipped again (it is reported if it fails again), write the annotations,
            the report and the manifest (complete). Same options as the shards, without ``shard``.
    """
    coco_ann: Optional[Path] = None
    key_file: Optional[Path] = None
    new_key: bool = False
    keep_names: bool = False
    workers: int = 1
    png_compression: int = 1
    fsync: bool = False
    progress_stream: Optional[TextIO] = sys.stderr
    pause: float = 0.
    follow_symlinks: bool = False
    max_file_bytes: int = MAX_FILE_BYTES
    max_pixels: int = MAX_PIXELS
    report_file: Optional[Path] = None
    shard: Optional[Tuple[int, int]] = None
    merge: bool = False

    def __post_init__(self):
        for name in ('coco_ann', 'key_file', 'report_file'):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, Path(getattr(self, name)))
        for name, low in (('workers', 1), ('max_file_bytes', 1), ('max_pixels', 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise EncryptionError(f'{name} must be an integer >= {low}, got {value!r}')
        if not 0 <= self.png_compression <= 9:
            raise EncryptionError(f'png_compression must be in 0..9, got {self.png_compression}')
        if self.shard is not None:
            if self.merge:
                raise EncryptionError('--shard and --merge exclude each other: run the shards, then --merge alone')
            if self.new_key:
                raise EncryptionError('--new-key with --shard: every shard would draw its own key; create the key '
                                      'once first (see the README) and pass it with --key-file')


def default_report_path(output: Path) -> Path:
    """``<output>.report.json`` beside the output folder: the report names source files, so it is
    kept out of the folder that is handed over."""
    output = Path(os.path.abspath(output))
    return output.with_name(output.name + '.report.json')


def report_path(output: Path, report_file: Optional[os.PathLike], shard: Optional[Tuple[int, int]]) -> Path:
    """Where a run's report goes: ``report_file`` or the default, with ``.shard-K-of-N`` before the
    suffix for a shard (so that shards never write over each other's)."""
    path = Path(report_file) if report_file else default_report_path(output)
    if shard is None:
        return path
    return path.with_name(f'{path.stem}.shard-{shard[0]}-of-{shard[1]}{path.suffix}')


def _same_file(a: Path, b: Path) -> bool:
    a, b = a.resolve(), b.resolve()
    return a == b or (a.exists() and b.exists() and os.path.samefile(a, b))


def is_report(path: Path) -> bool:
    """Whether ``path`` holds a report this tool wrote (a rerun may write over it, nothing else)."""
    if not path.is_file():  # a FIFO or a device is never read
        return False
    try:
        report_obj = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return False
    return isinstance(report_obj, dict) and {'created', 'source', 'counts', 'skipped'} <= set(report_obj)


def check_written_files(source: Path, output: Path, report_file: Path, options: RunOptions) -> None:
    """Refuse a report or a new key aimed at the key, the annotations, the source, the output or a folder
    (exit code 2, before anything is written), so that no run can lose a key or a source file."""
    key_file, coco_ann = options.key_file, options.coco_ann
    if is_within(report_file.resolve(), output.resolve()):
        raise EncryptionError('the report must not be inside the output directory (it names source files)')
    if is_within(report_file.resolve(), source.resolve()):
        raise EncryptionError(f'the report {report_file} must not be inside the source directory')
    for what, other in (('key file', key_file), ('COCO annotation file', coco_ann)):
        if other is not None and _same_file(report_file, other):
            raise EncryptionError(f'the report {report_file} would overwrite the {what}: choose another --report')
    if report_file.is_dir():
        raise EncryptionError(f'the report {report_file} is a folder: give a file name')
    if not report_file.parent.is_dir():
        raise EncryptionError(f'the folder of the report {report_file} does not exist; create it first')
    if report_file.exists() and not is_report(report_file):
        raise EncryptionError(f'{report_file} exists and is not a report of this tool: choose another --report')
    if options.new_key and key_file is not None:
        if is_within(key_file.resolve(), source.resolve()):
            raise EncryptionError(f'the new key file {key_file} must not be inside the source directory')
        if coco_ann is not None and _same_file(key_file, coco_ann):
            raise EncryptionError('the key file must not be the COCO annotation file')


def check_pixel_cap(spec: EncryptionSpec, max_pixels: int) -> None:
    """Refuse a ``--resize`` or ``--short-side`` that makes every image larger than ``max_pixels`` (exit code 2;
    other images over the cap once resized are skipped and reported)."""
    if spec.resize is not None and spec.resize[0] * spec.resize[1] > max_pixels:
        raise EncryptionError(f'--resize {spec.resize[0]} {spec.resize[1]} makes every image '
                              f'{spec.resize[0] * spec.resize[1]} pixels, over the cap of {max_pixels} (--max-pixels)')
    if spec.short_side is not None and spec.short_side**2 > max_pixels:
        raise EncryptionError(f'--short-side {spec.short_side} makes every image at least {spec.short_side**2} '
                              f'pixels, over the cap of {max_pixels} (--max-pixels)')


def check_output_location(output: Path) -> None:
    """Refuse an output whose path runs through a file (exit code 2, before anything is written)."""
    for parent in [output, *output.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise EncryptionError(f'{"output" if parent == output else "a folder above the output"} '
                                      f'{parent} exists and is not a directory')
            return


def prepare_key(key_file: Optional[Path], new_key: bool, spec: EncryptionSpec, output: Path) -> Optional[ScrambleKey]:
    """The run's scramble key: none, a new one from OS entropy (``new_key``; written once the run
    holds the output), or the one in ``key_file``, checked against ``spec``."""
    if key_file is None:
        if new_key:
            raise EncryptionError('--new-key needs --key-file (where to write the new key)')
        return None
    if is_within(key_file.resolve(), output.resolve()):
        raise EncryptionError('the key file must not be inside the output directory (it is secret)')
    if new_key:
        if key_file.exists():
            raise EncryptionError(f'key file {key_file} exists; to resume a run or reuse the key, '
                                  'pass --key-file without --new-key')
        if not key_file.resolve().parent.is_dir():
            raise EncryptionError(f'the folder of the key file {key_file} does not exist; create it first')
        return new_scramble_key(spec.block_size, spec.channels)
    try:
        key = load_key(key_file)
    except (OSError, ValueError) as e:
        raise EncryptionError(f'cannot read key file {key_file}: {e}') from None
    if (key.block_size, key.channels) != (spec.block_size, spec.channels):
        raise EncryptionError(
            f'the key is for {key.block_size}x{key.block_size} blocks with {key.channels} channel(s), but mode '
            f'{spec.mode!r} needs {spec.block_size}x{spec.block_size} blocks (P for rs, S for mi and '
            f'rs-on-mi) with {spec.channels}')
    return key
