import ArgumentParser
import Chem
import Foundation
import Smiles
import Storage

extension SmilesTokenizer: ExpressibleByArgument {}

/// Writes one line to standard error (diagnostics and progress never go to stdout).
/// Why fwrite: FileHandle's write traps when the stream cannot be written.
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = fwrite(bytes, 1, bytes.count, stderr)
}

/// Parses `logp,qed,sas,mw,plogp` (any case, any order, no repeats) for the option `option`.
func parseProperties(_ list: String, option: String = "--properties") throws -> [MolecularProperty] {
    var properties: [MolecularProperty] = []
    for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
        guard let property = MolecularProperty(name: name) else {
            throw ValidationError("\(option): unknown property '\(name)'; known: \(MolecularProperty.allCases.map(\.name).joined(separator: ","))")
        }
        guard !properties.contains(property) else { throw ValidationError("\(option): '\(name)' is listed twice") }
        properties.append(property)
    }
    return properties
}

/// Set by SIGINT or SIGTERM so long commands can stop cleanly (removing partial output) instead
/// of dying; counts the signals received.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0
nonisolated(unsafe) var interruptSignal: sig_atomic_t = 0

/// Routes Ctrl-C and SIGTERM to `interruptRequested`, which the command checks between batches.
///
/// Why a watchdog thread as well: a batch can take long inside RDKit, and a signal handler may
/// not do file work. If the command has not stopped on its own `grace` seconds after the signal
/// (or at once on a second signal), the watchdog removes every temporary file the process is
/// writing (`TemporaryFiles`) and exits with 128 + the signal number, so an interrupt is always
/// prompt and never leaves temporaries behind.
func installInterruptHandler(grace: Double = 2) {
    let handler: @convention(c) (Int32) -> Void = { signal in
        interruptSignal = signal
        interruptRequested += 1
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    let watchdog = Thread {
        while interruptRequested == 0 { usleep(50_000) }
        let deadline = Date().addingTimeInterval(grace)
        while interruptRequested < 2 && Date() < deadline { usleep(50_000) }
        TemporaryFiles.removeAll()
        printError("interrupted; nothing was written")
        _exit(128 + interruptSignal)
    }
    watchdog.start()
}

/// An option problem found while running (after argument parsing), printed without the usage line.
struct OptionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The user pressed Ctrl-C.
struct Interrupted: Error, CustomStringConvertible {
    var description: String { "interrupted; nothing was written" }
}

/// A one-line progress bar on stderr with rate and ETA, drawn only when stderr is a terminal and
/// at most ten times a second.
final class ProgressBar {
    let isEnabled = isatty(STDERR_FILENO) != 0
    /// Seconds between progress lines when stderr is not a terminal (MOLGEN_PROGRESS_SECONDS
    /// overrides it, for tests and impatient logs).
    static let lineInterval = Double(ProcessInfo.processInfo.environment["MOLGEN_PROGRESS_SECONDS"] ?? "") ?? 60
    private var lastDraw = 0.0

    func update(fraction: Double, elapsed: Double, count: Int, unit: String, suffix: String = "") {
        guard isEnabled, elapsed - lastDraw >= 0.1 || fraction >= 1 else { return }
        lastDraw = elapsed
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > 0 ? Double(count) / elapsed : 0
        let eta = fraction > 0.001 ? elapsed * (1 - fraction) / fraction : .nan
        let line = String(format: "\r[%@] %5.1f%% %@ %@ %@/s ETA %@ %@", bar, fraction * 100, Self.grouped(count), unit,
                          Self.grouped(Int(rate)), Self.duration(eta), suffix)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line so later output starts on a fresh one.
    func finish() {
        if isEnabled && lastDraw > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

/// Progress of a counted job on stderr: the bar on a terminal, else a line a minute
/// (`MOLGEN_PROGRESS_SECONDS`), so logs of long runs show they are alive.
final class CountedProgress {
    private let bar = ProgressBar()
    private let total: Int
    private let unit: String
    private let start = Date()
    private var lastLine = Date()

    init(total: Int, unit: String) {
        self.total = max(total, 1)
        self.unit = unit
    }

    func update(done: Int) {
        update(fraction: Double(done) / Double(total), count: done)
    }

    /// For jobs whose total is known as a share (of an input file) rather than a count.
    func update(fraction: Double, count: Int) {
        let elapsed = Date().timeIntervalSince(start)
        bar.update(fraction: fraction, elapsed: elapsed, count: count, unit: unit)
        if !bar.isEnabled, Date().timeIntervalSince(lastLine) >= ProgressBar.lineInterval {
            lastLine = Date()
            printError(String(format: "%d %@ (%.1f%%), %.0f s", count, unit, 100 * fraction, elapsed))
        }
    }

    func finish() { bar.finish() }
}
