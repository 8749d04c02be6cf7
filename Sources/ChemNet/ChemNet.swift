import Engine
import Foundation
import NN
import Storage

/// ChemNet (Preuer et al., *Fréchet ChemNet Distance*, J. Chem. Inf. Model. 2018), the network
/// whose penultimate activations FCD compares, run on MolGen's engine with the weights of the
/// PyPI `fcd` package (converted by `tools/fetch-chemnet`; LGPL-3.0, not shipped).
///
/// Forward pass, exactly as `fcd` 1.2 builds it from the same weights:
/// SMILES + "." → tokens (35 symbols, "Cl"/"Br"/"Si" as one) → one-hot / 35, zero-padded to
/// 350 positions → conv1d(32, k 4, stride 2, "same") → SELU → conv1d(32, k 4, stride 2, "same")
/// → SELU → time reversed → LSTM(128) → time reversed → LSTM(512) → its last output [512].
public final class ChemNet {
    /// `fcd`'s vocabulary, in its index order; "X" stands for any other character and "." ends.
    public static let vocabulary = ["C", "N", "O", "H", "F", "Cl", "P", "B", "Br", "S", "I", "Si", "#", "(", ")", "+", "-",
                                    "1", "2", "3", "4", "5", "6", "7", "8", "=", "[", "]", "@", "c", "n", "o", "s", "X", "."]
    /// Positions every SMILES is padded to (`fcd`'s default; longer batches pad to their longest).
    public static let paddedLength = 350
    /// Width of the activations FCD compares.
    public static let activationSize = 512
    /// Where `tools/fetch-chemnet` puts the converted weights.
    public static let defaultPath = "models/chemnet/chemnet.h5"
    /// What to tell a user who has no ChemNet file.
    public static let howToGet = "FCD needs ChemNet's weights: run tools/fetch-chemnet (downloads the PyPI fcd wheel, LGPL-3.0, and converts it to \(defaultPath))"

    let convWeights: [Tensor]      // [32, 4, Cin], our conv1d layout
    let recurrent: [LSTMWeights]   // 128 then 512 units

    /// Loads the weights written by `tools/fetch-chemnet`.
    /// - Throws: `StorageError` naming the file when it is missing, not a ChemNet file, or a weight is absent.
    public init(contentsOf path: String = defaultPath) throws {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        try file.requireFormat("molgen-chemnet", newestVersion: 1)
        func tensor(_ name: String) throws -> Tensor {
            let stored = try file.read("parameters/\(name)", as: Float.self)
            return Tensor(stored.values, shape: stored.shape)
        }
        convWeights = [try tensor("conv0/weight"), try tensor("conv1/weight")]
        recurrent = try (0..<2).map { n in
            LSTMWeights(weightIH: try tensor("lstm\(n)/weight_ih"), weightHH: try tensor("lstm\(n)/weight_hh"),
                        biasIH: try tensor("lstm\(n)/bias_ih"), biasHH: try tensor("lstm\(n)/bias_hh"))
        }
        precondition(convWeights[0].shape == [32, 4, Self.vocabulary.count] && recurrent[1].hiddenSize == Self.activationSize,
                     "ChemNet: \(path) holds weights of another shape")
    }

    /// Token indices of `smiles` followed by the end token ".", as `fcd`'s regular expression
    /// splits it: "Cl", "Br", "Si" first, then single characters, anything unknown as "X".
    public static func tokens(_ smiles: String) -> [Int] {
        let characters = Array(smiles + ".")
        var out: [Int] = []
        var i = 0
        while i < characters.count {
            if i + 1 < characters.count, let two = index[String(characters[i...i + 1])] {
                out.append(two); i += 2
            } else {
                out.append(index[String(characters[i])] ?? unknown); i += 1
            }
        }
        return out
    }
    private static let index = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
    private static let unknown = vocabulary.firstIndex(of: "X")!

