import Dispatch
import Synchronization

/// Splits `0..<count` into one contiguous chunk per core when the work is large enough to pay for
/// the hand-off; small loops run inline. The body must only write its own range.
@inline(__always)
func parallelChunks(_ count: Int, minimumPerChunk: Int = 1 << 14, _ body: (Range<Int>) -> Void) {
    let chunks = min(Parallelism.cores, count / minimumPerChunk)
    if chunks <= 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = count * c / chunks, hi = count * (c + 1) / chunks
        body(lo..<hi)
    }
}

/// Runs `body(i)` for every i in `0..<count` on up to `Parallelism.cores` threads that claim
/// `chunk` indices at a time from a shared counter. For loops whose items cost unevenly (grammar
/// checks per decoded row): a fixed split leaves one core idle while the other finishes its
/// costly rows, and the thread that wakes late simply claims fewer chunks.
public func parallelClaiming(_ count: Int, chunk: Int, _ body: (Int) -> Void) {
    let threads = min(Parallelism.cores, (count + chunk - 1) / chunk)
    if threads <= 1 { for i in 0..<count { body(i) }; return }
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
        while true {
            let start = next.add(chunk, ordering: .relaxed).oldValue
            if start >= count { return }
            for i in start..<min(count, start + chunk) { body(i) }
        }
    }
}

/// Part `part` of `parts` near-equal blocks of `0..<count` whose boundaries fall on multiples of
/// `unit` (a kernel's register block), the last block taking the remainder.
@inline(__always)
func alignedBlock(_ part: Int, of parts: Int, count: Int, unit: Int) -> Range<Int> {
    let units = (count + unit - 1) / unit
    return min(count, units * part / parts * unit)..<min(count, units * (part + 1) / parts * unit)
}

public enum Parallelism {
    /// Threads of our one pool: elementwise loops and the split GEMMs (OpenBLAS itself runs
    /// single-threaded). `MOLGEN_THREADS` overrides.
    nonisolated(unsafe) public static var cores: Int = {
        if let value = ProcessInfo.processInfo.environment["MOLGEN_THREADS"], let n = Int(value), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}

import Foundation
