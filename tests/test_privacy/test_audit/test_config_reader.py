"""What a config trains with, read from its data preprocessor or its pipeline, in both libraries."""
import os.path as osp

import pytest

from mmppml.privacy.audit import read_setting

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs')


def cls_config(preprocessor=None, steps=(), crop=dict(type='RandomResizedCrop', scale=224)):
    pipeline = [dict(type='LoadImageFromFile'), crop, *steps, dict(type='PackInputs')]
    model = dict(type='ImageClassifier', data_preprocessor=preprocessor)
    return dict(default_scope='mmpretrain', model=model, train_dataloader=dict(dataset=dict(pipeline=pipeline)))


def det_config(preprocessor=None, steps=()):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(1333, 800), keep_ratio=True), *steps,
        dict(type='PackDetInputs')
    ]
    model = dict(type='RetinaNet', data_preprocessor=preprocessor or dict(type='DetDataPreprocessor'))
    return dict(default_scope='mmdet', model=model, train_dataloader=dict(dataset=dict(pipeline=pipeline)))


@pytest.mark.parametrize('cfg, expected', [
    (cls_config(steps=[dict(type='mmppml.MixSubPatches', patch_size=16, sub_patch_size=4)]),
     ('mi', 16, 4, 224, 'mmpretrain', 'pipeline')),
    (cls_config(
        dict(type='mmppml.EncryptingClsDataPreprocessor', mode='rs-on-mi', patch_size=8, sub_patch_size=2),
        crop=dict(type='CenterCrop', crop_size=96)), ('rs-on-mi', 8, 2, 96, 'mmpretrain', 'preprocessor')),
    (det_config(steps=[dict(type='mmppml.ShuffledMixSubPatches', patch_size=32, sub_patch_size=8)]),
     ('rs-on-mi', 32, 8, 800, 'mmdet', 'pipeline')),
    (det_config(dict(type='mmppml.EncryptingDetDataPreprocessor')), ('mi', 16, 8, 800, 'mmdet', 'preprocessor')),
])
def test_mode_sizes_and_image_size_are_read_where_training_encrypts(cfg, expected):
    s = read_setting(cfg)
    assert (s.mode, s.patch_size, s.sub_patch_size, s.size, s.library) == expected[:5]
    assert ('data_preprocessor' in s.where) == (expected[5] == 'preprocessor')


def test_defaults_and_parameters_come_from_the_registered_class():
    s = read_setting(cls_config(steps=[dict(type='mmppml.RandomPatchShuffle')]))  # P defaults to 16
    assert (s.mode, s.patch_size, s.sub_patch_size, s.label) == ('rs', 16, None, 'RS-16')
    s = read_setting(
        cls_config(
            steps=[dict(type='mmppml.ModeEncryption', mode='noisy-rs-on-mi', patch_size=8, sub_patch_size=4, sigma=4.)
                   ]))
    assert (s.mode, s.param, s.label) == ('noisy-rs-on-mi', {'sigma': 4.}, 'noisy RS-on-MI-8/4')


def test_an_existing_config_is_read():
    s = read_setting(osp.join(CONFIGS, 'mmpretrain', 'pevit-small-rs-p16_4xb256_in1k.py'))
    assert (s.mode, s.patch_size, s.size) == ('rs', 16, 224)


def test_configs_without_one_encryption_are_refused():
    with pytest.raises(ValueError, match='no encryption found'):
        read_setting(cls_config())
    with pytest.raises(ValueError, match='encrypts in 2 places'):
        read_setting(
            cls_config(
                dict(type='mmppml.EncryptingClsDataPreprocessor', mode='rs', patch_size=8),
                steps=[dict(type='mmppml.RandomPatchShuffle', patch_size=8)]))
    with pytest.raises(ValueError, match='encrypts nothing'):
        read_setting(cls_config(dict(type='mmppml.EncryptingClsDataPreprocessor', mode='plain')))


@pytest.mark.parametrize(
    'cfg, padding',
    [
        (osp.join(CONFIGS, 'demo', 'pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py'), (32, 0)),  # pixel_pad_value=0
        (cls_config(
            dict(
                type='mmppml.EncryptingClsDataPreprocessor',
                mode='rs',
                patch_size=8,
                pad_size_divisor=16,
                mean=[100.],
                std=[50.],
                pad_value=1.)), (16, 150)),  # 100 + 1 x 50, back on the pixel scale
        (det_config(dict(type='mmppml.EncryptingDetDataPreprocessor', pad_size_divisor=64, pixel_pad_value=9)),
         (16, 9)),  # each image to a multiple of P before the mix; the batch later, after it
        (cls_config(steps=[dict(type='mmppml.RandomPatchShuffle', patch_size=8)]), (1, 0)),  # a pipeline pads after it
    ])
def test_the_padding_before_the_encryption_is_read(cfg, padding):
    s = read_setting(cfg)
    assert (s.pad_size_divisor, s.pad_value) == padding
