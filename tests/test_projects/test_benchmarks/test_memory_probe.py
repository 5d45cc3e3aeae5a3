"""The CPU memory probe of the model suite, in a fresh process."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(not os.access('/proc/self/clear_refs', os.W_OK), reason='needs Linux /proc/self/clear_refs')
def test_memory_probe_sees_a_known_allocation():
    # In a fresh process with the allocator settings the benchmark uses, as the tool runs the probe.
    code = ('import torch\n'
            'from projects.benchmarks.suites.memory_probe import step_peak_mib\n'
            'print(step_peak_mib(lambda: torch.ones(64 * 2**20 // 4)))')  # 64 MiB, touched
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536', MALLOC_TRIM_THRESHOLD_='0', PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 60 < float(proc.stdout.split()[-1]) < 90
