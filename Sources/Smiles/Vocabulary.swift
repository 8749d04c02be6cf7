/// The token ↔ index table of a sequence model, with four special tokens at fixed indices.
///
/// Layout (the same in memory, in dataset files and in checkpoints, where it is stored as a string
/// array whose position is the index):
///
/// | index | token | meaning |
/// | --- | --- | --- |
/// | 0 | `<pad>` | padding after the end of a sequence |
/// | 1 | `<start>` | start of a sequence (decoder input) |
/// | 2 | `<end>` | end of a sequence |
/// | 3 | `<unk>` | a token not in the vocabulary, when asked to map rather than reject |
/// | 4... | SMILES tokens | in the order they were first seen |
///
/// Tokens are numbered in first-seen order (not sorted) so that a vocabulary can grow while a
/// dataset streams through in input order: the same input always gives the same vocabulary, and no
/// index already written to disk ever changes. Indices fit `UInt8`, so at most 256 tokens.
/// The special names cannot collide with SMILES tokens: no tokenizer ever produces `<pad>` etc.
public struct Vocabulary: Sendable, Equatable {
    /// The padding token, index 0.
    public static let pad = "<pad>"
    /// The start-of-sequence token, index 1.
    public static let start = "<start>"
    /// The end-of-sequence token, index 2.
    public static let end = "<end>"
    /// The unknown token, index 3.
    public static let unknown = "<unk>"
    /// The special tokens, in index order.
    public static let specialTokens = [pad, start, end, unknown]

    public static let padIndex: UInt8 = 0
    public static let startIndex: UInt8 = 1
    public static let endIndex: UInt8 = 2
    public static let unknownIndex: UInt8 = 3
    /// Indices are stored as `UInt8`.
    public static let maximumCount = 256

    /// Every token, the special ones first; a token's position is its index.
    public private(set) var tokens: [String]
    private var indices: [String: UInt8]
    /// The index of each one-byte ASCII token, or -1: most SMILES tokens are one byte, and a table
    /// lookup is far cheaper than hashing a string.
    private var asciiIndices = [Int16](repeating: -1, count: 128)

    /// A vocabulary holding only the four special tokens.
    public init() {
        tokens = Self.specialTokens
        indices = [:]
        for (i, token) in tokens.enumerated() { indices[token] = UInt8(i) }
    }

    /// A vocabulary from its full token list (as stored in a file), checked: the special tokens
    /// first in their order, no duplicates, no empty token, at most 256 tokens.
    public init(tokens: [String]) throws {
        guard tokens.count <= Self.maximumCount else {
            throw VocabularyError.invalid("it has \(tokens.count) tokens; indices are 8-bit, so at most \(Self.maximumCount)")
        }
        guard Array(tokens.prefix(4)) == Self.specialTokens else {
            throw VocabularyError.invalid("it must start with \(Self.specialTokens.joined(separator: ", ")), found \(tokens.prefix(4).joined(separator: ", "))")
        }
        self.init()
        for token in tokens.dropFirst(4) {
            guard !token.isEmpty else { throw VocabularyError.invalid("it holds an empty token") }
            guard indices[token] == nil else { throw VocabularyError.invalid("token \"\(token)\" appears twice") }
            try insert(token)
        }
    }

    /// A vocabulary of every token in `smiles`, numbered in first-seen order.
    public init<S: Sequence>(building smiles: S, tokenizer: SmilesTokenizer) throws where S.Element == String {
        self.init()
        for string in smiles {
            try tokenizer.forEachToken(in: string) { token, _ in
                if indices[String(token)] == nil { try insert(String(token)) }
            }
        }
    }

    /// The number of tokens, special ones included (the model's V).
    public var count: Int { tokens.count }

    /// The index of `token`, or `nil` when it is not in the vocabulary.
    public func index<S: StringProtocol>(of token: S) -> UInt8? {
        indices[String(token)]
    }

    /// The token at `index`, or `nil` when `index` is out of range.
    public func token(at index: UInt8) -> String? {
        Int(index) < tokens.count ? tokens[Int(index)] : nil
    }

