import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import WebApp

/// `molgen serve` itself: it refuses a bad model at start, and otherwise prints its address and answers.
final class ServeCommandTests: XCTestCase {
    /// The molgen binary, built next to the test bundle by `swift build --build-tests`.
    var molgen: URL {
        let products = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).deletingLastPathComponent()
        return products.appendingPathComponent("molgen")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = molgen
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    func testABadModelFileStopsServeAtStartWithTheUsualError() throws {
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("serve-junk-\(getpid()).h5")
        try Data("not a model".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let bad = try run(["serve", "--model", junk.path, "--port", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("\(junk.path) is not an HDF5 file"), bad.stderr)
        let missing = try run(["serve", "--model", "no-such-model.h5", "--port", "0"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--model: no-such-model.h5 does not exist"), missing.stderr)
    }

    func testServePrintsItsLoopbackAddressAndAnswers() throws {
        let process = Process()
        process.executableURL = molgen
        process.arguments = ["serve", "--port", "0"]
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        // The first line is url=http://127.0.0.1:PORT/.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let url = String(decoding: line, as: UTF8.self)
        XCTAssertTrue(url.hasPrefix("url=http://127.0.0.1:"), url)
        let address = try XCTUnwrap(URL(string: String(url.dropFirst(4)) + "api/model"))
        let answer = try Data(contentsOf: address)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["model"] as? String, "default.h5")
    }

    func testOnlyLoopbackAddressesCountAsLocal() {
        var options = ServerOptions()
        for host in ["127.0.0.1", "localhost", "::1"] { options.host = host; XCTAssertTrue(options.isLoopback, host) }
        for host in ["0.0.0.0", "::", "192.168.1.10"] { options.host = host; XCTAssertFalse(options.isLoopback, host) }
    }
}
