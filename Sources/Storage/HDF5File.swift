import CHDF5
import Foundation

/// An open HDF5 file, which is also its root group `/`: attributes set on the file are the root
/// group's attributes (as in h5py's `File.attrs`).
///
/// The file closes on `close()` or when this object and every group and dataset opened from it
/// are gone. Use a file from one thread at a time; calls into HDF5 are serialized process-wide
/// (HDF5 serial is not thread-safe), so different files may be used from different threads.
///
/// ```swift
/// try HDF5File.writeAtomically(to: "out.h5") { file in
///     try file.setAttribute("format", "molgen-dataset")
///     try file.write("lengths", values: lengths)
/// }
/// let file = try HDF5File.open(at: "out.h5")
/// let lengths = try file.read("lengths", as: Int32.self)
/// ```
public final class HDF5File: HDF5Group {
    public enum AccessMode: Sendable {
        case readOnly, readWrite
    }

    /// Creates an empty HDF5 file at `path`, replacing any file there.
    /// Prefer `writeAtomically(to:_:)` so a failure never leaves a half-written file behind
    /// (and so the file gets its checksum).
    public static func create(at path: String) throws -> HDF5File {
        try create(at: path, reservingUserBlock: false)
    }

    /// `reservingUserBlock`: leave the first `FileChecksum.userBlockSize` bytes to MolGen for the
    /// checksum stamp.
    static func create(at path: String, reservingUserBlock: Bool) throws -> HDF5File {
        try HDF5Library.locked {
            let properties = H5Pcreate(chdf5_fileCreate())
            defer { _ = H5Pclose(properties) }
            if reservingUserBlock { _ = H5Pset_userblock(properties, hsize_t(FileChecksum.userBlockSize)) }
            let id = H5Fcreate(path, chdf5_accTrunc(), properties, chdf5_default())
            guard id >= 0 else {
                throw StorageError.fileSystem(operation: "create the HDF5 file", file: path, reason: HDF5Library.lastErrorMessage())
            }
            return try HDF5File(fileID: id, path: path, isWritable: true)
        }
    }

