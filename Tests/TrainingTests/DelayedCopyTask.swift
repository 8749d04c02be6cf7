import Engine
import Foundation
import NN
import Storage
import Training

/// A small sequence task that needs memory, trained through the shared loop: read random tokens
/// and, at every step, output the token seen `delay` steps earlier (0 before that). A GRU solves
/// it; a feed-forward net cannot. Two optimizers (the recurrent body and the head) stand for the
/// families that train several parts separately (GANs).
final class DelayedCopyTask: TrainingTask {
    let embedding: Embedding
    let gru: GRU
    let head: Linear
    let vocabulary = 4, delay = 2, length = 10, batchSize = 32, batches: Int
    let body = Adam(learningRate: 0.01), headOptimizer = Adam(learningRate: 0.01)
    let seed: UInt64
    /// Set by a test to make the validation loss infinite.
    var poisonValidation = false

    init(seed: UInt64, batches: Int = 10) {
        let rng = RandomGenerator(seed: seed)
        self.seed = seed; self.batches = batches
        embedding = Embedding(vocabulary: vocabulary, dimension: 8, using: rng)
        gru = GRU(inputSize: 8, hiddenSize: 32, using: rng)
        head = Linear(32, vocabulary, using: rng)
    }

    var bodyParameters: [NamedParameter] { prefixed("embedding", embedding.parameters) + prefixed("gru", gru.parameters) }
    var headParameters: [NamedParameter] { prefixed("head", head.parameters) }
    var parameters: [NamedParameter] { bodyParameters + headParameters }

    /// Random inputs and their targets, time-major: [T·B] each.
    func batch(size: Int, using rng: RandomGenerator) -> (inputs: [Int32], targets: [Int32]) {
        var inputs = [Int32](repeating: 0, count: length * size), targets = inputs
        for b in 0..<size {
            for t in 0..<length { inputs[t * size + b] = Int32(rng.index(below: vocabulary)) }
            for t in delay..<length { targets[t * size + b] = inputs[(t - delay) * size + b] }
        }
        return (inputs, targets)
    }

    func logits(_ inputs: [Int32], size: Int) -> Tensor {
        head(gru(embedding(inputs, shape: [length, size])).outputs)
    }

    var itemName: String { "sequences" }
    func batchCount(epoch: Int) -> Int { batches }
    func itemCount(epoch: Int, batch: Int) -> Int { batchSize }

    func trainStep(epoch: Int, batch b: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        // The data of a batch is fixed by (seed, epoch, batch); the run's generator is left for noise.
        let (x, y) = batch(size: batchSize, using: RandomGenerator(seed: seed &+ UInt64(epoch * 1000 + b)))
        let tape = Tape()
        var logits: Tensor!
        let loss = tape.record { () -> Tensor in
            logits = self.logits(x, size: batchSize)
            return softmaxCrossEntropy(logits: logits, targets: y)
        }
        tape.backward(loss)
        clipGradientNorm(parameters, maxNorm: 5)
        body.update(bodyParameters)
        headOptimizer.update(headParameters)
        let (c, n) = tokenAccuracy(logits: logits, targets: y)
        return ["loss": Double(loss.item), "accuracy": Double(c) / Double(n)]
    }

    func validate() throws -> [String: Double] {
        let (x, y) = batch(size: 256, using: RandomGenerator(seed: 77))
        let l = Tape.withoutRecording { logits(x, size: 256) }
        let (c, n) = tokenAccuracy(logits: l, targets: y)
        let loss = Double(softmaxCrossEntropy(logits: l, targets: y).item)
        return ["validation_loss": poisonValidation ? .infinity : loss, "validation_accuracy": Double(c) / Double(n)]
    }

    func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        try Checkpoint(kind: "delayed-copy", config: "{}", parameters: storedArrays(parameters),
                       optimizers: ["body": OptimizerState(body), "head": OptimizerState(headOptimizer)],
                       position: position, history: history).save(to: path)
    }

    /// A task continuing the run saved at `path`, and where it stood.
    static func resumed(from path: String) throws -> (DelayedCopyTask, TrainingPosition, TrainingHistory) {
        let file = try Checkpoint.load(from: path)
        let task = DelayedCopyTask(seed: file.position!.seed)
        try file.assign(to: task.parameters)
        task.body.restore(from: file.optimizers["body"]!)
        task.headOptimizer.restore(from: file.optimizers["head"]!)
        return (task, file.position!, file.history)
    }
}
