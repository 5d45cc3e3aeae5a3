"""The set-prediction head of YOLOS: 3-layer MLPs for the classes and the boxes of the detection tokens."""
from typing import Optional, Tuple

import torch
from mmcv.cnn.bricks.transformer import FFN
from mmdet.models.dense_heads import DETRHead
from mmdet.models.layers.transformer import inverse_sigmoid
from mmdet.structures import SampleList
from mmdet.utils import InstanceList

from mmppml.registry import MODELS

DEFAULT_LOSS_CLS = dict(
    type='CrossEntropyLoss', bg_cls_weight=0.1, use_sigmoid=False, loss_weight=1.0, class_weight=1.0)


@MODELS.register_module()
class YOLOSHead(DETRHead):
    """mmdet's ``DETRHead`` with a 3-layer MLP class branch, as YOLOS publishes it.

    ``DETRHead`` already predicts boxes with a 3-layer MLP (``reg_ffn`` of ``num_reg_fcs=2`` layers,
    ReLU, ``fc_reg``) but classes with one linear layer; YOLOS uses the same MLP shape for both.
    Matching, losses and post-processing are ``DETRHead``'s. ``DETRHead`` turns ``bg_cls_weight`` of a
    softmax ``loss_cls`` into the no-object class weight for itself only, not for subclasses, so this
    head does it too: class weights ``class_weight`` (a float) for the objects, ``bg_cls_weight`` for
    no object (DETR's ``eos_coef``).

    Args:
        num_classes (int): Object classes (no-object excluded).
        num_cls_fcs (int): Linear layers of the class branch's FFN before ``fc_cls``: 2 gives the
            3-layer MLP of YOLOS (as ``num_reg_fcs=2`` for the boxes), 0 ``DETRHead``'s single
            linear layer. Defaults to 2.
        **kwargs: The arguments of ``DETRHead``.
    """

    def __init__(self,
                 num_classes: int,
                 *args,
                 num_cls_fcs: int = 2,
                 loss_cls: Optional[dict] = None,
                 **kwargs) -> None:
        if not isinstance(num_cls_fcs, int) or num_cls_fcs == 1 or num_cls_fcs < 0:
            raise ValueError(f'num_cls_fcs must be 0 or an int >= 2 (the FFN has at least two layers), '
                             f'got {num_cls_fcs!r}')
        self.num_cls_fcs = num_cls_fcs
        loss_cls = dict(DEFAULT_LOSS_CLS if loss_cls is None else loss_cls)
        bg_cls_weight = loss_cls.pop('bg_cls_weight', None)
        if bg_cls_weight is not None and not loss_cls.get('use_sigmoid', False):
            weights = [float(loss_cls.get('class_weight', 1.0))] * num_classes + [float(bg_cls_weight)]
            loss_cls['class_weight'] = weights
        super().__init__(num_classes, *args, loss_cls=loss_cls, **kwargs)
        if bg_cls_weight is not None and not self.loss_cls.use_sigmoid:
            self.bg_cls_weight = float(bg_cls_weight)  # the negatives' share of the class-loss average

    def _init_layers(self) -> None:
        super()._init_layers()
        if self.num_cls_fcs:
            self.cls_ffn = FFN(
                self.embed_dims,
                self.embed_dims,
                self.num_cls_fcs,
                dict(type='ReLU', inplace=True),
                ffn_drop=0.0,
                add_identity=False)

    def forward(self,
                hidden_states: torch.Tensor,
                references: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class scores and boxes of the detection tokens.

        Args:
            hidden_states (torch.Tensor): (num_layers, B, Q, C) detection-token states.
            references (torch.Tensor, optional): (B, Q, 4) normalised (cx, cy, w, h) reference boxes; the
                box branch then predicts offsets to them (in inverse-sigmoid space, as Deformable DETR).

        Returns:
            tuple[torch.Tensor]: (num_layers, B, Q, num_classes + 1) class scores and (num_layers, B,
            Q, 4) normalised (cx, cy, w, h) boxes.
        """
        cls_input = self.activate(self.cls_ffn(hidden_states)) if self.num_cls_fcs else hidden_states
        boxes = self.fc_reg(self.activate(self.reg_ffn(hidden_states)))
        if references is not None:
            boxes = boxes + inverse_sigmoid(references)
        return self.fc_cls(cls_input), boxes.sigmoid()

    def loss(self,
             hidden_states: torch.Tensor,
             batch_data_samples: SampleList,
             references: Optional[torch.Tensor] = None) -> dict:
        """``DETRHead.loss``, with the tokens' reference boxes if any (see :meth:`forward`)."""
        batch_gt_instances = [sample.gt_instances for sample in batch_data_samples]
        batch_img_metas = [sample.metainfo for sample in batch_data_samples]
        return self.loss_by_feat(*self(hidden_states, references), batch_gt_instances, batch_img_metas)

    def predict(self,
                hidden_states: torch.Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True,
                references: Optional[torch.Tensor] = None) -> InstanceList:
        """``DETRHead.predict`` (the last layer), with the tokens' reference boxes if any."""
        batch_img_metas = [sample.metainfo for sample in batch_data_samples]
        outs = self(hidden_states[-1:], references)
        return self.predict_by_feat(*outs, batch_img_metas=batch_img_metas, rescale=rescale)
