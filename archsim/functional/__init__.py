"""archsim.functional package."""
