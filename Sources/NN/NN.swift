// NN: layers on the Engine (see DESIGN.md).
