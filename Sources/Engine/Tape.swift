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

    /// The tape ops append to, if any. One training thread records at a time.
    nonisolated(unsafe) static var current: Tape?

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
