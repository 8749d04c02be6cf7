// A small exact substructure search for CRDKit's fixed patterns.
//
// RDKit's SubstructMatch finds monomorphisms: injective maps of the query atoms onto molecule
// atoms where every query atom matches its image (`Atom::Match`) and every query bond matches
// a molecule bond between the images (`Bond::Match`); extra molecule bonds are allowed. With
// its default parameters (no chirality, no generic groups, no extra final check) nothing else
// decides a match. The backtracking search here enumerates exactly those maps, with the atom
// and bond tests left to the caller, so for "is there a match" (and "is there one whose first
// query atom is this atom") it gives RDKit's answer without its per-call setup, allocations
// and recursion walk. Patterns with recursive SMARTS or dative bonds are left to RDKit.
#pragma once

#include "Internal.h"

#include <GraphMol/QueryAtom.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace crdkit {

/// Whether a query tree contains recursive SMARTS, whose state only SubstructMatch prepares.
inline bool isRecursive(const RDKit::QueryAtom::QUERYATOM_QUERY *query) {
    if (query->getDescription() == "RecursiveStructure") return true;
    for (auto child = query->beginChildren(); child != query->endChildren(); ++child) {
        if (isRecursive(child->get())) return true;
    }
    return false;
}

/// Whether any atom of `query` holds recursive SMARTS. Why it matters: with
/// `recursionPossible` set, every SubstructMatch call walks every query atom's whole query
/// tree looking for recursion (a fifth of all our time); for queries without any the walk
/// finds nothing, so they are matched with it off. Results are the same either way.
inline bool hasRecursiveAtoms(const ROMol &query) {
    for (const auto *atom : query.atoms()) {
        if (atom->hasQuery() && isRecursive(atom->getQuery())) return true;
    }
    return false;
}

/// A molecule's bonds as flat per-atom lists of (bond index, neighbour index).
class Adjacency {
  public:
    explicit Adjacency(const ROMol &mol) : offsets_(mol.getNumAtoms() + 1, 0) {
        for (const auto *bond : mol.bonds()) {
            ++offsets_[bond->getBeginAtomIdx() + 1];
            ++offsets_[bond->getEndAtomIdx() + 1];
        }
        for (size_t i = 1; i < offsets_.size(); ++i) offsets_[i] += offsets_[i - 1];
        entries_.resize(offsets_.back());
        std::vector<unsigned> next(offsets_.begin(), offsets_.end() - 1);
        for (const auto *bond : mol.bonds()) {
            const unsigned a = bond->getBeginAtomIdx(), b = bond->getEndAtomIdx();
            entries_[next[a]++] = {bond->getIdx(), b};
            entries_[next[b]++] = {bond->getIdx(), a};
        }
    }

    unsigned atomCount() const { return unsigned(offsets_.size() - 1); }
    const std::pair<unsigned, unsigned> *begin(unsigned atom) const { return entries_.data() + offsets_[atom]; }
    const std::pair<unsigned, unsigned> *end(unsigned atom) const { return entries_.data() + offsets_[atom + 1]; }
    unsigned degree(unsigned atom) const { return offsets_[atom + 1] - offsets_[atom]; }

    /// The bond between `a` and `b`, or -1.
    int bondBetween(unsigned a, unsigned b) const {
        for (auto *e = begin(a); e != end(a); ++e) {
            if (e->second == b) return int(e->first);
        }
        return -1;
    }

  private:
    std::vector<unsigned> offsets_;
    std::vector<std::pair<unsigned, unsigned>> entries_;
};

/// The order in which the search places a query's atoms: each atom after the first of its
/// connected component is bonded to an earlier one (its parent); its other bonds to earlier
/// atoms (ring closures) are checked when it is placed.
struct QueryPlan {
    struct Step {
        unsigned atom;    // query atom index
        int parent;       // earlier step bonded to it; -1 for the first atom of a component
        unsigned bond;    // query bond to the parent
        std::vector<std::pair<unsigned, unsigned>> closures;  // (earlier step, query bond)
    };
    std::vector<Step> steps;
    /// False when the query holds dative bonds, or recursive SMARTS without `allowRecursion`:
    /// use SubstructMatch.
    bool usable = true;
    /// Whether the query is a tree (connected, no ring bonds): every step but the first has a
    /// parent and no closures.
    bool tree = true;

