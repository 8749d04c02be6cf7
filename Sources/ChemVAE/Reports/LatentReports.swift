import Charts
import Chem
import Foundation

/// The HTML pages of `molgen sample|interpolate|neighbors|optimize --report`: one self-contained
/// file each, an RDKit drawing per molecule with its properties, and the path or table behind it.
public enum LatentReports {
    /// Caption lines with RDKit's logP, QED and SAS of a molecule.
    static func propertyLines(_ smiles: String) -> [String] {
        guard let a = try? analyze(smiles: smiles, canonicalize: false, properties: [.logP, .qed, .sas]) else { return [] }
        return [String(format: "logP %.2f · QED %.2f · SAS %.2f", a.properties[0], a.properties[1], a.properties[2])]
    }

    static func methodName(_ method: DecodingMethod) -> String {
        switch method {
        case .greedy: return "greedy"
        case .sample(let t): return "sample (temperature \(t))"
        case .beam(let k): return "beam (width \(k))"
        }
    }

    /// Prior samples: the distinct valid molecules drawn (at most `maxDrawn`), and a table of all
    /// samples (at most 1000 rows).
    public static func samples(_ molecules: [DecodedMolecule], model: String, method: DecodingMethod, seed: UInt64,
                               maxDrawn: Int = 200) -> HTMLReport {
        var report = HTMLReport(title: "Prior samples")
        let valid = molecules.filter(\.isValid).count
        var seen = Set<String>()
        let distinct = molecules.enumerated().filter { $0.element.canonical.map { seen.insert($0).inserted } ?? false }
        report.facts([("model", model), ("points", "\(molecules.count) drawn from N(0, I)"), ("decoding", methodName(method)),
                      ("seed", "\(seed)"), ("valid", "\(valid) (\(percent(valid, molecules.count)))"),
                      ("distinct valid", "\(seen.count)")])
        report.heading(distinct.count > maxDrawn ? "The first \(maxDrawn) distinct valid molecules" : "Distinct valid molecules")
        report.moleculeGrid(distinct.prefix(maxDrawn).map { i, m in
            ReportMolecule(smiles: m.canonical!, caption: ["sample \(i)" + (m.votes > 1 ? ", \(m.votes) votes" : "")] + propertyLines(m.canonical!))
        })
        report.heading("All samples")
        report.table(header: ["index", "smiles", "valid"], rows: molecules.prefix(1000).enumerated().map { i, m in
            ["\(i)", m.smiles, m.isValid ? "yes" : "no"]
        })
        return report
    }

    /// An interpolation path: every step drawn in order (first appearances highlighted), the
    /// similarity of each step's molecule to both ends, and the table.
    public static func interpolation(_ path: InterpolationPath, model: String, method: DecodingMethod, seed: UInt64) -> HTMLReport {
        var report = HTMLReport(title: "Interpolation")
        report.facts([("model", model), ("from", path.from), ("to", path.to), ("path", path.spherical ? "spherical (slerp)" : "linear"),
                      ("steps", "\(path.steps.count)"), ("decoding", methodName(method)), ("seed", "\(seed)"),
                      ("valid steps", "\(path.steps.filter(\.molecule.isValid).count)"),
                      ("distinct valid molecules", "\(path.distinctMolecules.count)")])
        let ends = [path.from, path.to].map { try? Fingerprint.morgan(smiles: $0) }
        let similarities = path.steps.map { step -> (Double?, Double?) in
            guard let c = step.molecule.canonical, let fp = try? Fingerprint.morgan(smiles: c) else { return (nil, nil) }
            return (ends[0].map { fp.tanimoto(to: $0) }, ends[1].map { fp.tanimoto(to: $0) })
        }
        var chart = Chart(title: "Tanimoto similarity of each step's molecule to the ends", xLabel: "step", yLabel: "similarity")
        chart.series = [.init(name: "to 'from'", values: similarities.map(\.0)), .init(name: "to 'to'", values: similarities.map(\.1))]
        report.svg(chart.svg)
        path.endWarnings.reversed().forEach { report.warning($0) }
        report.heading("The two molecules as given")
        report.moleculeGrid([ReportMolecule(smiles: path.from, caption: ["from"] + propertyLines(path.from)),
                             ReportMolecule(smiles: path.to, caption: ["to"] + propertyLines(path.to))])
        report.heading("The path (new molecules outlined)")
        report.moleculeGrid(path.steps.enumerated().map { k, step in
            ReportMolecule(smiles: step.molecule.canonical ?? step.molecule.smiles,
                           caption: [String(format: "step %d, t = %.3f", k, step.t)] + (step.isFirstAppearance ? propertyLines(step.molecule.canonical!) : []),
                           highlighted: step.isFirstAppearance)
        })
        report.table(header: ["step", "t", "smiles", "valid", "new"], rows: path.steps.enumerated().map { k, s in
            ["\(k)", String(format: "%.4f", s.t), s.molecule.smiles, s.molecule.isValid ? "yes" : "no", s.isFirstAppearance ? "yes" : ""]
        })
        return report
    }

