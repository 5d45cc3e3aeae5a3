"""Files of an encryption run: listing and reading sources, naming outputs, atomic writes and leftovers.

Nothing in the output folder is opened through a symbolic link (the folder may sit on a share its
recipient can write to): outputs are written through folder descriptors opened level by level with
``O_NOFOLLOW``, and the run's own files (lock, journal, manifest, states) are opened the same way and
must be plain files with one link.
"""
import errno
import hashlib
import json
import os
import os.path as osp
import posixpath
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
# Image formats the tool does not read: ignored like other files, but named in the summary (not encrypted).
UNSUPPORTED_IMAGE_EXTENSIONS = ('.gif', '.heic', '.heif', '.avif', '.jxl', '.jp2', '.j2k', '.ico', '.svg', '.psd',
                                '.dng', '.cr2', '.nef', '.arw', '.raw', '.exr', '.hdr')
UNSUPPORTED_FORMAT = 'image format not supported'
TEMP_PREFIX = '.mmppml-tmp-'
# Every name the tool keeps in the output folder for itself starts with this (lock, journal, states, temporaries).
RUN_FILE_PREFIX = '.mmppml'
NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
NONBLOCK = getattr(os, 'O_NONBLOCK', 0)
DIRECTORY = getattr(os, 'O_DIRECTORY', 0)


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
            elif osp.splitext(entry.name)[1].lower() in UNSUPPORTED_IMAGE_EXTENSIONS:
                ext = osp.splitext(entry.name)[1].lower()
                ignore(rel, f'{UNSUPPORTED_FORMAT} ({ext}), not encrypted: convert it to PNG to encrypt it')
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

    Class folders (the top level) are kept: they carry the labels. Folders below a class are not:
    their images join the class (``a/2021 Lyon/b.jpg -> a/...``), as their names may hold dates,
    places or people's names, and a class is one folder of images. File names are either kept
    (``a/b.jpg -> a/b.png``) or replaced by their zero-padded index in the sorted listing of their
    class, sub-folders included (``a/000003.png``), for the same reason.
    """
    by_dir = defaultdict(list)
    for src in sorted(sources):
        parts = PurePosixPath(src).parts
        by_dir[parts[0] if len(parts) > 1 else '.'].append(src)
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


def _not_made_here(path: Path, what: str) -> EncryptionError:
    """The error for an entry of the output folder that this tool never makes there."""
    try:
        info = os.lstat(path)
    except OSError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        try:
            found = f'a symbolic link (to {printable_name(os.readlink(path))})'
        except OSError:
            found = 'a symbolic link'
    elif info is not None and stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        found = f'a file with {info.st_nlink} hard links'
    elif info is not None and not stat.S_ISDIR(info.st_mode) and what == 'folder':
        found = 'not a folder'
    else:
        found = 'not a regular file'
    return EncryptionError(f'{printable_name(str(path))} is {found}, which this tool never makes in the output '
                           f'(nothing is written through links): remove it (was it planted?) and rerun')


def open_output_dir(root: Path, folder: str = '', create: bool = False) -> int:
    """Open ``root / folder`` level by level without following links; return its descriptor.

    Args:
        root (Path): the output folder (resolved: no link above it is followed either).
        folder (str): a relative POSIX path below it ('' for the output folder itself).
        create (bool): create missing levels.

    Raises:
        EncryptionError: a level is a symbolic link or not a folder.
        OSError: it cannot be opened or created.
    """
    path = Path(root)
    try:
        fd = os.open(path, os.O_RDONLY | DIRECTORY | NOFOLLOW)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _not_made_here(path, 'folder') from None
        raise
    try:
        for part in PurePosixPath(folder).parts:
            if part in ('.', '..', '/'):
                raise EncryptionError(f'output name {folder!r} leaves the output folder')
            path = path / part
            if create:
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                sub = os.open(part, os.O_RDONLY | DIRECTORY | NOFOLLOW, dir_fd=fd)
            except OSError as e:
                if e.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _not_made_here(path, 'folder') from None
                raise
            os.close(fd)
            fd = sub
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_in(dir_fd: int, name: str, data: bytes, fsync: bool, pause: float, prefix: str, mode: int) -> None:
    """Write ``data`` to a new temporary file in the folder ``dir_fd``, then rename it to ``name``."""
    tmp = f'{prefix}{uuid.uuid4().hex}{PurePosixPath(name).suffix}'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, mode, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        if pause:
            time.sleep(pause)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # replaces a link or file at name, never its target
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


def write_atomic(path: Path,
                 data: bytes,
                 fsync: bool = False,
                 pause: float = 0.,
                 prefix: str = TEMP_PREFIX,
                 mode: int = 0o644) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it into place.

    A reader (or a resumed run) sees either no file or the complete file, never a partial one.
    ``fsync`` also flushes the data to disk before the rename (power-loss safety, at a cost).
    ``pause`` (seconds before the rename) lets tests interrupt a run between the two steps.
    ``prefix`` names the temporary file (each shard of a run has its own, starting with ``TEMP_PREFIX``).
    ``mode`` is the new file's permissions (before the umask). A link at ``path`` is replaced, not followed.
    """
    path = Path(path)
    dir_fd = os.open(path.parent, os.O_RDONLY | DIRECTORY)
    try:
        _write_in(dir_fd, path.name, data, fsync, pause, prefix, mode)
    finally:
        os.close(dir_fd)


