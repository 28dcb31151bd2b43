"""Design-space exploration: sweeps over accelerators, Pareto fronts, plots, cluster backends."""
