import Engine

/// A shuffle of `0..<count` fixed by (seed, epoch) alone, so a resumed run sees the same order
/// whatever happened before it stopped.
public func epochPermutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    let rng = RandomGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(epoch) &+ 1)
    var order = Array(0..<count)
    rng.shuffle(&order)
    return order
}

/// An epoch's shuffle computed once and cut into full batches of one size (the last partial batch
/// is dropped): the order every image-like task reads its batches in.
public final class EpochBatches {
    public let count: Int
    private var cached: (epoch: Int, seed: UInt64, order: [Int])?

    public init(count: Int) { self.count = count }

    /// Indices of batch `batch` (of `size`) in epoch `epoch` of the run seeded with `seed`.
    public func indices(of batch: Int, size: Int, epoch: Int, seed: UInt64) -> [Int] {
        if cached?.epoch != epoch || cached?.seed != seed {
            cached = (epoch, seed, epochPermutation(count: count, seed: seed, epoch: epoch))
        }
        return Array(cached!.order[batch * size ..< (batch + 1) * size])
    }
}
