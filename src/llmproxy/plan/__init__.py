"""The plan: per-resource differences between the desired and the live state, with ownership,
safety checks and routing preflight. ``plan.builder.build_plan`` computes it; nothing here writes
or talks to a server."""
