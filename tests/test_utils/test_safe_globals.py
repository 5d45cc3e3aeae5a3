"""Importing mmppml lets torch's safe loader read MMEngine's checkpoints (mmppml/utils/safe_globals.py)."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

LOAD = 'import torch{}; torch.load({!r}); print("loaded")'


def test_import_mmppml_is_enough_for_the_safe_loader(tmp_path):
    """As mmdet's own tools/test.py and the inferencers load a checkpoint, once a config imports mmppml."""
    buffer = HistoryBuffer()
    buffer.update(1.5)
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(meta=dict(epoch=np.int64(1), hub=dict(loss=buffer, stat=HistoryBuffer.mean)), state_dict={}), path)
    for imports, ok in (('', False), ('; import mmppml', True)):
        proc = subprocess.run([sys.executable, '-c', LOAD.format(imports, path)], capture_output=True, text=True)
        assert (proc.returncode == 0 and 'loaded' in proc.stdout) == ok, proc.stderr[-500:]
        if not ok:
            assert 'Weights only load failed' in proc.stderr


def test_only_history_buffer_statistics_are_reachable():
    from mmppml.utils.safe_globals import _history_buffer_method
    assert _history_buffer_method(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for owner, name in ((HistoryBuffer, '__init__'), (object, 'mean')):
        with pytest.raises(RuntimeError, match='only the statistics'):
            _history_buffer_method(owner, name)


def test_import_mmppml_without_torch_imports_no_torch():
    code = 'import sys, mmppml.crypto; print(sorted(m for m in sys.modules if m.split(".")[0] == "torch"))'
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == '[]', proc.stderr[-500:]


MMPPML_THEN_TORCH = '''
import sys
import mmppml
assert 'torch' not in sys.modules  # the order of the issue: mmppml first, torch after it
import functools
import numpy as np
import torch
torch.load = functools.partial(torch.load, weights_only=True)  # the safe loader, whatever the default
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import _load_checkpoint, save_checkpoint
hub = MessageHub.get_instance('test')
hub.update_scalar('train/loss', 1.5)
save_checkpoint(dict(meta=dict(epoch=np.int64(1)), state_dict=dict(w=torch.zeros(2)), message_hub=hub.state_dict()),
                sys.argv[1])
checkpoint = _load_checkpoint(sys.argv[1], map_location='cpu')
assert checkpoint['message_hub']['log_scalars']['train/loss'].current() == 1.5
print('loaded')
'''


def test_torch_imported_after_mmppml_still_loads_mmengine_checkpoints(tmp_path):
    """``import mmppml`` before torch: the types are allow-listed once torch is imported, through
    MMEngine's own save_checkpoint and load path under ``torch.load(weights_only=True)``."""
    proc = subprocess.run([sys.executable, '-c', MMPPML_THEN_TORCH,
                           str(tmp_path / 'epoch_1.pth')],
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0 and 'loaded' in proc.stdout, proc.stderr[-800:]
