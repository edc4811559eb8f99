"""Certified optima of the loads users end up with: ``ua-opt`` (any association a handover can reach) and
``cio-opt`` (the best that pair offsets alone can reach), the references every heuristic's gap is measured against."""
