"""The rows of the GPU check: each half of it reports what it ran."""
import pytest

from projects.benchmarks.suites import gpu_check


def test_each_part_has_its_own_rows():
    """The halves of the check (run while mmcv's ops build, then after) print the rows of what ran only."""
    step = dict(step_s=0.1, peak_mib=10.0, finite=True, encrypt_share=0.001)
    classifiers = [
        dict(step, label='DeiT-S', batch=4, side=64, images_per_s=40.0),
        dict(step, label='PEViT-S RS', batch=4, side=64, images_per_s=39.0, throughput_vs_deit=0.975)
    ]
    train = dict(
        label='tools/train.py --amp',
        iterations=2,
        config='c.py',
        returncode=0,
        seconds=1.0,
        amp_wrapper=True,
        finite=True)
    detector = dict(step, label='RetinaNet PEViT-S MI', batch=1, size=[96, 128], finite=False)
    cls_rows = gpu_check.checks(dict(classifiers=classifiers, train=train))
    det_rows = gpu_check.checks(dict(detector=detector))
    assert not any('RetinaNet' in row['check'] for row in cls_rows)
    assert any(row['check'].startswith('tools/train.py') and row['met'] for row in cls_rows)
    assert [row['met'] for row in cls_rows if row['check'].endswith('/ DeiT-S images/s')] == [True]
    assert not any('DeiT' in row['check'] or 'train.py' in row['check'] for row in det_rows)
    assert [row['met'] for row in det_rows if row['check'].startswith('losses and weights')] == [False]
    with pytest.raises(ValueError, match='part must be one of'):
        gpu_check.run(gpu_check.TINY, None, '.', part='both')
