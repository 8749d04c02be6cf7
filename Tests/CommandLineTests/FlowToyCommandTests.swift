import Foundation
import XCTest

/// `molgen flow` and `molgen toy` as a user runs them: figures on stdout, pictures written, bad
/// options refused with one line naming the option.
final class FlowToyCommandTests: XCTestCase {
    func testCommandsPrintFiguresAndWritePictures() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let moons = try molgen(["flow", "train", "moons", "--epochs", "3", "--training-size", "600", "--heldout-size", "200",
                                "--batch-size", "100", "--model", "m.h5", "-o", "moons.svg"], in: dir)
        XCTAssertEqual(moons.status, 0, moons.stderr)
        XCTAssertTrue(moons.stdout.contains("nll=") && moons.stdout.contains("gaussian_nll="), moons.stdout)
        let resumed = try molgen(["flow", "train", "moons", "--resume", "--epochs", "4", "--model", "m.h5", "-o", "moons.svg"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming after epoch 3") && resumed.stdout.contains("epochs=4"), resumed.stderr + resumed.stdout)
        let mixedUp = try molgen(["flow", "train", "double-well", "--resume", "--model", "m.h5", "-o", "other.svg"], in: dir)
        XCTAssertNotEqual(mixedUp.status, 0)
        XCTAssertTrue(mixedUp.stderr.contains("dataset: m.h5 was trained on moons"), mixedUp.stderr)
        let well = try molgen(["flow", "train", "double-well", "--epochs", "2", "--ml-epochs", "1", "--training-size", "600",
                               "--heldout-size", "200", "--batch-size", "100", "--samples", "5000", "--model", "w.h5", "-o", "well.svg"], in: dir)
        XCTAssertEqual(well.status, 0, well.stderr)
        for name in ["free_energy_difference=", "exact=3.3800", "effective_sample_size="] { XCTAssertTrue(well.stdout.contains(name), well.stdout) }
        let ring = try molgen(["toy", "ring", "-o", "ring.svg"], in: dir)
        XCTAssertTrue(ring.stdout.contains("expected_mean_radius=1.1253"), ring.stdout)
        let game = try molgen(["toy", "zero-sum", "-o", "game.svg"], in: dir)
        XCTAssertTrue(game.stdout.contains("distance_simultaneous=2.3259") && game.stdout.contains("distance_simultaneous_exact=2.3259"), game.stdout)
        let gan = try molgen(["toy", "gan-theory", "-o", "gan.svg"], in: dir)
        XCTAssertTrue(gan.stdout.contains("j_optimal=") && gan.stdout.contains("minus_log4_plus_2jsd="), gan.stdout)
        let vae = try molgen(["toy", "manifold", "--epochs", "5", "--model", "vae.h5", "-o", "vae.svg"], in: dir)
        XCTAssertEqual(vae.status, 0, vae.stderr)
        for name in ["reconstruction=", "kl=", "elbo="] { XCTAssertTrue(vae.stdout.contains(name), vae.stdout) }
        for picture in ["moons.svg", "well.svg", "ring.svg", "game.svg", "gan.svg", "vae.svg", "m.h5", "w.h5", "vae.h5"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(picture).path), picture)
        }
    }

    func testBadOptionsGetOneLineNamingTheOption() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (arguments, option) in [(["flow", "train", "double-well", "--temperature", "0", "--model", "a.h5", "-o", "a.svg"], "--temperature"),
                                    (["flow", "train", "double-well", "--sigma", "-1", "--model", "a.h5", "-o", "a.svg"], "--sigma"),
                                    (["flow", "train", "moons", "--training-size", "-5", "--model", "a.h5", "-o", "a.svg"], "--training-size"),
                                    (["flow", "train", "moons", "--noise", "-0.1", "--model", "a.h5", "-o", "a.svg"], "--noise"),
                                    (["flow", "train", "double-well", "--wells", "middle", "--model", "a.h5", "-o", "a.svg"], "--wells"),
                                    (["flow", "train", "spirals", "--model", "a.h5", "-o", "a.svg"], "dataset"),
                                    (["flow", "train", "moons", "--resume", "--model", "a.h5", "-o", "a.svg"], "a.h5"),
                                    (["toy", "ring", "--count", "-3", "-o", "a.svg"], "--count"),
                                    (["toy", "manifold", "--points", "-1", "--model", "a.h5", "-o", "a.svg"], "--points"),
                                    (["toy", "zero-sum", "--learning-rate", "0", "-o", "a.svg"], "--learning-rate"),
                                    (["toy", "zero-sum", "--steps", "-2", "-o", "a.svg"], "--steps"),
                                    (["toy", "gan-theory", "--data-std", "0", "-o", "a.svg"], "--data-std")] {
            let run = try molgen(arguments, in: dir)
            XCTAssertNotEqual(run.status, 0, arguments.joined(separator: " "))
            let first = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.contains(option), "\(arguments): \(run.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.svg").path))
        }
    }
}
