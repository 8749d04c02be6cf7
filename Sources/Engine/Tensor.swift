import Foundation

/// A dense, row-major array of `Float` with a shape, and (when it takes part in autodiff) a gradient.
///
/// Tensors are immutable once an op has produced them: ops read their inputs and write a fresh output,
/// so a backward closure may keep its inputs without copying them. The only in-place writers are
/// optimizers (on parameters) and code that fills a tensor it has just created.
public final class Tensor {
    public let shape: [Int]
    public let count: Int
    let buffer: TensorBuffer

    /// True for parameters and for every value computed from one while a tape records.
    public internal(set) var requiresGrad: Bool
    /// The accumulated gradient, same shape; created on first accumulation.
    public internal(set) var grad: Tensor?

    /// A tensor whose contents are not initialised: for ops that overwrite every element.
    init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.buffer = TensorBuffer.make(count: count)
        self.requiresGrad = false
    }

    /// A tensor sharing `buffer` under another shape (reshape without a copy).
    init(sharing buffer: TensorBuffer, shape: [Int]) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        precondition(count == buffer.count, "reshape: \(buffer.count) elements cannot take shape \(shape)")
        self.buffer = buffer
        self.requiresGrad = false
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int]) {
        self.init(uninitializedShape: shape)
        pointer.initialize(repeating: 0, count: count)
    }

    /// A tensor filled with one value.
    public convenience init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        pointer.initialize(repeating: value, count: count)
    }

    /// A tensor holding `scalars` (row-major) under `shape`.
    public convenience init(_ scalars: [Float], shape: [Int]) {
        self.init(uninitializedShape: shape)
        precondition(scalars.count == count, "Tensor: \(scalars.count) values cannot take shape \(shape)")
        scalars.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// A scalar (shape `[]`).
    public convenience init(scalar: Float) { self.init([scalar], shape: []) }

    /// A trainable parameter: a leaf that collects gradients.
    public static func parameter(_ scalars: [Float], shape: [Int]) -> Tensor {
        let t = Tensor(scalars, shape: shape)
        t.requiresGrad = true
        return t
    }

    /// Marks a leaf tensor as trainable (or not).
    public func setRequiresGrad(_ value: Bool) { requiresGrad = value }

    /// Raw element storage. Writable so optimizers and loaders can update parameters in place.
    public var pointer: UnsafeMutablePointer<Float> { buffer.pointer }

    /// A copy of the elements.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor has shape \(shape), not one element")
        return pointer[0]
    }

    public var rank: Int { shape.count }

    /// Size of the last axis (1 for a scalar).
    var lastDimension: Int { shape.last ?? 1 }

    /// A copy that takes no part in autodiff.
    public func detached() -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// Overwrites the elements with `scalars`.
    public func assign(_ scalars: [Float]) {
        precondition(scalars.count == count, "assign: \(scalars.count) values into shape \(shape)")
        scalars.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Overwrites the elements with those of `other` (same element count).
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign: shape \(other.shape) into shape \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    /// Drops the gradient (optimizers call this after a step).
    public func zeroGrad() { grad = nil }

    /// Adds into the gradient through `body`, which receives a pointer to the (zero-initialised
    /// on first use) gradient storage. Backward closures use this to accumulate.
    @inline(__always)
    func accumulateGrad(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        guard requiresGrad else { return }
        if grad == nil { grad = Tensor(zeros: shape) }
        body(grad!.pointer)
    }

    /// For a pass that produces the whole gradient (a GEMM, an elementwise backward): `beta` is 0
    /// when the storage is new, its contents undefined, so the body must write every element instead
    /// of adding into zeros; 1 when it must add.
    @inline(__always)
    func accumulateGrad(writing body: (_ grad: UnsafeMutablePointer<Float>, _ beta: Float) -> Void) {
        guard requiresGrad else { return }
        if let grad { body(grad.pointer, 1); return }
        let fresh = Tensor(uninitializedShape: shape)
        grad = fresh
        body(fresh.pointer, 0)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(shown)\(count > 8 ? ", …" : "")]"
    }
}

/// Element storage, recycled through a pool keyed by size so a warm training step allocates nothing.
final class TensorBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    private init(pointer: UnsafeMutablePointer<Float>, count: Int) {
        self.pointer = pointer
        self.count = count
    }

    static func make(count: Int) -> TensorBuffer {
        TensorBuffer(pointer: BufferPool.shared.take(count: count), count: count)
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}

/// Free buffers by size class (`sizeClass`). Bounded, so rarely used sizes do not pin memory forever.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let limitBytes = 6 << 30
    private let lock = NSLock()

    /// The pool's key for a request of `count` elements: the count itself up to 4,096, above that
    /// the next of four steps per power of two (at most a quarter unused). Decoding drops finished
    /// rows from its batch, so its step buffers shrink by a few rows at a time: keyed by exact size
    /// none was ever reused, and fresh pages cost a third of decoding's time in page faults.
    static func sizeClass(_ count: Int) -> Int {
        let n = max(count, 1)
        guard n > 4096 else { return n }
        let quarter = 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount - 3)   // 2^(floor(log2(n - 1)) - 2)
        return (n + quarter - 1) / quarter * quarter
    }

    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let n = Self.sizeClass(count)
        lock.lock()
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        // 64-byte alignment suits AVX-512 loads and OpenBLAS.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        let n = Self.sizeClass(count)
        lock.lock()
        defer { lock.unlock() }
        if pooledBytes + n * 4 > limitBytes {
            UnsafeMutableRawPointer(pointer).deallocate()
            return
        }
        free[n, default: []].append(pointer)
        pooledBytes += n * 4
    }

    /// Returns every pooled buffer to the system (e.g. between phases of a long run).
    func drain() {
        lock.lock()
        defer { lock.unlock() }
        for (_, list) in free { for p in list { UnsafeMutableRawPointer(p).deallocate() } }
        free.removeAll()
        pooledBytes = 0
    }
}
