"""Declarative instrument definitions: the schema, the shipped YAML files and their loader.

Public API::

    instruments.load("savry-like")        # by id, or a path to any .yaml definition
    instruments.loads(text, filename)     # from bytes, e.g. an upload
    instruments.available()               # ids that load() finds
    instruments.validate(path)            # list of DefinitionIssue, empty when valid
    instruments.load_catalogue()          # the intervention catalogue for RBM matching
"""

from .catalogue import Catalogue, Intervention, load_catalogue
from .intake_criteria import IntakeCriteria, load_intake_criteria
from .legal_bases import LegalBases, LegalBasis, load_legal_bases
from .loader import (
    DefinitionIssue,
    InstrumentError,
    available,
    load,
    loads,
    resolve,
    search_dirs,
    validate,
)
from .prices import PlacementPrices, load_prices
from .schema import NET, PROTECTIVE_TOTAL, RISK_TOTAL, Domain, Instrument, Item, Level, Scale

__all__ = [
    "NET",
    "PROTECTIVE_TOTAL",
    "RISK_TOTAL",
    "Catalogue",
    "DefinitionIssue",
    "Domain",
    "Instrument",
    "InstrumentError",
    "IntakeCriteria",
    "Intervention",
    "Item",
    "LegalBases",
    "LegalBasis",
    "Level",
    "PlacementPrices",
    "Scale",
    "available",
    "load",
    "load_catalogue",
    "load_intake_criteria",
    "load_legal_bases",
    "load_prices",
    "loads",
    "resolve",
    "search_dirs",
    "validate",
]
