"""YOLOS's convergence aids: each builds, trains a step and predicts; the training-only ones leave the rest alone."""
import os.path as osp

import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from mmdet.testing import demo_mm_inputs
from mmengine.config import Config
from mmengine.structures import InstanceData
from test_yolos import YOLOS_BASE, tiny_backbone, yolos_cfg

from mmppml.models.detectors import YOLOS
from mmppml.models.utils.set_targets import centre_cell_targets, repeat_gt_instances
from mmppml.models.utils.token_groups import group_attention_mask

pytestmark = pytest.mark.usefixtures('mmdet_scope')

YOLOS_AIDS = Config.fromfile(osp.join(osp.dirname(YOLOS_BASE), 'yolos_aids.py'))
# The configs' dense head, narrowed to the tiny backbone
AUX_HEAD = dict(
    YOLOS_AIDS.yolos_aux_head,
    num_classes=2,
    in_channels=32,
    feat_channels=16,
    anchor_generator=dict(YOLOS_AIDS.yolos_aux_anchors, strides=[8]))
FOCAL_HEAD = dict(loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0))
AIDS = {
    'none': dict(),
    'one_to_many': dict(backbone=dict(num_extra_det_tokens=12), one_to_many_cfg=dict(num_repeats=2)),
    'aux_head': dict(aux_head=AUX_HEAD),
    'top_patches': dict(backbone=dict(det_token_init='top_patches'), bbox_head=dict(type='mmppml.YOLOSHead')),
    'focal': dict(bbox_head=FOCAL_HEAD, match_cls=dict(type='FocalLossCost', weight=2.0)),
}


def build(aid: str) -> YOLOS:
    options = dict(AIDS[aid])
    cfg = yolos_cfg(**options.pop('backbone', {}))
    cfg['bbox_head'].update(options.pop('bbox_head', {}))
    match_cls = options.pop('match_cls', None)
    if match_cls is not None:
        cfg['train_cfg'] = dict(assigner=dict(cfg['train_cfg']['assigner']))
        cfg['train_cfg']['assigner']['match_costs'] = [match_cls, *cfg['train_cfg']['assigner']['match_costs'][1:]]
    torch.manual_seed(0)
    model = YOLOS(**cfg, **options)
    model.init_weights()
    return model


def batch(model, seed=0):
    torch.manual_seed(seed)
    return model.data_preprocessor(demo_mm_inputs(2, [[3, 64, 64], [3, 64, 48]], num_classes=2), True)


@pytest.mark.parametrize('aid', sorted(AIDS))
def test_each_aid_trains_one_step_and_predicts(aid):
    model = build(aid)
    data = batch(model)
    losses = model(**data, mode='loss')
    expected = {
        'none': set(),
        'one_to_many': {'o2m.loss_cls', 'o2m.loss_bbox', 'o2m.loss_iou'},
        'aux_head': {'aux.loss_cls', 'aux.loss_bbox'},
        'top_patches': {'loss_patch_score'},
        'focal': set()
    }
    assert expected[aid] | {'loss_cls', 'loss_bbox', 'loss_iou'} <= set(losses)
    total, _ = model.parse_losses(losses)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    total.backward()
    trained = [name for name, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0]
    optimizer.step()
    if aid == 'one_to_many':
        assert 'backbone.extra_det_tokens' in trained
    if aid == 'aux_head':
        assert any(name.startswith('aux_head.') for name in trained)
    if aid == 'top_patches':
        assert 'backbone.patch_scorer.weight' in trained
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(demo_mm_inputs(1, [[3, 64, 64]], num_classes=2), False), mode='predict')
    assert len(preds[0].pred_instances) == 6


