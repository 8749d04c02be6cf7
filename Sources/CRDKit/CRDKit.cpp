// extern "C" bridge over RDKit: parsing, canonical SMILES, properties, fingerprints, drawing.
//
// Property definitions follow RDKit's Python code exactly (QED: rdkit/Chem/QED.py; SAS:
// Contrib/SA_Score/sascorer.py), computed here with the same RDKit C++ calls the Python
// wrappers make, so one parse serves every property and no Python is needed.
#include "BoostPrelude.h"  // must precede every RDKit/Boost include

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

#include <algorithm>
#include <array>
#include <atomic>
#include <bitset>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <streambuf>
#include <string>
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

char *copyString(const std::string &s) {
    char *out = static_cast<char *>(std::malloc(s.size() + 1));
    if (out) std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

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
std::unique_ptr<ROMol> parseSmiles(const char *smiles, std::string &error) {
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

// MARK: - Shared SMARTS patterns

/// Whether a query tree contains recursive SMARTS, whose state only SubstructMatch prepares.
bool isRecursive(const RDKit::QueryAtom::QUERYATOM_QUERY *query) {
    if (query->getDescription() == "RecursiveStructure") return true;
    for (auto child = query->beginChildren(); child != query->endChildren(); ++child) {
        if (isRecursive(child->get())) return true;
    }
    return false;
}

using ElementSet = std::bitset<128>;

/// The atomic numbers an atom query can match, read from its query tree; every element when
/// the tree does not pin them down (negations, wildcards, anything but element tests).
ElementSet possibleElements(const RDKit::QueryAtom::QUERYATOM_QUERY *query) {
    ElementSet all;
    all.set();
    if (query->getNegation()) return all;
    const std::string &what = query->getDescription();
    if (what == "AtomAtomicNum" || what == "AtomType") {
        const auto *equality = dynamic_cast<const RDKit::ATOM_EQUALS_QUERY *>(query);
        if (!equality || equality->getTol() != 0) return all;
        const int element = what == "AtomType" ? equality->getVal() % 1000 : equality->getVal();  // AtomType: Z + 1000·aromatic
        if (element < 0 || element >= 128) return all;
        ElementSet one;
        one.set(size_t(element));
        return one;
    }
    if (what == "AtomOr" || what == "AtomAnd") {
        ElementSet result;
        if (what == "AtomAnd") result.set();
        for (auto child = query->beginChildren(); child != query->endChildren(); ++child) {
            if (what == "AtomOr") {
                result |= possibleElements(child->get());
            } else {
                result &= possibleElements(child->get());
            }
        }
        return result;
    }
    return all;
}

/// Whether any atom of `query` holds recursive SMARTS. Why it matters: with
/// `recursionPossible` set, every SubstructMatch call walks every query atom's whole query
/// tree looking for recursion (a fifth of all our time); for queries without any the walk
/// finds nothing, so they are matched with it off. Results are the same either way.
bool hasRecursiveAtoms(const ROMol &query) {
    for (const auto *atom : query.atoms()) {
        if (atom->hasQuery() && isRecursive(atom->getQuery())) return true;
    }
    return false;
}

/// The distinct query atoms and bonds (by their SMARTS) of all screened patterns, so that each
/// is tested once per molecule however many patterns share it.
struct ScreenVocabulary {
    std::vector<const RDKit::Atom *> atoms;
    std::vector<ElementSet> elements;  // per atom query: see possibleElements
    std::vector<const RDKit::Bond *> bonds;
    std::map<std::string, int> atomIds, bondIds;

    /// The id of `atom`'s query, or -1 for recursive SMARTS (not screenable).
    int atomId(const RDKit::Atom *atom) {
        if (!atom->hasQuery() || isRecursive(atom->getQuery())) return -1;
        auto [it, added] = atomIds.emplace(RDKit::SmartsWrite::GetAtomSmarts(atom), int(atoms.size()));
        if (added) {
            atoms.push_back(atom);
            elements.push_back(possibleElements(atom->getQuery()));
        }
        return it->second;
    }
    int bondId(const RDKit::Bond *bond) {
        auto [it, added] = bondIds.emplace(RDKit::SmartsWrite::GetBondSmarts(bond), int(bonds.size()));
        if (added) bonds.push_back(bond);
        return it->second;
    }
};

/// The parts of a pattern that can be tested alone: its non-recursive query atoms, and its
/// bonds with their ends (-1: an end that matches anything for screening purposes).
struct Screen {
    std::vector<int> atoms;
    struct Edge {
        int bond, begin, end;
    };
    std::vector<Edge> bonds;

    Screen(const ROMol &query, ScreenVocabulary &vocabulary) {
        for (const auto *atom : query.atoms()) {
            int id = vocabulary.atomId(atom);
            if (id >= 0) atoms.push_back(id);
        }
        for (const auto *bond : query.bonds()) {
            if (bond->hasQuery()) {
                bonds.push_back({vocabulary.bondId(bond), vocabulary.atomId(bond->getBeginAtom()),
                                 vocabulary.atomId(bond->getEndAtom())});
            }
        }
    }
};

/// QED's query molecules, built once per thread. Why not one shared set: RDKit records
/// recursive-SMARTS results inside the query and holds a per-query mutex for the whole match
/// (RDK_BUILD_THREADSAFE_SSS), so threads sharing these would queue for each other.
struct Patterns {
    std::unique_ptr<ROMol> aliphaticRings;
    std::vector<std::unique_ptr<ROMol>> acceptors;
    std::vector<std::unique_ptr<ROMol>> alerts;
    /// Per alert and acceptor, the parts of its query that can be tested alone; see `ScreenCache`.
    ScreenVocabulary vocabulary;
    std::vector<Screen> screens, acceptorScreens;
    /// Per alert and acceptor, whether it holds recursive SMARTS; see `hasRecursiveAtoms`.
    std::vector<bool> alertRecursive, acceptorRecursive;
};

std::unique_ptr<ROMol> smarts(const std::string &text) {
    std::unique_ptr<ROMol> query(RDKit::SmartsToMol(text));
    if (!query) throw std::runtime_error("bad built-in SMARTS: " + text);
    return query;
}

const Patterns &patterns() {
    // From rdkit/Chem/QED.py (RDKit 2022.09), verbatim.
    thread_local const Patterns local = [] {
        Patterns p;
        p.aliphaticRings = smarts("[$([A;R][!a])]");
        for (const char *s :
             {"[oH0;X2]", "[OH1;X2;v2]", "[OH0;X2;v2]", "[OH0;X1;v2]", "[O-;X1]", "[SH0;X2;v2]",
              "[SH0;X1;v2]", "[S-;X1]", "[nH0;X2]", "[NH0;X1;v3]", "[$([N;+0;X3;v3]);!$(N[C,S]=O)]"}) {
            p.acceptors.push_back(smarts(s));
            p.acceptorScreens.emplace_back(*p.acceptors.back(), p.vocabulary);
            p.acceptorRecursive.push_back(hasRecursiveAtoms(*p.acceptors.back()));
        }
        for (const char *s : {
                 "*1[O,S,N]*1", "[S,C](=[O,S])[F,Br,Cl,I]", "[CX4][Cl,Br,I]", "[#6]S(=O)(=O)O[#6]",
                 "[$([CH]),$(CC)]#CC(=O)[#6]", "[$([CH]),$(CC)]#CC(=O)O[#6]", "n[OH]",
                 "[$([CH]),$(CC)]#CS(=O)(=O)[#6]", "C=C(C=O)C=O", "n1c([F,Cl,Br,I])cccc1", "[CH1](=O)",
                 "[#8][#8]", "[C;!R]=[N;!R]", "[N!R]=[N!R]", "[#6](=O)[#6](=O)", "[#16][#16]",
                 "[#7][NH2]", "C(=O)N[NH2]", "[#6]=S",
                 "[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]=[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]",
                 "C1(=[O,N])C=CC(=[O,N])C=C1", "C1(=[O,N])C(=[O,N])C=CC=C1", "a21aa3a(aa1aaaa2)aaaa3",
                 "a31a(a2a(aa1)aaaa2)aaaa3", "a1aa2a3a(a1)A=AA=A3=AA=A2", "c1cc([NH2])ccc1",
                 "[Hg,Fe,As,Sb,Zn,Se,se,Te,B,Si,Na,Ca,Ge,Ag,Mg,K,Ba,Sr,Be,Ti,Mo,Mn,Ru,Pd,Ni,Cu,Au,Cd,"
                 "Al,Ga,Sn,Rh,Tl,Bi,Nb,Li,Pb,Hf,Ho]",
                 "I", "OS(=O)(=O)[O-]", "[N+](=O)[O-]", "C(=O)N[OH]", "C1NC(=O)NC(=O)1", "[SH]", "[S-]",
                 "c1ccc([Cl,Br,I,F])c([Cl,Br,I,F])c1[Cl,Br,I,F]",
                 "c1cc([Cl,Br,I,F])cc([Cl,Br,I,F])c1[Cl,Br,I,F]", "[CR1]1[CR1][CR1][CR1][CR1][CR1][CR1]1",
                 "[CR1]1[CR1][CR1]cc[CR1][CR1]1", "[CR2]1[CR2][CR2][CR2][CR2][CR2][CR2][CR2]1",
                 "[CR2]1[CR2][CR2]cc[CR2][CR2][CR2]1", "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
                 "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1", "C#C",
                 "[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]",
                 "[$([N+R]),$([n+R]),$([N+]=C)][O-]", "[#6]=N[OH]", "[#6]=NOC=O",
                 "[#6](=O)[CX4,CR0X3,O][#6](=O)", "c1ccc2c(c1)ccc(=O)o2", "[O+,o+,S+,s+]", "N=C=O",
                 "[NX3,NX4][F,Cl,Br,I]", "c1ccccc1OC(=O)[#6]", "[CR0]=[CR0][CR0]=[CR0]", "[C+,c+,C-,c-]",
                 "N=[N+]=[N-]", "C12C(NC(N1)=O)CSC2", "c1c([OH])c([OH,NH2,NH])ccc1", "P", "[N,O,S]C#N",
                 "C=C=O", "[Si][F,Cl,Br,I]", "[SX2]O", "[SiR0,CR0](c1ccccc1)(c2ccccc2)(c3ccccc3)",
                 "O1CCCCC1OC2CCC3CCCCC3C2", "N=[CR0][N,n,O,S]",
                 "[cR2]1[cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2][cR2]1[cR2]2[cR2][cR2][cR2]([Nv3X3,Nv4X4])"
                 "[cR2][cR2]2",
                 "C=[C!r]C#N", "[cR2]1[cR2]c([N+0X3R0,nX3R0])c([N+0X3R0,nX3R0])[cR2][cR2]1",
                 "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2]c([N+0X3R0,nX3R0])[cR2]1",
                 "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2][cR2]c1([N+0X3R0,nX3R0])",
                 "[OH]c1ccc([OH,NH2,NH])cc1", "c1ccccc1OC(=O)O", "[SX2H0][N]", "c12ccccc1(SC(S)=N2)",
                 "c12ccccc1(SC(=S)N2)", "c1nnnn1C=O", "s1c(S)nnc1NC=O", "S1C=CSC1=S", "C(=O)Onnn",
                 "OS(=O)(=O)C(F)(F)F", "N#CC[OH]", "N#CC(=O)", "S(=O)(=O)C#N", "N[CH2]C#N", "C1(=O)NCC1",
                 "S(=O)(=O)[O-,OH]", "NC[F,Cl,Br,I]", "C=[C!r]O", "[NX2+0]=[O+0]", "[OR0,NR0][OR0,NR0]",
                 "C(=O)O[C,H1].C(=O)O[C,H1].C(=O)O[C,H1]", "[CX2R0][NX3R0]",
                 "c1ccccc1[C;!R]=[C;!R]c2ccccc2", "[NX3R0,NX4R0,OR0,SX2R0][CX4][NX3R0,NX4R0,OR0,SX2R0]",
                 "[s,S,c,C,n,N,o,O]~[n+,N+](~[s,S,c,C,n,N,o,O])(~[s,S,c,C,n,N,o,O])~[s,S,c,C,n,N,o,O]",
                 "[s,S,c,C,n,N,o,O]~[nX3+,NX3+](~[s,S,c,C,n,N])~[s,S,c,C,n,N]", "[*]=[N+]=[*]",
                 "[SX3](=O)[O-,OH]", "N#N", "F.F.F.F", "[R0;D2][R0;D2][R0;D2][R0;D2]",
                 "[cR,CR]~C(=O)NC(=O)~[cR,CR]", "C=!@CC=[O,S]", "[#6,#8,#16][#6](=O)O[#6]",
                 "c[C;R0](=[O,S])[#6]", "c[SX2][C;!R]", "C=C=C", "c1nc([F,Cl,Br,I,S])ncc1",
                 "c1ncnc([F,Cl,Br,I,S])c1", "c1nc(c2c(n1)nc(n2)[F,Cl,Br,I])", "[#6]S(=O)(=O)c1ccc(cc1)F",
                 "[15N]", "[13C]", "[18O]", "[34S]"}) {
            p.alerts.push_back(smarts(s));
            p.screens.emplace_back(*p.alerts.back(), p.vocabulary);
            p.alertRecursive.push_back(hasRecursiveAtoms(*p.alerts.back()));
        }
        return p;
    }();
    return local;
}

/// A necessary condition for a substructure match, checked with the same atom and bond
/// tests SubstructMatch uses: every screenable query atom matches some atom of the molecule,
/// and every query bond some bond whose ends match too. Why: most of QED's 116 alerts need an
/// element, charge or bond the molecule lacks, and this rejects them without a VF2 search.
/// It never changes an answer. Which molecule atoms and bonds each distinct query matches is
/// worked out on first use and remembered for the molecule.
class ScreenCache {
  public:
    ScreenCache(const ROMol &mol, const ScreenVocabulary &vocabulary)
        : mol_(mol), vocabulary_(vocabulary), atomWords_((mol.getNumAtoms() + 63) / 64),
          bondWords_((mol.getNumBonds() + 63) / 64), atomBits_(vocabulary.atoms.size() * atomWords_),
          bondBits_(vocabulary.bonds.size() * bondWords_), atomDone_(vocabulary.atoms.size()),
          bondDone_(vocabulary.bonds.size()) {
        for (const auto *atom : mol.atoms()) present_.set(std::min<size_t>(127, atom->getAtomicNum()));
        for (const auto *bond : mol.bonds()) ends_.emplace_back(bond->getBeginAtomIdx(), bond->getEndAtomIdx());
    }

    bool mayMatch(const Screen &screen) {
        for (int id : screen.atoms) {
            const uint64_t *bits = atoms(id);
            if (std::none_of(bits, bits + atomWords_, [](uint64_t w) { return w != 0; })) return false;
        }
        for (const auto &edge : screen.bonds) {
            if (!edgePresent(edge)) return false;
        }
        return true;
    }

  private:
    static bool test(const uint64_t *bits, unsigned i) { return bits[i / 64] >> (i % 64) & 1; }

    const uint64_t *atoms(int id) {
        uint64_t *bits = &atomBits_[size_t(id) * atomWords_];
        if (!atomDone_[id]) {
            atomDone_[id] = 1;
            // A query for elements the molecule lacks matches nothing: skip the atom scan.
            if ((vocabulary_.elements[id] & present_).none()) return bits;
            for (const auto *atom : mol_.atoms()) {
                if (vocabulary_.atoms[id]->Match(atom)) bits[atom->getIdx() / 64] |= uint64_t(1) << (atom->getIdx() % 64);
            }
        }
        return bits;
    }

    const uint64_t *bonds(int id) {
        uint64_t *bits = &bondBits_[size_t(id) * bondWords_];
        if (!bondDone_[id]) {
            bondDone_[id] = 1;
            for (const auto *bond : mol_.bonds()) {
                if (vocabulary_.bonds[id]->Match(bond)) bits[bond->getIdx() / 64] |= uint64_t(1) << (bond->getIdx() % 64);
            }
        }
        return bits;
    }

    bool edgePresent(const Screen::Edge &edge) {
        const uint64_t *bondBits = bonds(edge.bond);
        const uint64_t *begin = edge.begin >= 0 ? atoms(edge.begin) : nullptr;
        const uint64_t *end = edge.end >= 0 ? atoms(edge.end) : nullptr;
        auto ok = [](const uint64_t *bits, unsigned atom) { return !bits || test(bits, atom); };
        for (size_t w = 0; w < bondWords_; ++w) {
            for (uint64_t rest = bondBits[w]; rest; rest &= rest - 1) {
                const auto [a, b] = ends_[w * 64 + __builtin_ctzll(rest)];
                if ((ok(begin, a) && ok(end, b)) || (ok(begin, b) && ok(end, a))) return true;
            }
        }
        return false;
    }

    const ROMol &mol_;
    const ScreenVocabulary &vocabulary_;
    size_t atomWords_, bondWords_;
    std::vector<uint64_t> atomBits_, bondBits_;
    std::vector<char> atomDone_, bondDone_;
    ElementSet present_;
    std::vector<std::pair<unsigned, unsigned>> ends_;  // per bond: begin and end atom
};

/// `mol.HasSubstructMatch(query)` with Python's defaults.
bool hasMatch(const ROMol &mol, const ROMol &query, bool recursive) {
    RDKit::MatchVectType match;
    return RDKit::SubstructMatch(mol, query, match, recursive);
}

/// `len(mol.GetSubstructMatches(query))` with Python's defaults (uniquified, at most 1000).
unsigned matchCount(const ROMol &mol, const ROMol &query, bool recursive) {
    std::vector<RDKit::MatchVectType> matches;
    return RDKit::SubstructMatch(mol, query, matches, /*uniquify=*/true, recursive);
}

// MARK: - QED (rdkit.Chem.QED, version 1.1.0)

/// Parameters of one asymmetric double sigmoid (ADS) desirability function.
struct ADS {
    double a, b, c, d, e, f, dmax;
};

/// The published parameters, in QED.py's property order:
/// MW, ALOGP, HBA, HBD, PSA, ROTB, AROM, ALERTS.
constexpr ADS adsParameters[8] = {
    {2.817065973, 392.5754953, 290.7489764, 2.419764353, 49.22325677, 65.37051707, 104.9805561},
    {3.172690585, 137.8624751, 2.534937431, 4.581497897, 0.822739154, 0.576295591, 131.3186604},
    {2.948620388, 160.4605972, 3.615294657, 4.435986202, 0.290141953, 1.300669958, 148.7763046},
    {1.618662227, 1010.051101, 0.985094388, 0.000000001, 0.713820843, 0.920922555, 258.1632616},
    {1.876861559, 125.2232657, 62.90773554, 87.83366614, 12.01999824, 28.51324732, 104.5686167},
    {0.010000000, 272.4121427, 2.558379970, 1.565547684, 1.271567166, 2.758063707, 105.4420403},
    {3.217788970, 957.7374108, 2.274627939, 0.000000001, 1.317690384, 0.375760881, 312.3372610},
    {0.010000000, 1199.094025, -0.09002883, 0.000000001, 0.185904477, 0.875193782, 417.7253140},
};

/// `QED.WEIGHT_MEAN`, the weights `QED.qed` uses by default.
constexpr double qedMeanWeights[8] = {0.66, 0.46, 0.05, 0.61, 0.06, 0.65, 0.48, 0.95};

double ads(double x, const ADS &p) {
    double exp1 = 1 + std::exp(-1 * (x - p.c + p.d / 2) / p.e);
    double exp2 = 1 + std::exp(-1 * (x - p.c - p.d / 2) / p.f);
    double dx = p.a + p.b / exp1 * (1 - 1 / exp2);
    return dx / p.dmax;
}

bool hasHydrogenAtoms(const ROMol &mol) {
    for (const auto *atom : mol.atoms()) {
        if (atom->getAtomicNum() == 1) return true;
    }
    return false;
}

// MARK: - Crippen logP and rotatable bonds

/// RDKit's Wildman–Crippen atom types, with the first atom of each pattern and its query
/// neighbours kept for screening.
struct CrippenType {
    const ROMol *pattern;
    const RDKit::Atom *root;  // null when it holds recursive SMARTS (never screened)
    std::vector<std::pair<const RDKit::Bond *, const RDKit::Atom *>> neighbors;  // atom null: unscreened
    double logP;
    bool recursive;           // see hasRecursiveAtoms
    ElementSet rootElements;  // the elements `root` can match (all when it is null)

    /// Whether a match of the pattern could start on `atom`: the root matches it and each query
    /// neighbour matches some neighbour of it over a matching bond (a necessary condition).
    bool mayStartAt(const ROMol &mol, const RDKit::Atom *atom) const {
        if (!root->Match(atom)) return false;
        for (const auto &[queryBond, queryAtom] : neighbors) {
            bool found = false;
            for (const auto *bond : mol.atomBonds(atom)) {
                if (queryBond->Match(bond) && (!queryAtom || queryAtom->Match(bond->getOtherAtom(atom)))) {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }
};

const std::vector<CrippenType> &crippenTypes() {
    static const std::vector<CrippenType> types = [] {
        std::vector<CrippenType> t;
        for (const auto &param : *RDKit::Descriptors::CrippenParamCollection::getParams()) {
            CrippenType type{param.dp_pattern.get(), nullptr, {}, param.logp, hasRecursiveAtoms(*param.dp_pattern), {}};
            type.rootElements.set();
            const RDKit::Atom *root = type.pattern->getAtomWithIdx(0);
            if (root->hasQuery() && !isRecursive(root->getQuery())) {
                type.root = root;
                type.rootElements = possibleElements(root->getQuery());
                for (const auto *bond : type.pattern->atomBonds(root)) {
                    const RDKit::Atom *other = bond->getOtherAtom(root);
                    bool screenable = bond->hasQuery() && other->hasQuery() && !isRecursive(other->getQuery());
                    if (bond->hasQuery()) type.neighbors.emplace_back(bond, screenable ? other : nullptr);
                }
            }
            t.push_back(std::move(type));
        }
        return t;
    }();
    return types;
}

/// Wildman–Crippen logP exactly as `Crippen.MolLogP` / `calcCrippenDescriptors(includeHs=true)`
/// computes it: RDKit's own parameter table and matcher, patterns tried in table order, the
/// first pattern whose match starts on an atom types it, contributions summed in atom order.
/// Why not call calcCrippenDescriptors: it runs all ~100 pattern searches over the H-added
/// molecule (a third of all our time); here a pattern is searched only when a match could
/// start on an atom that is still untyped, since otherwise it cannot change anything.
double crippenLogP(const ROMol &mol) {
    std::unique_ptr<ROMol> withHs(RDKit::MolOps::addHs(mol, false, false));
    const unsigned count = withHs->getNumAtoms();
    std::vector<double> contributions(count, 0.0);
    std::vector<char> untyped(count, 1);
    unsigned remaining = count;

    // Atoms sorted by element (a counting sort), so a type's screen visits only atoms of the
    // elements its first atom can be.
    std::vector<const RDKit::Atom *> atoms(withHs->atoms().begin(), withHs->atoms().end());
    std::array<unsigned, 129> first{};
    for (const auto *atom : atoms) ++first[std::min<unsigned>(127, atom->getAtomicNum()) + 1];
    for (size_t z = 1; z < first.size(); ++z) first[z] += first[z - 1];
    std::vector<const RDKit::Atom *> byElement(count);
    {
        auto next = first;
        for (const auto *atom : atoms) byElement[next[std::min<unsigned>(127, atom->getAtomicNum())]++] = atom;
    }
    auto mayStartSomewhere = [&](const CrippenType &type) {
        for (size_t z = 0; z < 128; ++z) {
            if (!type.rootElements[z]) continue;
            for (unsigned k = first[z]; k < first[z + 1]; ++k) {
                const RDKit::Atom *atom = byElement[k];
                if (untyped[atom->getIdx()] && type.mayStartAt(*withHs, atom)) return true;
            }
        }
        return false;
    };

    for (const auto &type : crippenTypes()) {
        if (type.root && !mayStartSomewhere(type)) continue;
        std::vector<RDKit::MatchVectType> matches;
        RDKit::SubstructMatch(*withHs, *type.pattern, matches, /*uniquify=*/false, type.recursive);
        for (const auto &match : matches) {
            const int atom = match[0].second;
            if (untyped[atom]) {
                untyped[atom] = 0;
                contributions[atom] = type.logP;
                --remaining;
            }
        }
        if (remaining == 0) break;
    }
    double logP = 0.0;
    for (double c : contributions) logP += c;
    return logP;
}

/// `CalcNumRotatableBonds(mol, Strict)`: unique matches of RDKit 2022.09's strict pattern
/// (copied from librdkit's Lipinski.cpp). Why not call it: each call copies its pattern
/// molecule, recursive queries and all, which cost more than the search.
unsigned strictRotatableBonds(const ROMol &mol) {
    thread_local const std::unique_ptr<ROMol> pattern = smarts(  // per thread: see Patterns
        "[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])&!$([CD3](=[N,O,S])-!@["
        "#7,O,S!D1])&!$([#7,O,S!D1]-!@[CD3]=[N,O,S])&!$([CD3](=[N+])-!@[#7!D1])&!$([#7!D1]-!@[CD3]=[N+])]-,:;!@[!$(*"
        "#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])]");
    return matchCount(mol, *pattern, /*recursive=*/true);
}

/// `QED.qed(mol)`; `inputLogP` is the Crippen logP of `input`, reused when RemoveHs has
/// nothing to remove.
double qed(const ROMol &input, double inputLogP) {
    // QED.properties starts with Chem.RemoveHs; skip the copy when there is nothing to remove.
    std::unique_ptr<ROMol> stripped;
    if (hasHydrogenAtoms(input)) stripped.reset(RDKit::MolOps::removeHs(input));
    const ROMol &mol = stripped ? *stripped : input;
    const Patterns &p = patterns();

    ScreenCache screen(mol, p.vocabulary);
    double hba = 0;
    for (size_t i = 0; i < p.acceptors.size(); ++i) {
        if (screen.mayMatch(p.acceptorScreens[i])) hba += matchCount(mol, *p.acceptors[i], p.acceptorRecursive[i]);
    }
    // AROM: SSSR ring count after deleting aliphatic ring atoms bonded to non-aromatic atoms.
    std::unique_ptr<ROMol> aromaticPart(RDKit::deleteSubstructs(mol, *p.aliphaticRings));
    std::vector<std::vector<int>> rings;
    RDKit::MolOps::findSSSR(*aromaticPart, rings);
    const double aromaticRings = double(rings.size());
    double alerts = 0;
    for (size_t i = 0; i < p.alerts.size(); ++i) {
        if (screen.mayMatch(p.screens[i]) && hasMatch(mol, *p.alerts[i], p.alertRecursive[i])) alerts += 1;
    }

    const double x[8] = {
        RDKit::Descriptors::calcAMW(mol),
        stripped ? crippenLogP(mol) : inputLogP,
        hba,
        double(RDKit::Descriptors::calcNumHBD(mol)),
        RDKit::Descriptors::calcTPSA(mol),
        double(strictRotatableBonds(mol)),
        aromaticRings,
        alerts,
    };
    double t = 0, weightSum = 0;
    for (int i = 0; i < 8; ++i) {
        t += qedMeanWeights[i] * std::log(ads(x[i], adsParameters[i]));
        weightSum += qedMeanWeights[i];
    }
    return std::exp(t / weightSum);
}

// MARK: - SAS (Contrib/SA_Score/sascorer.py)

/// Fragment ids sorted ascending with their scores: 700k entries, searched ~40 times per
/// molecule. Half the memory of a hash map and fast enough.
struct FragmentTable {
    std::vector<std::uint32_t> ids;
    std::vector<double> scores;

    /// `_fscores.get(id, -4)`.
    double score(std::uint32_t id) const {
        auto found = std::lower_bound(ids.begin(), ids.end(), id);
        return found != ids.end() && *found == id ? scores[size_t(found - ids.begin())] : -4.0;
    }
};
std::atomic<const FragmentTable *> fragmentTable{nullptr};

/// Stereocentres as `len(Chem.FindMolChiralCenters(m, includeUnassigned=True))` counts them
/// (legacy implementation): assigned CIP codes plus possible-but-unassigned centres.
unsigned chiralCenterCount(ROMol &mol) {
    RDKit::MolOps::assignStereochemistry(mol, /*cleanIt=*/false, /*force=*/true,
                                         /*flagPossibleStereoCenters=*/true);
    unsigned count = 0;
    for (const auto *atom : mol.atoms()) {
        if (atom->hasProp(RDKit::common_properties::_CIPCode) ||
            atom->hasProp(RDKit::common_properties::_ChiralityPossible)) {
            ++count;
        }
    }
    return count;
}

double syntheticAccessibility(ROMol &mol) {
    const FragmentTable *table = fragmentTable.load(std::memory_order_acquire);
    if (!table) return std::numeric_limits<double>::quiet_NaN();

    // Fragment score: mean contribution of the unhashed radius-2 Morgan environments.
    std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(
        RDKit::MorganFingerprints::getFingerprint(mol, 2));
    const auto &elements = fp->getNonzeroElements();
    double score1 = 0;
    int fragments = 0;
    for (const auto &[id, count] : elements) {
        fragments += count;
        score1 += table->score(id) * count;
    }
    score1 /= fragments;

    // Complexity penalties.
    const double atoms = mol.getNumAtoms();
    const unsigned chiralCenters = chiralCenterCount(mol);
    const unsigned bridgeheads = RDKit::Descriptors::calcNumBridgeheadAtoms(mol);
    const unsigned spiro = RDKit::Descriptors::calcNumSpiroAtoms(mol);
    unsigned macrocycles = 0;
    for (const auto &ring : mol.getRingInfo()->atomRings()) {
        if (ring.size() > 8) ++macrocycles;
    }
    const double sizePenalty = std::pow(atoms, 1.005) - atoms;
    const double stereoPenalty = std::log10(chiralCenters + 1.0);
    const double spiroPenalty = std::log10(spiro + 1.0);
    const double bridgePenalty = std::log10(bridgeheads + 1.0);
    const double macrocyclePenalty = macrocycles > 0 ? std::log10(2.0) : 0.0;
    const double score2 = 0. - sizePenalty - stereoPenalty - spiroPenalty - bridgePenalty - macrocyclePenalty;

    // Symmetric molecules set few distinct bits: make them easier.
    double score3 = 0;
    const double bits = double(elements.size());
    if (atoms > bits) score3 = std::log(atoms / bits) * .5;

    // Map the raw score onto 1 (easy) .. 10 (hard), smoothing the hard end.
    double sascore = score1 + score2 + score3;
    const double low = -4.0, high = 2.5;
    sascore = 11. - (sascore - low + 1) / (high - low) * 9.;
    if (sascore > 8.) sascore = 8. + std::log(sascore + 1. - 9.);
    if (sascore > 10.) {
        sascore = 10.0;
    } else if (sascore < 1.) {
        sascore = 1.0;
    }
    return sascore;
}

/// max(0, largest SSSR ring size − 6): the "cycle score" of penalized logP.
double largeRingPenalty(const ROMol &mol) {
    size_t largest = 0;
    for (const auto &ring : mol.getRingInfo()->atomRings()) largest = std::max(largest, ring.size());
    return largest > 6 ? double(largest - 6) : 0.0;
}

void computeProperties(ROMol &mol, const CRDProperty *properties, int32_t count, double *values) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double logP = nan, sas = nan;  // shared by logP, SAS and penalized logP
    auto needLogP = [&] { return std::isnan(logP) ? (logP = crippenLogP(mol)) : logP; };
    auto needSAS = [&] { return std::isnan(sas) ? (sas = syntheticAccessibility(mol)) : sas; };
    for (int32_t i = 0; i < count; ++i) {
        switch (properties[i]) {
        case CRDPropertyLogP: values[i] = needLogP(); break;
        case CRDPropertyQED: values[i] = qed(mol, needLogP()); break;
        case CRDPropertySAS: values[i] = needSAS(); break;
        case CRDPropertyMolecularWeight: values[i] = RDKit::Descriptors::calcAMW(mol); break;
        case CRDPropertyPenalizedLogP: values[i] = needLogP() - needSAS() - largeRingPenalty(mol); break;
        default: values[i] = nan;
        }
    }
}

void morganWords(const ROMol &mol, int32_t radius, int32_t bits, uint64_t *words) {
    std::unique_ptr<ExplicitBitVect> fp(
        RDKit::MorganFingerprints::getFingerprintAsBitVect(mol, unsigned(radius), unsigned(bits)));
    std::fill(words, words + (bits + 63) / 64, uint64_t(0));
    std::vector<int> on;
    fp->getOnBits(on);
    for (int bit : on) words[bit / 64] |= uint64_t(1) << (bit % 64);
}

}  // namespace

// MARK: - C API

extern "C" {

void crd_set_fragment_scores(const uint32_t *ids, const double *scores, size_t count) {
    static std::once_flag once;
    std::call_once(once, [&] {
        // Sort by id; for a repeated id the later entry wins, as when Python fills its dict.
        std::vector<size_t> order(count);
        for (size_t i = 0; i < count; ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
        auto *table = new FragmentTable();  // lives for the process
        for (size_t k = 0; k < count; ++k) {
            size_t i = order[k];
            if (!table->ids.empty() && table->ids.back() == ids[i]) {
                table->scores.back() = scores[i];
            } else {
                table->ids.push_back(ids[i]);
                table->scores.push_back(scores[i]);
            }
        }
        fragmentTable.store(table, std::memory_order_release);
    });
}

bool crd_has_fragment_scores(void) { return fragmentTable.load(std::memory_order_acquire) != nullptr; }

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
        computeProperties(*molecule->mol, properties, count, values);
    } catch (...) {
        std::fill(values, values + count, std::numeric_limits<double>::quiet_NaN());
    }
}

void crd_molecule_morgan_bits(const CRDMolecule *molecule, int32_t radius, int32_t bits, uint64_t *words) {
    morganWords(*molecule->mol, radius, bits, words);
}

char *crd_molecule_svg(const CRDMolecule *molecule, int32_t width, int32_t height, const char *legend) {
    try {
        RDKit::MolDraw2DSVG drawer(width, height);
        drawer.drawMolecule(*molecule->mol, legend ? std::string(legend) : std::string());
        drawer.finishDrawing();
        threadLog.clear();
        return copyString(drawer.getDrawingText());
    } catch (...) {
        return nullptr;
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

bool crd_analyze(const char *smiles, bool canonicalize, const CRDProperty *properties, int32_t count,
                 double *values, uint64_t *morgan_words, CRDAnalysis *result) {
    *result = CRDAnalysis{nullptr, nullptr, 0};
    std::string reason;
    try {
        auto mol = parseSmiles(smiles, reason);
        if (mol) {
            // Canonical SMILES first: SAS re-assigns stereochemistry on the molecule.
            std::string canonical = canonicalize ? RDKit::MolToSmiles(*mol) : std::string();
            computeProperties(*mol, properties, count, values);
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
