# YOLOS on MI Fashion-MNIST detection canvases as the paper trains it: the whole plain YOLOS of
# yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft.py (train it first, or set load_from), its patch conv converted
# into the linear MI embedding, fine-tuned on MI canvases for 6 epochs, the new embedding at 10x the rate
# (yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-plainft.py, whose backbone comes from the plain RetinaNet instead).
_base_ = './yolos_pevit-tiny-mi-p16s8_6e_fmnist-det-plainft.py'

load_from = 'work_dirs/yolos_pevit-tiny-plain-p16_6e_fmnist-det-plainft/epoch_6.pth'
model = dict(backbone=dict(init_cfg=None))  # load_from brings the backbone with the rest
