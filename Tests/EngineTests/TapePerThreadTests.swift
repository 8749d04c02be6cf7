import Foundation
import XCTest
@testable import Engine

/// Each thread has its own current tape: a server answers one request with a property gradient
/// (recording) while another request decodes (no tape) on another thread, and neither may see the
/// other's ops.
final class TapePerThreadTests: XCTestCase {
    func testATapeOnOneThreadRecordsNothingFromAnother() {
        let weight = Tensor.parameter((0..<64).map { Float($0) / 64 }, shape: [8, 8])
        let recorder = Tape()
        let other = Tape()
        final class Seen: @unchecked Sendable { var tape = true }
        let otherThreadHadATape = Seen()
        let done = DispatchSemaphore(value: 0)
        recorder.record {
            // Ops with a trainable input on another thread, while this thread records.
            Thread.detachNewThread {
                otherThreadHadATape.tape = Tape.current != nil
                for _ in 0..<100 { _ = linear(Tensor(repeating: 1, shape: [2, 8]), weight: weight, bias: nil, activation: .tanh) }
                // That thread's own `withoutRecording` must not switch this thread's tape off.
                Tape.withoutRecording { _ = weight.tanh() }
                other.record { _ = weight.tanh() }
                done.signal()
            }
            done.wait()
            XCTAssertTrue(Tape.current === recorder, "another thread's withoutRecording/record changed this thread's tape")
            _ = weight.tanh()
        }
        XCTAssertFalse(otherThreadHadATape.tape, "a new thread starts with no tape")
        XCTAssertEqual(recorder.recordedSteps, 1, "only this thread's op is on its tape")
        XCTAssertEqual(other.recordedSteps, 1)
        XCTAssertNil(Tape.current)
    }

    func testGradientsOnManyThreadsAtOnceEqualOneThreadsAlone() {
        // d/dx sum(tanh(W x)) on 8 threads at once, each with its own x and tape.
        let weight = Tensor((0..<64).map { sin(Float($0)) }, shape: [8, 8])
        func gradient(_ seed: Int) -> [Float] {
            let x = Tensor.parameter((0..<8).map { Float($0 + seed) / 10 }, shape: [1, 8])
            let tape = Tape()
            let loss = tape.record { linear(x, weight: weight, bias: nil, activation: .tanh).sum() }
            tape.backward(loss)
            return x.grad!.scalars
        }
        let serial = (0..<8).map(gradient)
        var concurrent = [[Float]](repeating: [], count: 8)
        concurrent.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: 8) { i in
                for _ in 0..<50 { out[i] = gradient(i) }
            }
        }
        XCTAssertEqual(concurrent, serial)
    }
}
