"""Shards of one encryption run: a deterministic partition of the sources, each shard on its own.

Shard ``K/N`` (``0 <= K < N``) encrypts the sources whose index in the sorted listing is K modulo N,
into the same output directory and under the same names as a whole run would. Each shard holds its
own lock (and shares the output's lock with the other shards, which keeps a whole run or a merge
out), keeps its own journal and temporary files, and records in a state file that it has finished.
A final merge checks that every shard has finished, takes their journals into the output's and
marks the copy complete. The state files hold counts only, never source names.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .files import TEMP_PREFIX, Journal, read_run_file, write_json_atomic
from .lock import LOCK_NAME
from .spec import EncryptionError

SHARD_FILE = re.compile(r'^\.mmppml-shard-(\d+)-of-(\d+)\.json$')


def parse_shard(text: str) -> Tuple[int, int]:
    """``'K/N'`` -> (K, N), with 0 <= K < N; raises EncryptionError otherwise."""
    match = re.fullmatch(r'\s*(\d+)\s*/\s*(\d+)\s*', str(text))
    if not match or not 0 <= int(match[1]) < int(match[2]):
        raise EncryptionError(f'--shard must be K/N with 0 <= K < N (e.g. 0/4 ... 3/4), got {text!r}')
    return int(match[1]), int(match[2])


@dataclass(frozen=True)
class RunFiles:
    """Names of a run's own files in the output folder: lock, journal, temporary prefix, state.

    A whole run (or a merge) uses the defaults and writes no state file; each shard has its own.
    """
    lock: str = LOCK_NAME
    journal: str = Journal.NAME
    temp: str = TEMP_PREFIX
    state: Optional[str] = None


def shard_files(shard: Tuple[int, int]) -> RunFiles:
    """The own files of shard ``(K, N)``."""
    tag = f'shard-{shard[0]}-of-{shard[1]}'
    return RunFiles(f'{LOCK_NAME}-{tag}', f'{Journal.NAME}-{tag}', f'{TEMP_PREFIX}{tag}-', f'.mmppml-{tag}.json')


def is_shard_file(name: str) -> bool:
    """Whether ``name`` is a file a shard keeps in the output directory (lock, journal or state)."""
    return bool(SHARD_FILE.match(name) or re.fullmatch(r'\.mmppml-(lock|done)-shard-\d+-of-\d+', name))


def shard_tasks(tasks: Iterable, shard: Tuple[int, int]) -> List:
    """The tasks of ``shard``: every N-th of the sorted listing, starting at the K-th."""
    k, n = shard
    return [task for i, task in enumerate(tasks) if i % n == k]


def write_state(output: Path, shard: Tuple[int, int], settings: dict, counts: dict, fsync: bool) -> None:
    """Record that ``shard`` has finished, with its settings and counts (no names)."""
    write_json_atomic(output / shard_files(shard).state,
                      dict(shard=list(shard), complete=True, settings=settings, counts=counts), fsync)


def shard_states(output: Path) -> Dict[Tuple[int, int], Optional[dict]]:
    """The state files in ``output``: (K, N) -> their content (None if unreadable)."""
    states = {}
    for path in output.iterdir():
        match = SHARD_FILE.match(path.name)
        if match:
            try:
                content = read_run_file(path)  # EncryptionError for a link or a hard link
            except OSError:
                content = None
            try:
                state = json.loads(content.decode('utf-8')) if content is not None else None
            except ValueError:  # malformed
                state = None
            states[int(match[1]), int(match[2])] = state if isinstance(state, dict) else None
    return states


def describe_shards(shards: Iterable[Tuple[int, int]]) -> str:
    """``'0/2, 1/2, 0/3'``."""
    return ', '.join(f'{k}/{n}' for k, n in sorted(shards, key=lambda s: (s[1], s[0])))


def removal_hint(output: Path, shards: Iterable[Tuple[int, int]]) -> str:
    """How to drop the files of ``shards`` from ``output``, e.g. of a shard started by mistake (their images
    are checked against the journals and redone where needed, so nothing else has to go)."""
    own = [shard_files(shard) for shard in sorted(shards)]
    names = [name for files in own for name in (files.state, files.journal, files.lock)]
    return f'delete their state, journal and lock files in {output}: {" ".join(names)}'


def check_shards_finished(output: Path, settings: dict) -> int:
    """Return N when all N shards of the run in ``output`` have finished with ``settings``, else raise."""
    states = shard_states(output)
    counts = sorted({n for _, n in states})
    if not counts:
        raise EncryptionError(f'--merge: no shard has run in {output} (run the shards with --shard K/N first)')
    if len(counts) > 1:
        sizes = {n: sum(1 for _, m in states if m == n) for n in counts}
        kept = max(counts, key=lambda n: (sizes[n], -n))  # the split most shards ran with
        stray = [s for s in states if s[1] != kept]
        raise EncryptionError(f'--merge: {output} holds finished shards of runs split in {counts} parts '
                              f'({describe_shards(states)}); the shards of one run share N. If '
                              f'{describe_shards(stray)} ran by mistake, {removal_hint(output, stray)}; '
                              'then run --merge again')
    n = counts[0]
    unfinished = [k for k in range(n) if not (states.get((k, n)) or {}).get('complete')]
    if unfinished:
        raise EncryptionError(f'--merge: shard(s) {", ".join(f"{k}/{n}" for k in unfinished)} have not finished; '
                              'run (or rerun, to resume) them with the same arguments first')
    if any(states[k, n].get('settings') != settings for k in range(n)):
        raise EncryptionError(f'--merge: the shards in {output} ran with other settings than these arguments')
    return n


def merge_journals(output: Path, n: int, journal: Journal) -> None:
    """Take the entries of the N shard journals into ``journal``, each checked against its file's
    size and SHA-256 (a file put at an output name after its shard finished is encrypted again), with
    their losses."""
    for k in range(n):
        shard_journal = Journal(output, shard_files((k, n)).journal)
        for name, (digest, size) in shard_journal.entries.items():
            if shard_journal.is_done(output, name):
                journal.add(name, digest, size, shard_journal.losses.get(name, ()))


def remove_shard_files(output: Path) -> None:
    """Delete the shards' locks, journals and state files (after a merge)."""
    for path in output.iterdir():
        if is_shard_file(path.name):
            path.unlink()
