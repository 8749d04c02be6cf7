import CZlib
import Engine
import Foundation

/// Errors a user can cause with data files and options; each message names the file or option.
public enum ImageModelError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(String)
    case badFile(path: String, reason: String)
    case invalidOption(String)
    case notAModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "\(path): no such file"
        case let .badFile(path, reason): return "\(path): \(reason)"
        case .invalidOption(let message): return message
        case let .notAModel(path, reason): return "\(path) is not an image model file: \(reason)"
        }
    }
}

/// Grayscale images with labels: pixels in [0, 1], row-major, `count` images of height × width.
public struct ImageSet: Sendable {
    public var pixels: [Float]
    public var labels: [Int]
    public let height: Int
    public let width: Int

    public init(pixels: [Float], labels: [Int], height: Int, width: Int) {
        precondition(pixels.count == labels.count * height * width, "ImageSet: \(pixels.count) pixels for \(labels.count) images of \(height)x\(width)")
        self.pixels = pixels; self.labels = labels; self.height = height; self.width = width
    }

    public var count: Int { labels.count }
    public var pixelsPerImage: Int { height * width }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageSet {
        let d = pixelsPerImage
        var out = [Float](repeating: 0, count: indices.count * d)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() { (dst.baseAddress! + k * d).update(from: src.baseAddress! + i * d, count: d) }
            }
        }
        return ImageSet(pixels: out, labels: indices.map { labels[$0] }, height: height, width: width)
    }

    /// The images at `indices` as a tensor [n, H, W, 1] (channels last).
    public func batch(_ indices: [Int]) -> Tensor {
        let d = pixelsPerImage
        let t = Tensor(zeros: [indices.count, height, width, 1])
        pixels.withUnsafeBufferPointer { src in
            for (k, i) in indices.enumerated() { (t.pointer + k * d).update(from: src.baseAddress! + i * d, count: d) }
        }
        return t
    }

    /// Every image as a tensor [N, H, W, 1].
    public var tensor: Tensor { Tensor(pixels, shape: [count, height, width, 1]) }

    /// Each image resized to `side`×`side` by bilinear interpolation (pixel centres aligned as
    /// PyTorch's `interpolate(mode="bilinear", align_corners=False)`).
    public func resized(to side: Int) -> ImageSet {
        let out = resizeBilinear(pixels, count: count, height: height, width: width, toHeight: side, toWidth: side)
        return ImageSet(pixels: out, labels: labels, height: side, width: side)
    }
}

/// Bilinear resampling of `count` images [H, W] to [outH, outW].
public func resizeBilinear(_ pixels: [Float], count: Int, height: Int, width: Int, toHeight: Int, toWidth: Int) -> [Float] {
    var out = [Float](repeating: 0, count: count * toHeight * toWidth)
    func taps(_ o: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Float) {
        let s = max((Float(o) + 0.5) * Float(inSize) / Float(outSize) - 0.5, 0)
        let i0 = min(Int(s), inSize - 1), i1 = min(i0 + 1, inSize - 1)
        return (i0, i1, s - Float(i0))
    }
    let rows = (0..<toHeight).map { taps($0, height, toHeight) }, cols = (0..<toWidth).map { taps($0, width, toWidth) }
    for n in 0..<count {
        let src = n * height * width, dst = n * toHeight * toWidth
        for (oy, (y0, y1, fy)) in rows.enumerated() {
            for (ox, (x0, x1, fx)) in cols.enumerated() {
                let top = pixels[src + y0 * width + x0] * (1 - fx) + pixels[src + y0 * width + x1] * fx
                let bottom = pixels[src + y1 * width + x0] * (1 - fx) + pixels[src + y1 * width + x1] * fx
                out[dst + oy * toWidth + ox] = top * (1 - fy) + bottom * fy
            }
        }
    }
    return out
}

/// Reads a whole file, gunzipping it if it is gzip (zlib reads plain files through unchanged).
func readMaybeGzipped(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw ImageModelError.fileNotFound(path) }
    guard let file = gzopen(path, "rb") else { throw ImageModelError.badFile(path: path, reason: "cannot be opened") }
    defer { gzclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if n < 0 { throw ImageModelError.badFile(path: path, reason: "is not a readable gzip file (damaged or truncated)") }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<Int(n)])
    }
    return bytes
}

/// IDX files (LeCun's MNIST format): a big-endian header — two zero bytes, the element type
/// (0x08 = unsigned byte), the number of dimensions — then each dimension as a big-endian UInt32,
/// then the elements row-major. Gzipped or plain.
public enum IDXReader {
    /// The dimensions and bytes of an unsigned-byte IDX file.
    public static func read(_ path: String) throws -> (dimensions: [Int], values: [UInt8]) {
        let bytes = try readMaybeGzipped(path)
        func fail(_ reason: String) -> ImageModelError { .badFile(path: path, reason: reason) }
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { throw fail("not an IDX file (bad magic number)") }
        guard bytes[2] == 0x08 else { throw fail(String(format: "IDX element type 0x%02x is not unsigned byte (0x08)", bytes[2])) }
        let rank = Int(bytes[3])
        guard rank >= 1, bytes.count >= 4 + 4 * rank else { throw fail("IDX header is truncated") }
        var dims: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        let header = 4 + 4 * rank, expected = dims.reduce(1, *)
        guard bytes.count - header == expected else {
            throw fail("IDX header promises \(dims.map(String.init).joined(separator: "x")) = \(expected) bytes but the file holds \(bytes.count - header)")
        }
        return (dims, Array(bytes[header...]))
    }

