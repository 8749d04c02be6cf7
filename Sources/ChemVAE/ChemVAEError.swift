/// Errors a user can cause with models and their inputs; each message names the file or option.
public enum ChemVAEError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case incompatibleData(String)
    case invalidLatent(String)
    case nonFiniteLoss(epoch: Int, step: Int, term: String)
    case notAModel(path: String, reason: String)
    /// A validation figure (loss, accuracy, property error) came out NaN or infinite.
    case nonFiniteValidation(epoch: Int, figure: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(m): return "invalid model configuration: \(m)"
        case let .incompatibleData(m): return m
        case let .invalidLatent(m): return m
        case let .nonFiniteLoss(epoch, step, term):
            return "training stopped: the \(term) loss became NaN or infinite at epoch \(epoch), step \(step); the last good checkpoint is intact (try a lower --learning-rate)"
        case let .notAModel(path, reason): return "\(path): not a MolGen model (\(reason))"
        case let .nonFiniteValidation(epoch, figure):
            return "training stopped: \(figure) became NaN or infinite at the end of epoch \(epoch); the epoch was not saved and the last good checkpoint is intact (check the validation data, or try a lower --learning-rate)"
        }
    }
}
