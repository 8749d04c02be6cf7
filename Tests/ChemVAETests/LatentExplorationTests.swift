import Charts
import Chem
import Engine
import Foundation
import XCTest
@testable import ChemVAE

/// Interpolation, neighbours, optimisation, reports and the PCA map.
final class LatentExplorationTests: XCTestCase {
    func testInterpolationEndsAreTheTwoMeansAndSphericalPathsKeepNormsBetween() throws {
        let model = LatentFixtures.trained
        let (a, b) = (LatentFixtures.molecules[0], LatentFixtures.molecules[1])
        let ma = try model.encode(smiles: a).mean(0), mb = try model.encode(smiles: b).mean(0)
        for spherical in [false, true] {
            let path = try model.interpolate(from: a, to: b, steps: 9, spherical: spherical, seed: 1)
            XCTAssertEqual(path.steps.count, 9)
            XCTAssertEqual(path.steps.first!.z, ma)
            XCTAssertEqual(path.steps.last!.z, mb)
            XCTAssertEqual(path.steps.map(\.t), (0...8).map { Double($0) / 8 })
            XCTAssertEqual(path.from, a)
            // First appearances: valid, and each molecule marked once.
            let marked = path.steps.filter(\.isFirstAppearance).compactMap(\.molecule.canonical)
            XCTAssertEqual(marked.count, Set(marked).count)
            XCTAssertEqual(Set(marked), Set(path.steps.compactMap(\.molecule.canonical)))
        }
        let linear = ChemVAEModel.interpolationPoints(from: ma, to: mb, steps: 5, spherical: false)
        for d in 0..<ma.count { XCTAssertEqual(linear[2][d], (ma[d] + mb[d]) / 2, accuracy: 1e-5) }

        // Spherical: norms stay between the ends' norms; the direction turns at a constant rate.
        let rng = RandomGenerator(seed: 4)
        for _ in 0..<5 {
            let p = (0..<16).map { _ in rng.normal() * 2 }, q = (0..<16).map { _ in rng.normal() * 0.5 }
            let points = ChemVAEModel.interpolationPoints(from: p, to: q, steps: 11, spherical: true)
            let (low, high) = (min(norm(p), norm(q)), max(norm(p), norm(q)))
            for z in points { XCTAssertTrue(norm(z) >= low - 1e-4 && norm(z) <= high + 1e-4, "\(norm(z)) outside \(low)...\(high)") }
            let angles = points.map { acos(max(-1, min(1, dot($0, p) / (norm($0) * norm(p))))) }
            for k in 1..<angles.count { XCTAssertEqual(angles[k] - angles[k - 1], angles[1] - angles[0], accuracy: 1e-3) }
        }
    }

    func testNeighborsAreDistinctValidAndSortedBySimilarity() throws {
        let model = LatentFixtures.trained
        let query = LatentFixtures.molecules[5]
        let hood = try model.neighbors(of: query, count: 8, radius: 0.8, seed: 3)
        XCTAssertLessThanOrEqual(hood.neighbors.count, 8)
        XCTAssertGreaterThan(hood.neighbors.count, 0, "a trained model decodes some valid molecules near a training molecule")
        XCTAssertEqual(Set(hood.neighbors.map(\.smiles)).count, hood.neighbors.count)
        XCTAssertFalse(hood.neighbors.contains { $0.smiles == query })
        let queryFingerprint = try Fingerprint.morgan(smiles: query)
        for n in hood.neighbors {
            XCTAssertEqual(canonicalSMILES(n.smiles), n.smiles)
            XCTAssertEqual(n.similarity, try Fingerprint.morgan(smiles: n.smiles).tanimoto(to: queryFingerprint), accuracy: 1e-12)
        }
        XCTAssertEqual(hood.neighbors.map(\.similarity), hood.neighbors.map(\.similarity).sorted(by: >))
        // Reproducible from the seed; on a sphere every point is at distance R.
        XCTAssertEqual(try model.neighbors(of: query, count: 8, radius: 0.8, seed: 3).neighbors, hood.neighbors)
        let sphere = try model.neighbors(of: query, count: 4, radius: 1.5, shape: .sphere, seed: 3)
        for n in sphere.neighbors { XCTAssertEqual(n.distance, 1.5, accuracy: 1e-4) }
    }

