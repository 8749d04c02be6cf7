#!/usr/bin/env python3
"""Writes the RDKit reference values the Chem tests compare against.

Reference: RDKit 2022.09.5 from PyPI, the release closest to Debian 12's librdkit-dev
2022.09.3 that PyPI still serves (2022.9.3 itself is gone). Do not regenerate with a newer
RDKit: 2026.09, for one, gives QED values up to 0.03 away from 2022.09's on these molecules.
Set up once:

    python3 -m venv ~/.cache/rdkit2022
    ~/.cache/rdkit2022/bin/pip install rdkit==2022.9.5 "numpy<2"
    ~/.cache/rdkit2022/bin/python tools/make-chem-fixtures.py

Sources of the values:
- canonical SMILES: Chem.MolToSmiles(mol)
- logp: Crippen.MolLogP; mw: Descriptors.MolWt; heavy_atoms: mol.GetNumHeavyAtoms()
- qed: rdkit.Chem.QED.qed (mean weights)
- sas: Contrib/SA_Score/sascorer.py shipped in the wheel (RDConfig.RDContribDir)
- plogp: logp - sas - max(0, largest ring in mol.GetRingInfo().AtomRings() - 6)
- Morgan bits: AllChem.GetMorganFingerprintAsBitVect(mol, 2, 2048); Tanimoto via DataStructs
- invalid SMILES: RDKit's own log lines for each, captured from its Python log stream

Every property is computed on a freshly parsed molecule, so no call sees another's side effects.

Writes into Tests/ChemTests/Fixtures/: rdkit-reference.csv, morgan-bits.csv,
tanimoto-reference.csv, invalid-smiles.csv.
"""
import csv
import gzip
import io
import itertools
import os
import sys

import rdkit
from rdkit import Chem, DataStructs, RDConfig, rdBase
from rdkit.Chem import AllChem, Crippen, Descriptors, QED

sys.path.append(os.path.join(RDConfig.RDContribDir, "SA_Score"))
import sascorer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ChemTests", "Fixtures")
MOSES_COUNT = 1200

# Beyond MOSES's drug-like, mostly stereo-free molecules: stereocentres, charges, isotopes,
# explicit hydrogens, macrocycles, spiro and bridged systems, alerts, salts, aromatic
# heterocycles, and strained or large rings for the penalized-logP cycle term.
EXTRA = [
    "C[C@H](N)C(=O)O", "C[C@@H](O)[C@H](N)C(=O)O", "F/C=C/F", "C/C=C\\C(=O)O",
    "CC(C)(C)[NH3+]", "[O-]C(=O)c1ccccc1", "[Na+].[Cl-]", "CC(=O)[O-].[Na+]",
    "[2H]C([2H])([2H])Oc1ccccc1", "[13CH3]O", "[H]C([H])([H])[H]", "[H][H]",
    "C1CCCCCCCCCCC1", "O=C1CCCCCCCCCCCCCCN1", "C1CCC2(CC1)CCCC2", "C1CC2CCC1C2",
    "C1C2CC3CC1CC(C2)C3", "c1ccc2c(c1)ccc1ccccc12", "c1ccc2cc3ccccc3cc2c1",
    "CC1=C(C(=O)OC)C(c2ccccc2[N+](=O)[O-])C(C(=O)OC)=C1C", "N#N", "C#C",
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(=O)Oc1ccccc1C(=O)O", "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "O=C(O)C[C@](O)(CC(=O)O)C(=O)O", "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "C[S+](C)C", "[NH4+]", "O=[N+]([O-])c1ccc(Cl)cc1", "ClC(Cl)(Cl)Cl", "BrCCBr",
    "c1ccncc1", "c1cc[nH]c1", "c1ccoc1", "c1ccsc1", "O=S(=O)(O)c1ccccc1", "P(=O)(O)(O)O",
    "C1=CC=CC=C1", "C1CC1", "C1CCC1", "C12C3C4C1C5C2C3C45",
    "CC[C@H](C)[C@@H]1NC(=O)[C@H](Cc2ccccc2)NC(=O)[C@H](CCCN)NC1=O",
    "CC1(C)S[C@@H]2[C@H](NC(=O)Cc3ccccc3)C(=O)N2[C@H]1C(=O)O",
    "CN1CCC[C@H]1c1cccnc1", "OC(=O)CCCCCCCCCCCCCCC", "[Si](C)(C)(C)C", "B(O)(O)c1ccccc1",
    "CC(C)(C)OC(=O)N[C@@H](Cc1ccccc1)C(=O)O", "O=C1NC(=O)C(=O)N1", "c1ccc2[nH]ccc2c1",
    "C1=CC2=CC=CC=CC2=C1", "C=C=C", "N=[N+]=[N-]", "CCOC(=O)C1=C(C)NC(C)=C(C(=O)OCC)C1c1ccccc1",
]

