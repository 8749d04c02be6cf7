/// Padding of a stride-1 convolution.
public enum ConvPadding: String, Sendable, Codable {
    /// No padding: L_out = L - K + 1.
    case valid
    /// Zero padding so that L_out = L (left gets (K-1)/2, right the rest).
    case same
}

/// 1-D convolution, stride 1, channels last: x [B, L, Cin], weight [Cout, K, Cin], bias [Cout]
/// -> [B, Lout, Cout]. Implemented as im2col ([B·Lout, K·Cin]) followed by one GEMM, so nearly all
/// the time is in OpenBLAS; backward is two GEMMs and a col2im scatter.
public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor?, padding: ConvPadding = .valid) -> Tensor {
    precondition(x.rank == 3 && weight.rank == 3 && weight.shape[2] == x.shape[2],
                 "conv1d: input \(x.shape) does not match weight \(weight.shape) (need [B, L, Cin] and [Cout, K, Cin])")
    let batch = x.shape[0], length = x.shape[1], cin = x.shape[2]
    let cout = weight.shape[0], k = weight.shape[1]
    let left = padding == .same ? (k - 1) / 2 : 0
    let outLength = padding == .same ? length : length - k + 1
    precondition(outLength > 0, "conv1d: input length \(length) is shorter than kernel \(k)")
    if let bias { precondition(bias.shape == [cout], "conv1d: bias \(bias.shape) does not match \(cout) output channels") }
    let width = k * cin, rows = batch * outLength
    let columns = Tensor(uninitializedShape: [rows, width])
    let col = columns.pointer, px = x.pointer
    parallelChunks(rows, minimumPerChunk: 256) { range in
        for row in range {
            let b = row / outLength, t = row % outLength
            for kk in 0..<k {
                let src = t + kk - left, dst = col + row * width + kk * cin
                if src < 0 || src >= length { dst.update(repeating: 0, count: cin) }
                else { dst.update(from: px + (b * length + src) * cin, count: cin) }
            }
        }
    }
    let out = Tensor(uninitializedShape: [batch, outLength, cout])
    let y = out.pointer
    if let bias { fillRows(y, rows: rows, with: bias.pointer, count: cout) }
    gemm(transposeB: true, m: rows, n: cout, k: width, a: col, lda: width, b: weight.pointer, ldb: width,
         beta: bias == nil ? 0 : 1, c: y, ldc: cout)
    if Tape.isRecording(x, weight, bias) {
        Tape.append(out) {
            guard let g = out.grad?.pointer else { return }
            weight.accumulateGrad { gw, beta in  // dW = dYᵀ · columns
                gemm(transposeA: true, m: cout, n: width, k: rows, a: g, lda: cout, b: col, ldb: width, beta: beta, c: gw, ldc: width)
            }
            bias?.accumulateGrad { gb in addColumnSums(g, rows: rows, cols: cout, into: gb) }
            x.accumulateGrad { gx in  // dColumns = dY · W, then scatter back (col2im).
                let dcol = Tensor(uninitializedShape: [rows, width])
                gemm(m: rows, n: width, k: cout, a: g, lda: cout, b: weight.pointer, ldb: width, c: dcol.pointer, ldc: width)
                let dc = dcol.pointer
                for row in 0..<rows {
                    let b = row / outLength, t = row % outLength
                    for kk in 0..<k {
                        let src = t + kk - left
                        guard src >= 0 && src < length else { continue }
                        let d = gx + (b * length + src) * cin, s = dc + row * width + kk * cin
                        for j in 0..<cin { d[j] += s[j] }
                    }
                }
            }
            withExtendedLifetime(columns) {}
        }
    }
    return out
}
