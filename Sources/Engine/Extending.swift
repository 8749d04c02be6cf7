/// The public way for other targets to add ops and gradients to the engine: a later model family
/// (Boltzmann machines, flows) defines its op's forward and backward side by side, as the engine's
/// own ops do, without reaching into engine internals.
///
/// ```
/// /// softplus(x) = log(1 + eˣ), elementwise.
/// func softplus(_ x: Tensor) -> Tensor {
///     let y = Tensor.uninitialized(x.shape)
///     x.withScalars { xs in y.withMutableScalars { ys in for i in xs.indices { ys[i] = log1p(exp(xs[i])) } } }
///     Tape.recordOperation(output: y, inputs: [x]) { outputGradient in
///         x.accumulateGradient { gx in
///             x.withScalars { xs in outputGradient.withScalars { g in
///                 for i in xs.indices { gx[i] += g[i] / (1 + exp(-xs[i])) } } }
///         }
///     }
///     return y
/// }
/// ```
///
/// Lifetimes: a backward closure must capture the tensors it reads (as above), never raw pointers
/// taken from them. A tensor's storage returns to the buffer pool when the tensor is freed, so a
/// pointer kept past its tensor reads someone else's numbers. `withScalars` scopes every read.
extension Tensor {
    /// A tensor whose elements are not initialised: for code that writes every element.
    public static func uninitialized(_ shape: [Int]) -> Tensor { Tensor(uninitializedShape: shape) }

    /// Reads the elements inside `body`; the buffer is valid only for the call.
    @inline(__always)
    public func withScalars<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(UnsafeBufferPointer(start: buffer.pointer, count: count)) }
    }

    /// Writes the elements inside `body` (a tensor the caller has just created, or a parameter
    /// being updated); the buffer is valid only for the call.
    @inline(__always)
    public func withMutableScalars<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(UnsafeMutableBufferPointer(start: buffer.pointer, count: count)) }
    }

    /// Adds into this tensor's gradient (zero-initialised on first use) through `body`. A backward
    /// closure calls it for each input; nothing happens for a tensor that takes no gradient.
    public func accumulateGradient(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        accumulateGrad { body(UnsafeMutableBufferPointer(start: $0, count: count)) }
    }

    /// Adds a gradient computed outside autodiff (contrastive divergence's, a REINFORCE estimate)
    /// to a trainable tensor, so that an optimizer's next `update` applies it.
    public func addGradient(_ values: [Float]) {
        precondition(values.count == count, "addGradient: \(values.count) values for shape \(shape)")
        precondition(requiresGrad, "addGradient: the tensor is not trainable (make it with Tensor.parameter)")
        accumulateGrad { g in for i in 0..<count { g[i] += values[i] } }
    }
}

extension Tape {
    /// Records the backward step of an op defined outside the engine: `output` was computed from
    /// `inputs`, and `backward` receives d(loss)/d(output) and adds each input's gradient with
    /// `accumulateGradient`. Records nothing (and returns false) when no tape is recording or no
    /// input takes a gradient, which is inference mode.
    @discardableResult
    public static func recordOperation(output: Tensor, inputs: [Tensor], backward: @escaping (_ outputGradient: Tensor) -> Void) -> Bool {
        guard current != nil, inputs.contains(where: { $0.requiresGrad }) else { return false }
        append(output) {
            guard let gradient = output.grad else { return }
            backward(gradient)
        }
        return true
    }
}

/// c = alpha · op(a) · op(b) + beta · c for matrices (rank-2 tensors), op(x) being x or xᵀ as the
/// flags say, split over the engine's threads like every op's GEMM. Not recorded on the tape: it
/// is for families that compute their own gradients, such as contrastive divergence's statistics
/// hᵀv, and for inference passes that need a transposed operand.
public func multiplyMatrices(_ a: Tensor, _ b: Tensor, into c: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                             alpha: Float = 1, beta: Float = 0) {
    precondition(a.rank == 2 && b.rank == 2 && c.rank == 2, "multiplyMatrices: needs matrices, got \(a.shape), \(b.shape), \(c.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kb && c.shape == [m, n],
                 "multiplyMatrices: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "") does not give \(c.shape)")
    withExtendedLifetime((a, b, c)) {
        gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: a.shape[1],
             b: b.pointer, ldb: b.shape[1], beta: beta, c: c.pointer, ldc: n)
    }
}
