"""The "Breathing" network (Ge, Chen, Jiang): MR data, busy-degree Jacobian, BDBA / BFDBA, coverage, minimum power."""
