import CZlib
import Foundation

/// A CRC-32 of an HDF5 file's bytes, stored in the file's user block and checked before HDF5
/// parses the file.
///
/// Why: libhdf5 trusts what it reads. A flipped bit or a zeroed block in a model can crash it
/// (segfaults in its heap and selection code), send it into an endless loop, or load wrong
/// weights without a word. A checksum over every byte turns all of these into one line.
///
/// Every file written with `HDF5File.writeAtomically` reserves a 512-byte user block at its start
/// (HDF5, h5py and h5dump skip it and find the file at offset 512). After the file is complete
/// and closed, its first line becomes `MOLGEN-CHECKSUM 1 crc32=XXXXXXXX bytes=N`: the CRC-32
/// (zlib's, as Python's `zlib.crc32(data[512:])`) of the N bytes after the user block.
/// Files without a user block (older MolGen files, h5py files) have nothing to check; they are
/// read with size checks only (see DESIGN.md, "What is verified when").
enum FileChecksum {
    static let userBlockSize = 512
    static let tag = "MOLGEN-CHECKSUM 1 "
    private static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    enum Status: Equatable {
        /// The stamp matched every byte.
        case verified
        /// The file carries no stamp (it starts with HDF5's own signature, or is not HDF5 at all).
        case absent
    }

    /// Computes the checksum of the finished file at `path` and writes it into its user block.
    static func stamp(_ path: String) throws {
        let descriptor = Foundation.open(path, O_RDWR)
        guard descriptor >= 0 else { throw failure(path, "cannot open it to write its checksum: \(String(cString: strerror(errno)))") }
        defer { Foundation.close(descriptor) }
        let (crc, count) = try checksum(descriptor, path: path)
        var line = Array("\(tag)crc32=\(String(format: "%08x", crc)) bytes=\(count)\n".utf8)
        line += [UInt8](repeating: 0, count: 64 - line.count % 64)
        guard pwrite(descriptor, line, line.count, 0) == line.count else {
            throw StorageError.fileSystem(operation: "write the checksum of", file: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Checks the stamp of the file at `path`, if it has one.
    /// - Throws: `StorageError.damaged` when the stamp is missing from a file with a user block,
    ///   unreadable, or does not match the bytes.
    static func verify(_ path: String) throws -> Status {
        let descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor >= 0 else { return .absent }  // HDF5File.open reports why
        defer { Foundation.close(descriptor) }
        var head = [UInt8](repeating: 0, count: userBlockSize + hdf5Signature.count)
        let read = pread(descriptor, &head, head.count, 0)
        guard read == head.count else { return .absent }
        let stamped = head.starts(with: Array(tag.utf8))
        guard stamped else {
            // A user block with HDF5's signature after it but no stamp: the stamp was damaged.
            if Array(head[userBlockSize...]) == hdf5Signature {
                throw failure(path, "its checksum line is missing or damaged")
            }
            return .absent
        }
        let end = head.firstIndex(of: 0x0A) ?? 0
        // The rest of the user block is zeros as written, so every byte of the file is checked.
        guard end > 0, head[(end + 1)..<userBlockSize].allSatisfy({ $0 == 0 }) else {
            throw failure(path, "its checksum line is damaged")
        }
        let fields = String(decoding: head[tag.utf8.count..<end], as: UTF8.self).split(separator: " ")
        guard fields.count == 2, fields[0].hasPrefix("crc32="), fields[1].hasPrefix("bytes="),
              let expectedCRC = UInt32(fields[0].dropFirst(6), radix: 16), let expectedCount = Int(fields[1].dropFirst(6))
        else { throw failure(path, "its checksum line is damaged") }
        let (crc, count) = try checksum(descriptor, path: path)
        guard count == expectedCount else {
            throw failure(path, "it holds \(count) bytes after its header where MolGen wrote \(expectedCount) (truncated or appended to)")
        }
        guard crc == expectedCRC else { throw failure(path, "its bytes do not match the checksum MolGen wrote") }
        return .verified
    }

    /// CRC-32 and count of the bytes after the user block.
    private static func checksum(_ descriptor: Int32, path: String) throws -> (UInt32, Int) {
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var crc = crc32(0, nil, 0)
        var offset = off_t(userBlockSize)
        var total = 0
        while true {
            let count = pread(descriptor, buffer, chunk, offset)
            guard count >= 0 else {
                throw StorageError.fileSystem(operation: "read", file: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            crc = crc32(crc, buffer.assumingMemoryBound(to: Bytef.self), uInt(count))
            offset += off_t(count)
            total += count
        }
        return (UInt32(crc), total)
    }

    private static func failure(_ path: String, _ reason: String) -> StorageError {
        .damaged(file: path, reason: reason)
    }
}