    /// An images file [N, H, W] and its labels file [N] as one set (pixels scaled to [0, 1]).
    public static func readImages(images imagesPath: String, labels labelsPath: String) throws -> ImageSet {
        let images = try read(imagesPath), labels = try read(labelsPath)
        guard images.dimensions.count == 3 else {
            throw ImageModelError.badFile(path: imagesPath, reason: "holds a rank-\(images.dimensions.count) array, not images [N, H, W]")
        }
        guard labels.dimensions.count == 1 else {
            throw ImageModelError.badFile(path: labelsPath, reason: "holds a rank-\(labels.dimensions.count) array, not labels [N]")
        }
        guard labels.dimensions[0] == images.dimensions[0] else {
            throw ImageModelError.badFile(path: labelsPath, reason: "has \(labels.dimensions[0]) labels for the \(images.dimensions[0]) images of \(imagesPath)")
        }
        if let bad = labels.values.firstIndex(where: { $0 > 9 }) {
            throw ImageModelError.badFile(path: labelsPath, reason: "label \(labels.values[bad]) at index \(bad) is not a digit 0-9")
        }
        return ImageSet(pixels: images.values.map { Float($0) / 255 }, labels: labels.values.map(Int.init),
                        height: images.dimensions[1], width: images.dimensions[2])
    }
}

/// The UCI 8x8 digits as scikit-learn ships them: CSV lines of 64 pixel values 0-16 then the label.
public enum DigitsCSVReader {
    public static func read(_ path: String) throws -> ImageSet {
        let text = String(decoding: try readMaybeGzipped(path), as: UTF8.self)
        var pixels: [Float] = [], labels: [Int] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 65 else {
                throw ImageModelError.badFile(path: path, reason: "line \(n + 1) has \(fields.count) fields; expected 64 pixels and a label")
            }
            for f in fields.prefix(64) {
                guard let v = Int(f), (0...16).contains(v) else {
                    throw ImageModelError.badFile(path: path, reason: "line \(n + 1): pixel '\(f)' is not an integer 0-16")
                }
                pixels.append(Float(v) / 16)
            }
            guard let label = Int(fields[64]), (0...9).contains(label) else {
                throw ImageModelError.badFile(path: path, reason: "line \(n + 1): label '\(fields[64])' is not a digit 0-9")
            }
            labels.append(label)
        }
        guard !labels.isEmpty else { throw ImageModelError.badFile(path: path, reason: "holds no digits") }
        return ImageSet(pixels: pixels, labels: labels, height: 8, width: 8)
    }
}

/// The image data sets MolGen ships (see datasets/README.md).
public enum ImageDataSource: String, Codable, CaseIterable, Sendable {
    /// The 10,000 MNIST test images, 28x28.
    case mnist
    /// The 1,797 UCI 8x8 digits.
    case digits
    /// The 8x8 digits upscaled to 28x28 (bilinear): the CycleGAN's other domain.
    case digits28

    /// Images held out of training: 2,000 of MNIST's 10,000; a fifth (359) of the 1,797 digits.
    public func heldOutCount(total: Int) -> Int { self == .mnist ? 2000 : total / 5 }

    /// Loads every image from `directory` (the repository's `datasets/`).
    /// - Throws: `invalidOption` naming `--datasets` when the directory lacks the data (a command
    ///   run outside the repository looks for `datasets/` where it is).
    public func loadAll(from directory: String) throws -> ImageSet {
        let folder = directory + (self == .mnist ? "/mnist" : "/digits")
        guard FileManager.default.fileExists(atPath: folder) else {
            throw ImageModelError.invalidOption("--datasets: \(folder) does not exist; pass --datasets with the path of the MolGen repository's datasets/ folder")
        }
        switch self {
        case .mnist:
            return try IDXReader.readImages(images: directory + "/mnist/t10k-images-idx3-ubyte.gz",
                                            labels: directory + "/mnist/t10k-labels-idx1-ubyte.gz")
        case .digits: return try DigitsCSVReader.read(directory + "/digits/digits.csv.gz")
        case .digits28: return try DigitsCSVReader.read(directory + "/digits/digits.csv.gz").resized(to: 28)
        }
    }

    /// The fixed split: a shuffle of all images by `RandomGenerator(seed: 1)`; the first part trains,
    /// the last `heldOutCount` are held out. The same on every machine and run.
    public func load(from directory: String) throws -> (train: ImageSet, heldOut: ImageSet) {
        let all = try loadAll(from: directory)
        let (train, held) = Self.split(count: all.count, heldOut: heldOutCount(total: all.count))
        return (all.subset(train), all.subset(held))
    }

    public static func split(count: Int, heldOut: Int) -> (train: [Int], heldOut: [Int]) {
        var order = Array(0..<count)
        RandomGenerator(seed: 1).shuffle(&order)
        return (Array(order[..<(count - heldOut)]), Array(order[(count - heldOut)...]))
    }
}