    func testGradientOfThePropertyHeadMatchesFiniteDifferences() throws {
        let model = LatentFixtures.trained
        let z = try model.encode(smiles: LatentFixtures.molecules[7]).mean(0)
        let (value, gradient) = model.propertyGradient(at: z, property: 0)
        XCTAssertTrue(model.model.parameters.allSatisfy { $0.tensor.grad == nil }, "the weights keep no gradient")
        for d in [0, 5, 17] {
            var up = z, down = z
            up[d] += 1e-2; down[d] -= 1e-2
            let numeric = (model.propertyGradient(at: up, property: 0).value - model.propertyGradient(at: down, property: 0).value) / 2e-2
            XCTAssertEqual(gradient[d], numeric, accuracy: 2e-2 * max(1, abs(numeric)))
        }
        XCTAssertEqual(value, Float(model.predictedProperties(LatentPoints(width: z.count, means: z))[0] - Double(model.normalization!.mean[0]))
            / model.normalization!.std[0], accuracy: 1e-4)
    }

    func testOptimizerClimbsTheSurrogateAndRespectsMinimumSimilarity() throws {
        let model = LatentFixtures.trained
        var options = OptimizationOptions(objective: "logp")
        options.start = LatentFixtures.molecules[9]
        options.steps = 40
        options.learningRate = 0.05
        options.priorWeight = 0
        let result = try model.optimize(options)
        XCTAssertEqual(result.startKind, .given)
        XCTAssertEqual(result.start.smiles, LatentFixtures.molecules[9])
        XCTAssertEqual(result.start.trueValue, try analyze(smiles: result.start.smiles, properties: [.logP]).properties[0], accuracy: 1e-9)
        let predicted = result.path.map(\.predicted)
        XCTAssertEqual(predicted.count, 41)
        // Small steps without the prior penalty: the surrogate rises at every step.
        for k in 1..<predicted.count { XCTAssertGreaterThan(predicted[k], predicted[k - 1] - 1e-6, "step \(k)") }
        XCTAssertGreaterThan(predicted.last!, predicted.first!)
        // Best first by the true value, each with RDKit's value, and only molecules better than the start.
        XCTAssertEqual(result.best.map(\.trueValue), result.best.map(\.trueValue).sorted(by: >))
        XCTAssertFalse(result.best.isEmpty)
        for m in result.best {
            XCTAssertEqual(m.trueValue, try analyze(smiles: m.smiles, properties: [.logP]).properties[0], accuracy: 1e-9)
            XCTAssertNotEqual(m.smiles, result.start.smiles)
            XCTAssertEqual(m.improvement, m.trueValue - result.start.trueValue, accuracy: 1e-12)
            XCTAssertGreaterThan(m.improvement, 0)
            XCTAssertFalse(m.predictionOutOfRange, "logP has no bounds")
        }
        // The distinct molecules of the path no better than the start are counted, not listed.
        var worse = Set<String>()
        for s in result.path { if let c = s.molecule.canonical, c != result.start.smiles, s.trueValue! <= result.start.trueValue { worse.insert(c) } }
        XCTAssertEqual(result.notBetter, worse.count)
        // Descending goes the other way.
        options.maximize = false
        let down = try model.optimize(options).path.map(\.predicted)
        XCTAssertLessThan(down.last!, down.first!)

        // With a similarity floor only molecules at least that similar count.
        options.maximize = true
        options.steps = 60
        options.learningRate = 0.1
        options.decodingsPerPoint = 3
        options.method = .sample(temperature: 1)
        let all = try model.optimize(options)
        // (The 12-epoch fixture decodes few improving molecules near its start: a floor of 0.2.)
        let floor = 0.2
        options.minSimilarity = floor
        options.searchNearStart = false
        let pathOnly = try model.optimize(options)
        XCTAssertTrue(pathOnly.best.allSatisfy { $0.similarity >= floor })
        XCTAssertEqual(all.distinctValid, pathOnly.distinctValid, "the same seed decodes the same molecules")
        XCTAssertGreaterThan(pathOnly.belowSimilarity, 0, "some decoded molecules are less than \(floor) similar to the start")
        XCTAssertEqual(pathOnly.searchDecodings, 0)
        // Searching inside the floor decodes points around the start on top of the same path, so
        // it finds at least what the path found, and more here.
        options.searchNearStart = true
        let similar = try model.optimize(options)
        XCTAssertEqual(similar.path, pathOnly.path)
        XCTAssertEqual(similar.searchDecodings, similar.searchRadii.count * options.steps * 3, "as many points per round as steps")
        XCTAssertEqual(similar.decodings, pathOnly.decodings + similar.searchDecodings)
        XCTAssertTrue(similar.best.allSatisfy { $0.similarity >= floor && $0.improvement > 0 })
        XCTAssertTrue(similar.best.contains { $0.source == .nearStart }, "\(similar.best)")
        XCTAssertGreaterThanOrEqual(similar.best.count, pathOnly.best.count)
        XCTAssertGreaterThanOrEqual(similar.best.first?.improvement ?? 0, pathOnly.best.first?.improvement ?? 0)
        XCTAssertEqual(similar.searchRadii, similar.searchRadii.sorted(by: >), "each round halves the radius")

        // A trust region keeps every point near the start; the prior penalty shrinks the norm.
        options.trustRadius = 0.5
        options.minSimilarity = 0
        options.decodingsPerPoint = 1
        XCTAssertTrue(try model.optimize(options).path.allSatisfy { $0.distanceFromStart <= 0.5 + 1e-4 })
        options.trustRadius = nil
        options.priorWeight = 1
        let shrunk = try model.optimize(options).path
        XCTAssertLessThan(shrunk.last!.norm, shrunk.first!.norm)

        // Without a start: a prior sample whose decoding is valid.
        options.start = nil
        let fromPrior = try model.optimize(options)
        XCTAssertEqual(fromPrior.startKind, .priorSample)
        XCTAssertNotNil(canonicalSMILES(fromPrior.start.smiles))

        // The objective must be one of the model's properties.
        XCTAssertThrowsError(try model.optimize(OptimizationOptions(objective: "plogp"))) { error in
            XCTAssertTrue("\(error)".contains("'plogp' is not a property this model predicts; its properties: logp, qed"), "\(error)")
        }
    }