    /// The molecules around a query: the query, then its neighbours, most similar first.
    public static func neighbors(_ hood: Neighborhood, model: String, radius: Float, shape: NeighborhoodShape, seed: UInt64) -> HTMLReport {
        var report = HTMLReport(title: "Neighbours of \(hood.query)")
        report.facts([("model", model), ("query", hood.query),
                      ("points", shape == .gaussian ? "μ + \(radius)·ε, ε ~ N(0, I)" : "μ + \(radius)·ε/‖ε‖ (a sphere of radius \(radius))"),
                      ("seed", "\(seed)"), ("points decoded", "\(hood.pointsDecoded)"),
                      ("valid decodings", "\(hood.validDecodings) (\(percent(hood.validDecodings, hood.pointsDecoded)))"),
                      ("decoded to the query itself", "\(hood.queryDecodings)"), ("distinct neighbours shown", "\(hood.neighbors.count)")])
        // One scale for the query and its neighbours; what each neighbour changed is highlighted.
        let length = HTMLReport.bondLength(for: [hood.query] + hood.neighbors.map(\.smiles))
        report.heading("Query")
        report.moleculeGrid([ReportMolecule(smiles: hood.query, caption: propertyLines(hood.query), highlighted: true)], bondLength: length)
        report.heading("Neighbours, most similar first (atoms not shared with the query highlighted)")
        report.moleculeGrid(hood.neighbors.enumerated().map { k, n in
            ReportMolecule(smiles: n.smiles, caption: [String(format: "#%d similarity %.3f, distance %.2f, ×%d", k + 1, n.similarity, n.distance, n.count)]
                + propertyLines(n.smiles), differenceFrom: hood.query)
        }, bondLength: length)
        report.table(header: ["rank", "smiles", "similarity", "distance", "count"], rows: hood.neighbors.enumerated().map { k, n in
            ["\(k + 1)", n.smiles, String(format: "%.3f", n.similarity), String(format: "%.2f", n.distance), "\(n.count)"]
        })
        return report
    }

