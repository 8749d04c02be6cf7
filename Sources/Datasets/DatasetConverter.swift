import Chem
import Cluster
import Foundation
import Smiles
import Storage

/// What ``DatasetConverter`` does with its input.
public struct ConversionOptions: Sendable {
    /// How SMILES are split into tokens (ignored when ``fixedCodec`` is set).
    public var tokenizer: SmilesTokenizer = .atom
    /// T, the token row width counting `<end>`: a molecule is too long when its tokens + 1 exceed
    /// it (ignored when ``fixedCodec`` is set).
    public var maxLength: Int = SmilesCodec.defaultMaxLength
    /// Store RDKit's canonical SMILES instead of the input spelling (and tokenize that).
    public var canonicalize = false
    /// Properties to compute with RDKit, in column order of `/properties`.
    public var properties: [MolecularProperty] = []
    /// An existing encoding (from a dataset or model file) to use unchanged: its tokenizer, max
    /// length and vocabulary; molecules with tokens outside that vocabulary are rejected. When
    /// nil the vocabulary is built from the data, tokens numbered in first-seen order.
    public var fixedCodec: SmilesCodec?
    /// Read at most this many records in all (over all inputs); nil reads everything.
    public var limit: Int?
    /// The SMILES column of CSV inputs; nil finds the column named `smiles` in any case.
    public var column: String?
    /// Threads doing the RDKit work.
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Records per unit of work handed to a worker.
    public var batchSize = 256
    /// Longer SMILES (in characters) are rejected as too long before RDKit parses them; nil for
    /// no limit (`--max-smiles-length`). See `SmilesScreen`.
    public var maxSmilesLength: Int? = SmilesScreen.defaultMaxLength
    /// SMILES with more atoms are rejected as too long before RDKit parses them (`--max-atoms`):
    /// RDKit's time grows as the cube of the atoms. nil for no limit.
    public var maxAtoms: Int? = SmilesScreen.defaultMaxAtoms
    /// Standardise each molecule first (largest organic fragment, neutralised, optionally without
    /// stereo; `--standardize`): a changed molecule is stored as RDKit's canonical SMILES of its
    /// parent and its properties are the parent's. nil keeps molecules as read.
    public var standardization: Standardization?
    /// Measured values to carry from each input record into `/properties`, after the RDKit ones:
    /// columns of a CSV/TSV or SD properties (`--property-column`). A record whose value is missing
    /// or not a finite number is rejected (`bad_property`).
    public var propertyColumns: [String] = []

    public init() {}
}

/// Why a record did not become a row.
public enum RejectionReason: String, Sendable, CaseIterable {
    /// RDKit could not parse or sanitize it (empty SMILES included).
    case invalid
    /// Its tokens plus `<end>` exceed the max length.
    case tooLong = "too_long"
    /// A token is not in the fixed vocabulary, or the built vocabulary is full (256).
    case unknownToken = "unknown_token"
    /// A measured property (`ConversionOptions.propertyColumns`) is missing or not a number.
    case badProperty = "bad_property"
}

/// One record that was not converted.
public struct RejectedRecord: Sendable, Equatable {
    /// The input file.
    public var file: String
    /// The 1-based line in `file`.
    public var line: Int
    /// The SMILES as read.
    public var smiles: String
    public var reason: RejectionReason
    /// A one-line explanation (RDKit's parse error, the token count, the unknown token).
    public var detail: String

    public init(file: String, line: Int, smiles: String, reason: RejectionReason, detail: String) {
        self.file = file; self.line = line; self.smiles = smiles; self.reason = reason; self.detail = detail
    }

    /// `file:line`, for messages.
    public var location: String { "\(file):\(line)" }
}

/// Counts so far, reported while converting.
public struct ConversionProgress: Sendable {
    /// Records processed so far (converted or rejected).
    public var read: Int
    /// Rows written so far.
    public var converted: Int
    /// Records rejected so far.
    public var rejected: Int
    /// Seconds since the conversion started.
    public var elapsed: Double
    /// How much of the work is done, 0...1: the share of the input text (by file size) the
    /// processed records cover, or of the limit.
    public var fractionDone: Double
}

