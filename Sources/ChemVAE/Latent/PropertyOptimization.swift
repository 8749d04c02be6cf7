import Chem
import Engine
import Foundation

/// Settings of a gradient ascent on the property surrogate (see `ChemVAEModel.optimize`).
public struct OptimizationOptions: Sendable {
    /// The property to improve: one of the model's property names (`logp`, `qed`, `plogp`, ...).
    public var objective: String
    /// Climb (true) or descend (false, e.g. for `sas`).
    public var maximize = true
    /// The molecule to start from; nil starts from a prior sample (see `optimize`).
    public var start: String?
    /// Gradient steps.
    public var steps = 100
    /// Step size on the normalised property (unit standard deviation of the training data). With the
    /// shipped model (KL weight 0.3) a molecule's region of latent space is wide: 0.1 stays in it.
    public var learningRate: Float = 0.5
    /// λ of the prior penalty λ·‖z‖²/2 subtracted from the objective (0 turns it off).
    public var priorWeight: Float = 0.05
    /// ρ of the trust region ‖z − z₀‖ ≤ ρ around the start (nil: none).
    public var trustRadius: Float? = nil
    /// Only decoded molecules at least this similar to the start (Tanimoto, Morgan r2 2048) count.
    /// Above 0 the run also searches inside the floor (see `searchNearStart`).
    public var minSimilarity: Double = 0
    /// With a similarity floor, also decode `searchPoints` points around the start, within the
    /// distance at which the path's molecules fell below the floor (and the trust radius), that
    /// radius halved for a further round while fewer than `top` better molecules pass the floor
    /// (at most 3 rounds). The free path alone soon leaves the floor's region.
    public var searchNearStart = true
    /// Points decoded per round of that search (nil: as many as the path has steps).
    public var searchPoints: Int? = nil
    /// How many of the best molecules to report.
    public var top = 10
    /// How path points are decoded.
    public var method: DecodingMethod = .greedy
    /// Every path point is decoded this many times (sampling when above 1 and `method` is not
    /// greedy; greedy and beam decode the same molecule each time).
    public var decodingsPerPoint = 1
    /// Decode under the SMILES grammar's mask (every decoded string a valid molecule).
    public var constrained = true
    public var seed: UInt64 = 1
    /// Called after each ascent step with the step's number and the surrogate's prediction at the
    /// point it started from (in the property's units), so a caller can show the climb while it
    /// runs; returning false stops the run before decoding (`optimize` throws `CancellationError`).
    public var onStep: (@Sendable (_ step: Int, _ predicted: Double) -> Bool)? = nil

    public init(objective: String) { self.objective = objective }
}

/// One point of the ascent.
public struct OptimizationStep: Equatable, Sendable {
    public var step: Int
    /// The surrogate's prediction at this point, in the property's own units.
    public var predicted: Double
    /// The true (RDKit) value of the molecule decoded here, when it is valid.
    public var trueValue: Double?
    /// ‖z‖ and ‖z − z₀‖.
    public var norm: Double, distanceFromStart: Double
    /// The first decoding of this point.
    public var molecule: DecodedMolecule
}

/// A decoded molecule found along the path or near the start.
public struct OptimizedMolecule: Equatable, Sendable {
    /// Where a molecule was decoded.
    public enum Source: String, Sendable {
        /// A point of the gradient path.
        case path
        /// A point of the search inside the similarity floor (`OptimizationOptions.searchNearStart`).
        case nearStart = "near_start"
    }
    /// Canonical SMILES.
    public var smiles: String
    /// The property computed by RDKit on the molecule; NaN for a measured property (see
    /// `OptimizationResult.hasGroundTruth`).
    public var trueValue: Double
    /// The surrogate's prediction at the first path point that decoded to it.
    public var predicted: Double
    /// Tanimoto similarity (Morgan r2 2048) to the start molecule.
    public var similarity: Double
    /// The first step that decoded to it (near the start: the step whose direction the point followed).
    public var step: Int
    /// How much better than the start it is, in the property's units and positive when better:
    /// the true value's gain (the prediction's for a measured property), sign turned when minimising.
    public var improvement: Double = 0
    /// The surrogate predicted a value the property cannot take (QED above 1, SAS below 1, ...):
    /// the point lies where the property head extrapolates.
    public var predictionOutOfRange = false
    public var source: Source = .path
}

