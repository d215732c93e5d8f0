#!/usr/bin/python3
"""Makes batch_norm_training.pt, the reference for BatchNormTrainingTests. Run once with Debian's python3-torch:

    /usr/bin/python3 Tests/CnnVis.Torch.Tests/Fixtures/make_batch_norm_training.py

A small conv → BN → ReLU network (three BatchNorm2d layers, a max-pool between them, as FashionNet) is trained for
STEPS steps of SGD with momentum on fixed batches, in PyTorch's plain eager loop. The file holds the initial weights,
the batches, and the state (weights and running statistics) after the last step, so the C# test can run the same
steps from the same start and compare. Everything in it comes from PyTorch, never from CnnVis. Small on purpose
(under 50 KB).
"""
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 6
BATCH, CHANNELS, SIZE, CLASSES = 8, 2, 8, 4
LR, MOMENTUM = 0.05, 0.9


def network():
    # Sequential keys 0-12, as the C# test builds it.
    return nn.Sequential(
        nn.Conv2d(CHANNELS, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        nn.Conv2d(6, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, CLASSES))


def main():
    torch.manual_seed(2024)
    model = network()
    out = {f"init.{k}": v.clone() for k, v in model.state_dict().items()}
    # Inputs far from zero mean and unit spread, per channel, so the running statistics have real work to do.
    offset = torch.tensor([1.5, -0.5]).view(1, CHANNELS, 1, 1)
    batches = [(torch.randn(BATCH, CHANNELS, SIZE, SIZE) * 2 + offset, torch.randint(0, CLASSES, (BATCH,))) for _ in range(STEPS)]
    # One tensor each, [STEPS, BATCH, ...]: fewer entries keep the file small.
    out["x"] = torch.stack([x for x, _ in batches])
    out["y"] = torch.stack([y for _, y in batches])

    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    model.train()
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    out["losses"] = torch.tensor(losses, dtype=torch.float64)
    for k, v in model.state_dict().items():
        out[f"final.{k}"] = v.clone()
    torch.save(out, os.path.join(HERE, "batch_norm_training.pt"))


if __name__ == "__main__":
    main()
