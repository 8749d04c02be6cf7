import ArgumentParser
import Chem
import Storage

/// `molgen --version`: MolGen's release and the RDKit it is linked against.
var versionText: String { "molgen \(MolGenRelease.version) (RDKit \(rdkitVersion))" }

/// The message for a misspelled subcommand (`molgen convrt` → did you mean `convert`?), or nil when
/// `arguments` (as `CommandLine.arguments`) name real subcommands all the way down.
/// Why: ArgumentParser says only "Unexpected argument 'convrt'".
func misspelledSubcommandMessage(_ arguments: [String], root: ParsableCommand.Type) -> String? {
    var command = root, path = [root.configuration.commandName ?? "molgen"]
    for word in arguments.dropFirst() {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty, command.configuration.defaultSubcommand == nil, !word.hasPrefix("-") else { return nil }
        let names = subcommands.compactMap { $0.configuration.commandName } + (command == root ? ["help"] : [])
        if word == "help" && command == root { return nil }
        guard let next = subcommands.first(where: { $0.configuration.commandName == word }) else {
            let nearest = names.map { (name: $0, distance: editDistance(word.lowercased(), $0)) }.min { $0.distance < $1.distance }
            let hint = nearest.flatMap { $0.distance <= max(2, $0.name.count / 3) ? "; did you mean '\($0.name)'?" : nil }
                ?? "; the commands are \(names.joined(separator: ", "))"
            return "error: '\(word)' is not a \(path.joined(separator: " ")) command\(hint)"
        }
        command = next
        path.append(word)
    }
    return nil
}

/// Levenshtein distance: insertions, deletions and substitutions, each costing 1.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
