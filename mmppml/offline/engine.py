"""Encrypt an image folder or a COCO set into a new directory: parallel, resumable, crash-safe.

Every output is written under a temporary name and renamed when complete, so an interrupted run
leaves only whole files (and temporaries that the next run deletes); rerunning the same command
skips what is done, as recorded with its checksum in the journal. One run at a time holds the
output (a lock), and workers die with the run that started them. The COCO annotation file, the
report and the manifest are written last. Nothing below the output folder is followed if it is a
link (it may sit on a share its recipient can write to): an output that holds one is refused.
"""
import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Optional, Tuple

from mmppml.crypto.keyed_scramble import save_key
from . import coco as coco_utils
from .files import Journal, check_no_links, check_paths, find_temp_files, remove_temp_files, write_json_atomic
from .lock import OutputLock
from .manifest import MANIFEST_NAME, REPORT_MODE, check_resume, new_manifest, now, report
from .options import RunOptions, check_output_location, check_pixel_cap, check_written_files, prepare_key, report_path
from .plan import COCO_ANNOTATION_NAME, SourcePlan, plan_sources
from .progress import Progress
from .shards import (RunFiles, check_shards_finished, describe_shards, merge_journals, removal_hint, remove_shard_files,
                     shard_files, shard_states, write_state)
from .spec import EncryptionError, EncryptionSpec, OutputError
from .summary import LOSS_NOTES, Summary
from .worker import WorkerConfig, run_tasks


def encrypt_dataset(source: os.PathLike,
                    output: os.PathLike,
                    spec: EncryptionSpec,
                    options: Optional[RunOptions] = None,
                    **kwargs) -> Summary:
    """Encrypt every image of ``source`` into ``output`` as PNG.

    Args:
        source (PathLike): an image folder (class subfolders are kept: labels follow the folders),
            or with ``coco_ann`` the folder the COCO ``file_name`` entries are relative to.
        output (PathLike): a new or empty directory, or one an interrupted run with the same settings
            left (it is resumed). Never inside ``source``. One run at a time may hold it.
        spec (EncryptionSpec): the encryption.
        options (RunOptions, optional): how to run; or give its fields as keyword arguments.

    Returns:
        Summary: counts, skipped and ignored files; the same is in the report.

    Raises:
        EncryptionError: a bad request (exit code 2).
        OutputError: the output cannot be written (exit code 4).
        LockedError: another run holds the output (exit code 5).
    """
    if options is None:
        options = RunOptions(**kwargs)
    elif kwargs:
        raise TypeError('give either options or keyword arguments, not both')
    start = time.monotonic()
    source, output = Path(source), Path(output)
    if not source.is_dir():
        raise EncryptionError(f'source directory {source} does not exist')
    check_paths(source, output)
    check_output_location(output)
    shard, merge = options.shard, options.merge
    report_file = report_path(output, options.report_file, shard)  # beside the output as named
    output = Path(os.path.realpath(output))  # links above the output are its owner's; none below is followed
    check_written_files(source, output, report_file, options)
    check_pixel_cap(spec, options.max_pixels)
    key = prepare_key(options.key_file, options.new_key, spec, output)

    plan = plan_sources(source, output, spec, options.coco_ann, options.keep_names, options.follow_symlinks)
    ann_name = COCO_ANNOTATION_NAME if options.coco_ann else None  # never the source file's name
    manifest = new_manifest(spec, plan.layout, options.keep_names, key and key.key_id, len(plan.names), ann_name)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f'cannot create the output directory {output}: {e.strerror or type(e).__name__}') from None
    if os.path.realpath(output) != str(output):
        raise EncryptionError(f'the output directory {output} was replaced by a link to '
                              f'{os.path.realpath(output)} while this run started; remove the link and rerun')
    own = shard_files(shard) if shard else RunFiles()
    with OutputLock(output, shared=shard is not None), OutputLock(output, own.lock) if shard else nullcontext():
        earlier = check_resume(output, manifest)
        check_no_links(output)
        if earlier is not None:
            manifest['created'] = earlier['created']
        shards_here = shard_states(output)
        if shard is None and shards_here and not merge:
            raise EncryptionError(f'{output} is being encrypted in shards ({describe_shards(shards_here)} have '
                                  'finished): run the remaining ones with --shard K/N, then this command with '
                                  f'--merge; to encrypt it in one run instead, {removal_hint(output, shards_here)}')
        n_shards = check_shards_finished(output, manifest['settings']) if merge else None
        if options.new_key:
            _save_new_key(options.key_file, key)
        try:
            summary = Summary(
                sources=len(plan.names) + len(plan.skipped),
                skipped=list(plan.skipped) if shard is None else [],  # a name is reported once, by the merge
                ignored=plan.ignored,
                annotations_without_image=plan.orphans,
                coco_fields_dropped=plan.dropped_fields,
                temp_files_removed=remove_temp_files(output, own.temp),
                report_file=report_file)
            if shard is None or earlier is None:
                write_json_atomic(output / MANIFEST_NAME, manifest, options.fsync)
            journal = Journal(output, own.journal)
            if merge:
                merge_journals(output, n_shards, journal)
        except OSError as e:
            raise OutputError(f'cannot write to the output directory {output}: '
                              f'{e.strerror or type(e).__name__}') from None

        plan.assign(output, shard)
        if shard is not None:
            summary.sources = len(plan.tasks)
        tasks = [(src, dst, plan.sizes.get(src)) for src, dst in plan.tasks.items() if not journal.is_done(output, dst)]
        summary.done_before = len(plan.tasks) - len(tasks)
        config = WorkerConfig(spec, key, source, output, options.png_compression, options.fsync, options.pause,
                              options.max_file_bytes, options.max_pixels, own.temp)
        run_tasks(tasks, options.workers, config, journal, summary, Progress(len(tasks), options.progress_stream))
        summary.lossy = _losses(plan, journal)
        if shard is not None:
            return _finish_shard(source, output, shard, plan, journal, summary, manifest, options.fsync, start)
        summary = _finish(source, output, spec, plan, journal, summary, manifest, options, start)
        if merge:
            try:
                remove_shard_files(output)
            except OSError as e:
                raise OutputError(f'the copy is complete, but the shard files in {output} cannot be deleted: '
                                  f'{e.strerror or type(e).__name__}') from None
        return summary


