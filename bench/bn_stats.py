#!/usr/bin/python3
"""Batch-norm running statistics of a CnnVis run, measured in PyTorch (Debian's python3-torch). Two commands:

    /usr/bin/python3 bench/bn_stats.py gap RUN [RUN ...]
        For every epoch checkpoint of each run folder (`cnnvis train --out RUN`): test accuracy with the stored
        running statistics, and with statistics recomputed from the same weights (every BatchNorm2d reset,
        momentum=None, one train-mode pass without gradients over the run's training images), the difference
        ("gap"), and per BatchNorm2d the largest |stored mean - recomputed mean| in recomputed standard deviations.

    /usr/bin/python3 bench/bn_stats.py replay RUN EPOCH [--channels-last]
        Trains epoch EPOCH+1 in PyTorch's eager loop from the run's epoch-EPOCH checkpoint (weights, running
        statistics and Adam state), on CnnVis's own batches (its shuffle, reimplemented below), then prints how far
        CnnVis's epoch-(EPOCH+1) checkpoint is from the PyTorch result, per tensor, and the gap of both. Run it with and
        without --channels-last (and --save PATH, to compare the two states): the two PyTorch layouts differ from each other by as much as chaos allows after a
        whole epoch of Adam steps, which is the scale against which CnnVis's difference is read.

Only Adam runs (the trainer's default) without augmentation or a schedule are replayed. A replay of a 60,000-image
epoch takes a few minutes on one core; `gap` a minute per checkpoint.
"""
import argparse
import copy
import glob
import json
import os
import sys

import torch
import torch.nn.functional as F

from fashionnet import FashionNet, normalise, read_split

MASK = (1 << 64) - 1
SHUFFLE_STREAM = 0x5348554646  # DataLoader.ShuffleStream


def _finish(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _key(a, b=0, c=0, d=0):
    h = _finish((a + 0x9E3779B97F4A7C15) & MASK)
    h = _finish(h ^ ((b + 0x632BE59BD9B4E019) & MASK))
    h = _finish(h ^ ((c + 0x85157AF5D2B5E1A1) & MASK))
    return _finish(h ^ ((d + 0xC2B2AE3D27D4EB4F) & MASK))


def loader_order(seed, epoch, n):
    """CnnVis's DataLoader.Order(epoch) (Training/Data/SeededRandom.cs: SplitMix64 keyed by (seed, stream, epoch), Fisher-Yates)."""
    state = _key(seed, SHUFFLE_STREAM, epoch)
    items = list(range(n))
    for i in range(n - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        j = ((_finish(state) >> 32) * (i + 1)) >> 32
        items[i], items[j] = items[j], items[i]
    return torch.tensor(items)


def run_options(run):
    with open(sorted(glob.glob(os.path.join(run, "checkpoints", "epoch-*", "checkpoint.json")))[0], encoding="utf-8") as f:
        return json.load(f)["Options"]


def checkpoint(run, epoch, name="model.pt"):
    return os.path.join(run, "checkpoints", f"epoch-{epoch:04d}", name)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        right = sum((model(x[i:i + 500]).argmax(1) == y[i:i + 500]).sum().item() for i in range(0, x.shape[0], 500))
    return right / x.shape[0]


def recomputed(model, x):
    """A copy of the model whose BatchNorm2d statistics are the plain average over x, from the same weights."""
    r = copy.deepcopy(model)
    for m in r.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    r.train()
    with torch.no_grad():
        for i in range(0, x.shape[0], 500):
            r(x[i:i + 500])
    return r


def gap_line(label, state, data):
    x, _, tx, ty = data
    model = FashionNet()
    model.load_state_dict(state)
    again = recomputed(model, x)
    stored, fresh = accuracy(model, tx, ty), accuracy(again, tx, ty)
    offsets = []
    for (name, a), (_, b) in zip(model.named_modules(), again.named_modules()):
        if isinstance(a, torch.nn.BatchNorm2d):
            offsets.append(f"{name} {((a.running_mean - b.running_mean).abs() / b.running_var.sqrt()).max().item():.2f}")
    print(f"{label}: stored {stored:.4f}, recomputed {fresh:.4f}, gap {fresh - stored:+.4f} | mean offset (sd): {', '.join(offsets)}", flush=True)


def load_data(options, test_limit):
    x, y = read_split(True, options["TrainLimit"])
    tx, ty = read_split(False, test_limit or options["ValidationLimit"])
    return normalise(x), y, normalise(tx), ty


def gap(args):
    for run in args.runs:
        data = load_data(run_options(run), args.test_limit)
        for path in sorted(glob.glob(os.path.join(run, "checkpoints", "epoch-*", "model.pt"))):
            gap_line(path, torch.load(path), data)


def replay(args):
    options = run_options(args.run)
    if options["Optimizer"] != "adam" or options["Schedule"] != "none" or options["RandomCropPadding"] or options["HorizontalFlip"]:
        sys.exit(f"{args.run}: only Adam runs without a schedule or augmentation can be replayed")
    data = load_data(options, args.test_limit)
    x, y = data[0], data[1]
    model = FashionNet()
    model.load_state_dict(torch.load(checkpoint(args.run, args.epoch)))
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=options["LearningRate"])
    state = torch.load(checkpoint(args.run, args.epoch, "optimizer.pt"))
    # CnnVis keys its Adam state by parameter index, in model.parameters() order, as PyTorch's state_dict does.
    for k, p in enumerate(model.parameters()):
        optimizer.state[p] = {"step": torch.tensor(float(state[f"state.{k}.step"])),
                              "exp_avg": state[f"state.{k}.exp_avg"].clone(), "exp_avg_sq": state[f"state.{k}.exp_avg_sq"].clone()}
    order = loader_order(options["Seed"], args.epoch + 1, x.shape[0])
    batch = options["BatchSize"]
    model.train()
    for i in range(0, x.shape[0], batch):
        idx = order[i:i + batch]
        images = x[idx].contiguous(memory_format=torch.channels_last) if args.channels_last else x[idx]
        optimizer.zero_grad()
        F.cross_entropy(model(images), y[idx]).backward()
        optimizer.step()
    ours = {k: v.contiguous() for k, v in model.state_dict().items()}
    if args.save:
        torch.save(ours, args.save)
    theirs = torch.load(checkpoint(args.run, args.epoch + 1))
    layout = "channels-last" if args.channels_last else "default layout"
    print(f"epoch {args.epoch + 1} of {args.run} replayed in PyTorch ({layout}); max |CnnVis - PyTorch| per tensor:")
    for k, v in ours.items():
        if k.endswith("weight") or "running" in k:
            print(f"  {k:28s} {(v.double() - theirs[k].double()).abs().max().item():.4f}  (largest |value| {v.abs().max().item():.3f})")
    gap_line("CnnVis ", theirs, data)
    gap_line("PyTorch", ours, data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--test-limit", type=int, default=0, help="test images (0: the run's validation limit, or all)")
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("gap")
    g.add_argument("runs", nargs="+")
    r = commands.add_parser("replay")
    r.add_argument("run")
    r.add_argument("epoch", type=int)
    r.add_argument("--channels-last", action="store_true")
    r.add_argument("--save", help="also save PyTorch's state_dict after the replayed epoch here (to compare two replays)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"gap": gap, "replay": replay}[args.command](args)


if __name__ == "__main__":
    main()
