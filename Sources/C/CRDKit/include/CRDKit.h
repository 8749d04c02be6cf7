// extern "C" API over RDKit. The only C++ in MolGen sits behind this header.
//
// Handles are opaque. Strings returned as `char *` are allocated with malloc and
// owned by the caller (release them with `crd_string_free`). Every function may be
// called from several threads at once as long as no two threads use the same
// `CRDMolecule` at the same time (RDKit caches results on the molecule).
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A sanitized RDKit molecule (an owned `RDKit::ROMol`).
typedef struct CRDMolecule CRDMolecule;

/// Properties `crd_molecule_properties` and `crd_analyze` can compute.
typedef enum CRDProperty : int32_t {
    /// Wildman–Crippen logP (`Crippen.MolLogP`).
    CRDPropertyLogP = 0,
    /// Quantitative estimate of drug-likeness (`rdkit.Chem.QED.qed`, mean weights).
    CRDPropertyQED = 1,
    /// Synthetic accessibility score, 1 (easy) to 10 (hard) (Contrib `sascorer.py`).
    CRDPropertySAS = 2,
    /// Average molecular weight including implicit hydrogens (`Descriptors.MolWt`).
    CRDPropertyMolecularWeight = 3,
    /// logP − SAS − max(0, largest ring size − 6).
    CRDPropertyPenalizedLogP = 4,
} CRDProperty;

/// Installs the SAS fragment table: `count` Morgan (radius 2, unhashed) fragment ids and
/// their scores. Must be called before any SAS is computed; later calls are ignored.
void crd_set_fragment_scores(const uint32_t *ids, const double *scores, size_t count);

/// Whether `crd_set_fragment_scores` has installed a table.
bool crd_has_fragment_scores(void);

/// Parses and sanitizes `smiles`. On failure returns NULL and, when `error` is not NULL,
/// stores RDKit's reason there (caller frees). RDKit's log output is captured, not printed.
CRDMolecule *crd_molecule_from_smiles(const char *smiles, char **error);

void crd_molecule_free(CRDMolecule *molecule);

/// RDKit's canonical isomeric SMILES (`Chem.MolToSmiles(mol)`); caller frees.
char *crd_molecule_canonical_smiles(CRDMolecule *molecule);

int32_t crd_molecule_heavy_atom_count(const CRDMolecule *molecule);

/// Computes `count` properties into `values` (same order as `properties`).
void crd_molecule_properties(CRDMolecule *molecule, const CRDProperty *properties, int32_t count,
                             double *values);

/// QED's eight descriptors in `QED.properties` order (MW, ALOGP, HBA, HBD, PSA, ROTB, AROM,
/// ALERTS) into `values`. With `reference` set they come from RDKit's plain entry points with
/// no CRDKit shortcut (slower): tests use it to show the shortcuts change nothing.
void crd_molecule_qed_descriptors(CRDMolecule *molecule, bool reference, double *values);

/// Morgan bit fingerprint (`GetMorganFingerprintAsBitVect(mol, radius, bits)`) packed into
/// `(bits + 63) / 64` little-endian 64-bit words: bit i is `words[i / 64] >> (i % 64) & 1`.
void crd_molecule_morgan_bits(const CRDMolecule *molecule, int32_t radius, int32_t bits,
                              uint64_t *words);

/// Canonical SMILES of the molecule cut on its BRICS bonds, fragments separated by '.'
/// (`Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol))`); NULL when RDKit fails. Caller frees.
char *crd_molecule_brics_fragments(const CRDMolecule *molecule);

/// Canonical SMILES of the Bemis–Murcko scaffold (`MurckoScaffold.GetScaffoldForMol`; "" for
/// an acyclic molecule) and its ring count in `ring_count`; NULL when RDKit fails. Caller frees.
char *crd_molecule_murcko_scaffold(const CRDMolecule *molecule, int32_t *ring_count);

/// An SVG drawing (RDKit MolDraw2DSVG) with an optional legend; caller frees. Bonds are
/// `bond_length` pixels long when it is positive and the molecule fits at that length (RDKit
/// shrinks one that does not); otherwise RDKit fits the molecule to the picture.
char *crd_molecule_svg(const CRDMolecule *molecule, int32_t width, int32_t height,
                       const char *legend, double bond_length);

