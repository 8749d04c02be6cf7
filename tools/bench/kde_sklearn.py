#!/usr/bin/env python3
"""scikit-learn reference for `molgen sampler kde` (its KDE example on the 8x8 digits).

Reads datasets/digits/digits.csv.gz (the same 1,797 digits scikit-learn's load_digits ships, pixels
0-16), fits PCA(n_components=15, whiten=False) on all of them, and runs
GridSearchCV(KernelDensity(), {"bandwidth": logspace(-1, 1, 20)}) with its default 5-fold KFold
(contiguous, unshuffled): the same search `molgen sampler kde` makes. Prints name=value lines:
sklearn_bandwidth, sklearn_heldout_log_likelihood (the mean log-density of a digit under the KDE of
the other folds at that bandwidth, KernelDensity.score summed over folds / N) and sklearn_cv_seconds.
Run it through tools/bench/kde-vs-sklearn, which installs scikit-learn with pip into a virtual
environment under .build/. Not run in CI.
"""
import argparse, gzip, time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KernelDensity


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default="datasets")
    parser.add_argument("--components", type=int, default=15)
    args = parser.parse_args()

    with gzip.open(f"{args.datasets}/digits/digits.csv.gz", "rt") as f:
        rows = np.loadtxt(f, delimiter=",")
    data = PCA(n_components=args.components, whiten=False).fit_transform(rows[:, :64])
    start = time.perf_counter()
    grid = GridSearchCV(KernelDensity(), {"bandwidth": np.logspace(-1, 1, 20)})
    grid.fit(data)
    seconds = time.perf_counter() - start
    h = grid.best_params_["bandwidth"]
    total = 0.0
    for train, test in KFold(5).split(data):
        total += KernelDensity(bandwidth=h).fit(data[train]).score(data[test])
    print(f"sklearn_bandwidth={h:.6f}")
    print(f"sklearn_heldout_log_likelihood={total / len(data):.10f}")
    print(f"sklearn_cv_seconds={seconds:.4f}")


if __name__ == "__main__":
    main()
