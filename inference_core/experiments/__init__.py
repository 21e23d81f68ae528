"""Experiments: plans (one planner per experiment, in a registry) and the job that runs them."""
