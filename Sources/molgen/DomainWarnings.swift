import ChemVAE

/// Says on stderr what standardisation changed in a molecule given as an option (`--from`,
/// `--smiles`, `--start`) and warns when it lies outside the model's applicability domain; returns
/// the warning for the `--report` page (nil when it is inside, or the model stores no domain).
func domainWarning(_ model: ChemVAEModel, option: String, smiles: String) -> String? {
    if let standardized = try? model.tokenRow(smiles: smiles), !standardized.changes.isEmpty {
        printError("note: \(option) standardised to \(standardized.canonical) (\(standardized.changes))")
    }
    guard model.domain != nil, let point = try? model.encode(smiles: smiles),
          let text = model.domainWarning(option, smiles: point.smiles[0], mean: point.mean(0)) else { return nil }
    printError("warning: " + text)
    return text
}

/// Counts and reports (the first `shown` on stderr) the encoded molecules outside the domain.
struct DomainTally {
    let model: ChemVAEModel
    var outside = 0
    let shown = 10

    mutating func check(_ points: LatentPoints, file: String) {
        guard model.domain != nil else { return }
        for i in 0..<points.count {
            let problems = model.domainProblems(smiles: points.smiles[i], mean: points.mean(i))
            guard !problems.isEmpty else { continue }
            outside += 1
            if outside <= shown { printError("warning: \(file):\(points.lines[i]): outside the model's domain: \(problems.joined(separator: "; "))") }
        }
    }

    /// Encodes `smiles` (in one batch) and checks them, naming each by its SMILES.
    mutating func check(smiles: [String], file: String) {
        guard model.domain != nil else { return }
        let rows = smiles.compactMap { try? model.tokenRow(smiles: $0) }
        guard !rows.isEmpty else { return }
        let means = model.latentMoments(rows: rows.flatMap(\.row)).means
        let points = LatentPoints(width: model.config.latentSize, means: means, smiles: rows.map(\.canonical))
        for i in 0..<points.count {
            let problems = model.domainProblems(smiles: points.smiles[i], mean: points.mean(i))
            guard !problems.isEmpty else { continue }
            outside += 1
            if outside <= shown { printError("warning: \(file): \(points.smiles[i]) is outside the model's domain: \(problems.joined(separator: "; "))") }
        }
    }

    /// The summary line's value: the count, or `unknown` for a model without a stored domain.
    var summary: String { model.domain == nil ? "unknown" : "\(outside)" }
}
