import CRDKit

/// What `analyze(smiles:canonicalize:properties:fingerprint:)` learned about one SMILES.
public struct MoleculeAnalysis: Sendable, Equatable {
    /// RDKit's canonical SMILES; nil when canonicalization was not asked for.
    public var canonicalSMILES: String?
    /// Number of non-hydrogen atoms.
    public var heavyAtomCount: Int
    /// The requested property values, in the order requested.
    public var properties: [Double]
    /// The radius-2, 2048-bit Morgan fingerprint; nil unless asked for.
    public var fingerprint: Fingerprint?
}

/// Parses `smiles` once and returns its canonical SMILES, heavy-atom count, the requested
/// properties and optionally its Morgan fingerprint, all from one call into RDKit.
///
/// Safe to call from many threads at once: this is the entry point for bulk conversion.
/// - Parameters:
///   - maxLength: longer SMILES are rejected before RDKit parses them (`SmilesScreen`).
///   - maxAtoms: so are SMILES with more atoms.
/// - Throws: `ChemError.invalidSMILES` with RDKit's reason, or the screen's.
public func analyze(
    smiles: String, canonicalize: Bool = true, properties: [MolecularProperty] = [], fingerprint: Bool = false,
    maxLength: Int? = SmilesScreen.defaultMaxLength, maxAtoms: Int? = SmilesScreen.defaultMaxAtoms
) throws -> MoleculeAnalysis {
    if let problem = SmilesScreen.problem(in: smiles, maxLength: maxLength, maxAtoms: maxAtoms) { throw ChemError.invalidSMILES(smiles, reason: problem) }
    let kinds = properties.cValues
    var values = [Double](repeating: 0, count: kinds.count)
    var words = fingerprint ? [UInt64](repeating: 0, count: Fingerprint.defaultBitCount / 64) : []
    var result = CRDAnalysis()
    let ok = values.withUnsafeMutableBufferPointer { valueBuffer in
        words.withUnsafeMutableBufferPointer { wordBuffer in
            crd_analyze(smiles, canonicalize, kinds, Int32(kinds.count), valueBuffer.baseAddress,
                        fingerprint ? wordBuffer.baseAddress : nil, &result)
        }
    }
    let canonical = takeString(result.canonical_smiles)
    let error = takeString(result.error)
    guard ok else { throw ChemError.invalidSMILES(smiles, reason: error ?? "unknown RDKit error") }
    return MoleculeAnalysis(
        canonicalSMILES: canonical, heavyAtomCount: Int(result.heavy_atom_count), properties: values,
        fingerprint: fingerprint ? Fingerprint(bitCount: Fingerprint.defaultBitCount, words: words) : nil)
}

/// RDKit's canonical SMILES for `smiles`, or nil when it is not a valid molecule.
public func canonicalSMILES(_ smiles: String) -> String? {
    try? analyze(smiles: smiles).canonicalSMILES
}
