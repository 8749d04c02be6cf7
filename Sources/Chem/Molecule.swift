import CRDKit

/// A sanitized molecule parsed by RDKit.
///
/// Owns an RDKit `ROMol`; freed when the last reference goes. RDKit caches results on the
/// molecule, so use one `Molecule` from one thread at a time (different molecules on
/// different threads are fine). For bulk work prefer `analyze(smiles:canonicalize:properties:fingerprint:)`,
/// which parses once and returns everything in one call.
public final class Molecule {
    let handle: OpaquePointer

    /// Parses and sanitizes `smiles` as `Chem.MolFromSmiles` does.
    /// - Throws: `ChemError.invalidSMILES` with RDKit's reason (or `SmilesScreen`'s, checked
    ///   first); an empty string is invalid.
    public init(smiles: String, maxLength: Int? = SmilesScreen.defaultMaxLength, maxAtoms: Int? = SmilesScreen.defaultMaxAtoms) throws {
        if let problem = SmilesScreen.problem(in: smiles, maxLength: maxLength, maxAtoms: maxAtoms) { throw ChemError.invalidSMILES(smiles, reason: problem) }
        var error: UnsafeMutablePointer<CChar>?
        guard let handle = crd_molecule_from_smiles(smiles, &error) else {
            throw ChemError.invalidSMILES(smiles, reason: takeString(error) ?? "unknown RDKit error")
        }
        self.handle = handle
    }

    deinit { crd_molecule_free(handle) }

    /// RDKit's canonical isomeric SMILES, identical to Python's `Chem.MolToSmiles(mol)`.
    public var canonicalSMILES: String {
        takeString(crd_molecule_canonical_smiles(handle)) ?? ""
    }

    /// Number of non-hydrogen atoms.
    public var heavyAtomCount: Int { Int(crd_molecule_heavy_atom_count(handle)) }

    /// The values of `properties`, in the same order.
    public func properties(_ properties: [MolecularProperty]) -> [Double] {
        let kinds = properties.cValues
        return [Double](unsafeUninitializedCapacity: kinds.count) { buffer, count in
            crd_molecule_properties(handle, kinds, Int32(kinds.count), buffer.baseAddress)
            count = kinds.count
        }
    }

    /// The value of one property.
    public func value(of property: MolecularProperty) -> Double {
        properties([property])[0]
    }

    /// QED's eight descriptors (MW, ALOGP, HBA, HBD, PSA, ROTB, AROM, ALERTS); with `reference`,
    /// from RDKit's plain entry points without CRDKit's shortcuts. For tests.
    func qedDescriptors(reference: Bool) -> [Double] {
        var values = [Double](repeating: 0, count: 8)
        crd_molecule_qed_descriptors(handle, reference, &values)
        return values
    }

    /// The Morgan (ECFP-like) bit fingerprint, as `AllChem.GetMorganFingerprintAsBitVect(mol, radius, bitCount)`.
    public func fingerprint(radius: Int = 2, bitCount: Int = Fingerprint.defaultBitCount) -> Fingerprint {
        precondition(radius >= 0 && bitCount > 0, "fingerprint: radius \(radius) and bitCount \(bitCount) must be positive")
        var words = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
        crd_molecule_morgan_bits(handle, Int32(radius), Int32(bitCount), &words)
        return Fingerprint(bitCount: bitCount, words: words)
    }
}
