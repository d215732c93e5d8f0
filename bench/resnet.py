#!/usr/bin/python3
"""PyTorch reference for the resnet bench: torchvision's resnet18() (untrained weights), one training step's
forward and backward (cross-entropy on fixed random labels, batch norms in training mode, no optimizer step) on a
batch of 224x224 images, at the thread count CnnVis.Bench gives.

CnnVis.Bench starts it with --serve and alternates its own repetitions with this one's: after setting up and
warming up it writes one JSON line, then answers each command on stdin with one JSON line:
    step N       N forward+backward steps in the standard layout (NCHW)   -> {"img_per_s": ..., "img_per_cpu_s": ...}
    step-cl N    the same with model and input channels-last (NHWC)       -> {"img_per_s": ...}
    quit
Alone (without --serve) it runs a few repetitions of each and prints the figures:
    /usr/bin/python3 bench/resnet.py --threads 2
"""
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision

from serving import apply_runtime, argument_parser, serve


class Step:
    """resnet18() forward and backward on one fixed batch; gradients dropped after every step, as zero_grad does."""

    def __init__(self, batch, size, channels_last):
        torch.manual_seed(0)
        self.batch = batch
        self.model = torchvision.models.resnet18()
        self.model.train()
        x = torch.rand(batch, 3, size, size)
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        self.x = x
        self.labels = torch.randint(0, 1000, (batch,))
        self.params = list(self.model.parameters())

    def step(self):
        loss = F.cross_entropy(self.model(self.x), self.labels)
        loss.backward()
        for p in self.params:
            p.grad = None

    def run(self, steps):
        """Images per second of wall time and per second of this process's CPU time (user + system, every thread)."""
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            self.step()
        images = self.batch * steps
        return {"img_per_s": images / (time.perf_counter() - start), "img_per_cpu_s": images / (time.process_time() - cpu)}


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--warmup", type=int, default=1, help="steps before timing")
    parser.add_argument("--steps", type=int, default=2, help="steps per repetition (alone)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (alone)")
    args = parser.parse_args()

    apply_runtime(args)
    steps = {"step": Step(args.batch, args.size, channels_last=False), "step-cl": Step(args.batch, args.size, channels_last=True)}
    for s in steps.values():
        for _ in range(args.warmup):
            s.step()

    if not args.serve:
        print(f"PyTorch {torch.__version__}, torchvision {torchvision.__version__}, {torch.get_num_threads()} thread(s)")
        for name, s in steps.items():
            rate = statistics.median(s.run(args.steps)["img_per_s"] for _ in range(args.reps))
            print(f"{name}: resnet18 forward+backward {rate:.2f} images/s")
        return

    commands = {name: (lambda s: lambda words: s.run(int(words[0])))(s) for name, s in steps.items()}
    serve({"torchvision_version": torchvision.__version__}, commands)


if __name__ == "__main__":
    main()
