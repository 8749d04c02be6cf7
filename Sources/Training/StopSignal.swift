import Foundation
import Storage

/// The one place that turns SIGINT and SIGTERM into a polite request to stop. Long jobs (training,
/// conversion, encoding) poll `isRequested` between units of work, save or clean up, and return.
///
/// Why a watchdog thread as well: a unit of work can take long (a batch inside RDKit, a
/// checkpoint), and a signal handler may not touch files. If the job has not stopped `grace`
/// seconds after the signal (never, for nil), or at once on a second signal, the watchdog removes
/// every temporary file the process is writing (`TemporaryFiles`) and exits with 128 + the signal
/// number, so an interrupt is always prompt and never leaves temporaries behind.
public enum StopSignal {
    /// Makes SIGINT and SIGTERM set the request instead of killing the process. Training passes
    /// no grace (a checkpoint is worth waiting for); commands that only clean up pass a few seconds.
    public static func install(grace: Double? = nil) {
        let handler: @convention(c) (Int32) -> Void = { signal in
            receivedSignal = signal
            signalCount += 1
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        guard !watchdogStarted else { return }
        watchdogStarted = true
        let watchdog = Thread {
            while signalCount == 0 { usleep(50_000) }
            let deadline = grace.map { Date().addingTimeInterval($0) } ?? .distantFuture
            while signalCount < 2 && Date() < deadline { usleep(50_000) }
            TemporaryFiles.removeAll()
            standardError("interrupted; nothing more was written\n")
            _exit(128 + receivedSignal)
        }
        watchdog.start()
    }

    /// Whether a stop was requested since the last `clear()`.
    public static var isRequested: Bool { signalCount != 0 || requested }

    /// Requests a stop as a signal would, without the watchdog (tests and embedding applications).
    public static func request() { requested = true }

    /// Forgets an earlier `request()` (a new job starts).
    public static func clear() { requested = false }
}

/// Written from the signal handler, read between units of work and by the watchdog.
nonisolated(unsafe) private var signalCount: sig_atomic_t = 0
nonisolated(unsafe) private var receivedSignal: sig_atomic_t = 0
nonisolated(unsafe) private var requested = false
nonisolated(unsafe) private var watchdogStarted = false
