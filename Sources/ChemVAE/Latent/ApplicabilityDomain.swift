import Chem
import Engine
import Foundation

/// Where a model was trained, so its answers about other molecules can be flagged: the ranges of
/// heavy-atom count, molecular weight and logP of its training molecules, and the distribution of
/// their latent norms ‖μ‖ (a molecule the encoder maps far out is unlike anything it saw).
/// Stored in the model file (`domain.*` state arrays); measured by `molgen export --domain-from`.
public struct ApplicabilityDomain: Equatable, Sendable {
    public var heavyAtoms: ClosedRange<Double>
    public var molecularWeight: ClosedRange<Double>
    public var logP: ClosedRange<Double>
    /// Quantiles of ‖μ‖ over the training molecules at `normLevels`.
    public var latentNormQuantiles: [Double]
    /// How many training molecules the domain was measured on.
    public var molecules: Int

    /// The quantile levels of `latentNormQuantiles`: the median, 90%, 99%, 99.9% and the maximum.
    public static let normLevels = [0.5, 0.9, 0.99, 0.999, 1.0]

    /// ‖μ‖ beyond which an input is flagged: the training set's 99.9th percentile.
    public var latentNormLimit: Double { latentNormQuantiles[3] }

    public init(heavyAtoms: ClosedRange<Double>, molecularWeight: ClosedRange<Double>, logP: ClosedRange<Double>,
                latentNormQuantiles: [Double], molecules: Int) {
        precondition(latentNormQuantiles.count == Self.normLevels.count, "ApplicabilityDomain: one norm quantile per level")
        self.heavyAtoms = heavyAtoms; self.molecularWeight = molecularWeight; self.logP = logP
        self.latentNormQuantiles = latentNormQuantiles; self.molecules = molecules
    }

    /// Why a molecule with these figures is outside the domain (empty when it is inside).
    public func problems(heavyAtoms atoms: Int, molecularWeight mw: Double, logP lp: Double, latentNorm norm: Double?) -> [String] {
        func check(_ name: String, _ value: Double, _ range: ClosedRange<Double>, _ digits: Int) -> String? {
            range.contains(value) ? nil
                : String(format: "%@ %.\(digits)f outside the training range %.\(digits)f–%.\(digits)f", name, value, range.lowerBound, range.upperBound)
        }
        var found = [check("heavy atoms", Double(atoms), heavyAtoms, 0), check("MW", mw, molecularWeight, 1), check("logP", lp, logP, 2)]
            .compactMap { $0 }
        if let norm, norm > latentNormLimit {
            found.append(String(format: "latent norm %.2f beyond the training set's 99.9th percentile %.2f", norm, latentNormLimit))
        }
        return found
    }

    /// One paragraph for a chemist: what the model was trained on.
    public var summary: String {
        String(format: "trained on %d molecules with %.0f–%.0f heavy atoms, MW %.1f–%.1f, logP %.2f–%.2f; latent norm median %.2f, 99.9th percentile %.2f",
               molecules, heavyAtoms.lowerBound, heavyAtoms.upperBound, molecularWeight.lowerBound, molecularWeight.upperBound,
               logP.lowerBound, logP.upperBound, latentNormQuantiles[0], latentNormLimit)
    }

    // MARK: Storage (model-file state arrays)

    static let statePrefix = "domain."

    var stateArrays: [String: (shape: [Int], values: [Float])] {
        ["domain.ranges": ([3, 2], [heavyAtoms.lowerBound, heavyAtoms.upperBound, molecularWeight.lowerBound, molecularWeight.upperBound,
                                    logP.lowerBound, logP.upperBound].map(Float.init)),
         "domain.latent_norm_quantiles": ([Self.normLevels.count], latentNormQuantiles.map(Float.init)),
         "domain.molecules": ([1], [Float(molecules)])]
    }

    init?(ranges: [Float]?, quantiles: [Float]?, molecules: [Float]?) {
        guard let r = ranges?.map(Double.init), r.count == 6, r[0] <= r[1], r[2] <= r[3], r[4] <= r[5],
              let q = quantiles?.map(Double.init), q.count == Self.normLevels.count, let n = molecules?.first else { return nil }
        self.init(heavyAtoms: r[0]...r[1], molecularWeight: r[2]...r[3], logP: r[4]...r[5], latentNormQuantiles: q, molecules: Int(n))
    }
}

extension ChemVAEModel {
    /// Measures the applicability domain on `smiles` (the training molecules or a sample of them):
    /// RDKit's heavy atoms, MW and logP of each valid one, and the norms of the latent means of
    /// those this model can encode.
    /// - Throws: `ChemVAEError.incompatibleData` when none can be encoded.
    public func measureDomain(smiles: [String]) throws -> ApplicabilityDomain {
        var atoms: [Double] = [], weights: [Double] = [], logPs: [Double] = [], rows: [UInt8] = []
        var results = [(figures: [Double], row: [UInt8]?)?](repeating: nil, count: smiles.count)
        results.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: (smiles.count + 63) / 64) { c in
                for i in (c * 64)..<min(smiles.count, (c + 1) * 64) {
                    guard let a = try? analyze(smiles: smiles[i], properties: [.molecularWeight, .logP]) else { continue }
                    out[i] = ([Double(a.heavyAtomCount)] + a.properties, try? tokenRow(smiles: smiles[i]).row)
                }
            }
        }
        for case let (figures, row)? in results {
            atoms.append(figures[0]); weights.append(figures[1]); logPs.append(figures[2])
            if let row { rows += row }
        }
        guard !rows.isEmpty else { throw ChemVAEError.incompatibleData("none of the \(smiles.count) molecules can be encoded with this model") }
        let means = latentMoments(rows: rows).means, z = config.latentSize
        let norms = (0..<(means.count / z)).map { i in norm(Array(means[(i * z)..<((i + 1) * z)])) }.sorted()
        let quantiles = ApplicabilityDomain.normLevels.map { level in norms[min(norms.count - 1, Int((level * Double(norms.count - 1)).rounded()))] }
        return ApplicabilityDomain(heavyAtoms: atoms.min()!...atoms.max()!, molecularWeight: weights.min()!...weights.max()!,
                                   logP: logPs.min()!...logPs.max()!, latentNormQuantiles: quantiles, molecules: norms.count)
    }

    /// Why the molecule `smiles` encoded at `mean` is outside this model's domain (empty when it is
    /// inside, or when the model stores no domain).
    public func domainProblems(smiles: String, mean: [Float]) -> [String] {
        guard let domain, let a = try? analyze(smiles: smiles, canonicalize: false, properties: [.molecularWeight, .logP]) else { return [] }
        return domain.problems(heavyAtoms: a.heavyAtomCount, molecularWeight: a.properties[0], logP: a.properties[1], latentNorm: norm(mean))
    }

    /// One sentence for a user when the molecule `smiles` (named `subject`, e.g. "--from") encoded
    /// at `mean` is outside this model's domain; nil when it is inside or no domain is stored.
    public func domainWarning(_ subject: String, smiles: String, mean: [Float]) -> String? {
        let problems = domainProblems(smiles: smiles, mean: mean)
        guard !problems.isEmpty else { return nil }
        return "\(subject) \(smiles) is outside the model's applicability domain: " + problems.joined(separator: "; ")
            + ". Its results are extrapolations."
    }
}
