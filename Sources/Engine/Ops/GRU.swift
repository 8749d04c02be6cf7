import Foundation
import Dispatch

/// The four weights of one GRU layer, in PyTorch's layout and gate order (r, z, n):
/// weightIH [3H, I], weightHH [3H, H], biasIH [3H], biasHH [3H].
public struct GRUWeights {
    public let weightIH: Tensor
    public let weightHH: Tensor
    public let biasIH: Tensor
    public let biasHH: Tensor

    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor) {
        let h3 = weightHH.shape[0]
        precondition(weightHH.rank == 2 && h3 == 3 * weightHH.shape[1],
                     "GRU: weight_hh must be [3H, H], got \(weightHH.shape)")
        precondition(weightIH.rank == 2 && weightIH.shape[0] == h3,
                     "GRU: weight_ih \(weightIH.shape) does not match weight_hh \(weightHH.shape)")
        precondition(biasIH.shape == [h3] && biasHH.shape == [h3],
                     "GRU: biases \(biasIH.shape), \(biasHH.shape) must be [\(h3)]")
        self.weightIH = weightIH; self.weightHH = weightHH; self.biasIH = biasIH; self.biasHH = biasHH
    }

    public var hiddenSize: Int { weightHH.shape[1] }
    public var inputSize: Int { weightIH.shape[1] }
}

/// One GRU layer over a whole sequence (time-major). x [T, B, I], initial state [B, H] or nil
/// (zeros) -> hidden states [T, B, H]. Gates as PyTorch:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h
///
/// The input projection for all T steps is one GEMM; each step adds one [B, H]·[H, 3H] GEMM (most
/// of the running time is spent there) and one fused pass over the gates. Backward walks time in
/// reverse with one [B, 3H]·[3H, H] GEMM per step, then forms every weight gradient as a single
/// GEMM over all T·B rows.
public func gruLayer(_ x: Tensor, initialState: Tensor?, weights w: GRUWeights) -> Tensor {
    gruLayer(x, initialState: initialState, weights: w, packed: nil)
}

