import Foundation

/// The four weights of one LSTM layer, in PyTorch's layout and gate order (i, f, g, o):
/// weightIH [4H, I], weightHH [4H, H], biasIH [4H], biasHH [4H].
public struct LSTMWeights {
    public let weightIH: Tensor
    public let weightHH: Tensor
    public let biasIH: Tensor
    public let biasHH: Tensor

    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor) {
        let h4 = weightHH.shape[0]
        precondition(weightHH.rank == 2 && h4 == 4 * weightHH.shape[1],
                     "LSTM: weight_hh must be [4H, H], got \(weightHH.shape)")
        precondition(weightIH.rank == 2 && weightIH.shape[0] == h4,
                     "LSTM: weight_ih \(weightIH.shape) does not match weight_hh \(weightHH.shape)")
        precondition(biasIH.shape == [h4] && biasHH.shape == [h4],
                     "LSTM: biases \(biasIH.shape), \(biasHH.shape) must be [\(h4)]")
        self.weightIH = weightIH; self.weightHH = weightHH; self.biasIH = biasIH; self.biasHH = biasHH
    }

    public var hiddenSize: Int { weightHH.shape[1] }
    public var inputSize: Int { weightIH.shape[1] }
}

/// One LSTM layer over a whole sequence (time-major). x [T, B, I] -> hidden states [T, B, H];
/// the initial hidden and cell states are zero. Gates as PyTorch's `nn.LSTM`:
///   i = σ(W_ii x + b_ii + W_hi h + b_hi),  f = σ(W_if x + … ),  g = tanh(W_ig x + … ),  o = σ(W_io x + … )
///   c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
///
/// Like `gruLayer`: the input projection of all T steps is one GEMM, each step adds one
/// [B, H]·[H, 4H] GEMM and one pass over the gates; backward walks time in reverse with one
/// [B, 4H]·[4H, H] GEMM per step and forms every weight gradient as one GEMM over all T·B rows.
/// Forward takes the GRU's packed-weight path for the recurrence (batches of 16 rows or more);
/// backward does not yet (ChemNet, for FCD, only runs forward).
public func lstmLayer(_ x: Tensor, weights w: LSTMWeights) -> Tensor {
    let steps = x.shape.count == 3 ? x.shape[0] : 0, batch = x.shape.count == 3 ? x.shape[1] : 0
    let inputSize = w.inputSize, h = w.hiddenSize, h4 = 4 * h
    precondition(x.rank == 3 && x.shape[2] == inputSize,
                 "lstmLayer: input \(x.shape) does not match weight_ih \(w.weightIH.shape) (need [T, B, \(inputSize)])")
    let rows = steps * batch

    // Pre-activations of every step: X·W_ihᵀ + b_ih + b_hh, then h_{t-1}·W_hhᵀ added per step.
    // Each step's slice is then overwritten by the activated gates (i, f, g, o), which backward reads.
    let gatesTensor = Tensor(uninitializedShape: [steps, batch, h4])
    let gates = gatesTensor.pointer
    var bias = [Float](repeating: 0, count: h4)
    for j in 0..<h4 { bias[j] = w.biasIH.pointer[j] + w.biasHH.pointer[j] }
    bias.withUnsafeBufferPointer { fillRows(gates, rows: rows, with: $0.baseAddress!, count: h4) }
    gemm(transposeB: true, m: rows, n: h4, k: inputSize, a: x.pointer, lda: inputSize,
         b: w.weightIH.pointer, ldb: inputSize, beta: 1, c: gates, ldc: h4)

    let out = Tensor(uninitializedShape: [steps, batch, h])
    let cells = Tensor(uninitializedShape: [steps, batch, h])   // c_t, needed by backward
    let zeros = Tensor(zeros: [batch, h])
    let y = out.pointer, c = cells.pointer
    if let packed = packedRecurrentWeight(w.weightHH, hidden: h, gates: 4, batch: batch, transposed: true) {
        // As in the GRU: each thread runs its batch rows through every step alone, W_hh packed once
        // (OpenBLAS would re-pack it, 4 MB for ChemNet's 512 units, at every step).
        parallelRecurrence(batch) { rows in
            let lo = rows.lowerBound
            for t in 0..<steps {
                let hPrev = t == 0 ? UnsafePointer(zeros.pointer) : UnsafePointer(y + (t - 1) * batch * h)
                let cPrev = t == 0 ? UnsafePointer(zeros.pointer) : UnsafePointer(c + (t - 1) * batch * h)
                let g = gates + t * batch * h4
                packed.multiply(rows: rows.count, a: hPrev + lo * h, lda: h, c: g + lo * h4, ldc: h4, accumulate: true)
                for b in rows {
                    lstmGatesForward(g + b * h4, cPrev: cPrev + b * h, cOut: c + (t * batch + b) * h,
                                     hOut: y + (t * batch + b) * h, hidden: h)
                }
            }
        }
    } else {
        for t in 0..<steps {
            let hPrev = t == 0 ? UnsafePointer(zeros.pointer) : UnsafePointer(y + (t - 1) * batch * h)
            let cPrev = t == 0 ? UnsafePointer(zeros.pointer) : UnsafePointer(c + (t - 1) * batch * h)
            let g = gates + t * batch * h4
            gemm(transposeB: true, m: batch, n: h4, k: h, a: hPrev, lda: h, b: w.weightHH.pointer, ldb: h, beta: 1, c: g, ldc: h4)
            parallelChunks(batch, minimumPerChunk: max(1, 4096 / h)) { range in
                for b in range {
                    lstmGatesForward(g + b * h4, cPrev: cPrev + b * h, cOut: c + (t * batch + b) * h,
                                     hOut: y + (t * batch + b) * h, hidden: h)
                }
            }
        }
    }

    if Tape.isRecording(x, w.weightIH, w.weightHH, w.biasIH, w.biasHH) {
        Tape.append(out) {
            let dY = out.grad?.pointer
            let dGatesTensor = Tensor(uninitializedShape: [steps, batch, h4])
            let dGates = dGatesTensor.pointer
            let dh = Tensor(zeros: [batch, h]), dc = Tensor(zeros: [batch, h])
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let cPrev = t == 0 ? UnsafePointer(zeros.pointer) : UnsafePointer(c + (t - 1) * batch * h)
                for b in 0..<batch {
                    let k = (t * batch + b) * h
                    lstmGatesBackward(gates + (t * batch + b) * h4, cPrev: cPrev + b * h, cell: c + k,
                                      dOut: dY.map { UnsafePointer($0 + k) }, dh: dh.pointer + b * h, dc: dc.pointer + b * h,
                                      dGates: dGates + (t * batch + b) * h4, hidden: h)
                }
                // dh_{t-1} = dGates_t · W_hh (the direct term comes from dY at t-1).
                gemm(m: batch, n: h, k: h4, a: dGates + t * batch * h4, lda: h4, b: w.weightHH.pointer, ldb: h,
                     c: dh.pointer, ldc: h)
            }
            w.weightHH.accumulateGrad { gw in   // Σ_t dGates_tᵀ · h_{t-1}; h_{-1} = 0
                if steps > 1 {
                    gemm(transposeA: true, m: h4, n: h, k: (steps - 1) * batch, a: dGates + batch * h4, lda: h4,
                         b: y, ldb: h, beta: 1, c: gw, ldc: h)
                }
            }
            w.weightIH.accumulateGrad { gw in
                gemm(transposeA: true, m: h4, n: inputSize, k: rows, a: dGates, lda: h4, b: x.pointer, ldb: inputSize,
                     beta: 1, c: gw, ldc: inputSize)
            }
            w.biasIH.accumulateGrad { gb in addColumnSums(dGates, rows: rows, cols: h4, into: gb) }
            w.biasHH.accumulateGrad { gb in addColumnSums(dGates, rows: rows, cols: h4, into: gb) }
            x.accumulateGrad(writing: { gx, beta in
                gemm(m: rows, n: inputSize, k: h4, a: dGates, lda: h4, b: w.weightIH.pointer, ldb: inputSize,
                     beta: beta, c: gx, ldc: inputSize)
            })
            withExtendedLifetime((dGatesTensor, gatesTensor, cells, zeros, x)) {}
        }
    }
    return out
}

