"""Live state: plain records of what the target holds, with ownership markers. A target reads
them (``llmproxy.litellm.read``); the planner compares them with the desired state."""
