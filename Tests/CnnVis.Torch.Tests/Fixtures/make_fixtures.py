#!/usr/bin/python3
"""Makes the files the engine tests read. Run once with Debian's python3-torch:

    /usr/bin/python3 Tests/CnnVis.Torch.Tests/Fixtures/make_fixtures.py

Everything here is produced by PyTorch (and Pillow for the JPEG), never by CnnVis, so the C# tests
compare the engine against an independent implementation. The outputs are committed; the tests
themselves need no Python.
"""
import os

import torch
from torch import nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def small_cnn():
    # The same layout as the C# test builds: Sequential keys 0.*, 1.*, 5.*.
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 3),
    )


def make_model_fixtures():
    torch.manual_seed(1234)
    model = small_cnn()
    with torch.no_grad():
        # Non-trivial affine parameters and running statistics, so loading each of them matters.
        model[1].weight.uniform_(0.5, 1.5)
        model[1].bias.uniform_(-0.5, 0.5)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, 5, 5) * 2 + 0.5)
    model.eval()

    x = torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        out_eval = model(x)
    torch.save(model.state_dict(), path("pytorch_state_dict.pt"))

    # One training-mode forward on a copy: batch statistics, and the running statistics it leaves.
    train_copy = small_cnn()
    train_copy.load_state_dict(model.state_dict())
    train_copy.train()
    with torch.no_grad():
        out_train = train_copy(x)
    expected = {
        "input": x,
        "output_eval": out_eval,
        "output_train": out_train,
        "running_mean_after_train": train_copy[1].running_mean.clone(),
        "running_var_after_train": train_copy[1].running_var.clone(),
        "num_batches_tracked_after_train": train_copy[1].num_batches_tracked.clone(),
    }
    torch.save(expected, path("pytorch_expected.pt"))


def make_dtype_fixture():
    # Values the C# test knows by construction; "strided" is a view saved with a storage offset and stride.
    base = torch.arange(10, dtype=torch.float32)
    tensors = {
        "f32": torch.tensor([[1.5, -2.25], [3.0, 1e-3]], dtype=torch.float32),
        "f64": torch.tensor([0.1, -1e300, 2.0 ** -60], dtype=torch.float64),
        "i64": torch.tensor([-(2 ** 62), 0, 2 ** 40 + 7], dtype=torch.int64),
        "u8": torch.tensor([0, 1, 254, 255], dtype=torch.uint8),
        "b": torch.tensor([True, False, True], dtype=torch.bool),
        "strided": base[2:9:3],
    }
    torch.save(tensors, path("pytorch_dtypes.pt"))
    # A Parameter (pickled through _rebuild_parameter) written with pickle protocol 4 (framing, MEMOIZE).
    torch.save({"p": nn.Parameter(torch.tensor([1.0, -2.0]))}, path("pytorch_parameter_protocol4.pt"), pickle_protocol=4)


def make_not_state_dicts():
    torch.save([1, 2, 3], path("not_a_state_dict_list.pt"))
    torch.save({"a": 1}, path("not_a_state_dict_int_value.pt"))
    # A pickle that names a function: loading must refuse it without calling anything.
    torch.save({"w": torch.zeros(2), "f": print}, path("names_a_function.pt"))


def make_jpeg():
    # 32x32, four solid 16x16 quadrants: red, green / blue, white. Quadrants are whole 16x16 MCUs, so
    # chroma subsampling does not smear colours at the quadrant centres.
    colours = [[(255, 0, 0), (0, 255, 0)], [(0, 0, 255), (255, 255, 255)]]
    img = Image.new("RGB", (32, 32))
    for y in range(32):
        for x in range(32):
            img.putpixel((x, y), colours[y // 16][x // 16])
    img.save(path("quadrants.jpg"), quality=90)


if __name__ == "__main__":
    make_model_fixtures()
    make_dtype_fixture()
    make_not_state_dicts()
    make_jpeg()
