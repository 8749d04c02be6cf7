// One SD record through RDKit's SD supplier (`Chem.SDMolSupplier` with `SetData`): the molecule's
// canonical SMILES. The record's name and data items are read in Swift (Smiles.SDFFields), so they
// are there even when RDKit cannot read the mol block.
#include "Internal.h"

#include <GraphMol/FileParsers/MolSupplier.h>

extern "C" {

char *crd_sdf_record_smiles(const char *record, char **error) {
    std::string reason;
    try {
        RDKit::SDMolSupplier supplier;
        supplier.setData(std::string(record) + "$$$$\n");
        crdkit::clearLog();
        std::unique_ptr<RDKit::ROMol> mol(supplier.atEnd() ? nullptr : supplier.next());
        if (mol && mol->getNumAtoms() > 0) {
            std::string smiles = RDKit::MolToSmiles(*mol);
            crdkit::clearLog();
            return crdkit::copyString(smiles);
        }
        reason = crdkit::takeLogLine();
        if (reason.empty()) reason = mol ? "the mol block holds no atoms" : "RDKit cannot read the mol block";
    } catch (const std::exception &e) {
        reason = crdkit::takeLogLine();
        if (reason.empty()) reason = std::string("RDKit cannot read the mol block: ") + e.what();
    } catch (...) {
        reason = "RDKit cannot read the mol block";
    }
    if (error) *error = crdkit::copyString(reason);
    return nullptr;
}

}  // extern "C"
