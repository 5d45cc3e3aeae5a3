# RS-PEViT with a predefined-anchor head instead of the linear one: the cls token is projected to
# a 64-d space and pulled (cosine distance) to fixed class anchors, the 10 vertices of a regular
# simplex; prediction is the nearest anchor. Same data, encryption, backbone and budget as
# pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py.
_base_ = './pevit-tiny-rs-p8_1xb128-3e_fashion-mnist.py'

model = dict(
    head=dict(
        _delete_=True,
        type='mmppml.ClassAnchorHead',
        num_classes=10,
        in_channels=64,
        embed_dims=64,
        loss=dict(type='mmppml.CosineAnchorLoss', principle='simplex'),
        # Cross-entropy on the anchor scores can be added: ce_weight=0.5.
        ce_weight=0.))
