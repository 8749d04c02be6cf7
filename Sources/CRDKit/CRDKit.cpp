#include "CRDKit.h"
