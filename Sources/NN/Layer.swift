import Engine

/// A model part that owns tensors. Names are module paths relative to the layer
/// (`weight`, `gru.0.weight_hh`); a parent prefixes its children's names with theirs.
public protocol Layer: AnyObject {
    /// Trainable tensors.
    var parameters: [NamedParameter] { get }
    /// Non-trainable state saved with the model (batch-norm running statistics).
    var buffers: [NamedParameter] { get }
}

extension Layer {
    public var buffers: [NamedParameter] { [] }

    /// Parameters and buffers together: everything a checkpoint stores for this layer.
    public var state: [NamedParameter] { parameters + buffers }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }
}

/// Prefixes each name with `prefix.`.
public func prefixed(_ prefix: String, _ list: [NamedParameter]) -> [NamedParameter] {
    list.map { (name: "\(prefix).\($0.name)", tensor: $0.tensor) }
}

/// Errors loading stored values into a model: names and shapes must match exactly.
public enum ParameterLoadError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(name: String, stored: [Int], expected: [Int])
    case missing([String])
    case unexpected([String])

    public var description: String {
        switch self {
        case let .shapeMismatch(name, stored, expected):
            return "parameter '\(name)' has shape \(stored) in the file but the model expects \(expected)"
        case let .missing(names):
            return "the file lacks \(names.count) parameter(s) the model needs: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : "")"
        case let .unexpected(names):
            return "the file has \(names.count) parameter(s) the model does not: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : "")"
        }
    }
}

/// Stored values of one tensor: its shape and row-major scalars.
public struct StoredTensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
}

extension Layer {
    /// A copy of every parameter and buffer by name.
    public func snapshot() -> [String: StoredTensor] {
        Dictionary(uniqueKeysWithValues: state.map { ($0.name, StoredTensor(shape: $0.tensor.shape, values: $0.tensor.scalars)) })
    }

    /// Overwrites every parameter and buffer from `stored`, after checking names and shapes all agree
    /// (nothing is changed when they don't).
    public func load(_ stored: [String: StoredTensor]) throws {
        try assignState(state, from: stored)
    }
}

/// Overwrites `mine` from `stored` after checking that names and shapes all agree (nothing is
/// changed when they don't). Shared by layers and by models built of several layers.
public func assignState(_ mine: [NamedParameter], from stored: [String: StoredTensor]) throws {
    let names = Set(mine.map(\.name))
    let missing = mine.map(\.name).filter { stored[$0] == nil }
    if !missing.isEmpty { throw ParameterLoadError.missing(missing) }
    let extra = stored.keys.filter { !names.contains($0) }.sorted()
    if !extra.isEmpty { throw ParameterLoadError.unexpected(extra) }
    for (name, t) in mine where stored[name]!.shape != t.shape {
        throw ParameterLoadError.shapeMismatch(name: name, stored: stored[name]!.shape, expected: t.shape)
    }
    for (name, t) in mine { t.assign(stored[name]!.values) }
}
