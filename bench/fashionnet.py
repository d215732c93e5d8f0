"""What the train and explain benches' PyTorch sides share: FashionNet and Fashion-MNIST in memory.

FashionNet is imported from the script that made the test suite's PyTorch fixture
(Tests/CnnVis.Training.Tests/Fixtures/make_fashionnet_fixture.py), so the bench's reference model is that
definition itself, not a copy that could drift from it.
"""
import gzip
import importlib.util
import os
import struct

import torch

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
FIXTURE_SCRIPT = os.path.join(ROOT, "Tests", "CnnVis.Training.Tests", "Fixtures", "make_fashionnet_fixture.py")
DATA = "/usr/share/datasets/fashion-mnist"
MEAN = 0.2860
STD = 0.3530

_spec = importlib.util.spec_from_file_location("make_fashionnet_fixture", FIXTURE_SCRIPT)
_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixture)
FashionNet = _fixture.FashionNet


def read_split(train, limit=0):
    """(images [N, 1, 28, 28] float32 in [0, 1], labels int64 [N]) of the training or test split."""
    prefix = "train" if train else "t10k"
    with gzip.open(os.path.join(DATA, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{prefix}-images-idx3-ubyte.gz: bad magic number {magic}")
        if limit > 0:
            n = min(n, limit)
        pixels = f.read(n * rows * cols)
    with gzip.open(os.path.join(DATA, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
        magic, _ = struct.unpack(">II", f.read(8))
        if magic != 2049:
            raise ValueError(f"{prefix}-labels-idx1-ubyte.gz: bad magic number {magic}")
        labels = f.read(n)
    x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).float().div(255).view(n, 1, rows, cols)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x, y


def normalise(x):
    """Pixels in [0, 1] as FashionNet sees them: (x - 0.2860) / 0.3530."""
    return (x - MEAN) / STD


def rss_mb(field="VmRSS"):
    """This process's resident set (VmRSS) or its peak (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field} line")