    /// A property optimisation: the start, the surrogate's and RDKit's values along the path, the
    /// best molecules found and the path's table.
    public static func optimization(_ result: OptimizationResult, options: OptimizationOptions, model: String) -> HTMLReport {
        let goal = "\(result.maximize ? "maximise" : "minimise") \(result.objective)"
        var report = HTMLReport(title: "Latent optimisation: \(goal)")
        var facts: [(String, String)] = [
            ("model", model), ("objective", goal),
            ("start", "\(result.start.smiles) (\(result.startKind == .given ? "given" : "decoded from a prior sample"))"),
            ("start value", String(format: "true %.3f, predicted %.3f", result.start.trueValue, result.start.predicted)),
            ("steps", "\(options.steps), learning rate \(options.learningRate)"),
            ("prior penalty λ", "\(options.priorWeight)"),
            ("trust radius", options.trustRadius.map { "\($0)" } ?? "none"),
            ("decodings", "\(result.decodings), \(result.validDecodings) valid, \(result.distinctValid) distinct"),
        ]
        if options.minSimilarity > 0 {
            facts.append(("minimum similarity", "\(options.minSimilarity) (\(result.belowSimilarity) distinct molecules below it set aside)"))
        }
        if result.searchDecodings > 0 {
            facts.append(("search near the start", "\(result.searchDecodings) decodings within radius "
                + result.searchRadii.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        }
        facts.append(("no better than the start", "\(result.notBetter) distinct molecules (not listed)"))
        facts.append(("seed", "\(options.seed)"))
        report.facts(facts)
        let flagged = result.best.filter(\.predictionOutOfRange).count
        if flagged > 0 {
            report.paragraph("For \(flagged) molecule(s) the surrogate predicts a \(result.objective) the property cannot take "
                + "(marked 'out of range'): those points lie where the property head extrapolates; the RDKit value is the one to trust.")
        }
        var chart = Chart(title: "\(result.objective) along the path", xLabel: "step", yLabel: result.objective)
        chart.series = [.init(name: "surrogate", values: result.path.map { $0.predicted }),
                        .init(name: "RDKit (decoded)", values: result.path.map(\.trueValue), style: .dots)]
        report.svg(chart.svg)
        // One scale for the start and the results; what each result changed is highlighted.
        let length = HTMLReport.bondLength(for: [result.start.smiles] + result.best.map(\.smiles))
        report.heading("Start")
        report.moleculeGrid([ReportMolecule(smiles: result.start.smiles, caption: [
            String(format: "%@ true %.3f, predicted %.3f", result.objective, result.start.trueValue, result.start.predicted),
        ] + propertyLines(result.start.smiles), highlighted: true)], bondLength: length)
        report.heading(result.best.isEmpty ? "No molecule better than the start was found"
            : "Best molecules found (by the \(result.hasGroundTruth ? "true value" : "prediction"); atoms not shared with the start highlighted)")
        report.moleculeGrid(result.best.enumerated().map { k, m in
            ReportMolecule(smiles: m.smiles, caption: [
                String(format: "#%d %@ true %.3f, predicted %.3f%@", k + 1, result.objective, m.trueValue, m.predicted,
                       m.predictionOutOfRange ? " (out of range)" : ""),
                String(format: "improvement %+.3f, similarity %.3f, step %d%@", m.improvement, m.similarity, m.step,
                       m.source == .nearStart ? " (near the start)" : ""),
            ] + propertyLines(m.smiles), differenceFrom: result.start.smiles)
        }, bondLength: length)
        if !result.best.isEmpty {
            report.table(header: ["rank", "smiles", "true", "predicted", "improvement", "similarity", "step", "found", "flag"],
                         rows: result.best.enumerated().map { k, m in
                             ["\(k + 1)", m.smiles, String(format: "%.3f", m.trueValue), String(format: "%.3f", m.predicted),
                              String(format: "%.3f", m.improvement), String(format: "%.3f", m.similarity), "\(m.step)",
                              m.source == .nearStart ? "near the start" : "path", m.predictionOutOfRange ? "out of range" : ""]
                         })
        }
        report.heading("Path")
        report.table(header: ["step", "predicted", "true", "‖z‖", "‖z − z₀‖", "smiles"], rows: result.path.map { s in
            ["\(s.step)", String(format: "%.3f", s.predicted), s.trueValue.map { String(format: "%.3f", $0) } ?? "invalid",
             String(format: "%.2f", s.norm), String(format: "%.2f", s.distanceFromStart), s.molecule.smiles]
        })
        return report
    }

    static func percent(_ part: Int, _ whole: Int) -> String { String(format: "%.1f%%", whole > 0 ? 100 * Double(part) / Double(whole) : 0) }
}