/// `gruLayer`, with W_hh already packed (`PackedGRUWeights`) when the caller steps many times.
func gruLayer(_ x: Tensor, initialState: Tensor?, weights w: GRUWeights, packed prepacked: PackedMatrix?) -> Tensor {
    let steps = x.shape.count == 3 ? x.shape[0] : 0, batch = x.shape.count == 3 ? x.shape[1] : 0
    let inputSize = w.inputSize, h = w.hiddenSize, h3 = 3 * h
    precondition(x.rank == 3 && x.shape[2] == inputSize,
                 "gruLayer: input \(x.shape) does not match weight_ih \(w.weightIH.shape) (need [T, B, \(inputSize)])")
    if let s = initialState { precondition(s.shape == [batch, h], "gruLayer: initial state \(s.shape) must be [\(batch), \(h)]") }
    let rows = steps * batch

    // gi = X·W_ihᵀ for all steps at once; step t later overwrites its slice with (r, z, n). The
    // biases join in the gate pass (r and z take b_ih + b_hh as one vector), which saves writing
    // and re-reading a [T, B, 3H] bias broadcast.
    let gates = Tensor(uninitializedShape: [steps, batch, h3])
    let gi = gates.pointer
    gemm(transposeB: true, m: rows, n: h3, k: inputSize, a: x.pointer, lda: inputSize,
         b: w.weightIH.pointer, ldb: inputSize, c: gi, ldc: h3)
    let gateBias = Tensor(uninitializedShape: [h3])
    for j in 0..<h3 { gateBias.pointer[j] = w.biasIH.pointer[j] + (j < 2 * h ? w.biasHH.pointer[j] : 0) }

    let out = Tensor(uninitializedShape: [steps, batch, h])
    let hnBuffer = Tensor(uninitializedShape: [steps, batch, h])   // W_hn h + b_hn, needed by backward
    let ghScratch = Tensor(uninitializedShape: [batch, h3])
    let zeros = initialState == nil ? Tensor(zeros: [batch, h]) : nil
    let h0 = (initialState ?? zeros!).pointer
    let y = out.pointer, hn = hnBuffer.pointer, gh = ghScratch.pointer, bhh = w.biasHH.pointer, bg = gateBias.pointer

    if let packed = batch >= PackedMatrix.smallestBatch ? prepacked ?? packedRecurrentWeight(w, batch: batch, transposed: true) : nil {
        // Batch rows never mix in the recurrence, so each thread runs its rows through every step
        // alone: W_hh packed once, no hand-off between steps (PackedMatrix).
        parallelRecurrence(batch) { rows in
            let lo = rows.lowerBound
            for t in 0..<steps {
                let hPrev = t == 0 ? UnsafePointer(h0) : UnsafePointer(y + (t - 1) * batch * h)
                packed.multiply(rows: rows.count, a: hPrev + lo * h, lda: h, c: gh + lo * h3, ldc: h3)
                let g = gi + t * batch * h3, hT = y + t * batch * h, hnT = hn + t * batch * h
                for b in rows {
                    gruGatesForward(gi: g + b * h3, gh: gh + b * h3, gateBias: bg, biasHH: bhh, hPrev: hPrev + b * h,
                                    hOut: hT + b * h, hnOut: hnT + b * h, hidden: h)
                }
            }
        }
    } else {
        for t in 0..<steps {
            let hPrev = t == 0 ? UnsafePointer(h0) : UnsafePointer(y + (t - 1) * batch * h)
            gemm(transposeB: true, m: batch, n: h3, k: h, a: hPrev, lda: h, b: w.weightHH.pointer, ldb: h, c: gh, ldc: h3)
            let g = gi + t * batch * h3, hT = y + t * batch * h, hnT = hn + t * batch * h
            parallelChunks(batch, minimumPerChunk: max(1, 8192 / h)) { range in
                for b in range {
                    gruGatesForward(gi: g + b * h3, gh: gh + b * h3, gateBias: bg, biasHH: bhh, hPrev: hPrev + b * h,
                                    hOut: hT + b * h, hnOut: hnT + b * h, hidden: h)
                }
            }
        }
    }
    withExtendedLifetime((ghScratch, gateBias, zeros)) {}

    if Tape.isRecording(x, initialState, w.weightIH, w.weightHH, w.biasIH, w.biasHH) {
        Tape.append(out) {
            let dY = out.grad?.pointer
            let dGi = Tensor(uninitializedShape: [steps, batch, h3])
            let dGh = Tensor(uninitializedShape: [steps, batch, h3])
            let dh = Tensor(zeros: [batch, h]), dhNext = Tensor(uninitializedShape: [batch, h])
            // One step of backward for some batch rows: the gates, then dh_{t-1} = direct term + dGh_t · W_hh.
            func step(_ t: Int, rows: Range<Int>, recurrent: (_ dgh: UnsafePointer<Float>, _ dhPrev: UnsafeMutablePointer<Float>) -> Void) {
                let hPrev = t == 0 ? UnsafePointer(h0) : UnsafePointer(y + (t - 1) * batch * h)
                let dYt = dY.map { UnsafePointer($0 + t * batch * h) }
                let g = UnsafePointer(gi + t * batch * h3), hnT = UnsafePointer(hn + t * batch * h)
                let dgi = dGi.pointer + t * batch * h3, dgh = dGh.pointer + t * batch * h3
                let dhP = dh.pointer, dnP = dhNext.pointer
                for b in rows {
                    gruGatesBackward(gates: g + b * h3, hn: hnT + b * h, hPrev: hPrev + b * h,
                                     dOut: dYt.map { $0 + b * h }, dh: dhP + b * h,
                                     dGi: dgi + b * h3, dGh: dgh + b * h3, dhPrevDirect: dnP + b * h, hidden: h)
                }
                recurrent(dgh, dnP)
            }
            if let packed = packedRecurrentWeight(w, batch: batch, transposed: false) {
                parallelRecurrence(batch) { rows in
                    let lo = rows.lowerBound
                    for t in stride(from: steps - 1, through: 0, by: -1) {
                        step(t, rows: rows) { dgh, dnP in
                            packed.multiply(rows: rows.count, a: dgh + lo * h3, lda: h3, c: dnP + lo * h, ldc: h, accumulate: true)
                        }
                        (dh.pointer + lo * h).update(from: dhNext.pointer + lo * h, count: rows.count * h)
                    }
                }
            } else {
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    parallelChunks(batch, minimumPerChunk: max(1, 8192 / h)) { range in
                        step(t, rows: range) { _, _ in }
                    }
                    let dgh = dGh.pointer + t * batch * h3
                    gemm(m: batch, n: h, k: h3, a: dgh, lda: h3, b: w.weightHH.pointer, ldb: h, beta: 1, c: dhNext.pointer, ldc: h)
                    dh.pointer.update(from: dhNext.pointer, count: batch * h)
                }
            }
            // Weight gradients: one GEMM each over every step.
            w.weightHH.accumulateGrad { gw in
                gemm(transposeA: true, m: h3, n: h, k: batch, a: dGh.pointer, lda: h3, b: h0, ldb: h, beta: 1, c: gw, ldc: h)
                if steps > 1 {
                    gemm(transposeA: true, m: h3, n: h, k: (steps - 1) * batch, a: dGh.pointer + batch * h3, lda: h3,
                         b: y, ldb: h, beta: 1, c: gw, ldc: h)
                }
            }
            w.biasHH.accumulateGrad { gb in addColumnSums(dGh.pointer, rows: rows, cols: h3, into: gb) }
            w.weightIH.accumulateGrad { gw in
                gemm(transposeA: true, m: h3, n: inputSize, k: rows, a: dGi.pointer, lda: h3, b: x.pointer, ldb: inputSize,
                     beta: 1, c: gw, ldc: inputSize)
            }
            w.biasIH.accumulateGrad { gb in addColumnSums(dGi.pointer, rows: rows, cols: h3, into: gb) }
            x.accumulateGrad { gx in
                gemm(m: rows, n: inputSize, k: h3, a: dGi.pointer, lda: h3, b: w.weightIH.pointer, ldb: inputSize,
                     beta: 1, c: gx, ldc: inputSize)
            }
            initialState?.accumulateGrad { gs in
                let d = dh.pointer
                for i in 0..<(batch * h) { gs[i] += d[i] }
            }
            withExtendedLifetime((gates, hnBuffer, zeros)) {}
        }
    }
    return out
}

