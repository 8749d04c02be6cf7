import CHDF5
import Foundation

/// The open HDF5 file behind a `HDF5File` and every object opened from it.
///
/// Every object holds this state strongly, so the file stays open while any of them is alive
/// (as in h5py) and closes when the last one goes away, or at once on `HDF5File.close()`.
final class FileState {
    let id: hid_t
    let path: String
    let isWritable: Bool
    private(set) var isOpen = true
    /// Whether the file's checksum was verified when it was opened (`FileChecksum`).
    var isChecksummed = false
    /// The file's length when opened read-only (`Int.max` when writable): no dataset or attribute
    /// can hold more than this many stored bytes (times a compression bound), whatever a damaged
    /// header claims.
    let byteCount: Int
    /// Identifiers of the objects opened from this file, closed before the file itself.
    /// Why: HDF5 keeps a file open while any object in it is open; `close()` must really close
    /// so `writeAtomically` can rename a complete file.
    private var openObjects: Set<hid_t> = []

    init(id: hid_t, path: String, isWritable: Bool) {
        self.id = id
        self.path = path
        self.isWritable = isWritable
        // A file being written grows, so only a read-only file has a length to check against.
        var status = stat()
        byteCount = !isWritable && stat(path, &status) == 0 ? Int(status.st_size) : Int.max
    }

    func register(_ object: hid_t) { openObjects.insert(object) }

    /// Closes `object` unless the file already closed it.
    func closeObject(_ object: hid_t) {
        guard isOpen, openObjects.remove(object) != nil else { return }
        closeIdentifier(object)
    }

    func close() throws {
        try HDF5Library.locked {
            guard isOpen else { return }
            for object in openObjects { closeIdentifier(object) }
            openObjects.removeAll()
            isOpen = false
            if H5Fclose(id) < 0 {
                throw StorageError.operationFailed(
                    operation: "close", path: "/", file: path, reason: HDF5Library.lastErrorMessage())
            }
            // A checksummed file changed in place gets a new checksum, so it still opens.
            if isWritable && isChecksummed { try FileChecksum.stamp(path) }
        }
    }

    /// Closes a file being given up after a failure (a full disk, say): every object opened from
    /// it, then the file. Why only once: after a failed H5Fclose the identifier stays valid but
    /// refers to a half-destroyed file, and closing it again crashes inside HDF5.
    func abandon() {
        HDF5Library.locked {
            for object in openObjects { closeIdentifier(object) }
            openObjects.removeAll()
            if isOpen {
                isOpen = false
                _ = H5Fclose(id)
            }
        }
    }

    deinit { try? close() }
}

/// Anything in an HDF5 file that carries attributes: groups (including the file's root) and
/// datasets.
///
/// Use an object from one thread at a time (see `HDF5Library` for why calls are serialized).
public class HDF5Object {
    let id: hid_t
    let file: FileState
    /// The absolute path of this object inside its file, e.g. `/parameters/encoder`.
    public let path: String

    init(id: hid_t, file: FileState, path: String) {
        self.id = id
        self.file = file
        self.path = path
        file.register(id)
    }

    deinit {
        HDF5Library.locked { file.closeObject(id) }
    }

    /// The path of the file this object lives in, as it was given when the file was opened.
    public var filePath: String { file.path }

    /// Throws `StorageError.fileClosed` once the file has been closed.
    func ensureOpen() throws {
        guard file.isOpen else { throw StorageError.fileClosed(file: file.path) }
    }

    func ensureWritable(_ target: String) throws {
        try ensureOpen()
        guard file.isWritable else {
            throw StorageError.operationFailed(
                operation: "write", path: target, file: file.path,
                reason: "the file was opened read-only; open it with mode .readWrite")
        }
    }

