import CKernels
import Foundation

/// A parameter with the name it is saved under (module path, e.g. `decoder.gru.0.weight_hh`).
public typealias NamedParameter = (name: String, tensor: Tensor)

/// Adam with bias correction and optional decoupled weight decay (AdamW).
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// Steps taken so far (drives bias correction).
    public internal(set) var step = 0
    /// First and second moments by parameter name.
    public internal(set) var firstMoments: [String: Tensor] = [:]
    public internal(set) var secondMoments: [String: Tensor] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    /// Applies one update from each parameter's gradient, then clears the gradients.
    public func update(_ parameters: [NamedParameter]) {
        step += 1
        let c1 = 1 - powf(beta1, Float(step)), c2 = 1 - powf(beta2, Float(step))
        for (name, p) in parameters {
            defer { p.zeroGrad() }
            guard let grad = p.grad else { continue }
            let m = firstMoments[name] ?? Tensor(zeros: p.shape)
            let v = secondMoments[name] ?? Tensor(zeros: p.shape)
            firstMoments[name] = m; secondMoments[name] = v
            let w = p.pointer, g = grad.pointer, mp = m.pointer, vp = v.pointer
            // PyTorch's arrangement: one square root and one division per element,
            // w -= (lr / c1) · m / (√v / √c2 + ε) + lr · decay · w.
            let b1 = beta1, b2 = beta2, eps = epsilon
            let stepSize = learningRate / c1, inverseRootC2 = 1 / c2.squareRoot(), shrink = 1 - learningRate * weightDecay
            parallelChunks(p.count) { range in
                let i = range.lowerBound
                molgen_adam_update(range.count, w + i, g + i, mp + i, vp + i, b1, b2, eps, stepSize, inverseRootC2, shrink)
            }
        }
    }

    /// Restores moments and step saved from an earlier run.
    public func restore(step: Int, firstMoments: [String: Tensor], secondMoments: [String: Tensor]) {
        self.step = step; self.firstMoments = firstMoments; self.secondMoments = secondMoments
    }
}

/// Stochastic gradient descent with (optional) momentum.
public final class SGD {
    public var learningRate: Float
    public let momentum: Float
    public internal(set) var velocities: [String: Tensor] = [:]

    public init(learningRate: Float, momentum: Float = 0) {
        self.learningRate = learningRate; self.momentum = momentum
    }

    public func update(_ parameters: [NamedParameter]) {
        for (name, p) in parameters {
            defer { p.zeroGrad() }
            guard let grad = p.grad else { continue }
            let w = p.pointer, g = grad.pointer, lr = learningRate
            if momentum == 0 {
                for i in 0..<p.count { w[i] -= lr * g[i] }
            } else {
                let v = velocities[name] ?? Tensor(zeros: p.shape)
                velocities[name] = v
                let vp = v.pointer, mu = momentum
                for i in 0..<p.count { vp[i] = mu * vp[i] + g[i]; w[i] -= lr * vp[i] }
            }
        }
    }
}

/// The L2 norm of all the gradients of `parameters` together.
public func gradientNorm(_ parameters: [NamedParameter]) -> Double {
    var total = 0.0
    for (_, p) in parameters {
        guard let g = p.grad else { continue }
        total += molgen_sum_of_squares(g.count, g.pointer)
    }
    return total.squareRoot()
}

/// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [NamedParameter], maxNorm: Float) -> Float {
    let norm = Float(gradientNorm(parameters))
    if norm > maxNorm, norm.isFinite {
        let scale = maxNorm / (norm + 1e-6)
        for (_, p) in parameters {
            guard let g = p.grad?.pointer else { continue }
            for i in 0..<p.count { g[i] *= scale }
        }
    }
    return norm
}
