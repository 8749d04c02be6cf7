import Charts
import Engine
import Foundation
import ImageModels
import NN
import Samplers
import Storage
import Training

/// The material's VAE demonstration: N points in p dimensions that lie on a 2-D manifold with four
/// modes. Manifold coordinates u come from four Gaussian clusters at (±1.5, ±1.5); a fixed,
/// seeded smooth map x = A·tanh(B·u + c) carries them into p dimensions (no noise: the data are
/// exactly 2-D).
public struct ManifoldData {
    /// [N, 2] manifold coordinates, [N] mode of each point, [N, p] the points.
    public var coordinates: [Float], modes: [Int], points: [Float]
    public var dimension: Int
    public var count: Int { modes.count }

    public init(count: Int, dimension: Int, seed: UInt64) {
        let rng = RandomGenerator(seed: seed &+ 0x3A41)
        let width = 16
        let b = (0..<(width * 2)).map { _ in rng.normal() }, c = (0..<width).map { _ in 0.5 * rng.normal() }
        let a = (0..<(dimension * width)).map { _ in rng.normal() / Float(width).squareRoot() }
        self.dimension = dimension
        coordinates = []; modes = []; points = []
        let centres: [(Float, Float)] = [(-1.5, -1.5), (1.5, -1.5), (-1.5, 1.5), (1.5, 1.5)]
        for i in 0..<count {
            let mode = i % 4
            let u = (centres[mode].0 + 0.35 * rng.normal(), centres[mode].1 + 0.35 * rng.normal())
            let hidden = (0..<width).map { k in tanhf(b[2 * k] * u.0 + b[2 * k + 1] * u.1 + c[k]) }
            coordinates += [u.0, u.1]; modes.append(mode)
            points += (0..<dimension).map { j in (0..<width).reduce(0) { $0 + a[j * width + $1] * hidden[$1] } }
        }
    }
}

/// Settings of the manifold VAE; the data are a function of them (seed included).
public struct ManifoldConfig: Codable, Equatable, Sendable {
    public var points = 100
    public var dimension = 32
    public var hidden = 64
    public var batchSize = 20
    public var epochs = 300
    public var learningRate = 3e-3
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw ToyError(message) } }
        try require((8...100_000).contains(points), "--points: \(points) must be between 8 and 100000")
        try require((2...4096).contains(dimension), "--dimension: \(dimension) must be between 2 and 4096")
        try require((1...4096).contains(hidden), "--hidden: \(hidden) must be between 1 and 4096")
        try require((1...points).contains(batchSize), "--batch-size: \(batchSize) must be between 1 and --points \(points)")
        try require((1...100_000).contains(epochs), "--epochs: \(epochs) must be between 1 and 100000")
        try require(learningRate > 0 && learningRate.isFinite, "--learning-rate: \(learningRate) must be positive")
    }
}

/// A small VAE with a 2-D latent: encoder p → H → (μ, log σ²), decoder 2 → H → p, tanh hidden units.
/// Loss per point: squared error Σ_j (x_j − x̂_j)² plus KL(q(z|x) ‖ N(0, I)); with a Gaussian
/// decoder of variance ½ that is −ELBO up to a constant.
public final class ManifoldVAE: Layer {
    public let encoder: [Linear], decoder: [Linear]

    public init(dimension: Int, hidden: Int, using rng: RandomGenerator) {
        encoder = [Linear(dimension, hidden, activation: .tanh, using: rng), Linear(hidden, 4, using: rng)]
        decoder = [Linear(2, hidden, activation: .tanh, using: rng), Linear(hidden, dimension, using: rng)]
    }

    public var parameters: [NamedParameter] {
        encoder.enumerated().flatMap { prefixed("encoder.\($0.offset)", $0.element.parameters) }
            + decoder.enumerated().flatMap { prefixed("decoder.\($0.offset)", $0.element.parameters) }
    }

    /// μ and log σ² [B, 2] of q(z | x), x [B, p].
    public func encode(_ x: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        let h = encoder.reduce(x) { $1($0) }.split(sizes: [2, 2], axis: 1)
        return (h[0], h[1])
    }