/// What a conversion did.
public struct ConversionSummary: Sendable {
    /// The dataset file written.
    public var output: String
    /// The CSV of rejected records (`file,line,smiles,reason,detail`), always written.
    public var rejectedFile: String
    /// Records read from the inputs.
    public var read = 0
    /// Rows written.
    public var converted = 0
    /// Records RDKit could not parse.
    public var invalid = 0
    /// Records whose tokens + `<end>` exceed the max length.
    public var tooLong = 0
    /// Records with a token outside the vocabulary.
    public var unknownTokens = 0
    /// Records whose measured property value is missing or not a number.
    public var badProperties = 0
    /// The first few rejected records of each reason, in input order.
    public var examples: [RejectedRecord] = []
    /// Converted rows that standardisation changed, and how many times each change was made.
    public var standardized = 0
    public var standardizationChanges: [StandardizationChanges: Int] = [:]
    /// The encoding of the rows written.
    public var codec: SmilesCodec
    /// The most tokens in a converted row (without `<end>`).
    public var longestRow = 0
    /// Wall-clock seconds.
    public var seconds = 0.0

    /// Records rejected for any reason.
    public var rejected: Int { invalid + tooLong + unknownTokens + badProperties }

    /// How many examples of each reason are kept.
    public static let examplesPerReason = 3
}

/// Converts SMILES files into a dataset file (see ``MoleculeDataset`` and README.md, "Dataset files").
///
/// Reads the inputs in order, has RDKit parse each molecule (and canonicalize it and compute
/// properties when asked) on a pool of worker threads, and writes rows in input order, streaming,
/// so memory stays flat however large the input. Records that cannot be converted never stop the
/// run: they are counted, the first few kept as examples, and all listed in the rejected CSV.
/// An unreadable input or unwritable output stops the run with an error, and then no dataset
/// file is left behind (a previous one at the path is kept): the file is written under a
/// temporary name and renamed into place at the end.
///
/// ```swift
/// var options = ConversionOptions()
/// options.canonicalize = true
/// options.properties = [.logP, .qed, .sas]
/// let summary = try DatasetConverter(options: options).convert(inputs: ["train.csv.gz"], output: "train.h5")
/// print(summary.converted, summary.rejected)
/// ```
public struct DatasetConverter: Sendable {
    public var options: ConversionOptions

    public init(options: ConversionOptions = ConversionOptions()) {
        self.options = options
    }

    /// The rejected-records file that goes with `output`: `train.h5` → `train.rejected.csv`.
    public static func rejectedFile(for output: String) -> String {
        let url = URL(fileURLWithPath: output)
        let ext = url.pathExtension.lowercased()
        let stem = ext == "h5" || ext == "hdf5" ? url.deletingPathExtension().path : url.path
        // Keep the caller's spelling of the directory (relative paths stay relative).
        let directory = (output as NSString).deletingLastPathComponent
        let name = (stem as NSString).lastPathComponent + ".rejected.csv"
        return directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
    }

