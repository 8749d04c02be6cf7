/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180): the one quoting rule
/// of every CSV MolGen writes (datasets' rejected rows, latents, properties, decoded molecules).
public func csvField(_ value: String) -> String {
    guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
