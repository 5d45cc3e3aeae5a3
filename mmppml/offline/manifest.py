"""The manifest (what was done, nothing secret) and the report (what was skipped) of an encrypted copy.

The manifest lets whoever trains check how the copy was made and lets a rerun resume safely: a rerun
must use the same settings, key and source listing. It holds no permutation, key material, source
path or image content. The report names source files, so it is written outside the hand-over folder.
"""
import datetime
import json
from pathlib import Path
from typing import Optional

from .files import Journal, printable_name
from .lock import LOCK_NAME
from .shards import is_shard_file
from .spec import EncryptionError, EncryptionSpec

MANIFEST_NAME = 'manifest.json'
# Files of the run itself in the output folder; hidden, and never taken for a foreign folder's content.
RUN_FILES = (LOCK_NAME, Journal.NAME)
MANIFEST_FORMAT = 'mmppml-encrypted-dataset'
MANIFEST_VERSION = 1


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')


def package_version() -> str:
    from mmppml import __version__
    return __version__


def new_manifest(spec: EncryptionSpec,
                 layout: str,
                 keep_names: bool,
                 key_id: Optional[str],
                 source_sha256: str,
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
            'source_listing_sha256': source_sha256,
        },
        'model_hint': {
            'embed_mode': 'rs' if spec.mode == 'rs' else 'mi',
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
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError) as e:
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
    if diff:
        raise EncryptionError(
            f'output directory {output} holds a copy made with other settings ({", ".join(diff)} differ); '
            'rerun with the same arguments, key and source to resume, or choose a new directory')
    return old


def report(summary, counts: dict, source: Path) -> dict:
    """The report for the data owner: counts, the source files (relative to ``source``) that were
    skipped, ignored or decoded with a loss, and the COCO annotations that name no image. Not for
    hand-over."""
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
    }
