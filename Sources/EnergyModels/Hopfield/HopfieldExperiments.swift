import Charts
import Engine
import Foundation
import ImageModels

/// `molgen hopfield recall`: associative memory of digits.
public enum HopfieldRecall {
    public struct Result {
        /// Columns: the first ten patterns; rows: corrupted, three intermediate states, recalled, original.
        public var picture: PNGImage
        public var figures: [(name: String, value: Double)]
    }

    /// Stores `patterns` training digits of `data`, binarised at 0.5 to ±1 (the first image of
    /// digit 0, of 1, ..., of 9, then the second of each, ...), flips `noise` of the pixels of a copy
    /// of each, and runs the network from every copy. `recall_accuracy` is the fraction of pixels
    /// of the recalled images equal to their originals (over all pixels of all patterns);
    /// `exact_recall_rate` the fraction of patterns recovered with every pixel right.
    public static func run(datasets: String, data: ImageDataSource = .digits, patterns: Int, noise: Double,
                           update: HopfieldUpdate = .asynchronous, seed: UInt64 = 1) throws -> Result {
        guard patterns >= 1 else { throw HopfieldError("--patterns: \(patterns) must be at least 1") }
        guard noise.isFinite, (0...1).contains(noise) else { throw HopfieldError("--noise: \(noise) must be a fraction between 0 and 1") }
        let train = try data.load(from: datasets).train
        guard patterns <= min(train.count, 1000) else {
            throw HopfieldError("--patterns: \(patterns) exceeds \(min(train.count, 1000)) (the \(data.rawValue) training images, at most 1000)")
        }
        let stored = pickDigits(train, count: patterns).map { index in
            train.pixels[index * train.pixelsPerImage ..< (index + 1) * train.pixelsPerImage].map { $0 > 0.5 ? 1.0 : -1.0 }
        }
        let units = train.pixelsPerImage
        var network = HopfieldNetwork(units: units)
        for pattern in stored { network.store(pattern) }

        let rng = RandomGenerator(seed: seed)
        let shown = min(patterns, 10)
        // Asynchronous: after a quarter, a half and three quarters of the first sweep; synchronous: after steps 1-3.
        let snapshotsAt = update == .asynchronous ? [units / 4, units / 2, 3 * units / 4] : [1, 2, 3]
        var rows = [[Float]](repeating: [], count: 6)
        var pixelAgreement = 0.0, exact = 0, startAgreement = 0.0, sweeps = 0, converged = 0
        for (k, pattern) in stored.enumerated() {
            let start = corrupted(pattern, fraction: noise, using: rng)
            var snapshots: [[Double]] = []
            let outcome = network.run(from: start, update: update) { visit, state in
                if snapshotsAt.contains(visit) { snapshots.append(state) }
            }
            while snapshots.count < 3 { snapshots.append(snapshots.last ?? outcome.state) }  // settled before the snapshot
            let agreementWithOriginal = agreement(outcome.state, pattern)
            pixelAgreement += agreementWithOriginal
            startAgreement += agreement(start, pattern)
            if agreementWithOriginal == 1 { exact += 1 }
            sweeps += outcome.sweeps
            if outcome.converged { converged += 1 }
            if k < shown {
                for (row, state) in ([start] + snapshots + [outcome.state, pattern]).enumerated() {
                    rows[row] += state.map { Float($0 + 1) / 2 }
                }
            }
        }
        let (height, width) = data.imageSize
        let picture = imageGrid(rows.flatMap { $0 }, count: 6 * shown, height: height, width: width, rows: 6, columns: shown)
        let p = Double(patterns)
        return Result(picture: picture, figures: [
            ("units", Double(units)), ("patterns", p), ("load", p / Double(units)), ("noise", noise),
            ("corrupted_accuracy", startAgreement / p), ("recall_accuracy", pixelAgreement / p),
            ("exact_recall_rate", Double(exact) / p), ("mean_sweeps", Double(sweeps) / p), ("converged_rate", Double(converged) / p),
        ])
    }

