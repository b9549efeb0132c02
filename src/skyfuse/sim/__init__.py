"""Scenario simulator: deterministic, vectorised, writes the scenario folder format.

```python
from skyfuse.sim import preset, simulate, write_result
result = simulate(preset("night-raid", seed=3))
write_result(result, Path("out/night-raid"))
```
"""

from skyfuse.sim.config import (
    AcousticParams,
    CoopParams,
    EoParams,
    RadarParams,
    RfParams,
    SimConfig,
)
from skyfuse.sim.presets import PRESETS, preset
from skyfuse.sim.simulate import SimResult, simulate, write_result

__all__ = [
    "PRESETS",
    "AcousticParams",
    "CoopParams",
    "EoParams",
    "RadarParams",
    "RfParams",
    "SimConfig",
    "SimResult",
    "preset",
    "simulate",
    "write_result",
]
