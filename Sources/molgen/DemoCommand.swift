import ArgumentParser
import Engine
import Foundation
import NN

/// `molgen demo`: the main job in two minutes.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the demonstration: an engine check on a toy sequence task.")

    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Training steps.") var steps = 400

    func run() {
        print("Engine demo: a GRU learns to repeat the token it saw two steps earlier.")
        print("step  loss    token_accuracy")
        let rng = RandomGenerator(seed: seed)
        let model = DelayedCopyModel(using: rng)
        let start = Date()
        let accuracy = model.train(steps: steps, using: rng) { step, loss, accuracy in
            print(String(format: "%4d  %.4f  %.3f", step, loss, accuracy))
        }
        print(String(format: "held-out token accuracy %.3f after %d steps (%.1f s, %d parameters)",
                     accuracy, steps, Date().timeIntervalSince(start), model.parameterCount))
    }
}
