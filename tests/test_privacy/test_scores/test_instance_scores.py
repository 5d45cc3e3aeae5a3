"""Scores of the instance: ranking, SSIM margin, linkage and re-identification on tiny synthetic sets."""
import numpy as np
import pytest

from mmppml.crypto import mix_subpatches, new_rng, round_to_uint8, shuffle_patches
from mmppml.crypto.keyed_scramble import apply_scramble, new_scramble_key
from mmppml.privacy.scores import (chance_mrr, folded_bags, image_matcher_distances, instance_fidelity, linkage,
                                   ranking_scores, same_class_galleries, ssim_pairs, truth_scores)
from mmppml.privacy.scores.reid import shift_zero


def smooth_set(make_smooth, n, side=32, offset=0):
    return np.stack([make_smooth((side, side), sigma=2.5, seed=offset + i) for i in range(n)])


def test_truth_scores_break_ties_at_random_in_expectation():
    top1, rr = truth_scores(np.zeros((3, 10)))
    assert np.allclose(top1, 0.1) and np.allclose(rr, chance_mrr(10))
    d = np.array([[0., 1., 2., 3.], [2., 1., 0., 3.], [1., 1., 2., 0.]])
    top1, rr = truth_scores(d)
    assert np.allclose(top1, [1., 0., 0.]) and np.allclose(rr, [1., 1. / 3, (1. / 2 + 1. / 3) / 2])
    scores = ranking_scores(d)
    assert scores['chance_top1'] == 0.25 and scores['targets'] == 3
    assert scores['top1_low'] <= scores['top1'] <= scores['top1_high']


def test_galleries_hold_the_target_first_and_only_its_class():
    labels = np.repeat(np.arange(3), 20)
    targets = np.array([0, 25, 59])
    g = same_class_galleries(labels, targets, 10, np.random.default_rng(0))
    assert g.shape == (3, 10) and (g[:, 0] == targets).all()
    assert all(len(set(row)) == 10 and (labels[row] == labels[row[0]]).all() for row in g)
    with pytest.raises(ValueError, match='gallery needs'):
        same_class_galleries(labels, targets, 21, np.random.default_rng(0))


def test_ssim_pairs_equals_skimage(make_smooth):
    metrics = pytest.importorskip('skimage.metrics')
    a = smooth_set(make_smooth, 3)
    b = np.clip(a.astype(int) + np.random.default_rng(1).integers(-40, 40, a.shape), 0, 255).astype(np.uint8)
    ours = ssim_pairs(a, b)
    ref = [metrics.structural_similarity(x, y, data_range=255) for x, y in zip(a, b)]
    assert np.allclose(ours, ref, atol=1e-5)


def test_reid_of_identical_images_is_one(make_smooth):
    pool = smooth_set(make_smooth, 30)
    labels = np.zeros(30, int)
    g = same_class_galleries(labels, np.arange(30), 10, np.random.default_rng(0))
    for name, d in image_matcher_distances(pool, pool, g).items():
        assert ranking_scores(d)['top1'] == 1.0, name


def test_reid_in_noise_galleries_is_near_chance():
    rng = np.random.default_rng(0)
    pool = rng.integers(0, 256, (400, 16, 16)).astype(np.uint8)
    queries = rng.integers(0, 256, (400, 16, 16)).astype(np.uint8)  # unrelated to their targets
    g = same_class_galleries(np.zeros(400, int), np.arange(400), 10, rng)
    for name, d in image_matcher_distances(queries, pool, g).items():
        s = ranking_scores(d)
        assert s['top1_low'] <= 0.1 <= s['top1_high'] and abs(s['mrr'] - chance_mrr(10)) < 0.05, (name, s)


