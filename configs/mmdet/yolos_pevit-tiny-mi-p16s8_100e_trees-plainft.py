# YOLOS on MI tree images as the official recipe trains it: from a trained backbone, not from scratch.
# The backbone is a plain-trained tiny PEViT (the one of retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees.py,
# trained first), its patch conv converted into the linear MI embedding, which learns at 10x the rate;
# learned position embedding resized to each input, no drop path, 3-layer MLP class and box heads, loss
# on the last layer only, cosine schedule (100 epochs).
_base_ = ['./yolos_pevit-tiny-mi-p16s8_100e_trees.py', './_base_/mi_adaptation.py']

plain_checkpoint = 'work_dirs/retinanet_pevit-tiny-plain-p16_simplefpn_50e_trees/epoch_50.pth'
model = dict(
    backbone=dict(
        **_base_.mi_adaptation_backbone,  # the linear MI embedding, into which the plain patch conv converts
        pos_embed_cfg=dict(type='learned'),
        img_size=208,  # the grid the plain backbone learned its position embedding on (26 x 26 tokens)
        drop_path_rate=0.,
        out_indices=-1,
        init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=plain_checkpoint, prefix='backbone.')))
optim_wrapper = dict(optimizer=dict(lr=2.5e-4), paramwise_cfg=_base_.mi_adaptation_paramwise)
