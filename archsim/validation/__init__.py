"""Validation against published chips and papers: each check runs archsim's real pipeline (load, resolve, map,
simulate, price) on a bundled hardware file and compares the measured figure with the published one.

:func:`chip_checks` returns every :class:`Check` (ISAAC, PUMA, NeuroSim V1.4 VGG-8, the RPU paper's headline);
:func:`rapa_check` is RAPA's n_t-fold acceleration of a mapping's replicated convolutions;
``docs/validation.md`` ("Chips") tabulates them and ``tests/validation`` pins each measured ratio. No value in a
bundled file is tuned to a published figure; where archsim disagrees, the ratio is pinned and the document says why.
"""

from archsim.validation.checks import Check, chip_checks, isaac_checks, neurosim_checks, puma_checks, rpu_checks
from archsim.validation.rapa import RapaCheck, rapa_check

__all__ = ["Check", "RapaCheck", "chip_checks", "isaac_checks", "neurosim_checks", "puma_checks", "rapa_check",
           "rpu_checks"]
