import Dispatch
import Foundation

/// What the MOSES metrics need to know about one set of molecules (generated samples or a
/// test set), computed once from one RDKit parse per molecule. Definitions follow
/// `moses/metrics/metrics.py` and `utils.py` (Polykovskiy et al. 2020): invalid molecules are
/// dropped, duplicates are kept.
public struct MoleculeSetProfile: Sendable {
    /// Canonical SMILES of the valid molecules, in input order.
    public var canonicalSMILES: [String]
    /// Morgan radius 2, 1,024 bits (MOSES's `fingerprint(..., fp_type='morgan')`), one per valid molecule.
    public var fingerprints: [Fingerprint]
    /// BRICS fragment → number of occurrences over the valid molecules.
    public var fragmentCounts: [String: Int]
    /// Murcko scaffold (2+ rings) → number of molecules having it.
    public var scaffoldCounts: [String: Int]
    /// `MoleculeSetProfile.properties` values of every valid molecule, one array per property.
    public var propertyValues: [MolecularProperty: [Double]]
    /// Number of input strings, valid or not.
    public var inputCount: Int

    /// The properties MOSES compares by Wasserstein distance: logP, SA, QED and weight.
    public static let properties: [MolecularProperty] = [.logP, .sas, .qed, .molecularWeight]
    /// MOSES's fingerprint length.
    public static let fingerprintBits = 1024

    public init(canonicalSMILES: [String], fingerprints: [Fingerprint], fragmentCounts: [String: Int],
                scaffoldCounts: [String: Int], propertyValues: [MolecularProperty: [Double]], inputCount: Int) {
        self.canonicalSMILES = canonicalSMILES
        self.fingerprints = fingerprints
        self.fragmentCounts = fragmentCounts
        self.scaffoldCounts = scaffoldCounts
        self.propertyValues = propertyValues
        self.inputCount = inputCount
    }

    /// Parses every SMILES on all cores and gathers the profile. `progress` is called with the
    /// number of molecules done so far (from one thread at a time).
    public init(smiles: [String], progress: (Int) -> Void = { _ in }) {
        struct Entry {
            var canonical: String
            var fingerprint: Fingerprint
            var fragments: [String]
            var scaffold: String?
            var properties: [Double]
        }
        var entries = [Entry?](repeating: nil, count: smiles.count)
        let chunk = 256, chunks = (smiles.count + chunk - 1) / chunk
        let lock = NSLock()
        var done = 0
        entries.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let range = (c * chunk)..<min(smiles.count, (c + 1) * chunk)
                for i in range {
                    guard let molecule = try? Molecule(smiles: smiles[i]) else { continue }
                    out[i] = Entry(canonical: molecule.canonicalSMILES,
                                   fingerprint: molecule.fingerprint(radius: 2, bitCount: Self.fingerprintBits),
                                   fragments: molecule.bricsFragments, scaffold: molecule.mosesScaffold(),
                                   properties: molecule.properties(Self.properties))
                }
                lock.lock(); done += range.count; progress(done); lock.unlock()
            }
        }
        var fragments: [String: Int] = [:], scaffolds: [String: Int] = [:]
        var values = [[Double]](repeating: [], count: Self.properties.count)
        let valid = entries.compactMap { $0 }
        for entry in valid {
            for fragment in entry.fragments { fragments[fragment, default: 0] += 1 }
            if let scaffold = entry.scaffold { scaffolds[scaffold, default: 0] += 1 }
            for (k, value) in entry.properties.enumerated() { values[k].append(value) }
        }
        self.init(canonicalSMILES: valid.map(\.canonical), fingerprints: valid.map(\.fingerprint),
                  fragmentCounts: fragments, scaffoldCounts: scaffolds,
                  propertyValues: Dictionary(uniqueKeysWithValues: zip(Self.properties, values)), inputCount: smiles.count)
    }

    /// Number of valid molecules.
    public var validCount: Int { canonicalSMILES.count }
}

/// The MOSES metrics over profiles (`MoleculeSetProfile`); each is a plain function of its inputs.
public enum MosesMetrics {
    /// unique@k: distinct canonical SMILES among the first `k` valid molecules, over their number
    /// (all of them when fewer than `k`, as MOSES does after a warning).
    public static func uniqueness(_ canonicalSMILES: [String], firstValid k: Int) -> Double {
        let first = canonicalSMILES.prefix(k)
        return first.isEmpty ? 0 : Double(Set(first).count) / Double(first.count)
    }

    /// SNN: mean over `fingerprints` of the largest Tanimoto similarity to `reference`.
    public static func nearestNeighborSimilarity(_ fingerprints: [Fingerprint], reference: [Fingerprint]) -> Double {
        GenerationMetrics.nearestNeighborSimilarity(of: fingerprints, reference: reference)
    }

    /// IntDiv_p = 1 − mean_i (mean_j T(i, j)^p)^(1/p) over all ordered pairs, self-pairs and
    /// duplicates included (`internal_diversity(gen, p=p)`); IntDiv1 is p = 1, IntDiv2 p = 2.
    public static func internalDiversity(_ fingerprints: [Fingerprint], p: Int) -> Double {
        let n = fingerprints.count
        guard n > 0 else { return 0 }
        let total = GenerationMetrics.parallelSum(rows: n) { i in
            var sum = 0.0
            for j in 0..<n {
                let t = fingerprints[i].tanimoto(to: fingerprints[j])
                sum += p == 1 ? t : pow(t, Double(p))
            }
            let mean = sum / Double(n)
            return p == 1 ? mean : pow(mean, 1 / Double(p))
        }
        return 1 - total / Double(n)
    }

    /// Cosine similarity of two count vectors indexed by string (MOSES `cos_similarity`, used by
    /// Frag and Scaf); NaN when either is empty, as in MOSES.
    public static func cosineSimilarity(_ a: [String: Int], _ b: [String: Int]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (key, count) in a {
            normA += Double(count) * Double(count)
            if let other = b[key] { dot += Double(count) * Double(other) }
        }
        for count in b.values { normB += Double(count) * Double(count) }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }

    /// First Wasserstein distance between two empirical distributions with equal weights
    /// (`scipy.stats.wasserstein_distance(u, v)`): ∫ |F_u(x) − F_v(x)| dx.
    public static func wasserstein(_ u: [Double], _ v: [Double]) -> Double {
        guard !u.isEmpty, !v.isEmpty else { return .nan }
        let a = u.sorted(), b = v.sorted()
        var i = 0, j = 0, distance = 0.0
        var x = min(a[0], b[0])
        // Walk the merged sorted values; between consecutive ones both CDFs are constant.
        while i < a.count || j < b.count {
            let next = j >= b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            distance += abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)) * (next - x)
            x = next
            while i < a.count && a[i] == next { i += 1 }
            while j < b.count && b[j] == next { j += 1 }
        }
        return distance
    }
}