    /// Opens the existing HDF5 file at `path`.
    ///
    /// A file MolGen wrote carries a checksum of its bytes, verified here before HDF5 reads
    /// anything (see `FileChecksum`); other files are read with size checks and a check of their global heaps (`GlobalHeapCheck`).
    ///
    /// - Throws: `fileNotFound`, `notHDF5` (checked before HDF5 tries to open it), `damaged` when
    ///   the checksum fails, `unreadable` for a truncated or damaged file without one.
    public static func open(at path: String, mode: AccessMode = .readOnly) throws -> HDF5File {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StorageError.fileNotFound(file: path)
        }
        guard !isDirectory.boolValue else { throw StorageError.notHDF5(file: path) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StorageError.fileSystem(operation: "read", file: path, reason: "permission denied")
        }
        let checksum = try FileChecksum.verify(path)
        if checksum == .absent { try GlobalHeapCheck.verify(path) }
        return try HDF5Library.locked {
            let signature = H5Fis_hdf5(path)
            guard signature >= 0 else { throw StorageError.unreadable(file: path, reason: HDF5Library.lastErrorMessage()) }
            guard signature > 0 else { throw StorageError.notHDF5(file: path) }
            let flags = mode == .readWrite ? chdf5_accRdwr() : chdf5_accRdonly()
            let id = H5Fopen(path, flags, chdf5_default())
            guard id >= 0 else { throw StorageError.unreadable(file: path, reason: HDF5Library.lastErrorMessage()) }
            let file = try HDF5File(fileID: id, path: path, isWritable: mode == .readWrite)
            file.file.isChecksummed = checksum == .verified
            return file
        }
    }

    /// Whether `path` is a readable file that starts with an HDF5 signature.
    public static func isHDF5(at path: String) -> Bool {
        HDF5Library.locked { H5Fis_hdf5(path) > 0 }
    }

    /// Writes a new HDF5 file at `path` through `body`, all or nothing.
    ///
    /// `body` writes into a temporary file in the same directory (named by `TemporaryFiles`, so
    /// the next write of `path` removes one left by a killed process); only after it returns and
    /// the file is closed, stamped with its checksum (`FileChecksum`) and synced is the temporary
    /// renamed over `path` (an atomic step on POSIX file systems). If `body` or any step throws,
    /// every HDF5 handle is closed, the temporary is removed and a previous file at `path` is left
    /// exactly as it was. The `HDF5File` passed to `body` is closed afterwards.
    ///
    /// - Parameter beforeRename: runs once the file is complete, just before the rename (a
    ///   companion file that must never be paired with the wrong version is removed there).
    @discardableResult
    public static func writeAtomically<Result>(to path: String, beforeRename: (() throws -> Void)? = nil,
                                               _ body: (HDF5File) throws -> Result) throws -> Result {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StorageError.fileSystem(operation: "write", file: path, reason: "the directory \(directory) does not exist")
        }
        let temporary = TemporaryFiles.make(for: path)
        let file: HDF5File
        do { file = try create(at: temporary, reservingUserBlock: true) } catch {
            TemporaryFiles.remove(temporary)
            throw StorageError.fileSystem(operation: "write", file: path, reason: "cannot create a file in \(directory)")
        }
        do {
            let result = try body(file)
            try file.close()
            try FileChecksum.stamp(temporary)
            try beforeRename?()
            try TemporaryFiles.moveIntoPlace(temporary, at: path)
            return result
        } catch {
            file.file.abandon()
            TemporaryFiles.remove(temporary)
            // Name the file the user asked for, not the temporary that is gone.
            switch error {
            case let StorageError.operationFailed(operation, target, failed, reason) where failed == temporary:
                throw StorageError.operationFailed(operation: operation, path: target, file: path, reason: reason)
            case let StorageError.fileSystem(operation, failed, reason) where failed == temporary:
                throw StorageError.fileSystem(operation: operation, file: path, reason: reason)
            default:
                throw error
            }
        }
    }

    private init(fileID: hid_t, path: String, isWritable: Bool) throws {
        let state = FileState(id: fileID, path: path, isWritable: isWritable)
        let root = H5Gopen2(fileID, "/", chdf5_default())
        guard root >= 0 else {
            throw StorageError.unreadable(file: path, reason: HDF5Library.lastErrorMessage())
        }
        super.init(id: root, file: state, path: "/")
    }

    /// Whether the file is still open.
    public var isOpen: Bool { HDF5Library.locked { file.isOpen } }

    /// Whether the file was opened for writing.
    public var isWritable: Bool { file.isWritable }

    /// Writes buffered data to disk without closing.
    public func flush() throws {
        try HDF5Library.locked {
            try ensureOpen()
            guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw failure("flush", path) }
        }
    }

    /// Closes the file and every group and dataset opened from it; using them afterwards throws
    /// `fileClosed`. Closing twice is harmless.
    public func close() throws {
        try file.close()
    }

    /// Checks the root `format` attribute is `expected` and its `version` is at most
    /// `newestVersion`, and returns the version.
    ///
    /// - Throws: `wrongFormat` ("x.h5 is a molgen-dataset, not a molgen-checkpoint"),
    ///   `unsupportedVersion`, `missingAttribute` for a missing `version`.
    @discardableResult
    public func requireFormat(_ expected: String, newestVersion: Int) throws -> Int {
        guard try hasAttribute("format") else { throw StorageError.wrongFormat(file: filePath, found: nil, expected: expected) }
        let found: String
        do { found = try stringAttribute("format") } catch StorageError.typeMismatch {
            throw StorageError.wrongFormat(file: filePath, found: nil, expected: expected)
        }
        guard found == expected else { throw StorageError.wrongFormat(file: filePath, found: found, expected: expected) }
        let version = try intAttribute("version")
        guard version <= newestVersion else {
            throw StorageError.unsupportedVersion(file: filePath, format: expected, found: version, newest: newestVersion)
        }
        return version
    }
}
