import CHDF5

/// What sits at a path inside an HDF5 file.
public enum HDF5ObjectKind: Sendable {
    case group, dataset
}

/// An HDF5 group: a folder of groups and datasets, addressed by slash-separated paths relative to
/// the group (or absolute, starting with `/`). `HDF5File` is the root group.
public class HDF5Group: HDF5Object {

    // MARK: Navigation

    /// Whether a group or dataset exists at `path`.
    public func contains(_ path: String) -> Bool {
        objectKind(at: path) != nil
    }

    /// The kind of object at `path`, or nil if there is none (or the file is closed).
    public func objectKind(at path: String) -> HDF5ObjectKind? {
        HDF5Library.locked {
            guard file.isOpen, linkExists(path) else { return nil }
            let object = H5Oopen(id, path, chdf5_default())
            guard object >= 0 else { return nil }
            defer { _ = H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return nil
            }
        }
    }

    /// Why step by step: `H5Lexists` fails (rather than answering false) when an intermediate
    /// group of the path is missing.
    private func linkExists(_ path: String) -> Bool {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") where component != "." {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            guard H5Lexists(id, prefix, chdf5_default()) > 0 else { return false }
        }
        return H5Oexists_by_name(id, path.isEmpty ? "." : path, chdf5_default()) > 0
    }

    /// The names of the groups and datasets directly in this group, in ascending name order.
    public func childNames() throws -> [String] {
        try HDF5Library.locked {
            try ensureOpen()
            final class Names { var values: [String] = [] }
            let names = Names()
            let status = withExtendedLifetime(names) { () -> herr_t in
                let callback: H5L_iterate_t = { _, name, _, data in
                    guard let name, let data else { return -1 }
                    Unmanaged<Names>.fromOpaque(data).takeUnretainedValue().values.append(String(cString: name))
                    return 0
                }
                return H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, nil, callback, Unmanaged.passUnretained(names).toOpaque())
            }
            guard status >= 0 else { throw failure("list the contents of", path) }
            return names.values
        }
    }

    /// Opens the existing group at `path`; throws `missingGroup` if there is none.
    public func group(_ path: String) throws -> HDF5Group {
        try HDF5Library.locked {
            try ensureOpen()
            let target = absolutePath(path)
            guard objectKind(at: path) == .group else { throw StorageError.missingGroup(path: target, file: file.path) }
            let group = H5Gopen2(id, path, chdf5_default())
            guard group >= 0 else { throw failure("open group", target) }
            return HDF5Group(id: group, file: file, path: target)
        }
    }

    /// Opens the group at `path`, first creating it and any missing groups along the path
    /// (like `mkdir -p`). Throws `alreadyExists` if a dataset is in the way.
    @discardableResult
    public func createGroup(_ path: String) throws -> HDF5Group {
        try HDF5Library.locked {
            try ensureWritable(absolutePath(path))
            try createGroups(along: path, includingLast: true)
            return try group(path)
        }
    }

    /// Creates the missing groups of `path` (all but its last component unless `includingLast`).
    /// Why not HDF5's "create intermediate groups" flag: groups made that way would record
    /// modification times, and files should be byte-identical when their content is.
    func createGroups(along path: String, includingLast: Bool) throws {
        var components = path.split(separator: "/").filter { $0 != "." }
        if !includingLast { components = components.dropLast() }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in components {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            switch objectKind(at: prefix) {
            case .group: continue
            case .dataset: throw StorageError.alreadyExists(path: absolutePath(prefix), file: file.path)
            case nil:
                let properties = H5Pcreate(chdf5_groupCreate())
                defer { _ = H5Pclose(properties) }
                _ = H5Pset_obj_track_times(properties, false)
                let group = H5Gcreate2(id, prefix, chdf5_default(), properties, chdf5_default())
                guard group >= 0 else { throw failure("create group", absolutePath(prefix)) }
                _ = H5Gclose(group)
            }
        }
    }

    /// Removes the link to the group or dataset at `path`.
    /// HDF5 does not reclaim the space in the file; write a new file to shrink it.
    public func remove(_ path: String) throws {
        try HDF5Library.locked {
            let target = absolutePath(path)
            try ensureWritable(target)
            guard contains(path) else { throw StorageError.missingDataset(path: target, file: file.path) }
            guard H5Ldelete(id, path, chdf5_default()) >= 0 else { throw failure("remove", target) }
        }
    }

    // MARK: Datasets

    /// Opens the existing dataset at `path`; throws `missingDataset` if there is none.
    public func dataset(_ path: String) throws -> HDF5Dataset {
        try HDF5Library.locked {
            try ensureOpen()
            let target = absolutePath(path)
            guard objectKind(at: path) == .dataset else { throw StorageError.missingDataset(path: target, file: file.path) }
            let dataset = H5Dopen2(id, path, chdf5_default())
            guard dataset >= 0 else { throw failure("open dataset", target) }
            return HDF5Dataset(id: dataset, file: file, path: target)
        }
    }

    /// Writes `values` as a new dataset of `shape` (row-major; default: one dimension of
    /// `values.count`) at `path`, creating missing groups along the path.
    ///
    /// - Parameter deflateLevel: 0–9 to store the data gzip-compressed in chunks of rows
    ///   (with the shuffle filter for multi-byte numbers); nil stores it contiguously.
    ///   Scalars and datasets with a zero dimension are always stored uncompressed.
    /// - Throws: `alreadyExists` if something is at `path`; `invalidArgument` if `values` does
    ///   not fill `shape`.
    @discardableResult
    public func write<Element: HDF5Element>(
        _ path: String, values: [Element], shape: [Int]? = nil, deflateLevel: Int? = nil
    ) throws -> HDF5Dataset {
        let shape = shape ?? [values.count]
        let target = absolutePath(path)
        try StoredArray(shape: shape, values: values).validate(name: "\(file.path):\(target)")
        return try HDF5Library.locked {
            let compressible = !shape.isEmpty && !shape.contains(0) && deflateLevel != nil
            let layout: DatasetLayout = compressible
                ? .chunked(rows: defaultRowsPerChunk(rowShape: Array(shape.dropFirst()), element: Element.elementType),
                           maxRows: shape[0], deflateLevel: deflateLevel)
                : .contiguous
            let dataset = try createDataset(path, element: Element.elementType, shape: shape, layout: layout)
            if !values.isEmpty {
                do {
                    try withHDF5Buffer(values) { H5Dwrite(dataset.id, $0, chdf5_all(), chdf5_all(), chdf5_default(), $1) }
                } catch {
                    throw failure("write dataset", target, error)
                }
            }
            return dataset
        }
    }

    /// Writes `array` as a new dataset at `path`; see `write(_:values:shape:deflateLevel:)`.
    @discardableResult
    public func write<Element: HDF5Element>(_ path: String, array: StoredArray<Element>, deflateLevel: Int? = nil) throws -> HDF5Dataset {
        try write(path, values: array.values, shape: array.shape, deflateLevel: deflateLevel)
    }

    /// Reads the whole dataset at `path` as `Element`s; throws `typeMismatch` if it stores
    /// another type (no silent conversion).
    public func read<Element: HDF5Element>(_ path: String, as type: Element.Type = Element.self) throws -> StoredArray<Element> {
        try dataset(path).read(as: type)
    }

    /// Creates an empty dataset at `path` that grows along its first dimension, for writing
    /// millions of rows in blocks with flat memory.
    ///
    /// - Parameters:
    ///   - rowShape: the shape of one row (`[]` for a scalar per row, `[T]` for token rows).
    ///   - rowsPerChunk: rows per HDF5 chunk; the default aims at about 256 KiB per chunk.
    ///   - deflateLevel: 0–9 for gzip compression, nil for none. For strings HDF5 compresses
    ///     only the references; the characters live uncompressed in the file's global heap.
    public func createAppendableDataset<Element: HDF5Element>(
        _ path: String, of type: Element.Type, rowShape: [Int] = [], rowsPerChunk: Int? = nil, deflateLevel: Int? = nil
    ) throws -> AppendableDataset<Element> {
        guard rowShape.allSatisfy({ $0 > 0 }) else {
            throw StorageError.invalidArgument("\(file.path):\(absolutePath(path)): row shape \(rowShape) must have positive dimensions")
        }
        if let rowsPerChunk, rowsPerChunk <= 0 {
            throw StorageError.invalidArgument("\(file.path):\(absolutePath(path)): rowsPerChunk must be positive, not \(rowsPerChunk)")
        }
        return try HDF5Library.locked {
            let rows = rowsPerChunk ?? defaultRowsPerChunk(rowShape: rowShape, element: Element.elementType)
            let dataset = try createDataset(
                path, element: Element.elementType, shape: [0] + rowShape,
                layout: .chunked(rows: rows, maxRows: nil, deflateLevel: deflateLevel))
            return try AppendableDataset(dataset: dataset)
        }
    }

    /// Opens an existing dataset at `path` whose first dimension is unlimited, to append more rows.
    public func appendableDataset<Element: HDF5Element>(_ path: String, of type: Element.Type) throws -> AppendableDataset<Element> {
        try AppendableDataset(dataset: dataset(path))
    }

    enum DatasetLayout {
        case contiguous
        /// `maxRows` nil: the first dimension is unlimited.
        case chunked(rows: Int, maxRows: Int?, deflateLevel: Int?)
    }

    /// Why about 256 KiB: large enough for efficient compression and I/O, small enough to fit
    /// HDF5's default 1 MiB chunk cache, so appending small blocks does not thrash.
    func defaultRowsPerChunk(rowShape: [Int], element: HDF5ElementType) -> Int {
        let rowBytes = max(1, rowShape.reduce(1, *) * element.storedSize)
        return min(max(1, 262_144 / rowBytes), 1 << 20)
    }

    func createDataset(_ path: String, element: HDF5ElementType, shape: [Int], layout: DatasetLayout) throws -> HDF5Dataset {
        let target = absolutePath(path)
        try ensureWritable(target)
        guard !contains(path) else { throw StorageError.alreadyExists(path: target, file: file.path) }
        try createGroups(along: path, includingLast: false)

        let type = element == .string ? makeVariableStringType() : element.fileType
        defer { if element == .string { _ = H5Tclose(type) } }
        let properties = H5Pcreate(chdf5_datasetCreate())
        defer { _ = H5Pclose(properties) }
        guard type >= 0, properties >= 0 else { throw failure("create dataset", target) }
        _ = H5Pset_obj_track_times(properties, false)

        var maxShape: [Int?]? = nil
        if case let .chunked(rows, maxRows, deflateLevel) = layout {
            maxShape = [maxRows] + shape.dropFirst().map { Optional($0) }
            let chunk = [hsize_t(maxRows.map { min(rows, $0) } ?? rows)] + shape.dropFirst().map { hsize_t($0) }
            guard H5Pset_chunk(properties, Int32(chunk.count), chunk) >= 0 else { throw failure("create dataset", target) }
            if let deflateLevel {
                guard (0...9).contains(deflateLevel) else {
                    throw StorageError.invalidArgument("\(file.path):\(target): deflate level \(deflateLevel) is not in 0...9")
                }
                guard H5Zfilter_avail(H5Z_filter_t(chdf5_filterDeflate())) > 0 else {
                    throw StorageError.operationFailed(operation: "compress", path: target, file: file.path,
                                                       reason: "this HDF5 library was built without the deflate filter")
                }
                // Why shuffle: grouping the bytes of multi-byte numbers roughly doubles gzip's ratio.
                if element != .string, element.storedSize > 1 { _ = H5Pset_shuffle(properties) }
                guard H5Pset_deflate(properties, UInt32(deflateLevel)) >= 0 else { throw failure("create dataset", target) }
            }
            // Why Fletcher-32: each chunk carries its own checksum, so a damaged chunk is an error on
            // read even in a file whose whole-file checksum is not checked (h5py verifies it too).
            // HDF5 cannot apply it to variable-length strings, whose characters live in the heap.
            if element != .string {
                guard H5Pset_fletcher32(properties) >= 0 else { throw failure("create dataset", target) }
            }
        }
        let space = makeDataspace(shape, maxShape: maxShape)
        defer { _ = H5Sclose(space) }
        guard space >= 0 else { throw failure("create dataset", target) }
        let dataset = H5Dcreate2(id, path, type, space, chdf5_default(), properties, chdf5_default())
        guard dataset >= 0 else { throw failure("create dataset", target) }
        return HDF5Dataset(id: dataset, file: file, path: target)
    }
}
