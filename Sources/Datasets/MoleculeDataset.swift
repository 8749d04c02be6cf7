import Smiles
import Storage

/// A molecule dataset loaded into memory for training: N molecules as token rows, their SMILES,
/// token counts and properties, with the codec (tokenizer, vocabulary, max length) that made them.
///
/// The file layout (HDF5, `format = "molgen-dataset"`, version 1) is described in README.md,
/// "Dataset files". In short, with N molecules, T = `maxLength` and P properties:
///
/// | path | type, shape | content |
/// | --- | --- | --- |
/// | `/tokens` | uint8 [N, T] | SMILES tokens, one `<end>` (2), then `<pad>` (0) |
/// | `/lengths` | int32 [N] | SMILES tokens per row, `<end>` not counted (so `<end>` sits at `tokens[i, lengths[i]]`) |
/// | `/smiles` | UTF-8 string [N] | the SMILES the row spells (canonical if converted with canonicalization) |
/// | `/properties` | float32 [N, P], attribute `names` | only when P > 0 |
/// | `/vocabulary` | UTF-8 string [V], attributes `tokenizer`, `max_length` | see ``SmilesCodec/write(to:)`` |
///
/// Root attributes: `format`, `version`, `tokenizer`, `max_length`, `source`, `canonical` (0/1).
public struct MoleculeDataset: Sendable {
    /// The root `format` attribute of a dataset file.
    public static let format = "molgen-dataset"
    /// The layout version this code writes and the newest it reads.
    public static let version = 1

    /// Tokenizer, vocabulary and T of the token rows.
    public var codec: SmilesCodec
    /// N SMILES strings; `codec.decode(row(i))` gives back `smiles[i]`.
    public var smiles: [String]
    /// N × T token indices, row-major.
    public var tokens: [UInt8]
    /// N token counts (without `<end>`).
    public var lengths: [Int32]
    /// N × P property values, row-major (empty when P is 0).
    public var properties: [Float]
    /// P property names, in column order (`logp`, `qed`, ...).
    public var propertyNames: [String]
    /// Where the molecules came from (the converter records its input file names).
    public var source: String
    /// Whether the SMILES were canonicalized by RDKit during conversion.
    public var isCanonical: Bool

    /// N, the number of molecules.
    public var count: Int { lengths.count }
    /// T, the width of a token row.
    public var maxLength: Int { codec.maxLength }
    /// The tokenizer the rows were made with.
    public var tokenizer: SmilesTokenizer { codec.tokenizer }
    /// The vocabulary of the rows.
    public var vocabulary: Vocabulary { codec.vocabulary }

    /// The token row of molecule `index` (T indices).
    public func row(_ index: Int) -> ArraySlice<UInt8> {
        tokens[(index * maxLength)..<((index + 1) * maxLength)]
    }

    /// The P property values of molecule `index`.
    public func propertyValues(_ index: Int) -> ArraySlice<Float> {
        let width = propertyNames.count
        return properties[(index * width)..<((index + 1) * width)]
    }

    /// A dataset from arrays already in memory; checks that the shapes agree.
    public init(codec: SmilesCodec, smiles: [String], tokens: [UInt8], lengths: [Int32],
                properties: [Float] = [], propertyNames: [String] = [], source: String = "", isCanonical: Bool = false) throws {
        self.codec = codec
        self.smiles = smiles
        self.tokens = tokens
        self.lengths = lengths
        self.properties = properties
        self.propertyNames = propertyNames
        self.source = source
        self.isCanonical = isCanonical
        try checkConsistency(file: "dataset")
    }

    /// Loads the dataset file at `path`.
    /// - Throws: `StorageError` for a missing, non-HDF5 or damaged file, a file of another format
    ///   (a checkpoint, say) or a missing dataset inside it; ``DatasetError/empty(file:)`` for a
    ///   file with no molecules; ``DatasetError/invalid(file:reason:)`` when shapes disagree or a
    ///   token is outside the vocabulary.
    public init(contentsOf path: String) throws {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        try file.requireFormat(Self.format, newestVersion: Self.version)
        codec = try SmilesCodec(readingFrom: file)
        let tokenArray = try file.read("tokens", as: UInt8.self)
        let lengthArray = try file.read("lengths", as: Int32.self)
        let smilesArray = try file.read("smiles", as: String.self)
        guard tokenArray.shape.count == 2, tokenArray.shape[1] == codec.maxLength else {
            throw DatasetError.invalid(file: path, reason: "/tokens has shape \(tokenArray.shape), expected [N, \(codec.maxLength)] (max_length)")
        }
        tokens = tokenArray.values
        lengths = lengthArray.values
        smiles = smilesArray.values
        if file.contains("properties") {
            let dataset = try file.dataset("properties")
            let array = try dataset.read(as: Float.self)
            propertyNames = try dataset.stringsAttribute("names")
            guard array.shape.count == 2, array.shape[1] == propertyNames.count else {
                throw DatasetError.invalid(file: path, reason: "/properties has shape \(array.shape) but \(propertyNames.count) names")
            }
            properties = array.values
        } else {
            properties = []
            propertyNames = []
        }
        source = try file.hasAttribute("source") ? file.stringAttribute("source") : ""
        isCanonical = try file.hasAttribute("canonical") ? file.intAttribute("canonical") != 0 : false
        guard !lengths.isEmpty else { throw DatasetError.empty(file: path) }
        try checkConsistency(file: path)
    }

