#!/usr/bin/env python3
"""Writes the FCD reference values MolGen's ChemNet is tested against (Tests/ChemNetTests).

Made once with the PyPI `fcd` package (1.2.2, torch) on the CPU; not run by `make test`:

    python3 -m venv ~/.cache/molgen-fcd
    ~/.cache/molgen-fcd/bin/pip install torch fcd==1.2.2 rdkit
    ~/.cache/molgen-fcd/bin/python tools/make-fcd-fixture.py

Two fixed sets of 600 molecules: the first 600 of datasets/moses-train-50k.csv.gz and 600 of
datasets/moses-test-5k.csv.gz (rows 3000-3599), passed to fcd as they are (no canonicalization).
Writes Tests/ChemNetTests/Fixtures/fcd-sets.csv (set,smiles), fcd-reference.csv (the FCD and
each set's activation means) and chemnet-activations.csv (all 512 activations of 6 molecules).
"""
import csv
import gzip
import itertools
import os

import fcd
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ChemNetTests", "Fixtures")


def read(name, count, skip=0):
    with gzip.open(os.path.join(ROOT, "datasets", name), "rt") as f:
        return [row["SMILES"] for row in itertools.islice(csv.DictReader(f), skip, skip + count)]


def main():
    a = read("moses-train-50k.csv.gz", 600)
    b = read("moses-test-5k.csv.gz", 600, skip=3000)
    model = fcd.load_ref_model()
    with open(os.path.join(OUT, "fcd-sets.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["set", "smiles"])
        out.writerows([("a", s) for s in a] + [("b", s) for s in b])
    act_a = fcd.get_predictions(model, a)
    act_b = fcd.get_predictions(model, b)
    value = fcd.get_fcd(a, b, model)
    with open(os.path.join(OUT, "fcd-reference.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["name", "value"])
        out.writerow(["fcd", repr(float(value))])
        out.writerow(["fcd_package", f"fcd {fcd.__version__}"])
    # Six single molecules, some with Cl/Br, charges, stereo, and one with characters outside ChemNet's vocabulary.
    singles = ["CCO", "c1ccccc1Cl", "C[C@H](N)C(=O)O", "O=[N+]([O-])c1ccc(Br)cc1", "[Na+].[Cl-]", "CC(=O)Nc1ccc(O)cc1[Zn]"]
    act = fcd.get_predictions(model, singles)
    with open(os.path.join(OUT, "chemnet-activations.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["smiles"] + [f"a{i}" for i in range(act.shape[1])])
        for s, row in zip(singles, act):
            out.writerow([s] + [repr(float(v)) for v in row])
    print(f"fcd={value}")


if __name__ == "__main__":
    main()
