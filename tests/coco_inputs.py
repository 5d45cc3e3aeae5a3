"""COCO annotation records for the tests of COCO files (imported by them, not collected)."""


def annotation(ann_id: int, image_id: int, bbox: list, category_id: int = 1, **fields) -> dict:
    """A COCO annotation: its ids and ``bbox`` (x, y, w, h), then ``fields`` (area, iscrowd, segmentation, ...)."""
    return dict(id=ann_id, image_id=image_id, category_id=category_id, bbox=bbox, **fields)
