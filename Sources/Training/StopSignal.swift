import Foundation

/// The one place that turns SIGINT and SIGTERM into a polite request to stop. Long jobs (training,
/// conversion) poll `isRequested` between units of work, save or clean up, and return; a second
/// signal while a stop is pending ends the process at once, as a user pressing Ctrl-C twice expects.
public enum StopSignal {
    /// Makes SIGINT and SIGTERM set the request instead of killing the process.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in
            if stopFlag != 0 { _exit(130) }
            stopFlag = 1
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Whether a stop was requested since the last `clear()`.
    public static var isRequested: Bool { stopFlag != 0 }

    /// Requests a stop as a signal would (tests and embedding applications).
    public static func request() { stopFlag = 1 }

    /// Forgets an earlier request (a new job starts).
    public static func clear() { stopFlag = 0 }
}

/// Written from the signal handler, read between units of work.
nonisolated(unsafe) private var stopFlag: sig_atomic_t = 0