    /// Converts `inputs` (`.smi`/`.txt`/`.csv`, optionally `.gz`) into the dataset file `output`.
    ///
    /// - Parameters:
    ///   - progress: called on the calling thread after each batch is written; throwing from it
    ///     stops the conversion with that error (e.g. on Ctrl-C), leaving no output behind.
    ///   - rejected: called on the calling thread with each rejected record, in input order (the
    ///     same records the rejected CSV lists), for callers that want them without reading the CSV.
    /// - Throws: ``DatasetError/invalidOption(option:reason:)`` for unusable options,
    ///   `SmilesFileError` for an input that cannot be opened or read, ``DatasetError/cannotWrite(file:reason:)``
    ///   or `StorageError` for the output, and ``DatasetError/nothingConverted(output:read:rejectedFile:)``
    ///   when no record could be converted (the rejected CSV is still written then).
    ///
    /// With a `group` of several processes (`mpirun -np N molgen convert`) the RDKit work is shared:
    /// every rank reads the input and analyses batches round-robin (batch k on rank k mod N); rank 0
    /// gathers each round's batches, in input order, and alone tokenizes and writes, so the file,
    /// its vocabulary numbering and the rejected rows' report are those of one process. Why
    /// round-robin and not byte ranges: gzip cannot be entered mid-stream, and reading is cheap
    /// next to RDKit. Ranks other than 0 write nothing and return an empty summary.
    public func convert(inputs: [String], output: String, group: ProcessGroup = .single,
                        progress: ((ConversionProgress) throws -> Void)? = nil,
                        rejected: ((RejectedRecord) throws -> Void)? = nil) throws -> ConversionSummary {
        let start = Date()
        try validate(inputs: inputs)
        let rejectedFile = Self.rejectedFile(for: output)
        // Open every input first, so a missing file or absent column fails before any work.
        let source = try BatchSource(inputs: inputs, options: options, group: group)
        let codec = options.fixedCodec ?? SmilesCodec(tokenizer: options.tokenizer, maxLength: options.maxLength)
        guard group.isRoot else {
            try contribute(from: source, group: group)
            return ConversionSummary(output: output, rejectedFile: rejectedFile, codec: codec)
        }
        try Self.checkWritable(output)

        var summary = ConversionSummary(output: output, rejectedFile: rejectedFile, codec: codec)
        let rejects = try RejectedRecordsWriter(path: rejectedFile, observer: rejected)
        var committed = false
        defer { if !committed { rejects.discard() } }

        do {
            // Why remove the old report before the rename: a kill between the dataset's rename and the
            // report's must leave the new dataset with no report, never with the previous run's.
            try HDF5File.writeAtomically(to: output, beforeRename: { try Self.removeFile(rejectedFile) }) { file in
                var state = WriterState(codec: codec, growsVocabulary: options.fixedCodec == nil, standardization: options.standardization,
                                        canonicalize: options.canonicalize,
                                        writer: try MoleculeDatasetWriter(file: file, maxLength: codec.maxLength,
                                                                          propertyNames: options.properties.map(\.name) + options.propertyColumns))
                let analyze = Self.makeAnalyzer(options: options)
                let pipeline = OrderedParallelMap<WorkBatch, AnalyzedBatch>(
                    workers: options.workers, maxInFlight: options.workers * 4, transform: analyze)
                try pipeline.run(
                    produce: { try source.next() },
                    consume: { batch in
                        try state.write(batch, file: inputs[batch.fileIndex], summary: &summary, rejects: rejects)
                        // The other ranks' batches of this round follow this one in the input.
                        for bytes in group.size > 1 ? group.gather([]).dropFirst() : [] where !bytes.isEmpty {
                            let other = try AnalyzedBatch(bytes: bytes)
                            try state.write(other, file: inputs[other.fileIndex], summary: &summary, rejects: rejects)
                        }
                        if let progress {
                            let written = summary.converted + summary.rejected
                            var fraction = batch.fractionDone
                            if let limit = options.limit { fraction = max(fraction, Double(written) / Double(limit)) }
                            try progress(ConversionProgress(read: written, converted: summary.converted, rejected: summary.rejected,
                                                        elapsed: Date().timeIntervalSince(start), fractionDone: min(1, fraction)))
                        }
                    })
                try state.flush()
                summary.read = source.read
                summary.codec = state.codec
                guard summary.converted > 0 else {
                    if summary.read > 0 && summary.invalid == summary.read && inputs.count == 1 {
                        throw DatasetError.noValidSMILES(message: noValidSMILESMessage(path: inputs[0], column: options.column)
                            + " (nothing written; the rows are listed in \(rejectedFile))")
                    }
                    throw DatasetError.nothingConverted(output: output, read: summary.read, rejectedFile: rejectedFile)
                }
                try state.writer.finish(codec: state.codec, source: inputs.joined(separator: ", "), isCanonical: options.canonicalize)
                // The report's row count, so a dataset and its rejected-rows file can be checked as a pair.
                try file.setAttribute("rejected", .int(summary.rejected))
            }
        } catch let error as DatasetError {
            switch error {
            case .nothingConverted, .noValidSMILES:
                // Nothing to train on, but the user needs the reasons: keep the rejected list.
                try rejects.commit()
                committed = true
            default: break
            }
            throw error
        }
        try rejects.commit()
        committed = true
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// A rank other than 0: analyses its batches and sends each round's to rank 0, then joins
    /// the rounds it has no batch for, so every rank takes part in every gather.
    private func contribute(from source: BatchSource, group: ProcessGroup) throws {
        let pipeline = OrderedParallelMap<WorkBatch, AnalyzedBatch>(
            workers: options.workers, maxInFlight: options.workers * 4, transform: Self.makeAnalyzer(options: options))
        var rounds = 0
        try pipeline.run(produce: { try source.next() }, consume: { batch in
            _ = group.gather(batch.bytes)
            rounds += 1
        })
        while rounds < (source.batches + group.size - 1) / group.size {
            _ = group.gather([])
            rounds += 1
        }
    }

    /// The inputs cut into batches in order (a batch never spans two files, so every record keeps
    /// its own file name); with several ranks, only this rank's batches (k mod N) are returned,
    /// the others read and counted.
    final class BatchSource {
        let readers: [SmilesFileReader]
        let options: ConversionOptions
        let group: ProcessGroup
        let totalBytes: Int64
        /// Records and batches read so far, on every rank alike.
        private(set) var read = 0, batches = 0
        private var inputIndex = 0
        private var finishedBytes: Int64 = 0

        init(inputs: [String], options: ConversionOptions, group: ProcessGroup) throws {
            readers = try inputs.map { try MoleculeFile.open($0, column: options.column, values: options.propertyColumns) }
            self.options = options
            self.group = group
            totalBytes = max(1, readers.reduce(Int64(0)) { $0 + $1.fileSize })
        }

        func next() throws -> WorkBatch? {
            while let batch = try nextOfAll() {
                if (batches - 1) % group.size == group.rank { return batch }
            }
            return nil
        }

        private func nextOfAll() throws -> WorkBatch? {
            while inputIndex < readers.count {
                let remaining = options.limit.map { $0 - read } ?? Int.max
                guard remaining > 0 else { return nil }
                let reader = readers[inputIndex]
                let records = try reader.next(upTo: min(options.batchSize, remaining))
                if !records.isEmpty {
                    read += records.count
                    batches += 1
                    // Progress is reported when the batch is written, so note where it ends now.
                    let done = Double(finishedBytes) + reader.fractionDone * Double(reader.fileSize)
                    return WorkBatch(fileIndex: inputIndex, records: records, fractionDone: done / Double(totalBytes))
                }
                finishedBytes += readers[inputIndex].fileSize
                inputIndex += 1
            }
            return nil
        }
    }

    /// Removes `path` if it exists.
    static func removeFile(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw DatasetError.cannotWrite(file: path, reason: "cannot remove the previous file: \(String(cString: strerror(errno)))")
        }
    }

