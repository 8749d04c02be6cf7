import CHDF5

/// An HDF5 dataset: an n-dimensional array of one element type, with attributes.
public final class HDF5Dataset: HDF5Object {

    /// The current shape (`[]` for a scalar). Appendable datasets grow along the first dimension.
    public var shape: [Int] {
        get throws {
            try HDF5Library.locked {
                try ensureOpen()
                let space = H5Dget_space(id)
                defer { _ = H5Sclose(space) }
                guard space >= 0, let shape = extent(of: space) else { throw failure("read the shape of", path) }
                return shape
            }
        }
    }

    /// The stored element type, or nil if it is one this module cannot read (e.g. int16 or compound).
    public var elementType: HDF5ElementType? {
        get throws { try storedType().element }
    }

    /// The chunk shape, or nil for a contiguous (unchunked) dataset.
    public var chunkShape: [Int]? {
        get throws {
            try HDF5Library.locked {
                try ensureOpen()
                let properties = H5Dget_create_plist(id)
                defer { _ = H5Pclose(properties) }
                guard properties >= 0 else { throw failure("read the layout of", path) }
                guard H5Pget_layout(properties) == H5D_CHUNKED else { return nil }
                var dims = [hsize_t](repeating: 0, count: 32)
                let rank = H5Pget_chunk(properties, Int32(dims.count), &dims)
                guard rank >= 0 else { throw failure("read the layout of", path) }
                return dims.prefix(Int(rank)).map { Int($0) }
            }
        }
    }

    /// The gzip (deflate) level the dataset was written with, or nil if it is not compressed.
    public var deflateLevel: Int? {
        get throws {
            try HDF5Library.locked {
                try ensureOpen()
                let properties = H5Dget_create_plist(id)
                defer { _ = H5Pclose(properties) }
                guard properties >= 0 else { throw failure("read the filters of", path) }
                for index in 0..<max(0, H5Pget_nfilters(properties)) {
                    var flags: UInt32 = 0
                    var count = 1
                    var values: [UInt32] = [0]
                    var config: UInt32 = 0
                    let filter = H5Pget_filter2(properties, UInt32(index), &flags, &count, &values, 0, nil, &config)
                    if filter == H5Z_filter_t(chdf5_filterDeflate()) { return Int(values[0]) }
                }
                return nil
            }
        }
    }

    func storedType() throws -> StoredTypeInfo {
        try HDF5Library.locked {
            try ensureOpen()
            let type = H5Dget_type(id)
            defer { _ = H5Tclose(type) }
            guard type >= 0 else { throw failure("read the type of", path) }
            return StoredTypeInfo(type)
        }
    }

    /// Reads the whole dataset as `Element`s; throws `typeMismatch` if it stores another type.
    public func read<Element: HDF5Element>(as type: Element.Type = Element.self) throws -> StoredArray<Element> {
        try read(rowRange: nil, as: type)
    }

    /// Reads rows `rows` (along the first dimension) of the dataset, e.g. one training batch,
    /// without reading the rest. The result has shape `[rows.count] + shape.dropFirst()`.
    public func read<Element: HDF5Element>(rows: Range<Int>, as type: Element.Type = Element.self) throws -> StoredArray<Element> {
        try read(rowRange: rows, as: type)
    }

    private func read<Element: HDF5Element>(rowRange: Range<Int>?, as _: Element.Type) throws -> StoredArray<Element> {
        try HDF5Library.locked {
            try ensureOpen()
            let type = H5Dget_type(id)
            let fileSpace = H5Dget_space(id)
            defer { _ = H5Tclose(type); _ = H5Sclose(fileSpace) }
            guard type >= 0, fileSpace >= 0, let fullShape = extent(of: fileSpace) else { throw failure("read dataset", path) }
            let info = StoredTypeInfo(type)
            guard info.element == Element.elementType else {
                throw StorageError.typeMismatch(path: path, file: file.path, stored: info.name,
                                                requested: Element.elementType.rawValue)
            }
            var shape = fullShape
            var memorySpace = chdf5_all()
            if let rows = rowRange {
                guard let rowCount = fullShape.first, rows.lowerBound >= 0, rows.upperBound <= rowCount else {
                    throw StorageError.invalidArgument(
                        "\(file.path):\(path): rows \(rows) are outside the dataset's shape \(fullShape)")
                }
                shape[0] = rows.count
                if rows.isEmpty { return StoredArray(shape: shape, values: []) }
                let start = [hsize_t(rows.lowerBound)] + fullShape.dropFirst().map { _ in 0 }
                let count = shape.map { hsize_t($0) }
                guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
                    throw failure("select rows \(rows) of", path)
                }
                memorySpace = makeDataspace(shape)
            }
            defer { if memorySpace != chdf5_all() { _ = H5Sclose(memorySpace) } }
            let selectedSpace = rowRange == nil ? chdf5_all() : fileSpace
            try checkReadSize(elements: shape.reduce(1, *), storedType: type)
            do {
                let values = try readHDF5Values(count: shape.reduce(1, *), storedType: type, as: Element.self) {
                    H5Dread(id, $0, memorySpace, selectedSpace, chdf5_default(), $1)
                }
                return StoredArray(shape: shape, values: values)
            } catch {
                throw failure("read dataset", path, error)
            }
        }
    }

    /// Refuses a read larger than the file could hold, before HDF5 allocates for it.
    /// Why: a damaged header can claim billions of rows; in a file without a checksum this is
    /// the check that stands between it and an allocation that exhausts memory. Compressed chunks
    /// may expand, but deflate never by more than about 1032 to 1.
    func checkReadSize(elements: Int, storedType: hid_t) throws {
        let elementSize = max(1, H5Tget_size(storedType))
        let storage = Int(H5Dget_storage_size(id))
        let (product, overflow) = elements.multipliedReportingOverflow(by: elementSize)
        let limit = file.byteCount.multipliedReportingOverflow(by: 1100)
        guard !overflow, storage <= file.byteCount, limit.overflow || product <= max(limit.partialValue, 1 << 20) else {
            throw StorageError.damaged(file: file.path, reason: "dataset '\(path)' claims \(elements) elements, more than the file's \(file.byteCount) bytes can hold")
        }
    }

    /// Reads the dataset and checks its shape is `expectedShape`; throws `shapeMismatch` otherwise.
    public func read<Element: HDF5Element>(as type: Element.Type = Element.self, expectedShape: [Int]) throws -> [Element] {
        let stored = try shape
        guard stored == expectedShape else {
            throw StorageError.shapeMismatch(path: path, file: file.path, stored: stored, expected: expectedShape)
        }
        return try read(as: type).values
    }
}
