import CRDKit

/// What standardisation changed in a molecule.
public struct StandardizationChanges: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Salts, solvents or counter-ions were removed; the largest organic fragment is kept.
    public static let largestFragment = StandardizationChanges(rawValue: CRDStandardizationLargestFragment.rawValue)
    /// Charges were neutralised (protons added or removed where a neutral form exists).
    public static let neutralized = StandardizationChanges(rawValue: CRDStandardizationNeutralized.rawValue)
    /// Stereochemistry was removed.
    public static let stereoRemoved = StandardizationChanges(rawValue: CRDStandardizationStereoRemoved.rawValue)

    /// The changes as short words joined by `;` (`fragments;charges;stereo`), "" for none: the
    /// `standardized` column of `molgen properties`.
    public var description: String {
        [(Self.largestFragment, "fragments"), (Self.neutralized, "charges"), (Self.stereoRemoved, "stereo")]
            .filter { contains($0.0) }.map(\.1).joined(separator: ";")
    }
}

/// How molecules are standardised before use (`--standardize`, `--strip-stereo`): RDKit's
/// MolStandardize keeps the largest organic fragment and neutralises charges where it can;
/// `stripStereo` also removes stereochemistry. The result is RDKit's canonical SMILES of that
/// parent compound.
public struct Standardization: Sendable, Hashable {
    /// Remove tetrahedral and double-bond stereochemistry too.
    public var stripStereo: Bool

    public init(stripStereo: Bool = false) { self.stripStereo = stripStereo }

    /// The parent of `smiles` and what changed. A SMILES with no `.`, charge sign or stereo mark
    /// has nothing to standardise and is returned unchanged without calling RDKit (why: encoding a
    /// large clean file should not pay for a second parse of every molecule).
    /// - Throws: `ChemError.invalidSMILES` with RDKit's reason (or `SmilesScreen`'s, checked first).
    public func standardize(_ smiles: String, maxLength: Int? = SmilesScreen.defaultMaxLength,
                            maxAtoms: Int? = SmilesScreen.defaultMaxAtoms) throws -> StandardizedMolecule {
        if let problem = SmilesScreen.problem(in: smiles, maxLength: maxLength, maxAtoms: maxAtoms) { throw ChemError.invalidSMILES(smiles, reason: problem) }
        guard Self.mightChange(smiles) else { return StandardizedMolecule(smiles: smiles, changes: []) }
        var changes: Int32 = 0
        var error: UnsafeMutablePointer<CChar>?
        guard let parent = takeString(crd_standardize(smiles, stripStereo, &changes, &error)) else {
            throw ChemError.invalidSMILES(smiles, reason: takeString(error) ?? "unknown RDKit error")
        }
        let found = StandardizationChanges(rawValue: changes)
        // Unchanged molecules keep the input spelling, so standardising never rewrites clean rows.
        return StandardizedMolecule(smiles: found.isEmpty ? smiles : parent, changes: found)
    }

    /// Whether `smiles` holds anything standardisation acts on: several fragments, a charge or stereo.
    static func mightChange(_ smiles: String) -> Bool {
        smiles.utf8.contains { byte in
            byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\")
        }
    }
}

/// A standardised molecule: RDKit's canonical SMILES of the parent (or the input spelling when
/// nothing changed) and what standardisation did.
public struct StandardizedMolecule: Sendable, Hashable {
    public var smiles: String
    public var changes: StandardizationChanges
}

/// The version of the RDKit library MolGen is linked against (`rdkit.__version__`).
public var rdkitVersion: String { String(cString: crd_rdkit_version()) }

/// The canonical SMILES of the molecule of one SD record (mol block and data items, without `$$$$`),
/// read by RDKit's SD supplier.
/// - Throws: `ChemError.invalidSMILES` (with an empty SMILES) carrying RDKit's reason.
public func smilesOfSDRecord(_ record: String) throws -> String {
    var error: UnsafeMutablePointer<CChar>?
    guard let smiles = takeString(crd_sdf_record_smiles(record, &error)) else {
        throw ChemError.invalidSMILES("", reason: takeString(error) ?? "RDKit cannot read the mol block")
    }
    return smiles
}
