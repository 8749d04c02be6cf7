/// The one model file of every model family: configuration, trainable parameters, non-trainable
/// state, any number of named optimizer states, where training stands, and the history. A plain
/// HDF5 file that h5py and h5dump can read.
///
/// Layout (version 2):
///
/// ```
/// /                          attributes format = "molgen-checkpoint", version = 2, kind = "<family>",
///                            config = "<JSON>"
/// /parameters/<a>/<b>/<c>    float32, one dataset per trainable parameter; the dotted name "a.b.c"
///                            is split into groups at its dots, e.g. "decoder.gru.0.weight_hh" is
///                            /parameters/decoder/gru/0/weight_hh
/// /state/<a>/<b>             float32 named non-trainable arrays split at dots like parameters:
///                            batch-norm running statistics, property normalisation, a fitted prior
/// /optimizers/<name>         one group per optimizer (attributes kind, step) holding a group per
///                            moment ("m", "v", ...) with one array per parameter name
/// /training                  where a run stands (attributes completed_epochs, batches_done, steps,
///                            seed, random_state, best_validation_loss, and family extras)
/// /history                   attribute columns = [names in order]; one float64 dataset per column
/// /<anything else>           extra groups written by a family, e.g. /vocabulary
/// ```
///
/// Version 1 files (the first shipped models) are read too: their /parameters held parameters and
/// non-trainable state together (`state` is then empty and families take both from `parameters`),
/// /normalization becomes state, the single /optimizer is read under its name, and /training's
/// attributes become `position`.
///
/// Why dots become groups: h5py and h5dump show the model as a tree of modules, and loading
/// recovers the names exactly by joining the path with dots. As a consequence a name cannot be a
/// dotted prefix of another ("a.b" and "a.b.c"), which saving checks.
///
/// Saving is atomic (see `HDF5File.writeAtomically`) and loading is bit-exact.
public struct Checkpoint: Equatable, Sendable {
    public static let format = "molgen-checkpoint"
    /// The layout version this build writes and the newest it reads.
    public static let currentVersion = 2

    /// The layout version the checkpoint was read with (`currentVersion` for new ones).
    public private(set) var version: Int
    /// Which model family wrote the file ("chemvae", "image", ...); empty for version-1 chemical models.
    public var kind: String
    /// The model configuration as a JSON document, stored verbatim.
    public var config: String
    /// Trainable parameters by dotted module path, e.g. "encoder.conv0.weight".
    public var parameters: [String: StoredArray<Float>]
    /// Named non-trainable arrays (batch-norm statistics, normalisation, a fitted prior).
    public var state: [String: StoredArray<Float>]
    /// Optimizer states by name ("adam", "generator", "discriminator", ...); empty for a model
    /// saved for inference only.
    public var optimizers: [String: OptimizerState]
    /// Where an unfinished or resumable run stands; nil for a model saved for inference only.
    public var position: TrainingPosition?
    /// Training records (per epoch or per logged step).
    public var history: TrainingHistory
    /// The file this checkpoint was loaded from, used in error messages; nil for a new one.
    public private(set) var sourcePath: String?

    public init(
        kind: String, config: String, parameters: [String: StoredArray<Float>], state: [String: StoredArray<Float>] = [:],
        optimizers: [String: OptimizerState] = [:], position: TrainingPosition? = nil, history: TrainingHistory = TrainingHistory()
    ) {
        self.version = Self.currentVersion
        self.kind = kind
        self.config = config
        self.parameters = parameters
        self.state = state
        self.optimizers = optimizers
        self.position = position
        self.history = history
    }

    /// Parameter names in sorted order, the order they are saved and loaded in.
    public var parameterNames: [String] { parameters.keys.sorted() }

    /// Parameters and state together: everything a model's layers load from (version-1 files kept
    /// both under /parameters).
    public var tensors: [String: StoredArray<Float>] { parameters.merging(state) { a, _ in a } }

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
        try Self.validateNames(state.keys, kind: "state array")
        try file.setAttribute("format", .string(Self.format))
        try file.setAttribute("version", .int(Self.currentVersion))
        try file.setAttribute("written_by", .string(MolGenRelease.writtenBy))
        try file.setAttribute("kind", .string(kind))
        try file.setAttribute("config", .string(config))

