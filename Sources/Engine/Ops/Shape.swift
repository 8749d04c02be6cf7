// Shape ops. Reshape shares storage; the others copy explicitly (no hidden strides).

extension Tensor {
    /// The same elements under another shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: \(shape) cannot become \(newShape)")
            resolved[i] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "reshape: \(shape) cannot become \(newShape)")
        let out = Tensor(sharing: buffer, shape: resolved)
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in for i in 0..<self.count { gx[i] += g[i] } }
            }
        }
        return out
    }

    /// Swaps the last two axes: [..., M, N] -> [..., N, M].
    public func transposedLastTwo() -> Tensor {
        precondition(rank >= 2, "transposedLastTwo: needs rank >= 2, got shape \(shape)")
        let m = shape[rank - 2], n = shape[rank - 1], batch = count / max(m * n, 1)
        var outShape = shape
        outShape.swapAt(rank - 2, rank - 1)
        let out = Tensor(uninitializedShape: outShape)
        Tensor.transposeBlocks(pointer, out.pointer, batch: batch, rows: m, cols: n, accumulate: false)
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in Tensor.transposeBlocks(g, gx, batch: batch, rows: n, cols: m, accumulate: true) }
            }
        }
        return out
    }

    static func transposeBlocks(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, batch: Int, rows: Int, cols: Int, accumulate: Bool
    ) {
        for b in 0..<batch {
            let s = src + b * rows * cols, d = dst + b * rows * cols
            for i in 0..<rows {
                for j in 0..<cols {
                    if accumulate { d[j * rows + i] += s[i * cols + j] } else { d[j * rows + i] = s[i * cols + j] }
                }
            }
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors")
        let rank = parts[0].rank
        let axis = axis < 0 ? axis + rank : axis
        for p in parts {
            precondition(
                p.rank == rank && p.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == parts[0].shape[$0.offset] },
                "concat: shapes \(parts[0].shape) and \(p.shape) differ off axis \(axis)")
        }
        let outer = parts[0].shape[..<axis].reduce(1, *), inner = parts[0].shape[(axis + 1)...].reduce(1, *)
        let widths = parts.map { $0.shape[axis] * inner }
        let total = widths.reduce(0, +)
        var outShape = parts[0].shape
        outShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let out = Tensor(uninitializedShape: outShape)
        var offset = 0
        for (p, w) in zip(parts, widths) {
            for o in 0..<outer { (out.pointer + o * total + offset).update(from: p.pointer + o * w, count: w) }
            offset += w
        }
        if Tape.current != nil && parts.contains(where: \.requiresGrad) {
            Tape.append(out) {
                guard let g = out.grad?.pointer else { return }
                var offset = 0
                for (p, w) in zip(parts, widths) {
                    p.accumulateGrad { gp in
                        for o in 0..<outer {
                            let src = g + o * total + offset, dst = gp + o * w
                            for i in 0..<w { dst[i] += src[i] }
                        }
                    }
                    offset += w
                }
            }
        }
        return out
    }

    /// Cuts the tensor along `axis` into pieces of the given sizes.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let axis = axis < 0 ? axis + rank : axis
        precondition(sizes.reduce(0, +) == shape[axis], "split: sizes \(sizes) do not add up to \(shape[axis]) on axis \(axis) of \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: axis, start ..< start + size)
        }
    }

    /// The elements with index in `range` along `axis` (e.g. a window of time steps).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice: range \(range) out of bounds for axis \(axis) of \(shape)")
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let full = shape[axis] * inner, w = range.count * inner, start = range.lowerBound * inner
        var outShape = shape
        outShape[axis] = range.count
        let out = Tensor(uninitializedShape: outShape)
        for o in 0..<outer { (out.pointer + o * w).update(from: pointer + o * full + start, count: w) }
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in
                    for o in 0..<outer {
                        let dst = gx + o * full + start, src = g + o * w
                        for i in 0..<w { dst[i] += src[i] }
                    }
                }
            }
        }
        return out
    }
}
