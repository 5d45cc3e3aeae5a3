"""Encrypt an image folder or a COCO set into a new directory: parallel, resumable, crash-safe.

Every output is written under a temporary name and renamed when complete, so an interrupted run
leaves only whole files (and temporaries that the next run deletes); rerunning the same command
skips what is done. The COCO annotation file, the report and the manifest are written last.
"""
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, TextIO, Tuple

import cv2

from mmppml.crypto.keyed_scramble import ScrambleKey, load_key, new_scramble_key, save_key
from . import coco as coco_utils
from .files import (check_paths, fingerprint, is_done, is_within, list_images, output_names,
                    remove_temp_files, write_atomic, write_json_atomic)
from .image_ops import decode_image, encode_png, encrypt_image
from .manifest import MANIFEST_NAME, REPORT_NAME, check_resume, new_manifest, now, report
from .progress import Progress
from .spec import EncryptionError, EncryptionSpec

COCO_IMAGE_DIR = 'images'


@dataclass
class Summary:
    """What a run did. ``skipped`` lists ``{'file': relative source path, 'reason': str}``."""
    sources: int
    done_before: int = 0
    encrypted: int = 0
    skipped: List[dict] = field(default_factory=list)
    temp_files_removed: int = 0
    seconds: float = 0.

    @property
    def exit_code(self) -> int:
        """0 when every source has an output, 3 when some were skipped."""
        return 3 if self.skipped else 0

    def lines(self) -> List[str]:
        rate = self.encrypted / self.seconds if self.seconds > 0 else 0.
        out = [f'sources: {self.sources}, already done: {self.done_before}, encrypted now: {self.encrypted} '
               f'in {self.seconds:.1f} s ({rate:.1f} img/s), skipped: {len(self.skipped)}']
        if self.temp_files_removed:
            out.append(f'removed {self.temp_files_removed} temporary file(s) left by an interrupted run')
        out += [f'  skipped {s["file"]}: {s["reason"]}' for s in self.skipped[:10]]
        if len(self.skipped) > 10:
            out.append(f'  ... {len(self.skipped) - 10} more in {REPORT_NAME}')
        return out


# State of a worker process, set once by _init_worker.
_WORKER: dict = {}


def _init_worker(spec: EncryptionSpec, key: Optional[ScrambleKey], source: Path, target: Path,
                 png_compression: int, fsync: bool, pause: float) -> None:
    cv2.setNumThreads(1)
    _WORKER.update(spec=spec, key=key, source=source, target=target, png_compression=png_compression,
                   fsync=fsync, pause=pause)


def _scrub(message: str) -> str:
    """Remove the source and output locations from an error message (the report is handed over)."""
    for root in (_WORKER['source'], _WORKER['target']):
        message = message.replace(str(root.resolve()), '<dir>').replace(str(root), '<dir>')
    return message


def _encrypt_one(task: Tuple[str, str, Optional[Tuple[int, int]]]) -> Tuple[str, Optional[str]]:
    """Encrypt one source file; return (source, None) or (source, reason it was skipped)."""
    src, dst, expected_hw = task
    w = _WORKER
    try:
        img = decode_image((w['source'] / src).read_bytes(), w['spec'].grayscale)
        if expected_hw is not None and tuple(img.shape[:2]) != tuple(expected_hw):
            raise EncryptionError(f'the annotation file says {expected_hw[1]}x{expected_hw[0]} (WxH) but the '
                                  f'image is {img.shape[1]}x{img.shape[0]}')
        png = encode_png(encrypt_image(img, w['spec'], w['key']), w['png_compression'])
        out = w['target'] / dst
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, png, fsync=w['fsync'], pause=w['pause'])
        return src, None
    except EncryptionError as e:
        return src, str(e)
    except OSError as e:
        return src, f'cannot read or write the file: {e.strerror or type(e).__name__}'
    except Exception as e:  # a bad file must not stop the run; it is reported
        return src, _scrub(f'{type(e).__name__}: {e}')


def _prepare_key(key_file: Optional[Path], new_key: bool, spec: EncryptionSpec,
                 output: Path) -> Optional[ScrambleKey]:
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
        return new_scramble_key(spec.block_size, spec.channels)
    try:
        key = load_key(key_file)
    except (OSError, ValueError, KeyError) as e:
        raise EncryptionError(f'cannot read key file {key_file}: {e}') from None
    if (key.block_size, key.channels) != (spec.block_size, spec.channels):
        raise EncryptionError(
            f'the key is for {key.block_size}x{key.block_size} blocks with {key.channels} channel(s), but mode '
            f'{spec.mode!r} needs {spec.block_size}x{spec.block_size} blocks (P for rs, S for mi and '
            f'rs-on-mi) with {spec.channels}')
    return key


