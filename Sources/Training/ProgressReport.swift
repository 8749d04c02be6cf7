import Foundation

/// Writes to standard error. Why fwrite: FileHandle's write traps when the stream cannot be written.
func standardError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = fwrite(bytes, 1, bytes.count, stderr)
}

/// A one-line progress bar on stderr with rate and ETA, drawn only when stderr is a terminal and
/// at most ten times a second.
public final class ProgressBar {
    public let isEnabled = isatty(STDERR_FILENO) != 0
    /// Seconds between progress lines when stderr is not a terminal (MOLGEN_PROGRESS_SECONDS
    /// overrides it, for tests and impatient logs).
    public static let lineInterval = Double(ProcessInfo.processInfo.environment["MOLGEN_PROGRESS_SECONDS"] ?? "") ?? 60
    private var lastDraw = 0.0

    public init() {}

    public func update(fraction: Double, elapsed: Double, count: Int, unit: String, suffix: String = "") {
        guard isEnabled, elapsed - lastDraw >= 0.1 || fraction >= 1 else { return }
        lastDraw = elapsed
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > 0 ? Double(count) / elapsed : 0
        let eta = fraction > 0.001 ? elapsed * (1 - fraction) / fraction : .nan
        let line = String(format: "\r[%@] %5.1f%% %@ %@ %@/s ETA %@ %@", bar, fraction * 100, Self.grouped(count), unit,
                          Self.grouped(Int(rate)), Self.duration(eta), suffix)
        standardError(line)
    }

    /// Ends the bar's line so later output starts on a fresh one.
    public func finish() {
        if isEnabled && lastDraw > 0 { standardError("\n") }
        lastDraw = 0
    }

    public static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

/// Progress of a counted job on stderr: the bar on a terminal, else a line a minute
/// (`MOLGEN_PROGRESS_SECONDS`), so logs of long runs show they are alive.
public final class CountedProgress {
    private let bar = ProgressBar()
    private let total: Int
    private let unit: String
    private let start = Date()
    private var lastLine = Date()

    public init(total: Int, unit: String) {
        self.total = max(total, 1)
        self.unit = unit
    }

    public func update(done: Int) {
        update(fraction: Double(done) / Double(total), count: done)
    }

    /// For jobs whose total is known as a share (of an input file) rather than a count.
    public func update(fraction: Double, count: Int) {
        let elapsed = Date().timeIntervalSince(start)
        bar.update(fraction: fraction, elapsed: elapsed, count: count, unit: unit)
        if !bar.isEnabled, Date().timeIntervalSince(lastLine) >= ProgressBar.lineInterval {
            lastLine = Date()
            standardError(String(format: "%d %@ (%.1f%%), %.0f s\n", count, unit, 100 * fraction, elapsed))
        }
    }

    public func finish() { bar.finish() }
}

/// How a training command shows a run: a progress bar on a terminal (a line a minute otherwise)
/// on stderr, and each epoch's record as `name=value` pairs on stdout.
public final class TrainingReport {
    let unit: String
    /// Terms left out of the progress line (noisy diagnostics).
    let hiddenTerms: Set<String>
    let bar = ProgressBar()
    let start = Date()
    var lastLine = Date.distantPast

    /// `unit` names the items of the rate ("mol", "img").
    public init(unit: String, hiddenTerms: Set<String> = []) {
        self.unit = unit; self.hiddenTerms = hiddenTerms
    }

    public func progress(_ p: TrainingProgress) {
        let terms = p.terms.keys.sorted().filter { !hiddenTerms.contains($0) }
            .map { "\($0) \(String(format: "%.4g", p.terms[$0]!))" }.joined(separator: " ")
        let rate = String(format: "%.0f \(unit)/s", p.itemsPerSecond)
        if bar.isEnabled {
            bar.update(fraction: Double(p.batch) / Double(p.batches), elapsed: Date().timeIntervalSince(start), count: p.batch,
                       unit: "batches", suffix: "epoch \(p.epoch)/\(p.epochs) \(terms) \(rate)")
        } else if Date().timeIntervalSince(lastLine) >= ProgressBar.lineInterval || p.batch == p.batches {
            lastLine = Date()
            standardError("epoch \(p.epoch)/\(p.epochs) batch \(p.batch)/\(p.batches) \(terms) \(rate)\n")
        }
    }

    /// Prints the record, `epoch` first and the rest sorted; whole numbers without decimals.
    public func epochFinished(_ record: [String: Double]) {
        bar.finish()
        print(Self.line(record))
        fflush(stdout)
    }

    public func finish() { bar.finish() }

    public static func line(_ record: [String: Double]) -> String {
        record.keys.sorted { ($0 == "epoch" ? "" : $0) < ($1 == "epoch" ? "" : $1) }.map { name in
            let v = record[name]!
            return "\(name)=" + (v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.6g", v))
        }.joined(separator: " ")
    }
}
