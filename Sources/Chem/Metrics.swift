import Dispatch
import Foundation

/// The usual measures of a generative model's samples, after MOSES (Polykovskiy et al.,
/// *Molecular Sets*, Front. Pharmacol. 2020). Every value lies in 0...1; a measure with
/// nothing to measure (no samples, no valid samples) is 0.
///
/// Fingerprints are Morgan radius 2 with 2048 bits (MOSES uses 1024, so IntDiv and SNN differ
/// from MOSES tables in the third decimal or so).
public enum GenerationMetrics {
    /// Fraction of `smiles` that RDKit parses and sanitizes (empty strings are invalid, as in MOSES).
    public static func validity(_ smiles: [String]) -> Double {
        ratio(parse(smiles, canonicalize: false, fingerprints: false).lazy.compactMap { $0 }.count, smiles.count)
    }

    /// Fraction of distinct canonical SMILES among the first `k` valid samples (all valid
    /// samples when `k` is nil or larger than their number): MOSES `unique@k`.
    public static func uniqueness(_ smiles: [String], firstValid k: Int? = nil) -> Double {
        let valid = parse(smiles, fingerprints: false).compactMap { $0?.canonicalSMILES }
        let first = valid.prefix(k ?? valid.count)
        return ratio(Set(first).count, first.count)
    }

    /// Fraction of the distinct valid samples whose canonical SMILES is not in `trainingSet`
    /// (which must hold canonical SMILES; see `canonicalSMILES(_:)`): MOSES novelty.
    public static func novelty(_ smiles: [String], trainingSet: Set<String>) -> Double {
        let unique = Set(parse(smiles, fingerprints: false).compactMap { $0?.canonicalSMILES })
        return ratio(unique.subtracting(trainingSet).count, unique.count)
    }

    /// Internal diversity IntDiv₁ of the distinct valid samples; see `internalDiversity(of:)`.
    public static func internalDiversity(_ smiles: [String]) -> Double {
        internalDiversity(of: uniqueValid(parse(smiles)).compactMap(\.fingerprint))
    }

    /// Internal diversity IntDiv₁ = 1 − mean Tanimoto similarity over all N² ordered pairs of
    /// `fingerprints`, self-pairs included, exactly as MOSES computes it (so N mutually
    /// dissimilar molecules score 1 − 1/N).
    public static func internalDiversity(of fingerprints: [Fingerprint]) -> Double {
        let n = fingerprints.count
        guard n > 0 else { return 0 }
        // Pairs i < j count twice; the diagonal contributes n similarities of 1.
        let offDiagonal = parallelSum(rows: n) { i in
            var sum = 0.0
            for j in (i + 1)..<n { sum += fingerprints[i].tanimoto(to: fingerprints[j]) }
            return sum
        }
        return 1 - (Double(n) + 2 * offDiagonal) / (Double(n) * Double(n))
    }

    /// Similarity to nearest neighbour (SNN) of the valid samples (duplicates kept, as in
    /// MOSES) against `reference`; see `nearestNeighborSimilarity(of:reference:)`.
    public static func nearestNeighborSimilarity(_ smiles: [String], reference: [Fingerprint]) -> Double {
        nearestNeighborSimilarity(of: parse(smiles).compactMap { $0?.fingerprint }, reference: reference)
    }

    /// SNN: the mean over `fingerprints` of the largest Tanimoto similarity to any fingerprint
    /// in `reference`.
    public static func nearestNeighborSimilarity(of fingerprints: [Fingerprint], reference: [Fingerprint]) -> Double {
        guard !fingerprints.isEmpty, !reference.isEmpty else { return 0 }
        let total = parallelSum(rows: fingerprints.count) { i in
            var best = 0.0
            for r in reference { best = max(best, fingerprints[i].tanimoto(to: r)) }
            return best
        }
        return total / Double(fingerprints.count)
    }