/// What `optimize` found.
public struct OptimizationResult: Sendable {
    public enum StartKind: String, Sendable { case given, priorSample = "prior_sample" }
    public var objective: String
    public var maximize: Bool
    /// Whether RDKit computes the objective for decoded molecules. A measured property (a column
    /// of the training data, `convert --property-column`) has no ground truth: molecules are then
    /// ranked by the surrogate's prediction and `trueValue` is NaN.
    public var hasGroundTruth: Bool
    public var startKind: StartKind
    /// The start molecule (canonical) with its true and predicted values.
    public var start: OptimizedMolecule
    public var path: [OptimizationStep]
    /// The best distinct valid molecules better than the start (best first), among those at least
    /// `minSimilarity` similar to the start.
    public var best: [OptimizedMolecule]
    /// Decodings made (path and search), valid ones, distinct valid molecules, and distinct ones
    /// set aside by the similarity threshold.
    public var decodings: Int, validDecodings: Int, distinctValid: Int, belowSimilarity: Int
    /// Distinct molecules at or above the similarity floor set aside because they are no better than the start.
    public var notBetter = 0
    /// Decodings of the search near the start (part of `decodings`) and the radius of each of its rounds.
    public var searchDecodings = 0
    public var searchRadii: [Double] = []
}

/// Serialises `propertyGradient`: backward writes the property head's (shared) weight gradients.
private let propertyHeadLock = NSLock()

