import Engine
import Foundation
import ImageModels

/// Training speed of the image models on random 28x28 images, so the figures depend only on the
/// architecture (the same work `tools/bench/image_torch.py` gives PyTorch).
public enum ImageBenchmarks {
    /// One training step: VAE = forward, backward, Adam; GAN/DCGAN = one discriminator and one
    /// generator update (generate once, D on real and fake, G through D).
    public static func train(model kind: ImageModelKind, batch size: Int, steps: Int) throws -> [Figure] {
        var config = ImageModelConfig.defaults(for: kind, data: .mnist)
        config.batchSize = size
        let model = try makeImageModel(config)
        let rng = RandomGenerator(seed: 3)
        let batch = TrainingBatch(images: .randomUniform([size, 28, 28, 1], low: 0, high: 1, using: rng),
                                  labels: (0..<size).map { $0 % 10 })
        _ = model.trainStep(batch, using: rng)   // warm-up: buffers reach their steady-state pool
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
        for _ in 0..<steps { _ = model.trainStep(batch, using: rng) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpuSeconds = processCPUSeconds() - cpuStart
        return [Figure("model_\(kind.rawValue)", 1), Figure("batch", Double(size)), Figure("parameters", Double(model.parameterCount)),
                Figure("seconds_per_step", seconds / Double(steps)), Figure("images_per_s", Double(size * steps) / seconds),
                // CPU time of all threads: with one thread, images per CPU second hardly depend on other load.
                Figure("cpu_seconds_per_step", cpuSeconds / Double(steps)), Figure("images_per_cpu_s", Double(size * steps) / cpuSeconds),
                Figure("peak_rss_mb", peakResidentMegabytes())]
    }
}