def write_output(root: Path,
                 name: str,
                 data: bytes,
                 fsync: bool = False,
                 pause: float = 0.,
                 prefix: str = TEMP_PREFIX) -> None:
    """:func:`write_atomic` to ``root / name`` (``name`` relative, POSIX), creating its folders, with no
    level below ``root`` followed if it is a link.

    Raises:
        EncryptionError: a folder on the way is a symbolic link or not a folder.
        OSError: it cannot be written.
    """
    folder, base = posixpath.split(name)
    dir_fd = open_output_dir(root, folder, create=True)
    try:
        _write_in(dir_fd, base, data, fsync, pause, prefix, 0o644)
    finally:
        os.close(dir_fd)


def write_json_atomic(path: Path, obj: dict, fsync: bool = False, mode: int = 0o644) -> None:
    """:func:`write_atomic` of ``obj`` as JSON; ValueError, before anything is written, for a value that is not
    finite (``Infinity`` and ``NaN`` are not JSON)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)
    write_atomic(path, (text + '\n').encode(), fsync, mode=mode)


def open_run_file(path: Path, flags: int, mode: int = 0o644) -> int:
    """Open a file the run keeps in the output folder (lock, journal, manifest, state) without following a
    link; it must be a regular file with one link (so nothing else is written or read through it).

    Raises:
        EncryptionError: it is a link, a hard link, a folder, a device, a FIFO or a socket.
        OSError: it cannot be opened (FileNotFoundError when missing and not created).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and (not stat.S_ISREG(info.st_mode) or info.st_nlink > 1):
        raise _not_made_here(path, 'file')  # refused before opening: opening a device can act on it
    try:
        fd = os.open(path, flags | NOFOLLOW | NONBLOCK, mode)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise _not_made_here(path, 'file') from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(fd)
        raise _not_made_here(path, 'file')
    return fd


def read_run_file(path: Path) -> Optional[bytes]:
    """The content of a file the run keeps in the output folder, or None if there is none (see
    :func:`open_run_file`)."""
    try:
        fd = open_run_file(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, 'rb') as f:
        return f.read()


def find_links(root: Path, limit: int = 5) -> List[str]:
    """Up to ``limit`` relative paths of the symbolic links below ``root`` (the tool never makes any)."""
    found, folders = [], ['']
    while folders and len(found) < limit:
        rel = folders.pop()
        with os.scandir(Path(root) / rel) as entries:
            for entry in entries:
                name = posixpath.join(rel, entry.name)
                if entry.is_symlink():
                    found.append(printable_name(name))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(name)
    return sorted(found)[:limit]


def check_no_links(root: Path) -> None:
    """Refuse an output folder that holds symbolic links (exit code 2): they may lead anywhere, e.g. into
    the source, and the tool never makes them."""
    try:
        links = find_links(root)
    except OSError as e:
        raise OutputError(f'cannot read the output folder {root}: {e.strerror or type(e).__name__}') from None
    if links:
        shown = ', '.join(repr(name) for name in links)
        first = _not_made_here(Path(root) / links[0], 'file')
        raise EncryptionError(f'the output folder {root} holds symbolic link(s) ({shown}); {first}')


def find_temp_files(root: Path, prefix: str = TEMP_PREFIX) -> List[str]:
    """Paths of the temporary files below ``root`` (left by an interrupted run, or being written)
    whose names start with ``prefix`` (default: those of any run or shard)."""
    return [osp.join(d, n) for d, _, names, _ in os.fwalk(root) for n in names if n.startswith(prefix)]


def remove_temp_files(root: Path, prefix: str = TEMP_PREFIX) -> int:
    """Delete temporary files left below ``root`` by an interrupted run (or shard); return how many.

    Walks folder descriptors (``os.fwalk``), so a folder swapped for a link meanwhile is not entered."""
    removed = 0
    for _, _, names, dir_fd in os.fwalk(root):
        for name in names:
            if name.startswith(prefix):
                os.unlink(name, dir_fd=dir_fd)
                removed += 1
    return removed


