"""Views, ciphertext tokens and the learned matchers of the instance scores (torch)."""
import numpy as np
import pytest
import torch

from mmppml.crypto import mix_subpatches, new_rng, random_pixel_bags, shuffle_patches
from mmppml.privacy.scores import ranking_scores, same_class_galleries
from mmppml.privacy.scores.matcher import CipherTokens, embed_ciphertexts, embed_images, train_cipher_matcher
from mmppml.privacy.scores.reid import embedding_distances, shift_zero
from mmppml.privacy.scores.views import ViewConfig, apply_views, identity_params, other_views


def test_identity_view_is_the_image_and_a_shift_moves_it(make_smooth):
    x = np.stack([make_smooth((32, 32), seed=i) for i in range(3)])
    t = torch.from_numpy(x.astype(np.float32))
    assert np.array_equal(apply_views(t, identity_params(3)).numpy(), x)
    params = identity_params(3)
    params['dy'], params['dx'] = np.array([1, -2, 0]), np.array([0, 1, -1])
    moved = apply_views(t, params).numpy()
    for i in range(3):
        assert np.array_equal(moved[i], shift_zero(x[i:i + 1], params['dy'][i], params['dx'][i])[0])
    views = other_views(x, np.random.default_rng(0), ViewConfig())
    assert views.dtype == np.uint8 and views.shape == x.shape and not np.array_equal(views, x)


def _rows(tokens):
    return sorted(map(tuple, np.round(tokens.numpy(), 5)))


@pytest.mark.parametrize('mode,s', [('rs', None), ('mi', 4), ('rs-on-mi', 4), ('bag', None), ('rs-on-mi', 2)])
def test_tokens_of_the_training_encryption_are_those_of_the_real_one(make_smooth, mode, s):
    x = make_smooth((32, 32), seed=7)
    spec = CipherTokens(mode, 8, s)
    rng = new_rng()
    if mode == 'rs':
        cipher = shuffle_patches(x, 8, rng.permutation(16))
    elif mode == 'bag':
        cipher = random_pixel_bags(x, 8, rng)
    else:
        cipher = mix_subpatches(x, 8, s)
        if mode == 'rs-on-mi':
            cipher = shuffle_patches(cipher, s, rng.permutation(16))
    real = spec.from_ciphertexts(cipher[None])[0]
    trained_on = spec.encrypt(torch.from_numpy(x[None].astype(np.float32)), torch.Generator().manual_seed(0))[0]
    if spec.layout:
        assert torch.allclose(real, trained_on, atol=1e-5)
    else:
        assert _rows(real) == _rows(trained_on)


def test_the_set_encoder_ignores_the_order_of_blocks(make_smooth):
    x = make_smooth((32, 32), seed=3)
    spec = CipherTokens('rs', 8)
    model = train_cipher_matcher(x[None].repeat(8, 0), np.arange(8) % 2, spec, epochs=0.1, batch_size=8)
    rng = new_rng()
    a, b = (shuffle_patches(x, 8, rng.permutation(16)) for _ in range(2))
    fa, fb = embed_ciphertexts(model, np.stack([a, b]))
    assert np.allclose(fa, fb, atol=1e-5)


def test_a_matcher_is_fixed_by_its_seed_from_the_initial_weights_on(make_smooth):
    """Whatever ran before (here: other draws from torch's global generator), a seed gives one matcher."""
    x = np.stack([make_smooth((32, 32), seed=i) for i in range(8)])

    def weights(seed):
        torch.rand(int(torch.randint(1, 100, (1, ))))  # a different global state before every call
        model = train_cipher_matcher(x, np.arange(8) % 2, CipherTokens('rs', 8), epochs=1, batch_size=4, seed=seed)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(weights(3), weights(3))
    assert not torch.equal(weights(3), weights(4))


def test_a_learned_matcher_re_identifies_views_in_an_easy_case(make_smooth):
    # distinct smooth images, MI-8/4 (layout kept): a short training should find the instance well above chance
    images = np.stack([make_smooth((32, 32), sigma=3., seed=i) for i in range(600)])
    labels = np.arange(600) % 2
    train, test = images[:500], images[500:]
    spec = CipherTokens('mi', 8, 4)
    model = train_cipher_matcher(train, labels[:500], spec, epochs=25, batch_size=64, classes_per_batch=2, lr=3e-3)
    views = other_views(test, np.random.default_rng(1))
    g = same_class_galleries(labels[500:], np.arange(100), 10, np.random.default_rng(2))
    ciphers = np.stack([mix_subpatches(x, 8, 4) for x in test])
    d = embedding_distances(embed_ciphertexts(model, ciphers), embed_images(model.plain, views), g)
    scores = ranking_scores(d)
    assert scores['top1_low'] > 3 * scores['chance_top1'], scores
