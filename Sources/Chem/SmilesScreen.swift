import Foundation

/// Checks a SMILES string is something RDKit will read as written, in reasonable time, before
/// RDKit sees it.
///
/// Why: RDKit's parser takes a C string and is lenient in ways that change the molecule without
/// a word: it stops at a NUL byte (`CC\0O` is read as `CC`), drops bytes it does not expect
/// (`C☃C` became `C`, `Cl\u{AD}C` became `Cl`), ends the SMILES at a space (the rest is taken as a
/// name), keeps an isotope in 16 bits (`[999999C]` became isotope 16959) and a charge or hydrogen
/// count in 8 (`[U+128]` became `[U-128]`, `[C+999999]` `[C+63]`, `[UH256]` `[U]`). And a valid
/// but huge molecule costs time as the cube of its atoms (canonical ranking, stereo perception):
/// 1,000 carbons took 1.5 s, 2,000 took 11 s and 4,000 over a minute. Every SMILES that goes to
/// RDKit through `analyze`, `Molecule` or `Standardization` passes this screen first, so such rows
/// are rejected with a one-line reason instead of silently becoming other molecules or stalling
/// a command.
public enum SmilesScreen {
    /// Longest SMILES (in bytes) read by default: generous for drug-like and natural-product
    /// molecules (MOSES's longest is 57, ChEMBL's 99.9th percentile is a few hundred), short
    /// enough that RDKit's stereo perception stays well under a second per molecule.
    public static let defaultMaxLength = 1000
    /// Most atoms (bracket atoms and atom symbols outside brackets) read by default: over twice
    /// ChEMBL's largest small molecules, and RDKit takes well under a second on 500.
    public static let defaultMaxAtoms = 500
    /// The largest isotope (mass number) accepted; the heaviest known nuclide is below 300.
    public static let maxIsotope = 999
    /// The largest charge magnitude of a bracket atom (`[Fe+3]`, `[U+6]`; `[C+9]` is no molecule).
    public static let maxCharge = 8
    /// The most hydrogens on one bracket atom (`[CH4]`, `[BH4-]`).
    public static let maxHydrogens = 9
    /// The deepest branch nesting: drug-like molecules rarely pass 6.
    public static let maxBranchDepth = 100
    /// The most `.`-separated fragments (a salt has two or three).
    public static let maxFragments = 100