def _sha256_fd(fd: int) -> str:
    digest = hashlib.sha256()
    with os.fdopen(os.dup(fd), 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def output_file_matches(root: Path, name: str, digest: str, size: int) -> bool:
    """Whether ``root / name`` is a regular file of ``size`` bytes and SHA-256 ``digest``, reached without
    following a link (a link, a FIFO or a device at an output name never matches)."""
    folder, base = posixpath.split(name)
    try:
        dir_fd = open_output_dir(root, folder)
    except (OSError, EncryptionError):
        return False
    try:
        fd = os.open(base, os.O_RDONLY | NOFOLLOW | NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return False
    finally:
        os.close(dir_fd)
    try:
        info = os.fstat(fd)
        return stat.S_ISREG(info.st_mode) and info.st_size == size and _sha256_fd(fd) == digest
    except OSError:
        return False
    finally:
        os.close(fd)


class Journal:
    """The record of finished outputs: one JSON line ``{"name", "sha256", "size"[, "losses"]}`` per file,
    appended as they finish (JSON round-trips every name, line breaks included; lines of the older
    ``sha256 size name`` form are still read). ``"losses"`` lists what decoding the file's source lost
    (codes of :func:`~mmppml.offline.image_ops.read_header`, in :attr:`losses` by output name), so that the
    report of a resumed run or a merge names every loss; the journal holds output names only.

    A resumed run counts an output as done only if the journal lists it with the same size and
    checksum, so a file put at an output name by anything else (garbage, or a plain image) is
    encrypted again. A line cut short by a kill is ignored (its file is redone). ``done`` holds
    the names verified by :meth:`is_done` or added in this run. The journal is never read or
    written through a link (:func:`open_run_file`).
    """
    NAME = '.mmppml-done'

    def __init__(self, root: Path, name: str = NAME):
        self.path = root / name
        self.entries: Dict[str, tuple] = {}
        self.losses: Dict[str, Tuple[str, ...]] = {}
        self.done = set()
        content = read_run_file(self.path)
        if content is not None:
            for line in content.decode('utf-8', errors='replace').split('\n'):
                entry = _journal_entry(line)
                if entry is not None:
                    self._record(*entry)
        self._file = None

    def is_done(self, root: Path, name: str) -> bool:
        """Whether ``root / name`` is the file this journal recorded for ``name``."""
        if name in self.done:
            return True
        if name not in self.entries:
            return False
        digest, size = self.entries[name]
        ok = output_file_matches(root, name, digest, size)
        if ok:
            self.done.add(name)
        return ok

    def _record(self, name: str, digest: str, size: int, losses: Sequence[str] = ()) -> None:
        self.entries[name] = (digest, size)
        if losses:
            self.losses[name] = tuple(losses)
        else:
            self.losses.pop(name, None)

    def add(self, name: str, digest: str, size: int, losses: Sequence[str] = ()) -> None:
        line = dict(name=name, sha256=digest, size=size)
        if losses:
            line['losses'] = list(losses)
        try:
            if self._file is None:
                self._file = os.fdopen(
                    open_run_file(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), 'a', encoding='utf-8')
            self._file.write(json.dumps(line) + '\n')
            self._file.flush()
        except OSError as e:
            raise OutputError(f'cannot write {self.path}: {e.strerror or type(e).__name__}') from None
        except EncryptionError as e:  # a link put there while the run writes
            raise OutputError(str(e)) from None
        self._record(name, digest, size, losses)
        self.done.add(name)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _journal_entry(line: str) -> Optional[Tuple[str, str, int, tuple]]:
    """(name, sha256, size, losses) of a journal line, or None for a line cut short by a kill (or foreign)."""
    losses = ()
    if line.startswith('{'):
        try:
            entry = json.loads(line)
            name, digest, size, losses = entry['name'], entry['sha256'], entry['size'], entry.get('losses', ())
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        ok = isinstance(name, str) and isinstance(digest, str) and type(size) is int and isinstance(
            losses, (list, tuple)) and all(isinstance(loss, str) for loss in losses)
    else:  # the older 'sha256 size name' form
        parts = line.split(' ', 2)
        ok = len(parts) == 3 and parts[1].isdigit()
        if ok:
            digest, size, name = parts[0], int(parts[1]), parts[2]
    return (name, digest, size, tuple(losses)) if ok and len(digest) == 64 else None
