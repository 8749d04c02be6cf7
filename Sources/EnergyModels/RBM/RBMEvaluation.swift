import Engine
import Foundation
import ImageModels

/// Pictures of an RBM's Gibbs chains (and, through `pixels`, of a deep belief net's).
public enum RBMPictures {
    /// A grid of `count` samples, each the mean image after `steps` block Gibbs steps from a
    /// uniformly random start.
    public static func samples(_ rbm: RBM, count: Int, steps: Int, seed: UInt64) -> PNGImage {
        grid(rbm.gibbsSample(count: count, steps: steps, using: RandomGenerator(seed: seed)).scalars, count: count, data: rbm.config.data)
    }

    /// One chain over time: `frames` pictures (10 per row) of the chain's mean image, evenly spaced
    /// over `steps` Gibbs steps from a random start (the last frame is after step `steps`).
    /// `pixels` turns the chain's visible means into the image shown (a DBN carries them down).
    public static func chain(_ rbm: RBM, frames: Int, steps: Int, seed: UInt64,
                             pixels: (_ means: Tensor, _ rng: RandomGenerator) -> Tensor = { means, _ in means }) -> PNGImage {
        let frames = min(frames, steps)
        let shownAfter = Set((1...frames).map { ($0 * steps + frames - 1) / frames })
        let rng = RandomGenerator(seed: seed)
        var shown: [Float] = []
        _ = rbm.gibbsSample(count: 1, steps: steps, using: rng) { step, means in
            if shownAfter.contains(step) { shown += pixels(means, rng).scalars }
        }
        return grid(shown, count: frames, data: rbm.config.data)
    }

    /// `count` images of `data`'s size in rows of ten.
    static func grid(_ pixels: [Float], count: Int, data: ImageDataSource) -> PNGImage {
        let (height, width) = data.imageSize
        let columns = min(count, 10)
        return imageGrid(pixels, count: count, height: height, width: width, rows: (count + columns - 1) / columns, columns: columns)
    }
}

extension ImageDataSource {
    /// Height and width of this source's images.
    public var imageSize: (height: Int, width: Int) { self == .digits ? (8, 8) : (28, 28) }
}

/// `molgen image score` for an RBM.
public enum RBMEvaluation {
    /// On the held-out images (binarised): `ais_log_z` (and its standard error), the mean
    /// `heldout_log_likelihood` in nats per image with its standard error over images, the
    /// `pseudo_log_likelihood`, and `exact_log_z` when there are at most 20 hidden units.
    public static func score(_ rbm: RBM, datasets: String, chains: Int = 100, temperatures: Int = 3000,
                             seed: UInt64 = 1) throws -> [(name: String, value: Double)] {
        try score(rbm, heldOut: binarized(try rbm.config.data.load(from: datasets).heldOut), chains: chains, temperatures: temperatures, seed: seed)
    }

    /// The same figures on `heldOut` (binary rows of the machine's visible width).
    public static func score(_ rbm: RBM, heldOut: ImageSet, chains: Int = 100, temperatures: Int = 3000,
                             seed: UInt64 = 1) throws -> [(name: String, value: Double)] {
        guard (2...100_000).contains(chains) else { throw ImageModelError.invalidOption("--ais-chains: \(chains) must be between 2 and 100000") }
        guard (10...1_000_000).contains(temperatures) else {
            throw ImageModelError.invalidOption("--ais-temperatures: \(temperatures) must be between 10 and 1000000")
        }
        let estimate = AnnealedImportanceSampling.logPartition(rbm, chains: chains, temperatures: temperatures, seed: seed)
        let likelihood = AnnealedImportanceSampling.meanLogLikelihood(rbm, images: heldOut, logZ: estimate.logZ)
        var figures: [(name: String, value: Double)] = [
            ("ais_log_z", estimate.logZ), ("ais_log_z_std_error", estimate.standardError),
            ("heldout_log_likelihood", likelihood.mean), ("heldout_log_likelihood_std_error", likelihood.standardError),
            ("pseudo_log_likelihood", rbm.pseudoLogLikelihood(heldOut, bitsPerImage: 10)),
            ("heldout_images", Double(heldOut.count)),
        ]
        if rbm.hidden <= 20 { figures.insert(("exact_log_z", AnnealedImportanceSampling.exactLogPartition(rbm)), at: 1) }
        return figures
    }
}
