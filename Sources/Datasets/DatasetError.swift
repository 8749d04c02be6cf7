/// A dataset file or a conversion that cannot go ahead; every message names the file and what to do.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    /// The dataset file holds no molecules.
    case empty(file: String)
    /// The file's contents break the dataset layout; `reason` says how.
    case invalid(file: String, reason: String)
    /// `file` has no vocabulary: it is neither a dataset nor a checkpoint (`format` is `found`).
    case noVocabulary(file: String, format: String?)
    /// A conversion option has a value that cannot work; `option` is its command-line name.
    case invalidOption(option: String, reason: String)
    /// The output cannot be written (directory missing, permission, disk).
    case cannotWrite(file: String, reason: String)
    /// Every one of the `read` records was rejected, so no dataset was written; the reasons are
    /// in `rejectedFile`.
    case nothingConverted(output: String, read: Int, rejectedFile: String)
    /// No record of the input is a valid molecule; `message` says which column was read and
    /// which one probably holds the SMILES (see `noValidSMILESMessage`).
    case noValidSMILES(message: String)

    public var description: String {
        switch self {
        case let .empty(file):
            return "\(file) holds no molecules: convert a non-empty SMILES file"
        case let .invalid(file, reason):
            return "\(file) is not a valid molgen dataset: \(reason)"
        case let .noVocabulary(file, format?):
            return "\(file) is a \(format), which has no vocabulary: pass a molgen-dataset or molgen-checkpoint file"
        case let .noVocabulary(file, nil):
            return "\(file) has no 'format' attribute, so no vocabulary: pass a molgen-dataset or molgen-checkpoint file"
        case let .invalidOption(option, reason):
            return "\(option): \(reason)"
        case let .cannotWrite(file, reason):
            return "cannot write \(file): \(reason)"
        case let .nothingConverted(output, read, rejectedFile):
            return read == 0
                ? "no molecules in the input, so \(output) was not written: check the input files"
                : "none of the \(read) molecules read could be converted, so \(output) was not written: see \(rejectedFile) for the reasons"
        case let .noValidSMILES(message):
            return message
        }
    }
}
