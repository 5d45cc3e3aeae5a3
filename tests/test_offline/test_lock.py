"""One run at a time per output folder (mmppml/offline/lock.py)."""
import os

import pytest

from mmppml.offline import EncryptionError, LockedError, OutputError
from mmppml.offline.lock import LOCK_NAME, OutputLock


def test_a_second_lock_is_refused_while_the_first_is_held_and_granted_after(tmp_path):
    with OutputLock(tmp_path) as held:
        assert (tmp_path / LOCK_NAME).read_text() == f'{os.getpid()}\n'  # the holder is named
        with pytest.raises(LockedError, match=f'pid {os.getpid()}') as info:
            OutputLock(tmp_path).__enter__()
        assert info.value.exit_code == 5 and isinstance(info.value, EncryptionError)
        assert held._fd is not None  # the refusal left the holder's lock alone
        with pytest.raises(LockedError):
            OutputLock(tmp_path).__enter__()
    assert (tmp_path / LOCK_NAME).read_text() == ''  # no pid left behind
    with OutputLock(tmp_path):  # released when the holder closed it
        pass


def test_the_lock_is_released_when_the_holder_raises(tmp_path):
    with pytest.raises(RuntimeError):
        with OutputLock(tmp_path):
            raise RuntimeError('the run failed')
    with OutputLock(tmp_path):
        pass


def test_shared_locks_coexist_but_keep_an_exclusive_one_out(tmp_path):
    with OutputLock(tmp_path, shared=True), OutputLock(tmp_path, shared=True):
        with pytest.raises(LockedError, match='shards of a run'):  # no pid: the shards share it
            OutputLock(tmp_path).__enter__()
    with OutputLock(tmp_path):
        with pytest.raises(LockedError):
            OutputLock(tmp_path, shared=True).__enter__()


def test_locks_of_other_names_are_independent(tmp_path):
    with OutputLock(tmp_path, name=LOCK_NAME + '-shard-0-of-2'):
        with OutputLock(tmp_path, name=LOCK_NAME + '-shard-1-of-2'):
            with pytest.raises(LockedError):
                OutputLock(tmp_path, name=LOCK_NAME + '-shard-0-of-2').__enter__()


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes into read-only folders')
def test_a_folder_the_lock_cannot_be_created_in_is_an_output_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputError, match='cannot create the lock file') as info:
            OutputLock(tmp_path).__enter__()
        assert info.value.exit_code == 4
    finally:
        tmp_path.chmod(0o700)
