import Foundation

/// Checks a SMILES string is something RDKit will read as written, before RDKit sees it.
///
/// Why: RDKit's parser takes a C string and is lenient in ways that change the molecule without
/// a word: it stops at a NUL byte (`CC\0O` is read as `CC`), drops bytes it does not expect
/// (`C☃C` became `C`, `Cl\u{AD}C` became `Cl`), ends the SMILES at a space (the rest is taken as a
/// name), and keeps an isotope in 16 bits (`[999999C]` became isotope 16959). And a valid but huge
/// molecule costs time as the cube of its length in stereo perception. Every SMILES that goes to
/// RDKit through `analyze` or `Molecule` passes this screen first, so such rows are rejected with
/// a reason instead of silently becoming other molecules.
public enum SmilesScreen {
    /// Longest SMILES (in bytes) read by default: generous for drug-like and natural-product
    /// molecules (MOSES's longest is 57, ChEMBL's 99.9th percentile is a few hundred), short
    /// enough that RDKit's stereo perception stays well under a second per molecule.
    public static let defaultMaxLength = 1000
    /// The largest isotope (mass number) accepted; the heaviest known nuclide is below 300.
    public static let maxIsotope = 999

    /// Why `smiles` cannot be given to RDKit, or nil if it can.
    /// - Parameter maxLength: the longest SMILES accepted, in bytes; nil for no limit.
    public static func problem(in smiles: String, maxLength: Int? = defaultMaxLength) -> String? {
        let bytes = smiles.utf8
        if let maxLength, bytes.count > maxLength {
            return "\(bytes.count) characters exceed the limit of \(maxLength) (--max-smiles-length)"
        }
        let characters = Array(bytes)
        for (index, byte) in characters.enumerated() {
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
                // Only the digits right after `[` are the isotope (later digits count H or charge).
                let digits = characters[(index + 1)...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                if digits.count > 3 || (Int(String(decoding: digits, as: UTF8.self)) ?? 0) > maxIsotope {
                    return "isotope \(String(decoding: digits.prefix(12), as: UTF8.self)) out of range (at most \(maxIsotope))"
                }
            default:
                break
            }
        }
        return nil
    }
}
