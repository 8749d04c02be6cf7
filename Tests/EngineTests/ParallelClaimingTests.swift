import Foundation
import Synchronization
import XCTest
@testable import Engine

/// `parallelClaiming` hands out every index exactly once, whatever the chunk and however the
/// threads race for chunks, and shares the work between threads when there is enough of it.
final class ParallelClaimingTests: XCTestCase {
    func testEveryIndexRunsExactlyOnce() {
        for (count, chunk) in [(0, 4), (1, 4), (3, 4), (4, 4), (5, 4), (500, 4), (997, 2), (64, 1), (10, 100)] {
            let visits = Mutex([Int](repeating: 0, count: count))
            parallelClaiming(count, chunk: chunk) { i in visits.withLock { $0[i] += 1 } }
            XCTAssertEqual(visits.withLock { $0 }, Array(repeating: 1, count: count), "count \(count), chunk \(chunk)")
        }
    }

    func testTheWorkIsSharedBetweenThreads() throws {
        try XCTSkipIf(Parallelism.cores < 2, "one core")
        let threads = Mutex(Set<String>())
        parallelClaiming(1_000, chunk: 1) { _ in
            threads.withLock { _ = $0.insert("\(pthread_self())") }
            usleep(200)   // long enough for a second thread to wake before the first runs out of chunks
        }
        XCTAssertGreaterThan(threads.withLock { $0.count }, 1)
    }
}