/// One row of gates: pre-activations in `g` [4H] become (i, f, g, o) in place; writes c' and h'.
/// Eight lanes at a time through FastMath's sigmoid and tanh (with libm the gates cost more than
/// the recurrent GEMM), then a scalar tail.
@inline(__always)
private func lstmGatesForward(_ g: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
                              cOut: UnsafeMutablePointer<Float>, hOut: UnsafeMutablePointer<Float>, hidden h: Int) {
    var j = 0
    while j + 8 <= h {
        let i = sigmoid8(load8(g + j)), f = sigmoid8(load8(g + h + j))
        let n = tanh8(load8(g + 2 * h + j)), o = sigmoid8(load8(g + 3 * h + j))
        store8(i, g + j); store8(f, g + h + j); store8(n, g + 2 * h + j); store8(o, g + 3 * h + j)
        let cell = f * load8(cPrev + j) + i * n
        store8(cell, cOut + j)
        store8(o * tanh8(cell), hOut + j)
        j += 8
    }
    while j < h {
        let i = 1 / (1 + Foundation.exp(-g[j]))
        let f = 1 / (1 + Foundation.exp(-g[h + j]))
        let n = Foundation.tanh(g[2 * h + j])
        let o = 1 / (1 + Foundation.exp(-g[3 * h + j]))
        g[j] = i; g[h + j] = f; g[2 * h + j] = n; g[3 * h + j] = o
        let cell = f * cPrev[j] + i * n
        cOut[j] = cell
        hOut[j] = o * Foundation.tanh(cell)
        j += 1
    }
}

/// One row of backward. On entry `dh`, `dc` hold the gradients reaching h_t and c_t from step
/// t+1; on exit `dc` holds the gradient reaching c_{t-1} (dh is rebuilt by the caller's GEMM).
/// Writes the pre-activation gradients of the four gates into `dGates` [4H].
@inline(__always)
private func lstmGatesBackward(_ g: UnsafePointer<Float>, cPrev: UnsafePointer<Float>, cell: UnsafePointer<Float>,
                               dOut: UnsafePointer<Float>?, dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                               dGates: UnsafeMutablePointer<Float>, hidden h: Int) {
    for j in 0..<h {
        let i = g[j], f = g[h + j], n = g[2 * h + j], o = g[3 * h + j]
        let dhj = dh[j] + (dOut?[j] ?? 0)
        let tc = Foundation.tanh(cell[j])
        let dcj = dc[j] + dhj * o * (1 - tc * tc)
        dGates[j] = dcj * n * i * (1 - i)
        dGates[h + j] = dcj * cPrev[j] * f * (1 - f)
        dGates[2 * h + j] = dcj * i * (1 - n * n)
        dGates[3 * h + j] = dhj * tc * o * (1 - o)
        dc[j] = dcj * f
    }
}
