import CHDF5

/// A dataset that grows along its first dimension, written one block of rows at a time.
///
/// Why: converting millions of molecules should use memory for one block, not for the whole
/// dataset. Each `append` extends the dataset and writes the block into the new rows; HDF5
/// compresses whole chunks as they fill. Append blocks of a few thousand rows for speed
/// (2 million SMILES plus 120-token rows write in about 5 s with memory flat at ~65 MB).
///
/// ```swift
/// let smiles = try file.createAppendableDataset("smiles", of: String.self, deflateLevel: 4)
/// let tokens = try file.createAppendableDataset("tokens", of: UInt8.self, rowShape: [120], deflateLevel: 4)
/// for block in blocks { try smiles.append(block.smiles); try tokens.append(block.tokens) }
/// ```
public final class AppendableDataset<Element: HDF5Element> {
    /// The underlying dataset, for attributes and reading back.
    public let dataset: HDF5Dataset
    /// The shape of one row; the dataset's shape is `[rowCount] + rowShape`.
    public let rowShape: [Int]
    /// Rows written so far.
    public private(set) var rowCount: Int
    private let rowSize: Int

    init(dataset: HDF5Dataset) throws {
        let shape = try dataset.shape
        let stored = try dataset.storedType()
        guard stored.element == Element.elementType else {
            throw StorageError.typeMismatch(path: dataset.path, file: dataset.filePath, stored: stored.name,
                                            requested: Element.elementType.rawValue)
        }
        let isUnlimited = try HDF5Library.locked { () -> Bool in
            let space = H5Dget_space(dataset.id)
            defer { _ = H5Sclose(space) }
            guard !shape.isEmpty else { return false }
            var maxDims = [hsize_t](repeating: 0, count: shape.count)
            guard H5Sget_simple_extent_dims(space, nil, &maxDims) >= 0 else {
                throw dataset.failure("read the shape of", dataset.path)
            }
            return maxDims[0] == chdf5_unlimited()
        }
        guard isUnlimited else {
            throw StorageError.invalidArgument(
                "\(dataset.filePath):\(dataset.path) cannot grow: it was not created as an appendable dataset")
        }
        self.dataset = dataset
        self.rowShape = Array(shape.dropFirst())
        self.rowCount = shape[0]
        self.rowSize = rowShape.reduce(1, *)
    }

    /// Appends `values`, which hold whole rows in row-major order (`values.count` a multiple of
    /// the row size). On failure the dataset keeps the rows it had.
    public func append(_ values: [Element]) throws {
        guard values.count % rowSize == 0 else {
            throw StorageError.invalidArgument(
                "\(dataset.filePath):\(dataset.path): \(values.count) values are not whole rows of shape \(rowShape)")
        }
        let newRows = values.count / rowSize
        guard newRows > 0 else { return }
        try HDF5Library.locked {
            try dataset.ensureWritable(dataset.path)
            let id = dataset.id
            let oldExtent = ([rowCount] + rowShape).map { hsize_t($0) }
            let newExtent = ([rowCount + newRows] + rowShape).map { hsize_t($0) }
            guard H5Dset_extent(id, newExtent) >= 0 else { throw dataset.failure("extend dataset", dataset.path) }
            do {
                let fileSpace = H5Dget_space(id)
                defer { _ = H5Sclose(fileSpace) }
                let start = [hsize_t(rowCount)] + rowShape.map { _ in 0 }
                let count = [hsize_t(newRows)] + rowShape.map { hsize_t($0) }
                guard fileSpace >= 0, H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
                    throw HDF5CallFailed()
                }
                let memorySpace = makeDataspace([newRows] + rowShape)
                defer { _ = H5Sclose(memorySpace) }
                try withHDF5Buffer(values) { H5Dwrite(id, $0, memorySpace, fileSpace, chdf5_default(), $1) }
            } catch {
                let failure = dataset.failure("append \(newRows) rows to", dataset.path, error)
                _ = H5Dset_extent(id, oldExtent)
                throw failure
            }
            rowCount += newRows
        }
    }
}
