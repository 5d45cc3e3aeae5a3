"""The learned block-position attacker, the assignment decoder and the in-domain stage's data path."""
import gzip

import numpy as np
import pytest
import torch

from mmppml.privacy.block_attacker import assign_positions, attack_shuffles, place_blocks, train_block_attacker


def attack(blocks, steps_epochs=40., **kw):
    """Train on ``blocks`` (M, 16, 2, 2), attack fresh shuffles of new ones; return the direct score."""
    torch.manual_seed(0)
    model = train_block_attacker(
        blocks, (4, 4),
        2,
        epochs=steps_epochs,
        batch_size=64,
        lr=3e-3,
        flip=False,
        embed_dims=32,
        num_layers=1,
        num_heads=2,
        **kw)
    rng = np.random.default_rng(1)
    test = blocks[:64]
    perms = np.stack([rng.permutation(16) for _ in test])
    scores, shuffled, rebuilt = attack_shuffles(model, test, perms, (4, 4))
    assert shuffled.shape == rebuilt.shape == (64, 8, 8)
    return float(np.mean([s['direct'] for s in scores]))


def test_attacker_places_blocks_whose_content_encodes_their_position():
    rng = np.random.default_rng(0)
    values = np.arange(16) * 15 + rng.integers(0, 5, (256, 16))  # block i is about 15 * i, plus noise
    blocks = np.repeat(values[..., None, None], 2, -1).repeat(2, -2).astype(np.uint8)
    assert attack(blocks) > 0.95


def test_attacker_is_at_chance_on_noise_blocks():
    blocks = np.random.default_rng(0).integers(0, 256, (256, 16, 2, 2), dtype=np.uint8)
    assert attack(blocks, steps_epochs=10.) < 0.2  # chance: 1 / 16


def test_assignment_returns_a_permutation_even_when_every_block_wants_one_place():
    logits = np.zeros((5, 5))
    logits[:, 2] = 10.
    logits[3, 2] = 20.
    positions = assign_positions(logits)
    assert sorted(positions) == list(range(5)) and positions[3] == 2


def test_place_blocks_undoes_a_shuffle():
    blocks = np.arange(9 * 4).reshape(9, 2, 2)
    perm = np.random.default_rng(0).permutation(9)
    np.testing.assert_array_equal(place_blocks(blocks[perm], perm), blocks)


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(int(n).to_bytes(4, 'big') for n in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_in_domain_stage_trains_the_proxy_on_plain_training_images_only(tmp_path, monkeypatch):
    pytest.importorskip('skimage')
    from mmppml.privacy import in_domain, proxy
    rng = np.random.default_rng(0)
    # 16 test images of every class: the first 16 are attacked, and each finds a same-class gallery of 10
    for split, n in (('train', 96), ('t10k', 160)):
        write_idx(tmp_path / f'{split}-images-idx3-ubyte.gz', rng.integers(0, 256, (n, 28, 28)))
        write_idx(tmp_path / f'{split}-labels-idx1-ubyte.gz', rng.permutation(np.arange(n) % 10))
    plain_train, plain_labels = in_domain.load_padded('train', None, str(tmp_path))
    seen = []
    real_train_proxy = proxy.train_proxy

    def spy(images, labels, **kwargs):
        seen.append((images.copy(), labels.copy()))
        return real_train_proxy(images, labels, **kwargs)

    monkeypatch.setattr(proxy, 'train_proxy', spy)
    cfg = in_domain.InDomainConfig.quick()
    cfg.root, cfg.train_images, cfg.test_images = str(tmp_path), None, 16
    stage = in_domain.InDomainAttacks(cfg, budget_s=60, log=lambda m: None).run()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0][0], plain_train)  # the plain images, not an encryption of them
    np.testing.assert_array_equal(seen[0][1], plain_labels)
    modes = {r['mode'] for r in stage.tables['strongest']}
    assert modes == {'RS-8', 'keyed RS-8', 'MI-8/4', 'RS-on-MI-8/4', 'keyed RS-on-MI-8/4'}
    assert all(0 <= r['proxy_top1'] <= 1 for r in stage.tables['attacks'])
