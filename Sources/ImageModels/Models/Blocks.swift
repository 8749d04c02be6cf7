import Engine
import Foundation
import NN

// The image models' shared blocks, built of NN's `Stack`: up- and down-sampling convolution
// stacks, and the helpers the models share (pixel scaling, label cycling, shift augmentation).

/// A generator's up-sampling tail: [B, S/4, S/4, 2C] -> [B, S, S, 1] by two transposed convolutions
/// (K 4, s 2, p 1), batch norm and ReLU between, tanh on the output. S must be a multiple of 4.
func upsamplingTail(channels c: Int, output: Activation = .tanh, using rng: RandomGenerator) -> [Step] {
    [.deconv(ConvTranspose2D(2 * c, c, kernel: 4, stride: 2, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(c)),
     .activation(.relu), .deconv(ConvTranspose2D(c, 1, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(output)]
}

/// A discriminator's down-sampling head: [B, S, S, 1] -> [B, S/4, S/4, 2C] by two strided
/// convolutions (K 4, s 2, p 1) with leaky ReLU (0.2), batch norm on the second (DCGAN).
func downsamplingHead(inChannels: Int = 1, channels c: Int, using rng: RandomGenerator) -> [Step] {
    [.conv(Conv2D(inChannels, c, kernel: 4, stride: 2, padding: 1, using: rng)), .activation(.leakyRelu(0.2)),
     .conv(Conv2D(c, 2 * c, kernel: 4, stride: 2, padding: 1, bias: false, using: rng)), .batchNorm(BatchNorm(2 * c)),
     .activation(.leakyRelu(0.2))]
}

// MARK: - Shared helpers

/// One-hot rows [N, K] for class indices (Engine's `oneHot` over a batch of labels).
func oneHot(_ labels: [Int], classes k: Int) -> Tensor {
    Engine.oneHot(labels.map(Int32.init), shape: [labels.count], classes: k)
}

/// Images [B, H, W, 1] in [0, 1] -> [-1, 1] (the range of a tanh generator).
func toSigned(_ x: Tensor) -> Tensor {
    let t = Tensor(zeros: x.shape)
    for i in 0..<x.count { t.pointer[i] = 2 * x.pointer[i] - 1 }
    return t
}

/// [-1, 1] -> [0, 1], clamped, without gradient.
func toUnit(_ x: Tensor) -> Tensor {
    let t = Tensor(zeros: x.shape)
    for i in 0..<x.count { t.pointer[i] = min(max(0.5 * (x.pointer[i] + 1), 0), 1) }
    return t
}

/// Adds a constant tensor of the same shape that takes no gradient (target helpers).
func constant(_ value: Float, like x: Tensor) -> Tensor { Tensor(repeating: value, shape: x.shape) }

/// Each label in 0..<k repeated to fill `count` (0, 1, …, k-1, 0, 1, …).
func cyclingLabels(_ count: Int, classes k: Int = 10) -> [Int] { (0..<count).map { $0 % k } }

/// Shifts each image [B, H, W, 1] by a random offset in -maxShift...maxShift on both axes
/// (zero fill): the augmentation the classifiers train with.
func randomShift(_ x: Tensor, maxShift: Int, using rng: RandomGenerator) -> Tensor {
    let b = x.shape[0], h = x.shape[1], w = x.shape[2]
    let out = Tensor(zeros: x.shape)
    for n in 0..<b {
        let dy = rng.index(below: 2 * maxShift + 1) - maxShift, dx = rng.index(below: 2 * maxShift + 1) - maxShift
        let src = x.pointer + n * h * w, dst = out.pointer + n * h * w
        for y in 0..<h {
            let sy = y - dy
            guard sy >= 0 && sy < h else { continue }
            for xx in 0..<w {
                let sx = xx - dx
                if sx >= 0 && sx < w { dst[y * w + xx] = src[sy * w + sx] }
            }
        }
    }
    return out
}