    /// Indices of `count` images: the first of each digit in turn, then the second of each, ...
    static func pickDigits(_ images: ImageSet, count: Int) -> [Int] {
        var byDigit = [[Int]](repeating: [], count: 10)
        for (i, label) in images.labels.enumerated() where (0..<10).contains(label) { byDigit[label].append(i) }
        var picks: [Int] = []
        var round = 0
        while picks.count < count {
            for digit in 0..<10 where picks.count < count && round < byDigit[digit].count { picks.append(byDigit[digit][round]) }
            round += 1
        }
        return picks
    }
}

/// `molgen hopfield capacity`: how many random patterns N units hold.
public enum HopfieldCapacity {
    public struct Row: Sendable {
        public var load: Double
        public var patterns: Int
        /// Fraction of stored patterns that are exact fixed points.
        public var fixedPointRate: Double
        /// Fraction of runs started from a (corrupted) stored pattern that settle with at most 3%
        /// of the units wrong.
        public var recallRate: Double
        /// Mean fraction of units right in the settled states.
        public var meanAgreement: Double
    }

    /// Units a settled state may have wrong and still count as recalled. Amit, Gutfreund and
    /// Sompolinsky's retrieval state has 1.5% of the units wrong just below the 0.138 N limit.
    public static let recallTolerance = 0.03

    /// For each load α: P = round(α·N) random ±1 patterns (at least 1) stored Hebbian; every stored
    /// pattern, with `noise` of its units flipped, is run asynchronously to a fixed point.
    /// `trials` independent pattern sets per load.
    public static func run(units: Int = 200, loads: [Double], trials: Int = 10, noise: Double = 0,
                           seed: UInt64 = 1) throws -> [Row] {
        guard (10...2000).contains(units) else { throw HopfieldError("--units: \(units) must be between 10 and 2000") }
        guard (1...1000).contains(trials) else { throw HopfieldError("--trials: \(trials) must be between 1 and 1000") }
        guard noise.isFinite, (0...1).contains(noise) else { throw HopfieldError("--noise: \(noise) must be a fraction between 0 and 1") }
        guard !loads.isEmpty, loads.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1 }) else {
            throw HopfieldError("--loads: every load P/N must be in (0, 1]")
        }
        let rng = RandomGenerator(seed: seed)
        return loads.map { load in
            let patterns = max(1, Int((load * Double(units)).rounded()))
            var fixed = 0, recalled = 0, agreementSum = 0.0
            for _ in 0..<trials {
                let stored = (0..<patterns).map { _ in randomPattern(units: units, using: rng) }
                var network = HopfieldNetwork(units: units)
                for pattern in stored { network.store(pattern) }
                for pattern in stored {
                    if network.run(from: pattern, maxSweeps: 1).converged { fixed += 1 }
                    let settled = network.run(from: corrupted(pattern, fraction: noise, using: rng)).state
                    let a = agreement(settled, pattern)
                    agreementSum += a
                    if a >= 1 - recallTolerance { recalled += 1 }
                }
            }
            let runs = Double(patterns * trials)
            return Row(load: load, patterns: patterns, fixedPointRate: Double(fixed) / runs,
                       recallRate: Double(recalled) / runs, meanAgreement: agreementSum / runs)
        }
    }

    /// Recall rate, fixed-point rate and mean agreement against P/N, with the 0.138 limit marked.
    public static func plot(_ rows: [Row], units: Int) -> Chart {
        var plot = Chart(title: "Hopfield capacity, N = \(units) random patterns", xLabel: "load P/N", yLabel: "fraction")
        plot.series = [
            .init(name: "recall (≤ 3% wrong)", points: rows.map { ($0.load, $0.recallRate) }),
            .init(name: "exact fixed point", points: rows.map { ($0.load, Double($0.fixedPointRate)) }),
            .init(name: "mean agreement", points: rows.map { ($0.load, $0.meanAgreement) }),
            .init(name: "0.138 N", points: [(0.138, 0), (0.138, 1)]),
        ]
        return plot
    }
}
