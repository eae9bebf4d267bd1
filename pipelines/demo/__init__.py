"""The demo catalogue in one room: generators and builders here, every piece of content in ``data/``.

Why a package of its own: the demo is a feature (``opendata demo``, the load benchmark, the tests' realistic
catalogue), not part of the product's publishing path, so its ~1,800 lines of content and generators stay out of
``pipelines/``'s way. Modules: ``content`` reads the package data files; ``files`` holds the deterministic
writers; ``environment`` and ``services`` generate the published datasets' files; ``generate`` joins them to
their metadata; ``sources`` writes the ETL pipelines' messy sources and ``pipelines`` writes and runs those
pipelines; ``build`` publishes everything into a catalogue.
"""

from pipelines.demo.build import DemoSummary, build_demo

__all__ = ["DemoSummary", "build_demo"]
