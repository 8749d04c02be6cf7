import Foundation
import XCTest

/// `molgen sampler` and `molgen ising` as a user runs them: figures on stdout, a picture written,
/// and bad options refused with one line naming the option.
final class SamplerCommandTests: XCTestCase {
    func testCommandsPrintFiguresAndWritePictures() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inverse = try molgen(["sampler", "inverse", "logistic", "-n", "2000", "-o", "inverse.svg"], in: dir)
        XCTAssertEqual(inverse.status, 0, inverse.stderr)
        XCTAssertTrue(inverse.stdout.contains("ks_statistic="), inverse.stdout)
        let mh = try molgen(["sampler", "mh", "banana", "--steps", "2000", "-o", "mh.svg"], in: dir)
        XCTAssertEqual(mh.status, 0, mh.stderr)
        XCTAssertTrue(mh.stdout.contains("acceptance_rate=") && mh.stdout.contains("ess_per_1000_steps="), mh.stdout)
        let sweep = try molgen(["sampler", "mh", "bimodal", "--steps", "2000", "--sigma", "0.5,4", "-o", "sweep.svg"], in: dir)
        XCTAssertEqual(sweep.stdout.split(separator: "\n").filter { $0.hasPrefix("sigma=") }.count, 2, sweep.stdout)
        let kde = try molgen(["sampler", "kde", "--bandwidth", "3.79", "--datasets", repositoryRoot.appendingPathComponent("datasets").path,
                              "-o", "kde.png"], in: dir)
        XCTAssertEqual(kde.status, 0, kde.stderr)
        XCTAssertTrue(kde.stdout.contains("bandwidth=3.7900") && kde.stdout.contains("heldout_log_likelihood="), kde.stdout)
        let ising = try molgen(["ising", "--size", "8", "--points", "5", "--sweeps", "50", "--equilibration", "20", "-o", "ising.svg"], in: dir)
        XCTAssertEqual(ising.status, 0, ising.stderr)
        XCTAssertTrue(ising.stdout.contains("tc_mean_field=4.0000") && ising.stdout.contains("magnetization_mean_field=0.9575"), ising.stdout)
        for picture in ["inverse.svg", "mh.svg", "mh-chain.svg", "sweep.svg", "kde.png", "ising.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(picture).path), picture)
        }
    }

    func testBadOptionsGetOneLineNamingTheOption() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (arguments, option) in [(["sampler", "mh", "bimodal", "--sigma", "0", "-o", "a.svg"], "--sigma"),
                                    (["sampler", "mh", "bimodal", "--sigma", "-1", "-o", "a.svg"], "--sigma"),
                                    (["sampler", "kde", "--bandwidth", "-2", "-o", "a.png"], "--bandwidth"),
                                    (["sampler", "inverse", "exponential", "--rate", "0", "-o", "a.svg"], "--rate"),
                                    (["ising", "--size", "1", "-o", "a.svg"], "--size"),
                                    (["ising", "--temperature", "0", "-o", "a.svg"], "--temperature"),
                                    (["ising", "--t-min", "-1", "-o", "a.svg"], "--t-min")] {
            let run = try molgen(arguments, in: dir)
            XCTAssertNotEqual(run.status, 0, arguments.joined(separator: " "))
            let first = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.contains(option), "\(arguments): \(run.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.svg").path))
        }
    }
}
