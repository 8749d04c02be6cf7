import Foundation

/// Checks the global heap collections of an HDF5 file that carries no checksum, before HDF5 reads
/// a variable-length string from it.
///
/// Why: libhdf5 (1.10) trusts the size of each object in a global heap collection (where
/// variable-length strings live: SMILES, vocabularies, names) and copies that many bytes. One
/// flipped bit in a size (0x2b became 0x0800002b) made it copy 128 MiB past its buffer and crash
/// `encode`, `decode` and model loading with SIGSEGV (found by flipping bits in files without a
/// checksum, see `DamagedFileCommandTests`), and a free space of size 0 made it loop for ever
/// (found by `tools/fuzz hdf5`). A file with MolGen's checksum is verified whole
/// (`FileChecksum`); for others this walks every collection as libhdf5 will and refuses one whose
/// objects run past its end or do not move forward.
///
/// Layout (HDF5 file format spec, "Global Heap"): "GCOL", version 1, three reserved bytes, the
/// collection size (8 bytes, the size of lengths every MolGen and h5py file uses), then objects
/// of a 2-byte index (0: free space), a 2-byte reference count, 4 reserved bytes, an 8-byte size
/// and the data padded to 8 bytes.
enum GlobalHeapCheck {
    private static let signature: [UInt8] = Array("GCOL".utf8) + [1, 0, 0, 0]
    private static let headerSize = 16
    private static let objectHeaderSize = 16

    /// Throws `StorageError.damaged` naming the first collection whose objects do not fit in it.
    static func verify(_ path: String) throws {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return }  // open reports why
        let problem: String? = data.withUnsafeBytes { (file: UnsafeRawBufferPointer) -> String? in
            var from = 0
            while let start = find(signature, in: file, from: from) {
                if let problem = check(collectionAt: start, in: file) { return problem }
                from = start + signature.count
            }
            return nil
        }
        if let problem { throw StorageError.damaged(file: path, reason: problem) }
    }

    /// Why the collection at byte `start` of `file` is damaged, or nil.
    private static func check(collectionAt start: Int, in file: UnsafeRawBufferPointer) -> String? {
        guard start + headerSize <= file.count else { return "a global heap collection at byte \(start) is cut off" }
        let size = Int(clamping: file.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self).littleEndian)
        guard size >= headerSize, size <= file.count - start else {
            return "the global heap collection at byte \(start) claims \(size) bytes, past the end of the file"
        }
        // Walked as libhdf5 walks it (H5HG__cache_heap_deserialize): every object, the free
        // space (index 0, whose size includes its header) too, each step forward and inside.
        var offset = headerSize
        while offset + objectHeaderSize <= size {
            let index = file.loadUnaligned(fromByteOffset: start + offset, as: UInt16.self).littleEndian
            let objectSize = file.loadUnaligned(fromByteOffset: start + offset + 8, as: UInt64.self).littleEndian
            let remaining = UInt64(size - offset)
            let step = index == 0 ? objectSize : objectSize > remaining ? .max : UInt64(objectHeaderSize) + (objectSize + 7) & ~7
            if index == 0 && objectSize == 0 {
                return "the free space of the global heap collection at byte \(start) has size 0"  // libhdf5 loops for ever
            }
            guard step <= remaining else {
                let what = index == 0 ? "the free space" : "object \(index)"
                return "\(what) of the global heap collection at byte \(start) claims \(objectSize) bytes, past the collection's end (\(size) bytes)"
            }
            offset += Int(step)
        }
        return nil
    }

    /// The first offset at or after `from` where `pattern` starts in `bytes` (memchr for its
    /// first byte, then a compare: Glibc's module has no memmem).
    private static func find(_ pattern: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = from
        while offset + pattern.count <= bytes.count {
            guard let hit = memchr(base + offset, Int32(pattern[0]), bytes.count - offset) else { return nil }
            let start = UnsafeRawPointer(hit) - base
            guard start + pattern.count <= bytes.count else { return nil }
            if memcmp(base + start, pattern, pattern.count) == 0 { return start }
            offset = start + 1
        }
        return nil
    }
}
