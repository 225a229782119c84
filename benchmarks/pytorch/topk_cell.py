#!/usr/bin/env python3
"""One cell of the top-k attack on the gradient or DeepLIFT map (Ghorbani, Abid and Zou 2019, Algorithm 1) in plain PyTorch.

The same work as one Fragility cell (src/Fragility/Attacks/FragilityAttack.cs, IterateTracker.cs, TopKObjective.cs):
the shipped small-cnn (models/fashion-mnist-small-cnn.safetensors, read by hand), the first N correctly classified
sample images (models/samples/fashion-mnist, IDX), the gradient map S = |grad_x logit_y| summed over channels and
normalised to sum 1, D = -sum_{p in B} S_p with B the top-k pixels of the clean map, grad_x D by double backprop on
the softplus(beta) twin, x_{t+1} = clip_[0,1](x0 + clip(x_t + alpha sign(grad) - x0, -eps, eps)), and every
iterate checked on the ReLU network (label, then top-k intersection with the clean map); the best admissible
iterate per image is kept, an image without one counts as unchanged (intersection 1). With --method
deeplift_gradmax the map is DeepLIFT's (rescale rule, max-pools routed through the input's maximum, zero reference;
Fragility's deeplift_gradmax, src/Fragility/Attribution/DeepLift.cs), written out layer by layer and attacked on the
ReLU network itself, as Fragility attacks it.

Used by `dotnet run -c Release --project benchmarks/Fragility.Benchmarks -- pytorch` (side by side, alternating
reps) and runnable alone:  /usr/bin/python3 benchmarks/pytorch/topk_cell.py --threads 1 --reps 5
Prints the median time per cell and the mean top-k intersection reached, then one machine-readable RESULT line.
"""
import argparse
import gzip
import json
import os
import struct
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_safetensors(path):
    """Tensors and metadata of a safetensors file: 8-byte little-endian header length, JSON header, raw data."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", (name, h["dtype"])
        lo, hi = h["data_offsets"]
        a = np.frombuffer(data[lo:hi], dtype="<f4").reshape(h["shape"])
        tensors[name] = torch.from_numpy(a.copy())
    return tensors, meta


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype, dims = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and dtype == 0x08, "IDX unsigned-byte file expected"
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


class SmallCnn:
    """ModelRegistry's small-cnn behind ChannelNormalisation: conv16-act-pool, conv32-act-pool, fc128-act, fc."""

    def __init__(self, w, mean, std):
        self.w = w
        self.mean = torch.tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1)

    def __call__(self, x, beta=None):
        # beta None: the ReLU network; else the softplus(beta) twin (threshold 20, as SwitchableActivation).
        act = F.relu if beta is None else (lambda z: F.softplus(z, beta, 20.0))
        w = self.w
        z = (x - self.mean) / self.std
        z = F.max_pool2d(act(F.conv2d(z, w["features.0.weight"], w["features.0.bias"], padding=1)), 2)
        z = F.max_pool2d(act(F.conv2d(z, w["features.3.weight"], w["features.3.bias"], padding=1)), 2)
        z = act(F.linear(z.flatten(1), w["classifier.1.weight"], w["classifier.1.bias"]))
        return F.linear(z, w["classifier.3.weight"], w["classifier.3.bias"])


def saliency(g):
    s = g.abs().sum(1)
    return s / s.sum((1, 2), keepdim=True).clamp_min(1e-30)


def gradient_map(model, x, y, beta=None, create_graph=False):
    """The gradient map of class y; with create_graph the graph is kept for the double backward."""
    x = x if x.requires_grad else x.detach().requires_grad_(True)
    with torch.enable_grad():
        score = model(x, beta).gather(1, y.view(-1, 1)).sum()
        g, = torch.autograd.grad(score, x, create_graph=create_graph)
    return saliency(g)


