// Module NN: see DESIGN.md.
