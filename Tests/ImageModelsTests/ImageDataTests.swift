import CZlib
import Foundation
import ImageModels
import XCTest

final class ImageDataTests: XCTestCase {
    func testMNISTTestSetReadsAsTenThousandLabelledDigits() throws {
        let all = try ImageDataSource.mnist.loadAll(from: datasetsDirectory)
        XCTAssertEqual(all.count, 10_000)
        XCTAssertEqual(all.height, 28)
        XCTAssertEqual(all.width, 28)
        // The well-known first test labels: 7, 2, 1, 0, 4, 1, 4, 9, 5, 9.
        XCTAssertEqual(Array(all.labels.prefix(10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        // Class counts of the MNIST test set (LeCun's page): 980 zeros ... 1009 nines.
        var counts = [Int](repeating: 0, count: 10)
        for y in all.labels { counts[y] += 1 }
        XCTAssertEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        XCTAssertEqual(all.pixels.min(), 0)
        XCTAssertEqual(all.pixels.max(), 1)
        // Image 0 (a 7) has ink in the middle rows and blank corners.
        XCTAssertEqual(all.pixels[0], 0)
        XCTAssertGreaterThan(all.pixels[0..<784].reduce(0, +), 50)
    }

    func testFixedSplitIsDisjointCompleteAndDeterministic() throws {
        let (train, held) = ImageDataSource.split(count: 10_000, heldOut: 2000)
        XCTAssertEqual(train.count, 8000)
        XCTAssertEqual(held.count, 2000)
        XCTAssertEqual(Set(train + held).count, 10_000)
        XCTAssertEqual(ImageDataSource.split(count: 10_000, heldOut: 2000).heldOut, held)
        XCTAssertEqual(mnistSplit.train.count, 8000)
        XCTAssertEqual(mnistSplit.heldOut.count, 2000)
        // Every digit is held out in roughly its share.
        var counts = [Int](repeating: 0, count: 10)
        for y in mnistSplit.heldOut.labels { counts[y] += 1 }
        XCTAssertTrue(counts.allSatisfy { (150...260).contains($0) }, "held-out class counts \(counts)")
    }

    func testDigitsCSVReadsEightByEightDigits() throws {
        let digits = try ImageDataSource.digits.loadAll(from: datasetsDirectory)
        XCTAssertEqual(digits.count, 1797)
        XCTAssertEqual(digits.height, 8)
        XCTAssertEqual(Array(digits.labels.prefix(3)), [0, 1, 2])
        // First row of scikit-learn's digit 0: 0,0,5,13,9,1,0,0 (out of 16).
        XCTAssertEqual(Array(digits.pixels.prefix(8)), [0, 0, 5, 13, 9, 1, 0, 0].map { Float($0) / 16 })
        let (train, held) = try ImageDataSource.digits.load(from: datasetsDirectory)
        XCTAssertEqual(held.count, 359)
        XCTAssertEqual(train.count + held.count, 1797)
    }

    func testUpscaledDigitsKeepTheirLabelsAndInk() throws {
        let digits = try ImageDataSource.digits.loadAll(from: datasetsDirectory)
        let big = try ImageDataSource.digits28.loadAll(from: datasetsDirectory)
        XCTAssertEqual(big.height, 28)
        XCTAssertEqual(big.labels, digits.labels)
        // Bilinear resampling keeps the mean intensity close (interpolation, no new ink).
        let small = digits.pixels[0..<64].reduce(0, +) / 64, large = big.pixels[0..<784].reduce(0, +) / 784
        XCTAssertEqual(small, large, accuracy: 0.05)
        // A constant image stays constant.
        XCTAssertEqual(Set(resizeBilinear([Float](repeating: 0.25, count: 64), count: 1, height: 8, width: 8, toHeight: 28, toWidth: 28)), [0.25])
    }

    func testDamagedIDXFilesAreRejectedNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        func gzip(_ bytes: [UInt8], _ name: String) -> String {
            let path = dir.file(name)
            let f = gzopen(path, "wb")!
            _ = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
            gzclose(f)
            return path
        }
        let badMagic = gzip([1, 2, 3, 4, 0, 0, 0, 1, 9], "bad.gz")
        XCTAssertEqual(imageModelError { try IDXReader.read(badMagic) }, .badFile(path: badMagic, reason: "not an IDX file (bad magic number)"))
        let short = gzip([0, 0, 8, 1, 0, 0, 0, 5, 1, 2], "short.gz")
        let error = imageModelError { try IDXReader.read(short) }
        XCTAssertTrue("\(error!)".hasPrefix(short) && "\(error!)".contains("promises 5"), "\(error!)")
        XCTAssertEqual(imageModelError { try IDXReader.read(dir.file("missing.gz")) }, .fileNotFound(dir.file("missing.gz")))
        // A label file that does not match the image count.
        let images = gzip([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 7, 9], "images.gz")
        let labels = gzip([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3], "labels.gz")
        XCTAssertTrue("\(imageModelError { try IDXReader.readImages(images: images, labels: labels) }!)".contains("3 labels for the 2 images"))
    }
}
