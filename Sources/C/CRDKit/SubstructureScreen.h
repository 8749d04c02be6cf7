// Exact pre-checks that let CRDKit skip substructure searches that cannot succeed.
//
// Every check here is a necessary condition for a match, evaluated with the same atom and
// bond tests (`Atom::Match`, `Bond::Match`) RDKit's substructure matcher uses, so skipping a
// search never changes a result; it only avoids RDKit's VF2 setup and search.
#pragma once

#include "AtomQueries.h"
#include "Embedding.h"
#include "Internal.h"

#include <GraphMol/QueryAtom.h>
#include <GraphMol/QueryOps.h>
#include <GraphMol/SmilesParse/SmartsWrite.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <map>
#include <utility>
#include <vector>

namespace crdkit {

using ElementSet = std::bitset<128>;

/// Calls `body(z)` for each element z in `elements`, in ascending order.
template <class Body>
inline void forEachElement(const ElementSet &elements, Body &&body) {
    for (size_t z = elements._Find_first(); z < elements.size(); z = elements._Find_next(z)) body(z);
}

/// The atomic numbers an atom query can match, read from its query tree; every element when
/// the tree does not pin them down (negations, wildcards, anything but element tests).
inline ElementSet possibleElements(const RDKit::QueryAtom::QUERYATOM_QUERY *query) {
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

/// The recursive SMARTS of a query (`$(...)`), for `ScreenCache::prepare` to fill their match
/// sets as SubstructMatch does before each search: the atoms where a match of the recursive
/// query starts (its first atom). Usable when each recursive query is a tree without recursion
/// of its own and names no other root atom.
struct RecursionPlan {
    struct Sub {
        RDKit::RecursiveStructureQuery *node;
        QueryPlan plan;
        std::vector<unsigned> atoms;             // by index: their queries in `program`
        std::vector<const RDKit::Bond *> bonds;  // by index
        ElementSet rootElements;
        unsigned rootBonds;
    };
    std::vector<Sub> subs;
    bool usable = true;

    /// The recursive queries' atoms are added to `program`.
    RecursionPlan(const ROMol &query, AtomQueryProgram &program) {
        for (const auto *atom : query.atoms()) {
            if (atom->hasQuery()) collect(atom->getQuery(), program);
        }
        if (subs.empty()) usable = false;
    }

  private:
    void collect(RDKit::QueryAtom::QUERYATOM_QUERY *query, AtomQueryProgram &program) {
        if (query->getDescription() == "RecursiveStructure") {
            auto *node = static_cast<RDKit::RecursiveStructureQuery *>(query);
            const ROMol *sub = node->getQueryMol();
            if (!sub || hasRecursiveAtoms(*sub) || sub->hasProp(RDKit::common_properties::_queryRootAtom)) {
                usable = false;
                return;
            }
            Sub entry{node, QueryPlan(*sub), {}, {}, {}, 0};
            if (!entry.plan.usable || !entry.plan.tree) usable = false;
            for (const auto *atom : sub->atoms()) entry.atoms.push_back(program.add(atom));
            for (const auto *bond : sub->bonds()) entry.bonds.push_back(bond);
            const RDKit::Atom *root = sub->getAtomWithIdx(0);
            entry.rootElements.set();
            if (root->hasQuery()) entry.rootElements = possibleElements(root->getQuery());
            entry.rootBonds = root->getDegree();
            subs.push_back(std::move(entry));
        }
        for (auto child = query->beginChildren(); child != query->endChildren(); ++child) collect(child->get(), program);
    }
};

/// The distinct query atoms and bonds (by their SMARTS) of all screened patterns, so that each
/// is tested once per molecule however many patterns share it.
struct ScreenVocabulary {
    std::vector<const RDKit::Atom *> atoms;
    std::vector<ElementSet> elements;  // per atom query: see possibleElements
    std::vector<const RDKit::Bond *> bonds;
    std::map<std::string, int> atomIds, bondIds;
    /// Every query atom a `ScreenCache` evaluates, flattened; `programIds` per atom id.
    AtomQueryProgram program;
    std::vector<unsigned> programIds;

    /// The id of `atom`'s query, or -1 for recursive SMARTS (not screenable).
    int atomId(const RDKit::Atom *atom) {
        if (!atom->hasQuery() || isRecursive(atom->getQuery())) return -1;
        auto [it, added] = atomIds.emplace(RDKit::SmartsWrite::GetAtomSmarts(atom), int(atoms.size()));
        if (added) {
            atoms.push_back(atom);
            elements.push_back(possibleElements(atom->getQuery()));
            programIds.push_back(program.add(atom));
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
    /// Per screenable query atom: its id and its bonds, as (bond id, id of the atom across).
    struct Neighborhood {
        int atom;
        std::vector<std::pair<int, int>> bonds;
    };
    std::vector<Neighborhood> neighborhoods;

    Screen(const ROMol &query, ScreenVocabulary &vocabulary) {
        for (const auto *atom : query.atoms()) {
            int id = vocabulary.atomId(atom);
            if (id < 0) continue;
            atoms.push_back(id);
            Neighborhood around{id, {}};
            for (const auto *bond : query.atomBonds(atom)) {
                if (bond->hasQuery()) around.bonds.emplace_back(vocabulary.bondId(bond), vocabulary.atomId(bond->getOtherAtom(atom)));
            }
            if (!around.bonds.empty()) neighborhoods.push_back(std::move(around));
        }
        for (const auto *bond : query.bonds()) {
            if (bond->hasQuery()) {
                bonds.push_back({vocabulary.bondId(bond), vocabulary.atomId(bond->getBeginAtom()),
                                 vocabulary.atomId(bond->getEndAtom())});
            }
        }
    }
};

/// A necessary condition for a substructure match, checked with the same atom and bond
/// tests SubstructMatch uses: every screenable query atom matches some atom of the molecule,
/// and every query bond some bond whose ends match too. Why: most of QED's 116 alerts need an
/// element, charge or bond the molecule lacks, and this rejects them without a VF2 search.
/// It never changes an answer. Which molecule atoms and bonds each distinct query matches is
/// worked out on first use and remembered for the molecule.
class ScreenCache {
  public:
    ScreenCache(const ROMol &mol, const ScreenVocabulary &vocabulary)
        : vocabulary_(vocabulary), graph_(mol), atomWords_((mol.getNumAtoms() + 63) / 64),
          bondWords_((mol.getNumBonds() + 63) / 64), atomBits_(vocabulary.atoms.size() * atomWords_),
          bondBits_(vocabulary.bonds.size() * bondWords_), atomDone_(vocabulary.atoms.size()),
          bondDone_(vocabulary.bonds.size()), atoms_(mol.atoms().begin(), mol.atoms().end()),
          values_(vocabulary.program, atoms_) {
        bonds_.resize(mol.getNumBonds());
        for (const auto *bond : mol.bonds()) {
            bonds_[bond->getIdx()] = bond;
            ends_.emplace_back(bond->getBeginAtomIdx(), bond->getEndAtomIdx());
        }
        // Atom indices grouped by element (a counting sort), so a query for some elements
        // tests only atoms of those elements.
        for (const auto *atom : atoms_) ++first_[std::min<unsigned>(127, atom->getAtomicNum()) + 1];
        for (size_t z = 1; z < first_.size(); ++z) first_[z] += first_[z - 1];
        byElement_.resize(atoms_.size());
        auto next = first_;
        for (const auto *atom : atoms_) byElement_[next[std::min<unsigned>(127, atom->getAtomicNum())]++] = atom->getIdx();
        for (unsigned z = 0; z < 128; ++z) {
            if (first_[z + 1] > first_[z]) present_.set(z);
        }
    }

    const Adjacency &graph() const { return graph_; }

    bool mayMatch(const Screen &screen) {
        for (int id : screen.atoms) {
            const uint64_t *bits = atoms(id);
            if (std::none_of(bits, bits + atomWords_, [](uint64_t w) { return w != 0; })) return false;
        }
        for (const auto &edge : screen.bonds) {
            if (!edgePresent(edge)) return false;
        }
        // Each query atom needs one molecule atom whose own bonds can serve all its query bonds.
        for (const auto &around : screen.neighborhoods) {
            if (!neighborhoodPresent(around)) return false;
        }
        return true;
    }

    /// Whether vocabulary atom query `id` matches molecule atom `atom` (`Atom::Match`).
    bool atomMatches(int id, unsigned atom) { return test(atoms(id), atom); }
    /// Whether vocabulary bond query `id` matches molecule bond `bond` (`Bond::Match`).
    bool bondMatches(int id, unsigned bond) { return test(bonds(id), bond); }
    /// Fills the match sets of `plan`'s recursive SMARTS for this molecule as SubstructMatch
    /// would (every atom where a match of the recursive query starts), so that RDKit's own
    /// `Atom::Match` of the outer query can be called directly. With `only`, just for the atoms it
    /// flags: the caller promises to ask about no other atom. False, touching nothing, when the
    /// plan is unusable or a recursive query could reach 1,000 matches here (RDKit's search stops
    /// there, so its sets could lack atoms): then use SubstructMatch.
    bool prepare(const RecursionPlan &plan, const std::vector<char> *only = nullptr) {
        if (!plan.usable) return false;
        unsigned maxDegree = 0;
        for (unsigned i = 0; i < graph_.atomCount(); ++i) maxDegree = std::max(maxDegree, graph_.degree(i));
        auto roots = [&](const ElementSet &elements) {
            unsigned n = 0;
            forEachElement(elements & present_, [&](size_t z) { n += first_[z + 1] - first_[z]; });
            return n;
        };
        for (const auto &sub : plan.subs) {
            if (treeMatchBound(roots(sub.rootElements), maxDegree, sub.rootBonds, sub.atoms.size()) >= 1000) return false;
        }
        for (const auto &sub : plan.subs) {
            sub.node->clear();
            auto atomOk = [&](unsigned q, unsigned i) { return values_.match(sub.atoms[q], i); };
            auto bondOk = [&](unsigned q, unsigned b) { return sub.bonds[q]->Match(bonds_[b]); };
            forEachElement(sub.rootElements & present_, [&](size_t z) {
                for (unsigned k = first_[z]; k < first_[z + 1]; ++k) {
                    const unsigned i = byElement_[k];
                    if (only && !(*only)[i]) continue;
                    if (hasEmbedding(sub.plan, graph_, atomOk, bondOk, int(i))) sub.node->insert(int(i));
                }
            });
        }
        return true;
    }

    const std::vector<const RDKit::Atom *> &atomList() const { return atoms_; }
    /// `Atom::Match` of the query `program` (added to the vocabulary's program) on atom `atom`.
    bool atomMatchesQuery(unsigned program, unsigned atom) { return values_.match(program, atom); }
    const std::vector<const RDKit::Bond *> &bondList() const { return bonds_; }

    /// How many molecule atoms vocabulary atom query `id` matches.
    unsigned atomMatchCount(int id) {
        const uint64_t *bits = atoms(id);
        unsigned n = 0;
        for (size_t w = 0; w < atomWords_; ++w) n += unsigned(__builtin_popcountll(bits[w]));
        return n;
    }

  private:
    static bool test(const uint64_t *bits, unsigned i) { return bits[i / 64] >> (i % 64) & 1; }

    const uint64_t *atoms(int id) {
        uint64_t *bits = &atomBits_[size_t(id) * atomWords_];
        if (!atomDone_[id]) {
            atomDone_[id] = 1;
            const ElementSet &elements = vocabulary_.elements[id];
            // A query for elements the molecule lacks matches nothing: skip the atom scan.
            if ((elements & present_).none()) return bits;
            const unsigned query = vocabulary_.programIds[id];
            auto scan = [&](unsigned from, unsigned to) {
                for (unsigned k = from; k < to; ++k) {
                    const unsigned i = byElement_[k];
                    if (values_.match(query, i)) bits[i / 64] |= uint64_t(1) << (i % 64);
                }
            };
            if (elements.all()) {
                scan(0, unsigned(atoms_.size()));
            } else {
                forEachElement(elements & present_, [&](size_t z) { scan(first_[z], first_[z + 1]); });
            }
        }
        return bits;
    }

    const uint64_t *bonds(int id) {
        uint64_t *bits = &bondBits_[size_t(id) * bondWords_];
        if (!bondDone_[id]) {
            bondDone_[id] = 1;
            const RDKit::Bond *query = vocabulary_.bonds[id];
            for (unsigned i = 0; i < bonds_.size(); ++i) {
                if (query->Match(bonds_[i])) bits[i / 64] |= uint64_t(1) << (i % 64);
            }
        }
        return bits;
    }

    bool neighborhoodPresent(const Screen::Neighborhood &around) {
        const uint64_t *centers = atoms(around.atom);
        for (size_t w = 0; w < atomWords_; ++w) {
            for (uint64_t rest = centers[w]; rest; rest &= rest - 1) {
                const unsigned center = unsigned(w * 64 + __builtin_ctzll(rest));
                bool servesAll = true;
                for (const auto &[bondId, otherId] : around.bonds) {
                    const uint64_t *bondBits = bonds(bondId);
                    const uint64_t *otherBits = otherId >= 0 ? atoms(otherId) : nullptr;
                    bool served = false;
                    for (auto *e = graph_.begin(center); e != graph_.end(center); ++e) {
                        if (test(bondBits, e->first) && (!otherBits || test(otherBits, e->second))) {
                            served = true;
                            break;
                        }
                    }
                    if (!served) {
                        servesAll = false;
                        break;
                    }
                }
                if (servesAll) return true;
            }
        }
        return false;
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

    const ScreenVocabulary &vocabulary_;
    Adjacency graph_;
    size_t atomWords_, bondWords_;
    std::vector<uint64_t> atomBits_, bondBits_;
    std::vector<char> atomDone_, bondDone_;
    std::vector<const RDKit::Atom *> atoms_;
    AtomValues values_;
    std::vector<const RDKit::Bond *> bonds_;
    std::array<unsigned, 129> first_{};
    std::vector<unsigned> byElement_;
    ElementSet present_;
    std::vector<std::pair<unsigned, unsigned>> ends_;  // per bond: begin and end atom
};

}  // namespace crdkit
