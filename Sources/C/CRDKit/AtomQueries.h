// RDKit atom queries evaluated with their atom values remembered per molecule.
//
// An RDKit atom query is a tree: AND/OR nodes over leaves that compare one number computed from
// the atom (its element, H count, degree, charge, ring count, ...: the leaf's data function) with
// a value. Evaluating a tree calls a virtual Match per node and the leaf's data function per
// leaf, and the same data functions (`getTotalNumHs` walks the neighbours) run again for every
// query tried on the atom. Here the trees are flattened once, and each data function's value is
// computed at most once per atom of a molecule; nodes are evaluated exactly as RDKit's AndQuery,
// OrQuery and EqualityQuery do. Any other node kind (recursive SMARTS, ranges, sets, ...) is
// handed to RDKit's own Match, so the answer is RDKit's in every case.
#pragma once

#include "Internal.h"

#include <GraphMol/QueryAtom.h>
#include <GraphMol/QueryOps.h>

#include <climits>
#include <cstdint>
#include <typeinfo>
#include <vector>

namespace crdkit {

/// Flattened atom query trees; `add` returns the id `AtomValues::match` takes.
class AtomQueryProgram {
  public:
    using Query = RDKit::QueryAtom::QUERYATOM_QUERY;
    using DataFunction = int (*)(const RDKit::Atom *);

    /// Adds the query of `atom` (a query atom); returns its node id.
    unsigned add(const RDKit::Atom *atom) {
        const Query *query = atom->hasQuery() ? atom->getQuery() : nullptr;
        if (!query) {
            Node node{Node::Atom, false, 0, 0, 0, 0, 0, nullptr, atom};
            nodes_.push_back(node);
            return unsigned(nodes_.size() - 1);
        }
        return add(query, atom);
    }

    size_t functionCount() const { return functions_.size(); }

  private:
    friend class AtomValues;

    struct Node {
        enum Kind : uint8_t { Equal, And, Or, Other, Atom } kind;
        bool negate;
        unsigned slot;          // Equal: index of the data function
        int value, tolerance;   // Equal
        unsigned first, count;  // And, Or: children in `children_`
        const Query *query;     // Other: matched by RDKit
        const RDKit::Atom *atom;  // Atom (no query): matched by RDKit
    };

    unsigned add(const Query *query, const RDKit::Atom *owner) {
        const std::type_info &type = typeid(*query);
        Node node{Node::Other, query->getNegation(), 0, 0, 0, 0, 0, query, owner};
        if (type == typeid(RDKit::ATOM_EQUALS_QUERY)) {
            const auto *equal = static_cast<const RDKit::ATOM_EQUALS_QUERY *>(query);
            if (DataFunction function = equal->getDataFunc()) {
                node.kind = Node::Equal;
                node.slot = slotOf(function);
                node.value = equal->getVal();
                node.tolerance = equal->getTol();
            }
        } else if (type == typeid(RDKit::ATOM_AND_QUERY) || type == typeid(RDKit::ATOM_OR_QUERY)) {
            std::vector<unsigned> kids;
            for (auto child = query->beginChildren(); child != query->endChildren(); ++child) {
                kids.push_back(add(child->get(), owner));
            }
            node.kind = type == typeid(RDKit::ATOM_AND_QUERY) ? Node::And : Node::Or;
            node.first = unsigned(children_.size());
            node.count = unsigned(kids.size());
            children_.insert(children_.end(), kids.begin(), kids.end());
        }
        nodes_.push_back(node);
        return unsigned(nodes_.size() - 1);
    }

    unsigned slotOf(DataFunction function) {
        for (size_t i = 0; i < functions_.size(); ++i) {
            if (functions_[i] == function) return unsigned(i);
        }
        functions_.push_back(function);
        return unsigned(functions_.size() - 1);
    }

    std::vector<Node> nodes_;
    std::vector<unsigned> children_;
    std::vector<DataFunction> functions_;
};

/// One molecule's atoms with their data function values remembered, for matching the queries of
/// one `AtomQueryProgram` (which must not change while this lives).
class AtomValues {
  public:
    AtomValues(const AtomQueryProgram &program, const std::vector<const RDKit::Atom *> &atoms)
        : program_(program), atoms_(atoms), values_(program.functionCount() * atoms.size(), unknown) {}

    /// `Atom::Match` of the query `node` (from `AtomQueryProgram::add`) against atom `atom`.
    bool match(unsigned node, unsigned atom) {
        const auto &n = program_.nodes_[node];
        switch (n.kind) {
        case AtomQueryProgram::Node::Equal: {
            // EqualityQuery::Match: queryCmp(value, f(atom), tolerance) == 0, negated if asked.
            const int diff = n.value - value(n.slot, atom);
            const bool equal = diff <= n.tolerance && diff >= -n.tolerance;
            return equal != n.negate;
        }
        case AtomQueryProgram::Node::And: {
            bool result = true;
            for (unsigned k = 0; k < n.count; ++k) {
                if (!match(program_.children_[n.first + k], atom)) {
                    result = false;
                    break;
                }
            }
            return result != n.negate;
        }
        case AtomQueryProgram::Node::Or: {
            bool result = false;
            for (unsigned k = 0; k < n.count; ++k) {
                if (match(program_.children_[n.first + k], atom)) {
                    result = true;
                    break;
                }
            }
            return result != n.negate;
        }
        case AtomQueryProgram::Node::Other:
            return n.query->Match(atoms_[atom]);
        case AtomQueryProgram::Node::Atom:
            return n.atom->Match(atoms_[atom]);
        }
        return false;
    }

  private:
    static constexpr int unknown = INT_MIN;  // a data function returning it is just called again

    int value(unsigned slot, unsigned atom) {
        int &v = values_[size_t(slot) * atoms_.size() + atom];
        if (v == unknown) v = program_.functions_[slot](atoms_[atom]);
        return v;
    }

    const AtomQueryProgram &program_;
    const std::vector<const RDKit::Atom *> &atoms_;
    std::vector<int> values_;
};

}  // namespace crdkit
