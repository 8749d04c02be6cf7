import Foundation
import XCTest

/// `molgen hopfield` and the deep belief net through `molgen image` as a user runs them: figures
/// on stdout, pictures and model files written, bad options refused with one line naming the option.
final class EnergyCommandTests: XCTestCase {
    func testHopfieldCommands() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let datasets = repositoryRoot.appendingPathComponent("datasets").path
        let recall = try molgen(["hopfield", "recall", "--patterns", "2", "--noise", "0.1", "--datasets", datasets, "-o", "recall.png"], in: dir)
        XCTAssertEqual(recall.status, 0, recall.stderr)
        XCTAssertTrue(recall.stdout.contains("recall_accuracy=1.0000") && recall.stdout.contains("corrupted_accuracy=0.9062"), recall.stdout)
        let capacity = try molgen(["hopfield", "capacity", "--units", "100", "--loads", "0.05,0.3", "--trials", "2", "-o", "capacity.svg"], in: dir)
        XCTAssertEqual(capacity.status, 0, capacity.stderr)
        XCTAssertTrue(capacity.stdout.contains("collapse_load=0.3000"), capacity.stdout)
        let optimize = try molgen(["hopfield", "optimize", "--vertices", "10"], in: dir)
        XCTAssertEqual(optimize.status, 0, optimize.stderr)
        let figures = Dictionary(uniqueKeysWithValues: optimize.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1])
        })
        XCTAssertEqual(figures["partition"]?.count, 10, optimize.stdout)
        XCTAssertNotNil(figures["optimal_cut"], optimize.stdout)
        for picture in ["recall.png", "capacity.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(picture).path), picture)
        }
    }

    func testDeepBeliefNetTrainSampleScore() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let datasets = repositoryRoot.appendingPathComponent("datasets").path
        let train = try molgen(["image", "train", "dbn", "--data", "digits", "--layers", "32,16", "--epochs", "2", "--datasets", datasets,
                                "-o", "dbn.h5"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(train.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch=") }.count, 4, train.stdout)
        let sample = try molgen(["image", "sample", "--model", "dbn.h5", "-n", "10", "--gibbs-steps", "20", "-o", "samples.png"], in: dir)
        XCTAssertEqual(sample.status, 0, sample.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("samples.png").path))
        let score = try molgen(["image", "score", "--model", "dbn.h5", "--datasets", datasets], in: dir)
        XCTAssertEqual(score.status, 0, score.stderr)
        for name in ["layer1_pseudo_log_likelihood=", "layer2_pseudo_log_likelihood=", "raw_pixel_accuracy=", "top_feature_accuracy="] {
            XCTAssertTrue(score.stdout.contains(name), "\(name) in \(score.stdout)")
        }
    }

    func testBadOptionsGetOneLineNamingTheOption() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (arguments, option) in [(["hopfield", "recall", "--noise", "1.5", "-o", "a.png"], "--noise"),
                                    (["hopfield", "recall", "--noise", "-0.1", "-o", "a.png"], "--noise"),
                                    (["hopfield", "recall", "--patterns", "0", "-o", "a.png"], "--patterns"),
                                    (["hopfield", "capacity", "--units", "5", "-o", "a.svg"], "--units"),
                                    (["hopfield", "optimize", "--vertices", "40"], "--vertices"),
                                    (["image", "train", "dbn", "--layers", "500,x", "-o", "a.h5"], "--layers"),
                                    (["image", "train", "dbn", "--hidden", "10", "-o", "a.h5"], "--hidden")] {
            let run = try molgen(arguments, in: dir)
            XCTAssertNotEqual(run.status, 0, arguments.joined(separator: " "))
            let first = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.contains(option), "\(arguments): \(run.stderr)")
            for file in ["a.png", "a.svg", "a.h5"] { XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path)) }
        }
    }
}
