"""archsim.cost package."""
