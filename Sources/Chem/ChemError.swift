import CRDKit
import Foundation

/// Errors a user can cause through the chemistry layer.
public enum ChemError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// RDKit could not parse or sanitize `smiles`; `reason` is RDKit's own message
    /// (for example "SMILES Parse Error: unclosed ring for input: 'C1CC'").
    case invalidSMILES(String, reason: String)
    /// RDKit could not draw the molecules.
    case drawingFailed(String)

    public var description: String {
        switch self {
        case let .invalidSMILES(smiles, reason): return "invalid SMILES '\(printableText(smiles))': \(reason)"
        case let .drawingFailed(what): return "RDKit could not draw \(what)"
        }
    }

    public var errorDescription: String? { description }
}

/// Takes ownership of a malloc'd C string from CRDKit.
func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { crd_string_free(pointer) }
    return String(cString: pointer)
}

/// `text` with control characters (NUL included) written as `\xNN`, so a message stays one
/// printable line.
public func printableText(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
    return text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? String(format: "\\x%02X", $0.value) : String($0) }.joined()
}
