/// Vectorised exp, sigmoid and tanh on 8 lanes (Cephes-style range reduction and polynomial,
/// relative error about 2e-7). The GRU's gate loops call these: with scalar libm calls the gates
/// cost as much as the recurrent GEMM.
typealias Float8 = SIMD8<Float>

@inline(__always)
func exp8(_ x: Float8) -> Float8 {
    // Clamp and round with compares, blends and the 1.5·2²³ trick: SIMD8's clamped(...) and
    // rounded(.down) compile to per-lane library calls (24 floorf calls per gate vector).
    var x = x.replacing(with: 88.3, where: x .> 88.3)
    x = x.replacing(with: -87.3, where: x .< -87.3)
    let shifted = x * 1.44269504088896341 + 12_582_912   // integer part lands in the low mantissa bits
    let fx = shifted - 12_582_912                        // x·log2(e) rounded to nearest
    var r = x - fx * 0.693359375
    r = r + fx * 2.12194440e-4
    var y = Float8(repeating: 1.9875691500e-4)
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * (r * r) + r + 1
    // 2^fx from the same bits. (SIMD's Float-to-Int32 initialiser also converts lane by lane.)
    let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    return y * unsafeBitCast((n &+ 127) &<< 23, to: Float8.self)
}

@inline(__always)
func sigmoid8(_ x: Float8) -> Float8 { 1 / (1 + exp8(-x)) }

@inline(__always)
func tanh8(_ x: Float8) -> Float8 {
    // tanh(x) = sign(x) · (1 - e^{-2|x|}) / (1 + e^{-2|x|}); no overflow for any x.
    let e = exp8(-2 * abs(x))
    let t = (1 - e) / (1 + e)
    return t.replacing(with: -t, where: x .< 0)
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> Float8 { UnsafeRawPointer(p).loadUnaligned(as: Float8.self) }

@inline(__always)
func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self) }

@inline(__always)
func abs(_ x: Float8) -> Float8 { x.replacing(with: -x, where: x .< 0) }
