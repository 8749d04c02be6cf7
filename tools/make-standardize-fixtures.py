#!/usr/bin/env python3
"""Writes the RDKit reference values the standardisation tests compare against
(Tests/ChemTests/Fixtures/standardize-reference.csv). Not run by `make test`: its output is checked in.

Reference: RDKit 2022.09.5 from PyPI, the release closest to Debian 12's librdkit-dev 2022.09.3
(see tools/make-chem-fixtures.py for the one-time venv):

    ~/.cache/rdkit2022/bin/python tools/make-standardize-fixtures.py

The parent compound is what `molgen ... --standardize` computes (Sources/C/CRDKit/Standardize.cpp):
    m = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)
    m = rdMolStandardize.Uncharger().uncharge(m)
    Chem.RemoveStereochemistry(m)          # only with --strip-stereo
Each step counts as a change when it alters the canonical SMILES. The parent's properties
(`properties --parent`) are Crippen.MolLogP and Descriptors.MolWt of the parent.
"""
import csv
import os

import rdkit
from rdkit import Chem, RDLogger
from rdkit.Chem import Crippen, Descriptors
from rdkit.Chem.MolStandardize import rdMolStandardize

RDLogger.DisableLog("rdApp.*")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ChemTests", "Fixtures", "standardize-reference.csv")

# Molecules as chemists bring them: approved drugs as salts and hydrates, charged forms,
# stereo, quaternary and nitro charges that have no neutral form, and clean molecules.
MOLECULES = [
    "CC(=O)Oc1ccccc1C(=O)O",                              # aspirin: nothing to do
    "C[NH+](C)CCC=C1c2ccccc2CCc2ccccc21.[Cl-]",           # amitriptyline hydrochloride
    "Cl.NCCc1ccc(O)c(O)c1",                               # dopamine hydrochloride
    "CC(=O)[O-].[Na+]",                                   # sodium acetate
    "O=C([O-])c1ccccc1.[K+]",                             # potassium benzoate
    "O.O.CC(=O)Nc1ccc(O)cc1",                             # paracetamol dihydrate
    "CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O",                    # (S)-ibuprofen
    "C/C=C/C(=O)O",                                       # crotonic acid (E)
    "C[C@H](N)C(=O)O",                                    # L-alanine
    "N[C@@H](Cc1ccccc1)C(=O)[O-].[Na+]",                  # sodium L-phenylalaninate
    "C[N+](C)(C)CCOC(C)=O",                               # acetylcholine: quaternary, stays charged
    "[O-][N+](=O)c1ccccc1",                               # nitrobenzene: charge-separated, stays
    "CC[NH3+]",                                           # ethylammonium
    "CCN(CC)CC.Cl",                                       # triethylamine hydrochloride
    "OC(=O)CC(O)(CC(O)=O)C(O)=O.CN1CCC[C@H]1c1cccnc1",    # nicotine citrate: citrate is larger
    "CN1CCC[C@H]1c1cccnc1.OC(=O)[C@H](O)[C@@H](O)C(O)=O",  # nicotine tartrate
    "[Na+].[Na+].[O-]S(=O)(=O)c1ccccc1.[O-]S(=O)(=O)c1ccccc1",  # two benzenesulfonates
    "CC(C)NCC(O)COc1cccc2ccccc12.Cl",                     # propranolol hydrochloride
    "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21",                # diazepam: nothing to do
    "C1=CC=CC=C1",                                        # Kekulé benzene: nothing to do
    "OC(=O)/C=C\\C(=O)O.CN(C)CCC=C1c2ccccc2CCc2ccccc12",  # a maleate salt
]


def canonical(mol):
    return Chem.MolToSmiles(mol)


def parent(smiles, strip_stereo):
    mol = Chem.MolFromSmiles(smiles)
    changes = []
    start = canonical(mol)
    m = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)
    fragment = canonical(m)
    if fragment != start:
        changes.append("fragments")
    m = rdMolStandardize.Uncharger().uncharge(m)
    neutral = canonical(m)
    if neutral != fragment:
        changes.append("charges")
    if strip_stereo:
        Chem.RemoveStereochemistry(m)
        flat = canonical(m)
        if flat != neutral:
            changes.append("stereo")
        neutral = flat
    fresh = Chem.MolFromSmiles(neutral)
    return neutral, ";".join(changes), Crippen.MolLogP(fresh), Descriptors.MolWt(fresh)


def main():
    with open(OUT, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["smiles", "strip_stereo", "parent", "changes", "parent_logp", "parent_mw"])
        for smiles in MOLECULES:
            for strip in (False, True):
                p, changes, logp, mw = parent(smiles, strip)
                writer.writerow([smiles, "true" if strip else "false", p, changes, repr(logp), repr(mw)])
    print(f"wrote {OUT} with RDKit {rdkit.__version__}")


if __name__ == "__main__":
    main()
