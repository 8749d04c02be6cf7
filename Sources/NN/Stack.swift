import Engine

// A feed-forward `Stack` of steps (dense, convolution, transposed convolution, batch norm,
// activation, dropout, reshape, residual): the container image models and later families
// assemble their networks from.

/// One step of a feed-forward stack.
public enum Step {
    case dense(Linear)
    case conv(Conv2D)
    case deconv(ConvTranspose2D)
    case batchNorm(BatchNorm)
    case activation(Activation)
    case dropout(Float)
    /// Reshape every example to this shape (the batch axis is kept): e.g. [7, 7, 64] or [3136].
    case reshape([Int])
    /// x + stack(x).
    case residual(Stack)
}

/// A feed-forward stack of steps, named like PyTorch's `nn.Sequential` (`0.weight`, `1.running_mean`, …).
public final class Stack: Layer {
    public let steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// Runs every step. Batch norm uses batch statistics and dropout is active when `training`.
    public func callAsFunction(_ x: Tensor, training: Bool, using rng: RandomGenerator) -> Tensor {
        var h = x
        for step in steps {
            switch step {
            case .dense(let layer): h = layer(h.rank == 2 ? h : h.reshaped([h.shape[0], -1]))
            case .conv(let layer): h = layer(h)
            case .deconv(let layer): h = layer(h)
            case .batchNorm(let layer): h = layer(h, training: training)
            case .activation(let a): h = apply(a, h)
            case .dropout(let p): h = Engine.dropout(h, probability: p, training: training, using: rng)
            case .reshape(let shape): h = h.reshaped([h.shape[0]] + shape)
            case .residual(let inner): h = h + inner(h, training: training, using: rng)
            }
        }
        return h
    }

    func apply(_ a: Activation, _ x: Tensor) -> Tensor {
        switch a {
        case .identity: return x
        case .relu: return x.relu()
        case .leakyRelu(let s): return x.leakyRelu(slope: s)
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        }
    }

    public var parameters: [NamedParameter] { collect { $0.parameters } }
    public var buffers: [NamedParameter] { collect { $0.buffers } }

    private func collect(_ pick: (Layer) -> [NamedParameter]) -> [NamedParameter] {
        steps.enumerated().flatMap { i, step -> [NamedParameter] in
            switch step {
            case .dense(let l): return prefixed("\(i)", pick(l))
            case .conv(let l): return prefixed("\(i)", pick(l))
            case .deconv(let l): return prefixed("\(i)", pick(l))
            case .batchNorm(let l): return prefixed("\(i)", pick(l))
            case .residual(let s): return prefixed("\(i)", pick(s))
            case .activation, .dropout, .reshape: return []
            }
        }
    }

    /// A multilayer perceptron: dense layers `sizes[0] -> sizes[1] -> …`, each hidden layer followed
    /// by (batch norm, then) `activation` (fused into the dense layer when there is no batch norm)
    /// and dropout; the last layer applies `output`.
    public static func mlp(_ sizes: [Int], activation: Activation, output: Activation = .identity, dropout: Float = 0,
                           batchNorm: Bool = false, using rng: RandomGenerator) -> Stack {
        precondition(sizes.count >= 2, "Stack.mlp: needs input and output sizes, got \(sizes)")
        var steps: [Step] = []
        for i in 0..<(sizes.count - 1) {
            let last = i == sizes.count - 2
            if last {
                steps.append(.dense(Linear(sizes[i], sizes[i + 1], activation: output, using: rng)))
            } else if batchNorm {
                steps += [.dense(Linear(sizes[i], sizes[i + 1], using: rng)), .batchNorm(BatchNorm(sizes[i + 1])), .activation(activation)]
            } else {
                steps.append(.dense(Linear(sizes[i], sizes[i + 1], activation: activation, using: rng)))
            }
            if !last && dropout > 0 { steps.append(.dropout(dropout)) }
        }
        return Stack(steps)
    }

    /// Appends another stack's steps (sharing its layers).
    public static func + (a: Stack, b: Stack) -> Stack { Stack(a.steps + b.steps) }
}
