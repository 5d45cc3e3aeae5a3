"""The manifest (what was done, nothing secret) and the report (what was skipped) of an encrypted copy.

The manifest lets whoever trains check how the copy was made and lets a rerun resume safely: a rerun
must use the same settings, key and number of sources. It holds no permutation, key material, source
path, image content or hash of source names (a recipient could test guessed names against one). The
report names source files, so it is written outside the hand-over folder, readable by its owner only.
"""
import datetime
import json
from pathlib import Path
from typing import Optional

from .files import Journal, printable_name, read_run_file
from .lock import LOCK_NAME
from .shards import is_shard_file
from .spec import EncryptionError, EncryptionSpec

MANIFEST_NAME = 'manifest.json'
# Files of the run itself in the output folder; hidden, and never taken for a foreign folder's content.
RUN_FILES = (LOCK_NAME, Journal.NAME)
MANIFEST_FORMAT = 'mmppml-encrypted-dataset'
# The report names source files: readable by its owner only, like the key.
REPORT_MODE = 0o600
MANIFEST_VERSION = 3  # 2: no hash of the source names; 3: model_hint names PEViT's patch_cfg type


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')


def package_version() -> str:
    from ..version import __version__
    return __version__


def new_manifest(spec: EncryptionSpec,
                 layout: str,
                 keep_names: bool,
                 key_id: Optional[str],
                 num_sources: int,
                 annotation_file: Optional[str] = None) -> dict:
    """The manifest of a run that is starting (``complete`` is False until it ends)."""
    return {
        'format': MANIFEST_FORMAT,
        'format_version': MANIFEST_VERSION,
        'mmppml_version': package_version(),
        'created': now(),
        'complete': False,
        # Everything below 'settings' must be equal for a rerun to resume into the same directory.
        'settings': {
            'layout': layout,
            'encryption': spec.to_dict(),
            'keyed_scramble': None if key_id is None else {
                'block_size': spec.block_size,
                'key_id': key_id
            },
            'file_names': 'kept' if keep_names else 'index',
            'sources': num_sources,
        },
        # What reads the copy (PEViT's patch_cfg); not a setting: a copy written with the hint of an earlier
        # version (its 'embed_mode') resumes, and nothing reads the hint back.
        'model_hint': {
            'patch_cfg': {
                'type': spec.record.patch_embed
            },
            'patch_size': spec.block_size,
            'image_size': list(spec.output_size(*spec.resize)) if spec.resize else None,
        },
        'image_format': 'png',
        'annotation_file': annotation_file,
        'counts': {
            'sources': num_sources
        },
    }


def read_manifest(output: Path) -> Optional[dict]:
    path = output / MANIFEST_NAME
    try:
        content = read_run_file(path)  # EncryptionError for a link or a hard link
    except OSError as e:
        raise EncryptionError(f'cannot read {path}: {type(e).__name__}: {e}') from None
    if content is None:
        return None
    try:
        manifest = json.loads(content.decode('utf-8'))
    except ValueError as e:
        raise EncryptionError(f'cannot read {path}: {type(e).__name__}: {e}') from None
    if not isinstance(manifest, dict) or manifest.get('format') != MANIFEST_FORMAT \
            or not isinstance(manifest.get('settings'), dict):
        raise EncryptionError(f'{path} is not an mmppml encrypted-dataset manifest')
    return manifest


def check_resume(output: Path, manifest: dict) -> Optional[dict]:
    """Return the manifest of an earlier run into ``output`` when it can be resumed, else raise.

    Returns None when ``output`` is new or empty.
    """
    if output.exists() and not output.is_dir():
        raise EncryptionError(f'output {output} exists and is not a directory')
    if not output.exists() or not any(p.name not in RUN_FILES and not is_shard_file(p.name) for p in output.iterdir()):
        return None
    old = read_manifest(output)
    if old is None:
        raise EncryptionError(f'output directory {output} is not empty and holds no {MANIFEST_NAME}: '
                              'choose a new or empty directory')
    diff = sorted(
        k for k in set(old['settings']) | set(manifest['settings'])
        if old['settings'].get(k) != manifest['settings'].get(k))
    if 'source_listing_sha256' in old['settings']:
        raise EncryptionError(f'output directory {output} was written by an older version of the tool (its '
                              'manifest holds a hash of the source names): finish it with that version, or '
                              'choose a new directory')
    if diff:
        raise EncryptionError(
            f'output directory {output} holds a copy made with other settings ({", ".join(diff)} differ); '
            'rerun with the same arguments, key and source to resume, or choose a new directory')
    return old


def report(summary, counts: dict, source: Path) -> dict:
    """The report for the data owner: counts, the source files (relative to ``source``) that were
    skipped, ignored or decoded with a loss, the COCO annotations that name no image and the COCO
    fields not handed over (names and counts). Not for hand-over."""
    return {
        'created': now(),
        'source': printable_name(str(Path(source).resolve())),
        'counts': counts,
        'skipped': summary.skipped,
        'ignored': summary.ignored,
        'decoded_with_loss': {
            loss: sorted(files)
            for loss, files in summary.lossy.items()
        },
        'annotations_without_image': summary.annotations_without_image,
        'coco_fields_dropped': summary.coco_fields_dropped,
    }
