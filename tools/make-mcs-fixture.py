#!/usr/bin/env python3
"""Writes the maximum-common-substructure reference the report highlighting is tested against.

Reference: Debian 12's python3-rdkit (2022.09.3, the same release as the librdkit CRDKit links),
run with the system interpreter: `apt-get install -y python3-rdkit; /usr/bin/python3 tools/make-mcs-fixture.py`.

For each pair (molecule, reference) the MCS is RDKit's FMCS with the settings of CRDKit's
`crd_molecule_mcs_atoms`: ring atoms and bonds match ring atoms and bonds only, and rings are
matched whole, for atoms as well as bonds (all four MCSParameters flags; the keyword form
FindMCS(ringMatchesRingOnly=True, completeRingsOnly=True) leaves the atoms' CompleteRingsOnly off
and so keeps a lone ring atom, such as the attachment carbon of a pyridine matched to a phenyl,
in the common part), searched to the end (timeout 60 s); `common_atoms` are the molecule's
atoms matched by the result's query (molecule.GetSubstructMatch(result.queryMol)), in the
molecule's own atom order. `over_1s` is 1 when the same search limited to 1 s (the reports'
limit) was cancelled: for those pairs the tests check the time limit, not the atoms.
Writes Tests/ChemTests/Fixtures/mcs-pairs.csv.
"""
import csv
import os

import rdkit
from rdkit import Chem
from rdkit.Chem import rdFMCS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ChemTests", "Fixtures", "mcs-pairs.csv")

# Drug pairs that differ by a known group, and MOSES test-set molecules (datasets/moses-test-5k)
# against close analogues and against each other.
PAIRS = [
    ("CCOc1ccc(NC(C)=O)cc1", "CC(=O)Nc1ccc(O)cc1"),              # phenacetin vs paracetamol
    ("CC(=O)Oc1ccccc1C(=O)O", "O=C(O)c1ccccc1O"),                # aspirin vs salicylic acid
    ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "Cn1c(=O)c2[nH]cnc2n(C)c1=O"),  # caffeine vs theophylline
    ("CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21", "O=C1CN=C(c2ccccc2)c2cc(Cl)ccc2N1"),  # diazepam vs nordazepam
    ("COc1ccc2cc(C(C)C(=O)O)ccc2c1", "CC(C)Cc1ccc(C(C)C(=O)O)cc1"),  # naproxen vs ibuprofen
    ("Cc1ccccc1C", "Cc1ccccc1"),                                 # o-xylene vs toluene
    ("CCO", "CC(=O)Nc1ccc(O)cc1"),                               # nothing in common but a C-C-O chain
    ("CN(C)S(=O)(=O)c1ccc(Cn2cnc(C3CCC3)cc2=O)o1", "CN(C)S(=O)(=O)c1ccc(Cn2cnc(C3CCCC3)cc2=O)o1"),
    ("N#Cc1c(F)cccc1NCCNC(=O)COc1ccccc1Cl", "N#Cc1c(F)cccc1NCCNC(=O)COc1ccccc1"),
    ("Cc1ccc(N)cc1-c1nnc(NC(=O)C(C)(C)C)s1", "Cc1ccc(N)cc1-c1nnc(NC(=O)C2CC2)s1"),
    ("COc1ccc2oc(C(=O)Nc3ccccn3)c(C)c2c1", "COc1ccc2oc(C(=O)Nc3ccccc3)c(C)c2c1"),
    ("Cc1cnc(C(=O)Nc2cc(Cl)ccc2F)cn1", "CCOC(=O)N1CCC(NC(=O)c2cc(F)c(F)cc2Cl)CC1"),
    ("CC(=O)N1CCC(N2CCN3C(=O)N(c4ccccn4)CC3C2)CC1", "CC(=O)Nc1ccc(C)c(NCC(=O)NC(C)c2cccs2)c1"),
]


def find_mcs(molecules, timeout):
    parameters = rdFMCS.MCSParameters()
    for compare in (parameters.AtomCompareParameters, parameters.BondCompareParameters):
        compare.RingMatchesRingOnly = True
        compare.CompleteRingsOnly = True
    parameters.Timeout = timeout
    return rdFMCS.FindMCS(molecules, parameters)


def main():
    rows = []
    for smiles, reference in PAIRS:
        molecule, other = Chem.MolFromSmiles(smiles), Chem.MolFromSmiles(reference)
        result = find_mcs([molecule, other], 60)
        assert not result.canceled, (smiles, reference)
        limited = find_mcs([molecule, other], 1)
        match = molecule.GetSubstructMatch(result.queryMol) if result.numAtoms > 0 else ()
        rows.append([smiles, reference, result.numAtoms, result.numBonds, " ".join(str(i) for i in sorted(match)),
                     int(limited.canceled)])
    with open(OUT, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["molecule", "reference", "mcs_atoms", "mcs_bonds", "common_atoms", "over_1s"])
        writer.writerows(rows)
    print(f"rdkit {rdkit.__version__}: {len(rows)} pairs -> {OUT}")


if __name__ == "__main__":
    main()
