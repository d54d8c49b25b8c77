"""bkdesk: review of poor and near-poor households (rà soát hộ nghèo, hộ cận nghèo)."""

__version__ = "0.1.0"
