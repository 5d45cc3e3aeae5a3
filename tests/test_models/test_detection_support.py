"""Without mmcv's compiled ops (mmcv-lite, a classification-only install), mmppml's classification models build
and its detection modules say what is missing when a config builds them."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import sys
    sys.modules['mmcv.ops'] = None  # what mmcv-lite gives: importing mmcv's ops fails
    import torch
    import mmppml.models  # noqa: F401
    from mmppml.models.detection_support import mmdet_import_error
    from mmppml.registry import MODELS
    assert mmdet_import_error() is not None and 'mmcv.ops' in mmdet_import_error()
    backbone = MODELS.build(dict(type='PEViT', arch=dict(embed_dims=32, num_layers=1, num_heads=2,
                                 feedforward_channels=64), img_size=32, patch_size=8, init_cfg=None))
    assert backbone(torch.rand(1, 3, 32, 32))[0].shape[-1] == 32
    for name in ('YOLOS', 'YOLOSHead', 'EncryptingDetDataPreprocessor'):
        try:
            MODELS.build(dict(type=name))
        except ImportError as err:
            assert f'mmppml.{name} needs mmdet' in str(err) and 'mmcv.ops' in str(err), err
        else:
            raise AssertionError(f'{name} built without mmcv ops')
    print('ok')
''')


def test_classification_builds_and_detection_explains_itself_without_mmcv_ops():
    proc = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith('ok'), proc.stderr[-3000:]


def test_detection_modules_are_the_real_ones_with_mmcv_ops():
    import mmppml.models  # noqa: F401
    from mmppml.models.detection_support import DETECTION_MODULES, mmdet_import_error
    from mmppml.registry import MODELS
    assert mmdet_import_error() is None
    for name in DETECTION_MODULES:
        assert isinstance(MODELS.get(name), type), name
