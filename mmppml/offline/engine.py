"""Encrypt an image folder or a COCO set into a new directory: parallel, resumable, crash-safe.

Every output is written under a temporary name and renamed when complete, so an interrupted run
leaves only whole files (and temporaries that the next run deletes); rerunning the same command
skips what is done, as recorded with its checksum in the journal. One run at a time holds the
output (a lock), and workers die with the run that started them. The COCO annotation file, the
report and the manifest are written last.
"""
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, TextIO, Tuple

import cv2

from mmppml.crypto.keyed_scramble import ScrambleKey, load_key, new_scramble_key, save_key
from . import coco as coco_utils
from .files import (TEMP_PREFIX, Journal, check_paths, find_temp_files, fingerprint, is_within, list_images,
                    output_names, read_source, remove_temp_files, write_atomic, write_json_atomic)
from .coco_check import check_coco
from .image_ops import decode_image, encode_png, encrypt_image, read_header
from .lock import LOCK_NAME, OutputLock
from .manifest import MANIFEST_NAME, check_resume, new_manifest, now, report
from .progress import Progress
from .shards import (check_shards_finished, merge_journals, remove_shard_files, shard_names, shard_states, shard_tasks,
                     write_state)
from .spec import EncryptionError, EncryptionSpec, OutputError

COCO_IMAGE_DIR = 'images'
# Caps on what one source may cost (both options of the tool).
MAX_FILE_BYTES = 256 * 2**20
MAX_PIXELS = 100_000_000
# What decoding to 8-bit loses, as said in the summary.
LOSS_NOTES = {
    'alpha': 'alpha channel dropped',
    '16-bit': 'more than 8 bits per channel reduced to 8',
    'frames': 'first frame kept, the other frames dropped'
}
# Names the tool writes at the top of the output folder (hidden run files aside).
RESERVED_NAMES = (MANIFEST_NAME, )


@dataclass
class Summary:
    """What a run did.

    ``skipped`` lists ``{'file': relative source path, 'reason': str}`` for images that were not
    encrypted, ``ignored`` the same for entries of the source that are not images to encrypt
    (hidden, other types, links not followed), ``lossy`` maps each of :data:`LOSS_NOTES` to the
    sources that lost it in decoding, ``annotations_without_image`` lists the COCO annotations
    whose image_id is no image of the file (``{'annotation': index, 'image_id': id}``), and
    ``report_file`` is where all of it was written.
    """
    sources: int
    done_before: int = 0
    encrypted: int = 0
    skipped: List[dict] = field(default_factory=list)
    ignored: List[dict] = field(default_factory=list)
    lossy: dict = field(default_factory=dict)
    annotations_without_image: List[dict] = field(default_factory=list)
    temp_files_removed: int = 0
    seconds: float = 0.
    report_file: Optional[Path] = None

    @property
    def exit_code(self) -> int:
        """0 when every source has an output, 3 when some were skipped."""
        return 3 if self.skipped else 0

    def lines(self) -> List[str]:
        rate = self.encrypted / self.seconds if self.seconds > 0 else 0.
        out = [
            f'sources: {self.sources}, already done: {self.done_before}, encrypted now: {self.encrypted} '
            f'in {self.seconds:.1f} s ({rate:.1f} img/s), skipped: {len(self.skipped)}'
        ]
        if self.temp_files_removed:
            out.append(f'removed {self.temp_files_removed} temporary file(s) left by an interrupted run')
        out += [f'  skipped {s["file"]}: {s["reason"]}' for s in self.skipped[:10]]
        if len(self.skipped) > 10:
            out.append(f'  ... {len(self.skipped) - 10} more in {self.report_file}')
        if self.ignored:
            reasons = sorted({i['reason'] for i in self.ignored})
            out.append(f'ignored {len(self.ignored)} entr{"y" if len(self.ignored) == 1 else "ies"} of the source '
                       f'that are not images to encrypt ({"; ".join(reasons)})')
        for loss, files in sorted(self.lossy.items()):
            out.append(f'{len(files)} image(s) decoded with their {LOSS_NOTES[loss]}')
        if self.annotations_without_image:
            out.append(f'{len(self.annotations_without_image)} COCO annotation(s) name no image of the file and '
                       'were left out (listed in the report)')
        return out


