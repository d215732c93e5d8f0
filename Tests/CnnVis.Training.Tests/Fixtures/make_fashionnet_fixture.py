#!/usr/bin/python3
"""Makes the PyTorch side of the FashionNet import test (run with Debian's python3-torch; the suite needs no Python).

Writes fashionnet_pytorch.pt: a FashionNet state_dict trained briefly by PyTorch, and
fashionnet_pytorch_outputs.pt: {"logits": [64, 10]} for the first 64 Fashion-MNIST test images in eval mode.
"""
import gzip
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_images(name, count):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051
        data = f.read(count * rows * cols)
    x = torch.frombuffer(bytearray(data), dtype=torch.uint8).float().div(255).view(count, 1, rows, cols)
    return (x - 0.2860) / 0.3530


def read_labels(name, count):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        assert magic == 2049
        data = f.read(count)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).long()


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class FashionNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(*block(1, 32), *block(32, 32), nn.MaxPool2d(2),
                                      *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
                                      *block(64, 128))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(128, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = FashionNet()
    x = read_images("train-images-idx3-ubyte.gz", 1024)
    y = read_labels("train-labels-idx1-ubyte.gz", 1024)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    model.train()
    for i in range(0, 1024, 64):
        opt.zero_grad()
        F.cross_entropy(model(x[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
    model.eval()
    torch.save(model.state_dict(), os.path.join(HERE, "fashionnet_pytorch.pt"))
    with torch.no_grad():
        logits = model(read_images("t10k-images-idx3-ubyte.gz", 64))
    torch.save({"logits": logits}, os.path.join(HERE, "fashionnet_pytorch_outputs.pt"))
    print("saved; predicted classes:", logits.argmax(1)[:16].tolist())
