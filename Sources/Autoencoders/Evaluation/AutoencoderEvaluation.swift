import Charts
import Engine
import Foundation
import ImageModels
import NN
import Samplers

/// Figures and pictures of trained autoencoders on the held-out images: the reconstruction error
/// of every kind, the denoising error of `dae`, the comparison with PCA of `linear-ae` and the
/// class kept through a swap of styles of `swap`.
public enum AutoencoderEvaluation {
    /// Every figure for the model in `file`, in print order. `classifiers` loads the shipped digit
    /// classifier of a data source (the judges of `swap`). With `pictures`, writes
    /// `<pictures>-reconstructions.png` (originals above reconstructions), and for `linear-ae`
    /// `<pictures>-ae-codes.svg` and `<pictures>-pca-codes.svg`, for `swap` `<pictures>-swap.png`.
    public static func score(_ file: AutoencoderFile, datasets: String, pictures: String? = nil, seed: UInt64 = 1,
                             classifiers: (ImageDataSource) throws -> DigitClassifier) throws -> [(name: String, value: Double)] {
        let model = file.model, config = file.config
        let (train, heldOut) = try config.data.load(from: datasets)
        var figures: [(String, Double)] = [("reconstruction_mse", reconstructionError(model, heldOut))]
        if let pictures { try reconstructionGrid(model, heldOut).write(to: pictures + "-reconstructions.png") }
        switch model {
        case let mlp as MLPAutoencoder where config.kind == .dae:
            // Denoising: reconstructions of corrupted held-out images against the clean ones.
            let noisy = corrupt(heldOut.tensor, noise: config.noise, level: config.noiseLevel, using: RandomGenerator(seed: seed))
            var corrupted = heldOut
            corrupted.pixels = noisy.scalars
            figures.append(("corrupted_input_mse", meanSquaredError(heldOut.pixels, corrupted.pixels)))
            figures.append(("denoised_mse", meanSquaredError(heldOut.pixels, mlp.reconstruct(corrupted))))
        case let mlp as MLPAutoencoder where config.kind == .linearAE:
            let comparison = try LinearAutoencoderComparison(mlp, train: train, heldOut: heldOut)
            figures.append(("pca_reconstruction_mse", comparison.pcaError))
            figures.append(("largest_principal_angle_deg", comparison.anglesInDegrees.max() ?? 0))
            figures.append(("mean_principal_angle_deg", comparison.anglesInDegrees.reduce(0, +) / Double(max(comparison.anglesInDegrees.count, 1))))
            if let pictures, config.code >= 2 {
                try comparison.codeMap(ofAutoencoder: true).write(to: pictures + "-ae-codes.svg")
                try comparison.codeMap(ofAutoencoder: false).write(to: pictures + "-pca-codes.svg")
            }
        case let swap as SwapAutoencoder:
            guard let otherData = config.otherData else { break }
            let other = try otherData.load(from: datasets).heldOut
            let judgeB = try classifiers(config.data), judgeA = try classifiers(otherData)
            func read(_ judge: DigitClassifier, _ pixels: [Float]) -> [Int] {
                judge.classify(Tensor(pixels, shape: [pixels.count / config.pixels, config.height, config.width, 1]))
            }
            figures.append(("reconstruction_mse_a", meanSquaredError(other.pixels, swap.inBlocks(other) { swap.decode(swap.encode($0), style: .a) })))
            figures.append(("class_kept_a_to_b", accuracy(read(judgeB, swap.swapped(other, to: .b)), other.labels)))
            figures.append(("class_kept_b_to_a", accuracy(read(judgeA, swap.swapped(heldOut, to: .a)), heldOut.labels)))
            // The judges on real images of their own style: the ceiling of the two figures above.
            figures.append(("judge_accuracy_b", accuracy(read(judgeB, heldOut.pixels), heldOut.labels)))
            figures.append(("judge_accuracy_a", accuracy(read(judgeA, other.pixels), other.labels)))
            if let pictures { try swapGrid(swap, a: other, b: heldOut).write(to: pictures + "-swap.png") }
        default:
            break
        }
        return figures
    }

