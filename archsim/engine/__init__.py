"""archsim.engine package."""
