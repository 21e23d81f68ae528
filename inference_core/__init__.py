"""Inference Lens engine: models, backends, measurement, pricing. Never imports Streamlit."""

__version__ = "0.1.0"
