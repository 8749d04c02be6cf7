import CRDKit

/// A scalar property of a molecule, computed by RDKit in one pass per molecule.
///
/// Each matches RDKit's Python reference (see `Tests/ChemTests/Fixtures`):
/// - `logP`: Wildman–Crippen logP, `Crippen.MolLogP`.
/// - `qed`: quantitative estimate of drug-likeness, `rdkit.Chem.QED.qed` (mean weights).
/// - `sas`: synthetic accessibility, 1 (easy) to 10 (hard), RDKit Contrib `sascorer.py`.
/// - `molecularWeight`: average molecular weight with implicit hydrogens, `Descriptors.MolWt`.
/// - `penalizedLogP`: logP − SAS − max(0, largest ring size − 6), the ChemVAE/JT-VAE target.
public enum MolecularProperty: String, CaseIterable, Sendable, Codable {
    case logP = "logp"
    case qed = "qed"
    case sas = "sas"
    case molecularWeight = "mw"
    case penalizedLogP = "plogp"

    /// Short column name used in files and on the command line (`logp`, `qed`, `sas`, `mw`, `plogp`).
    public var name: String { rawValue }

    /// The property whose `name` is `name`, ignoring case; nil for unknown names.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }

    /// The values the property can take (QED 0...1, SAS 1...10, MW above 0); nil when unbounded
    /// (logP, penalised logP). A surrogate's prediction outside it is an extrapolation.
    public var possibleRange: ClosedRange<Double>? {
        switch self {
        case .qed: return 0...1
        case .sas: return 1...10
        case .molecularWeight: return 0...Double.greatestFiniteMagnitude
        case .logP, .penalizedLogP: return nil
        }
    }

    var cValue: CRDProperty {
        switch self {
        case .logP: return CRDPropertyLogP
        case .qed: return CRDPropertyQED
        case .sas: return CRDPropertySAS
        case .molecularWeight: return CRDPropertyMolecularWeight
        case .penalizedLogP: return CRDPropertyPenalizedLogP
        }
    }
}

extension Array where Element == MolecularProperty {
    /// The C values, and the fragment table loaded first when SAS is among them.
    var cValues: [CRDProperty] {
        if contains(where: { $0 == .sas || $0 == .penalizedLogP }) { FragmentScores.ensureLoaded() }
        return map(\.cValue)
    }
}
