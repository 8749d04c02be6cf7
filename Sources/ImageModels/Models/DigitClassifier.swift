import Engine
import Foundation
import NN

/// The small convolutional digit classifier whose 128-d penultimate features FID is computed on
/// (in place of Inception, which knows nothing of digits), and which judges CycleGAN translations.
/// conv(K4 s2) 1->C, ReLU -> conv(K4 s2) C->2C, ReLU -> dense 128, ReLU (features) -> dropout -> dense 10.
/// Trained with random shifts of up to 2 pixels.
public final class DigitClassifier: ImageModel {
    public let config: ImageModelConfig
    public let body: Stack
    public let head: Stack
    let adam: Adam
    public static let featureSize = 128

    init(_ config: ImageModelConfig, using rng: RandomGenerator) {
        self.config = config
        let c = config.channels, h = convOutputSize(convOutputSize(config.height, kernel: 4, stride: 2, padding: 1), kernel: 4, stride: 2, padding: 1)
        let w = convOutputSize(convOutputSize(config.width, kernel: 4, stride: 2, padding: 1), kernel: 4, stride: 2, padding: 1)
        body = Stack([
            .conv(Conv2D(1, c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.relu),
            .conv(Conv2D(c, 2 * c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.relu),
            .reshape([h * w * 2 * c]), .dense(Linear(h * w * 2 * c, Self.featureSize, activation: .relu, using: rng)),
        ])
        head = Stack([.dropout(config.dropout), .dense(Linear(Self.featureSize, 10, using: rng))])
        adam = Adam(learningRate: config.learningRate, beta1: config.beta1)
    }

    public var modules: [(name: String, layer: Layer)] { [("body", body), ("head", head)] }
    public var optimizers: [OptimizerGroup] { [OptimizerGroup(name: "classifier", adam: adam, parameters: parameters)] }

    public func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double] {
        let x = randomShift(batch.images, maxShift: 2, using: rng)
        let terms = backpropagate {
            let logits = head(body(x, training: true, using: rng), training: true, using: rng)
            let loss = softmaxCrossEntropy(logits: logits, targets: batch.labels.map(Int32.init))
            let (correct, total) = tokenAccuracy(logits: logits, targets: batch.labels.map(Int32.init))
            return (loss, ["loss": Double(loss.item), "accuracy": Double(correct) / Double(total)])
        }
        adam.update(parameters)
        return terms
    }

    public func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor? { nil }

    /// Penultimate features [N, 128] and class logits [N, 10] of images [N, H, W, 1] in [0, 1].
    public func featuresAndLogits(_ images: Tensor) -> (features: [Float], logits: [Float]) {
        let rng = RandomGenerator(seed: 0)
        var features: [Float] = [], logits: [Float] = []
        let n = images.shape[0], per = images.count / max(n, 1)
        for start in stride(from: 0, to: n, by: 500) {
            let count = min(500, n - start)
            let x = Tensor(Array(UnsafeBufferPointer(start: images.pointer + start * per, count: count * per)), shape: [count] + images.shape.dropFirst())
            let f = body(x, training: false, using: rng)
            features += f.scalars
            logits += head(f, training: false, using: rng).scalars
        }
        return (features, logits)
    }

    /// Predicted digits of images [N, H, W, 1].
    public func classify(_ images: Tensor) -> [Int] {
        argmaxRows(Tensor(featuresAndLogits(images).logits, shape: [images.shape[0], 10]))
    }
}
