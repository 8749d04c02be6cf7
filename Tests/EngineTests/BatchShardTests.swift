@testable import Engine
import Foundation
import XCTest

/// Sums over the threads that call it at the same time: two threads stand for two processes.
private final class ThreadSum: @unchecked Sendable {
    let parties: Int
    private let condition = NSCondition()
    private var total: [Double] = [], result: [Double] = []
    private var arrived = 0, generation = 0

    init(parties: Int) { self.parties = parties }

    func sum(_ values: [Double]) -> [Double] {
        condition.lock(); defer { condition.unlock() }
        total = arrived == 0 ? values : zip(total, values).map(+)
        arrived += 1
        let mine = generation
        if arrived == parties {
            result = total; arrived = 0; generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return result
    }
}

/// Each thread's result, in shard order.
private final class Results<T>: @unchecked Sendable {
    let lock = NSLock()
    var values: [T?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}

/// Runs `body(shard)` for shards 0..<parts of `total` rows on threads of their own, each with a
/// `BatchShard` in force, and returns their results in shard order.
private func onShards<T>(_ parts: Int, total: Int, _ body: @escaping (Range<Int>) -> T) -> [T] {
    let exchange = ThreadSum(parties: parts), results = Results<T>(parts), done = DispatchGroup()
    for part in 0..<parts {
        done.enter()
        Thread {
            let rows = (total * part / parts)..<(total * (part + 1) / parts)
            let shard = BatchShard(offset: rows.lowerBound, rows: rows.count, total: total, sum: exchange.sum)
            let value = BatchShard.with(shard) { body(rows) }
            results.lock.lock(); results.values[part] = value; results.lock.unlock()
            done.leave()
        }.start()
    }
    done.wait()
    return results.values.map { $0! }
}

private func rows(_ t: Tensor, _ range: Range<Int>) -> Tensor {
    let width = t.count / t.shape[0]
    return Tensor(Array(t.scalars[(range.lowerBound * width)..<(range.upperBound * width)]), shape: [range.count] + Array(t.shape.dropFirst()))
}

private func assertClose(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
    XCTAssertLessThan(worst, 1e-5, what, file: file, line: line)
}

/// A batch split across (simulated) processes computes what the whole batch computes.
final class BatchShardTests: XCTestCase {
    /// Synchronised batch norm: outputs, input gradients, the summed γ/β gradients and the running
    /// statistics of two uneven shards equal the whole batch's.
    func testShardedBatchNormEqualsTheWholeBatch() {
        let x = randn([7, 5, 3], seed: 1, scale: 3), weights = randn([7, 5, 3], seed: 2)
        let gamma = randn([3], seed: 3), beta = randn([3], seed: 4)
        func run(_ x: Tensor, _ weights: Tensor) -> (out: [Float], dx: [Float], dGamma: [Float], dBeta: [Float], stats: [Float]) {
            let input = Tensor.parameter(x.scalars, shape: x.shape)
            let g = Tensor.parameter(gamma.scalars, shape: [3]), b = Tensor.parameter(beta.scalars, shape: [3])
            let statistics = BatchNormStatistics(features: 3)
            let tape = Tape()
            var out: [Float] = []
            let loss = tape.record { () -> Tensor in
                let y = batchNorm(input, gamma: g, beta: b, statistics: statistics, training: true)
                out = y.scalars
                return (y * weights).sum()
            }
            tape.backward(loss)
            return (out, input.grad!.scalars, g.grad!.scalars, b.grad!.scalars, statistics.mean.scalars + statistics.variance.scalars)
        }
        let whole = run(x, weights)
        let shards = onShards(2, total: 7) { range in run(rows(x, range), rows(weights, range)) }
        assertClose(whole.out, shards.flatMap(\.out), "outputs")
        assertClose(whole.dx, shards.flatMap(\.dx), "input gradients")
        assertClose(whole.dGamma, zip(shards[0].dGamma, shards[1].dGamma).map(+), "gamma gradient")
        assertClose(whole.dBeta, zip(shards[0].dBeta, shards[1].dBeta).map(+), "beta gradient")
        for shard in shards { assertClose(whole.stats, shard.stats, "running statistics") }
    }

    /// Without a shard in force a 1-row batch cannot be normalised; as a shard of a larger batch it can.
    func testAOneRowShardIsNormalisedWithTheWholeBatch() {
        let x = randn([3, 2], seed: 5)
        let whole = batchNorm(x, gamma: Tensor(repeating: 1, shape: [2]), beta: Tensor(zeros: [2]),
                              statistics: BatchNormStatistics(features: 2), training: true).scalars
        let shards = onShards(3, total: 3) { range in
            batchNorm(rows(x, range), gamma: Tensor(repeating: 1, shape: [2]), beta: Tensor(zeros: [2]),
                      statistics: BatchNormStatistics(features: 2), training: true).scalars
        }
        assertClose(whole, shards.flatMap { $0 }, "outputs")
    }

    /// Noise and dropout masks: each shard gets the whole batch's draws for its rows, and the
    /// generator ends in the same state on every shard as after the whole batch's draws.
    func testShardsDrawTheWholeBatchsRandomNumbers() {
        let mean = randn([5, 4], seed: 6), logVariance = randn([5, 4], seed: 7, scale: 0.3)
        let sequence = randn([3, 5, 2], seed: 8)   // time-major [T, B, H]
        func draw(_ mean: Tensor, _ logVariance: Tensor, _ sequence: Tensor) -> (z: [Float], masked: [Float], next: Float) {
            let rng = RandomGenerator(seed: 9)
            let z = reparameterize(mean: mean, logVariance: logVariance, using: rng).scalars
            let masked = dropout(sequence, probability: 0.5, training: true, batchAxis: 1, using: rng).scalars
            return (z, masked, rng.uniform())
        }
        let whole = draw(mean, logVariance, sequence)
        let shards = onShards(2, total: 5) { range in
            // The shard's rows of the time-major sequence: [T, rows, H].
            let t = Tensor(zeros: [3, range.count, 2])
            for step in 0..<3 {
                for (k, r) in range.enumerated() {
                    for h in 0..<2 { t.pointer[(step * range.count + k) * 2 + h] = sequence.pointer[(step * 5 + r) * 2 + h] }
                }
            }
            return (draw(rows(mean, range), rows(logVariance, range), t), range)
        }
        assertClose(whole.z, shards.flatMap(\.0.z), "latent noise")
        for (shard, range) in shards {
            XCTAssertEqual(shard.next, whole.next, "the generator advanced differently")
            for step in 0..<3 {
                for (k, r) in range.enumerated() {
                    for h in 0..<2 {
                        XCTAssertEqual(shard.masked[(step * range.count + k) * 2 + h], whole.masked[(step * 5 + r) * 2 + h])
                    }
                }
            }
        }
    }
}