    /// The first 30 held-out images in three blocks of ten: originals above their reconstructions.
    public static func reconstructionGrid(_ model: Autoencoder, _ images: ImageSet, columns: Int = 10, blocks: Int = 3) -> PNGImage {
        let shown = images.subset(Array(0..<min(columns * blocks, images.count)))
        let rebuilt = model.reconstruct(shown)
        return interleavedGrid([shown.pixels, rebuilt], count: shown.count, height: images.height, width: images.width, columns: columns)
    }

    /// Ten digits of each style (one per class) and their swaps, row by row: A, A decoded as B,
    /// B, B decoded as A.
    public static func swapGrid(_ model: SwapAutoencoder, a: ImageSet, b: ImageSet) -> PNGImage {
        func onePerDigit(_ set: ImageSet) -> ImageSet { set.subset((0..<10).compactMap { d in set.labels.firstIndex(of: d) }) }
        let a10 = onePerDigit(a), b10 = onePerDigit(b)
        let rows = [a10.pixels, model.swapped(a10, to: .b), b10.pixels, model.swapped(b10, to: .a)]
        return imageGrid(rows.flatMap { $0 }, count: 4 * a10.count, height: a.height, width: a.width, rows: 4, columns: a10.count)
    }

    /// Rows of `columns` images taken from each of `sets` in turn (set 0's first row, set 1's first
    /// row, ..., set 0's second row, ...).
    static func interleavedGrid(_ sets: [[Float]], count: Int, height: Int, width: Int, columns: Int) -> PNGImage {
        let d = height * width, blocks = (count + columns - 1) / columns
        var pixels: [Float] = []
        for block in 0..<blocks {
            let range = block * columns * d ..< min((block + 1) * columns, count) * d
            for set in sets {
                pixels += set[range]
                pixels += [Float](repeating: 0.5, count: (columns * d - range.count))   // a short last row
            }
        }
        return imageGrid(pixels, count: blocks * sets.count * columns, height: height, width: width, rows: blocks * sets.count, columns: columns)
    }

    /// `count` images decoded from codes drawn from a Gaussian fitted (per code unit) to the codes
    /// of the training images: an autoencoder has no prior of its own. `swap` draws its swap grid.
    public static func samples(_ file: AutoencoderFile, count: Int, datasets: String, seed: UInt64) throws -> PNGImage {
        let model = file.model, config = file.config
        let (train, heldOut) = try config.data.load(from: datasets)
        if let swap = model as? SwapAutoencoder, let otherData = config.otherData {
            return swapGrid(swap, a: try otherData.load(from: datasets).heldOut, b: heldOut)
        }
        let codes = model.codes(train), z = config.code, n = train.count
        var mean = [Double](repeating: 0, count: z), variance = [Double](repeating: 0, count: z)
        for i in 0..<n { for j in 0..<z { mean[j] += Double(codes[i * z + j]) / Double(n) } }
        for i in 0..<n { for j in 0..<z { let d = Double(codes[i * z + j]) - mean[j]; variance[j] += d * d / Double(max(n - 1, 1)) } }
        let rng = RandomGenerator(seed: seed)
        var drawn = [Float](repeating: 0, count: count * z)
        for i in 0..<count { for j in 0..<z { drawn[i * z + j] = Float(mean[j] + variance[j].squareRoot() * Double(rng.normal())) } }
        let images = model.decode(Tensor(drawn, shape: [count, z])).scalars
        let columns = Int(Double(count).squareRoot().rounded(.up))
        return imageGrid(images, count: count, height: config.height, width: config.width, rows: (count + columns - 1) / columns, columns: columns)
    }
}

/// A linear autoencoder beside PCA with as many components as it has code units: both
/// reconstruction errors on the held-out images, and the principal angles between the decoder's
/// column space and PCA's top-k subspace (the material: a linear autoencoder trained on squared
/// error spans the same subspace as the top-k singular vectors, though not with the same basis).
public struct LinearAutoencoderComparison {
    public let pca: PrincipalComponents
    public let autoencoderError: Double
    public let pcaError: Double
    /// Principal angles, ascending.
    public let anglesInDegrees: [Double]
    let autoencoderCodes: [Float]
    let heldOut: ImageSet

