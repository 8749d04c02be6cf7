// Module Smiles: see DESIGN.md.
