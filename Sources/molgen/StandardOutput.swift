import Foundation

/// Writes `bytes` to standard output through C's buffered stdout (the same stream `print` uses),
/// throwing when the write fails instead of dying (FileHandle's write traps on a full disk).
func writeToStandardOutput(_ bytes: [UInt8]) throws {
    guard fwrite(bytes, 1, bytes.count, stdout) == bytes.count else { throw StandardOutputError(errno: errno) }
}

/// Flushes standard output; a failure (a full disk, /dev/full, a closed pipe) is an error, so a
/// command never exits 0 having lost its results.
func finishStandardOutput() throws {
    if fflush(stdout) != 0 { throw StandardOutputError(errno: errno) }
    if ferror(stdout) != 0 { throw StandardOutputError(errno: nil) }
}

struct StandardOutputError: Error, CustomStringConvertible {
    var errno: Int32?
    var description: String {
        "cannot write to standard output" + (errno.map { ": " + String(cString: strerror($0)) } ?? "")
            + "; the results were not all written"
    }
}
