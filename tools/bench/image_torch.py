#!/usr/bin/env python3
"""PyTorch reference for `molgen bench image`.

Builds the same architectures as MolGen's ImageModels defaults on MNIST-sized inputs and times the
same training step on random 28x28 images:
  vae    MLP encoder 784-512-256-2Z (ReLU), decoder Z-256-512-784, Bernoulli (BCE-with-logits summed
         per image) + KL, reparameterisation, Adam(1e-3)
  gan    G: 64-256-512-784 (batch norm, leaky ReLU 0.2, tanh); D: 784-512-256-1 (leaky ReLU 0.2, dropout 0.3);
         one D update (real vs detached fake) and one non-saturating G update, Adam(2e-4, beta1 0.5)
  dcgan  G: dense 64 -> 7x7x64 (no bias), BN, ReLU, deconv 64->32 (K4 s2 p1, no bias), BN, ReLU,
         deconv 32->1 (K4 s2 p1), tanh; D: conv 1->32 (K4 s2 p1), leaky ReLU, conv 32->64 (no bias),
         BN, leaky ReLU, dense 3136->1; the same alternating step as gan
Prints name=value lines. Usage: image_torch.py --model vae|gan|dcgan [--batch 64] [--steps 20] [--threads 2]
Outside CI: needs `pip install torch`.
"""
import argparse, resource, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(sizes, act, out=None, dropout=0.0, batch_norm=False):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(sizes[i + 1]))
            layers.append(act())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    if out is not None:
        layers.append(out())
    return nn.Sequential(*layers)


def vae_step_factory(B):
    Z = 16
    enc, dec = mlp([784, 512, 256, 2 * Z], nn.ReLU), mlp([Z, 256, 512, 784], nn.ReLU)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.rand(B, 784)

    def step():
        mean, logvar = enc(x).chunk(2, dim=1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        rec = F.binary_cross_entropy_with_logits(dec(z), x, reduction="sum") / B
        kl = -0.5 * torch.sum(1 + logvar - mean ** 2 - logvar.exp()) / B
        opt.zero_grad(set_to_none=True)
        (rec + kl).backward()
        opt.step()
    return step, sum(p.numel() for p in params)


def gan_step_factory(G, D, B, latent, real):
    og = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)

    def step():
        fake = G(torch.randn(B, latent))
        d_loss = F.binary_cross_entropy_with_logits(D(real), ones) + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros)
        od.zero_grad(set_to_none=True)
        d_loss.backward()
        od.step()
        g_loss = F.binary_cross_entropy_with_logits(D(fake), ones)
        og.zero_grad(set_to_none=True)
        g_loss.backward()
        og.step()
    return step, sum(p.numel() for p in list(G.parameters()) + list(D.parameters()))


class View(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.shape[0], *self.shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["vae", "gan", "dcgan"], default="dcgan")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    B = a.batch
    if a.model == "vae":
        step, n = vae_step_factory(B)
    elif a.model == "gan":
        G = mlp([64, 256, 512, 784], lambda: nn.LeakyReLU(0.2), out=nn.Tanh, batch_norm=True)
        D = mlp([784, 512, 256, 1], lambda: nn.LeakyReLU(0.2), dropout=0.3)
        step, n = gan_step_factory(G, D, B, 64, torch.rand(B, 784) * 2 - 1)
    else:
        c = 32
        G = nn.Sequential(nn.Linear(64, 7 * 7 * 2 * c, bias=False), View(2 * c, 7, 7), nn.BatchNorm2d(2 * c), nn.ReLU(),
                          nn.ConvTranspose2d(2 * c, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                          nn.ConvTranspose2d(c, 1, 4, 2, 1), nn.Tanh())
        D = nn.Sequential(nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False),
                          nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(7 * 7 * 2 * c, 1))
        step, n = gan_step_factory(G, D, B, 64, torch.rand(B, 1, 28, 28) * 2 - 1)
    step()  # warm-up
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # all threads; with one thread, hardly load-dependent
    print(f"torch_model_{a.model}=1")
    print(f"torch_threads={torch.get_num_threads()}")
    print(f"torch_parameters={n}")
    print(f"torch_seconds_per_step={seconds / a.steps:.4g}")
    print(f"torch_images_per_s={B * a.steps / seconds:.4g}")
    print(f"torch_cpu_seconds_per_step={cpu / a.steps:.4g}")
    print(f"torch_images_per_cpu_s={B * a.steps / cpu:.4g}")
    print(f"torch_peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.4g}")


if __name__ == "__main__":
    main()
