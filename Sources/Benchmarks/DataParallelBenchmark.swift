import Charts
import ChemVAE
import Cluster
import Engine
import Foundation
import ImageModels
import NN
import Training

/// `mpirun -np N molgen bench train`: the data-parallel step against one process on the same
/// global batch, and what the measured communication predicts for larger jobs.
extension ChemVAEBenchmarks {
    /// Assumed network for the estimates: 10 Gb/s Ethernet, 25 µs per message hop (TCP).
    public static let networkBytesPerSecond = 10e9 / 8
    public static let networkLatency = 25e-6

    /// `steps` rounds of: rank 0 one step on the whole batch alone (the others wait), then every
    /// rank one step on its shard (DataParallel: synchronised batch norm, bucketed gradient sums);
    /// the figures are the median step times. Then `steps` reductions of the gradients alone (pure
    /// communication). Rank 0 returns
    /// the figures; the other ranks an empty list.
    /// `plot`: an SVG of the estimated efficiency for 2 to 256 ranks.
    public static func dataParallelTrain(preset: ChemVAEConfig.Preset, batch size: Int, length: Int, vocabulary: Int, steps: Int,
                                         group: ProcessGroup, plot: String? = nil) throws -> [Figure] {
        let rng = RandomGenerator(seed: 3)
        let vae = try model(preset, vocabulary: vocabulary, length: length, properties: 3)
        let whole = batch(size: size, length: length, vocabulary: vocabulary, properties: 3, using: rng)
        let parameters = vae.parameters
        let adam = Adam(learningRate: vae.config.learningRate)
        let parallel = DataParallel(group: group)

        // Wall and CPU seconds of one call, between barriers so every rank times the same span (a
        // waiting rank's spinning counts as CPU: on a loaded machine CPU per molecule still tells
        // the cost of parallelism).
        func timed(_ body: () -> Void) -> (wall: Double, cpu: Double) {
            group.barrier()
            let start = DispatchTime.now().uptimeNanoseconds, cpu = processCPUSeconds()
            body()
            let used = processCPUSeconds() - cpu
            group.barrier()
            return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, used)
        }
        func singleStep() { trainingStep(vae, on: whole, parameters: parameters, adam: adam, using: rng) }
        let rows = parallel.shard(of: size), width = length, p = 3
        var shard = TokenBatch(rows: Array(whole.rows[(rows.lowerBound * width)..<(rows.upperBound * width)]),
                               lengths: Array(whole.lengths[rows]),
                               properties: Array(whole.properties![(rows.lowerBound * p)..<(rows.upperBound * p)]))
        shard.decoderSteps = min(length, Int(whole.lengths.max()!) + 1)
        let share = parallel.share(of: size)
        func parallelStep() {
            let tape = Tape()
            let loss = parallel.withShard(of: size) {
                tape.record { vae.loss(shard, beta: 0.5, training: true, using: rng).total.scaled(by: share) }
            }
            _ = parallel.sum([Double(loss.item)])
            tape.backward(loss)
            parallel.sumGradients(parameters)
            clipGradientNorm(parameters, maxNorm: vae.config.gradientClip)
            adam.update(parameters)
        }

        // One process on the whole batch (rank 0; the others wait at the barrier) and every rank on
        // its shard, alternating step by step: a virtual machine's speed drifts over seconds, and
        // interleaving with medians keeps such a drift out of the ratio.
        if group.isRoot { singleStep() }
        parallelStep()
        CommunicationLog.reset()
        var singleWalls = [Double](), parallelWalls = [Double](), singleCPUSum = 0.0, parallelCPUSum = 0.0
        var parallelLogSeconds = 0.0
        for _ in 0..<steps {
            let s = timed { if group.isRoot { singleStep() } }
            singleWalls.append(s.wall); singleCPUSum += s.cpu
            let before = CommunicationLog.seconds
            let p = timed(parallelStep)
            parallelLogSeconds += CommunicationLog.seconds - before
            parallelWalls.append(p.wall); parallelCPUSum += p.cpu
        }
        let single = median(singleWalls), singleCPU = singleCPUSum / Double(steps)
        let parallelSeconds = median(parallelWalls)
        let stepCalls = Double(CommunicationLog.calls) / Double(steps)
        let stepBytes = Double(CommunicationLog.bytes) / Double(steps)
        let stepReduceSeconds = parallelLogSeconds / Double(steps)
        let parallelCPU = parallel.sum([parallelCPUSum / Double(steps)])[0]