    public func decode(_ z: Tensor) -> Tensor { decoder.reduce(z) { $1($0) } }

    /// The batch means of the two ELBO terms: squared error and KL (one z draw per point).
    public func terms(_ x: Tensor, using rng: RandomGenerator) -> (reconstruction: Tensor, kl: Tensor) {
        let (mean, logVariance) = encode(x)
        let reconstruction = (decode(reparameterize(mean: mean, logVariance: logVariance, using: rng)) - x).square().sum(axis: 1).mean()
        return (reconstruction, gaussianKL(mean: mean, logVariance: logVariance))
    }
}

/// Trains the manifold VAE through the shared `Trainer`; the model file is the shared checkpoint
/// (kind "toy-vae": config JSON, parameters, Adam, position, history), so a stopped run resumes exactly.
public final class ManifoldTrainer: TrainingTask {
    public let config: ManifoldConfig
    public let data: ManifoldData
    public let model: ManifoldVAE
    let adam: Adam
    /// The shared loop running this task (`loop.run(...)` trains).
    public private(set) var loop: Trainer!

    public static let kind = "toy-vae"

    public init(config: ManifoldConfig?, outputPath: String, resume: Bool) throws {
        let settings: ManifoldConfig
        var position: TrainingPosition, history = TrainingHistory(), stored: Checkpoint?
        if resume {
            guard FileManager.default.fileExists(atPath: outputPath) else { throw ToyError("--resume: \(outputPath): no such file") }
            let checkpoint = try Checkpoint.load(from: outputPath)
            guard checkpoint.kind == Self.kind, let c = try? JSONDecoder().decode(ManifoldConfig.self, from: Data(checkpoint.config.utf8)) else {
                throw ToyError("--resume: \(outputPath) is not a toy VAE model file")
            }
            guard let p = checkpoint.position else { throw ToyError("--resume: \(outputPath) holds no training state to resume") }
            settings = c; position = p; history = checkpoint.history; stored = checkpoint
        } else {
            guard let config else { throw ToyError("a new run needs a configuration") }
            try config.validate()
            settings = config; position = TrainingPosition(seed: config.seed)
        }
        self.config = settings
        data = ManifoldData(count: settings.points, dimension: settings.dimension, seed: settings.seed)
        model = ManifoldVAE(dimension: settings.dimension, hidden: settings.hidden, using: RandomGenerator(seed: settings.seed))
        adam = Adam(learningRate: Float(settings.learningRate))
        if let stored {
            try stored.assign(to: model.parameters)
            if let state = stored.optimizers["adam"] { adam.restore(from: state) }
        }
        var options = TrainerOptions(epochs: settings.epochs)
        options.keepsBest = false
        loop = Trainer(task: self, outputPath: outputPath, options: options, position: position, history: history)
    }

    // MARK: TrainingTask

    public var itemName: String { "points" }
    private lazy var order = EpochBatches(count: data.count)

    public func batchCount(epoch: Int) -> Int { data.count / config.batchSize }
    public func itemCount(epoch: Int, batch: Int) -> Int { config.batchSize }

    public func trainStep(epoch: Int, batch: Int, epochPosition: Double, using rng: RandomGenerator) throws -> [String: Double] {
        let p = config.dimension
        let rows = order.indices(of: batch, size: config.batchSize, epoch: epoch, seed: loop.position.seed)
        let x = Tensor(rows.flatMap { data.points[($0 * p)..<(($0 + 1) * p)] }, shape: [rows.count, p])
        let tape = Tape()
        var terms: [String: Double] = [:]
        let loss = tape.record { () -> Tensor in
            let (reconstruction, kl) = model.terms(x, using: rng)
            terms["reconstruction"] = Double(reconstruction.scalars[0]); terms["kl"] = Double(kl.scalars[0])
            return reconstruction + kl
        }
        tape.backward(loss)
        adam.update(model.parameters)
        terms["loss"] = Double(loss.scalars[0])
        return terms
    }

    public func validate() throws -> [String: Double] { [:] }

    public func save(to path: String, position: TrainingPosition?, history: TrainingHistory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Checkpoint(kind: Self.kind, config: String(decoding: try encoder.encode(config), as: UTF8.self),
                       parameters: storedArrays(model.parameters), optimizers: ["adam": OptimizerState(adam)],
                       position: position, history: history).save(to: path)
    }
}