/// W_hh packed for the recurrence (Wᵀ for forward, W for backward), or nil when the plain OpenBLAS
/// path is better: no kernel on this CPU, or too few rows to fill the kernel's 8-row blocks.
private func packedRecurrentWeight(_ w: GRUWeights, batch: Int, transposed: Bool) -> PackedMatrix? {
    packedRecurrentWeight(w.weightHH, hidden: w.hiddenSize, gates: 3, batch: batch, transposed: transposed)
}

/// A recurrent layer's W_hh ([gates·H, H]) packed, as above; shared by the GRU and the LSTM.
func packedRecurrentWeight(_ weightHH: Tensor, hidden h: Int, gates: Int, batch: Int, transposed: Bool) -> PackedMatrix? {
    guard PackedMatrix.isEnabled, batch >= PackedMatrix.smallestBatch else { return nil }
    return transposed
        ? PackedMatrix(k: h, n: gates * h, source: weightHH.pointer, rowStride: 1, columnStride: h)
        : PackedMatrix(k: gates * h, n: h, source: weightHH.pointer, rowStride: h, columnStride: 1)
}

/// Runs `body` on one contiguous block of batch rows per core (at least 32 rows each, in multiples
/// of the kernel's 8 rows where the batch allows).
func parallelRecurrence(_ batch: Int, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(Parallelism.cores, batch / 32))
    if chunks == 1 { body(0..<batch); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in body(alignedBlock(c, of: chunks, count: batch, unit: 8)) }
}

/// One step of a GRU layer: x [B, I], state [B, H] -> new state [B, H]. For autoregressive decoding.
public func gruStep(_ x: Tensor, state: Tensor, weights: GRUWeights) -> Tensor {
    gruStep(x, state: state, weights: PackedGRUWeights(weights, packing: false))
}

/// One step with W_hh packed once for the whole decoding (`PackedGRUWeights`): packing it at every
/// step cost a fresh 1.2 MB buffer and its page faults per layer and step.
public func gruStep(_ x: Tensor, state: Tensor, weights: PackedGRUWeights) -> Tensor {
    let b = x.shape[0]
    return gruLayer(x.reshaped([1, b, x.lastDimension]), initialState: state, weights: weights.weights, packed: weights.recurrent)
        .reshaped([b, weights.weights.hiddenSize])
}

/// A GRU layer's weights with W_hh packed for the forward recurrence, for many `gruStep` calls
/// while the weights stay as they are (one decoding). Nil packing where the kernel is off.
public final class PackedGRUWeights {
    public let weights: GRUWeights
    let recurrent: PackedMatrix?

