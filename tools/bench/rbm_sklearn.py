#!/usr/bin/env python3
"""MolGen's RBM beside scikit-learn's BernoulliRBM on the same data and settings.

Both train persistent CD-1 (scikit-learn's only algorithm) without momentum or weight decay on
MolGen's binarised MNIST training split (8,000 images, pixels > 0.5; the split is MolGen's fixed
shuffle, reproduced here with the same xoshiro256** generator), with the same hidden units, learning
rate, batch size and epochs. Both models are then scored by the same code: scikit-learn's
`score_samples` pseudo-likelihood (one flipped pixel per image, averaged over `--pl-rounds` draws
of the flipped pixels, the same draws for both) on the 2,000 held-out images.

Differences that remain: scikit-learn starts the visible biases at 0 and its persistent chains at
h = 0 and walks the data in order; MolGen starts the visible biases at the data's log-odds and its
chains at random training images, and shuffles every epoch.

Prints name=value lines. Usage (outside CI; needs `pip install scikit-learn h5py`):
  tools/bench/rbm_sklearn.py [--hidden 500] [--learning-rate 0.05] [--batch 100] [--epochs 10]
"""
import argparse, gzip, os, subprocess, sys, tempfile, time

import h5py
import numpy as np
from sklearn.neural_network import BernoulliRBM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MASK = (1 << 64) - 1


class Xoshiro:
    """MolGen's RandomGenerator: xoshiro256** seeded through SplitMix64."""

    def __init__(self, seed):
        s, self.s = seed, []
        for _ in range(4):
            s = (s + 0x9E3779B97F4A7C15) & MASK
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.next() % (i + 1)
            items[i], items[j] = items[j], items[i]


def mnist_split():
    with gzip.open(os.path.join(ROOT, "datasets/mnist/t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float64) / 255
    order = list(range(len(images)))
    Xoshiro(1).shuffle(order)
    binary = (images > 0.5).astype(np.float64)
    return binary[order[:-2000]], binary[order[-2000:]]


def pseudo_likelihood(rbm, data, rounds):
    total = 0.0
    for r in range(rounds):
        rbm.random_state = r
        total += rbm.score_samples(data).mean()
    return total / rounds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--pl-rounds", type=int, default=20)
    args = parser.parse_args()
    train, held = mnist_split()

    molgen = os.path.join(ROOT, ".build/release/molgen")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rbm.h5")
        start = time.time()
        out = subprocess.run([molgen, "image", "train", "rbm", "--persistent", "--momentum", "0", "--weight-decay", "0",
                              "--hidden", str(args.hidden), "--learning-rate", str(args.learning_rate),
                              "--batch-size", str(args.batch), "--epochs", str(args.epochs), "--datasets",
                              os.path.join(ROOT, "datasets"), "-o", path],
                             check=True, capture_output=True, text=True).stdout
        wall = time.time() - start
        seconds = sum(float(field.split("=")[1]) for line in out.splitlines() for field in line.split() if field.startswith("seconds="))
        with h5py.File(path, "r") as f:
            ours = BernoulliRBM(n_components=args.hidden)
            ours.components_ = f["parameters/weight"][()].astype(np.float64)
            ours.intercept_hidden_ = f["parameters/hidden_bias"][()].astype(np.float64)
            ours.intercept_visible_ = f["parameters/visible_bias"][()].astype(np.float64)
    steps = len(train) // args.batch
    print(f"molgen_images_per_s={steps * args.batch * args.epochs / seconds:.0f}")
    print(f"molgen_wall_seconds={wall:.2f}")

    theirs = BernoulliRBM(n_components=args.hidden, learning_rate=args.learning_rate, batch_size=args.batch,
                          n_iter=args.epochs, random_state=0)
    start = time.time()
    theirs.fit(train)
    fit_seconds = time.time() - start
    print(f"sklearn_images_per_s={len(train) * args.epochs / fit_seconds:.0f}")
    print(f"speed_ratio={(steps * args.batch * args.epochs / seconds) / (len(train) * args.epochs / fit_seconds):.2f}")
    print(f"molgen_pseudo_log_likelihood={pseudo_likelihood(ours, held, args.pl_rounds):.2f}")
    print(f"sklearn_pseudo_log_likelihood={pseudo_likelihood(theirs, held, args.pl_rounds):.2f}")


if __name__ == "__main__":
    sys.exit(main())
