import Foundation
import XCTest

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `molgen` binary built beside the tests (`swift build --build-tests` builds it too).
let molgenBinary: String = {
    let release = repositoryRoot.appendingPathComponent(".build/release/molgen").path
    return FileManager.default.isExecutableFile(atPath: release) ? release : repositoryRoot.appendingPathComponent(".build/debug/molgen").path
}()

/// How a `molgen` run ended.
struct Run {
    var status: Int32
    /// Whether it ended on a signal (a crash or a kill) rather than by exiting.
    var signalled: Bool
    var stdout: String
    var stderr: String
}

/// Runs `molgen arguments` in `directory`; `shell` is a prefix run by /bin/sh first (limits), and
/// `stdoutPath` sends standard output to a file such as /dev/full.
@discardableResult
func molgen(_ arguments: [String], in directory: URL, shell: String? = nil, stdoutPath: String? = nil,
            environment: [String: String] = [:], signal: (Int32, Double)? = nil) throws -> Run {
    let process = Process()
    let quoted = ([molgenBinary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", (shell.map { $0 + "; " } ?? "") + "exec " + quoted]
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = directory.appendingPathComponent(".stdout-\(UUID().uuidString)")
    let err = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
    process.standardOutput = try FileHandle(forWritingTo: stdoutPath.map { URL(fileURLWithPath: $0) } ?? out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    if let (number, delay) = signal {
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, number)
    }
    process.waitUntilExit()
    return Run(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
               stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
               stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("molgen-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Regressions for what fault injection found in the command line (issue 18).
final class CommandFaultTests: XCTestCase {
    let model = repositoryRoot.appendingPathComponent("models/default.h5").path
    let moses = repositoryRoot.appendingPathComponent("datasets/moses-test-5k.csv.gz").path

    /// Ten MOSES molecules as a .smi file, converted to a dataset with the default model's vocabulary.
    func makeInputs(in directory: URL) throws {
        let lines = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/ChemTests/Fixtures/rdkit-reference.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().prefix(10).map { $0.split(separator: ",")[0] }
        try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("b.smi"), atomically: true, encoding: .utf8)
        try molgen(["convert", "b.smi", "-o", "d.h5", "--vocab", model, "--canonicalize"], in: directory)
    }

    func testAnOutputThatIsAnInputIsRefusedAndTheInputKept() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeInputs(in: directory)
        try "smiles,name\nCCO,a\n".write(to: directory.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        try molgen(["encode", "b.smi", "--model", model, "-o", "z.csv"], in: directory)
        try FileManager.default.linkItem(at: directory.appendingPathComponent("d.h5"), to: directory.appendingPathComponent("hard.h5"))
        try FileManager.default.copyItem(atPath: model, toPath: directory.appendingPathComponent("e.h5").path)
        // The best-model file train writes beside its output (m.h5 -> m.best.h5) is checked too.
        try FileManager.default.copyItem(at: directory.appendingPathComponent("d.h5"), to: directory.appendingPathComponent("m.best.h5"))
        let cases: [[String]] = [
            ["train", "--data", "d.h5", "--output", "d.h5", "--preset", "tiny"],
            ["train", "--data", "d.h5", "--output", "hard.h5", "--preset", "tiny"],
            ["train", "--data", "./m.best.h5", "--output", "m.h5", "--preset", "tiny"],
            ["convert", "a.csv", "--output", "a.csv"],
            ["convert", "b.smi", "--output", "hard.h5", "--vocab", "d.h5"],
            ["encode", "b.smi", "--model", model, "--output", "b.smi"],
            ["encode", "d.h5", "--model", model, "--output", "d.h5"],
            ["decode", "--latents", "z.csv", "--model", model, "--output", "z.csv"],
            ["sample", "--model", "e.h5", "--output", "e.h5"],
            ["sample", "--model", "e.h5", "-n", "2", "--output", "s.csv", "--report", "e.h5"],
        ]
        let names = ["a.csv", "b.smi", "d.h5", "z.csv", "e.h5", "m.best.h5"]
        let before = try names.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
        for arguments in cases {
            let run = try molgen(arguments, in: directory)
            XCTAssertFalse(run.signalled, "\(arguments)")
            XCTAssertNotEqual(run.status, 0, "\(arguments)")
            XCTAssertTrue(run.stderr.hasPrefix("Error: "), "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("same file") || run.stderr.contains("this command writes"), "\(arguments): \(run.stderr)")
        }
        XCTAssertEqual(try names.map { try Data(contentsOf: directory.appendingPathComponent($0)) }, before)
    }

    func testStandardOutputThatCannotBeWrittenIsAnErrorWithANonZeroExit() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeInputs(in: directory)
        let cases: [[String]] = [
            ["properties", "b.smi"],
            ["convert", "b.smi", "-o", "x.h5"],
            ["sample", "--model", model, "-n", "2", "-o", "s.csv"],
            ["encode", "b.smi", "--model", model, "-o", "z.h5"],
        ]
        for arguments in cases {
            let run = try molgen(arguments, in: directory, stdoutPath: "/dev/full")
            XCTAssertFalse(run.signalled, "\(arguments): \(run.stderr)")
            XCTAssertNotEqual(run.status, 0, "\(arguments)")
            XCTAssertTrue(run.stderr.contains("cannot write to standard output"), "\(arguments): \(run.stderr)")
        }
    }

    func testHostileOptionsAreUsageErrorsNotCrashes() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeInputs(in: directory)
        let cases: [[String]] = [
            ["evaluate", "--model", model, "--test", "d.h5", "--method", "beam0"],
            ["evaluate", "--model", model, "--test", "d.h5", "--method", "beam-1"],
            ["evaluate", "--model", model, "--test", "d.h5", "--method", "beam100000"],
            ["sample", "--model", model, "-o", "s.csv", "--method", "beam", "--beam-width", "100000"],
            ["sample", "--model", model, "-o", "s.csv", "-n", "1000000000000"],
            ["train", "--data", "d.h5", "-o", "m.h5", "--batch-size", "100000000"],
            ["train", "--data", "d.h5", "-o", "m.h5", "--checkpoint-minutes", "nan"],
            ["convert", "b.smi", "-o", "x.h5", "--max-length", "1000000"],
            ["convert", "b.smi", "-o", "x.h5", "--threads", "100000"],
        ]
        for arguments in cases {
            let run = try molgen(arguments, in: directory)
            XCTAssertFalse(run.signalled, "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
        }
    }

    func testAFullDiskIsAnErrorAndACleanExitWithNoTemporariesLeft() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeInputs(in: directory)
        // `ulimit -f` (RLIMIT_FSIZE) with SIGXFSZ ignored: writes past 64 KiB fail as on a full disk.
        let limit = "trap '' XFSZ; ulimit -f 64"
        let cases: [[String]] = [
            ["convert", moses, "-o", "full.h5", "--limit", "3000"],
            ["encode", moses, "--model", model, "-o", "z.h5"],
        ]
        for arguments in cases {
            let run = try molgen(arguments, in: directory, shell: limit)
            XCTAssertFalse(run.signalled, "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.status, 1, "\(arguments): \(run.stderr)")
            // The error is the last line (warnings about molecules outside the model's domain may come first).
            XCTAssertTrue(run.stderr.split(separator: "\n").last?.hasPrefix("Error: ") ?? false, run.stderr)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") || $0.hasPrefix("full") || $0.hasPrefix("z.") }
        XCTAssertEqual(left, [])
    }

    func testConvertStopsOnSIGTERMRemovingItsTemporaries() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date()
        let run = try molgen(["convert", repositoryRoot.appendingPathComponent("datasets/moses-train-50k.csv.gz").path,
                              "-o", "out.h5", "--canonicalize", "--properties", "qed,sas"],
                             in: directory, signal: (SIGTERM, 1.0))
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertFalse(run.signalled, run.stderr)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".std") }, [])
    }

    func testTheNextConversionRemovesTemporariesOfAKilledOne() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeInputs(in: directory)
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = [".x.h5.molgen-\(finished.processIdentifier)-2.tmp", ".x.rejected.csv.molgen-\(finished.processIdentifier)-1.tmp"]
        for name in stale { FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data(count: 100)) }
        XCTAssertEqual(try molgen(["convert", "b.smi", "-o", "x.h5"], in: directory).status, 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(left, [])
    }

    func testConvertWithoutATerminalPrintsProgressLines() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try molgen(["convert", moses, "-o", "x.h5", "--limit", "600"], in: directory,
                             environment: ["MOLGEN_PROGRESS_SECONDS": "0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("converted "), run.stderr)
    }

    func testAnUnclosedQuoteStopsTheConversionNamingItsLine() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "smiles,name\nCCO,\"ethanol\nCCN,x\n".write(to: directory.appendingPathComponent("q.csv"), atomically: true, encoding: .utf8)
        let run = try molgen(["convert", "q.csv", "-o", "q.h5"], in: directory)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("q.csv:2: a quote opened on this line is never closed; the 1 line(s) after it"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("q.h5").path))
    }
}
