import ChemVAE
import Foundation

/// One property optimisation running in the background: the page follows it by polling
/// `GET /api/jobs/ID` or through its event stream, and may cancel it.
final class OptimizationJob: @unchecked Sendable {
    enum State: String, Codable { case running, done, failed, cancelled }

    /// The surrogate's prediction after each ascent step, streamed while the job runs.
    struct Progress: Codable, Equatable { var step: Int; var predicted: Double }

    struct Snapshot: Codable {
        var id: String
        var state: State
        var objective: String
        var steps: Int
        var progress: [Progress]
        var error: String?
        var result: OptimizationSummary?
    }

    let id: String
    let objective: String
    let steps: Int
    private let lock = NSLock()
    private var state = State.running
    private var progress: [Progress] = []
    private var error: String?
    private var result: OptimizationSummary?
    private var cancelRequested = false

    init(id: String, objective: String, steps: Int) { self.id = id; self.objective = objective; self.steps = steps }

    var snapshot: Snapshot {
        lock.withLock { Snapshot(id: id, state: state, objective: objective, steps: steps, progress: progress, error: error, result: result) }
    }

    func cancel() { lock.withLock { cancelRequested = true } }

    /// Records one ascent step; false when the job has been cancelled.
    func record(step: Int, predicted: Double) -> Bool {
        lock.withLock {
            if predicted.isFinite { progress.append(Progress(step: step, predicted: predicted)) }
            return !cancelRequested
        }
    }

    func finish(_ outcome: Result<OptimizationSummary, Error>) {
        lock.withLock {
            switch outcome {
            case .success(let summary): result = summary; state = .done
            case .failure(is CancellationError): state = .cancelled
            case .failure(let e as BadRequest): state = .failed; error = e.message
            case .failure(let e): state = .failed; error = "\(e)"
            }
        }
    }
}

/// What an optimisation found, for the page: the path (predicted against RDKit) and the best molecules.
struct OptimizationSummary: Codable, Equatable {
    struct PathPoint: Codable, Equatable {
        var step: Int
        var predicted: Double
        var trueValue: Double?
        var smiles: String?
        var distanceFromStart: Double
    }
    struct Found: Codable, Equatable {
        var smiles: String
        var trueValue: Double
        var predicted: Double
        var similarity: Double
        var step: Int
        /// Over the start (RDKit's value; a drop when minimising), and whether the surrogate's
        /// prediction lies outside the property's possible range (QED above 1).
        var improvement: Double
        var predictionOutOfRange: Bool
    }
    var objective: String
    var maximize: Bool
    var start: Found
    var startKind: String
    var path: [PathPoint]
    var best: [Found]
    var decodings: Int
    var validDecodings: Int
    var distinctValid: Int
    var belowSimilarity: Int
    /// The given start molecule outside the model's applicability domain.
    var domainWarnings: [String]

    init(_ r: OptimizationResult, domainWarnings: [String] = []) {
        func found(_ m: OptimizedMolecule) -> Found {
            Found(smiles: m.smiles, trueValue: m.trueValue, predicted: m.predicted, similarity: m.similarity, step: m.step,
                  improvement: m.improvement, predictionOutOfRange: m.predictionOutOfRange)
        }
        objective = r.objective; maximize = r.maximize; start = found(r.start); startKind = r.startKind.rawValue
        path = r.path.map {
            PathPoint(step: $0.step, predicted: $0.predicted, trueValue: $0.trueValue.flatMap { $0.isFinite ? $0 : nil },
                      smiles: $0.molecule.canonical, distanceFromStart: $0.distanceFromStart)
        }
        best = r.best.map(found)
        decodings = r.decodings; validDecodings = r.validDecodings; distinctValid = r.distinctValid; belowSimilarity = r.belowSimilarity
        self.domainWarnings = domainWarnings
    }
}

/// The jobs of this server, by id. Old finished jobs are forgotten once there are more than `keep`.
final class JobStore: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [String: OptimizationJob] = [:]
    private var order: [String] = []
    private var nextNumber = 1
    private let keep = 100

    func job(_ id: String) -> OptimizationJob? { lock.withLock { jobs[id] } }

    /// Starts `options` on its own thread (the ascent and decoding are CPU work, kept off the
    /// server's event loops) and returns the job at once.
    func start(_ options: OptimizationOptions, service: LatentService) -> OptimizationJob {
        let job: OptimizationJob = lock.withLock {
            let job = OptimizationJob(id: "opt-\(nextNumber)", objective: options.objective, steps: options.steps)
            nextNumber += 1
            jobs[job.id] = job
            order.append(job.id)
            while order.count > keep, let oldest = order.first, jobs[oldest]?.snapshot.state != .running {
                jobs[oldest] = nil
                order.removeFirst()
            }
            return job
        }
        var reporting = options
        reporting.onStep = { step, predicted in job.record(step: step, predicted: predicted) }
        let run = reporting
        Thread.detachNewThread {
            job.finish(Result {
                let result = try service.model.optimize(run)
                let warnings = result.startKind == .given ? ((try? service.model.encode(smiles: result.start.smiles)).map { service.domainWarnings($0, field: "start") } ?? []) : []
                return OptimizationSummary(result, domainWarnings: warnings)
            })
        }
        return job
    }
}
