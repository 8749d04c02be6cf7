/// Everything that can go wrong reading or writing MolGen's HDF5 files.
///
/// Each description is one line that names the file (and the path inside it) and says what to do,
/// because these messages reach users of the command-line tool unchanged.
public enum StorageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Nothing exists at `file`.
    case fileNotFound(file: String)
    /// `file` exists but does not start with an HDF5 signature.
    case notHDF5(file: String)
    /// `file` looks like HDF5 but the library cannot open it (truncated, overwritten, damaged).
    case unreadable(file: String, reason: String)
    /// The group at `path` does not exist in `file`.
    case missingGroup(path: String, file: String)
    /// The dataset at `path` does not exist in `file`.
    case missingDataset(path: String, file: String)
    /// The attribute `name` is not set on the object at `owner` in `file`.
    case missingAttribute(name: String, owner: String, file: String)
    /// Something already exists at `path` in `file`, so it cannot be created again.
    case alreadyExists(path: String, file: String)
    /// The root `format` attribute of `file` is `found` (nil: absent) instead of `expected`.
    case wrongFormat(file: String, found: String?, expected: String)
    /// `file` has `format` version `found`, newer than the newest this build reads.
    case unsupportedVersion(file: String, format: String, found: Int, newest: Int)
    /// The object at `path` stores `stored` elements but `requested` ones were asked for.
    case typeMismatch(path: String, file: String, stored: String, requested: String)
    /// The object at `path` has shape `stored` but `expected` was required.
    case shapeMismatch(path: String, file: String, stored: [Int], expected: [Int])
    /// The caller passed values that cannot be stored (count does not match shape, bad name, ...).
    case invalidArgument(String)
    /// `file` was closed before this use.
    case fileClosed(file: String)
    /// An HDF5 call failed for a reason not covered above; `reason` is HDF5's own message.
    case operationFailed(operation: String, path: String, file: String, reason: String)
    /// A file-system step (rename, remove, sync) around an HDF5 file failed.
    case fileSystem(operation: String, file: String, reason: String)
    /// `file` failed its checksum or a size check before HDF5 parsed it (see `FileChecksum`).
    case damaged(file: String, reason: String)
    /// An output path names one of the command's inputs (or a file it must not replace).
    case outputIsInput(output: String, option: String, input: String, inputOption: String)
    /// An output path has an extension the command does not write.
    case unsupportedOutputExtension(output: String, option: String, supported: [String])

    public var description: String {
        switch self {
        case let .fileNotFound(file):
            return "\(file) does not exist: check the path"
        case let .notHDF5(file):
            return "\(file) is not an HDF5 file: pass a file written by MolGen (or another HDF5 writer such as h5py)"
        case let .unreadable(file, reason):
            return "\(file) is truncated or corrupt (HDF5: \(reason)): write it again or restore a good copy"
        case let .missingGroup(path, file):
            return "\(file) has no group '\(path)': the file is incomplete or was written for another purpose"
        case let .missingDataset(path, file):
            return "\(file) has no dataset '\(path)': the file is incomplete or was written for another purpose"
        case let .missingAttribute(name, owner, file):
            return "\(file) has no attribute '\(name)' on '\(owner)': the file is incomplete or was written for another purpose"
        case let .alreadyExists(path, file):
            return "\(file) already has '\(path)': remove it first or write to a new file"
        case let .wrongFormat(file, found?, expected):
            return "\(file) is a \(found), not a \(expected): pass a \(expected) file"
        case let .wrongFormat(file, nil, expected):
            return "\(file) has no 'format' attribute, so it is not a \(expected): pass a \(expected) file written by MolGen"
        case let .unsupportedVersion(file, format, found, newest):
            return "\(file) is \(format) version \(found) but this MolGen reads versions up to \(newest): update MolGen"
        case let .typeMismatch(path, file, stored, requested):
            return "'\(path)' in \(file) stores \(stored) but \(requested) was requested: read it as \(stored)"
        case let .shapeMismatch(path, file, stored, expected):
            return "'\(path)' in \(file) has shape \(stored) but \(expected) was expected"
        case let .invalidArgument(message):
            return oneLine(message)
        case let .fileClosed(file):
            return "\(file) was already closed: open it again before using it"
        case let .operationFailed(operation, path, file, reason):
            return "could not \(operation) '\(path)' in \(file) (HDF5: \(reason)): check that the file is complete and the disk has space"
        case let .fileSystem(operation, file, reason):
            return "could not \(operation) \(file): \(oneLine(reason))"
        case let .damaged(file, reason):
            return "\(file) is damaged: \(oneLine(reason)); nothing was read from it: write it again or restore a good copy"
        case let .outputIsInput(output, option, input, inputOption):
            return "\(option) \(output) is the same file as \(inputOption) \(input): writing it would destroy that input; choose another \(option) path"
        case let .unsupportedOutputExtension(output, option, supported):
            return "\(option) \(output): this command writes \(supported.map { "." + $0 }.joined(separator: " or ")) files; give the output one of those extensions"
        }
    }

    /// At most five names, then a count, so the message stays one readable line.
    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > 5 ? "\(shown) and \(names.count - 5) more" : shown
    }
}
