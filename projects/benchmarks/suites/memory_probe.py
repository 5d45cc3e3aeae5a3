"""Peak memory of model steps on CPU, measured in a fresh process (Linux).

Run by :mod:`.model` as ``python -m projects.benchmarks.suites.memory_probe '<json request>'`` with
``MALLOC_MMAP_THRESHOLD_`` set, so that large blocks go back to the system when freed and the
resident set follows the live tensors. For each model and mode: one warm-up step, then the peak
resident set (VmHWM, reset through ``/proc/self/clear_refs``) during one step minus the resident
set before it. Prints ``{mode: {kind: MiB}}`` as JSON.
"""
import gc
import json
import sys

import torch

from .model import build_steps


def status_mib(key: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak() -> None:
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def step_peak_mib(step) -> float:
    """Peak extra resident memory of ``step()`` in MiB (after one warm-up call)."""
    step()  # warm-up: one-time allocations are not the step's
    if hasattr(step, 'model'):
        step.model.zero_grad(set_to_none=True)  # the step frees and remakes the gradients
    gc.collect()
    reset_peak()
    before = status_mib('VmRSS')
    step()
    return status_mib('VmHWM') - before


def main(request: dict) -> dict:
    torch.set_num_threads(request['threads'])
    peaks = {}
    for mode in request['modes']:
        peaks[mode] = {}
        for kind in request['kinds']:
            steps = build_steps([kind], request['arch'], request['img_size'], request['batch'], mode,
                                torch.device('cpu'))
            peaks[mode][kind] = step_peak_mib(steps[kind])
            del steps
            gc.collect()
    return peaks


if __name__ == '__main__':
    print(json.dumps(main(json.loads(sys.argv[1]))))
