// Module Datasets: see DESIGN.md.
