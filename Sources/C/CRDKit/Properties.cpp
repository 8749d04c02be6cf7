// Molecular properties exactly as RDKit's Python computes them, from one parsed molecule.
//
// QED ports rdkit/Chem/QED.py (Python-only in RDKit 2022.09) and SAS ports Contrib
// SA_Score/sascorer.py, each onto the RDKit C++ calls the Python makes. Where RDKit's own
// C++ entry point is slow for a reason unrelated to chemistry (per-call pattern copies,
// searches that cannot change the answer), the same RDKit patterns and matcher are called
// directly instead; each such place says so and was checked bit-identical on 50k molecules.
#include "Internal.h"
#include "AtomQueries.h"
#include "Embedding.h"
#include "SubstructureScreen.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace crdkit {
namespace {

/// A built-in SMARTS pattern compiled by RDKit.
std::unique_ptr<ROMol> smarts(const std::string &text) {
    std::unique_ptr<ROMol> query(RDKit::SmartsToMol(text));
    if (!query) throw std::runtime_error("bad built-in SMARTS: " + text);
    return query;
}

// MARK: - QED patterns

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

/// A pattern as `hasEmbedding` searches it over a `ScreenCache`. Without recursive SMARTS: by
/// the cache's remembered atom and bond tests (vocabulary ids of its query atoms and bonds, by
/// index). With them: by RDKit's own `Atom::Match` and `Bond::Match` once the cache has filled
/// the recursive match sets (`ScreenCache::prepare`); SubstructMatch when it cannot.
struct Search {
    const ROMol *query;
    bool recursive;
    QueryPlan plan;
    std::vector<int> atomIds, bondIds;  // without recursion
    RecursionPlan recursion;            // with it
    std::vector<unsigned> atoms;        // by index: their queries in the vocabulary's program
    std::vector<const RDKit::Bond *> bonds;

    Search(const ROMol &pattern, ScreenVocabulary &vocabulary)
        : query(&pattern), recursive(hasRecursiveAtoms(pattern)), plan(pattern, /*allowRecursion=*/true),
          recursion(pattern, vocabulary.program) {
        for (const auto *atom : pattern.atoms()) atoms.push_back(vocabulary.program.add(atom));
        for (const auto *bond : pattern.bonds()) bonds.push_back(bond);
        if (!plan.usable || recursive) return;
        for (const auto *atom : pattern.atoms()) atomIds.push_back(vocabulary.atomId(atom));
        for (const auto *bond : pattern.bonds()) bondIds.push_back(vocabulary.bondId(bond));
        if (std::any_of(atomIds.begin(), atomIds.end(), [](int id) { return id < 0; })) plan.usable = false;
    }

    /// `mol.HasSubstructMatch(pattern)`; `screen` describes `mol`.
    bool found(const ROMol &mol, ScreenCache &screen) const {
        if (plan.usable && !recursive) {
            return hasEmbedding(
                plan, screen.graph(), [&](unsigned q, unsigned atom) { return screen.atomMatches(atomIds[q], atom); },
                [&](unsigned q, unsigned bond) { return screen.bondMatches(bondIds[q], bond); });
        }
        if (plan.usable && screen.prepare(recursion)) {
            const auto &molBonds = screen.bondList();
            return hasEmbedding(
                plan, screen.graph(), [&](unsigned q, unsigned atom) { return screen.atomMatchesQuery(atoms[q], atom); },
                [&](unsigned q, unsigned bond) { return bonds[q]->Match(molBonds[bond]); });
        }
        return hasMatch(mol, *query, recursive);
    }

