#!/usr/bin/python3
"""PyTorch reference for the explain bench: explanation methods written from the papers, on FashionNet.

Each method is one plain function, one call per map set, as a user of PyTorch would write it: its own forward
(and backward), the target being the predicted class. The explanation layer is features.16, the ReLU after the
last conv + batch norm (128 channels, 7x7). Maps at the layer are upsampled bilinearly (align_corners=False).
    cam               ReLU(sum_k w[c, k] A_k), w the classifier's weights (Zhou et al., 2016)
    gradcam           ReLU(sum_k mean_ij(dS/dA_k) A_k) (Selvaraju et al., 2017)
    gradcam++         weights sum_ij alpha * ReLU(g), alpha = g^2 / (2 g^2 + sum_ij(A) g^3 + 1e-6), alpha = 0 where g = 0
                      (Chattopadhyay et al., 2018; the closed form for an exponential score, pytorch-grad-cam's epsilon)
    layercam          ReLU(sum_k ReLU(dS/dA_k) * A_k) (Jiang et al., 2021)
    saliency          max over channels |dS/dx| (Simonyan et al., 2014)
    gradient-x-input  dS/dx * x
    guided-backprop   dS/dx with every ReLU's backward clamped to non-negative by a backward hook (Springenberg et al., 2015)
    guided-gradcam    guided-backprop * gradcam
    integrated-gradients  (x - 0) * mean over k of dS/dx at k-th midpoint x * (k + 1/2) / 32, 32 steps, zero baseline,
                      256 path points per forward (Sundararajan et al., 2017)
    smoothgrad        saliency averaged over 16 copies x + N(0, (0.15 (max - min))^2) (Smilkov et al., 2017)
    scorecam          weights: softmax probability of the class on x * minmax(upsampled A_k), 0 for a constant A_k
                      (Wang et al., 2020), 256 masked images per forward
    occlusion         f(x) - f(x with a 4x4 window set to 0), stride 2, averaged over the windows covering each pixel
                      (Zeiler and Fergus, 2014), 256 occluded images per forward

CnnVis.Bench starts it with --serve; after loading the weights and probes and warming up it writes one JSON line,
then answers each command on stdin with one JSON line:
    time METHODS N   ms per call of METHODS (one name, or names joined by commas: one call of each in turn),
                     over N calls in a row                                -> {"ms": ...}
    compare DIR      reads CnnVis's maps DIR/<method>.npy (and classes.npy, probes.npy), computes its own, and
                     gives the largest absolute difference per method after dividing each map by its largest
                     |value|                                             -> {"methods": {...}, ...}
    quit
Alone (without --serve) it times every method and prints the figures:
    /usr/bin/python3 bench/explain.py --threads 2 --weights Tests/CnnVis.Training.Tests/Fixtures/fashionnet_pytorch.pt
"""
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashionnet import FashionNet, normalise, read_split
from serving import apply_runtime, argument_parser, serve

LAYER = 16          # features.16: the ReLU after the last conv + BN
IG_STEPS = 32
SMOOTHGRAD_SAMPLES = 16
SMOOTHGRAD_NOISE = 0.15
GRADCAM_PP_EPS = 1e-6
OCCLUSION_WINDOW = 4
OCCLUSION_STRIDE = 2
MAX_BATCH = 256