# State of a worker process, set once by _init_worker.
_WORKER: dict = {}


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker end when the run that started it ends, even by SIGKILL (Linux)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(spec: EncryptionSpec,
                 key: Optional[ScrambleKey],
                 source: Path,
                 output: Path,
                 png_compression: int,
                 fsync: bool,
                 pause: float,
                 caps: Tuple[int, int],
                 temp_prefix: str,
                 parent_pid: Optional[int] = None) -> None:
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    cv2.setNumThreads(1)
    _WORKER.update(
        spec=spec,
        key=key,
        source=source,
        output=output,
        png_compression=png_compression,
        fsync=fsync,
        pause=pause,
        max_bytes=caps[0],
        max_pixels=caps[1],
        temp_prefix=temp_prefix)


def _scrub(message: str) -> str:
    """Remove the source and output locations from an error message (reports get shared)."""
    for root in (_WORKER['source'], _WORKER['output']):
        message = message.replace(str(root.resolve()), '<dir>').replace(str(root), '<dir>')
    return message


def _encrypt_one(task: Tuple[str, str, Optional[Tuple[int, int]]]) -> dict:
    """Encrypt one source file.

    Returns:
        dict: ``src``, ``dst``, and either ``reason`` (why it was skipped) or the written file's
        ``sha256`` and ``size``, with ``losses`` (see :func:`read_header`).

    Raises:
        OutputError: the output cannot be written; the whole run stops.
    """
    src, dst, expected_hw = task
    w = _WORKER
    result = dict(src=src, dst=dst)
    try:
        data = read_source(w['source'] / src, w['max_bytes'])
        losses = read_header(data, w['max_pixels'])
        img = decode_image(data, w['spec'].grayscale)
        if expected_hw is not None and tuple(img.shape[:2]) != tuple(expected_hw):
            raise EncryptionError(f'the annotation file says {expected_hw[1]}x{expected_hw[0]} (WxH) but the '
                                  f'image is {img.shape[1]}x{img.shape[0]}')
        png = encode_png(encrypt_image(img, w['spec'], w['key']), w['png_compression'])
    except EncryptionError as e:
        return dict(result, reason=str(e))
    except OSError as e:
        return dict(result, reason=f'cannot read the file: {e.strerror or type(e).__name__}')
    except Exception as e:  # a bad file must not stop the run; it is reported
        return dict(result, reason=_scrub(f'{type(e).__name__}: {e}'))
    out = w['output'] / dst
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, png, fsync=w['fsync'], pause=w['pause'], prefix=w['temp_prefix'])
    except OSError as e:
        raise OutputError(f'cannot write the output {dst}: {e.strerror or type(e).__name__}') from None
    return dict(result, sha256=hashlib.sha256(png).hexdigest(), size=len(png), losses=losses)


def _prepare_key(key_file: Optional[Path], new_key: bool, spec: EncryptionSpec, output: Path) -> Optional[ScrambleKey]:
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
    except (OSError, ValueError, KeyError) as e:
        raise EncryptionError(f'cannot read key file {key_file}: {e}') from None
    if (key.block_size, key.channels) != (spec.block_size, spec.channels):
        raise EncryptionError(
            f'the key is for {key.block_size}x{key.block_size} blocks with {key.channels} channel(s), but mode '
            f'{spec.mode!r} needs {spec.block_size}x{spec.block_size} blocks (P for rs, S for mi and '
            f'rs-on-mi) with {spec.channels}')
    return key