    func testPointsNearTheStartStayInsideTheRadiusAndLeanTowardThePath() {
        let rng = RandomGenerator(seed: 5)
        let z0 = (0..<24).map { _ in rng.normal() }, target = z0.enumerated().map { $0.element + ($0.offset == 0 ? 4 : 0) }
        var along = 0.0
        for _ in 0..<200 {
            let z = ChemVAEModel.pointNearStart(z0, toward: target, radius: 0.8, rng: rng)
            XCTAssertLessThanOrEqual(norm(zip(z, z0).map { $0 - $1 }), 0.8 + 1e-5)
            along += Double(z[0] - z0[0])
        }
        XCTAssertGreaterThan(along / 200, 0.2, "on average the points go part of the way toward the path")
    }

    func testPredictionsOutsideThePropertysRangeAreFlagged() throws {
        // Long steps without the prior penalty push the QED surrogate past 1, which QED cannot reach.
        let model = LatentFixtures.trained
        var options = OptimizationOptions(objective: "qed")
        // From the least drug-like of the first 20 training molecules, so that better ones exist.
        options.start = try LatentFixtures.molecules.prefix(20).min { a, b in
            try analyze(smiles: a, properties: [.qed]).properties[0] < analyze(smiles: b, properties: [.qed]).properties[0]
        }
        options.steps = 40
        options.learningRate = 2
        options.priorWeight = 0
        options.decodingsPerPoint = 2
        options.method = .sample(temperature: 1)
        let result = try model.optimize(options)
        XCTAssertGreaterThan(result.path.last!.predicted, 1, "the surrogate extrapolates beyond QED's range")
        for m in result.best { XCTAssertEqual(m.predictionOutOfRange, !(0...1).contains(m.predicted), "\(m)") }
        XCTAssertTrue(result.best.contains(where: \.predictionOutOfRange), "\(result.best) \(result.start) \(result.path.map(\.predicted))")
        XCTAssertTrue(LatentReports.optimization(result, options: options, model: "m.h5").html.contains("out of range"))
    }

