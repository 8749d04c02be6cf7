import Engine
import Foundation
import NN

// The one building-block library every image model is assembled from: a feed-forward `Stack` of
// steps (dense, convolution, transposed convolution, batch norm, activation, dropout, reshape,
// residual), and the helpers the models share (one-hot codes, noise, pixel scaling).

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

/// A generator's up-sampling tail: [B, S/4, S/4, 2C] -> [B, S, S, 1] by two transposed convolutions
/// (K 4, s 2, p 1), batch norm and ReLU between, tanh on the output. S must be a multiple of 4.
func upsamplingTail(channels c: Int, output: Activation = .tanh, using rng: RandomGenerator) -> [Step] {
    [.deconv(ConvTranspose2D(2 * c, c, kernel: 4, stride: 2, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(c)),
     .activation(.relu), .deconv(ConvTranspose2D(c, 1, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(output)]
}

/// A discriminator's down-sampling head: [B, S, S, 1] -> [B, S/4, S/4, 2C] by two strided
/// convolutions (K 4, s 2, p 1) with leaky ReLU (0.2), batch norm on the second (DCGAN).
func downsamplingHead(inChannels: Int = 1, channels c: Int, using rng: RandomGenerator) -> [Step] {
    [.conv(Conv2D(inChannels, c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.leakyRelu(0.2)),
     .conv(Conv2D(c, 2 * c, kernel: 4, stride: 2, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(2 * c)),
     .activation(.leakyRelu(0.2))]
}

// MARK: - Shared helpers

/// One-hot rows [N, K] for class indices.
public func oneHot(_ labels: [Int], classes k: Int) -> Tensor {
    let t = Tensor(zeros: [labels.count, k])
    for (i, y) in labels.enumerated() {
        precondition(y >= 0 && y < k, "oneHot: label \(y) outside 0..<\(k)")
        t.pointer[i * k + y] = 1
    }
    return t
}

/// Images [B, H, W, 1] in [0, 1] -> [-1, 1] (the range of a tanh generator).
func toSigned(_ x: Tensor) -> Tensor {
    let t = Tensor(zeros: x.shape)
    for i in 0..<x.count { t.pointer[i] = 2 * x.pointer[i] - 1 }
    return t
}

/// [-1, 1] -> [0, 1], clamped, without gradient.
func toUnit(_ x: Tensor) -> Tensor {
    let t = Tensor(zeros: x.shape)
    for i in 0..<x.count { t.pointer[i] = min(max(0.5 * (x.pointer[i] + 1), 0), 1) }
    return t
}

/// Adds a constant tensor of the same shape that takes no gradient (target helpers).
func constant(_ value: Float, like x: Tensor) -> Tensor { Tensor(repeating: value, shape: x.shape) }

/// Each label in 0..<k repeated to fill `count` (0, 1, …, k-1, 0, 1, …).
func cyclingLabels(_ count: Int, classes k: Int = 10) -> [Int] { (0..<count).map { $0 % k } }

/// Shifts each image [B, H, W, 1] by a random offset in -maxShift...maxShift on both axes
/// (zero fill): the augmentation the classifiers train with.
func randomShift(_ x: Tensor, maxShift: Int, using rng: RandomGenerator) -> Tensor {
    let b = x.shape[0], h = x.shape[1], w = x.shape[2]
    let out = Tensor(zeros: x.shape)
    for n in 0..<b {
        let dy = rng.index(below: 2 * maxShift + 1) - maxShift, dx = rng.index(below: 2 * maxShift + 1) - maxShift
        let src = x.pointer + n * h * w, dst = out.pointer + n * h * w
        for y in 0..<h {
            let sy = y - dy
            guard sy >= 0 && sy < h else { continue }
            for xx in 0..<w {
                let sx = xx - dx
                if sx >= 0 && sx < w { dst[y * w + xx] = src[sy * w + sx] }
            }
        }
    }
    return out
}
