"""Files of an encryption run: listing and reading sources, naming outputs, atomic writes and leftovers."""
import hashlib
import json
import os
import os.path as osp
import stat
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Sequence, Tuple

from .spec import EncryptionError, OutputError

# What OpenCV decodes. GIF is not among them: such files are listed as ignored, with the reason.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.bmp', '.ppm', '.pgm', '.pbm', '.tif', '.tiff', '.webp')
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


def is_utf8(name: str) -> bool:
    """Whether a file name decoded from the file system is valid UTF-8 (no escaped bytes)."""
    try:
        name.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def printable_name(name: str) -> str:
    """``name`` with bytes that are not valid UTF-8 shown as ``\\xNN`` escapes (for reports)."""
    return os.fsencode(name).decode('utf-8', 'backslashreplace')


@dataclass
class SourceListing:
    """The images below a source folder and every entry left out, with the reason.

    Attributes:
        files (list[str]): relative POSIX paths of the image files to encrypt, sorted.
        skipped (list[dict]): ``{'file': relative path, 'reason': str}`` for image files that cannot
            be encrypted as they are named (names that are not valid UTF-8).
        ignored (list[dict]): the same for hidden entries, other file types, links not followed,
            devices, FIFOs and sockets, unreadable folders.
    """
    files: List[str] = field(default_factory=list)
    skipped: List[dict] = field(default_factory=list)
    ignored: List[dict] = field(default_factory=list)


def _real_folders(root: Path) -> set:
    """The resolved folders below ``root`` reached through real (not linked), visible names."""
    folders = set()
    for dirpath, dirnames, _ in os.walk(root, followlinks=False):
        folders.add(Path(dirpath).resolve())
        dirnames[:] = [d for d in dirnames if not d.startswith('.')]
    return folders


def list_images(root: Path, follow_symlinks: bool = False) -> SourceListing:
    """List the image files below ``root``.

    Link policy: a symbolic link (to a file or a folder) is followed when its target lies inside
    ``root``; with ``follow_symlinks`` any link is followed. A link to a folder the source holds
    under its own name is never followed (the folder is listed under that name, so a link cannot
    rename a class). Links refused, broken links and link loops are reported in ``ignored``, as are
    hidden entries (names starting with '.'), files of other extensions and anything that is not a
    regular file. Image files whose names are not valid UTF-8 are reported in ``skipped``.

    Raises:
        EncryptionError: a folder whose name is not valid UTF-8 (folder names are the labels).
    """
    root = Path(root)
    real_root = root.resolve()
    real_folders = _real_folders(root)
    listing = SourceListing()
    visited = set()

    def ignore(rel: PurePosixPath, reason: str) -> None:
        listing.ignored.append({'file': printable_name(str(rel)), 'reason': reason})

    def walk(folder: Path, rel_dir: PurePosixPath) -> None:
        visited.add(folder.resolve())
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            ignore(rel_dir, f'cannot list the folder: {e.strerror or type(e).__name__}')
            return
        for entry in entries:
            rel = rel_dir / entry.name
            if entry.name.startswith('.'):
                ignore(rel, 'hidden (name starts with a dot)')
                continue
            path = Path(entry.path)
            linked = entry.is_symlink()
            if linked:
                target = path.resolve()
                if not target.exists():
                    ignore(rel, 'broken symbolic link')
                    continue
                if not follow_symlinks and not is_within(target, real_root):
                    ignore(rel, 'symbolic link to outside the source (pass --follow-symlinks to follow it)')
                    continue
            try:
                mode = os.stat(path).st_mode
            except OSError as e:
                ignore(rel, f'cannot read: {e.strerror or type(e).__name__}')
                continue
            if stat.S_ISDIR(mode):
                if linked and path.resolve() in real_folders:
                    ignore(rel, 'symbolic link to a folder the source holds under its own name (listed there)')
                elif path.resolve() in visited:
                    ignore(rel, 'folder already listed (a link loop or a second link to it)')
                elif not is_utf8(entry.name):
                    raise EncryptionError(f'the folder {printable_name(str(rel))!r} has a name that is not valid '
                                          'UTF-8; folder names are the labels: rename it')
                else:
                    walk(path, rel)
            elif not stat.S_ISREG(mode):
                ignore(rel, 'not a regular file (a device, FIFO or socket)')
            elif osp.splitext(entry.name)[1].lower() not in IMAGE_EXTENSIONS:
                ignore(rel, f'not an image extension ({", ".join(IMAGE_EXTENSIONS)})')
            elif not is_utf8(entry.name):
                listing.skipped.append({
                    'file': printable_name(str(rel)),
                    'reason': 'the name is not valid UTF-8: '
                    'rename the file to encrypt it'
                })
            else:
                listing.files.append(str(rel))

    walk(root, PurePosixPath('.'))
    listing.files.sort()
    return listing


