"""The bag embedding sees exactly what pixel bags leave: invariant to pixels moved inside a block."""
import numpy as np
import torch

from mmppml.crypto import permute_block_pixels, random_pixel_bags
from mmppml.models.backbones import PEViT


def test_bag_embedding_is_invariant_to_pixel_order_inside_blocks():
    torch.manual_seed(0)
    model = PEViT(
        arch=dict(embed_dims=16, num_layers=1, num_heads=2, feedforward_channels=32),
        patch_size=4,
        in_channels=1,
        embed_mode='bag',
        pos_embed=None,
        img_size=16).eval()
    img = np.random.default_rng(0).integers(0, 256, (16, 16)).astype(np.float32)
    perms = np.argsort(np.random.default_rng(1).random((16, 16)), axis=1)
    moved = permute_block_pixels(img, 4, perms)
    as_batch = lambda x: torch.from_numpy(np.ascontiguousarray(x))[None, None] / 255.  # noqa: E731
    with torch.no_grad():
        tokens, grid = model.patch_embed(as_batch(img))
        moved_tokens, _ = model.patch_embed(as_batch(moved))
        torch.testing.assert_close(tokens, moved_tokens)  # token by token: the bag is all it reads
        out = model(as_batch(img))[0]
        torch.testing.assert_close(out, model(as_batch(random_pixel_bags(img, 4, seed=0)))[0], rtol=1e-4, atol=1e-5)
        other = img.copy()
        other[0, 0] += 50.  # a different value in one bag changes its token
        assert not torch.allclose(model.patch_embed(as_batch(other))[0][:, 0], tokens[:, 0])
    assert grid == (4, 4) and tokens.shape == (1, 16, 16)