        try Self.writeArrays(parameters, into: file.createGroup("parameters"))
        try Self.writeArrays(state, into: file.createGroup("state"))
        let optimizerGroup = try file.createGroup("optimizers")
        for name in optimizers.keys.sorted() {
            let optimizer = optimizers[name]!
            try Self.validatePart(name, kind: "optimizer name")
            let group = try optimizerGroup.createGroup(name)
            try group.setAttribute("kind", .string(optimizer.name))
            try group.setAttribute("step", .int(optimizer.step))
            for moment in optimizer.moments.keys.sorted() {
                try Self.validatePart(moment, kind: "optimizer moment name")
                try Self.validateNames(optimizer.moments[moment]!.keys, kind: "optimizer \(moment) array")
                try Self.writeArrays(optimizer.moments[moment]!, into: group.createGroup(moment))
            }
        }
        if let position { try position.write(into: file.createGroup("training")) }

        let historyGroup = try file.createGroup("history")
        try historyGroup.setAttribute("columns", .strings(history.columnNames))
        for name in history.columnNames {
            guard !name.isEmpty, !name.contains("/"), name != "." else {
                throw StorageError.invalidArgument("history column name '\(name)' must be non-empty without '/'")
            }
            try historyGroup.write(name, values: history.column(name)!)
        }
    }

    private static func validatePart(_ name: String, kind: String) throws {
        guard !name.isEmpty, !name.contains("/"), !name.contains(".") else {
            throw StorageError.invalidArgument("\(kind) '\(name)' must be non-empty without '/' or '.'")
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

    /// Reads the checkpoint layout (version 1 or 2) from an open file.
    public init(reading file: HDF5File) throws {
        version = try file.requireFormat(Self.format, newestVersion: Self.currentVersion)
        config = try file.stringAttribute("config")
        kind = (try file.hasAttribute("kind")) ? try file.stringAttribute("kind") : ""
        sourcePath = file.filePath
        parameters = try Self.readArrays(in: file.group("parameters"))
        optimizers = [:]
        if version == 1 {
            // Version 1: one optimizer, normalisation arrays in their own group.
            state = file.objectKind(at: "normalization") == .group ? try Self.readArrays(in: file.group("normalization")) : [:]
            if file.objectKind(at: "optimizer") == .group {
                let group = try file.group("optimizer")
                let optimizer = try Self.readOptimizer(group, kind: try group.stringAttribute("name"))
                optimizers[optimizer.name] = optimizer
            }
        } else {
            state = file.objectKind(at: "state") == .group ? try Self.readArrays(in: file.group("state")) : [:]
            if file.objectKind(at: "optimizers") == .group {
                let all = try file.group("optimizers")
                for name in try all.childNames() {
                    let group = try all.group(name)
                    optimizers[name] = try Self.readOptimizer(group, kind: try group.stringAttribute("kind"))
                }
            }
        }
        // Version-1 image models saved for inference kept optimizer step counts in /training but no position.
        if file.objectKind(at: "training") == .group, try file.group("training").hasAttribute("completed_epochs") {
            position = try TrainingPosition(reading: file.group("training"))
        } else {
            position = nil
        }
        if file.objectKind(at: "history") == .group {
            let group = try file.group("history")
            let names = try group.stringsAttribute("columns")
            history = try TrainingHistory(columns: names.map { ($0, try group.read($0, as: Double.self).values) })
        } else {
            history = TrainingHistory()
        }
    }

    private static func readOptimizer(_ group: HDF5Group, kind: String) throws -> OptimizerState {
        var moments: [String: [String: StoredArray<Float>]] = [:]
        for moment in try group.childNames() { moments[moment] = try readArrays(in: group.group(moment)) }
        return OptimizerState(name: kind, step: try group.intAttribute("step"), moments: moments)
    }

    /// Collects every dataset below `group`, naming each by its path relative to `group` with
    /// slashes turned back into dots.
    private static func readArrays(in group: HDF5Group, prefix: String = "", depth: Int = 0) throws -> [String: StoredArray<Float>] {
        // Why a limit: a damaged file can link a group into itself (found by tools/fuzz hdf5), and
        // the walk then never ends. Parameter names nest a few levels.
        guard depth <= 32 else {
            throw StorageError.damaged(file: group.filePath, reason: "its groups nest more than 32 deep (a group linked into itself)")
        }
        var arrays: [String: StoredArray<Float>] = [:]
        for child in try group.childNames() {
            let name = prefix.isEmpty ? child : prefix + "." + child
            switch group.objectKind(at: child) {
            case .group?: arrays.merge(try readArrays(in: group.group(child), prefix: name, depth: depth + 1)) { first, _ in first }
            case .dataset?: arrays[name] = try group.read(child, as: Float.self)
            case nil: continue
            }
        }
        return arrays
    }

    /// Content equality; `sourcePath` is where a checkpoint came from, not part of it.
    public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool {
        lhs.version == rhs.version && lhs.kind == rhs.kind && lhs.config == rhs.config && lhs.parameters == rhs.parameters
            && lhs.state == rhs.state && lhs.optimizers == rhs.optimizers && lhs.position == rhs.position
            && lhs.history == rhs.history
    }
}

/// What an optimizer needs to resume: its kind ("adam"), the step count and its per-parameter moment
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

/// Where a training run stands, so that a resumed run continues exactly: the same batches, the
/// same noise, the same best-model bookkeeping.
public struct TrainingPosition: Equatable, Sendable {
    /// Epochs fully done, and batches of the current one.
    public var completedEpochs: Int
    public var batchesDone: Int
    /// Optimisation steps so far.
    public var steps: Int
    /// The run's seed (batch order is derived from it and the epoch).
    public var seed: UInt64
    /// The run's random generator (dropout, latent noise, GAN noise) as it stood.
    public var randomState: [UInt64]
    /// Best validation loss so far (infinity before the first validation).
    public var bestValidationLoss: Double
    /// Numbers a family needs to resume (e.g. "validation_fraction"), stored as attributes.
    public var extras: [String: Double]

    public init(completedEpochs: Int = 0, batchesDone: Int = 0, steps: Int = 0, seed: UInt64, randomState: [UInt64] = [],
                bestValidationLoss: Double = .infinity, extras: [String: Double] = [:]) {
        self.completedEpochs = completedEpochs; self.batchesDone = batchesDone; self.steps = steps
        self.seed = seed; self.randomState = randomState; self.bestValidationLoss = bestValidationLoss; self.extras = extras
    }

    static let fixedNames: Set<String> = ["completed_epochs", "batches_done", "steps", "seed", "random_state", "best_validation_loss",
                                          "extras"]

    func write(into group: HDF5Group) throws {
        try group.setAttribute("completed_epochs", .int(completedEpochs))
        try group.setAttribute("batches_done", .int(batchesDone))
        try group.setAttribute("steps", .int(steps))
        try group.setAttribute("seed", .int(Int(bitPattern: UInt(seed))))
        try group.setAttribute("random_state", .ints(randomState.map { Int(bitPattern: UInt($0)) }))
        try group.setAttribute("best_validation_loss", .double(bestValidationLoss))
        let names = extras.keys.sorted()
        for name in names where Self.fixedNames.contains(name) || name.isEmpty {
            throw StorageError.invalidArgument("training extra '\(name)' clashes with a training attribute")
        }
        try group.setAttribute("extras", .strings(names))
        for name in names { try group.setAttribute(name, .double(extras[name]!)) }
    }

    /// Reads version 2's attributes, and version 1's (chemical models: no steps, a
    /// validation_fraction; image models: no seed or best loss, and optimizer_steps).
    init(reading group: HDF5Group) throws {
        func optionalInt(_ name: String) throws -> Int? { try group.hasAttribute(name) ? try group.intAttribute(name) : nil }
        completedEpochs = try group.intAttribute("completed_epochs")
        batchesDone = try group.intAttribute("batches_done")
        steps = try optionalInt("steps") ?? 0
        seed = UInt64(UInt(bitPattern: try optionalInt("seed") ?? 0))
        randomState = try group.intsAttribute("random_state").map { UInt64(UInt(bitPattern: $0)) }
        bestValidationLoss = try group.hasAttribute("best_validation_loss") ? try group.doubleAttribute("best_validation_loss") : .infinity
        extras = [:]
        let names = try group.hasAttribute("extras") ? try group.stringsAttribute("extras")
            : (try group.hasAttribute("validation_fraction") ? ["validation_fraction"] : [])
        for name in names { extras[name] = try group.doubleAttribute(name) }
    }
}
