import Foundation

/// Activations that `linear` applies in the same pass as its bias.
public enum Activation: Sendable, Equatable {
    case identity, tanh, sigmoid, relu
    case leakyRelu(Float)

    /// Applies the activation in place to `count` floats, through the same elementwise functions
    /// as `Tensor.tanh()` and friends.
    func apply(inPlace y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity: return
        case .tanh: mapElements(TanhFunction(), y, into: y, count: count)
        case .sigmoid: mapElements(SigmoidFunction(), y, into: y, count: count)
        case .relu: mapElements(LeakyReluFunction(slope: 0), y, into: y, count: count)
        case .leakyRelu(let s): mapElements(LeakyReluFunction(slope: s), y, into: y, count: count)
        }
    }

    /// dy/dx from the activation's output y (every case here can be written that way).
    @inline(__always) func derivative(output y: Float) -> Float {
        switch self {
        case .identity: return 1
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .relu: return y > 0 ? 1 : 0
        case .leakyRelu(let s): return y > 0 ? 1 : s
        }
    }

    /// `derivative(output:)` for eight lanes.
    @inline(__always) func derivative8(output y: Float8) -> Float8 {
        switch self {
        case .identity: return Float8(repeating: 1)
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .relu: return Float8(repeating: 0).replacing(with: 1, where: y .> 0)
        case .leakyRelu(let s): return Float8(repeating: s).replacing(with: 1, where: y .> 0)
        }
    }
}

/// Matrix product over leading dimensions: a [..., M, K] (leading dims flattened into rows) · b [K, N].
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(b.rank == 2 && a.lastDimension == b.shape[0],
                 "matmul: shapes \(a.shape) and \(b.shape) do not chain (need [..., K] and [K, N])")
    let k = b.shape[0], n = b.shape[1], m = a.count / max(k, 1)
    let out = Tensor(uninitializedShape: Array(a.shape.dropLast()) + [n])
    gemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: out.pointer, ldc: n)
    if Tape.isRecording(a, b) {
        Tape.append(out) {
            guard let g = out.grad?.pointer else { return }
            a.accumulateGrad { ga, beta in  // dA = dY · Bᵀ
                gemm(transposeB: true, m: m, n: k, k: n, a: g, lda: n, b: b.pointer, ldb: n, beta: beta, c: ga, ldc: k)
            }
            b.accumulateGrad { gb, beta in  // dB = Aᵀ · dY
                gemm(transposeA: true, m: k, n: n, k: m, a: a.pointer, lda: k, b: g, ldb: n, beta: beta, c: gb, ldc: n)
            }
        }
    }
    return out
}

/// Fully connected layer: y = act(x · Wᵀ + b).
/// x [..., I], weight [O, I] (PyTorch's layout), bias [O] or nil -> y [..., O].
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .identity) -> Tensor {
    precondition(weight.rank == 2 && x.lastDimension == weight.shape[1],
                 "linear: input \(x.shape) does not match weight \(weight.shape) (need [..., I] and [O, I])")
    let o = weight.shape[0], i = weight.shape[1], rows = x.count / max(i, 1)
    if let bias { precondition(bias.shape == [o], "linear: bias \(bias.shape) does not match weight \(weight.shape)") }
    let out = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [o])
    let y = out.pointer
    if let bias {  // Seed C with the bias so the GEMM adds into it.
        fillRows(y, rows: rows, with: bias.pointer, count: o)
    }
    gemm(transposeB: true, m: rows, n: o, k: i, a: x.pointer, lda: i, b: weight.pointer, ldb: i,
         beta: bias == nil ? 0 : 1, c: y, ldc: o)
    if activation != .identity { activation.apply(inPlace: y, count: out.count) }
    if Tape.isRecording(x, weight, bias) {
        Tape.append(out) {
            guard let gOut = out.grad?.pointer else { return }
            // Gradient at the pre-activation.
            var preGrad: Tensor? = nil
            var g = UnsafePointer(gOut)
            if activation != .identity {
                let pg = Tensor(uninitializedShape: out.shape)
                let p = pg.pointer
                parallelChunks(out.count) { r in
                    var j = r.lowerBound
                    while j + 8 <= r.upperBound { store8(load8(gOut + j) * activation.derivative8(output: load8(y + j)), p + j); j += 8 }
                    while j < r.upperBound { p[j] = gOut[j] * activation.derivative(output: y[j]); j += 1 }
                }
                preGrad = pg
                g = UnsafePointer(p)
            }
            x.accumulateGrad { gx, beta in  // dX = dZ · W
                gemm(m: rows, n: i, k: o, a: g, lda: o, b: weight.pointer, ldb: i, beta: beta, c: gx, ldc: i)
            }
            weight.accumulateGrad { gw, beta in  // dW = dZᵀ · X
                gemm(transposeA: true, m: o, n: i, k: rows, a: g, lda: o, b: x.pointer, ldb: i, beta: beta, c: gw, ldc: i)
            }
            bias?.accumulateGrad { gb in addColumnSums(g, rows: rows, cols: o, into: gb) }
            _ = preGrad
        }
    }
    return out
}

/// Copies `row` (count floats) into each of `rows` rows of y: seeds a GEMM's output with its bias.
/// A loop the compiler vectorises, rather than a memmove call per short row.
@inline(__always)
func fillRows(_ y: UnsafeMutablePointer<Float>, rows: Int, with row: UnsafePointer<Float>, count: Int) {
    for r in 0..<rows {
        let o = y + r * count
        for j in 0..<count { o[j] = row[j] }
    }
}

/// gb[j] += Σ_r g[r, j]
@inline(__always)
func addColumnSums(_ g: UnsafePointer<Float>, rows: Int, cols: Int, into gb: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = g + r * cols
        for j in 0..<cols { gb[j] += row[j] }
    }
}
