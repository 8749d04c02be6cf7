import Engine
import Foundation
import NN

/// One affine coupling layer of RealNVP (Dinh et al. 2017), in the data → latent direction:
///
///     s, t = net(x ⊙ m)          (scale through tanh: s = scale ⊙ tanh(raw), both zero where m = 1)
///     y    = x ⊙ exp(s) + t      log|det ∂y/∂x| = Σ_j s_j
///     x    = (y − t) ⊙ exp(−s)   (the inverse: y ⊙ m = x ⊙ m, so s and t are the same)
///
/// x, y [B, D]; m [D] is 1 on the coordinates the layer conditions on and passes through. Every step
/// is an engine op with its own gradient, so both directions train through the tape. The tanh keeps
/// one layer's stretch within exp(±scale), which keeps early training (and the energy loss of a
/// Boltzmann generator) from blowing up.
public final class AffineCoupling: Layer {
    /// [D]: 1 where the layer conditions, 0 where it transforms.
    public let mask: Tensor
    let free: Tensor
    /// The conditioner: D → H → H → 2D (raw scale, then shift), tanh hidden units (smooth, so the
    /// density and its gradients are smooth too).
    public let net: [Linear]
    /// [D]: the largest |s| per coordinate, learned.
    public let scale: Tensor

    public init(mask: [Float], hidden: Int, using rng: RandomGenerator) {
        let d = mask.count
        self.mask = Tensor(mask, shape: [d])
        free = Tensor(mask.map { 1 - $0 }, shape: [d])
        net = [Linear(d, hidden, activation: .tanh, using: rng), Linear(hidden, hidden, activation: .tanh, using: rng),
               Linear(hidden, 2 * d, using: rng)]
        // The last layer starts at zero: every coupling, and so the flow, starts as the identity.
        net[2].weight.assign([Float](repeating: 0, count: net[2].weight.count))
        net[2].bias?.assign([Float](repeating: 0, count: 2 * d))
        scale = .parameter([Float](repeating: 1, count: d), shape: [d])
    }

    public var dimension: Int { mask.count }

    public var parameters: [NamedParameter] {
        net.enumerated().flatMap { prefixed("net.\($0.offset)", $0.element.parameters) } + [("scale", scale)]
    }

    /// The log-scale s and shift t [B, D] from the conditioning coordinates of `x`.
    func scaleAndShift(_ x: Tensor) -> (s: Tensor, t: Tensor) {
        let raw = net.reduce(x * mask) { $1($0) }.split(sizes: [dimension, dimension], axis: 1)
        return (raw[0].tanh() * (scale * free), raw[1] * free)
    }

    /// y = x ⊙ exp(s) + t and log|det ∂y/∂x| [B].
    public func forward(_ x: Tensor) -> (y: Tensor, logDet: Tensor) {
        let (s, t) = scaleAndShift(x)
        return (x * s.exp() + t, s.sum(axis: 1))
    }

    /// x = (y − t) ⊙ exp(−s) and log|det ∂x/∂y| [B] (= −Σ s).
    public func inverse(_ y: Tensor) -> (x: Tensor, logDet: Tensor) {
        let (s, t) = scaleAndShift(y)
        return ((y - t) * s.scaled(by: -1).exp(), s.sum(axis: 1).scaled(by: -1))
    }
}

/// RealNVP: affine couplings with alternating masks (even coordinates, then odd, ...) between data
/// x [B, D] and a standard normal latent z [B, D]. f = encode maps data to latent; G = generate is
/// its exact inverse. log p(x) = log N(f(x); 0, I) + log|det ∂f/∂x|.
public final class RealNVP: Layer {
    public let couplings: [AffineCoupling]
    public let dimension: Int

    public init(dimension: Int, layers: Int, hidden: Int, using rng: RandomGenerator) {
        self.dimension = dimension
        couplings = (0..<layers).map { k in
            AffineCoupling(mask: (0..<dimension).map { Float(($0 + k) % 2 == 0 ? 1 : 0) }, hidden: hidden, using: rng)
        }
    }

    public var parameters: [NamedParameter] {
        couplings.enumerated().flatMap { prefixed("coupling.\($0.offset)", $0.element.parameters) }
    }

    /// z = f(x) and log|det ∂f/∂x| [B].
    public func encode(_ x: Tensor) -> (z: Tensor, logDet: Tensor) {
        var z = x, logDet = Tensor(zeros: [x.shape[0]])
        for c in couplings {
            let step = c.forward(z)
            z = step.y; logDet = logDet + step.logDet
        }
        return (z, logDet)
    }

    /// x = G(z) = f⁻¹(z) and log|det ∂G/∂z| [B].
    public func generate(_ z: Tensor) -> (x: Tensor, logDet: Tensor) {
        var x = z, logDet = Tensor(zeros: [z.shape[0]])
        for c in couplings.reversed() {
            let step = c.inverse(x)
            x = step.x; logDet = logDet + step.logDet
        }
        return (x, logDet)
    }

    /// log p(x) [B], exact.
    public func logLikelihood(_ x: Tensor) -> Tensor {
        let (z, logDet) = encode(x)
        return standardNormalLogDensity(z) + logDet
    }

    /// `count` samples x = G(z), z ~ N(0, I), with z and log q(x) = log N(z) − log|det ∂G/∂z| (no tape).
    public func sample(_ count: Int, using rng: RandomGenerator) -> (x: Tensor, z: Tensor, logQ: Tensor) {
        Tape.withoutRecording {
            let z = Tensor.randomNormal([count, dimension], using: rng)
            let (x, logDet) = generate(z)
            return (x, z, standardNormalLogDensity(z) - logDet)
        }
    }
}

/// log N(z; 0, I) per row: z [B, D] -> [B].
public func standardNormalLogDensity(_ z: Tensor) -> Tensor {
    z.square().sum(axis: 1).scaled(by: -0.5) - Float(Double(z.shape[1]) * 0.5 * Foundation.log(2 * Double.pi))
}
