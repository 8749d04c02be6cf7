import Storage
import XCTest

/// Datasets that grow by blocks of rows, as a converter writes millions of molecules.
final class AppendableDatasetTests: XCTestCase {
    func testManyAppendsOfVaryingBlockSizesReadBackInOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("append.h5")
        var expectedTokens: [UInt8] = []
        var expectedSmiles: [String] = []
        var expectedProperties: [Float] = []
        try HDF5File.writeAtomically(to: path) { file in
            let tokens = try file.createAppendableDataset("tokens", of: UInt8.self, rowShape: [7], rowsPerChunk: 64, deflateLevel: 4)
            let smiles = try file.createAppendableDataset("smiles", of: String.self, rowsPerChunk: 64, deflateLevel: 4)
            let properties = try file.createAppendableDataset("properties", of: Float.self, rowShape: [3])
            for block in 0..<300 {
                let rows = block % 11  // includes empty blocks
                let blockTokens = (0..<rows * 7).map { UInt8(truncatingIfNeeded: block &* 31 &+ $0) }
                let blockSmiles = (0..<rows).map { "C\(block)-\($0)" + String(repeating: "c", count: $0) }
                let blockProperties = (0..<rows * 3).map { Float(block) + Float($0) / 8 }
                try tokens.append(blockTokens)
                try smiles.append(blockSmiles)
                try properties.append(blockProperties)
                expectedTokens += blockTokens
                expectedSmiles += blockSmiles
                expectedProperties += blockProperties
            }
            XCTAssertEqual(tokens.rowCount, expectedSmiles.count)
            try tokens.dataset.setAttribute("padding", 0)
        }
        let file = try HDF5File.open(at: path)
        let rows = expectedSmiles.count
        XCTAssertEqual(rows, (0..<300).reduce(0) { $0 + $1 % 11 })
        XCTAssertEqual(try file.read("tokens", as: UInt8.self), StoredArray(shape: [rows, 7], values: expectedTokens))
        XCTAssertEqual(try file.read("smiles", as: String.self), StoredArray(shape: [rows], values: expectedSmiles))
        XCTAssertEqual(try file.read("properties", as: Float.self), StoredArray(shape: [rows, 3], values: expectedProperties))
        XCTAssertEqual(try file.dataset("tokens").chunkShape, [64, 7])
        XCTAssertEqual(try file.dataset("tokens").deflateLevel, 4)
        XCTAssertEqual(try file.dataset("tokens").intAttribute("padding"), 0)
    }

    func testAnAppendableDatasetCanBeReopenedAndExtended() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("reopen.h5")
        do {
            let file = try HDF5File.create(at: path)
            try file.createAppendableDataset("lengths", of: Int32.self).append([1, 2, 3])
            try file.close()
        }
        do {
            let file = try HDF5File.open(at: path, mode: .readWrite)
            let lengths = try file.appendableDataset("lengths", of: Int32.self)
            XCTAssertEqual(lengths.rowCount, 3)
            try lengths.append([4, 5])
            try file.close()
        }
        XCTAssertEqual(try HDF5File.open(at: path).read("lengths", as: Int32.self).values, [1, 2, 3, 4, 5])
    }

    func testPartialRowsAndFixedDatasetsAreRejected() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("reject.h5")
        let file = try HDF5File.create(at: path)
        let tokens = try file.createAppendableDataset("tokens", of: UInt8.self, rowShape: [4])
        guard case .invalidArgument? = storageError({ try tokens.append([1, 2, 3, 4, 5]) }) else { return XCTFail() }
        XCTAssertEqual(tokens.rowCount, 0)
        XCTAssertEqual(try tokens.dataset.shape, [0, 4])
        try file.write("fixed", values: [Int32(1)])
        guard case .invalidArgument? = storageError({ try file.appendableDataset("fixed", of: Int32.self) }) else { return XCTFail() }
        XCTAssertEqual(storageError { try file.appendableDataset("tokens", of: Float.self) },
                       .typeMismatch(path: "/tokens", file: path, stored: "uint8", requested: "float32"))
    }

    func testAppendingToAReadOnlyFileFailsWithoutChangingIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("readonly.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.createAppendableDataset("values", of: Double.self).append([1, 2])
        }
        let file = try HDF5File.open(at: path)
        let values = try file.appendableDataset("values", of: Double.self)
        let error = storageError { try values.append([3]) }
        XCTAssertTrue(error?.description.contains("read-only") ?? false, String(describing: error))
        XCTAssertEqual(try values.dataset.shape, [2])
    }
}
