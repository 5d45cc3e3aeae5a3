"""Files of an encryption run: listing sources, naming outputs, atomic writes and leftovers."""
import hashlib
import json
import os
import os.path as osp
import time
import uuid
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Dict, List, Sequence

from .spec import EncryptionError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.pbm', '.tif', '.tiff', '.webp')
TEMP_PREFIX = '.mmppml-tmp-'


def is_within(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or below it (both resolved)."""
    return path == root or root in path.parents


def check_paths(source: Path, output: Path) -> None:
    """Refuse an output directory inside the source directory, or the reverse."""
    source, output = source.resolve(), output.resolve()
    if is_within(output, source):
        raise EncryptionError(f'the output directory must not be inside the source directory {source}')
    if is_within(source, output):
        raise EncryptionError('the source directory must not be inside the output directory')


def list_images(root: Path) -> List[str]:
    """Relative POSIX paths of the image files below ``root``, sorted; hidden entries are skipped."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
        rel_dir = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        for name in filenames:
            if not name.startswith('.') and osp.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                found.append(str(rel_dir / name))
    return sorted(found)


def output_names(sources: Sequence[str], keep_names: bool) -> Dict[str, str]:
    """Map source relative paths to output relative paths (always ``.png``).

    Folders are kept (they carry the labels). File names are either kept (``a/b.jpg -> a/b.png``)
    or replaced by their zero-padded index in the sorted listing of their folder (``a/000003.png``),
    so that names carrying dates, places or people's names do not reach the output.
    """
    by_dir = defaultdict(list)
    for src in sorted(sources):
        by_dir[str(PurePosixPath(src).parent)].append(src)
    names = {}
    for folder, files in by_dir.items():
        width = max(6, len(str(len(files) - 1)))
        for i, src in enumerate(files):
            stem = PurePosixPath(src).stem if keep_names else f'{i:0{width}d}'
            names[src] = str(PurePosixPath(folder) / f'{stem}.png')
    clashes = defaultdict(list)
    for src, dst in names.items():
        clashes[dst].append(src)
    clashes = {dst: srcs for dst, srcs in clashes.items() if len(srcs) > 1}
    if clashes:
        dst, srcs = next(iter(clashes.items()))
        raise EncryptionError(f'{len(clashes)} output name(s) would be shared by several sources, e.g. {srcs} '
                              f'-> {dst}; rename them or drop --keep-names')
    return names


def fingerprint(names: Sequence[str]) -> str:
    """SHA-256 of a sorted list of relative names, to tell whether a source changed between runs."""
    return hashlib.sha256('\n'.join(sorted(names)).encode()).hexdigest()


def write_atomic(path: Path, data: bytes, fsync: bool = False, pause: float = 0.) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it into place.

    A reader (or a resumed run) sees either no file or the complete file, never a partial one.
    ``fsync`` also flushes the data to disk before the rename (power-loss safety, at a cost).
    ``pause`` (seconds before the rename) lets tests interrupt a run between the two steps.
    """
    tmp = path.with_name(f'{TEMP_PREFIX}{uuid.uuid4().hex}{path.suffix}')
    try:
        with open(tmp, 'xb') as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        if pause:
            time.sleep(pause)
        os.replace(tmp, path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def write_json_atomic(path: Path, obj: dict, fsync: bool = False) -> None:
    write_atomic(path, (json.dumps(obj, indent=2, ensure_ascii=False) + '\n').encode(), fsync)


def remove_temp_files(root: Path) -> int:
    """Delete temporary files left below ``root`` by an interrupted run; return how many."""
    removed = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.startswith(TEMP_PREFIX):
                os.remove(osp.join(dirpath, name))
                removed += 1
    return removed


def is_done(path: Path) -> bool:
    """Whether a finished (renamed, non-empty) output exists at ``path``."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False
