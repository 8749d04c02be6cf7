import Chem
import Engine
import Foundation

// Walks in the latent space: straight or spherical paths between two molecules, and the
// molecules decoded around one.

/// One point of an interpolation path.
public struct InterpolationStep: Equatable, Sendable {
    /// Position along the path, 0 (the first molecule's mean) to 1 (the second's).
    public var t: Double
    /// The latent point (Z values).
    public var z: [Float]
    public var molecule: DecodedMolecule
    /// Whether this step's molecule is valid and not decoded at any earlier step.
    public var isFirstAppearance: Bool
}

/// A decoded path between two molecules.
public struct InterpolationPath: Sendable {
    /// The two molecules (canonical SMILES) whose latent means are the path's ends.
    public var from: String, to: String
    public var spherical: Bool
    public var steps: [InterpolationStep]

    /// The valid molecules in the order they first appear along the path.
    public var distinctMolecules: [String] { steps.filter(\.isFirstAppearance).compactMap(\.molecule.canonical) }

    /// One sentence per end whose latent mean does not decode back to the molecule: the path then
    /// runs between the model's versions of the molecules, which a user should know.
    public var endWarnings: [String] {
        [("from", from, steps.first), ("to", to, steps.last)].compactMap { name, smiles, step in
            guard let step, step.molecule.canonical != smiles else { return nil }
            let decoded = step.molecule.canonical.map { "decodes to \($0)" } ?? "decodes to an invalid SMILES (\(step.molecule.smiles))"
            return "the '\(name)' molecule \(smiles) does not decode to itself: its latent mean (t = \(step.t == 0 ? 0 : 1)) \(decoded)"
        }
    }
}

/// How `neighbors` places points around a molecule's mean μ.
public enum NeighborhoodShape: String, Sendable, CaseIterable {
    /// z = μ + R·ε with ε ~ N(0, I): noise of standard deviation R in every dimension.
    case gaussian
    /// z = μ + R·ε/‖ε‖: points exactly at Euclidean distance R, in uniformly random directions.
    case sphere
}

/// A molecule decoded near another.
public struct Neighbor: Equatable, Sendable {
    /// Canonical SMILES.
    public var smiles: String
    /// Tanimoto similarity (Morgan radius 2, 2048 bits) to the query molecule.
    public var similarity: Double
    /// Latent distance ‖z − μ‖ of the first point that decoded to it.
    public var distance: Double
    /// How many of the points drawn decoded to it.
    public var count: Int
}

/// The molecules found around one molecule.
public struct Neighborhood: Sendable {
    /// The query molecule (canonical SMILES).
    public var query: String
    /// Distinct valid molecules other than the query, most similar first.
    public var neighbors: [Neighbor]
    /// Latent points decoded.
    public var pointsDecoded: Int
    /// How many of them decoded to a valid molecule, and to the query itself.
    public var validDecodings: Int, queryDecodings: Int
}

extension ChemVAEModel {
    // MARK: Interpolation

    /// Points between `a` and `b` (each Z values) at `steps` evenly spaced t in 0...1, ends included.
    ///
    /// Linear: (1 − t)·a + t·b. Spherical: the direction turns along the great circle from â to b̂
    /// (slerp) while the norm moves linearly from ‖a‖ to ‖b‖, so every point's norm lies between the
    /// two ends' norms. A linear path between two typical points of a high-dimensional Gaussian
    /// passes through its low-norm interior, where the decoder saw few points in training; the
    /// spherical path stays on the shell.
    public static func interpolationPoints(from a: [Float], to b: [Float], steps: Int, spherical: Bool) -> [[Float]] {
        precondition(a.count == b.count && steps >= 2, "interpolationPoints: equal widths and at least 2 steps")
        let na = norm(a), nb = norm(b)
        let cosine = na > 0 && nb > 0 ? max(-1, min(1, dot(a, b) / (na * nb))) : 1
        let omega = acos(cosine)
        return (0..<steps).map { k in
            let t = Double(k) / Double(steps - 1)
            if k == 0 { return a }
            if k == steps - 1 { return b }
            guard spherical, omega > 1e-6, na > 0, nb > 0 else {
                return zip(a, b).map { Float((1 - t) * Double($0) + t * Double($1)) }
            }
            // Nearly opposite directions have no unique great circle; slerp still gives one of them.
            let wa = sin((1 - t) * omega) / sin(omega), wb = sin(t * omega) / sin(omega)
            let length = (1 - t) * na + t * nb
            let direction = zip(a, b).map { wa * Double($0) / na + wb * Double($1) / nb }
            let scale = length / max(norm(direction), 1e-12)
            return direction.map { Float($0 * scale) }
        }
    }

