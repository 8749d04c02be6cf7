import ArgumentParser
import Foundation
import Storage

/// Checks made before a command writes anything: outputs are never inputs, outputs have an
/// extension the command writes, and options that size memory or time stay within limits.
enum Outputs {
    /// Throws (as an option error) if `output` is the same file as one of `inputs`, or (with
    /// `extensions`) has an extension the command does not write.
    static func check(_ output: String?, _ option: String, against inputs: [(String?, String)], extensions: [String]? = nil) throws {
        guard let output else { return }
        let named = inputs.compactMap { path, option in path.map { NamedPath($0, option: option) } }
        do {
            try OutputPaths.check(NamedPath(output, option: option), against: named, extensions: extensions)
        } catch let error as StorageError {
            throw OptionError(error.description)
        }
    }
}

/// Upper limits of options that size memory or running time, so a typo cannot exhaust the
/// machine (`--beam-width 100000` held 5.6 GB after 30 s).
enum OptionLimits {
    static let beamWidth = 64
    static let attempts = 1000
    static let samples = 10_000_000
    static let batchSize = 65_536
    static let latentSize = 4096
    static let hiddenWidth = 8192
    static let layers = 16
    static let epochs = 100_000
    static let steps = 100_000
    static let rowWidth = 4096
    static let threads = 256
    static let smilesLength = 1_000_000
    static let atoms = 100_000

    /// Throws `ValidationError` unless `value` is in `range`.
    static func require<T: Comparable>(_ value: T?, in range: ClosedRange<T>, _ option: String) throws {
        guard let value else { return }
        guard range.contains(value) else {
            throw ValidationError("\(option): \(value) must be between \(range.lowerBound) and \(range.upperBound)")
        }
    }
}
