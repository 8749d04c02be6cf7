#!/usr/bin/env python3
"""Writes the RDKit ring sets and verdicts the Smiles tests compare the grammar's copy of RDKit
2022.09's ring perception against (Sources/Smiles/RDKitRingSet.swift).

Reference: the system's RDKit, Debian 12's python3-rdkit 2022.09 under /usr/bin/python3, the
same library MolGen links. Do not regenerate with a newer RDKit: 2026.09 replaced the ring search
(PR #9105) and accepts most of the tangled molecules below.

    /usr/bin/python3 tools/make-ring-fixtures.py

Writes into Tests/SmilesTests/Fixtures/:
- rdkit-ring-sets.csv: smiles, kind, bonds (RDKit's bonds by index, "begin-end", space separated),
  rings (RingInfo's atom rings after sanitization's ring perception, atoms space separated, rings
  joined by "|"). Kinds: moses (MOSES test molecules with two rings or more), polycyclic (MOSES
  training molecules with a ring system of four rings or more), cage-* (random carbon cages,
  written by RDKit in a random order: -missed, a ring bond in no ring; -symmetrized, more rings
  than the cyclomatic number; -many, 17 rings or more; -fallback, RDKit's warning that it switched
  to its approximate ring search; -plain, none of these), tangle (molecules of the verdict file).
- rdkit-ring-verdicts.csv: smiles, kind, accepted (1 when Chem.MolFromSmiles parses and
  sanitizes it). Kinds: example (strings RDKit 2022.09 refuses and 2026.09 accepts: two from the
  analysis of the defect and the one MolGen's 100,000-string property test let through),
  missed-accepted (RDKit's ring set leaves a ring bond out, yet it kekulizes them), rewrite (all
  of those and more such molecules in random atom orders, which move the defect), polycyclic (MOSES training molecules with an aromatic ring system of four rings
  or more, as written and in a random order).

Ring information comes from SanitizeMol with CLEANUP | PROPERTIES | SYMMRINGS on the unsanitized
parse (sanitization's steps up to Kekulize, without removing hydrogens), so atom and bond indices
are those of the string as written.
"""
import csv
import gzip
import itertools
import logging
import os
import random

from rdkit import Chem, rdBase

assert rdBase.rdkitVersion.startswith("2022.09"), f"RDKit {rdBase.rdkitVersion}: run with Debian 12's /usr/bin/python3"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "SmilesTests", "Fixtures")

# RDKit 2022.09 refuses these ("Can't kekulize"); 2026.09 accepts them.
EXAMPLES = [
    "C12c3c4cc5cc4nc5c2c31",
    "c12c3c2cc1c1cc2nc1cc23",
    "Cc2N3n-Cn5nnn3S6son6n3n1NnON1[nH]n4nc=c6c3c6c4c5c2",
]
MORE = [
    "c12c(N(C)C)c3c2c2nc4Oc2sc4c1[nH]3", "c12c3c(c4c5c(CC)c1c(n5)c4)c(C)c32",
    "n1c2c3c(c(c4nc5cc4cc53)c2)[nH]c1CN", "n1c2c3c4cc5c(c4nc5c(c3C(C)O)c2c1)C",
    "On1c2c3c(c4c1cN(N2COON)c1c(n1)c43)C", "S1c2C3Oc4nc3nc4c(S1)n1c2c(C)csonc1O",
    "c12cC(O)c2c2sC3on2c(O)c2nc4N1nc2c1N4c13", "c12c(c(c1)-n1c3n4c(O)c5c(nc4s5)c1c3C)cc2",
    "c12c3c4c5oC4sc4nc6c(Sc(C)c6c4C5O)c1c2c3O", "c12c3n4c(C(c5cc6cnCc5N(CN(N)C)c36)n1)c24",
    "c12c3c4Nc3sc(c3n5n6c1cc5c63)c(c(c2C)C)c4O", "C1(c(C)c2c3c4ncc(sn3)c(c1c1c2[nH]1)[nH]4)N",
]
# RDKit 2022.09's ring set leaves a ring bond of these out, and it accepts them all the same.
MISSED_BUT_ACCEPTED = [
    "Cc1c(N)c2c3c4c5c1c(o4)c2c3N5N", "Cc1C2c3c1c(nc3C)c1cc3nc1n(O)c23", "C(c1c2c3c(N)c(c4c5c2c4nn5)c1S3)C",
    "c12cc3c4c5c(cc(c(c1c4)O)c5c3O)c2", "c12c3c4n5c(oc(c1)c(cn5)c3)c(c42)O", "c12cc3N(c4c1[nH]c1c(o4)c(c31)n2)CC",
    "c12n3c4c5n(c3c(c(OC4)c5Sc1)[nH]2)C", "n1cc2c3cnc4c5c(c1N)c4c3c(C(N)O)c52",
]
# Random orders tried per molecule, and kept: up to 5 that RDKit accepts, the rest refused ones.
ORDERS, REWRITES, ACCEPTED_REWRITES = 100, 12, 5

