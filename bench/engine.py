#!/usr/bin/python3
"""PyTorch reference for the engine bench: the same operators, shapes and thread count as the C# side.

CnnVis.Bench starts it with --serve and alternates its own repetitions with this one's: after setting
up and warming up it writes one JSON line, then answers each command on stdin with one JSON line:
    overhead N      µs per `a + b` on 1-element tensors, timed over N calls     -> {"us": ...}
    conv N          N steps of conv+bn+relu forward and backward  -> {"items_per_s": ..., "minflt_per_step": ...}
    conv-cl N       the same with a channels-last input            -> the same
    quit
Alone (without --serve) it runs a few repetitions of each and prints the figures:
    /usr/bin/python3 bench/engine.py --threads 2
"""
import statistics
import time

import torch
import torch.nn.functional as F

from serving import apply_runtime, argument_parser, serve


class Overhead:
    """One `a + b` on 1-element tensors; the result is freed when the next one replaces it."""

    def __init__(self):
        self.a = torch.ones(1)
        self.b = torch.ones(1)

    def run_us(self, iterations):
        a, b = self.a, self.b
        start = time.perf_counter()
        for _ in range(iterations):
            c = a + b
        elapsed = time.perf_counter() - start
        del c
        return elapsed / iterations * 1e6


class ConvBlock:
    """conv2d(3x3, pad 1) + batch_norm (training) + relu, forward and backward, input gradient included."""

    def __init__(self, batch, channels, size, channels_last):
        torch.manual_seed(0)
        self.batch = batch
        self.conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(channels)
        self.bn.train()
        x = torch.randn(batch, channels, size, size)
        g = torch.randn(batch, channels, size, size)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
            g = g.contiguous(memory_format=torch.channels_last)
        self.x = x.requires_grad_(True)
        self.g = g
        self.params = list(self.conv.parameters()) + list(self.bn.parameters())

    def step(self):
        y = F.relu(self.bn(self.conv(self.x)))
        y.backward(self.g)
        # Gradients are dropped (set to none) every step, as zero_grad does, so nothing accumulates.
        self.x.grad = None
        for p in self.params:
            p.grad = None

    def run(self, steps):
        """Items (images) per second over `steps` steps, and minor page faults per step."""
        faults = minor_faults()
        start = time.perf_counter()
        for _ in range(steps):
            self.step()
        elapsed = time.perf_counter() - start
        return self.batch * steps / elapsed, (minor_faults() - faults) / steps


def minor_faults():
    """Minor page faults this process has taken (minflt in /proc/self/stat): fresh memory being touched."""
    with open("/proc/self/stat", encoding="ascii") as f:
        stat = f.read()
    return int(stat[stat.rindex(")") + 2:].split()[7])


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--warmup", type=int, default=3, help="conv steps before timing")
    parser.add_argument("--overhead-iterations", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=6, help="conv steps per repetition (alone)")
    parser.add_argument("--reps", type=int, default=7, help="repetitions (alone)")
    args = parser.parse_args()

    apply_runtime(args)
    overhead = Overhead()
    blocks = {
        "conv": ConvBlock(args.batch, args.channels, args.size, channels_last=False),
        "conv-cl": ConvBlock(args.batch, args.channels, args.size, channels_last=True),
    }
    overhead.run_us(args.overhead_iterations * 5)
    for block in blocks.values():
        for _ in range(args.warmup):
            block.step()

    if not args.serve:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
        o = statistics.median(overhead.run_us(args.overhead_iterations) for _ in range(args.reps))
        print(f"a + b, 1-element tensors: {o:.2f} µs per call")
        for name, block in blocks.items():
            runs = [block.run(args.steps) for _ in range(args.reps)]
            rate = statistics.median(r for r, _ in runs)
            faults = statistics.median(f for _, f in runs)
            print(f"{name}: conv+bn+relu forward+backward {rate:.1f} items/s, {faults:.0f} minor page faults per step")
        return

    def conv(block):
        return lambda words: dict(zip(("items_per_s", "minflt_per_step"), block.run(int(words[0]))))

    commands = {name: conv(block) for name, block in blocks.items()}
    commands["overhead"] = lambda words: {"us": overhead.run_us(int(words[0]))}
    serve({}, commands)

if __name__ == "__main__":
    main()
