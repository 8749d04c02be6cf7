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
            let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon, decay = weightDecay
            parallelChunks(p.count) { range in
                var i = range.lowerBound
                while i + 8 <= range.upperBound {   // eight lanes at a time, then the scalar tail
                    let gv = load8(g + i)
                    let mv = b1 * load8(mp + i) + (1 - b1) * gv
                    let vv = b2 * load8(vp + i) + (1 - b2) * gv * gv
                    store8(mv, mp + i); store8(vv, vp + i)
                    let wv = load8(w + i)
                    let update = (mv / c1) / ((vv / c2).squareRoot() + eps)   // as the scalar loop: bitwise the same
                    store8(wv - lr * (update + decay * wv), w + i)
                    i += 8
                }
                for i in i..<range.upperBound {
                    mp[i] = b1 * mp[i] + (1 - b1) * g[i]
                    vp[i] = b2 * vp[i] + (1 - b2) * g[i] * g[i]
                    let update = (mp[i] / c1) / ((vp[i] / c2).squareRoot() + eps)
                    w[i] -= lr * (update + decay * w[i])
                }
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

/// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [NamedParameter], maxNorm: Float) -> Float {
    var total: Double = 0
    for (_, p) in parameters {
        guard let g = p.grad?.pointer else { continue }
        for i in 0..<p.count { total += Double(g[i]) * Double(g[i]) }
    }
    let norm = Float(total.squareRoot())
    if norm > maxNorm, norm.isFinite {
        let scale = maxNorm / (norm + 1e-6)
        for (_, p) in parameters {
            guard let g = p.grad?.pointer else { continue }
            for i in 0..<p.count { g[i] *= scale }
        }
    }
    return norm
}