    public init(_ weights: GRUWeights, packing: Bool = true) {
        self.weights = weights
        recurrent = packing ? packedRecurrentWeight(weights, batch: PackedMatrix.smallestBatch, transposed: true) : nil
    }
}

/// Gates of one batch row: reads gi (W_ih x, no bias) and gh (W_hh h, no bias), writes (r, z, n)
/// over gi, the new state, and W_hn h + b_hn. gateBias is b_ih + b_hh for r and z, b_in for n.
@inline(__always)
private func gruGatesForward(
    gi: UnsafeMutablePointer<Float>, gh: UnsafePointer<Float>, gateBias: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
    hPrev: UnsafePointer<Float>, hOut: UnsafeMutablePointer<Float>, hnOut: UnsafeMutablePointer<Float>, hidden h: Int
) {
    var j = 0
    while j + 8 <= h {
        let r = sigmoid8(load8(gi + j) + load8(gh + j) + load8(gateBias + j))
        let z = sigmoid8(load8(gi + h + j) + load8(gh + h + j) + load8(gateBias + h + j))
        let hn = load8(gh + 2 * h + j) + load8(biasHH + 2 * h + j)
        let n = tanh8(load8(gi + 2 * h + j) + load8(gateBias + 2 * h + j) + r * hn)
        store8(r, gi + j); store8(z, gi + h + j); store8(n, gi + 2 * h + j)
        store8(hn, hnOut + j)
        store8((1 - z) * n + z * load8(hPrev + j), hOut + j)
        j += 8
    }
    while j < h {
        let r = stableSigmoid(gi[j] + gh[j] + gateBias[j])
        let z = stableSigmoid(gi[h + j] + gh[h + j] + gateBias[h + j])
        let hn = gh[2 * h + j] + biasHH[2 * h + j]
        let n = tanhf(gi[2 * h + j] + gateBias[2 * h + j] + r * hn)
        gi[j] = r; gi[h + j] = z; gi[2 * h + j] = n
        hnOut[j] = hn
        hOut[j] = (1 - z) * n + z * hPrev[j]
        j += 1
    }
}

/// Backward through the gates of one batch row at one step. `dh` is dL/dh_t from later steps;
/// adds dOut (the gradient on this step's output). Writes the pre-activation gradients for the
/// input (dGi) and recurrent (dGh) projections and the direct part of dL/dh_{t-1}.
@inline(__always)
private func gruGatesBackward(
    gates: UnsafePointer<Float>, hn: UnsafePointer<Float>, hPrev: UnsafePointer<Float>, dOut: UnsafePointer<Float>?,
    dh: UnsafePointer<Float>, dGi: UnsafeMutablePointer<Float>, dGh: UnsafeMutablePointer<Float>,
    dhPrevDirect: UnsafeMutablePointer<Float>, hidden h: Int
) {
    var j = 0
    while j + 8 <= h {
        var d = load8(dh + j)
        if let dOut { d += load8(dOut + j) }
        let r = load8(gates + j), z = load8(gates + h + j), n = load8(gates + 2 * h + j)
        let dnPre = d * (1 - z) * (1 - n * n)
        let dzPre = d * (load8(hPrev + j) - n) * z * (1 - z)
        let drPre = dnPre * load8(hn + j) * r * (1 - r)
        store8(drPre, dGi + j); store8(dzPre, dGi + h + j); store8(dnPre, dGi + 2 * h + j)
        store8(drPre, dGh + j); store8(dzPre, dGh + h + j); store8(dnPre * r, dGh + 2 * h + j)
        store8(d * z, dhPrevDirect + j)
        j += 8
    }
    while j < h {
        let d = dh[j] + (dOut?[j] ?? 0)
        let r = gates[j], z = gates[h + j], n = gates[2 * h + j]
        let dnPre = d * (1 - z) * (1 - n * n)
        let dzPre = d * (hPrev[j] - n) * z * (1 - z)
        let drPre = dnPre * hn[j] * r * (1 - r)
        dGi[j] = drPre; dGi[h + j] = dzPre; dGi[2 * h + j] = dnPre
        dGh[j] = drPre; dGh[h + j] = dzPre; dGh[2 * h + j] = dnPre * r
        dhPrevDirect[j] = d * z
        j += 1
    }
}