    /// Decodes the path between the latent means of two molecules.
    /// - Throws: `UnencodableMolecule` when either SMILES cannot be encoded.
    public func interpolate(from first: String, to second: String, steps: Int, spherical: Bool = false,
                            method: DecodingMethod = .greedy, attempts: Int = 1, constrained: Bool = true, seed: UInt64 = 1) throws -> InterpolationPath {
        precondition(steps >= 2, "interpolate: at least 2 steps")
        let a = try encode(smiles: first), b = try encode(smiles: second)
        let points = Self.interpolationPoints(from: a.mean(0), to: b.mean(0), steps: steps, spherical: spherical)
        let molecules = decode(LatentPoints(width: config.latentSize, means: points.flatMap { $0 }), method: method, attempts: attempts, constrained: constrained, seed: seed)
        var seen = Set<String>()
        let path = zip(points, molecules).enumerated().map { k, pair in
            InterpolationStep(t: Double(k) / Double(steps - 1), z: pair.0, molecule: pair.1,
                              isFirstAppearance: pair.1.canonical.map { seen.insert($0).inserted } ?? false)
        }
        return InterpolationPath(from: a.smiles[0], to: b.smiles[0], spherical: spherical, steps: path)
    }

    // MARK: Neighbours

    /// Distinct valid molecules decoded from points around the latent mean μ of `smiles`
    /// (see `NeighborhoodShape`), with their similarity to it, most similar first.
    ///
    /// Points are drawn in rounds of max(4·count, 64) until `count` distinct molecules other than
    /// the query are found or `maxPoints` have been decoded, so fewer may come back from a
    /// region where the decoder keeps returning the same molecules.
    /// - Throws: `UnencodableMolecule` when `smiles` cannot be encoded.
    public func neighbors(of smiles: String, count: Int, radius: Float = 1, shape: NeighborhoodShape = .gaussian,
                          method: DecodingMethod = .greedy, maxPoints: Int? = nil, constrained: Bool = true, seed: UInt64 = 1) throws -> Neighborhood {
        precondition(count >= 1 && radius >= 0, "neighbors: count must be positive and radius non-negative")
        let query = try encode(smiles: smiles)
        let mu = query.mean(0), z = config.latentSize
        let queryCanonical = query.smiles[0]
        let queryFingerprint = try Fingerprint.morgan(smiles: queryCanonical)
        let rng = RandomGenerator(seed: seed)
        let limit = maxPoints ?? max(20 * count, 1000)
        var found: [String: Neighbor] = [:], order: [String] = []
        var decoded = 0, valid = 0, selfHits = 0, round = 0
        while found.count < count && decoded < limit {
            let batch = min(max(4 * count, 64), limit - decoded)
            var means = [Float](repeating: 0, count: batch * z), distances = [Double](repeating: 0, count: batch)
            for i in 0..<batch {
                var noise = (0..<z).map { _ in rng.normal() }
                if shape == .sphere {
                    let n = Float(norm(noise))
                    noise = noise.map { $0 / max(n, 1e-12) }
                }
                for j in 0..<z { means[i * z + j] = mu[j] + radius * noise[j] }
                distances[i] = norm(noise.map { $0 * radius })
            }
            let molecules = decode(LatentPoints(width: z, means: means), method: method, constrained: constrained, seed: seed &+ UInt64(round) &+ 1)
            round += 1
            decoded += batch
            for (i, m) in molecules.enumerated() {
                guard let c = m.canonical else { continue }
                valid += 1
                if c == queryCanonical { selfHits += 1; continue }
                if found[c] != nil { found[c]!.count += 1; continue }
                guard let fp = try? Fingerprint.morgan(smiles: c) else { continue }
                found[c] = Neighbor(smiles: c, similarity: fp.tanimoto(to: queryFingerprint), distance: distances[i], count: 1)
                order.append(c)
            }
        }
        // Most similar first; equal similarity: the one found first.
        let ranked = order.enumerated().sorted { a, b in
            let x = found[a.element]!, y = found[b.element]!
            return x.similarity != y.similarity ? x.similarity > y.similarity : a.offset < b.offset
        }.map { found[$0.element]! }
        return Neighborhood(query: queryCanonical, neighbors: Array(ranked.prefix(count)), pointsDecoded: decoded,
                            validDecodings: valid, queryDecodings: selfHits)
    }
}

func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
func norm(_ a: [Float]) -> Double { dot(a, a).squareRoot() }
func norm(_ a: [Double]) -> Double { a.reduce(0) { $0 + $1 * $1 }.squareRoot() }
