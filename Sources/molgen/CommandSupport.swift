import ArgumentParser
import Chem
import Foundation
import Smiles
import Storage
import Training

extension SmilesTokenizer: ExpressibleByArgument {}

/// Writes one line to standard error (diagnostics and progress never go to stdout).
/// Why fwrite: FileHandle's write traps when the stream cannot be written.
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = fwrite(bytes, 1, bytes.count, stderr)
}

/// Parses `logp,qed,sas,mw,plogp` (any case, any order, no repeats) for the option `option`.
func parseProperties(_ list: String, option: String = "--properties") throws -> [MolecularProperty] {
    var properties: [MolecularProperty] = []
    for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
        guard let property = MolecularProperty(name: name) else {
            throw ValidationError("\(option): unknown property '\(name)'; known: \(MolecularProperty.allCases.map(\.name).joined(separator: ","))")
        }
        guard !properties.contains(property) else { throw ValidationError("\(option): '\(name)' is listed twice") }
        properties.append(property)
    }
    return properties
}

/// An option problem found while running (after argument parsing), printed without the usage line.
struct OptionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The user pressed Ctrl-C.
struct Interrupted: Error, CustomStringConvertible {
    var description: String { "interrupted; nothing was written" }
}