    /// With `allowRecursion`, the caller must have filled the match sets of the query's
    /// recursive SMARTS before searching (see `RecursionPlan`).
    explicit QueryPlan(const ROMol &query, bool allowRecursion = false) {
        const unsigned n = query.getNumAtoms();
        if (n == 0 || (!allowRecursion && hasRecursiveAtoms(query))) usable = false;
        for (const auto *bond : query.bonds()) {
            if (bond->getBondType() == RDKit::Bond::DATIVE) usable = false;
        }
        if (!usable) return;
        // Depth-first preorder, one component after another, in atom index order.
        std::vector<int> stepOf(n, -1);
        std::vector<unsigned> order;
        for (unsigned start = 0; start < n; ++start) {
            if (stepOf[start] >= 0) continue;
            std::vector<unsigned> stack{start};
            while (!stack.empty()) {
                const unsigned atom = stack.back();
                stack.pop_back();
                if (stepOf[atom] >= 0) continue;
                stepOf[atom] = int(order.size());
                order.push_back(atom);
                std::vector<unsigned> next;
                for (const auto *bond : query.atomBonds(query.getAtomWithIdx(atom))) {
                    const unsigned other = bond->getOtherAtomIdx(atom);
                    if (stepOf[other] < 0) next.push_back(other);
                }
                stack.insert(stack.end(), next.rbegin(), next.rend());  // visit neighbours in bond order
            }
        }
        for (size_t s = 0; s < order.size(); ++s) {
            Step step{order[s], -1, 0, {}};
            for (const auto *bond : query.atomBonds(query.getAtomWithIdx(order[s]))) {
                const int other = stepOf[bond->getOtherAtomIdx(order[s])];
                if (other >= int(s)) continue;
                if (step.parent < 0) {
                    step.parent = other;
                    step.bond = bond->getIdx();
                } else {
                    step.closures.emplace_back(unsigned(other), bond->getIdx());
                }
            }
            if ((s > 0 && step.parent < 0) || !step.closures.empty()) tree = false;
            steps.push_back(std::move(step));
        }
    }
};

/// An upper bound on the number of matches (uniquify off) of a tree query of `atomCount` atoms,
/// `rootBonds` of them bonded to its first atom, in a molecule with `roots` atoms that the first
/// atom could match and no atom of more than `maxDegree` bonds: the root's query neighbours map
/// to distinct neighbours of its image, every other query atom to a neighbour of its parent's
/// image other than its grandparent's. RDKit's searches stop at 1,000 matches; below this bound
/// they find them all.
inline double treeMatchBound(unsigned roots, unsigned maxDegree, unsigned rootBonds, size_t atomCount) {
    double bound = roots;
    for (unsigned k = 0; k < rootBonds; ++k) bound *= double(maxDegree > k ? maxDegree - k : 0);
    for (size_t k = 1 + rootBonds; k < atomCount; ++k) bound *= double(maxDegree > 0 ? maxDegree - 1 : 0);
    return bound;
}

/// Whether `plan`'s query has a match in the molecule `graph` describes, with `atomOk(query atom,
/// molecule atom)` and `bondOk(query bond, molecule bond)` as the atom and bond tests. With
/// `root` >= 0 the first step's atom must map onto `root` (for a plan built from a query, the
/// first step is query atom 0, the atom RDKit reports first in a match).
template <class AtomOk, class BondOk>
bool hasEmbedding(const QueryPlan &plan, const Adjacency &graph, AtomOk &&atomOk, BondOk &&bondOk, int root = -1) {
    const size_t n = plan.steps.size();
    constexpr size_t maxSteps = 64;
    if (n == 0 || n > maxSteps) return false;
    unsigned image[maxSteps];
    auto used = [&](size_t placed, unsigned atom) {
        for (size_t k = 0; k < placed; ++k) {
            if (image[k] == atom) return true;
        }
        return false;
    };
    auto closuresOk = [&](const QueryPlan::Step &step, unsigned atom) {
        for (const auto &[earlier, queryBond] : step.closures) {
            const int bond = graph.bondBetween(atom, image[earlier]);
            if (bond < 0 || !bondOk(queryBond, unsigned(bond))) return false;
        }
        return true;
    };
    auto place = [&](auto &self, size_t s) -> bool {
        if (s == n) return true;
        const auto &step = plan.steps[s];
        if (step.parent < 0) {
            if (s == 0 && root >= 0) {
                const unsigned atom = unsigned(root);
                if (!atomOk(step.atom, atom) || !closuresOk(step, atom)) return false;
                image[s] = atom;
                return self(self, s + 1);
            }
            for (unsigned atom = 0; atom < graph.atomCount(); ++atom) {
                if (used(s, atom) || !atomOk(step.atom, atom) || !closuresOk(step, atom)) continue;
                image[s] = atom;
                if (self(self, s + 1)) return true;
            }
            return false;
        }
        const unsigned from = image[step.parent];
        for (auto *e = graph.begin(from); e != graph.end(from); ++e) {
            const auto [bond, atom] = *e;
            if (used(s, atom) || !bondOk(step.bond, bond) || !atomOk(step.atom, atom) || !closuresOk(step, atom)) continue;
            image[s] = atom;
            if (self(self, s + 1)) return true;
        }
        return false;
    };
    return place(place, 0);
}

}  // namespace crdkit