def test_extra_tokens_never_reach_the_patch_or_detection_tokens():
    """The one-to-many tokens are behind the mask: changing them leaves every other output as it was."""
    backbone = tiny_backbone(num_extra_det_tokens=4, pos_embed='sincos')
    img = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        first = backbone.forward_tokens(img, with_extra=True)
        without = backbone.forward_tokens(img, with_extra=False)
        backbone.extra_det_tokens.add_(torch.randn_like(backbone.extra_det_tokens) * 5)
        second = backbone.forward_tokens(img, with_extra=True)
    torch.testing.assert_close(second.det[0], first.det[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(second.patch_map, first.patch_map, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(without.det[0], first.det[0], atol=1e-5, rtol=1e-5)
    assert (second.extra[0] - first.extra[0]).abs().max() > 1e-2  # the extra tokens themselves changed
    assert without.extra is None


def test_group_mask_hides_only_the_hidden_group():
    mask = group_attention_mask([3, 2, 2], hidden=[2])
    assert mask[:5, :5].all() and not mask[:5, 5:].any()  # visible groups never see the hidden one
    assert mask[5:].all()  # the hidden group sees everything, itself included


def test_one_to_many_matching_assigns_every_gt_box_k_times():
    model = build('one_to_many')  # 12 extra tokens
    data = batch(model)
    samples = data['data_samples']
    for sample in samples:
        sample.gt_instances = sample.gt_instances[:3]  # 3 boxes x 3 repeats <= 12 tokens
    repeated = repeat_gt_instances(samples, 3)
    tokens = model.backbone.forward_tokens(data['inputs'])
    cls_scores, boxes = model.bbox_head(model._stack(tokens.extra))
    for index, (sample, sample_k) in enumerate(zip(samples, repeated)):
        assert len(sample.gt_instances) == 3 and len(sample_k.gt_instances) == 9
        img_h, img_w = sample.metainfo['img_shape']
        factor = boxes.new_tensor([img_w, img_h, img_w, img_h])
        pred = InstanceData(scores=cls_scores[-1][index], bboxes=bbox_cxcywh_to_xyxy(boxes[-1][index]) * factor)
        result = model.bbox_head.assigner.assign(pred, sample_k.gt_instances, sample.metainfo)
        matched = result.gt_inds[result.gt_inds > 0] - 1  # the repeated box each token was matched to
        assert torch.bincount(matched % 3, minlength=3).tolist() == [3, 3, 3]


def test_top_patches_start_the_det_tokens_at_the_best_scored_patches():
    backbone = tiny_backbone(det_token_init='top_patches', num_det_tokens=2, pos_embed='sincos')
    with torch.no_grad():
        backbone.patch_scorer.weight.zero_()
        backbone.patch_scorer.bias.zero_()
        backbone.patch_scorer.weight[0, 0] = 1.0  # scores each patch by its first embedding channel
    img = torch.randn(1, 3, 32, 32)
    patches, _ = backbone.embed(img)
    top = patches[0, :, 0].topk(2).indices
    start, cells = backbone._start(backbone.det_tokens, patches, backbone.patch_scorer(patches).squeeze(-1))
    torch.testing.assert_close(start[0], backbone.det_tokens[0] + patches[0, top])
    assert cells[0].tolist() == top.tolist()
    ranked = patches[0, :, 0].argsort(descending=True)  # 16 patches: 20 tokens take them all, then the top 4
    start, _ = backbone._start(torch.zeros(1, 20, 32), patches, backbone.patch_scorer(patches).squeeze(-1))
    torch.testing.assert_close(start[0], patches[0, torch.cat([ranked, ranked[:4]])])


def test_centre_cell_targets_mark_the_cells_of_box_centres():
    sample = DetDataSample(gt_instances=InstanceData(bboxes=torch.tensor([[0., 0., 10., 10.], [40., 20., 64., 30.]])))
    targets = centre_cell_targets([sample], (32, 64), (4, 8))  # cells of 8 x 8 px
    expected = torch.zeros(1, 32)
    expected[0, 0 * 8 + 0] = 1  # centre (5, 5)
    expected[0, 3 * 8 + 6] = 1  # centre (52, 25)
    torch.testing.assert_close(targets, expected)


def test_top_patches_are_proposed_by_a_pass_over_the_patches_alone():
    backbone = tiny_backbone(det_token_init='top_patches', num_det_tokens=3, pos_embed='sincos')
    img = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        tokens = backbone.forward_tokens(img, with_extra=False)
        proposals = backbone._patch_pass(backbone.embed(img)[0])
        _, expected = backbone._start(
            backbone.det_tokens, proposals, backbone.patch_scorer(proposals).squeeze(-1), grid=(4, 6))
    assert tokens.det_cells.tolist() == expected.tolist()
    torch.testing.assert_close(tokens.patch_scores, backbone.patch_scorer(proposals).squeeze(-1))
    with torch.no_grad():  # an image of 16 x 24 px padded to 32 x 48: its own 2 x 3 cells are proposed first
        tokens = backbone.forward_tokens(img, with_extra=False, img_shapes=[(16, 24), (32, 48)])
    assert all(cell // 6 < 2 and cell % 6 < 3 for cell in tokens.det_cells[0].tolist())
    assert tokens.det_cells[1].tolist() == expected[1].tolist()


def test_top_patches_rank_local_peaks_first():
    """Two objects, each scored highest at its centre and high around it: one token on each before a second."""
    backbone = tiny_backbone(det_token_init='top_patches', num_det_tokens=3)
    scores = torch.tensor([[0.9, 0.8, 0.1, 0.0], [0.7, 0.2, 0.3, 0.5],
                           [0.0, 0.1, 0.2, 0.4]]).view(1, 12)  # peaks 0.9 (cell 0) and 0.5 (cell 7)
    patches = torch.randn(1, 12, 32)
    _, cells = backbone._start(backbone.det_tokens, patches, scores, grid=(3, 4))
    assert cells[0].tolist() == [0, 7, 1]  # the two peaks, then the best other patch
    _, cells = backbone._start(backbone.det_tokens, patches, scores)
    assert cells[0].tolist() == [0, 1, 4]  # without the grid: the top three


def test_top_patches_predict_boxes_relative_to_their_patches():
    model = build('top_patches').eval()
    with torch.no_grad():
        model.bbox_head.fc_reg.weight.zero_()
        model.bbox_head.fc_reg.bias.zero_()  # no offsets: every box is its patch's reference box
        data = model.data_preprocessor(demo_mm_inputs(1, [[3, 64, 48]], num_classes=2), False)
        tokens = model.backbone.forward_tokens(data['inputs'], with_extra=False)
        preds = model.predict(data['inputs'], data['data_samples'], rescale=False)[0].pred_instances
    rows, cols = tokens.patch_map.shape[-2:]  # cells of 8 x 8 px
    cells = tokens.det_cells[0]
    centres = torch.stack([(cells % cols + 0.5) * 8, (cells // cols + 0.5) * 8], dim=-1)
    boxes = torch.cat([centres - 8, centres + 8], dim=-1)  # two cells wide, clipped to the 48 x 64 image
    boxes = torch.min(boxes.clamp(min=0), torch.tensor([48., 64., 48., 64.]))
    assert sorted(map(tuple, preds.bboxes.round().tolist())) == sorted(map(tuple, boxes.round().tolist()))
    with torch.no_grad():  # mode='tensor' too, with or without data samples
        _, tensor_boxes = model(data['inputs'], data['data_samples'], mode='tensor')
        _, unscaled_boxes = model(data['inputs'], mode='tensor')
    torch.testing.assert_close(tensor_boxes, unscaled_boxes)  # the 64 x 48 image fills its batch: no padding
    assert sorted(
        map(tuple, (bbox_cxcywh_to_xyxy(tensor_boxes[-1, 0]) * torch.tensor([48., 64., 48., 64.])).clamp(min=0).min(
            torch.tensor([48., 64., 48., 64.])).round().tolist())) == sorted(map(tuple,
                                                                                 boxes.round().tolist()))
    with pytest.raises(ValueError, match='references'):
        YOLOS(**yolos_cfg(det_token_init='top_patches'))  # DETRHead takes no reference boxes


def test_one_to_many_needs_extra_tokens():
    with pytest.raises(ValueError, match='num_extra_det_tokens'):
        YOLOS(**yolos_cfg(), one_to_many_cfg=dict(num_repeats=2))
    with pytest.raises(ValueError, match='num_repeats'):
        YOLOS(**yolos_cfg(num_extra_det_tokens=4), one_to_many_cfg=dict(num_repeats=0))


def test_denoising_tokens_never_reach_the_other_tokens_nor_each_other():
    """Denoising groups are behind the mask: changing one group moves neither the patch, detection and
    extra tokens nor the other groups."""
    backbone = tiny_backbone(num_extra_det_tokens=4, pos_embed='sincos')
    img = torch.randn(2, 3, 32, 48)
    denoising = torch.randn(2, 6, 32)  # two groups of three
    with torch.no_grad():
        without = backbone.forward_tokens(img, with_extra=True)
        first = backbone.forward_tokens(img, with_extra=True, denoising=denoising, denoising_groups=[3, 3])
        changed = denoising.clone()
        changed[:, 3:] += 5 * torch.randn(2, 3, 32)  # the second group only
        second = backbone.forward_tokens(img, with_extra=True, denoising=changed, denoising_groups=[3, 3])
    for name in ('det', 'extra'):
        torch.testing.assert_close(getattr(first, name)[0], getattr(without, name)[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(first.patch_map, without.patch_map, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(second.denoising[0][:, :3], first.denoising[0][:, :3], atol=1e-5, rtol=1e-5)
    assert (second.denoising[0][:, 3:] - first.denoising[0][:, 3:]).abs().max() > 1e-2
    with pytest.raises(ValueError, match='must sum to'):
        backbone.forward_tokens(img, denoising=denoising, denoising_groups=[3, 2])


def test_denoising_tokens_start_near_their_boxes_and_learn_them_without_matching():
    from mmppml.models.utils.denoising import DenoisingTokens, noised_boxes
    boxes = torch.tensor([[0.5, 0.5, 0.2, 0.4]]).repeat(1000, 1)
    noised = noised_boxes(boxes, 0.4)
    assert ((noised[:, :2] - boxes[:, :2]).abs() <= boxes[:, 2:] * 0.2 + 1e-6).all()  # the centre within 0.2 size
    assert ((noised[:, 2:] / boxes[:, 2:] - 1).abs() <= 0.4 + 1e-6).all() and noised.std(0).min() > 0.01
    samples = [
        DetDataSample(
            metainfo=dict(img_shape=(40, 80)),
            gt_instances=InstanceData(
                bboxes=torch.tensor([[0., 0., 40., 20.], [40., 20., 80., 40.]]), labels=torch.tensor([1, 0]))),
        DetDataSample(
            metainfo=dict(img_shape=(40, 40)),
            gt_instances=InstanceData(bboxes=torch.tensor([[10., 10., 30., 30.]]), labels=torch.tensor([1])))
    ]
    queries = DenoisingTokens(2, 32, num_groups=3, label_noise=0.)(samples)
    assert queries.states.shape == (2, 6, 32) and queries.group_sizes == [2, 2, 2]
    assert queries.valid.tolist() == [[True] * 6, [True, False] * 3]  # the second image pads each group
    torch.testing.assert_close(queries.targets[0, :2], torch.tensor([[0.25, 0.25, 0.5, 0.5], [0.75, 0.75, 0.5, 0.5]]))
    assert queries.labels[0].tolist() == [1, 0] * 3 and queries.labels[1, ::2].tolist() == [1, 1, 1]
    model = build('none')
    model.denoising = DenoisingTokens(2, 32, num_groups=2)
    zero = model.denoising.loss(model.bbox_head, *model.bbox_head(torch.zeros(1, 2, 6, 32)), queries, samples)
    cls = torch.full((1, 2, 6, 3), -10.)
    cls[..., :2].scatter_(-1, queries.labels[None, ..., None], 10.)  # the true class, certain
    exact = model.denoising.loss(model.bbox_head, cls, queries.targets[None], queries, samples)
    assert set(exact) == {'dn.loss_cls', 'dn.loss_bbox', 'dn.loss_iou'}
    assert exact['dn.loss_bbox'] == 0 and exact['dn.loss_iou'].abs() < 1e-5 and exact['dn.loss_cls'] < 1e-3
    assert all(zero[name] > exact[name] for name in exact)


def test_denoising_trains_a_step_and_is_gone_at_test_time():
    cfg = yolos_cfg(det_token_init='top_patches', out_indices=(0, 1))
    cfg['bbox_head'].update(type='mmppml.YOLOSHead')
    torch.manual_seed(0)
    model = YOLOS(**cfg, denoising_cfg=dict(num_groups=2))
    model.init_weights()
    losses = model(**batch(model), mode='loss')
    assert {'dn.loss_cls', 'dn.loss_bbox', 'dn.loss_iou', 'dn.d0.loss_cls'} <= set(losses)
    model.parse_losses(losses)[0].backward()
    assert model.denoising.label_embed.weight.grad.abs().sum() > 0 and model.denoising.box_embed[0].weight.grad.abs(
    ).sum() > 0
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(demo_mm_inputs(1, [[3, 64, 64]], num_classes=2), False), mode='predict')
    assert len(preds[0].pred_instances) == 6
    with pytest.raises(ValueError, match='num_groups'):
        YOLOS(**yolos_cfg(), denoising_cfg=dict(num_groups=0))