    func testReportIsOneSelfContainedFileWithOneDrawingPerMolecule() throws {
        let model = LatentFixtures.trained
        let directory = try temporaryDirectory()
        // Prior samples: one drawing per distinct valid molecule.
        let (_, molecules) = try model.samplePrior(count: 30, seed: 4)
        let distinct = Set(molecules.compactMap(\.canonical)).count
        XCTAssertGreaterThan(distinct, 0)
        let path = directory.appendingPathComponent("samples.html").path
        try LatentReports.samples(molecules, model: "m.h5", method: .greedy, seed: 4).write(to: path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(count("<svg", in: html), distinct)
        XCTAssertEqual(count("<figure class=\"molecule", in: html), distinct)
        assertSelfContained(html)

        // Interpolation: one drawing per valid step plus the similarity chart.
        let interpolation = try model.interpolate(from: LatentFixtures.molecules[0], to: LatentFixtures.molecules[1], steps: 6)
        let page = LatentReports.interpolation(interpolation, model: "m.h5", method: .greedy, seed: 1).html
        // (plus the two molecules as given, drawn above the path)
        XCTAssertEqual(count("<svg", in: page), interpolation.steps.filter(\.molecule.isValid).count + 3)
        assertSelfContained(page)

        // Neighbours: the query and each neighbour.
        let hood = try model.neighbors(of: LatentFixtures.molecules[3], count: 5, radius: 1, seed: 2)
        let around = LatentReports.neighbors(hood, model: "m.h5", radius: 1, shape: .gaussian, seed: 2).html
        XCTAssertEqual(count("<svg", in: around), 1 + hood.neighbors.count)
        assertSelfContained(around)
        // One scale for the query and every neighbour; each neighbour's atoms outside its common
        // substructure with the query (RDKit MCS) highlighted.
        let drawings = svgs(in: around)
        let lengths = drawings.map(Depiction.bondLength(inSVG:))
        XCTAssertTrue(lengths.allSatisfy { abs($0 - lengths[0]) <= 0.02 * lengths[0] }, "\(lengths)")  // SVG coordinates have 0.1 px
        let query = try Molecule(smiles: hood.query)
        XCTAssertEqual(Depiction.highlightedAtoms(inSVG: drawings[0]), [])
        for (n, svg) in zip(hood.neighbors, drawings.dropFirst()) {
            XCTAssertEqual(Depiction.highlightedAtoms(inSVG: svg), try Molecule(smiles: n.smiles).commonSubstructure(with: query).differingAtoms, n.smiles)
        }
        XCTAssertTrue(hood.neighbors.isEmpty || drawings.dropFirst().contains { !Depiction.highlightedAtoms(inSVG: $0).isEmpty })

        // Optimisation: the start, the best molecules and the chart of the path.
        var options = OptimizationOptions(objective: "qed")
        options.start = LatentFixtures.molecules[2]
        options.steps = 20
        let result = try model.optimize(options)
        let optimized = LatentReports.optimization(result, options: options, model: "m.h5").html
        XCTAssertEqual(count("<svg", in: optimized), 1 + result.best.count + 1)
        XCTAssertTrue(optimized.contains(escapeHTML(result.start.smiles)))
        assertSelfContained(optimized)

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["samples.html"], "written atomically, no temporary left")
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    func assertSelfContained(_ html: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"), file: file, line: line)
        XCTAssertFalse(html.contains("<?xml"), "XML declarations are stripped from inline SVG", file: file, line: line)
        for external in ["<script ", "<link", "src=", "url(http", "@import", "fetch(", "XMLHttpRequest"] {
            XCTAssertFalse(html.contains(external), "loads nothing from elsewhere: \(external)", file: file, line: line)
        }
        // Data tables sort by their headings through the one inline script.
        XCTAssertEqual(count("<script>", in: html), 1, file: file, line: line)
        XCTAssertEqual(count("<table class=\"sortable\"><thead>", in: html), count("<table", in: html) - count("<table class=\"facts\"", in: html),
                       file: file, line: line)
    }


    func testPCARecoversAKnownDominantDirection() throws {
        let rng = RandomGenerator(seed: 12)
        let d = 10, n = 500
        var direction = (0..<d).map { _ in Double(rng.normal()) }
        let length = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        direction = direction.map { $0 / length }
        var second = (0..<d).map { _ in Double(rng.normal()) }
        let overlap = zip(second, direction).reduce(0) { $0 + $1.0 * $1.1 }
        second = zip(second, direction).map { $0 - overlap * $1 }
        let secondLength = second.reduce(0) { $0 + $1 * $1 }.squareRoot()
        second = second.map { $0 / secondLength }
        var points = [Float]()
        for _ in 0..<n {
            let a = Double(rng.normal()) * 5, b = Double(rng.normal()) * 2
            for j in 0..<d { points.append(Float(3 + a * direction[j] + b * second[j] + Double(rng.normal()) * 0.1)) }
        }
        let pca = PrincipalComponents(points: points, dimensions: d)
        XCTAssertEqual(abs(zip(pca.components[0], direction).reduce(0) { $0 + $1.0 * $1.1 }), 1, accuracy: 1e-3)
        XCTAssertEqual(abs(zip(pca.components[1], second).reduce(0) { $0 + $1.0 * $1.1 }), 1, accuracy: 1e-2)
        XCTAssertEqual(pca.variances[0], 25, accuracy: 4)
        XCTAssertEqual(pca.variances[1], 4, accuracy: 1)
        let ratio = pca.explainedVarianceRatio
        XCTAssertEqual(ratio.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertGreaterThan(ratio[0], 0.8)
        for k in 0..<d { XCTAssertEqual(pca.components[k].reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-9) }
        XCTAssertEqual(pca.mean[0], 3, accuracy: 0.6)
        // Projections on PC1 carry the variance along it.
        let projected = pca.project(points, count: 2)
        let first = stride(from: 0, to: projected.count, by: 2).map { projected[$0] }
        let variance = first.reduce(0) { $0 + $1 * $1 } / Double(n - 1)
        XCTAssertEqual(variance, pca.variances[0], accuracy: 1e-6 * pca.variances[0])
    }

    func testLatentMapPlotsEveryMoleculeWithAColourBar() throws {
        let model = LatentFixtures.trained
        let directory = try temporaryDirectory()
        let data = directory.appendingPathComponent("data.h5").path
        try LatentFixtures.dataset.write(to: data)
        let map = try model.latentMap(of: data, colorBy: "qed", limit: 50, seed: 2)
        XCTAssertEqual(map.x.count, 50)
        XCTAssertEqual(map.values.count, 50)
        XCTAssertTrue(map.explained.0 >= map.explained.1 && map.explained.0 + map.explained.1 <= 1 + 1e-9)
        let svg = map.chart.svg
        XCTAssertEqual(count("<circle", in: svg), 50)
        XCTAssertTrue(svg.contains("linearGradient"))
        XCTAssertTrue(svg.contains(String(format: "PC1 (%.1f%% of variance)", map.explained.0 * 100)))
        // A property the dataset lacks but RDKit computes; and one nobody knows.
        let sas = try model.latentMap(of: data, colorBy: "sas", limit: 20, seed: 2)
        XCTAssertTrue(sas.values.allSatisfy { $0 >= 1 && $0 <= 10 })
        XCTAssertThrowsError(try model.latentMap(of: data, colorBy: "colour", limit: 20)) { XCTAssertTrue("\($0)".contains("no 'colour' column"), "\($0)") }
    }
}
