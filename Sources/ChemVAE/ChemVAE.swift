// Module ChemVAE: see DESIGN.md.
