"""Running code in a fresh interpreter in which some packages cannot be imported."""
import subprocess
import sys
from typing import Sequence


def run_without(blocked: Sequence[str], body: str) -> str:
    """Run ``body`` in a new Python where importing any of ``blocked`` (top-level names) raises ImportError.

    Returns:
        str: what ``body`` printed, stripped. The call fails (AssertionError with the error output) when
        ``body`` raised, e.g. because something it imported needs a blocked package.
    """
    code = ('import sys, importlib.abc\n'
            'class Block(importlib.abc.MetaPathFinder):\n'
            '    def find_spec(self, name, *args):\n'
            f'        if name.split(".")[0] in {tuple(blocked)!r}:\n'
            '            raise ImportError(name)\n'
            'sys.meta_path.insert(0, Block())\n' + body)
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()
