"""YOLOS-style detector: detection tokens through a plain ViT, then set prediction."""
import torch
from mmdet.models.detectors import SingleStageDetector
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig

from mmppml.registry import MODELS


@MODELS.register_module()
class YOLOS(SingleStageDetector):
    """Detector whose backbone outputs detection tokens and whose head predicts a set of boxes.

    The backbone (e.g. :class:`YOLOSBackbone`) returns a tuple of (B, Q, C) detection-token states,
    one per output layer; they are stacked into the (num_layers, B, Q, C) ``hidden_states`` that
    mmdet's ``DETRHead`` takes, so its Hungarian matching, losses (the last layer plus auxiliary
    ones for earlier outputs) and post-processing apply unchanged. There is no neck, encoder or
    decoder: the ViT itself is the transformer, as in YOLOS. Boxes are predicted relative to
    ``img_shape`` and mapped back through ``scale_factor`` (which ``MixSubPatches`` updates).

    Args:
        backbone (dict): Config of a backbone returning detection tokens.
        bbox_head (dict): Config of a set-prediction head, e.g. ``DETRHead``.
        train_cfg (dict, optional): Head training config (the ``HungarianAssigner``).
        test_cfg (dict, optional): Head testing config (``max_per_img``).
        data_preprocessor (dict, optional): Usually ``DetDataPreprocessor`` with ``pad_size_divisor``
            a multiple of the backbone's patch size.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 bbox_head: ConfigType,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(  # no neck: the head reads the backbone's tokens
            backbone,
            bbox_head=bbox_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        backbone_dims = getattr(self.backbone, 'embed_dims', None)
        head_dims = getattr(self.bbox_head, 'embed_dims', None)
        if backbone_dims is not None and head_dims is not None and backbone_dims != head_dims:
            raise ValueError(f'bbox_head.embed_dims ({head_dims}) must equal the backbone embed_dims '
                             f'({backbone_dims})')

    def extract_feat(self, batch_inputs: torch.Tensor) -> torch.Tensor:
        """Detection-token states.

        Args:
            batch_inputs (torch.Tensor): (B, 3, H, W) images.

        Returns:
            torch.Tensor: (num_layers, B, Q, C), the last layer last.
        """
        det_states = self.backbone(batch_inputs)
        if isinstance(det_states, torch.Tensor):
            det_states = (det_states, )
        if any(state.dim() != 3 for state in det_states):
            raise ValueError('the YOLOS backbone must return (B, Q, C) detection tokens, got shapes '
                             f'{[tuple(state.shape) for state in det_states]}')
        return torch.stack(det_states)
