import Engine
import Foundation
import NN

/// The image models MolGen trains.
public enum ImageModelKind: String, Codable, CaseIterable, Sendable {
    case vae, cvae, ssvae, gan, cgan, infogan, dcgan, cyclegan
    /// The small convolutional digit classifier whose features FID uses (and CycleGAN's judge).
    case classifier

    /// Models whose samples take a label (InfoGAN's is its categorical code, not a digit).
    public var takesLabel: Bool { [.cvae, .ssvae, .cgan, .infogan].contains(self) }
}

/// How a VAE scores a reconstruction.
public enum Likelihood: String, Codable, CaseIterable, Sendable {
    /// Bernoulli per pixel: binary cross-entropy on the decoder's logits.
    case bernoulli
    /// Gaussian per pixel with fixed standard deviation `gaussianStd`: squared error.
    case gaussian
}

/// The generator's objective in a GAN.
public enum GeneratorLoss: String, Codable, CaseIterable, Sendable {
    /// Goodfellow et al.'s original minimax: minimise log(1 - D(G(z))). Saturates when D wins.
    case minimax
    /// The usual fix: minimise -log D(G(z)).
    case nonsaturating
}

/// Everything that defines a model and its training; stored as JSON in the model file.
public struct ImageModelConfig: Codable, Equatable, Sendable {
    public var model: ImageModelKind
    public var data: ImageDataSource
    /// CycleGAN's domain A (translated to and from `data`, its domain B).
    public var otherData: ImageDataSource?
    public var height: Int
    public var width: Int
    /// Latent (VAE) or noise (GAN) dimensions Z.
    public var latent: Int
    /// Widths of the hidden dense layers (MLP models; the first is the widest).
    public var hidden: [Int]
    /// Base convolution channels C (convolutional models use C and 2C).
    public var channels: Int
    public var likelihood: Likelihood
    public var gaussianStd: Float
    public var generatorLoss: GeneratorLoss
    /// Dropout in discriminators and the classifier.
    public var dropout: Float
    public var batchSize: Int
    public var learningRate: Float
    public var beta1: Float
    public var epochs: Int
    /// SSVAE: labelled training images (balanced over the classes); 0 for the other models.
    public var labels: Int
    /// SSVAE: weight α of the classification loss on labelled images.
    public var classWeight: Float
    /// SSVAE: weight of the consistency loss (class posterior of a shifted copy against the
    /// original's) on unlabelled images; 0 gives plain M2.
    public var consistencyWeight: Float
    /// InfoGAN: categories of the categorical code and number of continuous codes.
    public var categories: Int
    public var continuousCodes: Int
    /// InfoGAN: weight λ of the mutual-information term.
    public var infoWeight: Float
    /// CycleGAN: weights of the cycle-consistency and identity L1 terms.
    public var cycleWeight: Float
    public var identityWeight: Float
    public var seed: UInt64

    public var pixels: Int { height * width }

    /// The settings each model trains with unless options override them.
    public static func defaults(for model: ImageModelKind, data: ImageDataSource) -> ImageModelConfig {
        let side = data == .digits ? 8 : 28
        var c = ImageModelConfig(
            model: model, data: data, otherData: nil, height: side, width: side, latent: 16, hidden: [512, 256], channels: 32,
            likelihood: .bernoulli, gaussianStd: 0.1, generatorLoss: .nonsaturating, dropout: 0.3, batchSize: 64,
            learningRate: 1e-3, beta1: 0.9, epochs: 20, labels: 0, classWeight: 0, consistencyWeight: 0,
            categories: 10, continuousCodes: 2, infoWeight: 1, cycleWeight: 10, identityWeight: 5, seed: 1)
        if data == .digits { c.hidden = [256, 128] }
        switch model {
        case .vae, .cvae:
            break
        case .ssvae:
            c.labels = 100; c.batchSize = 100; c.epochs = 40; c.latent = 16; c.classWeight = 50; c.consistencyWeight = 30
        case .gan, .cgan:
            c.latent = 64; c.hidden = data == .digits ? [128, 256] : [256, 512]; c.learningRate = 2e-4; c.beta1 = 0.5; c.epochs = 60
        case .dcgan:
            c.latent = 64; c.learningRate = 2e-4; c.beta1 = 0.5; c.epochs = 25
        case .infogan:
            c.latent = 62; c.learningRate = 2e-4; c.beta1 = 0.5; c.epochs = 30
        case .cyclegan:
            c.data = .mnist; c.otherData = .digits28; c.height = 28; c.width = 28
            c.learningRate = 2e-4; c.beta1 = 0.5; c.epochs = 10; c.batchSize = 32; c.channels = 32
        case .classifier:
            c.epochs = 12; c.batchSize = 64; c.dropout = 0.3; c.channels = 16
        }
        return c
    }
}

