import Cluster
import Engine
import Foundation

/// Synchronous data parallelism for a task's step (`mpirun -np N molgen train`): every process
/// holds the whole model and takes its shard of each batch; the gradients of the shards are summed
/// in a few large reductions, so every process takes the same optimizer step and the run computes
/// what one process computes on the whole batch. In a group of one every call is free.
///
/// A step on a shard (see `ChemVAETrainer.trainStep`):
/// 1. `shard(of:)` gives this process's rows; the forward runs inside `withShard`, so batch norm
///    uses the whole batch's statistics and random draws per row match one process (`BatchShard`);
/// 2. backward from the loss scaled by `share(of:)` (rows of the shard / rows of the batch), so the
///    shards' gradients add up to the batch mean's;
/// 3. `sumGradients` then one optimizer step, the same on every process.
public final class DataParallel {
    public let group: ProcessGroup
    /// Floats per reduction: large enough that a step is a few reductions (bandwidth-bound, not
    /// latency-bound), small enough that a reduction's buffers stay modest.
    public static let bucketFloats = 1 << 22
    /// Every parameter's gradient, packed for the reductions; kept between steps.
    private var packed: [Float] = []

    public init(group: ProcessGroup) { self.group = group }

    public var isActive: Bool { group.size > 1 }

    /// This process's rows of a batch of `count` (contiguous; sizes differ by at most one).
    public func shard(of count: Int) -> Range<Int> {
        (count * group.rank / group.size)..<(count * (group.rank + 1) / group.size)
    }

    /// The shard's share of a batch of `count`: the factor on its loss.
    public func share(of count: Int) -> Float { Float(shard(of: count).count) / Float(count) }

    /// Runs a step's forward with this process's shard of a batch of `count` in force (see `BatchShard`).
    public func withShard<T>(of count: Int, _ body: () throws -> T) rethrows -> T {
        guard isActive else { return try body() }
        let rows = shard(of: count)
        let shard = BatchShard(offset: rows.lowerBound, rows: rows.count, total: count) { [group] in group.sum($0) }
        return try BatchShard.with(shard, body)
    }

    /// Sums values over the group (the terms a step reports).
    public func sum(_ values: [Double]) -> [Double] { group.sum(values) }

    /// Sums the gradients of `parameters` over the group, in buckets of `bucketFloats`.
    public func sumGradients(_ parameters: [NamedParameter]) {
        guard isActive else { return }
        let total = parameters.reduce(0) { $0 + $1.tensor.count }
        if packed.count != total { packed = [Float](repeating: 0, count: total) }
        packed.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for (_, p) in parameters {
                // A parameter this shard did not reach still joins the sum (as zeros).
                if p.grad == nil { p.addGradient([Float](repeating: 0, count: p.count)) }
                (buffer.baseAddress! + offset).update(from: p.grad!.pointer, count: p.count)
                offset += p.count
            }
            var start = 0
            while start < total {
                let end = min(total, start + Self.bucketFloats)
                group.sum(UnsafeMutableBufferPointer(rebasing: buffer[start..<end]))
                start = end
            }
            offset = 0
            for (_, p) in parameters {
                p.grad!.pointer.update(from: buffer.baseAddress! + offset, count: p.count)
                offset += p.count
            }
        }
    }

    /// Rank 0's values of `tensors` on every process: the parameters (and buffers) at the start of
    /// a run and on resume, so every process starts from the same model whatever it loaded.
    public func broadcast(_ tensors: [Tensor]) {
        guard isActive else { return }
        for t in tensors {
            group.broadcast(UnsafeMutableRawBufferPointer(start: t.pointer, count: t.count * MemoryLayout<Float>.stride))
        }
    }

    /// Throws unless every process describes its run as rank 0 does (`description`: the position
    /// and the generator's state), e.g. when the ranks read different checkpoints.
    public func requireAgreement(_ description: String, _ what: String) throws {
        guard isActive else { return }
        let root = group.broadcast(Array(description.utf8))
        let differs = group.any(root != Array(description.utf8))
        if differs {
            throw DataParallelError.ranksDisagree("the ranks read different \(what); every rank must read the same files (put them on a filesystem every node shares)")
        }
    }
}

public enum DataParallelError: Error, CustomStringConvertible {
    case ranksDisagree(String)

    public var description: String {
        switch self { case let .ranksDisagree(message): return message }
    }
}
