"""Encrypting the sources of a run, one file per task, in worker processes that die with the run.

The workers form a ``concurrent.futures.ProcessPoolExecutor``: a worker that dies (killed, e.g. by the
out-of-memory killer) breaks the pool, which stops the run with exit code 4 instead of waiting forever
for its images; the rerun redoes them. Workers ignore Ctrl-C: the run stops them and exits 130.
"""
import hashlib
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import cv2

from mmppml.crypto.keyed_scramble import ScrambleKey
from .files import Journal, read_source, write_output
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


def check_pixels(spec: EncryptionSpec, height: int, width: int, max_pixels: int) -> None:
    """Refuse an image that ``spec`` would resize (and align) to more than ``max_pixels`` pixels, before
    resizing it: the cap holds for what is decoded and for what is made and written."""
    sizes = [spec.resized_size(height, width)]
    try:
        sizes.append(spec.aligned_size(height, width))
    except EncryptionError:
        pass  # a size it cannot align is refused when it is prepared
    h, w = max(sizes, key=lambda hw: hw[0] * hw[1])
    if h * w > max_pixels:
        raise EncryptionError(f'the {width}x{height} (WxH) image would be resized to {w}x{h}, {w * h} pixels, '
                              f'over the cap of {max_pixels} (--max-pixels)')


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
        check_pixels(config.spec, *img.shape[:2], config.max_pixels)
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
    try:
        write_output(config.output, dst, png, fsync=config.fsync, pause=config.pause, prefix=config.temp_prefix)
    except OSError as e:
        raise OutputError(f'cannot write the output {dst}: {e.strerror or type(e).__name__}') from None
    except EncryptionError as e:  # a link on the way, put there while the run writes
        raise OutputError(str(e)) from None
    return dict(result, sha256=hashlib.sha256(png).hexdigest(), size=len(png), losses=losses)


# The run's configuration in a worker process (set once, by the pool's initializer).
_CONFIG: Optional[WorkerConfig] = None


def _start_worker(parent_pid: Optional[int], config: Optional[WorkerConfig] = None) -> None:
    """Run in each worker: one OpenCV thread, Ctrl-C left to the run, and end when the run that started
    it ends, even by SIGKILL (Linux)."""
    global _CONFIG
    _CONFIG = config
    cv2.setNumThreads(1)
    if parent_pid is None:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _encrypt_chunk(tasks: List[Task]) -> List[dict]:
    """Run in a worker: encrypt ``tasks`` with the run's configuration."""
    return [encrypt_one(_CONFIG, task) for task in tasks]


def _stop_pool(pool: ProcessPoolExecutor, kill: bool) -> None:
    """Shut ``pool`` down: wait for its workers, or (``kill``: the run is stopping) end them first."""
    if not kill:
        pool.shutdown(wait=True)
        return
    workers = list((getattr(pool, '_processes', None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.kill()  # a temporary file it leaves is removed by the next run
    for worker in workers:
        worker.join(5)


def _run_pool(tasks: List[Task], workers: int, config: WorkerConfig, collect: Callable[[dict], None]) -> None:
    """Encrypt ``tasks`` in ``workers`` processes, a few chunks in flight at a time."""
    size = max(1, min(32, len(tasks) // (workers * 16)))
    chunks = (tasks[i:i + size] for i in range(0, len(tasks), size))
    pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(os.getpid(), config))
    pending, stopped = set(), True

    def collect_some() -> None:
        nonlocal pending
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            for result in future.result():
                collect(result)

    try:
        for chunk in chunks:
            pending.add(pool.submit(_encrypt_chunk, chunk))
            if len(pending) >= 2 * workers:
                collect_some()
        while pending:
            collect_some()
        stopped = False
    except BrokenProcessPool:
        raise OutputError('a worker process died (killed, e.g. by the out-of-memory killer), so the run stopped; '
                          'what it wrote is kept: rerun the same command to resume (with fewer --workers if memory '
                          'is short)') from None
    finally:
        _stop_pool(pool, kill=stopped)


def run_tasks(tasks: List[Task], workers: int, config: WorkerConfig, journal: Journal, summary: Summary,
              progress: Progress) -> None:
    """Encrypt ``tasks`` in ``workers`` processes (1: in this process); record each, with its losses, in the
    journal.

    Raises:
        OutputError: an output cannot be written, or a worker process died.
    """

    def collect(result: dict) -> None:
        if 'reason' in result:
            summary.skipped.append({'file': result['src'], 'reason': result['reason']})
        else:
            journal.add(result['dst'], result['sha256'], result['size'], result['losses'])
            summary.encrypted += 1
        progress.update()

    try:
        if workers <= 1:
            _start_worker(None)
            for task in tasks:
                collect(encrypt_one(config, task))
        else:
            _run_pool(tasks, workers, config, collect)
    finally:
        progress.close()
        journal.close()
    summary.skipped.sort(key=lambda s: s['file'])
