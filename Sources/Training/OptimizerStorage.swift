import Engine
import NN
import Storage

/// Named tensors as stored arrays (copies), for a checkpoint.
public func storedArrays(_ tensors: [NamedParameter]) -> [String: StoredArray<Float>] {
    Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, StoredArray(shape: $0.tensor.shape, values: $0.tensor.scalars)) })
}

extension OptimizerState {
    /// Adam's step count and both moments, keyed by parameter name.
    public init(_ adam: Adam) {
        func arrays(_ moments: [String: Tensor]) -> [String: StoredArray<Float>] {
            moments.mapValues { StoredArray(shape: $0.shape, values: $0.scalars) }
        }
        self.init(name: "adam", step: adam.step, moments: ["m": arrays(adam.firstMoments), "v": arrays(adam.secondMoments)])
    }
}

extension Adam {
    /// Restores the step count and the moments of the parameters named in `names` (all when nil).
    public func restore(from state: OptimizerState, step: Int? = nil, names: Set<String>? = nil) {
        func tensors(_ moment: String) -> [String: Tensor] {
            (state.moments[moment] ?? [:]).filter { names?.contains($0.key) ?? true }.mapValues { Tensor($0.values, shape: $0.shape) }
        }
        restore(step: step ?? state.step, firstMoments: tensors("m"), secondMoments: tensors("v"))
    }
}

extension Checkpoint {
    /// Overwrites `layerState` (a model's parameters and buffers) from the stored parameters and
    /// state, after checking names and shapes agree. State arrays whose names start with one of
    /// `familyPrefixes` belong to the family (normalisation, a fitted prior) and are left out.
    public func assign(to layerState: [NamedParameter], leavingOut familyPrefixes: [String] = []) throws {
        var stored: [String: StoredTensor] = [:]
        for (name, array) in tensors where !familyPrefixes.contains(where: { name.hasPrefix($0) }) {
            stored[name] = StoredTensor(shape: array.shape, values: array.values)
        }
        try assignState(layerState, from: stored)
    }
}
