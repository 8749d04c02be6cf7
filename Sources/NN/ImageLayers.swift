import Engine

/// 2-D convolution, channels last: x [B, H, W, Cin] -> [B, Ho, Wo, Cout]. weight [Cout, KH, KW, Cin],
/// bias [Cout], initialised U(-1/√fan_in, 1/√fan_in) with fan_in = Cin·KH·KW, as PyTorch does.
public final class Conv2D: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                using rng: RandomGenerator) {
        let bound = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = .randomUniform([outChannels, kernel, kernel, inChannels], low: -bound, high: bound, using: rng)
        weight.setRequiresGrad(true)
        self.bias = bias ? .randomUniform([outChannels], low: -bound, high: bound, using: rng) : nil
        self.bias?.setRequiresGrad(true)
        self.stride = stride; self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding) }
    public var parameters: [NamedParameter] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }
    public var outChannels: Int { weight.shape[0] }
    public var kernel: Int { weight.shape[1] }
    public func outputSize(_ size: Int) -> Int { convOutputSize(size, kernel: kernel, stride: stride, padding: padding) }
}

/// Transposed 2-D convolution, channels last: x [B, H, W, Cin] -> [B, Ho, Wo, Cout] with
/// Ho = (H - 1)·s - 2p + K + outputPadding. weight [Cin, KH, KW, Cout], bias [Cout]; PyTorch's
/// initialisation (its fan_in for this layer is Cout·KH·KW).
public final class ConvTranspose2D: Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int, outputPadding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                bias: Bool = true, using rng: RandomGenerator) {
        let bound = 1 / Float(outChannels * kernel * kernel).squareRoot()
        weight = .randomUniform([inChannels, kernel, kernel, outChannels], low: -bound, high: bound, using: rng)
        weight.setRequiresGrad(true)
        self.bias = bias ? .randomUniform([outChannels], low: -bound, high: bound, using: rng) : nil
        self.bias?.setRequiresGrad(true)
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding)
    }
    public var parameters: [NamedParameter] { [("weight", weight)] + (bias.map { [("bias", $0)] } ?? []) }
    public var outChannels: Int { weight.shape[3] }
    public var kernel: Int { weight.shape[1] }
    public func outputSize(_ size: Int) -> Int {
        convTransposeOutputSize(size, kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
    }
}
