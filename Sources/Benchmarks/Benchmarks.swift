import Engine
import Foundation

/// A named measurement printed as `name=value`.
public struct Figure: CustomStringConvertible {
    public let name: String
    public let value: Double
    /// A figure that is a word (which BLAS kernels ran), printed instead of `value`.
    public let text: String?
    public init(_ name: String, _ value: Double) { self.name = name; self.value = value; text = nil }
    public init(_ name: String, text: String) { self.name = name; value = .nan; self.text = text }
    public var description: String {
        if let text { return "\(name)=\(text)" }
        return value == value.rounded() && abs(value) < 1e15 ? "\(name)=\(Int(value))" : "\(name)=\(String(format: "%.4g", value))"
    }
}

/// Seconds taken by `body`, best of `repeats` after one warm-up call.
func bestTime(repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

/// CPU seconds used so far by all threads of this process (user + system).
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Peak resident memory of this process so far, in MB (from /proc/self/status VmHWM).
public func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

public enum EngineBenchmarks {
    /// SGEMM speed on square n x n matrices: the machine's GEMM peak that other figures compare with.
    public static func gemm(size n: Int = 2048, repeats: Int = 5) -> [Figure] {
        let rng = RandomGenerator(seed: 1)
        let a = Tensor.randomNormal([n, n], using: rng), b = Tensor.randomNormal([n, n], using: rng)
        let seconds = bestTime(repeats: repeats) { _ = matmul(a, b) }
        let flops = 2 * pow(Double(n), 3)
        let ours = flops / seconds / 1e9, pool = flops / BLAS.openBLASThreadedSeconds(size: n, repeats: repeats) / 1e9
        // The peak is the better of our split over cores and OpenBLAS's own threading.
        return [Figure("blas_core", text: BLAS.core), Figure("sgemm_size", Double(n)), Figure("sgemm_threads", Double(Parallelism.cores)),
                Figure("sgemm_split_gflops", ours), Figure("sgemm_openblas_threads_gflops", pool),
                Figure("sgemm_gflops", max(ours, pool))]
    }

    /// Forward + backward of a multi-layer GRU (default: the paper's decoder, 3 x 488 on 196 inputs,
    /// B = 128, T = 120). FLOPs count the GEMMs (forward 2·T·B·3H·(I + H) per layer; backward twice
    /// that), the convention PyTorch comparisons use.
    public static func gru(batch: Int = 128, steps: Int = 120, input: Int = 196, hidden: Int = 488, layers: Int = 3,
                           repeats: Int = 5) -> [Figure] {
        let rng = RandomGenerator(seed: 2)
        let scale = 1 / Float(hidden).squareRoot()
        let weights = (0..<layers).map { l in
            GRUWeights(
                weightIH: .randomUniform([3 * hidden, l == 0 ? input : hidden], low: -scale, high: scale, using: rng),
                weightHH: .randomUniform([3 * hidden, hidden], low: -scale, high: scale, using: rng),
                biasIH: .randomUniform([3 * hidden], low: -scale, high: scale, using: rng),
                biasHH: .randomUniform([3 * hidden], low: -scale, high: scale, using: rng))
        }
        for w in weights { for p in [w.weightIH, w.weightHH, w.biasIH, w.biasHH] { p.setRequiresGrad(true) } }
        let x = Tensor.randomNormal([steps, batch, input], using: rng)
        x.setRequiresGrad(true)
        var forwardSeconds = Double.infinity
        let total = bestTime(repeats: repeats) {
            let tape = Tape()
            let start = DispatchTime.now().uptimeNanoseconds
            let loss = tape.record { () -> Tensor in
                var h = x
                for w in weights { h = gruLayer(h, initialState: nil, weights: w) }
                return h.mean()
            }
            forwardSeconds = min(forwardSeconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            tape.backward(loss)
            for w in weights { for p in [w.weightIH, w.weightHH, w.biasIH, w.biasHH] { p.zeroGrad() } }
            x.zeroGrad()
        }
        var forwardFlops = 0.0
        for l in 0..<layers {
            let i = Double(l == 0 ? input : hidden), h = Double(hidden)
            forwardFlops += 2 * Double(steps * batch) * 3 * h * (i + h)
        }
        let gflops = 3 * forwardFlops / total / 1e9
        let peak = gemm().last!.value
        return [
            Figure("gru_batch", Double(batch)), Figure("gru_steps", Double(steps)), Figure("gru_hidden", Double(hidden)),
            Figure("gru_layers", Double(layers)),
            Figure("gru_forward_ms", forwardSeconds * 1000), Figure("gru_forward_backward_ms", total * 1000),
            Figure("gru_gflops", gflops), Figure("sgemm_peak_gflops", peak), Figure("fraction_of_peak", gflops / peak),
        ]
    }
}
