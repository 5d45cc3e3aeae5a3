"""The set-prediction head of YOLOS: 3-layer MLPs for the classes and the boxes of the detection tokens."""
from typing import Tuple

import torch
from mmcv.cnn.bricks.transformer import FFN
from mmdet.models.dense_heads import DETRHead

from mmppml.registry import MODELS


@MODELS.register_module()
class YOLOSHead(DETRHead):
    """mmdet's ``DETRHead`` with a 3-layer MLP class branch, as YOLOS publishes it.

    ``DETRHead`` already predicts boxes with a 3-layer MLP (``reg_ffn`` of ``num_reg_fcs=2`` layers,
    ReLU, ``fc_reg``) but classes with one linear layer; YOLOS uses the same MLP shape for both.
    Matching, losses and post-processing are ``DETRHead``'s.

    Args:
        num_cls_fcs (int): Linear layers of the class branch's FFN before ``fc_cls``: 2 gives the
            3-layer MLP of YOLOS (as ``num_reg_fcs=2`` for the boxes), 0 ``DETRHead``'s single
            linear layer. Defaults to 2.
        **kwargs: The arguments of ``DETRHead``.
    """

    def __init__(self, *args, num_cls_fcs: int = 2, **kwargs) -> None:
        if not isinstance(num_cls_fcs, int) or num_cls_fcs == 1 or num_cls_fcs < 0:
            raise ValueError(f'num_cls_fcs must be 0 or an int >= 2 (the FFN has at least two layers), '
                             f'got {num_cls_fcs!r}')
        self.num_cls_fcs = num_cls_fcs
        super().__init__(*args, **kwargs)

    def _init_layers(self) -> None:
        super()._init_layers()
        if self.num_cls_fcs:
            self.cls_ffn = FFN(self.embed_dims, self.embed_dims, self.num_cls_fcs, dict(type='ReLU', inplace=True),
                               ffn_drop=0.0, add_identity=False)

    def forward(self, hidden_states: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class scores and boxes of the detection tokens.

        Args:
            hidden_states (torch.Tensor): (num_layers, B, Q, C) detection-token states.

        Returns:
            tuple[torch.Tensor]: (num_layers, B, Q, num_classes + 1) class scores and (num_layers, B,
            Q, 4) normalised (cx, cy, w, h) boxes.
        """
        cls_input = self.activate(self.cls_ffn(hidden_states)) if self.num_cls_fcs else hidden_states
        boxes = self.fc_reg(self.activate(self.reg_ffn(hidden_states))).sigmoid()
        return self.fc_cls(cls_input), boxes
