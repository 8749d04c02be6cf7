/// A fixed-length bit fingerprint packed into 64-bit words (bit i is `words[i / 64] >> (i % 64) & 1`).
public struct Fingerprint: Hashable, Sendable {
    /// The length used throughout MolGen: Morgan radius 2, 2048 bits.
    public static let defaultBitCount = 2048

    /// Number of bits.
    public let bitCount: Int
    /// The bits, `(bitCount + 63) / 64` words; bits past `bitCount` are zero.
    public let words: [UInt64]

    /// A fingerprint from packed words.
    public init(bitCount: Int, words: [UInt64]) {
        precondition(bitCount > 0 && words.count == (bitCount + 63) / 64,
                     "Fingerprint: \(words.count) words cannot hold exactly \(bitCount) bits")
        if bitCount % 64 != 0 {
            precondition(words[words.count - 1] >> UInt64(bitCount % 64) == 0, "Fingerprint: bits set past bitCount \(bitCount)")
        }
        self.bitCount = bitCount
        self.words = words
    }

    /// A fingerprint with exactly `onBits` set.
    public init(bitCount: Int, onBits: some Sequence<Int>) {
        var words = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
        for bit in onBits {
            precondition(bit >= 0 && bit < bitCount, "Fingerprint: bit \(bit) outside 0..<\(bitCount)")
            words[bit / 64] |= 1 << UInt64(bit % 64)
        }
        self.init(bitCount: bitCount, words: words)
    }

    /// The Morgan bit fingerprint of `smiles` (`GetMorganFingerprintAsBitVect(mol, radius, bitCount)`).
    /// - Throws: `ChemError.invalidSMILES`.
    public static func morgan(smiles: String, radius: Int = 2, bitCount: Int = defaultBitCount) throws -> Fingerprint {
        try Molecule(smiles: smiles).fingerprint(radius: radius, bitCount: bitCount)
    }

    /// Whether bit `bit` is set.
    public subscript(bit: Int) -> Bool {
        precondition(bit >= 0 && bit < bitCount, "Fingerprint: bit \(bit) outside 0..<\(bitCount)")
        return words[bit / 64] >> UInt64(bit % 64) & 1 == 1
    }

    /// Number of set bits.
    public var onBitCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// Indices of the set bits, ascending.
    public var onBits: [Int] {
        var bits: [Int] = []
        for (w, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                bits.append(w * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        return bits
    }

    /// Tanimoto (Jaccard) similarity |a ∧ b| / |a ∨ b|, as RDKit's `DataStructs.TanimotoSimilarity`
    /// (which gives 1 for two empty fingerprints).
    public func tanimoto(to other: Fingerprint) -> Double {
        precondition(bitCount == other.bitCount, "tanimoto: fingerprints of \(bitCount) and \(other.bitCount) bits")
        var common = 0, either = 0
        words.withUnsafeBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in
                for i in 0..<a.count {
                    common &+= (a[i] & b[i]).nonzeroBitCount
                    either &+= (a[i] | b[i]).nonzeroBitCount
                }
            }
        }
        return either == 0 ? 1 : Double(common) / Double(either)
    }
}

/// Tanimoto similarity of two fingerprints of the same length; see `Fingerprint.tanimoto(to:)`.
public func tanimoto(_ a: Fingerprint, _ b: Fingerprint) -> Double {
    a.tanimoto(to: b)
}
