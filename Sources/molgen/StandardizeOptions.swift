import ArgumentParser
import Chem
import ChemVAE

/// `--standardize`/`--no-standardize` and `--strip-stereo`/`--no-strip-stereo`, on every command that
/// reads SMILES.
struct StandardizeOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: """
        Standardise molecules first with RDKit's MolStandardize: keep the largest organic fragment \
        (strip salts and solvents) and neutralise charges where a neutral form exists. Default: on \
        for a model or --vocab whose vocabulary needs it (no '.' token, as the shipped model), else off.
        """)
    var standardize: Bool?

    @Flag(inversion: .prefixedNo, help: """
        With standardisation, also remove stereochemistry (implies --standardize). Default: on when \
        the vocabulary has no stereo token, else off.
        """)
    var stripStereo: Bool?

    func validate() throws {
        if standardize == false && stripStereo == true {
            throw ValidationError("--strip-stereo works through standardisation; drop --no-standardize")
        }
    }

    /// The standardisation asked for; when neither flag says, `fallback` (what the vocabulary needs).
    func resolved(default fallback: Standardization?) -> Standardization? {
        if standardize == false { return nil }
        guard standardize == true || stripStereo == true || fallback != nil else { return nil }
        return Standardization(stripStereo: stripStereo ?? fallback?.stripStereo ?? false)
    }

    /// Sets `model`'s standardisation from the flags (its vocabulary's need by default).
    func apply(to model: ChemVAEModel) {
        model.standardization = resolved(default: model.codec.neededStandardization)
    }
}

/// How a summary line names a standardisation: `off`, `parent` or `parent_no_stereo`.
func standardizationName(_ standardization: Standardization?) -> String {
    guard let standardization else { return "off" }
    return standardization.stripStereo ? "parent_no_stereo" : "parent"
}
