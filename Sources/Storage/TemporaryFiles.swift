import Foundation

/// Names, tracks and cleans up the temporary files that atomic writes rename into place.
///
/// A temporary for `dir/out.h5` is `dir/.out.h5.molgen-PID-N.tmp`: hidden, beside its target (so
/// the final rename stays on one file system), and named after the process that writes it.
/// Why the process id: a run killed with SIGKILL cannot clean up after itself, so the next write
/// of the same target removes every `.out.h5.molgen-PID-*.tmp` whose process is gone, and leaves
/// those of live writers alone.
///
/// Every temporary handed out is remembered until `forget(_:)`, so a command stopping on a signal
/// can remove them all (`removeAll()`) before it exits.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live: Set<String> = []
    nonisolated(unsafe) private static var counter = 0

    /// A fresh temporary path for `path` in the same directory, registered for `removeAll()`.
    /// Stale temporaries of `path` left by dead processes are removed first.
    public static func make(for path: String) -> String {
        removeStale(for: path)
        let url = URL(fileURLWithPath: path)
        let directory = (path as NSString).deletingLastPathComponent
        lock.lock()
        counter += 1
        let name = "\(prefix(for: url.lastPathComponent))\(getpid())-\(counter).tmp"
        let temporary = directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
        live.insert(temporary)
        lock.unlock()
        return temporary
    }

    /// Stops tracking `temporary` (it was renamed into place or removed).
    public static func forget(_ temporary: String) {
        lock.lock()
        live.remove(temporary)
        lock.unlock()
    }

    /// Removes `temporary` and stops tracking it.
    public static func remove(_ temporary: String) {
        unlink(temporary)
        forget(temporary)
    }

    /// Syncs a finished temporary to disk and renames it over `path`: all or nothing. Why the sync:
    /// without it a crash soon after the rename can leave an empty file at the path. On failure
    /// the temporary is removed and the error names `path`.
    public static func moveIntoPlace(_ temporary: String, at path: String) throws {
        let descriptor = Foundation.open(temporary, O_RDONLY)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { Foundation.close(descriptor) }
            remove(temporary)
            throw StorageError.fileSystem(operation: "sync", file: path, reason: reason)
        }
        Foundation.close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            remove(temporary)
            throw StorageError.fileSystem(operation: "move the finished file into place at", file: path, reason: reason)
        }
        forget(temporary)
    }

    /// Removes every temporary this process still has open (used when a signal stops a command).
    public static func removeAll() {
        lock.lock()
        let paths = live
        live.removeAll()
        lock.unlock()
        for path in paths { unlink(path) }
    }

    /// The temporaries this process is writing now (for tests and diagnostics).
    public static var current: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return live
    }

    /// Removes temporaries of `path` whose writing process no longer exists.
    public static func removeStale(for path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let start = prefix(for: url.lastPathComponent)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(start) && name.hasSuffix(".tmp") {
            let middle = name.dropFirst(start.count).dropLast(4)
            guard let dash = middle.firstIndex(of: "-"), let pid = pid_t(middle[..<dash]),
                  Int(middle[middle.index(after: dash)...]) != nil else { continue }
            // kill(pid, 0) asks whether the process exists without signalling it.
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink((directory as NSString).appendingPathComponent(name))
            }
        }
    }

    private static func prefix(for name: String) -> String { ".\(name).molgen-" }
}

/// Writes `text` to `path` all or nothing: a temporary file beside it is written, synced and
/// renamed over `path`, so a failed or interrupted write leaves any previous file intact.
public func writeTextFileAtomically(_ text: String, to path: String) throws {
    let writer = try AtomicTextFile(path: path)
    try writer.write(text)
    try writer.commit()
}

/// A text file written in pieces under a temporary name and renamed into place by `commit()`
/// (streamed CSV outputs). Dropping it uncommitted removes the temporary.
public final class AtomicTextFile {
    public let path: String
    private let temporary: String
    private var handle: UnsafeMutablePointer<FILE>?

    public init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StorageError.fileSystem(operation: "write", file: path, reason: "the directory \(directory) does not exist")
        }
        temporary = TemporaryFiles.make(for: path)
        guard let handle = fopen(temporary, "w") else {
            let reason = String(cString: strerror(errno))
            TemporaryFiles.forget(temporary)
            throw StorageError.fileSystem(operation: "write", file: path, reason: reason)
        }
        self.handle = handle
    }

    deinit { discard() }

    public func write(_ text: String) throws {
        guard let handle else { throw StorageError.fileSystem(operation: "write", file: path, reason: "the file was already finished") }
        var text = text
        let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, handle) == $0.count }
        guard written else {
            let reason = String(cString: strerror(errno))
            discard()
            throw StorageError.fileSystem(operation: "write", file: path, reason: reason)
        }
    }

    /// Flushes, syncs and renames the temporary over `path`.
    public func commit() throws {
        guard let handle else { return }
        self.handle = nil
        let failed = fflush(handle) != 0
        let reason = String(cString: strerror(errno))
        if fclose(handle) != 0 || failed {
            TemporaryFiles.remove(temporary)
            throw StorageError.fileSystem(operation: "write", file: path, reason: failed ? reason : String(cString: strerror(errno)))
        }
        try TemporaryFiles.moveIntoPlace(temporary, at: path)
    }

    /// Closes and removes the temporary (after a failed run).
    public func discard() {
        guard let handle else { return }
        self.handle = nil
        fclose(handle)
        TemporaryFiles.remove(temporary)
    }
}
