import Engine
import Foundation
import ImageModels

/// How a deep belief net is built and trained: its hidden layer sizes, bottom up, and the RBM
/// settings every layer trains with (`rbm.epochs` per layer; `rbm.hidden` is not used).
public struct DBNConfig: Codable, Equatable, Sendable {
    public var hiddenLayers: [Int] = [500, 500, 2000]
    public var rbm: RBMConfig

    public init(data: ImageDataSource = .mnist) { rbm = RBMConfig(data: data) }

    public var data: ImageDataSource { rbm.data }

    /// Epochs of the whole greedy run: every layer's in turn.
    public var totalEpochs: Int { rbm.epochs * hiddenLayers.count }

    /// Layer `k`'s machine: the shared settings with its own width and seed.
    public func layerConfig(_ k: Int) -> RBMConfig {
        var c = rbm
        c.hidden = hiddenLayers[k]
        c.seed = rbm.seed &+ UInt64(k)
        return c
    }

    /// One-line errors naming the option.
    public func validate() throws {
        guard (1...8).contains(hiddenLayers.count) else {
            throw ImageModelError.invalidOption("--layers: \(hiddenLayers.count) hidden layers; give between 1 and 8 sizes, e.g. 500,500,2000")
        }
        if let bad = hiddenLayers.first(where: { !(1...10_000).contains($0) }) {
            throw ImageModelError.invalidOption("--layers: \(bad) units; every layer needs between 1 and 10000")
        }
        try rbm.validate()
    }
}

/// A deep belief net (Hinton, Osindero and Teh, 2006) trained greedily: a stack of RBMs where each
/// one models the hidden probabilities of the one below it on the training images. The top RBM is
/// the net's undirected part; the layers below it act as a directed generative path downwards.
public final class DBN {
    public let config: DBNConfig
    /// The layers trained so far (or being trained), bottom up; layer k's visible units are layer
    /// k-1's hidden units. A layer is created when its training starts, from the activities of the
    /// layers below it (its visible biases start at their log-odds).
    public internal(set) var layers: [RBM]

    public init(config: DBNConfig, layers: [RBM] = []) {
        self.config = config; self.layers = layers
    }

    public var isComplete: Bool { layers.count == config.hiddenLayers.count }

    /// The sizes of every layer, pixels first ("784-500-500-2000").
    public func shapeDescription(visible: Int) -> String {
        ([visible] + config.hiddenLayers).map(String.init).joined(separator: "-")
    }

    /// p(h | below) of each of the first `count` layers in turn, starting from `v` [rows, visible]:
    /// the activities layer `count` sees (`count` = 0: `v` itself).
    public func upward(_ v: Tensor, through count: Int) -> Tensor {
        layers.prefix(count).reduce(v) { $1.hiddenProbabilities($0) }
    }

    /// The activities of every layer for `images`: element k is what layer k sees (0: the pixels),
    /// the last is the top layer's hidden probabilities; feature rows are kept as 1 x n images.
    public func activities(_ images: ImageSet) -> [ImageSet] {
        var v = Tensor(images.pixels, shape: [images.count, images.pixelsPerImage])
        var out = [images]
        for layer in layers {
            v = layer.hiddenProbabilities(v)
            out.append(ImageSet(pixels: v.scalars, labels: images.labels, height: 1, width: layer.hidden))
        }
        return out
    }

    /// Samples: `steps` block Gibbs steps in the top RBM from uniformly random starts, then one
    /// downward pass; returns the pixels' probabilities [count, visible].
    public func sample(count: Int, steps: Int, using rng: RandomGenerator) -> Tensor {
        precondition(!layers.isEmpty, "DBN.sample: no layer is trained")
        return downward(layers.last!.gibbsSample(count: count, steps: steps, using: rng), using: rng)
    }

    /// One downward pass from the top RBM's visible probabilities: each layer below gets binary
    /// samples of its hidden units and returns p(v | h); the pixels' probabilities come out.
    public func downward(_ topVisibleMeans: Tensor, using rng: RandomGenerator) -> Tensor {
        var means = topVisibleMeans
        for layer in layers.dropLast().reversed() {
            means = layer.visibleProbabilities(bernoulliSample(means, using: rng))
        }
        return means
    }
}