    private func validate(inputs: [String]) throws {
        guard !inputs.isEmpty else { throw DatasetError.invalidOption(option: "INPUT", reason: "give at least one SMILES file") }
        if options.fixedCodec == nil {
            guard options.maxLength >= 2 else {
                throw DatasetError.invalidOption(option: "--max-length", reason: "\(options.maxLength) leaves no room for a token and <end>; use at least 2")
            }
        }
        let rdkitNames = options.properties.map(\.name)
        for (i, name) in options.propertyColumns.enumerated() {
            if rdkitNames.contains(name) || options.propertyColumns[..<i].contains(name) {
                throw DatasetError.invalidOption(option: "--property-column", reason: "'\(name)' would be a second /properties column of that name")
            }
        }
        if let limit = options.limit, limit <= 0 {
            throw DatasetError.invalidOption(option: "--limit", reason: "\(limit) must be positive")
        }
        guard options.workers >= 1, options.batchSize >= 1 else {
            throw DatasetError.invalidOption(option: "workers", reason: "workers and batch size must be positive")
        }
    }

    /// Fails early, with a plain message, when the output directory is missing or not writable.
    static func checkWritable(_ output: String) throws {
        let directory = URL(fileURLWithPath: output).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.cannotWrite(file: output, reason: "directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw DatasetError.cannotWrite(file: output, reason: "directory \(directory) is not writable")
        }
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            throw DatasetError.cannotWrite(file: output, reason: "it is a directory")
        }
    }

    // MARK: Work done on the worker threads

    struct WorkBatch {
        var fileIndex: Int
        var records: [SmilesRecord]
        /// The share of all input the conversion has covered once this batch is written.
        var fractionDone: Double
    }

    /// RDKit's verdict on one record: the SMILES to tokenize and its properties, or why not.
    enum Analysis {
        case valid(smiles: String, properties: [Float], changes: StandardizationChanges)
        case invalid(String)
        /// Over the SMILES length limit, never given to RDKit.
        case tooLong(String)
        /// A measured property value is missing or not a number.
        case badProperty(String)
    }

    struct AnalyzedBatch {
        var fileIndex: Int
        var records: [SmilesRecord]
        var analyses: [Analysis]
        var fractionDone: Double
    }

    static func makeAnalyzer(options: ConversionOptions) -> (WorkBatch) -> AnalyzedBatch {
        let canonicalize = options.canonicalize
        let properties = options.properties
        let maxSmilesLength = options.maxSmilesLength
        let maxAtoms = options.maxAtoms
        let standardization = options.standardization
        let propertyColumns = options.propertyColumns
        return { batch in
            let analyses = batch.records.map { record -> Analysis in
                if let problem = record.problem { return .invalid(problem) }
                var measured: [Float] = []
                for (name, value) in zip(propertyColumns, record.values) {
                    guard let value, !value.isEmpty else { return .badProperty("column '\(name)' has no value") }
                    guard let number = Double(value), Float(number).isFinite else {
                        return .badProperty("column '\(name)': '\(printableText(String(value.prefix(40))))' is not a number")
                    }
                    measured.append(Float(number))
                }
                if let maxSmilesLength, record.smiles.utf8.count > maxSmilesLength {
                    return .tooLong("\(record.smiles.utf8.count) characters exceed --max-smiles-length \(maxSmilesLength)")
                }
                if let maxAtoms, case let atoms = SmilesScreen.atomCount(in: record.smiles), atoms > maxAtoms {
                    return .tooLong("\(atoms) atoms exceed --max-atoms \(maxAtoms)")
                }
                do {
                    let parent = try standardization?.standardize(record.smiles, maxLength: nil, maxAtoms: nil)
                    let smiles = parent?.smiles ?? record.smiles
                    let result = try Chem.analyze(smiles: smiles, canonicalize: canonicalize, properties: properties, maxLength: nil, maxAtoms: nil)
                    return .valid(smiles: result.canonicalSMILES ?? smiles, properties: result.properties.map { Float($0) } + measured,
                                  changes: parent?.changes ?? [])
                } catch let ChemError.invalidSMILES(_, reason) {
                    return .invalid(record.smiles.isEmpty ? "empty SMILES" : reason)
                } catch {
                    return .invalid("\(error)")
                }
            }
            return AnalyzedBatch(fileIndex: batch.fileIndex, records: batch.records, analyses: analyses, fractionDone: batch.fractionDone)
        }
    }

    // MARK: Writing, on the calling thread

    /// Tokenizes analyzed records in input order (so a growing vocabulary numbers tokens in
    /// first-seen order) and appends rows in blocks.
    struct WriterState {
        var codec: SmilesCodec
        let growsVocabulary: Bool
        /// What the analyzer did before tokenizing, so an unknown-token message can say what would help.
        let standardization: Standardization?
        let canonicalize: Bool
        let writer: MoleculeDatasetWriter
        /// Rows gathered before one append: large appends are much cheaper in HDF5.
        let blockRows = 8192
        var smiles: [String] = []
        var tokens: [UInt8] = []
        var lengths: [Int32] = []
        var properties: [Float] = []

        init(codec: SmilesCodec, growsVocabulary: Bool, standardization: Standardization?, canonicalize: Bool, writer: MoleculeDatasetWriter) {
            self.codec = codec
            self.growsVocabulary = growsVocabulary
            self.standardization = standardization
            self.canonicalize = canonicalize
            self.writer = writer
        }

        mutating func write(_ batch: AnalyzedBatch, file: String, summary: inout ConversionSummary, rejects: RejectedRecordsWriter) throws {
            let width = codec.maxLength
            for (record, analysis) in zip(batch.records, batch.analyses) {
                func reject(_ reason: RejectionReason, _ detail: String) throws {
                    let rejected = RejectedRecord(file: file, line: record.line, smiles: record.smiles, reason: reason, detail: detail)
                    switch reason {
                    case .invalid: summary.invalid += 1
                    case .tooLong: summary.tooLong += 1
                    case .unknownToken: summary.unknownTokens += 1
                    case .badProperty: summary.badProperties += 1
                    }
                    if summary.examples.lazy.filter({ $0.reason == reason }).count < ConversionSummary.examplesPerReason {
                        summary.examples.append(rejected)
                    }
                    try rejects.append(rejected)
                }
                guard case let .valid(text, values, changes) = analysis else {
                    if case let .invalid(reason) = analysis { try reject(.invalid, reason) }
                    if case let .tooLong(detail) = analysis { try reject(.tooLong, detail) }
                    if case let .badProperty(detail) = analysis { try reject(.badProperty, detail) }
                    continue
                }
                let rowStart = tokens.count
                tokens.append(contentsOf: repeatElement(Vocabulary.padIndex, count: width))
                do {
                    let count = try tokens.withUnsafeMutableBufferPointer { all -> Int in
                        let row = UnsafeMutableBufferPointer(rebasing: all[rowStart..<(rowStart + width)])
                        return growsVocabulary ? try codec.encodeAddingTokens(text, into: row) : try codec.encode(text, into: row)
                    }
                    smiles.append(text)
                    lengths.append(Int32(count))
                    properties.append(contentsOf: values)
                    summary.converted += 1
                    summary.longestRow = max(summary.longestRow, count)
                    if !changes.isEmpty {
                        summary.standardized += 1
                        for change in [StandardizationChanges.largestFragment, .neutralized, .stereoRemoved] where changes.contains(change) {
                            summary.standardizationChanges[change, default: 0] += 1
                        }
                    }
                } catch {
                    tokens.removeLast(width)
                    switch error {
                    case let SmilesEncodingError.tooLong(_, tokenCount, maxLength):
                        try reject(.tooLong, "\(tokenCount) tokens + <end> exceed max length \(maxLength)")
                    case VocabularyError.unknownToken:
                        try reject(.unknownToken, codec.unknownTokenDetail(tokenized: text, original: record.smiles, applied: standardization,
                                                                           canonicalize: canonicalize))
                    case let VocabularyError.full(token):
                        try reject(.unknownToken, "vocabulary full (\(Vocabulary.maximumCount) tokens), cannot add \"\(token)\"")
                    default:
                        throw error
                    }
                }
            }
            if smiles.count >= blockRows { try flush() }
        }

        mutating func flush() throws {
            try writer.append(smiles: smiles, tokens: tokens, lengths: lengths, properties: properties)
            smiles.removeAll(keepingCapacity: true)
            tokens.removeAll(keepingCapacity: true)
            lengths.removeAll(keepingCapacity: true)
            properties.removeAll(keepingCapacity: true)
        }
    }
}

