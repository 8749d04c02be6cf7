import CRDKit

extension Molecule {
    /// The molecule cut on its BRICS bonds: the canonical SMILES of each piece, dummy atoms
    /// included, as MOSES's `fragmenter` (`Chem.MolToSmiles(AllChem.FragmentOnBRICSBonds(mol))`
    /// split on '.'). A molecule with no BRICS bond is one fragment: itself.
    public var bricsFragments: [String] {
        guard let joined = takeString(crd_molecule_brics_fragments(handle)) else { return [] }
        return joined.split(separator: ".").map(String.init)
    }

    /// The Bemis–Murcko scaffold's canonical SMILES (`MurckoScaffold.GetScaffoldForMol`; "" for
    /// an acyclic molecule) and its number of rings.
    public var murckoScaffold: (smiles: String, ringCount: Int) {
        var rings: Int32 = 0
        let smiles = takeString(crd_molecule_murcko_scaffold(handle, &rings)) ?? ""
        return (smiles, Int(rings))
    }

    /// The scaffold MOSES counts for Scaf/Test: the Murcko scaffold when it has at least
    /// `minimumRings` rings (MOSES's default is 2), else nil.
    public func mosesScaffold(minimumRings: Int = 2) -> String? {
        let scaffold = murckoScaffold
        return scaffold.smiles.isEmpty || scaffold.ringCount < minimumRings ? nil : scaffold.smiles
    }
}
