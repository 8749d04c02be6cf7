/// A model checkpoint: configuration, parameters, optimizer state, normalization statistics and
/// training history, saved as a plain HDF5 file that h5py and h5dump can read.
///
/// Layout (version 1):
///
/// ```
/// /                         attributes format = "molgen-checkpoint", version = 1, config = "<JSON>"
/// /parameters/<a>/<b>/<c>   float32, one dataset per parameter; the dotted name "a.b.c" is split
///                           into groups at its dots, e.g. "decoder.gru.0.weight_hh" is
///                           /parameters/decoder/gru/0/weight_hh
/// /optimizer                (only when saved with an optimizer) attributes name, step
/// /optimizer/<moment>/<a>/<b>/<c>   float32, per moment ("m", "v", ...) and parameter name
/// /normalization/<a>/<b>    float32, named arrays split at dots like parameters,
///                           e.g. "properties.mean" is /normalization/properties/mean
/// /history                  attribute columns = [names in order]; one float64 dataset per column
/// /<anything else>          extra groups written by other modules, e.g. /vocabulary
/// ```
///
/// Why dots become groups: h5py and h5dump show the model as a tree of modules, and loading
/// recovers the names exactly by joining the path with dots. As a consequence a parameter name
/// cannot be a dotted prefix of another ("a.b" and "a.b.c"), which saving checks.
///
/// Saving is atomic (see `HDF5File.writeAtomically`) and loading is bit-exact.
public struct Checkpoint: Equatable, Sendable {
    public static let format = "molgen-checkpoint"
    /// The layout version this build writes and the newest it reads.
    public static let currentVersion = 1

    /// The layout version the checkpoint was read with (`currentVersion` for new ones).
    public private(set) var version: Int
    /// The model configuration as a JSON document, stored verbatim.
    public var config: String
    /// Parameters by dotted module path, e.g. "encoder.conv0.weight".
    public var parameters: [String: StoredArray<Float>]
    /// Optimizer state to resume training; nil for a model saved for inference only.
    public var optimizer: OptimizerState?
    /// Named statistics such as "properties.mean" and "properties.std".
    public var normalization: [String: StoredArray<Float>]
    /// Per-epoch training records.
    public var history: TrainingHistory
    /// The file this checkpoint was loaded from, used in error messages; nil for a new one.
    public private(set) var sourcePath: String?

    public init(
        config: String, parameters: [String: StoredArray<Float>], optimizer: OptimizerState? = nil,
        normalization: [String: StoredArray<Float>] = [:], history: TrainingHistory = TrainingHistory()
    ) {
        self.version = Self.currentVersion
        self.config = config
        self.parameters = parameters
        self.optimizer = optimizer
        self.normalization = normalization
        self.history = history
    }

    /// Parameter names in sorted order, the order they are saved and loaded in.
    public var parameterNames: [String] { parameters.keys.sorted() }

    private var sourceName: String { sourcePath ?? "the checkpoint" }

    // MARK: Validating accessors

    /// The values of parameter `name`, checked against the shape the model expects.
    ///
    /// - Throws: `parameterShapeMismatch` ("parameter 'decoder.gru.0.weight_hh' has shape
    ///   [1464, 488] in model.h5 but the model expects [1464, 400]"), or
    ///   `parameterNamesMismatch` if there is no such parameter.
    public func parameter(_ name: String, expectedShape: [Int]) throws -> [Float] {
        guard let stored = parameters[name] else {
            throw StorageError.parameterNamesMismatch(file: sourceName, missing: [name], unexpected: [])
        }
        guard stored.shape == expectedShape else {
            throw StorageError.parameterShapeMismatch(name: name, file: sourceName, stored: stored.shape, expected: expectedShape)
        }
        return stored.values
    }

    /// Checks the checkpoint holds exactly the parameters `expectedNames`; the error lists the
    /// missing and the unexpected names (sorted).
    public func requireParameterNames<Names: Sequence>(_ expectedNames: Names) throws where Names.Element == String {
        let expected = Set(expectedNames)
        let stored = Set(parameters.keys)
        let missing = expected.subtracting(stored).sorted()
        let unexpected = stored.subtracting(expected).sorted()
        guard missing.isEmpty, unexpected.isEmpty else {
            throw StorageError.parameterNamesMismatch(file: sourceName, missing: missing, unexpected: unexpected)
        }
    }

    // MARK: Saving

    /// Saves the checkpoint to `path` atomically: a previous file there is replaced only once
    /// the new one is complete. `extras` may add further groups (e.g. `/vocabulary`) through the
    /// plain HDF5 API before the file is closed.
    public func save(to path: String, writingExtras extras: (HDF5File) throws -> Void = { _ in }) throws {
        try HDF5File.writeAtomically(to: path) { file in
            try write(into: file)
            try extras(file)
        }
    }

