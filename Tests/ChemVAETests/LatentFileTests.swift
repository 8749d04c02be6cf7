import Chem
import Datasets
import Engine
import Foundation
import Storage
import XCTest
@testable import ChemVAE

/// encode → file → decode, and every way a latents file can be wrong.
final class LatentFileTests: XCTestCase {
    func testEncodeDecodeRoundTripsThroughHDF5AndCSV() throws {
        let model = LatentFixtures.trained
        let smiles = Array(LatentFixtures.molecules.prefix(12))
        let input = try writeTemporary("in.smi", smiles.joined(separator: "\n") + "\n")
        let encoding = try model.encode(file: input)
        XCTAssertEqual(encoding.points.count, 12)
        XCTAssertEqual(encoding.points.lines, Array(1...12))
        XCTAssertEqual(encoding.points.smiles, smiles)
        XCTAssertNotNil(encoding.points.logVariances)
        // The file's points are the encoder's means of each molecule.
        let direct = try model.encode(smiles: smiles[3])
        // (to rounding: BLAS sums a batch of 12 in another order than a batch of 1)
        for (a, b) in zip(encoding.points.mean(3), direct.mean(0)) { XCTAssertEqual(a, b, accuracy: 1e-4) }

        let directory = try temporaryDirectory()
        let reference = model.decode(encoding.points, seed: 5)
        for name in ["z.h5", "z.csv"] {
            let path = directory.appendingPathComponent(name).path
            try LatentFile.write(encoding.points, model: model, modelPath: "m.h5", to: path)
            let read = try LatentFile.read(path, for: model)
            XCTAssertEqual(read, encoding.points, name)   // bit for bit: CSV prints the shortest exact float
            XCTAssertEqual(model.decode(read, seed: 5), reference, name)
        }
        // What was written is what h5py would see.
        let file = try HDF5File.open(at: directory.appendingPathComponent("z.h5").path)
        XCTAssertEqual(try file.stringAttribute("format"), "molgen-latents")
        XCTAssertEqual(try file.dataset("latents").shape, [12, model.config.latentSize])
        XCTAssertEqual(try file.dataset("log_variances").shape, [12, model.config.latentSize])
        XCTAssertEqual(try file.read("line", as: Int32.self).values, (1...12).map { Int32($0) })
        XCTAssertEqual(LatentFile.encodedBySameParameters(directory.appendingPathComponent("z.h5").path, as: model), true)
        XCTAssertEqual(LatentFile.encodedBySameParameters(directory.appendingPathComponent("z.h5").path, as: LatentFixtures.fresh), false)
        XCTAssertNil(LatentFile.encodedBySameParameters(directory.appendingPathComponent("z.csv").path, as: model))
        let header = try String(contentsOfFile: directory.appendingPathComponent("z.csv").path, encoding: .utf8).prefix { $0 != "\n" }
        XCTAssertTrue(header.hasPrefix("line,smiles,z0,z1,"), String(header))
        XCTAssertTrue(header.hasSuffix(",lv\(model.config.latentSize - 1)"), String(header))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["z.csv", "z.h5"], "no temporary files left")
    }

    func testUnusableRowsAreRejectedWithTheirLineNumbers() throws {
        let model = LatentFixtures.fresh
        let good = LatentFixtures.molecules
        let text = ["smiles", good[0], "C1CC", good[1], "", "c1ccccc1[Si](C)(C)C", "not_a_smiles", good[2]].joined(separator: "\n") + "\n"
        let path = try writeTemporary("mixed.csv", text)
        let encoding = try model.encode(file: path)
        XCTAssertEqual(encoding.points.smiles, [good[0], good[1], good[2]])
        XCTAssertEqual(encoding.points.lines, [2, 4, 8])
        XCTAssertEqual(encoding.rejected.map(\.line), [3, 6, 7])
        XCTAssertEqual(encoding.rejected.map(\.reason), [.invalid, .unknownToken, .invalid])
        XCTAssertTrue(encoding.rejected.allSatisfy { $0.file == path })

        // A file with nothing usable gives no points and every row's reason.
        let bad = try writeTemporary("bad.smi", "C1CC\nxyz\n")
        let none = try model.encode(file: bad)
        XCTAssertEqual(none.points.count, 0)
        XCTAssertEqual(none.rejected.map(\.location), ["\(bad):1", "\(bad):2"])
        // A dataset file: rows numbered from 1, nothing rejected.
        let dataset = try temporaryDirectory().appendingPathComponent("data.h5").path
        try LatentFixtures.dataset.write(to: dataset)
        let rows = try model.encode(file: dataset, keepVariances: false)
        XCTAssertEqual(rows.points.count, LatentFixtures.dataset.count)
        XCTAssertEqual(rows.points.lines.prefix(3), [1, 2, 3])
        XCTAssertNil(rows.points.logVariances)

        // Single molecules: each reason has its own message.
        XCTAssertThrowsError(try model.encode(smiles: "C1CC")) { XCTAssertEqual(($0 as? UnencodableMolecule)?.reason, .invalid) }
        XCTAssertThrowsError(try model.encode(smiles: "C[Si](C)(C)C")) { XCTAssertEqual(($0 as? UnencodableMolecule)?.reason, .unknownToken) }
        XCTAssertThrowsError(try model.encode(smiles: String(repeating: "C", count: 80))) {
            XCTAssertEqual(($0 as? UnencodableMolecule)?.reason, .tooLong)
        }
    }

    func testWrongWidthAndNonFiniteLatentsAreRejected() throws {
        let model = LatentFixtures.fresh
        let z = model.config.latentSize
        func row(_ values: [String]) -> String { "1,CCO," + values.joined(separator: ",") }
        let zeros = Array(repeating: "0", count: z)

        let narrow = try writeTemporary("narrow.csv", "line,smiles,z0,z1,z2\n1,CCO,0,0,0\n")
        XCTAssertThrowsError(try LatentFile.read(narrow, for: model)) { error in
            XCTAssertEqual(error as? ChemVAEError, .invalidLatent(
                "\(narrow): latent points have 3 dimensions but the model's latent space has \(z); decode them with the model that encoded them"))
        }
        let header = "line,smiles," + (0..<z).map { "z\($0)" }.joined(separator: ",")
        var withNaN = zeros; withNaN[5] = "nan"
        let nanPath = try writeTemporary("nan.csv", header + "\n" + row(zeros) + "\n" + row(withNaN) + "\n")
        XCTAssertThrowsError(try LatentFile.read(nanPath, for: model)) { error in
            XCTAssertTrue("\(error)".contains("\(nanPath): row 2 (line 1) holds a NaN or infinite value (z5)"), "\(error)")
        }
        var withInf = zeros; withInf[0] = "inf"
        let infPath = try writeTemporary("inf.csv", header + "\n" + row(withInf) + "\n")
        XCTAssertThrowsError(try LatentFile.read(infPath, for: model)) { XCTAssertTrue("\($0)".contains("NaN or infinite"), "\($0)") }
        var text = zeros; text[2] = "abc"
        let textPath = try writeTemporary("text.csv", header + "\n" + row(text) + "\n")
        XCTAssertThrowsError(try LatentFile.read(textPath, for: model)) { XCTAssertTrue("\($0)".contains("\(textPath):2: column z2 holds 'abc'"), "\($0)") }
        let gap = try writeTemporary("gap.csv", "z0,z2\n0,0\n")
        XCTAssertThrowsError(try LatentFile.read(gap, for: model)) { XCTAssertTrue("\($0)".contains("without gaps"), "\($0)") }

        // In memory too: the library refuses to decode what it cannot.
        let points = LatentPoints(width: z, means: [Float](repeating: .nan, count: z))
        XCTAssertThrowsError(try model.validate(points, source: "test")) { XCTAssertTrue("\($0)".contains("NaN")) }
    }

    func testLatentsFromAnotherModelOrFormatAreRejected() throws {
        let model = LatentFixtures.fresh
        let directory = try temporaryDirectory()
        let points = LatentPoints(width: model.config.latentSize, means: [Float](repeating: 0.5, count: model.config.latentSize))

        // Same width, another vocabulary.
        let other = try makeDataset(["C#N", "ClCCBr", "O=C=O", "c1ccccc1Cl"])
        var c = model.config
        c.vocabularySize = other.vocabulary.count
        let otherModel = ChemVAEModel(model: try ChemVAE(c, seed: 1), codec: other.codec, normalization: model.normalization)
        let path = directory.appendingPathComponent("other.h5").path
        try LatentFile.write(points, model: otherModel, to: path)
        XCTAssertThrowsError(try LatentFile.read(path, for: model)) { XCTAssertTrue("\($0)".contains("another vocabulary"), "\($0)") }

        // Same width and vocabulary, another decoder.
        var d = model.config
        d.decoder = .paper
        let paper = ChemVAEModel(model: try ChemVAE(d, seed: 1), codec: model.codec, normalization: model.normalization)
        try LatentFile.write(points, model: paper, to: path)
        XCTAssertThrowsError(try LatentFile.read(path, for: model)) { XCTAssertTrue("\($0)".contains("was encoded by another model (paper decoder"), "\($0)") }

        // Another width in an HDF5 file.
        var e = model.config
        e.latentSize = 8
        let narrow = ChemVAEModel(model: try ChemVAE(e, seed: 1), codec: model.codec, normalization: model.normalization)
        try LatentFile.write(LatentPoints(width: 8, means: [Float](repeating: 0, count: 16)), model: narrow, to: path)
        XCTAssertThrowsError(try LatentFile.read(path, for: model)) { XCTAssertTrue("\($0)".contains("have 8 dimensions"), "\($0)") }

        // A dataset file is not a latents file.
        let dataset = directory.appendingPathComponent("data.h5").path
        try LatentFixtures.dataset.write(to: dataset)
        XCTAssertThrowsError(try LatentFile.read(dataset, for: model)) { XCTAssertTrue("\($0)".contains("is a molgen-dataset, not a molgen-latents"), "\($0)") }
    }

    func testAttemptsKeepTheMostFrequentValidMolecule() throws {
        // "OCC" and "CCO" are one molecule; three votes beat two for benzene; invalid strings never win.
        let picked = ChemVAEModel.mostFrequentValid(["C1CC", "c1ccccc1", "CCO", "OCC", "C1=CC=CC=C1", "C(O)C", "(((", "(((", "((("])
        XCTAssertEqual(picked.canonical, "CCO")
        XCTAssertEqual(picked.votes, 3)
        XCTAssertEqual(picked.smiles, "CCO", "the spelling of its first appearance")
        // Ties go to the molecule seen first.
        XCTAssertEqual(ChemVAEModel.mostFrequentValid(["CC", "CCC", "CCC", "CC"]).canonical, "CC")
        // No valid decoding: the first attempt, invalid.
        let none = ChemVAEModel.mostFrequentValid(["C1CC", "((("])
        XCTAssertNil(none.canonical)
        XCTAssertEqual(none.smiles, "C1CC")
        XCTAssertEqual(none.votes, 0)

        // Through the model: every point decoded 8 times; each kept molecule holds 1...8 votes and is
        // reproducible from the seed.
        let model = LatentFixtures.trained
        let points = try model.samplePrior(count: 6, seed: 2).points
        let decoded = model.decode(points, method: .sample(temperature: 1), attempts: 8, seed: 9)
        XCTAssertEqual(decoded.count, 6)
        for m in decoded where m.isValid { XCTAssertTrue((1...8).contains(m.votes)) }
        XCTAssertEqual(model.decode(points, method: .sample(temperature: 1), attempts: 8, seed: 9), decoded)
    }
}
