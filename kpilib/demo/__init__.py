"""The synthetic demo province: everything works on a fresh machine without real data."""

from kpilib.demo.build import DEFAULT_AS_OF, DEFAULT_SEED, DemoSummary, build_demo

__all__ = ["DEFAULT_AS_OF", "DEFAULT_SEED", "DemoSummary", "build_demo"]