class Explainer:
    def __init__(self, model):
        self.model = model.eval()
        self.layer = model.features[LAYER]

    def upsample(self, maps, size):
        return F.interpolate(maps.unsqueeze(1), size=size, mode="bilinear", align_corners=False).squeeze(1)

    def score(self, logits, classes=None):
        """The predicted class of each image (unless given) and the sum of their logits (images are independent)."""
        if classes is None:
            classes = logits.argmax(1)
        return classes, logits.gather(1, classes.unsqueeze(1)).sum()

    def forward_with_layer(self, x):
        """Logits and the explanation layer's output, kept by a forward hook."""
        kept = {}
        handle = self.layer.register_forward_hook(lambda m, i, o: kept.__setitem__("a", o))
        try:
            logits = self.model(x)
        finally:
            handle.remove()
        return logits, kept["a"]

    def layer_gradient(self, x):
        """(A, dS/dA, classes) for the predicted classes."""
        logits, a = self.forward_with_layer(x)
        classes, score = self.score(logits)
        (g,) = torch.autograd.grad(score, [a])
        return a.detach(), g, classes

    def input_gradient(self, x, classes=None):
        x = x.detach().requires_grad_(True)
        logits = self.model(x)
        classes, score = self.score(logits, classes)
        (g,) = torch.autograd.grad(score, [x])
        return g, classes

    # --- CAM family ---
    def cam(self, x):
        with torch.no_grad():
            logits, a = self.forward_with_layer(x)
            w = self.model.classifier.weight[logits.argmax(1)]
            return self.upsample(F.relu((w[:, :, None, None] * a).sum(1)), x.shape[2:])

    def gradcam(self, x):
        a, g, _ = self.layer_gradient(x)
        w = g.mean(dim=(2, 3), keepdim=True)
        return self.upsample(F.relu((w * a).sum(1)), x.shape[2:])

    def gradcam_pp(self, x):
        a, g, _ = self.layer_gradient(x)
        g2 = g.pow(2)
        g3 = g2 * g
        sum_a = a.sum(dim=(2, 3), keepdim=True)
        alpha = g2 / (2 * g2 + sum_a * g3 + GRADCAM_PP_EPS)
        alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
        w = (alpha * F.relu(g)).sum(dim=(2, 3), keepdim=True)
        return self.upsample(F.relu((w * a).sum(1)), x.shape[2:])

    def layercam(self, x):
        a, g, _ = self.layer_gradient(x)
        return self.upsample(F.relu((F.relu(g) * a).sum(1)), x.shape[2:])

    def scorecam(self, x):
        with torch.no_grad():
            logits, a = self.forward_with_layer(x)
            classes = logits.argmax(1)
            n, k = a.shape[:2]
            up = self.upsample(a.flatten(0, 1), x.shape[2:])                   # [N*K, H, W]
            flat = up.flatten(1)
            low, high = flat.min(1).values, flat.max(1).values
            masks = ((up - low[:, None, None]) / (high - low).clamp_min(1e-12)[:, None, None]).unsqueeze(1)
            owner = torch.arange(n).repeat_interleave(k)
            probs = []
            for s in range(0, n * k, MAX_BATCH):
                o = owner[s:s + MAX_BATCH]
                p = torch.softmax(self.model(x[o] * masks[s:s + MAX_BATCH]), 1)
                probs.append(p.gather(1, classes[o].unsqueeze(1)).squeeze(1))
            w = torch.cat(probs).view(n, k)
            w = torch.where((high - low).view(n, k) > 0, w, torch.zeros_like(w))
            return self.upsample(F.relu((w[:, :, None, None] * a).sum(1)), x.shape[2:])

    # --- gradients ---
    def saliency(self, x):
        g, _ = self.input_gradient(x)
        return g.abs().amax(1)

    def gradient_x_input(self, x):
        g, _ = self.input_gradient(x)
        return g * x

    def guided_backprop(self, x):
        relus = [m for m in self.model.modules() if isinstance(m, nn.ReLU)]
        handles = [r.register_full_backward_hook(lambda m, gin, gout: (gin[0].clamp(min=0),)) for r in relus]
        try:
            g, _ = self.input_gradient(x)
        finally:
            for h in handles:
                h.remove()
        return g

    def guided_gradcam(self, x):
        return self.guided_backprop(x) * self.gradcam(x).unsqueeze(1)

    def integrated_gradients(self, x):
        with torch.no_grad():
            classes = self.model(x).argmax(1)
        baseline = torch.zeros_like(x)
        n = x.shape[0]
        # Image by image, step by step: item i is image i // steps at alpha (i % steps + 1/2) / steps.
        owner = torch.arange(n).repeat_interleave(IG_STEPS)
        alpha = ((torch.arange(n * IG_STEPS) % IG_STEPS).float() + 0.5) / IG_STEPS
        total = torch.zeros_like(x)
        for s in range(0, n * IG_STEPS, MAX_BATCH):
            o = owner[s:s + MAX_BATCH]
            points = baseline[o] + alpha[s:s + MAX_BATCH].view(-1, 1, 1, 1) * (x[o] - baseline[o])
            g, _ = self.input_gradient(points, classes[o])
            total.index_add_(0, o, g)
        return (x - baseline) * total / IG_STEPS

    def smoothgrad(self, x):
        with torch.no_grad():
            classes = self.model(x).argmax(1)
        n = x.shape[0]
        flat = x.flatten(1)
        sigma = (SMOOTHGRAD_NOISE * (flat.max(1).values - flat.min(1).values)).view(n, 1, 1, 1)
        owner = torch.arange(n).repeat_interleave(SMOOTHGRAD_SAMPLES)
        total = torch.zeros(n, *x.shape[2:])
        for s in range(0, n * SMOOTHGRAD_SAMPLES, MAX_BATCH):
            o = owner[s:s + MAX_BATCH]
            noisy = x[o] + torch.randn(o.shape[0], *x.shape[1:]) * sigma[o]
            g, _ = self.input_gradient(noisy, classes[o])
            total.index_add_(0, o, g.abs().amax(1))
        return total / SMOOTHGRAD_SAMPLES

    def occlusion(self, x):
        n, _, h, w = x.shape
        win, stride = OCCLUSION_WINDOW, OCCLUSION_STRIDE

        def offsets(length):
            o = list(range(0, length - win + 1, stride))
            if o[-1] + win < length:
                o.append(length - win)
            return o

        masks = []
        for top in offsets(h):
            for left in offsets(w):
                m = torch.zeros(1, h, w)
                m[:, top:top + win, left:left + win] = 1
                masks.append(m)
        masks = torch.stack(masks)                                            # [P, 1, H, W]
        p = masks.shape[0]
        with torch.no_grad():
            logits = self.model(x)
            classes = logits.argmax(1)
            clean = logits.gather(1, classes.unsqueeze(1)).squeeze(1)
            owner = torch.arange(n).repeat_interleave(p)
            position = torch.arange(n * p) % p
            total = torch.zeros(n, h, w)
            for s in range(0, n * p, MAX_BATCH):
                o, m = owner[s:s + MAX_BATCH], masks[position[s:s + MAX_BATCH]]
                out = self.model(x[o] * (1 - m))
                drop = clean[o] - out.gather(1, classes[o].unsqueeze(1)).squeeze(1)
                total.index_add_(0, o, m.squeeze(1) * drop.view(-1, 1, 1))
            return total / masks.sum(0)


