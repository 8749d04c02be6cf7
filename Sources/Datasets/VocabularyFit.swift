import Chem
import Smiles

extension SmilesCodec {
    /// The standardisation molecules need before this vocabulary can hold them, used when the user
    /// says neither `--standardize` nor `--no-standardize`: none when the vocabulary has the
    /// fragment separator `.` (its training data kept salts as written); otherwise the parent
    /// compound, with stereochemistry removed too when no token carries stereo (`@`, `/`, `\`).
    /// MOSES, the shipped model's data, has neither, so its models standardise by default.
    public var neededStandardization: Standardization? {
        let tokens = vocabulary.tokens.dropFirst(Vocabulary.specialTokens.count)
        guard !tokens.contains(".") else { return nil }
        let hasStereo = tokens.contains { $0.contains("@") || $0.contains("/") || $0.contains("\\") }
        return Standardization(stripStereo: !hasStereo)
    }
}

// MARK: Unknown tokens in chemical terms

extension SmilesCodec {
    /// The distinct tokens of `smiles` outside the vocabulary, in order of first appearance.
    public func unknownTokens(in smiles: String) -> [String] {
        var seen: [String] = []
        for token in tokenizer.tokenize(smiles) where vocabulary.index(of: token) == nil && !seen.contains(token) {
            seen.append(token)
        }
        return seen
    }

    /// The elements the vocabulary's atom tokens spell (aromatic ones capitalised: `c` → `C`).
    var elements: Set<String> {
        Set(vocabulary.tokens.dropFirst(Vocabulary.specialTokens.count).compactMap(Self.element(of:)))
    }

    /// The element of an atom token (`Cl`, `c`, `[nH]`, `[13C@@H]`, `[Na+]`), capitalised; nil
    /// for bonds, ring closures, branches and the like.
    static func element(of token: String) -> String? {
        var letters = Substring(token)
        if letters.first == "[" {
            letters = letters.dropFirst().drop { $0.isNumber }
            guard let first = letters.first, first.isLetter else { return nil }
            // The symbol: an uppercase letter and its lowercase ones (`Cl`, `Na`), or an aromatic
            // lowercase symbol (`c`, `se`); `H` (a hydrogen count) is uppercase so it ends it.
            let lowercase = first.isUppercase ? letters.dropFirst().prefix { $0.isLowercase } : letters.prefix { $0.isLowercase }
            letters = first.isUppercase ? Substring(String(first) + lowercase) : lowercase
        }
        guard !letters.isEmpty, letters.allSatisfy({ $0.isLetter && $0.isASCII }) else { return nil }
        return letters.prefix(1).uppercased() + letters.dropFirst().lowercased()
    }

    /// What `token` is, in chemical terms, for a message about a molecule this vocabulary cannot
    /// hold: "stereocentre", "charge +1", "salt separator", "element P not in the model's training
    /// data" (several, joined by "; ").
    public func meaning(ofUnknownToken token: String) -> String {
        if token == "." { return "salt separator: the record holds several fragments" }
        if token == "/" || token == "\\" { return "double-bond stereo" }
        if token.hasPrefix("%") || token.allSatisfy(\.isNumber) { return "ring-closure number \(token): more rings open at once than in the model's training data" }
        var parts: [String] = []
        if token.hasPrefix("[") {
            let inside = token.dropFirst().dropLast()
            if inside.first?.isNumber == true { parts.append("isotope label") }
            if inside.contains("@") { parts.append("stereocentre") }
            if let sign = inside.firstIndex(where: { $0 == "+" || $0 == "-" }) {
                let tail = inside[sign...]
                let digits = tail.dropFirst().prefix { $0.isNumber }
                let size = digits.isEmpty ? tail.prefix { $0 == tail.first }.count : Int(digits) ?? 1
                parts.append("charge \(tail.first!)\(size)")
            }
        }
        // Element names need whole atom tokens; the char tokenizer splits `Cl` into `C` and `l`.
        if tokenizer == .atom, let element = Self.element(of: token), !elements.contains(element) {
            parts.append("element \(element) not in the model's training data")
        }
        if tokenizer == .character {
            if token == "+" { parts.append("charge sign") }
            if token == "-" { parts.append("charge sign or explicit single bond") }
            if token == "@" { parts.append("stereocentre mark") }
            if token.first?.isLetter == true { parts.append("atom letter '\(token)' not in the model's training data") }
        }
        return parts.isEmpty ? "a token not in the model's training data" : parts.joined(separator: "; ")
    }

    /// The one-line detail of a molecule rejected for unknown tokens: every unknown token of
    /// `tokenized` (the text that was tokenized) with its meaning, and whether standardising
    /// `original` (beyond `applied`, the standardisation already done) would make it fit:
    /// `unknown tokens "[C@@H]" (stereocentre), "." (salt separator: ...); --standardize --strip-stereo would fix it`.
    /// - Parameter canonicalize: whether the caller tokenizes RDKit's canonical SMILES.
    public func unknownTokenDetail(tokenized: String, original: String, applied: Standardization?, canonicalize: Bool) -> String {
        let tokens = unknownTokens(in: tokenized)
        let list = tokens.map { "\"\($0)\" (\(meaning(ofUnknownToken: $0)))" }.joined(separator: ", ")
        let head = (tokens.count == 1 ? "unknown token " : "unknown tokens ") + list
        var candidates: [(Standardization, String)] = []
        if applied == nil { candidates.append((Standardization(stripStereo: false), "--standardize")) }
        if applied?.stripStereo != true { candidates.append((Standardization(stripStereo: true), applied == nil ? "--standardize --strip-stereo" : "--strip-stereo")) }
        for (candidate, flags) in candidates where fits(original, after: candidate, canonicalize: canonicalize) {
            return head + "; \(flags) would fix it"
        }
        // Why a charge can stay: RDKit's Uncharger leaves groups that have no neutral form.
        let charged = tokens.contains { meaning(ofUnknownToken: $0).contains("charge") }
        return head + (applied == nil ? "; --standardize would not fix it" : "; standardisation cannot remove it")
            + (charged ? " (charge-separated groups such as nitro and N-oxides, and quaternary nitrogen, have no neutral form)" : "")
    }

    /// Whether `smiles` standardised by `standardization` has only known tokens.
    private func fits(_ smiles: String, after standardization: Standardization, canonicalize: Bool) -> Bool {
        guard let parent = try? standardization.standardize(smiles, maxLength: nil) else { return false }
        let text = canonicalize ? canonicalSMILES(parent.smiles) ?? parent.smiles : parent.smiles
        return unknownTokens(in: text).isEmpty
    }
}
