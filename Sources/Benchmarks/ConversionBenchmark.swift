import Chem
import Datasets
import Foundation

/// Measures `DatasetConverter` on a real file: the figures `molgen bench convert` prints.
public enum ConversionBenchmark {
    /// Converts `input` (at most `limit` molecules) with the work RDKit Python is compared on in
    /// `tools/bench/convert-vs-rdkit` (parse, canonicalize, logP, QED, SAS; plus tokenizing and
    /// writing HDF5, which the Python side skips) into a temporary file, removed afterwards.
    /// - Returns: `name=value` pairs: molecules, converted, workers, seconds, molecules_per_s,
    ///   cpu_ms_per_molecule (process CPU time per molecule: what the rate would be per core on an
    ///   idle machine, useful when other work shares the cores), peak_rss_mb.
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
        // Load the SAS fragment table before timing, as tools/bench/rdkit_convert.py does: a
        // one-off cost of about half a second that would otherwise dominate small runs.
        _ = try? Chem.analyze(smiles: "C", canonicalize: true, properties: options.properties)
        let cpuBefore = processCPUSeconds()
        let summary = try DatasetConverter(options: options).convert(inputs: [input], output: output)
        let cpu = processCPUSeconds() - cpuBefore
        return [
            ("molecules", "\(summary.read)"),
            ("converted", "\(summary.converted)"),
            ("workers", "\(workers)"),
            ("seconds", String(format: "%.3f", summary.seconds)),
            ("molecules_per_s", String(format: "%.1f", Double(summary.read) / summary.seconds)),
            ("cpu_ms_per_molecule", String(format: "%.3f", cpu * 1000 / Double(max(summary.read, 1)))),
            ("peak_rss_mb", String(format: "%.1f", peakResidentMegabytes())),
        ]
    }
}
