"""Explanations of trained models: coefficient and saliency maps checked against physics."""

from ._maps import alignment as alignment

__all__ = ["alignment"]
