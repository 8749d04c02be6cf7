#!/usr/bin/env python3
"""Reference for the ChemNet stage of `molgen bench evaluate`: the PyPI `fcd` package (torch)
computing ChemNet activations of the same molecules. Prints torch_chemnet_molecules_per_s.

Usage: chemnet_torch.py [--molecules datasets/moses-test-5k.csv.gz] [--samples 1000] [--threads 2]
Outside CI: needs `pip install torch fcd==1.2.2 rdkit` (tools/make-fcd-fixture.py's venv has them).
The molecules are canonicalized with RDKit first, as `molgen bench evaluate` feeds ChemNet the
canonical SMILES of the valid samples.
"""
import argparse, csv, gzip, itertools, time, warnings

import fcd
import torch
from rdkit import Chem, rdBase

rdBase.DisableLog("rdApp.*")
warnings.filterwarnings("ignore")
parser = argparse.ArgumentParser()
parser.add_argument("--molecules", default="datasets/moses-test-5k.csv.gz")
parser.add_argument("--samples", type=int, default=1000)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
with gzip.open(args.molecules, "rt") as f:
    smiles = [row["SMILES"] for row in itertools.islice(csv.DictReader(f), args.samples)]
canonical = [Chem.MolToSmiles(m) for m in map(Chem.MolFromSmiles, smiles) if m is not None]
model = fcd.load_ref_model()
fcd.get_predictions(model, canonical[:8], device="cpu")   # warm-up
start = time.perf_counter()
fcd.get_predictions(model, canonical, device="cpu", n_jobs=0)
print(f"torch_chemnet_molecules_per_s={len(canonical) / (time.perf_counter() - start):.1f}")
