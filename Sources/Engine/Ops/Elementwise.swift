import Foundation

// Elementwise ops. Shapes: any; binary ops broadcast the operand whose shape is a suffix of the
// other's ("over leading dimensions"), e.g. [B, T, H] + [H].

// MARK: - Unary

extension Tensor {
    /// Applies `f` elementwise; backward multiplies by `derivative(x, y)`.
    @inline(__always)
    func unary(_ name: String, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let x = pointer, y = out.pointer
        parallelChunks(count) { r in for i in r { y[i] = f(x[i]) } }
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in
                    parallelChunks(self.count) { r in for i in r { gx[i] += g[i] * derivative(x[i], y[i]) } }
                }
            }
        }
        return out
    }

    public func tanh() -> Tensor { unary("tanh", { Foundation.tanhf($0) }, derivative: { _, y in 1 - y * y }) }
    public func sigmoid() -> Tensor { unary("sigmoid", { stableSigmoid($0) }, derivative: { _, y in y * (1 - y) }) }
    public func relu() -> Tensor { unary("relu", { max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        unary("leakyRelu", { $0 > 0 ? $0 : slope * $0 }, derivative: { x, _ in x > 0 ? 1 : slope })
    }
    /// log(1 + eˣ), computed without overflow.
    public func softplus() -> Tensor {
        unary("softplus", { max($0, 0) + log1pf(expf(-abs($0))) }, derivative: { x, _ in stableSigmoid(x) })
    }
    public func exp() -> Tensor { unary("exp", { expf($0) }, derivative: { _, y in y }) }
    public func log() -> Tensor { unary("log", { logf($0) }, derivative: { x, _ in 1 / x }) }
    public func square() -> Tensor { unary("square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    public func scaled(by factor: Float) -> Tensor { unary("scale", { $0 * factor }, derivative: { _, _ in factor }) }
    public func adding(_ constant: Float) -> Tensor { unary("addScalar", { $0 + constant }, derivative: { _, _ in 1 }) }
    public static prefix func - (x: Tensor) -> Tensor { x.scaled(by: -1) }
    public static func * (x: Tensor, s: Float) -> Tensor { x.scaled(by: s) }
    public static func * (s: Float, x: Tensor) -> Tensor { x.scaled(by: s) }
    public static func + (x: Tensor, c: Float) -> Tensor { x.adding(c) }
    public static func - (x: Tensor, c: Float) -> Tensor { x.adding(-c) }
}

@inline(__always)
func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}

// MARK: - Binary with broadcasting over leading dimensions

extension Tensor {
    /// Combines two tensors elementwise. The smaller operand's shape must be a suffix of the larger's;
    /// it repeats over the leading dimensions. `da`/`db` give ∂f/∂a and ∂f/∂b at (a, b).
    @inline(__always)
    static func binary(
        _ name: String, _ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float,
        da: @escaping (Float, Float) -> Float, db: @escaping (Float, Float) -> Float
    ) -> Tensor {
        let outShape = a.count >= b.count ? a.shape : b.shape
        let small = a.count >= b.count ? b.shape : a.shape
        precondition(
            small.count <= outShape.count && Array(outShape.suffix(small.count)) == small,
            "\(name): shapes \(a.shape) and \(b.shape) do not broadcast (one must be a suffix of the other)")
        let out = Tensor(uninitializedShape: outShape)
        let n = out.count, na = a.count, nb = b.count
        let pa = a.pointer, pb = b.pointer, y = out.pointer
        // The small operand repeats every `period` elements: loop over repeats, then within one,
        // so no element needs a division to find its partner.
        let period = min(na, nb), repeats = n / max(period, 1)
        if na == n && nb == n {
            parallelChunks(n) { r in for i in r { y[i] = f(pa[i], pb[i]) } }
        } else if na == n {
            parallelChunks(repeats, minimumPerChunk: max(1, (1 << 15) / max(period, 1))) { r in
                for k in r { let o = k * period; for j in 0..<period { y[o + j] = f(pa[o + j], pb[j]) } }
            }
        } else {
            parallelChunks(repeats, minimumPerChunk: max(1, (1 << 15) / max(period, 1))) { r in
                for k in r { let o = k * period; for j in 0..<period { y[o + j] = f(pa[j], pb[o + j]) } }
            }
        }
        if Tape.isRecording(a, b) {
            Tape.append(out) {
                guard let g = out.grad?.pointer else { return }
                // The broadcast operand sums over its repeats (serially, so no two chunks race on it).
                a.accumulateGrad { ga in
                    if na == n {
                        if nb == n { parallelChunks(n) { r in for i in r { ga[i] += g[i] * da(pa[i], pb[i]) } } }
                        else {
                            parallelChunks(repeats, minimumPerChunk: max(1, (1 << 15) / max(period, 1))) { r in
                                for k in r { let o = k * period; for j in 0..<period { ga[o + j] += g[o + j] * da(pa[o + j], pb[j]) } }
                            }
                        }
                    } else {
                        for k in 0..<repeats { let o = k * period; for j in 0..<period { ga[j] += g[o + j] * da(pa[j], pb[o + j]) } }
                    }
                }
                b.accumulateGrad { gb in
                    if nb == n {
                        if na == n { parallelChunks(n) { r in for i in r { gb[i] += g[i] * db(pa[i], pb[i]) } } }
                        else {
                            parallelChunks(repeats, minimumPerChunk: max(1, (1 << 15) / max(period, 1))) { r in
                                for k in r { let o = k * period; for j in 0..<period { gb[o + j] += g[o + j] * db(pa[j], pb[o + j]) } }
                            }
                        }
                    } else {
                        for k in 0..<repeats { let o = k * period; for j in 0..<period { gb[j] += g[o + j] * db(pa[o + j], pb[j]) } }
                    }
                }
            }
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binary("add", a, b, +, da: { _, _ in 1 }, db: { _, _ in 1 })
    }
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binary("sub", a, b, -, da: { _, _ in 1 }, db: { _, _ in -1 })
    }
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binary("mul", a, b, *, da: { _, y in y }, db: { x, _ in x })
    }
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binary("div", a, b, /, da: { _, y in 1 / y }, db: { x, y in -x / (y * y) })
    }
}
