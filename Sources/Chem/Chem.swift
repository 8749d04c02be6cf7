// Module Chem: see DESIGN.md.
