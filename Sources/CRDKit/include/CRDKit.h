// extern "C" API over RDKit. The only C++ in MolGen sits behind this header.
#pragma once
