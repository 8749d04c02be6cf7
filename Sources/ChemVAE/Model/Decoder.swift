import Engine
import NN

/// Turns latent points into token distributions, either all at once with the true previous tokens
/// (teacher forcing, for training) or one step at a time (for decoding).
protocol LatentDecoder: Layer {
    /// Teacher-forced logits [T, B, V]. `previous` holds, time-major ([T·B]), the token before each
    /// position (the start token at t = 0).
    func logits(_ z: Tensor, previous: [Int32], steps: Int, training: Bool, using rng: RandomGenerator) -> Tensor
    /// A stepper that decodes `z` [B, Z] one token at a time for at most `maxSteps` steps.
    func stepper(_ z: Tensor, maxSteps: Int) -> DecoderStepper
}

/// Stateful step-wise decoding: feed the previous tokens, get the next logits.
protocol DecoderStepper: AnyObject {
    /// previous [B] -> logits [B, V]; advances one step.
    func next(_ previous: [Int32]) -> Tensor
    /// Keeps rows `rows` (in that order) of every state: beam search reorders hypotheses with it.
    func select(rows: [Int])
}

/// Copies the given rows of a [B, ...] tensor (no gradient; decoding only).
func gatherRows(_ t: Tensor, _ rows: [Int]) -> Tensor {
    let width = t.count / t.shape[0]
    let out = Tensor(zeros: [rows.count] + t.shape.dropFirst())
    for (i, r) in rows.enumerated() { (out.pointer + i * width).update(from: t.pointer + r * width, count: width) }
    return out
}

/// z sets each GRU layer's initial state (through one tanh dense layer) and is concatenated with
/// the previous token's embedding at every step. Strong at reconstruction and validity.
final class AutoregressiveDecoder: LatentDecoder {
    let initialState: Linear
    let embedding: Embedding
    let gru: GRU
    let output: Linear
    let layers: Int, hidden: Int

    init(_ c: ChemVAEConfig, using rng: RandomGenerator) {
        layers = c.decoderLayers; hidden = c.decoderHidden
        initialState = Linear(c.latentSize, c.decoderHidden * c.decoderLayers, activation: .tanh, using: rng)
        embedding = Embedding(vocabulary: c.vocabularySize, dimension: c.decoderEmbedding, using: rng)
        gru = GRU(inputSize: c.decoderEmbedding + c.latentSize, hiddenSize: c.decoderHidden, layers: c.decoderLayers,
                  dropout: c.decoderDropout, using: rng)
        output = Linear(c.decoderHidden, c.vocabularySize, using: rng)
    }

    func initialStates(_ z: Tensor) -> [Tensor] {
        initialState(z).split(sizes: Array(repeating: hidden, count: layers), axis: 1)
    }

    func logits(_ z: Tensor, previous: [Int32], steps: Int, training: Bool, using rng: RandomGenerator) -> Tensor {
        let batch = z.shape[0]
        let tokens = embedding(previous, shape: [steps, batch])
        let latent = Tensor(zeros: [steps, batch, z.shape[1]]) + z   // z repeated over time
        let input = Tensor.concat([tokens, latent], axis: 2)
        return output(gru(input, initialStates: initialStates(z), training: training, using: rng).outputs)
    }

    func stepper(_ z: Tensor, maxSteps: Int) -> DecoderStepper { Stepper(self, z) }

    final class Stepper: DecoderStepper {
        let decoder: AutoregressiveDecoder
        var z: Tensor
        var states: [Tensor]
        let packed: [PackedGRUWeights]
        init(_ decoder: AutoregressiveDecoder, _ z: Tensor) {
            self.decoder = decoder; self.z = z
            states = decoder.initialStates(z)
            packed = decoder.gru.packedForSteps()
        }
        func next(_ previous: [Int32]) -> Tensor {
            let x = Tensor.concat([decoder.embedding(previous, shape: [previous.count]), z], axis: 1)
            states = decoder.gru.step(x, states: states, packed: packed)
            return decoder.output(states[states.count - 1])
        }
        func select(rows: [Int]) {
            z = gatherRows(z, rows)
            states = states.map { gatherRows($0, rows) }
        }
    }

