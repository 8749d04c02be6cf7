// 2-D convolutions, channels last. Shapes: B batch, H×W image, C channels, KH×KW kernel,
// Ho×Wo output grid, s stride, p zero padding on every side.
//
// Both ops reduce to one GEMM on an im2col matrix, so nearly all the time is in OpenBLAS:
//   conv2d            Y [B·Ho·Wo, Cout] = columns(X) [B·Ho·Wo, KH·KW·Cin] · Wᵀ
//   convTranspose2d   columns [B·H·W, KH·KW·Cout] = X [B·H·W, Cin] · W, then col2im into Y
// A transposed convolution is exactly the adjoint of a convolution with the same kernel, stride and
// padding, so the two share `ConvGeometry`, `im2col` and `col2im`.

/// Where a convolution's kernel windows sit: the image side (`height`×`width`×`channels`) and the
/// grid of window positions (`outHeight`×`outWidth`). Window (oy, ox) covers image rows
/// oy·s - p ..< oy·s - p + KH and the same for columns; pixels outside the image read as zero.
struct ConvGeometry {
    let batch: Int, height: Int, width: Int, channels: Int
    let kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int
    let outHeight: Int, outWidth: Int

    /// One im2col row per window: B·Ho·Wo.
    var rows: Int { batch * outHeight * outWidth }
    /// One im2col column per kernel tap and channel: KH·KW·C.
    var rowWidth: Int { kernelHeight * kernelWidth * channels }

    /// columns [rows, rowWidth] ← windows of `image` [B, H, W, C] (zero outside the image).
    func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
        let c = channels, kw = kernelWidth, kh = kernelHeight, w = rowWidth
        parallelChunks(rows, minimumPerChunk: max(1, 4096 / max(w, 1))) { range in
            for row in range {
                let b = row / (outHeight * outWidth), rem = row % (outHeight * outWidth)
                let oy = rem / outWidth, ox = rem % outWidth
                let dst = columns + row * w
                for ky in 0..<kh {
                    let iy = oy * stride - padding + ky
                    let line = dst + ky * kw * c
                    guard iy >= 0 && iy < height else { line.update(repeating: 0, count: kw * c); continue }
                    let x0 = ox * stride - padding
                    if x0 >= 0 && x0 + kw <= width {  // the whole kernel row lies inside: one contiguous copy
                        line.update(from: image + ((b * height + iy) * width + x0) * c, count: kw * c)
                        continue
                    }
                    for kx in 0..<kw {
                        let ix = x0 + kx
                        if ix < 0 || ix >= width { (line + kx * c).update(repeating: 0, count: c) }
                        else { (line + kx * c).update(from: image + ((b * height + iy) * width + ix) * c, count: c) }
                    }
                }
            }
        }
    }

    /// image [B, H, W, C] += the windows in `columns` summed back into place (the adjoint of im2col).
    /// Parallel over images, so no two threads add into the same pixel.
    func col2im(_ columns: UnsafePointer<Float>, addingInto image: UnsafeMutablePointer<Float>) {
        let c = channels, kw = kernelWidth, kh = kernelHeight, w = rowWidth, grid = outHeight * outWidth
        let perImage = grid * w
        parallelChunks(batch, minimumPerChunk: max(1, (1 << 15) / max(perImage, 1))) { range in
            for b in range {
                for cell in 0..<grid {
                    let oy = cell / outWidth, ox = cell % outWidth
                    let src = columns + (b * grid + cell) * w
                    let x0 = ox * stride - padding
                    // Taps inside the image: kx in kxLo..<kxHi, whose pixels are contiguous in a row.
                    let kxLo = max(0, -x0), kxHi = min(kw, width - x0)
                    guard kxLo < kxHi else { continue }
                    for ky in 0..<kh {
                        let iy = oy * stride - padding + ky
                        guard iy >= 0 && iy < height else { continue }
                        let d = image + ((b * height + iy) * width + x0 + kxLo) * c, s = src + (ky * kw + kxLo) * c
                        addInPlace(d, s, count: (kxHi - kxLo) * c)
                    }
                }
            }
        }
    }
}

/// d[0..<count] += s[0..<count], eight lanes at a time (the two ranges must not overlap).
@inline(__always)
private func addInPlace(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, count: Int) {
    var j = 0
    while j + 8 <= count {
        let sum = UnsafeRawPointer(d + j).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(s + j).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(d + j).storeBytes(of: sum, as: SIMD8<Float>.self)
        j += 8
    }
    while j < count { d[j] += s[j]; j += 1 }
}

/// Output side of a stride-`s`, padding-`p` convolution over `size` pixels: ⌊(size + 2p - K)/s⌋ + 1.
public func convOutputSize(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
    (size + 2 * padding - kernel) / stride + 1
}

/// Output side of the matching transposed convolution: (size - 1)·s - 2p + K + outputPadding.
public func convTransposeOutputSize(_ size: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int = 0) -> Int {
    (size - 1) * stride - 2 * padding + kernel + outputPadding
}

// MARK: - conv2d

