import Engine

/// Batches for one epoch, reproducible from (seed, epoch) alone so a resumed run sees the same
/// order: shuffle, sort windows of 50 batches by length (short molecules don't pay for long ones),
/// cut into batches, shuffle the batches.
public func epochBatches(count: Int, lengths: [Int32], batchSize: Int, seed: UInt64, epoch: Int) -> [[Int]] {
    let rng = RandomGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(epoch) &+ 1)
    var order = Array(0..<count)
    rng.shuffle(&order)
    let window = batchSize * 50
    var batches: [[Int]] = []
    var start = 0
    while start < order.count {
        let chunk = order[start..<min(start + window, order.count)].sorted { lengths[$0] < lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
        var i = 0
        while i < chunk.count {
            let batch = Array(chunk[i..<min(i + batchSize, chunk.count)])
            // A lone final molecule cannot be batch-normalised; it joins the next epoch's shuffle instead.
            if batch.count >= 2 { batches.append(batch) }
            i += batchSize
        }
        start += window
    }
    rng.shuffle(&batches)
    return batches
}
