import Foundation
import XCTest

/// Hostile input never hangs or kills a command (issue 15): a file of hostile rows between good
/// ones goes through every command that reads SMILES; each hostile row is rejected with its
/// reason, each good row passes, and every run stays inside a CPU-time limit (a hang is killed by
/// the limit and fails the test as a signal).
final class HostileInputTests: XCTestCase {
    let model = repositoryRoot.appendingPathComponent("models/default.h5").path
    /// Seconds of CPU a whole run may take: RDKit spent 3 s on the 998 carbons that the length
    /// limit let through, and minutes on 100,000 before the limits.
    let cpuLimit = "ulimit -t 60"

    let good = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C"]

    /// Hostile rows (as bytes: some are not UTF-8) and the reason each must be rejected with.
    var hostile: [([UInt8], String)] {
        func text(_ string: String) -> [UInt8] { Array(string.utf8) }
        return [
            (text(String(repeating: "C", count: 100_000)), "100000 characters exceed"),
            (text(String(repeating: "C", count: 700)), "700 atoms exceed"),
            (text(String(repeating: "C(", count: 300) + "C" + String(repeating: ")", count: 300)), "branches nested more than 100 deep"),
            (text(Array(repeating: "C", count: 400).joined(separator: ".")), "400 fragments exceed"),
            (text("[C+999999]"), "charge +999999 out of range"),
            (text("CC[U+128]"), "charge +128 out of range"),
            (text("[Fe" + String(repeating: "+", count: 30) + "]"), "charge + × 30 out of range"),
            (text("[UH256]"), "hydrogen count 256 out of range"),
            (text("[999999C]"), "isotope 999999 out of range"),
            ([0x43, 0x43, 0x00, 0x4F], "NUL byte at character 3"),
            ([0x43, 0xFF, 0xFE, 0x43], "non-ASCII character at byte 2"),
            ([0x43, 0x07, 0x43], "control character 0x07"),
        ]
    }

    /// Writes `name` (a CSV with a smiles column): the good rows first, then the hostile ones,
    /// then the good rows again; returns the 1-based line of each hostile row.
    private func writeFile(_ name: String, in directory: URL) throws -> [Int] {
        var bytes = Array("smiles\n".utf8)
        for smiles in good { bytes += Array("\(smiles)\n".utf8) }
        var lines: [Int] = []
        for (index, row) in hostile.enumerated() {
            bytes += row.0 + [0x0A]
            lines.append(2 + good.count + index)
        }
        for smiles in good { bytes += Array("\(smiles)\n".utf8) }
        try Data(bytes).write(to: directory.appendingPathComponent(name))
        return lines
    }

    /// Each hostile line is in `report` with its reason (only the first `shown` when the command
    /// lists that many).
    private func assertRejected(_ report: String, lines: [Int], file: String, _ command: String, shown: Int = .max) {
        let reportLines = report.split(separator: "\n")
        for (line, (_, reason)) in zip(lines, hostile).prefix(shown) {
            let hits = reportLines.filter { $0.hasPrefix("\(file):\(line):") || $0.hasPrefix("\(file):\(line) ") || $0.contains(",\(line),") }
            XCTAssertTrue(hits.contains { $0.contains(reason) }, "\(command): line \(line) should be rejected with '\(reason)'; found \(hits.map { String($0.prefix(200)) })")
        }
    }

    func testEveryCommandRejectsEachHostileRowWithItsReasonAndKeepsTheGoodOnes() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try writeFile("hostile.csv", in: directory)
        // properties lists the first 10 invalid rows on stderr, then the count.
        let runs: [(String, [String], Int)] = [
            ("properties", ["properties", "hostile.csv"], 10),
            ("properties --standardize", ["properties", "hostile.csv", "--standardize", "--parent"], 10),
            ("encode", ["encode", "hostile.csv", "--model", model, "-o", "z.csv"], .max),
        ]
        for (name, arguments, shown) in runs {
            let started = Date()
            let run = try molgen(arguments, in: directory, shell: cpuLimit)
            XCTAssertFalse(run.signalled, "\(name) was killed: \(run.stderr.suffix(300))")
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr.suffix(300))")
            assertRejected(run.stderr, lines: lines, file: "hostile.csv", name, shown: shown)
            print("\(name): \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
        let properties = try molgen(["properties", "hostile.csv"], in: directory, shell: cpuLimit)
        let valid = properties.stdout.split(separator: "\n").filter { $0.contains(",true,") }
        XCTAssertEqual(valid.count, 2 * good.count, properties.stdout)
        XCTAssertTrue(properties.stderr.contains("read=\(2 * good.count + hostile.count) valid=\(2 * good.count) invalid=\(hostile.count)"), properties.stderr)
        XCTAssertFalse(properties.stdout.contains("\u{0}"), "the table stays printable")
        let encode = try molgen(["encode", "hostile.csv", "--model", model, "-o", "z.csv"], in: directory, shell: cpuLimit)
        XCTAssertTrue(encode.stdout.contains("encoded=\(2 * good.count)\n"), encode.stdout)

        for extra in [["--canonicalize"], ["--vocab", model]] {
            let run = try molgen(["convert", "hostile.csv", "-o", "d.h5"] + extra, in: directory, shell: cpuLimit)
            XCTAssertFalse(run.signalled, run.stderr)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("converted=\(2 * good.count)\n"), run.stdout)
            let rejected = try String(contentsOf: directory.appendingPathComponent("d.rejected.csv"), encoding: .utf8)
            assertRejected(rejected, lines: lines, file: "hostile.csv", "convert \(extra)")
        }
    }

    /// The limits can be lifted for conversion, where a large molecule is then read.
    func testConvertLiftsTheAtomLimitWithMaxAtoms() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "smiles\n\(String(repeating: "C", count: 700))\nCCO\n".write(to: directory.appendingPathComponent("big.csv"), atomically: true, encoding: .utf8)
        let strict = try molgen(["convert", "big.csv", "-o", "d.h5", "--max-length", "1000"], in: directory, shell: cpuLimit)
        XCTAssertTrue(strict.stdout.contains("converted=1\n"), strict.stdout)
        XCTAssertTrue(strict.stderr.contains("700 atoms exceed --max-atoms 500"), strict.stderr)
        let lifted = try molgen(["convert", "big.csv", "-o", "d.h5", "--max-length", "1000", "--max-atoms", "1000"], in: directory, shell: cpuLimit)
        XCTAssertTrue(lifted.stdout.contains("converted=2\n"), lifted.stdout + lifted.stderr)
        let bad = try molgen(["convert", "big.csv", "-o", "d.h5", "--max-atoms", "0"], in: directory)
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--max-atoms"), bad.stderr)
    }

    /// A latents CSV with 100,000 z columns took 24 s to be refused (each column looked up by a
    /// scan of the header); it is refused at once.
    func testAVeryWideLatentsFileIsRefusedQuickly() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let width = 100_000
        let header = "line,smiles," + (0..<width).map { "z\($0)" }.joined(separator: ",")
        let row = "1,C," + Array(repeating: "0", count: width).joined(separator: ",")
        try (header + "\n" + row + "\n").write(to: directory.appendingPathComponent("wide.csv"), atomically: true, encoding: .utf8)
        let started = Date()
        let run = try molgen(["decode", "--latents", "wide.csv", "--model", model, "-o", "out.csv"], in: directory, shell: "ulimit -t 10")
        XCTAssertFalse(run.signalled, "killed by the CPU limit")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("latent points have 100000 dimensions but the model's latent space has"), run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }
}
