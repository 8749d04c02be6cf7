/// Errors a user can cause with models and their inputs; each message names the file or option.
public enum ChemVAEError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case incompatibleData(String)
    case invalidLatent(String)
    case notAModel(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(m): return "invalid model configuration: \(m)"
        case let .incompatibleData(m): return m
        case let .invalidLatent(m): return m
        case let .notAModel(path, reason): return "\(path): not a MolGen model (\(reason))"
        }
    }
}