def _run_tasks(tasks: list, workers: int, init_args: tuple, journal: Journal, summary: 'Summary',
               progress: Progress) -> None:
    """Encrypt ``tasks`` in ``workers`` processes (0 or 1: in this process); record each in the journal."""

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
            _init_worker(*init_args)
            for task in tasks:
                collect(_encrypt_one(task))
        else:
            chunk = max(1, min(32, len(tasks) // (workers * 16)))
            with multiprocessing.Pool(workers, _init_worker, init_args + (os.getpid(), )) as pool:
                for result in pool.imap_unordered(_encrypt_one, tasks, chunksize=chunk):
                    collect(result)
    finally:
        progress.close()
        journal.close()
    summary.skipped.sort(key=lambda s: s['file'])


def _plan_sources(source: Path, output: Path, spec: EncryptionSpec, coco_ann: Optional[Path], keep_names: bool,
                  follow_symlinks: bool) -> dict:
    """Sources and their output names, the expected image sizes (COCO), what is ignored, where outputs go."""
    if coco_ann is None:
        listing = list_images(source, follow_symlinks)
        names = output_names(listing.files, keep_names)
        reserved = sorted({src.split('/')[0] for src, dst in names.items() if dst.split('/')[0] in RESERVED_NAMES})
        if reserved:
            raise EncryptionError(f'the source holds {reserved[0]!r}, a name the tool writes at the top of the output '
                                  f'({", ".join(RESERVED_NAMES)}): rename it')
        plan = dict(names=names,
                    sizes={},
                    target=output,
                    layout='image-folder',
                    coco=None,
                    skipped=listing.skipped,
                    ignored=listing.ignored,
                    orphans=[])
    else:
        if is_within(coco_ann.resolve(), output.resolve()):
            raise EncryptionError('the source annotation file must not be inside the output directory')
        if coco_ann.name in RESERVED_NAMES + (COCO_IMAGE_DIR, ):
            raise EncryptionError(f'the annotation file must not be named {coco_ann.name} (reserved)')
        coco = coco_utils.load_coco(coco_ann)
        orphans = check_coco(coco)
        coco_utils.check_coco_mode(coco, spec)
        sizes = {img['file_name']: (int(img['height']), int(img['width'])) for img in coco['images']}
        names = coco_utils.coco_output_names(coco, keep_names)
        ignored = [] if follow_symlinks else [{
            'file':
            src,
            'reason':
            'symbolic link to outside the source (pass --follow-symlinks to follow it)'
        } for src in names if not is_within((source / src).resolve(), source.resolve())]
        for entry in ignored:
            del names[entry['file']]
        plan = dict(names=names,
                    sizes=sizes,
                    target=output / COCO_IMAGE_DIR,
                    layout='coco',
                    coco=coco,
                    skipped=[],
                    ignored=ignored,
                    orphans=orphans)
    if not plan['names'] and not plan['skipped']:
        raise EncryptionError(f'no images found in {source} (extensions: png, jpg, jpeg, bmp, tif, webp, ...)')
    return plan


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
    try:
        report_obj = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return False
    return isinstance(report_obj, dict) and {'created', 'source', 'counts', 'skipped'} <= set(report_obj)


def check_written_files(source: Path, output: Path, report_file: Path, key_file: Optional[Path], new_key: bool,
                        coco_ann: Optional[Path]) -> None:
    """Refuse a report or a new key aimed at the key, the annotations, the source, the output or a folder
    (exit code 2, before anything is written), so that no run can lose a key or a source file."""
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
    if new_key and key_file is not None:
        if is_within(key_file.resolve(), source.resolve()):
            raise EncryptionError(f'the new key file {key_file} must not be inside the source directory')
        if coco_ann is not None and _same_file(key_file, coco_ann):
            raise EncryptionError('the key file must not be the COCO annotation file')


def _check_output_location(output: Path) -> None:
    """Refuse an output whose path runs through a file (exit code 2, before anything is written)."""
    for parent in [output, *output.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise EncryptionError(f'{"output" if parent == output else "a folder above the output"} '
                                      f'{parent} exists and is not a directory')
            return


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
                    pause: float = 0.,
                    follow_symlinks: bool = False,
                    max_file_bytes: int = MAX_FILE_BYTES,
                    max_pixels: int = MAX_PIXELS,
                    report_file: Optional[os.PathLike] = None,
                    shard: Optional[Tuple[int, int]] = None,
                    merge: bool = False) -> Summary:
    """Encrypt every image of ``source`` into ``output`` as PNG.

    Args:
        source (PathLike): an image folder (class subfolders are kept: labels follow the folders),
            or with ``coco_ann`` the folder the COCO ``file_name`` entries are relative to.
        output (PathLike): a new or empty directory, or one an interrupted run with the same settings
            left (it is resumed). Never inside ``source``. One run at a time may hold it.
        spec (EncryptionSpec): the encryption.
        coco_ann (PathLike, optional): a COCO json; its encrypted version is written to ``output``
            under the same name, images go to ``output/images``.
        key_file (PathLike, optional): a keyed-scramble key (see
            :mod:`mmppml.crypto.keyed_scramble`), applied after the encryption; outside ``output``.
        new_key (bool): create ``key_file`` (it must not exist) from OS entropy.
        keep_names (bool): keep file names (as .png) instead of replacing them with indices.
        workers (int): processes encrypting in parallel (>= 1).
        png_compression (int): 0-9, zlib level of the (lossless) PNG files.
        fsync (bool): flush each file to disk before renaming it (slow: several ms per file on
            common file systems). Without it, a power loss may leave empty files under final names,
            which a rerun redoes; either way everything is flushed before the copy is marked complete.
        progress_stream (TextIO, optional): where the progress line goes; None for silence.
        pause (float): seconds to wait before each rename (to test interrupted runs).
        follow_symlinks (bool): follow links that point outside ``source`` too (links inside it
            are always followed).
        max_file_bytes (int): larger source files are skipped and reported.
        max_pixels (int): images of more pixels (read from the header, before decoding) are
            skipped and reported.
        report_file (PathLike, optional): where the report naming skipped and ignored sources goes;
            default ``<output>.report.json`` beside ``output``, never inside it; a shard's has
            ``.shard-K-of-N`` before the suffix.
        shard (tuple[int, int], optional): (K, N): encrypt only shard K of N (see
            :mod:`mmppml.offline.shards`), resumable and locked on its own; the copy is complete
            after all N have finished and a run with ``merge``.
        merge (bool): check that every shard has finished, take in their journals, encrypt any
            source they skipped again (it is reported if it fails again), write the annotations,
            the report and the manifest (complete). Same arguments as the shards, without ``shard``.

    Returns:
        Summary: counts, skipped and ignored files; the same is in the report.

    Raises:
        EncryptionError: a bad request (exit code 2); OutputError: the output cannot be written
            (4); LockedError: another run holds the output (5).
    """
    start = time.monotonic()
    source, output = Path(source), Path(output)
    if not source.is_dir():
        raise EncryptionError(f'source directory {source} does not exist')
    check_paths(source, output)
    _check_output_location(output)
    for name, value, low in (('workers', workers, 1), ('max_file_bytes', max_file_bytes, 1), ('max_pixels', max_pixels,
                                                                                              1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise EncryptionError(f'{name} must be an integer >= {low}, got {value!r}')
    if not 0 <= png_compression <= 9:
        raise EncryptionError(f'png_compression must be in 0..9, got {png_compression}')
    if shard is not None:
        if merge:
            raise EncryptionError('--shard and --merge exclude each other: run the shards, then --merge alone')
        if new_key:
            raise EncryptionError('--new-key with --shard: every shard would draw its own key; create the key '
                                  'once first (see the README) and pass it with --key-file')
    report_file = report_path(output, report_file, shard)
    check_written_files(source, output, report_file,
                        Path(key_file) if key_file else None, new_key,
                        Path(coco_ann) if coco_ann else None)
    key = _prepare_key(Path(key_file) if key_file else None, new_key, spec, output)

    plan = _plan_sources(source, output, spec, Path(coco_ann) if coco_ann else None, keep_names, follow_symlinks)
    names, target = plan['names'], plan['target']
    manifest = new_manifest(spec, plan['layout'], keep_names, key and key.key_id, fingerprint(list(names)), len(names),
                            coco_ann and Path(coco_ann).name)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f'cannot create the output directory {output}: {e.strerror or type(e).__name__}') from None
    own = shard_names(shard) if shard else dict(lock=LOCK_NAME, journal=Journal.NAME, temp=TEMP_PREFIX)
    with OutputLock(output, shared=shard is not None), OutputLock(output, own['lock']) if shard else nullcontext():
        earlier = check_resume(output, manifest)
        if earlier is not None:
            manifest['created'] = earlier['created']
        shards_here = shard_states(output)
        if shard is None and shards_here and not merge:
            raise EncryptionError(f'{output} is being encrypted in shards ({len(shards_here)} have run); run the '
                                  'remaining ones with --shard K/N, then this command with --merge')
        n_shards = check_shards_finished(output, manifest['settings']) if merge else None
        if new_key:
            save_key(key_file, key)
        try:
            summary = Summary(
                sources=len(names) + len(plan['skipped']),
                skipped=list(plan['skipped']) if shard is None else [],  # a name is reported once, by the merge
                ignored=plan['ignored'],
                annotations_without_image=plan['orphans'],
                temp_files_removed=remove_temp_files(output, own['temp']),
                report_file=report_file)
            if shard is None or earlier is None:
                write_json_atomic(output / MANIFEST_NAME, manifest, fsync)
            journal = Journal(output, own['journal'])
            if merge:
                merge_journals(output, n_shards, journal)
        except OSError as e:
            raise OutputError(f'cannot write to the output directory {output}: '
                              f'{e.strerror or type(e).__name__}') from None

        # Outputs named relative to ``output`` (COCO images go to a subfolder), as the journal records them.
        plan['journal_names'] = {src: os.path.relpath(target / dst, output) for src, dst in names.items()}
        if shard is not None:
            plan['journal_names'] = dict(shard_tasks(plan['journal_names'].items(), shard))
            summary.sources = len(plan['journal_names'])
        tasks = [(src, dst, plan['sizes'].get(src)) for src, dst in plan['journal_names'].items()
                 if not journal.is_done(output, dst)]
        summary.done_before = len(plan['journal_names']) - len(tasks)
        init_args = (spec, key, source, output, png_compression, fsync, pause, (max_file_bytes, max_pixels),
                     own['temp'])
        _run_tasks(tasks, workers, init_args, journal, summary, Progress(len(tasks), progress_stream))
        if shard is not None:
            return _finish_shard(source, output, shard, plan, journal, summary, manifest, fsync, start)
        summary = _finish(source, output, spec, plan, journal, summary, manifest, coco_ann, fsync, start)
        if merge:
            remove_shard_files(output)
        return summary


def _finish_shard(source: Path, output: Path, shard: Tuple[int, int], plan: dict, journal: Journal, summary: Summary,
                  manifest: dict, fsync: bool, start: float) -> Summary:
    """Write the shard's report and, when no temporary file of its own is left, its state file."""
    done = sum(dst in journal.done for dst in plan['journal_names'].values())
    counts = {'sources': len(plan['journal_names']), 'encrypted': done, 'skipped': len(summary.skipped)}
    try:
        summary.seconds = time.monotonic() - start
        write_json_atomic(summary.report_file, report(summary, counts, source), fsync)
        if hasattr(os, 'sync'):
            os.sync()
        leftovers = find_temp_files(output, shard_names(shard)['temp'])
        if leftovers:
            raise OutputError(f'{len(leftovers)} temporary file(s) of shard {shard[0]}/{shard[1]} appeared in {output} '
                              'while this run held it (another writer?); rerun the shard to finish it')
        write_state(output, shard, manifest['settings'], counts, fsync)
    except OSError as e:
        raise OutputError(f'cannot write to {output}: {e.strerror or type(e).__name__}') from None
    return summary


def _finish(source: Path, output: Path, spec: EncryptionSpec, plan: dict, journal: Journal, summary: Summary,
            manifest: dict, coco_ann: Optional[os.PathLike], fsync: bool, start: float) -> Summary:
    """Write the annotations and the report, check for leftovers, then mark the copy complete."""
    names = plan['names']
    done = {src for src, dst in plan['journal_names'].items() if dst in journal.done}
    counts = {
        'sources': len(names) + len(plan['skipped']),
        'encrypted': len(done),
        'skipped': len(summary.skipped),
        'ignored': len(summary.ignored)
    }
    try:
        if plan['coco'] is not None:
            write_json_atomic(output / Path(coco_ann).name, coco_utils.encrypted_coco(plan['coco'], spec, names, done),
                              fsync)
        summary.seconds = time.monotonic() - start
        write_json_atomic(summary.report_file, report(summary, counts, source), fsync)
        if hasattr(os, 'sync'):
            os.sync()  # all outputs on disk before the manifest says the copy is complete
        leftovers = find_temp_files(output)
        if leftovers:
            raise OutputError(f'{len(leftovers)} temporary file(s) appeared in {output} while this run held it '
                              '(another writer?); the copy is not marked complete, rerun to finish it')
        manifest.update(complete=True, completed=now(), counts=counts)
        if plan['layout'] == 'image-folder':
            manifest['counts']['classes'] = len({Path(n).parent.as_posix() for n in names.values()} - {'.'})
        write_json_atomic(output / MANIFEST_NAME, manifest, fsync)
    except OSError as e:
        raise OutputError(f'cannot write to {output}: {e.strerror or type(e).__name__}') from None
    return summary
