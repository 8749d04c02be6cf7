import Foundation
import Smiles
import XCTest

/// A scratch folder per test, removed afterwards.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-datasets-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// Names of the files in the folder, sorted (hidden temporaries included).
    func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// The repository's `datasets/` folder, found from this file's path.
let datasetsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("datasets")

/// The first `count` molecules of the shipped MOSES test sample: real, valid drug-like SMILES.
func mosesSample(_ count: Int) throws -> [String] {
    let reader = try SmilesFileReader(path: datasetsDirectory.appendingPathComponent("moses-test-5k.csv.gz").path)
    return try reader.next(upTo: count).map(\.smiles)
}

/// Runs a command-line tool and returns its standard output; fails the test on a non-zero exit.
func runTool(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(arguments.joined(separator: " ")) failed", file: file, line: line)
    return String(decoding: data, as: UTF8.self)
}