def _save_new_key(key_file: Path, key) -> None:
    """Write the run's new key (before anything is encrypted with it)."""
    try:
        save_key(key_file, key)
    except FileExistsError:
        raise EncryptionError(f'key file {key_file} appeared while this run started; to use it, pass --key-file '
                              'without --new-key') from None
    except OSError as e:
        raise OutputError(f'cannot write the new key file {key_file}: {e.strerror or type(e).__name__}; nothing '
                          'was encrypted (free space, or choose another --key-file, then rerun)') from None


def _losses(plan: SourcePlan, journal: Journal) -> dict:
    """Loss -> the sources of the run (or shard) whose outputs the journal holds with it: those of this run
    and of earlier ones it resumed or merged."""
    lossy = {}
    for src, dst in plan.tasks.items():
        if dst in journal.done:
            for loss in journal.losses.get(dst, ()):
                if loss in LOSS_NOTES:  # the output folder is writable by others: no foreign code reaches the report
                    lossy.setdefault(loss, []).append(src)
    return lossy


def _write_json(path: Path, obj: dict, fsync: bool, what: str, mode: int = 0o644) -> None:
    """:func:`write_json_atomic`, naming ``what`` could not be written (exit code 4)."""
    try:
        write_json_atomic(path, obj, fsync, mode)
    except OSError as e:
        raise OutputError(f'cannot write the {what} {path}: {e.strerror or type(e).__name__}; the encrypted '
                          'files are kept, rerun to finish') from None


def _finish_shard(source: Path, output: Path, shard: Tuple[int, int], plan: SourcePlan, journal: Journal,
                  summary: Summary, manifest: dict, fsync: bool, start: float) -> Summary:
    """Write the shard's report and, when no temporary file of its own is left, its state file."""
    done = sum(dst in journal.done for dst in plan.tasks.values())
    counts = {'sources': len(plan.tasks), 'encrypted': done, 'skipped': len(summary.skipped)}
    try:
        summary.seconds = time.monotonic() - start
        _write_json(summary.report_file, report(summary, counts, source), fsync, 'report', REPORT_MODE)
        if hasattr(os, 'sync'):
            os.sync()
        leftovers = find_temp_files(output, shard_files(shard).temp)
        if leftovers:
            raise OutputError(f'{len(leftovers)} temporary file(s) of shard {shard[0]}/{shard[1]} appeared in {output} '
                              'while this run held it (another writer?); rerun the shard to finish it')
        write_state(output, shard, manifest['settings'], counts, fsync)
    except OSError as e:
        raise OutputError(f'cannot write to {output}: {e.strerror or type(e).__name__}') from None
    return summary


def _finish(source: Path, output: Path, spec: EncryptionSpec, plan: SourcePlan, journal: Journal, summary: Summary,
            manifest: dict, options: RunOptions, start: float) -> Summary:
    """Write the annotations and the report, check for leftovers, then mark the copy complete."""
    fsync = options.fsync
    names = plan.names
    done = {src for src, dst in plan.tasks.items() if dst in journal.done}
    counts = {
        'sources': len(names) + len(plan.skipped),
        'encrypted': len(done),
        'skipped': len(summary.skipped),
        'ignored': len(summary.ignored)
    }
    try:
        if plan.coco is not None:
            coco = coco_utils.encrypted_coco(plan.coco, spec, names, done)
            _write_json(output / COCO_ANNOTATION_NAME, coco, fsync, 'annotation file')
        summary.seconds = time.monotonic() - start
        _write_json(summary.report_file, report(summary, counts, source), fsync, 'report', REPORT_MODE)
        if hasattr(os, 'sync'):
            os.sync()  # all outputs on disk before the manifest says the copy is complete
        leftovers = find_temp_files(output)
        if leftovers:
            raise OutputError(f'{len(leftovers)} temporary file(s) appeared in {output} while this run held it '
                              '(another writer?); the copy is not marked complete, rerun to finish it')
        manifest.update(complete=True, completed=now(), counts=counts)
        if plan.layout == 'image-folder':
            manifest['counts']['classes'] = len({Path(n).parent.as_posix() for n in names.values()} - {'.'})
        _write_json(output / MANIFEST_NAME, manifest, fsync, 'manifest')
    except OSError as e:
        raise OutputError(f'cannot write to {output}: {e.strerror or type(e).__name__}') from None
    return summary
