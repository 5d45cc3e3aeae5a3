"""The learned block-position attacker and the assignment decoder."""

import numpy as np
import torch

from mmppml.privacy.attacks.block_attacker import assign_positions, attack_shuffles, place_blocks, train_block_attacker


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
