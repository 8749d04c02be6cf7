// BRICS fragments and Bemis–Murcko scaffolds, as MOSES computes them for Frag/Test and
// Scaf/Test (moses/metrics/utils.py: `fragmenter`, `compute_scaffold`).
#include "Internal.h"

#include <GraphMol/ChemTransforms/MolFragmenter.h>

namespace crdkit {

std::string bricsFragments(const ROMol &mol) {
    // Python: Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol)); MOSES splits it on '.'.
    std::unique_ptr<ROMol> fragmented(RDKit::MolFragmenter::fragmentOnBRICSBonds(mol));
    return RDKit::MolToSmiles(*fragmented);
}

std::string murckoScaffold(const ROMol &mol, int32_t &ringCount) {
    // Python: MurckoScaffold.GetScaffoldForMol, which is MurckoDecompose followed by these
    // three calls; MOSES then counts the rings of the result.
    std::unique_ptr<ROMol> scaffold(RDKit::MurckoDecompose(mol));
    scaffold->clearComputedProps();
    scaffold->updatePropertyCache();
    RDKit::MolOps::symmetrizeSSSR(*scaffold);
    ringCount = int32_t(scaffold->getRingInfo()->numRings());
    return RDKit::MolToSmiles(*scaffold);
}

}  // namespace crdkit
