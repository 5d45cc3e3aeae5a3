"""The table of modes, the one (mode, P, S) check, and the per-process value (mmppml/crypto/modes.py, keys.py)."""
import os
import pickle

import numpy as np
import pytest

from mmppml.crypto import MODE_TABLE, MODES, encrypt, get_mode, mix_subpatches, shuffle_mixed_blocks, to_blocks
from mmppml.crypto.keys import PerProcess


def test_the_table_names_every_mode_once():
    assert MODES == ('rs', 'mi', 'rs-on-mi')
    for field in ('label', 'token'):
        values = [getattr(m, field) for m in MODE_TABLE.values()]
        assert len(set(values)) == len(values)
    assert [m.name for m in MODE_TABLE.values() if m.keeps_layout] == ['plain', 'mi', 'convex-mi']
    assert get_mode('rs-on-mi').setting_label(8, 4) == 'RS-on-MI-8/4' and get_mode('rs').setting_label(8) == 'RS-8'


@pytest.mark.parametrize('mode, p, s, message', [
    ('rs', 8, 4, 'takes no sub_patch_size'),
    ('mi', 8, None, 'needs sub_patch_size'),
    ('rs-on-mi', 8, 8, 'mix nothing'),
    ('mi', 8, 3, 'must divide'),
    ('rs', 0, None, 'positive integer'),
])
def test_one_check_of_mode_sizes(mode, p, s, message):
    with pytest.raises(ValueError, match=message):
        get_mode(mode).check_sizes(p, s)
    if mode != 'rs' or s is None:  # encrypt() takes P only for RS and ignores S, as it always has
        with pytest.raises(ValueError, match=message):
            encrypt(np.zeros((16, 16), np.uint8), mode, p, s)


def test_unknown_modes_are_named():
    with pytest.raises(ValueError, match="one of \\('rs', 'mi', 'rs-on-mi'\\)"):
        get_mode('bag', offline=True)


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_channels_first_changes_the_layout_only(dtype):
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3)).astype(dtype)
    plain = mix_subpatches(img, 8, 4)
    first = mix_subpatches(img, 8, 4, channels_first=True)
    assert np.array_equal(first, plain) and first.transpose(2, 0, 1).flags.c_contiguous
    shuffled = shuffle_mixed_blocks(img, 8, 4, seed=1, channels_first=True)
    assert np.array_equal(shuffled, shuffle_mixed_blocks(img, 8, 4, seed=1))
    assert sorted(b.tobytes()
                  for b in to_blocks(np.ascontiguousarray(shuffled), 4)) == sorted(b.tobytes()
                                                                                   for b in to_blocks(plain, 4))


def test_per_process_value_is_made_once_per_process_and_key_and_never_pickled():
    calls = []
    value = PerProcess()
    make = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert value.get(make) == value.get(make) == 1
    assert value.get(make, key='cuda:0') == 2
    copy = pickle.loads(pickle.dumps(value))
    assert copy.get(make, key='cuda:0') == 3  # the copy makes its own
    pid = os.fork()
    if pid == 0:  # a forked worker makes its own value
        os._exit(0 if value.get(make, key='cuda:0') == 4 else 1)
    assert os.waitpid(pid, 0)[1] == 0


def test_the_docs_table_of_modes_is_the_table():
    """docs/en/user_guides/configs_and_transforms.md shows MODE_TABLE row for row."""
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / 'docs/en/user_guides/configs_and_transforms.md').read_text()
    rows = [line.split('|')[1:-1] for line in doc.splitlines() if line.startswith('| `')]
    table = {cells[0].strip().strip('`'): [c.strip() for c in cells] for cells in rows if len(cells) == 7}
    assert list(table) == list(MODE_TABLE)
    for name, mode in MODE_TABLE.items():
        _, label, token, transform, needs_s, layout, refuses = table[name]
        assert (label, token.strip('`'), refuses) == (mode.label, mode.token, mode.refuses)
        assert transform.strip('`') == (f'mmppml.{mode.transform}' if mode.transform else '-')
        assert (needs_s, layout) == (('yes' if mode.needs_sub_patch else 'no'), ('yes' if mode.keeps_layout else 'no'))
