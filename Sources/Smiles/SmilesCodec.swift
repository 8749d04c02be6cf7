/// Turns SMILES strings into fixed-width rows of token indices for a sequence model, and back.
///
/// A row holds `maxLength` (T) indices: the SMILES tokens, then one `<end>` token, then `<pad>` (0)
/// up to T. So a string fits when its token count plus one is at most T, and at most T - 1 tokens
/// carry chemistry. No `<start>` token is stored: a decoder that wants one prepends it.
///
/// ```
/// "CCO", T = 6   →   [C, C, O, <end>, <pad>, <pad>]   (length 3)
/// ```
/// Dataset files and model checkpoints store the three parts (tokenizer, vocabulary, T), so a
/// model always encodes and decodes exactly as its training data did.
public struct SmilesCodec: Sendable, Equatable {
    /// How strings are split into tokens.
    public var tokenizer: SmilesTokenizer
    /// Token ↔ index table (index 0 is `<pad>`, 2 is `<end>`).
    public var vocabulary: Vocabulary
    /// T: the row width, counting the `<end>` token.
    public var maxLength: Int

    /// The default row width, as in the 2018 chemical VAE (120 characters).
    public static let defaultMaxLength = 120

    public init(tokenizer: SmilesTokenizer, vocabulary: Vocabulary = Vocabulary(), maxLength: Int = defaultMaxLength) {
        precondition(maxLength >= 2, "SmilesCodec: maxLength \(maxLength) leaves no room for a token and <end>")
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.maxLength = maxLength
    }

    /// The number of tokens in `smiles` (without `<end>`).
    public func tokenCount(_ smiles: String) -> Int {
        var count = 0
        var copy = smiles
        copy.withUTF8 { bytes in tokenizer.forEachTokenRange(in: bytes) { _ in count += 1 } }
        return count
    }

    /// The row of `smiles`: its token indices, `<end>`, then padding, `maxLength` in all.
    /// - Throws: ``SmilesEncodingError/tooLong(smiles:tokenCount:maxLength:)`` or
    ///   ``VocabularyError/unknownToken(_:position:smiles:)`` (unless `unknownTokens` maps them).
    public func encode(_ smiles: String, unknownTokens: Vocabulary.UnknownTokenPolicy = .reject) throws -> [UInt8] {
        var row = [UInt8](repeating: Vocabulary.padIndex, count: maxLength)
        _ = try row.withUnsafeMutableBufferPointer { try encode(smiles, into: $0, unknownTokens: unknownTokens) }
        return row
    }

    /// Writes the row of `smiles` into `row` (which must hold `maxLength` bytes) and returns the
    /// token count (without `<end>`). On error `row` is left unspecified.
    public func encode(_ smiles: String, into row: UnsafeMutableBufferPointer<UInt8>,
                       unknownTokens: Vocabulary.UnknownTokenPolicy = .reject) throws -> Int {
        precondition(row.count == maxLength, "SmilesCodec.encode: row holds \(row.count) bytes, not maxLength \(maxLength)")
        let count = tokenCount(smiles)
        guard count + 1 <= maxLength else {
            throw SmilesEncodingError.tooLong(smiles: smiles, tokenCount: count, maxLength: maxLength)
        }
        var i = 0
        try vocabulary.encode(smiles, tokenizer: tokenizer, unknownTokens: unknownTokens) { index in
            row[i] = index
            i += 1
        }
        row[count] = Vocabulary.endIndex
        for j in (count + 1)..<maxLength { row[j] = Vocabulary.padIndex }
        return count
    }

    /// Like ``encode(_:into:unknownTokens:)``, but tokens not yet in the vocabulary are added
    /// (in the order they appear) instead of rejected. Nothing is added when the string is too
    /// long or when its new tokens would not all fit in 256; the vocabulary then stays as it was.
    /// - Throws: ``SmilesEncodingError/tooLong(smiles:tokenCount:maxLength:)`` or ``VocabularyError/full(token:)``.
    public mutating func encodeAddingTokens(_ smiles: String, into row: UnsafeMutableBufferPointer<UInt8>) throws -> Int {
        do {
            return try encode(smiles, into: row)
        } catch VocabularyError.unknownToken {
            // Rare after the first few thousand molecules: collect the new tokens, check they fit,
            // add them, and encode again.
            var newTokens: [String] = []
            for token in tokenizer.tokenize(smiles) where vocabulary.index(of: token) == nil && !newTokens.contains(token) {
                newTokens.append(token)
            }
            guard vocabulary.count + newTokens.count <= Vocabulary.maximumCount else {
                throw VocabularyError.full(token: newTokens[Vocabulary.maximumCount - vocabulary.count])
            }
            for token in newTokens { try vocabulary.insert(token) }
            return try encode(smiles, into: row)
        }
    }

    /// The SMILES string of a row (or of any index sequence): see ``Vocabulary/decode(_:)``.
    public func decode<S: Sequence>(_ row: S) -> String where S.Element == UInt8 {
        vocabulary.decode(row)
    }
}

/// A string that cannot be made into a row of a ``SmilesCodec``.
public enum SmilesEncodingError: Error, Equatable, CustomStringConvertible {
    /// `smiles` has `tokenCount` tokens; with `<end>` that exceeds `maxLength`.
    case tooLong(smiles: String, tokenCount: Int, maxLength: Int)

    public var description: String {
        switch self {
        case let .tooLong(smiles, tokenCount, maxLength):
            return "too long: \(tokenCount) tokens + <end> exceed max length \(maxLength): \(smiles)"
        }
    }
}