def rescale(z, z_ref, a, a_ref):
    """DeepLIFT's rescale multiplier (act(z) - act(z_ref)) / (z - z_ref), relu'(z) where |z - z_ref| <= 1e-6."""
    dz = z - z_ref
    far = dz.abs() > 1e-6
    safe = torch.where(far, dz, torch.ones_like(dz))
    return torch.where(far, (a - a_ref) / safe, (z > 0).to(z.dtype))


def to_argmax(m, indices, shape):
    """A max-pool's multipliers sent back to each window's maximum of the input (the gradient routing)."""
    n, c, h, w = shape
    flat = torch.zeros(n, c, h * w, dtype=m.dtype)
    return flat.scatter_add(2, indices.flatten(2), m.flatten(2)).view(n, c, h, w)


class Activations:
    """The small-cnn's pre- and post-activations and max-pool indices of a batch (ReLU network)."""

    def __init__(self, model, x):
        w = model.w
        z = (x - model.mean) / model.std
        self.z1 = F.conv2d(z, w["features.0.weight"], w["features.0.bias"], padding=1)
        self.a1 = F.relu(self.z1)
        p1, self.i1 = F.max_pool2d(self.a1, 2, return_indices=True)
        self.z2 = F.conv2d(p1, w["features.3.weight"], w["features.3.bias"], padding=1)
        self.a2 = F.relu(self.z2)
        p2, self.i2 = F.max_pool2d(self.a2, 2, return_indices=True)
        self.z3 = F.linear(p2.flatten(1), w["classifier.1.weight"], w["classifier.1.bias"])
        self.a3 = F.relu(self.z3)
        self.logits = F.linear(self.a3, w["classifier.3.weight"], w["classifier.3.bias"])


def deeplift_map(model, x, y, ref, ref_acts, create_graph=False):
    """DeepLIFT (rescale rule, max-pool routed through the input's maximum: Fragility's deeplift_gradmax) of class y
    against the reference ref, written out layer by layer; differentiable in x when create_graph."""
    w = model.w
    with torch.set_grad_enabled(create_graph):
        a = Activations(model, x)
        m = F.one_hot(y, a.logits.shape[1]).to(x.dtype) @ w["classifier.3.weight"]
        m = m * rescale(a.z3, ref_acts.z3, a.a3, ref_acts.a3)
        m = (m @ w["classifier.1.weight"]).view(-1, *a.i2.shape[1:])
        m = to_argmax(m, a.i2, a.a2.shape) * rescale(a.z2, ref_acts.z2, a.a2, ref_acts.a2)
        m = F.conv_transpose2d(m, w["features.3.weight"], padding=1)
        m = to_argmax(m, a.i1, a.a1.shape) * rescale(a.z1, ref_acts.z1, a.a1, ref_acts.a1)
        m = F.conv_transpose2d(m, w["features.0.weight"], padding=1) / model.std
        return saliency(m * (x - ref))


def topk_mask(maps, k):
    """Top-k pixels of each flattened map, ties to the lower index (TopKIntersection.TopKMask)."""
    kth = maps.topk(k, dim=1).values[:, k - 1:k]
    above = maps > kth
    tied = maps == kth
    room = k - above.sum(1, keepdim=True)
    return above | (tied & (tied.long().cumsum(1) <= room))