/// The mean bond length in pixels of RDKit's drawing of `molecule` fitted to `width` × `height`
/// with every atom highlighted: the longest bonds at which it fits, highlights or not. 0 for a
/// molecule without bonds (it fits at any length).
double crd_molecule_fitted_bond_length(const CRDMolecule *molecule, int32_t width, int32_t height);

/// The number of atoms, hydrogens written as atoms included (RDKit's `GetNumAtoms()`).
int32_t crd_molecule_atom_count(const CRDMolecule *molecule);

/// The atoms of `molecule` inside its maximum common substructure with `reference` (RDKit FMCS,
/// ring atoms and bonds matching ring ones only, complete rings only, the query matched back into
/// `molecule`), written to `atoms` (room for `crd_molecule_atom_count`) in increasing order. The
/// search stops after `timeout_seconds` (whole seconds, at least 1) with the best found so far;
/// `completed` says whether it ran to its end. Returns the count, -1 when RDKit fails.
int32_t crd_molecule_mcs_atoms(const CRDMolecule *molecule, const CRDMolecule *reference, double timeout_seconds,
                               int32_t *atoms, bool *completed);

/// One SVG holding `count` molecules in rows of `columns` cells of the given size. A NULL
/// molecule leaves its cell empty but for its legend (in grey). `legends` may be NULL.
char *crd_grid_svg(const CRDMolecule *const *molecules, const char *const *legends, int32_t count,
                   int32_t columns, int32_t cell_width, int32_t cell_height);

/// A drawing of `molecule` with what differs from `reference` highlighted: the atoms outside
/// their maximum common substructure (RDKit FMCS, complete rings only, stopped after
/// `timeout_seconds`, see `crd_molecule_mcs_atoms`) and the bonds touching them; `bond_length` as in
/// `crd_molecule_svg`. Caller frees; NULL on failure.
char *crd_molecule_svg_difference(const CRDMolecule *molecule, const CRDMolecule *reference, int32_t width,
                                  int32_t height, double timeout_seconds, double bond_length);

/// A V2000 MDL mol block with 2D coordinates from RDKit's depictor (for SDF files); caller frees.
char *crd_molecule_molblock(const CRDMolecule *molecule);

/// Result of `crd_analyze`. Strings are NULL or caller-owned.
typedef struct CRDAnalysis {
    char *canonical_smiles;
    char *error;
    int32_t heavy_atom_count;
} CRDAnalysis;

/// One-shot: parse once, then canonicalize (if asked), compute `count` properties into
/// `values` and (if `morgan_words` is not NULL) the radius-2, 2048-bit Morgan fingerprint
/// into 32 words. Returns false and sets `result->error` when the SMILES is invalid.
bool crd_analyze(const char *smiles, bool canonicalize, const CRDProperty *properties,
                 int32_t count, double *values, uint64_t *morgan_words, CRDAnalysis *result);

/// What `crd_standardize` changed, as bits of its `changes`.
typedef enum CRDStandardizationChange : int32_t {
    /// Other fragments (salts, solvents, counter-ions) were removed: only the largest organic one is kept.
    CRDStandardizationLargestFragment = 1,
    /// Charges were neutralised (RDKit's Uncharger: protons added or removed where a neutral form exists).
    CRDStandardizationNeutralized = 2,
    /// Stereochemistry (tetrahedral and double-bond) was removed.
    CRDStandardizationStereoRemoved = 4,
} CRDStandardizationChange;

/// The parent compound of `smiles` as canonical SMILES (Standardize.cpp: largest organic fragment,
/// neutralised, and without stereochemistry when `strip_stereo`); `changes` receives the
/// `CRDStandardizationChange` bits of what differs from the input. NULL with `error` set (caller
/// frees) when the SMILES is invalid. Caller frees the result.
char *crd_standardize(const char *smiles, bool strip_stereo, int32_t *changes, char **error);

/// The canonical SMILES of the molecule of one SD record (mol block and data items, without the
/// `$$$$` line), read by RDKit's SD supplier; NULL with `error` set (caller frees) when RDKit cannot
/// read it. Caller frees the result.
char *crd_sdf_record_smiles(const char *record, char **error);

/// The version of the RDKit library linked (`rdkit.__version__`), a static string.
const char *crd_rdkit_version(void);

void crd_string_free(char *string);

#ifdef __cplusplus
}
#endif
