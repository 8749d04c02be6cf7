import Engine
import NN

/// The paper's encoder: 1-D convolutions (tanh, then batch norm) over one-hot tokens, flattened
/// into a dense layer (tanh, batch norm), then the latent mean and log-variance.
/// tokens [B, T] (T = maxLength) -> mean, logVariance [B, Z].
final class ConvEncoder: Layer {
    let convolutions: [Conv1D]
    let convNorms: [BatchNorm]
    let dense: Linear
    let denseNorm: BatchNorm
    let mean: Linear
    let logVariance: Linear
    let vocabularySize: Int
    let length: Int

    init(_ c: ChemVAEConfig, using rng: RandomGenerator) {
        var channels = c.vocabularySize
        var convs: [Conv1D] = [], norms: [BatchNorm] = []
        for (out, kernel) in zip(c.encoderChannels, c.encoderKernels) {
            convs.append(Conv1D(channels, out, kernel: kernel, using: rng))
            norms.append(BatchNorm(out))
            channels = out
        }
        convolutions = convs; convNorms = norms
        dense = Linear(c.encoderOutputLength * channels, c.encoderHidden, activation: .tanh, using: rng)
        denseNorm = BatchNorm(c.encoderHidden)
        mean = Linear(c.encoderHidden, c.latentSize, using: rng)
        logVariance = Linear(c.encoderHidden, c.latentSize, using: rng)
        vocabularySize = c.vocabularySize
        length = c.maxLength
    }

    func callAsFunction(_ tokens: [Int32], batch: Int, training: Bool) -> (mean: Tensor, logVariance: Tensor) {
        var h = oneHot(tokens, shape: [batch, length], classes: vocabularySize)
        for (conv, norm) in zip(convolutions, convNorms) { h = norm(conv(h).tanh(), training: training) }
        h = denseNorm(dense(h.reshaped([batch, -1])), training: training)
        return (mean(h), logVariance(h))
    }

    var parameters: [NamedParameter] {
        convolutions.enumerated().flatMap { prefixed("conv\($0.offset)", $0.element.parameters) }
            + convNorms.enumerated().flatMap { prefixed("conv\($0.offset)_norm", $0.element.parameters) }
            + prefixed("dense", dense.parameters) + prefixed("dense_norm", denseNorm.parameters)
            + prefixed("mean", mean.parameters) + prefixed("log_variance", logVariance.parameters)
    }

    var buffers: [NamedParameter] {
        convNorms.enumerated().flatMap { prefixed("conv\($0.offset)_norm", $0.element.buffers) }
            + prefixed("dense_norm", denseNorm.buffers)
    }
}

/// Predicts the (normalised) properties from the latent mean: dense layers (tanh, dropout, batch
/// norm) then a linear output. z [B, Z] -> [B, P].
final class PropertyHead: Layer {
    let hidden: [Linear]
    let norms: [BatchNorm]
    let output: Linear
    let dropout: Float

    init(_ c: ChemVAEConfig, using rng: RandomGenerator) {
        var width = c.latentSize
        var layers: [Linear] = [], bns: [BatchNorm] = []
        for _ in 0..<c.propertyLayers {
            layers.append(Linear(width, c.propertyHidden, activation: .tanh, using: rng))
            bns.append(BatchNorm(c.propertyHidden))
            width = c.propertyHidden
        }
        hidden = layers; norms = bns
        output = Linear(width, c.propertyNames.count, using: rng)
        dropout = c.propertyDropout
    }

    func callAsFunction(_ z: Tensor, training: Bool, using rng: RandomGenerator) -> Tensor {
        output(features(z, training: training, using: rng))
    }

    /// What the output layer reads: the hidden layers' activations.
    func features(_ z: Tensor, training: Bool, using rng: RandomGenerator) -> Tensor {
        var h = z
        for (layer, norm) in zip(hidden, norms) {
            h = norm(Engine.dropout(layer(h), probability: dropout, training: training, using: rng), training: training)
        }
        return h
    }

    var parameters: [NamedParameter] {
        hidden.enumerated().flatMap { prefixed("dense\($0.offset)", $0.element.parameters) }
            + norms.enumerated().flatMap { prefixed("dense\($0.offset)_norm", $0.element.parameters) }
            + prefixed("output", output.parameters)
    }

    var buffers: [NamedParameter] { norms.enumerated().flatMap { prefixed("dense\($0.offset)_norm", $0.element.buffers) } }
}
