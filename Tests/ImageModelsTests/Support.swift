import Foundation
import ImageModels
import XCTest

/// The repository root (tests read the shipped data in datasets/ and models/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let datasetsDirectory = repositoryRoot.appendingPathComponent("datasets").path

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("ImageModelsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The MNIST split, loaded once for all tests.
let mnistSplit: (train: ImageSet, heldOut: ImageSet) = try! ImageDataSource.mnist.load(from: datasetsDirectory)

/// The `ImageModelError` `body` throws; fails the test if it returns or throws something else.
func imageModelError<T>(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) -> ImageModelError? {
    do {
        _ = try body()
        XCTFail("expected an ImageModelError, but the call succeeded", file: file, line: line)
    } catch let error as ImageModelError {
        return error
    } catch {
        XCTFail("expected an ImageModelError, got \(error)", file: file, line: line)
    }
    return nil
}