    /// All measures from one parse of `smiles`. Novelty needs `trainingSet` (canonical SMILES)
    /// and SNN needs `reference`; each is nil when its input is not given.
    public static func evaluate(
        _ smiles: [String], uniquenessK k: Int? = nil, trainingSet: Set<String>? = nil, reference: [Fingerprint]? = nil
    ) -> GenerationReport {
        let samples = parse(smiles)
        let valid = samples.compactMap { $0 }
        let first = valid.prefix(k ?? valid.count)
        let unique = uniqueValid(samples)
        return GenerationReport(
            sampleCount: smiles.count, validCount: valid.count, uniqueValidCount: unique.count,
            validity: ratio(valid.count, smiles.count),
            uniqueness: ratio(Set(first.map(\.canonicalSMILES)).count, first.count),
            novelty: trainingSet.map { training in
                ratio(unique.filter { !training.contains($0.canonicalSMILES) }.count, unique.count)
            },
            internalDiversity: internalDiversity(of: unique.compactMap(\.fingerprint)),
            nearestNeighborSimilarity: reference.map { nearestNeighborSimilarity(of: valid.compactMap(\.fingerprint), reference: $0) })
    }

    // MARK: - Helpers

    struct Sample {
        var canonicalSMILES: String
        var fingerprint: Fingerprint?
    }

    /// Each SMILES parsed on all cores: nil when invalid, else its canonical SMILES (empty
    /// unless `canonicalize`) and its fingerprint (when `fingerprints`).
    static func parse(_ smiles: [String], canonicalize: Bool = true, fingerprints: Bool = true) -> [Sample?] {
        var samples = [Sample?](repeating: nil, count: smiles.count)
        samples.withUnsafeMutableBufferPointer { out in
            let chunk = 256
            DispatchQueue.concurrentPerform(iterations: (smiles.count + chunk - 1) / chunk) { c in
                for i in (c * chunk)..<min(smiles.count, (c + 1) * chunk) {
                    if let a = try? analyze(smiles: smiles[i], canonicalize: canonicalize, fingerprint: fingerprints) {
                        out[i] = Sample(canonicalSMILES: a.canonicalSMILES ?? "", fingerprint: a.fingerprint)
                    }
                }
            }
        }
        return samples
    }

    /// The valid samples, first occurrence of each canonical SMILES only, in input order.
    static func uniqueValid(_ samples: [Sample?]) -> [Sample] {
        var seen = Set<String>()
        return samples.compactMap { $0 }.filter { seen.insert($0.canonicalSMILES).inserted }
    }

    static func ratio(_ count: Int, _ total: Int) -> Double {
        total == 0 ? 0 : Double(count) / Double(total)
    }

    /// Σ row(i) for i in 0..<rows, rows dealt round-robin to one task per core so that
    /// triangular workloads stay balanced.
    static func parallelSum(rows: Int, _ row: (Int) -> Double) -> Double {
        let workers = max(1, min(rows / 64, System.coreCount))
        var partial = [Double](repeating: 0, count: workers)
        partial.withUnsafeMutableBufferPointer { sums in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var sum = 0.0
                for i in stride(from: w, to: rows, by: workers) { sum += row(i) }
                sums[w] = sum
            }
        }
        return partial.reduce(0, +)
    }
}

/// The measures `GenerationMetrics.evaluate` computes for one set of samples.
public struct GenerationReport: Sendable, Equatable {
    public var sampleCount: Int
    public var validCount: Int
    public var uniqueValidCount: Int
    public var validity: Double
    /// Distinct fraction of the first k valid samples.
    public var uniqueness: Double
    /// nil when no training set was given.
    public var novelty: Double?
    /// IntDiv₁ over distinct valid samples.
    public var internalDiversity: Double
    /// SNN; nil when no reference set was given.
    public var nearestNeighborSimilarity: Double?
}

enum System {
    static let coreCount = ProcessInfo.processInfo.activeProcessorCount
}
