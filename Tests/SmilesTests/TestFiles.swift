import Foundation
import XCTest

/// A scratch folder per test case, removed afterwards.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-smiles-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name` and returns its path.
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `text` gzipped by the system's `gzip`, so the reader is tested against real gzip output.
    func writeGzip(_ name: String, _ text: String) throws -> String {
        let plain = try write(String(name.dropLast(3)), text)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-f", plain]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "gzip failed")
        return plain + ".gz"
    }
}

/// The repository's `datasets/` folder (found from this file's path, so tests run from anywhere).
let datasetsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("datasets")

/// Every MOSES file in `datasets/`: the shipped samples and, if fetched, the full splits.
func mosesFiles() -> [String] {
    var files = ["moses-train-50k.csv.gz", "moses-test-5k.csv.gz"].map { datasetsDirectory.appendingPathComponent($0).path }
    let full = datasetsDirectory.appendingPathComponent("moses")
    if let names = try? FileManager.default.contentsOfDirectory(atPath: full.path) {
        files += names.filter { $0.hasSuffix(".csv.gz") }.sorted().map { full.appendingPathComponent($0).path }
    }
    return files
}
