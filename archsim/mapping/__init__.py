"""archsim.mapping package."""
