"""The in-domain stage: its human proxy learns from the plain public training images only."""

import numpy as np
import pytest

from mmppml.idx import write_idx
from mmppml.privacy.scores import proxy
from projects.fashion_mnist_privacy.experiments import in_domain


def test_in_domain_stage_trains_the_proxy_on_plain_training_images_only(tmp_path, monkeypatch):
    pytest.importorskip('skimage')
    rng = np.random.default_rng(0)
    for split, n in (('train', 96), ('t10k', 32)):  # the first 16 test images are attacked
        write_idx(str(tmp_path / f'{split}-images-idx3-ubyte.gz'), rng.integers(0, 256, (n, 28, 28)))
        write_idx(str(tmp_path / f'{split}-labels-idx1-ubyte.gz'), rng.permutation(np.arange(n) % 10))
    plain_train, plain_labels = in_domain.load_padded('train', None, str(tmp_path))
    seen = []
    real_train_proxy = proxy.train_proxy

    def spy(images, labels, **kwargs):
        seen.append((images.copy(), labels.copy()))
        seen.append(real_train_proxy(images, labels, **kwargs))
        return seen[-1]

    monkeypatch.setattr(proxy, 'train_proxy', spy)
    cfg = in_domain.InDomainConfig.quick()
    cfg.root, cfg.train_images, cfg.test_images = str(tmp_path), None, 16
    stage = in_domain.InDomainAttacks(cfg, budget_s=60, log=lambda m: None).run()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0][0], plain_train)  # the plain images, not an encryption of them
    np.testing.assert_array_equal(seen[0][1], plain_labels)
    modes = {r['mode'] for r in stage.tables['strongest']}
    assert modes == {'RS-8', 'keyed RS-8', 'MI-8/4', 'RS-on-MI-8/4', 'keyed RS-on-MI-8/4'}
    # each attack's score is the share of its 16 reconstructions the proxy labels right; a mode's strongest
    # attack is the one of the highest score
    rows = stage.tables['attacks']
    assert {r['images'] for r in rows} == {16}
    assert all(r['proxy_top1'] * 16 == round(r['proxy_top1'] * 16) for r in rows)
    for best in stage.tables['strongest']:
        mine = [r for r in rows if r['mode'] == best['mode']]
        assert best['proxy_top1'] == max(r['proxy_top1'] for r in mine)
        assert best['strongest_attack'] in {r['attack'] for r in mine if r['proxy_top1'] == best['proxy_top1']}
    test, test_labels = in_domain.load_padded('test', 16, str(tmp_path))
    assert stage.references['plain'] == proxy.proxy_top1(seen[1], test, test_labels)  # the proxy on the plain images
