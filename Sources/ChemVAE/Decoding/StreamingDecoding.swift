import Engine
import Foundation
import Storage

/// Decoding in blocks, for outputs of millions of molecules in flat memory with progress.
///
/// Why: `sample -n 10000000` held every point and molecule in memory (5.3 GB after 20 s) and
/// showed nothing until the end. These calls hand each block of decoded molecules to the caller
/// (which writes them out) and keep nothing, so memory is one block whatever the count.
extension ChemVAEModel {
    /// Molecules per block: a multiple of the 500-point decoding batch, so a stream draws random
    /// numbers in the same order as one large call.
    public static let streamingBlockSize = 5000

    /// Decodes `count` points of the prior N(0, I) block by block, in order; `each` receives each
    /// block's molecules and the index of its first one. With the default block size and
    /// `attempts` 1, the same seed gives the same molecules as `samplePrior(count:method:attempts:seed:)`.
    public func samplePrior(count: Int, method: DecodingMethod = .greedy, attempts: Int = 1, constrained: Bool = true, seed: UInt64 = 1,
                            prior choice: PriorChoice? = nil, priorTemperature: Double? = nil, blockSize: Int = streamingBlockSize,
                            each: (_ molecules: [DecodedMolecule], _ firstIndex: Int) throws -> Void) throws {
        let pointRNG = RandomGenerator(seed: seed), decodeRNG = RandomGenerator(seed: seed &+ 1)
        var done = 0
        while done < count {
            let rows = min(blockSize, count - done)
            let z = try priorPoints(count: rows, from: choice ?? defaultPrior, temperature: priorTemperature, using: pointRNG)
            let molecules = decode(LatentPoints(width: config.latentSize, means: z), method: method, attempts: attempts, constrained: constrained, using: decodeRNG)
            try each(molecules, done)
            done += rows
        }
    }

    /// Decodes `points` block by block, in order, handing each block's molecules to `each`
    /// (the same molecules as `decode(_:method:attempts:seed:)`).
    public func decode(_ points: LatentPoints, method: DecodingMethod = .greedy, attempts: Int = 1, constrained: Bool = true, seed: UInt64 = 1,
                       blockSize: Int = streamingBlockSize,
                       each: (_ molecules: [DecodedMolecule], _ firstIndex: Int) throws -> Void) rethrows {
        let rng = RandomGenerator(seed: seed), z = points.width
        var start = 0
        while start < points.count {
            let end = min(start + blockSize, points.count)
            let block = LatentPoints(width: z, means: Array(points.means[(start * z)..<(end * z)]))
            try each(decode(block, method: method, attempts: attempts, constrained: constrained, using: rng), start)
            start = end
        }
    }
}

extension ChemVAEModel {
    /// A function that decodes blocks of points in turn, one random sequence running through the
    /// blocks, for inputs read block by block (`LatentFile.readBlocks`). With blocks of a multiple
    /// of 500 points (the decoding batch) and `attempts` 1 the molecules are those of one
    /// `decode(_:method:attempts:seed:)` call over all the points.
    public func blockDecoder(method: DecodingMethod = .greedy, attempts: Int = 1, constrained: Bool = true, seed: UInt64 = 1)
        -> (LatentPoints) -> [DecodedMolecule] {
        let rng = RandomGenerator(seed: seed)
        return { points in self.decode(points, method: method, attempts: attempts, constrained: constrained, using: rng) }
    }
}

/// The rows of the decoded-molecules CSV (`index,smiles,valid,canonical`) for one block.
public func decodedCSVRows(_ molecules: [DecodedMolecule], firstIndex: Int) -> String {
    var text = ""
    for (offset, m) in molecules.enumerated() {
        text += "\(firstIndex + offset),\(csvField(m.smiles)),\(m.isValid ? 1 : 0),\(csvField(m.canonical ?? ""))\n"
    }
    return text
}

/// Running counts for the `decoded=`, `valid=`, `unique_valid=` summary of a stream.
/// Why hashes: a set of 64-bit hashes of the canonical SMILES costs 8 bytes a molecule, not the
/// strings themselves (a collision among 10 million is about one in 400,000).
public struct DecodingTally {
    public private(set) var decoded = 0
    public private(set) var valid = 0
    private var distinct = Set<Int>()
    public init() {}
    public var uniqueValid: Int { distinct.count }

    public mutating func add(_ molecules: [DecodedMolecule]) {
        decoded += molecules.count
        for m in molecules {
            guard let canonical = m.canonical else { continue }
            valid += 1
            distinct.insert(canonical.hashValue)
        }
    }
}
