// Standardisation through RDKit's MolStandardize, as a chemist does before modelling:
// the largest organic fragment (salts and solvents go), charges neutralised where a neutral form
// exists, and optionally no stereochemistry. Python equivalent (tools/make-standardize-fixtures.py):
//   m = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)
//   m = rdMolStandardize.Uncharger().uncharge(m)
//   Chem.RemoveStereochemistry(m)        # with strip_stereo
//   Chem.MolToSmiles(m)
#include "Internal.h"

#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <RDGeneral/versions.h>

extern "C" {

char *crd_standardize(const char *smiles, bool strip_stereo, int32_t *changes, char **error) {
    *changes = 0;
    std::string reason;
    try {
        auto mol = crdkit::parseSmiles(smiles, reason);
        if (mol) {
            // Each step is compared by canonical SMILES, so `changes` says only what really changed.
            const std::string input = RDKit::MolToSmiles(*mol);
            std::unique_ptr<RDKit::ROMol> parent(RDKit::MolStandardize::LargestFragmentChooser(true).choose(*mol));
            std::string fragment = RDKit::MolToSmiles(*parent);
            if (fragment != input) *changes |= CRDStandardizationLargestFragment;
            parent.reset(RDKit::MolStandardize::Uncharger().uncharge(*parent));
            std::string neutral = RDKit::MolToSmiles(*parent);
            if (neutral != fragment) *changes |= CRDStandardizationNeutralized;
            if (strip_stereo) {
                RDKit::MolOps::removeStereochemistry(*parent);
                std::string flat = RDKit::MolToSmiles(*parent);
                if (flat != neutral) *changes |= CRDStandardizationStereoRemoved;
                neutral = flat;
            }
            crdkit::clearLog();
            return crdkit::copyString(neutral);
        }
    } catch (const std::exception &e) {
        reason = std::string("RDKit could not standardise it: ") + e.what();
    } catch (...) {
        reason = "RDKit could not standardise it";
    }
    crdkit::clearLog();
    if (error) *error = crdkit::copyString(reason);
    return nullptr;
}

const char *crd_rdkit_version(void) { return RDKit::rdkitVersion; }

}  // extern "C"
