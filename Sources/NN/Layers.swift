import Engine

/// Fully connected layer: x [..., I] -> act(x·Wᵀ + b) [..., O]. weight [O, I], bias [O], initialised
/// U(-1/√I, 1/√I) as PyTorch does.
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let activation: Activation

    public init(_ inputs: Int, _ outputs: Int, bias: Bool = true, activation: Activation = .identity, using rng: RandomGenerator) {
        let bound = 1 / Float(max(inputs, 1)).squareRoot()
        weight = .randomUniform([outputs, inputs], low: -bound, high: bound, using: rng)
        weight.setRequiresGrad(true)
        self.bias = bias ? .randomUniform([outputs], low: -bound, high: bound, using: rng) : nil
        self.bias?.setRequiresGrad(true)
        self.activation = activation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias, activation: activation) }

    public var parameters: [NamedParameter] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }
    public var inputSize: Int { weight.shape[1] }
    public var outputSize: Int { weight.shape[0] }
}

/// 1-D convolution, channels last: x [B, L, Cin] -> [B, Lout, Cout]. weight [Cout, K, Cin], bias [Cout].
public final class Conv1D: Layer {
    public let weight: Tensor
    public let bias: Tensor
    public let padding: ConvPadding

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, padding: ConvPadding = .valid, using rng: RandomGenerator) {
        let bound = 1 / Float(inChannels * kernel).squareRoot()
        weight = .randomUniform([outChannels, kernel, inChannels], low: -bound, high: bound, using: rng)
        bias = .randomUniform([outChannels], low: -bound, high: bound, using: rng)
        weight.setRequiresGrad(true); bias.setRequiresGrad(true)
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv1d(x, weight: weight, bias: bias, padding: padding) }

    public var parameters: [NamedParameter] { [("weight", weight), ("bias", bias)] }
    public var kernel: Int { weight.shape[1] }
    public var outChannels: Int { weight.shape[0] }

    /// Output length for an input of length `length`.
    public func outputLength(_ length: Int) -> Int { padding == .same ? length : length - kernel + 1 }
}

/// Batch normalisation over the last axis (features / channels-last): x [..., C].
public final class BatchNorm: Layer {
    public let gamma: Tensor
    public let beta: Tensor
    public let statistics: BatchNormStatistics
    public let epsilon: Float

    public init(_ features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        gamma = Tensor(repeating: 1, shape: [features]); beta = Tensor(zeros: [features])
        gamma.setRequiresGrad(true); beta.setRequiresGrad(true)
        statistics = BatchNormStatistics(features: features, momentum: momentum)
        self.epsilon = epsilon
    }

    public func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        batchNorm(x, gamma: gamma, beta: beta, statistics: statistics, training: training, epsilon: epsilon)
    }

    public var parameters: [NamedParameter] { [("weight", gamma), ("bias", beta)] }
    public var buffers: [NamedParameter] { [("running_mean", statistics.mean), ("running_var", statistics.variance)] }
}

/// Token embedding: indices -> rows of a [V, E] table initialised N(0, 1).
public final class Embedding: Layer {
    public let table: Tensor

    public init(vocabulary: Int, dimension: Int, using rng: RandomGenerator) {
        table = .randomNormal([vocabulary, dimension], using: rng)
        table.setRequiresGrad(true)
    }

    public func callAsFunction(_ indices: [Int32], shape: [Int]) -> Tensor { embedding(indices, shape: shape, table: table) }
    public var parameters: [NamedParameter] { [("weight", table)] }
    public var dimension: Int { table.shape[1] }
}

/// A stack of GRU layers over time-major sequences, with optional dropout between layers.
/// x [T, B, I] -> outputs of the top layer [T, B, H] and the final state of every layer [B, H] each.
/// Parameter names follow PyTorch: `0.weight_ih`, `0.weight_hh`, `0.bias_ih`, `0.bias_hh`, `1.…`.
public final class GRU: Layer {
    public let layers: [GRUWeights]
    public let dropout: Float

    public init(inputSize: Int, hiddenSize: Int, layers count: Int = 1, dropout: Float = 0, using rng: RandomGenerator) {
        precondition(count >= 1, "GRU: needs at least one layer")
        let bound = 1 / Float(hiddenSize).squareRoot()
        layers = (0..<count).map { l in
            func u(_ shape: [Int]) -> Tensor {
                let t = Tensor.randomUniform(shape, low: -bound, high: bound, using: rng)
                t.setRequiresGrad(true)
                return t
            }
            return GRUWeights(weightIH: u([3 * hiddenSize, l == 0 ? inputSize : hiddenSize]), weightHH: u([3 * hiddenSize, hiddenSize]),
                              biasIH: u([3 * hiddenSize]), biasHH: u([3 * hiddenSize]))
        }
        self.dropout = dropout
    }

    public var hiddenSize: Int { layers[0].hiddenSize }

    /// Runs every layer over the whole sequence. `initialStates` holds one [B, H] per layer (nil: zeros).
    public func callAsFunction(
        _ x: Tensor, initialStates: [Tensor]? = nil, training: Bool = false, using rng: RandomGenerator? = nil
    ) -> (outputs: Tensor, finalStates: [Tensor]) {
        if let s = initialStates { precondition(s.count == layers.count, "GRU: \(s.count) initial states for \(layers.count) layers") }
        var h = x
        var finals: [Tensor] = []
        for (l, w) in layers.enumerated() {
            if l > 0, training, dropout > 0, let rng { h = Engine.dropout(h, probability: dropout, training: true, batchAxis: 1, using: rng) }
            h = gruLayer(h, initialState: initialStates?[l], weights: w)
            let t = h.shape[0]
            finals.append(h.slice(axis: 0, (t - 1)..<t).reshaped([h.shape[1], hiddenSize]))
        }
        return (h, finals)
    }

    /// One time step for every layer: x [B, I] and states (one [B, H] per layer) -> new states.
    /// The top layer's new state is the step's output. Used for autoregressive decoding.
    /// Every layer's weights packed for stepping (`step(_:states:packed:)`), made once per decoding.
    public func packedForSteps() -> [PackedGRUWeights] { layers.map { PackedGRUWeights($0) } }

    public func step(_ x: Tensor, states: [Tensor], packed: [PackedGRUWeights]? = nil) -> [Tensor] {
        var input = x
        var next: [Tensor] = []
        for (l, w) in layers.enumerated() {
            let h = packed.map { gruStep(input, state: states[l], weights: $0[l]) } ?? gruStep(input, state: states[l], weights: w)
            next.append(h)
            input = h
        }
        return next
    }

    public var parameters: [NamedParameter] {
        layers.enumerated().flatMap { l, w in
            [("\(l).weight_ih", w.weightIH), ("\(l).weight_hh", w.weightHH), ("\(l).bias_ih", w.biasIH), ("\(l).bias_hh", w.biasHH)]
        }
    }
}