/// What the trained VAE says about its data.
public struct ManifoldReport {
    /// Means over all points (`draws` z draws each) of the squared error and the KL; ELBO = −(both)
    /// up to the decoder's constant.
    public var reconstruction: Double, kl: Double
    public var elbo: Double { -(reconstruction + kl) }
    /// Squared error of the data around its mean: what a decoder that ignores z would pay.
    public var dataVariance: Double
    /// The share of points whose latent mean is nearest the centroid of its own mode's means.
    public var latentModeAccuracy: Double
    public var latentMeans: [Float]
    public var decodedPrior: [Float]

    public init(_ trainer: ManifoldTrainer, draws: Int = 20, priorSamples: Int = 400, seed: UInt64) {
        let data = trainer.data, p = data.dimension, n = data.count
        let x = Tensor(data.points, shape: [n, p]), rng = RandomGenerator(seed: seed)
        let (reconstruction, kl, means, prior) = Tape.withoutRecording {
            var r = 0.0, k = 0.0
            for _ in 0..<draws {
                let t = trainer.model.terms(x, using: rng)
                r += Double(t.reconstruction.scalars[0]) / Double(draws); k += Double(t.kl.scalars[0]) / Double(draws)
            }
            let prior = trainer.model.decode(Tensor.randomNormal([priorSamples, 2], using: rng))
            return (r, k, trainer.model.encode(x).mean.scalars, prior.scalars)
        }
        self.reconstruction = reconstruction; self.kl = kl; latentMeans = means; decodedPrior = prior
        let covariance = meanAndCovariance(data.points, count: n, dimension: p).covariance
        dataVariance = (0..<p).reduce(0) { $0 + covariance[$1 * p + $1] } * Double(n - 1) / Double(n)
        var centroids = [[Double]](repeating: [0, 0, 0], count: 4)   // sum x, sum y, count per mode
        for i in 0..<n { centroids[data.modes[i]][0] += Double(means[2 * i]); centroids[data.modes[i]][1] += Double(means[2 * i + 1]); centroids[data.modes[i]][2] += 1 }
        let c = centroids.map { $0[2] > 0 ? ($0[0] / $0[2], $0[1] / $0[2]) : (Double.infinity, Double.infinity) }
        let correct = (0..<n).filter { i in
            let z = (Double(means[2 * i]), Double(means[2 * i + 1]))
            let nearest = (0..<4).min { hypot(z.0 - c[$0].0, z.1 - c[$0].1) < hypot(z.0 - c[$1].0, z.1 - c[$1].1) }!
            return nearest == data.modes[i]
        }.count
        latentModeAccuracy = Double(correct) / Double(n)
    }

    /// Three panels: the data in its manifold coordinates, the latent means, and the data with
    /// decoded prior samples on the data's first two principal components.
    public func plots(_ data: ManifoldData) throws -> [Chart] {
        func byMode(_ values: [Float]) -> [Chart.Series] {
            (0..<4).map { m in .init(name: "mode \(m + 1)", points: data.modes.indices.filter { data.modes[$0] == m }.map { (Double(values[2 * $0]), Double(values[2 * $0 + 1])) }, style: .dots) }
        }
        let pca = try PrincipalComponents(rows: data.points, count: data.count, dimension: data.dimension, components: 2)
        func project(_ v: [Float]) -> [(x: Double, y: Double)] {
            let xy = pca.project(v, count: v.count / data.dimension)
            return stride(from: 0, to: xy.count, by: 2).map { (xy[$0], xy[$0 + 1]) }
        }
        return [scatterPanel("data: manifold coordinates", x: "u1", y: "u2", byMode(data.coordinates)),
                scatterPanel("latent means E[z | x]", x: "z1", y: "z2", byMode(latentMeans)),
                scatterPanel("data and decoded N(0, I) samples (PCA)", x: "PC 1", y: "PC 2",
                             [.init(name: "decoded prior", points: project(decodedPrior), style: .dots),
                              .init(name: "data", points: project(data.points), style: .dots)])]
    }
}
