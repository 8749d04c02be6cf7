/// Looks up rows of `table` [V, E] for each index: indices of any shape S -> [S..., E].
public func embedding(_ indices: [Int32], shape: [Int], table: Tensor) -> Tensor {
    precondition(table.rank == 2, "embedding: table must be [V, E], got \(table.shape)")
    precondition(indices.count == shape.reduce(1, *), "embedding: \(indices.count) indices for shape \(shape)")
    let v = table.shape[0], e = table.shape[1]
    let out = Tensor(uninitializedShape: shape + [e])
    for (i, index) in indices.enumerated() {
        precondition(index >= 0 && Int(index) < v, "embedding: index \(index) outside table of \(v) rows")
        (out.pointer + i * e).update(from: table.pointer + Int(index) * e, count: e)
    }
    if Tape.isRecording(table) {
        Tape.append(out) {
            guard let g = out.grad?.pointer else { return }
            table.accumulateGrad { gt in
                for (i, index) in indices.enumerated() {
                    let dst = gt + Int(index) * e, src = g + i * e
                    for j in 0..<e { dst[j] += src[j] }
                }
            }
        }
    }
    return out
}

/// One-hot rows: indices of shape S -> [S..., classes] (no gradient).
public func oneHot(_ indices: [Int32], shape: [Int], classes: Int) -> Tensor {
    let out = Tensor(zeros: shape + [classes])
    for (i, index) in indices.enumerated() {
        precondition(index >= 0 && Int(index) < classes, "oneHot: index \(index) outside \(classes) classes")
        out.pointer[i * classes + Int(index)] = 1
    }
    return out
}