    var parameters: [NamedParameter] {
        prefixed("initial_state", initialState.parameters) + prefixed("embedding", embedding.parameters)
            + prefixed("gru", gru.parameters) + prefixed("output", output.parameters)
    }
}

/// The 2018 paper's decoder: z passes a tanh dense layer with batch norm, is repeated over every
/// step into a stack of GRUs, and a terminal GRU reads the stack's output together with the
/// previous token (one-hot; the true one in training, the chosen one when decoding).
final class PaperDecoder: LatentDecoder {
    let latentDense: Linear
    let latentNorm: BatchNorm
    let gru: GRU
    let terminal: GRU
    let output: Linear
    let vocabularySize: Int

    init(_ c: ChemVAEConfig, using rng: RandomGenerator) {
        vocabularySize = c.vocabularySize
        latentDense = Linear(c.latentSize, c.latentSize, activation: .tanh, using: rng)
        latentNorm = BatchNorm(c.latentSize)
        gru = GRU(inputSize: c.latentSize, hiddenSize: c.decoderHidden, layers: c.decoderLayers, dropout: c.decoderDropout, using: rng)
        terminal = GRU(inputSize: c.decoderHidden + c.vocabularySize, hiddenSize: c.terminalHidden, using: rng)
        output = Linear(c.terminalHidden, c.vocabularySize, using: rng)
    }

    /// The GRU stack's outputs for every step [T, B, H]: they do not depend on the tokens.
    func stackOutputs(_ z: Tensor, steps: Int, training: Bool, using rng: RandomGenerator?) -> Tensor {
        let h = latentNorm(latentDense(z), training: training)
        return gru(Tensor(zeros: [steps] + h.shape) + h, training: training, using: rng).outputs
    }

    func logits(_ z: Tensor, previous: [Int32], steps: Int, training: Bool, using rng: RandomGenerator) -> Tensor {
        let batch = z.shape[0]
        let stack = stackOutputs(z, steps: steps, training: training, using: rng)
        let input = Tensor.concat([stack, oneHot(previous, shape: [steps, batch], classes: vocabularySize)], axis: 2)
        return output(terminal(input).outputs)
    }

    func stepper(_ z: Tensor, maxSteps: Int) -> DecoderStepper { Stepper(self, z, maxSteps: maxSteps) }

    final class Stepper: DecoderStepper {
        let decoder: PaperDecoder
        var stack: Tensor        // [T, B, H]
        var state: Tensor        // terminal GRU state [B, Ht]
        var t = 0
        let packed: [PackedGRUWeights]
        init(_ decoder: PaperDecoder, _ z: Tensor, maxSteps: Int) {
            self.decoder = decoder
            packed = decoder.terminal.packedForSteps()
            stack = decoder.stackOutputs(z, steps: maxSteps, training: false, using: nil)
            state = Tensor(zeros: [z.shape[0], decoder.terminal.hiddenSize])
        }
        func next(_ previous: [Int32]) -> Tensor {
            let b = previous.count
            let h = stack.slice(axis: 0, t..<(t + 1)).reshaped([b, stack.shape[2]])
            let x = Tensor.concat([h, oneHot(previous, shape: [b], classes: decoder.vocabularySize)], axis: 1)
            state = decoder.terminal.step(x, states: [state], packed: packed)[0]
            t += 1
            return decoder.output(state)
        }
        func select(rows: [Int]) {
            state = gatherRows(state, rows)
            // The stack is [T, B, H]: gather batch rows at every step.
            let (steps, batch, h) = (stack.shape[0], stack.shape[1], stack.shape[2])
            let out = Tensor(zeros: [steps, rows.count, h])
            for s in 0..<steps {
                for (i, r) in rows.enumerated() {
                    (out.pointer + (s * rows.count + i) * h).update(from: stack.pointer + (s * batch + r) * h, count: h)
                }
            }
            stack = out
        }
    }

    var parameters: [NamedParameter] {
        prefixed("latent_dense", latentDense.parameters) + prefixed("latent_norm", latentNorm.parameters)
            + prefixed("gru", gru.parameters) + prefixed("terminal", terminal.parameters) + prefixed("output", output.parameters)
    }

    var buffers: [NamedParameter] { prefixed("latent_norm", latentNorm.buffers) }
}
