import Storage
import XCTest

/// Every element type survives a write and a read bit for bit, with its shape.
final class DatasetRoundTripTests: XCTestCase {
    func testFloatsRoundTripBitExactIncludingNaNPayloadsAndNegativeZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("floats.h5")
        let payloadNaN = Float(bitPattern: 0x7FC0_1234)
        let signalingNaN = Float(bitPattern: 0x7F80_0001)
        let negativeNaN = Float(bitPattern: 0xFFC0_0042)
        let values: [Float] = [0, -0.0, 1.5, -3.25e-38, .infinity, -.infinity, payloadNaN, signalingNaN,
                               negativeNaN, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi]
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("values", values: values, shape: [3, 4])
        }
        let stored = try HDF5File.open(at: path).read("values", as: Float.self)
        XCTAssertEqual(stored.shape, [3, 4])
        XCTAssertEqual(stored.values.map(\.bitPattern), values.map(\.bitPattern))
    }

    func testDoublesRoundTripBitExactIncludingNaNPayloadsAndNegativeZero() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doubles.h5")
        let values: [Double] = [-0.0, 0, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), Double(bitPattern: 0x7FF0_0000_0000_0001),
                                .leastNonzeroMagnitude, -.greatestFiniteMagnitude, 1e-300, .infinity]
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("values", values: values, shape: [2, 2, 2])
        }
        let stored = try HDF5File.open(at: path).read("values", as: Double.self)
        XCTAssertEqual(stored.shape, [2, 2, 2])
        XCTAssertEqual(stored.values.map(\.bitPattern), values.map(\.bitPattern))
    }

    func testIntegersRoundTripAtTheirExtremes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("integers.h5")
        let int32s: [Int32] = [.min, -1, 0, 1, .max, 42]
        let int64s: [Int64] = [.min, -1, 0, 1, .max]
        let bytes: [UInt8] = [0, 1, 127, 128, 255, 7]
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("int32", values: int32s, shape: [2, 3])
            try file.write("int64", values: int64s)
            try file.write("uint8", values: bytes, shape: [6, 1])
        }
        let file = try HDF5File.open(at: path)
        XCTAssertEqual(try file.read("int32", as: Int32.self), StoredArray(shape: [2, 3], values: int32s))
        XCTAssertEqual(try file.read("int64", as: Int64.self), StoredArray(shape: [5], values: int64s))
        XCTAssertEqual(try file.read("uint8", as: UInt8.self), StoredArray(shape: [6, 1], values: bytes))
        XCTAssertEqual(try file.dataset("int32").elementType, .int32)
        XCTAssertEqual(try file.dataset("uint8").elementType, .uint8)
    }

    func testUTF8StringsRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("strings.h5")
        let smiles = ["CCO", "", "c1ccccc1", "C[C@@H](O)C(=O)O", "Ünïcödé ✓ 分子", String(repeating: "C", count: 5_000)]
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("smiles", values: smiles)
            try file.write("grid", values: ["a", "b", "c", "d"], shape: [2, 2])
        }
        let file = try HDF5File.open(at: path)
        XCTAssertEqual(try file.read("smiles", as: String.self), StoredArray(shape: [6], values: smiles))
        XCTAssertEqual(try file.read("grid", as: String.self), StoredArray(shape: [2, 2], values: ["a", "b", "c", "d"]))
        XCTAssertEqual(try file.dataset("smiles").elementType, .string)
    }

    func testScalarAndEmptyDatasetsKeepTheirShapes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("shapes.h5")
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("scalar", values: [Int64(7)], shape: [])
            try file.write("empty", values: [Float](), shape: [0, 5])
            try file.write("no-strings", values: [String]())
        }
        let file = try HDF5File.open(at: path)
        XCTAssertEqual(try file.read("scalar", as: Int64.self), StoredArray(shape: [], values: [7]))
        XCTAssertEqual(try file.read("empty", as: Float.self), StoredArray(shape: [0, 5], values: []))
        XCTAssertEqual(try file.read("no-strings", as: String.self), StoredArray(shape: [0], values: []))
    }

    func testCompressedDatasetRoundTripsAndIsChunked() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("compressed.h5")
        let values = (0..<10_000).map { Float($0 % 17) * 0.5 }
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("values", values: values, shape: [1_000, 10], deflateLevel: 6)
        }
        let dataset = try HDF5File.open(at: path).dataset("values")
        XCTAssertEqual(try dataset.read(as: Float.self).values, values)
        XCTAssertEqual(try dataset.deflateLevel, 6)
        XCTAssertNotNil(try dataset.chunkShape)
    }

    func testReadingRowsReturnsOnlyThoseRows() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("rows.h5")
        let values = (0..<30).map(Int32.init)
        try HDF5File.writeAtomically(to: path) { file in
            try file.write("table", values: values, shape: [10, 3])
            try file.write("names", values: (0..<10).map { "row \($0)" })
        }
        let file = try HDF5File.open(at: path)
        let rows = try file.dataset("table").read(rows: 4..<7, as: Int32.self)
        XCTAssertEqual(rows, StoredArray(shape: [3, 3], values: Array(12..<21).map(Int32.init)))
        XCTAssertEqual(try file.dataset("names").read(rows: 8..<10, as: String.self).values, ["row 8", "row 9"])
        XCTAssertEqual(try file.dataset("table").read(rows: 5..<5, as: Int32.self).shape, [0, 3])
        XCTAssertNotNil(storageError { try file.dataset("table").read(rows: 8..<11, as: Int32.self) })
    }

    func testValuesThatDoNotFillTheShapeAreRejected() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("bad.h5"))
        let error = storageError { try file.write("x", values: [Float](repeating: 0, count: 5), shape: [2, 3]) }
        guard case .invalidArgument? = error else { return XCTFail("unexpected \(String(describing: error))") }
        XCTAssertFalse(file.contains("x"))
    }
}