PARTIAL = Chem.SanitizeFlags.SANITIZE_CLEANUP | Chem.SanitizeFlags.SANITIZE_PROPERTIES | Chem.SanitizeFlags.SANITIZE_SYMMRINGS

# RDKit's warnings, to see when it falls back to its approximate ring search.
rdBase.LogToPythonLogger()
warnings = []


class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())


logging.getLogger("rdkit").handlers = [Collect()]
logging.getLogger("rdkit").propagate = False


def ring_row(smiles, kind):
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    Chem.SanitizeMol(mol, PARTIAL)
    return {
        "smiles": smiles,
        "kind": kind,
        "bonds": " ".join(f"{b.GetBeginAtomIdx()}-{b.GetEndAtomIdx()}" for b in mol.GetBonds()),
        "rings": "|".join(" ".join(map(str, ring)) for ring in mol.GetRingInfo().AtomRings()),
    }


def accepted(smiles):
    return 1 if Chem.MolFromSmiles(smiles) is not None else 0


def random_orders(smiles, count, seed):
    """`smiles` written `count` times in random atom orders (RDKit's own random SMILES)."""
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    mol.UpdatePropertyCache(strict=False)
    return list(Chem.MolToRandomSmilesVect(mol, count, randomSeed=seed))


def moses(name):
    with gzip.open(os.path.join(ROOT, "datasets", name), "rt") as f:
        for row in csv.DictReader(f):
            yield row["SMILES"]


def largest_ring_system(mol, aromatic_only=False):
    """Rings in the largest system of rings that share atoms (with an aromatic atom, if asked)."""
    rings = [set(r) for r in mol.GetRingInfo().AtomRings()]
    systems = []
    for ring in rings:
        joined = [s for s in systems if s[0] & ring]
        atoms, count = set(ring), 1
        for s in joined:
            atoms |= s[0]
            count += s[1]
            systems.remove(s)
        systems.append((atoms, count))
    if aromatic_only:
        systems = [s for s in systems if any(mol.GetAtomWithIdx(a).GetIsAromatic() for a in s[0])]
    return max((s[1] for s in systems), default=0)


def cycle_bonds(mol):
    """Bonds on a cycle of the graph (not bridges), by index."""
    n = mol.GetNumAtoms()
    adjacent = [[] for _ in range(n)]
    for b in mol.GetBonds():
        adjacent[b.GetBeginAtomIdx()].append((b.GetEndAtomIdx(), b.GetIdx()))
        adjacent[b.GetEndAtomIdx()].append((b.GetBeginAtomIdx(), b.GetIdx()))
    order, low, bridges = [-1] * n, [0] * n, set()

    def visit(u, via):
        order[u] = low[u] = len([o for o in order if o >= 0])
        for v, k in adjacent[u]:
            if k == via:
                continue
            if order[v] < 0:
                visit(v, k)
                low[u] = min(low[u], low[v])
                if low[v] > order[u]:
                    bridges.add(k)
            else:
                low[u] = min(low[u], order[v])

    visit(0, -1)
    return {b.GetIdx() for b in mol.GetBonds()} - bridges