/// 2-D convolution: x [B, H, W, Cin], weight [Cout, KH, KW, Cin], bias [Cout] -> [B, Ho, Wo, Cout]
/// with Ho = ⌊(H + 2p - KH)/s⌋ + 1 (Wo likewise). PyTorch's `Conv2d` with its weight permuted
/// [Cout, Cin, KH, KW] -> [Cout, KH, KW, Cin]. Backward: dW = dYᵀ·columns, dX = col2im(dY·W).
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4 && weight.shape[3] == x.shape[3],
                 "conv2d: input \(x.shape) does not match weight \(weight.shape) (need [B, H, W, Cin] and [Cout, KH, KW, Cin])")
    precondition(stride >= 1 && padding >= 0, "conv2d: stride \(stride) must be >= 1 and padding \(padding) >= 0")
    let cout = weight.shape[0]
    let geometry = ConvGeometry(
        batch: x.shape[0], height: x.shape[1], width: x.shape[2], channels: x.shape[3],
        kernelHeight: weight.shape[1], kernelWidth: weight.shape[2], stride: stride, padding: padding,
        outHeight: convOutputSize(x.shape[1], kernel: weight.shape[1], stride: stride, padding: padding),
        outWidth: convOutputSize(x.shape[2], kernel: weight.shape[2], stride: stride, padding: padding))
    precondition(geometry.outHeight > 0 && geometry.outWidth > 0,
                 "conv2d: input \(x.shape) is smaller than kernel \(weight.shape) with padding \(padding)")
    if let bias { precondition(bias.shape == [cout], "conv2d: bias \(bias.shape) does not match \(cout) output channels") }
    let rows = geometry.rows, width = geometry.rowWidth
    let columns = Tensor(uninitializedShape: [rows, width])
    let col = columns.pointer
    geometry.im2col(x.pointer, into: col)
    let out = Tensor(uninitializedShape: [geometry.batch, geometry.outHeight, geometry.outWidth, cout])
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
            x.accumulateGrad { gx in  // dColumns = dY · W, then scatter back.
                let dcol = Tensor(uninitializedShape: [rows, width])
                gemm(m: rows, n: width, k: cout, a: g, lda: cout, b: weight.pointer, ldb: width, c: dcol.pointer, ldc: width)
                geometry.col2im(dcol.pointer, addingInto: gx)
            }
            withExtendedLifetime(columns) {}
        }
    }
    return out
}

// MARK: - convTranspose2d

/// Transposed 2-D convolution (the adjoint of `conv2d`, "fractionally strided"): x [B, H, W, Cin],
/// weight [Cin, KH, KW, Cout], bias [Cout] -> [B, Ho, Wo, Cout] with Ho = (H - 1)·s - 2p + KH +
/// outputPadding. PyTorch's `ConvTranspose2d` with its weight permuted [Cin, Cout, KH, KW] ->
/// [Cin, KH, KW, Cout]. With K = 4, s = 2, p = 1 it doubles the image side.
/// Backward: dColumns = im2col(dY), dX = dColumns · Wᵀ, dW = Xᵀ · dColumns.
public func convTranspose2d(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0
) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4 && weight.shape[0] == x.shape[3],
                 "convTranspose2d: input \(x.shape) does not match weight \(weight.shape) (need [B, H, W, Cin] and [Cin, KH, KW, Cout])")
    precondition(stride >= 1 && padding >= 0 && outputPadding >= 0 && outputPadding < stride,
                 "convTranspose2d: stride \(stride), padding \(padding), output padding \(outputPadding) (need s >= 1, p >= 0, 0 <= op < s)")
    let batch = x.shape[0], cin = x.shape[3], cout = weight.shape[3], kh = weight.shape[1], kw = weight.shape[2]
    let outH = convTransposeOutputSize(x.shape[1], kernel: kh, stride: stride, padding: padding, outputPadding: outputPadding)
    let outW = convTransposeOutputSize(x.shape[2], kernel: kw, stride: stride, padding: padding, outputPadding: outputPadding)
    precondition(outH > 0 && outW > 0, "convTranspose2d: input \(x.shape) with kernel \(weight.shape) and padding \(padding) gives an empty output")
    // The convolution this op is the adjoint of: its image is our output, its window grid our input.
    let geometry = ConvGeometry(batch: batch, height: outH, width: outW, channels: cout, kernelHeight: kh, kernelWidth: kw,
                                stride: stride, padding: padding, outHeight: x.shape[1], outWidth: x.shape[2])
    if let bias { precondition(bias.shape == [cout], "convTranspose2d: bias \(bias.shape) does not match \(cout) output channels") }
    let rows = geometry.rows, width = geometry.rowWidth
    let out = Tensor(uninitializedShape: [batch, outH, outW, cout])
    let y = out.pointer, pixels = batch * outH * outW
    if let bias { fillRows(y, rows: pixels, with: bias.pointer, count: cout) }
    else { y.update(repeating: 0, count: out.count) }
    do {
        let columns = Tensor(uninitializedShape: [rows, width])
        gemm(m: rows, n: width, k: cin, a: x.pointer, lda: cin, b: weight.pointer, ldb: width, c: columns.pointer, ldc: width)
        geometry.col2im(columns.pointer, addingInto: y)
    }
    if Tape.isRecording(x, weight, bias) {
        Tape.append(out) {
            guard let g = out.grad?.pointer else { return }
            bias?.accumulateGrad { gb in addColumnSums(g, rows: pixels, cols: cout, into: gb) }
            guard x.requiresGrad || weight.requiresGrad else { return }
            let dcol = Tensor(uninitializedShape: [rows, width])
            geometry.im2col(g, into: dcol.pointer)
            x.accumulateGrad { gx, beta in  // dX = dColumns · Wᵀ
                gemm(transposeB: true, m: rows, n: cin, k: width, a: dcol.pointer, lda: width, b: weight.pointer, ldb: width,
                     beta: beta, c: gx, ldc: cin)
            }
            weight.accumulateGrad { gw, beta in  // dW = Xᵀ · dColumns
                gemm(transposeA: true, m: cin, n: width, k: rows, a: x.pointer, lda: cin, b: dcol.pointer, ldb: width,
                     beta: beta, c: gw, ldc: width)
            }
        }
    }
    return out
}
