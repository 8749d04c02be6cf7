import Storage
import XCTest

/// Groups addressed by paths: creating along a path, listing, containment and kinds.
final class GroupTests: XCTestCase {
    func testCreateGroupMakesEveryGroupAlongThePathAndCanBeRepeated() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("groups.h5"))
        let leaf = try file.createGroup("encoder/conv/0")
        XCTAssertEqual(leaf.path, "/encoder/conv/0")
        XCTAssertEqual(try file.createGroup("encoder/conv").path, "/encoder/conv")
        XCTAssertEqual(try file.createGroup("/encoder/conv/0").path, "/encoder/conv/0")
        XCTAssertEqual(file.objectKind(at: "encoder"), .group)
        XCTAssertEqual(try file.group("encoder").childNames(), ["conv"])
    }

    func testChildNamesAreSortedAndNamePathsWorkFromAnyGroup() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("names.h5"))
        let group = try file.createGroup("data")
        try group.write("zeta", values: [Int32(1)])
        try group.write("alpha/beta", values: [Int32(2)])
        try group.createGroup("mid")
        XCTAssertEqual(try group.childNames(), ["alpha", "mid", "zeta"])
        XCTAssertEqual(try file.childNames(), ["data"])
        XCTAssertTrue(group.contains("alpha/beta"))
        XCTAssertTrue(file.contains("/data/alpha/beta"))
        XCTAssertTrue(group.contains("/data/zeta"), "absolute paths start at the root")
        XCTAssertFalse(group.contains("alpha/gamma"))
        XCTAssertFalse(group.contains("nothing/below/here"))
        XCTAssertEqual(group.objectKind(at: "alpha/beta"), .dataset)
        XCTAssertEqual(group.objectKind(at: "alpha"), .group)
        XCTAssertNil(group.objectKind(at: "missing"))
        XCTAssertEqual(try group.dataset("alpha/beta").path, "/data/alpha/beta")
    }

    func testPathsThatAreTakenOrMissingGiveNamedErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("taken.h5")
        let file = try HDF5File.create(at: path)
        try file.write("tokens", values: [UInt8(1)])
        XCTAssertEqual(storageError { try file.write("tokens", values: [UInt8(2)]) }, .alreadyExists(path: "/tokens", file: path))
        XCTAssertEqual(storageError { try file.createGroup("tokens/inner") }, .alreadyExists(path: "/tokens", file: path))
        XCTAssertEqual(storageError { try file.group("tokens") }, .missingGroup(path: "/tokens", file: path))
        XCTAssertEqual(storageError { try file.dataset("lengths") }, .missingDataset(path: "/lengths", file: path))
        XCTAssertEqual(storageError { try file.read("a/b", as: Float.self) }, .missingDataset(path: "/a/b", file: path))
    }

    func testRemovedDatasetsCanBeWrittenAgain() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("remove.h5"))
        try file.write("x", values: [Float(1)])
        try file.remove("x")
        XCTAssertFalse(file.contains("x"))
        try file.write("x", values: [Float(2), 3])
        XCTAssertEqual(try file.read("x", as: Float.self).values, [2, 3])
    }

    func testReadingADatasetAsTheWrongTypeIsATypedError() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("types.h5")
        let file = try HDF5File.create(at: path)
        try file.write("lengths", values: [Int32(3), 4])
        let error = storageError { try file.read("lengths", as: Float.self) }
        XCTAssertEqual(error, .typeMismatch(path: "/lengths", file: path, stored: "int32", requested: "float32"))
        XCTAssertEqual(error?.description, "'/lengths' in \(path) stores int32 but float32 was requested: read it as int32")
        XCTAssertEqual(storageError { try file.read("lengths", as: String.self) },
                       .typeMismatch(path: "/lengths", file: path, stored: "int32", requested: "string"))
    }

    func testReadingWithAnExpectedShapeChecksIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("shape.h5")
        let file = try HDF5File.create(at: path)
        try file.write("tokens", values: [UInt8](repeating: 1, count: 6), shape: [2, 3])
        XCTAssertEqual(try file.dataset("tokens").read(as: UInt8.self, expectedShape: [2, 3]).count, 6)
        let error = storageError { try file.dataset("tokens").read(as: UInt8.self, expectedShape: [3, 2]) }
        XCTAssertEqual(error?.description, "'/tokens' in \(path) has shape [2, 3] but [3, 2] was expected")
    }
}