def random_cage(rng):
    """A random carbon graph (a tree plus extra bonds, at most four per atom), written by RDKit."""
    n = rng.randint(10, 40)
    mol = Chem.RWMol()
    for _ in range(n):
        mol.AddAtom(Chem.Atom(6))
    degree = [0] * n
    for i in range(1, n):
        j = rng.choice([j for j in range(i) if degree[j] < 4])
        mol.AddBond(j, i, Chem.BondType.SINGLE)
        degree[i] += 1
        degree[j] += 1
    for _ in range(rng.randint(n // 4, n // 2 + 1) * 6):
        a, b = rng.sample(range(n), 2)
        if degree[a] < 4 and degree[b] < 4 and mol.GetBondBetweenAtoms(a, b) is None and rng.random() < 0.2:
            mol.AddBond(a, b, Chem.BondType.SINGLE)
            degree[a] += 1
            degree[b] += 1
    return Chem.MolToRandomSmilesVect(mol.GetMol(), 1, randomSeed=rng.randrange(1 << 30))[0]


def cage_kind(smiles):
    del warnings[:]
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    Chem.SanitizeMol(mol, PARTIAL)
    info = mol.GetRingInfo()
    covered = {k for ring in info.BondRings() for k in ring}
    if any("approximate ring finding" in w for w in warnings):
        return "cage-fallback"
    if cycle_bonds(mol) - covered:
        return "cage-missed"
    if info.NumRings() > 16:
        return "cage-many"
    if info.NumRings() > mol.GetNumBonds() - mol.GetNumAtoms() + 1:
        return "cage-symmetrized"
    return "cage-plain"


def write(name, fields, rows):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def main():
    os.makedirs(OUT, exist_ok=True)

    verdicts = [{"smiles": s, "kind": "example", "accepted": accepted(s)} for s in EXAMPLES]
    verdicts += [{"smiles": s, "kind": "missed-accepted", "accepted": accepted(s)} for s in MISSED_BUT_ACCEPTED]
    for i, seed in enumerate(EXAMPLES + MORE + MISSED_BUT_ACCEPTED):
        orders = [(s, accepted(s)) for s in dict.fromkeys(random_orders(seed, ORDERS, i + 1))]
        kept = [o for o in orders if o[1]][:ACCEPTED_REWRITES]
        kept += [o for o in orders if not o[1]][:REWRITES - len(kept)]
        verdicts += [{"smiles": s, "kind": "rewrite", "accepted": a} for s, a in kept]
    polycyclic = []
    for smiles in moses("moses-train-50k.csv.gz"):
        if largest_ring_system(Chem.MolFromSmiles(smiles), aromatic_only=True) >= 4:
            polycyclic.append(smiles)
        if len(polycyclic) == 60:
            break
    for i, smiles in enumerate(polycyclic):
        for s in [smiles] + random_orders(smiles, 1, 1000 + i):
            verdicts.append({"smiles": s, "kind": "polycyclic", "accepted": accepted(s)})
    write("rdkit-ring-verdicts.csv", ["smiles", "kind", "accepted"], verdicts)

    rings = []
    two_ring = (s for s in moses("moses-test-5k.csv.gz") if Chem.MolFromSmiles(s).GetRingInfo().NumRings() >= 2)
    rings += [ring_row(s, "moses") for s in itertools.islice(two_ring, 150)]
    four_ring = (s for s in moses("moses-train-50k.csv.gz") if largest_ring_system(Chem.MolFromSmiles(s)) >= 4)
    rings += [ring_row(s, "polycyclic") for s in itertools.islice(four_ring, 30)]
    wanted = {"cage-missed": 40, "cage-symmetrized": 30, "cage-many": 15, "cage-fallback": 8, "cage-plain": 20}
    rng = random.Random(2022)
    for _ in range(40000):
        if not any(wanted.values()):
            break
        smiles = random_cage(rng)
        kind = cage_kind(smiles)
        if wanted[kind] > 0:
            wanted[kind] -= 1
            rings.append(ring_row(smiles, kind))
    rings += [ring_row(v["smiles"], "tangle") for v in verdicts if v["kind"] != "polycyclic"][::3]
    write("rdkit-ring-sets.csv", ["smiles", "kind", "bonds", "rings"], rings)
    print("cage kinds still wanted:", {k: v for k, v in wanted.items() if v})


if __name__ == "__main__":
    main()