    /// Writes the checkpoint layout into `file`, which must be empty at the paths used here.
    public func write(into file: HDF5File) throws {
        try Self.validateNames(parameters.keys, kind: "parameter")
        try Self.validateNames(normalization.keys, kind: "normalization array")
        try file.setAttribute("format", .string(Self.format))
        try file.setAttribute("version", .int(Self.currentVersion))
        try file.setAttribute("config", .string(config))

        try Self.writeArrays(parameters, into: file.createGroup("parameters"))
        if let optimizer {
            let group = try file.createGroup("optimizer")
            try group.setAttribute("name", .string(optimizer.name))
            try group.setAttribute("step", .int(optimizer.step))
            for moment in optimizer.moments.keys.sorted() {
                guard !moment.isEmpty, !moment.contains("/"), !moment.contains(".") else {
                    throw StorageError.invalidArgument("optimizer moment name '\(moment)' must be non-empty without '/' or '.'")
                }
                try Self.validateNames(optimizer.moments[moment]!.keys, kind: "optimizer \(moment) array")
                try Self.writeArrays(optimizer.moments[moment]!, into: group.createGroup(moment))
            }
        }
        try Self.writeArrays(normalization, into: file.createGroup("normalization"))

        let historyGroup = try file.createGroup("history")
        try historyGroup.setAttribute("columns", .strings(history.columnNames))
        for name in history.columnNames {
            guard !name.isEmpty, !name.contains("/"), name != "." else {
                throw StorageError.invalidArgument("history column name '\(name)' must be non-empty without '/'")
            }
            try historyGroup.write(name, values: history.column(name)!)
        }
    }

    /// Why sorted: the same checkpoint then always produces the same bytes on disk.
    private static func writeArrays(_ arrays: [String: StoredArray<Float>], into group: HDF5Group) throws {
        for name in arrays.keys.sorted() {
            let array = arrays[name]!
            try array.validate(name: name)
            try group.write(name.replacingOccurrences(of: ".", with: "/"), array: array)
        }
    }

    /// Names must split at dots into non-empty parts without '/', and no name may be a dotted
    /// prefix of another (it would have to be both a group and a dataset).
    static func validateNames<Names: Collection>(_ names: Names, kind: String) throws where Names.Element == String {
        var prefixes: Set<Substring> = []
        for name in names {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard !name.contains("/"), parts.allSatisfy({ !$0.isEmpty }) else {
                throw StorageError.invalidArgument(
                    "\(kind) name '\(name)' must be dot-separated non-empty parts without '/'")
            }
            for end in parts.indices.dropLast() {
                prefixes.insert(name[..<parts[end].endIndex])
            }
        }
        if let clash = names.sorted().first(where: { prefixes.contains(Substring($0)) }) {
            throw StorageError.invalidArgument(
                "\(kind) name '\(clash)' is also the start of another name ('\(clash).…'); rename one of them")
        }
    }

    // MARK: Loading

    /// Loads the checkpoint at `path`. `extras` may read further groups (e.g. `/vocabulary`)
    /// from the open file.
    ///
    /// - Throws: `fileNotFound`, `notHDF5`, `unreadable` (truncated or corrupt), `wrongFormat`
    ///   (e.g. a dataset file), `unsupportedVersion`, `missingGroup`/`missingAttribute` for an
    ///   incomplete layout, `typeMismatch` for arrays that are not float32.
    public static func load(from path: String, readingExtras extras: (HDF5File) throws -> Void = { _ in }) throws -> Checkpoint {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        let checkpoint = try Checkpoint(reading: file)
        try extras(file)
        return checkpoint
    }

    /// Reads the checkpoint layout from an open file.
    public init(reading file: HDF5File) throws {
        version = try file.requireFormat(Self.format, newestVersion: Self.currentVersion)
        config = try file.stringAttribute("config")
        sourcePath = file.filePath
        parameters = try Self.readArrays(in: file.group("parameters"))
        if file.objectKind(at: "optimizer") == .group {
            let group = try file.group("optimizer")
            var moments: [String: [String: StoredArray<Float>]] = [:]
            for moment in try group.childNames() {
                moments[moment] = try Self.readArrays(in: group.group(moment))
            }
            optimizer = OptimizerState(name: try group.stringAttribute("name"), step: try group.intAttribute("step"), moments: moments)
        } else {
            optimizer = nil
        }
        normalization = file.objectKind(at: "normalization") == .group ? try Self.readArrays(in: file.group("normalization")) : [:]
        if file.objectKind(at: "history") == .group {
            let group = try file.group("history")
            let names = try group.stringsAttribute("columns")
            history = try TrainingHistory(columns: names.map { ($0, try group.read($0, as: Double.self).values) })
        } else {
            history = TrainingHistory()
        }
    }

    /// Collects every dataset below `group`, naming each by its path relative to `group` with
    /// slashes turned back into dots.
    private static func readArrays(in group: HDF5Group, prefix: String = "") throws -> [String: StoredArray<Float>] {
        var arrays: [String: StoredArray<Float>] = [:]
        for child in try group.childNames() {
            let name = prefix.isEmpty ? child : prefix + "." + child
            switch group.objectKind(at: child) {
            case .group?: arrays.merge(try readArrays(in: group.group(child), prefix: name)) { first, _ in first }
            case .dataset?: arrays[name] = try group.read(child, as: Float.self)
            case nil: continue
            }
        }
        return arrays
    }

    /// Content equality; `sourcePath` is where a checkpoint came from, not part of it.
    public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool {
        lhs.version == rhs.version && lhs.config == rhs.config && lhs.parameters == rhs.parameters
            && lhs.optimizer == rhs.optimizer && lhs.normalization == rhs.normalization && lhs.history == rhs.history
    }
}

/// What an optimizer needs to resume: its name, the step count and its per-parameter moment
/// arrays (e.g. Adam's "m" and "v"), keyed by moment and then by parameter name.
public struct OptimizerState: Equatable, Sendable {
    public var name: String
    public var step: Int
    public var moments: [String: [String: StoredArray<Float>]]

    public init(name: String, step: Int, moments: [String: [String: StoredArray<Float>]]) {
        self.name = name
        self.step = step
        self.moments = moments
    }
}
