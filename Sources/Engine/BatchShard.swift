import Foundation

/// This process's part of a batch split across processes (data-parallel training), in force while
/// `BatchShard.with(_:_:)` runs its body.
///
/// Why the engine knows about it at all: a step on a shard should compute what one process computes
/// on the whole batch. Two ops would otherwise see only the shard:
/// - batch normalisation sums its per-feature statistics (forward) and gradient sums (backward) over
///   every shard through `sum`, so it is synchronised batch norm;
/// - random draws per row (the reparameterisation's noise, dropout masks) are drawn for the whole
///   batch and the shard keeps its own rows, so the generator advances alike on every process and
///   each molecule meets the same noise as in one process.
/// The engine knows nothing of how `sum` reaches the other processes (MPI, in `Training`).
public struct BatchShard {
    /// The shard's first row in the whole batch.
    public let offset: Int
    /// Rows of this shard.
    public let rows: Int
    /// Rows of the whole batch.
    public let total: Int
    /// Sums values elementwise over every shard of the batch (every process gets the same sums).
    public let sum: ([Double]) -> [Double]

    public init(offset: Int, rows: Int, total: Int, sum: @escaping ([Double]) -> [Double]) {
        precondition(offset >= 0 && rows >= 1 && offset + rows <= total, "BatchShard: rows \(offset)..<\(offset + rows) of \(total)")
        self.offset = offset; self.rows = rows; self.total = total; self.sum = sum
    }

    /// The shard in force on this thread, if any.
    public static var current: BatchShard? { (Thread.current.threadDictionary[key] as? BatchShardBox)?.shard }

    /// Runs `body` with `shard` in force on this thread.
    public static func with<T>(_ shard: BatchShard?, _ body: () throws -> T) rethrows -> T {
        guard let shard else { return try body() }
        let previous = Thread.current.threadDictionary[key]
        Thread.current.threadDictionary[key] = BatchShardBox(shard)
        defer { Thread.current.threadDictionary[key] = previous }
        return try body()
    }

    private static let key = "molgen.BatchShard"

    /// Fills a tensor whose axis `axis` holds this shard's rows with values drawn for the whole
    /// batch (`draw` fills `count` values in order), keeping the shard's rows.
    func fillRows(of tensor: Tensor, axis: Int, draw: (UnsafeMutablePointer<Float>, Int) -> Void) {
        precondition(tensor.shape[axis] == rows, "BatchShard: axis \(axis) of \(tensor.shape) is not the shard's \(rows) rows")
        let outer = tensor.shape[..<axis].reduce(1, *), inner = tensor.shape[(axis + 1)...].reduce(1, *)
        let whole = Tensor(uninitializedShape: [outer * total * inner])
        draw(whole.pointer, whole.count)
        let out = tensor.pointer, all = whole.pointer
        for o in 0..<outer {
            (out + o * rows * inner).update(from: all + (o * total + offset) * inner, count: rows * inner)
        }
    }
}

private final class BatchShardBox {
    let shard: BatchShard
    init(_ shard: BatchShard) { self.shard = shard }
}