        // The gradient reductions alone, every rank ready: the communication without waiting.
        for (_, t) in parameters { t.addGradient([Float](repeating: 1e-3, count: t.count)) }
        CommunicationLog.reset()
        for _ in 0..<steps { group.barrier(); parallel.sumGradients(parameters) }
        let gradientSeconds = CommunicationLog.seconds / Double(steps)
        let gradientBytes = Double(CommunicationLog.bytes) / Double(steps)
        let gradientCalls = Double(CommunicationLog.calls) / Double(steps)
        parameters.forEach { $0.tensor.zeroGrad() }
        guard group.isRoot else { return [] }

        let n = Double(group.size)
        let singleRate = Double(size) / single, parallelRate = Double(size) / parallelSeconds
        var figures = [
            Figure("preset_\(preset.rawValue)", 1), Figure("batch", Double(size)), Figure("length", Double(length)),
            Figure("parameters", Double(vae.parameterCount)), Figure("processes", n), Figure("threads_per_process", Double(Parallelism.cores)),
            Figure("single_seconds_per_step", single), Figure("single_molecules_per_s", singleRate),
            Figure("parallel_seconds_per_step", parallelSeconds), Figure("parallel_molecules_per_s", parallelRate),
            Figure("speedup", parallelRate / singleRate), Figure("scaling_efficiency", parallelRate / (n * singleRate)),
            Figure("single_cpu_seconds_per_step", singleCPU), Figure("parallel_cpu_seconds_per_step_all_ranks", parallelCPU),
            Figure("cpu_efficiency", singleCPU / parallelCPU),
            Figure("allreduce_ms_per_step", stepReduceSeconds * 1e3), Figure("allreduce_calls_per_step", stepCalls),
            Figure("allreduce_bytes_per_step", stepBytes),
            Figure("gradient_allreduce_ms", gradientSeconds * 1e3), Figure("gradient_allreduce_bytes", gradientBytes),
            Figure("gradient_allreduce_calls", gradientCalls),
            Figure("local_bus_gb_per_s", gradientSeconds > 0 ? 2 * (n - 1) / n * gradientBytes / gradientSeconds / 1e9 : .nan),
        ]
        // Estimates: compute per molecule as one process's CPU time (on a quiet machine its wall
        // time; on a loaded one the wall time would flatter the estimate); a ring allreduce of the
        // gradients (2(N-1)/N of the bytes over the link, 2(N-1) hops per bucket) and the small
        // reductions (batch norm, terms, the stop flag) as 2 log2 N latency-bound hops each.
        let perMolecule = singleCPU / Double(size)
        let smallCalls = max(0, stepCalls - gradientCalls)
        func estimate(_ ranks: Double) -> (communication: Double, sameGlobalBatch: Double, sameBatchPerRank: Double) {
            let communication = 2 * (ranks - 1) / ranks * gradientBytes / networkBytesPerSecond
                + 2 * (ranks - 1) * gradientCalls * networkLatency + smallCalls * 2 * log2(ranks) * networkLatency
            let strong = perMolecule * Double(size) / ranks, weak = perMolecule * Double(size) / n
            return (communication, strong / (strong + communication), weak / (weak + communication))
        }
        for ranks in [16.0, 64.0] {
            let e = estimate(ranks)
            figures += [Figure("estimate_\(Int(ranks))_ranks_allreduce_ms", e.communication * 1e3),
                        Figure("estimate_\(Int(ranks))_ranks_efficiency_same_global_batch", e.sameGlobalBatch),
                        Figure("estimate_\(Int(ranks))_ranks_efficiency_same_batch_per_rank", e.sameBatchPerRank)]
        }
        if let plot {
            let ranks = (1...8).map { pow(2, Double($0)) }
            var chart = Chart(title: "Estimated efficiency on a 10 Gb/s network (\(preset.rawValue) preset, batch \(size))",
                                 xLabel: "log2 of the ranks", yLabel: "efficiency")
            chart.series = [
                .init(name: "same global batch (\(size))", points: ranks.map { (log2($0), estimate($0).sameGlobalBatch) }, style: .dots),
                .init(name: "\(size / group.size) molecules per rank", points: ranks.map { (log2($0), estimate($0).sameBatchPerRank) }, style: .dots),
            ]
            try chart.write(to: plot)
            figures.append(Figure("plot_written", 1))
        }
        return figures
    }
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted(), middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