def test_a_class_prototype_scores_chance_while_the_plain_image_is_found(make_smooth):
    # two classes of smooth images; the gallery holds a shifted, noisier view of each image
    pool = smooth_set(make_smooth, 200)
    labels = np.repeat([0, 1], 100)
    rng = np.random.default_rng(3)
    views = np.stack([shift_zero(x[None], 1, -1)[0] for x in pool]).astype(int) + rng.integers(-10, 10, pool.shape)
    views = np.clip(views, 0, 255).astype(np.uint8)
    g = same_class_galleries(labels, np.arange(200), 20, rng)
    prototypes = np.stack([pool[labels == c].mean(axis=0) for c in (0, 1)])
    label_attack = image_matcher_distances(prototypes[labels], views, g)
    plain = image_matcher_distances(pool, views, g)
    for name in ('pixels', 'ssim'):
        assert ranking_scores(plain[name])['top1'] > 0.9, name
        assert ranking_scores(label_attack[name])['top1'] < 0.15, name  # chance 0.05, one winner per gallery


def test_fidelity_margin_separates_the_instance_from_its_class(make_smooth):
    pool = smooth_set(make_smooth, 40)
    g = same_class_galleries(np.zeros(40, int), np.arange(40), 10, np.random.default_rng(0))
    own = instance_fidelity(pool, pool, g)
    assert np.allclose(own['ssim'], 1.) and (own['margin'] > 0).all()
    proto = instance_fidelity(np.repeat(pool.mean(axis=0, keepdims=True), 40, axis=0), pool, g)
    assert proto['margin'].mean() < 0.05 and own['margin'].mean() > 0.3


def test_folded_bags_do_not_need_the_key(make_smooth):
    img = make_smooth((32, 32), seed=5)
    key = new_scramble_key(8, 1, seed=0)
    keyed = apply_scramble(img, key)
    assert not np.array_equal(keyed, img)
    assert np.array_equal(folded_bags(keyed, 8), folded_bags(img, 8))


@pytest.mark.parametrize('mode,s', [('rs', None), ('mi', 4), ('rs-on-mi', 4), ('keyed-rs', None), ('keyed-rs-on-mi', 4),
                                    ('bag', None), ('rs-on-mi', 2)])
def test_linkage_of_a_keyless_or_key_free_comparison_is_exact(make_smooth, mode, s):
    pool = smooth_set(make_smooth, 24)
    g = same_class_galleries(np.zeros(24, int), np.arange(8), 12, np.random.default_rng(0))
    rng = new_rng()
    ciphers = []
    for x in pool[:8]:  # the data owner's encryption, fresh randomness per image
        if mode in ('rs', 'keyed-rs'):
            c = shuffle_patches(x, 8, rng.permutation(16))
        elif mode == 'bag':
            from mmppml.crypto import random_pixel_bags
            c = random_pixel_bags(x, 8, rng)
        else:
            c = mix_subpatches(x, 8, s)
            if mode != 'mi':
                c = round_to_uint8(c) if mode.startswith('keyed') else c
                c = shuffle_patches(c, s, rng.permutation(16))
        if mode.startswith('keyed'):
            c = apply_scramble(c, new_scramble_key(8 if mode == 'keyed-rs' else s, 1, seed=1))
        ciphers.append(c)
    scores = linkage(np.stack(ciphers), pool, g, mode, 8, s)
    assert scores['top1'] == 1.0 and scores['mrr'] == 1.0


def test_linkage_of_convex_mi_needs_no_weights(make_smooth):
    from mmppml.crypto import random_convex_mix
    pool = smooth_set(make_smooth, 24)
    g = same_class_galleries(np.zeros(24, int), np.arange(8), 12, np.random.default_rng(0))
    ciphers = np.stack([random_convex_mix(x, 8, 4, 1., new_rng()) for x in pool[:8]])
    assert linkage(ciphers, pool, g, 'convex-mi', 8, 4)['top1'] == 1.0


def test_linkage_does_not_link_an_image_that_is_not_there(make_smooth):
    pool = smooth_set(make_smooth, 24)
    g = same_class_galleries(np.zeros(24, int), np.arange(8), 12, np.random.default_rng(0))
    strangers = smooth_set(make_smooth, 8, offset=100)  # ciphertexts of images outside the pool
    rng = new_rng()
    ciphers = np.stack([shuffle_patches(x, 8, rng.permutation(16)) for x in strangers])
    assert linkage(ciphers, pool, g, 'rs', 8)['top1'] < 0.5
