"""Survey content: models, loading and validation (data lives in a survey pack, ``bot/packs/<name>``)."""

from bot.survey.catalogue import Catalogue, SurveyDataError, catalogue, load_catalogue
from bot.survey.models import LANGUAGES, Item, Option, Survey

__all__ = [
    "LANGUAGES",
    "Catalogue",
    "Item",
    "Option",
    "Survey",
    "SurveyDataError",
    "catalogue",
    "load_catalogue",
]
