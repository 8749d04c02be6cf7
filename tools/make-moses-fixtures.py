#!/usr/bin/env python3
"""Writes the reference values for the MOSES metrics MolGen computes (`Sources/Chem/MosesMetrics.swift`).

RDKit 2022.09.5 from PyPI, as tools/make-chem-fixtures.py (same venv, plus scipy):

    ~/.cache/rdkit2022/bin/pip install rdkit==2022.9.5 "numpy<2" scipy
    ~/.cache/rdkit2022/bin/python tools/make-moses-fixtures.py

The metric definitions are MOSES's (github.com/molecularsets/moses, moses/metrics/metrics.py and
utils.py), written out here with plain RDKit and numpy so that no MOSES install is needed:
- fragments: Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split('.'), counted over molecules
- scaffold: MurckoScaffold.GetScaffoldForMol(mol); kept when it is not '' and has >= 2 rings
- Frag, Scaf: cosine similarity of the count vectors over the union of keys
- fingerprints: Morgan radius 2, 1024 bits; duplicates kept
- SNN: mean over generated molecules of the max Tanimoto to the reference set
- IntDiv_p: 1 - mean_i (mean_j T_ij^p)^(1/p) over all ordered pairs of generated molecules
- unique@k: distinct canonical SMILES among the first k valid ones, over their number
- logP, SA, QED, weight: scipy.stats.wasserstein_distance between the two sets' values
All metrics take the valid molecules only (MOSES's remove_invalid), duplicates kept.

Writes into Tests/ChemTests/Fixtures/: scaffolds-fragments.csv (per molecule) and
moses-sets.csv + moses-metrics.csv (two small sets and the metrics between them).
"""
import csv
import gzip
import itertools
import os
import sys

import numpy as np
from rdkit import Chem, DataStructs, RDConfig, rdBase
from rdkit.Chem import AllChem, Crippen, Descriptors, QED
from rdkit.Chem.Scaffolds import MurckoScaffold
from scipy.stats import wasserstein_distance

sys.path.append(os.path.join(RDConfig.RDContribDir, "SA_Score"))
import sascorer  # noqa: E402

rdBase.DisableLog("rdApp.*")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ChemTests", "Fixtures")


def read_column(name, count, skip=0):
    with gzip.open(os.path.join(ROOT, "datasets", name), "rt") as f:
        return [row["SMILES"] for row in itertools.islice(csv.DictReader(f), skip, skip + count)]


def fragments(mol):
    return Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)).split(".")


def scaffold(mol, min_rings=2):
    s = MurckoScaffold.GetScaffoldForMol(mol)
    smiles = Chem.MolToSmiles(s)
    if smiles == "" or s.GetRingInfo().NumRings() < min_rings:
        return None
    return smiles


def counts(items):
    out = {}
    for item in items:
        if item is not None:
            out[item] = out.get(item, 0) + 1
    return out


def cosine(a, b):
    keys = sorted(set(a) | set(b))
    x = np.array([a.get(k, 0) for k in keys], dtype=float)
    y = np.array([b.get(k, 0) for k in keys], dtype=float)
    return float(x.dot(y) / (np.linalg.norm(x) * np.linalg.norm(y)))


def fingerprint(mol):
    return AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=1024)


def tanimoto_matrix(a, b):
    return np.array([DataStructs.BulkTanimotoSimilarity(x, b) for x in a])


def main():
    # Per molecule: the Chem fixtures' molecules (MOSES test molecules and odd cases).
    with open(os.path.join(OUT, "rdkit-reference.csv")) as f:
        molecules = [row["smiles"] for row in csv.DictReader(f)]
    with open(os.path.join(OUT, "scaffolds-fragments.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["smiles", "scaffold", "scaffold_rings", "fragments"])
        for smiles in molecules:
            mol = Chem.MolFromSmiles(smiles)
            s = MurckoScaffold.GetScaffoldForMol(mol)
            out.writerow([smiles, Chem.MolToSmiles(s), s.GetRingInfo().NumRings(), ".".join(fragments(mol))])

    # Two sets: "generated" = 300 training molecules, some repeated, plus invalid strings;
    # "reference" = 400 test molecules.
    train = read_column("moses-train-50k.csv.gz", 300)
    generated = train[:250] + train[:40] + ["C1CC", "C(C", "", "c1cccc1"] + train[250:]
    reference = read_column("moses-test-5k.csv.gz", 400, skip=2000)
    with open(os.path.join(OUT, "moses-sets.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["set", "smiles"])
        out.writerows([("generated", s) for s in generated] + [("reference", s) for s in reference])

    gen = [m for m in (Chem.MolFromSmiles(s) for s in generated if s) if m is not None]
    ref = [Chem.MolFromSmiles(s) for s in reference]
    canonical = [Chem.MolToSmiles(m) for m in gen]
    gen_fps, ref_fps = [fingerprint(m) for m in gen], [fingerprint(m) for m in ref]
    snn = tanimoto_matrix(gen_fps, ref_fps).max(axis=1).mean()
    within = tanimoto_matrix(gen_fps, gen_fps)
    metrics = {
        "validity": len(gen) / len(generated),
        "unique_100": len(set(canonical[:100])) / 100,
        "unique_300": len(set(canonical[:300])) / 300,
        "unique_1000": len(set(canonical)) / len(canonical),
        "snn": snn,
        "intdiv1": 1 - within.mean(axis=1).mean(),
        "intdiv2": 1 - np.sqrt((within ** 2).mean(axis=1)).mean(),
        "frag": cosine(counts(f for m in gen for f in fragments(m)), counts(f for m in ref for f in fragments(m))),
        "scaf": cosine(counts(scaffold(m) for m in gen), counts(scaffold(m) for m in ref)),
    }
    for name, function in [("logp", Crippen.MolLogP), ("sas", sascorer.calculateScore), ("qed", QED.qed),
                           ("mw", Descriptors.MolWt)]:
        metrics[name + "_wasserstein"] = wasserstein_distance([function(m) for m in ref], [function(m) for m in gen])
    with open(os.path.join(OUT, "moses-metrics.csv"), "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["name", "value"])
        for name, value in metrics.items():
            out.writerow([name, repr(float(value))])
    print("\n".join(f"{k}={v}" for k, v in metrics.items()))


if __name__ == "__main__":
    main()
