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
        forEachToken(in: smiles) { token, _ in tokens.append(String(token)) }
        return tokens
    }

    /// Calls `body` with each token of `smiles` in order, as a substring of `smiles` (no copy), and
    /// the byte offset where the token starts in `smiles.utf8`.
    public func forEachToken(in smiles: String, _ body: (Substring, Int) throws -> Void) rethrows {
        let utf8 = smiles.utf8
        var start = utf8.startIndex
        var offset = 0
        while start != utf8.endIndex {
            let end = tokenEnd(in: smiles, from: start)
            let token = Substring(utf8[start..<end])
            try body(token, offset)
            offset += token.utf8.count
            start = end
        }
    }

    /// The end of the token that begins at `start` (which must not be the end of `smiles`).
    private func tokenEnd(in smiles: String, from start: String.Index) -> String.Index {
        let utf8 = smiles.utf8
        let byte = utf8[start]
        let next = utf8.index(after: start)
        if byte >= 0x80 {
            // Outside ASCII a token is one Unicode scalar: never valid SMILES, only kept whole.
            return smiles.unicodeScalars.index(after: start)
        }
        if self == .character { return next }
        switch byte {
        case UInt8(ascii: "["):
            // A bracket atom runs to the first `]`; without one the `[` stands alone.
            if let close = utf8[next...].firstIndex(of: UInt8(ascii: "]")) {
                return utf8.index(after: close)
            }
            return next
        case UInt8(ascii: "C"):
            return next != utf8.endIndex && utf8[next] == UInt8(ascii: "l") ? utf8.index(after: next) : next
        case UInt8(ascii: "B"):
            return next != utf8.endIndex && utf8[next] == UInt8(ascii: "r") ? utf8.index(after: next) : next
        case UInt8(ascii: "%"):
            return ringClosureEnd(in: utf8, afterPercent: next) ?? next
        default:
            return next
        }
    }

    /// `%nn` (two digits) or the OpenSMILES extension `%(n...)`; `nil` when neither follows the `%`.
    private func ringClosureEnd(in utf8: String.UTF8View, afterPercent index: String.Index) -> String.Index? {
        func isDigit(_ i: String.Index) -> Bool { i != utf8.endIndex && (0x30...0x39).contains(utf8[i]) }
        if isDigit(index) {
            let second = utf8.index(after: index)
            return isDigit(second) ? utf8.index(after: second) : nil
        }
        guard index != utf8.endIndex, utf8[index] == UInt8(ascii: "(") else { return nil }
        var i = utf8.index(after: index)
        guard isDigit(i) else { return nil }
        while isDigit(i) { i = utf8.index(after: i) }
        return i != utf8.endIndex && utf8[i] == UInt8(ascii: ")") ? utf8.index(after: i) : nil
    }
}