    /// Adds `token` at the next index and returns it; returns the existing index if present.
    /// - Throws: ``VocabularyError/full(token:)`` when 256 tokens are already taken.
    @discardableResult
    public mutating func insert(_ token: String) throws -> UInt8 {
        if let index = indices[token] { return index }
        guard tokens.count < Self.maximumCount else { throw VocabularyError.full(token: token) }
        let index = UInt8(tokens.count)
        tokens.append(token)
        indices[token] = index
        if token.utf8.count == 1, let byte = token.utf8.first, byte < 0x80 { asciiIndices[Int(byte)] = Int16(index) }
        return index
    }

    /// What ``encode(_:tokenizer:unknownTokens:)`` does with a token it does not know.
    public enum UnknownTokenPolicy: Sendable {
        /// Throw ``VocabularyError/unknownToken(_:position:smiles:)``.
        case reject
        /// Use `<unk>` (index 3).
        case mapToUnknown
    }

    /// The indices of the tokens of `smiles` (no start, end or padding added).
    /// - Throws: ``VocabularyError/unknownToken(_:position:smiles:)`` naming the first unknown token
    ///   and its 1-based character position, unless `unknownTokens` is `.mapToUnknown`.
    public func encode(_ smiles: String, tokenizer: SmilesTokenizer, unknownTokens: UnknownTokenPolicy = .reject) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(smiles.utf8.count)
        try encode(smiles, tokenizer: tokenizer, unknownTokens: unknownTokens) { result.append($0) }
        return result
    }

    /// Calls `body` with the index of each token of `smiles` in order, without building an array;
    /// see ``encode(_:tokenizer:unknownTokens:)``. Throws before `body` sees any index past an
    /// unknown token (earlier ones have been passed).
    public func encode(_ smiles: String, tokenizer: SmilesTokenizer, unknownTokens: UnknownTokenPolicy = .reject,
                       _ body: (UInt8) throws -> Void) throws {
        var copy = smiles  // withUTF8 needs a var; a native string is not copied
        try copy.withUTF8 { bytes in
            try tokenizer.forEachTokenRange(in: bytes) { range in
                if range.count == 1, bytes[range.lowerBound] < 0x80 {
                    let index = asciiIndices[Int(bytes[range.lowerBound])]
                    if index >= 0 { return try body(UInt8(index)) }
                } else if let index = indices[String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)] {
                    return try body(index)
                }
                guard unknownTokens == .mapToUnknown else {
                    let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
                    let position = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<range.lowerBound]), as: UTF8.self).count + 1
                    throw VocabularyError.unknownToken(token, position: position, smiles: smiles)
                }
                try body(Self.unknownIndex)
            }
        }
    }

    /// The SMILES string spelled by `indices`: `<start>` and `<pad>` are skipped, decoding stops at
    /// the first `<end>`, `<unk>` is spelled `<unk>` (so the result will not parse, on purpose).
    /// - Precondition: every index is below ``count``.
    public func decode<S: Sequence>(_ indices: S) -> String where S.Element == UInt8 {
        var result = ""
        for index in indices {
            switch index {
            case Self.endIndex: return result
            case Self.padIndex, Self.startIndex: continue
            default:
                precondition(Int(index) < tokens.count, "Vocabulary.decode: index \(index) is outside the vocabulary of \(tokens.count) tokens")
                result += tokens[Int(index)]
            }
        }
        return result
    }

    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.tokens == rhs.tokens }
}

/// A problem with a vocabulary or with encoding a string through it.
public enum VocabularyError: Error, Equatable, CustomStringConvertible {
    /// `token` (at 1-based character `position` of `smiles`) is not in the vocabulary.
    case unknownToken(String, position: Int, smiles: String)
    /// Adding `token` would exceed 256 tokens.
    case full(token: String)
    /// A stored token list is not a valid vocabulary; the string says why.
    case invalid(String)

    public var description: String {
        switch self {
        case let .unknownToken(token, position, smiles):
            return "unknown token \"\(token)\" at position \(position) of \(smiles)"
        case let .full(token):
            return "vocabulary is full (\(Vocabulary.maximumCount) tokens), cannot add \"\(token)\""
        case let .invalid(reason):
            return "invalid vocabulary: \(reason)"
        }
    }
}
