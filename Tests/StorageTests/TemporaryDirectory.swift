import Foundation
import Storage
import XCTest

/// A fresh directory per test, removed afterwards, so tests never see each other's files.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("StorageTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Names of all entries, including hidden temporaries.
    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The `StorageError` `body` throws; fails the test if it returns or throws something else.
func storageError<T>(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) -> StorageError? {
    do {
        _ = try body()
        XCTFail("expected a StorageError, but the call succeeded", file: file, line: line)
    } catch let error as StorageError {
        return error
    } catch {
        XCTFail("expected a StorageError, got \(error)", file: file, line: line)
    }
    return nil
}