def _run_tasks(tasks: list, workers: int, init_args: tuple, progress: Progress) -> Tuple[int, List[dict]]:
    """Encrypt ``tasks`` in ``workers`` processes (0 or 1: in this process)."""
    encrypted, skipped = 0, []

    def collect(result):
        nonlocal encrypted
        src, reason = result
        if reason is None:
            encrypted += 1
        else:
            skipped.append({'file': src, 'reason': reason})
        progress.update()

    if workers <= 1:
        _init_worker(*init_args)
        for task in tasks:
            collect(_encrypt_one(task))
    else:
        chunk = max(1, min(32, len(tasks) // (workers * 16)))
        with multiprocessing.Pool(workers, _init_worker, init_args) as pool:
            for result in pool.imap_unordered(_encrypt_one, tasks, chunksize=chunk):
                collect(result)
    progress.close()
    return encrypted, sorted(skipped, key=lambda s: s['file'])


def _plan_sources(source: Path, output: Path, spec: EncryptionSpec, coco_ann: Optional[Path],
                  keep_names: bool) -> dict:
    """Sources and their output names, the expected image sizes (COCO) and where outputs go."""
    if coco_ann is None:
        names = output_names(list_images(source), keep_names)
        plan = dict(names=names, sizes={}, target=output, layout='image-folder', coco=None)
    else:
        if is_within(coco_ann.resolve(), output.resolve()):
            raise EncryptionError('the source annotation file must not be inside the output directory')
        if coco_ann.name in (MANIFEST_NAME, REPORT_NAME):
            raise EncryptionError(f'the annotation file must not be named {coco_ann.name} (reserved)')
        coco = coco_utils.load_coco(coco_ann)
        coco_utils.check_coco_mode(coco, spec)
        sizes = {img['file_name']: (int(img['height']), int(img['width'])) for img in coco['images']}
        plan = dict(names=coco_utils.coco_output_names(coco, keep_names), sizes=sizes,
                    target=output / COCO_IMAGE_DIR, layout='coco', coco=coco)
    if not plan['names']:
        raise EncryptionError(f'no images found in {source} (extensions: png, jpg, jpeg, bmp, tif, webp, ...)')
    return plan


def encrypt_dataset(source: os.PathLike,
                    output: os.PathLike,
                    spec: EncryptionSpec,
                    coco_ann: Optional[os.PathLike] = None,
                    key_file: Optional[os.PathLike] = None,
                    new_key: bool = False,
                    keep_names: bool = False,
                    workers: int = 1,
                    png_compression: int = 1,
                    fsync: bool = False,
                    progress_stream: Optional[TextIO] = sys.stderr,
                    pause: float = 0.) -> Summary:
    """Encrypt every image of ``source`` into ``output`` as PNG.

    Args:
        source (PathLike): an image folder (class subfolders are kept: labels follow the folders),
            or with ``coco_ann`` the folder the COCO ``file_name`` entries are relative to.
        output (PathLike): a new or empty directory, or one an interrupted run with the same settings
            left (it is resumed). Never inside ``source``.
        spec (EncryptionSpec): the encryption.
        coco_ann (PathLike, optional): a COCO json; its encrypted version is written to ``output``
            under the same name, images go to ``output/images``.
        key_file (PathLike, optional): a keyed-scramble key (see
            :mod:`mmppml.crypto.keyed_scramble`), applied after the encryption; outside ``output``.
        new_key (bool): create ``key_file`` (it must not exist) from OS entropy.
        keep_names (bool): keep file names (as .png) instead of replacing them with indices.
        workers (int): processes encrypting in parallel.
        png_compression (int): 0-9, zlib level of the (lossless) PNG files.
        fsync (bool): flush each file to disk before renaming it (slow: several ms per file on
            common file systems). Without it, a power loss may leave empty files under final names,
            which a rerun redoes; either way everything is flushed before the copy is marked complete.
        progress_stream (TextIO, optional): where the progress line goes; None for silence.
        pause (float): seconds to wait before each rename (to test interrupted runs).

    Returns:
        Summary: counts and skipped files; the same is in ``output/encryption_report.json``.
    """
    start = time.monotonic()
    source, output = Path(source), Path(output)
    if not source.is_dir():
        raise EncryptionError(f'source directory {source} does not exist')
    check_paths(source, output)
    if not 0 <= png_compression <= 9:
        raise EncryptionError(f'png_compression must be in 0..9, got {png_compression}')
    key = _prepare_key(Path(key_file) if key_file else None, new_key, spec, output)

    plan = _plan_sources(source, output, spec, Path(coco_ann) if coco_ann else None, keep_names)
    names, target = plan['names'], plan['target']
    manifest = new_manifest(spec, plan['layout'], keep_names, key and key.key_id, fingerprint(list(names)),
                            len(names), coco_ann and Path(coco_ann).name)
    earlier = check_resume(output, manifest)
    if earlier is not None:
        manifest['created'] = earlier['created']
    if new_key:
        save_key(key_file, key)
    output.mkdir(parents=True, exist_ok=True)
    summary = Summary(sources=len(names), temp_files_removed=remove_temp_files(output))
    write_json_atomic(output / MANIFEST_NAME, manifest, fsync)

    tasks = [(src, dst, plan['sizes'].get(src)) for src, dst in names.items() if not is_done(target / dst)]
    summary.done_before = len(names) - len(tasks)
    init_args = (spec, key, source, target, png_compression, fsync, pause)
    summary.encrypted, summary.skipped = _run_tasks(tasks, workers, init_args,
                                                    Progress(len(tasks), progress_stream))

    done = {src for src, dst in names.items() if is_done(target / dst)}
    if plan['coco'] is not None:
        write_json_atomic(output / Path(coco_ann).name, coco_utils.encrypted_coco(plan['coco'], spec, names, done),
                          fsync)
    summary.seconds = time.monotonic() - start
    counts = {'sources': len(names), 'encrypted': len(done), 'skipped': len(summary.skipped)}
    write_json_atomic(output / REPORT_NAME, report(summary.skipped, counts), fsync)
    if hasattr(os, 'sync'):
        os.sync()  # all outputs on disk before the manifest says the copy is complete
    manifest.update(complete=True, completed=now(), counts=counts)
    if plan['layout'] == 'image-folder':
        manifest['counts']['classes'] = len({Path(n).parent.as_posix() for n in names.values()} - {'.'})
    write_json_atomic(output / MANIFEST_NAME, manifest, fsync)
    return summary
