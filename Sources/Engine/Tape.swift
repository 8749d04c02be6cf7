#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The per-thread slot behind `Tape.current`.
private let currentTapeKey: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "Tape: no thread-local slot for the current tape")
    return key
}()

/// Records the backward step of every op run while it is current, then replays them in reverse.
///
/// ```
/// let tape = Tape()
/// let loss = tape.record { model.loss(batch) }
/// tape.backward(loss)          // gradients now sit in each parameter's `grad`
/// ```
/// Code run outside `record` builds no graph: that is inference mode.
public final class Tape {
    private var steps: [() -> Void] = []

    /// The tape ops on this thread append to, if any. Each thread has its own slot, so a thread
    /// that records (a property gradient in one server request) never sees ops another thread runs
    /// (a decoding in the next request), and `withoutRecording` on one thread cannot switch off
    /// another's tape. The slot holds no reference: `record` keeps the tape alive while it is set.
    static var current: Tape? {
        get { pthread_getspecific(currentTapeKey).map { Unmanaged<Tape>.fromOpaque($0).takeUnretainedValue() } }
        set { pthread_setspecific(currentTapeKey, newValue.map { Unmanaged.passUnretained($0).toOpaque() }) }
    }

    public init() {}

    /// Runs `body` with this tape recording.
    public func record<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = Tape.current
        Tape.current = self
        defer { Tape.current = previous }
        return try body()
    }

    /// Runs `body` with no tape: nothing it computes keeps a graph.
    public static func withoutRecording<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = Tape.current
        Tape.current = nil
        defer { Tape.current = previous }
        return try body()
    }

    /// Whether an op with these inputs must record its backward step.
    @inline(__always)
    static func isRecording(_ inputs: Tensor?...) -> Bool {
        guard current != nil else { return false }
        return inputs.contains { $0?.requiresGrad == true }
    }

    /// Appends a backward step, marking `output` as part of the graph.
    @inline(__always)
    static func append(_ output: Tensor, _ step: @escaping () -> Void) {
        output.requiresGrad = true
        current!.steps.append(step)
    }

    /// Seeds d(loss)/d(loss) = 1 and runs every recorded step in reverse; then forgets the steps.
    public func backward(_ loss: Tensor) {
        precondition(loss.count == 1, "backward: loss must have one element, got shape \(loss.shape)")
        guard loss.requiresGrad else { steps.removeAll(); return }
        loss.accumulateGrad { $0[0] += 1 }
        for step in steps.reversed() { step() }
        steps.removeAll()
    }

    /// Forgets the recorded steps without running them.
    public func reset() { steps.removeAll() }

    public var recordedSteps: Int { steps.count }
}
