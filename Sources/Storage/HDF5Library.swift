import CHDF5
import Foundation

/// Process-wide access to the HDF5 C library.
///
/// HDF5 "serial" is not thread-safe: two threads inside the library at once corrupt its global
/// state. Every call this module makes goes through `HDF5Library.locked`, which holds one
/// process-wide recursive lock for the duration of that call only. The lock is never held while
/// user code runs (for example the body of `HDF5File.writeAtomically`), so it cannot deadlock.
/// Objects (`HDF5File`, `HDF5Group`, `HDF5Dataset`, `AppendableDataset`) are still meant to be
/// used from one thread at a time; different files may be used from different threads.
enum HDF5Library {
    /// Opens the library and silences its automatic error printing, once per process.
    /// Why: users should see a single `StorageError` line, not HDF5's error stack on stderr.
    /// Why no clean-up at exit (`H5dont_atexit`): when closing a file fails (a full disk, so its
    /// last flush cannot be written), HDF5 1.10 keeps a half-closed file in its tables, and its
    /// exit handler then flushed it again and crashed (SIGSEGV in H5F__close) after the error was
    /// printed. Every file MolGen writes is closed explicitly (`writeAtomically`), and files open
    /// for reading need nothing at exit, so there is nothing for the handler to do.
    private static let initialized: Bool = {
        H5dont_atexit() >= 0 && H5open() >= 0 && chdf5_silenceErrors() >= 0
    }()

    private static let lock = NSRecursiveLock()

    /// Runs `body` holding the library lock, after making sure the library is initialized.
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        _ = initialized
        return try body()
    }

    /// The innermost message on HDF5's current error stack, e.g. "truncated file: eof = 1024, ...".
    /// Why: HDF5's own description of the deepest failure is usually the useful part.
    static func lastErrorMessage() -> String {
        final class Box { var messages: [String] = [] }
        let box = Box()
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        let walker: H5E_walk2_t = { _, description, clientData in
            guard let description, let clientData else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(clientData).takeUnretainedValue()
            if let text = description.pointee.desc {
                box.messages.append(String(cString: text))
            }
            return 0
        }
        _ = H5Ewalk2(chdf5_errorDefault(), H5E_WALK_UPWARD, walker, unmanaged.toOpaque())
        let message = box.messages.first(where: { !$0.isEmpty }) ?? "no detail from HDF5"
        return oneLine(message)
    }
}

/// Collapses whitespace runs (including newlines) so a message stays on one line.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// Closes an HDF5 identifier of any kind; errors are ignored because this runs in cleanup paths.
func closeIdentifier(_ id: hid_t) {
    guard id >= 0 else { return }
    switch H5Iget_type(id) {
    case H5I_FILE: _ = H5Fclose(id)
    case H5I_GROUP: _ = H5Gclose(id)
    case H5I_DATASET: _ = H5Dclose(id)
    case H5I_ATTR: _ = H5Aclose(id)
    case H5I_DATATYPE: _ = H5Tclose(id)
    case H5I_DATASPACE: _ = H5Sclose(id)
    case H5I_GENPROP_LST: _ = H5Pclose(id)
    default: break
    }
}
