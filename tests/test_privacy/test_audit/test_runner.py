"""The audit end to end on tiny image sets (32 px), and the properties its scores must have."""
import dataclasses
import os.path as osp
import time

import numpy as np
import pytest

from mmppml.crypto import MODE_TABLE, new_rng
from mmppml.privacy.audit import (AuditOptions, AuditSetting, ImageSet, PrivacyAudit, from_folder, from_path,
                                  gallery_size, summarize, write_audit)
from mmppml.privacy.scores import random_galleries


def run(setting, private, public, **options):
    opts = AuditOptions.quick(**dict(dict(num_private=40, num_public=40, targets=40, gallery=10), **options))
    return PrivacyAudit(setting, private, public, opts, log=lambda msg: None).run()


def test_audit_of_a_labelled_folder_set_runs_in_seconds(tmp_path, write_images):
    private = from_folder(write_images(tmp_path / 'private', 40, classes=2))
    public = from_folder(write_images(tmp_path / 'public', 40, seed=1000, classes=2))
    start = time.time()
    results = run(AuditSetting('rs', 8, size=32), private, public)
    paths = write_audit(str(tmp_path / 'out'), results, 'cfg.py')
    assert time.time() - start < 60 and all(osp.exists(p) for p in paths)
    summary = summarize(results)
    assert (results['side'], results['gallery'], results['private']['labelled']) == (32, 10, True)
    assert summary['linkage']['top1'] == 1.0  # RS keeps the blocks: the holder of the original finds it
    assert summary['strongest']['top1'] >= summary['handed_over']['top1']
    report = open(paths[1]).read()
    assert 'same-class' in report and 'same kind' in report and 'RS-8' in report
    assert 'a shift of up to 2 px, contrast x 0.75-1.25' in report  # the views drawn, in words
    # Every model the attacks trained is in the training table, with the steps it took.
    trained = {row['model']: row['steps'] for row in results['training']}
    assert set(trained) == {
        'view embedding (plain public images)', 'block attacker rs 8', 'rs ciphertext matcher P=8 S=None'
    }
    assert all(steps >= 1 for steps in trained.values()) and '| block attacker rs 8 | 40 |' in report


def test_audit_of_a_coco_set_uses_random_galleries(tmp_path, write_images):
    private = from_path(write_images(tmp_path / 'private', 30, coco=True))
    public = from_path(write_images(tmp_path / 'public', 30, seed=1000, coco=True))
    results = run(AuditSetting('mi', 8, 4), private, public, gallery=7, targets=20)
    assert (results['scale'], results['side'], results['gallery'], results['targets']) == (40, 40, 7, 20)
    assert not results['private']['labelled']
    assert all(r['gallery'] == 7 and r['targets'] == 20 for r in results['instance'])
    assert summarize(results)['linkage']['top1'] == 1.0  # MI is a fixed map


def test_random_galleries_have_the_requested_size_and_span_the_pool():
    g = random_galleries(50, np.arange(20), 12, np.random.default_rng(0))
    assert g.shape == (20, 12) and (g[:, 0] == np.arange(20)).all()
    assert all(len(set(row)) == 12 for row in g) and len(np.unique(g)) > 40
    assert gallery_size(None, 50, 100) == 50 and gallery_size(np.array([0] * 9 + [1] * 30), 39, 20) == 9
    with pytest.raises(ValueError, match='galleries need 2'):
        gallery_size(np.array([0, 1, 1]), 3, 10)


def _mode(name, numpy, content):
    return dataclasses.replace(
        MODE_TABLE['mi'],
        name=name,
        label=name,
        transform=None,
        needs_sub_patch=False,
        offline=False,
        numpy=numpy,
        batch=None,
        content=content,
        attack=None)


@pytest.fixture
def test_modes(monkeypatch):
    """An identity 'encryption' and one that hands over noise, as mode records (the audit asks the record)."""

    def identity(img, p, s, param, seed):
        return img

    def noise(img, p, s, param, seed):
        return new_rng(seed).integers(0, 256, img.shape).astype(np.uint8)

    monkeypatch.setitem(MODE_TABLE, 'identity', _mode('identity', identity, lambda img, p, s: img))
    monkeypatch.setitem(MODE_TABLE, 'noise', _mode('noise', noise, None))


def test_identity_is_found_and_noise_is_at_chance(tmp_path, write_images, test_modes):
    private = from_folder(write_images(tmp_path / 'private', 60))
    public = from_folder(write_images(tmp_path / 'public', 40, seed=1000))
    same = summarize(run(AuditSetting('identity', 8, size=32), private, public, num_private=60, targets=60))
    assert same['linkage']['top1'] == 1.0 and same['handed_over']['top1'] == 1.0
    results = run(AuditSetting('noise', 8, size=32), private, public, num_private=60, targets=60)
    # 60 targets, K = 10: top-1 is a binomial share with chance 0.1 and standard error 0.039; every row
    # (linkage, three image matchers, the learned matcher) must lie within 4 standard errors of chance.
    rows = results['instance']
    assert len(rows) == 5 and all(abs(r['top1'] - 0.1) <= 4 * 0.039 for r in rows), [r['top1'] for r in rows]


def test_small_images_held_in_memory_are_padded_and_get_shifted_views():
    """28-px images padded to 32 by the data preprocessor: audited at 32 px (16 blocks of 8), with the
    views a second shot of a small image differs by (a shift), unless the options say otherwise."""

    def in_memory(n, seed):
        images = np.random.default_rng(seed).integers(0, 256, (n, 28, 28)).astype(np.uint8)
        return ImageSet([f'set{seed}[{i}]' for i in range(n)], np.arange(n) % 2, 'arrays', images)

    setting = AuditSetting('rs', 8, pad_size_divisor=32, pad_value=0)
    results = run(setting, in_memory(40, 1), in_memory(40, 2))
    assert (results['scale'], results['side'], results['views']) == (28, 32, 'shift')
    assert summarize(results)['linkage']['top1'] == 1.0
    assert AuditOptions(views='auto').view_kind(128) == 'crop' and AuditOptions(views='crop').view_kind(32) == 'crop'
    # ordered: the targets and the pool are the first private images, in their order
    private = in_memory(40, 1)
    audit = PrivacyAudit(setting, private, in_memory(40, 2), AuditOptions.quick(num_private=30, ordered_private=True))
    assert audit.private.paths == private.paths[:30]
    assert PrivacyAudit(setting, private, in_memory(40, 2), AuditOptions.quick(num_private=30)).private.paths != \
        private.paths[:30]
    with pytest.raises(ValueError, match='views must be'):
        AuditOptions(views='rotate')
