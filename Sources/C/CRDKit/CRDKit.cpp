// extern "C" bridge over RDKit: parsing, canonical SMILES, properties, fingerprints, drawing.
// The properties themselves live in Properties.cpp.
#include "Internal.h"

#include <GraphMol/Depictor/DepictUtils.h>
#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/FMCS/FMCS.h>
#include <GraphMol/FileParsers/FileParsers.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>
#include <streambuf>
#include <vector>

struct CRDMolecule {
    std::unique_ptr<RDKit::ROMol> mol;
};

namespace {

using RDKit::ROMol;

// MARK: - Log capture

/// Text RDKit logged on this thread since the last `takeLog()`.
thread_local std::string threadLog;

/// A stream buffer that appends to the calling thread's `threadLog`, so two threads parsing
/// at once each see only their own messages.
class ThreadLogBuffer final : public std::streambuf {
  protected:
    int_type overflow(int_type c) override {
        if (!traits_type::eq_int_type(c, traits_type::eof())) threadLog.push_back(char(c));
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char *s, std::streamsize n) override {
        threadLog.append(s, size_t(n));
        return n;
    }
};

/// Routes RDKit's error and warning logs into `threadLog` and silences the others, once.
/// Why: RDKit prints parse errors to stderr; the CLI must stay clean and errors must carry
/// RDKit's reason.
void captureRDKitLogs() {
    static std::once_flag once;
    std::call_once(once, [] {
        static ThreadLogBuffer buffer;
        static std::ostream stream(&buffer);
        rdErrorLog = std::make_shared<boost::logging::rdLogger>(&stream);
        rdWarningLog = std::make_shared<boost::logging::rdLogger>(&stream);
        for (auto *log : {&rdInfoLog, &rdDebugLog, &rdStatusLog, &rdAppLog}) {
            if (*log) (*log)->df_enabled = false;
        }
    });
}

/// Returns and clears this thread's captured log as one line: RDKit's "[hh:mm:ss] "
/// prefixes dropped, lines joined with "; ".
std::string takeLog() {
    std::string joined;
    size_t start = 0;
    while (start < threadLog.size()) {
        size_t end = threadLog.find('\n', start);
        if (end == std::string::npos) end = threadLog.size();
        std::string line = threadLog.substr(start, end - start);
        if (line.size() > 11 && line[0] == '[' && line[9] == ']' && line[10] == ' ') line.erase(0, 11);
        while (!line.empty() && std::isspace((unsigned char)line.back())) line.pop_back();
        if (!line.empty()) {
            if (!joined.empty()) joined += "; ";
            joined += line;
        }
        start = end + 1;
    }
    threadLog.clear();
    return joined;
}

using crdkit::copyString;

std::string escapeXML(const std::string &text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '\'': out += "&apos;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// MARK: - Parsing

/// Parses and sanitizes like Python's `Chem.MolFromSmiles`. Returns null and sets `error`
/// on failure; the empty string is rejected (it would be a molecule with no atoms).
std::unique_ptr<ROMol> parse(const char *smiles, std::string &error) {
    captureRDKitLogs();
    threadLog.clear();
    if (!smiles || !*smiles) {
        error = "empty SMILES";
        return nullptr;
    }
    std::unique_ptr<ROMol> mol;
    try {
        mol.reset(RDKit::SmilesToMol(std::string(smiles)));
    } catch (const RDKit::MolSanitizeException &e) {
        takeLog();
        error = e.what();
        return nullptr;
    } catch (const std::exception &e) {
        takeLog();
        error = e.what();
        return nullptr;
    }
    if (!mol) {
        error = takeLog();
        if (error.empty()) error = "RDKit could not parse the SMILES";
        return nullptr;
    }
    threadLog.clear();
    if (mol->getNumAtoms() == 0) {
        error = "SMILES holds no atoms";
        return nullptr;
    }
    return mol;
}

}  // namespace

namespace crdkit {

std::unique_ptr<ROMol> parseSmiles(const char *smiles, std::string &error) { return parse(smiles, error); }

void clearLog() {
    captureRDKitLogs();  // so a call that does not parse SMILES first still keeps RDKit off stderr
    threadLog.clear();
}

std::string takeLogLine() { return takeLog(); }

char *copyString(const std::string &s) {
    char *out = static_cast<char *>(std::malloc(s.size() + 1));
    if (out) std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

}  // namespace crdkit

namespace {

using crdkit::parseSmiles;

void morganWords(const ROMol &mol, int32_t radius, int32_t bits, uint64_t *words) {
    std::unique_ptr<ExplicitBitVect> fp(
        RDKit::MorganFingerprints::getFingerprintAsBitVect(mol, unsigned(radius), unsigned(bits)));
    std::fill(words, words + (bits + 63) / 64, uint64_t(0));
    std::vector<int> on;
    fp->getOnBits(on);
    for (int bit : on) words[bit / 64] |= uint64_t(1) << (bit % 64);
}

/// Draws bonds `pixels` long (RDKit's fixedBondLength counts pixels per coordinate unit, and the
/// depictor's bonds are BOND_LEN units); 0 or less leaves RDKit's fit to the canvas.
void fixBondLength(RDKit::MolDraw2DSVG &drawer, double pixels) {
    if (pixels > 0) drawer.drawOptions().fixedBondLength = pixels / RDDepict::BOND_LEN;
}

/// Which atoms of `mol` lie in its maximum common substructure with `reference`: RDKit FMCS with
/// ring bonds matching ring bonds only and rings kept whole (a chemist reads a half-matched ring
/// as changed), stopped after `timeoutSeconds` (whole seconds, at least 1) with the best found so
/// far (`completed` false then), and matched back into `mol`.
std::vector<bool> commonAtoms(const ROMol &mol, const ROMol &reference, double timeoutSeconds, bool &completed) {
    RDKit::MCSParameters parameters;
    parameters.Timeout = unsigned(std::max(1.0, std::round(timeoutSeconds)));
    // Atoms as well as bonds: with the bond flags alone a chain carbon matched a ring carbon, and
    // a lone ring atom (a pyridine's attachment carbon against a phenyl's) counted as common.
    parameters.AtomCompareParameters.RingMatchesRingOnly = true;
    parameters.AtomCompareParameters.CompleteRingsOnly = true;
    parameters.BondCompareParameters.RingMatchesRingOnly = true;
    parameters.BondCompareParameters.CompleteRingsOnly = true;
    std::vector<RDKit::ROMOL_SPTR> pair{boost::make_shared<ROMol>(mol), boost::make_shared<ROMol>(reference)};
    const RDKit::MCSResult mcs = RDKit::findMCS(pair, &parameters);
    threadLog.clear();
    completed = mcs.isCompleted();
    std::vector<bool> common(mol.getNumAtoms(), false);
    RDKit::MatchVectType match;
    if (mcs.QueryMol && mcs.NumAtoms > 0 && RDKit::SubstructMatch(mol, *mcs.QueryMol, match)) {
        for (const auto &pairing : match) common[size_t(pairing.second)] = true;
    }
    return common;
}

}  // namespace

// MARK: - C API

extern "C" {

void crd_set_fragment_scores(const uint32_t *ids, const double *scores, size_t count) {
    crdkit::installFragmentScores(ids, scores, count);
}

bool crd_has_fragment_scores(void) { return crdkit::hasFragmentScores(); }

CRDMolecule *crd_molecule_from_smiles(const char *smiles, char **error) {
    std::string reason;
    auto mol = parseSmiles(smiles, reason);
    if (!mol) {
        if (error) *error = copyString(reason);
        return nullptr;
    }
    return new CRDMolecule{std::move(mol)};
}

void crd_molecule_free(CRDMolecule *molecule) { delete molecule; }

char *crd_molecule_canonical_smiles(CRDMolecule *molecule) {
    return copyString(RDKit::MolToSmiles(*molecule->mol));
}

int32_t crd_molecule_heavy_atom_count(const CRDMolecule *molecule) {
    return int32_t(molecule->mol->getNumHeavyAtoms());
}

void crd_molecule_properties(CRDMolecule *molecule, const CRDProperty *properties, int32_t count,
                             double *values) {
    try {
        crdkit::computeProperties(*molecule->mol, properties, count, values);
    } catch (...) {
        std::fill(values, values + count, std::numeric_limits<double>::quiet_NaN());
    }
}

void crd_molecule_qed_descriptors(CRDMolecule *molecule, bool reference, double *values) {
    try {
        crdkit::qedDescriptors(*molecule->mol, reference, values);
    } catch (...) {
        std::fill(values, values + 8, std::numeric_limits<double>::quiet_NaN());
    }
}

void crd_molecule_morgan_bits(const CRDMolecule *molecule, int32_t radius, int32_t bits, uint64_t *words) {
    morganWords(*molecule->mol, radius, bits, words);
}

char *crd_molecule_brics_fragments(const CRDMolecule *molecule) {
    try {
        return copyString(crdkit::bricsFragments(*molecule->mol));
    } catch (...) {
        return nullptr;
    }
}

char *crd_molecule_murcko_scaffold(const CRDMolecule *molecule, int32_t *ring_count) {
    try {
        return copyString(crdkit::murckoScaffold(*molecule->mol, *ring_count));
    } catch (...) {
        return nullptr;
    }
}

char *crd_molecule_svg(const CRDMolecule *molecule, int32_t width, int32_t height, const char *legend,
                       double bond_length) {
    try {
        RDKit::MolDraw2DSVG drawer(width, height);
        fixBondLength(drawer, bond_length);
        drawer.drawMolecule(*molecule->mol, legend ? std::string(legend) : std::string());
        drawer.finishDrawing();
        threadLog.clear();
        return copyString(drawer.getDrawingText());
    } catch (...) {
        return nullptr;
    }
}

double crd_molecule_fitted_bond_length(const CRDMolecule *molecule, int32_t width, int32_t height) {
    try {
        const ROMol &mol = *molecule->mol;
        if (mol.getNumBonds() == 0) return 0;
        // Fitted with every atom and bond highlighted: highlights widen the drawing, so a molecule
        // fits at this length whatever part of it a report highlights.
        std::vector<int> atoms(mol.getNumAtoms()), bonds(mol.getNumBonds());
        std::iota(atoms.begin(), atoms.end(), 0);
        std::iota(bonds.begin(), bonds.end(), 0);
        RDKit::MolDraw2DSVG drawer(width, height);
        drawer.drawMolecule(mol, "", &atoms, &bonds);
        threadLog.clear();
        double total = 0;
        for (const auto bond : mol.bonds()) {
            const auto a = drawer.getDrawCoords(int(bond->getBeginAtomIdx())), b = drawer.getDrawCoords(int(bond->getEndAtomIdx()));
            total += (a - b).length();
        }
        return total / mol.getNumBonds();
    } catch (...) {
        return 0;
    }
}

int32_t crd_molecule_atom_count(const CRDMolecule *molecule) { return int32_t(molecule->mol->getNumAtoms()); }

int32_t crd_molecule_mcs_atoms(const CRDMolecule *molecule, const CRDMolecule *reference, double timeout_seconds,
                               int32_t *atoms, bool *completed) {
    try {
        const auto common = commonAtoms(*molecule->mol, *reference->mol, timeout_seconds, *completed);
        int32_t count = 0;
        for (unsigned i = 0; i < common.size(); ++i) if (common[i]) atoms[count++] = int32_t(i);
        return count;
    } catch (...) {
        return -1;
    }
}

char *crd_grid_svg(const CRDMolecule *const *molecules, const char *const *legends, int32_t count,
                   int32_t columns, int32_t cell_width, int32_t cell_height) {
    try {
        columns = std::max(1, std::min(columns, std::max(count, 1)));
        const int32_t rows = std::max(1, (count + columns - 1) / columns);
        RDKit::ROMol empty;  // stands in for missing molecules: a blank cell with its legend
        std::vector<ROMol *> mols;
        std::vector<std::string> texts;
        for (int32_t i = 0; i < count; ++i) {
            mols.push_back(molecules[i] ? molecules[i]->mol.get() : &empty);
            texts.emplace_back(legends && legends[i] ? legends[i] : "");
        }
        RDKit::MolDraw2DSVG drawer(columns * cell_width, rows * cell_height, cell_width, cell_height);
        drawer.drawMolecules(mols, &texts);
        drawer.finishDrawing();
        threadLog.clear();
        std::string svg = drawer.getDrawingText();
        // RDKit draws nothing, not even the legend, for an empty molecule: write the legends
        // of missing molecules ourselves so a grid of samples still says which cell is which.
        std::string extra;
        for (int32_t i = 0; i < count; ++i) {
            if (molecules[i] || texts[i].empty()) continue;
            const double x = (i % columns + 0.5) * cell_width, y = (i / columns + 0.93) * cell_height;
            extra += "<text x='" + std::to_string(x) + "' y='" + std::to_string(y) +
                     "' text-anchor='middle' font-family='sans-serif' font-size='" +
                     std::to_string(std::max(8.0, 0.08 * cell_height)) + "px' fill='#7F7F7F' class='legend'>" +
                     escapeXML(texts[i]) + "</text>\n";
        }
        size_t end = svg.rfind("</svg>");
        if (end != std::string::npos) svg.insert(end, extra);
        return copyString(svg);
    } catch (...) {
        return nullptr;
    }
}

char *crd_molecule_svg_difference(const CRDMolecule *molecule, const CRDMolecule *reference, int32_t width,
                                  int32_t height, double timeout_seconds, double bond_length) {
    try {
        // Every atom outside the common substructure, and every bond touching one, is what changed.
        bool completed = false;
        const auto common = commonAtoms(*molecule->mol, *reference->mol, timeout_seconds, completed);
        std::vector<int> atoms, bonds;
        for (unsigned i = 0; i < common.size(); ++i) if (!common[i]) atoms.push_back(int(i));
        for (const auto bond : molecule->mol->bonds()) {
            if (!common[bond->getBeginAtomIdx()] || !common[bond->getEndAtomIdx()]) bonds.push_back(int(bond->getIdx()));
        }
        RDKit::MolDraw2DSVG drawer(width, height);
        fixBondLength(drawer, bond_length);
        drawer.drawMolecule(*molecule->mol, "", &atoms, &bonds);
        drawer.finishDrawing();
        threadLog.clear();
        return copyString(drawer.getDrawingText());
    } catch (...) {
        return nullptr;
    }
}

char *crd_molecule_molblock(const CRDMolecule *molecule) {
    try {
        RDKit::RWMol copy(*molecule->mol);
        RDDepict::compute2DCoords(copy);
        std::string block = RDKit::MolToMolBlock(copy);
        threadLog.clear();
        return copyString(block);
    } catch (...) {
        return nullptr;
    }
}

bool crd_analyze(const char *smiles, bool canonicalize, const CRDProperty *properties, int32_t count,
                 double *values, uint64_t *morgan_words, CRDAnalysis *result) {
    *result = CRDAnalysis{nullptr, nullptr, 0};
    std::string reason;
    try {
        auto mol = parseSmiles(smiles, reason);
        if (mol) {
            // Canonical SMILES first: SAS re-assigns stereochemistry on the molecule.
            std::string canonical = canonicalize ? RDKit::MolToSmiles(*mol) : std::string();
            crdkit::computeProperties(*mol, properties, count, values);
            if (morgan_words) morganWords(*mol, 2, 2048, morgan_words);
            if (canonicalize) result->canonical_smiles = copyString(canonical);
            result->heavy_atom_count = int32_t(mol->getNumHeavyAtoms());
            return true;
        }
    } catch (const std::exception &e) {
        reason = std::string("RDKit failed: ") + e.what();
    } catch (...) {
        reason = "RDKit failed";
    }
    std::fill(values, values + count, std::numeric_limits<double>::quiet_NaN());
    result->error = copyString(reason);
    return false;
}

void crd_string_free(char *string) { std::free(string); }

}  // extern "C"