extension ChemVAEModel {
    /// The index of `name` among the model's predicted properties.
    /// - Throws: `ChemVAEError.incompatibleData` listing the model's properties.
    public func propertyIndex(_ name: String) throws -> Int {
        guard let head = normalization, !config.propertyNames.isEmpty else {
            throw ChemVAEError.incompatibleData("this model predicts no properties (it was trained on a dataset converted without --properties)")
        }
        guard let j = head.names.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            throw ChemVAEError.incompatibleData("'\(name)' is not a property this model predicts; its properties: \(head.names.joined(separator: ", "))")
        }
        return j
    }

    /// The surrogate's predictions [N, P] in the properties' own units for points [N, Z].
    public func predictedProperties(_ points: LatentPoints) -> [Double] {
        guard let normalization, let values = Tape.withoutRecording({ model.predictProperties(points.tensor) }) else { return [] }
        return normalization.denormalize(values.scalars).map(Double.init)
    }

    /// The normalised prediction of property `j` at `z` [Z] and its gradient with respect to z, by
    /// recording the property head on the engine's tape and running backward to the latent point.
    /// Safe to call from several threads: each records on its own tape (tapes are per thread), and
    /// the head's weights, whose gradient slots backward writes, are shared, so one call at a time
    /// holds them (a few small GEMMs).
    public func propertyGradient(at z: [Float], property j: Int) -> (value: Float, gradient: [Float]) {
        propertyHeadLock.lock()
        defer { propertyHeadLock.unlock() }
        let point = Tensor(z, shape: [1, z.count])
        point.setRequiresGrad(true)
        let tape = Tape()
        let value = tape.record { () -> Tensor in
            guard let predicted = model.predictProperties(point) else { preconditionFailure("propertyGradient: the model has no property head") }
            return predicted.slice(axis: 1, j..<(j + 1)).sum()
        }
        tape.backward(value)
        // The head's weights collected gradients too; they are not being trained.
        for parameter in model.parameters { parameter.tensor.zeroGrad() }
        return (value.item, point.grad?.scalars ?? Array(repeating: 0, count: z.count))
    }

    /// Gradient ascent on the property surrogate in latent space, after the 2018 paper.
    ///
    /// From z₀ (the encoder's mean of `options.start`, or without a start the first of up to 100
    /// prior samples z ~ N(0, I) whose greedy decoding is valid, that molecule being the start), each
    /// step moves z along the gradient of
    ///
    ///     f(z) = ±ŷ(z) − λ‖z‖²/2
    ///
    /// where ŷ is the surrogate's normalised prediction (so the learning rate means the same for every
    /// property) and λ = `priorWeight` keeps z where the prior, and so the decoder's training data,
    /// has mass. With `trustRadius` ρ, z is then projected back into the ball ‖z − z₀‖ ≤ ρ. Every point of
    /// the path is decoded, decoded molecules are scored with the true RDKit property, and the best
    /// distinct valid ones better than the start (at least `minSimilarity` similar to it) are returned,
    /// each with its improvement and a flag when the surrogate's prediction is impossible for the
    /// property. With a similarity floor, points around the start are decoded as well
    /// (`searchNearStart`): the floor's region is searched rather than only the free path filtered.
    /// - Throws: when the objective is not one of the model's properties, RDKit cannot compute it,
    ///   or the start molecule cannot be encoded.
    public func optimize(_ options: OptimizationOptions) throws -> OptimizationResult {
        precondition(options.steps >= 0 && options.top >= 1 && options.decodingsPerPoint >= 1, "optimize: invalid options")
        let j = try propertyIndex(options.objective)
        let name = normalization!.names[j]
        // nil: a measured property, which only the surrogate can score.
        let property = MolecularProperty(name: name)
        let sign: Float = options.maximize ? 1 : -1
        let width = config.latentSize

        // The start.
        var z0: [Float], startSmiles: String, startKind: OptimizationResult.StartKind
        if let start = options.start {
            let encoded = try encode(smiles: start)
            z0 = encoded.mean(0); startSmiles = encoded.smiles[0]; startKind = .given
        } else {
            let (points, molecules) = try samplePrior(count: 100, constrained: options.constrained, seed: options.seed)
            guard let k = molecules.firstIndex(where: \.isValid) else {
                throw ChemVAEError.invalidLatent("none of 100 prior samples decodes to a valid molecule; pass a start molecule")
            }
            z0 = points.mean(k); startSmiles = molecules[k].canonical!; startKind = .priorSample
        }

        // The ascent.
        var z = z0, path: [[Float]] = [z0]
        for step in 0..<options.steps {
            let (value, gradient) = propertyGradient(at: z, property: j)
            if let onStep = options.onStep {
                let predicted = Double(value * normalization!.std[j] + normalization!.mean[j])
                if !onStep(step, predicted) { throw CancellationError() }
            }
            for d in 0..<width { z[d] += options.learningRate * (sign * gradient[d] - options.priorWeight * z[d]) }
            if let rho = options.trustRadius {
                let offset = zip(z, z0).map { $0 - $1 }
                let distance = Float(norm(offset))
                if distance > rho { for d in 0..<width { z[d] = z0[d] + offset[d] * rho / distance } }
            }
            path.append(z)
        }
        let predicted = predictedProperties(LatentPoints(width: width, means: path.flatMap { $0 }))
        let p = normalization!.names.count

        // Decode every point (several times when asked), then score what came out.
        let repeats = options.decodingsPerPoint
        let method: DecodingMethod = repeats > 1 && options.method == .greedy ? .sample(temperature: 1) : options.method
        func decodeEach(_ points: [[Float]], seed: UInt64) -> [DecodedMolecule] {
            decode(LatentPoints(width: width, means: points.flatMap { point in (0..<repeats).flatMap { _ in point } }),
                   method: method, constrained: options.constrained, seed: seed)
        }
        let decoded = decodeEach(path, seed: options.seed &+ 7)
        var scores: [String: (value: Double, fingerprint: Fingerprint)] = [:]
        func score(_ smiles: String) -> (value: Double, fingerprint: Fingerprint)? {
            if let s = scores[smiles] { return s }
            guard let a = try? analyze(smiles: smiles, canonicalize: false, properties: property.map { [$0] } ?? [], fingerprint: true),
                  let fp = a.fingerprint else { return nil }
            scores[smiles] = (a.properties.first ?? .nan, fp)
            return scores[smiles]
        }
        guard let startScore = score(startSmiles) else {
            throw ChemVAEError.incompatibleData("RDKit cannot score the start molecule '\(startSmiles)'")
        }
        let start = OptimizedMolecule(smiles: startSmiles, trueValue: startScore.value, predicted: predicted[j],
                                      similarity: 1, step: 0)
        // Ranked by RDKit's value; a measured property only has the surrogate's.
        let direction = options.maximize ? 1.0 : -1.0
        let rank: (OptimizedMolecule) -> Double = property == nil ? { $0.predicted } : { $0.trueValue }
        let possible = property?.possibleRange
        var candidates: [OptimizedMolecule] = [], seen = Set<String>()
        var valid = 0, below = 0, notBetter = 0
        /// Scores one decoding; returns its similarity to the start when it is valid and new.
        @discardableResult
        func consider(_ m: DecodedMolecule, predicted value: Double, step: Int, source: OptimizedMolecule.Source) -> Double? {
            guard let c = m.canonical, let sc = score(c) else { return nil }
            valid += 1
            guard seen.insert(c).inserted, c != startSmiles else { return nil }
            let similarity = sc.fingerprint.tanimoto(to: startScore.fingerprint)
            if similarity < options.minSimilarity { below += 1; return similarity }
            var found = OptimizedMolecule(smiles: c, trueValue: sc.value, predicted: value, similarity: similarity, step: step)
            found.improvement = direction * (rank(found) - rank(start))
            found.predictionOutOfRange = possible.map { !$0.contains(value) } ?? false
            found.source = source
            if found.improvement > 0 { candidates.append(found) } else { notBetter += 1 }
            return similarity
        }
        var steps: [OptimizationStep] = []
        var floorDistance: Double? = nil  // how far from the start the path's molecules first fell below the floor
        for (s, point) in path.enumerated() {
            let here = decoded[(s * repeats)..<((s + 1) * repeats)]
            let distance = norm(zip(point, z0).map { $0 - $1 })
            for m in here {
                if let similarity = consider(m, predicted: predicted[s * p + j], step: s, source: .path),
                   similarity < options.minSimilarity, floorDistance == nil, distance > 0 { floorDistance = distance }
            }
            let first = here.first!
            steps.append(OptimizationStep(step: s, predicted: predicted[s * p + j], trueValue: first.canonical.flatMap { score($0)?.value },
                                          norm: norm(point), distanceFromStart: distance, molecule: first))
        }

        // Search inside the floor: points around the start, leaning along the path's direction.
        var searchDecodings = 0, radii: [Double] = []
        if options.minSimilarity > 0, options.searchNearStart, options.steps > 0 {
            let reach = steps.map(\.distanceFromStart).max() ?? 0
            var radius = min(floorDistance ?? reach, options.trustRadius.map(Double.init) ?? .infinity)
            let count = options.searchPoints ?? options.steps
            let rng = RandomGenerator(seed: options.seed &+ 11)
            for round in 0..<3 where radius > 1e-6 && candidates.count < options.top {
                var points: [[Float]] = [], along: [Int] = []
                for i in 0..<count {
                    let s = 1 + i % options.steps
                    points.append(Self.pointNearStart(z0, toward: path[s], radius: Float(radius), rng: rng))
                    along.append(s)
                }
                let values = predictedProperties(LatentPoints(width: width, means: points.flatMap { $0 }))
                let molecules = decodeEach(points, seed: options.seed &+ 13 &+ UInt64(round))
                for (k, m) in molecules.enumerated() {
                    consider(m, predicted: values[(k / repeats) * p + j], step: along[k / repeats], source: .nearStart)
                }
                searchDecodings += molecules.count
                radii.append(radius)
                radius /= 2
            }
        }

        let best = candidates.enumerated().sorted { a, b in
            rank(a.element) != rank(b.element) ? direction * rank(a.element) > direction * rank(b.element) : a.offset < b.offset
        }.map(\.element)
        var result = OptimizationResult(objective: name, maximize: options.maximize, hasGroundTruth: property != nil, startKind: startKind,
                                        start: start, path: steps,
                                        best: Array(best.prefix(options.top)), decodings: decoded.count + searchDecodings, validDecodings: valid,
                                        distinctValid: seen.count, belowSimilarity: below)
        result.notBetter = notBetter
        result.searchDecodings = searchDecodings
        result.searchRadii = radii
        return result
    }

    /// A point within `radius` of `z0`: a random part of the way toward `target` (at most
    /// `radius`), plus Gaussian noise of about half the radius in norm, projected back into the ball.
    static func pointNearStart(_ z0: [Float], toward target: [Float], radius: Float, rng: RandomGenerator) -> [Float] {
        let offset = zip(target, z0).map { $0 - $1 }
        let length = Float(norm(offset))
        let along = length > 0 ? min(length, radius * rng.uniform()) / length : 0
        let spread = 0.5 * radius / Float(z0.count).squareRoot()
        var point = zip(z0, offset).map { $0 + along * $1 + spread * rng.normal() }
        let distance = Float(norm(zip(point, z0).map { $0 - $1 }))
        if distance > radius { point = zip(z0, point).map { $0 + ($1 - $0) * radius / distance } }
        return point
    }
}
