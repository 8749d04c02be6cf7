import Foundation

/// Runs a transform over a stream of inputs on a pool of worker threads and hands the results back
/// on the calling thread in input order.
///
/// Why this shape: the expensive work (RDKit parsing and properties) parallelizes per batch, while
/// reading the input and writing HDF5 (not thread-safe) stay on one thread, in order, so output
/// order and line numbers never depend on scheduling. At most `maxInFlight` inputs are queued or
/// being worked on, which keeps memory flat however long the stream.
final class OrderedParallelMap<Input, Output>: @unchecked Sendable {
    private let workerCount: Int
    private let maxInFlight: Int
    private let transform: (Input) -> Output

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [(sequence: Int, input: Input)] = []
    private var queueStart = 0
    private var results: [Int: Output] = [:]
    private var isShuttingDown = false

    /// - Parameters:
    ///   - workers: threads doing `transform` (the machine's core count is right for CPU-bound work).
    ///   - maxInFlight: inputs queued or in progress at once; a few per worker keeps them all busy.
    init(workers: Int, maxInFlight: Int, transform: @escaping (Input) -> Output) {
        self.workerCount = max(1, workers)
        self.maxInFlight = max(maxInFlight, workers)
        self.transform = transform
    }

    /// Pulls inputs from `produce` until it returns `nil`, and calls `consume` with each output in
    /// the order the inputs were produced. Both closures run on the calling thread. If either
    /// throws, work stops (inputs not yet started are dropped), the workers exit, and the error is
    /// rethrown.
    func run(produce: () throws -> Input?, consume: (Output) throws -> Void) throws {
        let finished = DispatchGroup()
        for _ in 0..<workerCount {
            finished.enter()
            let thread = Thread { [self] in
                workLoop()
                finished.leave()
            }
            thread.stackSize = 8 << 20  // RDKit recursion on large ring systems wants more than the default
            thread.start()
        }
        defer {
            condition.lock()
            isShuttingDown = true
            queue.removeAll()
            queueStart = 0
            condition.broadcast()
            condition.unlock()
            finished.wait()
        }

        var produced = 0
        var consumed = 0
        var isExhausted = false
        while true {
            while !isExhausted && produced - consumed < maxInFlight {
                guard let input = try produce() else {
                    isExhausted = true
                    break
                }
                condition.lock()
                queue.append((produced, input))
                condition.signal()
                condition.unlock()
                produced += 1
            }
            if consumed == produced { return }
            condition.lock()
            while results[consumed] == nil { condition.wait() }
            let output = results.removeValue(forKey: consumed)!
            condition.unlock()
            try consume(output)
            consumed += 1
        }
    }

    private func workLoop() {
        while true {
            condition.lock()
            while queueStart == queue.count && !isShuttingDown { condition.wait() }
            if isShuttingDown {
                condition.unlock()
                return
            }
            let job = queue[queueStart]
            queueStart += 1
            if queueStart > 64 && queueStart * 2 > queue.count {
                // Drop the taken prefix now and then so the queue array does not grow forever.
                queue.removeFirst(queueStart)
                queueStart = 0
            }
            condition.unlock()

            let output = transform(job.input)

            condition.lock()
            results[job.sequence] = output
            condition.broadcast()
            condition.unlock()
        }
    }
}
