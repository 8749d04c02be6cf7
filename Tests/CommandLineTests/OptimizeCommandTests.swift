import Foundation
import XCTest

/// `molgen optimize` as a chemist uses it, with the shipped model: only molecules better than the
/// start, each with its improvement, a similarity floor searched from inside, a hint naming the
/// options that help when nothing passes, and a report whose results show what changed.
final class OptimizeCommandTests: XCTestCase {
    let model = repositoryRoot.appendingPathComponent("models/default.h5").path
    /// A MOSES test-set molecule (datasets/moses-test-5k.csv.gz, line 11).
    let start = "CC(=O)Nc1ccc(C)c(NCC(=O)NC(C)c2cccs2)c1"

    func testResultsAreBetterThanTheStartAndTheFloorIsSearchedFromInside() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try molgen(["optimize", "--model", model, "--objective", "qed", "--start", start, "--min-similarity", "0.4",
                              "--steps", "40", "--report", "qed.html"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let startLine = try XCTUnwrap(run.stderr.split(separator: "\n").first { $0.hasPrefix("start (given): ") })
        let startQED = try XCTUnwrap(Double(startLine.components(separatedBy: " true ")[1].split(separator: " ")[0]))
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows[0], ["rank", "smiles", "true", "predicted", "improvement", "similarity", "step", "found", "flag"])
        XCTAssertGreaterThan(rows.count, 1, run.stderr)
        for row in rows.dropFirst() {
            let (value, predicted, improvement) = (Double(row[2])!, Double(row[3])!, Double(row[4])!)
            XCTAssertGreaterThan(improvement, 0, "\(row)")
            XCTAssertEqual(improvement, value - startQED, accuracy: 1e-3, "\(row)")
            XCTAssertGreaterThanOrEqual(Double(row[5])!, 0.4)
            XCTAssertEqual(row[8], (0...1).contains(predicted) ? "" : "predicted_out_of_range", "\(row)")
        }
        XCTAssertTrue(rows.dropFirst().contains { $0[7] == "near_start" }, "the search near the start found some: \(run.stdout)")
        XCTAssertTrue(run.stderr.contains("decodings near the start (radius "), run.stderr)
        XCTAssertTrue(run.stderr.contains("results=\(rows.count - 1) best_improvement=\(rows[1][4])"), run.stderr)

        let page = try String(contentsOf: directory.appendingPathComponent("qed.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<table class=\"sortable\"><thead><tr><th title=\"click to sort\">rank</th>"))
        XCTAssertTrue(page.contains("<script>") && !page.contains("<script src"))
        XCTAssertTrue(page.contains("<ellipse"), "what each result changed is highlighted")
    }

    func testAFloorThatLeavesNothingNamesTheOptionsThatHelp() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try molgen(["optimize", "--model", model, "--objective", "qed", "--start", start, "--min-similarity", "0.95",
                              "--steps", "20"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "rank,smiles,true,predicted,improvement,similarity,step,found,flag\n")
        XCTAssertTrue(run.stderr.contains("results=0 "), run.stderr)
        for option in ["--trust-radius", "--decodings", "smaller --lr", "--min-similarity"] {
            XCTAssertTrue(run.stderr.contains(option), "hint names \(option): \(run.stderr)")
        }
    }
}
