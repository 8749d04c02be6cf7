import Smiles
import Storage

/// Storing a ``SmilesCodec`` (tokenizer, vocabulary, max length) inside an HDF5 file.
///
/// Dataset files and model checkpoints both hold it the same way, so a model trained on a dataset
/// carries the exact encoding of its training data:
///
/// - `/vocabulary`: one-dimensional UTF-8 string dataset; a token's position is its index
///   (`<pad>`, `<start>`, `<end>`, `<unk>` at 0–3, then SMILES tokens);
/// - attributes on `/vocabulary`: `tokenizer` (`"atom"` or `"char"`) and `max_length` (the row
///   width T, counting the `<end>` token).
extension SmilesCodec {
    /// The name of the vocabulary dataset in a group (the file root for datasets and checkpoints).
    public static let vocabularyPath = "vocabulary"

    /// Writes `/vocabulary` with its `tokenizer` and `max_length` attributes into `group`.
    public func write(to group: HDF5Group) throws {
        let dataset = try group.write(Self.vocabularyPath, values: vocabulary.tokens)
        try dataset.setAttribute("tokenizer", .string(tokenizer.rawValue))
        try dataset.setAttribute("max_length", .int(maxLength))
    }

    /// Reads the codec written by ``write(to:)`` from `group`.
    /// - Throws: `StorageError.missingDataset` without `/vocabulary`; ``DatasetError/invalid(file:reason:)``
    ///   when it breaks the layout (bad token list, unknown tokenizer, max length below 2).
    public init(readingFrom group: HDF5Group) throws {
        let dataset = try group.dataset(Self.vocabularyPath)
        let file = dataset.filePath
        let stored = try dataset.read(as: String.self)
        guard stored.shape.count == 1 else {
            throw DatasetError.invalid(file: file, reason: "\(dataset.path) has shape \(stored.shape), expected one dimension")
        }
        let tokenizerName = try dataset.stringAttribute("tokenizer")
        guard let tokenizer = SmilesTokenizer(rawValue: tokenizerName) else {
            throw DatasetError.invalid(file: file, reason: "\(dataset.path) names tokenizer \"\(tokenizerName)\"; known: atom, char")
        }
        let maxLength = try dataset.intAttribute("max_length")
        guard maxLength >= 2 else {
            throw DatasetError.invalid(file: file, reason: "\(dataset.path) has max_length \(maxLength), at least 2 is needed")
        }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(tokens: stored.values) } catch let error as VocabularyError {
            throw DatasetError.invalid(file: file, reason: "\(dataset.path): \(error)")
        }
        self.init(tokenizer: tokenizer, vocabulary: vocabulary, maxLength: maxLength)
    }

    /// Reads the codec of a dataset file (`format = "molgen-dataset"`) or a model checkpoint
    /// (`format = "molgen-checkpoint"`), e.g. for `molgen convert --vocab`.
    public init(contentsOf path: String) throws {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        let format = try file.hasAttribute("format") ? try? file.stringAttribute("format") : nil
        guard format == MoleculeDataset.format || format == "molgen-checkpoint" else {
            throw DatasetError.noVocabulary(file: path, format: format)
        }
        try self.init(readingFrom: file)
    }
}