    /// The error for a failed HDF5 call on `target`, carrying HDF5's own description.
    func failure(_ operation: String, _ target: String, _ error: Error? = nil) -> StorageError {
        if let storageError = error as? StorageError { return storageError }
        let reason = (error as? HDF5CallFailed)?.reason ?? HDF5Library.lastErrorMessage()
        return .operationFailed(operation: operation, path: target, file: file.path, reason: reason)
    }

    /// The absolute in-file path of `relative` seen from this object.
    func absolutePath(_ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        let trimmed = relative.hasSuffix("/") ? String(relative.dropLast()) : relative
        if trimmed.isEmpty || trimmed == "." { return path }
        return path == "/" ? "/" + trimmed : path + "/" + trimmed
    }

    // MARK: Attributes

    /// Sets attribute `name` to `value`, replacing any previous value and type.
    public func setAttribute(_ name: String, _ value: AttributeValue) throws {
        try HDF5Library.locked {
            try ensureWritable(path)
            if H5Aexists(id, name) > 0, H5Adelete(id, name) < 0 {
                throw failure("replace attribute '\(name)' on", path)
            }
            let (fileType, shape) = value.storage
            let type = fileType ?? makeVariableStringType()
            defer { if fileType == nil { _ = H5Tclose(type) } }
            let space = makeDataspace(shape)
            defer { _ = H5Sclose(space) }
            let attribute = H5Acreate2(id, name, type, space, chdf5_default(), chdf5_default())
            guard type >= 0, space >= 0, attribute >= 0 else { throw failure("create attribute '\(name)' on", path) }
            defer { _ = H5Aclose(attribute) }
            let write = { (memoryType: hid_t, buffer: UnsafeRawPointer) in H5Awrite(attribute, memoryType, buffer) }
            do {
                switch value {
                case let .string(string): try withHDF5Buffer([string], write)
                case let .strings(strings): try withHDF5Buffer(strings, write)
                case let .int(int): try withHDF5Buffer([Int64(int)], write)
                case let .ints(ints): try withHDF5Buffer(ints.map(Int64.init), write)
                case let .double(double): try withHDF5Buffer([double], write)
                case let .doubles(doubles): try withHDF5Buffer(doubles, write)
                }
            } catch {
                throw failure("write attribute '\(name)' on", path, error)
            }
        }
    }

    /// The value of attribute `name`, typed by what is stored: integers of any width read as
    /// `.int`/`.ints`, floats as `.double`/`.doubles`, strings (variable or fixed length) as
    /// `.string`/`.strings`. A scalar attribute gives a single value, a one-or-more-dimensional
    /// one an array (flattened).
    public func attribute(_ name: String) throws -> AttributeValue {
        try HDF5Library.locked {
            try ensureOpen()
            guard H5Aexists(id, name) > 0 else {
                throw StorageError.missingAttribute(name: name, owner: path, file: file.path)
            }
            let attribute = H5Aopen(id, name, chdf5_default())
            guard attribute >= 0 else { throw failure("open attribute '\(name)' on", path) }
            defer { _ = H5Aclose(attribute) }
            let type = H5Aget_type(attribute)
            let space = H5Aget_space(attribute)
            defer { _ = H5Tclose(type); _ = H5Sclose(space) }
            guard type >= 0, space >= 0, let shape = extent(of: space) else {
                throw failure("read attribute '\(name)' on", path)
            }
            let count = shape.reduce(1, *)
            // A damaged header can claim more values than the whole file holds (see checkReadSize).
            guard count <= file.byteCount else {
                throw StorageError.damaged(file: file.path, reason: "attribute '\(name)' on '\(path)' claims \(count) values, more than the file's \(file.byteCount) bytes")
            }
            let isScalar = shape.isEmpty
            let info = StoredTypeInfo(type)
            let read = { (memoryType: hid_t, buffer: UnsafeMutableRawPointer) in H5Aread(attribute, memoryType, buffer) }
            do {
                switch info.kind {
                case .integer:
                    let values = try readHDF5Values(count: count, storedType: type, as: Int64.self, read).map { Int($0) }
                    return isScalar ? .int(values[0]) : .ints(values)
                case .float:
                    let values = try readHDF5Values(count: count, storedType: type, as: Double.self, read)
                    return isScalar ? .double(values[0]) : .doubles(values)
                case .string:
                    let values = try readHDF5Values(count: count, storedType: type, as: String.self, read)
                    return isScalar ? .string(values[0]) : .strings(values)
                case .other:
                    throw StorageError.typeMismatch(
                        path: "\(path)@\(name)", file: file.path, stored: info.name,
                        requested: "a string, integer or floating-point attribute")
                }
            } catch {
                throw failure("read attribute '\(name)' on", path, error)
            }
        }
    }