    /// Why `smiles` cannot be given to RDKit, or nil if it can.
    /// - Parameters:
    ///   - maxLength: the longest SMILES accepted, in bytes; nil for no limit.
    ///   - maxAtoms: the most atoms accepted; nil for no limit.
    public static func problem(in smiles: String, maxLength: Int? = defaultMaxLength, maxAtoms: Int? = defaultMaxAtoms) -> String? {
        let bytes = smiles.utf8
        if let maxLength, bytes.count > maxLength {
            return "\(bytes.count) characters exceed the limit of \(maxLength) (--max-smiles-length)"
        }
        let characters = Array(bytes)
        var atoms = 0, fragments = 1, depth = 0
        var index = 0
        while index < characters.count {
            let byte = characters[index]
            let position = index + 1
            switch byte {
            case 0:
                return "NUL byte at character \(position)"
            case 0x01...0x20, 0x7F:
                return byte == 0x20 || byte == 0x09
                    ? "blank at character \(position) (a SMILES has no spaces)"
                    : String(format: "control character 0x%02X at character %d", byte, position)
            case 0x80...:
                return "non-ASCII character at byte \(position) (SMILES is plain ASCII)"
            case UInt8(ascii: "["):
                atoms += 1
                guard let close = characters[index...].firstIndex(of: UInt8(ascii: "]")) else { break }  // RDKit reports it
                if let problem = bracketAtomProblem(characters[(index + 1)..<close]) { return "\(problem) in the bracket atom at character \(position)" }
                index = close
            case UInt8(ascii: "("):
                depth += 1
                if depth > maxBranchDepth { return "branches nested more than \(maxBranchDepth) deep at character \(position)" }
            case UInt8(ascii: ")"):
                depth = max(0, depth - 1)
            case UInt8(ascii: "."):
                fragments += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "*"), UInt8(ascii: "b"), UInt8(ascii: "c"), UInt8(ascii: "n"),
                 UInt8(ascii: "o"), UInt8(ascii: "p"), UInt8(ascii: "s"):
                atoms += 1  // the `l` of Cl and the `r` of Br are not counted
            default:
                break
            }
            index += 1
        }
        if let maxAtoms, atoms > maxAtoms { return "\(atoms) atoms exceed the limit of \(maxAtoms) (--max-atoms)" }
        if fragments > maxFragments { return "\(fragments) fragments exceed the limit of \(maxFragments)" }
        return nil
    }

    /// Atoms in `smiles` as the screen counts them: bracket atoms and atom symbols outside brackets.
    public static func atomCount(in smiles: String) -> Int {
        var atoms = 0, inBracket = false
        for byte in smiles.utf8 {
            switch byte {
            case UInt8(ascii: "["): atoms += 1; inBracket = true
            case UInt8(ascii: "]"): inBracket = false
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "*"), UInt8(ascii: "b"), UInt8(ascii: "c"), UInt8(ascii: "n"),
                 UInt8(ascii: "o"), UInt8(ascii: "p"), UInt8(ascii: "s"):
                if !inBracket { atoms += 1 }
            default: break
            }
        }
        return atoms
    }

    /// The isotope, hydrogen count or charge of a bracket atom's contents (between `[` and `]`)
    /// that RDKit would store wrapped, or nil. Grammar: isotope? symbol chirality? H count? charge? class?
    private static func bracketAtomProblem(_ contents: ArraySlice<UInt8>) -> String? {
        var rest = contents[...]
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        /// The digits at the front of `rest`, removed from it, as text and as a value (nil past 10^9).
        func takeNumber() -> (text: String, value: Int?) {
            let digits = rest.prefix(while: isDigit)
            rest = rest.dropFirst(digits.count)
            let text = String(decoding: digits.prefix(12), as: UTF8.self) + (digits.count > 12 ? "…" : "")
            return (text, digits.count <= 9 ? Int(String(decoding: digits, as: UTF8.self)) : nil)
        }
        let isotope = takeNumber()
        if !isotope.text.isEmpty, (isotope.value ?? .max) > maxIsotope {
            return "isotope \(isotope.text) out of range (at most \(maxIsotope))"
        }
        // The symbol: an element (`C`, `Cl`, `He`), an aromatic one (`c`, `se`, `as`) or `*`.
        if let first = rest.first {
            rest = rest.dropFirst()
            if let second = rest.first, (first.isUppercaseLetter && second.isLowercaseLetter)
                || (first == UInt8(ascii: "s") && second == UInt8(ascii: "e")) || (first == UInt8(ascii: "a") && second == UInt8(ascii: "s")) {
                rest = rest.dropFirst()
            }
        }
        // Chirality: `@`, `@@`, or a class with its number (`@TH1`, `@OH12`).
        if rest.first == UInt8(ascii: "@") {
            rest = rest.drop { $0 == UInt8(ascii: "@") }
            let twoLetters = String(decoding: rest.prefix(2), as: UTF8.self)
            if ["TH", "AL", "SP", "TB", "OH"].contains(twoLetters) {
                rest = rest.dropFirst(2)
                _ = takeNumber()
            }
        }
        if rest.first == UInt8(ascii: "H") {
            rest = rest.dropFirst()
            let count = takeNumber()
            if !count.text.isEmpty, (count.value ?? .max) > maxHydrogens {
                return "hydrogen count \(count.text) out of range (at most \(maxHydrogens))"
            }
        }
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            let signs = rest.prefix { $0 == sign }
            rest = rest.dropFirst(signs.count)
            let number = takeNumber()
            let symbol = sign == UInt8(ascii: "+") ? "+" : "-"
            if signs.count > maxCharge || (!number.text.isEmpty && (number.value ?? .max) > maxCharge) {
                let written = signs.count > 12 ? "\(symbol) × \(signs.count)" : String(repeating: symbol, count: signs.count) + number.text
                return "charge \(written) out of range (at most \(maxCharge))"
            }
        }
        return nil
    }
}

private extension UInt8 {
    var isUppercaseLetter: Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) }
    var isLowercaseLetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) }
}
