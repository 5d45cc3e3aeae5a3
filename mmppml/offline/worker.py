"""Encrypting the sources of a run, one file per task, in worker processes that die with the run."""
import hashlib
import multiprocessing
import os
import signal
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import List, Optional, Tuple

import cv2

from mmppml.crypto.keyed_scramble import ScrambleKey
from .files import Journal, read_source, write_atomic
from .image_ops import decode_image, encode_png, encrypt_image, read_header
from .progress import Progress
from .spec import EncryptionError, EncryptionSpec, OutputError
from .summary import Summary

# (source name, output name relative to the output folder, (H, W) the annotation file gives or None)
Task = Tuple[str, str, Optional[Tuple[int, int]]]


@dataclass(frozen=True)
class WorkerConfig:
    """What every task of a run shares (sent to each worker with its tasks).

    Args:
        spec (EncryptionSpec): the encryption.
        key (ScrambleKey, optional): the keyed scramble applied after it.
        source (Path): the source folder task names are relative to.
        output (Path): the output folder output names are relative to.
        png_compression (int): 0-9.
        fsync (bool): flush each file before its rename.
        pause (float): seconds before each rename (tests interrupt runs there).
        max_file_bytes (int): larger sources are skipped.
        max_pixels (int): sources of more pixels (by their header) are skipped.
        temp_prefix (str): prefix of this run's (or shard's) temporary files.
    """
    spec: EncryptionSpec
    key: Optional[ScrambleKey]
    source: Path
    output: Path
    png_compression: int
    fsync: bool
    pause: float
    max_file_bytes: int
    max_pixels: int
    temp_prefix: str

    def scrub(self, message: str) -> str:
        """``message`` without the source and output locations (reports get shared)."""
        for root in (self.source, self.output):
            message = message.replace(str(root.resolve()), '<dir>').replace(str(root), '<dir>')
        return message


def encrypt_one(config: WorkerConfig, task: Task) -> dict:
    """Encrypt one source file.

    Returns:
        dict: ``src``, ``dst``, and either ``reason`` (why it was skipped) or the written file's
        ``sha256`` and ``size``, with ``losses`` (see :func:`~mmppml.offline.image_ops.read_header`).

    Raises:
        OutputError: the output cannot be written; the whole run stops.
    """
    src, dst, expected_hw = task
    result = dict(src=src, dst=dst)
    try:
        data = read_source(config.source / src, config.max_file_bytes)
        losses = read_header(data, config.max_pixels)
        img = decode_image(data, config.spec.grayscale)
        if expected_hw is not None and tuple(img.shape[:2]) != tuple(expected_hw):
            raise EncryptionError(f'the annotation file says {expected_hw[1]}x{expected_hw[0]} (WxH) but the '
                                  f'image is {img.shape[1]}x{img.shape[0]}')
        png = encode_png(encrypt_image(img, config.spec, config.key), config.png_compression)
    except EncryptionError as e:
        return dict(result, reason=str(e))
    except OSError as e:
        return dict(result, reason=f'cannot read the file: {e.strerror or type(e).__name__}')
    except Exception as e:  # a bad file must not stop the run; it is reported
        return dict(result, reason=config.scrub(f'{type(e).__name__}: {e}'))
    out = config.output / dst
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, png, fsync=config.fsync, pause=config.pause, prefix=config.temp_prefix)
    except OSError as e:
        raise OutputError(f'cannot write the output {dst}: {e.strerror or type(e).__name__}') from None
    return dict(result, sha256=hashlib.sha256(png).hexdigest(), size=len(png), losses=losses)


def _start_worker(parent_pid: Optional[int]) -> None:
    """Run in each worker: one OpenCV thread, and end when the run that started it ends, even by
    SIGKILL (Linux)."""
    cv2.setNumThreads(1)
    if parent_pid is None:
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def run_tasks(tasks: List[Task], workers: int, config: WorkerConfig, journal: Journal, summary: Summary,
              progress: Progress) -> None:
    """Encrypt ``tasks`` in ``workers`` processes (1: in this process); record each in the journal."""

    def collect(result: dict) -> None:
        if 'reason' in result:
            summary.skipped.append({'file': result['src'], 'reason': result['reason']})
        else:
            journal.add(result['dst'], result['sha256'], result['size'])
            summary.encrypted += 1
            for loss in result['losses']:
                summary.lossy.setdefault(loss, []).append(result['src'])
        progress.update()

    try:
        if workers <= 1:
            _start_worker(None)
            for task in tasks:
                collect(encrypt_one(config, task))
        else:
            chunk = max(1, min(32, len(tasks) // (workers * 16)))
            with multiprocessing.Pool(workers, _start_worker, (os.getpid(), )) as pool:
                for result in pool.imap_unordered(partial(encrypt_one, config), tasks, chunksize=chunk):
                    collect(result)
    finally:
        progress.close()
        journal.close()
    summary.skipped.sort(key=lambda s: s['file'])
