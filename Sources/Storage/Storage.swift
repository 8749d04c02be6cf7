// Module Storage: see DESIGN.md.
