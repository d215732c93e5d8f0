# The PyTorch side of the dream bench: the same deep dream as CnnVis.Visualizers.Dreams.DeepDream (bench/README.md, "dream").
import time, random
import torch, torchvision
import torch.nn.functional as F
torch.set_num_threads(2)
torch.manual_seed(0)
m = torchvision.models.resnet18(); m.eval()
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1); std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
lo, hi = -mean / std, (1 - mean) / std
photo = (torch.rand(1, 3, 224, 224) - mean) / std
feats = {}
m.layer3.register_forward_hook(lambda mod, i, o: feats.__setitem__('a', o))
def dream(octaves=4, scale=1.4, steps=10, step=0.05, jitter=8):
    rnd = random.Random(0)
    sizes = [(round(224 / scale ** k),) * 2 for k in range(octaves - 1, -1, -1)]
    detail = None
    for (h, w) in sizes:
        base = F.interpolate(photo, size=(h, w), mode='bilinear', align_corners=False)
        img = base if detail is None else base + F.interpolate(detail, size=(h, w), mode='bilinear', align_corners=False)
        img = torch.max(torch.min(img, hi), lo)
        with torch.no_grad(): m(img)
        for _ in range(steps):
            dy, dx = rnd.randint(-jitter, jitter), rnd.randint(-jitter, jitter)
            x = img.roll((dy, dx), (2, 3)).detach().requires_grad_(True)
            m(x)
            g, = torch.autograd.grad(feats['a'].pow(2).mean(), x)
            g = g.roll((-dy, -dx), (2, 3))
            img = torch.max(torch.min(img + g / (g.abs().mean() + 1e-8) * step, hi), lo)
        with torch.no_grad(): m(img)
        detail = img - base
dream(octaves=1, steps=2)
best = (1e9, 1e9)
for _ in range(3):
    t0, c0 = time.time(), time.process_time()
    dream()
    best = (min(best[0], time.time() - t0), min(best[1], time.process_time() - c0))
print("pytorch deep dream, same algorithm and settings (layer3, 4 octaves x 10 steps, 224x224): wall %.2f s, cpu %.2f s" % best)
