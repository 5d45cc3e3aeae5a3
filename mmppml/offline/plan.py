"""What a run will encrypt: the sources, their output names and what is left out, before anything is written."""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import coco as coco_utils
from .coco_check import check_coco
from .files import RUN_FILE_PREFIX, is_within, list_images, output_names
from .manifest import MANIFEST_NAME
from .shards import shard_tasks
from .spec import EncryptionError, EncryptionSpec

# Where the images of a COCO copy go, below the output folder, and the name of its annotation file there (never the
# source file's name, which may name people or places).
COCO_IMAGE_DIR = 'images'
COCO_ANNOTATION_NAME = 'annotations.json'
# Names the tool writes at the top of the output folder (hidden run files aside: every name starting with
# RUN_FILE_PREFIX, at any level, is reserved for them).
RESERVED_NAMES = (MANIFEST_NAME, )
# COCO image ids name the output files (``<id:012d>.png``): ids are kept below this (int64, as COCO tools read them).
MAX_COCO_ID = 2**63 - 1
# The longest file or folder name (bytes) common file systems take.
NAME_MAX = 255


@dataclass
class SourcePlan:
    """The sources of a run and where their outputs go.

    Attributes:
        layout (str): ``'image-folder'`` or ``'coco'``.
        names (dict[str, str]): source name -> output name relative to ``target``.
        target (Path): the folder outputs go to (the output, or its ``images`` for COCO).
        sizes (dict[str, tuple[int, int]]): source name -> (H, W) the annotation file gives.
        coco (dict, optional): the checked annotation file.
        skipped (list[dict]): sources that cannot be encrypted as named (``{'file', 'reason'}``).
        ignored (list[dict]): entries of the source that are not images to encrypt.
        orphans (list[dict]): COCO annotations naming no image (see :func:`check_coco`).
        dropped_fields (dict): the COCO fields not handed over, by kind of entry: field name -> count
            (see :func:`~mmppml.offline.coco.dropped_fields`).
        tasks (dict[str, str]): source name -> output name relative to the output folder, as the
            journal records it; a shard's own part only (set by :meth:`assign`).
    """
    layout: str
    names: Dict[str, str]
    target: Path
    sizes: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    coco: Optional[dict] = None
    skipped: List[dict] = field(default_factory=list)
    ignored: List[dict] = field(default_factory=list)
    orphans: List[dict] = field(default_factory=list)
    dropped_fields: Dict[str, Dict[str, int]] = field(default_factory=dict)
    tasks: Dict[str, str] = field(default_factory=dict)

    def assign(self, output: Path, shard: Optional[Tuple[int, int]]) -> None:
        """Name each output relative to ``output`` and keep the ``shard``'s part (all without one)."""
        tasks = {src: os.path.relpath(self.target / dst, output) for src, dst in self.names.items()}
        self.tasks = dict(shard_tasks(tasks.items(), shard)) if shard is not None else tasks


def _folder_plan(source: Path, output: Path, keep_names: bool, follow_symlinks: bool) -> SourcePlan:
    listing = list_images(source, follow_symlinks)
    names = output_names(listing.files, keep_names)
    _check_output_names(names, 'source image')
    reserved = sorted({src.split('/')[0] for src, dst in names.items() if dst.split('/')[0] in RESERVED_NAMES})
    if reserved:
        raise EncryptionError(f'the source holds {reserved[0]!r}, a name the tool writes at the top of the output '
                              f'({", ".join(RESERVED_NAMES)}): rename it')
    return SourcePlan('image-folder', names, output, skipped=listing.skipped, ignored=listing.ignored)


def _check_output_names(names: Dict[str, str], what: str) -> None:
    """Refuse output names the run could not write, or that would pass for its own files (exit code 2)."""
    for src, dst in names.items():
        for part in dst.split('/'):
            if part.startswith(RUN_FILE_PREFIX):
                raise EncryptionError(f'{what} {src!r} would be written as {dst!r}; names starting with '
                                      f'{RUN_FILE_PREFIX!r} are kept for the files of the tool: rename it')
            if len(part.encode('utf-8', 'surrogateescape')) > NAME_MAX:
                raise EncryptionError(f'{what} {src[:60]!r}... would be written under a name of more than '
                                      f'{NAME_MAX} bytes: shorten it')


def _coco_plan(source: Path, output: Path, spec: EncryptionSpec, coco_ann: Path, keep_names: bool,
               follow_symlinks: bool) -> SourcePlan:
    if is_within(coco_ann.resolve(), output.resolve()):
        raise EncryptionError('the source annotation file must not be inside the output directory')
    coco = coco_utils.load_coco(coco_ann)
    orphans = check_coco(coco)
    coco_utils.check_coco_mode(coco, spec)
    coco_utils.check_rescaled(coco, spec)
    for i, img in enumerate(coco['images']):
        if img['id'] > MAX_COCO_ID:
            raise EncryptionError(f'COCO images[{i}] id has {len(str(img["id"]))} digits; ids name the output files '
                                  f'and must be at most {MAX_COCO_ID} (2**63 - 1)')
    sizes = {img['file_name']: (int(img['height']), int(img['width'])) for img in coco['images']}
    names = coco_utils.coco_output_names(coco, keep_names)
    _check_output_names(names, 'COCO image file_name')
    outside = [] if follow_symlinks else [
        src for src in names if not is_within((source / src).resolve(), source.resolve())
    ]
    for src in outside:
        del names[src]
    reason = 'symbolic link to outside the source (pass --follow-symlinks to follow it)'
    return SourcePlan(
        'coco',
        names,
        output / COCO_IMAGE_DIR,
        sizes=sizes,
        coco=coco,
        ignored=[{
            'file': src,
            'reason': reason
        } for src in outside],
        orphans=orphans,
        dropped_fields=coco_utils.dropped_fields(coco))


def plan_sources(source: Path, output: Path, spec: EncryptionSpec, coco_ann: Optional[Path], keep_names: bool,
                 follow_symlinks: bool) -> SourcePlan:
    """List the sources of a run (an image folder, or the images a COCO file names) and name their outputs.

    Raises:
        EncryptionError: no images, a reserved or clashing name, a malformed annotation file.
    """
    if coco_ann is None:
        plan = _folder_plan(source, output, keep_names, follow_symlinks)
    else:
        plan = _coco_plan(source, output, spec, coco_ann, keep_names, follow_symlinks)
    if not plan.names and not plan.skipped:
        raise EncryptionError(f'no images found in {source} (extensions: png, jpg, jpeg, bmp, tif, webp, ...)')
    return plan