extension ImageModelConfig {
    /// Checks every setting a user (or a file) may have set; the error names the option.
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ImageModelError.invalidOption(message()) }
        }
        try check(height > 0 && width > 0, "image size \(height)x\(width) must be positive")
        try check(latent >= 1, "--latent: \(latent) must be at least 1")
        try check(!hidden.isEmpty && hidden.allSatisfy { $0 >= 1 }, "hidden layer widths \(hidden) must be positive")
        try check(channels >= 1, "--channels: \(channels) must be at least 1")
        try check(batchSize >= 2, "--batch-size: \(batchSize) must be at least 2")
        try check(learningRate > 0 && learningRate.isFinite, "--learning-rate: \(learningRate) must be a positive number")
        try check(beta1 >= 0 && beta1 < 1, "Adam beta1 \(beta1) must be in [0, 1)")
        try check(epochs >= 1, "--epochs: \(epochs) must be at least 1")
        try check(dropout >= 0 && dropout < 1, "dropout \(dropout) must be in [0, 1)")
        try check(gaussianStd > 0 && gaussianStd.isFinite, "gaussian standard deviation \(gaussianStd) must be positive")
        for (name, weight) in [("--consistency-weight", consistencyWeight), ("class weight", classWeight), ("info weight", infoWeight),
                               ("cycle weight", cycleWeight), ("identity weight", identityWeight)] {
            try check(weight >= 0 && weight.isFinite, "\(name): \(weight) must be a finite number >= 0")
        }
        if model == .ssvae { try check(labels >= 10, "--labels: \(labels) must be at least 10 (one per digit)") }
        if model == .infogan {
            try check(categories >= 2, "infogan: \(categories) categories; at least 2 are needed")
            try check(continuousCodes >= 0, "infogan: \(continuousCodes) continuous codes must be >= 0")
        }
        if [.dcgan, .infogan, .cyclegan].contains(model) {
            try check(height % 4 == 0 && width % 4 == 0, "--data: \(model.rawValue) needs image sides divisible by 4, not \(height)x\(width)")
        }
    }
}

/// What a training step sees.
public struct TrainingBatch {
    /// Images [B, H, W, 1] in [0, 1] and their labels.
    public var images: Tensor
    public var labels: [Int]
    /// SSVAE: the labelled images of this step; CycleGAN: a batch of domain A.
    public var extra: (images: Tensor, labels: [Int])?

    public init(images: Tensor, labels: [Int], extra: (images: Tensor, labels: [Int])? = nil) {
        self.images = images; self.labels = labels; self.extra = extra
    }
}

/// An optimizer and the parameters it updates.
public struct OptimizerGroup {
    public let name: String
    public let adam: Adam
    public let parameters: [NamedParameter]
}

/// A trainable image model. Modules are named (`encoder`, `generator`, …); their parameters and
/// buffers are saved under `<module>.<name>`.
public protocol ImageModel: AnyObject {
    var config: ImageModelConfig { get }
    var modules: [(name: String, layer: Layer)] { get }
    /// One Adam per group; every parameter belongs to exactly one group.
    var optimizers: [OptimizerGroup] { get }
    /// One optimisation step; returns the terms to log by name.
    func trainStep(_ batch: TrainingBatch, using rng: RandomGenerator) -> [String: Double]
    /// New images [n, H, W, 1] in [0, 1]; `labels` (n entries) condition models that take them.
    /// Nil for models that do not generate (the classifier).
    func generate(count: Int, labels: [Int]?, using rng: RandomGenerator) -> Tensor?
}

extension ImageModel {
    /// Every parameter and buffer, named `<module>.<name>`.
    public var state: [NamedParameter] { modules.flatMap { prefixed($0.name, $0.layer.state) } }
    public var parameters: [NamedParameter] { modules.flatMap { prefixed($0.name, $0.layer.parameters) } }
    /// Non-trainable state (batch-norm running statistics), named `<module>.<name>`.
    public var buffers: [NamedParameter] { modules.flatMap { prefixed($0.name, $0.layer.buffers) } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }

    func makeAdam() -> Adam { Adam(learningRate: config.learningRate, beta1: config.beta1) }
}

/// Builds a freshly initialised model of `config.model` after checking the configuration.
public func makeImageModel(_ config: ImageModelConfig) throws -> ImageModel {
    try config.validate()
    let rng = RandomGenerator(seed: config.seed &+ 0x1000)
    switch config.model {
    case .vae, .cvae: return VAE(config, using: rng)
    case .ssvae: return SemiSupervisedVAE(config, using: rng)
    case .gan, .cgan: return GAN(config, using: rng)
    case .dcgan: return DCGAN(config, using: rng)
    case .infogan: return InfoGAN(config, using: rng)
    case .cyclegan: return CycleGAN(config, using: rng)
    case .classifier: return DigitClassifier(config, using: rng)
    }
}

/// Runs `body` on a tape and back-propagates its first result; returns the results.
@discardableResult
func backpropagate(_ body: () -> (loss: Tensor, terms: [String: Double])) -> [String: Double] {
    let tape = Tape()
    let (loss, terms) = tape.record(body)
    tape.backward(loss)
    return terms
}

/// Clears the gradients of parameters a step touched but did not update.
func clearGradients(_ parameters: [NamedParameter]) { for (_, p) in parameters { p.zeroGrad() } }

