"""The model suite's steps: PEViT and ViT train and infer on the CPU."""
import torch

from projects.benchmarks.suites.model import TINY_ARCH, build_steps


def test_model_steps_train_and_infer_on_cpu():
    steps = build_steps(['pevit', 'vit'], TINY_ARCH, 32, 2, 'train', torch.device('cpu'))
    for step in steps.values():
        before = [p.detach().clone() for p in step.model.parameters()]
        step()
        assert any(not torch.equal(a, b) for a, b in zip(before, step.model.parameters()))
    forward = build_steps(['pevit_mi'], TINY_ARCH, 32, 2, 'forward', torch.device('cpu'))['pevit_mi']
    forward()
    assert not forward.model.training
    assert all(p.grad is None for p in forward.model.parameters())
