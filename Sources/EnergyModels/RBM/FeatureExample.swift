import Engine
import Foundation
import ImageModels
import Training

/// Multinomial logistic regression (softmax over 10 classes) fitted with Adam on the tape: the
/// classifier of scikit-learn's "RBM features for digit classification" example.
public final class LogisticRegression {
    public let weight: Tensor
    public let bias: Tensor

    /// Fits on `features` [n, d] with `labels`, `epochs` passes of shuffled batches of 32, an L2
    /// penalty `l2` on the weights.
    public init(features: [Float], labels: [Int], dimensions: Int, classes: Int = 10, epochs: Int = 100,
                learningRate: Float = 0.01, l2: Float = 1e-4, seed: UInt64 = 1) {
        weight = Tensor.parameter([Float](repeating: 0, count: classes * dimensions), shape: [classes, dimensions])
        bias = Tensor.parameter([Float](repeating: 0, count: classes), shape: [classes])
        let adam = Adam(learningRate: learningRate, weightDecay: 0)
        let rng = RandomGenerator(seed: seed)
        var order = Array(labels.indices)
        let batch = 32
        for _ in 0..<epochs {
            rng.shuffle(&order)
            for start in stride(from: 0, to: order.count, by: batch) {
                let rows = Array(order[start..<min(start + batch, order.count)])
                var x: [Float] = []
                for r in rows { x += features[r * dimensions ..< (r + 1) * dimensions] }
                let tape = Tape()
                let loss = tape.record {
                    softmaxCrossEntropy(logits: linear(Tensor(x, shape: [rows.count, dimensions]), weight: weight, bias: bias),
                                        targets: rows.map { Int32(labels[$0]) }) + (weight.square().sum() * (l2 / 2))
                }
                tape.backward(loss)
                adam.update([("weight", weight), ("bias", bias)])
            }
        }
    }

    /// The most probable class of each row of `features` [n, d].
    public func classify(_ features: [Float], count: Int) -> [Int] {
        let logits = linear(Tensor(features, shape: [count, weight.shape[1]]), weight: weight, bias: bias).scalars
        let classes = weight.shape[0]
        return (0..<count).map { r in (0..<classes).max { logits[r * classes + $0] < logits[r * classes + $1] }! }
    }
}

/// scikit-learn's "Restricted Boltzmann Machine features for digit classification" on the 8x8
/// digits: an RBM (100 hidden units, gray values in [0, 1] as probabilities) trained by PCD-1 with
/// the example's learning rate 0.06, batch 10 and 20 epochs through the shared `Trainer`; then a
/// logistic regression on its hidden probabilities against one on the raw pixels, both judged on
/// the held-out digits.
public enum RBMFeatureExample {
    public static func run(datasets: String, modelPath: String, epochs: Int = 20, seed: UInt64 = 1,
                           progress: (TrainingProgress) -> Void = { _ in }) throws -> [(name: String, value: Double)] {
        var config = RBMConfig(data: .digits)
        config.hidden = 100; config.learningRate = 0.06; config.batchSize = 10; config.epochs = epochs
        config.persistent = true; config.momentum = 0; config.weightDecay = 0; config.binarize = false; config.seed = seed
        let trainer = try RBMTrainer(config: config, datasets: datasets, outputPath: modelPath, resume: false)
        try trainer.run(progress: progress)
        let train = trainer.train, heldOut = trainer.heldOut
        func features(_ images: ImageSet) -> [Float] {
            trainer.rbm.hiddenProbabilities(Tensor(images.pixels, shape: [images.count, images.pixelsPerImage])).scalars
        }
        let raw = LogisticRegression(features: train.pixels, labels: train.labels, dimensions: 64, seed: seed)
        let onFeatures = LogisticRegression(features: features(train), labels: train.labels, dimensions: 100, seed: seed)
        return [
            ("raw_pixel_accuracy", accuracy(raw.classify(heldOut.pixels, count: heldOut.count), heldOut.labels)),
            ("rbm_feature_accuracy", accuracy(onFeatures.classify(features(heldOut), count: heldOut.count), heldOut.labels)),
            ("heldout_images", Double(heldOut.count)),
        ]
    }
}
