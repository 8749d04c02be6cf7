// Private to CRDKit: what CRDKit.cpp (the C API) and Properties.cpp share.
#pragma once

#include "BoostPrelude.h"  // must precede every RDKit/Boost include
// RDKit's build configuration, before any RDKit class: RDKit compiled its libraries with these
// macros, and some change class layouts (RDK_BUILD_THREADSAFE_SSS adds a mutex to
// RecursiveStructureQuery before its query molecule), so without them our inline accessors would
// read the wrong fields.
#include <RDGeneral/RDConfig.h>

#include "CRDKit.h"

// RDKit 2022.09 headers trip newer clang warnings that are not ours to fix.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-literal-operator"
#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/MolDraw2D/MolDraw2DSVG.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/QueryAtom.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SanitException.h>
#include <GraphMol/SmilesParse/SmartsWrite.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/Substruct/SubstructMatch.h>
#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <RDGeneral/RDLog.h>
#pragma clang diagnostic pop

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace crdkit {

using RDKit::ROMol;

/// Parses and sanitizes `smiles` as `Chem.MolFromSmiles` does, RDKit's log captured; null with
/// `error` set on failure (CRDKit.cpp).
std::unique_ptr<ROMol> parseSmiles(const char *smiles, std::string &error);

/// Drops what RDKit logged on this thread (warnings of a call that succeeded).
void clearLog();

/// What RDKit logged on this thread since the last clear, as one line (then cleared).
std::string takeLogLine();

/// A malloc'd copy of `s` for the C API (the caller frees it with `crd_string_free`).
char *copyString(const std::string &s);

/// Computes `count` properties of `mol` into `values`. Caches RDKit results on `mol`.
void computeProperties(ROMol &mol, const CRDProperty *properties, int32_t count, double *values);

/// QED's eight descriptors (see `crd_molecule_qed_descriptors`).
void qedDescriptors(ROMol &mol, bool reference, double values[8]);

/// Installs the SAS fragment table once; see `crd_set_fragment_scores`.
void installFragmentScores(const uint32_t *ids, const double *scores, size_t count);
bool hasFragmentScores();

/// Canonical SMILES of `mol` cut on its BRICS bonds (dot-separated fragments with dummy atoms).
std::string bricsFragments(const ROMol &mol);

/// Canonical SMILES of the Bemis–Murcko scaffold of `mol` ("" when it has no ring) and, in
/// `ringCount`, the scaffold's ring count after `symmetrizeSSSR`.
std::string murckoScaffold(const ROMol &mol, int32_t &ringCount);

}  // namespace crdkit
