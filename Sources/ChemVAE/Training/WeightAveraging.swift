import Engine

extension ChemVAEModel {
    /// The models' parameters and batch-norm statistics averaged (weight averaging): checkpoints
    /// of one run taken along its last, low-learning-rate stretch give a model that sits nearer
    /// the middle of the region they wander in, and often reconstructs and samples better than
    /// any one of them (Izmailov et al. 2018, "Averaging weights leads to wider optima").
    ///
    /// The result carries the last model's history and codec and no optimizer, position, prior
    /// or domain: those describe one checkpoint, so `molgen export` measures them afresh.
    /// - Throws: `ChemVAEError.incompatibleData` naming the file whose vocabulary or tensors
    ///   differ from the first's.
    public static func averaging(_ models: [(path: String, model: ChemVAEModel)]) throws -> ChemVAEModel {
        guard let (firstPath, first) = models.first else {
            throw ChemVAEError.invalidConfiguration("averaging needs at least one model")
        }
        let last = models[models.count - 1].model
        let result = ChemVAEModel(model: try ChemVAE(first.config, seed: 0), codec: last.codec, normalization: last.normalization,
                                  history: last.history)
        result.standardization = last.standardization
        let target = result.model.state
        let shapes = target.map { "\($0.name) \($0.tensor.shape)" }
        var sums = target.map { [Double](repeating: 0, count: $0.tensor.count) }
        for (path, other) in models {
            guard other.codec.vocabulary.tokens == first.codec.vocabulary.tokens, other.codec.maxLength == first.codec.maxLength else {
                throw ChemVAEError.incompatibleData("\(path): its vocabulary differs from \(firstPath)'s: only checkpoints of one run can be averaged")
            }
            let state = other.model.state
            guard state.map({ "\($0.name) \($0.tensor.shape)" }) == shapes else {
                throw ChemVAEError.incompatibleData("\(path): its layers differ from \(firstPath)'s: only checkpoints of one run can be averaged")
            }
            for (k, entry) in state.enumerated() {
                for (i, value) in entry.tensor.scalars.enumerated() { sums[k][i] += Double(value) }
            }
        }
        for (k, entry) in target.enumerated() {
            entry.tensor.assign(sums[k].map { Float($0 / Double(models.count)) })
        }
        return result
    }
}