    public init(_ model: MLPAutoencoder, train: ImageSet, heldOut: ImageSet) throws {
        let k = model.config.code, d = model.config.pixels
        pca = try PrincipalComponents(rows: train.pixels, count: train.count, dimension: d, components: k)
        let pcaImages = pca.reconstruct(pca.project(heldOut.pixels, count: heldOut.count), count: heldOut.count).map(Float.init)
        pcaError = meanSquaredError(heldOut.pixels, pcaImages)
        autoencoderError = reconstructionError(model, heldOut)
        // The decoder weight is [D, k]: its columns, as rows.
        let w = model.decoderWeight.scalars
        let columns = (0..<k).flatMap { j in (0..<d).map { i in Double(w[i * k + j]) } }
        anglesInDegrees = principalAngles(columns, pca.axes, count: k, dimension: d).map { $0 * 180 / .pi }
        autoencoderCodes = model.codes(heldOut)
        self.heldOut = heldOut
    }

    /// The held-out codes (the autoencoder's or PCA's) on their own first two principal axes, a
    /// dot per image (the first 1,000, to keep the file small) coloured by digit.
    public func codeMap(ofAutoencoder: Bool) throws -> Chart {
        let k = pca.components, n = heldOut.count
        let codes = ofAutoencoder ? autoencoderCodes : pca.project(heldOut.pixels, count: n).map(Float.init)
        let plane = try PrincipalComponents(rows: codes, count: n, dimension: k, components: 2)
        let points = plane.project(codes, count: n)
        let name = ofAutoencoder ? "linear autoencoder" : "PCA"
        var plot = Chart(title: "\(name) codes (k = \(k)) of held-out MNIST, first two principal axes", xLabel: "axis 1", yLabel: "axis 2")
        for digit in 0..<10 {
            let mine = (0..<min(n, 1000)).filter { heldOut.labels[$0] == digit }
            plot.series.append(.init(name: "digit \(digit)", points: mine.map { (points[2 * $0], points[2 * $0 + 1]) }, style: .dots))
        }
        return plot
    }
}

/// Principal angles (radians, ascending) between the spans of two sets of `count` vectors of
/// `dimension` (row-major [count, dimension] each): the arc cosines of the singular values of
/// QaᵀQb for orthonormal bases Qa, Qb, from the eigenvalues of (QaᵀQb)ᵀ(QaᵀQb) (LAPACK).
public func principalAngles(_ a: [Double], _ b: [Double], count k: Int, dimension d: Int) -> [Double] {
    let qa = orthonormalRows(a, count: k, dimension: d), qb = orthonormalRows(b, count: k, dimension: d)
    var m = [Double](repeating: 0, count: k * k)   // m[i, j] = qa_i · qb_j
    for i in 0..<k { for j in 0..<k { for t in 0..<d { m[i * k + j] += qa[i * d + t] * qb[j * d + t] } } }
    var gram = [Double](repeating: 0, count: k * k)
    for i in 0..<k { for j in 0..<k { for t in 0..<k { gram[i * k + j] += m[t * k + i] * m[t * k + j] } } }
    let cosinesSquared = symmetricEigen(gram, dimension: k).values   // ascending: largest angle first
    return cosinesSquared.map { acos(min(max($0, 0), 1).squareRoot()) }.reversed()
}

/// Modified Gram-Schmidt on the rows.
func orthonormalRows(_ rows: [Double], count k: Int, dimension d: Int) -> [Double] {
    var q = rows
    for i in 0..<k {
        for j in 0..<i {
            var dot = 0.0
            for t in 0..<d { dot += q[i * d + t] * q[j * d + t] }
            for t in 0..<d { q[i * d + t] -= dot * q[j * d + t] }
        }
        var norm = 0.0
        for t in 0..<d { norm += q[i * d + t] * q[i * d + t] }
        norm = norm.squareRoot()
        for t in 0..<d { q[i * d + t] /= max(norm, 1e-300) }
    }
    return q
}
