#!/usr/bin/python3
"""PyTorch reference for the train bench: FashionNet on Fashion-MNIST in PyTorch's plain default eager loop.

The loop is what a PyTorch user writes without tuning: the images held in memory as tensors (normalised with
mean 0.2860, std 0.3530), a seeded shuffle every epoch, batches cut by indexing, model.train(), then
zero_grad / forward / cross_entropy / backward / step; Adam (lr 1e-3), batch 128, seed 0, default memory format.
Evaluation: model.eval(), torch.no_grad(), the 10,000 test images in batches of 256 (as CnnVis's trainer).

CnnVis.Bench starts it with --serve; after loading the data it writes one JSON line, then answers each command
on stdin with one JSON line:
    epoch            trains the next epoch of the default-layout model, then evaluates it
                     -> {"epoch", "img_s", "seconds", "train_loss", "eval_img_s", "eval_seconds", "accuracy", "rss_mb"}
    epoch-cl         the same for a second model trained in channels-last memory format (context only)
    check PATH       loads a state_dict saved by CnnVis (torch.load + load_state_dict into FashionNet) and
                     predicts the test images -> {"predictions": [...], "probabilities": [...], "accuracy"}
    quit
Alone (without --serve) it trains and evaluates a few epochs and prints the figures:
    /usr/bin/python3 bench/train.py --threads 2 --epochs 1
"""
import time

import torch
import torch.nn.functional as F

from fashionnet import FashionNet, normalise, read_split, rss_mb
from serving import apply_runtime, argument_parser, serve


class Run:
    """One model and its optimizer, trained epoch by epoch on the in-memory training images."""

    def __init__(self, data, seed, batch, lr, eval_batch, channels_last):
        self.x, self.y, self.test_x, self.test_y = data
        self.batch = batch
        self.eval_batch = eval_batch
        self.channels_last = channels_last
        torch.manual_seed(seed)
        self.model = FashionNet()
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        # The shuffle has its own seeded generator, so every epoch's order depends on the seed alone.
        self.shuffle = torch.Generator().manual_seed(seed)
        self.epoch = 0

    def layout(self, x):
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def train_epoch(self):
        model, optimizer = self.model, self.optimizer
        n = self.x.shape[0]
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=self.shuffle)
        loss_sum = 0.0
        for i in range(0, n, self.batch):
            idx = order[i:i + self.batch]
            images, labels = self.layout(self.x[idx]), self.y[idx]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * labels.shape[0]
        seconds = time.perf_counter() - start
        self.epoch += 1
        return {"epoch": self.epoch, "img_s": n / seconds, "seconds": seconds, "train_loss": loss_sum / n}

    def predict(self, model):
        """(predicted classes, their softmax probabilities, seconds) over the test images."""
        start = time.perf_counter()
        model.eval()
        classes, probabilities = [], []
        with torch.no_grad():
            for i in range(0, self.test_x.shape[0], self.eval_batch):
                logits = model(self.layout(self.test_x[i:i + self.eval_batch]))
                p, c = torch.softmax(logits, 1).max(1)
                classes.append(c)
                probabilities.append(p)
        seconds = time.perf_counter() - start
        return torch.cat(classes), torch.cat(probabilities), seconds

    def evaluate(self):
        classes, _, seconds = self.predict(self.model)
        n = self.test_x.shape[0]
        return {"eval_img_s": n / seconds, "eval_seconds": seconds,
                "accuracy": classes.eq(self.test_y).float().mean().item()}

    def epoch_and_evaluate(self):
        figures = self.train_epoch()
        figures.update(self.evaluate())
        figures["rss_mb"] = rss_mb()
        figures["peak_rss_mb"] = rss_mb("VmHWM")
        return figures


def check(run, path):
    """CnnVis's saved weights in PyTorch's FashionNet: the classes it predicts on the test images."""
    state = torch.load(path)
    model = FashionNet()
    model.load_state_dict(state)
    classes, probabilities, _ = run.predict(model)
    return {"predictions": classes.tolist(), "probabilities": probabilities.tolist(),
            "accuracy": classes.eq(run.test_y).float().mean().item(), "keys": len(state)}


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--eval-batch", type=int, default=256)
    parser.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (0: all)")
    parser.add_argument("--test-limit", type=int, default=0, help="evaluate on the first N test images (0: all)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs to train (alone)")
    args = parser.parse_args()

    apply_runtime(args)
    x, y = read_split(True, args.train_limit)
    test_x, test_y = read_split(False, args.test_limit)
    data = (normalise(x), y, normalise(test_x), test_y)
    runs = {}

    def run_for(name):
        if name not in runs:
            runs[name] = Run(data, args.seed, args.batch, args.lr, args.eval_batch, channels_last=name == "epoch-cl")
        return runs[name]

    if not args.serve:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {x.shape[0]} training images")
        run = run_for("epoch")
        for _ in range(args.epochs):
            f = run.epoch_and_evaluate()
            print(f"epoch {f['epoch']}: {f['img_s']:.1f} img/s ({f['seconds']:.1f} s), loss {f['train_loss']:.4f}; "
                  f"evaluation {f['eval_img_s']:.1f} img/s, accuracy {f['accuracy']:.4f}; RSS {f['rss_mb']:.0f} MiB")
        return

    serve({"train_images": x.shape[0], "test_images": test_x.shape[0]}, {
        "epoch": lambda words: run_for("epoch").epoch_and_evaluate(),
        "epoch-cl": lambda words: run_for("epoch-cl").epoch_and_evaluate(),
        "check": lambda words: check(run_for("epoch"), words[0].strip()),
    }, maxsplit=1)

if __name__ == "__main__":
    main()
