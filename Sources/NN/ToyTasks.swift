import Engine

/// A small sequence task that needs memory: read random tokens and, at every step, output the
/// token seen `delay` steps earlier (0 before that). A GRU solves it; a feed-forward net cannot.
/// Used by the engine's end-to-end test and by the engine demo.
public final class DelayedCopyModel: Layer {
    public let embedding: Embedding
    public let gru: GRU
    public let head: Linear
    public let vocabulary: Int

    public init(vocabulary: Int = 4, hidden: Int = 32, using rng: RandomGenerator) {
        self.vocabulary = vocabulary
        embedding = Embedding(vocabulary: vocabulary, dimension: 8, using: rng)
        gru = GRU(inputSize: 8, hiddenSize: hidden, using: rng)
        head = Linear(hidden, vocabulary, using: rng)
    }

    public var parameters: [NamedParameter] {
        prefixed("embedding", embedding.parameters) + prefixed("gru", gru.parameters) + prefixed("head", head.parameters)
    }

    /// Random inputs and their targets, time-major: [T·B] each.
    public func batch(steps: Int, size: Int, delay: Int, using rng: RandomGenerator) -> (inputs: [Int32], targets: [Int32]) {
        var inputs = [Int32](repeating: 0, count: steps * size), targets = inputs
        for b in 0..<size {
            for t in 0..<steps { inputs[t * size + b] = Int32(rng.index(below: vocabulary)) }
            for t in delay..<steps { targets[t * size + b] = inputs[(t - delay) * size + b] }
        }
        return (inputs, targets)
    }

    /// Logits [T, B, V].
    public func logits(_ inputs: [Int32], steps: Int, size: Int) -> Tensor {
        head(gru(embedding(inputs, shape: [steps, size])).outputs)
    }

    /// Trains with Adam; calls `report(step, loss, accuracy)` every `reportEvery` steps and
    /// returns the final held-out token accuracy.
    @discardableResult
    public func train(steps trainingSteps: Int, delay: Int = 2, length: Int = 10, batchSize: Int = 32, learningRate: Float = 0.01,
                      using rng: RandomGenerator, reportEvery: Int = 50, report: (Int, Float, Double) -> Void = { _, _, _ in }) -> Double {
        let adam = Adam(learningRate: learningRate)
        for step in 1...trainingSteps {
            let (x, y) = batch(steps: length, size: batchSize, delay: delay, using: rng)
            let tape = Tape()
            var logits: Tensor!
            let loss = tape.record { () -> Tensor in
                logits = self.logits(x, steps: length, size: batchSize)
                return softmaxCrossEntropy(logits: logits, targets: y)
            }
            tape.backward(loss)
            clipGradientNorm(parameters, maxNorm: 5)
            adam.update(parameters)
            if step % reportEvery == 0 || step == trainingSteps {
                let (c, n) = tokenAccuracy(logits: logits, targets: y)
                report(step, loss.item, Double(c) / Double(n))
            }
        }
        let (x, y) = batch(steps: length, size: 256, delay: delay, using: rng)
        let (c, n) = tokenAccuracy(logits: logits(x, steps: length, size: 256), targets: y)
        return Double(c) / Double(n)
    }
}
