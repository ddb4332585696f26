"""Build hook: the gettext catalogues travel inside the package.

``pyproject.toml`` holds the project's metadata; this file only extends setuptools'
``build_py`` so that every build (``pip install .``, ``pip wheel .``, the Docker image)
compiles ``locales/<lang>/LC_MESSAGES/messages.po`` into
``bot/locales/<lang>/LC_MESSAGES/messages.mo`` of the built package, with Babel (as
``pybabel compile`` does: fuzzy entries left out; a catalogue with errors stops the build).
An editable install (``pip install -e .``) reads the ``.po`` files of the checkout instead
(``bot.i18n.load_catalogue``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also writes the compiled catalogues into ``bot/locales``."""

    def run(self) -> None:
        """Build as usual, then compile each ``locales/*/LC_MESSAGES/messages.po``."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        # babel is only needed when a wheel is built, not to import this file
        from babel.messages.mofile import write_mo  # noqa: PLC0415 - see above
        from babel.messages.pofile import read_po  # noqa: PLC0415 - see above

        sources = sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po"))
        if not sources:
            raise SystemExit("build: no catalogues in locales/*/LC_MESSAGES/messages.po")
        for po in sources:
            language = po.parent.parent.name
            with po.open("rb") as fp:
                catalogue = read_po(fp, locale=language, domain="messages", abort_invalid=True)
            errors = [f"{message.id!r}: {error}" for message, errs in catalogue.check() for error in errs]
            if errors:
                raise SystemExit(f"build: {po.relative_to(ROOT)}: {errors[0]}")
            target = Path(self.build_lib) / "bot" / "locales" / language / "LC_MESSAGES" / "messages.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fp:
                write_mo(fp, catalogue)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
