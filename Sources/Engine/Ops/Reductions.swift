// Reductions. `sum()`/`mean()` reduce everything to a scalar (shape []); `sum(axis:)`/`mean(axis:)`
// remove one axis.

extension Tensor {
    public func sum() -> Tensor {
        let out = Tensor(uninitializedShape: [])
        var total: Double = 0
        let x = pointer
        for i in 0..<count { total += Double(x[i]) }
        out.pointer[0] = Float(total)
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer[0] else { return }
                self.accumulateGrad { gx in for i in 0..<self.count { gx[i] += g } }
            }
        }
        return out
    }

    public func mean() -> Tensor { sum().scaled(by: 1 / Float(max(count, 1))) }

    /// Sums along `axis`, removing it: [A, N, B] -> [A, B].
    public func sum(axis: Int) -> Tensor {
        let axis = axis < 0 ? axis + rank : axis
        precondition(axis >= 0 && axis < rank, "sum(axis:): axis \(axis) out of range for shape \(shape)")
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape.remove(at: axis)
        let out = Tensor(zeros: outShape)
        let x = pointer, y = out.pointer
        for o in 0..<outer {
            for j in 0..<n {
                let src = x + (o * n + j) * inner, dst = y + o * inner
                for i in 0..<inner { dst[i] += src[i] }
            }
        }
        if Tape.isRecording(self) {
            Tape.append(out) { [self] in
                guard let g = out.grad?.pointer else { return }
                self.accumulateGrad { gx in
                    for o in 0..<outer {
                        for j in 0..<n {
                            let dst = gx + (o * n + j) * inner, src = g + o * inner
                            for i in 0..<inner { dst[i] += src[i] }
                        }
                    }
                }
            }
        }
        return out
    }

    public func mean(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank : axis
        return sum(axis: a).scaled(by: 1 / Float(max(shape[a], 1)))
    }
}
