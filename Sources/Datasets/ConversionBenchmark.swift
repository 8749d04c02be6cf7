import Chem
import Foundation

/// Measures `DatasetConverter` on a real file: the figures `molgen bench convert` prints.
public enum ConversionBenchmark {
    /// Converts `input` (at most `limit` molecules) with the work RDKit Python is compared on in
    /// `tools/bench/convert-vs-rdkit` (parse, canonicalize, logP, QED, SAS; plus tokenizing and
    /// writing HDF5, which the Python side skips) into a temporary file, removed afterwards.
    /// - Returns: `name=value` pairs: molecules, converted, workers, seconds, molecules_per_s, peak_rss_mb.
    public static func run(input: String, limit: Int?, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [(name: String, value: String)] {
        var options = ConversionOptions()
        options.canonicalize = true
        options.properties = [.logP, .qed, .sas]
        options.limit = limit
        options.workers = workers
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("bench.h5").path
        let summary = try DatasetConverter(options: options).convert(inputs: [input], output: output)
        return [
            ("molecules", "\(summary.read)"),
            ("converted", "\(summary.converted)"),
            ("workers", "\(workers)"),
            ("seconds", String(format: "%.3f", summary.seconds)),
            ("molecules_per_s", String(format: "%.1f", Double(summary.read) / summary.seconds)),
            ("peak_rss_mb", String(format: "%.1f", peakResidentMegabytes())),
        ]
    }

    /// Peak resident memory of this process so far, in MB (`VmHWM` in /proc/self/status; 0 where absent).
    public static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
}