    /// ChemNet's 512 activations of each SMILES, row-major [N, 512], in batches of `batchSize`.
    /// `progress` gets the number of molecules done after each batch.
    public func activations(_ smiles: [String], batchSize: Int = 128, progress: (Int) -> Void = { _ in }) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(smiles.count * Self.activationSize)
        for start in stride(from: 0, to: smiles.count, by: batchSize) {
            let batch = Array(smiles[start..<min(start + batchSize, smiles.count)])
            out += Tape.withoutRecording { forward(batch.map(Self.tokens)) }
            progress(start + batch.count)
        }
        return out
    }

    /// One batch of token rows → [B, 512].
    func forward(_ rows: [[Int]]) -> [Float] {
        let batch = rows.count, length = max(Self.paddedLength, rows.map(\.count).max() ?? 0)
        let symbols = Self.vocabulary.count
        var x = Tensor(zeros: [batch, length, symbols])
        for (b, row) in rows.enumerated() {
            for (t, token) in row.enumerated() { x.pointer[(b * length + t) * symbols + token] = 1 / Float(symbols) }
        }
        for weight in convWeights { x = selu(stridedConvolution(x, weight: weight)) }
        var sequence = timeMajor(x, reversed: true)
        sequence = lstmLayer(sequence, weights: recurrent[0])
        sequence = reversedInTime(sequence)
        let last = lstmLayer(sequence, weights: recurrent[1])
        let steps = last.shape[0], width = Self.activationSize
        return Array(UnsafeBufferPointer(start: last.pointer + (steps - 1) * batch * width, count: batch * width))
    }
}

// MARK: - The pieces of the forward pass that only ChemNet needs (inference only, no backward)

/// Stride-2 convolution with TensorFlow's "same" padding as `fcd` pads it (SamePadding1d: one
/// more zero on the right when the padding is odd), no bias. x [B, L, Cin], weight [Cout, K, Cin]
/// → [B, ⌈L/2⌉, Cout], as im2col rows then one `linear`.
func stridedConvolution(_ x: Tensor, weight: Tensor, stride: Int = 2) -> Tensor {
    let batch = x.shape[0], length = x.shape[1], cin = x.shape[2]
    let cout = weight.shape[0], k = weight.shape[1]
    let pad = length % stride == 0 ? max(k - stride, 0) : max(k - length % stride, 0)
    let left = pad / 2
    let outLength = (length + pad - k) / stride + 1
    let columns = Tensor(zeros: [batch * outLength, k * cin])
    for b in 0..<batch {
        for t in 0..<outLength {
            let row = columns.pointer + (b * outLength + t) * k * cin
            for j in 0..<k {
                let source = t * stride + j - left
                guard source >= 0 && source < length else { continue }
                row.advanced(by: j * cin).update(from: x.pointer + (b * length + source) * cin, count: cin)
            }
        }
    }
    let y = linear(columns, weight: weight.reshaped([cout, k * cin]), bias: nil)
    return y.reshaped([batch, outLength, cout])
}

/// Scaled exponential linear unit (Klambauer et al. 2017), PyTorch's constants.
func selu(_ x: Tensor) -> Tensor {
    let lambda: Float = 1.0507009873554805, alpha: Float = 1.6732632423543772
    let out = Tensor(zeros: x.shape)
    for i in 0..<x.count {
        let v = x.pointer[i]
        out.pointer[i] = v > 0 ? lambda * v : lambda * alpha * (Foundation.exp(v) - 1)
    }
    return out
}

/// [B, T, C] → [T, B, C], optionally with time reversed.
func timeMajor(_ x: Tensor, reversed: Bool) -> Tensor {
    let batch = x.shape[0], steps = x.shape[1], c = x.shape[2]
    let out = Tensor(zeros: [steps, batch, c])
    for b in 0..<batch {
        for t in 0..<steps {
            let target = reversed ? steps - 1 - t : t
            let source = x.pointer + (b * steps + t) * c
            (out.pointer + (target * batch + b) * c).update(from: source, count: c)
        }
    }
    return out
}

/// [T, B, C] with time reversed.
func reversedInTime(_ x: Tensor) -> Tensor {
    let steps = x.shape[0], block = x.count / max(steps, 1)
    let out = Tensor(zeros: x.shape)
    for t in 0..<steps {
        let source = x.pointer + t * block
        (out.pointer + (steps - 1 - t) * block).update(from: source, count: block)
    }
    return out
}
