import CRDKit

/// The atoms a molecule shares with another: their maximum common substructure (RDKit FMCS).
public struct CommonSubstructure: Equatable, Sendable {
    /// Indices of the molecule's atoms inside the common substructure, increasing (the molecule's
    /// own atom order, that of its SMILES).
    public var atoms: [Int]
    /// The molecule's atom count: the atoms not in `atoms` are what differs.
    public var atomCount: Int
    /// False when the search hit its time limit: `atoms` is then the largest found so far.
    public var completed: Bool

    /// The atoms outside the common substructure.
    public var differingAtoms: [Int] {
        let common = Set(atoms)
        return (0..<atomCount).filter { !common.contains($0) }
    }
}

extension Molecule {
    /// Number of atoms, hydrogens written as atoms (`[H]`) included.
    public var atomCount: Int { Int(crd_molecule_atom_count(handle)) }

    /// This molecule's atoms in its maximum common substructure with `other`: RDKit FMCS with ring
    /// atoms and bonds matching ring ones only and complete rings only (Python's `rdFMCS.FindMCS`
    /// with those four `MCSParameters` flags set, tools/make-mcs-fixture.py), the result's query
    /// matched back into this molecule. The search stops after `timeout` seconds
    /// (whole seconds, at least 1), so one pair never takes much longer.
    /// - Throws: `ChemError.drawingFailed` when RDKit fails.
    public func commonSubstructure(with other: Molecule, timeout: Double = 1) throws -> CommonSubstructure {
        var atoms = [Int32](repeating: 0, count: atomCount)
        var completed = false
        let count = crd_molecule_mcs_atoms(handle, other.handle, timeout, &atoms, &completed)
        guard count >= 0 else { throw ChemError.drawingFailed("the common substructure of \(canonicalSMILES) and \(other.canonicalSMILES)") }
        return CommonSubstructure(atoms: atoms.prefix(Int(count)).map(Int.init), atomCount: atoms.count, completed: completed)
    }
}
