import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file line by line through zlib, so plain and gzipped files stream the same way with a
/// fixed-size buffer. Strips a leading UTF-8 byte-order mark and the `\r` of CRLF line ends.
final class ByteLineReader {
    let path: String
    private let file: gzFile
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    private var isFirstRead = true
    /// The 1-based number of the line most recently returned by ``nextLine(_:)``.
    private(set) var lineNumber = 0
    /// The size of the file on disk (compressed size for gzip).
    let fileSize: Int64
    /// The size of the text inside: the file size, or for gzip the size its trailer records
    /// (modulo 4 GiB, and only the last member's: a guess for progress, nothing more).
    let textSizeEstimate: Int64

    /// Opens `path`. A `.gz` file must start with the gzip magic bytes, so a mislabelled file gives
    /// a clear error instead of zlib's silent pass-through.
    init(path: String) throws {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SmilesFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw SmilesFileError.cannotOpen(path: path, reason: "is a directory")
        }
        fileSize = Int64(info.st_size)
        if path.hasSuffix(".gz") {
            try Self.checkGzipMagic(path: path)
            textSizeEstimate = Self.gzipTrailerSize(path: path) ?? 0
        } else {
            textSizeEstimate = fileSize
        }
        guard let file = gzopen(path, "rb") else {
            throw SmilesFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.file = file
        gzbuffer(file, 1 << 17)
        buffer = .allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit {
        gzclose(file)
        buffer.deallocate()
    }

    /// How far into the file on disk reading has got (compressed bytes for gzip; runs a buffer
    /// ahead of the lines returned).
    var bytesConsumed: Int64 { Int64(gzoffset(file)) }

    /// How much of the text the lines returned so far cover, 0...1, for progress reports.
    var fractionDone: Double {
        let position = Int64(gztell(file)) - Int64(end - start)  // the end of the last line returned
        if textSizeEstimate > 0 && position <= textSizeEstimate {
            return Double(position) / Double(textSizeEstimate)
        }
        // The trailer's size was wrong (several members, or over 4 GiB): fall back to the coarser
        // position in the compressed file.
        return fileSize > 0 ? min(1, Double(bytesConsumed) / Double(fileSize)) : 1
    }

    /// ISIZE from the last four bytes of a gzip file.
    private static func gzipTrailerSize(path: String) -> Int64? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var trailer: [UInt8] = [0, 0, 0, 0]
        guard fseek(handle, -4, SEEK_END) == 0, fread(&trailer, 1, 4, handle) == 4 else { return nil }
        return trailer.reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    private static func checkGzipMagic(path: String) throws {
        guard let handle = fopen(path, "rb") else {
            throw SmilesFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(handle) }
        var magic: [UInt8] = [0, 0]
        let count = fread(&magic, 1, 2, handle)
        guard count == 2, magic == [0x1f, 0x8b] else {
            throw SmilesFileError.unreadableGzip(path: path, reason: "not in gzip format")
        }
    }

    /// Calls `body` with the bytes of the next line (without its line end) and returns its result,
    /// or returns `nil` at the end of the file. The bytes are valid only during the call.
    func nextLine<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        var scanned = 0  // bytes after `start` already known to hold no newline
        while true {
            let from = start + scanned
            if let newline = memchr(buffer.baseAddress! + from, 0x0A, end - from) {
                let lineEnd = UnsafeRawPointer(newline) - UnsafeRawPointer(buffer.baseAddress!)
                let lineStart = start
                start = lineEnd + 1
                return try deliver(from: lineStart, to: lineEnd, body)
            }
            scanned = end - start
            if atEndOfFile {
                guard start < end else { return nil }
                let lineStart = start
                start = end
                return try deliver(from: lineStart, to: end, body)
            }
            try refill()
        }
    }

    private func deliver<R>(from lineStart: Int, to lineEnd: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        lineNumber += 1
        var stop = lineEnd
        if stop > lineStart && buffer[stop - 1] == 0x0D { stop -= 1 }
        return try body(UnsafeRawBufferPointer(rebasing: buffer[lineStart..<stop]))
    }

    /// Moves the unread bytes to the front, grows the buffer if a line fills it, and reads more.
    private func refill() throws {
        let pending = end - start
        if start > 0 {
            if pending > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: pending) }
            start = 0
            end = pending
        }
        if end == buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = larger
        }
        let read = gzread(file, buffer.baseAddress! + end, UInt32(buffer.count - end))
        if read < 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
            if code == Z_ERRNO {
                throw SmilesFileError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            throw SmilesFileError.unreadableGzip(path: path, reason: message)
        }
        if read == 0 {
            // zlib reports a truncated stream not as a failed read but as Z_BUF_ERROR at the end.
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
            if code == Z_BUF_ERROR {
                throw SmilesFileError.unreadableGzip(path: path, reason: message.isEmpty ? "unexpected end of file" : message)
            }
            atEndOfFile = true
        }
        end += Int(read)
        if isFirstRead {
            // gzread fills the request unless the file ends, so the first read holds any BOM whole.
            isFirstRead = false
            if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        }
    }
}
