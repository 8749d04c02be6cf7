import Chem
import Datasets
import Engine
import Foundation
import NN
import Smiles
import Storage
import Training

/// Mean and standard deviation of each property column, so the head learns unit-scale targets.
public struct PropertyNormalization: Equatable, Sendable {
    public var names: [String]
    public var mean: [Float]
    public var std: [Float]

    /// Statistics of `values` [N, P] (a zero spread becomes 1 so nothing divides by zero).
    public init(names: [String], values: [Float]) {
        let p = names.count, n = p == 0 ? 0 : values.count / p
        var mean = [Double](repeating: 0, count: p), square = mean
        for i in 0..<n { for j in 0..<p { let v = Double(values[i * p + j]); mean[j] += v; square[j] += v * v } }
        self.names = names
        self.mean = mean.map { Float($0 / Double(max(n, 1))) }
        self.std = (0..<p).map { j in
            let m = mean[j] / Double(max(n, 1))
            let s = (max(square[j] / Double(max(n, 1)) - m * m, 0)).squareRoot()
            return s > 1e-8 ? Float(s) : 1
        }
    }

    public init(names: [String], mean: [Float], std: [Float]) { self.names = names; self.mean = mean; self.std = std }

    public func normalize(_ values: [Float]) -> [Float] {
        values.enumerated().map { (i, v) in (v - mean[i % names.count]) / std[i % names.count] }
    }

    public func denormalize(_ values: [Float]) -> [Float] {
        values.enumerated().map { (i, v) in v * std[i % names.count] + mean[i % names.count] }
    }
}

/// A trained (or training) chemical VAE with everything needed to use it: the model, the SMILES
/// codec of its training data, the property normalisation, and for resuming, the optimizer and
/// training state and the history.
public final class ChemVAEModel {
    public let model: ChemVAE
    public let codec: SmilesCodec
    public let normalization: PropertyNormalization?
    public var history: TrainingHistory
    public var optimizer: Adam?
    /// Where the run stands (nil for a model saved for inference only).
    public var position: TrainingPosition?
    /// The aggregate posterior fitted by `molgen fit-prior`, if any (see `GaussianMixture`).
    public var prior: GaussianMixture?
    /// The temperature the fitted prior is drawn at by default (`molgen fit-prior --temperature`;
    /// `--prior-temperature` overrides it): the spread that samples best, measured by its fitter.
    public var priorTemperature = 1.0
    /// How SMILES given to this model are standardised before tokenizing (`--standardize`); by
    /// default what its vocabulary needs (`SmilesCodec.neededStandardization`).
    public var standardization: Standardization?
    /// The training set's applicability domain, when measured (`molgen export --domain-from`);
    /// latent commands warn about inputs outside it.
    public var domain: ApplicabilityDomain?

    /// The family's name in the model file's `kind` attribute.
    public static let kind = "chemvae"
    /// State arrays that are the family's own, not a layer's.
    static let familyState = ["properties.", "prior.", ApplicabilityDomain.statePrefix]

    public init(model: ChemVAE, codec: SmilesCodec, normalization: PropertyNormalization?, history: TrainingHistory = TrainingHistory(),
                optimizer: Adam? = nil, position: TrainingPosition? = nil) {
        self.model = model; self.codec = codec; self.normalization = normalization
        self.history = history; self.optimizer = optimizer; self.position = position
        standardization = codec.neededStandardization
    }

    public var config: ChemVAEConfig { model.config }

    // MARK: Saving