    /// `len(mol.GetSubstructMatches(pattern))`; `screen` describes `mol`.
    unsigned count(const ROMol &mol, ScreenCache &screen) const {
        // One atom: the unique matches are the matching atoms (at most 1,000, as RDKit).
        if (plan.usable && plan.steps.size() == 1) {
            if (!recursive) return std::min(screen.atomMatchCount(atomIds[0]), 1000u);
            if (screen.prepare(recursion)) {
                unsigned n = 0;
                for (unsigned atom = 0; atom < screen.atomList().size(); ++atom) n += screen.atomMatchesQuery(atoms[0], atom) ? 1 : 0;
                return std::min(n, 1000u);
            }
        }
        return matchCount(mol, *query, recursive);
    }
};

/// QED's query molecules, built once per thread. Why not one shared set: RDKit records
/// recursive-SMARTS results inside the query and holds a per-query mutex for the whole match
/// (RDK_BUILD_THREADSAFE_SSS), so threads sharing these would queue for each other.
struct Patterns {
    std::unique_ptr<ROMol> aliphaticRings;
    std::unique_ptr<Search> aliphaticRingSearch;
    std::vector<std::unique_ptr<ROMol>> acceptors;
    std::vector<std::unique_ptr<ROMol>> alerts;
    /// Per alert and acceptor, the parts of its query that can be tested alone; see `ScreenCache`.
    ScreenVocabulary vocabulary;
    std::vector<Screen> screens, acceptorScreens;
    /// Per alert and acceptor, how `hasEmbedding` searches it (when its plan is usable).
    std::vector<Search> alertSearches, acceptorSearches;
    /// RDKit 2022.09's strict rotatable-bond pattern (copied from librdkit's Lipinski.cpp), its
    /// recursive SMARTS, and its two atoms' queries in the vocabulary's program.
    std::unique_ptr<ROMol> rotatable;
    std::unique_ptr<RecursionPlan> rotatableRecursion;
    unsigned rotatableAtoms[2] = {0, 0};
};

const Patterns &patterns() {
    // From rdkit/Chem/QED.py (RDKit 2022.09), verbatim.
    thread_local const Patterns local = [] {
        Patterns p;
        p.aliphaticRings = smarts("[$([A;R][!a])]");
        p.aliphaticRingSearch = std::make_unique<Search>(*p.aliphaticRings, p.vocabulary);
        for (const char *s :
             {"[oH0;X2]", "[OH1;X2;v2]", "[OH0;X2;v2]", "[OH0;X1;v2]", "[O-;X1]", "[SH0;X2;v2]",
              "[SH0;X1;v2]", "[S-;X1]", "[nH0;X2]", "[NH0;X1;v3]", "[$([N;+0;X3;v3]);!$(N[C,S]=O)]"}) {
            p.acceptors.push_back(smarts(s));
            p.acceptorScreens.emplace_back(*p.acceptors.back(), p.vocabulary);
            p.acceptorSearches.emplace_back(*p.acceptors.back(), p.vocabulary);
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
            p.alertSearches.emplace_back(*p.alerts.back(), p.vocabulary);
        }
        p.rotatable = smarts(
            "[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])&!$([CD3](=[N,O,S])-!@["
            "#7,O,S!D1])&!$([#7,O,S!D1]-!@[CD3]=[N,O,S])&!$([CD3](=[N+])-!@[#7!D1])&!$([#7!D1]-!@[CD3]=[N+])]-,:;!@[!$(*"
            "#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])]");
        p.rotatableRecursion = std::make_unique<RecursionPlan>(*p.rotatable, p.vocabulary.program);
        for (unsigned k = 0; k < 2 && k < p.rotatable->getNumAtoms(); ++k) {
            p.rotatableAtoms[k] = p.vocabulary.program.add(p.rotatable->getAtomWithIdx(k));
        }
        return p;
    }();
    return local;
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

/// RDKit's Wildman–Crippen atom types, with what the search needs of each pattern.
struct CrippenType {
    const ROMol *pattern;
    const RDKit::Atom *root;  // null when it holds recursive SMARTS (never screened)
    std::vector<std::pair<const RDKit::Bond *, const RDKit::Atom *>> neighbors;  // atom null: unscreened
    double logP;
    bool recursive;           // see hasRecursiveAtoms
    ElementSet rootElements;  // the elements `root` can match (all when it is null)
    std::vector<unsigned> rootElementList;  // the same, listed (when not all)
    QueryPlan plan;
    std::vector<const RDKit::Atom *> queryAtoms;  // by index
    std::vector<unsigned> queryPrograms;          // by index: their queries in `crippenProgram()`
    std::vector<const RDKit::Bond *> queryBonds;  // by index
    unsigned rootBonds = 0;  // query bonds at the root
    /// Whether `hasEmbedding` may stand in for SubstructMatch (a tree without recursion).
    bool searchable = false;

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

    /// See `treeMatchBound`.
    double matchBound(unsigned roots, unsigned maxDegree) const {
        return treeMatchBound(roots, maxDegree, rootBonds, queryAtoms.size());
    }
};

/// The Crippen patterns' query atoms, flattened (see AtomQueries.h); filled with the types.
AtomQueryProgram &crippenProgram() {
    static AtomQueryProgram program;
    return program;
}

const std::vector<CrippenType> &crippenTypes() {
    static const std::vector<CrippenType> types = [] {
        std::vector<CrippenType> t;
        AtomQueryProgram &program = crippenProgram();
        for (const auto &param : *RDKit::Descriptors::CrippenParamCollection::getParams()) {
            const ROMol &pattern = *param.dp_pattern;
            CrippenType type{&pattern, nullptr, {}, param.logp, hasRecursiveAtoms(pattern), {}, {}, QueryPlan(pattern), {}, {}};
            type.rootElements.set();
            const RDKit::Atom *root = pattern.getAtomWithIdx(0);
            if (root->hasQuery() && !isRecursive(root->getQuery())) {
                type.root = root;
                type.rootElements = possibleElements(root->getQuery());
                for (const auto *bond : pattern.atomBonds(root)) {
                    const RDKit::Atom *other = bond->getOtherAtom(root);
                    bool screenable = bond->hasQuery() && other->hasQuery() && !isRecursive(other->getQuery());
                    if (bond->hasQuery()) type.neighbors.emplace_back(bond, screenable ? other : nullptr);
                }
            }
            if (!type.rootElements.all()) {
                for (unsigned z = 0; z < 128; ++z) {
                    if (type.rootElements[z]) type.rootElementList.push_back(z);
                }
            }
            for (const auto *atom : pattern.atoms()) {
                type.queryAtoms.push_back(atom);
                type.queryPrograms.push_back(program.add(atom));
            }
            for (const auto *bond : pattern.bonds()) type.queryBonds.push_back(bond);
            type.rootBonds = root->getDegree();
            type.searchable = type.plan.usable && type.plan.tree && type.root;
            t.push_back(std::move(type));
        }
        return t;
    }();
    return types;
}

/// Wildman–Crippen logP exactly as `Crippen.MolLogP` / `calcCrippenDescriptors(includeHs=true)`
/// computes it: RDKit's own parameter table, patterns tried in table order, the first pattern
/// whose match starts on an atom types it, contributions summed in atom order.
/// Why not call calcCrippenDescriptors: it runs all ~100 pattern searches over the H-added
/// molecule (a third of all our time). Here a pattern is only tried on atoms that are still
/// untyped, since it cannot change the others. The patterns are small trees without recursive
/// SMARTS, so "is there a match starting on this atom" is answered by `hasEmbedding` with
/// RDKit's atom and bond tests. RDKit's search stops at 1,000 matches (SubstructMatch's
/// default), which could leave atoms of a large molecule untyped; so a pattern goes to
/// SubstructMatch as before whenever the molecule could hold 1,000 matches of it.
double crippenLogP(const ROMol &mol) {
    std::unique_ptr<ROMol> withHs(RDKit::MolOps::addHs(mol, false, false));
    const unsigned count = withHs->getNumAtoms();
    std::vector<double> contributions(count, 0.0);
    std::vector<char> untyped(count, 1);
    unsigned remaining = count;

    // Atoms sorted by element (a counting sort), so a type visits only atoms of the elements
    // its first atom can be.
    std::vector<const RDKit::Atom *> atoms(withHs->atoms().begin(), withHs->atoms().end());
    std::vector<const RDKit::Bond *> bonds(withHs->getNumBonds());
    for (const auto *bond : withHs->bonds()) bonds[bond->getIdx()] = bond;
    std::array<unsigned, 129> first{};
    for (const auto *atom : atoms) ++first[std::min<unsigned>(127, atom->getAtomicNum()) + 1];
    for (size_t z = 1; z < first.size(); ++z) first[z] += first[z - 1];
    std::vector<const RDKit::Atom *> byElement(count);
    {
        auto next = first;
        for (const auto *atom : atoms) byElement[next[std::min<unsigned>(127, atom->getAtomicNum())]++] = atom;
    }
    const Adjacency graph(*withHs);
    const auto &types = crippenTypes();
    AtomValues values(crippenProgram(), atoms);
    unsigned maxDegree = 0;
    for (unsigned i = 0; i < count; ++i) maxDegree = std::max(maxDegree, graph.degree(i));

    auto forEachCandidate = [&](const CrippenType &type, auto &&body) {
        auto visit = [&](unsigned z) {
            for (unsigned k = first[z]; k < first[z + 1]; ++k) {
                if (untyped[byElement[k]->getIdx()] && body(byElement[k])) return true;
            }
            return false;
        };
        if (type.rootElementList.empty() && type.rootElements.all()) {
            for (unsigned z = 0; z < 128; ++z) {
                if (visit(z)) return;
            }
        } else {
            for (unsigned z : type.rootElementList) {
                if (visit(z)) return;
            }
        }
    };
    auto rootCandidates = [&](const CrippenType &type) {
        if (type.rootElements.all()) return count;
        unsigned n = 0;
        for (unsigned z : type.rootElementList) n += first[z + 1] - first[z];
        return n;
    };

    for (const auto &type : types) {
        if (type.searchable && type.matchBound(rootCandidates(type), maxDegree) < 1000) {
            auto atomOk = [&](unsigned q, unsigned i) { return values.match(type.queryPrograms[q], i); };
            auto bondOk = [&](unsigned q, unsigned b) { return type.queryBonds[q]->Match(bonds[b]); };
            forEachCandidate(type, [&](const RDKit::Atom *atom) {
                const unsigned i = atom->getIdx();
                if (hasEmbedding(type.plan, graph, atomOk, bondOk, int(i))) {
                    untyped[i] = 0;
                    contributions[i] = type.logP;
                    --remaining;
                }
                return false;
            });
        } else {
            if (type.root) {
                bool possible = false;
                forEachCandidate(type, [&](const RDKit::Atom *atom) { return possible = type.mayStartAt(*withHs, atom); });
                if (!possible) continue;
            }
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
        }
        if (remaining == 0) break;
    }
    double logP = 0.0;
    for (double c : contributions) logP += c;
    return logP;
}

/// `CalcNumRotatableBonds(mol, Strict)`: unique matches of RDKit 2022.09's strict pattern
/// (copied from librdkit's Lipinski.cpp); `screen` describes `mol`. Why not call it: each call
/// copies its pattern molecule, recursive queries and all, which cost more than the search.
/// The pattern is two atoms and a bond, so once the screen has filled its recursive match sets
/// the unique matches are the bonds whose ends match the two atoms one way round or the other.
/// SubstructMatch counts at most 1,000 raw (ordered) matches before making them unique: a
/// molecule of 500 bonds or more, or one whose recursive sets the screen cannot promise, goes
/// to SubstructMatch.
unsigned strictRotatableBonds(const ROMol &mol, ScreenCache &screen) {
    const Patterns &p = patterns();
    const ROMol &pattern = *p.rotatable;
    if (pattern.getNumAtoms() == 2 && pattern.getNumBonds() == 1 && 2 * mol.getNumBonds() < 1000) {
        // Only the ends of bonds that pass the bond query are ever asked about.
        const RDKit::Bond *queryBond = pattern.getBondWithIdx(0);
        std::vector<const RDKit::Bond *> candidates;
        std::vector<char> ends(mol.getNumAtoms(), 0);
        for (const auto *bond : screen.bondList()) {
            if (!queryBond->Match(bond)) continue;
            candidates.push_back(bond);
            ends[bond->getBeginAtomIdx()] = ends[bond->getEndAtomIdx()] = 1;
        }
        if (candidates.empty()) return 0;
        if (screen.prepare(*p.rotatableRecursion, &ends)) {
            const unsigned a = p.rotatableAtoms[0], b = p.rotatableAtoms[1];
            unsigned count = 0;
            for (const auto *bond : candidates) {
                const unsigned u = bond->getBeginAtomIdx(), v = bond->getEndAtomIdx();
                if ((screen.atomMatchesQuery(a, u) && screen.atomMatchesQuery(b, v)) ||
                    (screen.atomMatchesQuery(a, v) && screen.atomMatchesQuery(b, u))) {
                    ++count;
                }
            }
            return count;
        }
    }
    return matchCount(mol, pattern, /*recursive=*/true);
}

/// `QED.qed(mol)`; `inputLogP` is the Crippen logP of `input`, reused when RemoveHs has
/// nothing to remove.
/// QED's eight descriptors of `input` (`QED.properties`): MW, ALOGP, HBA, HBD, PSA, ROTB,
/// AROM, ALERTS. `inputLogP` is the Crippen logP of `input` (NaN: compute it), reused when
/// RemoveHs has nothing to remove. With `reference` set, every value comes from RDKit's plain
/// entry points and unscreened searches instead, for tests to compare against.
void qedDescriptors(const ROMol &input, double inputLogP, bool reference, double x[8]) {
    // QED.properties starts with Chem.RemoveHs; skip the copy when there is nothing to remove.
    std::unique_ptr<ROMol> stripped;
    if (hasHydrogenAtoms(input)) stripped.reset(RDKit::MolOps::removeHs(input));
    const ROMol &mol = stripped ? *stripped : input;
    const Patterns &p = patterns();

    ScreenCache screen(mol, p.vocabulary);
    double hba = 0;
    for (size_t i = 0; i < p.acceptors.size(); ++i) {
        if (reference) {
            hba += matchCount(mol, *p.acceptors[i], /*recursive=*/true);
        } else if (screen.mayMatch(p.acceptorScreens[i])) {
            hba += p.acceptorSearches[i].count(mol, screen);
        }
    }
    // AROM: SSSR ring count after deleting aliphatic ring atoms bonded to non-aromatic atoms
    // (Chem.DeleteSubstructs, then Chem.GetSSSR). When no atom matches, DeleteSubstructs returns
    // a plain copy, ring information included, and findSSSR returns the rings a copy already
    // holds: the molecule's own ring count, with no copy, search or ring finding.
    size_t aromaticRings;
    if (!reference && mol.getRingInfo()->isInitialized() && p.aliphaticRingSearch->count(mol, screen) == 0) {
        aromaticRings = mol.getRingInfo()->numRings();
    } else {
        std::unique_ptr<ROMol> aromaticPart(RDKit::deleteSubstructs(mol, *p.aliphaticRings));
        std::vector<std::vector<int>> rings;
        RDKit::MolOps::findSSSR(*aromaticPart, rings);
        aromaticRings = rings.size();
    }
    double alerts = 0;
    for (size_t i = 0; i < p.alerts.size(); ++i) {
        if (reference) {
            alerts += hasMatch(mol, *p.alerts[i], /*recursive=*/true) ? 1 : 0;
        } else if (screen.mayMatch(p.screens[i]) && p.alertSearches[i].found(mol, screen)) {
            alerts += 1;
        }
    }
    double logP = stripped || std::isnan(inputLogP) ? crippenLogP(mol) : inputLogP;
    double rotatable;
    if (reference) {
        double mr = 0;
        RDKit::Descriptors::calcCrippenDescriptors(mol, logP, mr, /*includeHs=*/true, /*force=*/true);
        rotatable = RDKit::Descriptors::calcNumRotatableBonds(mol, RDKit::Descriptors::Strict);
    } else {
        rotatable = strictRotatableBonds(mol, screen);
    }
    x[0] = RDKit::Descriptors::calcAMW(mol);
    x[1] = logP;
    x[2] = hba;
    x[3] = RDKit::Descriptors::calcNumHBD(mol);
    x[4] = RDKit::Descriptors::calcTPSA(mol);
    x[5] = rotatable;
    x[6] = double(aromaticRings);
    x[7] = alerts;
}

double qed(const ROMol &input, double inputLogP) {
    double x[8];
    qedDescriptors(input, inputLogP, /*reference=*/false, x);
    double t = 0, weightSum = 0;
    for (int i = 0; i < 8; ++i) {
        t += qedMeanWeights[i] * std::log(ads(x[i], adsParameters[i]));
        weightSum += qedMeanWeights[i];
    }
    return std::exp(t / weightSum);
}

// MARK: - SAS (Contrib/SA_Score/sascorer.py)

/// The fragment scores: 700k ids, looked up ~40 times per molecule. An open-addressing hash
/// table (linear probing, load at most 3/4) of 64-bit slots, each an id and the index of its
/// score among the few thousand distinct scores. Why: a lookup touches one cache line of the
/// 8 MB table and a small score list that stays cached, where a binary search over the sorted
/// ids took ~20 dependent cache misses (a sixth of SAS's time).
struct FragmentTable {
    std::vector<std::uint64_t> slots;  // id << 32 | (score index + 1); 0: empty
    std::vector<double> distinctScores;
    std::uint64_t mask = 0;

    static std::uint64_t hash(std::uint32_t id) { return (std::uint64_t(id) * 0x9E3779B97F4A7C15ull) >> 32; }

    /// `count` ids and their scores; for a repeated id the later entry wins, as when Python
    /// fills its dict.
    FragmentTable(const std::uint32_t *ids, const double *scores, size_t count) {
        distinctScores.assign(scores, scores + count);
        std::sort(distinctScores.begin(), distinctScores.end());
        distinctScores.erase(std::unique(distinctScores.begin(), distinctScores.end()), distinctScores.end());
        size_t size = 16;
        while (size * 3 < count * 4) size *= 2;
        slots.assign(size, 0);
        mask = size - 1;
        for (size_t i = 0; i < count; ++i) {
            const auto index = std::uint64_t(std::lower_bound(distinctScores.begin(), distinctScores.end(), scores[i]) -
                                              distinctScores.begin());
            size_t slot = hash(ids[i]) & mask;
            while (slots[slot] != 0 && std::uint32_t(slots[slot] >> 32) != ids[i]) slot = (slot + 1) & mask;
            slots[slot] = std::uint64_t(ids[i]) << 32 | (index + 1);
        }
    }

    /// `_fscores.get(id, -4)`.
    double score(std::uint32_t id) const {
        for (size_t slot = hash(id) & mask;; slot = (slot + 1) & mask) {
            const std::uint64_t entry = slots[slot];
            if (entry == 0) return -4.0;
            if (std::uint32_t(entry >> 32) == id) return distinctScores[size_t(entry & 0xFFFFFFFFu) - 1];
        }
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

}  // namespace

void installFragmentScores(const uint32_t *ids, const double *scores, size_t count) {
    static std::once_flag once;
    std::call_once(once, [&] {
        auto *table = new FragmentTable(ids, scores, count);  // lives for the process
        fragmentTable.store(table, std::memory_order_release);
    });
}

bool hasFragmentScores() { return fragmentTable.load(std::memory_order_acquire) != nullptr; }

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

void qedDescriptors(ROMol &mol, bool reference, double values[8]) {
    qedDescriptors(mol, std::numeric_limits<double>::quiet_NaN(), reference, values);
}

}  // namespace crdkit