METHODS = {
    "cam": Explainer.cam,
    "gradcam": Explainer.gradcam,
    "gradcam++": Explainer.gradcam_pp,
    "layercam": Explainer.layercam,
    "saliency": Explainer.saliency,
    "gradient-x-input": Explainer.gradient_x_input,
    "guided-backprop": Explainer.guided_backprop,
    "guided-gradcam": Explainer.guided_gradcam,
    "integrated-gradients": Explainer.integrated_gradients,
    "smoothgrad": Explainer.smoothgrad,
    "scorecam": Explainer.scorecam,
    "occlusion": Explainer.occlusion,
}

# SmoothGrad draws random noise (CnnVis from its own generator), so its maps are timed, not compared.
COMPARED = [m for m in METHODS if m != "smoothgrad"]


def per_map_normalised(maps):
    """Each image's map divided by its largest |value| (an all-zero map stays zero), as float64 [N, values]."""
    flat = maps.reshape(maps.shape[0], -1).astype(np.float64)
    scale = np.abs(flat).max(axis=1, keepdims=True)
    return flat / np.where(scale > 0, scale, 1.0), scale.ravel()


def compare(explainer, probes, directory):
    theirs_probes = np.load(os.path.join(directory, "probes.npy"))
    theirs_classes = np.load(os.path.join(directory, "classes.npy")).astype(np.int64)
    with torch.no_grad():
        ours_classes = explainer.model(probes).argmax(1).numpy()
    result = {"probe_max_difference": float(np.abs(theirs_probes - probes.numpy()).max()),
              "class_agreement": float((theirs_classes == ours_classes).mean()), "methods": {}}
    for name in COMPARED:
        path = os.path.join(directory, name + ".npy")
        if not os.path.exists(path):
            continue
        ours = METHODS[name](explainer, probes).detach().numpy()
        theirs = np.load(path)
        if theirs.size != ours.size:
            raise ValueError(f"{name}: CnnVis's maps have shape {theirs.shape}, PyTorch's {ours.shape}")
        a, scale_a = per_map_normalised(theirs)
        b, scale_b = per_map_normalised(ours)
        raw = np.abs(theirs.reshape(a.shape).astype(np.float64) - ours.reshape(b.shape).astype(np.float64))
        result["methods"][name] = {
            "max_abs_difference": float(np.abs(a - b).max()),
            "max_abs_difference_raw": float(raw.max()),
            "largest_value": float(scale_b.max()),
            "zero_maps_csharp": int((scale_a == 0).sum()),
            "zero_maps_pytorch": int((scale_b == 0).sum()),
            "shape": list(ours.shape),
        }
    return result


def time_ms(explainer, probes, names, calls):
    """ms per round of the methods called `names` (comma-separated), each run once per round, over `calls` rounds."""
    methods = []
    for name in names.split(","):
        if name not in METHODS:
            raise ValueError(f"unknown method '{name}'")
        methods.append(METHODS[name])
    start = time.perf_counter()
    for _ in range(calls):
        for method in methods:
            method(explainer, probes)
    return (time.perf_counter() - start) / calls * 1e3


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--weights", required=True, help="a FashionNet state_dict (.pt)")
    parser.add_argument("--probes", type=int, default=64, help="the first N Fashion-MNIST test images")
    parser.add_argument("--reps", type=int, default=5, help="repetitions per method (alone)")
    args = parser.parse_args()

    apply_runtime(args)
    torch.manual_seed(0)
    model = FashionNet()
    model.load_state_dict(torch.load(args.weights))
    explainer = Explainer(model)
    x, _ = read_split(False, args.probes)
    probes = normalise(x)
    for method in METHODS.values():
        method(explainer, probes)

    if not args.serve:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {probes.shape[0]} probes")
        for name in METHODS:
            ms = statistics.median(time_ms(explainer, probes, name, 1) for _ in range(args.reps))
            print(f"{name:22} {ms:9.1f} ms")
        return

    with torch.no_grad():
        classes = model(probes).argmax(1).tolist()
    serve({"classes": classes}, {
        "time": lambda words: {"ms": time_ms(explainer, probes, words[0], int(words[1]))},
        "compare": lambda words: compare(explainer, probes, " ".join(words)),
    })

if __name__ == "__main__":
    main()
