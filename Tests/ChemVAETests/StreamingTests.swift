import Foundation
import XCTest
@testable import ChemVAE

/// encode, decode and sample stream in blocks (flat memory); blocks must change nothing.
final class StreamingTests: XCTestCase {
    func testPriorSamplesInBlocksAreTheSamplesOfOneCall() throws {
        let model = LatentFixtures.fresh
        let whole = try model.samplePrior(count: 12, seed: 3).molecules
        var streamed: [DecodedMolecule] = [], firsts: [Int] = []
        try model.samplePrior(count: 12, seed: 3, blockSize: 5) { molecules, first in
            streamed += molecules
            firsts.append(first)
        }
        XCTAssertEqual(firsts, [0, 5, 10])
        XCTAssertEqual(streamed.map(\.smiles), whole.map(\.smiles))
    }

    func testDecodingInBlocksDecodesTheSameMolecules() throws {
        let model = LatentFixtures.fresh
        let points = try model.samplePrior(count: 9, seed: 5).points
        var streamed: [DecodedMolecule] = []
        model.decode(points, seed: 2, blockSize: 4) { molecules, _ in streamed += molecules }
        XCTAssertEqual(streamed.map(\.smiles), model.decode(points, seed: 2).map(\.smiles))
    }

    func testLatentsReadInBlocksDecodeAsTheWholeFile() throws {
        let model = LatentFixtures.fresh
        // Blocks of a multiple of the 500-point decoding batch draw random numbers as one call does.
        let points = try model.samplePrior(count: 1001, seed: 6).points
        let path = try temporaryDirectory().appendingPathComponent("z.h5").path
        try LatentFile.write(points, model: model, to: path)
        let decodeBlock = model.blockDecoder(method: .sample(temperature: 1), seed: 4)
        var streamed: [DecodedMolecule] = [], firsts: [Int] = []
        let count = try LatentFile.readBlocks(path, for: model, blockSize: 500) { block, first, total in
            XCTAssertEqual(total, 1001)
            firsts.append(first)
            streamed += decodeBlock(block)
        }
        XCTAssertEqual(count, 1001)
        XCTAssertEqual(firsts, [0, 500, 1000])
        XCTAssertEqual(streamed.map(\.smiles), model.decode(points, method: .sample(temperature: 1), seed: 4).map(\.smiles))
    }

    func testAStreamedLatentFileHoldsEveryBlockAndNothingWhenNoPointCame() throws {
        let model = LatentFixtures.fresh
        let directory = try temporaryDirectory()
        let smiles = Array(LatentFixtures.molecules.prefix(7)) + ["C1CC"]
        let input = directory.appendingPathComponent("m.smi").path
        try (smiles.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let whole = try model.encode(file: input)
        for name in ["z.h5", "z.csv"] {
            let path = directory.appendingPathComponent(name).path
            var blocks = 0, rejected = 0
            try LatentFile.write(to: path, model: model, withVariances: true) { append in
                try model.encode(smilesFile: input, blockSize: 3) { points, rejects, _, _, _ in
                    blocks += 1
                    rejected += rejects.count
                    try append(points)
                }
            }
            XCTAssertEqual(blocks, 3)
            XCTAssertEqual(rejected, 1)
            let back = try LatentFile.read(path, for: model)
            XCTAssertEqual(back.smiles, whole.points.smiles, name)
            XCTAssertEqual(back.lines, whole.points.lines, name)
            // Equal up to BLAS rounding: a point does not depend on its batch beyond that (DESIGN.md).
            XCTAssertEqual(back.means.count, whole.points.means.count, name)
            XCTAssertLessThan(zip(back.means, whole.points.means).map { abs($0 - $1) }.max() ?? 1, 1e-5, name)
            let empty = directory.appendingPathComponent("empty-" + name).path
            XCTAssertThrowsError(try LatentFile.write(to: empty, model: model, withVariances: false) { _ in })
            XCTAssertFalse(FileManager.default.fileExists(atPath: empty))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }, [])
    }
}
