/// Splits a SMILES string into tokens for a sequence model.
///
/// Both tokenizers are lossless: joining the tokens gives back the exact input string, whatever the
/// input holds (an unmatched `[` or a stray character becomes a token of its own, which the
/// ``Vocabulary`` then reports as unknown). No chemistry is checked here; that is RDKit's job.
///
/// - ``atom``: one token per atom or symbol. A bracket atom is one token (`[nH]`, `[C@@H]`, `[N+]`,
///   `[13CH3]`), the two-letter organic atoms `Cl` and `Br` are one token, a two-digit ring closure
///   is one token (`%10`, and the extended `%(123)`); every other character (aromatic atoms, bonds
///   `- = # $ : / \ .`, branches, ring digits) is a token of its own.
/// - ``character``: one token per character, as in Gómez-Bombarelli et al. 2018 (`Cl` is `C`, `l`).
///
/// Outside ASCII (never valid SMILES) a token is one Unicode scalar.
///
/// The raw values (`atom`, `char`) are the names used on the command line and in dataset files.
public enum SmilesTokenizer: String, Sendable, CaseIterable, Hashable {
    /// Atom-level tokens: bracket atoms, `Cl`, `Br` and `%nn` ring closures stay whole.
    case atom
    /// Character-level tokens, as in the 2018 chemical VAE paper.
    case character = "char"

    /// The tokens of `smiles`, in order; `tokenize(s).joined() == s` for every string `s`.
    public func tokenize(_ smiles: String) -> [String] {
        var tokens: [String] = []
        var copy = smiles
        copy.withUTF8 { bytes in
            forEachTokenRange(in: bytes) { range in
                tokens.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        return tokens
    }

    /// Calls `body` with each token of `smiles` in order, as a substring of `smiles` (no copy), and
    /// the byte offset where the token starts in `smiles.utf8`.
    public func forEachToken(in smiles: String, _ body: (Substring, Int) throws -> Void) rethrows {
        var copy = smiles  // withUTF8 needs a var; a native string is not copied
        try copy.withUTF8 { bytes in
            try forEachTokenRange(in: bytes) { range in
                let utf8 = smiles.utf8
                let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
                let end = utf8.index(start, offsetBy: range.count)
                try body(Substring(utf8[start..<end]), range.lowerBound)
            }
        }
    }

    /// Calls `body` with the byte range of each token of the UTF-8 text `bytes`, in order.
    /// This is the tokenizer proper; it works on bytes because it runs once per molecule per epoch
    /// of data preparation, where String index arithmetic would dominate.
    public func forEachTokenRange(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) throws -> Void) rethrows {
        var start = 0
        while start < bytes.count {
            let end = tokenEnd(in: bytes, from: start)
            try body(start..<end)
            start = end
        }
    }

    /// The end of the token that begins at `start` (which must be below `bytes.count`).
    @inline(__always)
    private func tokenEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let byte = bytes[start]
        if byte >= 0x80 {
            // Outside ASCII a token is one Unicode scalar (its length is in the lead byte): never
            // valid SMILES, only kept whole.
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return min(start + length, bytes.count)
        }
        let next = start + 1
        if self == .character { return next }
        switch byte {
        case UInt8(ascii: "["):
            // A bracket atom runs to the first `]`; without one the `[` stands alone.
            var i = next
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "]") { return i + 1 }
                i += 1
            }
            return next
        case UInt8(ascii: "C"):
            return next < bytes.count && bytes[next] == UInt8(ascii: "l") ? next + 1 : next
        case UInt8(ascii: "B"):
            return next < bytes.count && bytes[next] == UInt8(ascii: "r") ? next + 1 : next
        case UInt8(ascii: "%"):
            return ringClosureEnd(in: bytes, afterPercent: next) ?? next
        default:
            return next
        }
    }

    /// `%nn` (two digits) or the OpenSMILES extension `%(n...)`; `nil` when neither follows the `%`.
    private func ringClosureEnd(in bytes: UnsafeBufferPointer<UInt8>, afterPercent index: Int) -> Int? {
        func isDigit(_ i: Int) -> Bool { i < bytes.count && (0x30...0x39).contains(bytes[i]) }
        if isDigit(index) {
            return isDigit(index + 1) ? index + 2 : nil
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "(") else { return nil }
        var i = index + 1
        guard isDigit(i) else { return nil }
        while isDigit(i) { i += 1 }
        return i < bytes.count && bytes[i] == UInt8(ascii: ")") ? i + 1 : nil
    }
}