def run_cell(model, x0, k, eps, alpha, iterations, beta, method="gradient"):
    with torch.no_grad():
        y = model(x0).argmax(1)
    if method == "gradient":
        # The gradient of D on the softplus(beta) twin; the criterion's map on the ReLU network.
        attacked = lambda x: gradient_map(model, x, y, beta=beta, create_graph=True)
        evaluated = lambda x: gradient_map(model, x, y)
    else:
        # DeepLIFT is attacked on the ReLU network itself, against the zero image; the reference's activations are
        # computed once.
        ref = torch.zeros_like(x0)
        with torch.no_grad():
            ref_acts = Activations(model, ref)
        attacked = lambda x: deeplift_map(model, x, y, ref, ref_acts, create_graph=True)
        evaluated = lambda x: deeplift_map(model, x, y, ref, ref_acts)
    clean_maps = evaluated(x0).flatten(1)
    clean_top = topk_mask(clean_maps, k)
    mask = clean_top.view(-1, x0.shape[2], x0.shape[3]).float()
    n = x0.shape[0]
    best_score = torch.full((n,), float("inf"), dtype=torch.float64)
    best = x0.clone()
    moving = torch.ones(n, dtype=torch.bool)
    x = x0.clone()
    for _ in range(iterations):
        if not moving.any():
            break
        xg = x.detach().requires_grad_(True)
        maps = attacked(xg)
        d = -(maps * mask).sum((1, 2))
        g, = torch.autograd.grad(d.sum(), xg)
        with torch.no_grad():
            g = torch.nan_to_num(g, 0.0, 0.0, 0.0)
            nxt = (x0 + (x + alpha * g.sign() - x0).clamp(-eps, eps)).clamp(0.0, 1.0)
            moving &= (nxt != x).flatten(1).any(1)
            # Steps 2-4: label and criterion on the ReLU network.
            labels = model(nxt).argmax(1)
        m = evaluated(nxt).flatten(1)
        with torch.no_grad():
            inter = (clean_top & topk_mask(m, k)).sum(1).double() / k
            score = torch.where(labels == y, inter, torch.full_like(inter, float("inf")))
            take = score < best_score
            best_score = torch.where(take, score, best_score)
            best[take] = nxt[take]
            x = nxt
    # An image with no admissible iterate keeps x0: intersection with itself, 1.
    reached = torch.where(torch.isinf(best_score), torch.ones_like(best_score), best_score)
    return reached.mean().item(), best


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--images", type=int, default=16, help="N correctly classified images (first N of the sample)")
    p.add_argument("--iterations", type=int, default=300, help="P")
    p.add_argument("--k", type=int, default=78)
    p.add_argument("--epsilon", type=float, default=8.0, help="pixel units of 0-255")
    p.add_argument("--step", type=float, default=0.5, help="pixel units of 0-255")
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--method", choices=["gradient", "deeplift_gradmax"], default="gradient")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    w, meta = read_safetensors(os.path.join(ROOT, "models", "fashion-mnist-small-cnn.safetensors"))
    info = json.loads(meta["fragility.model"])
    assert info["architecture"] == "small-cnn"
    pre = info["preprocessing"]
    model = SmallCnn(w, pre["mean"], pre["std"])
    samples = os.path.join(ROOT, "models", "samples", "fashion-mnist")
    images = read_idx(os.path.join(samples, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(samples, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    with torch.no_grad():
        correct = (model(x).argmax(1) == torch.from_numpy(labels)).nonzero().flatten()[:a.images]
    assert len(correct) == a.images, f"only {len(correct)} correctly classified sample images"
    x0 = x[correct].contiguous()

    args = (model, x0, a.k, a.epsilon / 255.0, a.step / 255.0, a.iterations, a.beta, a.method)
    for _ in range(a.warmup):
        run_cell(*args)
    times = []
    reached = float("nan")
    for _ in range(a.reps):
        t = time.perf_counter()
        reached, _ = run_cell(*args)
        times.append((time.perf_counter() - t) * 1000.0)
    med = statistics.median(times)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: top-k cell, {a.method} map, small-cnn, "
          f"{a.images} images x {a.iterations} iterations, k={a.k}, eps={a.epsilon}/255, step={a.step}/255")
    print(f"  median {med:.1f} ms per cell [{min(times):.1f} .. {max(times):.1f}], "
          f"{a.iterations * 1000.0 / med:.1f} steps/s, mean top-k intersection reached {reached:.4f}")
    print(f"RESULT median_ms={med:.3f} mean_topk={reached:.6f} images={','.join(str(int(i)) for i in correct)}")


if __name__ == "__main__":
    main()
