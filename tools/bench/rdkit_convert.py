#!/usr/bin/env python3
"""RDKit in Python doing the chemistry of `molgen convert`, for comparison: per molecule parse,
canonical SMILES, and the requested properties (logP, QED, SAS, MW, penalized logP), in one process.

Reads a .smi/.txt/.csv file, gzipped or not (CSV: the `smiles` column in any case). Prints
name=value lines: molecules, valid, seconds, molecules_per_s, cpu_ms_per_molecule. Tokenization and file writing are
left out on purpose: they are not the cost being compared.
"""
import argparse
import csv
import gzip
import io
import math
import sys
import time

from rdkit import Chem, RDLogger
from rdkit.Chem import Crippen, Descriptors, QED
from rdkit.Contrib.SA_Score import sascorer

RDLogger.DisableLog("rdApp.*")


def read_smiles(path, limit):
    opener = gzip.open if path.endswith(".gz") else open
    name = path[:-3] if path.endswith(".gz") else path
    out = []
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        if name.lower().endswith(".csv"):
            rows = csv.reader(f)
            header = next(rows)
            column = [h.strip().lower() for h in header].index("smiles")
            for row in rows:
                if row:
                    out.append(row[column].strip() if column < len(row) else "")
                if limit and len(out) >= limit:
                    break
        else:
            for line in f:
                fields = line.split()
                if fields and not fields[0].startswith("#"):
                    out.append(fields[0])
                if limit and len(out) >= limit:
                    break
    return out


def largest_ring_penalty(mol):
    """Penalized logP's cycle term: atoms beyond 6 in the largest ring."""
    sizes = [len(r) for r in mol.GetRingInfo().AtomRings()]
    return max(max(sizes, default=0) - 6, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("input")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--properties", default="logp,qed,sas")
    args = parser.parse_args()
    wanted = [p for p in args.properties.split(",") if p]
    smiles = read_smiles(args.input, args.limit)
    sascorer.readFragmentScores()  # a one-time load, kept out of the timing as MolGen's is

    start = time.perf_counter()
    cpu_start = time.process_time()
    valid = 0
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            continue
        valid += 1
        Chem.MolToSmiles(mol)
        logp = sas = None
        for name in wanted:
            if name == "logp":
                logp = Crippen.MolLogP(mol)
            elif name == "qed":
                QED.qed(mol)
            elif name == "sas":
                sas = sascorer.calculateScore(mol)
            elif name == "mw":
                Descriptors.MolWt(mol)
            elif name == "plogp":
                logp = Crippen.MolLogP(mol) if logp is None else logp
                sas = sascorer.calculateScore(mol) if sas is None else sas
                _ = logp - sas - largest_ring_penalty(mol)
            else:
                sys.exit(f"rdkit_convert.py: unknown property {name}")
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(f"molecules={len(smiles)}")
    print(f"valid={valid}")
    print(f"seconds={seconds:.3f}")
    print(f"molecules_per_s={len(smiles) / seconds:.1f}")
    print(f"cpu_ms_per_molecule={cpu * 1000 / max(len(smiles), 1):.3f}")


if __name__ == "__main__":
    main()