    /// Writes the model file atomically: an interrupted save leaves the previous file intact.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configJSON = String(decoding: try encoder.encode(model.config), as: UTF8.self)
        var state = storedArrays(model.buffers)
        if let n = normalization {
            state["properties.mean"] = StoredArray(shape: [n.names.count], values: n.mean)
            state["properties.std"] = StoredArray(shape: [n.names.count], values: n.std)
        }
        if let p = prior {
            let k = p.components, d = p.dimension
            state["prior.weights"] = StoredArray(shape: [k], values: p.weights.map(Float.init))
            state["prior.means"] = StoredArray(shape: [k, d], values: p.means.map(Float.init))
            state["prior.cholesky"] = StoredArray(shape: [k, d, d], values: p.choleskyFactors.map(Float.init))
            if priorTemperature != 1 { state["prior.temperature"] = StoredArray(shape: [1], values: [Float(priorTemperature)]) }
        }
        for (name, array) in domain?.stateArrays ?? [:] { state[name] = StoredArray(shape: array.shape, values: array.values) }
        let checkpoint = Checkpoint(kind: Self.kind, config: configJSON, parameters: storedArrays(model.parameters), state: state,
                                    optimizers: optimizer.map { ["adam": OptimizerState($0)] } ?? [:], position: position,
                                    history: history)
        try checkpoint.save(to: path) { file in try codec.write(to: file) }
    }

    // MARK: Loading

    /// Loads a model file written by `save(to:)` (or by an earlier version: see `Checkpoint`).
    /// Errors name the file and what is wrong with it.
    public static func load(from path: String) throws -> ChemVAEModel {
        var codec: SmilesCodec?
        var names: [String]?
        let checkpoint = try Checkpoint.load(from: path) { file in
            codec = try SmilesCodec(readingFrom: file)
            // Version 1 kept the property names on /normalization.
            if file.objectKind(at: "normalization") == .group { names = try? file.group("normalization").stringsAttribute("names") }
        }
        guard checkpoint.kind == Self.kind || checkpoint.kind.isEmpty else {
            throw ChemVAEError.notAModel(path: path, reason: "it holds a model of kind '\(checkpoint.kind)', not a chemical VAE")
        }
        let config: ChemVAEConfig
        do { config = try JSONDecoder().decode(ChemVAEConfig.self, from: Data(checkpoint.config.utf8)) } catch {
            throw ChemVAEError.notAModel(path: path, reason: "its config attribute is not a ChemVAE configuration")
        }
        let model = try ChemVAE(config, seed: 0)
        do { try checkpoint.assign(to: model.state, leavingOut: familyState) } catch let error as ParameterLoadError {
            throw ChemVAEError.notAModel(path: path, reason: "\(error)")
        }
        var normalization: PropertyNormalization?
        if let mean = checkpoint.state["properties.mean"], let std = checkpoint.state["properties.std"] {
            normalization = PropertyNormalization(names: names ?? config.propertyNames, mean: mean.values, std: std.values)
        }
        var prior: GaussianMixture?
        if let w = checkpoint.state["prior.weights"], let m = checkpoint.state["prior.means"], let l = checkpoint.state["prior.cholesky"] {
            do {
                prior = try GaussianMixture(dimension: config.latentSize, weights: w.values.map(Double.init), means: m.values.map(Double.init),
                                            choleskyFactors: l.values.map(Double.init))
            } catch { throw ChemVAEError.notAModel(path: path, reason: "\(error)") }
        }
        var adam: Adam?
        if let o = checkpoint.optimizers["adam"] {
            let a = Adam(learningRate: config.learningRate)
            a.restore(from: o)
            adam = a
        }
        guard let codec else { throw ChemVAEError.notAModel(path: path, reason: "it has no /vocabulary") }
        guard codec.vocabulary.count == config.vocabularySize, codec.maxLength == config.maxLength else {
            throw ChemVAEError.notAModel(path: path, reason: "its vocabulary (\(codec.vocabulary.count) tokens, rows of \(codec.maxLength)) does not match its config (\(config.vocabularySize), \(config.maxLength))")
        }
        let bundle = ChemVAEModel(model: model, codec: codec, normalization: normalization, history: checkpoint.history,
                                   optimizer: adam, position: checkpoint.position)
        bundle.prior = prior
        if prior != nil, let t = checkpoint.state["prior.temperature"]?.values.first {
            guard t > 0 && t <= 4 else { throw ChemVAEError.notAModel(path: path, reason: "its prior temperature \(t) is not in (0, 4]") }
            bundle.priorTemperature = (Double(t) * 1e6).rounded() / 1e6   // stored as float32: 0.97, not 0.9700000286
        }
        bundle.domain = ApplicabilityDomain(ranges: checkpoint.state["domain.ranges"]?.values,
                                            quantiles: checkpoint.state["domain.latent_norm_quantiles"]?.values,
                                            molecules: checkpoint.state["domain.molecules"]?.values)
        return bundle
    }
}
