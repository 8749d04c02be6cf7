import Storage
import XCTest

/// Attributes of every supported kind on files, groups and datasets.
final class AttributeTests: XCTestCase {
    func testEveryAttributeKindRoundTripsOnFileGroupAndDataset() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("attributes.h5")
        let values: [String: AttributeValue] = [
            "format": "molgen-dataset",
            "version": 3,
            "learning_rate": 0.001,
            "names": .strings(["logP", "QED", "SAS", "分子"]),
            "shape": .ints([Int.min, -1, 0, Int.max]),
            "weights": .doubles([-0.0, 1.5, .infinity]),
            "empty_names": .strings([]),
            "empty_text": "",
        ]
        try HDF5File.writeAtomically(to: path) { file in
            let group = try file.createGroup("a/b")
            let dataset = try group.write("x", values: [Float(1)])
            for object in [file, group, dataset] as [HDF5Object] {
                for (name, value) in values { try object.setAttribute(name, value) }
            }
        }
        let file = try HDF5File.open(at: path)
        for object in [file, try file.group("a/b"), try file.dataset("a/b/x")] as [HDF5Object] {
            for (name, value) in values {
                XCTAssertEqual(try object.attribute(name), value, "\(object.path)@\(name)")
            }
            XCTAssertEqual(try object.attributeNames(), values.keys.sorted())
        }
        XCTAssertEqual(try file.stringAttribute("format"), "molgen-dataset")
        XCTAssertEqual(try file.intAttribute("version"), 3)
        XCTAssertEqual(try file.doubleAttribute("learning_rate"), 0.001)
        XCTAssertEqual(try file.doubleAttribute("version"), 3, "an integer attribute reads as a Double too")
        XCTAssertEqual(try file.stringsAttribute("names"), ["logP", "QED", "SAS", "分子"])
        XCTAssertEqual(try file.intsAttribute("shape"), [Int.min, -1, 0, Int.max])
        XCTAssertEqual(try file.doublesAttribute("weights").map(\.bitPattern), [-0.0, 1.5, Double.infinity].map(\.bitPattern))
    }

    func testSettingAnAttributeAgainReplacesItsValueAndType() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("replace.h5"))
        try file.setAttribute("value", 1)
        try file.setAttribute("value", "one")
        XCTAssertEqual(try file.attribute("value"), "one")
        try file.removeAttribute("value")
        XCTAssertFalse(try file.hasAttribute("value"))
    }

    func testReadingAnAttributeAsTheWrongTypeNamesBothTypes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("typed.h5")
        let file = try HDF5File.create(at: path)
        try file.setAttribute("version", 2)
        let error = storageError { try file.stringAttribute("version") }
        XCTAssertEqual(error, .typeMismatch(path: "/@version", file: path, stored: "Int", requested: "String"))
        XCTAssertEqual(error?.description, "'/@version' in \(path) stores Int but String was requested: read it as Int")
    }

    func testAMissingAttributeNamesTheObjectAndTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("missing.h5")
        let file = try HDF5File.create(at: path)
        let group = try file.createGroup("vocabulary")
        let error = storageError { try group.stringsAttribute("tokens") }
        XCTAssertEqual(error, .missingAttribute(name: "tokens", owner: "/vocabulary", file: path))
        XCTAssertTrue(error?.description.hasPrefix("\(path) has no attribute 'tokens' on '/vocabulary'") ?? false)
    }
}