INVALID = [
    "C1CC", "C(C", "CC)", "N(C)(C)(C)(C)C", "c1cccc1", "Xx", "C=", "CC(=O)O)", "c1ccccc",
    "C%1", "CC[", "1CC", "C1=CC=CC=C1=C", "O=C=O=O", "C1CC1C2", "[NH5]", "Cl(C)C",
]


def moses_smiles():
    with gzip.open(os.path.join(ROOT, "datasets", "moses-test-5k.csv.gz"), "rt") as f:
        rows = csv.DictReader(f)
        return [row["SMILES"] for row in itertools.islice(rows, MOSES_COUNT)]


def largest_ring(mol):
    return max((len(r) for r in mol.GetRingInfo().AtomRings()), default=0)


def reference_row(smiles):
    fresh = lambda: Chem.MolFromSmiles(smiles)  # noqa: E731
    logp = Crippen.MolLogP(fresh())
    sas = sascorer.calculateScore(fresh())
    return {
        "smiles": smiles,
        "canonical": Chem.MolToSmiles(fresh()),
        "logp": repr(logp),
        "qed": repr(QED.qed(fresh())),
        "sas": repr(sas),
        "mw": repr(Descriptors.MolWt(fresh())),
        "plogp": repr(logp - sas - max(0, largest_ring(fresh()) - 6)),
        "heavy_atoms": fresh().GetNumHeavyAtoms(),
    }


def morgan(smiles):
    return AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smiles), 2, 2048)


def rdkit_log_for(smiles):
    """RDKit's log lines for parsing `smiles`, timestamps dropped, joined with '; '."""
    stream = io.StringIO()
    saved, sys.stderr = sys.stderr, stream
    try:
        mol = Chem.MolFromSmiles(smiles)
    finally:
        sys.stderr = saved
    assert mol is None, f"{smiles} parsed; it should not"
    lines = []
    for line in stream.getvalue().splitlines():
        if line.startswith("[") and line[9:11] == "] ":
            line = line[11:]
        line = line.rstrip()
        if line:
            lines.append(line)
    return "; ".join(lines)


def main():
    os.makedirs(OUT, exist_ok=True)
    molecules = moses_smiles() + EXTRA
    fields = ["smiles", "canonical", "logp", "qed", "sas", "mw", "plogp", "heavy_atoms"]
    with open(os.path.join(OUT, "rdkit-reference.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for smiles in molecules:
            writer.writerow(reference_row(smiles))

    # Exact Morgan bits for a sample, and Tanimoto between consecutive pairs of it.
    sample = molecules[:100] + EXTRA
    with open(os.path.join(OUT, "morgan-bits.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["smiles", "on_bits"])
        for smiles in sample:
            writer.writerow([smiles, " ".join(map(str, morgan(smiles).GetOnBits()))])
    with open(os.path.join(OUT, "tanimoto-reference.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["smiles_a", "smiles_b", "tanimoto"])
        for a, b in zip(sample[0::2], sample[1::2]):
            writer.writerow([a, b, repr(DataStructs.TanimotoSimilarity(morgan(a), morgan(b)))])

    rdBase.LogToPythonStderr()
    with open(os.path.join(OUT, "invalid-smiles.csv"), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["smiles", "rdkit_message"])
        for smiles in INVALID:
            writer.writerow([smiles, rdkit_log_for(smiles)])
    print(f"RDKit {rdkit.__version__}: {len(molecules)} molecules, {len(sample)} fingerprints, "
          f"{len(INVALID)} invalid SMILES -> {OUT}")


if __name__ == "__main__":
    main()
