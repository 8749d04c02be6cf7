import Chem
import Foundation

/// The main job in one call: what `molgen demo` shows with the shipped model. Every part is a
/// table of strings (for the terminal) and a section of one HTML report.
public struct MoleculeDemo {
    /// Well-known drugs the demo encodes; all use only atoms of the MOSES vocabulary.
    public static let drugs: [(name: String, smiles: String)] = [
        ("aspirin", "CC(=O)Oc1ccccc1C(=O)O"), ("paracetamol", "CC(=O)Nc1ccc(O)cc1"),
        ("ibuprofen", "CC(C)Cc1ccc(cc1)C(C)C(=O)O"), ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
        ("nicotine", "CN1CCCC1c1cccnc1"), ("diazepam", "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21"),
    ]

    public struct Table {
        public var title: String
        public var header: [String]
        public var rows: [[String]]
    }

    public var tables: [Table] = []
    public var report: HTMLReport

    /// Runs the demo on `model` (loaded from `modelPath`), reproducibly from `seed`; decoding is
    /// constrained by the SMILES grammar unless `constrained` is false.
    public init(model: ChemVAEModel, modelPath: String, constrained: Bool = true, seed: UInt64 = 1) throws {
        report = HTMLReport(title: "MolGen demo")
        report.facts([("model", modelPath), ("decoder", model.config.decoder.rawValue),
                      ("latent dimensions", "\(model.config.latentSize)"), ("parameters", "\(model.model.parameterCount)"),
                      ("trained epochs", "\(model.history.count)"),
                      ("decoding", constrained ? "constrained (SMILES grammar mask)" : "unconstrained"), ("seed", "\(seed)")])
        let properties = model.config.propertyNames

        // 1. Encode drugs, decode their latent means back, compare properties with the surrogate.
        var rows: [[String]] = [], drawn: [ReportMolecule] = []
        for drug in Self.drugs {
            do {
                let point = try model.encode(smiles: drug.smiles)
                let back = model.decode(point, method: .greedy, constrained: constrained, seed: seed)[0]
                let norm = point.mean(0).reduce(0) { $0 + $1 * $1 }.squareRoot()
                let predicted = model.predictedProperties(point)
                let truth = try analyze(smiles: drug.smiles, properties: [.logP, .qed])
                let p = { (name: String) -> String in properties.firstIndex(of: name).map { String(format: "%.2f", predicted[$0]) } ?? "-" }
                rows.append([drug.name, point.smiles[0], String(format: "%.1f", norm), back.smiles,
                             back.canonical == point.smiles[0] ? "yes" : "no",
                             String(format: "%.2f", truth.properties[0]), p("logp"), String(format: "%.2f", truth.properties[1]), p("qed")])
                // The drug beside what its latent mean decodes to, the atoms it does not share with the drug highlighted.
                drawn.append(ReportMolecule(smiles: point.smiles[0], caption: [drug.name], highlighted: true))
                drawn.append(ReportMolecule(smiles: back.canonical ?? back.smiles,
                                            caption: ["\(drug.name), decoded: " + (back.canonical == point.smiles[0] ? "the same molecule" : back.isValid ? "a different molecule" : "invalid")],
                                            differenceFrom: point.smiles[0]))
            } catch {
                rows.append([drug.name, drug.smiles, "-", "\(error)", "-", "-", "-", "-", "-"])
            }
        }
        add(Table(title: "Encoding well-known drugs (greedy decoding of the latent mean; each drug outlined, then its decoding)",
                  header: ["drug", "canonical", "|z|", "decoded", "same", "logP", "logP pred", "QED", "QED pred"], rows: rows),
            molecules: drawn)

        // 2. Decode random latents.
        let samples = try model.samplePrior(count: 12, constrained: constrained, seed: seed).molecules
        add(Table(title: "Decoding 12 random latent points z ~ \(model.defaultPrior == .fitted ? "the fitted prior" : "N(0, I)")", header: ["#", "smiles", "valid", "QED"],
                  rows: samples.enumerated().map { i, m in
                      ["\(i)", m.smiles, m.isValid ? "yes" : "no",
                       m.canonical.flatMap { try? analyze(smiles: $0, properties: [.qed]).properties[0] }.map { String(format: "%.2f", $0) } ?? "-"]
                  }),
            molecules: samples.compactMap { $0.canonical.map { ReportMolecule(smiles: $0) } })

        // 3. Walk from paracetamol to diazepam.
        let path = try model.interpolate(from: Self.drugs[1].smiles, to: Self.drugs[5].smiles, steps: 10, spherical: true,
                                        constrained: constrained, seed: seed)
        add(Table(title: "Spherical interpolation paracetamol -> diazepam (* = first appearance)", header: ["t", "smiles", "valid", "new"],
                  rows: path.steps.map { [String(format: "%.2f", $0.t), $0.molecule.smiles, $0.molecule.isValid ? "yes" : "no", $0.isFirstAppearance ? "*" : ""] }),
            molecules: path.steps.filter(\.isFirstAppearance).compactMap { s in s.molecule.canonical.map { ReportMolecule(smiles: $0, caption: [String(format: "t = %.2f", s.t)]) } })

        // 4. Climb QED from caffeine.
        if properties.contains("qed") {
            var options = OptimizationOptions(objective: "qed")
            options.start = Self.drugs[3].smiles
            options.steps = 60
            options.seed = seed
            options.constrained = constrained
            options.top = 6
            let result = try model.optimize(options)
            add(Table(title: String(format: "Optimizing QED from caffeine (QED %.2f) by gradient steps in latent space", result.start.trueValue),
                      header: ["rank", "smiles", "QED (RDKit)", "QED pred", "improvement", "similarity", "step", "flag"],
                      rows: result.best.enumerated().map { i, m in
                          ["\(i + 1)", m.smiles, String(format: "%.3f", m.trueValue), String(format: "%.3f", m.predicted),
                           String(format: "%+.3f", m.improvement), String(format: "%.2f", m.similarity), "\(m.step)",
                           m.predictionOutOfRange ? "prediction out of range" : ""]
                      }),
                molecules: [ReportMolecule(smiles: result.start.smiles, caption: [String(format: "start, QED %.3f", result.start.trueValue)], highlighted: true)]
                    + result.best.map { ReportMolecule(smiles: $0.smiles, caption: [String(format: "QED %.3f (%+.3f)", $0.trueValue, $0.improvement)],
                                                       differenceFrom: result.start.smiles) })
        }
    }

    private mutating func add(_ table: Table, molecules: [ReportMolecule]) {
        tables.append(table)
        report.heading(table.title)
        report.moleculeGrid(molecules)
        report.table(header: table.header, rows: table.rows)
    }

    /// A table as aligned text columns (long cells cut to 40 characters).
    public static func text(_ table: Table) -> String {
        let cells = ([table.header] + table.rows).map { $0.map { $0.count > 40 ? String($0.prefix(39)) + "…" : $0 } }
        let widths = table.header.indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
        let lines = cells.map { row in row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        return ([table.title] + lines).joined(separator: "\n")
    }
}
