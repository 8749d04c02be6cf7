import Engine

/// A shuffle of `0..<count` fixed by (seed, epoch) alone, so a resumed run sees the same order
/// whatever happened before it stopped.
public func epochPermutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    let rng = RandomGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(epoch) &+ 1)
    var order = Array(0..<count)
    rng.shuffle(&order)
    return order
}