    /// Shapes agree, every token is in the vocabulary and every row ends where its length says.
    private func checkConsistency(file: String) throws {
        let n = lengths.count
        let t = maxLength
        func fail(_ reason: String) -> DatasetError { .invalid(file: file, reason: reason) }
        guard tokens.count == n * t else { throw fail("/tokens holds \(tokens.count / max(t, 1)) rows but /lengths \(n)") }
        guard smiles.count == n else { throw fail("/smiles holds \(smiles.count) strings but /lengths \(n)") }
        guard properties.count == n * propertyNames.count else {
            throw fail("/properties holds \(properties.count) values, not \(n) × \(propertyNames.count)")
        }
        let vocabularySize = codec.vocabulary.count
        try tokens.withUnsafeBufferPointer { all in
            // One pass over N × T bytes: cheap next to training, and it turns a corrupt file into
            // an error here instead of an out-of-range index deep inside the model.
            for i in 0..<n {
                let length = Int(lengths[i])
                guard length >= 0, length < t else { throw fail("row \(i) has length \(length), outside 0..<\(t)") }
                let row = all[(i * t)..<((i + 1) * t)]
                guard row[i * t + length] == Vocabulary.endIndex else { throw fail("row \(i) has no <end> token at position \(length)") }
                for index in row where Int(index) >= vocabularySize {
                    throw fail("row \(i) holds token index \(index), outside the vocabulary of \(vocabularySize)")
                }
            }
        }
    }

    /// Writes the dataset to `path`, atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            let writer = try MoleculeDatasetWriter(file: file, maxLength: maxLength, propertyNames: propertyNames)
            try writer.append(smiles: smiles, tokens: tokens, lengths: lengths, properties: properties)
            try writer.finish(codec: codec, source: source, isCanonical: isCanonical)
        }
    }
}

/// Writes a dataset file block by block with flat memory: the datasets grow along N as rows
/// arrive, and the vocabulary and attributes are written by ``finish(codec:source:isCanonical:)``
/// once the vocabulary is complete. Use inside `HDF5File.writeAtomically(to:_:)`.
public final class MoleculeDatasetWriter {
    private let file: HDF5File
    private let maxLength: Int
    private let propertyNames: [String]
    private let smiles: AppendableDataset<String>
    private let tokens: AppendableDataset<UInt8>
    private let lengths: AppendableDataset<Int32>
    private let properties: AppendableDataset<Float>?
    /// Rows written so far.
    public private(set) var count = 0

    /// Creates the empty datasets in `file`.
    /// - Parameter deflateLevel: gzip level of `/tokens` and `/lengths` (token rows are mostly
    ///   padding, so even level 1 shrinks them about tenfold).
    public init(file: HDF5File, maxLength: Int, propertyNames: [String], deflateLevel: Int = 1) throws {
        self.file = file
        self.maxLength = maxLength
        self.propertyNames = propertyNames
        smiles = try file.createAppendableDataset("smiles", of: String.self, rowsPerChunk: 4096)
        tokens = try file.createAppendableDataset("tokens", of: UInt8.self, rowShape: [maxLength], deflateLevel: deflateLevel)
        lengths = try file.createAppendableDataset("lengths", of: Int32.self, deflateLevel: deflateLevel)
        properties = propertyNames.isEmpty ? nil
            : try file.createAppendableDataset("properties", of: Float.self, rowShape: [propertyNames.count], deflateLevel: deflateLevel)
        try properties?.dataset.setAttribute("names", .strings(propertyNames))
    }

    /// Appends rows: `tokens` holds `smiles.count` rows of T, `properties` rows of P.
    public func append(smiles newSmiles: [String], tokens newTokens: [UInt8], lengths newLengths: [Int32], properties newProperties: [Float]) throws {
        precondition(newTokens.count == newSmiles.count * maxLength && newLengths.count == newSmiles.count
                     && newProperties.count == newSmiles.count * propertyNames.count,
                     "MoleculeDatasetWriter.append: \(newSmiles.count) smiles, \(newTokens.count) tokens, \(newLengths.count) lengths, \(newProperties.count) properties disagree")
        guard !newSmiles.isEmpty else { return }
        try smiles.append(newSmiles)
        try tokens.append(newTokens)
        try lengths.append(newLengths)
        try properties?.append(newProperties)
        count += newSmiles.count
    }

    /// Writes the vocabulary and the root attributes; call once, after the last row.
    public func finish(codec: SmilesCodec, source: String, isCanonical: Bool) throws {
        precondition(codec.maxLength == maxLength, "MoleculeDatasetWriter.finish: codec max length \(codec.maxLength) is not \(maxLength)")
        try codec.write(to: file)
        try file.setAttribute("format", .string(MoleculeDataset.format))
        try file.setAttribute("version", .int(MoleculeDataset.version))
        try file.setAttribute("written_by", .string(MolGenRelease.writtenBy))
        try file.setAttribute("tokenizer", .string(codec.tokenizer.rawValue))
        try file.setAttribute("max_length", .int(maxLength))
        try file.setAttribute("source", .string(source))
        try file.setAttribute("canonical", .int(isCanonical ? 1 : 0))
    }
}