def read_source(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes.

    Opens without blocking (a FIFO put in place of a listed file does not hang the run) and checks
    the opened file itself, so a device such as ``/dev/zero`` is never read.

    Raises:
        EncryptionError: if it is not a regular file or is larger than ``max_bytes``.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise EncryptionError('not a regular file (a device, FIFO or socket)')
        if info.st_size > max_bytes:
            raise EncryptionError(f'the file has {info.st_size} bytes, over the cap of {max_bytes} (--max-file-bytes)')
        with os.fdopen(os.dup(fd), 'rb') as f:
            data = f.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise EncryptionError(f'the file grew past the cap of {max_bytes} bytes (--max-file-bytes) while read')
    return data


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


def write_atomic(path: Path, data: bytes, fsync: bool = False, pause: float = 0., prefix: str = TEMP_PREFIX) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it into place.

    A reader (or a resumed run) sees either no file or the complete file, never a partial one.
    ``fsync`` also flushes the data to disk before the rename (power-loss safety, at a cost).
    ``pause`` (seconds before the rename) lets tests interrupt a run between the two steps.
    ``prefix`` names the temporary file (each shard of a run has its own, starting with ``TEMP_PREFIX``).
    """
    tmp = path.with_name(f'{prefix}{uuid.uuid4().hex}{path.suffix}')
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


def find_temp_files(root: Path, prefix: str = TEMP_PREFIX) -> List[str]:
    """Paths of the temporary files below ``root`` (left by an interrupted run, or being written)
    whose names start with ``prefix`` (default: those of any run or shard)."""
    return [osp.join(d, n) for d, _, names in os.walk(root) for n in names if n.startswith(prefix)]


def remove_temp_files(root: Path, prefix: str = TEMP_PREFIX) -> int:
    """Delete temporary files left below ``root`` by an interrupted run (or shard); return how many."""
    leftovers = find_temp_files(root, prefix)
    for path in leftovers:
        os.remove(path)
    return len(leftovers)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


class Journal:
    """The record of finished outputs: one JSON line ``{"name", "sha256", "size"}`` per file, appended
    as they finish (JSON round-trips every name, line breaks included; lines of the older
    ``sha256 size name`` form are still read).

    A resumed run counts an output as done only if the journal lists it with the same size and
    checksum, so a file put at an output name by anything else (garbage, or a plain image) is
    encrypted again. A line cut short by a kill is ignored (its file is redone). ``done`` holds
    the names verified by :meth:`is_done` or added in this run.
    """
    NAME = '.mmppml-done'

    def __init__(self, root: Path, name: str = NAME):
        self.path = root / name
        self.entries: Dict[str, tuple] = {}
        self.done = set()
        if self.path.exists():
            for line in self.path.read_text(encoding='utf-8', errors='replace').split('\n'):
                entry = _journal_entry(line)
                if entry is not None:
                    self.entries[entry[0]] = entry[1:]
        self._file = None

    def is_done(self, root: Path, name: str) -> bool:
        """Whether ``root / name`` is the file this journal recorded for ``name``."""
        if name in self.done:
            return True
        if name not in self.entries:
            return False
        digest, size = self.entries[name]
        path = root / name
        try:
            ok = path.stat().st_size == size and sha256_file(path) == digest
        except OSError:
            ok = False
        if ok:
            self.done.add(name)
        return ok

    def add(self, name: str, digest: str, size: int) -> None:
        try:
            if self._file is None:
                self._file = open(self.path, 'a', encoding='utf-8')
            self._file.write(json.dumps(dict(name=name, sha256=digest, size=size)) + '\n')
            self._file.flush()
        except OSError as e:
            raise OutputError(f'cannot write {self.path}: {e.strerror or type(e).__name__}') from None
        self.entries[name] = (digest, size)
        self.done.add(name)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _journal_entry(line: str) -> Optional[Tuple[str, str, int]]:
    """(name, sha256, size) of a journal line, or None for a line cut short by a kill (or foreign)."""
    if line.startswith('{'):
        try:
            entry = json.loads(line)
            name, digest, size = entry['name'], entry['sha256'], entry['size']
        except (ValueError, TypeError, KeyError):
            return None
        ok = isinstance(name, str) and isinstance(digest, str) and type(size) is int
    else:  # the older 'sha256 size name' form
        parts = line.split(' ', 2)
        ok = len(parts) == 3 and parts[1].isdigit()
        if ok:
            digest, size, name = parts[0], int(parts[1]), parts[2]
    return (name, digest, size) if ok and len(digest) == 64 else None
