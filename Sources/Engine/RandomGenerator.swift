/// The one source of randomness: xoshiro256** seeded through SplitMix64. Pass it explicitly;
/// the same seed gives the same stream on every machine, and `state` round-trips through checkpoints.
public final class RandomGenerator: RandomNumberGenerator {
    // Four words as stored properties: an array costs a bounds and uniqueness check per access.
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Float?

    /// The four state words, to save in a checkpoint.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    public init(seed: UInt64) {
        var s = seed
        var words = [UInt64]()
        for _ in 0..<4 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words.append(z ^ (z >> 31))
        }
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    /// Restores a generator saved with `state`.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "RandomGenerator: invalid saved state")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    public func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        spareNormal = nil
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    public func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Standard normal (Box-Muller; both values of a pair are used).
    public func normal() -> Float {
        if let z = spareNormal { spareNormal = nil; return z }
        var u1 = uniform()
        while u1 <= 1e-7 { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * logf(u1)).squareRoot()
        let theta = 2 * Float.pi * u2
        let z1 = r * sinf(theta)
        let z0 = r * cosf(theta)
        spareNormal = z1
        return z0
    }

    /// Fills `count` elements with N(mean, std²).
    public func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int, mean: Float = 0, std: Float = 1) {
        for i in 0..<count { p[i] = mean + std * normal() }
    }

    /// Fills `count` elements with U(low, high).
    public func fillUniform(_ p: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        for i in 0..<count { p[i] = low + (high - low) * uniform() }
    }

    /// A uniformly random index in 0..<n.
    public func index(below n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Fisher-Yates shuffle, reproducible from the generator's state.
    public func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, index(below: i + 1))
        }
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

import Foundation

extension Tensor {
    /// Samples N(0, std²) of the given shape.
    public static func randomNormal(_ shape: [Int], std: Float = 1, using rng: RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        rng.fillNormal(t.pointer, count: t.count, std: std)
        return t
    }

    /// Samples U(low, high) of the given shape.
    public static func randomUniform(_ shape: [Int], low: Float, high: Float, using rng: RandomGenerator) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        rng.fillUniform(t.pointer, count: t.count, low: low, high: high)
        return t
    }
}
