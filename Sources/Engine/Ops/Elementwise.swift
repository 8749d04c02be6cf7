import Foundation

// Elementwise ops. Shapes: any; binary ops broadcast the operand whose shape is a suffix of the
// other's ("over leading dimensions"), e.g. [B, T, H] + [H].

// MARK: - Unary

/// A scalar function with its derivative. Each op is its own type so `unary` is specialised per
/// function and the loops inline it (a closure here was one indirect call per element).
protocol ElementwiseFunction {
    func value(_ x: Float) -> Float
    /// Eight lanes at once; by default lane by lane.
    func value8(_ x: Float8) -> Float8
    /// dy/dx given the input x and the output y.
    func derivative(_ x: Float, _ y: Float) -> Float
}

extension ElementwiseFunction {
    @inline(__always) func value8(_ x: Float8) -> Float8 {
        var y = x
        for l in 0..<8 { y[l] = value(x[l]) }
        return y
    }
}

struct TanhFunction: ElementwiseFunction {
    func value(_ x: Float) -> Float { Foundation.tanhf(x) }
    func value8(_ x: Float8) -> Float8 { tanh8(x) }
    func derivative(_ x: Float, _ y: Float) -> Float { 1 - y * y }
}
struct SigmoidFunction: ElementwiseFunction {
    func value(_ x: Float) -> Float { stableSigmoid(x) }
    func value8(_ x: Float8) -> Float8 { sigmoid8(x) }
    func derivative(_ x: Float, _ y: Float) -> Float { y * (1 - y) }
}
struct LeakyReluFunction: ElementwiseFunction {
    let slope: Float   // 0: plain ReLU
    func value(_ x: Float) -> Float { x > 0 ? x : slope * x }
    func derivative(_ x: Float, _ y: Float) -> Float { x > 0 ? 1 : slope }
}
struct SoftplusFunction: ElementwiseFunction {
    func value(_ x: Float) -> Float { max(x, 0) + log1pf(expf(-abs(x))) }
    func derivative(_ x: Float, _ y: Float) -> Float { stableSigmoid(x) }
}
struct ExpFunction: ElementwiseFunction {
    func value(_ x: Float) -> Float { expf(x) }
    func derivative(_ x: Float, _ y: Float) -> Float { y }
}
struct LogFunction: ElementwiseFunction {
    func value(_ x: Float) -> Float { logf(x) }
    func derivative(_ x: Float, _ y: Float) -> Float { 1 / x }
}
struct SquareFunction: ElementwiseFunction {
    func value(_ x: Float) -> Float { x * x }
    func derivative(_ x: Float, _ y: Float) -> Float { 2 * x }
}
/// y = factor · x + constant.
struct AffineFunction: ElementwiseFunction {
    let factor: Float, constant: Float
    func value(_ x: Float) -> Float { factor * x + constant }
    func derivative(_ x: Float, _ y: Float) -> Float { factor }
}

/// y[i] = f(x[i]) for `count` elements, eight lanes at a time, on every core when there are many.
/// `y` may be `x`.
@inline(__always)
func mapElements<F: ElementwiseFunction>(_ f: F, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    parallelChunks(count) { r in
        var i = r.lowerBound
        while i + 8 <= r.upperBound { store8(f.value8(load8(x + i)), y + i); i += 8 }
        while i < r.upperBound { y[i] = f.value(x[i]); i += 1 }
    }
}

extension Tensor {
    /// Applies `f` elementwise; backward multiplies by `f.derivative(x, y)`.
    @inline(__always)
    func unary<F: ElementwiseFunction>(_ f: F) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let x = pointer, y = out.pointer
        mapElements(f, x, into: y, count: count)
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx, beta in   // a fresh gradient is written, not added into zeros
                    parallelChunks(self.count) { r in
                        if beta == 0 {
                            for i in r { gx[i] = g[i] * f.derivative(x[i], y[i]) }
                        } else {
                            for i in r { gx[i] += g[i] * f.derivative(x[i], y[i]) }
                        }
                    }
                }
            }
        }
        return out
    }

    public func tanh() -> Tensor { unary(TanhFunction()) }
    public func sigmoid() -> Tensor { unary(SigmoidFunction()) }
    public func relu() -> Tensor { unary(LeakyReluFunction(slope: 0)) }
    public func leakyRelu(slope: Float = 0.01) -> Tensor { unary(LeakyReluFunction(slope: slope)) }
    public func softplus() -> Tensor { unary(SoftplusFunction()) }
    public func exp() -> Tensor { unary(ExpFunction()) }
    public func log() -> Tensor { unary(LogFunction()) }
    public func square() -> Tensor { unary(SquareFunction()) }
    public func scaled(by factor: Float) -> Tensor { unary(AffineFunction(factor: factor, constant: 0)) }
    public func adding(_ constant: Float) -> Tensor { unary(AffineFunction(factor: 1, constant: constant)) }
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
