"""The built-in report sections, one module each, registered in page order (:data:`archsim.report.registry.SECTIONS`).

A section module has a builder ``build(result) -> Section``; a new section is such a module plus one entry in
:data:`BUILT_IN` where it belongs in the page (or a :func:`~archsim.report.registry.register_section` call from
anywhere, which appends it), and, if the default part does not fit, its template part under
``templates/sections/`` named by ``Section.template``.
"""

from archsim.report.registry import register_section
from archsim.report.sections import accuracy, area, energy, gpu, hardware, mapping, timeline, utilisation

BUILT_IN = (("mapping", mapping.build), ("accuracy", accuracy.build), ("timeline", timeline.build),
            ("utilisation", utilisation.build), ("energy", energy.build), ("area", area.build), ("gpu", gpu.build),
            ("hardware", hardware.build))
"""The built-in sections in page order."""

for _sid, _build in BUILT_IN:
    register_section(_sid, _build)
