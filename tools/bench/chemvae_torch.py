#!/usr/bin/env python3
"""PyTorch reference for `molgen bench train` and `molgen bench sample`.

Builds the same ChemVAE as MolGen's presets (conv encoder with tanh + batch norm, dense + batch
norm, mean/log-variance; paper decoder: dense + batch norm on z, repeated over T into a GRU stack,
terminal GRU fed the previous token one-hot; or the autoregressive decoder; property head) and runs
the same work: training steps on full-length random molecules (forward, backward, gradient
clipping, Adam) or decoding prior samples to full length. Prints name=value lines.

Usage: chemvae_torch.py train|sample [--preset paper|cpu] [--batch B] [--length T] [--vocab V]
                                     [--steps N] [--threads 2]
Outside CI: needs `pip install torch`.
"""
import argparse, resource, time
import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "paper": dict(latent=196, channels=[9, 9, 10], kernels=[9, 9, 11], enc_hidden=196, decoder="paper",
                  hidden=488, layers=3, embedding=0, lr=4.6e-4, prop_hidden=67, prop_layers=3, prop_dropout=0.15),
    "cpu": dict(latent=64, channels=[32, 32, 64], kernels=[9, 9, 11], enc_hidden=256, decoder="autoregressive",
                hidden=320, layers=2, embedding=32, lr=1e-3, prop_hidden=67, prop_layers=3, prop_dropout=0.15),
}


class ChemVAE(nn.Module):
    def __init__(self, p, vocab, length, properties):
        super().__init__()
        self.p, self.vocab, self.length = p, vocab, length
        convs, norms, c, L = [], [], vocab, length
        for out, k in zip(p["channels"], p["kernels"]):
            convs.append(nn.Conv1d(c, out, k)); norms.append(nn.BatchNorm1d(out)); c, L = out, L - k + 1
        self.convs, self.conv_norms = nn.ModuleList(convs), nn.ModuleList(norms)
        self.dense, self.dense_norm = nn.Linear(c * L, p["enc_hidden"]), nn.BatchNorm1d(p["enc_hidden"])
        self.mean, self.logvar = nn.Linear(p["enc_hidden"], p["latent"]), nn.Linear(p["enc_hidden"], p["latent"])
        Z, H = p["latent"], p["hidden"]
        if p["decoder"] == "paper":
            self.latent_dense, self.latent_norm = nn.Linear(Z, Z), nn.BatchNorm1d(Z)
            self.gru = nn.GRU(Z, H, p["layers"])
            self.terminal = nn.GRU(H + vocab, vocab)
            self.out = nn.Linear(vocab, vocab)
        else:
            self.initial = nn.Linear(Z, H * p["layers"])
            self.embed = nn.Embedding(vocab, p["embedding"])
            self.gru = nn.GRU(p["embedding"] + Z, H, p["layers"])
            self.out = nn.Linear(H, vocab)
        layers, w = [], Z
        for _ in range(p["prop_layers"]):
            layers += [nn.Linear(w, p["prop_hidden"]), nn.Tanh(), nn.Dropout(p["prop_dropout"]), nn.BatchNorm1d(p["prop_hidden"])]
            w = p["prop_hidden"]
        self.prop = nn.Sequential(*layers, nn.Linear(w, properties))

    def encode(self, rows):                              # rows [B, T] long
        h = F.one_hot(rows, self.vocab).float().transpose(1, 2)
        for conv, norm in zip(self.convs, self.conv_norms):
            h = norm(torch.tanh(conv(h)))
        h = self.dense_norm(torch.tanh(self.dense(h.flatten(1))))
        return self.mean(h), self.logvar(h)

    def stack(self, z, T):
        h = self.latent_norm(torch.tanh(self.latent_dense(z)))
        return self.gru(h.unsqueeze(0).expand(T, -1, -1).contiguous())[0]

    def initial_states(self, z):
        return torch.tanh(self.initial(z)).view(z.shape[0], self.p["layers"], -1).transpose(0, 1).contiguous()

    def logits(self, z, previous):                       # previous [T, B] long
        T = previous.shape[0]
        if self.p["decoder"] == "paper":
            x = torch.cat([self.stack(z, T), F.one_hot(previous, self.vocab).float()], 2)
            return self.out(self.terminal(x)[0])
        x = torch.cat([self.embed(previous), z.unsqueeze(0).expand(T, -1, -1)], 2)
        return self.out(self.gru(x, self.initial_states(z))[0])

    @torch.no_grad()
    def sample(self, z, T):
        B = z.shape[0]
        prev = torch.full((B,), 1, dtype=torch.long)
        if self.p["decoder"] == "paper":
            stack, h = self.stack(z, T), torch.zeros(1, B, self.vocab)
            for t in range(T):
                x = torch.cat([stack[t], F.one_hot(prev, self.vocab).float()], 1).unsqueeze(0)
                o, h = self.terminal(x, h)
                prev = torch.multinomial(F.softmax(self.out(o[0]), -1), 1).squeeze(1)
        else:
            h = self.initial_states(z)
            for t in range(T):
                x = torch.cat([self.embed(prev), z], 1).unsqueeze(0)
                o, h = self.gru(x, h)
                prev = torch.multinomial(F.softmax(self.out(o[0]), -1), 1).squeeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["train", "sample"])
    ap.add_argument("--preset", default="paper", choices=PRESETS)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--length", type=int, default=120)
    ap.add_argument("--vocab", type=int, default=35)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    B, T, V = a.batch or (128 if a.task == "train" else 1000), a.length, a.vocab
    model = ChemVAE(PRESETS[a.preset], V, T, 3)
    rows = torch.randint(4, V, (B, T)); rows[:, -1] = 2
    props = torch.randn(B, 3)
    if a.task == "train":
        opt = torch.optim.Adam(model.parameters(), lr=PRESETS[a.preset]["lr"])
        previous = torch.cat([torch.full((1, B), 1, dtype=torch.long), rows.t()[:-1]], 0)

        def step():
            mean, logvar = model.encode(rows)
            z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
            logits = model.logits(z, previous)
            rec = F.cross_entropy(logits.reshape(-1, V), rows.t().reshape(-1), reduction="sum") / B
            kl = -0.5 * torch.sum(1 + logvar - mean ** 2 - logvar.exp()) / B
            loss = rec + 0.5 * kl + 0.5 * F.mse_loss(model.prop(mean), props)
            opt.zero_grad(); loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5); opt.step()
        step()
        start = time.perf_counter()
        for _ in range(a.steps): step()
        seconds = time.perf_counter() - start
        print(f"torch_seconds_per_step={seconds / a.steps:.4g}")
        print(f"torch_molecules_per_s={B * a.steps / seconds:.4g}")
    else:
        model.eval()
        z = torch.randn(B, PRESETS[a.preset]["latent"])
        model.sample(z, T)
        start = time.perf_counter()
        for _ in range(a.steps): model.sample(z, T)
        seconds = time.perf_counter() - start
        print(f"torch_seconds_per_batch={seconds / a.steps:.4g}")
        print(f"torch_molecules_per_s={B * a.steps / seconds:.4g}")
    print(f"torch_peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    print(f"torch_threads={torch.get_num_threads()}")


if __name__ == "__main__":
    main()
