import Datasets
import Engine
import Foundation
import Storage
import XCTest
@testable import ChemVAE

/// Truncated and bit-flipped model, dataset and latents files (issue 15): the loaders throw an
/// error naming the file, on one line, and never crash. The files here are MolGen's own (they carry
/// a checksum); `CommandLineTests.DamagedFileCommandTests` runs copies without one through `molgen`,
/// where a crash inside libhdf5 could not take the test runner with it.
final class DamagedFileTests: XCTestCase {
    /// Loads `path` with each loader that reads that kind of file.
    private func loaders(model: ChemVAEModel) -> [String: (String) throws -> Void] {
        [
            "model": { _ = try ChemVAEModel.load(from: $0) },
            "dataset": { _ = try MoleculeDataset(contentsOf: $0) },
            "latents": { _ = try LatentFile.read($0, for: model) },
        ]
    }

    func testTruncatedAndBitFlippedFilesAreErrorsNamingTheFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = LatentFixtures.fresh
        let files = [
            "model": directory.appendingPathComponent("model.h5").path,
            "dataset": directory.appendingPathComponent("dataset.h5").path,
            "latents": directory.appendingPathComponent("latents.h5").path,
        ]
        try model.save(to: files["model"]!)
        try LatentFixtures.dataset.write(to: files["dataset"]!)
        try LatentFile.write(try model.encode(smiles: LatentFixtures.molecules[0]), model: model, to: files["latents"]!)
        let random = RandomGenerator(seed: 15)
        var tried = 0
        for (kind, path) in files.sorted(by: { $0.key < $1.key }) {
            let load = loaders(model: model)[kind]!
            XCTAssertNoThrow(try load(path), kind)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let damagedPath = directory.appendingPathComponent("damaged-\(kind).h5").path
            var variants: [(String, Data)] = [0, 100, 511, 512, 2048, bytes.count / 2, bytes.count - 1].map { ("truncated at \($0)", bytes.prefix($0)) }
            for _ in 0..<40 {
                let position = random.index(below: bytes.count)
                var damaged = bytes
                damaged[position] ^= UInt8(1 << random.index(below: 8))
                variants.append(("bit flipped at \(position)", damaged))
            }
            for (what, damaged) in variants {
                try damaged.write(to: URL(fileURLWithPath: damagedPath))
                XCTAssertThrowsError(try load(damagedPath), "\(kind) \(what) loaded") { error in
                    let message = "\(error)"
                    XCTAssertTrue(message.contains(damagedPath), "\(kind) \(what): \(message)")
                    XCTAssertFalse(message.contains("\n"), "\(kind) \(what): \(message)")
                }
                tried += 1
            }
        }
        print("damaged files tried=\(tried)")
    }
}
