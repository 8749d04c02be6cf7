/// MolGen's release: printed by `molgen --version` and written into every HDF5 file MolGen makes
/// (the `written_by` attribute), so a dataset, latent file or model says which release wrote it.
/// Raise it with each release and say what changed in CHANGELOG.md.
public enum MolGenRelease {
    public static let version = "0.6.0"
    /// The `written_by` attribute's value.
    public static var writtenBy: String { "molgen \(version)" }
}