    /// Whether attribute `name` is set on this object.
    public func hasAttribute(_ name: String) throws -> Bool {
        try HDF5Library.locked {
            try ensureOpen()
            return H5Aexists(id, name) > 0
        }
    }

    /// The names of this object's attributes, in ascending name order.
    public func attributeNames() throws -> [String] {
        try HDF5Library.locked {
            try ensureOpen()
            final class Names { var values: [String] = [] }
            let names = Names()
            let status = withExtendedLifetime(names) { () -> herr_t in
                let callback: H5A_operator2_t = { _, name, _, data in
                    guard let name, let data else { return -1 }
                    Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().values.append(String(cString: name))
                    return 0
                }
                return H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, nil, callback,
                                   Unmanaged.passUnretained(names).toOpaque())
            }
            guard status >= 0 else { throw failure("list the attributes of", path) }
            return names.values
        }
    }

    /// Removes attribute `name`; throws `missingAttribute` if it is not set.
    public func removeAttribute(_ name: String) throws {
        try HDF5Library.locked {
            try ensureWritable(path)
            guard H5Aexists(id, name) > 0 else {
                throw StorageError.missingAttribute(name: name, owner: path, file: file.path)
            }
            guard H5Adelete(id, name) >= 0 else { throw failure("remove attribute '\(name)' from", path) }
        }
    }

    // MARK: Typed attribute accessors

    /// Attribute `name` as a `String`; throws `typeMismatch` if it holds something else.
    public func stringAttribute(_ name: String) throws -> String {
        guard case let .string(value) = try attribute(name) else { throw try mismatch(name, requested: "String") }
        return value
    }

    /// Attribute `name` as an `Int`; throws `typeMismatch` if it holds something else.
    public func intAttribute(_ name: String) throws -> Int {
        guard case let .int(value) = try attribute(name) else { throw try mismatch(name, requested: "Int") }
        return value
    }

    /// Attribute `name` as a `Double`; an integer attribute is converted.
    public func doubleAttribute(_ name: String) throws -> Double {
        switch try attribute(name) {
        case let .double(value): return value
        case let .int(value): return Double(value)
        default: throw try mismatch(name, requested: "Double")
        }
    }

    /// Attribute `name` as `[String]`; throws `typeMismatch` if it holds something else.
    public func stringsAttribute(_ name: String) throws -> [String] {
        guard case let .strings(value) = try attribute(name) else { throw try mismatch(name, requested: "[String]") }
        return value
    }

    /// Attribute `name` as `[Int]`; throws `typeMismatch` if it holds something else.
    public func intsAttribute(_ name: String) throws -> [Int] {
        guard case let .ints(value) = try attribute(name) else { throw try mismatch(name, requested: "[Int]") }
        return value
    }

    /// Attribute `name` as `[Double]`; an integer array is converted.
    public func doublesAttribute(_ name: String) throws -> [Double] {
        switch try attribute(name) {
        case let .doubles(value): return value
        case let .ints(value): return value.map(Double.init)
        default: throw try mismatch(name, requested: "[Double]")
        }
    }

    private func mismatch(_ name: String, requested: String) throws -> StorageError {
        .typeMismatch(path: "\(path)@\(name)", file: file.path, stored: try attribute(name).typeName, requested: requested)
    }
}