/// Streams rejected records to a CSV under a temporary name; ``commit()`` renames it into place.
final class RejectedRecordsWriter {
    let path: String
    private let file: AtomicTextFile
    private let observer: ((RejectedRecord) throws -> Void)?

    init(path: String, observer: ((RejectedRecord) throws -> Void)? = nil) throws {
        self.path = path
        self.observer = observer
        do { file = try AtomicTextFile(path: path) } catch { throw DatasetError.cannotWrite(file: path, reason: Self.reason(error)) }
        try write("file,line,smiles,reason,detail\n")
    }

    func append(_ record: RejectedRecord) throws {
        let fields = [record.file, String(record.line), printableText(record.smiles), record.reason.rawValue, record.detail]
        try write(fields.map(csvField).joined(separator: ",") + "\n")
        try observer?(record)
    }

    private func write(_ text: String) throws {
        do { try file.write(text) } catch { throw DatasetError.cannotWrite(file: path, reason: Self.reason(error)) }
    }

    /// Syncs the file and renames it to `path`.
    func commit() throws {
        do { try file.commit() } catch { throw DatasetError.cannotWrite(file: path, reason: Self.reason(error)) }
    }

    /// Removes the temporary file (after a failed run).
    func discard() { file.discard() }

    private static func reason(_ error: Error) -> String {
        if case let StorageError.fileSystem(_, _, reason) = error { return reason }
        return "\(error)"
    }
}
